//! The transport: one request through `wasi:http/outgoing-handler`, blocking.

use super::error_code::from_error_code;
use super::{HttpError, MAX_BODY_BYTES, Method, Request, Response, Target};
use crate::bindings::type_de_champ::wasi::http::outgoing_handler;
use crate::bindings::type_de_champ::wasi::http::types::{
    self as wasi, Fields, OutgoingBody, OutgoingRequest, RequestOptions, Scheme,
};
use crate::bindings::type_de_champ::wasi::io::streams::StreamError;

/// `blocking-write-and-flush` accepts at most 4,096 bytes per call.
const WRITE_CHUNK: usize = 4096;

/// Bytes asked per read; the host may give fewer.
const READ_CHUNK: u64 = 64 * 1024;

pub(super) fn send(request: &Request, target: &Target) -> Result<Response, HttpError> {
    let entries: Vec<(String, Vec<u8>)> =
        request.headers.iter().map(|(name, value)| (name.to_ascii_lowercase(), value.clone().into_bytes())).collect();
    let headers =
        Fields::from_list(&entries).map_err(|error| HttpError::InvalidRequest(format!("header refused: {error:?}")))?;
    let outgoing = OutgoingRequest::new(headers);
    let method = match request.method {
        Method::Get => wasi::Method::Get,
        Method::Post => wasi::Method::Post,
        Method::Put => wasi::Method::Put,
        Method::Patch => wasi::Method::Patch,
        Method::Delete => wasi::Method::Delete,
    };
    let invalid = |what: &str| HttpError::InvalidRequest(format!("{what} refused"));
    outgoing.set_method(&method).map_err(|()| invalid("method"))?;
    let scheme = if target.https { Scheme::Https } else { Scheme::Http };
    outgoing.set_scheme(Some(&scheme)).map_err(|()| invalid("scheme"))?;
    outgoing.set_authority(Some(&target.authority)).map_err(|()| invalid("authority"))?;
    outgoing.set_path_with_query(Some(&target.path_with_query)).map_err(|()| invalid("path"))?;
    let body = outgoing.body().map_err(|()| HttpError::Protocol("request body already taken".to_owned()))?;

    let options = RequestOptions::new();
    let nanos = u64::try_from(request.timeout.as_nanos()).unwrap_or(u64::MAX);
    // A host that does not support a timeout refuses to set it; its own
    // limits then apply, which is all a plugin can ask for.
    let _ = options.set_connect_timeout(Some(nanos));
    let _ = options.set_first_byte_timeout(Some(nanos));
    let _ = options.set_between_bytes_timeout(Some(nanos));

    let future = outgoing_handler::handle(outgoing, Some(options)).map_err(|code| from_error_code(&code))?;
    write_body(body, &request.body)?;

    future.subscribe().block();
    let response = match future.get() {
        Some(Ok(Ok(response))) => response,
        Some(Ok(Err(code))) => return Err(from_error_code(&code)),
        Some(Err(())) | None => return Err(HttpError::Protocol("response future not ready".to_owned())),
    };
    let status = response.status();
    let headers = response
        .headers()
        .entries()
        .into_iter()
        .filter_map(|(name, value)| String::from_utf8(value).ok().map(|value| (name.to_ascii_lowercase(), value)))
        .collect();
    let incoming = response.consume().map_err(|()| HttpError::Protocol("response body already taken".to_owned()))?;
    let body = read_body(&incoming)?;
    drop(wasi::IncomingBody::finish(incoming));
    Ok(Response { status, headers, body })
}

fn write_body(body: OutgoingBody, bytes: &[u8]) -> Result<(), HttpError> {
    {
        // The stream is a child of the body: it must be dropped before
        // `finish` consumes the body.
        let stream = body.write().map_err(|()| HttpError::Protocol("request body stream unavailable".to_owned()))?;
        for chunk in bytes.chunks(WRITE_CHUNK) {
            stream.blocking_write_and_flush(chunk).map_err(stream_error)?;
        }
    }
    OutgoingBody::finish(body, None).map_err(|code| from_error_code(&code))
}

fn read_body(incoming: &wasi::IncomingBody) -> Result<Vec<u8>, HttpError> {
    let stream = incoming.stream().map_err(|()| HttpError::Protocol("response body stream unavailable".to_owned()))?;
    let mut body = Vec::new();
    loop {
        match stream.blocking_read(READ_CHUNK) {
            Ok(chunk) => {
                if body.len() + chunk.len() > MAX_BODY_BYTES {
                    return Err(HttpError::BodyTooLarge);
                }
                body.extend_from_slice(&chunk);
            }
            Err(StreamError::Closed) => return Ok(body),
            Err(error) => return Err(stream_error(error)),
        }
    }
}

fn stream_error(error: StreamError) -> HttpError {
    match error {
        StreamError::Closed => HttpError::Protocol("stream closed early".to_owned()),
        StreamError::LastOperationFailed(error) => match wasi::http_error_code(&error) {
            Some(code) => from_error_code(&code),
            None => HttpError::Protocol(error.to_debug_string()),
        },
    }
}
