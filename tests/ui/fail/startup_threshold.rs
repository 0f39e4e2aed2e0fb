use healthz_actix::startup;

#[startup(failure_threshold = 3)]
async fn migrations() -> bool {
    true
}

fn main() {}
