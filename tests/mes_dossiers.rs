//! « Mes dossiers » and the usager's corbeille, end to end on SQLite and
//! PostgreSQL: tabs (en cours, traités, corbeille) with their counts, a
//! search by number or by words of the démarche or of the answers (never
//! of the annotations privées), pages; a brouillon deleted, frozen, then
//! purged after 30 days with its files; a dossier en construction
//! withdrawn (the instructeur no longer finds it, its follower is told)
//! and restored; a dossier en instruction that cannot be deleted; a
//! decision hidden, kept by the purge and restorable; another usager's
//! dossier answering like a missing one.

use chrono::{Duration, Utc};
use guichet::domain::{CompteId, DossierId};
use guichet::storage::Key;
use guichet::store::{Conn, comptes, demarches, dossiers, pieces_jointes};
use guichet::workflow::comptes::Roles;
use guichet_tests::app::{Backend, Client, TestApp};
use guichet_tests::fichiers;

const PDF: &[u8] = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mes_dossiers_on_sqlite() {
    let app = TestApp::start(Backend::Sqlite).await.expect("a SQLite server");
    parcours(&app).await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mes_dossiers_on_postgres() {
    let Some(app) = TestApp::start(Backend::Postgres).await else {
        assert!(std::env::var("CI").is_err(), "CI must set GUICHET_TEST_POSTGRES_URL");
        return;
    };
    parcours(&app).await;
    app.stop().await;
}

const INSTRUCTEUR: &str = "agent@projets.example";

/// A published démarche: a text champ (1), a file champ (2) and an
/// annotation privée (3).
async fn demarche(admin: &Client) -> i64 {
    let page = admin
        .post(
            "/admin/demarches",
            &[
                ("libelle", "Appel à projets culturels"),
                ("description", "Une aide aux projets culturels de quartier."),
                ("service_nom", "Direction de la culture"),
                ("service_organisme", "Ville"),
                ("cadre_juridique", "Délibération n° 2026-12 du conseil municipal"),
                ("service_email", "culture@ville.example"),
            ],
        )
        .await;
    page.assert_status(200);
    let demarche = page.id_after("/admin/demarches/");
    admin
        .post(
            &format!("/admin/demarches/{demarche}/champs"),
            &[("type_champ", "text"), ("libelle", "Nom du projet"), ("obligatoire", "on")],
        )
        .await
        .assert_status(200);
    admin
        .post(
            &format!("/admin/demarches/{demarche}/champs"),
            &[("type_champ", "piece_justificative"), ("libelle", "Devis")],
        )
        .await
        .assert_status(200);
    admin
        .post(
            &format!("/admin/demarches/{demarche}/annotations"),
            &[("type_champ", "text"), ("libelle", "Avis interne")],
        )
        .await
        .assert_status(200);
    admin
        .post(&format!("/admin/demarches/{demarche}/instructeurs"), &[("email", INSTRUCTEUR)])
        .await
        .assert_status(200);
    admin
        .post(&format!("/admin/demarches/{demarche}/publier"), &[("path", "projets")])
        .await
        .assert_status(200)
        .assert_contains("La démarche est publiée");
    demarche
}

/// A dossier with its project's name, déposé or left a brouillon.
async fn dossier(usager: &Client, nom: &str, deposer: bool) -> i64 {
    let id = usager.post("/commencer/projets", &[]).await.id_after("/dossiers/");
    let intention = if deposer { "deposer" } else { "enregistrer" };
    usager
        .post(&format!("/dossiers/{id}/brouillon"), &[("champ_1", nom), ("intention", intention)])
        .await
        .assert_status(200);
    id
}

/// Runs one statement of the test's own (time travel, an annotation).
async fn executer(app: &TestApp, sql: &'static str, a: i64, b: impl ToString) {
    let b = b.to_string();
    let mut tx = app.server.state.store.write().await.expect("write");
    match tx.conn() {
        Conn::Sqlite(c) => sqlx::query(sql).bind(a).bind(&b).execute(&mut *c).await.map(|_| ()),
        Conn::Postgres(c) => sqlx::query(sql).bind(a).bind(&b).execute(&mut *c).await.map(|_| ()),
    }
    .expect("statement");
    tx.commit().await.expect("commit");
}

/// Puts a dossier in the corbeille `jours` days ago.
async fn vieillir(app: &TestApp, id: i64, jours: i64) {
    let at = Utc::now() - Duration::days(jours);
    let mut tx = app.server.state.store.write().await.expect("write");
    let sql = "UPDATE dossiers SET corbeille_usager_at = $2 WHERE id = $1";
    match tx.conn() {
        Conn::Sqlite(c) => sqlx::query(sql).bind(id).bind(at).execute(&mut *c).await.map(|_| ()),
        Conn::Postgres(c) => sqlx::query(sql).bind(id).bind(at).execute(&mut *c).await.map(|_| ()),
    }
    .expect("time travel");
    tx.commit().await.expect("commit");
}

async fn parcours(app: &TestApp) {
    let admin = app
        .signed_in("admin@projets.example", Roles { administrateur: true, instructeur: true, ..Roles::default() })
        .await;
    let demarche = demarche(&admin).await;
    let instructeur = app.signed_in(INSTRUCTEUR, Roles { instructeur: true, ..Roles::default() }).await;
    let usager = app.signed_in("lea@projets.example", Roles::default()).await;

    // « Commencer » takes the usager back to their brouillon: it comes last.
    let retire = dossier(&usager, "Festival des Bêta-lecteurs", true).await;
    let decide = dossier(&usager, "Chorale du quartier", true).await;
    let instruit = dossier(&usager, "Atelier de gravure", true).await;
    let brouillon = dossier(&usager, "Fresque de la médiathèque", false).await;
    // The brouillon has a file, which its purge must delete.
    let page = usager.get(&format!("/dossiers/{brouillon}/brouillon")).await;
    let url = app.url(&fichiers::adresse_televersement(&page.body, "champ_2"));
    let (status, _) = fichiers::televerser(&usager.http, &url, "devis.pdf", PDF).await;
    assert_eq!(status, 200);
    let cle = {
        let mut tx = app.server.state.store.read().await.expect("read");
        let rows = pieces_jointes::of_dossier(tx.conn(), DossierId(brouillon), guichet::store::dossiers::Stream::Main)
            .await
            .expect("pieces");
        tx.commit().await.expect("commit");
        Key::parse(rows[0].storage_key.as_deref().expect("stored")).expect("key")
    };
    assert!(app.server.state.storage.get_stream(&cle).await.is_ok());
    for (id, actions) in
        [(decide, &["passer_en_instruction", "accepter"][..]), (instruit, &["passer_en_instruction"][..])]
    {
        for action in actions {
            instructeur
                .post(&format!("/instructeur/dossiers/{id}/instruire"), &[("action", action)])
                .await
                .assert_status(200);
        }
    }
    instructeur.post(&format!("/instructeur/dossiers/{retire}/suivre"), &[]).await.assert_status(200);
    // The administration's private note, which the usager's search must
    // never reveal.
    executer(
        app,
        "INSERT INTO champs (dossier_id, stream, stable_id, row_id, value, updated_at) \
         VALUES ($1, 'main', 3, '', $2, '2026-12-01T10:00:00Z')",
        retire,
        "confidentiel-zephyr",
    )
    .await;

    // ── Tabs and search ──
    let page = usager.get("/dossiers").await;
    page.assert_status(200)
        .assert_contains("En cours (3)")
        .assert_contains("Traités (1)")
        .assert_contains("Corbeille (0)")
        .assert_contains(&format!(r#"href="/dossiers/{brouillon}""#))
        .assert_contains(&format!(r#"href="/dossiers/{instruit}""#))
        .assert_lacks(&format!(r#"href="/dossiers/{decide}""#));
    usager.get("/dossiers?onglet=traites").await.assert_contains(&format!(r#"href="/dossiers/{decide}""#));
    // Words of an answer, whatever their case; a number; the démarche.
    let page = usager.get("/dossiers?q=festival%20des%20b%C3%AAta").await;
    page.assert_contains("1 dossier pour « festival des bêta »")
        .assert_contains(&format!(r#"href="/dossiers/{retire}""#))
        .assert_lacks(&format!(r#"href="/dossiers/{brouillon}""#));
    usager
        .get(&format!("/dossiers?onglet=traites&q={decide}"))
        .await
        .assert_contains("Traités (1)")
        .assert_contains("En cours (0)")
        .assert_contains(&format!(r#"href="/dossiers/{decide}""#));
    usager.get("/dossiers?q=culturels").await.assert_contains("En cours (3)").assert_contains("Traités (1)");
    // A wildcard is a character; an annotation privée is not searched.
    usager.get("/dossiers?q=%25").await.assert_contains("Aucun dossier ne correspond").assert_contains("En cours (0)");
    usager.get("/dossiers?q=zephyr").await.assert_contains("En cours (0)").assert_lacks("confidentiel");

    // ── A dossier en construction withdrawn, then restored ──
    usager
        .get(&format!("/dossiers/{retire}/supprimer"))
        .await
        .assert_status(200)
        .assert_contains("l'administration ne le verra plus");
    usager
        .post(&format!("/dossiers/{retire}/supprimer"), &[])
        .await
        .assert_status(200)
        .assert_contains("Le dossier a été mis à la corbeille")
        .assert_contains("Corbeille (1)")
        .assert_contains(r#"aria-current="page">Corbeille (1)"#)
        .assert_contains(&format!(r#"action="/dossiers/{retire}/restaurer""#));
    app.mail(INSTRUCTEUR, &format!("Le dossier n° {retire} a été retiré par l'usager")).await;
    instructeur.get(&format!("/instructeur/dossiers/{retire}")).await.assert_status(404);
    instructeur
        .get(&format!("/instructeur/demarches/{demarche}?onglet=tous"))
        .await
        .assert_lacks(&format!(r#"href="/instructeur/dossiers/{retire}""#));
    // A dossier in the corbeille cannot change: restore it first.
    usager
        .post(&format!("/dossiers/{retire}/modifier"), &[("champ_1", "Autre nom"), ("intention", "deposer")])
        .await
        .assert_status(422)
        .assert_contains("dans la corbeille");
    usager
        .post(&format!("/dossiers/{retire}/restaurer"), &[])
        .await
        .assert_status(200)
        .assert_contains("Le dossier a été restauré")
        .assert_contains("Corbeille (0)");
    app.mail(INSTRUCTEUR, &format!("Le dossier n° {retire} a été restauré par l'usager")).await;
    instructeur.get(&format!("/instructeur/dossiers/{retire}")).await.assert_status(200).assert_contains("Festival");

    // ── En instruction: not deletable ──
    usager
        .get(&format!("/dossiers/{instruit}/supprimer"))
        .await
        .assert_status(200)
        .assert_contains("Un dossier en instruction ne peut pas être supprimé")
        .assert_lacks("Mettre à la corbeille</button>");
    usager
        .post(&format!("/dossiers/{instruit}/supprimer"), &[])
        .await
        .assert_status(422)
        .assert_contains("Un dossier en instruction ne peut pas être supprimé");

    // ── Another usager: every address answers like a missing dossier ──
    let autre = app.signed_in("intrus@projets.example", Roles::default()).await;
    for path in [format!("/dossiers/{brouillon}/supprimer"), format!("/dossiers/{decide}/supprimer")] {
        autre.get(&path).await.assert_status(404);
        autre.post(&path, &[]).await.assert_status(404);
    }
    autre.post(&format!("/dossiers/{retire}/restaurer"), &[]).await.assert_status(404);
    autre.get("/dossiers?q=fresque").await.assert_contains("En cours (0)").assert_lacks("Fresque");

    // ── A brouillon and a decision in the corbeille; 31 days later ──
    for (id, notice) in [(brouillon, "restaurer pendant 30 jours"), (decide, "L'administration le conserve")] {
        usager.post(&format!("/dossiers/{id}/supprimer"), &[]).await.assert_status(200).assert_contains(notice);
    }
    // Deleting twice (a replayed form) changes nothing.
    usager.post(&format!("/dossiers/{brouillon}/supprimer"), &[]).await.assert_status(200);
    usager
        .post(&format!("/dossiers/{brouillon}/brouillon"), &[("champ_1", "Modifié"), ("intention", "deposer")])
        .await
        .assert_status(422)
        .assert_contains("dans la corbeille");
    let page = usager.get("/dossiers?onglet=corbeille").await;
    page.assert_contains("Corbeille (2)").assert_contains("En cours (2)").assert_contains("Traités (0)");
    vieillir(app, brouillon, 31).await;
    vieillir(app, decide, 31).await;
    // Past the delay, the brouillon cannot come back; the purge deletes
    // it and keeps the decision, which can still be restored.
    usager
        .post(&format!("/dossiers/{brouillon}/restaurer"), &[])
        .await
        .assert_status(422)
        .assert_contains("délai de restauration");
    let purges = guichet::workflow::dossier::corbeille::purger(&app.server.state, Utc::now()).await.expect("purge");
    assert_eq!(purges, 1);
    usager.get(&format!("/dossiers/{brouillon}")).await.assert_status(404);
    assert!(app.server.state.storage.get_stream(&cle).await.is_err(), "the purged brouillon's file is deleted");
    usager.post(&format!("/dossiers/{decide}/restaurer"), &[]).await.assert_status(200).assert_contains("Traités (1)");

    // ── Pages: 30 more brouillons make two pages of en cours (25 a page) ──
    let state = &app.server.state;
    let mut tx = state.store.write().await.expect("write");
    let d = demarches::find(tx.conn(), guichet::domain::DemarcheId(demarche)).await.expect("démarche");
    let revision = d.current_revision().expect("revision");
    let compte = comptes::find_by_email(tx.conn(), "lea@projets.example").await.expect("find").expect("compte").id;
    let mut derniers = Vec::new();
    for i in 0..30 {
        let at = Utc::now() - Duration::days(1) + Duration::minutes(i);
        let id = dossiers::insert(tx.conn(), d.id(), revision, CompteId(compte), false, at).await.expect("dossier");
        derniers.push(id);
    }
    tx.commit().await.expect("commit");
    let premiere = usager.get("/dossiers").await;
    premiere
        .assert_contains("En cours (32)")
        .assert_contains("page 1 sur 2")
        .assert_contains(r#"href="/dossiers?onglet=en-cours&page=2""#)
        .assert_contains(&format!(r#"href="/dossiers/{retire}""#));
    let seconde = usager.get("/dossiers?page=2").await;
    seconde.assert_contains("page 2 sur 2").assert_lacks(&format!(r#"href="/dossiers/{retire}""#));
    let DossierId(plus_ancien) = derniers[0];
    seconde.assert_contains(&format!(r#"href="/dossiers/{plus_ancien}""#));
    usager.get("/dossiers?page=99&onglet=inconnu").await.assert_status(200).assert_contains("page 2 sur 2");
}
