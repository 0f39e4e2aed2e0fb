//! Where the runtime is: the path generated code goes through to reach `__private`.

use proc_macro_crate::{FoundCrate, crate_name};
use proc_macro2::{Ident, Span};
use syn::parse_quote;

/// The path of the healthz crate the user depends on, in this order: an explicit
/// `crate = path`; `healthz-core` (possibly renamed); `healthz-actix` (possibly renamed);
/// otherwise `::healthz_core`. Both crates expose `__private`, so either will do.
///
/// This reads the user's `Cargo.toml` (through `CARGO_MANIFEST_DIR`), so unit tests pass a path
/// to `expand` instead of calling it.
pub(crate) fn resolve(explicit: Option<syn::Path>) -> syn::Path {
    if let Some(path) = explicit {
        return path;
    }
    let found = |package: &str, itself: &str| match crate_name(package) {
        Ok(FoundCrate::Name(name)) => Some(name),
        Ok(FoundCrate::Itself) => Some(itself.to_owned()),
        Err(_) => None,
    };
    let name = found("healthz-core", "healthz_core")
        .or_else(|| found("healthz-actix", "healthz_actix"))
        .unwrap_or_else(|| "healthz_core".to_owned());
    let ident = Ident::new(&name, Span::call_site());
    parse_quote!(::#ident)
}
