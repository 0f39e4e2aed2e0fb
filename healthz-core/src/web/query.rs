//! The query string of a health request: `?verbose`, `?exclude=name` and `?tag=name` (both
//! repeatable).

use std::borrow::Cow;
use std::fmt;

use crate::escape::printable;

/// The most `exclude` parameters one request may carry.
pub(crate) const MAX_EXCLUDES: usize = 64;

/// The most `tag` parameters one request may carry.
pub(crate) const MAX_TAGS: usize = 64;

/// A parsed query string.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Query<'a> {
    pub(crate) verbose: bool,
    pub(crate) exclude: Vec<Cow<'a, str>>,
    pub(crate) tags: Vec<Cow<'a, str>>,
}

impl<'a> Query<'a> {
    /// Parses `query`. Unknown parameters are ignored, as the Kubernetes API server does;
    /// a malformed known one is an error with a message for the caller.
    pub(crate) fn parse(query: &'a str) -> Result<Self, QueryError> {
        let mut parsed = Query::default();
        if query.is_empty() {
            return Ok(parsed);
        }
        for (key, value) in form_urlencoded::parse(query.as_bytes()) {
            match &*key {
                "verbose" => {
                    parsed.verbose = match &*value {
                        "" | "1" | "true" => true,
                        "0" | "false" => false,
                        other => {
                            return Err(QueryError::Verbose {
                                value: printable(other).into_owned(),
                            });
                        }
                    }
                }
                "exclude" => {
                    if value.is_empty() {
                        return Err(QueryError::EmptyExclude);
                    }
                    if parsed.exclude.len() == MAX_EXCLUDES {
                        return Err(QueryError::TooManyExcludes);
                    }
                    parsed.exclude.push(value);
                }
                "tag" => {
                    if value.is_empty() {
                        return Err(QueryError::EmptyTag);
                    }
                    if parsed.tags.len() == MAX_TAGS {
                        return Err(QueryError::TooManyTags);
                    }
                    parsed.tags.push(value);
                }
                _ => {}
            }
        }
        Ok(parsed)
    }
}

/// A query string the endpoints refuse (400), with the reason for the caller.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub(crate) enum QueryError {
    /// `verbose` has a value other than none, `true`, `false`, `1` or `0`.
    Verbose {
        /// The value, escaped and cut short.
        value: String,
    },
    /// `exclude=` without a name.
    EmptyExclude,
    /// More than [`MAX_EXCLUDES`] `exclude` parameters.
    TooManyExcludes,
    /// `tag=` without a tag.
    EmptyTag,
    /// More than [`MAX_TAGS`] `tag` parameters.
    TooManyTags,
}

impl fmt::Display for QueryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            QueryError::Verbose { value } => write!(
                f,
                "`verbose` takes no value, `true` or `false`, not `{value}`"
            ),
            QueryError::EmptyExclude => {
                f.write_str("`exclude` needs a probe name: `?exclude=database`")
            }
            QueryError::TooManyExcludes => write!(
                f,
                "at most {MAX_EXCLUDES} `exclude` parameters are accepted"
            ),
            QueryError::EmptyTag => f.write_str("`tag` needs a tag: `?tag=db`"),
            QueryError::TooManyTags => {
                write!(f, "at most {MAX_TAGS} `tag` parameters are accepted")
            }
        }
    }
}

impl std::error::Error for QueryError {}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses() {
        assert_eq!(Query::parse(""), Ok(Query::default()));
        let q = Query::parse("verbose&exclude=db&exclude=cache%2Dv2&other=1").unwrap();
        assert!(q.verbose);
        assert_eq!(q.exclude, ["db", "cache-v2"]);
        assert!(Query::parse("verbose=true").unwrap().verbose);
        assert!(!Query::parse("verbose=0").unwrap().verbose);
        assert!(Query::parse("%FF%FE=%00&&&==").is_ok());
    }

    #[test]
    fn rejects_with_a_message() {
        assert_eq!(
            Query::parse("verbose=yes"),
            Err(QueryError::Verbose {
                value: "yes".into()
            })
        );
        assert_eq!(Query::parse("exclude="), Err(QueryError::EmptyExclude));
        let many = vec!["exclude=x"; MAX_EXCLUDES + 1].join("&");
        assert_eq!(Query::parse(&many), Err(QueryError::TooManyExcludes));
        assert_eq!(Query::parse("tag="), Err(QueryError::EmptyTag));
        let many = vec!["tag=x"; MAX_TAGS + 1].join("&");
        assert_eq!(Query::parse(&many), Err(QueryError::TooManyTags));
        assert_eq!(
            Query::parse("tag=db&tag=cache").unwrap().tags,
            ["db", "cache"]
        );
        assert!(
            QueryError::TooManyExcludes
                .to_string()
                .contains("at most 64")
        );
        assert_eq!(printable("a\u{0}b"), "a\\0b");
        assert_eq!(printable(&"x".repeat(100)).chars().count(), 65);
        let controls = printable(&"\u{1}".repeat(100)).into_owned();
        assert!(controls.starts_with("\\u{1}\\u{1}") && controls.ends_with('…'));
        assert_eq!(controls.chars().count(), 65, "escapes count toward the cut");
        let long = Query::parse(&format!("verbose={}", "%01".repeat(500))).unwrap_err();
        assert!(long.to_string().len() < 160, "{long}");
    }

    /// Any characters, `&`, `=`, `%` and `+` among them.
    fn text(len: std::ops::Range<usize>) -> impl Strategy<Value = String> {
        let c = prop_oneof![
            any::<char>(),
            prop::sample::select(vec!['&', '=', '%', '+', ' '])
        ];
        prop::collection::vec(c, len).prop_map(String::from_iter)
    }

    proptest! {
        #![proptest_config(ProptestConfig {
            cases: 512,
            failure_persistence: None,
            rng_seed: proptest::test_runner::RngSeed::Fixed(0x0071_7565_7279),
            ..ProptestConfig::default()
        })]

        /// Any query string parses or is refused with a short, one-line reason.
        #[test]
        fn never_panics_and_reasons_are_short(
            query in prop_oneof![
                any::<String>(),
                prop::collection::vec(prop::sample::select(vec![
                    "verbose", "exclude", "tag", "=", "&", "%", "%2", "%FF", "%0A", "+", "true",
                    "0", "x", "\u{e9}", ";", "==", "exclude=db", "tag=db",
                ]), 0..24).prop_map(|parts| parts.concat()),
            ],
        ) {
            if let Err(error) = Query::parse(&query) {
                let reason = error.to_string();
                prop_assert!(reason.len() < 160 && !reason.contains(['\n', '\r']), "{reason:?}");
            }
        }

        /// What a client encodes is what the endpoints read back.
        #[test]
        fn encoded_queries_are_read_back(
            verbose in prop::option::of(prop::sample::select(vec!["", "1", "true", "0", "false"])),
            exclude in prop::collection::vec(text(1..12), 0..=MAX_EXCLUDES),
            tags in prop::collection::vec(text(1..12), 0..=MAX_TAGS),
            other in prop::collection::vec((text(0..8), text(0..8)), 0..4),
        ) {
            let mut encoder = form_urlencoded::Serializer::new(String::new());
            for (key, value) in &other {
                if !["verbose", "exclude", "tag"].contains(&key.as_str()) {
                    encoder.append_pair(key, value);
                }
            }
            if let Some(verbose) = verbose {
                encoder.append_pair("verbose", verbose);
            }
            for name in &exclude {
                encoder.append_pair("exclude", name);
            }
            for tag in &tags {
                encoder.append_pair("tag", tag);
            }
            let query = encoder.finish();
            let parsed = Query::parse(&query).unwrap();
            prop_assert_eq!(parsed.verbose, matches!(verbose, Some("" | "1" | "true")));
            prop_assert_eq!(parsed.exclude, exclude);
            prop_assert_eq!(parsed.tags, tags);
        }
    }
}
