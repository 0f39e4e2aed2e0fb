//! Who the client is behind trusted proxies: the `X-Forwarded-For` and `Forwarded` (RFC 7239)
//! request headers, read right to left.

use std::net::{IpAddr, SocketAddr};

use super::request::Headers;

/// Which header trusted proxies use to say who their client is.
///
/// Pick the one your proxy *sets or appends to*: a header the proxy passes through untouched is
/// written by the client, who can then claim any address.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum ProxyHeader {
    /// `X-Forwarded-For: client, proxy1, proxy2`: what nginx (`$proxy_add_x_forwarded_for`),
    /// `haproxy` (`option forwardfor`), Envoy and most cloud load balancers append to.
    #[default]
    XForwardedFor,
    /// `Forwarded: for=192.0.2.60;proto=https, for="[2001:db8::17]:4711"` (RFC 7239): what
    /// `haproxy`'s `option forwarded` and some proxies write.
    Forwarded,
}

impl ProxyHeader {
    /// The header's name, in lower case.
    pub(crate) const fn name(self) -> &'static str {
        match self {
            ProxyHeader::XForwardedFor => "x-forwarded-for",
            ProxyHeader::Forwarded => "forwarded",
        }
    }
}

/// The headers that say a request was forwarded by a proxy. A request carrying any of them is
/// not a loopback caller's own, even from a loopback peer: it may be a local proxy's, passing on
/// a remote client's request.
pub(crate) const FORWARDING: [&str; 6] = [
    "forwarded",
    "x-forwarded-for",
    "x-forwarded-host",
    "x-forwarded-proto",
    "x-real-ip",
    "via",
];

/// Whether the request carries a header that proxies add ([`FORWARDING`]), believed or not.
pub(crate) fn is_forwarded(headers: &(impl Headers + ?Sized)) -> bool {
    headers.contains_any(&FORWARDING)
}

/// Who a trusted proxy's header says the client is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Said {
    /// The request carries no such header: the peer is the client.
    Nothing,
    /// The client, an address written in the header.
    Client(IpAddr),
    /// The hop that decides is unknown (`unknown`, an obfuscated name, an address that does not
    /// parse), or the header is malformed and so not believed at all.
    Unknown,
}

/// Who the client of a request from a trusted proxy is, by the `which` header.
///
/// The hops the header lists form the chain of addresses the request passed, the proxy's peer
/// last; read from the right, every trusted address is a proxy, and the first untrusted one is
/// the client (addresses further left were written by that client and prove nothing). When
/// every hop is trusted, the leftmost is the client.
///
/// A `Forwarded` header is read by RFC 7239's grammar: one that breaks it anywhere (an unclosed
/// quote, a second `for=` in an element, a node that is no address) is not believed, and the
/// client is [`Said::Unknown`]. A quote the client leaves open would otherwise swallow the
/// elements its proxies append.
pub(crate) fn client(
    which: ProxyHeader,
    headers: &(impl Headers + ?Sized),
    trusted: impl Fn(IpAddr) -> bool,
) -> Said {
    let mut hops = Vec::new();
    let mut any = false;
    for value in headers.values(which.name()) {
        any = true;
        let Some(value) = visible_ascii(value) else {
            return Said::Unknown;
        };
        match which {
            ProxyHeader::XForwardedFor => hops.extend(value.split(',').map(node)),
            ProxyHeader::Forwarded => match forwarded_line(value) {
                Some(line) => hops.extend(line),
                None => return Said::Unknown,
            },
        }
    }
    if !any {
        return Said::Nothing;
    }
    let Some(&leftmost) = hops.first() else {
        // A `Forwarded` header of empty elements only: it names nobody.
        return Said::Unknown;
    };
    for hop in hops.into_iter().rev() {
        match hop {
            Some(ip) if trusted(ip) => {}
            Some(ip) => return Said::Client(ip),
            None => return Said::Unknown,
        }
    }
    leftmost.map_or(Said::Unknown, Said::Client)
}

/// A header value of visible ASCII (and tabs), as `HeaderValue::to_str` accepts it; `None` for
/// anything else, which no proxy writes.
fn visible_ascii(value: &[u8]) -> Option<&str> {
    value
        .iter()
        .all(|&b| b == b'\t' || (0x20..0x7f).contains(&b))
        .then(|| std::str::from_utf8(value).ok())?
}

/// An address as proxies write it in `X-Forwarded-For`: `192.0.2.60`, `192.0.2.60:4711`,
/// `2001:db8::17`, `[2001:db8::17]` or `[2001:db8::17]:4711`. IPv4-mapped IPv6 becomes IPv4.
fn node(text: &str) -> Option<IpAddr> {
    let text = text.trim();
    let ip = text
        .parse::<IpAddr>()
        .ok()
        .or_else(|| text.parse::<SocketAddr>().ok().map(|a| a.ip()))
        .or_else(|| {
            text.strip_prefix('[')?
                .strip_suffix(']')?
                .parse::<IpAddr>()
                .ok()
        })?;
    Some(ip.to_canonical())
}

/// The `for=` node of each element of one `Forwarded` line (RFC 7239 §4), left to right: `None`
/// for an element without `for=` or whose node is `unknown` or obfuscated. `None` for the whole
/// line if it breaks the grammar:
///
/// ```text
/// Forwarded         = 1#forwarded-element          ; `,`-separated, with optional whitespace
/// forwarded-element = [ forwarded-pair ] *( ";" [ forwarded-pair ] )
/// forwarded-pair    = token "=" value              ; at most one `for` per element
/// value             = token / quoted-string        ; `\` escapes one character in quotes
/// ```
///
/// Whitespace is accepted around `,` and `;` (some proxies write `; `), nowhere else. Empty
/// elements are skipped, as RFC 9110 §5.6.1 asks of list recipients.
fn forwarded_line(line: &str) -> Option<Vec<Option<IpAddr>>> {
    let mut cursor = Cursor(line.as_bytes());
    let mut nodes = Vec::new();
    loop {
        let (mut pairs, mut node) = (0, None);
        loop {
            cursor.skip_whitespace();
            match cursor.peek() {
                None | Some(b',') => break,
                Some(b';') => {
                    cursor.advance();
                    continue;
                }
                Some(_) => {}
            }
            let key = cursor.token()?;
            cursor.expect(b'=')?;
            let value = cursor.value()?;
            if key.eq_ignore_ascii_case(b"for") {
                if node.is_some() {
                    return None;
                }
                node = Some(Node::parse(&value)?);
            }
            pairs += 1;
            cursor.skip_whitespace();
            match cursor.peek() {
                None | Some(b',') => break,
                Some(b';') => cursor.advance(),
                Some(_) => return None,
            }
        }
        if pairs > 0 {
            nodes.push(match node {
                Some(Node::Address(ip)) => Some(ip),
                Some(Node::Hidden) | None => None,
            });
        }
        if cursor.peek().is_none() {
            return Some(nodes);
        }
        cursor.expect(b',')?;
    }
}

/// What is left of a header value to parse.
struct Cursor<'a>(&'a [u8]);

impl<'a> Cursor<'a> {
    fn peek(&self) -> Option<u8> {
        self.0.first().copied()
    }

    fn advance(&mut self) {
        self.0 = self.0.get(1..).unwrap_or_default();
    }

    fn expect(&mut self, byte: u8) -> Option<()> {
        (self.peek()? == byte).then(|| self.advance())
    }

    fn skip_whitespace(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.advance();
        }
    }

    /// A token (RFC 9110 §5.6.2): one or more `tchar`s.
    fn token(&mut self) -> Option<&'a [u8]> {
        let len = self.0.iter().take_while(|&&b| is_tchar(b)).count();
        let (token, rest) = self.0.split_at(len);
        self.0 = rest;
        (len > 0).then_some(token)
    }

    /// A token, or a quoted string with its escapes resolved.
    fn value(&mut self) -> Option<Vec<u8>> {
        if self.peek() != Some(b'"') {
            return self.token().map(<[u8]>::to_vec);
        }
        self.advance();
        let mut value = Vec::new();
        loop {
            let byte = self.peek()?;
            self.advance();
            match byte {
                b'"' => return Some(value),
                b'\\' => {
                    value.push(self.peek()?);
                    self.advance();
                }
                byte => value.push(byte),
            }
        }
    }
}

/// `tchar` (RFC 9110 §5.6.2).
fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// A `for=` node (RFC 7239 §6).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Node {
    /// `192.0.2.60` or `[2001:db8::17]`, either with a `:port`.
    Address(IpAddr),
    /// `unknown`, or an obfuscated name such as `_hidden`.
    Hidden,
}

impl Node {
    /// The node `text` names; `None` if it breaks the grammar.
    fn parse(text: &[u8]) -> Option<Node> {
        let text = std::str::from_utf8(text).ok()?;
        let bracketed = text.strip_prefix('[');
        let (host, port) = match bracketed {
            Some(rest) => rest.split_once(']')?,
            None => text.split_at(text.find(':').unwrap_or(text.len())),
        };
        if !port.is_empty() {
            valid_port(port.strip_prefix(':')?)?;
        }
        Some(if bracketed.is_some() {
            Node::Address(IpAddr::V6(host.parse().ok()?).to_canonical())
        } else if host.eq_ignore_ascii_case("unknown") || obfuscated(host) {
            Node::Hidden
        } else {
            Node::Address(IpAddr::V4(host.parse().ok()?))
        })
    }
}

/// `port / obfport`: up to five digits, or an obfuscated identifier.
fn valid_port(port: &str) -> Option<()> {
    let digits = (1..=5).contains(&port.len()) && port.bytes().all(|b| b.is_ascii_digit());
    (digits || obfuscated(port)).then_some(())
}

/// `"_" 1*( ALPHA / DIGIT / "." / "_" / "-" )`
fn obfuscated(text: &str) -> bool {
    text.strip_prefix('_').is_some_and(|rest| {
        !rest.is_empty()
            && rest
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    /// Header lines as they arrived, any bytes.
    struct Raw(Vec<(&'static str, Vec<u8>)>);

    impl Headers for Raw {
        fn values<'a>(&'a self, name: &'static str) -> impl Iterator<Item = &'a [u8]>
        where
            Self: 'a,
        {
            self.0
                .iter()
                .filter(move |(n, _)| *n == name)
                .map(|(_, v)| &v[..])
        }
    }

    fn lines(name: &'static str, values: &[&str]) -> Raw {
        Raw(values
            .iter()
            .map(|v| (name, v.as_bytes().to_vec()))
            .collect())
    }

    /// 10.0.0.0/8: the proxies.
    fn trusted(ip: IpAddr) -> bool {
        matches!(ip, IpAddr::V4(v4) if v4.octets()[0] == 10)
    }

    fn xff(values: &[&str]) -> Said {
        client(
            ProxyHeader::XForwardedFor,
            &lines("x-forwarded-for", values),
            trusted,
        )
    }

    fn fwd(values: &[&str]) -> Said {
        client(ProxyHeader::Forwarded, &lines("forwarded", values), trusted)
    }

    fn said(text: &str) -> Said {
        Said::Client(ip(text))
    }

    #[test]
    fn x_forwarded_for_is_read_right_to_left_past_trusted_proxies() {
        assert_eq!(xff(&[]), Said::Nothing, "no header: the peer itself");
        assert_eq!(xff(&["203.0.113.7"]), said("203.0.113.7"));
        assert_eq!(
            xff(&["127.0.0.1, 203.0.113.7, 10.0.0.2"]),
            said("203.0.113.7"),
            "the spoofed loopback on the left is ignored"
        );
        assert_eq!(
            xff(&["127.0.0.1", "203.0.113.7, 10.1.1.1"]),
            said("203.0.113.7"),
            "repeated headers form one list"
        );
        assert_eq!(xff(&["10.0.0.9, 10.0.0.8"]), said("10.0.0.9"));
        assert_eq!(xff(&["203.0.113.7, garbage"]), Said::Unknown);
        assert_eq!(xff(&["garbage, 203.0.113.7"]), said("203.0.113.7"));
        assert_eq!(xff(&["[2001:db8::1]:443"]), said("2001:db8::1"));
        assert_eq!(xff(&["::ffff:192.0.2.1"]), said("192.0.2.1"));
        assert_eq!(xff(&["192.0.2.1:8080"]), said("192.0.2.1"));
        assert_eq!(xff(&[""]), Said::Unknown);
        assert_eq!(xff(&["203.0.113.7", "\u{e9}"]), Said::Unknown);
    }

    #[test]
    fn forwarded_is_parsed_by_its_grammar() {
        assert_eq!(
            fwd(&["for=192.0.2.60;proto=http;by=203.0.113.43"]),
            said("192.0.2.60")
        );
        assert_eq!(
            fwd(&[r#"for="[2001:db8:cafe::17]:4711", For=10.0.0.5"#]),
            said("2001:db8:cafe::17")
        );
        assert_eq!(
            fwd(&[r#"for=127.0.0.1;ext="a,b;c", for=198.51.100.2"#]),
            said("198.51.100.2")
        );
        assert_eq!(
            fwd(&[r#"for="198.51.100.9";proto="h\"t,tp""#]),
            said("198.51.100.9")
        );
        assert_eq!(
            fwd(&[r#"for="192.0.2.1:80"; proto=https ,  for=10.0.0.3"#]),
            said("192.0.2.1"),
            "whitespace around `;` and `,`"
        );
        assert_eq!(fwd(&["for=192.0.2.1, , for=10.0.0.3,"]), said("192.0.2.1"));
        assert_eq!(fwd(&[r#"for="\1\9\2.0.2.1""#]), said("192.0.2.1"));
        assert_eq!(fwd(&["for=unknown"]), Said::Unknown);
        assert_eq!(fwd(&["for=_hidden, for=10.0.0.3"]), Said::Unknown);
        assert_eq!(fwd(&[r#"for="192.0.2.1:_port""#]), said("192.0.2.1"));
        assert_eq!(
            fwd(&["proto=https"]),
            Said::Unknown,
            "an element without `for`"
        );
        assert_eq!(fwd(&[""]), Said::Unknown);
        assert_eq!(fwd(&["for=192.0.2.1", "for=10.0.0.3"]), said("192.0.2.1"));
    }

    #[test]
    fn a_malformed_forwarded_header_is_not_believed() {
        for malformed in [
            r#"for=127.0.0.2;x=", for=203.0.113.9"#,
            r#"for=127.0.0.2;x="a\", for=203.0.113.9"#,
            "for=127.0.0.1;for=203.0.113.9",
            "for=127.0.0.1;FOR=127.0.0.1",
            r#"for="127.0.0.1"x, for=203.0.113.9"#,
            "for=127.0.0.1 x, for=203.0.113.9",
            "for =127.0.0.1",
            "for= 127.0.0.1",
            "for==127.0.0.1",
            "for",
            "=x",
            "for=[::1]",
            r#"for="[::1]"#,
            r#"for="::1""#,
            r#"for="[::1]x""#,
            "for=127.0.0.1:80",
            r#"for="127.0.0.1:123456""#,
            r#"for="127.0.0.1:""#,
            r#"for="127.0.0.1:8x""#,
            "for=example.com",
            "for=_",
            r#"for="127.0.0.1\"#,
            "for=127.0.0.1;;x",
        ] {
            assert_eq!(
                fwd(&[malformed, "for=203.0.113.9"]),
                Said::Unknown,
                "{malformed}"
            );
            assert_eq!(fwd(&[malformed]), Said::Unknown, "{malformed}");
        }
    }

    #[test]
    fn the_other_header_is_not_read() {
        let headers = lines("x-forwarded-for", &["203.0.113.7"]);
        assert_eq!(
            client(ProxyHeader::Forwarded, &headers, trusted),
            Said::Nothing
        );
        assert!(is_forwarded(&headers));
        assert!(is_forwarded(&lines("via", &["1.1 nginx"])));
        assert!(!is_forwarded(&lines("accept", &["*/*"])));
    }

    /// An address as a proxy writes it in `Forwarded`, quoted when it must be.
    fn forwarded_node_text(ip: IpAddr, port: Option<u16>) -> String {
        match (ip, port) {
            (IpAddr::V4(v4), None) => v4.to_string(),
            (IpAddr::V4(v4), Some(port)) => format!("\"{v4}:{port}\""),
            (IpAddr::V6(v6), None) => format!("\"[{v6}]\""),
            (IpAddr::V6(v6), Some(port)) => format!("\"[{v6}]:{port}\""),
        }
    }

    fn untrusted_ip() -> impl Strategy<Value = IpAddr> {
        prop_oneof![
            any::<[u8; 4]>().prop_map(IpAddr::from),
            any::<[u16; 8]>().prop_map(IpAddr::from),
        ]
        .prop_map(|ip: IpAddr| ip.to_canonical())
        .prop_filter("not a proxy", |ip| !trusted(*ip))
    }

    /// A quoted string with `\` escapes, holding anything a header may.
    fn quoted() -> impl Strategy<Value = String> {
        prop::collection::vec(prop::char::range(' ', '~'), 0..12).prop_map(|chars| {
            let mut out = String::from('"');
            for c in chars {
                if c == '"' || c == '\\' {
                    out.push('\\');
                }
                out.push(c);
            }
            out.push('"');
            out
        })
    }

    /// The rest of a well-formed element: other pairs, where its `for=` goes among them, and the
    /// separator between pairs.
    fn element_parts() -> impl Strategy<Value = (Vec<String>, prop::sample::Index, &'static str)> {
        let other = (
            prop::sample::select(vec!["proto", "by", "host", "x-ext", "For_"]),
            prop_oneof!["[a-zA-Z0-9.!#$%&'*+^_`|~-]{1,8}", quoted()],
        )
            .prop_map(|(k, v)| format!("{k}={v}"));
        (
            prop::collection::vec(other, 0..3),
            any::<prop::sample::Index>(),
            prop::sample::select(vec![";", "; ", " ;", " ; "]),
        )
    }

    fn element(
        node: &str,
        (pairs, at, separator): &(Vec<String>, prop::sample::Index, &str),
    ) -> String {
        let mut pairs = pairs.clone();
        pairs.insert(at.index(pairs.len() + 1), format!("for={node}"));
        pairs.join(separator)
    }

    proptest! {
        #![proptest_config(ProptestConfig {
            cases: 2048,
            failure_persistence: None,
            rng_seed: proptest::test_runner::RngSeed::Fixed(0x666f_7277_6172_6465),
            ..ProptestConfig::default()
        })]

        #[test]
        fn never_panics_on_any_bytes(
            values in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..64), 0..4),
            printable in prop::collection::vec("[ -~]{0,64}", 0..4),
        ) {
            for which in [ProxyHeader::XForwardedFor, ProxyHeader::Forwarded] {
                let raw = Raw(values.iter().map(|v| (which.name(), v.clone())).collect());
                let _ = client(which, &raw, trusted);
                let raw = Raw(printable.iter().map(|v| (which.name(), v.as_bytes().to_vec())).collect());
                let _ = client(which, &raw, trusted);
            }
        }

        /// Whatever the client writes, the element its trusted proxy appends (to the same line or
        /// on one of its own) decides, or nothing does: never an address the client wrote.
        #[test]
        fn what_the_trusted_proxy_appends_decides(
            sent in prop::collection::vec(any::<u8>(), 0..48),
            printable in "[ -~]{0,48}",
            crafted in prop::collection::vec(prop::sample::select(vec![
                "for=", "For=", "x=", "\"", "\\", ";", ",", " ", "127.0.0.1", "127.0.0.2",
                "[::1]", ":80", "unknown", "_h", "=", "by=10.0.0.1",
            ]), 0..12),
            real in untrusted_ip(),
            port in prop::option::of(any::<u16>()),
            same_line in any::<bool>(),
        ) {
            for sent in [sent, printable.into_bytes(), crafted.concat().into_bytes()] {
                let visible = visible_ascii(&sent).is_some();
                let appended = |sent: &[u8], element: String| {
                    let mut lines = vec![sent.to_vec()];
                    if same_line {
                        lines[0].extend_from_slice(b", ");
                        lines[0].extend_from_slice(element.as_bytes());
                    } else {
                        lines.push(element.into_bytes());
                    }
                    lines
                };
                let xff = appended(&sent, real.to_string());
                let raw = Raw(xff.into_iter().map(|v| ("x-forwarded-for", v)).collect());
                let got = client(ProxyHeader::XForwardedFor, &raw, trusted);
                prop_assert!(got == Said::Client(real) || (!visible && got == Said::Unknown), "{got:?}");
                let fwd = appended(&sent, format!("for={}", forwarded_node_text(real, port)));
                let raw = Raw(fwd.into_iter().map(|v| ("forwarded", v)).collect());
                let got = client(ProxyHeader::Forwarded, &raw, trusted);
                prop_assert!(got == Said::Client(real) || got == Said::Unknown, "{got:?}");
            }
        }

        /// A well-formed chain is read exactly: the rightmost untrusted `for=` is the client.
        #[test]
        fn well_formed_chains_are_read_exactly(
            nodes in prop::collection::vec(
                (untrusted_ip(), prop::option::of(any::<u16>()), element_parts()),
                1..4,
            ),
            proxies in prop::collection::vec((any::<[u8; 3]>(), element_parts()), 0..3),
            same_line in any::<bool>(),
        ) {
            let client_ip = nodes.last().unwrap().0;
            let elements: Vec<String> = nodes
                .iter()
                .map(|(ip, port, parts)| element(&forwarded_node_text(*ip, *port), parts))
                .chain(proxies.iter().map(|([a, b, c], parts)| {
                    element(&forwarded_node_text(IpAddr::from([10, *a, *b, *c]), None), parts)
                }))
                .collect();
            let lines: Vec<String> = if same_line { vec![elements.join(", ")] } else { elements };
            let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
            prop_assert_eq!(fwd(&refs), Said::Client(client_ip), "{:?}", lines);
        }
    }
}
