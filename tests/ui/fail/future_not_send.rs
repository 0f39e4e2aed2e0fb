use std::rc::Rc;

use healthz_actix::readiness;

async fn ping() {}

#[readiness]
async fn database() {
    let local = Rc::new(1);
    ping().await;
    drop(local);
}

fn main() {}
