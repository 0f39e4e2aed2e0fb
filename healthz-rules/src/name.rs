//! Probe names and tags: they go into URL paths, query strings and the `?verbose` text.

use std::fmt;

/// The longest probe name accepted, in bytes.
pub const MAX_NAME_LEN: usize = 128;

/// Why a probe name is refused by [`check_name`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum NameError {
    /// The name is empty.
    Empty,
    /// The name is longer than [`MAX_NAME_LEN`] bytes.
    TooLong {
        /// Its length in bytes.
        len: usize,
    },
    /// The name starts with something other than an ASCII letter or digit.
    BadStart {
        /// The first character.
        first: char,
    },
    /// The name holds a character other than ASCII letters, digits, `_`, `-` and `.`.
    BadChar {
        /// The first such character.
        found: char,
    },
}

impl fmt::Display for NameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NameError::Empty => f.write_str("the name is empty")?,
            NameError::TooLong { len } => {
                write!(f, "the name is {len} bytes long, more than {MAX_NAME_LEN}")?;
            }
            NameError::BadStart { first } => {
                write!(
                    f,
                    "the name starts with {first:?}, not an ASCII letter or digit"
                )?;
            }
            NameError::BadChar { found } => {
                write!(f, "the name holds {found:?}, which is not allowed")?;
            }
        }
        f.write_str("; use ASCII letters, digits, `_`, `-` and `.`, such as `search-index`")
    }
}

impl std::error::Error for NameError {}

/// Checks a probe name: ASCII letters, digits, `_`, `-` and `.`, starting with a letter or
/// digit, at most [`MAX_NAME_LEN`] bytes.
///
/// # Errors
///
/// The first rule the name breaks.
///
/// ```
/// use healthz_rules::{NameError, check_name};
///
/// assert_eq!(check_name("search-index.v2"), Ok(()));
/// assert_eq!(check_name("a b"), Err(NameError::BadChar { found: ' ' }));
/// assert_eq!(check_name("-db"), Err(NameError::BadStart { first: '-' }));
/// ```
pub fn check_name(name: &str) -> Result<(), NameError> {
    let Some(first) = name.chars().next() else {
        return Err(NameError::Empty);
    };
    if name.len() > MAX_NAME_LEN {
        return Err(NameError::TooLong { len: name.len() });
    }
    if !first.is_ascii_alphanumeric() {
        return Err(NameError::BadStart { first });
    }
    match name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')))
    {
        Some(found) => Err(NameError::BadChar { found }),
        None => Ok(()),
    }
}

/// Why a tag is refused by [`check_tag`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TagError {
    /// The tag is empty.
    Empty,
    /// The tag holds whitespace or a comma.
    BadChar {
        /// The first such character.
        found: char,
    },
    /// The tag is longer than [`MAX_NAME_LEN`] bytes.
    TooLong {
        /// Its length in bytes.
        len: usize,
    },
}

impl fmt::Display for TagError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TagError::Empty => f.write_str("the tag is empty")?,
            TagError::BadChar { found } => write!(f, "the tag holds {found:?}")?,
            TagError::TooLong { len } => {
                write!(f, "the tag is {len} bytes long, more than {MAX_NAME_LEN}")?;
            }
        }
        f.write_str(
            "; tags are non-empty, at most 128 bytes, and hold no whitespace, control characters or commas",
        )
    }
}

impl std::error::Error for TagError {}

/// Checks a tag: non-empty, at most [`MAX_NAME_LEN`] bytes, without whitespace, control
/// characters or commas.
///
/// # Errors
///
/// The first rule the tag breaks.
///
/// ```
/// use healthz_rules::{TagError, check_tag};
///
/// assert_eq!(check_tag("db"), Ok(()));
/// assert_eq!(check_tag("a,b"), Err(TagError::BadChar { found: ',' }));
/// ```
pub fn check_tag(tag: &str) -> Result<(), TagError> {
    if tag.is_empty() {
        return Err(TagError::Empty);
    }
    if tag.len() > MAX_NAME_LEN {
        return Err(TagError::TooLong { len: tag.len() });
    }
    match tag
        .chars()
        .find(|c| c.is_whitespace() || c.is_control() || *c == ',')
    {
        Some(found) => Err(TagError::BadChar { found }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        for ok in [
            "db",
            "search-index",
            "db.primary",
            "a_b",
            "0",
            &"x".repeat(128),
        ] {
            assert_eq!(check_name(ok), Ok(()), "{ok}");
        }
        let table = [
            ("", NameError::Empty),
            ("-db", NameError::BadStart { first: '-' }),
            ("_x", NameError::BadStart { first: '_' }),
            ("a b", NameError::BadChar { found: ' ' }),
            ("a/b", NameError::BadChar { found: '/' }),
            ("é", NameError::BadStart { first: 'é' }),
            ("aé", NameError::BadChar { found: 'é' }),
            (&"x".repeat(129), NameError::TooLong { len: 129 }),
        ];
        for (name, expected) in table {
            assert_eq!(check_name(name), Err(expected), "{name:?}");
        }
        assert_eq!(
            NameError::BadChar { found: '/' }.to_string(),
            "the name holds '/', which is not allowed; use ASCII letters, digits, `_`, `-` and `.`, such as `search-index`"
        );
    }

    #[test]
    fn tags() {
        assert_eq!(check_tag("db"), Ok(()));
        assert_eq!(check_tag("team:payments"), Ok(()));
        assert_eq!(check_tag(""), Err(TagError::Empty));
        assert_eq!(check_tag("a b"), Err(TagError::BadChar { found: ' ' }));
        assert_eq!(
            check_tag("a\u{7}"),
            Err(TagError::BadChar { found: '\u{7}' })
        );
        assert_eq!(
            check_tag(&"t".repeat(129)),
            Err(TagError::TooLong { len: 129 })
        );
    }
}
