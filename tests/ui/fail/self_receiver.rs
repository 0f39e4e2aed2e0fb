use healthz_actix::readiness;

struct Database;

impl Database {
    #[readiness]
    async fn ping(&self) -> bool {
        true
    }
}

fn main() {}
