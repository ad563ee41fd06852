//! Origins (`scheme://host[:port]`), the unit of every outbound decision: the allow-list, the
//! relocations and the secrets are all keyed by an origin, so two spellings of the same origin
//! must compare equal and two different origins must never do so.

use std::fmt;
use std::net::IpAddr;

use url::{Host, Url};

/// The schemes a plugin may use: anything else (file, ftp, ws...) is never fetched by the host.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scheme {
    Http,
    Https,
}

impl Scheme {
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Http => "http",
            Scheme::Https => "https",
        }
    }

    pub fn default_port(self) -> u16 {
        match self {
            Scheme::Http => 80,
            Scheme::Https => 443,
        }
    }
}

/// Why a string or URL is not an acceptable origin (or request URL).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum OriginError {
    #[error("not a URL: {0}")]
    Syntax(#[from] url::ParseError),
    #[error("unsupported scheme `{0}` (only http and https)")]
    UnsupportedScheme(String),
    #[error("an origin has no path, query or fragment")]
    NotAnOrigin,
    #[error("user information (`user:password@`) is not accepted")]
    Userinfo,
    #[error("wildcards are not accepted: list every origin")]
    Wildcard,
    #[error("missing or invalid host")]
    InvalidHost,
    #[error("port 0 is not a valid destination")]
    InvalidPort,
}

/// A normalized origin: lowercase, IDNA (punycode) host without trailing dot, explicit port.
///
/// Only constructed through [`Origin::parse`] or [`Origin::from_url`], so the normalization
/// holds for every value and derived equality is origin equality.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Origin {
    scheme: Scheme,
    /// The host as it appears in a URL authority: domain, dotted IPv4, or `[IPv6]`.
    host: String,
    port: u16,
}

impl Origin {
    /// Parses a configured origin such as `https://entreprise.api.gouv.fr` or
    /// `http://127.0.0.1:4010`. A lone trailing `/` is tolerated; a path, query, fragment,
    /// user information or wildcard is refused, since each would silently widen or blur what
    /// the operator granted.
    pub fn parse(s: &str) -> Result<Origin, OriginError> {
        let s = s.trim();
        if s.contains('*') {
            return Err(OriginError::Wildcard);
        }
        // Checked on the raw text: the URL parser would normalize `/./` or `\` away and a
        // path granted by mistake must be reported, not dropped.
        let after_scheme = s.split_once("://").map_or(s, |(_, rest)| rest);
        if let Some(i) = after_scheme.find(['/', '\\', '?', '#'])
            && &after_scheme[i..] != "/"
        {
            return Err(OriginError::NotAnOrigin);
        }
        let url = Url::parse(s)?;
        if url.query().is_some() || url.fragment().is_some() || url.path() != "/" {
            return Err(OriginError::NotAnOrigin);
        }
        Origin::from_url(&url)
    }

    /// The origin of a request (or redirect) URL; the path and query are the caller's business.
    pub fn from_url(url: &Url) -> Result<Origin, OriginError> {
        let scheme = match url.scheme() {
            "http" => Scheme::Http,
            "https" => Scheme::Https,
            other => return Err(OriginError::UnsupportedScheme(other.to_owned())),
        };
        if !url.username().is_empty() || url.password().is_some() {
            return Err(OriginError::Userinfo);
        }
        let host = match url.host() {
            Some(Host::Domain(domain)) => {
                // `example.fr.` and `example.fr` are the same name for DNS: one spelling only.
                let domain = domain.strip_suffix('.').unwrap_or(domain);
                if domain.is_empty() || domain.ends_with('.') || domain.contains('*') {
                    return Err(OriginError::InvalidHost);
                }
                domain.to_ascii_lowercase()
            }
            Some(Host::Ipv4(ip)) => ip.to_string(),
            Some(Host::Ipv6(ip)) => format!("[{ip}]"),
            None => return Err(OriginError::InvalidHost),
        };
        let port = url.port_or_known_default().unwrap_or(scheme.default_port());
        if port == 0 {
            return Err(OriginError::InvalidPort);
        }
        Ok(Origin { scheme, host, port })
    }

    pub fn scheme(&self) -> Scheme {
        self.scheme
    }

    /// The host in authority form (`[::1]` for IPv6).
    pub fn host(&self) -> &str {
        &self.host
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The host without IPv6 brackets, as DNS, TLS server names and socket addresses want it.
    pub fn bare_host(&self) -> &str {
        self.host.strip_prefix('[').and_then(|h| h.strip_suffix(']')).unwrap_or(&self.host)
    }

    /// The IP address when the host is a literal rather than a name to resolve.
    pub fn ip_literal(&self) -> Option<IpAddr> {
        self.bare_host().parse().ok()
    }

    /// The `Host` header value: the port only when it is not the scheme's default.
    pub fn authority(&self) -> String {
        if self.port == self.scheme.default_port() { self.host.clone() } else { format!("{}:{}", self.host, self.port) }
    }

    /// The same path and query as `url`, on this origin (relocations and their reverse).
    pub fn with_path_of(&self, url: &Url) -> Result<Url, OriginError> {
        let mut rebased = Url::parse(&format!("{self}{}", url.path()))?;
        rebased.set_query(url.query());
        Ok(rebased)
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://{}", self.scheme.as_str(), self.authority())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn origin(s: &str) -> Origin {
        Origin::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn normalizes_case_idna_trailing_dot_and_default_ports() {
        assert_eq!(origin("HTTPS://Entreprise.API.gouv.fr"), origin("https://entreprise.api.gouv.fr:443/"));
        assert_eq!(origin("https://entreprise.api.gouv.fr."), origin("https://entreprise.api.gouv.fr"));
        assert_eq!(origin("https://démarches.example.fr").host(), "xn--dmarches-b1a.example.fr");
        assert_eq!(origin("http://127.0.0.1:4010").to_string(), "http://127.0.0.1:4010");
        assert_eq!(origin("http://example.fr:80").to_string(), "http://example.fr");
        assert_eq!(origin("https://example.fr:80").port(), 80);
        assert_ne!(origin("http://example.fr"), origin("https://example.fr"));
        assert_ne!(origin("https://example.fr"), origin("https://example.fr:8443"));
    }

    #[test]
    fn literal_addresses_in_every_spelling_are_one_origin() {
        assert_eq!(origin("http://0x7f.1"), origin("http://127.0.0.1"));
        assert_eq!(origin("http://2130706433"), origin("http://127.0.0.1"));
        let v6 = origin("http://[::FFFF:127.0.0.1]:8080");
        assert_eq!(v6.host(), "[::ffff:127.0.0.1]");
        assert_eq!(v6.bare_host(), "::ffff:127.0.0.1");
        assert_eq!(v6.ip_literal(), Some("::ffff:127.0.0.1".parse().unwrap()));
        assert_eq!(origin("https://example.fr").ip_literal(), None);
    }

    #[test]
    fn refuses_anything_wider_or_blurrier_than_an_origin() {
        let cases: &[(&str, OriginError)] = &[
            ("https://example.fr/v3", OriginError::NotAnOrigin),
            ("https://example.fr/./", OriginError::NotAnOrigin),
            ("https://example.fr\\x", OriginError::NotAnOrigin),
            ("https://example.fr?a=1", OriginError::NotAnOrigin),
            ("https://example.fr#x", OriginError::NotAnOrigin),
            ("https://user:pw@example.fr", OriginError::Userinfo),
            ("https://user@example.fr", OriginError::Userinfo),
            ("https://*.example.fr", OriginError::Wildcard),
            ("ftp://example.fr", OriginError::UnsupportedScheme("ftp".into())),
            ("file:///etc/passwd", OriginError::NotAnOrigin),
            ("http://example.fr:0", OriginError::InvalidPort),
        ];
        for (input, expected) in cases {
            assert_eq!(Origin::parse(input).as_ref(), Err(expected), "{input}");
        }
        assert!(matches!(Origin::parse("example.fr"), Err(OriginError::Syntax(_))));
        assert!(matches!(Origin::parse("https://exa mple.fr"), Err(OriginError::Syntax(_))));
        assert!(Origin::parse("https://example.fr..").is_err());
    }

    #[test]
    fn rebases_path_and_query_and_builds_host_header() {
        let url = Url::parse("https://entreprise.api.gouv.fr/v3/insee/x?recipient=1&q=%C3%A9").unwrap();
        let local = origin("http://127.0.0.1:4010");
        let rebased = local.with_path_of(&url).unwrap();
        assert_eq!(rebased.as_str(), "http://127.0.0.1:4010/v3/insee/x?recipient=1&q=%C3%A9");
        assert_eq!(local.authority(), "127.0.0.1:4010");
        assert_eq!(origin("https://example.fr").authority(), "example.fr");
        assert_eq!(origin("http://[::1]:81").authority(), "[::1]:81");
    }
}
