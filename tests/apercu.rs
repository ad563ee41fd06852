//! The editor's preview: the administrateur sees the usager's page of the
//! form, checks answers as a dépôt would (errors next to their champs,
//! champs a condition shows, blocks' rows), and nothing is saved. Another
//! administrateur's démarche answers 404.

use guichet::store::Conn;
use guichet::workflow::comptes::Roles;
use guichet_tests::app::TestApp;
use guichet_tests::demo;

async fn dossiers(app: &TestApp) -> i64 {
    let mut tx = app.server.state.store.read().await.expect("read");
    let sql = "SELECT COUNT(*) FROM dossiers";
    let n: i64 = match tx.conn() {
        Conn::Sqlite(c) => sqlx::query_scalar(sql).fetch_one(&mut *c).await.expect("count"),
        Conn::Postgres(c) => sqlx::query_scalar(sql).fetch_one(&mut *c).await.expect("count"),
    };
    tx.commit().await.expect("commit");
    n
}

/// The champ labelled `libelle` on the page: its stable id, and whether
/// its condition hides it.
fn champ(body: &str, libelle: &str) -> (i64, bool) {
    let at = body.find(libelle).unwrap_or_else(|| panic!("no champ « {libelle} » on the page"));
    let start = body[..at].rfind("<div class=\"guichet-champ\"").expect("the champ's wrapper");
    let tag = &body[start..start + body[start..].find('>').expect("end of the tag")];
    let id = tag.split("data-champ=\"").nth(1).and_then(|r| r.split('"').next()).expect("data-champ");
    (id.parse().expect("a stable id"), tag.contains(" hidden"))
}

const DERNIERE: &str = "Montant de la dernière subvention reçue";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_editor_previews_the_usagers_page_and_saves_nothing() {
    let app = TestApp::sqlite().await;
    let d = demo::demarche(&app).await;
    let admin = demo::client(&app, demo::ADMIN).await;
    let avant = dossiers(&app).await;
    let url = format!("/admin/demarches/{}/apercu", d.id);

    // The editor links to it; the page is the usager's form, with a notice.
    admin.get(&format!("/admin/demarches/{}/champs", d.id)).await.assert_status(200).assert_contains(&url);
    let page = admin.get(&url).await;
    page.assert_status(200)
        .assert_contains("Aperçu : la page que verront les usagers")
        .assert_contains("Nom de l'association")
        .assert_contains("Vérifier les réponses")
        .assert_contains(&format!("data-regles=\"{url}/regles\""))
        .assert_lacks("Déposer le dossier");
    // The champ its condition hides is on the page, hidden.
    let (derniere, masque) = champ(&page.body, DERNIERE);
    assert!(masque, "the conditional champ starts hidden");

    // Checked as a dépôt: mandatory champs named, what was typed kept.
    let page = admin.post(&url, &[("intention", "verifier"), ("champ_7", "beaucoup"), ("champ_10", "true")]).await;
    page.assert_status(422)
        .assert_contains("Le formulaire contient des erreurs")
        .assert_contains("href=\"#champ_2\"")
        .assert_contains("value=\"beaucoup\"");
    // « Oui » shows the champ it conditions, without any script.
    assert!(!champ(&page.body, DERNIERE).1, "the conditional champ shows after « Oui »");

    // Answers a dépôt would take.
    let mut fields = demo::reponses("732 829 320 00074", "1 place de la Mairie 99999 Démoville", &[]);
    fields.push(("intention", "verifier"));
    let page = admin.post(&url, &fields).await;
    page.assert_status(200).assert_contains("Ces réponses seraient acceptées au dépôt");

    // The live conditions, as the usager's page asks them.
    let page = admin.post(&format!("{url}/regles"), &[("champ_10", "false")]).await;
    page.assert_status(200);
    let json: serde_json::Value = serde_json::from_str(&page.body).expect("json");
    assert!(json["masques"].as_array().expect("masques").contains(&serde_json::json!(derniere)), "{json}");

    assert_eq!(dossiers(&app).await, avant, "the preview files no dossier");

    // Another administrateur: as if the démarche did not exist.
    let autre = app.signed_in("autre@apercu.example", Roles { administrateur: true, ..Roles::default() }).await;
    autre.get(&url).await.assert_status(404);
    autre.post(&format!("{url}/regles"), &[("champ_10", "true")]).await.assert_status(404);
    // An usager, likewise refused.
    let usager = demo::client(&app, demo::USAGER).await;
    let status = usager.get(&url).await.status;
    assert!(status == 403 || status == 404, "an usager gets no preview: {status}");
    app.stop().await;
}
