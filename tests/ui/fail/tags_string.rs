use healthz_actix::readiness;

#[readiness(tags = "db")]
async fn database() {}

fn main() {}
