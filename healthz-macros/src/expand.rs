//! The expansion: the user's function, unchanged, and its registration beside it.

use proc_macro2::{Delimiter, Group, Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned as _;
use syn::{ItemFn, ReturnType};

use crate::args::{Args, check_name};
use crate::kind::Kind;
use crate::signature::{self, Signature};
use crate::{crate_path, debug, duration, messages};

/// The macro's entry point: parses, checks and expands, or emits the item unchanged with one
/// `compile_error!` per mistake.
///
/// With `HEALTHZ_MACROS_DEBUG` set, also prints the expansion to stderr (see [`debug`]).
pub(crate) fn entry(kind: Kind, args: TokenStream, item: TokenStream) -> TokenStream {
    let function = debug::function_name(&item);
    let expansion = expand_with(kind, args, item, crate_path::resolve);
    if let (Ok(setting), Some(function)) = (std::env::var(debug::VAR), function)
        && debug::wanted(&setting, &function)
    {
        eprintln!("{}", debug::render(kind, &function, &expansion));
    }
    expansion
}

/// As [`entry`], with the crate path resolver given (unit tests pass a fixed path).
pub(crate) fn expand_with(
    kind: Kind,
    args: TokenStream,
    item: TokenStream,
    resolve: impl FnOnce(Option<syn::Path>) -> syn::Path,
) -> TokenStream {
    let func: ItemFn = match syn::parse2(item.clone()) {
        Ok(func) => func,
        Err(_) => {
            return with_error(
                item.clone(),
                syn::Error::new(item_span(&item), messages::not_a_fn(kind)),
            );
        }
    };
    match Probe::new(kind, args, &func) {
        Ok(probe) => {
            let core = resolve(probe.args.krate.clone());
            let registration = probe.registration(&core);
            // The attribute requires `async`, so clippy's `unused_async` is not the user's to fix.
            let allow = (!probe.is_blocking()).then(|| quote!(#[allow(clippy::unused_async)]));
            quote!(#allow #item #registration)
        }
        Err(error) => with_error(item, error),
    }
}

/// `E` in a return type written `Result<T, E>` (any path ending in `Result`, two type
/// arguments). A `Result` is accepted when `E` is `Display`, so that is the one way it can be
/// refused, and the conversion is spanned there to underline `E` rather than `Result`.
fn result_error_type(ty: &syn::Type) -> Option<&syn::Type> {
    let syn::Type::Path(path) = ty else {
        return None;
    };
    let last = path.path.segments.last()?;
    if path.qself.is_some() || last.ident != "Result" {
        return None;
    }
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    match args.args.iter().collect::<Vec<_>>()[..] {
        [
            syn::GenericArgument::Type(_),
            syn::GenericArgument::Type(error),
        ] => Some(error),
        _ => None,
    }
}

fn with_error(mut item: TokenStream, error: syn::Error) -> TokenStream {
    item.extend(error.into_compile_error());
    item
}

/// The span of the item's first token (`struct`, `impl`, ...): where "not a fn" points.
fn item_span(item: &TokenStream) -> Span {
    let tokens: Vec<_> = item.clone().into_iter().collect();
    // Skip outer attributes (`#` + `[...]`) and visibility to land on the keyword.
    let mut i = 0;
    while i < tokens.len() {
        match &tokens[i] {
            proc_macro2::TokenTree::Punct(p) if p.as_char() == '#' => i += 2,
            proc_macro2::TokenTree::Ident(id) if id == "pub" => {
                i += 1;
                if matches!(tokens.get(i), Some(proc_macro2::TokenTree::Group(_))) {
                    i += 1;
                }
            }
            token => return token.span(),
        }
    }
    Span::call_site()
}

/// The spans of the first and the last token of `tokens`.
fn span_range(tokens: &impl quote::ToTokens) -> (Span, Span) {
    let mut iter = tokens.to_token_stream().into_iter();
    let first = iter.next().map_or_else(Span::call_site, |t| t.span());
    let last = iter.last().map_or(first, |t| t.span());
    (first, last)
}

/// A checked probe definition.
struct Probe<'a> {
    kind: Kind,
    args: Args,
    func: &'a ItemFn,
    name: String,
    signature: Signature,
}

impl<'a> Probe<'a> {
    fn new(kind: Kind, args: TokenStream, func: &'a ItemFn) -> syn::Result<Self> {
        let args = Args::parse(kind, args)?;
        let signature = signature::check(kind, func, args.blocking.as_ref());
        let stacked = func
            .attrs
            .iter()
            .find(|attr| signature::is_kind_attribute(kind, attr))
            .map(|attr| syn::Error::new_spanned(attr, messages::stacked_twice(kind)));
        let name = if let Some(name) = &args.name {
            Ok(name.value())
        } else {
            let ident = func.sig.ident.to_string();
            let ident = ident.strip_prefix("r#").unwrap_or(&ident).to_owned();
            check_name(&ident).map(|()| ident.clone()).map_err(|_| {
                syn::Error::new(func.sig.ident.span(), messages::invalid_fn_name(&ident))
            })
        };
        let mut errors = [
            signature.as_ref().err().cloned(),
            stacked,
            name.as_ref().err().cloned(),
        ]
        .into_iter()
        .flatten();
        if let Some(mut first) = errors.next() {
            errors.for_each(|e| first.combine(e));
            return Err(first);
        }
        Ok(Probe {
            kind,
            args,
            func,
            name: name?,
            signature: signature?,
        })
    }

    fn is_blocking(&self) -> bool {
        self.args.blocking.as_ref().is_some_and(|b| b.value)
    }

    /// `ProbeOptions::new()` followed by a setter for every option that is not the default.
    fn options(&self) -> TokenStream {
        let args = &self.args;
        let duration_path = quote!(__hz::Duration);
        let mut setters = Vec::new();
        for (setter, arg) in [
            ("timeout", &args.timeout),
            ("cache", &args.cache),
            ("interval", &args.interval),
            ("max_stale", &args.max_stale),
        ] {
            if let Some(arg) = arg {
                let setter = format_ident!("{setter}");
                let value = duration::tokens(arg.value, &duration_path);
                setters.push(quote!(.#setter(#value)));
            }
        }
        if let Some(critical) = args.critical.as_ref().filter(|c| !c.value) {
            setters.push(quote!(.critical(#critical)));
        }
        for (setter, arg) in [
            ("failure_threshold", &args.failure_threshold),
            ("success_threshold", &args.success_threshold),
        ] {
            if let Some(runs) = arg.filter(|runs| *runs != 1) {
                let setter = format_ident!("{setter}");
                let value = proc_macro2::Literal::u32_unsuffixed(runs);
                setters.push(quote!(.#setter(#value)));
            }
        }
        if let Some(tags) = args.tags.as_ref().filter(|t| !t.is_empty()) {
            setters.push(quote!(.tags(&[#(#tags),*])));
        }
        quote!(__hz::ProbeOptions::new() #(#setters)*)
    }

    /// The registration: a `const _` block holding the run function and the `inventory` entry.
    fn registration(&self, core: &syn::Path) -> TokenStream {
        let func = &self.func;
        let ident = &func.sig.ident;
        let name = &self.name;
        let variant = self.kind.variant();
        let attribute = format!("#[{}]", self.kind.name());
        let doc = format!(
            " healthz registration of `{ident}` as a {} probe, generated by `{attribute}`.",
            self.kind.name()
        );
        let run_doc = format!(" Looks up the state of `{ident}` and calls it.");
        let cfgs = func.attrs.iter().filter(|a| a.path().is_ident("cfg"));
        let state = &self.signature.state;
        let args: Vec<_> = (0..state.len())
            .map(|i| format_ident!("__healthz_arg{i}"))
            .collect();
        // Each lookup carries its type's span, so a type that cannot be state is reported there,
        // once (see `healthz_core::__private::StateType`).
        let lookups = state.iter().zip(&args).map(|(ty, arg)| {
            // The lookup expression starts at the type's first token and ends at its last, so
            // rustc underlines the whole type (a stable `Span` cannot be joined by hand).
            let (first, last) = span_range(ty);
            let mut receiver = Group::new(
                Delimiter::Parenthesis,
                quote_spanned!(first=> &__hz::StateType::<#ty>::NEW),
            );
            receiver.set_span(first);
            let mut call = Group::new(Delimiter::Parenthesis, TokenStream::new());
            call.set_span(last);
            let lookup = quote_spanned!(last=> .lookup);
            // The called path covers the same range, so rustc puts one label there, not two.
            let state_arg = quote_spanned!(last=> ::state_arg);
            quote_spanned! {first=>
                let (#arg, __healthz_ok) = __hz #state_arg(
                    __healthz_state,
                    __healthz_ok,
                    #receiver #lookup #call,
                )?;
            }
        });
        // `lookup` is a method of one of these two traits, whichever applies.
        let traits = (!state.is_empty()).then(|| {
            quote! {
                #[allow(unused_imports)]
                use __hz::{AcceptState as _, RejectState as _};
            }
        });
        let ret_span = match &func.sig.output {
            ReturnType::Type(_, ty) => result_error_type(ty).unwrap_or(ty).span(),
            ReturnType::Default => ident.span(),
        };
        // Spanned at the return type, so an unsupported one is reported there.
        let into_check = quote_spanned!(ret_span=> __hz::IntoCheck::into_check);
        let convert = quote_spanned!(ret_span=> #into_check(__healthz_out));
        let run = if self.is_blocking() {
            quote! {
                #[doc = #run_doc]
                fn __healthz_run(__healthz_state: &__hz::StateMap) -> __hz::Result<__hz::Check, __hz::MissingState> {
                    #traits
                    let __healthz_ok = __hz::Accepted;
                    #(#lookups)*
                    let __healthz_out = #ident(#(#args),*);
                    __hz::Ok(#into_check(__healthz_out))
                }
            }
        } else {
            // Spanned at the name, so a future that is not `Send` is reported there, once.
            let boxed = quote_spanned! {ident.span()=>
                __hz::boxed(__healthz_ok, #ident(#(#args),*), |__healthz_out| #convert)
            };
            quote! {
                #[doc = #run_doc]
                fn __healthz_run(
                    __healthz_state: &__hz::StateMap,
                ) -> __hz::Result<__hz::BoxFuture<'_, __hz::Check>, __hz::MissingState> {
                    #traits
                    let __healthz_ok = __hz::Accepted;
                    #(#lookups)*
                    // A closure, not the path alone: a bad return type is then one error, at
                    // the closure's body (spanned at the return type), not a second one at the call.
                    #[allow(clippy::redundant_closure)]
                    let __healthz_future = #boxed;
                    __hz::Ok(__healthz_future)
                }
            }
        };
        let run_variant = if self.is_blocking() {
            quote!(Blocking)
        } else {
            quote!(Async)
        };
        let options = self.options();
        let fn_name = ident.to_string();
        let location = quote_spanned! {ident.span()=>
            __hz::Location {
                file: __hz::file!(),
                line: __hz::line!(),
                column: __hz::column!(),
                function: __hz::concat!(__hz::module_path!(), "::", #fn_name),
            }
        };
        quote! {
            #[doc(hidden)]
            #[allow(unused_qualifications)]
            #(#cfgs)*
            const _: () = {
                use #core::__private as __hz;

                #[doc = #doc]
                const __HEALTHZ_PROBE: __hz::ProbeDef = __hz::ProbeDef {
                    kind: __hz::Kind::#variant,
                    name: #name,
                    options: #options,
                    state: &[#(__hz::StateKey::of::<#state>()),*],
                    location: #location,
                    run: __hz::Run::#run_variant(__healthz_run),
                };

                #run

                __hz::inventory::submit!(__HEALTHZ_PROBE);
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    /// The expansion with the runtime at `::healthz_core` (or the explicit `crate = ..`), as
    /// `cargo expand` would print it.
    fn expand(kind: Kind, args: TokenStream, item: TokenStream) -> String {
        let out = expand_with(kind, args, item, |explicit| {
            explicit.unwrap_or_else(|| syn::parse_quote!(::healthz_core))
        });
        let file: syn::File = syn::parse2(out).expect("the expansion parses as a file");
        prettyplease::unparse(&file)
    }

    #[test]
    fn result_error_type_finds_e_in_two_argument_results_only() {
        let error = |ty: syn::Type| result_error_type(&ty).map(|e| quote!(#e).to_string());
        assert_eq!(
            error(syn::parse_quote!(Result<(), Opaque>)).as_deref(),
            Some("Opaque")
        );
        assert_eq!(
            error(syn::parse_quote!(std::result::Result<u8, my::Error>)).as_deref(),
            Some("my :: Error")
        );
        assert_eq!(error(syn::parse_quote!(sqlx::Result<()>)), None);
        assert_eq!(error(syn::parse_quote!(Outcome<(), E>)), None);
        assert_eq!(error(syn::parse_quote!(bool)), None);
        assert_eq!(error(syn::parse_quote!(<T as Trait>::Result<(), E>)), None);
    }

    #[test]
    fn liveness_plain() {
        insta::assert_snapshot!(expand(
            Kind::Liveness,
            quote!(),
            quote! {
                /// The event loop answers.
                async fn event_loop() {}
            }
        ));
    }

    #[test]
    fn readiness_with_cache() {
        insta::assert_snapshot!(expand(
            Kind::Readiness,
            quote!(timeout = "200ms", cache = "5s"),
            quote! {
                async fn database(pool: &SqlitePool) -> Result<(), sqlx::Error> {
                    sqlx::query("SELECT 1").execute(pool).await.map(drop)
                }
            }
        ));
    }

    #[test]
    fn readiness_polled_with_thresholds() {
        insta::assert_snapshot!(expand(
            Kind::Readiness,
            quote!(
                name = "search-index",
                critical = false,
                interval = "10s",
                max_stale = "1m",
                failure_threshold = 3,
                success_threshold = 2
            ),
            quote! {
                async fn index(ix: &Index) -> Check {
                    Check::warn("3 min behind").observed(180.0, "s")
                }
            }
        ));
    }

    #[test]
    fn startup_plain() {
        insta::assert_snapshot!(expand(
            Kind::Startup,
            quote!(timeout = "2s"),
            quote! {
                async fn migrations(m: &Migrations) -> bool {
                    m.done()
                }
            }
        ));
    }

    #[test]
    fn blocking() {
        insta::assert_snapshot!(expand(
            Kind::Liveness,
            quote!(blocking = true, timeout = "1s 500ms"),
            quote! {
                fn disk(path: &DataDir) -> std::io::Result<()> {
                    std::fs::metadata(&path.0).map(drop)
                }
            }
        ));
    }

    #[test]
    fn tags() {
        insta::assert_snapshot!(expand(
            Kind::Readiness,
            quote!(tags = ["db", "external"]),
            quote! {
                async fn database() {}
            }
        ));
    }

    #[test]
    fn crate_override() {
        insta::assert_snapshot!(expand(
            Kind::Readiness,
            quote!(crate = ::my_health::healthz),
            quote! {
                async fn database() {}
            }
        ));
    }

    #[test]
    fn several_state_arguments_and_cfg() {
        insta::assert_snapshot!(expand(
            Kind::Readiness,
            quote!(),
            quote! {
                #[cfg(feature = "postgres")]
                pub(crate) async fn replicas(primary: &PgPool, replicas: &Arc<Vec<PgPool>>, _: &Config) -> Result<(), String> {
                    Ok(())
                }
            }
        ));
    }

    #[test]
    fn on_error_the_item_is_kept_unchanged() {
        insta::assert_snapshot!(expand(
            Kind::Readiness,
            quote!(timout = "1s"),
            quote! {
                async fn database() {}
            }
        ));
    }

    #[test]
    fn not_a_function_points_at_the_keyword() {
        let out = expand_with(
            Kind::Readiness,
            quote!(),
            quote!(
                #[derive(Debug)]
                pub struct Database;
            ),
            |_| unreachable!("no path is needed for an error"),
        );
        let text = out.to_string();
        assert!(
            text.starts_with("# [derive (Debug)] pub struct Database ;"),
            "{text}"
        );
        assert!(
            text.contains("`#[readiness]` can only be applied to an `async fn`"),
            "{text}"
        );
    }
}
