//! Tables of the documentation that are generated, so they cannot drift:
//!
//! - the key tables are the rule book's (`healthz_rules::Key::info`), row for row: the guide's
//!   and the manual of each attribute;
//! - the feature tables of each crate's front page (its `lib.rs` docs) are its `Cargo.toml`'s
//!   `## ` comments above each feature.
//!
//! `HEALTHZ_BLESS_DOCS=1` rewrites them.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use healthz_rules::{Key, Kind};

const HEADER: &str = "| key | default | meaning |\n|---|---|---|\n";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ is in the workspace")
        .to_owned()
}

fn bless() -> bool {
    std::env::var("HEALTHZ_BLESS_DOCS").as_deref() == Ok("1")
}

/// Replaces `text[start..end]` by `expected` in `file`, or panics saying how it differs.
fn keep(file: &str, text: &str, start: usize, end: usize, expected: &str, what: &str) {
    if text[start..end] == *expected {
        return;
    }
    if bless() {
        let fixed = format!("{}{expected}{}", &text[..start], &text[end..]);
        std::fs::write(root().join(file), fixed).expect("the file is writable");
        return;
    }
    panic!(
        "the {what} of {file} is out of date; run with HEALTHZ_BLESS_DOCS=1 to rewrite it. Expected:\n{expected}"
    );
}

/// The table of the keys `kind` takes, as the rule book writes it.
fn key_table(kind: Kind) -> String {
    let mut table = String::from(HEADER);
    for key in Key::for_kind(kind) {
        table.push_str(&key.doc_row());
        table.push('\n');
    }
    table
}

/// Checks (or with `HEALTHZ_BLESS_DOCS=1`, rewrites) the key table of `file`.
fn check_keys(file: &str, kind: Kind) {
    let text = std::fs::read_to_string(root().join(file)).expect("the file is readable");
    let start = text
        .find(HEADER)
        .unwrap_or_else(|| panic!("{file} has no key table"));
    let end = text[start..]
        .find("\n\n")
        .map_or(text.len(), |i| start + i + 1);
    keep(file, &text, start, end, &key_table(kind), "key table");
}

#[test]
fn key_tables_are_the_rule_books() {
    check_keys("healthz-core/src/guide/probes.md", Kind::Readiness);
    check_keys("healthz-macros/src/docs/keys.md", Kind::Readiness);
    check_keys("healthz-macros/src/docs/startup_keys.md", Kind::Startup);
}

/// One feature of a `Cargo.toml`: its name, whether it is a default one, and its `## ` comment.
#[derive(Debug)]
struct Feature {
    name: String,
    default: bool,
    doc: String,
}

/// The features of `manifest` in their order, with the `## ` comment lines above each (in the
/// document-features style), joined into one line.
fn features(manifest: &str) -> Vec<Feature> {
    let text = std::fs::read_to_string(root().join(manifest)).expect("the manifest is readable");
    let mut lines = text.lines().skip_while(|line| line.trim() != "[features]");
    lines.next();
    let mut defaults = Vec::new();
    let mut features = Vec::new();
    let mut doc: Vec<&str> = Vec::new();
    for line in lines {
        let line = line.trim();
        if line.starts_with('[') && !line.contains('=') {
            break; // the next table
        }
        if let Some(comment) = line.strip_prefix("##") {
            doc.push(comment.trim());
            continue;
        }
        let Some((name, value)) = line.split_once('=') else {
            continue; // a blank line, a plain comment, or the rest of a feature's list
        };
        let name = name.trim();
        if !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            continue;
        }
        if name == "default" {
            defaults = value
                .trim()
                .trim_start_matches('[')
                .trim_end_matches(']')
                .split(',')
                .map(|f| f.trim().trim_matches('"').to_owned())
                .filter(|f| !f.is_empty())
                .collect();
            doc.clear();
            continue;
        }
        assert!(
            !doc.is_empty(),
            "feature `{name}` of {manifest} has no `## ` comment above it: say what it enables"
        );
        features.push(Feature {
            name: name.to_owned(),
            default: false,
            doc: doc.join(" "),
        });
        doc.clear();
    }
    for feature in &mut features {
        feature.default = defaults.contains(&feature.name);
    }
    features
}

const START: &str = "//! <!-- features: generated from Cargo.toml by tests/tests/docs.rs; HEALTHZ_BLESS_DOCS=1 rewrites it -->\n";
const END: &str = "//! <!-- /features -->\n";

/// The feature table of `manifest`, as `//! ` lines.
fn feature_table(manifest: &str) -> String {
    let mut table = String::from("//! | feature | default | enables |\n//! |---|---|---|\n");
    for feature in features(manifest) {
        let default = if feature.default { "yes" } else { "" };
        let _ = writeln!(
            table,
            "//! | `{}` | {default} | {} |",
            feature.name,
            feature.doc.replace('|', "\\|")
        );
    }
    table
}

/// Checks (or with `HEALTHZ_BLESS_DOCS=1`, rewrites) the feature table between the markers of
/// `crate_dir/src/lib.rs`.
fn check_features(crate_dir: &str) {
    let file = format!("{crate_dir}/src/lib.rs");
    let text = std::fs::read_to_string(root().join(&file)).expect("lib.rs is readable");
    let start = text
        .find(START)
        .unwrap_or_else(|| panic!("{file} has no `{}` marker", START.trim_end()))
        + START.len();
    let end = start
        + text[start..]
            .find(END)
            .unwrap_or_else(|| panic!("{file} has no `{}` marker", END.trim_end()));
    let expected = feature_table(&format!("{crate_dir}/Cargo.toml"));
    keep(&file, &text, start, end, &expected, "feature table");
}

#[test]
fn feature_tables_are_the_manifests() {
    for crate_dir in [
        "healthz-core",
        "healthz-actix",
        "healthz-axum",
        "healthz-tonic",
    ] {
        check_features(crate_dir);
    }
}

#[test]
fn the_manifest_reader_reads_every_feature() {
    let core = features("healthz-core/Cargo.toml");
    let web = core
        .iter()
        .find(|f| f.name == "web")
        .expect("healthz-core has `web`");
    assert!(!web.default);
    assert!(web.doc.contains("web::Endpoints"), "{}", web.doc);
    let macros = core.iter().find(|f| f.name == "macros").expect("`macros`");
    assert!(macros.default);
    assert!(core.iter().any(|f| f.name == "grpc"));
}
