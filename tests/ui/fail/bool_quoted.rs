use healthz_actix::readiness;

#[readiness(critical = "false")]
async fn database() {}

fn main() {}
