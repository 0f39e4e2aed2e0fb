use healthz_actix::readiness;

#[readiness(interval = "10s", max_stale = "5s")]
async fn database() {}

fn main() {}
