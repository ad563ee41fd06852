//! `wasi:http` as plugins get it: every request a guest hands to
//! `outgoing-handler` goes through [`outbound::send`](super::outbound::send),
//! which enforces the plugin's allow-list, address rules, redirects,
//! secrets and caps. A plugin granted nothing gets `HTTP request denied` for
//! every request, without any connection attempt.

use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use wasmtime_wasi_http::{Error, RequestOptions, WasiBody, WasiHttpHooks};

use super::manifest::SecretSpec;
use super::operator::Grant;
use super::outbound::{self, Origin, OutboundError, OutboundPolicy, SecretHeader};

/// The outbound policy of a plugin allowed to call `origins` (asked for and
/// granted); `None` when it may call nothing.
pub fn policy(
    secrets: &[SecretSpec],
    grant: &Grant,
    origins: &[String],
) -> Result<Option<Arc<OutboundPolicy>>, String> {
    if origins.is_empty() {
        return Ok(None);
    }
    let parse = |origin: &str| Origin::parse(origin).map_err(|error| format!("origin {origin:?}: {error}"));
    let allowed = origins.iter().map(|origin| parse(origin)).collect::<Result<Vec<_>, _>>()?;
    let mut policy = OutboundPolicy::new(allowed);
    policy.allow_private_addresses = grant.allow_private_addresses;
    for (from, to) in &grant.relocate {
        policy.relocations.insert(parse(from)?, parse(to)?);
    }
    for spec in secrets {
        let (Some(value), true) = (grant.secrets.get(&spec.name), origins.contains(&spec.origin)) else {
            continue;
        };
        let name = http::HeaderName::from_bytes(spec.header.as_bytes())
            .map_err(|_| format!("secret {}: invalid header name", spec.name))?;
        let value = http::HeaderValue::from_str(&format!("{}{}", spec.prefix, value.expose()))
            .map_err(|_| format!("secret {}: the value cannot be sent as a header", spec.name))?;
        policy.secret_headers.push(SecretHeader::new(parse(&spec.origin)?, name, value));
    }
    Ok(Some(Arc::new(policy)))
}

pub struct OutboundHooks {
    plugin: Arc<str>,
    policy: Option<Arc<OutboundPolicy>>,
}

impl OutboundHooks {
    pub fn new(plugin: Arc<str>, policy: Option<Arc<OutboundPolicy>>) -> Self {
        Self { plugin, policy }
    }
}

type IoFuture = Box<dyn Future<Output = Result<(), Error>> + Send>;
type SendFuture = Box<dyn Future<Output = Result<(http::Response<WasiBody>, IoFuture), Error>> + Send>;

impl WasiHttpHooks for OutboundHooks {
    fn send_request(
        &mut self,
        request: http::Request<WasiBody>,
        options: Option<RequestOptions>,
        _fut: IoFuture,
    ) -> SendFuture {
        // The guest may ask for shorter timeouts than the policy's (to answer
        // "upstream unavailable" within its own wall-clock budget), never
        // longer ones.
        let policy = self.policy.clone().map(|policy| tightened(policy, options));
        let span = tracing::info_span!("plugin_http", plugin.id = %self.plugin);
        let exchange = async move {
            let Some(policy) = policy else {
                tracing::warn!(target: "guichet::plugins::outbound", "plugin without granted origins tried HTTP");
                return Err(Error::HttpRequestDenied);
            };
            let (parts, body) = request.into_parts();
            let body = outbound::collect_request_body(body, policy.max_request_body_bytes).await.map_err(wasi_error)?;
            let response = outbound::send(&policy, http::Request::from_parts(parts, body)).await.map_err(wasi_error)?;
            let response = response.map(|body: Bytes| Full::new(body).map_err(|never| match never {}).boxed_unsync());
            Ok((response, Box::new(async { Ok(()) }) as IoFuture))
        };
        Box::new(tracing::Instrument::instrument(exchange, span))
    }
}

/// `policy` with the guest's timeouts where they are shorter: connecting
/// within `connect`, and the whole exchange within the longest phase the
/// guest gave. The host reads the response whole before the guest sees its
/// first byte, so from the guest's side the exchange is one wait, which its
/// own per-phase bound must cover.
fn tightened(policy: Arc<OutboundPolicy>, options: Option<RequestOptions>) -> Arc<OutboundPolicy> {
    let Some(options) = options else {
        return policy;
    };
    let connect = options.connect_timeout.map_or(policy.connect_timeout, |t| t.min(policy.connect_timeout));
    let phases = [options.connect_timeout, options.first_byte_timeout, options.between_bytes_timeout];
    let total = match phases.iter().flatten().copied().max() {
        Some(asked) => asked.min(policy.total_timeout),
        None => policy.total_timeout,
    };
    if connect == policy.connect_timeout && total == policy.total_timeout {
        return policy;
    }
    let mut tighter = (*policy).clone();
    tighter.connect_timeout = connect;
    tighter.total_timeout = total;
    Arc::new(tighter)
}

/// The guest sees the WASI error code closest to what happened; the detail
/// stays in the host's logs (`outbound::send` logged it).
fn wasi_error(error: OutboundError) -> Error {
    match error {
        OutboundError::Forbidden { .. } => Error::HttpRequestDenied,
        OutboundError::PrivateAddress { .. } => Error::DestinationIpProhibited,
        OutboundError::InvalidUri(_) => Error::HttpRequestUriInvalid,
        OutboundError::InvalidRequest(reason) => Error::InternalError(Some(reason.to_owned())),
        OutboundError::Dns { .. } => Error::DnsError { rcode: None, info_code: None },
        OutboundError::Connect { .. } => Error::ConnectionRefused,
        OutboundError::Tls { .. } => Error::TlsProtocolError,
        OutboundError::Protocol { .. } => Error::HttpProtocolError,
        OutboundError::RequestTooLarge { limit } => Error::HttpRequestBodySize(u64::try_from(limit).ok()),
        OutboundError::ResponseTooLarge { limit } => Error::HttpResponseBodySize(u64::try_from(limit).ok()),
        OutboundError::TooManyRedirects { .. } => Error::LoopDetected,
        OutboundError::InvalidRedirect(_) => Error::HttpRequestDenied,
        OutboundError::Timeout { .. } => Error::HttpResponseTimeout,
    }
}
