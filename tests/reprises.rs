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

/// A worker's heartbeat (`renew_leases`) keeps its job from every other
/// worker while it is alive; once it stops renewing (killed), the job is
/// handed over when the lease runs out, as a new attempt.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_renewed_lease_keeps_a_job_and_an_expired_one_hands_it_over() {
    use guichet::store::jobs;
    let (store, _dir) = store_sqlite().await;
    let t0 = chrono::Utc::now();
    let mut tx = store.write().await.expect("write");
    jobs::enqueue(tx.conn(), "mail", "{}", 5, t0).await.expect("enqueue");
    tx.commit().await.expect("commit");
    let lease = chrono::Duration::seconds(30);
    let claim = |at: chrono::DateTime<chrono::Utc>, until| {
        let store = &store;
        async move { jobs::claim(store, at, until, guichet::jobs::batch_size).await.expect("claim") }
    };
    let job = claim(t0, t0 + lease).await.pop().expect("a job");
    assert_eq!(job.attempts, 1);
    // Within the lease, nobody else gets it.
    assert!(claim(t0 + chrono::Duration::seconds(20), t0 + lease).await.is_empty());
    // Renewed at 20 s: still its worker's at 40 s, past the first lease.
    jobs::renew_leases(&store, &[job.id], t0 + chrono::Duration::seconds(50)).await.expect("renew");
    assert!(claim(t0 + chrono::Duration::seconds(40), t0 + lease).await.is_empty());
    // No renewal since: after 50 s another worker takes it over.
    let repris = claim(t0 + chrono::Duration::seconds(51), t0 + chrono::Duration::seconds(81)).await;
    assert_eq!(repris.iter().map(|j| (j.id, j.attempts)).collect::<Vec<_>>(), [(job.id, 2)]);
    // A finished job is no longer renewed nor claimed.
    jobs::complete(&store, &[job.id], t0 + chrono::Duration::seconds(52)).await.expect("complete");
    jobs::renew_leases(&store, &[job.id], t0 + chrono::Duration::seconds(500)).await.expect("renew");
    assert!(claim(t0 + chrono::Duration::seconds(600), t0 + chrono::Duration::seconds(630)).await.is_empty());
}

/// A worker claims e-mails in batches, in the order they were queued, and
/// never mixes queues: a rebase queued first is claimed alone, so the
/// e-mails behind it are not held up while it runs. A second claimer (a
/// replica) gets the rest, never a job already taken. Completing a batch
/// marks exactly its jobs done.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_are_claimed_in_batches_of_one_queue() {
    let (sqlite, _dir) = store_sqlite().await;
    batches_of_one_queue(&sqlite).await;
    if let Some(db) = guichet_tests::postgres::TestDatabase::create().await {
        let store = guichet::store::Store::connect(&db.url).await.expect("connect");
        store.migrate().await.expect("migrate");
        batches_of_one_queue(&store).await;
    }
}

async fn batches_of_one_queue(store: &guichet::store::Store) {
    use guichet::store::jobs;
    let t0 = chrono::Utc::now();
    let mut tx = store.write().await.expect("write");
    let rebase = jobs::enqueue(tx.conn(), "rebase", "{}", 5, t0).await.expect("enqueue");
    let mut mails = Vec::new();
    for i in 1..=5 {
        mails.push(
            jobs::enqueue(tx.conn(), "mail", "{}", 5, t0 + chrono::Duration::milliseconds(i)).await.expect("enqueue"),
        );
    }
    tx.commit().await.expect("commit");
    let at = t0 + chrono::Duration::seconds(1);
    let until = at + chrono::Duration::seconds(30);
    let by_two = |queue: &str| if queue == "mail" { 2 } else { 1 };
    let ids = |jobs: Vec<jobs::JobRow>| jobs.into_iter().map(|j| j.id).collect::<Vec<_>>();

    assert_eq!(ids(jobs::claim(store, at, until, by_two).await.expect("claim")), [rebase]);
    let first = ids(jobs::claim(store, at, until, by_two).await.expect("claim"));
    assert_eq!(first, mails[0..2]);
    let second = ids(jobs::claim(store, at, until, by_two).await.expect("claim"));
    assert_eq!(second, mails[2..4]);
    // The real batch size takes what is left, whatever it allows.
    let rest = ids(jobs::claim(store, at, until, guichet::jobs::batch_size).await.expect("claim"));
    assert_eq!(rest, mails[4..]);
    assert!(jobs::claim(store, at, until, by_two).await.expect("claim").is_empty());

    jobs::complete(store, &first, at).await.expect("complete");
    assert_eq!(jobs::count_by_state(store, "done").await.expect("count"), 2);
    assert_eq!(jobs::count_by_state(store, "running").await.expect("count"), 4);
    // Done jobs are not renewed nor claimed again once the leases expire;
    // the others are.
    jobs::renew_leases(store, &first, at + chrono::Duration::seconds(600)).await.expect("renew");
    let later = at + chrono::Duration::seconds(60);
    let again = ids(jobs::claim(store, later, later + chrono::Duration::seconds(30), |_| 10).await.expect("claim"));
    assert_eq!(again, [rebase]);
    let again = ids(jobs::claim(store, later, later + chrono::Duration::seconds(30), |_| 10).await.expect("claim"));
    assert_eq!(again, mails[2..]);
}

async fn store_sqlite() -> (guichet::store::Store, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = guichet::store::Store::connect(&format!("sqlite:{}", dir.path().join("jobs.db").display()))
        .await
        .expect("connect");
    store.migrate().await.expect("migrate");
    (store, dir)
}
