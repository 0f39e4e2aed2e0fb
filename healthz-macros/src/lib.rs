//! The attributes of [healthz](https://docs.rs/healthz-actix): `#[liveness]`, `#[readiness]` and
//! `#[startup]`. Use them through `healthz-actix` or `healthz-core`, which re-export them with
//! this documentation, the manual of each attribute. Its examples run as this crate's doctests,
//! with `healthz-core` as a dev-dependency.

mod args;
mod crate_path;
mod debug;
mod duration;
mod expand;
mod messages;
mod signature;

use proc_macro::TokenStream;

use healthz_rules::Kind;

#[doc = include_str!("docs/liveness.md")]
#[doc = include_str!("docs/keys.md")]
#[doc = include_str!("docs/common.md")]
#[proc_macro_attribute]
pub fn liveness(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::entry(Kind::Liveness, args.into(), item.into()).into()
}

#[doc = include_str!("docs/readiness.md")]
#[doc = include_str!("docs/keys.md")]
#[doc = include_str!("docs/common.md")]
#[proc_macro_attribute]
pub fn readiness(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::entry(Kind::Readiness, args.into(), item.into()).into()
}

#[doc = include_str!("docs/startup.md")]
#[doc = include_str!("docs/startup_keys.md")]
#[doc = include_str!("docs/common.md")]
#[proc_macro_attribute]
pub fn startup(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::entry(Kind::Startup, args.into(), item.into()).into()
}
