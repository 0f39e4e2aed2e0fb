use healthz_actix::readiness;

#[readiness]
async fn database(url: &str) {
    let _ = url;
}

fn main() {}
