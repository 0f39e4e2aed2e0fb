use healthz_actix::readiness;

#[readiness(crate = 5)]
async fn database() {}

fn main() {}
