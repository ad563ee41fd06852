//! Test doubles of the host's services, for a plugin's native unit tests
//! (`cargo test --lib`). Not compiled for WebAssembly.
//!
//! Each test runs on its own thread and every double is per thread, so tests
//! do not see each other's settings. [`reset`] empties them all.
//!
//! ```
//! use guichet_plugin_sdk::{config, http, secrets, testing};
//!
//! testing::set_config("recipient", "13002526500013");
//! testing::set_secret("api-entreprise");
//! testing::on_http(|request| {
//!     assert_eq!(request.header_value("Accept"), Some("application/json"));
//!     Ok(http::Response { status: 200, headers: vec![], body: br#"{"ok": true}"#.to_vec() })
//! });
//! assert_eq!(config::get("recipient").as_deref(), Some("13002526500013"));
//! assert!(secrets::has("api-entreprise"));
//! let response = http::get("https://entreprise.api.gouv.fr/v3/x", &[("Accept", "application/json")]);
//! assert_eq!(response.map(|r| r.status), Ok(200));
//! ```

use crate::PluginError;
use crate::document::Document;
use crate::http::{HttpError, Request, Response};
use std::cell::RefCell;
use std::collections::{HashMap, HashSet};

type HttpResponder = Box<dyn Fn(&Request) -> Result<Response, HttpError>>;
type PdfRenderer = Box<dyn Fn(&Document) -> Result<Vec<u8>, PluginError>>;

#[derive(Default)]
struct Host {
    config: HashMap<String, String>,
    secrets: HashSet<String>,
    cache: HashMap<String, Vec<u8>>,
    http: Option<HttpResponder>,
    renderer: Option<PdfRenderer>,
}

thread_local! {
    static HOST: RefCell<Host> = RefCell::new(Host::default());
}

/// Sets what [`config::get`](crate::config::get) answers for `key`.
pub fn set_config(key: &str, value: &str) {
    HOST.with_borrow_mut(|host| host.config.insert(key.to_owned(), value.to_owned()));
}

/// Makes [`secrets::has`](crate::secrets::has) answer `true` for `name`.
pub fn set_secret(name: &str) {
    HOST.with_borrow_mut(|host| host.secrets.insert(name.to_owned()));
}

/// Answers every [`http::send`](crate::http::send) with `responder`. Keep
/// request building and response parsing in pure functions tested on their
/// own; this is for the few tests of the whole flow.
pub fn on_http(responder: impl Fn(&Request) -> Result<Response, HttpError> + 'static) {
    HOST.with_borrow_mut(|host| host.http = Some(Box::new(responder)));
}

/// Renders every [`document::render_pdf`](crate::document::render_pdf) with
/// `renderer` (for example one returning the title's bytes).
pub fn on_render_pdf(renderer: impl Fn(&Document) -> Result<Vec<u8>, PluginError> + 'static) {
    HOST.with_borrow_mut(|host| host.renderer = Some(Box::new(renderer)));
}

/// Forgets every config value, secret, cache entry, responder and renderer
/// of this thread.
pub fn reset() {
    HOST.with_borrow_mut(|host| *host = Host::default());
}

pub(crate) fn config(key: &str) -> Option<String> {
    HOST.with_borrow(|host| host.config.get(key).cloned())
}

pub(crate) fn has_secret(name: &str) -> bool {
    HOST.with_borrow(|host| host.secrets.contains(name))
}

pub(crate) fn cache_get(key: &str) -> Option<Vec<u8>> {
    HOST.with_borrow(|host| host.cache.get(key).cloned())
}

pub(crate) fn cache_set(key: &str, value: &[u8], _ttl_seconds: u32) -> bool {
    HOST.with_borrow_mut(|host| host.cache.insert(key.to_owned(), value.to_vec()));
    true
}

// The responder and renderer are called outside the borrow so that they may
// themselves use the doubles (read config, fill the cache).
pub(crate) fn http(request: &Request) -> Result<Response, HttpError> {
    let responder = HOST.with_borrow_mut(|host| host.http.take());
    let Some(responder) = responder else {
        return Err(HttpError::Unsupported);
    };
    let response = responder(request);
    HOST.with_borrow_mut(|host| {
        host.http.get_or_insert(responder);
    });
    response
}

pub(crate) fn render_pdf(document: &Document) -> Result<Vec<u8>, PluginError> {
    let renderer = HOST.with_borrow_mut(|host| host.renderer.take());
    let Some(renderer) = renderer else {
        return Err(PluginError::internal("no document renderer outside the host (see testing::on_render_pdf)"));
    };
    let pdf = renderer(document);
    HOST.with_borrow_mut(|host| {
        host.renderer.get_or_insert(renderer);
    });
    pdf
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_are_per_thread_and_reset() {
        set_config("a", "1");
        set_secret("s");
        assert_eq!(crate::config::get("a").as_deref(), Some("1"));
        assert_eq!(crate::config::get("b"), None);
        assert!(crate::secrets::has("s"));
        assert!(crate::secrets::require("s").is_ok());
        assert!(matches!(crate::secrets::require("t"), Err(PluginError::Misconfigured(_))));
        std::thread::spawn(|| assert_eq!(crate::config::get("a"), None)).join().unwrap();
        reset();
        assert_eq!(crate::config::get("a"), None);
        assert!(!crate::secrets::has("s"));
    }

    #[test]
    fn renderer_can_be_installed() {
        on_render_pdf(|document| Ok(document.title.clone().into_bytes()));
        assert_eq!(crate::document::render_pdf(&Document::new("T")), Ok(b"T".to_vec()));
        assert_eq!(crate::document::render_pdf(&Document::new("U")), Ok(b"U".to_vec()));
    }
}
