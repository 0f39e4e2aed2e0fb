//! Credentials that stand alone, known by their documented shapes rather than by a key beside
//! them: vendor tokens by prefix ([`VENDOR_TOKENS`]), JSON Web Tokens ([`jwts`]) and PEM
//! private-key blocks ([`pem_keys`]). The shapes are those of the public rule sets of secret
//! scanners (gitleaks' `config/gitleaks.toml`, GitHub secret scanning's documented token
//! formats), each with the length bounds the vendor documents, so that ordinary words are not
//! taken for tokens.

use std::ops::Range;

/// A token of one vendor: its prefix, the bytes its body is made of, and the body's length.
pub(super) struct Prefixed {
    /// What the token starts with (matched exactly; it stays readable, so that a reader knows
    /// which credential was there).
    pub(super) prefix: &'static str,
    /// Which bytes the body may hold.
    pub(super) body: fn(u8) -> bool,
    /// The body's shortest and longest length.
    pub(super) len: (usize, usize),
}

fn alnum(b: u8) -> bool {
    b.is_ascii_alphanumeric()
}

fn alnum_underscore(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

fn url_safe(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-'
}

fn lower_alnum(b: u8) -> bool {
    b.is_ascii_lowercase() || b.is_ascii_digit()
}

/// AWS access key ids are upper-case base32.
fn base32_upper(b: u8) -> bool {
    b.is_ascii_uppercase() || (b'2'..=b'7').contains(&b)
}

/// Vendor tokens, from gitleaks' rules (the rule's id in each comment).
pub(super) const VENDOR_TOKENS: &[Prefixed] = &[
    // github-pat, github-oauth, github-app-token (ghu_, ghs_), github-refresh-token
    Prefixed {
        prefix: "ghp_",
        body: alnum,
        len: (36, 36),
    },
    Prefixed {
        prefix: "gho_",
        body: alnum,
        len: (36, 36),
    },
    Prefixed {
        prefix: "ghu_",
        body: alnum,
        len: (36, 36),
    },
    Prefixed {
        prefix: "ghs_",
        body: alnum,
        len: (36, 36),
    },
    Prefixed {
        prefix: "ghr_",
        body: alnum,
        len: (36, 36),
    },
    // github-fine-grained-pat
    Prefixed {
        prefix: "github_pat_",
        body: alnum_underscore,
        len: (82, 82),
    },
    // gitlab-pat
    Prefixed {
        prefix: "glpat-",
        body: url_safe,
        len: (20, 20),
    },
    // slack-bot-token, slack-user-token, slack-app-token and the legacy ones
    Prefixed {
        prefix: "xoxb-",
        body: url_safe,
        len: (10, 250),
    },
    Prefixed {
        prefix: "xoxp-",
        body: url_safe,
        len: (10, 250),
    },
    Prefixed {
        prefix: "xoxa-",
        body: url_safe,
        len: (10, 250),
    },
    Prefixed {
        prefix: "xoxr-",
        body: url_safe,
        len: (10, 250),
    },
    Prefixed {
        prefix: "xoxs-",
        body: url_safe,
        len: (10, 250),
    },
    Prefixed {
        prefix: "xoxe.xox",
        body: url_safe,
        len: (10, 250),
    },
    Prefixed {
        prefix: "xapp-",
        body: url_safe,
        len: (10, 250),
    },
    // stripe-access-token: secret and restricted keys, live and test
    Prefixed {
        prefix: "sk_live_",
        body: alnum,
        len: (10, 99),
    },
    Prefixed {
        prefix: "rk_live_",
        body: alnum,
        len: (10, 99),
    },
    Prefixed {
        prefix: "sk_test_",
        body: alnum,
        len: (10, 99),
    },
    Prefixed {
        prefix: "rk_test_",
        body: alnum,
        len: (10, 99),
    },
    // aws-access-token: long-term and temporary access key ids, and the other id kinds
    Prefixed {
        prefix: "AKIA",
        body: base32_upper,
        len: (16, 16),
    },
    Prefixed {
        prefix: "ASIA",
        body: base32_upper,
        len: (16, 16),
    },
    Prefixed {
        prefix: "ABIA",
        body: base32_upper,
        len: (16, 16),
    },
    Prefixed {
        prefix: "ACCA",
        body: base32_upper,
        len: (16, 16),
    },
    // gcp-api-key
    Prefixed {
        prefix: "AIza",
        body: url_safe,
        len: (35, 35),
    },
    // npm-access-token
    Prefixed {
        prefix: "npm_",
        body: lower_alnum,
        len: (36, 36),
    },
    // pypi-upload-token
    Prefixed {
        prefix: "pypi-AgEIcHlwaS5vcmc",
        body: url_safe,
        len: (50, 1000),
    },
    // huggingface-access-token
    Prefixed {
        prefix: "hf_",
        body: alnum,
        len: (34, 34),
    },
    // openai-api-key (project and service-account keys)
    Prefixed {
        prefix: "sk-proj-",
        body: url_safe,
        len: (40, 200),
    },
    Prefixed {
        prefix: "sk-svcacct-",
        body: url_safe,
        len: (40, 200),
    },
    // anthropic-api-key
    Prefixed {
        prefix: "sk-ant-api03-",
        body: url_safe,
        len: (90, 120),
    },
    // sendgrid-api-token
    Prefixed {
        prefix: "SG.",
        body: |b| url_safe(b) || b == b'.',
        len: (66, 66),
    },
];

/// Whether a token may start at `i`: at the text's start or after a byte no token is made of.
fn starts_word(bytes: &[u8], i: usize) -> bool {
    i == 0 || !url_safe(bytes[i - 1])
}

/// The bodies of vendor tokens: what follows a [`VENDOR_TOKENS`] prefix, when it has the
/// vendor's length and ends there.
pub(super) fn vendor_tokens(text: &str, ranges: &mut Vec<Range<usize>>) {
    let bytes = text.as_bytes();
    for token in VENDOR_TOKENS {
        let prefix = token.prefix.as_bytes();
        let mut from = 0;
        while let Some(at) = find(&bytes[from..], prefix).map(|i| from + i) {
            from = at + 1;
            if !starts_word(bytes, at) {
                continue;
            }
            let start = at + prefix.len();
            let len = bytes[start..]
                .iter()
                .take_while(|&&b| (token.body)(b))
                .count();
            // A longer run of the body's bytes is some other word; a shorter one, no token.
            if (token.len.0..=token.len.1).contains(&len) {
                ranges.push(start..start + len);
            }
        }
    }
}

/// JSON Web Tokens (gitleaks' `jwt`): three base64url segments joined by dots, the first two
/// opening a JSON object (`eyJ`), the signature possibly empty. Masked whole: the claims name
/// users and scopes, and the token is a credential until it expires.
pub(super) fn jwts(text: &str, ranges: &mut Vec<Range<usize>>) {
    let bytes = text.as_bytes();
    let segment = |from: usize| from + bytes[from..].iter().take_while(|&&b| url_safe(b)).count();
    let mut from = 0;
    while let Some(at) = find(&bytes[from..], b"eyJ").map(|i| from + i) {
        from = at + 1;
        if !starts_word(bytes, at) {
            continue;
        }
        let header = segment(at);
        if header - at < 10 || bytes.get(header) != Some(&b'.') {
            continue;
        }
        let claims_start = header + 1;
        let claims = segment(claims_start);
        if !bytes[claims_start..].starts_with(b"eyJ") || claims - claims_start < 10 {
            continue;
        }
        let mut end = claims;
        if bytes.get(claims) == Some(&b'.') {
            end = segment(claims + 1);
            end += bytes[end..].iter().take_while(|&&b| b == b'=').count();
        }
        ranges.push(at..end);
        from = end;
    }
}

/// PEM private-key blocks (gitleaks' `private-key`): what lies between `-----BEGIN ... PRIVATE
/// KEY-----` and its `-----END ... PRIVATE KEY-----`, or the text's end if the block was cut. The
/// two armour lines stay readable.
pub(super) fn pem_keys(text: &str, ranges: &mut Vec<Range<usize>>) {
    const BEGIN: &[u8] = b"-----BEGIN ";
    const DASHES: &[u8] = b"-----";
    let bytes = text.as_bytes();
    let mut from = 0;
    while let Some(at) = find(&bytes[from..], BEGIN).map(|i| from + i) {
        from = at + 1;
        // The label: `PRIVATE KEY`, `RSA PRIVATE KEY`, `OPENSSH PRIVATE KEY`, `ENCRYPTED ...`.
        let label = at + BEGIN.len();
        let Some(dashes) = find(&bytes[label..], DASHES).map(|i| label + i) else {
            continue;
        };
        if dashes - label > 40 || !bytes[label..dashes].ends_with(b"PRIVATE KEY") {
            continue;
        }
        let body = dashes + DASHES.len();
        let end = find(&bytes[body..], b"-----END ").map_or(bytes.len(), |i| body + i);
        if end > body {
            ranges.push(body..end);
        }
        from = end;
    }
}

/// Where `needle` first occurs in `haystack`.
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}
