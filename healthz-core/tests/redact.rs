//! Redaction: every credential shape the drivers and tools we know print is masked, wherever it
//! stands in an output; ordinary text is left as it is; `redact` never panics and is idempotent.

use healthz_core::redact;
use proptest::prelude::*;

/// Inputs and what they become.
const MASKED: &[(&str, &str)] = &[
    // URL userinfo, passwords with the characters drivers print raw.
    (
        "cannot reach postgres://app:hunter2@db:5432/app?sslmode=disable",
        "cannot reach postgres://app:***@db:5432/app?sslmode=disable",
    ),
    ("postgres://app:pa/ss@db/app", "postgres://app:***@db/app"),
    ("postgres://app:pa?ss@db/app", "postgres://app:***@db/app"),
    ("postgres://app:pa#ss@db/app", "postgres://app:***@db/app"),
    (
        "postgres://app:pa ss@db/app: refused",
        "postgres://app:***@db/app: refused",
    ),
    ("postgres://app:p@ss@db/app", "postgres://app:***@db/app"),
    ("redis://:s3cret@cache:6379/0", "redis://:***@cache:6379/0"),
    (
        "\"postgres://u:p%40ss@h/d\" refused",
        "\"postgres://u:***@h/d\" refused",
    ),
    (
        "two: http://a:b@h http://c:d@i",
        "two: http://a:***@h http://c:***@i",
    ),
    ("ünïcödé://ü:ß@h", "ünïcödé://ü:***@h"),
    // A token as the URL's user.
    (
        "clone https://ghp_abcdefghijklmnopqrstuvwxyz0123456789@github.com/o/r.git",
        "clone https://***@github.com/o/r.git",
    ),
    (
        "https://glpat-abcdefghij0123456789@gitlab.com",
        "https://***@gitlab.com",
    ),
    (
        "https://x-access-token:ghs_abcdef0123456789@github.com",
        "https://x-access-token:***@github.com",
    ),
    // `user:pass@host` without a scheme.
    (
        "connecting to app:hunter2@cache:6379",
        "connecting to app:***@cache:6379",
    ),
    ("(app:hunter2@db)", "(app:***@db)"),
    // Key families, with prefixes and suffixes.
    (
        "host=db user=app password=hunter2 dbname=app",
        "host=db user=app password=*** dbname=app",
    ),
    ("PASSWORD=xyz; next", "PASSWORD=***; next"),
    ("DB_PASSWORD=x", "DB_PASSWORD=***"),
    ("PGPASSWORD=x", "PGPASSWORD=***"),
    ("psql --password=x -h db", "psql --password=*** -h db"),
    (
        "client_secret=x&grant_type=client_credentials",
        "client_secret=***&grant_type=client_credentials",
    ),
    ("aws_secret_access_key=x", "aws_secret_access_key=***"),
    (
        "AWS_ACCESS_KEY_ID=AKIA1 AWS_SECRET_ACCESS_KEY=x",
        "AWS_ACCESS_KEY_ID=AKIA1 AWS_SECRET_ACCESS_KEY=***",
    ),
    ("refresh_token=x", "refresh_token=***"),
    ("x-api-key=x", "x-api-key=***"),
    (
        "apiKey=x api_key=y APIKEY=z",
        "apiKey=*** api_key=*** APIKEY=***",
    ),
    ("credentials=x", "credentials=***"),
    (
        "spring.datasource.password=x",
        "spring.datasource.password=***",
    ),
    ("private_key=x", "private_key=***"),
    ("oauth=x auth=y", "oauth=*** auth=***"),
    (
        "passwd=x pwd=y passphrase=z",
        "passwd=*** pwd=*** passphrase=***",
    ),
    ("password1=x", "password1=***"),
    // Query strings: `key=` and `sig=` too.
    (
        "https://maps.example.com/api?key=AIzaSyx&v=3",
        "https://maps.example.com/api?key=***&v=3",
    ),
    (
        "https://a.blob.example.net/c/b?sv=2020-08-04&se=2030&sig=abc%2Bdef",
        "https://a.blob.example.net/c/b?sv=2020-08-04&se=2030&sig=***",
    ),
    (
        "https://example.com/a?token=abc&x=1",
        "https://example.com/a?token=***&x=1",
    ),
    (
        "X-Amz-Credential=AKIA%2F1&X-Amz-Signature=abc",
        "X-Amz-Credential=***&X-Amz-Signature=***",
    ),
    // Separators.
    ("password = x", "password = ***"),
    ("token= x", "token= ***"),
    ("password :x", "password :***"),
    ("password: x", "password: ***"),
    (
        "  password: 'x y'\n  user: app",
        "  password: '***'\n  user: app",
    ),
    (
        r#"{"password":"x","user":"app"}"#,
        r#"{"password":"***","user":"app"}"#,
    ),
    (
        r#"{"password": "x \"y\" z", "user": "app"}"#,
        r#"{"password": "***", "user": "app"}"#,
    ),
    // Quoted values, as libpq prints them.
    (r#"password="x""#, r#"password="***""#),
    ("password='x y' host=db", "password='***' host=db"),
    (r"password='it\'s' host=db", "password='***' host=db"),
    (
        "password='never closed host=db\nnext line",
        "password='***\nnext line",
    ),
    // Authorization schemes.
    (
        "Authorization: Bearer eyJhbGciOi.x.y",
        "Authorization: Bearer ***",
    ),
    (
        "authorization: basic dXNlcjpwYXNz",
        "authorization: basic ***",
    ),
    (
        "Proxy-Authorization: Basic dXNlcjpwYXNz",
        "Proxy-Authorization: Basic ***",
    ),
    ("authorization=Bearer x", "authorization=Bearer ***"),
    (
        r#"{"Authorization":"Bearer x"}"#,
        r#"{"Authorization":"***"}"#,
    ),
    // More than needed rather than less (SECURITY.md says so).
    ("PWD=/home/app", "PWD=***"),
    ("next_token=abc", "next_token=***"),
    ("https://u:p@h/x?email=a@b.com", "https://u:***@b.com"),
    // Less than a person would: an unquoted value ends at whitespace (SECURITY.md says so).
    ("password=pa ss", "password=*** ss"),
    // Secret flags and the argument after them.
    (
        "exec: pg_dump --password hunter2 --host db",
        "exec: pg_dump --password *** --host db",
    ),
    ("curl --token abc123 -v", "curl --token *** -v"),
    ("run -api-key k1 -x", "run -api-key *** -x"),
    ("tool --password --verbose", "tool --password --verbose"),
    // Vendor tokens, standing alone: the prefix stays, naming what was there.
    (
        "push rejected for ghp_16C7e42F292c6912E7710c838347Ae178B4a",
        "push rejected for ghp_***",
    ),
    (
        "github_pat_11ABCDEFG0_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789xxxxxxxxx failed",
        "github_pat_*** failed",
    ),
    (
        "token glpat-xxxxxxxxxxxxxxxxxxxx expired",
        "token glpat-*** expired",
    ),
    (
        "slack: xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx invalid_auth",
        "slack: xoxb-*** invalid_auth",
    ),
    (
        "stripe rejected sk_live_4eC39HqLyjWDarjtT1zdp7dc",
        "stripe rejected sk_live_***",
    ),
    (
        "rk_test_51H8QwE2eZvKYlo2C0123456789 used",
        "rk_test_*** used",
    ),
    (
        "InvalidClientTokenId AKIAIOSFODNN7EXAMPLE",
        "InvalidClientTokenId AKIA***",
    ),
    (
        "key AIzaSyDaGmWKa4JsXZ-HjGw7ISLn_3namBGewQe rejected",
        "key AIza*** rejected",
    ),
    (
        "npm ERR! npm_abcdefghijklmnopqrstuvwxyz0123456789 revoked",
        "npm ERR! npm_*** revoked",
    ),
    // JSON Web Tokens, whole.
    (
        "jwt eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c expired",
        "jwt *** expired",
    ),
    (
        "unsigned eyJhbGciOiJub25lIn0.eyJzdWIiOiJhZG1pbiJ9. rejected",
        "unsigned *** rejected",
    ),
    // PEM private-key blocks: the armour stays, the key goes.
    (
        "bad key: -----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY----- (parse error)",
        "bad key: -----BEGIN RSA PRIVATE KEY-----***-----END RSA PRIVATE KEY----- (parse error)",
    ),
    (
        "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA",
        "-----BEGIN OPENSSH PRIVATE KEY-----***",
    ),
];

/// Text that holds no credential and is left exactly as it is.
const ORDINARY: &[&str] = &[
    "",
    "connection refused",
    "timed out after 200ms",
    "tokens processed: 5",
    "max_tokens=100 token_type=bearer",
    "keyboard",
    "author: Bob",
    "authority: db.example",
    "the key was not found",
    "key",
    "sig",
    "signature verified",
    "secret-store unavailable",
    "x-api-key header missing",
    "password authentication failed for user \"app\"",
    "NOAUTH Authentication required.",
    "WRONGPASS invalid username-password pair or user is disabled.",
    "https://example.com/a/b?q=1&page=2",
    "http://localhost:8080/readyz failed",
    "http://127.0.0.1:8080/ down, ask ops@example.com",
    "https://example.com:8443/x?email=a@b.com",
    "http://[::1]:8080/livez",
    "mysql://root@db/test",
    "secret_name=db-creds AWS_REGION=eu-west-1",
    "mysql://root:@db/test",
    "git@github.com:org/repo.git",
    "mailto:ops@example.com",
    "ops@example.com",
    "db:5432 10.0.0.1:6379 12:30",
    "a=b c==d",
    "password=\"\"",
    "password==x",
    "token::Error: bad",
    "://",
    "3 min behind",
    "index is 3 min behind",
    "disk /var/lib has 1.2 GiB free",
    // Near the standalone shapes, but not of them.
    "the ghp_ prefix",
    "ghp_short",
    "skill_level_3 sk_live_",
    "AKIA is a prefix",
    "eyJ is how JSON starts in base64",
    "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----",
    "-----BEGIN PUBLIC KEY-----",
    "ls --password-file /run/secrets/db",
];

#[test]
fn every_known_shape_is_masked() {
    for (input, expected) in MASKED {
        assert_eq!(redact(input), *expected, "input {input:?}");
        assert_eq!(
            redact(expected),
            *expected,
            "masking again changes nothing: {input:?}"
        );
    }
}

/// Ordinary on their own, not followed by more text: `password= x` would be a credential.
const ORDINARY_ALONE: &[&str] = &[
    "password=",
    "token:",
    "Authorization: Bearer",
    "Authorization: Bearer\nnext",
];

#[test]
fn ordinary_text_is_left_alone() {
    for text in ORDINARY.iter().chain(ORDINARY_ALONE) {
        let out = redact(text);
        assert_eq!(out, *text);
        assert!(
            matches!(out, std::borrow::Cow::Borrowed(_)),
            "{text:?} is not copied"
        );
    }
}

/// A credential: pieces of letters and digits, each wrapped in `Q`s, joined by one of
/// `joiners`. No other text in these tests holds a `Q`, so a `Q` in an output is (part of) a
/// credential that survived, wherever the mask fell.
fn credential(joiners: &'static str) -> impl Strategy<Value = String> {
    let piece = "[a-zA-Z0-9]{0,6}".prop_map(|p| format!("Q{p}Q"));
    let joiner = prop::sample::select(joiners.chars().collect::<Vec<_>>());
    (piece.clone(), prop::collection::vec((joiner, piece), 0..3)).prop_map(|(first, rest)| {
        rest.into_iter().fold(first, |mut all, (joiner, piece)| {
            all.push(joiner);
            all.push_str(&piece);
            all
        })
    })
}

/// Shapes, each with the characters its credential may hold besides letters and digits.
const SHAPES: &[(&str, &str)] = &[
    // Unquoted values end at whitespace, `,`, `;`, `&`, quotes and brackets.
    ("password={}", "!@#$%^*+/=:.~_-"),
    ("PASSWORD={}", "-"),
    ("passwd={}", "-"),
    ("pwd={}", "-"),
    ("DB_PASSWORD={}", "!@#$%^*+/=:.~_-"),
    ("PGPASSWORD={}", "-"),
    ("--password={}", "-"),
    ("client_secret={}", "-"),
    ("aws_secret_access_key={}", "/+"),
    ("refresh_token={}", "-._"),
    ("access_token={}", "-._"),
    ("x-api-key={}", "-"),
    ("api_key={}", "-"),
    ("apiKey={}", "-"),
    ("ACCESS_KEY={}", "-"),
    ("credentials={}", "-"),
    ("auth={}", "-"),
    ("private_key={}", "-"),
    ("spring.datasource.password={}", "-"),
    ("password = {}", "-"),
    ("token= {}", "-"),
    ("password: {}", "-"),
    ("secret:{}", "-"),
    ("x-api-key: {}", "-"),
    ("Authorization: Bearer {}", "-._~+/"),
    ("authorization: Basic {}", "+/="),
    ("Proxy-Authorization: Bearer {}", "-"),
    ("https://h.example/p?key={}&v=1", "-_"),
    ("https://h.example/p?sv=1&sig={}", "%"),
    // Quoted values may hold anything but their quote and a backslash.
    ("password=\"{}\"", " ,;&'-"),
    ("password='{}'", " ,;&\"-"),
    ("\"password\":\"{}\"", " ,;:'-"),
    ("\"password\": \"{}\"", " ,;:'-"),
    ("{\"api_key\": \"{}\"}", " -"),
    ("\"Authorization\": \"Bearer {}\"", "-"),
    // URL userinfo.
    ("postgres://app:{}@db:5432/app", "/?#@:!$"),
    // A password may hold spaces, or `@`, but not both: `p@ss w0rd@db` reads as host `ss`.
    ("postgres://app:{}@db:5432/app", "/?# :"),
    ("redis://:{}@cache:6379/0", "/?#@"),
    ("mysql://root:{}@db/test", "/?#@"),
    ("mysql://root:{}@db/test", " "),
    ("https://user:{}@example.com/x", "/?#@"),
    ("https://ghp_{}@github.com/o/r", "_"),
    ("https://glpat-{}@gitlab.com/o/r", "_"),
    // `user:pass@host` without a scheme.
    ("app:{}@db.internal:5432", "/?#!"),
];

/// Text around a shape: anything but a `Q`.
fn noise() -> impl Strategy<Value = String> {
    let alphabet: Vec<char> = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPRSTUVWXYZ0123456789 \
                               .,;:()[]{}<>\"'=&?/@-_\n\t!#%*+~\\"
        .chars()
        .collect();
    prop::collection::vec(prop::sample::select(alphabet), 0..16)
        .prop_map(|chars| chars.into_iter().collect())
}

fn shaped() -> impl Strategy<Value = (String, String)> {
    prop::sample::select(SHAPES).prop_flat_map(|(shape, extra)| {
        credential(extra).prop_map(move |secret| (shape.to_owned(), shape.replace("{}", &secret)))
    })
}

/// Ordinary text: the words of [`ORDINARY`], joined.
fn ordinary() -> impl Strategy<Value = String> {
    let word = prop::sample::select(ORDINARY);
    let joiner = prop::sample::select(vec![" ", ", ", "; ", "\n", " - "]);
    prop::collection::vec((word, joiner), 0..8).prop_map(|words| {
        words
            .into_iter()
            .flat_map(|(word, joiner)| [word, joiner])
            .collect()
    })
}

/// Credentials that stand alone, each a strategy for the whole credential and the part that must
/// not survive: vendor tokens (the body after the prefix), JSON Web Tokens, PEM key bodies and
/// secret flags' arguments.
fn standalone() -> impl Strategy<Value = (String, String)> {
    let prefixed = |prefix: &'static str, body: &'static str| {
        body.prop_map(move |body| (format!("{prefix}{body}"), body))
    };
    prop_oneof![
        prefixed("ghp_", "[A-Za-z0-9]{36}"),
        prefixed("gho_", "[A-Za-z0-9]{36}"),
        prefixed("ghs_", "[A-Za-z0-9]{36}"),
        prefixed("github_pat_", "[A-Za-z0-9_]{82}"),
        prefixed("glpat-", "[A-Za-z0-9_-]{20}"),
        prefixed("xoxb-", "[0-9]{10,13}-[0-9]{10,13}-[A-Za-z0-9]{24}"),
        prefixed("xoxp-", "[0-9]{10,13}-[A-Za-z0-9-]{20,60}"),
        prefixed("sk_live_", "[A-Za-z0-9]{24,99}"),
        prefixed("rk_live_", "[A-Za-z0-9]{24,99}"),
        prefixed("AKIA", "[A-Z2-7]{16}"),
        prefixed("ASIA", "[A-Z2-7]{16}"),
        prefixed("AIza", "[A-Za-z0-9_-]{35}"),
        prefixed("npm_", "[a-z0-9]{36}"),
        prefixed("hf_", "[A-Za-z0-9]{34}"),
        (
            "[A-Za-z0-9_-]{10,40}",
            "[A-Za-z0-9_-]{10,80}",
            "[A-Za-z0-9_-]{0,43}"
        )
            .prop_map(|(header, claims, signature)| {
                let token = format!("eyJ{header}.eyJ{claims}.{signature}");
                (token.clone(), token)
            }),
        (
            prop::sample::select(vec!["", "RSA ", "EC ", "DSA ", "OPENSSH ", "ENCRYPTED "]),
            prop::collection::vec("[A-Za-z0-9+/]{16,64}", 1..6),
        )
            .prop_map(|(label, lines)| {
                let body = lines.join("\n");
                (
                    format!(
                        "-----BEGIN {label}PRIVATE KEY-----\n{body}\n-----END {label}PRIVATE KEY-----"
                    ),
                    body,
                )
            }),
        (
            prop::sample::select(vec!["--password", "--token", "-token", "--api-key", "--client-secret"]),
            "[A-Za-z0-9!@#%^*+/=:._~][A-Za-z0-9!@#%^*+/=:._~-]{5,29}",
        )
            .prop_map(|(flag, value)| (format!("{flag} {value}"), value)),
    ]
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 4096,
        failure_persistence: None,
        rng_seed: proptest::test_runner::RngSeed::Fixed(0x7265_6461_6374),
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn no_shape_survives_anywhere(before in noise(), (shape, text) in shaped(), after in noise()) {
        let input = format!("{before}{text}{after}");
        let out = redact(&input);
        prop_assert!(!out.contains('Q'), "{shape}: {input:?} became {out:?}");
        prop_assert_eq!(redact(&out), out.clone(), "idempotent");
    }

    #[test]
    fn several_shapes_in_one_output(
        parts in prop::collection::vec((noise(), shaped()), 1..4),
        after in noise(),
    ) {
        let input: String = parts
            .iter()
            .flat_map(|(noise, (_, text))| [noise.as_str(), " ", text, " "])
            .chain([after.as_str()])
            .collect();
        let out = redact(&input);
        prop_assert!(!out.contains('Q'), "{input:?} became {out:?}");
        prop_assert_eq!(redact(&out), out.clone(), "idempotent");
    }

    #[test]
    fn no_standalone_credential_survives(
        before in noise(),
        (credential, secret) in standalone(),
        after in noise(),
    ) {
        // Apart from the text around it by a space, as a word: a token glued to other letters is
        // another word.
        let input = format!("{before} {credential} {after}");
        let out = redact(&input);
        let len = secret.len().min(8);
        for part in [&secret[..len], &secret[secret.len() - len..]] {
            prop_assert!(!out.contains(part), "{part:?} of {credential:?} survived in {out:?}");
        }
        prop_assert_eq!(redact(&out), out.clone(), "idempotent");
    }

    #[test]
    fn ordinary_text_is_unchanged(text in ordinary()) {
        prop_assert_eq!(redact(&text), text.as_str());
    }

    #[test]
    fn any_text_never_panics_and_redacting_twice_changes_nothing(text in any::<String>()) {
        let once = redact(&text).into_owned();
        prop_assert_eq!(redact(&once), once.as_str());
    }

    #[test]
    fn text_near_the_shapes_never_panics_and_is_idempotent(
        text in prop::collection::vec(prop::sample::select(vec![
            "password", "PASSWORD", "token", "key", "sig", "auth", "Authorization", "Bearer ",
            "Basic ", "=", " = ", ": ", ":", "\"", "'", "\\", "://", "@", "?", "&", "#", "/", " ",
            "\n", "x", "ü", "ghp_", "abc123", "::", "==", "{", "}", ",", ";", "\r", "\u{0}",
        ]), 0..24).prop_map(|parts| parts.concat()),
    ) {
        let once = redact(&text).into_owned();
        prop_assert_eq!(redact(&once), once.as_str(), "{:?}", text);
    }
}
