use std::rc::Rc;

use healthz_actix::readiness;

struct Pool;

#[readiness]
async fn database(pool: &Rc<Pool>) {
    let _ = pool;
}

fn main() {}
