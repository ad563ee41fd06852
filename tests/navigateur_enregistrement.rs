//! Autosave in a real headless Chromium at a phone's width (375 px): what
//! the usager types is saved after a pause and the status says when; while
//! the server answers 500 the status says so and when it tries again, the
//! values stay in the page, and they are saved once the server is back;
//! when the session expires the status asks to sign in again in another
//! tab, and the values typed meanwhile are saved after that sign-in. The
//! page passes axe-core in each state; the console shows no error but the
//! failed requests this test causes on purpose.

use fantoccini::Locator;
use guichet::workflow::comptes::Roles;
use guichet_tests::app::{Backend, PASSWORD, TestApp};
use guichet_tests::browser::{Browser, Viewport, artifact_path};
use guichet_tests::panne::Panne;
use std::time::Duration;

const USAGER: &str = "lina.navigateur@jardins.example";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn autosave_survives_a_failing_server_and_an_expired_session() {
    let (listener, url) = Panne::reserver();
    let public = url.clone();
    let app = TestApp::start_with(Backend::Sqlite, move |c| {
        c.base_url = url::Url::parse(&public).expect("url");
    })
    .await
    .expect("a SQLite server");
    let panne = Panne::demarrer(listener, url.clone(), app.server.addr, |method, path| {
        method == axum::http::Method::POST && path.ends_with("/champs")
    })
    .await;
    let admin = app
        .signed_in("admin@jardins.example", Roles { administrateur: true, instructeur: true, ..Roles::default() })
        .await;
    crate::enregistrement::demarche(&admin).await;
    app.compte(USAGER, Roles::default()).await;
    // The server's own view of the brouillon, from a session of its own.
    let temoin = app.signed_in(USAGER, Roles::default()).await;

    let browser = Browser::start_with(Viewport::PHONE).await;
    let c = &browser.client;
    browser.log_in(&format!("{url}/connexion"), USAGER, PASSWORD).await;
    c.goto(&format!("{url}/commencer/jardins")).await.expect("goto");
    browser.submit(Locator::XPath("//button[contains(., 'Commencer la démarche')]")).await;
    let path = c.current_url().await.expect("url").path().to_owned();
    assert!(path.ends_with("/brouillon"), "{path}");

    // Typed, then saved after a pause.
    browser.type_into("champ_1", "Les Capucines").await;
    statut(&browser, "Enregistré à", 10).await;
    temoin.get(&path).await.assert_contains(r#"value="Les Capucines""#);
    browser.check_page("enregistrement-ok").await;

    // The server fails: the status says so, the value stays in the page.
    panne.casser(true);
    browser.type_into("champ_2", "lina@jardins.example").await;
    let texte = statut(&browser, "Échec de l'enregistrement (erreur 500)", 10).await;
    assert!(texte.contains("Nouvel essai dans") && texte.contains("restent dans cette page"), "{texte}");
    assert_eq!(valeur(&browser, "champ_2").await, "lina@jardins.example");
    temoin.get(&path).await.assert_lacks("lina@jardins.example");
    browser.screenshot(&artifact_path("navigateur-mobile-enregistrement-echec.png")).await;
    sans_autre_erreur(&browser, &["500"]).await;
    browser.check_page("enregistrement-echec").await;
    // Back: the retry saves what was typed.
    panne.casser(false);
    statut(&browser, "Enregistré à", 20).await;
    assert!(panne.refusees() >= 1);
    temoin.get(&path).await.assert_contains(r#"value="lina@jardins.example""#);
    sans_autre_erreur(&browser, &["500"]).await;

    // The session expires: the status asks to sign in again elsewhere.
    for cookie in c.get_all_cookies().await.expect("cookies") {
        if cookie.name() == "guichet_session" {
            c.delete_cookie(cookie.name()).await.expect("delete the session cookie");
        }
    }
    let nom = c.find(Locator::Id("champ_1")).await.expect("champ_1");
    nom.clear().await.expect("clear");
    nom.send_keys("Les Capucines du Nord").await.expect("type");
    let texte = statut(&browser, "Votre session a expiré", 10).await;
    assert!(texte.contains("Reconnectez-vous dans un nouvel onglet"), "{texte}");
    browser.screenshot(&artifact_path("navigateur-mobile-enregistrement-session.png")).await;
    // Without its session the page's token no longer passes: 403.
    sans_autre_erreur(&browser, &["403"]).await;
    browser.check_page("enregistrement-session").await;
    // Signed in again in another tab: the form's tab saves on its own.
    let formulaire = c.window().await.expect("this tab");
    let onglet = c.new_window(true).await.expect("a new tab");
    c.switch_to_window(onglet.handle).await.expect("to the new tab");
    browser.log_in(&format!("{url}/connexion"), USAGER, PASSWORD).await;
    c.close_window().await.expect("close the tab");
    c.switch_to_window(formulaire).await.expect("back to the form");
    statut(&browser, "Enregistré à", 20).await;
    assert_eq!(valeur(&browser, "champ_1").await, "Les Capucines du Nord");
    temoin.get(&path).await.assert_contains(r#"value="Les Capucines du Nord""#);
    // The new session's token is the form's now: the whole form saves.
    browser.submit(Locator::XPath("//button[@value='enregistrer' and not(@hidden)]")).await;
    let body = c.source().await.expect("source");
    assert!(body.contains("Les Capucines du Nord") && !body.contains("Formulaire expiré"), "{body}");
    // The renewed token was refused once (the old session's): expected.
    sans_autre_erreur(&browser, &["403"]).await;

    browser.close().await;
    drop(panne);
    app.stop().await;
}

/// Waits up to `secs` for the autosave status to contain `attendu`;
/// returns its text.
async fn statut(browser: &Browser, attendu: &str, secs: u64) -> String {
    let deadline = std::time::Instant::now() + Duration::from_secs(secs);
    loop {
        let texte = browser
            .client
            .find(Locator::Id("enregistrement-statut"))
            .await
            .expect("the autosave status")
            .text()
            .await
            .unwrap_or_default();
        if texte.contains(attendu) {
            return texte;
        }
        if std::time::Instant::now() > deadline {
            browser.screenshot(&artifact_path("echec-enregistrement-statut.png")).await;
            panic!("the status never said {attendu:?}; it says {texte:?}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn valeur(browser: &Browser, id: &str) -> String {
    let champ = browser.client.find(Locator::Id(id)).await.expect("field");
    champ.prop("value").await.expect("value").unwrap_or_default()
}

/// The console's errors, but the autosave requests this test fails on
/// purpose (with those statuses): there must be none.
async fn sans_autre_erreur(browser: &Browser, statuts: &[&str]) {
    let attendues = |e: &String| {
        e.contains("/champs - Failed to load resource") && statuts.iter().any(|s| e.contains(&format!("status of {s}")))
    };
    let autres: Vec<String> = browser.console_errors().await.into_iter().filter(|e| !attendues(e)).collect();
    assert!(autres.is_empty(), "console errors: {autres:#?}");
}

/// The pages of a dossier's transfer (the owner's, the recipient's) and a
/// démarche's préremplissage documentation, at 375 px with axe-core.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transfer_and_prefill_pages_on_a_phone() {
    let app = TestApp::sqlite().await;
    let admin = app
        .signed_in("admin@jardins.example", Roles { administrateur: true, instructeur: true, ..Roles::default() })
        .await;
    crate::enregistrement::demarche(&admin).await;
    let omar = "omar.navigateur@jardins.example";
    app.compte(USAGER, Roles::default()).await;
    app.compte(omar, Roles::default()).await;
    let browser = Browser::start_with(Viewport::PHONE).await;
    let c = &browser.client;

    c.goto(&app.url("/preremplir/jardins")).await.expect("goto");
    browser.check_page("preremplir-mobile").await;
    browser.screenshot(&artifact_path("navigateur-mobile-preremplir.png")).await;

    browser.log_in(&app.url("/connexion"), USAGER, PASSWORD).await;
    c.goto(&app.url("/commencer/jardins?champ_1=Les%20Capucines")).await.expect("goto");
    browser.check_page("commencer-prerempli-mobile").await;
    browser.submit(Locator::XPath("//button[contains(., 'Commencer la démarche')]")).await;
    assert_eq!(valeur(&browser, "champ_1").await, "Les Capucines", "the link's answer is in the brouillon");
    let path = c.current_url().await.expect("url").path().to_owned();
    let id = path.trim_start_matches("/dossiers/").trim_end_matches("/brouillon").to_owned();

    c.goto(&app.url(&format!("/dossiers/{id}/transfert"))).await.expect("goto");
    browser.check_page("transfert-mobile").await;
    browser.type_into("email", "pas-une-adresse").await;
    browser.submit(Locator::XPath("//button[contains(., 'Demander le transfert')]")).await;
    browser.check_page("transfert-refuse-mobile").await;
    let champ = c.find(Locator::Id("email")).await.expect("email");
    champ.clear().await.expect("clear");
    champ.send_keys(omar).await.expect("type");
    browser.submit(Locator::XPath("//button[contains(., 'Demander le transfert')]")).await;
    assert!(c.source().await.expect("source").contains("Transfert en attente"));
    browser.check_page("transfert-en-attente-mobile").await;
    browser.screenshot(&artifact_path("navigateur-mobile-transfert.png")).await;

    browser.header_action("Se déconnecter").await;
    browser.log_in(&app.url("/connexion"), omar, PASSWORD).await;
    c.goto(&app.url("/dossiers")).await.expect("goto");
    browser.check_page("mes-dossiers-transfert-mobile").await;
    c.goto(&app.url("/dossiers/transferts")).await.expect("goto");
    browser.check_page("transferts-mobile").await;
    browser.screenshot(&artifact_path("navigateur-mobile-transferts.png")).await;
    browser.submit(Locator::XPath("//button[contains(., 'Accepter')]")).await;
    assert!(c.source().await.expect("source").contains("Le dossier vous a été transféré"));
    browser.check_page("transfert-accepte-mobile").await;

    browser.close().await;
    app.stop().await;
}
