use healthz_actix::readiness;

#[readiness]
async fn database() -> u32 {
    1
}

fn main() {}
