use healthz_actix::readiness;

trait Ping {}

#[readiness]
async fn database(pool: &impl Ping) {
    let _ = pool;
}

fn main() {}
