//! A real browser for the dashboard's tests: headless Chromium driven by `chromedriver` over the
//! W3C WebDriver protocol (JSON over HTTP), with the handful of commands the tests use. The
//! protocol is small enough that a client crate (fantoccini) would add more to build than it
//! saves: this speaks it with the `reqwest` the tests already have.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::tool;

/// A `chromedriver` process and one headless Chromium session; both end when dropped.
pub struct Browser {
    driver: Child,
    base: String,
    session: String,
    http: reqwest::Client,
}

impl std::fmt::Debug for Browser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Browser")
            .field("base", &self.base)
            .finish_non_exhaustive()
    }
}

/// A free port on 127.0.0.1, as the OS hands one out.
///
/// # Panics
///
/// If no port can be bound.
pub fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind an ephemeral port");
    listener.local_addr().expect("local address").port()
}

impl Browser {
    /// Starts `chromedriver` (from `CHROMEDRIVER` or the `PATH`) and a headless Chromium (from
    /// `CHROMIUM`, default `/usr/bin/chromium`) with its console log recorded.
    ///
    /// `None`, after printing that the calling test skips, when either is missing.
    ///
    /// # Panics
    ///
    /// Under `HEALTHZ_REQUIRE_SERVICES=1` when either is missing, and when the session cannot start.
    pub async fn start() -> Option<Browser> {
        let driver_path = tool("chromedriver", "CHROMEDRIVER", "--version")?;
        let chromium = tool(
            &std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()),
            "CHROMIUM",
            "--version",
        )?;
        let port = free_port();
        let driver = Command::new(&driver_path)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("start {driver_path}: {e}"));
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .expect("a reqwest client");
        let mut browser = Browser {
            driver,
            base: format!("http://127.0.0.1:{port}"),
            session: String::new(),
            http,
        };
        let started = Instant::now();
        while browser.call("GET", "/status", None).await.is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "chromedriver did not answer within 10 s"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let capabilities = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium,
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         "--window-size=1100,760", "--hide-scrollbars"],
            },
            "goog:loggingPrefs": {"browser": "ALL"},
        }}});
        let created = browser
            .call("POST", "/session", Some(capabilities))
            .await
            .unwrap_or_else(|e| panic!("a Chromium session: {e}"));
        created["sessionId"]
            .as_str()
            .expect("a session id")
            .clone_into(&mut browser.session);
        Some(browser)
    }

    async fn call(&self, method: &str, path: &str, body: Option<Value>) -> Result<Value, String> {
        let url = format!("{}{path}", self.base);
        let request = match method {
            "GET" => self.http.get(&url),
            "DELETE" => self.http.delete(&url),
            _ => self
                .http
                .post(&url)
                .header("content-type", "application/json")
                .body(body.unwrap_or_else(|| json!({})).to_string()),
        };
        let response = request.send().await.map_err(|e| e.to_string())?;
        let status = response.status();
        let text = response.text().await.map_err(|e| e.to_string())?;
        let value: Value = serde_json::from_str(&text).map_err(|e| format!("{e}: {text}"))?;
        if status.is_success() {
            Ok(value["value"].clone())
        } else {
            Err(format!("{method} {path}: {status}: {}", value["value"]))
        }
    }

    async fn session_call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let path = format!("/session/{}{path}", self.session);
        self.call(method, &path, body)
            .await
            .unwrap_or_else(|e| panic!("WebDriver: {e}"))
    }

    /// Loads `url` and waits for it to load.
    pub async fn goto(&self, url: &str) {
        self.session_call("POST", "/url", Some(json!({ "url": url })))
            .await;
    }

    /// Runs `script` (a function body; `arguments` holds `args`) in the page, and returns what it
    /// returns.
    pub async fn eval(&self, script: &str, args: Value) -> Value {
        self.session_call(
            "POST",
            "/execute/sync",
            Some(json!({ "script": script, "args": args })),
        )
        .await
    }

    /// Waits up to `limit` for `script` to return something truthy; returns how long it took.
    ///
    /// # Panics
    ///
    /// When it does not within `limit`, with `what` and the page's last answer.
    pub async fn wait_for(&self, what: &str, limit: Duration, script: &str) -> Duration {
        let started = Instant::now();
        loop {
            let value = self.eval(script, json!([])).await;
            if !matches!(value, Value::Null | Value::Bool(false)) {
                return started.elapsed();
            }
            assert!(
                started.elapsed() < limit,
                "{what}: not within {limit:?} (last answer {value})"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// A PNG screenshot of the window.
    ///
    /// # Panics
    ///
    /// When the browser sends no image.
    pub async fn screenshot(&self) -> Vec<u8> {
        let encoded = self.session_call("GET", "/screenshot", None).await;
        decode_base64(encoded.as_str().expect("a base64 image"))
    }

    /// The console messages (and CSP reports, network errors) the page logged since the last
    /// call: `(level, message)`.
    pub async fn console(&self) -> Vec<(String, String)> {
        let log = self
            .session_call("POST", "/se/log", Some(json!({"type": "browser"})))
            .await;
        log.as_array()
            .into_iter()
            .flatten()
            .map(|entry| {
                (
                    entry["level"].as_str().unwrap_or("").to_owned(),
                    entry["message"].as_str().unwrap_or("").to_owned(),
                )
            })
            .collect()
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // Closing the session quits Chromium; killing chromedriver alone could leave it behind.
        let url = format!("{}/session/{}", self.base, self.session);
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build();
            if let Ok(runtime) = runtime {
                runtime.block_on(async {
                    let _ = reqwest::Client::new().delete(url).send().await;
                });
            }
        })
        .join();
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

fn decode_base64(text: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    };
    let digits: Vec<u8> = text.bytes().filter_map(value).collect();
    let mut out = Vec::with_capacity(digits.len() * 3 / 4);
    for chunk in digits.chunks(4) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &d)| n | (u32::from(d) << (18 - 6 * i)));
        let bytes = n.to_be_bytes();
        out.extend_from_slice(&bytes[1..chunk.len()]);
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn decodes_base64() {
        assert_eq!(super::decode_base64("Zm9vYmE="), b"fooba");
        assert_eq!(super::decode_base64("Zm9vYg=="), b"foob");
        assert_eq!(super::decode_base64("Zm9v"), b"foo");
    }
}
