//! A champ whose plugin could not answer at dépôt (the state tests/sandbox.rs
//! produces with a failing plugin) is checked again by a job once the plugin
//! answers: a valid value is normalized and the flag cleared; a value the
//! plugin refuses stays as the usager declared it, and the instructeur sees
//! the plugin's message next to it. Runs on SQLite and PostgreSQL.

use guichet::domain::champ::repetition::Slot;
use guichet::domain::{DossierId, StableId};
use guichet::store::Store;
use guichet::workflow::comptes::Roles;
use guichet_tests::app::{Backend, TestApp};
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deferred_checks_on_sqlite() {
    scenario(&TestApp::sqlite().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deferred_checks_on_postgres() {
    let Some(app) = TestApp::start(Backend::Postgres).await else {
        assert!(std::env::var("CI").is_err(), "CI must set GUICHET_TEST_POSTGRES_URL");
        return;
    };
    scenario(&app).await;
}

/// Puts the dossier's SIRET champ in the state a plugin outage at dépôt
/// leaves it in: the value as typed, flagged for a later check.
async fn simuler_panne(store: &Store, dossier: i64, typed: &str) {
    const SQL: &str = "UPDATE champs SET value = $2, a_verifier = TRUE WHERE dossier_id = $1 AND stable_id = 1";
    match store {
        Store::Sqlite(pool, _) => sqlx::query(SQL).bind(dossier).bind(typed).execute(pool).await.map(|_| ()),
        Store::Postgres(pool) => sqlx::query(SQL).bind(dossier).bind(typed).execute(pool).await.map(|_| ()),
    }
    .expect("statement");
}

async fn deposer_un_dossier(app: &TestApp, usager_email: &str, siret: &str) -> i64 {
    let usager = app.signed_in(usager_email, Roles::default()).await;
    let page = usager.post("/commencer/verification", &[]).await;
    let dossier = page.id_after("/dossiers/");
    let page =
        usager.post(&format!("/dossiers/{dossier}/brouillon"), &[("champ_1", siret), ("intention", "deposer")]).await;
    page.assert_status(200).assert_contains("Votre dossier a bien été déposé");
    dossier
}

async fn scenario(app: &TestApp) {
    let admin = app.signed_in("admin@verif.example", Roles { administrateur: true, ..Roles::default() }).await;
    let page = admin
        .post(
            "/admin/demarches",
            &[
                ("libelle", "Vérification différée"),
                ("description", "Une démarche avec un champ SIRET."),
                ("service_nom", "Service essais"),
                ("service_organisme", "Ministère des essais"),
                ("cadre_juridique", "Délibération n° 2026-12 du conseil"),
                ("service_email", "essais@ministere.example"),
            ],
        )
        .await;
    let demarche = page.id_after("/admin/demarches/");
    admin.post(&format!("/admin/demarches/{demarche}/plugins/siret/activer"), &[]).await.assert_status(200);
    admin
        .post(
            &format!("/admin/demarches/{demarche}/champs"),
            &[("type_champ", "plugin:siret"), ("libelle", "SIRET"), ("obligatoire", "on")],
        )
        .await
        .assert_status(200);
    admin
        .post(&format!("/admin/demarches/{demarche}/instructeurs"), &[("email", "admin@verif.example")])
        .await
        .assert_status(200);
    admin.post(&format!("/admin/demarches/{demarche}/publier"), &[("path", "verification")]).await.assert_status(200);

    let state = &app.server.state;
    for (email, typed, expected_shown, refused) in [
        ("valide@verif.example", "732 829 320 00074", "73282932000074", false),
        ("refuse@verif.example", "732 829 320 00075", "732 829 320 00075", true),
    ] {
        let dossier = deposer_un_dossier(app, email, "73282932000074").await;
        simuler_panne(&state.store, dossier, typed).await;
        let fiche = format!("/instructeur/dossiers/{dossier}");
        let instructeur_page =
            |page: &guichet_tests::app::Page| page.body.contains("Vérification automatique en attente");
        assert!(instructeur_page(&admin.get(&fiche).await), "the instructeur sees the pending check");
        {
            let mut tx = state.store.write().await.expect("tx");
            guichet::jobs::enqueue_verification(
                tx.conn(),
                DossierId(dossier),
                &Slot::racine(StableId(1)),
                chrono::Utc::now(),
            )
            .await
            .expect("enqueue");
            tx.commit().await.expect("commit");
        }
        state.jobs_notify.notify_one();

        // The job workers run the check.
        let deadline = Instant::now() + Duration::from_secs(10);
        let page = loop {
            let page = admin.get(&fiche).await;
            if !instructeur_page(&page) {
                break page;
            }
            assert!(Instant::now() < deadline, "the deferred check ran");
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        page.assert_status(200).assert_contains(expected_shown);
        if refused {
            page.assert_contains("Vérification automatique : valeur non reconnue")
                .assert_contains("« SIRET » : Le numéro SIRET n'est pas valide (clé de contrôle incorrecte)");
        } else {
            page.assert_lacks("valeur non reconnue");
        }
    }
}
