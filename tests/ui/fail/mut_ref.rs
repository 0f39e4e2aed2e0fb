use healthz_actix::readiness;

struct Pool;

#[readiness]
async fn database(pool: &mut Pool) {
    let _ = pool;
}

fn main() {}
