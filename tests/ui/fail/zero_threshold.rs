use healthz_actix::readiness;

#[readiness(failure_threshold = 0)]
async fn database() {}

fn main() {}
