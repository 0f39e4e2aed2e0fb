//! Every message the macros print, in one place, so tests and docs quote the same words.
//!
//! Style (rustc's): lower-case start, no final period, code in backticks, the attribute named,
//! and the fix last.

use std::fmt::Display;

use healthz_rules::{KeyInfo, Kind, NameError, TagError, ValueType};

pub(crate) fn not_a_fn(kind: Kind) -> String {
    format!(
        "`#[{}]` can only be applied to an `async fn`",
        kind.as_str()
    )
}

pub(crate) fn not_async(kind: Kind, name: &str) -> String {
    format!(
        "`#[{k}]` requires an `async fn`; for a synchronous check write `#[{k}(blocking = true)] fn {name}(..)`",
        k = kind.as_str()
    )
}

pub(crate) fn blocking_async(name: &str) -> String {
    format!(
        "`blocking = true` is for synchronous functions, and `{name}` is `async`: remove `blocking = true` (async probes are cancelled at their timeout)"
    )
}

pub(crate) fn generics(kind: Kind) -> String {
    format!(
        "`#[{}]` functions cannot be generic: remove the generic parameters and take concrete state types such as `&PgPool`",
        kind.as_str()
    )
}

pub(crate) fn where_clause(kind: Kind) -> String {
    format!(
        "`#[{}]` functions cannot have a `where` clause: remove it and take concrete state types",
        kind.as_str()
    )
}

pub(crate) fn receiver(kind: Kind) -> String {
    format!(
        "`#[{}]` probes are free functions, not methods: move the function out of the `impl` block and take the state it needs as `&T`",
        kind.as_str()
    )
}

pub(crate) fn qualifier(kind: Kind, qualifier: &str) -> String {
    format!(
        "`#[{}]` functions cannot be `{qualifier}`: remove it",
        kind.as_str()
    )
}

pub(crate) const VARIADIC: &str = "probe functions cannot be variadic: remove the `...` argument";

pub(crate) fn by_value(ty: &str) -> String {
    format!(
        "probe arguments are shared references to state: take `&{ty}` and supply the value with `Health::builder().state(..)`"
    )
}

pub(crate) fn mut_ref(ty: &str) -> String {
    format!(
        "probe arguments are shared references: take `&{ty}` instead of `&mut {ty}` (use interior mutability for state that changes)"
    )
}

pub(crate) const IMPL_TRAIT_ARG: &str =
    "`impl Trait` makes the probe generic: take a concrete type such as `&PgPool`";

pub(crate) fn unsized_state(ty: &str, sized: &str) -> String {
    format!(
        "state is looked up by its type, and `{ty}` has no fixed size: take `&{sized}` and supply a `{sized}` with `Health::builder().state(..)`"
    )
}

pub(crate) const DYN_TRAIT_ARG: &str = "state is looked up by its concrete type: take `&Arc<dyn Trait>` and supply an `Arc<dyn Trait>` with `Health::builder().state(..)`";

pub(crate) fn stacked_twice(kind: Kind) -> String {
    format!(
        "`#[{k}]` is applied twice to this function: remove one (to register the function twice, give the second a different kind or `name`)",
        k = kind.as_str()
    )
}

pub(crate) fn unknown_key(
    kind: Kind,
    key: &str,
    valid: &[&str],
    suggestion: Option<&str>,
) -> String {
    let list = valid
        .iter()
        .map(|k| format!("`{k}`"))
        .collect::<Vec<_>>()
        .join(", ");
    match suggestion {
        Some(s) => format!(
            "unknown `{}` option `{key}`; did you mean `{s}`? valid options: {list}",
            kind.as_str()
        ),
        None => format!(
            "unknown `{}` option `{key}`; valid options: {list}",
            kind.as_str()
        ),
    }
}

pub(crate) fn duplicate_key(key: &str) -> String {
    format!("duplicate option `{key}`: each option may appear once")
}

pub(crate) fn missing_value(key: &str, example: &str) -> String {
    format!("`{key}` needs a value: `{example}`")
}

pub(crate) const NOT_AN_OPTION: &str = "expected an option name such as `timeout`";

pub(crate) fn bool_as_string(key: &str, value: &str) -> String {
    format!("expected `true` or `false` (a bool, not a string): write `{key} = {value}`")
}

pub(crate) fn duration_no_unit(key: &str, text: &str) -> String {
    format!("`{key} = \"{text}\"` has no unit: write `\"{text}ms\"` or `\"{text}s\"`")
}

pub(crate) fn duration_months(text: &str, fixed: &str) -> String {
    format!("\"{text}\" is read as months (`M`); did you mean \"{fixed}\" (minutes)?")
}

pub(crate) fn duration_calendar(key: &str, text: &str) -> String {
    format!(
        "`{key} = \"{text}\"` uses months or years, which are not sensible for a probe: use `s`, `m`, `h` or `d`"
    )
}

pub(crate) fn duration_sub_millisecond(key: &str, text: &str, fixed: &str) -> String {
    format!("`{key} = \"{text}\"` is shorter than a millisecond; did you mean \"{fixed}\"?")
}

pub(crate) fn duration_invalid(key: &str, text: &str, error: impl Display) -> String {
    format!(
        "invalid duration `{key} = \"{text}\"`: {error}; write it like \"200ms\", \"5s\" or \"1m 30s\""
    )
}

/// A value of the wrong type, with the form the key takes.
pub(crate) fn expected(key: &KeyInfo, found: &str) -> String {
    let (what, example) = (key.name, key.example);
    match key.value {
        ValueType::Str => format!("expected a string such as `{example}`, found {found}"),
        ValueType::Duration => {
            format!("expected a duration string such as `{example}`, found {found}")
        }
        ValueType::Bool => format!("expected `true` or `false` for `{what}`, found {found}"),
        ValueType::Runs => {
            format!("expected a whole number of runs such as `{example}`, found {found}")
        }
        ValueType::StrList => {
            format!("expected a list of strings such as `{example}`, found {found}")
        }
        ValueType::Path => format!("expected a path such as `{example}`, found {found}"),
    }
}

pub(crate) fn invalid_name(name: &str, error: NameError) -> String {
    format!("invalid probe name {name:?}: {error}")
}

pub(crate) fn invalid_fn_name(name: &str, error: NameError) -> String {
    format!("the function name `{name}` is not a valid probe name ({error}): add `name = \"...\"`")
}

pub(crate) fn invalid_tag(tag: &str, error: TagError) -> String {
    format!("invalid tag {tag:?}: {error}")
}
