use std::cell::Cell;

use healthz_actix::readiness;

#[readiness]
async fn counter(hits: &Cell<u64>) -> bool {
    hits.get() < 1_000
}

fn main() {}
