//! The attributes of [healthz](https://docs.rs/healthz-actix): `#[liveness]`, `#[readiness]` and
//! `#[startup]`. Use them through `healthz-actix` or `healthz-core`, which re-export them; the
//! documentation there is the manual.

mod args;
mod crate_path;
mod duration;
mod expand;
mod kind;
mod messages;
mod signature;

use proc_macro::TokenStream;

use crate::kind::Kind;

/// Registers an `async fn` as a liveness probe. See `healthz_core::liveness`.
#[proc_macro_attribute]
pub fn liveness(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::entry(Kind::Liveness, args.into(), item.into()).into()
}

/// Registers an `async fn` as a readiness probe. See `healthz_core::readiness`.
#[proc_macro_attribute]
pub fn readiness(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::entry(Kind::Readiness, args.into(), item.into()).into()
}

/// Registers an `async fn` as a startup probe. See `healthz_core::startup`.
#[proc_macro_attribute]
pub fn startup(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::entry(Kind::Startup, args.into(), item.into()).into()
}
