//! A real guichet server for one test: bound to a free loopback port, on
//! SQLite in a temporary folder or on a throwaway PostgreSQL database, with
//! e-mails delivered over SMTP to a real sink, and a browser-like client
//! (cookies, CSRF token) to drive it through HTTP.

use crate::postgres::TestDatabase;
use crate::smtp::SmtpSink;
use guichet::config::Config;
use guichet::workflow::comptes::{Roles, creer_compte_operateur};
use std::path::PathBuf;
use std::time::Duration;

/// Where the built first-party plugins are (scripts/test.sh builds them).
pub fn plugins_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("plugins/dist")
}

/// A misbehaving test plugin built into `plugins/dist-fixtures/<id>`.
pub fn fixture_dir(id: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("plugins/dist-fixtures").join(id)
}

/// Compiled plugins shared by the test binaries of one machine: the
/// interpreted examples take seconds to compile. wasmtime keys the cache by
/// content and engine settings, so sharing it is safe.
pub fn plugin_compile_cache() -> PathBuf {
    std::env::var_os("GUICHET_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("guichet"))
        .join("test-plugin-cache")
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub struct TestApp {
    pub server: guichet::Running,
    pub smtp: SmtpSink,
    pub backend: Backend,
    _db: Option<TestDatabase>,
    _dir: tempfile::TempDir,
}

/// A password every test compte can use (long enough, hard enough).
pub const PASSWORD: &str = "marmotte-cadran-velours-77";

impl TestApp {
    pub async fn sqlite() -> TestApp {
        Self::start(Backend::Sqlite).await.expect("SQLite test app")
    }

    /// `None` when GUICHET_TEST_POSTGRES_URL is not set.
    pub async fn postgres() -> Option<TestApp> {
        Self::start(Backend::Postgres).await
    }

    pub async fn start(backend: Backend) -> Option<TestApp> {
        Self::start_with(backend, |_| {}).await
    }

    pub async fn start_with(backend: Backend, tweak: impl FnOnce(&mut Config)) -> Option<TestApp> {
        let dir = tempfile::tempdir().expect("temp dir");
        let smtp = SmtpSink::start().await;
        let mut config = Config::local(dir.path());
        let db = match backend {
            Backend::Sqlite => None,
            Backend::Postgres => {
                let db = TestDatabase::create().await?;
                config.database_url = db.url.clone();
                Some(db)
            }
        };
        config.smtp_url = Some(format!("smtp://127.0.0.1:{}", smtp.port()));
        config.plugins_dirs = vec![plugins_dir()];
        config.plugin_cache_dir = plugin_compile_cache();
        config.static_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("static");
        config.secret_key = b"test-secret-key-not-for-production".to_vec();
        // Bind first so links in e-mails carry the real port.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("free port");
        let addr = listener.local_addr().expect("addr");
        drop(listener);
        config.base_url = url::Url::parse(&format!("http://{addr}")).expect("base url");
        tweak(&mut config);
        let state = guichet::build_state(config).await.expect("server state");
        let server = guichet::start(state, addr).await.expect("server start");
        Some(TestApp { server, smtp, backend, _db: db, _dir: dir })
    }

    /// A SQLite test server that also runs these fixture plugins.
    pub async fn with_fixtures(ids: &[&str]) -> TestApp {
        let app = Self::sqlite().await;
        for id in ids {
            app.server
                .state
                .plugins
                .load_plugin(&fixture_dir(id))
                .await
                .unwrap_or_else(|e| panic!("fixture {id} must be built by scripts/build-plugins.sh: {e}"));
        }
        app
    }

    pub fn url(&self, path: &str) -> String {
        self.server.url(path)
    }

    /// A new browser: its own cookies, no session.
    pub fn client(&self) -> Client {
        Client::new(&self.server.url(""))
    }

    /// A new browser connecting from another loopback address
    /// (`127.0.0.2`…): the server sees another client IP.
    pub fn client_from(&self, ip: &str) -> Client {
        Client::with_local_address(&self.server.url(""), Some(ip.parse().expect("an IP address")))
    }

    /// A confirmed compte with roles, created the operator's way.
    pub async fn compte(&self, email: &str, roles: Roles) {
        creer_compte_operateur(&self.server.state, email, PASSWORD, roles).await.expect("operator compte");
    }

    /// A signed-in client for a new confirmed compte with these roles.
    pub async fn signed_in(&self, email: &str, roles: Roles) -> Client {
        self.compte(email, roles).await;
        let client = self.client();
        client.login(email, PASSWORD).await;
        client
    }

    /// The first e-mail to `to` whose subject contains `subject`.
    pub async fn mail(&self, to: &str, subject: &str) -> crate::smtp::ReceivedMail {
        let deadline = std::time::Instant::now() + Duration::from_secs(15);
        loop {
            let found = self.smtp.messages_to(to).unwrap_or_default().into_iter().find(|m| m.subject.contains(subject));
            if let Some(m) = found {
                return m;
            }
            if std::time::Instant::now() > deadline {
                let seen: Vec<String> = self
                    .smtp
                    .messages()
                    .unwrap_or_default()
                    .iter()
                    .map(|m| format!("{} → {}", m.subject, m.to))
                    .collect();
                panic!("no e-mail to {to} about {subject:?} within 15 s; received: {seen:#?}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// A count the test reads straight from the database (rows a sweep
    /// must have deleted, rows an API call must not have kept).
    pub async fn compter(&self, sql: &'static str) -> i64 {
        let mut tx = self.server.state.store.read().await.expect("read");
        let n = match tx.conn() {
            guichet::store::Conn::Sqlite(c) => sqlx::query_scalar(sql).fetch_one(&mut *c).await,
            guichet::store::Conn::Postgres(c) => sqlx::query_scalar(sql).fetch_one(&mut *c).await,
        }
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
        tx.commit().await.expect("commit");
        n
    }

    pub async fn stop(self) {
        self.server.stop().await;
    }
}

/// A page as a test sees it.
#[derive(Debug)]
pub struct Page {
    pub status: u16,
    /// The final URL after redirects.
    pub url: String,
    /// The HTML with character entities decoded, for readable assertions.
    pub body: String,
    pub raw: String,
    pub headers: reqwest::header::HeaderMap,
}

impl Page {
    pub fn assert_status(&self, status: u16) -> &Self {
        assert_eq!(self.status, status, "unexpected status for {}; body:\n{}", self.url, self.body);
        self
    }

    pub fn assert_contains(&self, text: &str) -> &Self {
        assert!(self.body.contains(text), "{} does not contain {text:?}; body:\n{}", self.url, self.body);
        self
    }

    pub fn assert_lacks(&self, text: &str) -> &Self {
        assert!(!self.body.contains(text), "{} should not contain {text:?}", self.url);
        self
    }

    /// The path of the final URL (`/dossiers/3`).
    pub fn path(&self) -> String {
        url::Url::parse(&self.url).map(|u| u.path().to_string()).unwrap_or_default()
    }

    /// The number in a path like `/dossiers/12/brouillon`.
    pub fn id_after(&self, prefix: &str) -> i64 {
        let path = self.path();
        let rest = path.strip_prefix(prefix).unwrap_or_else(|| panic!("{path} does not start with {prefix}"));
        rest.split('/').next().and_then(|n| n.parse().ok()).unwrap_or_else(|| panic!("no id in {path}"))
    }
}

/// A browser-like HTTP client: keeps cookies, follows redirects, and sends
/// the CSRF token it last saw in a page.
pub struct Client {
    pub http: reqwest::Client,
    base: String,
    csrf: std::sync::Mutex<Option<String>>,
}

impl Client {
    pub fn new(base: &str) -> Client {
        Self::with_local_address(base, None)
    }

    pub fn with_local_address(base: &str, local: Option<std::net::IpAddr>) -> Client {
        let http = reqwest::Client::builder()
            .cookie_store(true)
            .timeout(Duration::from_secs(30))
            .local_address(local)
            .build()
            .expect("http client");
        Client { http, base: base.trim_end_matches('/').to_string(), csrf: std::sync::Mutex::new(None) }
    }

    fn absolute(&self, path: &str) -> String {
        if path.starts_with("http") { path.to_string() } else { format!("{}{}", self.base, path) }
    }

    async fn page(&self, response: reqwest::Response) -> Page {
        let status = response.status().as_u16();
        let url = response.url().to_string();
        let headers = response.headers().clone();
        let raw = response.text().await.unwrap_or_default();
        if let Some(token) = csrf_in(&raw) {
            *self.csrf.lock().expect("csrf lock") = Some(token);
        }
        Page { status, url, body: decode_entities(&raw), raw, headers }
    }

    pub async fn get(&self, path: &str) -> Page {
        let response = self.http.get(self.absolute(path)).send().await.expect("GET");
        self.page(response).await
    }

    /// A download: status, headers and the body as bytes (PDFs).
    pub async fn bytes(&self, path: &str) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
        let response = self.http.get(self.absolute(path)).send().await.expect("GET");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        (status, headers, response.bytes().await.map(|b| b.to_vec()).unwrap_or_default())
    }

    /// Posts a form with the CSRF token (fetching the sign-in page, which
    /// always holds a form, first if none is known).
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        let token = self.csrf.lock().expect("csrf lock").clone();
        let token = match token {
            Some(t) => t,
            None => {
                self.get("/connexion").await;
                self.csrf.lock().expect("csrf lock").clone().expect("a CSRF token on the sign-in page")
            }
        };
        let mut form: Vec<(&str, &str)> = vec![("authenticity_token", token.as_str())];
        form.extend_from_slice(fields);
        let response = self.http.post(self.absolute(path)).form(&form).send().await.expect("POST");
        self.page(response).await
    }

    /// Posts a `multipart/form-data` form (files) to `action`, the form's
    /// own action URL, which carries the CSRF token.
    pub async fn post_multipart(&self, action: &str, form: reqwest::multipart::Form) -> Page {
        let response = self.http.post(self.absolute(action)).multipart(form).send().await.expect("POST multipart");
        self.page(response).await
    }

    /// Posts a form without any CSRF token.
    pub async fn post_without_csrf(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        let response = self.http.post(self.absolute(path)).form(fields).send().await.expect("POST");
        self.page(response).await
    }

    pub async fn login(&self, email: &str, password: &str) -> Page {
        self.get("/connexion").await;
        let page = self.post("/connexion", &[("email", email), ("password", password)]).await;
        assert_eq!(page.status, 200, "login of {email} failed: {}", page.body);
        assert!(page.body.contains("Se déconnecter"), "login of {email} failed: {}", page.body);
        page
    }
}

fn decode_entities(html: &str) -> String {
    html.replace("&#x27;", "'")
        .replace("&#39;", "'")
        .replace("&#x3D;", "=")
        .replace("&#x60;", "`")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

fn csrf_in(body: &str) -> Option<String> {
    let marker = "name=\"authenticity_token\" value=\"";
    let start = body.find(marker)? + marker.len();
    let end = body[start..].find('"')?;
    Some(body[start..start + end].to_string()).filter(|t| !t.is_empty())
}
