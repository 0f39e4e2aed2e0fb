use healthz_actix::readiness;

#[readiness(cache = "1y")]
async fn database() {}

fn main() {}
