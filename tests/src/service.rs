//! The real servers some tests need (`PostgreSQL`, `MariaDB`, Redis, RabbitMQ, NATS, Mosquitto):
//! where they are, and whether a test runs, skips or fails when one is absent.

use std::net::{SocketAddr, TcpStream, ToSocketAddrs as _};
use std::time::Duration;

use url::Url;

/// Set to `1` (as `.ci/run` does) to make a test whose server is absent fail instead of skip.
pub const REQUIRE_SERVICES: &str = "HEALTHZ_REQUIRE_SERVICES";

/// A server the tests know how to find.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Needs {
    /// `PostgreSQL`: `DATABASE_URL`, default `postgres://postgres@127.0.0.1:5432/test`.
    Postgres,
    /// `MySQL` or `MariaDB`: `MYSQL_URL`, default `mysql://root@127.0.0.1:3306/test`.
    MySql,
    /// Redis: `REDIS_URL`, default `redis://127.0.0.1:6379`.
    Redis,
    /// An AMQP 0-9-1 broker (RabbitMQ): `AMQP_URL`, default
    /// `amqp://guest:guest@127.0.0.1:5672/%2f`.
    Amqp,
    /// NATS, with JetStream for the JetStream tests: `NATS_URL`, default `nats://127.0.0.1:4222`.
    Nats,
    /// An MQTT broker (Mosquitto): `MQTT_URL`, default `mqtt://127.0.0.1:1883`.
    Mqtt,
}

impl Needs {
    /// The environment variable that holds the server's URL.
    pub const fn var(self) -> &'static str {
        match self {
            Needs::Postgres => "DATABASE_URL",
            Needs::MySql => "MYSQL_URL",
            Needs::Redis => "REDIS_URL",
            Needs::Amqp => "AMQP_URL",
            Needs::Nats => "NATS_URL",
            Needs::Mqtt => "MQTT_URL",
        }
    }

    /// The URL used when the variable is not set.
    pub const fn default_url(self) -> &'static str {
        match self {
            Needs::Postgres => "postgres://postgres@127.0.0.1:5432/test",
            Needs::MySql => "mysql://root@127.0.0.1:3306/test",
            Needs::Redis => "redis://127.0.0.1:6379",
            Needs::Amqp => "amqp://guest:guest@127.0.0.1:5672/%2f",
            Needs::Nats => "nats://127.0.0.1:4222",
            Needs::Mqtt => "mqtt://127.0.0.1:1883",
        }
    }

    /// The server's name, for messages.
    pub const fn name(self) -> &'static str {
        match self {
            Needs::Postgres => "PostgreSQL",
            Needs::MySql => "MySQL/MariaDB",
            Needs::Redis => "Redis",
            Needs::Amqp => "RabbitMQ",
            Needs::Nats => "NATS",
            Needs::Mqtt => "MQTT broker",
        }
    }

    const fn default_port(self) -> u16 {
        match self {
            Needs::Postgres => 5432,
            Needs::MySql => 3306,
            Needs::Redis => 6379,
            Needs::Amqp => 5672,
            Needs::Nats => 4222,
            Needs::Mqtt => 1883,
        }
    }
}

/// A reachable server: its URL and its address.
#[derive(Clone, Debug)]
pub struct Service {
    url: Url,
    addr: SocketAddr,
}

impl Service {
    /// The server a test needs, if it answers on its port.
    ///
    /// When it does not, this prints that the calling test skips and returns `None`.
    ///
    /// # Panics
    ///
    /// With `HEALTHZ_REQUIRE_SERVICES=1`, when the server is not usable, naming the reason.
    ///
    /// ```no_run
    /// use healthz_tests::{Needs, Service};
    ///
    /// let Some(postgres) = Service::get(Needs::Postgres) else { return };
    /// println!("testing against {}", postgres.url());
    /// ```
    pub fn get(needs: Needs) -> Option<Service> {
        let var = needs.var();
        let url = std::env::var(var).unwrap_or_else(|_| needs.default_url().to_owned());
        match Service::reach(needs, &url) {
            Ok(service) => Some(service),
            Err(reason) => {
                let shown = healthz_actix::redact(&url);
                let message = format!(
                    "{} at {shown} (from {var}) is not usable: {reason}",
                    needs.name()
                );
                assert!(
                    std::env::var(REQUIRE_SERVICES).as_deref() != Ok("1"),
                    "{message}; {REQUIRE_SERVICES}=1 makes this a failure"
                );
                let test = std::thread::current();
                eprintln!(
                    "skipped {}: {message}; set {REQUIRE_SERVICES}=1 to fail instead",
                    test.name().unwrap_or("a test")
                );
                None
            }
        }
    }

    fn reach(needs: Needs, url: &str) -> Result<Service, String> {
        let url = Url::parse(url).map_err(|e| format!("invalid URL: {e}"))?;
        let host = url.host_str().ok_or("the URL names no host")?;
        let port = url.port().unwrap_or(needs.default_port());
        let addr = (host, port)
            .to_socket_addrs()
            .map_err(|e| format!("cannot resolve {host}: {e}"))?
            .next()
            .ok_or_else(|| format!("{host} resolves to no address"))?;
        TcpStream::connect_timeout(&addr, Duration::from_secs(2))
            .map_err(|e| format!("cannot connect to {addr}: {e}"))?;
        Ok(Service { url, addr })
    }

    /// The server's URL.
    pub fn url(&self) -> &str {
        self.url.as_str()
    }

    /// The server's address, for a [`Proxy`](crate::Proxy) in front of it.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The server's URL with its host and port replaced by `addr` (a proxy's).
    ///
    /// # Panics
    ///
    /// If the URL cannot take a host, which no URL that [`get`](Self::get) accepted does.
    pub fn url_via(&self, addr: SocketAddr) -> String {
        let mut url = self.url.clone();
        url.set_ip_host(addr.ip())
            .expect("a URL with a host takes another");
        url.set_port(Some(addr.port()))
            .expect("a URL with a host takes a port");
        url.into()
    }
}
