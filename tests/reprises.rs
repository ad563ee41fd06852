//! What a person meets when a request is repeated: a dépôt sent again after
//! it went through (a double click, a browser retrying after a lost
//! answer) shows the filed dossier, not an error, and files nothing twice.

use guichet::domain::DossierId;
use guichet::store::dossiers;
use guichet_tests::app::TestApp;
use guichet_tests::demo::{self, USAGER};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_depot_sent_again_shows_the_filed_dossier() {
    let app = TestApp::sqlite().await;
    demo::demarche(&app).await;
    let usager = demo::client(&app, USAGER).await;
    let brouillon = usager.post("/commencer/demo", &[]).await.path();
    let answers = demo::reponses("732 829 320 00074", "1 place de la Mairie 69002 Lyon", &[("intention", "deposer")]);
    usager.post(&brouillon, &answers).await.assert_status(200).assert_contains("Votre dossier a bien été déposé");
    let numero = demo::numero(&brouillon);

    // The same form, posted again: the dossier as filed, with the session's
    // header (still signed in), and one traitement only.
    let again = usager.post(&brouillon, &answers).await;
    again.assert_status(200).assert_contains("Votre dossier a bien été déposé").assert_contains("Se déconnecter");
    assert_eq!(again.path(), format!("/dossiers/{numero}"));
    let state = &app.server.state;
    let mut tx = state.store.read().await.expect("read");
    let traitements = dossiers::traitements(tx.conn(), DossierId(numero)).await.expect("traitements");
    tx.commit().await.expect("commit");
    assert_eq!(traitements.len(), 1, "filed once: {traitements:?}");

    // An error page keeps the person's header: still signed in.
    usager.get("/dossiers/999999").await.assert_status(404).assert_contains("Se déconnecter");
    app.stop().await;
}
