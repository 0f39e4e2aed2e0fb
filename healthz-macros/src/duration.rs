//! Durations, parsed at compile time from humantime-style string literals.

use std::time::Duration;

use proc_macro2::TokenStream;
use quote::quote;
use syn::LitStr;

use crate::messages;

/// Parses the literal of `key = "..."`, with every error on the literal.
pub(crate) fn parse(key: &str, lit: &LitStr) -> syn::Result<Duration> {
    let text = lit.value();
    let error = |message: String| syn::Error::new(lit.span(), message);
    let trimmed = text.trim();
    if !trimmed.is_empty() && trimmed.chars().all(|c| c.is_ascii_digit() || c == '.') {
        return Err(error(messages::duration_no_unit(key, trimmed)));
    }
    let units = units(&text);
    if units.contains(&"M") {
        let fixed = replace_units(&text, |u| if u == "M" { "m" } else { u });
        return Err(error(messages::duration_months(&text, &fixed)));
    }
    if units
        .iter()
        .any(|u| matches!(*u, "month" | "months" | "y" | "year" | "years"))
    {
        return Err(error(messages::duration_calendar(key, &text)));
    }
    let duration = humantime::parse_duration(&text)
        .map_err(|e| error(messages::duration_invalid(key, &text, e)))?;
    // Zero is the rule book's to refuse (`must be greater than zero`).
    if !duration.is_zero() && duration < Duration::from_millis(1) {
        let fixed = replace_units(&text, |u| match u {
            "us" | "usec" | "ns" | "nsec" => "ms",
            other => other,
        });
        return Err(error(messages::duration_sub_millisecond(
            key, &text, &fixed,
        )));
    }
    Ok(duration)
}

/// The unit words of a humantime string: `"1h 30m"` → `["h", "m"]`.
fn units(text: &str) -> Vec<&str> {
    text.split(|c: char| c.is_ascii_digit() || c == '.' || c.is_whitespace())
        .filter(|u| !u.is_empty())
        .collect()
}

/// `text` with each unit word replaced by `f(unit)`.
fn replace_units<'a>(text: &'a str, f: impl Fn(&'a str) -> &'a str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while !rest.is_empty() {
        let is_unit = |c: char| !(c.is_ascii_digit() || c == '.' || c.is_whitespace());
        let split = rest.find(is_unit).unwrap_or(rest.len());
        out.push_str(&rest[..split]);
        rest = &rest[split..];
        let end = rest.find(|c: char| !is_unit(c)).unwrap_or(rest.len());
        out.push_str(f(&rest[..end]));
        rest = &rest[end..];
    }
    out
}

/// The tokens of a `Duration` constructor, in the largest whole unit: `from_millis(200)`.
pub(crate) fn tokens(duration: Duration, duration_path: &TokenStream) -> TokenStream {
    let nanos = duration.as_nanos();
    let (ctor, value) = if nanos.is_multiple_of(1_000_000_000) {
        (quote!(from_secs), nanos / 1_000_000_000)
    } else if nanos.is_multiple_of(1_000_000) {
        (quote!(from_millis), nanos / 1_000_000)
    } else if nanos.is_multiple_of(1_000) {
        (quote!(from_micros), nanos / 1_000)
    } else {
        (quote!(from_nanos), nanos)
    };
    // Durations past u64::MAX seconds cannot be written; humantime stops far below that.
    let value = u64::try_from(value).unwrap_or(u64::MAX);
    let value = proc_macro2::Literal::u64_unsuffixed(value);
    quote!(#duration_path::#ctor(#value))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proc_macro2::Span;

    fn lit(text: &str) -> LitStr {
        LitStr::new(text, Span::call_site())
    }

    #[test]
    fn accepted() {
        let table = [
            ("200ms", Duration::from_millis(200)),
            ("5s", Duration::from_secs(5)),
            ("1m", Duration::from_secs(60)),
            ("1h 30m", Duration::from_secs(5400)),
            ("2 secs", Duration::from_secs(2)),
            ("1.5s", Duration::from_millis(1500)),
            ("1ms", Duration::from_millis(1)),
            ("1d", Duration::from_secs(86_400)),
        ];
        for (text, expected) in table {
            assert_eq!(parse("timeout", &lit(text)).unwrap(), expected, "{text}");
        }
    }

    #[test]
    fn rejected_with_the_fix() {
        let table = [
            (
                "5M",
                "\"5M\" is read as months (`M`); did you mean \"5m\" (minutes)?",
            ),
            ("1h 5M", "did you mean \"1h 5m\" (minutes)?"),
            ("1y", "uses months or years"),
            ("2 months", "uses months or years"),
            (
                "200",
                "`timeout = \"200\"` has no unit: write `\"200ms\"` or `\"200s\"`",
            ),
            (
                "200us",
                "shorter than a millisecond; did you mean \"200ms\"?",
            ),
            (
                "5 parsecs",
                "invalid duration `timeout = \"5 parsecs\"`: unknown time unit \"parsecs\"",
            ),
            ("", "invalid duration `timeout = \"\"`"),
            ("fast", "invalid duration"),
            ("-5s", "invalid duration"),
        ];
        for (text, expected) in table {
            let err = parse("timeout", &lit(text)).unwrap_err().to_string();
            assert!(
                err.contains(expected),
                "{text:?}: {err:?} does not contain {expected:?}"
            );
        }
    }

    #[test]
    fn tokens_use_the_largest_whole_unit() {
        let path = quote!(D);
        let table = [
            (Duration::from_secs(5), "D :: from_secs (5)"),
            (Duration::from_millis(200), "D :: from_millis (200)"),
            (Duration::from_micros(1500), "D :: from_micros (1500)"),
            (
                Duration::from_nanos(1_000_000_001),
                "D :: from_nanos (1000000001)",
            ),
        ];
        for (duration, expected) in table {
            assert_eq!(tokens(duration, &path).to_string(), expected);
        }
    }
}
