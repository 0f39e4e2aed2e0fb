//! Where the runtime is: the path generated code goes through to reach `__private`.

use proc_macro_crate::{FoundCrate, crate_name};
use proc_macro2::{Ident, Span};
use syn::parse_quote;

/// The path of the healthz crate the user depends on, in this order: an explicit
/// `crate = path`; `healthz-core` (possibly renamed); an adapter, `healthz-actix`, `healthz-axum`
/// or `healthz-tonic` (possibly renamed); otherwise `::healthz_core`. Every one of them exposes
/// `__private` (the adapters re-export core's), so any will do.
///
/// This reads the user's `Cargo.toml` (through `CARGO_MANIFEST_DIR`), so unit tests pass a path
/// to `expand` instead of calling it.
pub(crate) fn resolve(explicit: Option<syn::Path>) -> syn::Path {
    resolve_with(explicit, |package| crate_name(package).ok())
}

/// [`resolve`], with the lookup of a package's name in `Cargo.toml` given.
fn resolve_with(
    explicit: Option<syn::Path>,
    lookup: impl Fn(&str) -> Option<FoundCrate>,
) -> syn::Path {
    if let Some(path) = explicit {
        return path;
    }
    let found = |package: &str, itself: &str| match lookup(package)? {
        FoundCrate::Name(name) => Some(name),
        FoundCrate::Itself => Some(itself.to_owned()),
    };
    let name = found("healthz-core", "healthz_core")
        .or_else(|| found("healthz-actix", "healthz_actix"))
        .or_else(|| found("healthz-axum", "healthz_axum"))
        .or_else(|| found("healthz-tonic", "healthz_tonic"))
        .unwrap_or_else(|| "healthz_core".to_owned());
    let ident = Ident::new(&name, Span::call_site());
    parse_quote!(::#ident)
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::ToTokens as _;

    fn path(explicit: Option<syn::Path>, deps: &[(&'static str, FoundCrate)]) -> String {
        resolve_with(explicit, |package| {
            deps.iter()
                .find(|(p, _)| *p == package)
                .map(|(_, found)| found.clone())
        })
        .to_token_stream()
        .to_string()
    }

    #[test]
    fn order_of_resolution() {
        let name = |n: &str| FoundCrate::Name(n.to_owned());
        let table = [
            (
                vec![("healthz-actix", name("healthz_actix"))],
                ":: healthz_actix",
            ),
            // `hz = { package = "healthz-actix" }`
            (vec![("healthz-actix", name("hz"))], ":: hz"),
            (vec![("healthz-core", name("core2"))], ":: core2"),
            (
                vec![("healthz-axum", name("healthz_axum"))],
                ":: healthz_axum",
            ),
            (
                vec![("healthz-tonic", name("grpc_health"))],
                ":: grpc_health",
            ),
            (
                vec![
                    ("healthz-actix", name("healthz_actix")),
                    ("healthz-core", name("healthz_core")),
                ],
                ":: healthz_core",
            ),
            // Inside healthz-core itself, which names itself `healthz_core`.
            (
                vec![("healthz-core", FoundCrate::Itself)],
                ":: healthz_core",
            ),
            (
                vec![("healthz-actix", FoundCrate::Itself)],
                ":: healthz_actix",
            ),
            (vec![], ":: healthz_core"),
        ];
        for (deps, expected) in table {
            assert_eq!(path(None, &deps), expected, "{deps:?}");
        }
        assert_eq!(
            path(
                Some(parse_quote!(my::healthz)),
                &[("healthz-actix", name("hz"))]
            ),
            "my :: healthz"
        );
    }
}
