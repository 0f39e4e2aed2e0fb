use healthz_actix::readiness;

#[readiness(timeout = "0s")]
async fn database() {}

fn main() {}
