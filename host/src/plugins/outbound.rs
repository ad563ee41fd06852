//! Outbound HTTP for sandboxed plugins: the only way a plugin reaches the network, placed
//! behind `wasi:http/outgoing-handler`. Every request (and every redirect hop) must target an
//! origin the plugin was granted; names are resolved by the host and every address checked
//! before the host connects to it, so a plugin cannot reach the cloud metadata service, the
//! host itself or the intranet, even through DNS tricks or redirects. Secrets are added here,
//! by the host, for their own origin only.

mod address;
mod connect;
mod error;
mod exchange;
mod headers;
mod origin;
mod policy;

use std::error::Error as _;
use std::time::Instant;

use bytes::{Buf, BufMut, Bytes};
use http::header::{CONTENT_LENGTH, HOST, LOCATION};
use http::{HeaderMap, HeaderValue, Method, Request, Response, StatusCode, Uri, Version};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use url::Url;

pub use address::{AddressClass, classify};
pub use error::OutboundError;
pub use origin::{Origin, OriginError, Scheme};
pub use policy::{
    DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_REDIRECTS, DEFAULT_MAX_REQUEST_BODY_BYTES, DEFAULT_MAX_RESPONSE_BODY_BYTES,
    DEFAULT_TOTAL_TIMEOUT, MAX_CONNECT_ATTEMPTS, MAX_REQUEST_HEADER_BYTES, MAX_RESPONSE_HEAD_BYTES, OutboundPolicy,
    SecretHeader,
};

/// Sends a plugin's request under `policy`, following redirects, and returns the final
/// response with its whole body. One `tracing` event per call (origin, method, status, sizes,
/// duration, outcome): never the path or query (a SIRET, an address...) nor a header value.
pub async fn send(policy: &OutboundPolicy, request: Request<Bytes>) -> Result<Response<Bytes>, OutboundError> {
    let started = Instant::now();
    let method = request.method().clone();
    let request_bytes = request.body().len();
    let mut trace = Trace::default();
    let result = match tokio::time::timeout(policy.total_timeout, follow(policy, request, &mut trace)).await {
        Ok(result) => result,
        Err(_) => Err(OutboundError::Timeout { after: policy.total_timeout }),
    };
    trace.log(&method, request_bytes, started, &result);
    result
}

/// Buffers a guest's request body for [`send`], refusing more than `limit` bytes as soon as
/// they arrive (the guest streams it: it could otherwise push without end).
pub async fn collect_request_body<B>(body: B, limit: usize) -> Result<Bytes, OutboundError>
where
    B: hyper::body::Body,
{
    let mut body = std::pin::pin!(body);
    let mut collected = bytes::BytesMut::new();
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|_| OutboundError::InvalidRequest("request body could not be read"))?;
        if let Ok(data) = frame.into_data() {
            if data.remaining() > limit.saturating_sub(collected.len()) {
                return Err(OutboundError::RequestTooLarge { limit });
            }
            collected.put(data);
        }
    }
    Ok(collected.freeze())
}

/// What the log event reports, filled in as the exchange progresses (a timeout keeps what
/// was reached).
#[derive(Default)]
struct Trace {
    origin: Option<Origin>,
    last_origin: Option<Origin>,
    status: Option<StatusCode>,
    redirects: u32,
}

impl Trace {
    fn log(
        &self,
        method: &Method,
        request_bytes: usize,
        started: Instant,
        result: &Result<Response<Bytes>, OutboundError>,
    ) {
        let origin = self.origin.as_ref().map_or_else(|| "-".to_owned(), Origin::to_string);
        let last_origin = self.last_origin.as_ref().map_or_else(|| "-".to_owned(), Origin::to_string);
        let status = self.status.map(|status| status.as_u16());
        let duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let redirects = self.redirects;
        match result {
            Ok(response) => tracing::info!(
                %origin, %last_origin, %method, status, request_bytes, response_bytes = response.body().len(),
                redirects, duration_ms, outcome = "ok", "plugin outbound request"
            ),
            Err(error) => {
                let mut detail = error.to_string();
                let mut source = error.source();
                while let Some(cause) = source {
                    detail.push_str(": ");
                    detail.push_str(&cause.to_string());
                    source = cause.source();
                }
                if error.is_policy_refusal() {
                    tracing::warn!(
                        %origin, %last_origin, %method, status, request_bytes, redirects, duration_ms,
                        outcome = error.kind(), error = %detail, "plugin outbound request refused"
                    );
                } else {
                    tracing::info!(
                        %origin, %last_origin, %method, status, request_bytes, redirects, duration_ms,
                        outcome = error.kind(), error = %detail, "plugin outbound request failed"
                    );
                }
            }
        }
    }
}

async fn follow(
    policy: &OutboundPolicy,
    request: Request<Bytes>,
    trace: &mut Trace,
) -> Result<Response<Bytes>, OutboundError> {
    let (parts, mut body) = request.into_parts();
    // CONNECT opens a tunnel past every check here; TRACE echoes headers back (secrets).
    if parts.method == Method::CONNECT || parts.method == Method::TRACE {
        return Err(OutboundError::InvalidRequest("method not allowed for plugins"));
    }
    if body.len() > policy.max_request_body_bytes {
        return Err(OutboundError::RequestTooLarge { limit: policy.max_request_body_bytes });
    }
    let mut url = Url::parse(&parts.uri.to_string()).map_err(|e| OutboundError::InvalidUri(e.into()))?;
    url.set_fragment(None);
    let mut origin = Origin::from_url(&url).map_err(OutboundError::InvalidUri)?;
    trace.origin = Some(origin.clone());
    let mut method = parts.method;
    let mut guest_headers = headers::guest_request_headers(policy, &parts.headers)?;
    loop {
        trace.last_origin = Some(origin.clone());
        if !policy.is_allowed(&origin) {
            return Err(OutboundError::Forbidden { origin: origin.to_string() });
        }
        let target = policy.target_of(&origin);
        let hop = hop_request(policy, &origin, target, &url, &method, &guest_headers, &body)?;
        let connection = connect::connect(policy, target).await?;
        let (response, driver) = exchange::send(connection, target.bare_host(), hop).await?;
        trace.status = Some(response.status());
        let Some(next) = redirect_location(&response, &url, &origin, target)? else {
            let limit = policy.max_response_body_bytes;
            let response = exchange::read_capped(response, target.bare_host(), limit, method == Method::HEAD).await?;
            drop(driver);
            let (mut parts, body) = response.into_parts();
            parts.headers = headers::guest_response_headers(&parts.headers);
            return Ok(Response::from_parts(parts, body));
        };
        // The redirect's own body is never read: its connection closes here.
        drop(driver);
        if trace.redirects >= policy.max_redirects {
            return Err(OutboundError::TooManyRedirects { limit: policy.max_redirects });
        }
        trace.redirects += 1;
        let status = response.status();
        let becomes_get = (status == StatusCode::SEE_OTHER && method != Method::HEAD)
            || ((status == StatusCode::MOVED_PERMANENTLY || status == StatusCode::FOUND) && method == Method::POST);
        if becomes_get {
            method = Method::GET;
            body = Bytes::new();
            headers::drop_body_headers(&mut guest_headers);
        }
        let next_origin = Origin::from_url(&next).map_err(OutboundError::InvalidRedirect)?;
        if next_origin != origin {
            headers::drop_origin_credentials(&mut guest_headers);
        }
        url = next;
        origin = next_origin;
    }
}

/// The request for one hop: `url`'s path and query sent to `target`, the guest's filtered
/// headers, then the host's own (Host, Content-Length, secrets of the requested `origin`).
fn hop_request(
    policy: &OutboundPolicy,
    origin: &Origin,
    target: &Origin,
    url: &Url,
    method: &Method,
    guest_headers: &HeaderMap,
    body: &Bytes,
) -> Result<Request<Full<Bytes>>, OutboundError> {
    let path_and_query = match url.query() {
        Some(query) => format!("{}?{query}", url.path()),
        None => url.path().to_owned(),
    };
    let uri = Uri::try_from(path_and_query).map_err(|_| OutboundError::InvalidRequest("unrepresentable path"))?;
    let mut headers = guest_headers.clone();
    let host = HeaderValue::from_str(&target.authority()).map_err(|_| OutboundError::InvalidRequest("invalid host"))?;
    headers.insert(HOST, host);
    if !body.is_empty() || [Method::POST, Method::PUT, Method::PATCH].contains(method) {
        headers.insert(CONTENT_LENGTH, HeaderValue::from(body.len()));
    }
    for secret in policy.secrets_for(origin) {
        let mut value = secret.value.clone();
        value.set_sensitive(true);
        headers.insert(secret.name.clone(), value);
    }
    let mut request = Request::new(Full::new(body.clone()));
    *request.method_mut() = method.clone();
    *request.uri_mut() = uri;
    *request.version_mut() = Version::HTTP_11;
    *request.headers_mut() = headers;
    Ok(request)
}

/// Where a redirect response points, resolved against the requested URL; `None` when the
/// response is not a redirect the host follows (it then goes back to the plugin as is).
fn redirect_location(
    response: &Response<Incoming>,
    url: &Url,
    origin: &Origin,
    target: &Origin,
) -> Result<Option<Url>, OutboundError> {
    let status = response.status().as_u16();
    if !matches!(status, 301 | 302 | 303 | 307 | 308) {
        return Ok(None);
    }
    let Some(location) = response.headers().get(LOCATION).and_then(|value| value.to_str().ok()) else {
        return Ok(None);
    };
    let mut next = url.join(location).map_err(|e| OutboundError::InvalidRedirect(e.into()))?;
    next.set_fragment(None);
    // A relocated server naming itself in an absolute Location means the origin it stands in
    // for: map it back so the allow-list and secrets keep following the requested origin.
    if origin != target && Origin::from_url(&next).as_ref() == Ok(target) {
        next = origin.with_path_of(&next).map_err(OutboundError::InvalidRedirect)?;
    }
    Ok(Some(next))
}

#[cfg(test)]
mod tests;
