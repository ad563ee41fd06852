//! Proves that the stand-ins of `guichet_tests::contrats` speak the contracts
//! of the real APIs (shapes, authentication, validation, 404s), that their
//! outage switches work and that they record what a client sent. Checked with
//! a plain HTTP client (reqwest), independent of any plugin.

use std::time::{Duration, Instant};

use guichet_tests::contrats::api_carto::{self, ApiCarto};
use guichet_tests::contrats::api_entreprise::{self, ApiEntreprise};
use guichet_tests::contrats::ban::{self, Ban};
use guichet_tests::contrats::{Outage, ReceivedRequest};
use serde_json::{Value, json};

const WAIT: Duration = Duration::from_secs(5);

fn client() -> reqwest::Client {
    reqwest::Client::builder().timeout(WAIT).user_agent("guichet-selftest/1").build().expect("an HTTP client")
}

/// `base` + `path` with the query pairs encoded.
fn url(base: &str, path: &str, query: &[(&str, &str)]) -> url::Url {
    let mut url = url::Url::parse(&format!("{base}{path}")).expect("a valid URL");
    if !query.is_empty() {
        url.query_pairs_mut().extend_pairs(query);
    }
    url
}

/// Status, headers and JSON body of a GET.
async fn get(request: reqwest::RequestBuilder) -> (u16, reqwest::header::HeaderMap, Value) {
    let response = request.send().await.expect("an answer");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.expect("a body");
    let body = serde_json::from_str(&text).unwrap_or_else(|e| panic!("a JSON body ({e}): {text}"));
    (status, headers, body)
}

fn header<'a>(headers: &'a reqwest::header::HeaderMap, name: &str) -> &'a str {
    headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_else(|| panic!("a {name} header in {headers:?}"))
}

// --- API Entreprise -----------------------------------------------------------

const CALL: [(&str, &str); 3] =
    [("context", "Dépôt d'un dossier"), ("recipient", api_entreprise::RECIPIENT), ("object", "marché numéro 127")];

async fn insee(server: &ApiEntreprise, path: &str, query: &[(&str, &str)], token: Option<&str>) -> (u16, Value) {
    let mut request = client().get(url(&server.base_url(), path, query));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let (status, _, body) = get(request).await;
    (status, body)
}

fn etablissement_path(siret: &str) -> String {
    format!("/v3/insee/sirene/etablissements/{siret}")
}

fn error_codes(body: &Value) -> Vec<&str> {
    body["errors"].as_array().expect("an errors array").iter().map(|e| e["code"].as_str().expect("a code")).collect()
}

#[tokio::test]
async fn api_entreprise_etablissement_and_unite_legale() {
    let server = ApiEntreprise::start().await;
    let response = client()
        .get(url(&server.base_url(), &etablissement_path(api_entreprise::SIRET_DINUM), &CALL))
        .bearer_auth(api_entreprise::TOKEN)
        .send()
        .await
        .expect("an answer");
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(header(response.headers(), "content-type"), "application/json; charset=utf-8");
    assert_eq!(header(response.headers(), "ratelimit-limit"), "50");
    let body: Value = serde_json::from_str(&response.text().await.expect("a body")).expect("JSON");

    let data = &body["data"];
    assert_eq!(data["siret"], api_entreprise::SIRET_DINUM);
    assert_eq!(data["siege_social"], true);
    assert_eq!(data["etat_administratif"], "A");
    assert!(data["date_creation"].is_i64(), "v3 dates are Unix timestamps: {data}");
    assert_eq!(
        data["activite_principale"],
        json!({
            "code": "84.11Z", "nomenclature": "NAFRev2", "libelle": "Administration publique générale",
        })
    );
    let unite_legale = &data["unite_legale"];
    assert_eq!(unite_legale["siren"], "130025265");
    assert_eq!(
        unite_legale["personne_morale_attributs"]["raison_sociale"],
        "DIRECTION INTERMINISTERIELLE DU NUMERIQUE"
    );
    assert_eq!(unite_legale["personne_morale_attributs"]["sigle"], "DINUM");
    assert_eq!(unite_legale["forme_juridique"]["code"], "7120");
    let adresse = &data["adresse"];
    for (field, value) in [
        ("numero_voie", "20"),
        ("type_voie", "AVENUE"),
        ("libelle_voie", "DE SEGUR"),
        ("code_postal", "75007"),
        ("libelle_commune", "PARIS 7"),
        ("code_commune", "75107"),
    ] {
        assert_eq!(adresse[field], value, "adresse.{field}");
    }
    assert_eq!(adresse["acheminement_postal"]["l7"], "FRANCE");
    assert_eq!(body["meta"]["redirect_from_siret"], Value::Null);
    assert!(body["meta"]["date_derniere_mise_a_jour"].is_i64());

    // links.unite_legale leads to the unité légale, on this server.
    let link = body["links"]["unite_legale"].as_str().expect("a link to the unité légale");
    assert_eq!(link, format!("{}/v3/insee/sirene/unites_legales/130025265", server.base_url()));
    let (status, _, unite) = get(client().get(url(link, "", &CALL)).bearer_auth(api_entreprise::TOKEN)).await;
    assert_eq!(status, 200, "{unite}");
    assert_eq!(unite["data"]["siren"], "130025265");
    assert_eq!(unite["data"]["siret_siege_social"], api_entreprise::SIRET_DINUM);
    assert_eq!(unite["data"]["date_cessation"], Value::Null);
    assert!(unite["data"].get("date_derniere_mise_a_jour").is_none(), "in meta, not in data");
    assert_eq!(
        unite["links"]["siege_social"],
        format!("{}{}", server.base_url(), etablissement_path(api_entreprise::SIRET_DINUM))
    );
    assert_eq!(unite["meta"]["redirect_from_siren"], Value::Null);

    // The other canned sièges.
    let (status, body) =
        insee(&server, &etablissement_path(api_entreprise::SIRET_LA_POSTE), &CALL, Some(api_entreprise::TOKEN)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["unite_legale"]["personne_morale_attributs"]["raison_sociale"], "LA POSTE");
    assert_eq!(body["data"]["adresse"]["code_postal"], "75015");
    let (status, body) =
        insee(&server, &etablissement_path(api_entreprise::SIRET_SNCF), &CALL, Some(api_entreprise::TOKEN)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["unite_legale"]["personne_morale_attributs"]["sigle"], "SNCF");
}

#[tokio::test]
async fn api_entreprise_refuses_without_the_jeton() {
    let server = ApiEntreprise::start().await;
    let path = etablissement_path(api_entreprise::SIRET_DINUM);
    for token in [None, Some("un-autre-jeton")] {
        let (status, body) = insee(&server, &path, &CALL, token).await;
        assert_eq!(status, 401, "{body}");
        assert_eq!(body["errors"][0]["code"], "00101");
        assert_eq!(body["errors"][0]["title"], "Interdit");
        assert_eq!(body["errors"][0]["source"], json!({ "parameter": "token" }));
        assert_eq!(body["errors"][0]["meta"], json!({}));
    }
    // The jeton is checked before the parameters.
    let (status, _) = insee(&server, &path, &[], None).await;
    assert_eq!(status, 401);

    server.set_token("jeton-renouvele");
    let (status, _) = insee(&server, &path, &CALL, Some(api_entreprise::TOKEN)).await;
    assert_eq!(status, 401);
    let (status, _) = insee(&server, &path, &CALL, Some("jeton-renouvele")).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn api_entreprise_validates_parameters_and_identifiers() {
    let server = ApiEntreprise::start().await;
    let jeton = Some(api_entreprise::TOKEN);
    let dinum = etablissement_path(api_entreprise::SIRET_DINUM);

    let (status, body) = insee(&server, &dinum, &[], jeton).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(error_codes(&body), ["00201", "00202", "00203"]);
    assert_eq!(body["errors"][0]["title"], "Entité non traitable");
    assert_eq!(body["errors"][0]["detail"], "Le paramètre context est obligatoire");
    assert_eq!(body["errors"][2]["source"], json!({ "parameter": "recipient" }));

    // A blank parameter is a missing one.
    let (status, body) = insee(&server, &dinum, &[CALL[0], CALL[1], ("object", " ")], jeton).await;
    assert_eq!(status, 422);
    assert_eq!(error_codes(&body), ["00202"]);

    let (status, body) = insee(&server, &etablissement_path("1300252650001"), &CALL, jeton).await;
    assert_eq!(status, 422);
    assert_eq!(error_codes(&body), ["00302"]);
    assert_eq!(body["errors"][0]["detail"], "Le numéro de siret n'est pas correctement formatté");
    // Luhn key wrong.
    let (status, body) = insee(&server, &etablissement_path("13002526500014"), &CALL, jeton).await;
    assert_eq!((status, error_codes(&body)), (422, vec!["00302"]));
    let (status, body) = insee(&server, "/v3/insee/sirene/unites_legales/130025266", &CALL, jeton).await;
    assert_eq!((status, error_codes(&body)), (422, vec!["00301"]));

    let (status, body) = insee(&server, &dinum, &[CALL[0], ("recipient", "pas-un-siret"), CALL[2]], jeton).await;
    assert_eq!((status, error_codes(&body)), (422, vec!["00210"]));
    let (status, body) =
        insee(&server, &dinum, &[CALL[0], ("recipient", api_entreprise::SIRET_DINUM), CALL[2]], jeton).await;
    assert_eq!((status, error_codes(&body)), (422, vec!["00211"]));
}

#[tokio::test]
async fn api_entreprise_answers_404_for_unknown_identifiers() {
    let server = ApiEntreprise::start().await;
    let jeton = Some(api_entreprise::TOKEN);
    // Well-formed, unknown here.
    let (status, body) = insee(&server, &etablissement_path("73282932000074"), &CALL, jeton).await;
    assert_eq!(status, 404, "{body}");
    assert_eq!(body["errors"][0]["code"], "01003");
    assert_eq!(body["errors"][0]["title"], "Entité non trouvée");
    assert_eq!(body["errors"][0]["meta"], json!({ "provider": "INSEE" }));
    let (status, _) = insee(&server, "/v3/insee/sirene/unites_legales/732829320", &CALL, jeton).await;
    assert_eq!(status, 404);
    // A La Poste établissement: no Luhn key, but its digits add up to a
    // multiple of 5, so it is well-formed (and unknown here).
    let (status, body) = insee(&server, &etablissement_path("35600000009075"), &CALL, jeton).await;
    assert_eq!(status, 404, "{body}");

    // Canned data can be changed per test.
    let mut fermee = api_entreprise::etablissements().remove(0);
    fermee["siret"] = json!("73282932000074");
    fermee["etat_administratif"] = json!("F");
    fermee["date_fermeture"] = json!(1_700_000_000);
    server.insert_etablissement(fermee);
    let (status, body) = insee(&server, &etablissement_path("73282932000074"), &CALL, jeton).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["etat_administratif"], "F");
    server.remove_etablissement(api_entreprise::SIRET_DINUM);
    let (status, _) = insee(&server, &etablissement_path(api_entreprise::SIRET_DINUM), &CALL, jeton).await;
    assert_eq!(status, 404);
    server.remove_unite_legale("130025265");
    let (status, _) = insee(&server, "/v3/insee/sirene/unites_legales/130025265", &CALL, jeton).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn api_entreprise_outages() {
    let server = ApiEntreprise::start().await;
    let path = etablissement_path(api_entreprise::SIRET_DINUM);
    let jeton = Some(api_entreprise::TOKEN);

    server.set_outage(Outage::Unavailable);
    for _ in 0..2 {
        let (status, body) = insee(&server, &path, &CALL, jeton).await;
        assert_eq!(status, 503, "{body}");
        assert_eq!(body["errors"][0]["code"], "01001");
        assert_eq!(body["errors"][0]["meta"]["provider"], "INSEE");
    }

    server.set_outage(Outage::RateLimited { retry_after: 30 });
    let (status, headers, body) =
        get(client().get(url(&server.base_url(), &path, &CALL)).bearer_auth(api_entreprise::TOKEN)).await;
    assert_eq!(status, 429);
    assert_eq!(header(&headers, "retry-after"), "30");
    assert_eq!(header(&headers, "ratelimit-remaining"), "0");
    assert_eq!(body["errors"][0]["code"], "00429");
    assert_eq!(body["errors"][0]["title"], "Trop de requêtes");

    server.clear_outage();
    assert_eq!(insee(&server, &path, &CALL, jeton).await.0, 200);

    // Only the next request fails: what a client's retry meets.
    server.set_outage_for(Outage::Unavailable, 1);
    assert_eq!(insee(&server, &path, &CALL, jeton).await.0, 503);
    assert_eq!(insee(&server, &path, &CALL, jeton).await.0, 200);

    server.set_outage(Outage::Hang(Duration::from_secs(3)));
    let impatient = reqwest::Client::builder().timeout(Duration::from_millis(300)).build().expect("a client");
    let started = Instant::now();
    let error = impatient
        .get(url(&server.base_url(), &path, &CALL))
        .bearer_auth(api_entreprise::TOKEN)
        .send()
        .await
        .expect_err("a held request times out");
    assert!(error.is_timeout(), "{error:?}");
    assert!(started.elapsed() < Duration::from_secs(2));
    server.clear_outage();
    assert_eq!(insee(&server, &path, &CALL, jeton).await.0, 200);
}

#[tokio::test]
async fn api_entreprise_records_requests() {
    let server = ApiEntreprise::start().await;
    server.set_outage_for(Outage::Unavailable, 1);
    let path = etablissement_path(api_entreprise::SIRET_DINUM);
    for _ in 0..2 {
        insee(&server, &path, &CALL, Some(api_entreprise::TOKEN)).await;
    }
    let requests = server.wait_for_requests(2, WAIT).await.expect("two requests");
    assert_eq!(requests.len(), 2, "outages are recorded too");
    let last: &ReceivedRequest = &requests[1];
    assert_eq!(last.method, "GET");
    assert_eq!(last.path, path);
    assert_eq!(last.param("context"), Some("Dépôt d'un dossier"));
    assert_eq!(last.param("object"), Some("marché numéro 127"));
    assert_eq!(last.param("recipient"), Some(api_entreprise::RECIPIENT));
    assert!(last.query.contains("recipient=10000001700010"), "{}", last.query);
    assert_eq!(last.header("Authorization"), Some(format!("Bearer {}", api_entreprise::TOKEN).as_str()));
    assert_eq!(last.header("user-agent"), Some("guichet-selftest/1"));
    assert_eq!(last.header("cookie"), None);
    assert!(requests[0].received_at <= last.received_at);

    server.clear_requests();
    assert!(server.requests().is_empty());
    let error = server.wait_for_requests(1, Duration::from_millis(100)).await.expect_err("no request");
    assert!(error.contains("got 0"), "{error}");
}

#[tokio::test]
async fn stand_ins_stop_when_dropped() {
    let server = ApiEntreprise::start().await;
    let base = server.base_url();
    server.set_outage(Outage::Hang(Duration::from_secs(60)));
    let patient = reqwest::Client::builder().timeout(Duration::from_secs(30)).build().expect("a client");
    let held = tokio::spawn(
        patient
            .get(url(&base, &etablissement_path(api_entreprise::SIRET_DINUM), &CALL))
            .bearer_auth(api_entreprise::TOKEN)
            .send(),
    );
    server.wait_for_requests(1, WAIT).await.expect("the held request arrived");
    let started = Instant::now();
    drop(server);
    // The held request is released at once and answered normally.
    let answer = held.await.expect("the client task").expect("an answer after release");
    assert_eq!(answer.status().as_u16(), 200);
    assert!(started.elapsed() < Duration::from_secs(2), "held for {:?}", started.elapsed());

    // A new connection is refused once the server has stopped.
    let deadline = Instant::now() + WAIT;
    loop {
        let fresh = reqwest::Client::builder().timeout(WAIT).build().expect("a client");
        match fresh.get(format!("{base}/")).send().await {
            Err(e) if e.is_connect() => break,
            other => {
                assert!(Instant::now() < deadline, "still answering after drop: {other:?}");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
}

// --- BAN ------------------------------------------------------------------------

async fn search(server: &Ban, path: &str, query: &[(&str, &str)]) -> (u16, Value) {
    let (status, _, body) = get(client().get(url(&server.base_url(), path, query))).await;
    (status, body)
}

fn labels(body: &Value) -> Vec<&str> {
    body["features"]
        .as_array()
        .expect("features")
        .iter()
        .map(|f| f["properties"]["label"].as_str().expect("a label"))
        .collect()
}

#[tokio::test]
async fn ban_search_answers_geojson() {
    let server = Ban::start().await;
    let (status, body) = search(&server, ban::SEARCH_PATH, &[("q", "20 AVENUE DE SEGUR")]).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["type"], "FeatureCollection");
    assert_eq!(body["version"], "draft");
    assert_eq!(body["attribution"], "BAN");
    assert_eq!(body["licence"], "ETALAB-2.0");
    assert_eq!(body["query"], "20 AVENUE DE SEGUR");
    assert_eq!(body["limit"], 5);
    assert!(body.get("filters").is_none());
    let feature = &body["features"][0];
    assert_eq!(feature["type"], "Feature");
    assert_eq!(feature["geometry"]["type"], "Point");
    let [lon, lat] = [&feature["geometry"]["coordinates"][0], &feature["geometry"]["coordinates"][1]]
        .map(|c| c.as_f64().expect("a coordinate"));
    assert!((2.0..3.0).contains(&lon) && (48.0..49.0).contains(&lat), "[lon, lat]: {lon}, {lat}");
    let p = &feature["properties"];
    for (field, value) in [
        ("label", "20 Avenue de Ségur 75007 Paris"),
        ("housenumber", "20"),
        ("id", "75107_8909_00020"),
        ("name", "20 Avenue de Ségur"),
        ("postcode", "75007"),
        ("citycode", "75107"),
        ("city", "Paris"),
        ("district", "Paris 7e Arrondissement"),
        ("context", "75, Paris, Île-de-France"),
        ("type", "housenumber"),
        ("street", "Avenue de Ségur"),
    ] {
        assert_eq!(p[field], value, "properties.{field}");
    }
    for field in ["score", "x", "y", "importance"] {
        assert!(p[field].is_f64(), "properties.{field}: {p}");
    }
    assert!(p.get("_type").is_none());
    let score = p["score"].as_f64().expect("a score");
    assert!(score > 0.0 && score < 1.0);

    // The Géoplateforme path: same data, plus `_type`.
    let (status, body) = search(&server, ban::GEOPLATEFORME_SEARCH_PATH, &[("q", "20 avenue de ségur")]).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["features"][0]["properties"]["_type"], "address");
    assert_eq!(body["features"][0]["properties"]["id"], "75107_8909_00020");
    // And `/search` without the slash.
    assert_eq!(search(&server, "/search", &[("q", "segur")]).await.0, 200);
}

#[tokio::test]
async fn ban_search_matches_ranks_and_filters() {
    let server = Ban::start().await;
    let (_, body) = search(&server, ban::SEARCH_PATH, &[("q", "ségur")]).await;
    assert_eq!(labels(&body), ["Avenue de Ségur 75007 Paris", "20 Avenue de Ségur 75007 Paris"]);
    let scores: Vec<f64> = body["features"]
        .as_array()
        .expect("features")
        .iter()
        .map(|f| f["properties"]["score"].as_f64().expect("score"))
        .collect();
    assert!(scores.windows(2).all(|w| w[0] > w[1]), "decreasing scores: {scores:?}");

    let (_, body) = search(&server, ban::SEARCH_PATH, &[("q", "segur"), ("limit", "1")]).await;
    assert_eq!(body["limit"], 1);
    assert_eq!(labels(&body).len(), 1);

    let (_, body) = search(&server, ban::SEARCH_PATH, &[("q", "ségur"), ("type", "housenumber")]).await;
    assert_eq!(labels(&body), ["20 Avenue de Ségur 75007 Paris"]);
    assert_eq!(body["filters"], json!({ "type": "housenumber" }));

    let (_, body) = search(&server, ban::SEARCH_PATH, &[("q", "montpellier"), ("postcode", "34000")]).await;
    assert_eq!(labels(&body), ["Montpellier", "1 Place de la Comédie 34000 Montpellier"]);
    assert_eq!(body["features"][0]["properties"]["type"], "municipality");
    assert!(body["features"][0]["properties"]["population"].is_u64());

    // Autocomplete: the last word as a prefix, or whole words only.
    let (_, body) = search(&server, ban::SEARCH_PATH, &[("q", "1 place de la com")]).await;
    assert_eq!(labels(&body), ["1 Place de la Comédie 34000 Montpellier"]);
    let (_, body) = search(&server, ban::SEARCH_PATH, &[("q", "1 place de la com"), ("autocomplete", "0")]).await;
    assert!(labels(&body).is_empty(), "{body}");

    // Corsica and Guadeloupe.
    let (_, body) = search(&server, ban::SEARCH_PATH, &[("q", "cours napoleon ajaccio"), ("citycode", "2A004")]).await;
    assert_eq!(labels(&body), ["1 Cours Napoléon 20000 Ajaccio"]);
    assert_eq!(body["features"][0]["properties"]["context"], "2A, Corse-du-Sud, Corse");
    let (_, body) = search(&server, ban::SEARCH_PATH, &[("q", "Rue Lardenoy")]).await;
    assert_eq!(body["features"][0]["properties"]["context"], "971, Guadeloupe, Guadeloupe");
    assert_eq!(body["features"][0]["properties"]["type"], "street");

    let (_, body) = search(&server, ban::SEARCH_PATH, &[("q", "rue qui n'existe pas")]).await;
    assert!(labels(&body).is_empty());

    server.set_adresses(vec![]);
    let (_, body) = search(&server, ban::SEARCH_PATH, &[("q", "ségur")]).await;
    assert!(labels(&body).is_empty());
    server.add_adresse(ban::adresses().remove(0));
    let (_, body) = search(&server, ban::SEARCH_PATH, &[("q", "ségur")]).await;
    assert_eq!(labels(&body), ["20 Avenue de Ségur 75007 Paris"]);
}

#[tokio::test]
async fn ban_search_rejects_bad_queries() {
    let server = Ban::start().await;
    let rule = "q: must contain between 3 and 200 chars and start with a number or a letter";
    let long = "a".repeat(201);
    for query in [vec![], vec![("q", "ab")], vec![("q", "-- paris")], vec![("q", long.as_str())]] {
        let (status, body) = search(&server, ban::SEARCH_PATH, &query).await;
        assert_eq!(status, 400, "{query:?}: {body}");
        assert_eq!(body["code"], 400);
        assert_eq!(body["message"], "Failed parsing query");
        assert_eq!(body["detail"], json!([rule]));
    }
    let (status, body) = search(&server, ban::GEOPLATEFORME_SEARCH_PATH, &[("q", "x")]).await;
    assert_eq!((status, &body["detail"]), (400, &json!([rule])));
    let (status, body) = search(&server, ban::SEARCH_PATH, &[("q", "paris"), ("type", "rue")]).await;
    assert_eq!(status, 400);
    assert!(body["detail"][0].as_str().expect("a detail").starts_with("type:"), "{body}");
    let (status, _) = search(&server, ban::SEARCH_PATH, &[("q", "paris"), ("limit", "zero")]).await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn ban_outages_and_log() {
    let server = Ban::start().await;
    server.set_outage(Outage::RateLimited { retry_after: 2 });
    let (status, headers, body) = get(client().get(url(&server.base_url(), ban::SEARCH_PATH, &[("q", "ségur")]))).await;
    assert_eq!(status, 429);
    assert_eq!(header(&headers, "retry-after"), "2");
    assert_eq!(body["code"], 429);
    server.set_outage(Outage::Unavailable);
    assert_eq!(search(&server, ban::SEARCH_PATH, &[("q", "ségur")]).await.0, 503);
    server.clear_outage();
    assert_eq!(search(&server, ban::SEARCH_PATH, &[("q", "ségur")]).await.0, 200);

    let requests = server.requests();
    assert_eq!(requests.len(), 3);
    assert!(requests.iter().all(|r| r.path == ban::SEARCH_PATH && r.param("q") == Some("ségur")));
    assert_eq!(requests[0].query, "q=s%C3%A9gur");
}

// --- API Carto ------------------------------------------------------------------

async fn cadastre(server: &ApiCarto, query: &[(&str, &str)]) -> (u16, Value) {
    let (status, _, body) = get(client().get(url(&server.base_url(), api_carto::PARCELLE_PATH, query))).await;
    (status, body)
}

fn idus(body: &Value) -> Vec<&str> {
    body["features"]
        .as_array()
        .expect("features")
        .iter()
        .map(|f| f["properties"]["idu"].as_str().expect("an idu"))
        .collect()
}

#[tokio::test]
async fn api_carto_finds_parcels_under_a_point() {
    let server = ApiCarto::start().await;
    let ban = Ban::start().await;
    // The point the geocoder gives for the address lies on the canned parcel.
    let (_, found) = search(&ban, ban::SEARCH_PATH, &[("q", "1 place de la comédie montpellier")]).await;
    let point = found["features"][0]["geometry"].to_string();
    let (status, body) = cadastre(&server, &[("geom", &point)]).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["type"], "FeatureCollection");
    assert_eq!(idus(&body), [api_carto::IDU_COMEDIE]);
    assert_eq!(
        (&body["totalFeatures"], &body["numberMatched"], &body["numberReturned"]),
        (&json!(1), &json!(1), &json!(1))
    );
    assert!(body["timeStamp"].as_str().is_some_and(|t| t.ends_with('Z')), "{body}");
    assert_eq!(body["crs"]["properties"]["name"], "urn:ogc:def:crs:EPSG::4326");
    assert_eq!(body["bbox"].as_array().map(Vec::len), Some(4));

    let feature = &body["features"][0];
    assert!(feature["id"].as_str().is_some_and(|id| id.starts_with("parcelle.")));
    assert_eq!(feature["geometry_name"], "geom");
    assert_eq!(feature["geometry"]["type"], "MultiPolygon");
    let ring = feature["geometry"]["coordinates"][0][0].as_array().expect("an outer ring");
    assert!(ring.len() >= 4 && ring.first() == ring.last());
    let p = &feature["properties"];
    for (field, value) in [
        ("idu", "34172000HE0087"),
        ("code_dep", "34"),
        ("code_com", "172"),
        ("com_abs", "000"),
        ("code_arr", "000"),
        ("section", "HE"),
        ("numero", "0087"),
        ("nom_com", "Montpellier"),
        ("code_insee", "34172"),
    ] {
        assert_eq!(p[field], value, "properties.{field}");
    }
    assert_eq!(p["feuille"], 1);
    assert!(p["gid"].is_u64());
    let contenance = p["contenance"].as_i64().expect("a contenance");
    assert!((300..600).contains(&contenance), "about 20 m × 22 m: {contenance}");

    // Corsica and Guadeloupe, by their geocoded points.
    for (q, idu) in [("1 cours napoleon ajaccio", api_carto::IDU_AJACCIO), ("rue lardenoy", api_carto::IDU_BASSE_TERRE)]
    {
        let (_, found) = search(&ban, ban::SEARCH_PATH, &[("q", q)]).await;
        let (status, body) = cadastre(&server, &[("geom", &found["features"][0]["geometry"].to_string())]).await;
        assert_eq!((status, idus(&body)), (200, vec![idu]), "{q}");
    }
}

#[tokio::test]
async fn api_carto_filters_and_pages() {
    let server = ApiCarto::start().await;
    let around = json!({
        "type": "Polygon",
        "coordinates": [[
            [3.8795, 43.6084], [3.8802, 43.6084], [3.8802, 43.6087], [3.8795, 43.6087], [3.8795, 43.6084],
        ]],
    })
    .to_string();
    let around = around.as_str();
    let (status, body) = cadastre(&server, &[("geom", around)]).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(idus(&body), [api_carto::IDU_COMEDIE, api_carto::IDU_COMEDIE_VOISINE]);

    let (_, body) = cadastre(&server, &[("geom", around), ("_limit", "1")]).await;
    assert_eq!(idus(&body), [api_carto::IDU_COMEDIE]);
    assert_eq!((&body["numberMatched"], &body["numberReturned"]), (&json!(2), &json!(1)));
    let (_, body) = cadastre(&server, &[("geom", around), ("_limit", "1"), ("_start", "1")]).await;
    assert_eq!(idus(&body), [api_carto::IDU_COMEDIE_VOISINE]);

    let (_, body) = cadastre(&server, &[("code_insee", "34172"), ("section", "HE"), ("numero", "0088")]).await;
    assert_eq!(idus(&body), [api_carto::IDU_COMEDIE_VOISINE]);
    let (_, body) = cadastre(&server, &[("code_insee", "2A004")]).await;
    assert_eq!(idus(&body), [api_carto::IDU_AJACCIO]);

    // Far away: an empty collection, no bbox.
    let (status, body) = cadastre(&server, &[("geom", r#"{"type":"Point","coordinates":[2.35,48.85]}"#)]).await;
    assert_eq!(status, 200);
    assert!(idus(&body).is_empty());
    assert_eq!(body["numberMatched"], 0);
    assert!(body.get("bbox").is_none());

    let mine = api_carto::parcelle(
        "75107000AB0012",
        "Paris 7e Arrondissement",
        &[[2.3084, 48.8505], [2.3087, 48.8505], [2.3087, 48.8507], [2.3084, 48.8507], [2.3084, 48.8505]],
    );
    server.set_parcelles(vec![mine]);
    let (_, body) = cadastre(&server, &[("geom", r#"{"type":"Point","coordinates":[2.3085,48.8506]}"#)]).await;
    assert_eq!(idus(&body), ["75107000AB0012"]);
    server.add_parcelle(api_carto::parcelles().remove(0));
    let (_, body) = cadastre(&server, &[]).await;
    assert_eq!(idus(&body).len(), 2);
}

#[tokio::test]
async fn api_carto_rejects_invalid_parameters() {
    let server = ApiCarto::start().await;
    for (geom, msg) in [
        ("pas du json", "Parse error"),
        (r#"{"coordinates":[3.0,43.0]}"#, "\"type\" member required"),
        (r#"{"type":"Point","coordinates":[3.0]}"#, "position must have 2 or more elements"),
        (r#"{"type":"Point","coordinates":["3","43"]}"#, "each element in a position must be a number"),
        (r#"{"type":"Polygon","coordinates":[[[3,43],[3.1,43],[3.1,43.1],[3,43.1]]]}"#, "the first and last positions"),
        (r#"{"type":"Polygon","coordinates":[[[3,43],[3.1,43],[3,43]]]}"#, "four or more positions"),
        (r#"{"type":"Cercle","coordinates":[3,43]}"#, "The type Cercle is unknown"),
    ] {
        let (status, body) = cadastre(&server, &[("geom", geom)]).await;
        assert_eq!(status, 400, "{geom}: {body}");
        assert_eq!(body["code"], 400);
        let problem = &body["message"]["geom"];
        assert_eq!(problem["type"], "field");
        assert_eq!(problem["value"], geom);
        assert_eq!(problem["path"], "geom");
        assert_eq!(problem["location"], "query");
        assert!(problem["msg"].as_str().is_some_and(|m| m.contains(msg)), "{geom}: {problem}");
    }
    let (status, body) = cadastre(&server, &[("code_insee", "34172"), ("section", "HEX"), ("com_abs", "1")]).await;
    assert_eq!(status, 400);
    assert_eq!(body["message"]["section"]["msg"], "Le numéro de section est sur 2 caractères");
    assert_eq!(body["message"]["com_abs"]["msg"], "Le prefixe est composé de 3 chiffres obligatoires");
    assert!(body["message"].get("code_insee").is_none());
    let (status, body) = cadastre(&server, &[("code_insee", "testapi")]).await;
    assert_eq!(status, 400, "{body}");
    let (status, body) = cadastre(&server, &[("code_insee", "34172"), ("source_ign", "XYZ")]).await;
    assert_eq!(status, 400);
    assert!(body["message"].as_str().is_some_and(|m| m.starts_with("Pour une recherche")), "{body}");
    assert_eq!(cadastre(&server, &[("code_insee", "34172"), ("source_ign", "bdp")]).await.0, 200);
}

#[tokio::test]
async fn api_carto_outages_and_log() {
    let server = ApiCarto::start().await;
    let point = r#"{"type":"Point","coordinates":[3.879825,43.608549]}"#;
    server.set_outage_for(Outage::Unavailable, 2);
    assert_eq!(cadastre(&server, &[("geom", point)]).await.0, 503);
    assert_eq!(cadastre(&server, &[("geom", point)]).await.0, 503);
    assert_eq!(cadastre(&server, &[("geom", point)]).await.0, 200);

    server.set_outage(Outage::Hang(Duration::from_millis(400)));
    let started = Instant::now();
    let (status, body) = cadastre(&server, &[("geom", point)]).await;
    assert_eq!(status, 200, "held, then answered: {body}");
    assert!(started.elapsed() >= Duration::from_millis(400));
    server.clear_outage();

    let requests = server.requests();
    assert_eq!(requests.len(), 4);
    assert_eq!(requests[3].path, api_carto::PARCELLE_PATH);
    let sent: Value = serde_json::from_str(requests[3].param("geom").expect("a geom")).expect("the geom as JSON");
    assert_eq!(sent["coordinates"], json!([3.879825, 43.608549]));
}
