use healthz_actix::readiness;

trait Ping {}

#[readiness]
async fn database(pool: &dyn Ping) {
    let _ = pool;
}

fn main() {}
