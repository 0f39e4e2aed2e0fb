//! `examples/kubernetes`: the manifests are valid YAML, their probes point at the endpoints
//! healthz serves, and their timings match the example's drain.

use std::path::{Path, PathBuf};

use healthz_actix::Endpoint;
use healthz_rules::DEFAULT_TIMEOUT;
use yaml_rust2::{Yaml, YamlLoader};

fn example(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../examples")
        .join(path)
}

fn read(path: &str) -> String {
    std::fs::read_to_string(example(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The documents of `deployment.yaml`, by kind.
fn manifests() -> Vec<Yaml> {
    YamlLoader::load_from_str(&read("kubernetes/deployment.yaml")).expect("valid YAML")
}

fn of_kind<'a>(docs: &'a [Yaml], kind: &str) -> &'a Yaml {
    docs.iter()
        .find(|d| d["kind"].as_str() == Some(kind))
        .unwrap_or_else(|| panic!("no {kind} in deployment.yaml"))
}

fn int(yaml: &Yaml, what: &str) -> i64 {
    yaml.as_i64()
        .unwrap_or_else(|| panic!("{what} is not an integer: {yaml:?}"))
}

/// The container's environment variable `name`, as a number.
fn env_number(container: &Yaml, name: &str) -> i64 {
    let env = container["env"].as_vec().expect("env is a list");
    let value = env
        .iter()
        .find(|e| e["name"].as_str() == Some(name))
        .unwrap_or_else(|| panic!("no env {name}"))["value"]
        .as_str()
        .unwrap_or_else(|| panic!("env {name} is not a string"));
    value
        .parse()
        .unwrap_or_else(|_| panic!("env {name} = {value:?} is not a number"))
}

#[test]
fn probes_point_at_the_endpoints() {
    let docs = manifests();
    let deployment = of_kind(&docs, "Deployment");
    let pod = &deployment["spec"]["template"]["spec"];
    let container = &pod["containers"][0];
    let port = &container["ports"][0];
    assert_eq!(port["name"].as_str(), Some("http"));
    assert_eq!(int(&port["containerPort"], "containerPort"), 8080);
    let bind = container["env"]
        .as_vec()
        .unwrap()
        .iter()
        .find(|e| e["name"].as_str() == Some("BIND"))
        .unwrap()["value"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        bind, "0.0.0.0:8080",
        "the service listens on the container port, on every interface"
    );
    for (probe, endpoint) in [
        ("startupProbe", Endpoint::Startupz),
        ("livenessProbe", Endpoint::Livez),
        ("readinessProbe", Endpoint::Readyz),
    ] {
        let probe_yaml = &container[probe];
        assert_eq!(
            probe_yaml["httpGet"]["path"].as_str(),
            Some(endpoint.default_path()),
            "{probe}"
        );
        assert_eq!(
            probe_yaml["httpGet"]["port"].as_str(),
            Some("http"),
            "{probe}"
        );
        let timeout = int(&probe_yaml["timeoutSeconds"], "timeoutSeconds");
        assert!(
            u128::from(timeout.unsigned_abs()) * 1000 > DEFAULT_TIMEOUT.as_millis(),
            "{probe}: the kubelet's timeout ({timeout} s) must exceed healthz's probe timeout"
        );
    }
    let service = of_kind(&docs, "Service");
    assert_eq!(
        service["spec"]["ports"][0]["targetPort"].as_str(),
        Some("http")
    );
    assert_eq!(
        service["spec"]["selector"]["app.kubernetes.io/name"],
        deployment["spec"]["template"]["metadata"]["labels"]["app.kubernetes.io/name"]
    );
}

#[test]
fn the_termination_grace_covers_the_drain() {
    let docs = manifests();
    let pod = &of_kind(&docs, "Deployment")["spec"]["template"]["spec"];
    let container = &pod["containers"][0];
    let grace = int(
        &pod["terminationGracePeriodSeconds"],
        "terminationGracePeriodSeconds",
    );
    let pre_stop = int(
        &container["lifecycle"]["preStop"]["sleep"]["seconds"],
        "preStop sleep",
    );
    let drain = env_number(container, "DRAIN_SECS");
    let shutdown = env_number(container, "SHUTDOWN_TIMEOUT_SECS");
    assert!(
        grace > pre_stop + drain + shutdown,
        "terminationGracePeriodSeconds {grace} must exceed preStop {pre_stop} + DRAIN_SECS {drain} + SHUTDOWN_TIMEOUT_SECS {shutdown}, or the kubelet kills the pod mid-drain"
    );
    let readiness_period = int(
        &container["readinessProbe"]["periodSeconds"],
        "periodSeconds",
    );
    assert!(
        drain >= readiness_period,
        "the drain ({drain} s) must last at least one readiness period ({readiness_period} s) so the kubelet sees it"
    );
}

#[test]
fn the_environment_is_what_the_example_reads() {
    // The example reads some variables itself and some through its shared probes crate.
    let main = read("basic/src/main.rs") + &read("probes/src/lib.rs");
    let docs = manifests();
    let container = &of_kind(&docs, "Deployment")["spec"]["template"]["spec"]["containers"][0];
    for env in container["env"].as_vec().unwrap() {
        let name = env["name"].as_str().unwrap();
        assert!(
            main.contains(&format!("\"{name}\"")),
            "examples/basic does not read {name}"
        );
    }
}

#[test]
fn the_dockerfile_health_check_runs_the_binary() {
    let dockerfile = read("kubernetes/Dockerfile");
    let healthcheck = dockerfile
        .lines()
        .skip_while(|l| !l.starts_with("HEALTHCHECK"))
        .take_while(|l| !l.trim().is_empty())
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        healthcheck.contains(r#"CMD ["/app/example-basic", "healthcheck"]"#),
        "{healthcheck}"
    );
    assert!(dockerfile.contains("-p example-basic"));
    assert!(read("basic/src/main.rs").contains("Some(\"healthcheck\")"));
}
