use healthz_actix::readiness;

#[readiness]
async fn database<P: Send + Sync + 'static>(pool: &P) {
    let _ = pool;
}

fn main() {}
