//! Changes to a dossier en construction, on SQLite and PostgreSQL: they
//! wait in a buffer (saved by the form, by autosave, by file uploads) that
//! instructeurs do not read; « Déposer les modifications » checks the
//! whole form, keeps a refused attempt as typed, then files the changes
//! and records which champs they changed in the dossier's history; «
//! Annuler les modifications » drops them; taking the dossier into
//! instruction drops them too, and the usager can change nothing after.

use crate::enregistrement::demarche;
use guichet::workflow::comptes::Roles;
use guichet_tests::app::{Backend, Client, Page, TestApp};
use guichet_tests::fichiers;

const PDF: &[u8] = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n";
const AUTRE_PDF: &[u8] =
    b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Lang (fr) >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn modifications_on_sqlite() {
    let app = TestApp::start(Backend::Sqlite).await.expect("a SQLite server");
    parcours(&app).await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn modifications_on_postgres() {
    let Some(app) = TestApp::start(Backend::Postgres).await else {
        assert!(std::env::var("CI").is_err(), "CI must set GUICHET_TEST_POSTGRES_URL");
        return;
    };
    parcours(&app).await;
    app.stop().await;
}

/// Sends one file to the champ `name`'s upload URL on the page at `page`
/// (the JavaScript path); the new file's id.
async fn televerser(app: &TestApp, usager: &Client, page: &str, name: &str, nom: &str, data: &[u8]) -> i64 {
    let url = fichiers::adresse_televersement(&usager.get(page).await.body, name);
    let (status, answer) = fichiers::televerser(&usager.http, &app.url(&url), nom, data).await;
    assert_eq!(status, 200, "{answer}");
    answer["fichier"]["id"].as_i64().unwrap_or_else(|| panic!("a file id: {answer}"))
}

async fn buffer(app: &TestApp) -> (i64, i64) {
    (
        app.compter("SELECT COUNT(*) FROM champs WHERE stream = 'buffer'").await,
        app.compter("SELECT COUNT(*) FROM pieces_jointes WHERE stream = 'buffer'").await,
    )
}

/// The one row id on a form page.
fn ligne(page: &Page) -> String {
    let start = page.body.find("data-ligne=\"").expect("a row") + "data-ligne=\"".len();
    page.body[start..].chars().take_while(|c| *c != '"').collect()
}

async fn parcours(app: &TestApp) {
    let admin = app
        .signed_in("admin@jardins.example", Roles { administrateur: true, instructeur: true, ..Roles::default() })
        .await;
    demarche(&admin).await;
    let agent = app.signed_in("agent@jardins.example", Roles { instructeur: true, ..Roles::default() }).await;
    let lina = app.signed_in("lina@jardins.example", Roles::default()).await;

    // Filed with a plot and a plan.
    let id = lina.post("/commencer/jardins", &[]).await.id_after("/dossiers/");
    let brouillon = format!("/dossiers/{id}/brouillon");
    let saved = lina.post(&brouillon, &[("ligne", "ajouter:3"), ("champ_1", "Les Capucines")]).await;
    let row = ligne(&saved);
    let plan = televerser(app, &lina, &brouillon, "champ_5", "plan.pdf", PDF).await;
    let culture = format!("l{row}-champ_4");
    lina.post(
        &brouillon,
        &[
            ("intention", "deposer"),
            ("champ_1", "Les Capucines"),
            ("champ_2", "lina@jardins.example"),
            ("champ_3[]", &row),
            (&culture, "Tomates"),
        ],
    )
    .await
    .assert_contains("Votre dossier a bien été déposé");
    let fiche = format!("/instructeur/dossiers/{id}");
    let modifier = format!("/dossiers/{id}/modifier");
    agent.get(&fiche).await.assert_status(200).assert_contains("Les Capucines").assert_lacks("L'usager modifie");

    // The form of the filed dossier: file or keep the changes, autosave
    // named as such; nothing to cancel yet.
    lina.get(&modifier)
        .await
        .assert_contains("Déposer les modifications")
        .assert_contains("Enregistrer sans déposer")
        .assert_contains(&format!(r#"data-enregistrement="/dossiers/{id}/modifications/champs""#))
        .assert_contains("Modifications enregistrées (pas encore déposées)")
        .assert_lacks("Annuler les modifications");

    // Kept without filing, a bad e-mail included: saved as typed and
    // reported; the instructeur still reads the filed dossier and is told
    // that changes are under way.
    let kept = lina
        .post(
            &modifier,
            &[
                ("intention", "enregistrer"),
                ("champ_1", "Les Capucines du Sud"),
                ("champ_2", "pas-un-courriel"),
                ("champ_3[]", &row),
                (&culture, "Tomates"),
            ],
        )
        .await;
    kept.assert_status(422).assert_contains("adresse électronique");
    assert_eq!(buffer(app).await.1, 1, "the filed plan copied into the buffer");
    agent
        .get(&fiche)
        .await
        .assert_contains("Les Capucines")
        .assert_lacks("du Sud")
        .assert_lacks("pas-un-courriel")
        .assert_contains("L'usager modifie ce dossier depuis le");
    lina.get(&format!("/dossiers/{id}"))
        .await
        .assert_contains("Modifications non déposées")
        .assert_contains("Reprendre mes modifications")
        .assert_lacks("du Sud");
    lina.get(&modifier)
        .await
        .assert_contains(r#"value="Les Capucines du Sud""#)
        .assert_contains(r#"value="pas-un-courriel""#)
        .assert_contains("Annuler les modifications");

    // Autosave goes to the buffer too; a brouillon's page left open since
    // the dépôt cannot write there.
    let autosave = format!("/dossiers/{id}/modifications/champs");
    lina.post(&autosave, &[("champs_modifies[]", "champ_1"), ("champ_1", "Les Capucines de l'Est")])
        .await
        .assert_status(200);
    lina.post(&format!("/dossiers/{id}/champs"), &[("champs_modifies[]", "champ_1"), ("champ_1", "Onglet oublié")])
        .await
        .assert_status(409);
    agent.get(&fiche).await.assert_lacks("de l'Est").assert_lacks("Onglet oublié");
    lina.get(&modifier).await.assert_contains(r#"value="Les Capucines de l'Est""#);

    // A new plan in the buffer: the usager reads it, the instructeur
    // neither sees nor downloads it, and still downloads the filed one.
    let nouveau = televerser(app, &lina, &modifier, "champ_5", "plan-v2.pdf", AUTRE_PDF).await;
    lina.get(&modifier).await.assert_contains("plan-v2.pdf").assert_lacks(">plan.pdf<");
    let (status, _, bytes) = lina.bytes(&format!("/dossiers/{id}/pieces/{nouveau}")).await;
    assert_eq!((status, bytes.as_slice()), (200, AUTRE_PDF));
    agent.get(&fiche).await.assert_contains("plan.pdf").assert_lacks("plan-v2.pdf");
    let (status, _, _) = agent.bytes(&format!("{fiche}/pieces/{nouveau}")).await;
    assert_eq!(status, 404, "a file not filed is not the administration's");
    let (status, _, bytes) = agent.bytes(&format!("{fiche}/pieces/{plan}")).await;
    assert_eq!((status, bytes.as_slice()), (200, PDF));

    // Filed with the bad e-mail: refused, everything kept as typed.
    let refused = lina
        .post(
            &modifier,
            &[
                ("intention", "deposer"),
                ("champ_1", "Les Capucines de l'Est"),
                ("champ_2", "pas-un-courriel"),
                ("champ_3[]", &row),
                (&culture, "Tomates et courges"),
            ],
        )
        .await;
    refused.assert_status(422).assert_contains("adresse électronique");
    lina.get(&modifier).await.assert_contains(r#"value="Tomates et courges""#);
    agent.get(&fiche).await.assert_lacks("courges");

    // Corrected and filed: the instructeur reads the changes, the history
    // names the champs they changed, the buffer is gone with the old plan.
    lina.post(
        &modifier,
        &[
            ("intention", "deposer"),
            ("champ_1", "Les Capucines de l'Est"),
            ("champ_2", "lina@jardins.example"),
            ("champ_3[]", &row),
            (&culture, "Tomates et courges"),
        ],
    )
    .await
    .assert_status(200)
    .assert_contains("Vos modifications ont bien été déposées");
    agent
        .get(&fiche)
        .await
        .assert_contains("Les Capucines de l'Est")
        .assert_contains("Tomates et courges")
        .assert_contains("plan-v2.pdf")
        .assert_contains("Modifications déposées (lina@jardins.example) : Nom du jardin, Parcelles, Plan")
        .assert_lacks("L'usager modifie");
    assert_eq!(buffer(app).await, (0, 0));
    let (status, _, bytes) = agent.bytes(&format!("{fiche}/pieces/{nouveau}")).await;
    assert_eq!((status, bytes.as_slice()), (200, AUTRE_PDF), "the new plan keeps its id once filed");
    let (status, _, _) = lina.bytes(&format!("/dossiers/{id}/pieces/{plan}")).await;
    assert_eq!(status, 404, "the replaced plan is gone");

    // Cancelled: the dossier stays as filed.
    lina.post(
        &modifier,
        &[("intention", "enregistrer"), ("champ_1", "Brouillon jeté"), ("champ_2", "lina@jardins.example")],
    )
    .await
    .assert_status(200);
    lina.get(&modifier).await.assert_contains(r#"value="Brouillon jeté""#);
    lina.post(&format!("/dossiers/{id}/modifications/annuler"), &[])
        .await
        .assert_status(200)
        .assert_contains("Vos modifications ont été annulées");
    assert_eq!(buffer(app).await, (0, 0));
    lina.get(&modifier).await.assert_lacks("Brouillon jeté").assert_contains("Les Capucines de l'Est");
    let (status, _, _) = agent.bytes(&format!("{fiche}/pieces/{nouveau}")).await;
    assert_eq!(status, 200, "cancelling keeps the filed files' objects");

    // Changes under way when the dossier is taken into instruction are
    // dropped, files included; the usager can change nothing after.
    lina.post(
        &modifier,
        &[("intention", "enregistrer"), ("champ_1", "Jamais transmis"), ("champ_2", "lina@jardins.example")],
    )
    .await
    .assert_status(200);
    televerser(app, &lina, &modifier, "champ_5", "plan-v3.pdf", PDF).await;
    assert_eq!(buffer(app).await.1, 1);
    agent.post(&format!("{fiche}/instruire"), &[("action", "passer_en_instruction")]).await.assert_status(200);
    assert_eq!(buffer(app).await, (0, 0));
    agent.get(&fiche).await.assert_lacks("Jamais transmis").assert_lacks("plan-v3.pdf");
    lina.get(&format!("/dossiers/{id}"))
        .await
        .assert_contains("Les Capucines de l'Est")
        .assert_lacks("Modifications non déposées");
    lina.post(&autosave, &[("champs_modifies[]", "champ_1"), ("champ_1", "Trop tard")]).await.assert_status(409);
    lina.post(&modifier, &[("intention", "deposer"), ("champ_1", "Trop tard"), ("champ_2", "lina@jardins.example")])
        .await
        .assert_contains("ne peut plus être modifié");
    agent.get(&fiche).await.assert_lacks("Trop tard");

    // Another usager finds none of it.
    let intrus = app.signed_in("intrus@jardins.example", Roles::default()).await;
    intrus.post(&format!("/dossiers/{id}/modifications/annuler"), &[]).await.assert_status(404);
}
