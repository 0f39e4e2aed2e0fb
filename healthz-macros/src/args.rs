//! The attribute's arguments: `#[readiness(timeout = "200ms", cache = "5s")]`.
//!
//! Which keys exist, what each takes, which kinds take it and the rules between them are the
//! rule book's (`healthz_rules`); this module reads tokens into it and puts each error on the
//! token at fault.

use std::collections::BTreeMap;
use std::time::Duration;

use healthz_rules::{Given, Key, Kind, RuleError, Value, ValueType, check_name, check_tag};
use proc_macro2::{Ident, Span, TokenStream};
use syn::meta::ParseNestedMeta;
use syn::parse::Parser as _;
use syn::spanned::Spanned as _;
use syn::{Expr, ExprLit, Lit, LitBool, LitStr};

use crate::{duration, messages};

/// A value read from the attribute, with its tokens for later errors.
#[derive(Clone)]
pub(crate) enum Parsed {
    Str(LitStr),
    Duration(Duration),
    Bool(LitBool),
    Runs(u32),
    StrList(Vec<LitStr>),
    Path(syn::Path),
}

impl Parsed {
    /// What the rule book looks at.
    fn value(&self) -> Value {
        match self {
            Parsed::Duration(d) => Value::Duration(*d),
            Parsed::Bool(b) => Value::Bool(b.value),
            Parsed::Runs(runs) => Value::Runs(*runs),
            Parsed::Str(_) | Parsed::StrList(_) | Parsed::Path(_) => Value::Other,
        }
    }
}

/// One `key = value` of the attribute.
#[derive(Clone)]
pub(crate) struct Entry {
    /// The key as written, for its span.
    pub(crate) ident: Ident,
    /// The span of the value.
    pub(crate) span: Span,
    pub(crate) value: Parsed,
}

/// The parsed arguments: each key given, once, with its tokens.
#[derive(Default)]
pub(crate) struct Args {
    entries: BTreeMap<Key, Entry>,
}

impl Args {
    /// Parses the arguments, stopping at the first error (later keys might depend on it), then
    /// checks the rules between them.
    pub(crate) fn parse(kind: Kind, tokens: TokenStream) -> syn::Result<Args> {
        let mut args = Args::default();
        syn::meta::parser(|meta| args.parse_one(kind, &meta)).parse2(tokens)?;
        args.validate(kind)?;
        Ok(args)
    }

    /// The keys given, in documentation order, with their entries.
    pub(crate) fn entries(&self) -> impl Iterator<Item = (Key, &Entry)> {
        self.entries.iter().map(|(key, entry)| (*key, entry))
    }

    /// `name = "..."`, if given.
    pub(crate) fn name(&self) -> Option<&LitStr> {
        match self.entries.get(&Key::Name).map(|e| &e.value) {
            Some(Parsed::Str(name)) => Some(name),
            _ => None,
        }
    }

    /// `blocking = ...`, if given.
    pub(crate) fn blocking(&self) -> Option<&LitBool> {
        match self.entries.get(&Key::Blocking).map(|e| &e.value) {
            Some(Parsed::Bool(blocking)) => Some(blocking),
            _ => None,
        }
    }

    /// `crate = ...`, if given.
    pub(crate) fn krate(&self) -> Option<syn::Path> {
        match self.entries.get(&Key::Crate).map(|e| &e.value) {
            Some(Parsed::Path(path)) => Some(path.clone()),
            _ => None,
        }
    }

    fn parse_one(&mut self, kind: Kind, meta: &ParseNestedMeta<'_>) -> syn::Result<()> {
        let Some(ident) = meta.path.get_ident().cloned() else {
            return Err(syn::Error::new_spanned(&meta.path, messages::NOT_AN_OPTION));
        };
        let written = ident.to_string();
        let Ok(key) = written.parse::<Key>() else {
            let valid: Vec<&str> = Key::for_kind(kind).map(Key::as_str).collect();
            let suggestion = closest(&written, &valid);
            return Err(syn::Error::new(
                ident.span(),
                messages::unknown_key(kind, &written, &valid, suggestion),
            ));
        };
        if !key.accepted_by(kind) {
            let error = RuleError::NotForKind { key, kind };
            return Err(syn::Error::new(ident.span(), error.to_string()));
        }
        if !meta.input.peek(syn::Token![=]) {
            return Err(syn::Error::new(
                ident.span(),
                messages::missing_value(key.as_str(), key.info().example),
            ));
        }
        let expr: Expr = meta.value()?.parse()?;
        let value = parse_value(key, &expr)?;
        check_value(key, &value)?;
        if self.entries.contains_key(&key) {
            return Err(syn::Error::new(
                ident.span(),
                messages::duplicate_key(key.as_str()),
            ));
        }
        let span = expr.span();
        self.entries.insert(key, Entry { ident, span, value });
        Ok(())
    }

    /// What the rule book sees.
    fn given(&self) -> Given {
        self.entries().fold(Given::new(), |given, (key, entry)| {
            given.with(key, entry.value.value())
        })
    }

    /// The rules between keys, each reported at the token that breaks it: the value when the
    /// value is wrong, the key when the key should not be there.
    fn validate(&self, kind: Kind) -> syn::Result<()> {
        let Err(error) = healthz_rules::check(kind, &self.given()) else {
            return Ok(());
        };
        let entry = self
            .entries
            .get(&error.key())
            .ok_or_else(|| syn::Error::new(Span::call_site(), error.to_string()))?;
        let span = match error {
            RuleError::Zero { .. }
            | RuleError::ZeroRuns { .. }
            | RuleError::MaxStaleShort { .. } => entry.span,
            _ => entry.ident.span(),
        };
        Err(syn::Error::new(span, error.to_string()))
    }
}

/// Reads a value of the key's type.
fn parse_value(key: Key, expr: &Expr) -> syn::Result<Parsed> {
    let info = key.info();
    let wrong = || syn::Error::new_spanned(expr, messages::expected(&info, &describe(expr)));
    let lit = match expr {
        Expr::Lit(ExprLit { lit, .. }) => Some(lit),
        _ => None,
    };
    match (info.value, lit) {
        (ValueType::Str, Some(Lit::Str(s))) => Ok(Parsed::Str(s.clone())),
        (ValueType::Duration, Some(Lit::Str(s))) => {
            Ok(Parsed::Duration(duration::parse(info.name, s)?))
        }
        (ValueType::Bool, Some(Lit::Bool(b))) => Ok(Parsed::Bool(b.clone())),
        (ValueType::Bool, Some(Lit::Str(s))) if matches!(s.value().as_str(), "true" | "false") => {
            Err(syn::Error::new(
                s.span(),
                messages::bool_as_string(info.name, &s.value()),
            ))
        }
        (ValueType::Runs, Some(Lit::Int(int))) => int
            .base10_parse::<u32>()
            .map(Parsed::Runs)
            .map_err(|_| wrong()),
        (ValueType::StrList, _) => {
            let Expr::Array(array) = expr else {
                return Err(wrong());
            };
            array
                .elems
                .iter()
                .map(|elem| match elem {
                    Expr::Lit(ExprLit {
                        lit: Lit::Str(s), ..
                    }) => Ok(s.clone()),
                    other => Err(syn::Error::new_spanned(
                        other,
                        messages::expected(&info, &describe(other)),
                    )),
                })
                .collect::<syn::Result<_>>()
                .map(Parsed::StrList)
        }
        (ValueType::Path, _) => match expr {
            Expr::Path(p) if p.qself.is_none() && p.attrs.is_empty() => {
                Ok(Parsed::Path(p.path.clone()))
            }
            Expr::Lit(ExprLit {
                lit: Lit::Str(s), ..
            }) => s
                .parse::<syn::Path>()
                .map(Parsed::Path)
                .map_err(|_| wrong()),
            _ => Err(wrong()),
        },
        _ => Err(wrong()),
    }
}

/// The rules of one value on its own (names and tags), at the value.
fn check_value(key: Key, value: &Parsed) -> syn::Result<()> {
    match (key, value) {
        (Key::Name, Parsed::Str(name)) => check_name(&name.value())
            .map_err(|e| syn::Error::new(name.span(), messages::invalid_name(&name.value(), e))),
        (Key::Tags, Parsed::StrList(tags)) => tags.iter().try_for_each(|tag| {
            check_tag(&tag.value())
                .map_err(|e| syn::Error::new(tag.span(), messages::invalid_tag(&tag.value(), e)))
        }),
        _ => Ok(()),
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
        assert_eq!(args.name().unwrap().value(), "db");
        assert!(args.blocking().unwrap().value);
        assert!(args.krate().is_some());
        let given = args.given();
        assert_eq!(
            given.get(Key::Timeout),
            Some(Value::Duration(Duration::from_millis(200)))
        );
        assert_eq!(
            given.get(Key::MaxStale),
            Some(Value::Duration(Duration::from_secs(60)))
        );
        assert_eq!(given.get(Key::Critical), Some(Value::Bool(false)));
        assert_eq!(given.get(Key::FailureThreshold), Some(Value::Runs(3)));
        assert_eq!(given.get(Key::Tags), Some(Value::Other));
        assert_eq!(given.get(Key::Cache), None);
        assert_eq!(args.entries().count(), 10);
        assert!(parse(Kind::Readiness, quote!(crate = "hz")).is_ok_and(|a| a.krate().is_some()));
        assert!(parse(Kind::Readiness, quote!()).is_ok());
        assert!(parse(Kind::Readiness, quote!(cache = "5s",)).is_ok());
    }

    #[test]
    fn every_key_of_the_rule_book_parses_from_its_example() {
        for kind in Kind::ALL {
            for key in Key::for_kind(kind) {
                let tokens: TokenStream = key.info().example.parse().unwrap();
                let parsed = parse(kind, tokens.clone());
                assert!(
                    parsed.is_ok() || matches!(key, Key::MaxStale),
                    "{kind} {tokens}: {:?}",
                    parsed.err().map(|e| e.to_string())
                );
            }
        }
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
                "invalid probe name \"\": the name is empty",
            ),
            (
                Kind::Readiness,
                quote!(name = "a b"),
                "invalid probe name \"a b\": the name holds ' '",
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
            (
                Kind::Readiness,
                quote!(tags = ["a b"]),
                "invalid tag \"a b\": the tag holds ' '",
            ),
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
                quote!(timeout = "0s"),
                "`timeout` must be greater than zero",
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
        let keys: Vec<&str> = Key::ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(closest("timout", &keys), Some("timeout"));
        assert_eq!(closest("cahce", &keys), Some("cache"));
        assert_eq!(closest("maxstale", &keys), Some("max_stale"));
        assert_eq!(closest("zzzzzz", &keys), None);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }
}
