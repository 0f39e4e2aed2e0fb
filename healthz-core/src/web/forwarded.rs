//! Who the client is behind trusted proxies: the `X-Forwarded-For` and `Forwarded` (RFC 7239)
//! request headers, read right to left.

use std::net::{IpAddr, SocketAddr};

use super::Headers;

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
    pub const fn name(self) -> &'static str {
        match self {
            ProxyHeader::XForwardedFor => "x-forwarded-for",
            ProxyHeader::Forwarded => "forwarded",
        }
    }
}

/// The client of a request that came from a trusted proxy at `peer`.
///
/// The hops the header lists, then `peer`, form the chain of addresses the request passed; read
/// from the right, every trusted address is a proxy, and the first untrusted one is the client
/// (addresses further left were written by that client and prove nothing). When every hop is
/// trusted, the leftmost is the client; with no header, `peer` itself is. `None` when the hop
/// that decides is unknown: `unknown`, an obfuscated name, or anything that does not parse.
pub(crate) fn client(
    which: ProxyHeader,
    headers: &(impl Headers + ?Sized),
    peer: IpAddr,
    trusted: impl Fn(IpAddr) -> bool,
) -> Option<IpAddr> {
    let mut hops = Vec::new();
    for value in headers.values(which.name()) {
        let value = visible_ascii(value)?;
        match which {
            ProxyHeader::XForwardedFor => hops.extend(value.split(',').map(node)),
            ProxyHeader::Forwarded => hops.extend(split_quoted(value, ',').map(forwarded_for)),
        }
    }
    let Some(&leftmost) = hops.first() else {
        return Some(peer);
    };
    for hop in hops.into_iter().rev() {
        match hop {
            Some(ip) if trusted(ip) => {}
            other => return other,
        }
    }
    leftmost
}

/// A header value of visible ASCII (and tabs), as `HeaderValue::to_str` accepts it; `None` for
/// anything else, which no proxy writes.
fn visible_ascii(value: &[u8]) -> Option<&str> {
    value
        .iter()
        .all(|&b| b == b'\t' || (0x20..0x7f).contains(&b))
        .then(|| std::str::from_utf8(value).ok())?
}

/// The `for=` node of one `Forwarded` element, such as `for=192.0.2.60;proto=http`.
fn forwarded_for(element: &str) -> Option<IpAddr> {
    split_quoted(element, ';').find_map(|pair| {
        let (key, value) = pair.split_once('=')?;
        key.trim().eq_ignore_ascii_case("for").then(|| {
            let value = value.trim();
            let value = value
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .unwrap_or(value);
            node(value)
        })?
    })
}

/// An address as proxies write it: `192.0.2.60`, `192.0.2.60:4711`, `2001:db8::17`,
/// `[2001:db8::17]` or `[2001:db8::17]:4711`. IPv4-mapped IPv6 becomes IPv4.
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

/// Splits `text` at `separator`, except inside double quotes (where `\` escapes a character).
fn split_quoted(text: &str, separator: char) -> impl Iterator<Item = &str> {
    let mut rest = Some(text);
    std::iter::from_fn(move || {
        let text = rest?;
        let (mut quoted, mut escaped) = (false, false);
        for (i, c) in text.char_indices() {
            match c {
                _ if escaped => escaped = false,
                '\\' if quoted => escaped = true,
                '"' => quoted = !quoted,
                c if c == separator && !quoted => {
                    rest = Some(&text[i + c.len_utf8()..]);
                    return Some(&text[..i]);
                }
                _ => {}
            }
        }
        rest = None;
        Some(text)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderMap;
    use http::header::{HeaderName, HeaderValue};

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn headers(name: &str, values: &[&str]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for value in values {
            map.append(
                HeaderName::from_bytes(name.as_bytes()).unwrap(),
                HeaderValue::from_str(value).unwrap(),
            );
        }
        map
    }

    /// Trusts 10.0.0.0/8: the proxies.
    fn resolve(which: ProxyHeader, name: &str, values: &[&str]) -> Option<IpAddr> {
        let trusted = |ip: IpAddr| matches!(ip, IpAddr::V4(v4) if v4.octets()[0] == 10);
        client(which, &headers(name, values), ip("10.0.0.1"), trusted)
    }

    #[test]
    fn x_forwarded_for_is_read_right_to_left_past_trusted_proxies() {
        let xff = |values: &[&str]| resolve(ProxyHeader::XForwardedFor, "x-forwarded-for", values);
        assert_eq!(
            xff(&[]),
            Some(ip("10.0.0.1")),
            "no header: the proxy itself"
        );
        assert_eq!(xff(&["203.0.113.7"]), Some(ip("203.0.113.7")));
        assert_eq!(
            xff(&["127.0.0.1, 203.0.113.7, 10.0.0.2"]),
            Some(ip("203.0.113.7")),
            "the spoofed loopback on the left is ignored"
        );
        assert_eq!(
            xff(&["127.0.0.1", "203.0.113.7, 10.1.1.1"]),
            Some(ip("203.0.113.7")),
            "repeated headers form one list"
        );
        assert_eq!(xff(&["10.0.0.9, 10.0.0.8"]), Some(ip("10.0.0.9")));
        assert_eq!(xff(&["203.0.113.7, garbage"]), None);
        assert_eq!(xff(&["garbage, 203.0.113.7"]), Some(ip("203.0.113.7")));
        assert_eq!(xff(&["[2001:db8::1]:443"]), Some(ip("2001:db8::1")));
        assert_eq!(xff(&["::ffff:192.0.2.1"]), Some(ip("192.0.2.1")));
        assert_eq!(xff(&["192.0.2.1:8080"]), Some(ip("192.0.2.1")));
        assert_eq!(xff(&[""]), None);
    }

    #[test]
    fn forwarded_is_parsed_with_quotes_and_parameters() {
        let fwd = |values: &[&str]| resolve(ProxyHeader::Forwarded, "forwarded", values);
        assert_eq!(
            fwd(&["for=192.0.2.60;proto=http;by=203.0.113.43"]),
            Some(ip("192.0.2.60"))
        );
        assert_eq!(
            fwd(&[r#"for="[2001:db8:cafe::17]:4711", For=10.0.0.5"#]),
            Some(ip("2001:db8:cafe::17"))
        );
        assert_eq!(
            fwd(&[r#"for=127.0.0.1;ext="a,b;c", for=198.51.100.2"#]),
            Some(ip("198.51.100.2"))
        );
        assert_eq!(fwd(&["for=unknown"]), None);
        assert_eq!(fwd(&["for=_hidden, for=10.0.0.3"]), None);
        assert_eq!(fwd(&["proto=https"]), None, "an element without `for`");
        assert_eq!(
            fwd(&[r#"for="198.51.100.9";proto="h\"t,tp""#]),
            Some(ip("198.51.100.9"))
        );
    }

    #[test]
    fn the_other_header_is_ignored() {
        assert_eq!(
            resolve(ProxyHeader::Forwarded, "x-forwarded-for", &["203.0.113.7"]),
            Some(ip("10.0.0.1"))
        );
    }

    #[test]
    fn split_quoted_keeps_quoted_separators() {
        let parts: Vec<&str> = split_quoted(r#"a="x,y",b,"c\",d""#, ',').collect();
        assert_eq!(parts, [r#"a="x,y""#, "b", r#""c\",d""#]);
        assert_eq!(split_quoted("", ',').collect::<Vec<_>>(), [""]);
    }
}
