use healthz_actix::readiness;

#[readiness(blocking = true)]
async fn database() {}

fn main() {}
