//! [`AccessPolicy`]: who may call the health endpoints, and who sees details.

use std::fmt;
use std::net::IpAddr;

use http::StatusCode;
use ipnet::IpNet;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::forwarded::{self, ProxyHeader, Said};
use super::request::Headers;
use crate::Detail;
use crate::escape::printable;

/// Who may call the health endpoints, and who sees details: an optional CIDR allowlist, an
/// optional bearer token, and the proxies whose forwarded headers are believed.
///
/// Set it with [`EndpointsBuilder::access`](super::EndpointsBuilder::access); gRPC services take the same policy. Each request is decided in
/// this order:
///
/// 1. **The client** is the connection's peer address, IPv4-mapped IPv6 (`::ffff:10.1.2.3`)
///    read as IPv4. When the peer is a [trusted proxy](Self::trust_proxies), the client is read
///    from its [`ProxyHeader`] instead, right to left past the trusted hops. A header that names
///    nobody (`unknown`) or breaks its grammar (RFC 7239 for `Forwarded`) makes the client
///    unknown: neither the proxy nor loopback.
/// 2. **The allowlist**: with [`allow`](Self::allow), a client outside every listed network (or
///    one whose address is unknown) gets `403 Forbidden`. Without it, every client passes.
/// 3. **The token**: with [`token`](Self::token), a request carrying
///    `Authorization: Bearer <token>` sees details; one carrying another bearer token gets
///    `401 Unauthorized` (`WWW-Authenticate: Bearer ..., error="invalid_token"`); one carrying
///    none sees statuses only, or with [`require_token`](Self::require_token) gets `401`
///    (`WWW-Authenticate: Bearer realm="healthz"`). Tokens are compared in constant time.
/// 4. **Without the token**, a caller sees statuses only: by default no one sees details
///    without a token, loopback callers included. A same-host relay (`kubectl port-forward`,
///    socat, a TCP-mode sidecar) makes every remote caller look local, and nothing on the
///    server can tell the two apart. Logs keep the full outputs. With
///    [`details_on_loopback(true)`](Self::details_on_loopback), a loopback caller's own
///    requests see details too: the connection's peer is loopback, and the request carries
///    none of the headers proxies add (`Forwarded`, `X-Forwarded-For`, `X-Forwarded-Host`,
///    `X-Forwarded-Proto`, `X-Real-IP`, `Via`). An address read from a forwarded header never
///    counts as loopback, and neither does an unknown client.
///
/// "Details" are the probes' outputs, observed values and the service metadata. Callers without
/// them still get the status code and every probe's `status`, which is all a prober needs; their
/// `?verbose` text reads `reason withheld`, as the Kubernetes API server's does.
///
/// | caller | no policy | `allow` | `allow` + `token` | `allow` + `require_token` |
/// |---|---|---|---|---|
/// | outside the allowlist | statuses | 403 | 403 | 403 |
/// | inside, no token | statuses (details on loopback¹) | statuses (details on loopback¹) | statuses (details on loopback¹) | 401 |
/// | inside, wrong token | as without | as without | 401 | 401 |
/// | inside, right token | as without | as without | details | details |
///
/// ¹ Only with [`details_on_loopback(true)`](Self::details_on_loopback), and only for a loopback
/// caller's own request, as in 4: not one a proxy forwards.
///
/// So the kubelet, probing from the node's network without a token, gets its status codes, while
/// people and monitoring that hold the token see why a check fails:
///
/// ```
/// use healthz_core::web::AccessPolicy;
///
/// # fn demo() -> Result<(), healthz_core::web::AccessError> {
/// let policy = AccessPolicy::new()
///     .allow("10.0.0.0/8, loopback")?
///     .token("c2VjcmV0LXRva2VuLTAxMjM0NTY3")?;
/// # Ok(()) }
/// # demo().unwrap();
/// ```
#[derive(Clone, Default)]
pub struct AccessPolicy {
    allow: Vec<IpNet>,
    token: Option<Token>,
    require_token: bool,
    proxies: Vec<IpNet>,
    proxy_header: ProxyHeader,
    details_on_loopback: bool,
}

impl fmt::Debug for AccessPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessPolicy")
            .field("allow", &self.allow)
            .field("token", &self.token.as_ref().map(|_| "***"))
            .field("require_token", &self.require_token)
            .field("proxies", &self.proxies)
            .field("proxy_header", &self.proxy_header)
            .field("details_on_loopback", &self.details_on_loopback)
            .finish()
    }
}

impl AccessPolicy {
    /// A policy that lets everyone in and shows details to no one: the default of
    /// [`Endpoints`](super::Endpoints).
    ///
    /// ```
    /// use healthz_core::Detail;
    /// use healthz_core::web::AccessPolicy;
    /// use healthz_core::web::adapter::check_access;
    ///
    /// let local = Some("127.0.0.1".parse().unwrap());
    /// let headers = http::HeaderMap::new();
    /// assert_eq!(check_access(&AccessPolicy::new(), local, &headers), Ok(Detail::Minimal));
    /// ```
    pub fn new() -> Self {
        AccessPolicy::default()
    }

    /// Lets only clients in these networks call the endpoints; others get `403 Forbidden`. Takes
    /// CIDRs or single addresses, separated by commas or spaces (handy for an environment
    /// variable): `"10.0.0.0/8, 192.168.1.7, ::1"`, and the keyword `loopback` for `127.0.0.0/8`
    /// and `::1`. Calls add up.
    ///
    /// Loopback is not implied: list `loopback` to keep `curl localhost` working.
    ///
    /// # Errors
    ///
    /// If `networks` lists nothing, or an entry is neither a CIDR nor an address.
    ///
    /// ```
    /// use healthz_core::web::AccessPolicy;
    ///
    /// assert!(AccessPolicy::new().allow("10.0.0.0/8 fd00::/8 loopback").is_ok());
    /// let err = AccessPolicy::new().allow("10.0.0.0/33").unwrap_err();
    /// assert_eq!(
    ///     err.to_string(),
    ///     "`allow`: `10.0.0.0/33` is not a network such as `10.0.0.0/8`, an address such as `10.1.2.3`, or `loopback`"
    /// );
    /// ```
    pub fn allow(mut self, networks: &str) -> Result<Self, AccessError> {
        self.allow.extend(parse_networks("allow", networks)?);
        Ok(self)
    }

    /// Sets the bearer token that unlocks details. Requests without an `Authorization` header
    /// still get statuses; a request with a wrong bearer token gets `401 Unauthorized`.
    ///
    /// # Errors
    ///
    /// If the token is shorter than 16 bytes, which could be guessed, or
    /// holds characters a bearer token cannot (RFC 6750 allows ASCII letters, digits and
    /// `-._~+/`, then `=` padding). Whitespace, such as the newline at the end of a file, is
    /// refused rather than trimmed. `openssl rand -base64 32` makes a good token.
    ///
    /// ```
    /// use healthz_core::web::{AccessError, AccessPolicy};
    ///
    /// assert!(AccessPolicy::new().token("a1b2-c3d4.e5f6-g7h8").is_ok());
    /// assert_eq!(
    ///     AccessPolicy::new().token("s3cr3t").unwrap_err(),
    ///     AccessError::TokenTooShort { len: 6 }
    /// );
    /// assert!(AccessPolicy::new().token("").is_err());
    /// assert!(AccessPolicy::new().token("a1b2-c3d4.e5f6-g7h8\n").is_err());
    /// ```
    pub fn token(mut self, token: impl AsRef<str>) -> Result<Self, AccessError> {
        self.token = Some(Token::new(token.as_ref())?);
        Ok(self)
    }

    /// Like [`token`](Self::token), but a request without the token gets `401 Unauthorized`
    /// too: nothing is answered without it. The kubelet can send it with `httpHeaders` in the
    /// probe.
    ///
    /// # Errors
    ///
    /// As [`token`](Self::token).
    pub fn require_token(mut self, token: impl AsRef<str>) -> Result<Self, AccessError> {
        self.token = Some(Token::new(token.as_ref())?);
        self.require_token = true;
        Ok(self)
    }

    /// Believes the [`proxy_header`](Self::proxy_header) (default `X-Forwarded-For`) from peers
    /// in these networks, and only from them: a request from anywhere else is judged by its peer
    /// address whatever its headers say. Same syntax as [`allow`](Self::allow), `loopback`
    /// included.
    ///
    /// A reverse proxy on the same host connects from loopback: trust it with `loopback`, so
    /// that its clients are judged by their own addresses (and the allowlist applies to them).
    /// `"127.0.0.1"` alone is not enough: nginx's `proxy_pass http://localhost` connects over
    /// `::1` as often as over `127.0.0.1`. A request that carries a forwarded header never gets
    /// details for coming from loopback ([`details_on_loopback`](Self::details_on_loopback)),
    /// trusted or not, but only a trusted proxy's clients are judged by the allowlist as
    /// themselves.
    ///
    /// ```
    /// use healthz_core::Detail;
    /// use healthz_core::web::AccessPolicy;
    /// use healthz_core::web::adapter::check_access;
    ///
    /// let policy = AccessPolicy::new()
    ///     .details_on_loopback(true)
    ///     .trust_proxies("loopback")
    ///     .unwrap();
    /// let mut headers = http::HeaderMap::new();
    /// let local = Some("::1".parse().unwrap());
    /// assert_eq!(check_access(&policy, local, &headers), Ok(Detail::Full));
    /// headers.insert("x-forwarded-for", "203.0.113.9".parse().unwrap());
    /// assert_eq!(check_access(&policy, local, &headers), Ok(Detail::Minimal));
    /// ```
    ///
    /// # Errors
    ///
    /// As [`allow`](Self::allow).
    pub fn trust_proxies(mut self, networks: &str) -> Result<Self, AccessError> {
        self.proxies
            .extend(parse_networks("trust_proxies", networks)?);
        Ok(self)
    }

    /// Shows details to a loopback caller's own requests without a token (default `false`).
    ///
    /// Turn it on where only people on the host can reach the port. A same-host relay
    /// (`kubectl port-forward`, socat, a sidecar that forwards TCP) connects from loopback on
    /// behalf of remote callers, and they would see every output. A request that carries a
    /// header proxies add never counts as loopback's own, trusted proxy or not.
    ///
    /// ```
    /// use healthz_core::Detail;
    /// use healthz_core::web::AccessPolicy;
    /// use healthz_core::web::adapter::check_access;
    ///
    /// // Only people on this host reach the admin port: the sidecar relays the public one.
    /// let policy = AccessPolicy::new().details_on_loopback(true);
    /// let mut headers = http::HeaderMap::new();
    /// let local = Some("::1".parse().unwrap());
    /// assert_eq!(check_access(&policy, local, &headers), Ok(Detail::Full));
    /// let remote = Some("10.1.2.3".parse().unwrap());
    /// assert_eq!(check_access(&policy, remote, &headers), Ok(Detail::Minimal));
    /// headers.insert("x-forwarded-for", "10.1.2.3".parse().unwrap());
    /// assert_eq!(check_access(&policy, local, &headers), Ok(Detail::Minimal));
    /// ```
    #[must_use]
    pub fn details_on_loopback(mut self, on: bool) -> Self {
        self.details_on_loopback = on;
        self
    }

    /// Which header trusted proxies write the client into (default `X-Forwarded-For`).
    #[must_use]
    pub fn proxy_header(mut self, header: ProxyHeader) -> Self {
        self.proxy_header = header;
        self
    }

    /// Decides a request from `peer` (the connection's peer address, `None` when unknown) with
    /// `headers`: how much it may see, or why it is refused (adapters reach it through
    /// [`adapter::check_access`](super::adapter::check_access)).
    ///
    /// # Errors
    ///
    /// The [`Denial`] when the request is refused.
    pub(crate) fn check(
        &self,
        peer: Option<IpAddr>,
        headers: &(impl Headers + ?Sized),
    ) -> Result<Detail, Denial> {
        let client = self.client(peer, headers);
        if !self.allow.is_empty()
            && !client
                .ip()
                .is_some_and(|ip| self.allow.iter().any(|net| net.contains(&ip)))
        {
            return Err(Denial::Forbidden);
        }
        let without_token = if self.details_on_loopback && client.is_local() {
            Detail::Full
        } else {
            Detail::Minimal
        };
        let Some(token) = &self.token else {
            return Ok(without_token);
        };
        match bearer(headers)? {
            Some(presented) if token.matches(presented) => Ok(Detail::Full),
            Some(_) => Err(Denial::InvalidToken),
            None if self.require_token => Err(Denial::MissingToken),
            None => Ok(without_token),
        }
    }

    /// Who sent the request, as far as the policy can tell.
    fn client(&self, peer: Option<IpAddr>, headers: &(impl Headers + ?Sized)) -> Client {
        let Some(peer) = peer.map(|ip| ip.to_canonical()) else {
            return Client::Unknown;
        };
        let trusted = |ip: IpAddr| self.proxies.iter().any(|net| net.contains(&ip));
        if trusted(peer) {
            match forwarded::client(self.proxy_header, headers, trusted) {
                Said::Client(ip) => return Client::Forwarded(ip),
                Said::Unknown => return Client::Unknown,
                Said::Nothing => {}
            }
        }
        Client::Peer {
            ip: peer,
            forwarded: forwarded::is_forwarded(headers),
        }
    }
}

/// Who sent a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Client {
    /// The connection's peer. `forwarded`: the request carries a header that proxies add, which
    /// is not believed (the peer is no trusted proxy, or it is and did not write its own header).
    Peer { ip: IpAddr, forwarded: bool },
    /// An address a trusted proxy wrote in its header.
    Forwarded(IpAddr),
    /// Nobody knows: no peer address, or a trusted proxy's header that names nobody or is
    /// malformed.
    Unknown,
}

impl Client {
    fn ip(self) -> Option<IpAddr> {
        match self {
            Client::Peer { ip, .. } | Client::Forwarded(ip) => Some(ip),
            Client::Unknown => None,
        }
    }

    /// Whether the request is a loopback caller's own, which sees details without a token when the
    /// policy opts in (`details_on_loopback`): the socket peer is loopback and the request was not
    /// forwarded. An address from a header never is, whatever it says: a proxy on this host would
    /// otherwise pass every remote client's request on as local.
    fn is_local(self) -> bool {
        matches!(self, Client::Peer { ip, forwarded: false } if ip.is_loopback())
    }
}

/// The bearer token of the request: `None` without an `Authorization` header or with another
/// scheme (RFC 6750: no credentials then), an error for several headers.
fn bearer(headers: &(impl Headers + ?Sized)) -> Result<Option<&[u8]>, Denial> {
    let mut values = headers.values("authorization");
    let Some(value) = values.next() else {
        return Ok(None);
    };
    if values.next().is_some() {
        return Err(Denial::RepeatedAuthorization);
    }
    let scheme_len = value.iter().position(|&b| b == b' ').unwrap_or(value.len());
    if !value[..scheme_len].eq_ignore_ascii_case(b"bearer") {
        return Ok(None);
    }
    let token = &value[scheme_len..];
    let start = token.iter().position(|&b| b != b' ').unwrap_or(token.len());
    Ok(Some(&token[start..]))
}

/// Why a request is refused by an [`AccessPolicy`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Denial {
    /// The client is outside the allowlist.
    Forbidden,
    /// The token is required and the request has none.
    MissingToken,
    /// The request has a bearer token, and not the right one.
    InvalidToken,
    /// The request has several `Authorization` headers.
    RepeatedAuthorization,
}

impl Denial {
    /// The HTTP status: 403, 401 or 400.
    pub(crate) fn status(self) -> StatusCode {
        match self {
            Denial::Forbidden => StatusCode::FORBIDDEN,
            Denial::MissingToken | Denial::InvalidToken => StatusCode::UNAUTHORIZED,
            Denial::RepeatedAuthorization => StatusCode::BAD_REQUEST,
        }
    }

    /// A one-line reason for the caller, ending with a newline.
    pub(crate) fn message(self) -> &'static str {
        match self {
            Denial::Forbidden => "forbidden: this client may not call the health endpoints\n",
            Denial::MissingToken => {
                "a bearer token is required: send `Authorization: Bearer <token>`\n"
            }
            Denial::InvalidToken => "the bearer token is not valid\n",
            Denial::RepeatedAuthorization => "send one `Authorization` header, not several\n",
        }
    }

    /// The `WWW-Authenticate` challenge (RFC 6750 §3), if the answer carries one.
    pub(crate) fn challenge(self) -> Option<&'static str> {
        match self {
            Denial::Forbidden => None,
            Denial::MissingToken => Some(r#"Bearer realm="healthz""#),
            Denial::InvalidToken => Some(r#"Bearer realm="healthz", error="invalid_token""#),
            Denial::RepeatedAuthorization => {
                Some(r#"Bearer realm="healthz", error="invalid_request""#)
            }
        }
    }
}

/// The shortest bearer token [`AccessPolicy::token`] accepts, in bytes: 16 bytes of base64 hold
/// 96 random bits.
const MIN_TOKEN_BYTES: usize = 16;

/// A bearer token, kept as its SHA-256 digest: comparing digests in constant time reveals
/// neither the token's bytes nor its length.
#[derive(Clone)]
struct Token([u8; 32]);

impl Token {
    fn new(token: &str) -> Result<Self, AccessError> {
        let body = token.trim_end_matches('=');
        let valid = !body.is_empty()
            && body
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-._~+/".contains(&b));
        if !valid {
            return Err(AccessError::InvalidToken);
        }
        if token.len() < MIN_TOKEN_BYTES {
            return Err(AccessError::TokenTooShort { len: token.len() });
        }
        Ok(Token(Sha256::digest(token.as_bytes()).into()))
    }

    fn matches(&self, presented: &[u8]) -> bool {
        let digest: [u8; 32] = Sha256::digest(presented).into();
        digest.ct_eq(&self.0).into()
    }
}

/// The networks the keyword `loopback` stands for.
const LOOPBACK: [IpNet; 2] = [
    IpNet::V4(ipnet::Ipv4Net::new_assert(
        std::net::Ipv4Addr::new(127, 0, 0, 0),
        8,
    )),
    IpNet::V6(ipnet::Ipv6Net::new_assert(
        std::net::Ipv6Addr::LOCALHOST,
        128,
    )),
];

/// Parses `"10.0.0.0/8, 192.168.1.7 ::1 loopback"`: CIDRs, single addresses or the keyword
/// `loopback` (any case), separated by commas or whitespace. IPv4-mapped IPv6 networks become
/// IPv4 ones, as client addresses do.
fn parse_networks(setting: &'static str, networks: &str) -> Result<Vec<IpNet>, AccessError> {
    let mut parsed = Vec::new();
    for entry in networks
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|entry| !entry.is_empty())
    {
        if entry.eq_ignore_ascii_case("loopback") {
            parsed.extend(LOOPBACK);
            continue;
        }
        let net = entry
            .parse::<IpNet>()
            .or_else(|_| entry.parse::<IpAddr>().map(IpNet::from))
            .map_err(|_| AccessError::InvalidNetwork {
                setting,
                entry: printable(entry).into_owned(),
            })?;
        parsed.push(canonical(net.trunc()));
    }
    if parsed.is_empty() {
        return Err(AccessError::NoNetworks { setting });
    }
    Ok(parsed)
}

/// `::ffff:10.0.0.0/104` as `10.0.0.0/8`.
fn canonical(net: IpNet) -> IpNet {
    match net {
        IpNet::V6(v6) if v6.prefix_len() >= 96 => match v6.addr().to_ipv4_mapped() {
            Some(v4) => ipnet::Ipv4Net::new(v4, v6.prefix_len() - 96).map_or(net, IpNet::V4),
            None => net,
        },
        _ => net,
    }
}

/// A mistake in an [`AccessPolicy`], with what to write instead.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AccessError {
    /// `allow` or `trust_proxies` lists nothing.
    NoNetworks {
        /// `allow` or `trust_proxies`.
        setting: &'static str,
    },
    /// An entry is neither a CIDR nor an address.
    InvalidNetwork {
        /// `allow` or `trust_proxies`.
        setting: &'static str,
        /// The entry, with control characters escaped.
        entry: String,
    },
    /// The bearer token is empty or holds characters a bearer token cannot.
    InvalidToken,
    /// The bearer token is shorter than 16 bytes.
    TokenTooShort {
        /// Its length in bytes.
        len: usize,
    },
}

impl fmt::Display for AccessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AccessError::NoNetworks { setting } => write!(
                f,
                "`{setting}` needs at least one network, such as `10.0.0.0/8`"
            ),
            AccessError::InvalidNetwork { setting, entry } => write!(
                f,
                "`{setting}`: `{entry}` is not a network such as `10.0.0.0/8`, an address such as `10.1.2.3`, or `loopback`"
            ),
            AccessError::InvalidToken => f.write_str(
                "the bearer token must be ASCII letters, digits and `-._~+/`, then optional `=` \
                 (no whitespace: trim a token read from a file)",
            ),
            AccessError::TokenTooShort { len } => write!(
                f,
                "the bearer token is {len} bytes long, shorter than {MIN_TOKEN_BYTES}: it could be \
                 guessed; make one with `openssl rand -base64 32`"
            ),
        }
    }
}

impl std::error::Error for AccessError {}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderMap;
    use http::header::{HeaderName, HeaderValue};

    const TOKEN: &str = "s3cr3t-t0ken-0123";

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn with(pairs: &[(&str, &[u8])]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(
                HeaderName::from_bytes(name.as_bytes()).unwrap(),
                HeaderValue::from_bytes(value).unwrap(),
            );
        }
        map
    }

    #[test]
    fn no_policy_shows_details_to_no_one() {
        let policy = AccessPolicy::new();
        let none = HeaderMap::new();
        for peer in [Some("127.0.0.1"), Some("::1"), Some("10.0.0.1"), None] {
            assert_eq!(
                policy.check(peer.map(ip), &none),
                Ok(Detail::Minimal),
                "{peer:?}"
            );
        }
    }

    #[test]
    fn details_on_loopback_shows_them_to_loopbacks_own_requests_only() {
        let policy = AccessPolicy::new().details_on_loopback(true);
        let none = HeaderMap::new();
        for (peer, detail) in [
            (Some("127.0.0.1"), Detail::Full),
            (Some("::1"), Detail::Full),
            (Some("::ffff:127.0.0.1"), Detail::Full),
            (Some("10.0.0.1"), Detail::Minimal),
            (None, Detail::Minimal),
        ] {
            assert_eq!(policy.check(peer.map(ip), &none), Ok(detail), "{peer:?}");
        }
        let spoof = with(&[("x-forwarded-for", b"127.0.0.1")]);
        assert_eq!(
            policy.check(Some(ip("10.0.0.1")), &spoof),
            Ok(Detail::Minimal),
            "forwarded headers from an untrusted peer are ignored"
        );
        for name in forwarded::FORWARDING {
            for peer in ["127.0.0.1", "::1", "::ffff:127.0.0.1"] {
                assert_eq!(
                    policy.check(Some(ip(peer)), &with(&[(name, b"203.0.113.9")])),
                    Ok(Detail::Minimal),
                    "{peer} forwarding with {name}: a local proxy's request, not its own"
                );
            }
        }
    }

    #[test]
    fn details_on_loopback_beside_a_token_and_behind_require_token() {
        let bearer = format!("Bearer {TOKEN}");
        let right = with(&[("authorization", bearer.as_bytes())]);
        let none = HeaderMap::new();
        let local = Some(ip("::1"));
        let token = AccessPolicy::new().token(TOKEN).unwrap();
        assert_eq!(token.check(local, &none), Ok(Detail::Minimal));
        assert_eq!(token.check(local, &right), Ok(Detail::Full));
        let both = token.details_on_loopback(true);
        assert_eq!(both.check(local, &none), Ok(Detail::Full));
        assert_eq!(both.check(Some(ip("10.0.0.1")), &none), Ok(Detail::Minimal));
        let required = AccessPolicy::new()
            .details_on_loopback(true)
            .require_token(TOKEN)
            .unwrap();
        assert_eq!(
            required.check(local, &none),
            Err(Denial::MissingToken),
            "require_token answers nothing without it, loopback or not"
        );
        assert_eq!(required.check(local, &right), Ok(Detail::Full));
    }

    #[test]
    fn the_allowlist_forbids_other_clients() {
        let policy = AccessPolicy::new()
            .details_on_loopback(true)
            .allow("10.0.0.0/8, ::1")
            .unwrap();
        let none = HeaderMap::new();
        assert_eq!(
            policy.check(Some(ip("10.9.8.7")), &none),
            Ok(Detail::Minimal)
        );
        assert_eq!(
            policy.check(Some(ip("::ffff:10.9.8.7")), &none),
            Ok(Detail::Minimal),
            "IPv4-mapped IPv6 is read as IPv4"
        );
        assert_eq!(policy.check(Some(ip("::1")), &none), Ok(Detail::Full));
        assert_eq!(
            policy.check(Some(ip("11.0.0.1")), &none),
            Err(Denial::Forbidden)
        );
        assert_eq!(
            policy.check(Some(ip("127.0.0.1")), &none),
            Err(Denial::Forbidden),
            "loopback is not implied"
        );
        assert_eq!(policy.check(None, &none), Err(Denial::Forbidden));
    }

    #[test]
    fn the_token_unlocks_details_and_a_wrong_one_is_refused() {
        let policy = AccessPolicy::new()
            .allow("10.0.0.0/8")
            .unwrap()
            .token(TOKEN)
            .unwrap();
        let peer = Some(ip("10.0.0.1"));
        let auth = |value: &[u8]| with(&[("authorization", value)]);
        assert_eq!(policy.check(peer, &HeaderMap::new()), Ok(Detail::Minimal));
        assert_eq!(
            policy.check(peer, &auth(b"Bearer s3cr3t-t0ken-0123")),
            Ok(Detail::Full)
        );
        assert_eq!(
            policy.check(peer, &auth(b"bearer   s3cr3t-t0ken-0123")),
            Ok(Detail::Full)
        );
        for wrong in [
            &b"Bearer s3cr3t-t0ken-012"[..],
            b"Bearer s3cr3t-t0ken-0123 ",
            b"Bearer",
            b"Bearer ",
            b"Bearer \xff",
        ] {
            assert_eq!(
                policy.check(peer, &auth(wrong)),
                Err(Denial::InvalidToken),
                "{wrong:?}"
            );
        }
        assert_eq!(
            policy.check(peer, &auth(b"Basic czNjcjN0")),
            Ok(Detail::Minimal),
            "another scheme is no bearer token"
        );
        assert_eq!(
            policy.check(Some(ip("127.0.0.1")), &HeaderMap::new()),
            Err(Denial::Forbidden),
            "the allowlist comes first"
        );
        let twice = with(&[
            ("authorization", b"Bearer s3cr3t-t0ken-0123"),
            ("authorization", b"Bearer s3cr3t-t0ken-0123"),
        ]);
        assert_eq!(
            policy.check(peer, &twice),
            Err(Denial::RepeatedAuthorization)
        );
        assert_eq!(
            AccessPolicy::new()
                .token(TOKEN)
                .unwrap()
                .check(Some(ip("127.0.0.1")), &HeaderMap::new()),
            Ok(Detail::Minimal),
            "with a token, loopback needs it too"
        );
    }

    #[test]
    fn require_token_refuses_requests_without_it() {
        let policy = AccessPolicy::new().require_token(TOKEN).unwrap();
        let peer = Some(ip("192.0.2.1"));
        assert_eq!(
            policy.check(peer, &HeaderMap::new()),
            Err(Denial::MissingToken)
        );
        assert_eq!(
            policy.check(
                peer,
                &with(&[("authorization", b"Bearer s3cr3t-t0ken-0123")])
            ),
            Ok(Detail::Full)
        );
    }

    #[test]
    fn forwarded_clients_are_believed_from_trusted_proxies_only() {
        let policy = AccessPolicy::new()
            .allow("203.0.113.0/24")
            .unwrap()
            .trust_proxies("10.0.0.0/8")
            .unwrap();
        let xff = with(&[("x-forwarded-for", b"198.51.100.1, 203.0.113.5")]);
        assert_eq!(
            policy.check(Some(ip("10.0.0.1")), &xff),
            Ok(Detail::Minimal)
        );
        assert_eq!(
            policy.check(Some(ip("10.0.0.1")), &HeaderMap::new()),
            Err(Denial::Forbidden),
            "the proxy itself is not allowed"
        );
        assert_eq!(
            policy.check(Some(ip("192.0.2.1")), &xff),
            Err(Denial::Forbidden),
            "an untrusted peer's header is ignored"
        );
        let garbage = with(&[("x-forwarded-for", b"\xff\xfe")]);
        assert_eq!(
            policy.check(Some(ip("10.0.0.1")), &garbage),
            Err(Denial::Forbidden)
        );
        let local = AccessPolicy::new()
            .details_on_loopback(true)
            .trust_proxies("loopback")
            .unwrap();
        for (header, value) in [
            ("x-forwarded-for", &b"192.0.2.1"[..]),
            ("x-forwarded-for", b"127.0.0.1"),
            ("x-forwarded-for", b"::1, 127.0.0.1"),
            ("x-forwarded-for", b"unknown"),
        ] {
            assert_eq!(
                local.check(Some(ip("::1")), &with(&[(header, value)])),
                Ok(Detail::Minimal),
                "a local proxy's clients are not loopback: {value:?}"
            );
        }
        let forwarded = local.clone().proxy_header(ProxyHeader::Forwarded);
        for value in [
            &b"for=\"[::1]:9\""[..],
            b"for=127.0.0.1",
            b"for=127.0.0.1;x=\"",
        ] {
            assert_eq!(
                forwarded.check(Some(ip("127.0.0.1")), &with(&[("forwarded", value)])),
                Ok(Detail::Minimal),
                "{value:?}"
            );
        }
        assert_eq!(
            forwarded.check(
                Some(ip("127.0.0.1")),
                &with(&[("x-forwarded-for", b"192.0.2.1")])
            ),
            Ok(Detail::Minimal),
            "a trusted proxy that forwards with the other header is still forwarding"
        );
        assert_eq!(
            forwarded.check(Some(ip("127.0.0.1")), &HeaderMap::new()),
            Ok(Detail::Full),
            "a request of its own"
        );
    }

    #[test]
    fn a_malformed_forwarded_header_makes_the_client_unknown() {
        let policy = AccessPolicy::new()
            .allow("127.0.0.0/8, 10.0.0.0/8, 203.0.113.0/24")
            .unwrap()
            .trust_proxies("10.0.0.0/8")
            .unwrap()
            .proxy_header(ProxyHeader::Forwarded);
        let attack = with(&[("forwarded", b"for=127.0.0.2;x=\", for=203.0.113.9")]);
        assert_eq!(
            policy.check(Some(ip("10.0.0.1")), &attack),
            Err(Denial::Forbidden),
            "not the client's claim, not the proxy"
        );
        let fine = with(&[("forwarded", b"for=127.0.0.2;x=\"\\\",\", for=203.0.113.9")]);
        assert_eq!(
            policy.check(Some(ip("10.0.0.1")), &fine),
            Ok(Detail::Minimal)
        );
    }

    #[test]
    fn networks_parse_with_clear_errors() {
        let nets = parse_networks(
            "allow",
            " 10.1.2.3/8,192.168.1.7  ::ffff:172.16.0.0/108\tLoopback",
        )
        .unwrap();
        let shown: Vec<String> = nets.iter().map(ToString::to_string).collect();
        assert_eq!(
            shown,
            [
                "10.0.0.0/8",
                "192.168.1.7/32",
                "172.16.0.0/12",
                "127.0.0.0/8",
                "::1/128"
            ]
        );
        assert_eq!(
            parse_networks("allow", " , "),
            Err(AccessError::NoNetworks { setting: "allow" })
        );
        assert_eq!(
            parse_networks("trust_proxies", "10.0.0.0/8, example.com"),
            Err(AccessError::InvalidNetwork {
                setting: "trust_proxies",
                entry: "example.com".into()
            })
        );
        assert!(
            AccessError::NoNetworks { setting: "allow" }
                .to_string()
                .starts_with("`allow` needs at least one network")
        );
    }

    #[test]
    fn tokens_are_validated_and_hidden() {
        assert!(Token::new("YWJjZGVmZ2hpamts+/==").is_ok());
        for bad in ["", "==", "a b", "tok\n", "tök", "0123456789abcdef\n"] {
            assert_eq!(
                Token::new(bad).err(),
                Some(AccessError::InvalidToken),
                "{bad:?}"
            );
        }
        let policy = AccessPolicy::new()
            .token("hunter2-hunter2-hunter2")
            .unwrap();
        assert!(!format!("{policy:?}").contains("hunter2"));
    }

    #[test]
    fn tokens_shorter_than_16_bytes_are_refused() {
        assert!(Token::new(&"a".repeat(MIN_TOKEN_BYTES)).is_ok());
        for short in ["a", "s3cr3t", "hunter2", "0123456789abcde", "YWJjZGVmZ2hp="] {
            assert_eq!(
                AccessPolicy::new().token(short).err(),
                Some(AccessError::TokenTooShort { len: short.len() }),
                "{short:?}"
            );
            assert_eq!(
                AccessPolicy::new().require_token(short).err(),
                Some(AccessError::TokenTooShort { len: short.len() })
            );
        }
        assert_eq!(
            AccessError::TokenTooShort { len: 6 }.to_string(),
            "the bearer token is 6 bytes long, shorter than 16: it could be guessed; \
             make one with `openssl rand -base64 32`"
        );
    }
}
