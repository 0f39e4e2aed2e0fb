"""A gRPC health client nobody here wrote: Python's grpcio and grpcio-health-checking, driven by
example-grpc's tests (tests/python.rs), which read what it prints.

    health_client.py check ADDR SERVICE... [--token TOKEN]
        one Check per service; prints `SERVICE=SERVING` (the serving status) or `SERVICE=NOT_FOUND`
        (the status code of a failed call), one line each
    health_client.py watch ADDR SERVICE [--token TOKEN]
        one Watch; prints each serving status as it arrives, then `ended OK` when the server ends
        the stream, or `ended CODE` when the call fails
    health_client.py maintenance ADDR on|off
        calls example.Maintenance/On or /Off (google.protobuf.Empty, sent as no bytes); prints `ok`
"""

import argparse
import sys

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc


def status_name(response):
    return health_pb2.HealthCheckResponse.ServingStatus.Name(response.status)


def metadata(args):
    return (("authorization", f"Bearer {args.token}"),) if args.token else None


def check(stub, args):
    for service in args.services:
        try:
            response = stub.Check(
                health_pb2.HealthCheckRequest(service=service), timeout=10, metadata=metadata(args)
            )
            print(f"{service}={status_name(response)}", flush=True)
        except grpc.RpcError as e:
            print(f"{service}={e.code().name}", flush=True)


def watch(stub, args):
    try:
        for response in stub.Watch(
            health_pb2.HealthCheckRequest(service=args.services[0]), metadata=metadata(args)
        ):
            print(status_name(response), flush=True)
        print("ended OK", flush=True)
    except grpc.RpcError as e:
        print(f"ended {e.code().name}", flush=True)


def maintenance(channel, args):
    method = "/example.Maintenance/" + {"on": "On", "off": "Off"}[args.services[0]]
    call = channel.unary_unary(
        method, request_serializer=lambda _: b"", response_deserializer=lambda b: b
    )
    call(None, timeout=10)
    print("ok", flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["check", "watch", "maintenance"])
    parser.add_argument("addr")
    parser.add_argument("services", nargs="+")
    parser.add_argument("--token")
    args = parser.parse_args()
    with grpc.insecure_channel(args.addr) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        if args.mode == "check":
            check(stub, args)
        elif args.mode == "watch":
            watch(stub, args)
        else:
            maintenance(channel, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
