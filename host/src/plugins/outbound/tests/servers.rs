//! Servers on 127.0.0.1 for the tests: a recording hyper server and a raw one that answers
//! fixed bytes (oversized or stalled responses hyper would never produce).

use std::convert::Infallible;
use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, Method, Request, Response};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;

#[derive(Clone, Debug)]
pub struct Recorded {
    pub method: Method,
    /// Path and query as received.
    pub path: String,
    pub headers: HeaderMap,
    pub body: Bytes,
}

pub struct TestServer {
    address: SocketAddr,
    scheme: &'static str,
    requests: Arc<Mutex<Vec<Recorded>>>,
}

impl TestServer {
    pub async fn start<F>(handler: F) -> TestServer
    where
        F: Fn(&Recorded) -> Response<Bytes> + Send + Sync + 'static,
    {
        TestServer::start_with_self(move |request, _| handler(request)).await
    }

    /// The handler also gets the server's own origin (for absolute self-redirects).
    pub async fn start_with_self<F>(handler: F) -> TestServer
    where
        F: Fn(&Recorded, &str) -> Response<Bytes> + Send + Sync + 'static,
    {
        TestServer::start_inner(handler, None).await
    }

    /// Serves https with the test PKI's `localhost` / 127.0.0.1 certificate.
    pub async fn start_tls<F>(handler: F) -> TestServer
    where
        F: Fn(&Recorded) -> Response<Bytes> + Send + Sync + 'static,
    {
        TestServer::start_inner(move |request, _| handler(request), Some(super::tls::acceptor())).await
    }

    async fn start_inner<F>(handler: F, tls: Option<TlsAcceptor>) -> TestServer
    where
        F: Fn(&Recorded, &str) -> Response<Bytes> + Send + Sync + 'static,
    {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let handler = Arc::new(handler);
        let recorded = requests.clone();
        let scheme = if tls.is_some() { "https" } else { "http" };
        let me = format!("{scheme}://{address}");
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else { return };
                let tls = tls.clone();
                let handler = handler.clone();
                let recorded = recorded.clone();
                let me = me.clone();
                let service = service_fn(move |request: Request<Incoming>| {
                    let handler = handler.clone();
                    let recorded = recorded.clone();
                    let me = me.clone();
                    async move {
                        let (parts, body) = request.into_parts();
                        let body = body.collect().await.map(|c| c.to_bytes()).unwrap_or_default();
                        let request = Recorded {
                            method: parts.method,
                            path: parts.uri.path_and_query().map(ToString::to_string).unwrap_or_default(),
                            headers: parts.headers,
                            body,
                        };
                        let response = handler(&request, &me);
                        recorded.lock().unwrap().push(request);
                        Ok::<_, Infallible>(response.map(Full::new))
                    }
                });
                tokio::spawn(async move {
                    let http = hyper::server::conn::http1::Builder::new();
                    match tls {
                        None => {
                            let _ = http.serve_connection(TokioIo::new(stream), service).await;
                        }
                        Some(tls) => {
                            if let Ok(stream) = tls.accept(stream).await {
                                let _ = http.serve_connection(TokioIo::new(stream), service).await;
                            }
                        }
                    }
                });
            }
        });
        TestServer { address, scheme, requests }
    }

    pub fn origin(&self) -> String {
        format!("{}://{}", self.scheme, self.address)
    }

    pub fn authority(&self) -> String {
        self.address.to_string()
    }

    pub fn port(&self) -> u16 {
        self.address.port()
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().unwrap().clone()
    }
}

/// Reads a request head, writes `response` verbatim, then keeps the connection open (a
/// stalled peer) until the test ends.
pub struct RawServer {
    address: SocketAddr,
}

impl RawServer {
    pub async fn start(response: &'static [u8]) -> RawServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else { return };
                tokio::spawn(async move {
                    let mut head = Vec::new();
                    let mut buffer = [0u8; 1024];
                    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                        match read_some(&stream, &mut buffer).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => head.extend_from_slice(&buffer[..n]),
                        }
                    }
                    let _ = write_all(&stream, response).await;
                    tokio::time::sleep(Duration::from_secs(30)).await;
                });
            }
        });
        RawServer { address }
    }

    pub fn origin(&self) -> String {
        format!("http://{}", self.address)
    }
}

// Readiness-based I/O, so the tests need no tokio feature beyond `net`.
async fn read_some(stream: &TcpStream, buffer: &mut [u8]) -> io::Result<usize> {
    loop {
        stream.readable().await?;
        match stream.try_read(buffer) {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
            result => return result,
        }
    }
}

async fn write_all(stream: &TcpStream, mut data: &[u8]) -> io::Result<()> {
    while !data.is_empty() {
        stream.writable().await?;
        match stream.try_write(data) {
            Ok(n) => data = &data[n..],
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// A port on 127.0.0.1 nobody listens on (bound, then released).
pub async fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    listener.local_addr().unwrap().port()
}

#[derive(Clone, Default)]
pub struct Logs(Arc<Mutex<Vec<u8>>>);

impl Logs {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

impl io::Write for Logs {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(data);
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Captures this thread's `tracing` events (the tests run on a current-thread runtime).
pub fn capture_logs() -> (Logs, tracing::subscriber::DefaultGuard) {
    let logs = Logs::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_ansi(false)
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .finish();
    (logs, tracing::subscriber::set_default(subscriber))
}
