use healthz_actix::readiness;

#[readiness(critical = "yes")]
async fn database() {}

fn main() {}
