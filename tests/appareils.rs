//! With `confirm_new_browsers` (issue 10 §1), an agent who types the right
//! password in a browser not seen before gets no session, but an e-mailed
//! link; the link's page only shows a button (mail filters that open links
//! do not use it up), its POST signs in and marks the browser trusted for
//! a month, so the next sign-in there is direct. Another browser is asked
//! again; a used link is refused; usagers are never asked. The pages are
//! also driven in Chromium, on a phone and, without JavaScript, on a
//! desktop screen.

use guichet::workflow::comptes::Roles;
use guichet_tests::app::{Backend, Client, PASSWORD, TestApp};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agents_confirm_new_browsers_on_sqlite() {
    let app = TestApp::start_with(Backend::Sqlite, |c| c.confirm_new_browsers = true).await.expect("app");
    parcours(&app).await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agents_confirm_new_browsers_on_postgres() {
    let Some(app) = TestApp::start_with(Backend::Postgres, |c| c.confirm_new_browsers = true).await else { return };
    parcours(&app).await;
    app.stop().await;
}

const AGENT: &str = "agent.instructeur@prefecture.example";

/// Types the password; returns the page answered.
async fn saisir(client: &Client) -> guichet_tests::app::Page {
    client.get("/connexion").await;
    client.post("/connexion", &[("email", AGENT), ("password", PASSWORD), ("retour", "/instructeur")]).await
}

/// The n-th confirmation link e-mailed to the agent, as a path.
async fn lien(app: &TestApp, n: usize) -> String {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    loop {
        let mails: Vec<_> = app
            .smtp
            .messages_to(AGENT)
            .unwrap_or_default()
            .into_iter()
            .filter(|m| m.subject.contains("Confirmez votre connexion"))
            .collect();
        if let Some(m) = mails.get(n) {
            let lien = m.first_link(&app.url("/connexion/appareil")).expect("link");
            return lien.replacen(&app.url(""), "", 1);
        }
        assert!(std::time::Instant::now() < deadline, "no confirmation e-mail n° {n}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

fn champ<'a>(body: &'a str, name: &str) -> &'a str {
    let at = body.find(&format!(r#"name="{name}" value=""#)).unwrap_or_else(|| panic!("no {name}"));
    let rest = &body[at + name.len() + 15..];
    &rest[..rest.find('"').expect("end of value")]
}

async fn parcours(app: &TestApp) {
    app.compte(AGENT, Roles { instructeur: true, ..Roles::default() }).await;

    // 1. The right password in a new browser: no session, a link sent.
    let navigateur = app.client();
    let page = saisir(&navigateur).await;
    page.assert_status(200).assert_contains("Confirmez votre connexion").assert_lacks("Se déconnecter");
    navigateur.get("/instructeur").await.assert_lacks("Se déconnecter");
    let chemin = lien(app, 0).await;

    // 2. A mail filter opening the link uses nothing up.
    let filtre = app.client();
    filtre.get(&chemin).await.assert_status(200).assert_contains("Confirmer la connexion");
    filtre.get("/instructeur").await.assert_lacks("Se déconnecter");

    // 3. The agent confirms: signed in, back where they were going.
    let page = navigateur.get(&chemin).await;
    page.assert_status(200).assert_contains("Confirmer la connexion");
    let (jeton, retour) = (champ(&page.body, "jeton").to_string(), champ(&page.body, "retour").to_string());
    assert_eq!(retour, "/instructeur");
    let page = navigateur.post("/connexion/appareil", &[("jeton", &jeton), ("retour", &retour)]).await;
    page.assert_status(200).assert_contains("Se déconnecter");
    assert!(page.path().starts_with("/instructeur"), "{}", page.path());

    // 4. The link serves once.
    filtre.get(&chemin).await.assert_status(422).assert_contains("Ce lien n'est plus valide");
    filtre
        .post("/connexion/appareil", &[("jeton", &jeton), ("retour", "/")])
        .await
        .assert_status(422)
        .assert_contains("Ce lien n'est plus valide");
    filtre.get("/instructeur").await.assert_lacks("Se déconnecter");

    // 5. The same browser, signed out then in again: trusted, direct.
    navigateur.post("/deconnexion", &[]).await;
    navigateur.get("/instructeur").await.assert_lacks("Se déconnecter");
    navigateur.login(AGENT, PASSWORD).await;

    // 6. Another browser is asked again.
    let autre = app.client();
    saisir(&autre).await.assert_status(200).assert_contains("Confirmez votre connexion").assert_lacks("Se déconnecter");
    lien(app, 1).await;

    // 7. A wrong password in a new browser sends nothing.
    let intrus = app.client();
    intrus.get("/connexion").await;
    intrus.post("/connexion", &[("email", AGENT), ("password", "mauvais-mot-de-passe-1")]).await.assert_status(422);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let envoyes = app.smtp.messages_to(AGENT).unwrap_or_default();
    assert_eq!(envoyes.iter().filter(|m| m.subject.contains("Confirmez votre connexion")).count(), 2);

    // 8. Usagers are never asked.
    app.compte("usager@exemple.fr", Roles::default()).await;
    app.client().login("usager@exemple.fr", PASSWORD).await;
}

/// Both confirmation pages in Chromium at a phone's width: axe-core, no
/// console error, and the button signs in.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn confirmation_pages_in_a_browser_on_a_phone() {
    use guichet_tests::browser::{Browser, Viewport, artifact_path};
    let app = TestApp::start_with(Backend::Sqlite, |c| c.confirm_new_browsers = true).await.expect("app");
    app.compte(AGENT, Roles { instructeur: true, ..Roles::default() }).await;
    let browser = Browser::start_with(Viewport::PHONE).await;
    browser.log_in(&app.url("/connexion"), AGENT, PASSWORD).await;
    let page = browser.client.source().await.expect("page");
    assert!(page.contains("un lien de confirmation vient d'être envoyé"), "the e-mail is announced");
    browser.screenshot(&artifact_path("navigateur-mobile-appareil-envoye.png")).await;
    browser.check_page("mobile-appareil-envoye").await;
    let chemin = lien(&app, 0).await;
    browser.client.goto(&app.url(&chemin)).await.expect("goto");
    browser.screenshot(&artifact_path("navigateur-mobile-appareil-confirmer.png")).await;
    browser.check_page("mobile-appareil-confirmer").await;
    browser.submit(fantoccini::Locator::XPath("//button[normalize-space(.)='Confirmer la connexion']")).await;
    let page = browser.client.source().await.expect("page");
    assert!(page.contains("Se déconnecter"), "signed in");
    browser.close().await;
    app.stop().await;
}

/// The same confirmation, then the démarche's « Administrateurs » page, on
/// a desktop screen with JavaScript off: plain forms do everything.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn confirmation_and_administrateurs_without_javascript_on_a_desktop() {
    use guichet_tests::browser::{Browser, Viewport, artifact_path};
    let app = TestApp::start_with(Backend::Sqlite, |c| c.confirm_new_browsers = true).await.expect("app");
    guichet::demo::seed(&app.server.state).await.expect("demo data");
    let admin = guichet_tests::demo::ADMIN;
    let browser = Browser::start_without_javascript(Viewport::DESKTOP).await;
    browser.log_in(&app.url("/connexion"), admin, guichet::demo::PASSWORD).await;
    let page = browser.client.source().await.expect("page");
    assert!(page.contains("un lien de confirmation vient d'être envoyé"), "the e-mail is announced");
    browser.screenshot(&artifact_path("navigateur-bureau-sans-js-appareil-envoye.png")).await;
    let mail = app.mail(admin, "Confirmez votre connexion").await;
    let lien = mail.first_link(&app.url("/connexion/appareil")).expect("link");
    browser.client.goto(&lien).await.expect("goto");
    browser.submit(fantoccini::Locator::XPath("//button[normalize-space(.)='Confirmer la connexion']")).await;
    assert!(browser.client.source().await.expect("page").contains("Se déconnecter"), "signed in");

    browser.client.goto(&app.url("/admin/demarches/1/administrateurs")).await.expect("goto");
    browser.type_into("email", "co.admin@demo.guichet.localhost").await;
    browser.submit(fantoccini::Locator::XPath("//button[normalize-space(.)='Inviter']")).await;
    let page = browser.client.source().await.expect("page");
    assert!(page.contains("L'administrateur a été ajouté à la démarche."), "invited");
    assert!(page.contains("co.admin@demo.guichet.localhost"), "listed");
    browser.screenshot(&artifact_path("navigateur-bureau-sans-js-administrateurs.png")).await;
    browser.close().await;
    app.stop().await;
}
