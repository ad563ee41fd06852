//! What one plugin may do over HTTP, decided by the host from the manifest and the operator's
//! configuration; the plugin never sees any of it.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use http::{HeaderName, HeaderValue};
use rustls::pki_types::CertificateDer;

use super::origin::Origin;

/// Redirect hops followed for one request. Bounds redirect loops and long chains (each hop is
/// a connection, a DNS lookup and a policy check); real APIs redirect once or twice at most.
pub const DEFAULT_MAX_REDIRECTS: u32 = 5;

/// Bytes a plugin may send in one request body. Bounds the host memory a guest can pin per
/// request (the body is buffered) and how much it can push to a granted origin at once.
pub const DEFAULT_MAX_REQUEST_BODY_BYTES: usize = 2 * 1024 * 1024;

/// Bytes of response body buffered for the plugin. Bounds host memory against a hostile or
/// broken upstream (an endless chunked body, a lying Content-Length, a huge export); API
/// responses plugins consume are JSON documents far below this.
pub const DEFAULT_MAX_RESPONSE_BODY_BYTES: usize = 8 * 1024 * 1024;

/// Time for one TCP connection plus its TLS handshake. Bounds stalls on black-holed
/// addresses and tarpits that accept SYN but never finish the handshake.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Time for the whole request: DNS, every connection, every redirect hop, headers and the
/// full body. Bounds slow-loris upstreams that trickle bytes forever; never above the
/// plugin's own wall-clock ceiling (10 s) so the sandbox, not the socket, has the last word.
pub const DEFAULT_TOTAL_TIMEOUT: Duration = Duration::from_secs(10);

/// Addresses tried for one name (each up to the connect timeout). Bounds how long a name
/// resolving to many dead addresses can hold a call slot.
pub const MAX_CONNECT_ATTEMPTS: usize = 3;

/// Total size of the guest's request header names and values. Bounds memory and what a
/// guest can smuggle into headers; API calls need a few hundred bytes.
pub const MAX_REQUEST_HEADER_BYTES: usize = 32 * 1024;

/// Bytes of response status line and headers (and of chunked trailers). Bounds host memory
/// per response before the body cap applies; hyper also caps the count at 100 headers.
pub const MAX_RESPONSE_HEAD_BYTES: usize = 64 * 1024;

/// A header the host adds to requests whose (requested) origin is `origin`, and only those:
/// never to another origin, never after a redirect leaves it. The guest can neither set,
/// replace nor read it.
#[derive(Clone)]
pub struct SecretHeader {
    pub origin: Origin,
    pub name: HeaderName,
    /// Marked sensitive (hyper and `http` then keep it out of debug output and HPACK tables).
    pub value: HeaderValue,
}

impl SecretHeader {
    pub fn new(origin: Origin, name: HeaderName, mut value: HeaderValue) -> SecretHeader {
        value.set_sensitive(true);
        SecretHeader { origin, name, value }
    }
}

/// Written by hand so a policy can be logged without its secrets.
impl fmt::Debug for SecretHeader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecretHeader")
            .field("origin", &self.origin)
            .field("name", &self.name)
            .field("value", &"<redacted>")
            .finish()
    }
}

#[derive(Clone, Debug)]
pub struct OutboundPolicy {
    /// Origins the plugin may call: what its manifest requested and the operator granted.
    pub allowed: Vec<Origin>,
    /// Requested origin → where it really is (staging, a local contract server in tests).
    /// The plugin keeps writing the production URL; allow-list and secrets use the requested
    /// origin, DNS and address checks the relocated one.
    pub relocations: BTreeMap<Origin, Origin>,
    /// The operator's explicit opt-in to loopback and private networks (tests, on-premises
    /// APIs). Metadata, link-local, multicast and unspecified addresses stay refused.
    pub allow_private_addresses: bool,
    pub secret_headers: Vec<SecretHeader>,
    pub max_request_body_bytes: usize,
    pub max_response_body_bytes: usize,
    pub max_redirects: u32,
    pub connect_timeout: Duration,
    pub total_timeout: Duration,
    /// Trust anchors added to the public web PKI roots (a staging CA, a test CA). Empty in
    /// production: plugins only talk to publicly trusted servers.
    pub extra_root_certificates: Vec<CertificateDer<'static>>,
}

impl OutboundPolicy {
    /// A policy allowing `allowed` with the default limits, no relocation, no secret and
    /// public addresses only.
    pub fn new(allowed: Vec<Origin>) -> OutboundPolicy {
        OutboundPolicy {
            allowed,
            relocations: BTreeMap::new(),
            allow_private_addresses: false,
            secret_headers: Vec::new(),
            max_request_body_bytes: DEFAULT_MAX_REQUEST_BODY_BYTES,
            max_response_body_bytes: DEFAULT_MAX_RESPONSE_BODY_BYTES,
            max_redirects: DEFAULT_MAX_REDIRECTS,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            total_timeout: DEFAULT_TOTAL_TIMEOUT,
            extra_root_certificates: Vec::new(),
        }
    }

    pub fn is_allowed(&self, origin: &Origin) -> bool {
        self.allowed.contains(origin)
    }

    /// Where requests for `origin` are really sent.
    pub fn target_of<'a>(&'a self, origin: &'a Origin) -> &'a Origin {
        self.relocations.get(origin).unwrap_or(origin)
    }

    pub fn secrets_for<'a>(&'a self, origin: &'a Origin) -> impl Iterator<Item = &'a SecretHeader> + 'a {
        self.secret_headers.iter().filter(move |secret| secret.origin == *origin)
    }

    /// Whether `name` is the name of any secret header (the guest may not set it, whatever
    /// the origin: it would otherwise probe or shadow the host's value).
    pub fn is_secret_name(&self, name: &HeaderName) -> bool {
        self.secret_headers.iter().any(|secret| secret.name == *name)
    }
}
