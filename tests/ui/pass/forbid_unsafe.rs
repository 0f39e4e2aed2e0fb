//! Registration works in a crate that forbids unsafe code.
#![forbid(unsafe_code)]

use healthz_actix::readiness;

#[readiness]
async fn database() {}

fn main() {}
