//! Groupes instructeurs in the administrateur's UI: create, rename and
//! delete groupes, add and remove their instructeurs by e-mail (an invited
//! instructeur is told which groupe), every form error in French next to its
//! field, and every groupe reachable only through its own démarche.

use guichet::domain::{DossierId, GroupeInstructeurId};
use guichet::store::{demarches, dossiers};
use guichet::workflow::comptes::Roles;
use guichet_tests::app::TestApp;
use guichet_tests::demo::{self, ADMIN, INSTRUCTEUR, USAGER};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_administrateur_builds_groupes_and_staffs_them_on_sqlite() {
    let app = TestApp::sqlite().await;
    parcours(&app).await;
    app.stop().await;
}

/// The same on PostgreSQL, when the suite has one (CI does).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_administrateur_builds_groupes_and_staffs_them_on_postgres() {
    let Some(app) = TestApp::postgres().await else { return };
    parcours(&app).await;
    app.stop().await;
}

async fn parcours(app: &TestApp) {
    let demarche = demo::demarche(app).await;
    let state = &app.server.state;
    let base = format!("/admin/demarches/{}", demarche.id);
    let admin = demo::client(app, ADMIN).await;
    admin.get(&base).await.assert_contains("Groupes instructeurs").assert_contains("1 groupe, 1 instructeur");
    admin
        .get(&format!("{base}/instructeurs"))
        .await
        .assert_status(200)
        .assert_contains("groupe par défaut")
        .assert_contains(INSTRUCTEUR)
        // One groupe: no groupe to choose when assigning.
        .assert_lacks(r#"<select class="fr-select" id="groupe""#);

    // Refused names keep what was typed and say why, next to the field.
    for (libelle, message) in [
        ("   ", "Le champ « Nom du groupe » doit être rempli."),
        ("#7", "ne peut pas commencer par « # »"),
        ("défaut", "Un autre groupe de cette démarche porte déjà ce nom."),
        ("DÉFAUT", "Un autre groupe de cette démarche porte déjà ce nom."),
    ] {
        admin
            .post(&format!("{base}/groupes"), &[("libelle", libelle)])
            .await
            .assert_status(422)
            .assert_contains(message)
            .assert_contains(r#"id="libelle-erreur""#)
            .assert_contains(&format!(r#"value="{}""#, libelle));
    }

    // A groupe is created; its page tells how routing tables name it.
    let cree = admin.post(&format!("{base}/groupes"), &[("libelle", "Rhône")]).await;
    cree.assert_status(200)
        .assert_contains("Le groupe a été créé.")
        .assert_contains("Aucun instructeur dans ce groupe");
    let rhone = cree.id_after(&format!("{base}/groupes/"));
    cree.assert_contains(&format!("« #{rhone} »"));

    // An instructeur without a compte is invited into it; an invalid address
    // is refused on the groupe's page.
    let groupe = format!("{base}/groupes/{rhone}");
    admin
        .post(&format!("{groupe}/instructeurs"), &[("email", "pas-une-adresse")])
        .await
        .assert_status(422)
        .assert_contains(r#"id="email-erreur""#);
    admin
        .post(&format!("{groupe}/instructeurs"), &[("email", "agent.lyon@rhone.example")])
        .await
        .assert_status(200)
        .assert_contains("L'instructeur a été affecté.")
        .assert_contains("agent.lyon@rhone.example")
        .assert_contains("invitation envoyée");
    let invitation = app.mail("agent.lyon@rhone.example", "Vous êtes invité à instruire").await;
    assert!(invitation.text_body.contains("(groupe « Rhône »)"), "{}", invitation.text_body);

    // The demo instructeur (who has a compte) joins it from the overview's
    // groupe choice, and is told which groupe.
    let overview = admin.get(&format!("{base}/instructeurs")).await;
    overview.assert_contains(r#"<select class="fr-select" id="groupe""#).assert_contains("Rhône");
    admin
        .post(&format!("{base}/instructeurs"), &[("email", INSTRUCTEUR), ("groupe", &rhone.to_string())])
        .await
        .assert_status(200)
        .assert_contains("L'instructeur a été affecté.");
    // (The demo seeding sent them a first notice, for the default groupe.)
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    while !app
        .smtp
        .messages_to(INSTRUCTEUR)
        .unwrap_or_default()
        .iter()
        .any(|m| m.subject.contains("Vous instruisez maintenant") && m.text_body.contains("dans le groupe « Rhône »"))
    {
        assert!(std::time::Instant::now() < deadline, "no notice naming the groupe « Rhône »");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    admin.get(&base).await.assert_contains("2 groupes, 2 instructeurs");

    // Renaming: a taken name is refused, a free one accepted.
    admin
        .post(&groupe, &[("libelle", "défaut")])
        .await
        .assert_status(422)
        .assert_contains("Un autre groupe de cette démarche porte déjà ce nom.");
    admin
        .post(&groupe, &[("libelle", "Lyon et Rhône")])
        .await
        .assert_status(200)
        .assert_contains("Le groupe a été renommé.")
        .assert_contains("Groupe « Lyon et Rhône »");

    // Removing from one groupe keeps the others.
    let mut tx = state.store.read().await.expect("read");
    let membres = demarches::list_instructeurs(tx.conn(), demarche.id()).await.expect("instructeurs");
    tx.commit().await.expect("commit");
    let demo_instructeur = membres.iter().find(|i| i.email == INSTRUCTEUR).expect("demo instructeur").instructeur_id;
    admin
        .post(&format!("{groupe}/instructeurs/{demo_instructeur}/retirer"), &[])
        .await
        .assert_status(200)
        .assert_contains("L'instructeur a été retiré du groupe.");
    let page = admin.get(&groupe).await;
    page.assert_contains("agent.lyon@rhone.example").assert_lacks(INSTRUCTEUR);
    admin.get(&format!("{base}/instructeurs")).await.assert_contains(INSTRUCTEUR);

    // The default groupe cannot be deleted; a groupe holding a dossier
    // neither; an empty one can.
    let mut tx = state.store.read().await.expect("read");
    let defaut = guichet::store::groupes::defaut(tx.conn(), demarche.id()).await.expect("default groupe");
    tx.commit().await.expect("commit");
    admin
        .post(&format!("{base}/groupes/{}/supprimer", defaut.0), &[])
        .await
        .assert_status(422)
        .assert_contains("Le groupe par défaut ne peut pas être supprimé");

    let usager = demo::client(app, USAGER).await;
    let brouillon = usager.post("/commencer/demo", &[]).await.path();
    let numero = demo::numero(&brouillon);
    let mut tx = state.store.write().await.expect("write");
    dossiers::set_groupe(tx.conn(), DossierId(numero), GroupeInstructeurId(rhone)).await.expect("set groupe");
    tx.commit().await.expect("commit");
    admin.get(&groupe).await.assert_contains("Ce groupe a des dossiers").assert_lacks("Supprimer le groupe « ");
    admin
        .post(&format!("{groupe}/supprimer"), &[])
        .await
        .assert_status(422)
        .assert_contains("Ce groupe a des dossiers : il ne peut pas être supprimé.");

    let vide = admin.post(&format!("{base}/groupes"), &[("libelle", "Éphémère")]).await;
    let ephemere = vide.id_after(&format!("{base}/groupes/"));
    admin
        .post(&format!("{base}/groupes/{ephemere}/supprimer"), &[])
        .await
        .assert_status(200)
        .assert_contains("Le groupe a été supprimé.")
        .assert_lacks("Éphémère");
    admin.get(&format!("{base}/groupes/{ephemere}")).await.assert_status(404);

    // Another administrateur reaches none of it, and a groupe through
    // another démarche's URL is not found either.
    let autre = app.signed_in("autre.admin@exemple.fr", Roles { administrateur: true, ..Roles::default() }).await;
    autre.get(&groupe).await.assert_status(404);
    autre.post(&format!("{groupe}/instructeurs"), &[("email", "intrus@exemple.fr")]).await.assert_status(404);
    autre.post(&format!("{base}/groupes"), &[("libelle", "Intrus")]).await.assert_status(404);
    let sienne = autre
        .post(
            "/admin/demarches",
            &[
                ("libelle", "Autre démarche"),
                ("description", "Pour vérifier les accès."),
                ("service_nom", "Service"),
                ("service_organisme", "Organisme"),
                ("cadre_juridique", "Délibération n° 2026-12 du conseil"),
                ("service_email", "service@exemple.fr"),
            ],
        )
        .await
        .id_after("/admin/demarches/");
    autre.get(&format!("/admin/demarches/{sienne}/groupes/{rhone}")).await.assert_status(404);
    autre.post(&format!("/admin/demarches/{sienne}/groupes/{rhone}/supprimer"), &[]).await.assert_status(404);
    admin.get(&groupe).await.assert_status(200).assert_contains("agent.lyon@rhone.example");
}
