//! An MQTT client whose event loop is polled and shown to an `MqttMonitor`, as the documentation
//! of `checks::mqtt` tells users to do.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use healthz_actix::checks::MqttMonitor;
use rumqttc::{AsyncClient, MqttOptions};
use tokio::task::JoinHandle;

/// A rumqttc client, its monitor, and the task that polls its event loop (polling again 100 ms
/// after an error, which reconnects). The task stops when this is dropped.
#[derive(Debug)]
pub struct Mqtt {
    /// The client.
    pub client: AsyncClient,
    /// What `checks::mqtt` reads.
    pub monitor: MqttMonitor,
    driver: JoinHandle<()>,
}

impl Mqtt {
    /// A client of the broker at `addr`, with an id of its own (a broker drops a client when
    /// another connects with its id). Needs a Tokio runtime.
    pub fn start(addr: SocketAddr) -> Mqtt {
        static CLIENTS: AtomicUsize = AtomicUsize::new(0);
        let n = CLIENTS.fetch_add(1, Ordering::Relaxed);
        let id = format!("healthz-test-{}-{n}", std::process::id());
        let options = MqttOptions::new(id, addr.ip().to_string(), addr.port());
        let (client, mut event_loop) = AsyncClient::new(options, 10);
        let monitor = MqttMonitor::new(&client);
        let observer = monitor.clone();
        let driver = tokio::spawn(async move {
            loop {
                let event = event_loop.poll().await;
                observer.observe(&event);
                if event.is_err() {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        });
        Mqtt {
            client,
            monitor,
            driver,
        }
    }

    /// Stops polling the event loop, which drops it, and waits until it is gone.
    pub async fn stop_polling(&mut self) {
        self.driver.abort();
        let _ = (&mut self.driver).await;
    }
}

impl Drop for Mqtt {
    fn drop(&mut self) {
        self.driver.abort();
    }
}
