//! A démarche's settings kept in memory (`demarche_config.rs`) are never
//! served stale: every kind of change an administrateur can make (the
//! service, a plugin enabled, set or disabled, a groupe created, renamed,
//! given a rule or deleted) bumps the démarche's `config_version` in the
//! database, and the next read of a dossier sees the change, even when the
//! change came from another server (here: straight through the store,
//! behind the cache's back). A write to the dossier alone changes nothing:
//! the settings then come from memory, not from four more statements.

use chrono::Utc;
use guichet::demarche_config::DemarcheConfig;
use guichet::domain::demarche::DemarcheInput;
use guichet::domain::regle::Regle;
use guichet::domain::{DemarcheId, DossierId};
use guichet::store::{demarches, dossiers, groupes};
use guichet_tests::app::TestApp;
use guichet_tests::demo;
use std::sync::Arc;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settings_in_memory_follow_every_change_on_sqlite() {
    let app = TestApp::sqlite().await;
    parcours(&app).await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settings_in_memory_follow_every_change_on_postgres() {
    let Some(app) = TestApp::postgres().await else { return };
    parcours(&app).await;
    app.stop().await;
}

/// The dossier as a request reads it, then its démarche's settings through
/// the server's cache, in the same transaction.
async fn lire(app: &TestApp, id: DossierId) -> (i64, Arc<DemarcheConfig>) {
    let state = &app.server.state;
    let mut tx = state.store.read().await.expect("read");
    let dossier = dossiers::find_for_job(tx.conn(), id).await.expect("dossier");
    let config = state.demarche_config.du_dossier(tx.conn(), &dossier).await.expect("config");
    tx.commit().await.expect("commit");
    (dossier.demarche_config_version, config)
}

/// Runs one change in a write transaction of its own, as another server
/// would.
macro_rules! changer {
    ($app:expr, |$c:ident| $change:expr) => {{
        let mut tx = $app.server.state.store.write().await.expect("write");
        let $c = tx.conn();
        $change.await.expect("change");
        tx.commit().await.expect("commit");
    }};
}

/// The settings the next read sees, checking the version went up and the
/// settings served are those of the new version.
async fn apres(app: &TestApp, id: DossierId, avant: i64) -> (i64, Arc<DemarcheConfig>) {
    let (version, config) = lire(app, id).await;
    assert!(version > avant, "the change must bump config_version ({avant} → {version})");
    assert_eq!(config.demarche.config_version, version);
    (version, config)
}

async fn parcours(app: &TestApp) {
    let demarche = demo::demarche(app).await;
    let id: DemarcheId = demarche.id();
    let usager = demo::client(app, demo::USAGER).await;
    let page = usager.post(&format!("/commencer/{}", guichet::demo::PATH), &[]).await;
    page.assert_status(200);
    let dossier = DossierId(page.id_after("/dossiers/"));

    let (v0, c0) = lire(app, dossier).await;
    // A write to the dossier alone: the same settings, from memory.
    let mut tx = app.server.state.store.write().await.expect("write");
    dossiers::touch(tx.conn(), dossier, Utc::now()).await.expect("touch");
    tx.commit().await.expect("commit");
    let (v, c) = lire(app, dossier).await;
    assert_eq!(v, v0);
    assert!(Arc::ptr_eq(&c, &c0), "unchanged settings come from memory");

    // The service, on the démarche's own row.
    let mut input = DemarcheInput {
        libelle: demarche.libelle.clone(),
        description: demarche.description.clone(),
        service: demarche.service(),
        reglages: demarche.reglages().saisis(),
    };
    input.service.nom = "Service renommé ailleurs".into();
    let reglages = demarche.reglages();
    changer!(app, |c| demarches::update_infos(c, id, &input, &reglages));
    let (v1, c1) = apres(app, dossier, v0).await;
    assert_eq!(c1.demarche.service_nom, "Service renommé ailleurs");

    // A plugin enabled, then set, then disabled.
    changer!(app, |c| demarches::activer_plugin(c, id, "exemple-inconnu", Utc::now()));
    let (v2, c2) = apres(app, dossier, v1).await;
    assert_eq!(c2.reglages.get("exemple-inconnu").map(String::as_str), Some("{}"));
    changer!(app, |c| demarches::regler_plugin(c, id, "exemple-inconnu", r#"{"seuil":3}"#));
    let (v3, c3) = apres(app, dossier, v2).await;
    assert_eq!(c3.reglages.get("exemple-inconnu").map(String::as_str), Some(r#"{"seuil":3}"#));
    changer!(app, |c| demarches::desactiver_plugin(c, id, "exemple-inconnu"));
    let (v4, c4) = apres(app, dossier, v3).await;
    assert!(!c4.reglages.contains_key("exemple-inconnu"));

    // A groupe created, renamed, given a routing rule, then deleted.
    let mut tx = app.server.state.store.write().await.expect("write");
    let groupe = groupes::insert(tx.conn(), id, "Antenne du lac", false, Utc::now()).await.expect("groupe");
    tx.commit().await.expect("commit");
    let (v5, c5) = apres(app, dossier, v4).await;
    assert!(c5.groupes.iter().any(|(g, l)| *g == groupe && l == "Antenne du lac"));
    changer!(app, |c| groupes::renommer(c, id, groupe, "Antenne du port"));
    let (v6, c6) = apres(app, dossier, v5).await;
    assert!(c6.groupes.iter().any(|(g, l)| *g == groupe && l == "Antenne du port"));
    let regle = Regle {
        expression: "true".into(),
        clauses: Vec::new(),
        combinaison: Default::default(),
        references: Vec::new(),
    };
    changer!(app, |c| groupes::set_regle_routage(c, id, groupe, Some(&regle)));
    let (v7, c7) = apres(app, dossier, v6).await;
    assert!(c7.regles_routage.iter().any(|(g, _, r)| *g == groupe && r.expression == "true"));
    changer!(app, |c| groupes::delete(c, id, groupe));
    let (_, c8) = apres(app, dossier, v7).await;
    assert!(!c8.groupes.iter().any(|(g, _)| *g == groupe));
    assert!(c8.regles_routage.is_empty());
}
