use healthz_actix::readiness;

#[readiness(timout = "200ms")]
async fn database() {}

fn main() {}
