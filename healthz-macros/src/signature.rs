//! Checks of the annotated function's signature.

use syn::spanned::Spanned as _;
use syn::{FnArg, ItemFn, Safety, Type};

use crate::messages;
use healthz_rules::Kind;

/// What the expansion needs from a valid signature.
pub(crate) struct Signature {
    /// The state types behind the `&T` arguments, in order.
    pub(crate) state: Vec<Type>,
}

/// Collects every independent problem of the signature into one error.
pub(crate) fn check(
    kind: Kind,
    func: &ItemFn,
    blocking: Option<&syn::LitBool>,
) -> syn::Result<Signature> {
    let sig = &func.sig;
    let name = sig.ident.to_string();
    let mut errors: Vec<syn::Error> = Vec::new();
    let mut fail =
        |span: proc_macro2::Span, message: String| errors.push(syn::Error::new(span, message));

    if let Some(token) = &sig.constness {
        fail(token.span, messages::qualifier(kind, "const"));
    }
    if let Safety::Unsafe(token) = &sig.safety {
        fail(token.span, messages::qualifier(kind, "unsafe"));
    }
    if let Some(abi) = &sig.abi {
        fail(abi.span(), messages::qualifier(kind, "extern"));
    }
    match (blocking.filter(|b| b.value), &sig.asyncness) {
        (Some(blocking), Some(_)) => fail(blocking.span, messages::blocking_async(&name)),
        (None, None) => fail(sig.fn_token.span, messages::not_async(kind, &name)),
        _ => {}
    }
    if !sig.generics.params.is_empty() {
        errors.push(syn::Error::new_spanned(
            &sig.generics,
            messages::generics(kind),
        ));
    }
    if let Some(clause) = &sig.generics.where_clause {
        errors.push(syn::Error::new_spanned(
            clause,
            messages::where_clause(kind),
        ));
    }
    if let Some(variadic) = &sig.variadic {
        errors.push(syn::Error::new_spanned(variadic, messages::VARIADIC));
    }
    let mut state = Vec::new();
    for arg in &sig.inputs {
        match arg {
            FnArg::Receiver(receiver) => {
                errors.push(syn::Error::new_spanned(receiver, messages::receiver(kind)));
            }
            FnArg::Typed(typed) => match state_type(&typed.ty) {
                Ok(ty) => state.push(ty.clone()),
                Err(e) => errors.push(e),
            },
        }
    }
    match errors.into_iter().reduce(|mut all, e| {
        all.combine(e);
        all
    }) {
        Some(error) => Err(error),
        None => Ok(Signature { state }),
    }
}

/// The `T` of an argument of type `&T`, or the error at the wrong token.
fn state_type(ty: &Type) -> syn::Result<&Type> {
    let Type::Reference(reference) = ty else {
        return Err(match ty {
            Type::ImplTrait(_) => syn::Error::new_spanned(ty, messages::IMPL_TRAIT_ARG),
            _ => syn::Error::new_spanned(ty, messages::by_value(&tokens(ty))),
        });
    };
    let inner = &*reference.elem;
    if let Some(token) = &reference.mutability {
        return Err(syn::Error::new(
            token.span,
            messages::mut_ref(&tokens(inner)),
        ));
    }
    match inner {
        Type::ImplTrait(_) => Err(syn::Error::new_spanned(inner, messages::IMPL_TRAIT_ARG)),
        Type::TraitObject(_) => Err(syn::Error::new_spanned(inner, messages::DYN_TRAIT_ARG)),
        Type::Slice(slice) => Err(syn::Error::new_spanned(
            inner,
            messages::unsized_state(&tokens(inner), &format!("Vec<{}>", tokens(&slice.elem))),
        )),
        Type::Path(path) if path.qself.is_none() && path.path.is_ident("str") => Err(
            syn::Error::new_spanned(inner, messages::unsized_state("str", "String")),
        ),
        _ => Ok(inner),
    }
}

/// A type as the user would write it (`Arc<Pool>`, not `Arc < Pool >`).
fn tokens(ty: &Type) -> String {
    let text = quote::ToTokens::to_token_stream(ty).to_string();
    let mut out = String::with_capacity(text.len());
    for (i, c) in text.char_indices() {
        let prev = text[..i].chars().next_back();
        let next = text[i + c.len_utf8()..].chars().next();
        let glue = |p: Option<char>| {
            p.is_some_and(|p| matches!(p, '<' | '>' | ':' | '&' | ',' | '(' | ')' | '[' | ']'))
        };
        if c == ' ' && (glue(next) && next != Some('&') || glue(prev) && prev != Some(',')) {
            continue;
        }
        out.push(c);
    }
    out
}

/// Whether `attr` is one of ours of this kind (`#[readiness]`, `#[healthz_actix::readiness(..)]`).
pub(crate) fn is_kind_attribute(kind: Kind, attr: &syn::Attribute) -> bool {
    attr.path()
        .segments
        .last()
        .is_some_and(|s| s.ident == kind.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;
    use syn::parse_quote;

    fn errors(kind: Kind, func: &ItemFn, blocking: bool) -> Vec<String> {
        let blocking = syn::LitBool::new(blocking, proc_macro2::Span::call_site());
        match check(kind, func, Some(&blocking)) {
            Ok(_) => Vec::new(),
            Err(e) => e.into_iter().map(|e| e.to_string()).collect(),
        }
    }

    #[test]
    fn accepts_state_references() {
        let func: ItemFn = parse_quote!(
            async fn db(pool: &Pool, cfg: &Arc<Config>) -> bool {
                true
            }
        );
        let sig = check(Kind::Readiness, &func, None).unwrap();
        assert_eq!(sig.state.len(), 2);
        let blocking: ItemFn = parse_quote!(
            fn disk(path: &PathBuf) -> bool {
                true
            }
        );
        assert!(errors(Kind::Readiness, &blocking, true).is_empty());
    }

    #[test]
    fn one_message_per_mistake() {
        let table: Vec<(ItemFn, bool, &str)> = vec![
            (
                parse_quote!(
                    fn db() {}
                ),
                false,
                "`#[readiness]` requires an `async fn`; for a synchronous check write `#[readiness(blocking = true)] fn db(..)`",
            ),
            (
                parse_quote!(
                    async fn db() {}
                ),
                true,
                "`blocking = true` is for synchronous functions, and `db` is `async`",
            ),
            (
                parse_quote!(
                    async fn db<T>() {}
                ),
                false,
                "functions cannot be generic",
            ),
            (
                parse_quote!(
                    async fn db()
                    where
                        u8: Copy,
                    {
                    }
                ),
                false,
                "cannot have a `where` clause",
            ),
            (
                parse_quote!(
                    async fn db(&self) {}
                ),
                false,
                "probes are free functions, not methods",
            ),
            (
                parse_quote!(
                    async fn db(pool: Pool) {}
                ),
                false,
                "take `&Pool` and supply the value",
            ),
            (
                parse_quote!(
                    async fn db(pool: Arc<Pool>) {}
                ),
                false,
                "take `&Arc<Pool>`",
            ),
            (
                parse_quote!(
                    async fn db(pool: &mut Pool) {}
                ),
                false,
                "take `&Pool` instead of `&mut Pool`",
            ),
            (
                parse_quote!(
                    async fn db(pool: &impl Db) {}
                ),
                false,
                "`impl Trait` makes the probe generic",
            ),
            (
                parse_quote!(
                    async fn db(pool: impl Db) {}
                ),
                false,
                "`impl Trait` makes the probe generic",
            ),
            (
                parse_quote!(
                    async fn db(pool: &dyn Db) {}
                ),
                false,
                "take `&Arc<dyn Trait>`",
            ),
            (
                parse_quote!(
                    async fn db(url: &str) {}
                ),
                false,
                "take `&String`",
            ),
            (
                parse_quote!(
                    async fn db(hosts: &[Host]) {}
                ),
                false,
                "take `&Vec<Host>`",
            ),
            (
                parse_quote!(
                    async unsafe fn db() {}
                ),
                false,
                "cannot be `unsafe`",
            ),
            (
                parse_quote!(
                    async extern "C" fn db() {}
                ),
                false,
                "cannot be `extern`",
            ),
        ];
        for (func, blocking, expected) in table {
            let found = errors(Kind::Readiness, &func, blocking);
            assert_eq!(found.len(), 1, "{}: {found:?}", quote::quote!(#func));
            assert!(
                found[0].contains(expected),
                "{found:?} does not contain {expected:?}"
            );
        }
    }

    #[test]
    fn independent_mistakes_are_reported_together() {
        let func: ItemFn = parse_quote!(
            fn db<T>(a: A, b: &mut B) {}
        );
        assert_eq!(errors(Kind::Liveness, &func, false).len(), 4);
    }

    #[test]
    fn types_print_like_source() {
        let ty: Type = parse_quote!(Arc<Mutex<Vec<(u8, String)>>>);
        assert_eq!(tokens(&ty), "Arc<Mutex<Vec<(u8, String)>>>");
        let ty: Type = parse_quote!(sqlx::PgPool);
        assert_eq!(tokens(&ty), "sqlx::PgPool");
    }
}
