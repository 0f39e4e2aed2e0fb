use healthz_actix::readiness;

#[readiness(timeout)]
async fn database() {}

fn main() {}
