//! Which request headers a guest may set, and which response headers it gets back.

use http::header::{self, HeaderMap, HeaderName};

use super::error::OutboundError;
use super::policy::{MAX_REQUEST_HEADER_BYTES, OutboundPolicy};

/// Headers that describe the connection or the framing, owned by the host's HTTP client: a
/// guest setting them could smuggle a second request (Transfer-Encoding vs Content-Length),
/// address another virtual host than the one checked (Host), or talk to a proxy.
const HOP_BY_HOP: [HeaderName; 9] = [
    header::HOST,
    header::CONNECTION,
    header::TRANSFER_ENCODING,
    header::CONTENT_LENGTH,
    header::UPGRADE,
    header::TE,
    header::TRAILER,
    header::EXPECT,
    HeaderName::from_static("keep-alive"),
];

/// Request headers describing a body, dropped when a redirect turns the request into a GET.
const BODY_HEADERS: [HeaderName; 4] =
    [header::CONTENT_TYPE, header::CONTENT_ENCODING, header::CONTENT_LANGUAGE, header::CONTENT_LOCATION];

/// Guest credentials that must not follow a redirect to another origin (what browsers and
/// curl do): the guest wrote them for the origin it called.
const ORIGIN_CREDENTIALS: [HeaderName; 2] = [header::AUTHORIZATION, header::COOKIE];

fn is_hop_by_hop(name: &HeaderName, connection_listed: &[HeaderName]) -> bool {
    HOP_BY_HOP.contains(name) || name.as_str().starts_with("proxy-") || connection_listed.contains(name)
}

/// Names the `Connection` header declares hop-by-hop (RFC 9110 §7.6.1).
fn connection_listed(headers: &HeaderMap) -> Vec<HeaderName> {
    headers
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .filter_map(|token| HeaderName::from_bytes(token.trim().as_bytes()).ok())
        .collect()
}

/// The guest's headers the host forwards: no framing or connection header, no header named
/// like a secret.
pub fn guest_request_headers(policy: &OutboundPolicy, headers: &HeaderMap) -> Result<HeaderMap, OutboundError> {
    let total: usize = headers.iter().map(|(name, value)| name.as_str().len() + value.len()).sum();
    if total > MAX_REQUEST_HEADER_BYTES {
        return Err(OutboundError::InvalidRequest("request headers too large"));
    }
    let listed = connection_listed(headers);
    let mut kept = HeaderMap::with_capacity(headers.len());
    for (name, value) in headers {
        if !is_hop_by_hop(name, &listed) && !policy.is_secret_name(name) {
            kept.append(name.clone(), value.clone());
        }
    }
    Ok(kept)
}

pub fn drop_body_headers(headers: &mut HeaderMap) {
    for name in &BODY_HEADERS {
        headers.remove(name);
    }
}

pub fn drop_origin_credentials(headers: &mut HeaderMap) {
    for name in &ORIGIN_CREDENTIALS {
        headers.remove(name);
    }
}

/// The upstream's headers minus those about its connection to the host; Content-Length stays
/// (it still describes the body, and the only truth for HEAD).
pub fn guest_response_headers(headers: &HeaderMap) -> HeaderMap {
    let listed = connection_listed(headers);
    let mut kept = HeaderMap::with_capacity(headers.len());
    for (name, value) in headers {
        if name == header::CONTENT_LENGTH || !is_hop_by_hop(name, &listed) {
            kept.append(name.clone(), value.clone());
        }
    }
    kept
}

#[cfg(test)]
mod tests {
    use http::HeaderValue;

    use super::super::origin::Origin;
    use super::super::policy::SecretHeader;
    use super::*;

    fn policy() -> OutboundPolicy {
        let origin = Origin::parse("https://entreprise.api.gouv.fr").unwrap();
        let mut policy = OutboundPolicy::new(vec![origin.clone()]);
        policy.secret_headers.push(SecretHeader::new(
            origin,
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer secret"),
        ));
        policy
    }

    #[test]
    fn drops_framing_connection_proxy_and_secret_named_headers() {
        let mut headers = HeaderMap::new();
        for (name, value) in [
            ("host", "169.254.169.254"),
            ("connection", "close, x-trace"),
            ("x-trace", "1"),
            ("keep-alive", "timeout=5"),
            ("transfer-encoding", "chunked"),
            ("content-length", "5"),
            ("te", "trailers"),
            ("upgrade", "websocket"),
            ("proxy-authorization", "Basic x"),
            ("proxy-connection", "keep-alive"),
            ("expect", "100-continue"),
            ("authorization", "Bearer forged"),
            ("accept", "application/json"),
            ("x-request-id", "abc"),
        ] {
            headers.append(HeaderName::from_static(name), HeaderValue::from_static(value));
        }
        let kept = guest_request_headers(&policy(), &headers).unwrap();
        let names: Vec<&str> = kept.keys().map(HeaderName::as_str).collect();
        assert_eq!(names, ["accept", "x-request-id"]);
    }

    #[test]
    fn refuses_oversized_header_sets() {
        let mut headers = HeaderMap::new();
        let big = "a".repeat(MAX_REQUEST_HEADER_BYTES);
        headers.insert("x-big", HeaderValue::from_str(&big).unwrap());
        assert!(matches!(guest_request_headers(&policy(), &headers), Err(OutboundError::InvalidRequest(_))));
    }

    #[test]
    fn response_keeps_content_length_but_not_connection_headers() {
        let mut headers = HeaderMap::new();
        headers.insert("content-length", HeaderValue::from_static("12"));
        headers.insert("transfer-encoding", HeaderValue::from_static("chunked"));
        headers.insert("connection", HeaderValue::from_static("keep-alive"));
        headers.insert("content-type", HeaderValue::from_static("application/json"));
        let kept = guest_response_headers(&headers);
        let names: Vec<&str> = kept.keys().map(HeaderName::as_str).collect();
        assert_eq!(names, ["content-length", "content-type"]);
    }
}
