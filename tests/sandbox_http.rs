//! A plugin's outbound HTTP, seen from the host: the `curieux` fixture GETs
//! whatever URL its options name, and is stopped with a clear error when it
//! aims at an origin its manifest does not ask for, one the operator did not
//! grant, a private address without the operator's opt-in, the cloud
//! metadata address (whatever the operator says), or an allowed origin that
//! redirects elsewhere. Secrets go to their origin only. Meanwhile siret
//! validations on the same host keep succeeding.
//!
//! Every server here is local, on 127.0.0.1; a server the plugin must not
//! reach counts its requests, so "refused" means "nothing was sent". The
//! names the fixture asks for are under `.example` (RFC 2606): they never
//! resolve, so nothing can leave the machine even if a refusal regressed.
//!
//! Needs `scripts/build-plugins.sh` (curieux in `plugins/dist-fixtures/`,
//! siret in `plugins/dist/`).

use std::net::{IpAddr, Ipv4Addr};
use std::sync::{Arc, Mutex, PoisonError};

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use guichet::plugins::outbound::{AddressClass, classify};
use guichet::plugins::{
    Enrichment, GuestError, OperatorConfig, PluginError, PluginHost, PluginLimits, PluginValidation,
};
use guichet_tests::app::{fixture_dir, plugin_compile_cache, plugins_dir};

/// A SIRET that siret accepts, and what it stores.
const SIRET: &str = "732 829 320 00074";
const SIRET_NORMALIZED: &str = "73282932000074";

/// siret validations run alongside each curieux call.
const SIRET_CALLS: usize = 8;

/// The origins curieux's manifest asks for.
const API: &str = "https://api.curieux.example";
const AUTRE: &str = "https://autre.curieux.example";
const METADATA: &str = "http://169.254.169.254";

/// The value of curieux's `jeton` secret in the tests that set it.
const JETON: &str = "jeton-de-test-4f1c";

/// What the SDK makes of the two `wasi:http` error codes the host answers
/// refusals with (`HttpError::Denied`, mapped to `Misconfigured`).
const DENIED: &str = "the host denied the HTTP request: ErrorCode::HttpRequestDenied";
const PROHIBITED: &str = "the host denied the HTTP request: ErrorCode::DestinationIpProhibited";

// ---------------------------------------------------------------------------
// Local servers
// ---------------------------------------------------------------------------

/// One request a local server received.
#[derive(Clone, Debug)]
struct Received {
    path: String,
    headers: Vec<(String, String)>,
}

impl Received {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

type Answer = Arc<dyn Fn(&str) -> Response + Send + Sync>;

#[derive(Clone)]
struct Shared {
    received: Arc<Mutex<Vec<Received>>>,
    answer: Answer,
}

/// An HTTP server on 127.0.0.1 (port chosen by the OS) that records every
/// request and answers by path; stopped when dropped.
struct LocalServer {
    port: u16,
    received: Arc<Mutex<Vec<Received>>>,
    task: tokio::task::JoinHandle<()>,
}

impl LocalServer {
    async fn start(answer: impl Fn(&str) -> Response + Send + Sync + 'static) -> LocalServer {
        let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await.expect("bind 127.0.0.1");
        let port = listener.local_addr().expect("local address").port();
        let shared = Shared { received: Arc::default(), answer: Arc::new(answer) };
        let received = shared.received.clone();
        let app = Router::new().fallback(record_and_answer).with_state(shared);
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        LocalServer { port, received, task }
    }

    /// `http://127.0.0.1:PORT`, what the operator relocates an origin to.
    fn origin(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    fn paths(&self) -> Vec<String> {
        self.received().into_iter().map(|r| r.path).collect()
    }
}

impl Drop for LocalServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn record_and_answer(State(shared): State<Shared>, request: Request) -> Response {
    let path = request.uri().path().to_owned();
    let headers = request
        .headers()
        .iter()
        .map(|(name, value)| (name.as_str().to_owned(), String::from_utf8_lossy(value.as_bytes()).into_owned()))
        .collect();
    shared.received.lock().unwrap_or_else(PoisonError::into_inner).push(Received { path: path.clone(), headers });
    (shared.answer)(&path)
}

fn text(body: &str) -> Response {
    (StatusCode::OK, body.to_owned()).into_response()
}

fn redirect(location: &str) -> Response {
    let mut response = StatusCode::FOUND.into_response();
    response.headers_mut().insert(header::LOCATION, HeaderValue::from_str(location).expect("Location"));
    response
}

/// A server every test must leave untouched.
async fn forbidden_server() -> LocalServer {
    LocalServer::start(|_| text("ce serveur ne devait recevoir aucune requête")).await
}

// ---------------------------------------------------------------------------
// Host, calls and assertions
// ---------------------------------------------------------------------------

/// A host with curieux and siret loaded, curieux granted what `operator`
/// (TOML) says.
async fn host_with(operator: &str) -> (Arc<PluginHost>, tempfile::TempDir) {
    let sources = [fixture_dir("curieux"), plugins_dir().join("siret")];
    let (host, dir) = guichet_tests::plugin_host::host_with(&sources, operator).await;
    (Arc::new(host), dir)
}

type Outcome = Result<Result<Option<Enrichment>, Vec<guichet::plugins::PluginFieldError>>, PluginError>;

/// curieux's enrich on `url`, while SIRET_CALLS siret validations run on the
/// same host in another task; every one of them must succeed.
async fn fetch(host: &Arc<PluginHost>, url: &str) -> Outcome {
    let siret = {
        let host = host.clone();
        tokio::spawn(async move {
            let mut answers = Vec::new();
            for _ in 0..SIRET_CALLS {
                answers.push(host.validate("siret", SIRET, "{}").await);
            }
            answers
        })
    };
    let options = serde_json::json!({ "url": url }).to_string();
    let outcome = host.enrich("curieux", "x", &options).await;
    for answer in siret.await.expect("siret task") {
        match answer {
            Ok(PluginValidation::Valid { normalized }) if normalized == SIRET_NORMALIZED => {}
            other => panic!("siret keeps answering while curieux fetches {url}, got {other:?}"),
        }
    }
    outcome
}

/// The request was refused with the SDK's mapping of `reason`, a
/// `misconfigured` error of curieux.
fn assert_refused(outcome: &Outcome, reason: &str, what: &str) {
    match outcome {
        Err(PluginError::Guest { plugin, error: GuestError::Misconfigured(got) }) => {
            assert_eq!(plugin, "curieux", "{what}");
            assert_eq!(got, reason, "{what}");
        }
        other => panic!("{what}: expected curieux to be refused ({reason}), got {other:?}"),
    }
    let message = outcome.as_ref().expect_err("refused").to_string();
    assert!(message.contains("curieux") && message.contains("misconfigured"), "{what}: {message}");
}

/// The donnees of a successful fetch: status, body, whether the secret is set.
fn donnees_of(outcome: Outcome, what: &str) -> serde_json::Value {
    match outcome {
        Ok(Ok(Some(enrichment))) => serde_json::from_str(&enrichment.donnees).expect("donnees are JSON"),
        other => panic!("{what}: expected an answer, got {other:?}"),
    }
}

/// The metadata address really is in the class the host refuses: checked
/// before any test asks for it, so that a regression in the classification
/// fails here instead of sending a packet there.
fn assert_metadata_is_refused_whatever_the_operator_says() {
    let metadata = IpAddr::V4(Ipv4Addr::new(169, 254, 169, 254));
    let class = classify(metadata);
    assert!(matches!(class, AddressClass::Refused(_)), "{metadata} must never be reachable: {class:?}");
    assert!(!class.is_allowed(true), "{metadata} stays refused with allow-private-addresses");
}

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_origin_the_manifest_does_not_ask_for_is_denied_without_any_connection() {
    let allowed = LocalServer::start(|_| text("bienvenue")).await;
    let forbidden = forbidden_server().await;
    let (host, _dir) = host_with(&format!(
        r#"
        [curieux]
        http = ["{API}"]
        allow-private-addresses = true
        relocate = {{ "{API}" = "{}" }}
        "#,
        allowed.origin()
    ))
    .await;

    // A name nobody granted: refused before DNS.
    let outcome = fetch(&host, "https://forbidden.example/donnees?siret=73282932000074").await;
    assert_refused(&outcome, DENIED, "https://forbidden.example");

    // A literal loopback address, though private addresses are allowed: not
    // an origin of the allow-list, so nothing is sent to it.
    let outcome = fetch(&host, &format!("{}/donnees", forbidden.origin())).await;
    assert_refused(&outcome, DENIED, "the forbidden server's own address");
    // Same host, another scheme or port: another origin.
    let outcome = fetch(&host, "http://api.curieux.example/donnees").await;
    assert_refused(&outcome, DENIED, "http:// instead of https://");
    let outcome = fetch(&host, "https://api.curieux.example:8443/donnees").await;
    assert_refused(&outcome, DENIED, "another port");
    assert_eq!(forbidden.paths(), Vec::<String>::new(), "the forbidden server received nothing");

    // The granted origin still answers, on the same host.
    let donnees = donnees_of(fetch(&host, &format!("{API}/donnees")).await, "the granted origin");
    assert_eq!(donnees["status"], 200);
    assert_eq!(donnees["body"], "bienvenue");
    assert_eq!(allowed.paths(), ["/donnees"]);

    // An operator granting an origin the manifest does not ask for is a
    // load error, not a silent extension of the allow-list.
    let host = PluginHost::with_options(PluginLimits::default(), 4, Some(&plugin_compile_cache())).expect("host");
    let operator = format!("[curieux]\nhttp = [\"{API}\", \"https://forbidden.example\"]\n");
    host.set_operator_config(OperatorConfig::parse(&operator, |_| None).expect("operator configuration"));
    let dir = tempfile::tempdir().expect("temp dir");
    guichet_tests::plugin_host::copy_plugin(&fixture_dir("curieux"), &dir.path().join("curieux"), "curieux");
    let err = host.load_dir(dir.path()).await.expect_err("a grant the plugin did not ask for is refused");
    match &err {
        PluginError::Load { plugin, reason } => {
            assert_eq!(plugin, "curieux");
            assert!(reason.contains("https://forbidden.example"), "the reason names the origin: {reason}");
        }
        other => panic!("expected a load error, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_origin_asked_for_but_not_granted_is_denied() {
    let allowed = LocalServer::start(|_| text("bienvenue")).await;
    let (host, _dir) = host_with(&format!(
        r#"
        [curieux]
        http = ["{API}"]
        allow-private-addresses = true
        relocate = {{ "{API}" = "{}" }}
        "#,
        allowed.origin()
    ))
    .await;

    // In the manifest, not in the operator's grant.
    let outcome = fetch(&host, &format!("{AUTRE}/donnees")).await;
    assert_refused(&outcome, DENIED, "an origin asked for, not granted");
    let outcome = fetch(&host, &format!("{METADATA}/latest/meta-data/")).await;
    assert_refused(&outcome, DENIED, "the metadata origin, asked for, not granted");
    assert_eq!(allowed.paths(), Vec::<String>::new(), "no request was rerouted to the granted origin");

    let donnees = donnees_of(fetch(&host, &format!("{API}/donnees")).await, "the granted origin");
    assert_eq!(donnees["body"], "bienvenue");

    // A plugin the operator granted nothing may call nothing.
    let (host, _dir) = host_with("").await;
    for url in [format!("{API}/donnees"), format!("{AUTRE}/donnees"), allowed.origin()] {
        let outcome = fetch(&host, &url).await;
        assert_refused(&outcome, DENIED, "nothing granted");
    }
    assert_eq!(allowed.paths(), ["/donnees"], "only the call made while granted reached the server");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_private_address_needs_the_operators_opt_in() {
    let local = LocalServer::start(|_| text("réseau interne")).await;

    // Granted and relocated to 127.0.0.1, without allow-private-addresses.
    let (host, _dir) = host_with(&format!(
        r#"
        [curieux]
        http = ["{API}"]
        relocate = {{ "{API}" = "{}" }}
        "#,
        local.origin()
    ))
    .await;
    let outcome = fetch(&host, &format!("{API}/interne")).await;
    assert_refused(&outcome, PROHIBITED, "loopback without allow-private-addresses");
    assert_eq!(local.paths(), Vec::<String>::new(), "the private server received nothing");

    // The same, explicitly false.
    let (host, _dir) = host_with(&format!(
        r#"
        [curieux]
        http = ["{API}"]
        allow-private-addresses = false
        relocate = {{ "{API}" = "{}" }}
        "#,
        local.origin()
    ))
    .await;
    let outcome = fetch(&host, &format!("{API}/interne")).await;
    assert_refused(&outcome, PROHIBITED, "loopback with allow-private-addresses = false");
    assert_eq!(local.paths(), Vec::<String>::new(), "the private server received nothing");

    // With the opt-in, the request goes through, to the path the plugin wrote.
    let (host, _dir) = host_with(&format!(
        r#"
        [curieux]
        http = ["{API}"]
        allow-private-addresses = true
        relocate = {{ "{API}" = "{}" }}
        "#,
        local.origin()
    ))
    .await;
    let donnees = donnees_of(fetch(&host, &format!("{API}/interne")).await, "loopback with allow-private-addresses");
    assert_eq!(donnees["status"], 200);
    assert_eq!(donnees["body"], "réseau interne");
    let received = local.received();
    assert_eq!(received.len(), 1, "{received:?}");
    assert_eq!(received[0].path, "/interne");
    assert_eq!(received[0].header("host"), Some(&*local.origin().replace("http://", "")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_metadata_address_is_refused_even_when_granted_and_private_addresses_allowed() {
    assert_metadata_is_refused_whatever_the_operator_says();

    // Granted by the operator, private addresses allowed: still refused, by
    // the address check that comes before any connection.
    let (host, _dir) = host_with(&format!(
        r#"
        [curieux]
        http = ["{METADATA}"]
        allow-private-addresses = true
        "#
    ))
    .await;
    let outcome = fetch(&host, &format!("{METADATA}/latest/meta-data/iam/security-credentials/")).await;
    assert_refused(&outcome, PROHIBITED, "the metadata address, granted");

    // A granted origin relocated onto the metadata address: the relocated
    // address is checked the same way.
    let (host, _dir) = host_with(&format!(
        r#"
        [curieux]
        http = ["{API}"]
        allow-private-addresses = true
        relocate = {{ "{API}" = "{METADATA}" }}
        "#
    ))
    .await;
    let outcome = fetch(&host, &format!("{API}/latest/meta-data/")).await;
    assert_refused(&outcome, PROHIBITED, "an origin relocated onto the metadata address");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redirects_are_checked_at_every_hop() {
    assert_metadata_is_refused_whatever_the_operator_says();
    let forbidden = forbidden_server().await;
    let elsewhere = format!("{}/vole", forbidden.origin());
    let api = LocalServer::start(move |path| match path {
        "/vers-ailleurs" => redirect(&elsewhere),
        "/vers-nulle-part" => redirect("https://forbidden.example/vole"),
        "/vers-metadonnees" => redirect("http://169.254.169.254/latest/meta-data/"),
        "/vers-ici" => redirect("/arrivee"),
        "/arrivee" => text("arrivé"),
        _ => StatusCode::NOT_FOUND.into_response(),
    })
    .await;
    let (host, _dir) = host_with(&format!(
        r#"
        [curieux]
        http = ["{API}", "{METADATA}"]
        allow-private-addresses = true
        relocate = {{ "{API}" = "{}" }}
        "#,
        api.origin()
    ))
    .await;

    // To a server on loopback (private addresses are allowed) that is not a
    // granted origin: refused, nothing sent there.
    let outcome = fetch(&host, &format!("{API}/vers-ailleurs")).await;
    assert_refused(&outcome, DENIED, "a redirect to a server not granted");
    // To a name nobody granted.
    let outcome = fetch(&host, &format!("{API}/vers-nulle-part")).await;
    assert_refused(&outcome, DENIED, "a redirect to a name not granted");
    // To the metadata address, though granted.
    let outcome = fetch(&host, &format!("{API}/vers-metadonnees")).await;
    assert_refused(&outcome, PROHIBITED, "a redirect to the metadata address");
    assert_eq!(forbidden.paths(), Vec::<String>::new(), "the redirect target received nothing");
    assert_eq!(api.paths(), ["/vers-ailleurs", "/vers-nulle-part", "/vers-metadonnees"]);

    // A redirect within the allowed origin is followed.
    let donnees = donnees_of(fetch(&host, &format!("{API}/vers-ici")).await, "a redirect within the origin");
    assert_eq!(donnees["status"], 200);
    assert_eq!(donnees["body"], "arrivé");
    assert_eq!(api.paths()[3..], ["/vers-ici", "/arrivee"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_secret_goes_to_its_origin_and_never_follows_a_redirect_elsewhere() {
    let forbidden = forbidden_server().await;
    let autre = LocalServer::start(|path| match path {
        "/arrivee" => text("autre origine"),
        _ => StatusCode::NOT_FOUND.into_response(),
    })
    .await;
    let elsewhere = format!("{}/vole", forbidden.origin());
    let api = LocalServer::start(move |path| match path {
        "/vers-autre" => redirect("https://autre.curieux.example/arrivee"),
        "/vers-ailleurs" => redirect(&elsewhere),
        "/vers-ici" => redirect("/arrivee"),
        "/arrivee" => text("même origine"),
        _ => StatusCode::NOT_FOUND.into_response(),
    })
    .await;
    let (host, _dir) = host_with(&format!(
        r#"
        [curieux]
        http = ["{API}", "{AUTRE}"]
        allow-private-addresses = true
        relocate = {{ "{API}" = "{}", "{AUTRE}" = "{}" }}
        secrets = {{ jeton = "{JETON}" }}
        "#,
        api.origin(),
        autre.origin()
    ))
    .await;
    let bearer = format!("Bearer {JETON}");

    // Its own origin gets it, at every hop of a redirect within it.
    let donnees = donnees_of(fetch(&host, &format!("{API}/vers-ici")).await, "a redirect within the origin");
    assert_eq!(donnees["body"], "même origine");
    assert_eq!(donnees["secret"], true, "the plugin knows the secret is set, not its value");
    let received = api.received();
    assert_eq!(received.iter().map(|r| r.path.as_str()).collect::<Vec<_>>(), ["/vers-ici", "/arrivee"]);
    for request in &received {
        assert_eq!(request.header("authorization"), Some(&*bearer), "{}", request.path);
    }

    // A redirect to another granted origin is followed, without the secret.
    let donnees = donnees_of(fetch(&host, &format!("{API}/vers-autre")).await, "a redirect to another granted origin");
    assert_eq!(donnees["body"], "autre origine");
    assert_eq!(api.received()[2].path, "/vers-autre");
    assert_eq!(api.received()[2].header("authorization"), Some(&*bearer), "the first hop has the secret");
    let received = autre.received();
    assert_eq!(received.len(), 1, "{received:?}");
    assert_eq!(received[0].path, "/arrivee");
    assert_eq!(received[0].header("authorization"), None, "the secret never follows a redirect to another origin");
    assert!(
        received[0].headers.iter().all(|(_, value)| !value.contains(JETON)),
        "the secret is in no header of the other origin's request: {:?}",
        received[0].headers
    );

    // Nor to the other origin called directly: the secret is tied to API.
    let donnees = donnees_of(fetch(&host, &format!("{AUTRE}/arrivee")).await, "the other origin directly");
    assert_eq!(donnees["body"], "autre origine");
    assert_eq!(autre.received()[1].header("authorization"), None);

    // A redirect to a server not granted: refused, so the secret cannot reach it.
    let outcome = fetch(&host, &format!("{API}/vers-ailleurs")).await;
    assert_refused(&outcome, DENIED, "a redirect to a server not granted");
    assert_eq!(forbidden.paths(), Vec::<String>::new(), "the redirect target received nothing");
}
