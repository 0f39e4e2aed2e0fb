//! The query string of a health request: `?verbose`, `?exclude=name` (repeatable).

use std::borrow::Cow;

/// The most `exclude` parameters one request may carry.
pub const MAX_EXCLUDES: usize = 64;

/// A parsed query string.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Query<'a> {
    pub(crate) verbose: bool,
    pub(crate) exclude: Vec<Cow<'a, str>>,
}

impl<'a> Query<'a> {
    /// Parses `query`. Unknown parameters are ignored, as the Kubernetes API server does;
    /// a malformed known one is an error with a message for the caller.
    pub(crate) fn parse(query: &'a str) -> Result<Self, String> {
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
                            return Err(format!(
                                "`verbose` takes no value, `true` or `false`, not `{}`",
                                printable(other)
                            ));
                        }
                    }
                }
                "exclude" => {
                    if value.is_empty() {
                        return Err("`exclude` needs a probe name: `?exclude=database`".into());
                    }
                    if parsed.exclude.len() == MAX_EXCLUDES {
                        return Err(format!(
                            "at most {MAX_EXCLUDES} `exclude` parameters are accepted"
                        ));
                    }
                    parsed.exclude.push(value);
                }
                _ => {}
            }
        }
        Ok(parsed)
    }
}

/// `text` with control characters escaped, cut to 64 characters (escapes included, so the echo
/// stays short whatever the input), for echoing in an error.
pub(crate) fn printable(text: &str) -> String {
    let mut escaped = text.chars().flat_map(char::escape_debug);
    let mut out: String = escaped.by_ref().take(64).collect();
    if escaped.next().is_some() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert!(
            Query::parse("verbose=yes")
                .unwrap_err()
                .contains("not `yes`")
        );
        assert!(
            Query::parse("exclude=")
                .unwrap_err()
                .contains("needs a probe name")
        );
        let many = vec!["exclude=x"; MAX_EXCLUDES + 1].join("&");
        assert!(Query::parse(&many).unwrap_err().contains("at most 64"));
        assert_eq!(printable("a\u{0}b"), "a\\0b");
        assert_eq!(printable(&"x".repeat(100)).chars().count(), 65);
        let controls = printable(&"\u{1}".repeat(100));
        assert!(controls.starts_with("\\u{1}\\u{1}") && controls.ends_with('…'));
        assert_eq!(controls.chars().count(), 65, "escapes count toward the cut");
        let long = Query::parse(&format!("verbose={}", "%01".repeat(500))).unwrap_err();
        assert!(long.len() < 160, "{long}");
    }
}
