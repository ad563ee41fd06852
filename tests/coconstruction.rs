//! Co-construction, end to end on SQLite and PostgreSQL: the owner of a
//! brouillon invites someone by e-mail (with a message; a wrong address or
//! their own refused next to the field, what was typed kept); the invité,
//! told by e-mail, finds the dossier in « Invités », completes it and adds
//! a file, but cannot file, delete it or invite; the owner files it; the
//! invité modifies it en construction; revoked, the invité no longer
//! finds it. A new address gets the link to choose a password; another
//! usager finds nothing; a dossier takes 20 invitations at most.

use guichet::domain::DossierId;
use guichet::store::pieces_jointes;
use guichet::workflow::comptes::Roles;
use guichet_tests::app::{Backend, Client, TestApp};
use guichet_tests::fichiers;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn coconstruction_on_sqlite() {
    let app = TestApp::start(Backend::Sqlite).await.expect("a SQLite server");
    parcours(&app).await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn coconstruction_on_postgres() {
    let Some(app) = TestApp::start(Backend::Postgres).await else {
        assert!(std::env::var("CI").is_err(), "CI must set GUICHET_TEST_POSTGRES_URL");
        return;
    };
    parcours(&app).await;
    app.stop().await;
}

const PDF: &[u8] = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n";
const PROPRIETAIRE: &str = "lea@fresques.example";
const INVITE: &str = "sam@fresques.example";

/// A published démarche: a mandatory text champ (1) and a file champ (2).
async fn demarche(admin: &Client) {
    let page = admin
        .post(
            "/admin/demarches",
            &[
                ("libelle", "Fresques de quartier"),
                ("description", "Une aide aux fresques murales."),
                ("service_nom", "Direction de la culture"),
                ("service_organisme", "Ville"),
                ("cadre_juridique", "Délibération n° 2026-14 du conseil municipal"),
                ("service_email", "culture@ville.example"),
            ],
        )
        .await;
    page.assert_status(200);
    let demarche = page.id_after("/admin/demarches/");
    let champs = format!("/admin/demarches/{demarche}/champs");
    admin
        .post(&champs, &[("type_champ", "text"), ("libelle", "Nom du projet"), ("obligatoire", "on")])
        .await
        .assert_status(200);
    admin.post(&champs, &[("type_champ", "piece_justificative"), ("libelle", "Devis")]).await.assert_status(200);
    admin
        .post(&format!("/admin/demarches/{demarche}/instructeurs"), &[("email", "agent@fresques.example")])
        .await
        .assert_status(200);
    admin
        .post(&format!("/admin/demarches/{demarche}/publier"), &[("path", "fresques")])
        .await
        .assert_status(200)
        .assert_contains("La démarche est publiée");
}

async fn parcours(app: &TestApp) {
    let admin = app
        .signed_in("admin@fresques.example", Roles { administrateur: true, instructeur: true, ..Roles::default() })
        .await;
    demarche(&admin).await;
    let lea = app.signed_in(PROPRIETAIRE, Roles::default()).await;
    let sam = app.signed_in(INVITE, Roles::default()).await;
    let id = lea.post("/commencer/fresques", &[]).await.id_after("/dossiers/");
    let brouillon = format!("/dossiers/{id}/brouillon");
    lea.post(&brouillon, &[("champ_1", "Fresque"), ("intention", "enregistrer")]).await.assert_status(200);
    let invitations = format!("/dossiers/{id}/invitations");
    lea.get(&brouillon).await.assert_contains(&format!(r#"href="{invitations}""#));

    // ── Refused invitations keep what was typed ──
    lea.post(&invitations, &[("email", "pas-une-adresse"), ("message", "Bonjour Sam")])
        .await
        .assert_status(422)
        .assert_contains(r#"id="email-erreur""#)
        .assert_contains(r#"value="pas-une-adresse""#)
        .assert_contains("Bonjour Sam</textarea>");
    lea.post(&invitations, &[("email", "LEA@fresques.example"), ("message", "")])
        .await
        .assert_status(422)
        .assert_contains("ce dossier est déjà le vôtre");
    let long = "a".repeat(1_001);
    lea.post(&invitations, &[("email", INVITE), ("message", &long)])
        .await
        .assert_status(422)
        .assert_contains(r#"id="message-erreur""#);

    // ── Sam is invited, and told ──
    lea.post(&invitations, &[("email", " Sam@Fresques.example "), ("message", "Peux-tu ajouter le devis ?")])
        .await
        .assert_status(200)
        .assert_contains("L'invitation a été envoyée")
        .assert_contains(INVITE);
    lea.post(&invitations, &[("email", INVITE), ("message", "")])
        .await
        .assert_status(422)
        .assert_contains("Cette personne est déjà invitée");
    let mail = app.mail(INVITE, &format!("{PROPRIETAIRE} vous invite à compléter le dossier n° {id}")).await;
    assert!(mail.text_body.contains("Peux-tu ajouter le devis ?"), "{}", mail.text_body);
    assert!(mail.text_body.contains(&format!("/dossiers/{id}")), "{}", mail.text_body);
    // A new address: the link to choose a password.
    lea.post(&invitations, &[("email", "nouveau@fresques.example"), ("message", "")]).await.assert_status(200);
    let mail = app.mail("nouveau@fresques.example", "vous invite à compléter").await;
    assert!(mail.text_body.contains("choisissez votre mot de passe"), "{}", mail.text_body);

    // ── Sam completes the brouillon, and cannot do the owner's part ──
    sam.get("/dossiers?onglet=invites")
        .await
        .assert_contains("Invités (1)")
        .assert_contains(&format!(r#"href="/dossiers/{id}""#));
    sam.get("/dossiers").await.assert_contains("En cours (0)");
    let page = sam.get(&brouillon).await;
    page.assert_status(200)
        .assert_contains(r#"value="Fresque""#)
        .assert_contains(&format!("Vous êtes invité sur ce dossier par {PROPRIETAIRE}"))
        .assert_lacks(r#"value="deposer""#)
        .assert_lacks(&format!(r#"href="{invitations}""#))
        .assert_lacks("Supprimer ce brouillon");
    sam.post(&brouillon, &[("champ_1", "Fresque murale"), ("intention", "enregistrer")])
        .await
        .assert_status(200)
        .assert_contains("brouillon a bien été enregistré");
    let url = app.url(&fichiers::adresse_televersement(&page.body, "champ_2"));
    let (status, _) = fichiers::televerser(&sam.http, &url, "devis.pdf", PDF).await;
    assert_eq!(status, 200, "the invité adds a file");
    sam.post(&brouillon, &[("champ_1", "Fresque murale"), ("intention", "deposer")])
        .await
        .assert_status(422)
        .assert_contains("Seul le titulaire du dossier peut le déposer");
    for path in [format!("/dossiers/{id}/supprimer"), invitations.clone()] {
        sam.get(&path).await.assert_status(404);
        sam.post(&path, &[("email", "autre@fresques.example")]).await.assert_status(404);
    }

    // ── The owner files what they wrote together; Sam modifies it ──
    lea.get(&brouillon).await.assert_contains(r#"value="Fresque murale""#).assert_contains("devis.pdf");
    lea.post(&brouillon, &[("champ_1", "Fresque murale"), ("intention", "deposer")])
        .await
        .assert_status(200)
        .assert_contains("Votre dossier a bien été déposé");
    sam.get(&format!("/dossiers/{id}"))
        .await
        .assert_status(200)
        .assert_contains("Fresque murale")
        .assert_lacks("Supprimer ce dossier");
    sam.post(
        &format!("/dossiers/{id}/modifier"),
        &[("champ_1", "Fresque murale et mosaïque"), ("intention", "deposer")],
    )
    .await
    .assert_status(200);
    lea.get(&format!("/dossiers/{id}")).await.assert_contains("Fresque murale et mosaïque");

    // ── Another usager finds nothing ──
    let autre = app.signed_in("intrus@fresques.example", Roles::default()).await;
    for path in [format!("/dossiers/{id}"), brouillon.clone(), invitations.clone()] {
        autre.get(&path).await.assert_status(404);
    }
    autre.post(&invitations, &[("email", "complice@fresques.example")]).await.assert_status(404);
    autre.get("/dossiers?onglet=invites").await.assert_contains("Invités (0)");

    // ── Revoked, Sam no longer finds the dossier nor its file ──
    let piece = {
        let mut tx = app.server.state.store.read().await.expect("read");
        let rows = pieces_jointes::of_dossier(tx.conn(), DossierId(id), guichet::store::dossiers::Stream::Main)
            .await
            .expect("pieces");
        tx.commit().await.expect("commit");
        rows[0].id
    };
    let fichier = format!("/dossiers/{id}/pieces/{piece}");
    let (status, _, _) = sam.bytes(&fichier).await;
    assert_eq!(status, 200, "the invité downloads the dossier's files");
    let page = lea.get(&invitations).await;
    let marker = format!("action=\"/dossiers/{id}/invitations/");
    let start = page.body.find(&marker).expect("a revoke form") + marker.len();
    let invitation: i64 = page.body[start..].split('/').next().and_then(|n| n.parse().ok()).expect("invitation id");
    lea.post(&format!("{invitations}/{invitation}/supprimer"), &[])
        .await
        .assert_status(200)
        .assert_contains("L'invitation a été retirée")
        .assert_lacks(&format!("<strong>{INVITE}</strong>"));
    lea.post(&format!("{invitations}/{invitation}/supprimer"), &[]).await.assert_status(404);
    sam.get(&format!("/dossiers/{id}")).await.assert_status(404);
    sam.get(&fichier).await.assert_status(404);
    sam.get("/dossiers?onglet=invites").await.assert_contains("Invités (0)");

    // ── 20 invitations at most on one dossier ──
    for n in 0..19 {
        lea.post(&invitations, &[("email", &format!("personne{n}@fresques.example")), ("message", "")])
            .await
            .assert_status(200);
    }
    lea.post(&invitations, &[("email", "une-de-trop@fresques.example"), ("message", "")])
        .await
        .assert_status(422)
        .assert_contains("Ce dossier a déjà 20 invitations");
}
