//! The dashboard in a real browser: headless Chromium (Debian's `chromium` and `chromium-driver`,
//! installed by `.ci/run`) loads `/healthz/ui` from the running example, and follows it live
//! through maintenance mode and a server restart, without a reload and without a console error.

use std::time::Duration;

use healthz_tests::example::{Example, client};
use healthz_tests::{Browser, free_port};
use serde_json::json;

/// The probes `examples/probes` registers, as `kind/name`.
const PROBES: [&str; 4] = [
    "liveness/event_loop",
    "readiness/catalog",
    "readiness/database",
    "startup/migrations",
];

/// The example on `port`, stopping 1 s after SIGTERM.
fn start(port: u16) -> Example {
    let bind = format!("127.0.0.1:{port}");
    Example::start(
        env!("CARGO_BIN_EXE_example-basic"),
        "example-basic",
        &[("BIND", &bind), ("DRAIN_SECS", "1")],
    )
}

/// Switches the example's maintenance mode, and waits up to 1 s for the page's readiness card to
/// turn `fail` (on) or `pass` (off); returns how long that took.
async fn maintenance(browser: &Browser, example: &Example, on: bool, what: &str) -> Duration {
    let switch = if on { "on" } else { "off" };
    let answer = client()
        .post(example.url(&format!("/maintenance/{switch}")))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status().as_u16(), 200, "{what}");
    let status = if on { "fail" } else { "pass" };
    let script =
        format!("return document.getElementById('kind-readiness')?.dataset.status === '{status}';");
    browser
        .wait_for(what, Duration::from_secs(1), &script)
        .await
}

/// `document.querySelector(selector)?.dataset.status`.
fn status_of(selector: &str) -> String {
    format!("return document.querySelector({selector:?})?.dataset.status ?? null;")
}

#[tokio::test]
async fn the_dashboard_follows_the_example_live_in_chromium() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let port = free_port();
    let example = start(port);

    browser.goto(&example.url("/healthz/ui")).await;

    // Every probe, and the live connection.
    browser
        .wait_for(
            "the page connects",
            Duration::from_secs(5),
            "return document.getElementById('connection')?.dataset.state === 'live';",
        )
        .await;
    for probe in PROBES {
        let (kind, name) = probe.split_once('/').expect("kind/name");
        let selector = format!("tr[data-kind='{kind}'][data-name='{name}']");
        browser
            .wait_for(
                &format!("a row for {probe} that passes"),
                Duration::from_secs(5),
                &format!("return document.querySelector({selector:?})?.dataset.status === 'pass';"),
            )
            .await;
    }
    assert_eq!(
        browser.eval(&status_of("#kind-readiness"), json!([])).await,
        "pass"
    );
    // Set on this page: still there after the changes below means nothing reloaded it.
    browser
        .eval("window.healthzMarker = 42; return true;", json!([]))
        .await;

    // Maintenance on: the readiness row turns red within 1 s, with the reason.
    let took = maintenance(
        &browser,
        &example,
        true,
        "readiness turns fail after maintenance on",
    )
    .await;
    eprintln!("readiness shown failing {took:?} after maintenance on");
    let text = browser
        .eval(
            "return document.getElementById('kind-readiness').textContent;",
            json!([]),
        )
        .await;
    assert!(
        text.as_str()
            .unwrap_or("")
            .contains("maintenance mode is on"),
        "the reason is shown: {text}"
    );
    let took = maintenance(
        &browser,
        &example,
        false,
        "readiness passes again after maintenance off",
    )
    .await;
    eprintln!("readiness shown passing {took:?} after maintenance off");

    // No console message above INFO so far: no CSP violation, script error or failed load.
    let console = browser.console().await;
    let problems: Vec<_> = console
        .iter()
        .filter(|(level, _)| level != "INFO" && level != "DEBUG")
        .collect();
    assert!(problems.is_empty(), "console: {problems:#?}");

    // A server restart, as Kubernetes does one: SIGTERM, the grace period, the stream ended by
    // the server, and a new process on the same port. The page says it lost the server, then
    // reconnects on its own.
    let mut example = example;
    example.terminate();
    let exit = example.exit_within(Duration::from_secs(10)).await;
    assert!(exit.success(), "the example stops cleanly: {exit}");
    browser
        .wait_for(
            "the page notices the server is gone",
            Duration::from_secs(5),
            "return document.getElementById('connection')?.dataset.state === 'reconnecting';",
        )
        .await;
    let example = start(port);
    let took = browser
        .wait_for(
            "the page reconnects after the restart",
            Duration::from_secs(15),
            "return document.getElementById('connection')?.dataset.state === 'live';",
        )
        .await;
    eprintln!("reconnected {took:?} after the restart");
    assert_eq!(
        browser
            .eval("return window.healthzMarker ?? null;", json!([]))
            .await,
        42,
        "the page was not reloaded"
    );
    // The new server's maintenance mode shows too: the page follows the new stream. The
    // screenshot for the docs is taken then, with a few runs in each history strip.
    tokio::time::sleep(Duration::from_secs(3)).await;
    maintenance(
        &browser,
        &example,
        true,
        "readiness turns fail on the restarted server",
    )
    .await;
    let shot = browser.screenshot().await;
    assert!(shot.starts_with(b"\x89PNG"), "a PNG screenshot");
    let path = concat!(env!("CARGO_TARGET_TMPDIR"), "/dashboard.png");
    std::fs::write(path, &shot).expect("write the screenshot");
    eprintln!("screenshot: {path}");
    // `HEALTHZ_BLESS_DOCS=1` puts it in docs/dashboard.png, which the README shows and the
    // guide's dashboard page links by its absolute URL.
    if std::env::var("HEALTHZ_BLESS_DOCS").as_deref() == Ok("1") {
        let docs = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/dashboard.png");
        std::fs::write(docs, &shot).expect("write docs/dashboard.png");
    }
    maintenance(
        &browser,
        &example,
        false,
        "readiness passes again on the restarted server",
    )
    .await;

    // Since the restart, only the stream's refused reconnection attempts while the server was
    // down.
    let console = browser.console().await;
    let problems: Vec<_> = console
        .iter()
        .filter(|(level, message)| {
            level != "INFO" && level != "DEBUG" && !message.contains("ERR_CONNECTION_REFUSED")
        })
        .collect();
    assert!(
        problems.is_empty(),
        "console after the restart: {problems:#?}"
    );
}
