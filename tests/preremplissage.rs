//! Préremplissage, end to end on SQLite and PostgreSQL: by link, a
//! visitor signs in and starts a new brouillon holding the link's answers
//! (a bad one kept as typed and reported); through the public API, JSON
//! answers give a link whose first opener gets the brouillon, the same
//! one when they open it again, while anyone else finds nothing; the
//! status call follows the dossier to its dépôt; answers nobody claims in
//! 5 days are deleted by the sweep. The documentation page lists the
//! champs. The API is anonymous, outside the CSRF check, and rate-limited.

use chrono::{Duration, Utc};
use guichet::store::Conn;
use guichet::workflow::comptes::Roles;
use guichet_tests::app::{Backend, TestApp};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn preremplissage_on_sqlite() {
    let app = TestApp::start(Backend::Sqlite).await.expect("a SQLite server");
    parcours(&app).await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn preremplissage_on_postgres() {
    let Some(app) = TestApp::start(Backend::Postgres).await else {
        assert!(std::env::var("CI").is_err(), "CI must set GUICHET_TEST_POSTGRES_URL");
        return;
    };
    parcours(&app).await;
    app.stop().await;
}

async fn parcours(app: &TestApp) {
    let admin = app
        .signed_in("admin@jardins.example", Roles { administrateur: true, instructeur: true, ..Roles::default() })
        .await;
    crate::enregistrement::demarche(&admin).await;
    let demarche = app.compter("SELECT MAX(id) FROM demarches").await;

    // ── The documentation page ──
    let doc = app.client().get("/preremplir/jardins").await;
    doc.assert_status(200)
        .assert_contains("Nom du jardin")
        .assert_contains("<code>champ_1</code>")
        .assert_contains("Adresse électronique.")
        .assert_contains(&format!("/api/public/v1/demarches/{demarche}/dossiers"))
        .assert_lacks("<code>champ_5</code>");

    // ── By link: an anonymous visitor is sent to sign in, the answers kept ──
    let lien = "/commencer/jardins?champ_1=Les%20Capucines&champ_2=pas-une-adresse&utm_source=mairie";
    let visiteur = app.client();
    let page = visiteur.get(lien).await;
    page.assert_status(200).assert_contains("Certaines réponses ont été préremplies");
    assert!(page.raw.contains("retour=%2Fcommencer%2Fjardins%3Fchamp_1%3D"), "{}", page.body);
    let lina = app.signed_in("lina@jardins.example", Roles::default()).await;
    // An existing brouillon is not reused: these answers are for a new one.
    let ancien = lina.post("/commencer/jardins", &[]).await.id_after("/dossiers/");
    let page = lina.get(lien).await;
    page.assert_contains(r#"name="champ_1" value="Les Capucines""#).assert_lacks("utm_source");
    let page = lina.post("/commencer/jardins", &[("champ_1", "Les Capucines"), ("champ_2", "pas-une-adresse")]).await;
    page.assert_status(200).assert_contains(r#"value="Les Capucines""#).assert_contains(r#"value="pas-une-adresse""#);
    let nouveau = page.id_after("/dossiers/");
    assert_ne!(nouveau, ancien);

    // ── Through the API ──
    let http = reqwest::Client::new();
    let api = app.url(&format!("/api/public/v1/demarches/{demarche}/dossiers"));
    let r = http
        .post(&api)
        .header("Accept", "application/json")
        .header("Content-Type", "application/json")
        .body(
            serde_json::json!({ "champ_1": "Jardin du Lavoir", "champ_2": "omar@jardins.example", "autre": 1 })
                .to_string(),
        )
        .send()
        .await
        .expect("POST");
    assert_eq!(r.status(), 201);
    let cree: serde_json::Value = serde_json::from_str(&r.text().await.expect("body")).expect("JSON");
    assert_eq!(cree["state"], "prefilled");
    let jeton = cree["dossier_prefill_token"].as_str().expect("token").to_owned();
    let url = cree["dossier_url"].as_str().expect("url").to_owned();
    assert!(url.ends_with(&format!("/commencer/jardins?prefill_token={jeton}")), "{url}");
    let statut = |jetons: String| {
        let http = http.clone();
        let api = api.clone();
        async move {
            let r = http.get(format!("{api}?prefill_token={jetons}")).send().await.expect("GET");
            assert_eq!(r.status(), 200);
            serde_json::from_str::<serde_json::Value>(&r.text().await.expect("body")).expect("JSON")
        }
    };
    assert_eq!(statut(jeton.clone()).await[0]["state"], "prefilled");
    // Not JSON, not an object, a bad value: refused, nothing kept.
    let r = http.post(&api).header("Content-Type", "text/plain").body("champ_1=x").send().await.expect("POST");
    assert_eq!(r.status(), 400, "not JSON: refused");
    let r = http
        .post(&api)
        .header("Content-Type", "application/json")
        .body(serde_json::json!(["champ_1"]).to_string())
        .send()
        .await
        .expect("POST");
    assert_eq!(r.status(), 422);
    let r = http
        .post(&api)
        .header("Content-Type", "application/json")
        .body(serde_json::json!({ "champ_1": { "a": 1 } }).to_string())
        .send()
        .await
        .expect("POST");
    assert_eq!(r.status(), 422);
    assert_eq!(app.compter("SELECT COUNT(*) FROM preremplissages").await, 1);
    // A démarche that is not published: not found.
    let r = http
        .post(app.url("/api/public/v1/demarches/999/dossiers"))
        .header("Content-Type", "application/json")
        .body(serde_json::json!({}).to_string())
        .send()
        .await;
    assert_eq!(r.expect("POST").status(), 404);

    // Omar opens the link, signs in, and gets the brouillon.
    let omar = app.signed_in("omar@jardins.example", Roles::default()).await;
    let chemin = format!("/commencer/jardins?prefill_token={jeton}");
    omar.get(&chemin).await.assert_contains(&format!(r#"name="prefill_token" value="{jeton}""#));
    let page = omar.post("/commencer/jardins", &[("prefill_token", &jeton)]).await;
    page.assert_status(200)
        .assert_contains(r#"value="Jardin du Lavoir""#)
        .assert_contains(r#"value="omar@jardins.example""#);
    let id = page.id_after("/dossiers/");
    // Again: the same brouillon. Someone else: nothing.
    assert_eq!(omar.post("/commencer/jardins", &[("prefill_token", &jeton)]).await.id_after("/dossiers/"), id);
    lina.post("/commencer/jardins", &[("prefill_token", &jeton)]).await.assert_status(404);
    lina.post("/commencer/jardins", &[("prefill_token", "inconnu")]).await.assert_status(404);
    let s = statut(jeton.clone()).await;
    assert_eq!((s[0]["state"].as_str(), s[0]["dossier_number"].as_i64()), (Some("brouillon"), Some(id)));
    omar.post(&format!("/dossiers/{id}/brouillon"), &[("intention", "deposer"), ("champ_1", "Jardin du Lavoir")])
        .await
        .assert_contains("Votre dossier a bien été déposé");
    let s = statut(format!("{jeton},inconnu")).await;
    assert_eq!(s.as_array().map(Vec::len), Some(1), "{s}");
    assert_eq!(s[0]["state"], "en_construction");
    assert!(s[0]["submitted_at"].is_string(), "{s}");

    // ── Unclaimed for 5 days: deleted by the sweep ──
    let r = http
        .post(&api)
        .header("Content-Type", "application/json")
        .body(serde_json::json!({ "champ_1": "Oublié" }).to_string())
        .send()
        .await
        .expect("POST");
    let oublie: serde_json::Value = serde_json::from_str(&r.text().await.expect("body")).expect("JSON");
    let oublie = oublie["dossier_prefill_token"].as_str().expect("token").to_owned();
    let mut tx = app.server.state.store.write().await.expect("write");
    let sql = "UPDATE preremplissages SET created_at = $1 WHERE dossier_id IS NULL";
    let passe = Utc::now() - Duration::days(6);
    match tx.conn() {
        Conn::Sqlite(c) => sqlx::query(sql).bind(passe).execute(&mut *c).await.map(|_| ()),
        Conn::Postgres(c) => sqlx::query(sql).bind(passe).execute(&mut *c).await.map(|_| ()),
    }
    .expect("time travel");
    tx.commit().await.expect("commit");
    omar.post("/commencer/jardins", &[("prefill_token", &oublie)]).await.assert_status(404);
    guichet::workers::sweep(&app.server.state).await;
    assert_eq!(app.compter("SELECT COUNT(*) FROM preremplissages").await, 1, "the claimed one stays");

    // ── Rate limit per address ──
    let mut dernier = 201;
    for _ in 0..70 {
        let r = http
            .post(&api)
            .header("Content-Type", "application/json")
            .body(serde_json::json!({ "champ_1": "x" }).to_string())
            .send()
            .await
            .expect("POST");
        dernier = r.status().as_u16();
        if dernier == 429 {
            assert!(r.headers().contains_key("retry-after"));
            break;
        }
    }
    assert_eq!(dernier, 429, "the API is rate-limited per address");
}
