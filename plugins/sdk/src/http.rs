//! A small blocking HTTP client over `wasi:http/outgoing-handler@0.2.12`
//! (worlds `type-de-champ-plugin` and `rendez-vous-plugin`).
//!
//! Always write the service's production URL: the host lets requests reach
//! only the origins of the plugin's manifest (`[capabilities] http`) that the
//! operator granted, may relocate an origin (staging, a local contract server
//! in tests) without the plugin knowing, and adds the manifest's secrets as
//! headers.
//!
//! ```no_run
//! use guichet_plugin_sdk::{PluginError, http};
//!
//! #[derive(serde::Deserialize)]
//! struct Commune { nom: String }
//!
//! fn commune(code: &str) -> Result<String, PluginError> {
//!     let url = format!("https://geo.api.gouv.fr/communes/{}?{}", http::encode_path_segment(code),
//!         http::encode_query(&[("fields", "nom")]));
//!     let response = http::get(&url, &[("Accept", "application/json")])?.error_for_status()?;
//!     Ok(response.json::<Commune>()?.nom)
//! }
//! ```
//!
//! `?` turns an [`HttpError`] into the right [`PluginError`](crate::PluginError):
//! timeouts, refused connections, DNS failures, 5xx and 429 are
//! `UpstreamUnavailable` (the host retries later), a request the host
//! denied or a 401/403 is `Misconfigured`.
//!
//! Natively (unit tests) no request leaves the process: [`send`] answers
//! [`HttpError::Unsupported`] unless the test installed a responder with
//! [`testing::on_http`](crate::testing::on_http).

mod error;
mod error_code;
mod url;
#[cfg(target_arch = "wasm32")]
mod wasi;

pub use error::HttpError;
pub use url::{Target, encode_path_segment, encode_query, parse_url};

use serde::de::DeserializeOwned;
use std::time::Duration;

/// The largest response body read, in bytes (1 MiB): bounds the memory a
/// huge or endless answer can take from the plugin's instance. A longer body
/// is [`HttpError::BodyTooLarge`].
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// How long each phase (connecting, waiting for the first byte, between two
/// bytes) may take unless the request says otherwise: short enough that the
/// plugin answers `UpstreamUnavailable` before the host's wall-clock limit
/// kills the call.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(4);

/// An HTTP method.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Method {
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }
}

/// A request to send with [`send`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    pub method: Method,
    /// Absolute `http://` or `https://` URL, query string included.
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Per-phase timeout, [`DEFAULT_TIMEOUT`] unless set.
    pub timeout: Duration,
}

impl Request {
    pub fn new(method: Method, url: impl Into<String>) -> Self {
        Request { method, url: url.into(), headers: Vec::new(), body: Vec::new(), timeout: DEFAULT_TIMEOUT }
    }

    pub fn get(url: impl Into<String>) -> Self {
        Request::new(Method::Get, url)
    }

    pub fn post(url: impl Into<String>) -> Self {
        Request::new(Method::Post, url)
    }

    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    pub fn headers(mut self, headers: &[(&str, &str)]) -> Self {
        self.headers.extend(headers.iter().map(|(n, v)| ((*n).to_owned(), (*v).to_owned())));
        self
    }

    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self
    }

    /// A JSON body and its `Content-Type`.
    pub fn json<T: serde::Serialize + ?Sized>(self, body: &T) -> Result<Self, HttpError> {
        let body = serde_json::to_vec(body).map_err(|error| HttpError::InvalidRequest(error.to_string()))?;
        Ok(self.header("Content-Type", "application/json").body(body))
    }

    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The value of header `name` (case-insensitive), the first if repeated.
    pub fn header_value(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }
}

/// A response, whatever its status (see [`Response::error_for_status`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    /// Names in lower case, as HTTP/2 sends them; values that are not UTF-8
    /// are dropped.
    pub headers: Vec<(String, String)>,
    /// At most [`MAX_BODY_BYTES`].
    pub body: Vec<u8>,
}

impl Response {
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The value of header `name` (case-insensitive), the first if repeated.
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }

    /// `Ok(self)` for a 2xx status, [`HttpError::Status`] otherwise.
    pub fn error_for_status(self) -> Result<Self, HttpError> {
        if self.is_success() { Ok(self) } else { Err(HttpError::Status(self.status)) }
    }

    /// The body deserialized from JSON; [`HttpError::InvalidBody`] (an
    /// upstream answering something unusable) when it does not fit `T`.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, HttpError> {
        serde_json::from_slice(&self.body).map_err(|error| HttpError::InvalidBody(error.to_string()))
    }

    /// The body as UTF-8 text (invalid sequences replaced).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

fn find_header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
}

/// Sends `request` and reads the whole response (blocking).
pub fn send(request: &Request) -> Result<Response, HttpError> {
    let target = parse_url(&request.url)?;
    #[cfg(target_arch = "wasm32")]
    {
        wasi::send(request, &target)
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        let _ = target;
        crate::testing::http(request)
    }
}

/// `GET url` with `headers`.
pub fn get(url: &str, headers: &[(&str, &str)]) -> Result<Response, HttpError> {
    send(&Request::get(url).headers(headers))
}

/// `POST url` with `headers` and `body` as JSON.
pub fn post_json<T: serde::Serialize + ?Sized>(
    url: &str,
    headers: &[(&str, &str)],
    body: &T,
) -> Result<Response, HttpError> {
    send(&Request::post(url).headers(headers).json(body)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_requests() {
        let request = Request::get("https://a.example/x").headers(&[("Accept", "application/json")]);
        assert_eq!(request.header_value("accept"), Some("application/json"));
        assert_eq!(request.timeout, DEFAULT_TIMEOUT);
        let request = Request::post("https://a.example/x").json(&serde_json::json!({"a": 1})).unwrap();
        assert_eq!(request.body, br#"{"a":1}"#);
        assert_eq!(request.header_value("Content-Type"), Some("application/json"));
        assert_eq!(request.method.as_str(), "POST");
    }

    #[test]
    fn reads_responses() {
        let response = Response {
            status: 200,
            headers: vec![("content-type".to_owned(), "application/json".to_owned())],
            body: br#"{"nom": "Lyon"}"#.to_vec(),
        };
        assert_eq!(response.header("Content-Type"), Some("application/json"));
        assert_eq!(response.json::<serde_json::Value>().unwrap()["nom"], "Lyon");
        assert!(matches!(response.json::<Vec<u8>>(), Err(HttpError::InvalidBody(_))));
        assert_eq!(response.text(), r#"{"nom": "Lyon"}"#);
        let failed = Response { status: 503, headers: vec![], body: vec![] };
        assert_eq!(failed.error_for_status(), Err(HttpError::Status(503)));
    }

    #[test]
    #[cfg(not(target_arch = "wasm32"))]
    fn natively_nothing_leaves_the_process() {
        assert_eq!(get("https://a.example/", &[]), Err(HttpError::Unsupported));
        assert!(matches!(get("ftp://a.example/", &[]), Err(HttpError::InvalidRequest(_))));
        crate::testing::on_http(|request| {
            Ok(Response { status: 201, headers: vec![], body: request.url.clone().into_bytes() })
        });
        assert_eq!(
            post_json("https://a.example/p", &[], &1).map(|r| (r.status, r.body)),
            Ok((201, b"https://a.example/p".to_vec()))
        );
        crate::testing::reset();
        assert_eq!(get("https://a.example/", &[]), Err(HttpError::Unsupported));
    }
}
