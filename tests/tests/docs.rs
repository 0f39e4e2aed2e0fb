//! The key tables of the documentation are the rule book's (`healthz_rules::Key::info`), row for
//! row: the README's and the manual of each attribute. `HEALTHZ_BLESS_DOCS=1` rewrites them.

use std::path::{Path, PathBuf};

use healthz_rules::{Key, Kind};

const HEADER: &str = "| key | default | meaning |\n|---|---|---|\n";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ is in the workspace")
        .to_owned()
}

/// The table of the keys `kind` takes, as the rule book writes it.
fn table(kind: Kind) -> String {
    let mut table = String::from(HEADER);
    for key in Key::for_kind(kind) {
        table.push_str(&key.doc_row());
        table.push('\n');
    }
    table
}

/// Checks (or with `HEALTHZ_BLESS_DOCS=1`, rewrites) the key table of `file`.
fn check(file: &str, kind: Kind) {
    let path = root().join(file);
    let text = std::fs::read_to_string(&path).expect("the file is readable");
    let start = text
        .find(HEADER)
        .unwrap_or_else(|| panic!("{file} has no key table"));
    let end = text[start..]
        .find("\n\n")
        .map_or(text.len(), |i| start + i + 1);
    let expected = table(kind);
    if text[start..end] == expected {
        return;
    }
    if std::env::var("HEALTHZ_BLESS_DOCS").as_deref() == Ok("1") {
        let fixed = format!("{}{expected}{}", &text[..start], &text[end..]);
        std::fs::write(&path, fixed).expect("the file is writable");
        return;
    }
    panic!(
        "the key table of {file} is not the rule book's; run with HEALTHZ_BLESS_DOCS=1 to rewrite it. Expected:\n{expected}"
    );
}

#[test]
fn key_tables_are_the_rule_books() {
    check("README.md", Kind::Readiness);
    check("healthz-macros/src/docs/keys.md", Kind::Readiness);
    check("healthz-macros/src/docs/startup_keys.md", Kind::Startup);
}
