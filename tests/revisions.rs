//! Revisions of a published form (issue 10 §3): the administrateur edits a
//! draft while usagers keep filling the published form; the modifications
//! page says what changes and what it means for dossiers en construction
//! (an answer the new type refuses, a new mandatory champ); publishing
//! moves brouillons at once and rebases dossiers en construction in the
//! background (answers kept by stable id, the usager asked to complete the
//! new mandatory champ, a removed champ's answer kept and shown apart),
//! while a dossier en instruction keeps the form it was filed on;
//! « Annuler les modifications » drops the draft.

use guichet::workflow::comptes::Roles;
use guichet_tests::app::{Client, TestApp};
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revisions_on_sqlite() {
    let app = TestApp::sqlite().await;
    parcours(&app).await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revisions_on_postgres() {
    let Some(app) = TestApp::postgres().await else { return };
    parcours(&app).await;
    app.stop().await;
}

/// Files a dossier with these answers; its number.
async fn deposer(usager: &Client, reponses: &[(&str, &str)]) -> i64 {
    let page = usager.post("/commencer/aide-revisions", &[]).await.path();
    let mut fields = reponses.to_vec();
    fields.push(("intention", "deposer"));
    usager.post(&page, &fields).await.assert_status(200).assert_contains("Votre dossier a bien été déposé");
    page.trim_start_matches("/dossiers/").trim_end_matches("/brouillon").parse().expect("number")
}

async fn parcours(app: &TestApp) {
    let admin = app.signed_in("admin@revisions.example", Roles { administrateur: true, ..Roles::default() }).await;
    let instructeur = app.signed_in("agent@revisions.example", Roles { instructeur: true, ..Roles::default() }).await;
    let page = admin
        .post(
            "/admin/demarches",
            &[
                ("libelle", "Aide aux révisions"),
                ("description", "Une aide."),
                ("service_nom", "Service"),
                ("service_organisme", "Mairie"),
                ("service_email", "service@revisions.example"),
                ("cadre_juridique", "Délibération du conseil"),
            ],
        )
        .await;
    let id = page.id_after("/admin/demarches/");
    let base = format!("/admin/demarches/{id}");
    for libelle in ["Nom", "Âge"] {
        admin.post(&format!("{base}/champs"), &[("type_champ", "text"), ("libelle", libelle)]).await.assert_status(200);
    }
    admin.post(&format!("{base}/instructeurs"), &[("email", "agent@revisions.example")]).await.assert_status(200);
    admin.post(&format!("{base}/publier"), &[("path", "aide-revisions")]).await.assert_status(200);

    // Dossiers on the first form: en construction, brouillon, en instruction.
    let a = app.signed_in("a@usagers.example", Roles::default()).await;
    let dossier_a = deposer(&a, &[("champ_1", "Dupont"), ("champ_2", "vingt")]).await;
    let b = app.signed_in("b@usagers.example", Roles::default()).await;
    let brouillon_b = b.post("/commencer/aide-revisions", &[]).await.path();
    let c = app.signed_in("c@usagers.example", Roles::default()).await;
    let dossier_c = deposer(&c, &[("champ_1", "Martin"), ("champ_2", "30")]).await;
    instructeur
        .post(&format!("/instructeur/dossiers/{dossier_c}/instruire"), &[("action", "passer_en_instruction")])
        .await
        .assert_status(200);

    // 1. Editing the published form goes to a draft: usagers see nothing yet.
    admin.get(&format!("{base}/champs")).await.assert_contains("Les usagers remplissent ce formulaire.");
    admin
        .post(&format!("{base}/champs/1"), &[("type_champ", "text"), ("libelle", "Nom complet")])
        .await
        .assert_status(200)
        .assert_contains("Le champ a été modifié.");
    admin
        .post(&format!("{base}/champs/2"), &[("type_champ", "integer_number"), ("libelle", "Âge")])
        .await
        .assert_status(200);
    admin
        .post(&format!("{base}/champs"), &[("type_champ", "email"), ("libelle", "Courriel"), ("obligatoire", "on")])
        .await
        .assert_status(200)
        .assert_contains("3 modifications en attente");
    b.get(&brouillon_b).await.assert_contains("Nom").assert_lacks("Courriel");

    // 2. What changes, and what it means for dossiers en construction.
    admin
        .get(&format!("{base}/modifications"))
        .await
        .assert_status(200)
        .assert_contains("Libellé modifié : « Nom » devient « Nom complet »")
        .assert_contains("Type modifié pour « Âge » : texte court devient nombre entier")
        .assert_contains("Champ ajouté : « Courriel »")
        .assert_contains("1 dossier(s) en construction ont, pour « Âge », une réponse qui n'est pas valable")
        .assert_contains("« Courriel » est un nouveau champ obligatoire");

    // 3. Published: brouillons at once, dossiers en construction by the job.
    admin
        .post(&format!("{base}/modifications/publier"), &[])
        .await
        .assert_status(200)
        .assert_contains("Les modifications sont publiées");
    b.get(&brouillon_b).await.assert_contains("Courriel").assert_contains("Nom complet");
    let mut attente = 0;
    loop {
        let page = a.get(&format!("/dossiers/{dossier_a}")).await;
        if page.body.contains("Nom complet") {
            page.assert_contains("Dupont")
                .assert_contains("Le formulaire de la démarche a changé")
                .assert_contains("Le champ « Courriel » doit être rempli.");
            break;
        }
        attente += 1;
        assert!(attente < 100, "the rebase job did not move the dossier en construction");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // The job then marks the rebase done: the progress line goes away.
    let mut attente = 0;
    while admin.get(&base).await.body.contains("Mise à jour des dossiers en construction") {
        attente += 1;
        assert!(attente < 100, "the rebase is never marked done");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // The dossier en instruction keeps the form it was filed on.
    c.get(&format!("/dossiers/{dossier_c}")).await.assert_contains("Martin").assert_lacks("Nom complet");
    instructeur
        .get(&format!("/instructeur/dossiers/{dossier_c}"))
        .await
        .assert_contains("Martin")
        .assert_lacks("Nom complet")
        .assert_lacks("Courriel");
    // The usager completes the dossier against the new form.
    a.post(
        &format!("/dossiers/{dossier_a}/modifier"),
        &[("champ_1", "Dupont"), ("champ_2", "20"), ("champ_3", "a@usagers.example")],
    )
    .await
    .assert_status(200)
    .assert_lacks("Le formulaire de la démarche a changé");

    // 4. A champ removed: its answer stays in the rebased dossier, shown
    //    apart to the usager and the instructeur.
    admin.post(&format!("{base}/champs/2/supprimer"), &[]).await.assert_status(200);
    admin.post(&format!("{base}/modifications/publier"), &[]).await.assert_status(200);
    let mut attente = 0;
    loop {
        let page = instructeur.get(&format!("/instructeur/dossiers/{dossier_a}")).await;
        if page.body.contains("Réponses à des champs retirés du formulaire") {
            page.assert_contains("<dt>Âge</dt><dd>20</dd>");
            break;
        }
        attente += 1;
        assert!(attente < 100, "the removed champ's answer is not shown");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    a.get(&format!("/dossiers/{dossier_a}"))
        .await
        .assert_contains("Réponses à des champs retirés du formulaire")
        .assert_contains("<dt>Âge</dt><dd>20</dd>");
    // The dossier en instruction still shows it in its own form.
    c.get(&format!("/dossiers/{dossier_c}")).await.assert_lacks("champs retirés");

    // 5. A draft dropped: the editor shows the published form again.
    admin.post(&format!("{base}/champs"), &[("type_champ", "text"), ("libelle", "Temporaire")]).await;
    admin.get(&format!("{base}/modifications")).await.assert_contains("Champ ajouté : « Temporaire »");
    admin
        .post(&format!("{base}/modifications/annuler"), &[])
        .await
        .assert_status(200)
        .assert_contains("Les modifications ont été annulées")
        .assert_lacks("Temporaire");
    admin.get(&format!("{base}/modifications")).await.assert_contains("Aucune modification en attente");
    admin.post(&format!("{base}/modifications/publier"), &[]).await.assert_status(422);

    // 6. Another administrateur's démarche: like a missing one.
    let intrus = app.signed_in("intrus@ailleurs.example", Roles { administrateur: true, ..Roles::default() }).await;
    intrus.get(&format!("{base}/modifications")).await.assert_status(404);
    intrus.post(&format!("{base}/modifications/publier"), &[]).await.assert_status(404);
    intrus.post(&format!("{base}/champs"), &[("type_champ", "text"), ("libelle", "Intrus")]).await.assert_status(404);
}
