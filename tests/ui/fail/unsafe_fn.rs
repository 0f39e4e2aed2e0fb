use healthz_actix::liveness;

#[liveness]
async unsafe fn event_loop() {}

fn main() {}
