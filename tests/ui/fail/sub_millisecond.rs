use healthz_actix::readiness;

#[readiness(timeout = "200us")]
async fn database() {}

fn main() {}
