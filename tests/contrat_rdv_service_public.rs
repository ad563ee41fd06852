//! Proves that the RDV Service Public stand-in of
//! `guichet_tests::contrats::rdv_service_public` speaks the agent API as the
//! service documents it (plans, rendez-vous, OAuth bearer, errors), that its
//! booking and status controls show through the API, and that its outage
//! switches and request log work. Checked with a plain HTTP client
//! (reqwest), independent of any plugin.

use std::time::{Duration, Instant};

use guichet_tests::contrats::Outage;
use guichet_tests::contrats::rdv_service_public::{
    self, LocationType, PREMIER_PLAN, PREMIER_RDV, RdvServicePublic, Reservation, Status, TOKEN,
};
use serde_json::{Value, json};

const WAIT: Duration = Duration::from_secs(5);
const RETOUR: &str = "http://127.0.0.1:8080/dossiers/12/rendez-vous";
const DOSSIER: &str = "http://127.0.0.1:8080/procedures/3/dossiers/12";

fn client() -> reqwest::Client {
    reqwest::Client::builder().timeout(WAIT).user_agent("guichet-selftest/1").build().expect("an HTTP client")
}

/// Status, headers and body (JSON when it parses, the text as a string otherwise).
async fn send(request: reqwest::RequestBuilder) -> (u16, reqwest::header::HeaderMap, Value) {
    let response = request.send().await.expect("an answer");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.expect("a body");
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, headers, body)
}

async fn create(
    server: &RdvServicePublic,
    body: &Value,
    token: Option<&str>,
) -> (u16, reqwest::header::HeaderMap, Value) {
    let mut request = client()
        .post(format!("{}/api/v1/rdv_plans", server.base_url()))
        .header("content-type", "application/json")
        .body(body.to_string());
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    send(request).await
}

async fn get(server: &RdvServicePublic, path_and_query: &str) -> (u16, Value) {
    let (status, _, body) =
        send(client().get(format!("{}{path_and_query}", server.base_url())).bearer_auth(TOKEN)).await;
    (status, body)
}

fn marie() -> Value {
    json!({
        "user": { "first_name": "Marie", "last_name": "Dupont", "email": "marie.dupont@example.fr" },
        "return_url": RETOUR,
        "dossier_url": DOSSIER,
    })
}

#[tokio::test]
async fn a_plan_is_created_read_booked_and_listed() {
    let server = RdvServicePublic::start().await;

    let (status, headers, created) = create(&server, &marie(), Some(TOKEN)).await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(headers["content-type"], "application/json; charset=utf-8");
    let plan = &created["rdv_plan"];
    assert_eq!(plan["id"], PREMIER_PLAN);
    assert_eq!(plan["rdv"], Value::Null);
    assert_eq!(plan["url"], format!("{}/agents/rdv_plans/{PREMIER_PLAN}", server.base_url()));
    assert!(plan["user_id"].is_u64(), "{plan}");
    let created_at = plan["created_at"].as_str().expect("created_at");
    assert!(chrono::DateTime::parse_from_str(created_at, "%Y-%m-%d %H:%M:%S %z").is_ok(), "Ruby time: {created_at}");
    assert_eq!(
        server.plan(PREMIER_PLAN).expect("the plan is kept"),
        json!({
            "id": PREMIER_PLAN, "return_url": RETOUR, "dossier_url": DOSSIER, "rdv_id": null,
            "user": { "id": plan["user_id"], "first_name": "Marie", "last_name": "Dupont", "email": "marie.dupont@example.fr" },
        })
    );

    // Not booked yet: the plan has no rdv and the index has nothing.
    let (status, read) = get(&server, &format!("/api/v1/rdv_plans/{PREMIER_PLAN}")).await;
    assert_eq!(status, 200);
    assert_eq!(read["rdv_plan"]["rdv"], Value::Null);
    assert_eq!(read["rdv_plan"]["id"], PREMIER_PLAN);

    // The usager books a visio on 7 June 2024 at 15:30 in Paris.
    let rdv_id = server.reserver(PREMIER_PLAN, Reservation::visio("2024-06-07T15:30:00+02:00", 30));
    assert_eq!(rdv_id, PREMIER_RDV);
    let (_, read) = get(&server, &format!("/api/v1/rdv_plans/{PREMIER_PLAN}")).await;
    assert_eq!(
        read["rdv_plan"]["rdv"],
        json!({ "id": PREMIER_RDV, "status": "unknown", "starts_at": "2024-06-07T15:30:00+02:00", "location_type": "visio" })
    );
    assert_eq!(server.plan(PREMIER_PLAN).expect("the plan")["rdv_id"], PREMIER_RDV);

    let (status, index) = get(&server, &format!("/api/v1/rdvs?id%5B%5D={PREMIER_RDV}")).await;
    assert_eq!(status, 200, "{index}");
    let rdvs = index["rdvs"].as_array().expect("an rdvs array");
    assert_eq!(rdvs.len(), 1);
    let rdv = &rdvs[0];
    assert_eq!(rdv["id"], PREMIER_RDV);
    assert_eq!(rdv["status"], "unknown");
    assert_eq!(rdv["starts_at"], "2024-06-07 15:30:00 +0200");
    assert_eq!(rdv["ends_at"], "2024-06-07 16:00:00 +0200");
    assert_eq!(rdv["duration_in_min"], 30);
    assert_eq!(rdv["motif"]["location_type"], "visio");
    assert_eq!(rdv["motif"]["name"], "Entretien");
    assert_eq!(rdv["lieu"], Value::Null);
    assert_eq!(rdv["cancelled_at"], Value::Null);
    assert_eq!(rdv["users"][0]["email"], "marie.dupont@example.fr");
    let uuid = rdv["uuid"].as_str().expect("a uuid");
    assert_eq!(
        rdv["visio_url"],
        format!("https://webconf.numerique.gouv.fr/RdvServicePublic{}", uuid.replace('-', ""))
    );
    assert_eq!(
        rdv["url_for_agents"],
        format!("{}/admin/organisations/{}/rdvs/{PREMIER_RDV}", server.base_url(), rdv_service_public::ORGANISATION_ID)
    );
    assert_eq!(
        index["meta"],
        json!({ "current_page": 1, "next_page": null, "prev_page": null, "total_pages": 1, "total_count": 1 })
    );
    // `id[]` unencoded, as démarches-simplifiées writes it, and `id`.
    for query in [format!("id[]={PREMIER_RDV}"), format!("id={PREMIER_RDV}")] {
        let (_, index) = get(&server, &format!("/api/v1/rdvs?{query}")).await;
        assert_eq!(index["rdvs"].as_array().map(Vec::len), Some(1), "{query}");
    }
    let (_, none) = get(&server, "/api/v1/rdvs?id%5B%5D=1").await;
    assert_eq!(none["rdvs"], json!([]));
    assert_eq!(none["meta"]["total_count"], 0);
}

#[tokio::test]
async fn statuses_and_modalities_show_through_the_api() {
    let server = RdvServicePublic::start().await;
    for _ in 0..3 {
        assert_eq!(create(&server, &marie(), Some(TOKEN)).await.0, 201);
    }
    assert_eq!(server.plans(), vec![PREMIER_PLAN, PREMIER_PLAN + 1, PREMIER_PLAN + 2]);
    let sur_place = server.reserver(PREMIER_PLAN, Reservation::sur_place("2024-06-18T11:00:00+02:00", 60));
    let domicile = server.reserver(
        PREMIER_PLAN + 1,
        Reservation {
            address: Some("21 rue des Ardennes, 75019 Paris".to_owned()),
            motif: "Visite à domicile".to_owned(),
            ..Reservation::new("2024-12-02T09:00:00+01:00", 45, LocationType::Home)
        },
    );
    let telephone =
        server.reserver(PREMIER_PLAN + 2, Reservation::new("2024-12-03T14:00:00+01:00", 15, LocationType::Phone));
    assert_eq!((sur_place, domicile, telephone), (PREMIER_RDV, PREMIER_RDV + 1, PREMIER_RDV + 2));

    let (_, index) = get(&server, "/api/v1/rdvs").await;
    let rdvs = index["rdvs"].as_array().expect("rdvs");
    assert_eq!(rdvs.len(), 3);
    assert_eq!(rdvs[0]["motif"]["location_type"], "public_office");
    assert_eq!(rdvs[0]["lieu"]["name"], "Mairie de Saint-Péray");
    assert_eq!(rdvs[0]["address"], "Rue de la Mairie, 07130 Saint-Péray");
    assert_eq!(rdvs[0]["ends_at"], "2024-06-18 12:00:00 +0200");
    assert!(rdvs[0].get("visio_url").is_none());
    assert_eq!(rdvs[1]["motif"]["location_type"], "home");
    assert_eq!(rdvs[1]["address"], "21 rue des Ardennes, 75019 Paris");
    assert_eq!(rdvs[1]["motif"]["name"], "Visite à domicile");
    assert_eq!(rdvs[2]["motif"]["location_type"], "phone");

    server.set_status(sur_place, Status::Seen);
    server.set_status(domicile, Status::Excused);
    server.set_status(telephone, Status::Noshow);
    let (_, index) = get(&server, "/api/v1/rdvs").await;
    let statuses: Vec<&str> =
        index["rdvs"].as_array().expect("rdvs").iter().map(|r| r["status"].as_str().expect("a status")).collect();
    assert_eq!(statuses, ["seen", "excused", "noshow"]);
    assert!(index["rdvs"][1]["cancelled_at"].is_string(), "an excused rdv is cancelled");
    assert_eq!(index["rdvs"][0]["cancelled_at"], Value::Null);
    let (_, plan) = get(&server, &format!("/api/v1/rdv_plans/{}", PREMIER_PLAN + 1)).await;
    assert_eq!(plan["rdv_plan"]["rdv"]["status"], "excused");
    assert_eq!(plan["rdv_plan"]["rdv"]["location_type"], "home");

    // Filters.
    let (_, excused) = get(&server, "/api/v1/rdvs?status=excused").await;
    assert_eq!(excused["rdvs"].as_array().map(Vec::len), Some(1));
    server.set_status(domicile, Status::Revoked);
    let (_, two) = get(&server, &format!("/api/v1/rdvs?id[]={sur_place}&id[]={domicile}")).await;
    let statuses: Vec<&str> =
        two["rdvs"].as_array().expect("rdvs").iter().map(|r| r["status"].as_str().expect("status")).collect();
    assert_eq!(statuses, ["seen", "revoked"]);

    // A removed plan is gone, with its rendez-vous.
    server.remove_plan(PREMIER_PLAN);
    let (status, body) = get(&server, &format!("/api/v1/rdv_plans/{PREMIER_PLAN}")).await;
    assert_eq!(status, 404);
    assert_eq!(body, json!({ "errors": [format!("Couldn't find RdvPlan with 'id'={PREMIER_PLAN}")] }));
    let (_, index) = get(&server, "/api/v1/rdvs").await;
    assert_eq!(index["rdvs"].as_array().map(Vec::len), Some(2));
}

#[tokio::test]
async fn the_bearer_token_is_required() {
    let server = RdvServicePublic::start().await;
    for token in [None, Some("wrong")] {
        let (status, headers, body) = create(&server, &marie(), token).await;
        assert_eq!(status, 401, "{token:?}");
        assert_eq!(body, json!({ "error": "invalid_token", "error_description": "The access token is invalid" }));
        let challenge = headers["www-authenticate"].to_str().expect("ASCII");
        assert!(challenge.starts_with("Bearer realm=\"Doorkeeper\""), "{challenge}");
    }
    let (status, _, _) =
        send(client().get(format!("{}/api/v1/rdv_plans/1", server.base_url())).bearer_auth("wrong")).await;
    assert_eq!(status, 401);
    let (status, _, _) = send(client().get(format!("{}/api/v1/rdvs", server.base_url()))).await;
    assert_eq!(status, 401);
    assert!(server.plans().is_empty(), "nothing was created");

    server.set_token("autre-jeton");
    assert_eq!(create(&server, &marie(), Some(TOKEN)).await.0, 401);
    assert_eq!(create(&server, &marie(), Some("autre-jeton")).await.0, 201);
    let calls = server.wait_for_requests(6, WAIT).await.expect("six requests");
    assert_eq!(calls[5].header("authorization"), Some("Bearer autre-jeton"));
    assert_eq!(calls[5].method, "POST");
    assert_eq!(calls[5].path, "/api/v1/rdv_plans");
    assert_eq!(calls[5].header("content-type"), Some("application/json"));
}

#[tokio::test]
async fn plan_creation_checks_the_usager_and_the_return_url() {
    let server = RdvServicePublic::start().await;

    let (status, _, body) = create(&server, &json!({ "return_url": RETOUR }), Some(TOKEN)).await;
    assert_eq!(status, 422);
    assert_eq!(body, json!({ "errors": ["param is missing or the value is empty: user"] }));

    let (status, _, body) =
        create(&server, &json!({ "user": { "email": "nouveau@example.fr", "last_name": "Martin" } }), Some(TOKEN))
            .await;
    assert_eq!(status, 422);
    assert_eq!(body["errors"], json!({ "first_name": [{ "error": "blank" }] }));
    assert_eq!(body["error_messages"], json!(["first_name doit être rempli(e)"]));

    // Raw text that is not JSON.
    let (status, _, _) = send(
        client()
            .post(format!("{}/api/v1/rdv_plans", server.base_url()))
            .bearer_auth(TOKEN)
            .header("content-type", "application/json")
            .body("{not json"),
    )
    .await;
    assert_eq!(status, 400);

    for (return_url, message) in [
        ("https://evil.example.com/retour", "return_url n'est pas un nom de domaine autorisé"),
        ("javascript:alert(1)", "return_url Doit utiliser http ou https"),
    ] {
        let mut body = marie();
        body["return_url"] = json!(return_url);
        let (status, _, answer) = create(&server, &body, Some(TOKEN)).await;
        assert_eq!(status, 422, "{return_url}");
        assert_eq!(answer["error_messages"], json!([message]));
    }
    server.set_return_hosts(&["guichet.example.fr"]);
    let mut body = marie();
    body["return_url"] = json!("https://guichet.example.fr/dossiers/12");
    let (status, _, first) = create(&server, &body, Some(TOKEN)).await;
    assert_eq!(status, 201);
    assert_eq!(create(&server, &marie(), Some(TOKEN)).await.0, 422, "127.0.0.1 is no longer allowed");

    // A known usager is found by e-mail (names not needed) or by id.
    let by_email = json!({ "user": { "email": "MARIE.DUPONT@example.fr" } });
    let (status, _, second) = create(&server, &by_email, Some(TOKEN)).await;
    assert_eq!(status, 201, "{second}");
    assert_eq!(second["rdv_plan"]["user_id"], first["rdv_plan"]["user_id"]);
    let by_id = json!({ "user": { "id": first["rdv_plan"]["user_id"] } });
    let (status, _, third) = create(&server, &by_id, Some(TOKEN)).await;
    assert_eq!(status, 201);
    assert_eq!(third["rdv_plan"]["user_id"], first["rdv_plan"]["user_id"]);
    assert_eq!(third["rdv_plan"]["id"], PREMIER_PLAN + 2);
    let (status, _, forbidden) = create(&server, &json!({ "user": { "id": 1 } }), Some(TOKEN)).await;
    assert_eq!(status, 403);
    assert_eq!(forbidden["errors"], json!([{ "base": "forbidden" }]));

    let (status, body) = get(&server, "/api/v1/rdv_plans/abc").await;
    assert_eq!((status, body), (404, json!({ "errors": ["Couldn't find RdvPlan with 'id'=abc"] })));
}

#[tokio::test]
async fn outages_and_the_request_log() {
    let server = RdvServicePublic::start().await;
    server.set_outage_for(Outage::Unavailable, 1);
    let (status, _, body) = create(&server, &marie(), Some(TOKEN)).await;
    assert_eq!((status, body), (503, json!({ "errors": ["Service Unavailable"] })));
    assert!(server.plans().is_empty(), "an outage creates nothing");
    assert_eq!(create(&server, &marie(), Some(TOKEN)).await.0, 201, "the outage was for one request");

    server.set_outage(Outage::RateLimited { retry_after: 7 });
    for _ in 0..2 {
        let (status, headers, body) = create(&server, &marie(), Some(TOKEN)).await;
        assert_eq!(status, 429);
        assert_eq!(headers["retry-after"], "7");
        assert_eq!(body, json!("Retry later\n"));
    }
    server.clear_outage();

    server.set_outage(Outage::Hang(Duration::from_millis(1500)));
    let started = Instant::now();
    let impatient = reqwest::Client::builder().timeout(Duration::from_millis(300)).build().expect("a client");
    let result =
        impatient.get(format!("{}/api/v1/rdv_plans/{PREMIER_PLAN}", server.base_url())).bearer_auth(TOKEN).send().await;
    assert!(result.is_err_and(|e| e.is_timeout()), "a hung request times out");
    assert!(started.elapsed() < Duration::from_secs(1));
    let (status, _) = get(&server, &format!("/api/v1/rdv_plans/{PREMIER_PLAN}")).await;
    assert_eq!(status, 200, "a patient client gets the answer after the hang");
    server.clear_outage();

    let calls = server.wait_for_requests(6, WAIT).await.expect("six requests");
    assert_eq!(calls.len(), 6);
    assert!(calls.iter().all(|c| c.header("authorization") == Some(&*format!("Bearer {TOKEN}"))));
    assert_eq!(calls[5].path, format!("/api/v1/rdv_plans/{PREMIER_PLAN}"));
    server.clear_requests();
    let (_, _) = get(&server, "/api/v1/rdvs?id%5B%5D=3&page=2").await;
    let calls = server.requests();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].param("id[]"), Some("3"));
    assert_eq!(calls[0].param("page"), Some("2"));
}
