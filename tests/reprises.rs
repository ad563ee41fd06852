//! What a person meets when a request is repeated: a dépôt sent again after
//! it went through (a double click, a browser retrying after a lost
//! answer) shows the filed dossier, not an error, and files nothing twice;
//! a job whose worker died is handed over once its lease runs out, never
//! while its worker still renews it.

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

/// A worker's heartbeat (`renew_lease`) keeps its job from every other
/// worker while it is alive; once it stops renewing (killed), the job is
/// handed over when the lease runs out, as a new attempt.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_renewed_lease_keeps_a_job_and_an_expired_one_hands_it_over() {
    use guichet::store::{Store, jobs};
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::connect(&format!("sqlite:{}", dir.path().join("jobs.db").display())).await.expect("connect");
    store.migrate().await.expect("migrate");
    let t0 = chrono::Utc::now();
    let mut tx = store.write().await.expect("write");
    jobs::enqueue(tx.conn(), "mail", "{}", 5, t0).await.expect("enqueue");
    tx.commit().await.expect("commit");
    let lease = chrono::Duration::seconds(30);
    let job = jobs::claim(&store, t0, t0 + lease).await.expect("claim").expect("a job");
    assert_eq!(job.attempts, 1);
    // Within the lease, nobody else gets it.
    assert!(jobs::claim(&store, t0 + chrono::Duration::seconds(20), t0 + lease).await.expect("claim").is_none());
    // Renewed at 20 s: still its worker's at 40 s, past the first lease.
    jobs::renew_lease(&store, job.id, t0 + chrono::Duration::seconds(50)).await.expect("renew");
    assert!(jobs::claim(&store, t0 + chrono::Duration::seconds(40), t0 + lease).await.expect("claim").is_none());
    // No renewal since: after 50 s another worker takes it over.
    let repris = jobs::claim(&store, t0 + chrono::Duration::seconds(51), t0 + chrono::Duration::seconds(81))
        .await
        .expect("claim")
        .expect("handed over");
    assert_eq!((repris.id, repris.attempts), (job.id, 2));
    // A finished job is no longer renewed nor claimed.
    jobs::complete(&store, job.id, t0 + chrono::Duration::seconds(52)).await.expect("complete");
    jobs::renew_lease(&store, job.id, t0 + chrono::Duration::seconds(500)).await.expect("renew");
    assert!(
        jobs::claim(&store, t0 + chrono::Duration::seconds(600), t0 + chrono::Duration::seconds(630))
            .await
            .expect("claim")
            .is_none()
    );
}
