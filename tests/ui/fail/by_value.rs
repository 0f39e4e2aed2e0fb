use healthz_actix::readiness;

struct Pool;

#[readiness]
async fn database(pool: Pool) {
    let _ = pool;
}

fn main() {}
