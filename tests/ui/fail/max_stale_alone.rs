use healthz_actix::readiness;

#[readiness(max_stale = "1m")]
async fn database() {}

fn main() {}
