//! Why an outbound request was not answered. Messages name origins and hosts only: never a
//! path, a query string or a header value (they may carry personal data or secrets).

use std::io;
use std::net::IpAddr;
use std::time::Duration;

use super::origin::OriginError;

#[derive(Debug, thiserror::Error)]
pub enum OutboundError {
    /// The request URL is not an absolute http(s) URL the host can judge.
    #[error("invalid request URL: {0}")]
    InvalidUri(OriginError),
    /// A method or header set the host never forwards.
    #[error("invalid request: {0}")]
    InvalidRequest(&'static str),
    /// The origin is not in the plugin's allow-list (first request or redirect hop).
    #[error("origin {origin} is not allowed for this plugin")]
    Forbidden { origin: String },
    /// The host resolves to (or is) an address the plugin may not reach.
    #[error("{host} resolves to {addr}, which plugins may not reach")]
    PrivateAddress { host: String, addr: IpAddr },
    #[error("DNS resolution of {host} failed")]
    Dns {
        host: String,
        #[source]
        source: io::Error,
    },
    #[error("connection to {host} failed")]
    Connect {
        host: String,
        #[source]
        source: io::Error,
    },
    #[error("TLS with {host} failed")]
    Tls {
        host: String,
        #[source]
        source: io::Error,
    },
    /// The peer broke HTTP/1.1 (or closed the connection mid-exchange).
    #[error("HTTP exchange with {host} failed")]
    Protocol {
        host: String,
        #[source]
        source: hyper::Error,
    },
    #[error("request body larger than {limit} bytes")]
    RequestTooLarge { limit: usize },
    #[error("response body larger than {limit} bytes")]
    ResponseTooLarge { limit: usize },
    #[error("more than {limit} redirects")]
    TooManyRedirects { limit: u32 },
    /// A redirect whose Location is not a URL the host may follow.
    #[error("invalid redirect: {0}")]
    InvalidRedirect(OriginError),
    /// A connection attempt or the whole exchange took longer than its bound.
    #[error("no answer within {after:?}")]
    Timeout { after: Duration },
}

impl OutboundError {
    /// A stable, value-free label for logs and metrics.
    pub fn kind(&self) -> &'static str {
        match self {
            OutboundError::InvalidUri(_) => "invalid-uri",
            OutboundError::InvalidRequest(_) => "invalid-request",
            OutboundError::Forbidden { .. } => "forbidden",
            OutboundError::PrivateAddress { .. } => "private-address",
            OutboundError::Dns { .. } => "dns",
            OutboundError::Connect { .. } => "connect",
            OutboundError::Tls { .. } => "tls",
            OutboundError::Protocol { .. } => "protocol",
            OutboundError::RequestTooLarge { .. } => "request-too-large",
            OutboundError::ResponseTooLarge { .. } => "response-too-large",
            OutboundError::TooManyRedirects { .. } => "too-many-redirects",
            OutboundError::InvalidRedirect(_) => "invalid-redirect",
            OutboundError::Timeout { .. } => "timeout",
        }
    }

    /// Refusals decided by policy (worth a warning: a plugin tried to go where it may not).
    pub fn is_policy_refusal(&self) -> bool {
        matches!(self, OutboundError::Forbidden { .. } | OutboundError::PrivateAddress { .. })
    }
}
