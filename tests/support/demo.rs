//! The demo démarche as tests use it: seeded, found, and filed with
//! answers that pass its form (`guichet::demo`).

use crate::app::{Client, TestApp};
use guichet::store::demarches::{self, DemarcheRow};

pub const ADMIN: &str = "administrateur@demo.guichet.localhost";
pub const INSTRUCTEUR: &str = "instructeur@demo.guichet.localhost";
pub const USAGER: &str = "usager@demo.guichet.localhost";

/// Seeds the demo data and returns the demo démarche.
pub async fn demarche(app: &TestApp) -> DemarcheRow {
    let state = &app.server.state;
    guichet::demo::seed(state).await.expect("demo data");
    let mut tx = state.store.read().await.expect("read");
    let demarche = demarches::find_by_path(tx.conn(), guichet::demo::PATH).await.expect("demo démarche");
    tx.commit().await.expect("commit");
    demarche
}

/// A client signed in as one of the demo comptes.
pub async fn client(app: &TestApp, email: &str) -> Client {
    let client = app.client();
    client.login(email, guichet::demo::PASSWORD).await;
    client
}

/// Answers to the demo form (stable ids as `guichet::demo` creates them,
/// with every plugin built): the SIRET and the adresse given, the rest
/// fixed, then `extra` (the intention, a confirmation…).
pub fn reponses<'a>(siret: &'a str, adresse: &'a str, extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut fields = vec![
        ("champ_2", "Union sportive de Démoville"),
        ("champ_3", siret),
        ("champ_4", adresse),
        ("champ_6", "Rugby"),
        ("champ_7", "120"),
        ("champ_9", "1500"),
        ("champ_10", "false"),
        ("champ_13", "on"),
    ];
    fields.extend_from_slice(extra);
    fields
}

/// Files a demo dossier as `usager`; its number.
pub async fn deposer(usager: &Client, siret: &str, adresse: &str) -> i64 {
    let brouillon = usager.post("/commencer/demo", &[]).await.path();
    usager
        .post(&brouillon, &reponses(siret, adresse, &[("intention", "deposer")]))
        .await
        .assert_status(200)
        .assert_contains("Votre dossier a bien été déposé");
    numero(&brouillon)
}

/// The number in `/dossiers/N/brouillon` (or `/dossiers/N`).
pub fn numero(path: &str) -> i64 {
    path.trim_start_matches("/dossiers/").trim_end_matches("/brouillon").parse().expect("dossier number")
}
