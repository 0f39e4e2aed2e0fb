use healthz_actix::readiness;

#[readiness(cache = "5M")]
async fn database() {}

fn main() {}
