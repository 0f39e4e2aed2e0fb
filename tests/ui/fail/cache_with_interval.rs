use healthz_actix::readiness;

#[readiness(cache = "5s", interval = "10s")]
async fn database() {}

fn main() {}
