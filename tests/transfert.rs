//! Transferring a dossier, end to end on SQLite and PostgreSQL: the owner
//! asks for it (a wrong address or their own refused next to the field,
//! what was typed kept), the recipient is e-mailed and sees it in « Mes
//! dossiers »; nobody else can answer it, an invité cannot ask it; the
//! owner cancels; the recipient declines (the owner is told), then
//! accepts a new one: the dossier is theirs, the former owner no longer
//! sees it and is told. A transfer left unanswered past 14 days is no
//! longer offered and the sweep deletes it.

use chrono::{Duration, Utc};
use guichet::store::Conn;
use guichet::workflow::comptes::Roles;
use guichet_tests::app::{Backend, Client, TestApp};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transfert_on_sqlite() {
    let app = TestApp::start(Backend::Sqlite).await.expect("a SQLite server");
    parcours(&app).await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transfert_on_postgres() {
    let Some(app) = TestApp::start(Backend::Postgres).await else {
        assert!(std::env::var("CI").is_err(), "CI must set GUICHET_TEST_POSTGRES_URL");
        return;
    };
    parcours(&app).await;
    app.stop().await;
}

const LINA: &str = "lina@transferts.example";
const OMAR: &str = "omar@transferts.example";

/// The id of the first transfer offered on the recipient's page.
async fn transfert_offert(client: &Client) -> i64 {
    let page = client.get("/dossiers/transferts").await;
    page.assert_status(200);
    let start = page.body.find("/dossiers/transferts/").expect("a transfer offered") + "/dossiers/transferts/".len();
    page.body[start..].split('/').next().and_then(|n| n.parse().ok()).expect("its id")
}

async fn parcours(app: &TestApp) {
    let admin = app
        .signed_in("admin@jardins.example", Roles { administrateur: true, instructeur: true, ..Roles::default() })
        .await;
    crate::enregistrement::demarche(&admin).await;
    let lina = app.signed_in(LINA, Roles::default()).await;
    let omar = app.signed_in(OMAR, Roles::default()).await;
    let id = lina.post("/commencer/jardins", &[]).await.id_after("/dossiers/");
    lina.post(&format!("/dossiers/{id}/brouillon"), &[("intention", "deposer"), ("champ_1", "Les Capucines")])
        .await
        .assert_status(200)
        .assert_contains("Votre dossier a bien été déposé");
    let dossier = format!("/dossiers/{id}");
    let transfert = format!("/dossiers/{id}/transfert");
    lina.get(&dossier).await.assert_contains(&format!(r#"href="{transfert}""#));

    // ── Refused requests keep what was typed ──
    lina.post(&transfert, &[("email", "pas-une-adresse")])
        .await
        .assert_status(422)
        .assert_contains(r#"id="email-erreur""#)
        .assert_contains(r#"value="pas-une-adresse""#);
    lina.post(&transfert, &[("email", "LINA@transferts.example")])
        .await
        .assert_status(422)
        .assert_contains("ce dossier est déjà le vôtre");

    // ── Asked, e-mailed, offered to Omar only ──
    lina.post(&transfert, &[("email", " Omar@Transferts.example ")])
        .await
        .assert_status(200)
        .assert_contains("La demande de transfert a été envoyée")
        .assert_contains("Transfert en attente")
        .assert_contains(OMAR);
    let mail = app.mail(OMAR, &format!("{LINA} souhaite vous transférer le dossier n° {id}")).await;
    assert!(mail.text_body.contains("/dossiers/transferts"), "{}", mail.text_body);
    omar.get("/dossiers").await.assert_contains("Un dossier vous est transféré");
    let premier = transfert_offert(&omar).await;
    omar.get("/dossiers/transferts").await.assert_contains(&format!("Dossier n° {id}")).assert_contains(LINA);
    let intrus = app.signed_in("intrus@transferts.example", Roles::default()).await;
    intrus.post(&format!("/dossiers/transferts/{premier}/accepter"), &[]).await.assert_status(404);
    intrus.get("/dossiers/transferts").await.assert_lacks(&format!("Dossier n° {id}"));
    intrus.get(&transfert).await.assert_status(404);
    intrus.post(&transfert, &[("email", "intrus@transferts.example")]).await.assert_status(404);
    // An invité completes the dossier but cannot give it away.
    lina.post(&format!("/dossiers/{id}/invitations"), &[("email", "sam@transferts.example"), ("message", "")])
        .await
        .assert_status(200);
    let sam = app.signed_in("sam@transferts.example", Roles::default()).await;
    sam.get(&dossier).await.assert_status(200).assert_lacks("Transférer le dossier");
    sam.get(&transfert).await.assert_status(404);

    // ── Cancelled: no longer offered ──
    lina.post(&format!("{transfert}/annuler"), &[]).await.assert_status(200).assert_contains("a été annulée");
    omar.get("/dossiers").await.assert_lacks("vous est transféré");
    omar.post(&format!("/dossiers/transferts/{premier}/accepter"), &[]).await.assert_status(404);
    lina.post(&format!("{transfert}/annuler"), &[]).await.assert_status(404);

    // ── Declined: the dossier stays Lina's, who is told ──
    lina.post(&transfert, &[("email", OMAR)]).await.assert_status(200);
    let second = transfert_offert(&omar).await;
    omar.post(&format!("/dossiers/transferts/{second}/refuser"), &[])
        .await
        .assert_status(200)
        .assert_contains("Le transfert a été refusé")
        .assert_contains("Aucun dossier ne vous est transféré");
    app.mail(LINA, &format!("Transfert refusé pour votre dossier n° {id}")).await;
    lina.get(&dossier).await.assert_status(200);

    // ── Accepted: Omar's now; Lina no longer sees it and is told ──
    lina.post(&transfert, &[("email", OMAR)]).await.assert_status(200);
    let troisieme = transfert_offert(&omar).await;
    let page = omar.post(&format!("/dossiers/transferts/{troisieme}/accepter"), &[]).await;
    page.assert_status(200).assert_contains("Le dossier vous a été transféré").assert_contains("Les Capucines");
    assert_eq!(page.path(), dossier);
    app.mail(LINA, &format!("Votre dossier n° {id} a été transféré")).await;
    lina.get(&dossier).await.assert_status(404);
    lina.get(&transfert).await.assert_status(404);
    lina.get("/dossiers").await.assert_lacks(&format!("n° {id}"));
    omar.get("/dossiers").await.assert_contains(&format!("n° {id}"));
    // Accepting again changes nothing.
    omar.post(&format!("/dossiers/transferts/{troisieme}/accepter"), &[]).await.assert_status(404);

    // ── Unanswered for 14 days: lapsed, then swept ──
    omar.post(&transfert, &[("email", LINA)]).await.assert_status(200);
    let quatrieme = transfert_offert(&lina).await;
    let passe = Utc::now() - Duration::days(15);
    let mut tx = app.server.state.store.write().await.expect("write");
    let sql = "UPDATE transferts SET created_at = $2, expire_at = $3 WHERE id = $1";
    let expire = passe + Duration::days(14);
    match tx.conn() {
        Conn::Sqlite(c) => sqlx::query(sql).bind(quatrieme).bind(passe).bind(expire).execute(&mut *c).await.map(|_| ()),
        Conn::Postgres(c) => {
            sqlx::query(sql).bind(quatrieme).bind(passe).bind(expire).execute(&mut *c).await.map(|_| ())
        }
    }
    .expect("time travel");
    tx.commit().await.expect("commit");
    lina.get("/dossiers").await.assert_lacks("vous est transféré");
    lina.post(&format!("/dossiers/transferts/{quatrieme}/accepter"), &[]).await.assert_status(404);
    omar.get(&transfert).await.assert_lacks("Transfert en attente");
    assert_eq!(app.compter("SELECT COUNT(*) FROM transferts").await, 1);
    guichet::workers::sweep(&app.server.state).await;
    assert_eq!(app.compter("SELECT COUNT(*) FROM transferts").await, 0);
    omar.get(&dossier).await.assert_status(200);
}
