use healthz_actix::readiness;

#[readiness(timeout = "200")]
async fn database() {}

fn main() {}
