use healthz_actix::readiness;

#[readiness(timeout = "200ms", timeout = "1s")]
async fn database() {}

fn main() {}
