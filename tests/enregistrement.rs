//! Autosave of a brouillon (`POST /dossiers/{id}/champs`), on SQLite and
//! PostgreSQL: the champs named are saved as typed and the others left as
//! they are; a wrong format is saved all the same and reported in French;
//! a champ in a row is saved for a row of the dossier only; files,
//! computed champs and unknown names are ignored; an invité autosaves too;
//! another usager finds nothing, a signed-out browser is sent to sign in,
//! and a dossier déposé meanwhile answers a conflict and keeps its filed
//! answers (its changes then autosave apart, `modifications.rs`).

use guichet::workflow::comptes::Roles;
use guichet_tests::app::{Backend, Client, Page, TestApp};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn autosave_on_sqlite() {
    let app = TestApp::start(Backend::Sqlite).await.expect("a SQLite server");
    parcours(&app).await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn autosave_on_postgres() {
    let Some(app) = TestApp::start(Backend::Postgres).await else {
        assert!(std::env::var("CI").is_err(), "CI must set GUICHET_TEST_POSTGRES_URL");
        return;
    };
    parcours(&app).await;
    app.stop().await;
}

/// A published démarche: a mandatory text (1), an e-mail (2), a block (3)
/// holding a text (4), a file (5).
pub(crate) async fn demarche(admin: &Client) {
    let page = admin
        .post(
            "/admin/demarches",
            &[
                ("libelle", "Jardins partagés"),
                ("description", "Une parcelle dans un jardin de la ville."),
                ("service_nom", "Direction des espaces verts"),
                ("service_organisme", "Ville"),
                ("cadre_juridique", "Délibération n° 2026-31 du conseil municipal"),
                ("service_email", "jardins@ville.example"),
            ],
        )
        .await;
    page.assert_status(200);
    let demarche = page.id_after("/admin/demarches/");
    let champs = format!("/admin/demarches/{demarche}/champs");
    for fields in [
        vec![("type_champ", "text"), ("libelle", "Nom du jardin"), ("obligatoire", "on")],
        vec![("type_champ", "email"), ("libelle", "Courriel de contact")],
        vec![("type_champ", "repetition"), ("libelle", "Parcelles")],
        vec![("type_champ", "text"), ("libelle", "Culture"), ("parent", "3")],
        vec![("type_champ", "piece_justificative"), ("libelle", "Plan")],
    ] {
        admin.post(&champs, &fields).await.assert_status(200);
    }
    admin
        .post(&format!("/admin/demarches/{demarche}/instructeurs"), &[("email", "agent@jardins.example")])
        .await
        .assert_status(200);
    admin
        .post(&format!("/admin/demarches/{demarche}/publier"), &[("path", "jardins")])
        .await
        .assert_status(200)
        .assert_contains("La démarche est publiée");
}

fn json(page: &Page) -> serde_json::Value {
    serde_json::from_str(&page.raw).unwrap_or_else(|e| panic!("not JSON ({e}): {}", page.body))
}

async fn parcours(app: &TestApp) {
    let admin = app
        .signed_in("admin@jardins.example", Roles { administrateur: true, instructeur: true, ..Roles::default() })
        .await;
    demarche(&admin).await;
    let lina = app.signed_in("lina@jardins.example", Roles::default()).await;
    let id = lina.post("/commencer/jardins", &[]).await.id_after("/dossiers/");
    let brouillon = format!("/dossiers/{id}/brouillon");
    let champs = format!("/dossiers/{id}/champs");

    // The page asks for the script and says where to send.
    lina.get(&brouillon)
        .await
        .assert_contains(&format!(r#"data-enregistrement="{champs}""#))
        .assert_contains(r#"id="enregistrement-statut""#)
        .assert_contains("enregistrement.js");

    // The name first, saved alone; then the e-mail, badly typed: saved as
    // typed, the error in French, the name left as it was.
    let r = lina.post(&champs, &[("champs_modifies[]", "champ_1"), ("champ_1", "Les Capucines")]).await;
    r.assert_status(200);
    let r = json(&r);
    assert!(r["enregistre_a"].as_str().is_some_and(|t| t.len() == 5 && t.as_bytes()[2] == b':'), "{r}");
    assert_eq!(r["erreurs"], serde_json::json!([]), "{r}");
    assert_eq!(r["enregistres"], serde_json::json!(["champ_1"]), "{r}");
    let r = lina.post(&champs, &[("champs_modifies[]", "champ_2"), ("champ_2", "lina-at-jardins")]).await;
    r.assert_status(200);
    let r = json(&r);
    assert_eq!(r["erreurs"][0]["champ"], "champ_2", "{r}");
    assert!(r["erreurs"][0]["message"].as_str().is_some_and(|m| m.contains("adresse électronique")), "{r}");
    lina.get(&brouillon)
        .await
        .assert_contains(r#"value="Les Capucines""#)
        .assert_contains(r#"value="lina-at-jardins""#);

    // Fixed: saved normalised, nothing left to correct. A mandatory champ
    // emptied is no error in a brouillon.
    let r = lina
        .post(
            &champs,
            &[
                ("champs_modifies[]", "champ_2"),
                ("champs_modifies[]", "champ_1"),
                ("champ_2", " lina@jardins.example "),
                ("champ_1", ""),
            ],
        )
        .await;
    assert_eq!(json(&r)["erreurs"], serde_json::json!([]));
    let page = lina.get(&brouillon).await;
    page.assert_contains(r#"value="lina@jardins.example""#).assert_lacks("Les Capucines");

    // Rows: a row of the dossier's block takes its answer, a row it does
    // not list is ignored (a page older than the row's removal).
    let saved = lina
        .post(&brouillon, &[("ligne", "ajouter:3"), ("champ_1", "Les Capucines"), ("champ_2", "lina@jardins.example")])
        .await;
    saved.assert_status(200);
    let row = ligne(&saved);
    let r = lina
        .post(
            &champs,
            &[
                ("champs_modifies[]", &format!("l{row}-champ_4")),
                ("champs_modifies[]", "l0000000000000001-champ_4"),
                (&format!("l{row}-champ_4"), "Tomates"),
                ("l0000000000000001-champ_4", "Intrus"),
            ],
        )
        .await;
    r.assert_status(200);
    assert_eq!(json(&r)["enregistres"], serde_json::json!([format!("l{row}-champ_4")]));
    let page = lina.get(&brouillon).await;
    page.assert_contains(r#"value="Tomates""#).assert_lacks("Intrus");

    // What is not an answer typed here is ignored: a file champ, a block
    // itself, a champ in a row named without its row, an unknown champ.
    let r = lina
        .post(
            &champs,
            &[
                ("champs_modifies[]", "champ_5"),
                ("champs_modifies[]", "champ_3"),
                ("champs_modifies[]", "champ_4"),
                ("champs_modifies[]", "champ_99"),
                ("champs_modifies[]", "pas-un-champ"),
                ("champ_5", "faux.pdf"),
                ("champ_3", "[]"),
                ("champ_4", "Hors bloc"),
            ],
        )
        .await;
    r.assert_status(200);
    assert_eq!(json(&r)["enregistres"], serde_json::json!([]));
    let page = lina.get(&brouillon).await;
    page.assert_contains(r#"value="Tomates""#).assert_lacks("Hors bloc").assert_contains("Parcelles — élément 1");
    // Too many champs in one request: refused.
    let trop: Vec<(&str, &str)> = (0..51).map(|_| ("champs_modifies[]", "champ_1")).collect();
    lina.post(&champs, &trop).await.assert_status(400);

    // An invité autosaves too.
    lina.post(&format!("/dossiers/{id}/invitations"), &[("email", "omar@jardins.example"), ("message", "")])
        .await
        .assert_status(200);
    let omar = app.signed_in("omar@jardins.example", Roles::default()).await;
    let r = omar.post(&champs, &[("champs_modifies[]", "champ_1"), ("champ_1", "Les Capucines du Nord")]).await;
    r.assert_status(200);
    lina.get(&brouillon).await.assert_contains(r#"value="Les Capucines du Nord""#);

    // Another usager finds nothing; a signed-out browser goes to sign in.
    let intrus = app.signed_in("intrus@jardins.example", Roles::default()).await;
    intrus.post(&champs, &[("champs_modifies[]", "champ_1"), ("champ_1", "Volé")]).await.assert_status(404);
    let anonyme = app.client();
    let r = anonyme.post(&champs, &[("champs_modifies[]", "champ_1"), ("champ_1", "Volé")]).await;
    assert_eq!(r.path(), "/connexion", "{}", r.body);
    lina.get(&brouillon).await.assert_lacks("Volé");

    // Déposé: an autosave from a tab left open answers a conflict and
    // changes nothing.
    lina.post(
        &brouillon,
        &[
            ("intention", "deposer"),
            ("champ_1", "Les Capucines du Nord"),
            ("champ_2", "lina@jardins.example"),
            ("champ_3[]", &row),
            (&format!("l{row}-champ_4"), "Tomates"),
        ],
    )
    .await
    .assert_status(200)
    .assert_contains("Votre dossier a bien été déposé");
    lina.post(&champs, &[("champs_modifies[]", "champ_1"), ("champ_1", "Trop tard")])
        .await
        .assert_status(409)
        .assert_contains("a été déposé entre-temps");
    lina.get(&format!("/dossiers/{id}")).await.assert_contains("Les Capucines du Nord").assert_lacks("Trop tard");
    // The form of a dossier en construction autosaves its changes, kept
    // apart until filed (`modifications.rs`).
    lina.get(&format!("/dossiers/{id}/modifier"))
        .await
        .assert_status(200)
        .assert_contains(&format!(r#"data-enregistrement="/dossiers/{id}/modifications/champs""#));
}

/// The one row id on a form page.
fn ligne(page: &Page) -> String {
    let start = page.body.find("data-ligne=\"").expect("a row") + "data-ligne=\"".len();
    page.body[start..].chars().take_while(|c| *c != '"').collect()
}
