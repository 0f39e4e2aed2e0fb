use healthz_actix::readiness;

#[readiness]
#[readiness(name = "db")]
async fn database() {}

fn main() {}
