//! Why a request failed, and what that means for the plugin's caller.

use crate::PluginError;
use std::fmt;

/// Why an HTTP exchange failed.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum HttpError {
    /// The plugin built a request that cannot be sent (bad URL, header
    /// name or value, method). A plugin bug.
    InvalidRequest(String),
    /// The host refused to send it: the origin is not in the manifest or
    /// the operator did not grant it.
    Denied(String),
    /// The name did not resolve.
    Dns(String),
    /// The connection was refused, reset or could not be made.
    Connection(String),
    /// A phase took longer than the request's timeout.
    Timeout,
    /// TLS failed (certificate, protocol).
    Tls(String),
    /// The response body exceeds [`MAX_BODY_BYTES`](super::MAX_BODY_BYTES)
    /// (or the host's cap on responses).
    BodyTooLarge,
    /// The server broke HTTP, or the transfer failed midway.
    Protocol(String),
    /// A non-2xx status ([`Response::error_for_status`](super::Response::error_for_status)).
    Status(u16),
    /// The body is not what was expected (for example not the JSON shape).
    InvalidBody(String),
    /// No HTTP outside WebAssembly (native unit tests without a responder).
    Unsupported,
}

impl fmt::Display for HttpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HttpError::InvalidRequest(reason) => write!(f, "invalid HTTP request: {reason}"),
            HttpError::Denied(reason) => write!(f, "the host denied the HTTP request: {reason}"),
            HttpError::Dns(reason) => write!(f, "DNS failure: {reason}"),
            HttpError::Connection(reason) => write!(f, "connection failure: {reason}"),
            HttpError::Timeout => f.write_str("HTTP timeout"),
            HttpError::Tls(reason) => write!(f, "TLS failure: {reason}"),
            HttpError::BodyTooLarge => f.write_str("HTTP response body too large"),
            HttpError::Protocol(reason) => write!(f, "HTTP protocol error: {reason}"),
            HttpError::Status(status) => write!(f, "HTTP status {status}"),
            HttpError::InvalidBody(reason) => write!(f, "unexpected HTTP response body: {reason}"),
            HttpError::Unsupported => f.write_str("no outbound HTTP outside WebAssembly"),
        }
    }
}

impl std::error::Error for HttpError {}

/// What the host should make of the failure: the service being down or slow
/// is `UpstreamUnavailable` (transient: the host keeps the value and asks
/// again later); a denied origin or a refused token is `Misconfigured` (the
/// operator must act); a request the plugin got wrong is `Internal`.
impl From<HttpError> for PluginError {
    fn from(error: HttpError) -> Self {
        let reason = error.to_string();
        match error {
            HttpError::Denied(_) | HttpError::Status(401 | 403) => PluginError::Misconfigured(reason),
            HttpError::InvalidRequest(_) | HttpError::Unsupported => PluginError::Internal(reason),
            HttpError::Status(status) if (400..500).contains(&status) && status != 408 && status != 429 => {
                PluginError::Internal(reason)
            }
            HttpError::Dns(_)
            | HttpError::Connection(_)
            | HttpError::Timeout
            | HttpError::Tls(_)
            | HttpError::BodyTooLarge
            | HttpError::Protocol(_)
            | HttpError::Status(_)
            | HttpError::InvalidBody(_) => PluginError::UpstreamUnavailable(reason),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn case(error: HttpError) -> &'static str {
        match PluginError::from(error) {
            PluginError::UpstreamUnavailable(_) => "upstream",
            PluginError::Misconfigured(_) => "misconfigured",
            PluginError::Internal(_) => "internal",
            _ => "other",
        }
    }

    #[test]
    fn maps_to_plugin_errors() {
        assert_eq!(case(HttpError::Denied("x".into())), "misconfigured");
        assert_eq!(case(HttpError::Status(401)), "misconfigured");
        assert_eq!(case(HttpError::Status(403)), "misconfigured");
        assert_eq!(case(HttpError::Timeout), "upstream");
        assert_eq!(case(HttpError::Connection("refused".into())), "upstream");
        assert_eq!(case(HttpError::Dns("x".into())), "upstream");
        assert_eq!(case(HttpError::Status(503)), "upstream");
        assert_eq!(case(HttpError::Status(500)), "upstream");
        assert_eq!(case(HttpError::Status(429)), "upstream");
        assert_eq!(case(HttpError::Status(408)), "upstream");
        assert_eq!(case(HttpError::Status(422)), "internal");
        assert_eq!(case(HttpError::Status(404)), "internal");
        assert_eq!(case(HttpError::InvalidBody("x".into())), "upstream");
        assert_eq!(case(HttpError::InvalidRequest("x".into())), "internal");
        assert_eq!(PluginError::from(HttpError::Status(503)).reason(), "HTTP status 503");
    }
}
