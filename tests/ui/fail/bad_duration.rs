use healthz_actix::readiness;

#[readiness(timeout = "5 parsecs")]
async fn database() {}

fn main() {}
