//! The attribute's arguments: `#[readiness(timeout = "200ms", cache = "5s")]`.

use std::time::Duration;

use proc_macro2::{Ident, TokenStream};
use syn::meta::ParseNestedMeta;
use syn::parse::Parser as _;
use syn::spanned::Spanned as _;
use syn::{Expr, ExprLit, Lit, LitBool, LitStr};

use crate::kind::Kind;
use crate::{duration, messages};

/// Every option key, in the order the docs list them.
pub(crate) const KEYS: [&str; 11] = [
    "name",
    "timeout",
    "cache",
    "interval",
    "max_stale",
    "critical",
    "blocking",
    "tags",
    "failure_threshold",
    "success_threshold",
    "crate",
];

/// Keys that make no sense for startup probes, which run until they pass once and then stop.
const NOT_FOR_STARTUP: [&str; 5] = [
    "interval",
    "max_stale",
    "critical",
    "failure_threshold",
    "success_threshold",
];

fn supported(kind: Kind, key: &str) -> bool {
    kind != Kind::Startup || !NOT_FOR_STARTUP.contains(&key)
}

/// A duration option with the key and literal it came from, for later errors.
#[derive(Clone)]
pub(crate) struct DurationArg {
    pub(crate) value: Duration,
    pub(crate) key: Ident,
    pub(crate) lit: LitStr,
}

/// The parsed arguments. Every value keeps its tokens, so later checks can point at them.
#[derive(Default)]
pub(crate) struct Args {
    pub(crate) name: Option<LitStr>,
    pub(crate) timeout: Option<DurationArg>,
    pub(crate) cache: Option<DurationArg>,
    pub(crate) interval: Option<DurationArg>,
    pub(crate) max_stale: Option<DurationArg>,
    pub(crate) critical: Option<LitBool>,
    pub(crate) blocking: Option<LitBool>,
    pub(crate) tags: Option<Vec<LitStr>>,
    pub(crate) failure_threshold: Option<u32>,
    pub(crate) success_threshold: Option<u32>,
    pub(crate) krate: Option<syn::Path>,
}

impl Args {
    /// Parses the arguments, stopping at the first error (later keys might depend on it).
    pub(crate) fn parse(kind: Kind, tokens: TokenStream) -> syn::Result<Args> {
        let mut args = Args::default();
        syn::meta::parser(|meta| args.parse_one(kind, &meta)).parse2(tokens)?;
        args.validate()?;
        Ok(args)
    }

    fn parse_one(&mut self, kind: Kind, meta: &ParseNestedMeta<'_>) -> syn::Result<()> {
        let Some(key) = meta.path.get_ident().cloned() else {
            return Err(syn::Error::new_spanned(&meta.path, messages::NOT_AN_OPTION));
        };
        let name = key.to_string();
        let name = name.as_str();
        if !KEYS.contains(&name) {
            let valid: Vec<&str> = KEYS
                .iter()
                .copied()
                .filter(|k| supported(kind, k))
                .collect();
            let suggestion = closest(name, &valid);
            return Err(syn::Error::new(
                key.span(),
                messages::unknown_key(kind, name, &valid, suggestion),
            ));
        }
        if !supported(kind, name) {
            return Err(syn::Error::new(
                key.span(),
                messages::unsupported_key(kind, name),
            ));
        }
        if !meta.input.peek(syn::Token![=]) {
            return Err(syn::Error::new(
                key.span(),
                messages::missing_value(name, example(name)),
            ));
        }
        let value: Expr = meta.value()?.parse()?;
        let duplicate = || syn::Error::new(key.span(), messages::duplicate_key(name));
        match name {
            "name" => set(
                &mut self.name,
                string(&value, messages::expected_name)?,
                duplicate,
            ),
            "timeout" => set(&mut self.timeout, duration_arg(&key, &value)?, duplicate),
            "cache" => set(&mut self.cache, duration_arg(&key, &value)?, duplicate),
            "interval" => set(&mut self.interval, duration_arg(&key, &value)?, duplicate),
            "max_stale" => set(&mut self.max_stale, duration_arg(&key, &value)?, duplicate),
            "critical" => set(&mut self.critical, boolean(name, &value)?, duplicate),
            "blocking" => set(&mut self.blocking, boolean(name, &value)?, duplicate),
            "tags" => set(&mut self.tags, tags(&value)?, duplicate),
            "failure_threshold" => set(
                &mut self.failure_threshold,
                threshold(name, &value)?,
                duplicate,
            ),
            "success_threshold" => set(
                &mut self.success_threshold,
                threshold(name, &value)?,
                duplicate,
            ),
            _ => set(&mut self.krate, crate_path(&value)?, duplicate),
        }
    }

    /// Rules between keys, each reported at the key that breaks it.
    fn validate(&self) -> syn::Result<()> {
        if let (Some(cache), Some(_)) = (&self.cache, &self.interval) {
            return Err(syn::Error::new(
                cache.key.span(),
                messages::CACHE_WITH_INTERVAL,
            ));
        }
        if let Some(max_stale) = &self.max_stale {
            let Some(period) = self.cache.as_ref().or(self.interval.as_ref()) else {
                return Err(syn::Error::new(
                    max_stale.key.span(),
                    messages::MAX_STALE_ALONE,
                ));
            };
            if max_stale.value < period.value {
                return Err(syn::Error::new(
                    max_stale.lit.span(),
                    messages::max_stale_short(
                        &period.key.to_string(),
                        &max_stale.lit.value(),
                        &period.lit.value(),
                    ),
                ));
            }
        }
        if let Some(name) = &self.name {
            check_name(&name.value()).map_err(|message| syn::Error::new(name.span(), message))?;
        }
        Ok(())
    }
}

fn set<T>(
    slot: &mut Option<T>,
    value: T,
    duplicate: impl FnOnce() -> syn::Error,
) -> syn::Result<()> {
    if slot.is_some() {
        return Err(duplicate());
    }
    *slot = Some(value);
    Ok(())
}

/// An example of each key, for "needs a value" errors.
fn example(key: &str) -> &'static str {
    match key {
        "name" => "name = \"database\"",
        "timeout" => "timeout = \"200ms\"",
        "cache" => "cache = \"5s\"",
        "interval" => "interval = \"10s\"",
        "max_stale" => "max_stale = \"1m\"",
        "critical" => "critical = false",
        "blocking" => "blocking = true",
        "tags" => "tags = [\"db\"]",
        "failure_threshold" => "failure_threshold = 3",
        "success_threshold" => "success_threshold = 2",
        _ => "crate = ::healthz_actix",
    }
}

/// Describes what was written where a literal was expected: ``integer `200` ``.
fn describe(expr: &Expr) -> String {
    let text = quote::ToTokens::to_token_stream(expr).to_string();
    let what = match expr {
        Expr::Lit(ExprLit { lit, .. }) => match lit {
            Lit::Str(_) => "string",
            Lit::Int(_) => "integer",
            Lit::Float(_) => "float",
            Lit::Bool(_) => "bool",
            Lit::Char(_) => "char",
            _ => "literal",
        },
        Expr::Array(_) => "list",
        Expr::Path(_) => "path",
        _ => "expression",
    };
    format!("{what} `{text}`")
}

fn string(value: &Expr, expected: impl Fn(String) -> String) -> syn::Result<LitStr> {
    match value {
        Expr::Lit(ExprLit {
            lit: Lit::Str(s), ..
        }) => Ok(s.clone()),
        other => Err(syn::Error::new_spanned(other, expected(describe(other)))),
    }
}

fn duration_arg(key: &Ident, value: &Expr) -> syn::Result<DurationArg> {
    let name = key.to_string();
    let lit = string(value, |found| messages::expected_duration(&name, found))?;
    Ok(DurationArg {
        value: duration::parse(&name, &lit)?,
        key: key.clone(),
        lit,
    })
}

fn boolean(key: &str, value: &Expr) -> syn::Result<LitBool> {
    match value {
        Expr::Lit(ExprLit {
            lit: Lit::Bool(b), ..
        }) => Ok(b.clone()),
        Expr::Lit(ExprLit {
            lit: Lit::Str(s), ..
        }) if matches!(s.value().as_str(), "true" | "false") => Err(syn::Error::new(
            s.span(),
            messages::bool_as_string(key, &s.value()),
        )),
        other => Err(syn::Error::new_spanned(
            other,
            messages::expected_bool(key, describe(other)),
        )),
    }
}

fn threshold(key: &str, value: &Expr) -> syn::Result<u32> {
    let Expr::Lit(ExprLit {
        lit: Lit::Int(lit), ..
    }) = value
    else {
        return Err(syn::Error::new_spanned(
            value,
            messages::expected_threshold(key, describe(value)),
        ));
    };
    let value: u32 = lit.base10_parse().map_err(|_| {
        syn::Error::new(
            lit.span(),
            messages::expected_threshold(key, describe(value)),
        )
    })?;
    if value == 0 {
        return Err(syn::Error::new(lit.span(), messages::zero_threshold(key)));
    }
    Ok(value)
}

fn tags(value: &Expr) -> syn::Result<Vec<LitStr>> {
    let Expr::Array(array) = value else {
        return Err(syn::Error::new_spanned(
            value,
            messages::expected_tags(describe(value)),
        ));
    };
    array
        .elems
        .iter()
        .map(|elem| {
            let tag = string(elem, messages::expected_tags)?;
            let text = tag.value();
            if text.is_empty() || text.contains(|c: char| c.is_whitespace() || c == ',') {
                return Err(syn::Error::new(tag.span(), messages::invalid_tag(&text)));
            }
            Ok(tag)
        })
        .collect()
}

fn crate_path(value: &Expr) -> syn::Result<syn::Path> {
    match value {
        Expr::Path(p) if p.qself.is_none() && p.attrs.is_empty() => Ok(p.path.clone()),
        Expr::Lit(ExprLit {
            lit: Lit::Str(s), ..
        }) => s
            .parse::<syn::Path>()
            .map_err(|_| syn::Error::new(s.span(), messages::expected_crate(describe(value)))),
        other => Err(syn::Error::new(
            other.span(),
            messages::expected_crate(describe(other)),
        )),
    }
}

/// Probe names go into URL paths and the `?verbose` text.
pub(crate) fn check_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err(messages::empty_name());
    }
    let reason = if name.len() > 128 {
        "longer than 128 bytes"
    } else if !name.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        "it must start with an ASCII letter or digit"
    } else if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
    {
        "it holds a character that is not allowed"
    } else {
        return Ok(());
    };
    Err(messages::invalid_name(name, reason))
}

/// The valid key closest to a misspelt one (edit distance at most 2).
fn closest<'a>(key: &str, valid: &[&'a str]) -> Option<&'a str> {
    valid
        .iter()
        .map(|candidate| (edit_distance(key, candidate), *candidate))
        .filter(|(distance, _)| *distance <= 2)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (diagonal + usize::from(ca != *cb))
                .min(row[j] + 1)
                .min(above + 1);
            diagonal = above;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    fn parse(kind: Kind, tokens: TokenStream) -> syn::Result<Args> {
        Args::parse(kind, tokens)
    }

    fn error(kind: Kind, tokens: TokenStream) -> String {
        match parse(kind, tokens) {
            Ok(_) => String::from("no error"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn every_key() {
        let Ok(args) = parse(
            Kind::Readiness,
            quote!(
                name = "db",
                timeout = "200ms",
                interval = "10s",
                max_stale = "1m",
                critical = false,
                blocking = true,
                tags = ["a", "b"],
                failure_threshold = 3,
                success_threshold = 2,
                crate = ::healthz_actix
            ),
        ) else {
            panic!("every key parses")
        };
        assert_eq!(args.name.unwrap().value(), "db");
        assert_eq!(args.timeout.unwrap().value, Duration::from_millis(200));
        assert_eq!(args.interval.unwrap().value, Duration::from_secs(10));
        assert_eq!(args.max_stale.unwrap().value, Duration::from_secs(60));
        assert!(!args.critical.unwrap().value);
        assert!(args.blocking.unwrap().value);
        assert_eq!(args.tags.unwrap().len(), 2);
        assert_eq!(args.failure_threshold, Some(3));
        assert_eq!(args.success_threshold, Some(2));
        assert!(args.krate.is_some());
        assert!(parse(Kind::Readiness, quote!(crate = "hz")).is_ok_and(|a| a.krate.is_some()));
        assert!(parse(Kind::Readiness, quote!()).is_ok());
        assert!(parse(Kind::Readiness, quote!(cache = "5s",)).is_ok());
    }

    #[test]
    fn messages_table() {
        let table: Vec<(Kind, TokenStream, &str)> = vec![
            (
                Kind::Readiness,
                quote!(timout = "1s"),
                "unknown `readiness` option `timout`; did you mean `timeout`?",
            ),
            (
                Kind::Readiness,
                quote!(colour = 1),
                "unknown `readiness` option `colour`; valid options: `name`",
            ),
            (
                Kind::Startup,
                quote!(interval = "1s"),
                "`interval` is not supported by `#[startup]`",
            ),
            (
                Kind::Startup,
                quote!(failure_threshold = 2),
                "`failure_threshold` is not supported by `#[startup]`",
            ),
            (
                Kind::Readiness,
                quote!(timeout = "1s", timeout = "2s"),
                "duplicate option `timeout`",
            ),
            (
                Kind::Readiness,
                quote!(timeout = 200),
                "expected a duration string such as `timeout = \"200ms\"`, found integer `200`",
            ),
            (
                Kind::Readiness,
                quote!(critical = "yes"),
                "expected `true` or `false` for `critical`, found string",
            ),
            (
                Kind::Readiness,
                quote!(critical = "false"),
                "(a bool, not a string): write `critical = false`",
            ),
            (
                Kind::Readiness,
                quote!(timeout),
                "`timeout` needs a value: `timeout = \"200ms\"`",
            ),
            (Kind::Readiness, quote!(a::b = 1), "expected an option name"),
            (
                Kind::Readiness,
                quote!(name = ""),
                "the probe name is empty",
            ),
            (
                Kind::Readiness,
                quote!(name = "a b"),
                "invalid probe name `a b`",
            ),
            (
                Kind::Readiness,
                quote!(name = 5),
                "expected a string such as `name = \"database\"`, found integer `5`",
            ),
            (
                Kind::Readiness,
                quote!(failure_threshold = 0),
                "`failure_threshold` must be at least 1",
            ),
            (
                Kind::Readiness,
                quote!(failure_threshold = "3"),
                "expected a whole number of runs",
            ),
            (
                Kind::Readiness,
                quote!(failure_threshold = -1),
                "expected a whole number of runs",
            ),
            (
                Kind::Readiness,
                quote!(tags = "db"),
                "expected a list of strings",
            ),
            (Kind::Readiness, quote!(tags = ["a b"]), "invalid tag `a b`"),
            (
                Kind::Readiness,
                quote!(tags = [1]),
                "expected a list of strings",
            ),
            (
                Kind::Readiness,
                quote!(crate = 5),
                "expected a path such as `crate = ::healthz_actix`",
            ),
            (
                Kind::Readiness,
                quote!(cache = "5s", interval = "5s"),
                "`cache` has no effect with `interval`",
            ),
            (
                Kind::Readiness,
                quote!(max_stale = "5s"),
                "`max_stale` needs `cache` or `interval`",
            ),
            (
                Kind::Readiness,
                quote!(cache = "5s", max_stale = "1s"),
                "`max_stale = \"1s\"` is shorter than `cache = \"5s\"`",
            ),
            (
                Kind::Readiness,
                quote!(timeout = "5M"),
                "did you mean \"5m\" (minutes)?",
            ),
            (Kind::Readiness, quote!(timeout = "1s" "2s"), "expected `,`"),
        ];
        for (kind, tokens, expected) in table {
            let message = error(kind, tokens.clone());
            assert!(
                message.contains(expected),
                "{tokens}: {message:?} does not contain {expected:?}"
            );
        }
    }

    #[test]
    fn suggestions() {
        assert_eq!(closest("timout", &KEYS), Some("timeout"));
        assert_eq!(closest("cahce", &KEYS), Some("cache"));
        assert_eq!(closest("maxstale", &KEYS), Some("max_stale"));
        assert_eq!(closest("zzzzzz", &KEYS), None);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }

    #[test]
    fn names() {
        assert!(check_name("search-index.v2_x").is_ok());
        for bad in ["", "_x", "a/b", "ä", &"x".repeat(129)] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
    }
}
