//! A reverse proxy in front of a test server that answers 500 to chosen
//! requests while it is « broken »: what a browser meets when the server
//! fails for a while (a deploy, a database failover), with the real
//! server behind it for everything else. The server's public URL must be
//! the proxy's (`Panne::reserver` gives it before the server starts), so
//! that its pages, cookies and CSRF origin check are the browser's.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// Which requests fail while broken: method and path.
pub type Cible = fn(&Method, &str) -> bool;

struct Etat {
    vers: SocketAddr,
    cible: Cible,
    en_panne: AtomicBool,
    refusees: AtomicU64,
    http: reqwest::Client,
}

pub struct Panne {
    pub url: String,
    etat: Arc<Etat>,
    task: tokio::task::JoinHandle<()>,
}

/// Request bodies the proxy forwards (forms; no large upload goes through).
const BODY_MAX: usize = 16 * 1024 * 1024;

impl Panne {
    /// A port for the proxy, bound now so the server can be told its URL.
    pub fn reserver() -> (TcpListener, String) {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        (listener, url)
    }

    /// Serves on `listener`, forwarding to the server at `vers`.
    pub async fn demarrer(listener: TcpListener, url: String, vers: SocketAddr, cible: Cible) -> Panne {
        listener.set_nonblocking(true).expect("non-blocking");
        let listener = tokio::net::TcpListener::from_std(listener).expect("tokio listener");
        let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
        let etat = Arc::new(Etat { vers, cible, en_panne: AtomicBool::new(false), refusees: AtomicU64::new(0), http });
        let app = axum::Router::new().fallback(relayer).with_state(etat.clone());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Panne { url, etat, task }
    }

    /// From now on, the chosen requests answer 500 (`true`) or go through.
    pub fn casser(&self, en_panne: bool) {
        self.etat.en_panne.store(en_panne, Ordering::SeqCst);
    }

    /// How many requests were answered 500 so far.
    pub fn refusees(&self) -> u64 {
        self.etat.refusees.load(Ordering::SeqCst)
    }
}

impl Drop for Panne {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn relayer(State(etat): State<Arc<Etat>>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let chemin = parts.uri.path().to_owned();
    if etat.en_panne.load(Ordering::SeqCst) && (etat.cible)(&parts.method, &chemin) {
        etat.refusees.fetch_add(1, Ordering::SeqCst);
        return (StatusCode::INTERNAL_SERVER_ERROR, "panne simulée").into_response();
    }
    let Ok(bytes) = axum::body::to_bytes(body, BODY_MAX).await else {
        return StatusCode::PAYLOAD_TOO_LARGE.into_response();
    };
    let query = parts.uri.query().map(|q| format!("?{q}")).unwrap_or_default();
    let mut headers = HeaderMap::new();
    for (name, value) in &parts.headers {
        if name != header::HOST && name != header::CONTENT_LENGTH && name != header::CONNECTION {
            headers.append(name.clone(), value.clone());
        }
    }
    let sent = etat
        .http
        .request(parts.method, format!("http://{}{chemin}{query}", etat.vers))
        .headers(headers)
        .body(bytes)
        .send()
        .await;
    let Ok(answer) = sent else {
        return StatusCode::BAD_GATEWAY.into_response();
    };
    let status = answer.status();
    let mut out_headers = HeaderMap::new();
    for (name, value) in answer.headers() {
        if name != header::CONTENT_LENGTH && name != header::TRANSFER_ENCODING && name != header::CONNECTION {
            out_headers.append(name.clone(), value.clone());
        }
    }
    let body = answer.bytes().await.unwrap_or_default();
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    *response.headers_mut() = out_headers;
    response
}
