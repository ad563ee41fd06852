//! Administrateur comptes (issue 10 §1): the operator designates a first
//! administrateur from the command line, who gets an e-mail with a link to
//! choose a password and then creates démarches; an administrateur invites
//! co-administrateurs on a démarche (a newcomer gets an invitation, a
//! compte with a password a notice), removes them, and can leave, except
//! the last one; another administrateur's démarche answers like a missing
//! one. Each administrateur can also instruct.

use guichet::workflow::comptes::Roles;
use guichet_tests::app::{Client, PASSWORD, TestApp};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn administrateurs_on_sqlite() {
    let app = TestApp::sqlite().await;
    parcours(&app).await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn administrateurs_on_postgres() {
    let Some(app) = TestApp::postgres().await else { return };
    parcours(&app).await;
    app.stop().await;
}

/// `guichet administrateur ajouter EMAIL`, run in-process against the test
/// server's database and e-mail relay, as an operator would with the
/// server's variables.
async fn commande(app: &TestApp, email: &str) {
    let data = tempfile::tempdir().expect("data dir");
    let config = &app.server.state.config;
    let smtp = format!("smtp://127.0.0.1:{}", app.smtp.port());
    let base = app.url("/");
    let cli = guichet::cli::Cli::from_args([
        "guichet",
        "administrateur",
        "ajouter",
        email,
        "--data-dir",
        &data.path().display().to_string(),
        "--database-url",
        &config.database_url,
        "--smtp-url",
        &smtp,
        "--base-url",
        &base,
    ])
    .expect("command line");
    guichet::cli::run(cli).await.expect("administrateur ajouter");
}

/// Follows the password link of the e-mail to `email` whose subject
/// contains `sujet`, and signs in.
async fn choisir_mot_de_passe(app: &TestApp, email: &str, sujet: &str) -> Client {
    let mail = app.mail(email, sujet).await;
    let lien = mail.first_link(&app.url("/mot-de-passe/nouveau")).expect("password link");
    let jeton = lien.split("jeton=").nth(1).expect("token").to_string();
    let client = app.client();
    client
        .post("/mot-de-passe/nouveau", &[("jeton", &jeton), ("password", PASSWORD)])
        .await
        .assert_status(200)
        .assert_contains("Votre mot de passe a été enregistré");
    client.login(email, PASSWORD).await;
    client
}

async fn parcours(app: &TestApp) {
    // 1. The operator designates the first administrateur.
    commande(app, "Premiere.Admin@Prefecture.example").await;
    let premiere = choisir_mot_de_passe(app, "premiere.admin@prefecture.example", "Votre compte administrateur").await;
    premiere.get("/admin").await.assert_status(200).assert_contains("Mes démarches");
    // An administrateur can also instruct.
    premiere.get("/instructeur").await.assert_status(200);
    // Designating again a compte that has a password sends a notice, no link.
    commande(app, "premiere.admin@prefecture.example").await;
    let avis = app.mail("premiere.admin@prefecture.example", "est maintenant administrateur").await;
    assert!(avis.first_link(&app.url("/mot-de-passe/nouveau")).is_none(), "{}", avis.text_body);

    // 2. She creates a démarche.
    let page = premiere
        .post(
            "/admin/demarches",
            &[
                ("libelle", "Subvention aux associations sportives"),
                ("description", "Une aide au fonctionnement des clubs."),
                ("service_nom", "Direction des sports"),
                ("service_organisme", "Préfecture"),
                ("cadre_juridique", "Délibération n° 2026-12 du conseil"),
                ("service_email", "sports@prefecture.example"),
                ("service_telephone", "01 23 45 67 89"),
                ("service_horaires", "Du lundi au vendredi, 9 h – 17 h"),
                ("service_adresse", "1 place de la Préfecture, 75001 Paris"),
            ],
        )
        .await;
    page.assert_status(200);
    let id = page.id_after("/admin/demarches/");
    let base = format!("/admin/demarches/{id}/administrateurs");
    premiere.get(&format!("/admin/demarches/{id}")).await.assert_contains(&base);
    let liste = premiere.get(&base).await;
    liste.assert_status(200).assert_contains("premiere.admin@prefecture.example (vous)");
    // Alone: no « Retirer » button at all.
    liste.assert_lacks("/retirer");

    // 3. A bad address is refused next to the field, the text kept.
    premiere
        .post(&base, &[("email", "pas-une-adresse")])
        .await
        .assert_status(422)
        .assert_contains("pas-une-adresse")
        .assert_contains(r#"aria-invalid="true""#);

    // 4. A newcomer is invited: an invitation naming the démarche.
    premiere
        .post(&base, &[("email", "second.admin@prefecture.example")])
        .await
        .assert_status(200)
        .assert_contains("L'administrateur a été ajouté à la démarche.")
        .assert_contains("invitation envoyée");
    let second = choisir_mot_de_passe(app, "second.admin@prefecture.example", "Vous êtes invité à administrer").await;
    second.get("/admin").await.assert_contains("Subvention aux associations sportives");
    second.get(&format!("/admin/demarches/{id}/champs")).await.assert_status(200);

    // 5. A compte with a password gets a notice instead.
    app.compte("agent.existant@prefecture.example", Roles { instructeur: true, ..Roles::default() }).await;
    premiere.post(&base, &[("email", "agent.existant@prefecture.example")]).await.assert_status(200);
    let avis = app.mail("agent.existant@prefecture.example", "Vous administrez maintenant").await;
    assert!(avis.text_body.contains("Subvention aux associations sportives"), "{}", avis.text_body);
    assert!(avis.first_link(&app.url("/mot-de-passe/nouveau")).is_none());
    let existant = app.client();
    existant.login("agent.existant@prefecture.example", PASSWORD).await;
    existant.get(&format!("/admin/demarches/{id}")).await.assert_status(200);

    // 6. Another administrateur's démarche: exactly like a missing one.
    let autre = app.signed_in("autre.admin@mairie.example", Roles { administrateur: true, ..Roles::default() }).await;
    let absente = autre.get("/admin/demarches/999999/administrateurs").await;
    absente.assert_status(404);
    let etrangere = autre.get(&base).await;
    etrangere.assert_status(404);
    assert_eq!(etrangere.body, absente.body);
    let liste = premiere.get(&base).await;
    let second_id = id_de(&liste.body, "second.admin@prefecture.example", id);
    let premiere_id = id_de(&liste.body, "premiere.admin@prefecture.example", id);
    autre.post(&format!("{base}/{second_id}/retirer"), &[]).await.assert_status(404);
    autre.post(&base, &[("email", "intrus@mairie.example")]).await.assert_status(404);

    // 7. Removing: the second administrateur loses the démarche.
    premiere
        .post(&format!("{base}/{second_id}/retirer"), &[])
        .await
        .assert_status(200)
        .assert_contains("L'administrateur a été retiré de la démarche.")
        .assert_lacks("second.admin@prefecture.example");
    second.get(&format!("/admin/demarches/{id}")).await.assert_status(404);
    // Removing someone not (or no longer) there: not found.
    premiere.post(&format!("{base}/{second_id}/retirer"), &[]).await.assert_status(404);

    // 8. Leaving: the agent leaves; then the last one cannot.
    let existant_id = id_de(&premiere.get(&base).await.body, "agent.existant@prefecture.example", id);
    let parti = existant.post(&format!("{base}/{existant_id}/retirer"), &[]).await;
    parti.assert_status(200).assert_contains("Mes démarches").assert_lacks("Subvention aux associations sportives");
    premiere.get(&base).await.assert_lacks("/retirer");
    premiere
        .post(&format!("{base}/{premiere_id}/retirer"), &[])
        .await
        .assert_status(422)
        .assert_contains("Une démarche garde toujours au moins un administrateur");
    premiere.get(&format!("/admin/demarches/{id}")).await.assert_status(200);
}

/// The administrateur id in the « Retirer » form next to `email`.
fn id_de(body: &str, email: &str, demarche: i64) -> i64 {
    let start = body.find(&format!("<li>{email}")).unwrap_or_else(|| panic!("{email} not listed"));
    let prefix = format!("/admin/demarches/{demarche}/administrateurs/");
    let rest = &body[start..];
    let at = rest.find(&prefix).unwrap_or_else(|| panic!("no « Retirer » for {email}")) + prefix.len();
    rest[at..].split('/').next().and_then(|n| n.parse().ok()).expect("administrateur id")
}
