use healthz_actix::readiness;

#[readiness(name = "primary db")]
async fn database() {}

fn main() {}
