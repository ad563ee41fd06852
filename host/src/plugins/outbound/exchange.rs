//! One HTTP/1.1 request/response on a fresh connection, with the response body capped.

use bytes::{Bytes, BytesMut};
use http::header::CONTENT_LENGTH;
use http::{Request, Response};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::task::JoinHandle;

use super::connect::Connection;
use super::error::OutboundError;
use super::policy::MAX_RESPONSE_HEAD_BYTES;

/// Drives the connection while its response is read, and closes it (aborting the task) as
/// soon as the caller is done or gives up (timeout, refused redirect, oversized body).
pub struct ConnectionDriver(JoinHandle<()>);

impl Drop for ConnectionDriver {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Sends `request` (origin-form URI, Host set) and returns the response head with its
/// still-unread body; the body is only readable while the driver lives.
pub async fn send(
    connection: Connection,
    host: &str,
    request: Request<Full<Bytes>>,
) -> Result<(Response<Incoming>, ConnectionDriver), OutboundError> {
    match connection {
        Connection::Plain(stream) => send_on(stream, host, request).await,
        Connection::Tls(stream) => send_on(*stream, host, request).await,
    }
}

async fn send_on<T>(
    io: T,
    host: &str,
    request: Request<Full<Bytes>>,
) -> Result<(Response<Incoming>, ConnectionDriver), OutboundError>
where
    T: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let protocol = |source| OutboundError::Protocol { host: host.to_owned(), source };
    let (mut sender, connection) = hyper::client::conn::http1::Builder::new()
        .max_header_size(MAX_RESPONSE_HEAD_BYTES)
        .handshake(TokioIo::new(io))
        .await
        .map_err(protocol)?;
    // The connection's own error surfaces through send_request or the body; nothing to keep.
    let driver = ConnectionDriver(tokio::spawn(async move {
        let _ = connection.await;
    }));
    let response = sender.send_request(request).await.map_err(protocol)?;
    Ok((response, driver))
}

/// Reads the whole body, refusing more than `limit` bytes: up front when Content-Length
/// announces it (except for HEAD, whose Content-Length describes a body never sent), while
/// streaming otherwise (chunked or lying peers).
pub async fn read_capped(
    response: Response<Incoming>,
    host: &str,
    limit: usize,
    head: bool,
) -> Result<Response<Bytes>, OutboundError> {
    let too_large = OutboundError::ResponseTooLarge { limit };
    let announced = response
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.trim().parse::<u64>().ok());
    if !head && announced.is_some_and(|length| length > limit as u64) {
        return Err(too_large);
    }
    let (parts, mut body) = response.into_parts();
    let mut collected = BytesMut::new();
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|source| OutboundError::Protocol { host: host.to_owned(), source })?;
        if let Ok(data) = frame.into_data() {
            if data.len() > limit.saturating_sub(collected.len()) {
                return Err(too_large);
            }
            collected.extend_from_slice(&data);
        }
    }
    Ok(Response::from_parts(parts, collected.freeze()))
}
