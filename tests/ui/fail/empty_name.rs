use healthz_actix::readiness;

#[readiness(name = "")]
async fn database() {}

fn main() {}
