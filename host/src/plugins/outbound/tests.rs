//! End-to-end behaviour of `send` against servers started on 127.0.0.1 inside each test. No
//! test sends a packet elsewhere: refused addresses (169.254.169.254...) are refused before
//! any connection, which is exactly what those tests check.

mod servers;
mod tls;

use std::time::{Duration, Instant};

use bytes::Bytes;
use http::header::{AUTHORIZATION, CONTENT_TYPE, COOKIE, HOST, LOCATION};
use http::{HeaderName, HeaderValue, Method, Request, Response, StatusCode};

use super::*;
use servers::{Recorded, TestServer};

fn origin(s: &str) -> Origin {
    Origin::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
}

fn policy(allowed: &[&str], allow_private: bool) -> OutboundPolicy {
    let mut policy = OutboundPolicy::new(allowed.iter().map(|s| origin(s)).collect());
    policy.allow_private_addresses = allow_private;
    policy.total_timeout = Duration::from_secs(5);
    policy.connect_timeout = Duration::from_secs(2);
    policy
}

fn secret(policy: &mut OutboundPolicy, origin_text: &str, value: &'static str) {
    policy.secret_headers.push(SecretHeader::new(origin(origin_text), AUTHORIZATION, HeaderValue::from_static(value)));
}

fn get(uri: &str) -> Request<Bytes> {
    Request::builder().method(Method::GET).uri(uri).body(Bytes::new()).unwrap()
}

fn ok(body: &'static str) -> Response<Bytes> {
    Response::new(Bytes::from_static(body.as_bytes()))
}

fn redirect(status: StatusCode, location: &str) -> Response<Bytes> {
    Response::builder().status(status).header(LOCATION, location).body(Bytes::new()).unwrap()
}

fn header<'a>(recorded: &'a Recorded, name: &HeaderName) -> Vec<&'a str> {
    recorded.headers.get_all(name).iter().map(|v| v.to_str().unwrap()).collect()
}

#[tokio::test]
async fn allowed_origin_is_fetched_with_path_query_and_host() {
    let server = TestServer::start(|_| ok("bonjour")).await;
    let policy = policy(&[&server.origin()], true);
    let response =
        send(&policy, get(&format!("{}/v3/etablissements/1?recipient=13002526500013", server.origin()))).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.body(), "bonjour");
    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].method, Method::GET);
    assert_eq!(requests[0].path, "/v3/etablissements/1?recipient=13002526500013");
    assert_eq!(header(&requests[0], &HOST), [server.authority()]);
}

#[tokio::test]
async fn host_not_in_the_allow_list_is_forbidden_before_any_lookup() {
    let server = TestServer::start(|_| ok("non")).await;
    let policy = policy(&[&server.origin()], true);
    let error = send(&policy, get(&format!("http://localhost:{}/", server.port()))).await.unwrap_err();
    assert!(
        matches!(&error, OutboundError::Forbidden { origin } if *origin == format!("http://localhost:{}", server.port())),
        "{error:?}"
    );
    let error = send(&policy, get("https://example.invalid/")).await.unwrap_err();
    assert!(matches!(error, OutboundError::Forbidden { .. }), "{error:?}");
    assert_eq!(server.requests().len(), 0);
}

#[tokio::test]
async fn same_host_on_another_port_is_forbidden() {
    let allowed = TestServer::start(|_| ok("oui")).await;
    let other = TestServer::start(|_| ok("non")).await;
    let policy = policy(&[&allowed.origin()], true);
    let error = send(&policy, get(&format!("{}/", other.origin()))).await.unwrap_err();
    assert!(matches!(error, OutboundError::Forbidden { .. }), "{error:?}");
    assert_eq!(other.requests().len(), 0);
    let error = send(&policy, get(&format!("https://{}/", allowed.authority()))).await.unwrap_err();
    assert!(matches!(error, OutboundError::Forbidden { .. }), "other scheme: {error:?}");
}

#[tokio::test]
async fn loopback_needs_the_operator_opt_in() {
    let server = TestServer::start(|_| ok("local")).await;
    let url = format!("{}/", server.origin());
    let error = send(&policy(&[&server.origin()], false), get(&url)).await.unwrap_err();
    assert!(
        matches!(&error, OutboundError::PrivateAddress { host, addr } if host == "127.0.0.1" && addr.is_loopback()),
        "{error:?}"
    );
    assert_eq!(server.requests().len(), 0);
    let response = send(&policy(&[&server.origin()], true), get(&url)).await.unwrap();
    assert_eq!(response.body(), "local");
}

#[tokio::test]
async fn metadata_addresses_are_refused_even_with_private_addresses_allowed() {
    for target in [
        "http://169.254.169.254",
        "http://100.100.100.200",
        "http://[fd00:ec2::254]",
        "http://[::ffff:169.254.169.254]",
        "http://169.254.170.2",
        "http://0.0.0.0:8080",
    ] {
        let policy = policy(&[target], true);
        let error = send(&policy, get(&format!("{target}/latest/meta-data/"))).await.unwrap_err();
        assert!(matches!(error, OutboundError::PrivateAddress { .. }), "{target}: {error:?}");
    }
}

#[tokio::test]
async fn ipv4_mapped_loopback_literal_is_refused() {
    let server = TestServer::start(|_| ok("non")).await;
    let mapped = format!("http://[::ffff:127.0.0.1]:{}", server.port());
    let error = send(&policy(&[&mapped], false), get(&format!("{mapped}/"))).await.unwrap_err();
    assert!(matches!(error, OutboundError::PrivateAddress { .. }), "{error:?}");
    assert_eq!(server.requests().len(), 0);
}

#[tokio::test]
async fn name_resolving_to_loopback_is_refused() {
    let server = TestServer::start(|_| ok("non")).await;
    let by_name = format!("http://localhost:{}", server.port());
    let error = send(&policy(&[&by_name], false), get(&format!("{by_name}/"))).await.unwrap_err();
    assert!(
        matches!(&error, OutboundError::PrivateAddress { host, addr } if host == "localhost" && addr.is_loopback()),
        "{error:?}"
    );
    assert_eq!(server.requests().len(), 0);
}

#[tokio::test]
async fn relocated_origin_gets_the_host_secret_and_never_the_guest_forgery() {
    let server = TestServer::start(|_| ok("{\"data\":{}}")).await;
    let mut policy = policy(&["https://entreprise.api.gouv.fr"], true);
    policy.relocations.insert(origin("https://entreprise.api.gouv.fr"), origin(&server.origin()));
    secret(&mut policy, "https://entreprise.api.gouv.fr", "Bearer jeton-secret");
    let request = Request::builder()
        .uri("https://entreprise.api.gouv.fr/v3/insee/sirene/etablissements/41816609600069?recipient=13002526500013")
        .header(AUTHORIZATION, "Bearer forged")
        .header("x-request-id", "abc")
        .header(HOST, "169.254.169.254")
        .body(Bytes::new())
        .unwrap();
    let response = send(&policy, request).await.unwrap();
    assert_eq!(response.body(), "{\"data\":{}}");
    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].path, "/v3/insee/sirene/etablissements/41816609600069?recipient=13002526500013");
    assert_eq!(header(&requests[0], &AUTHORIZATION), ["Bearer jeton-secret"]);
    assert_eq!(header(&requests[0], &HOST), [server.authority()]);
    assert_eq!(header(&requests[0], &HeaderName::from_static("x-request-id")), ["abc"]);
}

#[tokio::test]
async fn redirect_to_an_origin_not_allowed_is_forbidden_and_never_contacted() {
    let elsewhere = TestServer::start(|_| ok("volé")).await;
    let steal = format!("{}/steal", elsewhere.origin());
    let first = TestServer::start(move |_| redirect(StatusCode::FOUND, &steal)).await;
    let mut policy = policy(&[&first.origin()], true);
    secret(&mut policy, &first.origin(), "Bearer jeton-secret");
    let error = send(&policy, get(&format!("{}/start", first.origin()))).await.unwrap_err();
    assert!(matches!(&error, OutboundError::Forbidden { origin } if *origin == elsewhere.origin()), "{error:?}");
    assert_eq!(header(&first.requests()[0], &AUTHORIZATION), ["Bearer jeton-secret"]);
    assert_eq!(elsewhere.requests().len(), 0);
}

#[tokio::test]
async fn redirect_to_a_refused_address_is_refused() {
    let first = TestServer::start(|_| redirect(StatusCode::MOVED_PERMANENTLY, "http://169.254.169.254/latest/")).await;
    let policy = policy(&[&first.origin(), "http://169.254.169.254"], true);
    let error = send(&policy, get(&format!("{}/", first.origin()))).await.unwrap_err();
    assert!(matches!(error, OutboundError::PrivateAddress { .. }), "{error:?}");
}

#[tokio::test]
async fn redirect_to_an_allowed_origin_keeps_method_and_body_but_not_the_secret_or_credentials() {
    let second = TestServer::start(|_| ok("arrivé")).await;
    let next = format!("{}/suite?x=1", second.origin());
    let first = TestServer::start(move |_| redirect(StatusCode::TEMPORARY_REDIRECT, &next)).await;
    let mut policy = policy(&[&first.origin(), &second.origin()], true);
    secret(&mut policy, &first.origin(), "Bearer jeton-secret");
    let request = Request::builder()
        .method(Method::POST)
        .uri(format!("{}/depart", first.origin()))
        .header(CONTENT_TYPE, "application/json")
        .header(COOKIE, "session=1")
        .header("x-request-id", "abc")
        .body(Bytes::from_static(b"{\"a\":1}"))
        .unwrap();
    let response = send(&policy, request).await.unwrap();
    assert_eq!(response.body(), "arrivé");
    let at_first = &first.requests()[0];
    assert_eq!(header(at_first, &AUTHORIZATION), ["Bearer jeton-secret"]);
    assert_eq!(header(at_first, &COOKIE), ["session=1"]);
    let at_second = second.requests();
    assert_eq!(at_second.len(), 1);
    assert_eq!(at_second[0].method, Method::POST);
    assert_eq!(at_second[0].path, "/suite?x=1");
    assert_eq!(at_second[0].body, "{\"a\":1}");
    assert_eq!(header(&at_second[0], &CONTENT_TYPE), ["application/json"]);
    assert_eq!(header(&at_second[0], &HeaderName::from_static("x-request-id")), ["abc"]);
    assert!(header(&at_second[0], &AUTHORIZATION).is_empty());
    assert!(header(&at_second[0], &COOKIE).is_empty());
    assert_eq!(header(&at_second[0], &HOST), [second.authority()]);
}

#[tokio::test]
async fn see_other_turns_a_post_into_a_get_without_body() {
    let server = TestServer::start(|request| {
        if request.path == "/formulaire" { redirect(StatusCode::SEE_OTHER, "resultat") } else { ok("résultat") }
    })
    .await;
    let policy = policy(&[&server.origin()], true);
    let request = Request::builder()
        .method(Method::POST)
        .uri(format!("{}/formulaire", server.origin()))
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Bytes::from_static(b"a=1"))
        .unwrap();
    let response = send(&policy, request).await.unwrap();
    assert_eq!(response.body(), "résultat");
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!((requests[0].method.clone(), requests[0].body.as_ref()), (Method::POST, b"a=1".as_ref()));
    assert_eq!(requests[1].method, Method::GET);
    assert_eq!(requests[1].path, "/resultat");
    assert!(requests[1].body.is_empty());
    assert!(header(&requests[1], &CONTENT_TYPE).is_empty());
}

#[tokio::test]
async fn relocated_server_redirecting_to_itself_stays_on_the_requested_origin() {
    let server = TestServer::start_with_self(|request, me| {
        if request.path == "/v1/ancien" {
            redirect(StatusCode::MOVED_PERMANENTLY, &format!("{me}/v1/nouveau"))
        } else {
            ok("nouveau")
        }
    })
    .await;
    let mut policy = policy(&["https://api.example.fr"], true);
    policy.relocations.insert(origin("https://api.example.fr"), origin(&server.origin()));
    secret(&mut policy, "https://api.example.fr", "Bearer jeton-secret");
    let response = send(&policy, get("https://api.example.fr/v1/ancien")).await.unwrap();
    assert_eq!(response.body(), "nouveau");
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[1].path, "/v1/nouveau");
    assert_eq!(header(&requests[1], &AUTHORIZATION), ["Bearer jeton-secret"]);
}

#[tokio::test]
async fn redirect_loop_stops_at_the_limit() {
    let server = TestServer::start(|_| redirect(StatusCode::FOUND, "/boucle")).await;
    let mut policy = policy(&[&server.origin()], true);
    policy.max_redirects = 3;
    let error = send(&policy, get(&format!("{}/boucle", server.origin()))).await.unwrap_err();
    assert!(matches!(error, OutboundError::TooManyRedirects { limit: 3 }), "{error:?}");
    assert_eq!(server.requests().len(), 4);
}

#[tokio::test]
async fn redirect_without_location_goes_back_to_the_plugin() {
    let server =
        TestServer::start(|_| Response::builder().status(StatusCode::FOUND).body(Bytes::from_static(b"x")).unwrap())
            .await;
    let response = send(&policy(&[&server.origin()], true), get(&format!("{}/", server.origin()))).await.unwrap();
    assert_eq!(response.status(), StatusCode::FOUND);
    assert_eq!(response.body(), "x");
}

#[tokio::test]
async fn response_announced_over_the_cap_is_refused_up_front() {
    // Announces far more than it sends and then stalls: only the up-front check answers fast.
    let server = servers::RawServer::start(b"HTTP/1.1 200 OK\r\ncontent-length: 100000000\r\n\r\nabc").await;
    let mut policy = policy(&[&server.origin()], true);
    policy.max_response_body_bytes = 4096;
    let started = Instant::now();
    let error = send(&policy, get(&format!("{}/", server.origin()))).await.unwrap_err();
    assert!(matches!(error, OutboundError::ResponseTooLarge { limit: 4096 }), "{error:?}");
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn streamed_response_over_the_cap_is_refused() {
    let chunk = format!("400\r\n{}\r\n", "a".repeat(1024));
    let mut raw = b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n".to_vec();
    for _ in 0..8 {
        raw.extend_from_slice(chunk.as_bytes());
    }
    raw.extend_from_slice(b"0\r\n\r\n");
    let server = servers::RawServer::start(Box::leak(raw.into_boxed_slice())).await;
    let mut policy = policy(&[&server.origin()], true);
    policy.max_response_body_bytes = 4096;
    let error = send(&policy, get(&format!("{}/", server.origin()))).await.unwrap_err();
    assert!(matches!(error, OutboundError::ResponseTooLarge { limit: 4096 }), "{error:?}");
    policy.max_response_body_bytes = 8 * 1024;
    let response = send(&policy, get(&format!("{}/", server.origin()))).await.unwrap();
    assert_eq!(response.body().len(), 8 * 1024);
    assert!(response.headers().get("transfer-encoding").is_none());
}

#[tokio::test]
async fn request_body_over_the_cap_is_refused_without_sending() {
    let server = TestServer::start(|_| ok("non")).await;
    let mut policy = policy(&[&server.origin()], true);
    policy.max_request_body_bytes = 10;
    let request = Request::builder()
        .method(Method::POST)
        .uri(format!("{}/", server.origin()))
        .body(Bytes::from_static(b"bien plus de dix octets"))
        .unwrap();
    let error = send(&policy, request).await.unwrap_err();
    assert!(matches!(error, OutboundError::RequestTooLarge { limit: 10 }), "{error:?}");
    assert_eq!(server.requests().len(), 0);
}

#[tokio::test]
async fn slow_server_times_out_within_the_bound() {
    let server = servers::RawServer::start(b"").await;
    let mut policy = policy(&[&server.origin()], true);
    policy.total_timeout = Duration::from_millis(300);
    let started = Instant::now();
    let error = send(&policy, get(&format!("{}/", server.origin()))).await.unwrap_err();
    assert!(matches!(error, OutboundError::Timeout { after } if after == Duration::from_millis(300)), "{error:?}");
    let elapsed = started.elapsed();
    assert!(elapsed >= Duration::from_millis(300) && elapsed < Duration::from_secs(2), "{elapsed:?}");
}

#[tokio::test]
async fn closed_port_is_a_connection_error() {
    let port = servers::closed_port().await;
    let target = format!("http://127.0.0.1:{port}");
    let error = send(&policy(&[&target], true), get(&format!("{target}/"))).await.unwrap_err();
    assert!(matches!(error, OutboundError::Connect { .. }), "{error:?}");
}

#[tokio::test]
async fn connect_and_trace_methods_and_relative_uris_are_refused() {
    let server = TestServer::start(|_| ok("non")).await;
    let policy = policy(&[&server.origin()], true);
    for method in [Method::CONNECT, Method::TRACE] {
        let request =
            Request::builder().method(method).uri(format!("{}/", server.origin())).body(Bytes::new()).unwrap();
        let error = send(&policy, request).await.unwrap_err();
        assert!(matches!(error, OutboundError::InvalidRequest(_)), "{error:?}");
    }
    let error = send(&policy, get("/relatif")).await.unwrap_err();
    assert!(matches!(error, OutboundError::InvalidUri(_)), "{error:?}");
    assert_eq!(server.requests().len(), 0);
}

#[tokio::test]
async fn log_event_names_the_origin_but_no_path_query_or_secret() {
    let server = TestServer::start(|_| ok("{}")).await;
    let mut policy = policy(&[&server.origin()], true);
    secret(&mut policy, &server.origin(), "Bearer jeton-secret");
    let (logs, _guard) = servers::capture_logs();
    let request = Request::builder()
        .uri(format!("{}/v3/etablissements/41816609600069?adresse=12+rue+des+Lilas", server.origin()))
        .header("x-guest", "valeur-du-guest")
        .body(Bytes::new())
        .unwrap();
    send(&policy, request).await.unwrap();
    let _ = send(&policy, get("https://ailleurs.example.fr/v3/41816609600069?siret=41816609600069")).await;
    let logs = logs.text();
    assert!(logs.contains(&server.origin()), "{logs}");
    assert!(logs.contains("status=200"), "{logs}");
    assert!(logs.contains("outcome=\"ok\"") || logs.contains("outcome=ok"), "{logs}");
    assert!(logs.contains("forbidden"), "{logs}");
    for leaked in ["41816609600069", "Lilas", "jeton-secret", "valeur-du-guest", "/v3"] {
        assert!(!logs.contains(leaked), "{leaked} in {logs}");
    }
}

#[tokio::test]
async fn https_is_verified_against_the_roots_and_sends_sni() {
    let server = TestServer::start_tls(|_| ok("chiffré")).await;
    let by_name = format!("https://localhost:{}", server.port());
    let mut policy = policy(&[&by_name, &server.origin()], true);
    let error = send(&policy, get(&format!("{by_name}/"))).await.unwrap_err();
    assert!(matches!(error, OutboundError::Tls { .. }), "untrusted CA: {error:?}");
    policy.extra_root_certificates.push(tls::ca_certificate());
    for url in [format!("{by_name}/a?b=c"), format!("{}/", server.origin())] {
        let response = send(&policy, get(&url)).await.unwrap();
        assert_eq!(response.body(), "chiffré", "{url}");
    }
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].path, "/a?b=c");
    assert_eq!(header(&requests[0], &HOST), [format!("localhost:{}", server.port())]);
}

#[tokio::test]
async fn head_response_announcing_a_large_body_is_not_too_large() {
    let server = servers::RawServer::start(b"HTTP/1.1 200 OK\r\ncontent-length: 100000000\r\n\r\n").await;
    let mut policy = policy(&[&server.origin()], true);
    policy.max_response_body_bytes = 4096;
    let request =
        Request::builder().method(Method::HEAD).uri(format!("{}/", server.origin())).body(Bytes::new()).unwrap();
    let response = send(&policy, request).await.unwrap();
    assert_eq!(response.headers()["content-length"], "100000000");
    assert!(response.body().is_empty());
}

#[tokio::test]
async fn request_body_is_collected_up_to_the_cap() {
    let body = http_body_util::Full::new(Bytes::from_static(b"0123456789"));
    assert_eq!(collect_request_body(body.clone(), 10).await.unwrap(), "0123456789");
    let error = collect_request_body(body, 9).await.unwrap_err();
    assert!(matches!(error, OutboundError::RequestTooLarge { limit: 9 }), "{error:?}");
}

#[tokio::test]
async fn oversized_response_head_is_a_protocol_error() {
    let mut raw = b"HTTP/1.1 200 OK\r\n".to_vec();
    for i in 0..10 {
        raw.extend_from_slice(format!("x-padding-{i}: {}\r\n", "a".repeat(10_000)).as_bytes());
    }
    raw.extend_from_slice(b"content-length: 0\r\n\r\n");
    let server = servers::RawServer::start(Box::leak(raw.into_boxed_slice())).await;
    let error = send(&policy(&[&server.origin()], true), get(&format!("{}/", server.origin()))).await.unwrap_err();
    assert!(matches!(error, OutboundError::Protocol { .. }), "{error:?}");
}
