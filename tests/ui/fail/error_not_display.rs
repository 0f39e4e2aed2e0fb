use healthz_actix::readiness;

#[derive(Debug)]
struct Opaque;

#[readiness]
async fn database() -> Result<(), Opaque> {
    Err(Opaque)
}

fn main() {}
