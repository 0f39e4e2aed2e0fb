//! The guide's page on probes (`healthz-core/src/guide/probes.md`) shows what `build()` says when
//! the probes' state is missing, with these probes: this test holds that block to the real
//! message. `HEALTHZ_BLESS_DOCS=1` rewrites it.

use std::path::Path;

use healthz_core::Health;
// Linking the crate registers its probes.
use example_probes as _;

const START: &str = "```text\ncannot build health checks";

#[test]
fn the_guide_shows_the_real_missing_state_error() {
    // The pool is not supplied.
    let error = Health::builder()
        .build()
        .expect_err("the probes need a pool")
        .to_string();
    assert!(
        error.contains("readiness probe `database` at examples/probes/src/lib.rs:"),
        "{error}"
    );

    let page = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../healthz-core/src/guide/probes.md");
    let text = std::fs::read_to_string(&page).expect("the guide's page is readable");
    let start = text.find(START).expect("the guide shows the error") + "```text\n".len();
    let end = start + text[start..].find("```").expect("the block ends");
    let expected = format!("{}\n", error.trim_end());
    if text[start..end] == expected {
        return;
    }
    if std::env::var("HEALTHZ_BLESS_DOCS").as_deref() == Ok("1") {
        let fixed = format!("{}{expected}{}", &text[..start], &text[end..]);
        std::fs::write(&page, fixed).expect("the guide's page is writable");
        return;
    }
    panic!(
        "the guide's missing-state error is not build()'s; run with HEALTHZ_BLESS_DOCS=1 to rewrite it. Expected:\n{expected}"
    );
}
