//! `HEALTHZ_MACROS_DEBUG`: print what an attribute expanded to, formatted like source.
//!
//! `HEALTHZ_MACROS_DEBUG=1` (or `true`, `all`) prints every expansion; a comma-separated list of
//! function names (`HEALTHZ_MACROS_DEBUG=database,migrations`) prints only theirs. Cargo caches
//! macro output, so touch a source file (or `cargo clean -p your-crate`) to see it again.

use proc_macro2::TokenStream;

use healthz_rules::Kind;

/// The variable's name.
pub(crate) const VAR: &str = "HEALTHZ_MACROS_DEBUG";

/// Whether `setting` (the variable's value) asks for the expansion of `function`.
pub(crate) fn wanted(setting: &str, function: &str) -> bool {
    match setting.trim() {
        "" | "0" | "false" => false,
        "1" | "true" | "all" => true,
        names => names.split(',').any(|name| name.trim() == function),
    }
}

/// The expansion as readable source, under a header naming the attribute and the function.
/// Falls back to the raw tokens should they not parse as a file.
pub(crate) fn render(kind: Kind, function: &str, expansion: &TokenStream) -> String {
    let body = match syn::parse2::<syn::File>(expansion.clone()) {
        Ok(file) => prettyplease::unparse(&file),
        Err(_) => format!("{expansion}\n"),
    };
    format!(
        "// ---- {VAR}: #[{}] on `{function}` ----\n{body}// ---- end of `{function}` ----",
        kind.as_str()
    )
}

/// The name of the annotated function, or `None` when the item is not a function.
pub(crate) fn function_name(item: &TokenStream) -> Option<String> {
    let mut tokens = item.clone().into_iter();
    while let Some(token) = tokens.next() {
        if matches!(&token, proc_macro2::TokenTree::Ident(id) if id == "fn") {
            return match tokens.next() {
                Some(proc_macro2::TokenTree::Ident(name)) => Some(name.to_string()),
                _ => None,
            };
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    #[test]
    fn settings() {
        for (setting, function, expected) in [
            ("1", "db", true),
            ("true", "db", true),
            ("all", "db", true),
            ("0", "db", false),
            ("", "db", false),
            ("false", "db", false),
            ("db", "db", true),
            ("cache, db", "db", true),
            ("cache,database", "db", false),
        ] {
            assert_eq!(
                wanted(setting, function),
                expected,
                "{setting:?} {function}"
            );
        }
    }

    #[test]
    fn renders_readable_source() {
        let text = render(
            Kind::Readiness,
            "db",
            &quote!(
                async fn db() -> bool {
                    true
                }
                const _: () = {};
            ),
        );
        assert_eq!(
            text,
            "// ---- HEALTHZ_MACROS_DEBUG: #[readiness] on `db` ----\n\
             async fn db() -> bool {\n    true\n}\nconst _: () = {};\n\
             // ---- end of `db` ----"
        );
        let raw = render(Kind::Liveness, "x", &quote!(fn));
        assert!(raw.contains("\nfn\n"), "{raw}");
    }

    #[test]
    fn function_names() {
        let item = quote!(
            #[doc = "x"]
            pub(crate) async fn database(pool: &Pool) {}
        );
        assert_eq!(function_name(&item).as_deref(), Some("database"));
        assert_eq!(
            function_name(&quote!(
                struct Database;
            )),
            None
        );
    }
}
