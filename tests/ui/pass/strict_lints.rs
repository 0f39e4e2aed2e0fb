//! The expansion is clean under strict lints.
#![deny(warnings, unused_qualifications, missing_docs, unreachable_pub)]
#![deny(clippy::pedantic)]

use healthz_actix::{readiness, Check};

/// A probe.
#[readiness(timeout = "1s 500ms", tags = ["db"], failure_threshold = 3)]
async fn database(pool: &std::sync::Arc<u8>) -> Result<Check, String> {
    let _ = pool;
    Ok(Check::pass())
}

fn main() {}
