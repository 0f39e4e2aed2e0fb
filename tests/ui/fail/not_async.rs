use healthz_actix::readiness;

#[readiness]
fn database() -> bool {
    true
}

fn main() {}
