//! The expansion: the user's function, unchanged, and its registration beside it.

use proc_macro2::{Ident, Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned as _;
use syn::{ItemFn, ReturnType};

use healthz_rules::{Key, Kind, check_name};

use crate::args::{Args, Parsed};
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
            let core = resolve(probe.args.krate());
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

/// `local` (a call-site identifier) located at `at`: hygiene still resolves it at the call site,
/// where it is bound, while rustc reports an error about it at `at`, the user's token.
fn located(local: &Ident, at: Span) -> Ident {
    Ident::new(&local.to_string(), local.span().located_at(at))
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
        let signature = signature::check(kind, func, args.blocking());
        let stacked = func
            .attrs
            .iter()
            .find(|attr| signature::is_kind_attribute(kind, attr))
            .map(|attr| syn::Error::new_spanned(attr, messages::stacked_twice(kind)));
        let name = if let Some(name) = args.name() {
            Ok(name.value())
        } else {
            let ident = func.sig.ident.to_string();
            let ident = ident.strip_prefix("r#").unwrap_or(&ident).to_owned();
            check_name(&ident).map(|()| ident.clone()).map_err(|error| {
                syn::Error::new(
                    func.sig.ident.span(),
                    messages::invalid_fn_name(&ident, error),
                )
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
        self.args.blocking().is_some_and(|b| b.value)
    }

    /// `ProbeOptions::new()` followed by the setter of every option the attribute gives. Each
    /// option key of the rule book is either a setter of `ProbeOptions` of the same name, or part
    /// of the definition itself (`name`, `blocking`, `crate`).
    fn options(&self) -> TokenStream {
        let setters = self.args.entries().filter_map(|(key, entry)| {
            let value = match (key, &entry.value) {
                (Key::Name | Key::Blocking | Key::Crate, _) => return None,
                (
                    Key::Timeout
                    | Key::Cache
                    | Key::Interval
                    | Key::MaxStale
                    | Key::Critical
                    | Key::Tags
                    | Key::FailureThreshold
                    | Key::SuccessThreshold,
                    value,
                ) => value_tokens(value),
            };
            let setter = Ident::new(key.as_str(), Span::call_site());
            Some(quote!(.#setter(#value)))
        });
        quote!(__hz::ProbeOptions::new() #(#setters)*)
    }

    /// The registration: a `const _` block holding the run function and the `inventory` entry.
    ///
    /// Every local of the generated code is an identifier at the call site, whatever span the
    /// expression around it has: the state types and the function's name may come from another
    /// macro (`macro_rules!`), whose hygiene would otherwise keep a use from finding its binding.
    fn registration(&self, core: &syn::Path) -> TokenStream {
        let local = |name: &str| Ident::new(name, Span::call_site());
        let (state_map, ok, future, out) = (
            local("__healthz_state"),
            local("__healthz_ok"),
            local("__healthz_future"),
            local("__healthz_out"),
        );
        let func = &self.func;
        let ident = &func.sig.ident;
        let name = &self.name;
        let variant = Ident::new(&format!("{:?}", self.kind), Span::call_site());
        let doc = format!(
            " healthz registration of `{ident}` as a {} probe, generated by `{}`.",
            self.kind,
            self.kind.attribute()
        );
        let run_doc = format!(" Looks up the state of `{ident}` and calls it.");
        let cfgs = func.attrs.iter().filter(|a| a.path().is_ident("cfg"));
        let state = &self.signature.state;
        let args: Vec<_> = (0..state.len())
            .map(|i| local(&format!("__healthz_arg{i}")))
            .collect();
        // Each state type is checked at its own span, so a type that cannot be state is reported
        // there, once, as "`Rc<Pool>` cannot be probe state". Its lookup then yields `Rejected`
        // (see `healthz_core::__private::StateType`), which keeps the probe's future from being
        // checked for `Send` a second time.
        let lookups = state.iter().zip(&args).map(|(ty, arg)| {
            // rustc reports an unmet bound of a qualified path at its self type: the user's.
            quote! {
                let () = <#ty as __hz::ProbeState>::CHECKED;
                let (#arg, #ok) = __hz::state_arg(
                    #state_map,
                    #ok,
                    (&__hz::StateType::<#ty>::NEW).lookup(),
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
        // Located at the return type, so an unsupported one is reported there. Every token of
        // the call resolves at the call site, where `__hz` and the local are (a `macro_rules!`
        // caller's hygiene would otherwise hide them), and is located at the type.
        let at_return = Span::call_site().located_at(ret_span);
        let into_check = quote_spanned!(at_return=> __hz::IntoCheck::into_check);
        let argument = located(&out, ret_span);
        let convert = quote_spanned!(at_return=> #into_check(#argument));
        let call = quote!(#ident(#(#args),*));
        let run = if self.is_blocking() {
            quote! {
                #[doc = #run_doc]
                fn __healthz_run(#state_map: &__hz::StateMap) -> __hz::Result<__hz::Check, __hz::MissingState> {
                    #traits
                    let #ok = __hz::Accepted;
                    #(#lookups)*
                    let #out = #call;
                    __hz::Ok(#convert)
                }
            }
        } else {
            // Probes run on any worker thread, so their future must be `Send`. This cast is
            // spanned at the name, so a future that is not is reported there, once, as "future
            // returned by `name` is not `Send`", with rustc naming the value held across an
            // `.await`. It costs nothing at run time.
            let at_name = Span::call_site().located_at(ident.span());
            let future_at_name = located(&future, ident.span());
            let send = quote_spanned! {at_name=>
                let _: &(dyn __hz::Future<Output = _> + __hz::Send) = &#future_at_name;
            };
            quote! {
                #[doc = #run_doc]
                fn __healthz_run(
                    #state_map: &__hz::StateMap,
                ) -> __hz::Result<__hz::BoxFuture<'_, __hz::Check>, __hz::MissingState> {
                    #traits
                    let #ok = __hz::Accepted;
                    #(#lookups)*
                    let #future = __hz::Select::select(#ok, #call);
                    #send
                    __hz::Ok(__hz::Box::pin(async move {
                        let #out = #future.await;
                        #convert
                    }))
                }
            }
        };
        let run_variant = local(if self.is_blocking() {
            "Blocking"
        } else {
            "Async"
        });
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

/// The tokens of an option's value, as its `ProbeOptions` setter takes it.
fn value_tokens(value: &Parsed) -> TokenStream {
    match value {
        Parsed::Duration(duration) => duration::tokens(*duration, &quote!(__hz::Duration)),
        Parsed::Bool(b) => quote!(#b),
        Parsed::Runs(runs) => {
            let runs = proc_macro2::Literal::u32_unsuffixed(*runs);
            quote!(#runs)
        }
        Parsed::StrList(items) => quote!(&[#(#items),*]),
        Parsed::Str(s) => quote!(#s),
        Parsed::Path(path) => quote!(#path),
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
