use healthz_actix::readiness;

#[readiness]
struct Database;

fn main() {}
