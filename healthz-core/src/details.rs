//! Structured details of a check, as stored: redacted and bounded when the run ends.

use std::sync::Arc;

use serde_json::Value;

use crate::check::Details;
use crate::redact;

/// The most JSON a check's details may take (its `details` object); later details are left out
/// with a note, so that bodies stay under [`MAX_BODY_BYTES`](crate::MAX_BODY_BYTES).
pub(crate) const MAX_DETAILS_BYTES: usize = 1024;

/// The key of the note that says how many details were left out.
const LEFT_OUT: &str = "healthz_left_out";

/// A check's details, redacted and bounded, ready to serve.
pub(crate) type Sealed = Arc<[(Box<str>, Value)]>;

/// Redacts and bounds `details`; `None` when there are none.
pub(crate) fn seal(details: Details) -> Option<Sealed> {
    if details.is_empty() {
        return None;
    }
    let total = details.len();
    let mut kept: Vec<(Box<str>, Value)> = Vec::with_capacity(total);
    // `{}` plus, per entry, `"key":value,`.
    let mut size = 2;
    for (key, value) in details {
        let value = clean(&key, value);
        let entry = serde_json::to_string(&*key).map_or(0, |k| k.len())
            + serde_json::to_string(&value).map_or(0, |v| v.len())
            + 2;
        // Room for the note, should one be needed.
        if size + entry + 80 > MAX_DETAILS_BYTES {
            break;
        }
        size += entry;
        kept.push((key.into_owned().into_boxed_str(), value));
    }
    let left_out = total - kept.len();
    if left_out > 0 {
        kept.push((
            LEFT_OUT.into(),
            Value::String(format!(
                "{left_out} of {total} details left out: at most {MAX_DETAILS_BYTES} bytes per check"
            )),
        ));
    }
    Some(kept.into())
}

/// `value` redacted: strings as outputs are, and anything under a key that names a secret
/// replaced whole.
fn clean(key: &str, value: Value) -> Value {
    if names_a_secret(key) {
        return Value::String("***".into());
    }
    match value {
        Value::String(text) => match redact(&text) {
            std::borrow::Cow::Borrowed(_) => Value::String(text),
            std::borrow::Cow::Owned(clean) => Value::String(clean),
        },
        Value::Array(items) => Value::Array(items.into_iter().map(|v| clean("", v)).collect()),
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| {
                    let v = clean(&k, v);
                    (k, v)
                })
                .collect(),
        ),
        other => other,
    }
}

/// Whether the redactor treats `key` as the key of a secret (`password`, `api_key`, ...): the one
/// rule of which keys hold secrets is the redactor's.
fn names_a_secret(key: &str) -> bool {
    if key.is_empty() {
        return false;
    }
    let pair = format!("{key}=x");
    redact(&pair) != pair
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sealed(details: Details) -> Value {
        let sealed = seal(details).unwrap();
        Value::Object(
            sealed
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
        )
    }

    #[test]
    fn secrets_are_redacted_at_any_depth() {
        let details = vec![
            ("url".into(), json!("postgres://app:hunter2@db/app")),
            ("password".into(), json!("hunter2")),
            (
                "nested".into(),
                json!({"token": "abc", "ok": [1, "user:pw@h"], "n": 3}),
            ),
            ("pool_size".into(), json!(10)),
        ];
        let text = sealed(details).to_string();
        assert!(!text.contains("hunter2") && !text.contains("abc"), "{text}");
        assert!(
            text.contains(r#""pool_size":10"#) && text.contains(r#""n":3"#),
            "{text}"
        );
    }

    #[test]
    fn details_are_bounded_with_a_note() {
        let details: Details = (0..100)
            .map(|i| (format!("key{i:03}").into(), json!("x".repeat(40))))
            .collect();
        let sealed = sealed(details);
        let text = sealed.to_string();
        assert!(text.len() <= MAX_DETAILS_BYTES, "{}", text.len());
        let note = sealed[LEFT_OUT].as_str().unwrap();
        assert!(
            note.ends_with("of 100 details left out: at most 1024 bytes per check"),
            "{note}"
        );
        assert!(seal(Vec::new()).is_none());
    }
}
