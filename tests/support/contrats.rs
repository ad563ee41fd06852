//! Local stand-ins for the public APIs that plugins call, speaking their real,
//! documented contracts: the tests cannot reach the Internet, and a plugin
//! tested against a made-up shape would break on the real service.
//!
//! | module             | real service                                              |
//! |--------------------|-----------------------------------------------------------|
//! | [`api_entreprise`] | API Entreprise v3, INSEE Sirene établissements and unités légales |
//! | [`ban`]            | Base Adresse Nationale geocoder (`/search/`, Géoplateforme `/geocodage/search`) |
//! | [`api_carto`]      | API Carto, cadastre module (`/api/cadastre/parcelle`)     |
//! | [`rdv_service_public`] | RDV Service Public agent API (`/api/v1/rdv_plans`, `/api/v1/rdvs`) |
//!
//! Every server is a real HTTP server (axum) on `127.0.0.1`, on a port chosen
//! by the OS, running in a task of the test's tokio runtime and stopped when
//! dropped. Each one offers the same controls:
//!
//! - `base_url()`: what to configure in place of the real service's origin,
//!   without a trailing slash (`http://127.0.0.1:PORT`);
//! - canned data, replaceable per test (see each module);
//! - outages ([`Outage`]): answer 503, answer 429 with `Retry-After`, or hold
//!   requests for a while, for every request or only for the next few;
//! - a log of the requests received ([`ReceivedRequest`]), outages included,
//!   so that a test can assert what a plugin really sent.
//!
//! ```ignore
//! let insee = ApiEntreprise::start().await;
//! insee.set_outage_for(Outage::Unavailable, 1); // the first call fails, the retry succeeds
//! // configure the plugin with insee.base_url() and api_entreprise::TOKEN, run it...
//! let calls = insee.wait_for_requests(2, Duration::from_secs(5)).await?;
//! assert_eq!(calls[1].param("recipient"), Some("13002526500013"));
//! ```

pub mod api_carto;
pub mod api_entreprise;
pub mod ban;
pub mod rdv_service_public;

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};

/// How often a held request and the shutdown watcher look at the stop flag.
const POLL: Duration = Duration::from_millis(20);

/// A failure the server simulates instead of answering by its contract.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outage {
    /// `503 Service Unavailable`, with the service's own error body.
    Unavailable,
    /// `429 Too Many Requests` with `Retry-After: <retry_after>` (seconds) and
    /// the service's own error body.
    RateLimited { retry_after: u64 },
    /// Holds each request this long, then answers it normally: a client with
    /// a shorter timeout sees a timeout. Dropping the server releases held
    /// requests at once.
    Hang(Duration),
}

/// One request as the server received it (outages included).
#[derive(Clone, Debug)]
pub struct ReceivedRequest {
    /// `GET`, `POST`...
    pub method: String,
    /// The path as sent, still percent-encoded (`/v3/insee/sirene/etablissements/13002526500013`).
    pub path: String,
    /// The raw query string, without `?` (empty when there is none).
    pub query: String,
    /// The query string decoded (`application/x-www-form-urlencoded`), in order.
    pub params: Vec<(String, String)>,
    /// Every header received, names in lower case, values decoded lossily.
    pub headers: Vec<(String, String)>,
    /// When the request arrived, to check a client's back-off.
    pub received_at: std::time::Instant,
}

impl ReceivedRequest {
    /// The first value of a query parameter.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// The first value of a header (case-insensitive name).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// Outage switch, request log and stop flag, shared by a server and its
/// middleware.
#[derive(Default)]
pub(crate) struct Controls {
    outage: Mutex<OutageState>,
    requests: Mutex<Vec<ReceivedRequest>>,
    stopped: AtomicBool,
}

#[derive(Default)]
struct OutageState {
    outage: Option<Outage>,
    /// `Some(n)`: the outage applies to the next `n` requests only.
    remaining: Option<u32>,
}

impl Controls {
    /// The outage that applies to the request arriving now, if any (and
    /// counts it against a limited outage).
    fn take_outage(&self) -> Option<Outage> {
        let mut state = lock(&self.outage);
        let outage = state.outage.clone()?;
        if let Some(remaining) = state.remaining.as_mut() {
            *remaining = remaining.saturating_sub(1);
            if *remaining == 0 {
                *state = OutageState::default();
            }
        }
        Some(outage)
    }

    fn stopped(&self) -> bool {
        self.stopped.load(Ordering::SeqCst)
    }
}

/// Locks a mutex, going on after a panic in another test thread: the data
/// (a log, canned answers) stays usable.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Builds the error answer of one service for [`Outage::Unavailable`] and
/// [`Outage::RateLimited`].
pub(crate) type OutageAnswer = fn(&Outage) -> Response;

/// The HTTP server behind each API module: binds, serves, records, simulates
/// outages, and stops on drop.
pub(crate) struct Server {
    addr: SocketAddr,
    controls: Arc<Controls>,
}

impl Server {
    /// Binds 127.0.0.1:0, builds the service's routes for its base URL, and
    /// serves them in a task of the current tokio runtime.
    pub(crate) async fn start(what: &str, routes: impl FnOnce(&str) -> Router, outage_answer: OutageAnswer) -> Server {
        let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .await
            .unwrap_or_else(|e| panic!("{what}: cannot bind a port on 127.0.0.1: {e}"));
        let addr = listener.local_addr().unwrap_or_else(|e| panic!("{what}: cannot read the bound address: {e}"));
        let controls = Arc::new(Controls::default());
        let app = routes(&format!("http://{addr}"))
            .layer(middleware::from_fn_with_state((Arc::clone(&controls), outage_answer), intercept));
        let watcher = Arc::clone(&controls);
        let name = what.to_owned();
        tokio::spawn(async move {
            let shutdown = async move {
                while !watcher.stopped() {
                    tokio::time::sleep(POLL).await;
                }
            };
            if let Err(e) = axum::serve(listener, app).with_graceful_shutdown(shutdown).await {
                eprintln!("{name} stand-in on {addr} stopped: {e}");
            }
        });
        Server { addr, controls }
    }

    pub(crate) fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub(crate) fn set_outage(&self, outage: Outage) {
        *lock(&self.controls.outage) = OutageState { outage: Some(outage), remaining: None };
    }

    pub(crate) fn set_outage_for(&self, outage: Outage, requests: u32) {
        *lock(&self.controls.outage) = if requests == 0 {
            OutageState::default()
        } else {
            OutageState { outage: Some(outage), remaining: Some(requests) }
        };
    }

    pub(crate) fn clear_outage(&self) {
        *lock(&self.controls.outage) = OutageState::default();
    }

    pub(crate) fn requests(&self) -> Vec<ReceivedRequest> {
        lock(&self.controls.requests).clone()
    }

    pub(crate) fn clear_requests(&self) {
        lock(&self.controls.requests).clear();
    }

    pub(crate) async fn wait_for_requests(
        &self,
        count: usize,
        timeout: Duration,
    ) -> Result<Vec<ReceivedRequest>, String> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let requests = self.requests();
            if requests.len() >= count {
                return Ok(requests);
            }
            if tokio::time::Instant::now() >= deadline {
                let seen: Vec<String> =
                    requests.iter().map(|r| format!("{} {}?{}", r.method, r.path, r.query)).collect();
                return Err(format!(
                    "expected {count} request(s) on {} within {timeout:?}, got {}: {seen:?}",
                    self.base_url(),
                    requests.len()
                ));
            }
            tokio::time::sleep(POLL).await;
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // Ends the accept loop (graceful shutdown) and releases held requests;
        // no await here, so dropping outside the runtime is fine too.
        self.controls.stopped.store(true, Ordering::SeqCst);
    }
}

/// Records the request, then applies the current outage, if any.
async fn intercept(
    State((controls, outage_answer)): State<(Arc<Controls>, OutageAnswer)>,
    request: Request,
    next: Next,
) -> Response {
    let uri = request.uri();
    let query = uri.query().unwrap_or_default().to_owned();
    let received = ReceivedRequest {
        method: request.method().to_string(),
        path: uri.path().to_owned(),
        params: url::form_urlencoded::parse(query.as_bytes()).into_owned().collect(),
        query,
        headers: request
            .headers()
            .iter()
            .map(|(name, value)| (name.as_str().to_owned(), String::from_utf8_lossy(value.as_bytes()).into_owned()))
            .collect(),
        received_at: std::time::Instant::now(),
    };
    lock(&controls.requests).push(received);

    match controls.take_outage() {
        None => next.run(request).await,
        Some(Outage::Hang(duration)) => {
            let deadline = tokio::time::Instant::now() + duration;
            while !controls.stopped() {
                let now = tokio::time::Instant::now();
                if now >= deadline {
                    break;
                }
                tokio::time::sleep(POLL.min(deadline - now)).await;
            }
            next.run(request).await
        }
        Some(outage) => outage_answer(&outage),
    }
}

/// A JSON answer with the `Content-Type` the real services send
/// (`application/json; charset=utf-8`).
pub(crate) fn json(status: StatusCode, body: &serde_json::Value) -> Response {
    let mut response = (status, body.to_string()).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json; charset=utf-8"));
    response
}

/// Adds `Retry-After` to a 429 answer.
pub(crate) fn with_retry_after(mut response: Response, seconds: u64) -> Response {
    response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    response
}

/// Lower case without diacritics, every run of non-alphanumeric characters
/// turned into one space: how the fakes compare labels with queries.
pub(crate) fn normalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars().flat_map(char::to_lowercase) {
        let folded: &str = match c {
            'à' | 'â' | 'ä' | 'á' | 'ã' | 'å' => "a",
            'ç' => "c",
            'é' | 'è' | 'ê' | 'ë' => "e",
            'î' | 'ï' | 'í' | 'ì' => "i",
            'ô' | 'ö' | 'ó' | 'ò' | 'õ' => "o",
            'ù' | 'û' | 'ü' | 'ú' => "u",
            'ÿ' => "y",
            'œ' => "oe",
            'æ' => "ae",
            c if c.is_alphanumeric() => {
                out.push(c);
                continue;
            }
            _ => " ",
        };
        if folded == " " {
            if !out.is_empty() && !out.ends_with(' ') {
                out.push(' ');
            }
        } else {
            out.push_str(folded);
        }
    }
    out.trim_end().to_owned()
}

/// The public controls of one stand-in, delegated to its [`Server`] field
/// named `server`.
macro_rules! controls {
    ($type:ty) => {
        impl $type {
            /// Where the stand-in listens, to use in place of the real
            /// service's origin: `http://127.0.0.1:PORT`, no trailing slash.
            pub fn base_url(&self) -> String {
                self.server.base_url()
            }

            /// Applies an outage to every request from now on, until
            /// [`Self::clear_outage`].
            pub fn set_outage(&self, outage: $crate::contrats::Outage) {
                self.server.set_outage(outage)
            }

            /// Applies an outage to the next `requests` requests only, then
            /// answers normally again (to test a client's retries).
            pub fn set_outage_for(&self, outage: $crate::contrats::Outage, requests: u32) {
                self.server.set_outage_for(outage, requests)
            }

            /// Answers by the contract again.
            pub fn clear_outage(&self) {
                self.server.clear_outage()
            }

            /// The requests received so far, oldest first.
            pub fn requests(&self) -> Vec<$crate::contrats::ReceivedRequest> {
                self.server.requests()
            }

            /// Forgets the requests received so far.
            pub fn clear_requests(&self) {
                self.server.clear_requests()
            }

            /// Waits until at least `count` requests have arrived, and
            /// returns them all; an error naming what did arrive after
            /// `timeout`.
            pub async fn wait_for_requests(
                &self,
                count: usize,
                timeout: std::time::Duration,
            ) -> Result<Vec<$crate::contrats::ReceivedRequest>, String> {
                self.server.wait_for_requests(count, timeout).await
            }
        }
    };
}
pub(crate) use controls;
