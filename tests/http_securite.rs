//! Authorization, CSRF, account enumeration, lockout and security headers,
//! against the real server.

use guichet::workflow::comptes::Roles;
use guichet_tests::app::{Client, PASSWORD, TestApp};

/// A published démarche with one instructeur, built through the UI.
pub(crate) async fn demarche_publiee(
    app: &TestApp,
    admin_email: &str,
    instructeur_email: &str,
    path: &str,
) -> (Client, i64) {
    let admin = app.signed_in(admin_email, Roles { administrateur: true, ..Roles::default() }).await;
    let page = admin
        .post(
            "/admin/demarches",
            &[
                ("libelle", "Carte de stationnement"),
                ("description", "Pour les résidents."),
                ("service_nom", "Voirie"),
                ("service_organisme", "Mairie"),
                ("cadre_juridique", "Délibération n° 2026-12 du conseil"),
                ("service_email", "voirie@mairie.example"),
            ],
        )
        .await;
    let id = page.id_after("/admin/demarches/");
    admin
        .post(
            &format!("/admin/demarches/{id}/champs"),
            &[("type_champ", "text"), ("libelle", "Immatriculation"), ("obligatoire", "on")],
        )
        .await
        .assert_status(200);
    app.compte(instructeur_email, Roles { instructeur: true, ..Roles::default() }).await;
    admin
        .post(&format!("/admin/demarches/{id}/instructeurs"), &[("email", instructeur_email)])
        .await
        .assert_status(200);
    admin
        .post(&format!("/admin/demarches/{id}/publier"), &[("path", path)])
        .await
        .assert_status(200)
        .assert_contains("publiée");
    (admin, id)
}

pub(crate) async fn dossier_depose(app: &TestApp, usager: &Client, path: &str) -> i64 {
    let page = usager.post(&format!("/commencer/{path}"), &[]).await;
    let id = page.id_after("/dossiers/");
    usager
        .post(&format!("/dossiers/{id}/brouillon"), &[("intention", "deposer"), ("champ_1", "AB-123-CD")])
        .await
        .assert_status(200)
        .assert_contains("a bien été déposé");
    let _ = app;
    id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn objects_outside_the_callers_scope_answer_exactly_like_missing_ones() {
    let app = TestApp::sqlite().await;
    let (_admin, demarche) = demarche_publiee(&app, "admin@a.example", "instructeur@a.example", "stationnement").await;
    let alice = app.signed_in("alice@exemple.fr", Roles::default()).await;
    let bob = app.signed_in("bob@exemple.fr", Roles::default()).await;
    let dossier = dossier_depose(&app, &alice, "stationnement").await;
    let missing = dossier + 1000;

    // Usager B and a missing dossier: same status, same page.
    for path in ["", "/brouillon", "/modifier"] {
        let other = bob.get(&format!("/dossiers/{dossier}{path}")).await;
        let none = bob.get(&format!("/dossiers/{missing}{path}")).await;
        other.assert_status(404);
        assert_eq!(other.body, none.body, "{path}: a foreign dossier must look missing");
    }
    bob.post(&format!("/dossiers/{dossier}/modifier"), &[("champ_1", "volé")]).await.assert_status(404);
    alice.get(&format!("/dossiers/{dossier}")).await.assert_status(200).assert_contains("AB-123-CD");

    // An instructeur not assigned to the démarche: same 404 as a missing dossier.
    let etranger = app.signed_in("autre.instructeur@b.example", Roles { instructeur: true, ..Roles::default() }).await;
    let foreign = etranger.get(&format!("/instructeur/dossiers/{dossier}")).await;
    let none = etranger.get(&format!("/instructeur/dossiers/{missing}")).await;
    foreign.assert_status(404);
    assert_eq!(foreign.body, none.body);
    etranger
        .post(&format!("/instructeur/dossiers/{dossier}/instruire"), &[("action", "passer_en_instruction")])
        .await
        .assert_status(404);
    etranger.get(&format!("/instructeur/demarches/{demarche}")).await.assert_status(404);
    // Another administrateur does not see the démarche either.
    let autre_admin = app.signed_in("admin@b.example", Roles { administrateur: true, ..Roles::default() }).await;
    let foreign = autre_admin.get(&format!("/admin/demarches/{demarche}")).await;
    let none = autre_admin.get(&format!("/admin/demarches/{}", demarche + 1000)).await;
    foreign.assert_status(404);
    assert_eq!(foreign.body, none.body);
    autre_admin
        .post(&format!("/admin/demarches/{demarche}/champs"), &[("type_champ", "text"), ("libelle", "x")])
        .await
        .assert_status(404);

    // An usager cannot call instructeur or administrateur actions.
    alice.get("/instructeur").await.assert_status(403).assert_contains("Accès refusé");
    alice
        .post(&format!("/instructeur/dossiers/{dossier}/instruire"), &[("action", "passer_en_instruction")])
        .await
        .assert_status(403);
    alice.get("/admin").await.assert_status(403);
    // Non-numeric ids are simply not found.
    alice.get("/dossiers/abc").await.assert_status(404);
    // Anonymous visitors are sent to the login page, then back.
    let anonyme = app.client();
    let page = anonyme.get(&format!("/dossiers/{dossier}")).await;
    page.assert_status(200).assert_contains("Se connecter");
    assert!(page.url.contains(&format!("retour=%2Fdossiers%2F{dossier}")), "{}", page.url);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn state_changing_requests_need_a_valid_csrf_token_and_same_origin() {
    let app = TestApp::sqlite().await;
    let client = app.signed_in("usager@exemple.fr", Roles::default()).await;
    // No token at all.
    client.post_without_csrf("/deconnexion", &[]).await.assert_status(403).assert_contains("Formulaire expiré");
    // A forged token.
    client.post_without_csrf("/deconnexion", &[("authenticity_token", "00")]).await.assert_status(403);
    // Still signed in: nothing happened.
    client.get("/dossiers").await.assert_status(200).assert_contains("Mes dossiers");
    // A browser without our cookie (another site's page) cannot post either.
    let other = reqwest::Client::new();
    let status = other
        .post(app.url("/connexion"))
        .form(&[("email", "x@y.fr"), ("password", "z")])
        .send()
        .await
        .expect("post")
        .status();
    assert_eq!(status.as_u16(), 403);
    // A cross-site Origin is refused even with the right token.
    let page = client.get("/").await;
    let token = page
        .raw
        .split("name=\"authenticity_token\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("token")
        .to_string();
    let status = client
        .http
        .post(app.url("/deconnexion"))
        .header("Origin", "https://attaquant.example")
        .form(&[("authenticity_token", token.as_str())])
        .send()
        .await
        .expect("post")
        .status();
    assert_eq!(status.as_u16(), 403);
    let status = client
        .http
        .post(app.url("/deconnexion"))
        .header("Sec-Fetch-Site", "cross-site")
        .form(&[("authenticity_token", token.as_str())])
        .send()
        .await
        .expect("post")
        .status();
    assert_eq!(status.as_u16(), 403);
    // The genuine form works.
    client.post("/deconnexion", &[]).await.assert_status(200).assert_contains("Vous êtes déconnecté");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_never_reveal_whether_an_account_exists() {
    let app = TestApp::sqlite().await;
    app.compte("existe@exemple.fr", Roles::default()).await;
    let client = app.client();
    // Sign-up: same page for a new and an existing e-mail; the owner is told by e-mail.
    let new = client.post("/inscription", &[("email", "nouveau@exemple.fr"), ("password", PASSWORD)]).await;
    let existing = client.post("/inscription", &[("email", "existe@exemple.fr"), ("password", PASSWORD)]).await;
    new.assert_status(200);
    existing.assert_status(200);
    assert_eq!(new.body.replace("nouveau@exemple.fr", "X"), existing.body.replace("existe@exemple.fr", "X"));
    app.mail("existe@exemple.fr", "Vous avez déjà un compte").await;
    app.mail("nouveau@exemple.fr", "Confirmez votre adresse").await;
    // Login: unknown e-mail and wrong password give the same answer.
    let unknown = client.post("/connexion", &[("email", "personne@exemple.fr"), ("password", PASSWORD)]).await;
    let wrong =
        client.post("/connexion", &[("email", "existe@exemple.fr"), ("password", "mauvais-mot-de-passe")]).await;
    unknown.assert_status(422);
    wrong.assert_status(422);
    assert_eq!(unknown.body.replace("personne@exemple.fr", "X"), wrong.body.replace("existe@exemple.fr", "X"));
    // Password reset: same answer either way.
    let a = client.post("/mot-de-passe/oublie", &[("email", "personne@exemple.fr")]).await;
    let b = client.post("/mot-de-passe/oublie", &[("email", "existe@exemple.fr")]).await;
    assert_eq!(a.body.replace("personne@exemple.fr", "X"), b.body.replace("existe@exemple.fr", "X"));
    let reset = app.mail("existe@exemple.fr", "Choisissez un nouveau mot de passe").await;
    let link = reset.first_link(&app.url("/mot-de-passe/nouveau")).expect("reset link");
    let jeton = link.split("jeton=").nth(1).expect("token").to_string();
    client
        .post("/mot-de-passe/nouveau", &[("jeton", &jeton), ("password", "nouveau-cadran-velours-88")])
        .await
        .assert_status(200)
        .assert_contains("Votre mot de passe a été enregistré");
    // The link is single-use.
    client
        .post("/mot-de-passe/nouveau", &[("jeton", &jeton), ("password", "encore-autre-velours-99")])
        .await
        .assert_status(422)
        .assert_contains("n'est plus valide");
    client.login("existe@exemple.fr", "nouveau-cadran-velours-88").await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn six_failed_logins_lock_the_account_for_an_hour() {
    let app = TestApp::sqlite().await;
    app.compte("cible@exemple.fr", Roles::default()).await;
    let attaquant = app.client();
    for _ in 0..6 {
        attaquant
            .post("/connexion", &[("email", "cible@exemple.fr"), ("password", "essai-au-hasard-123")])
            .await
            .assert_status(422);
    }
    // Even the right password is refused now, with the same message.
    attaquant
        .post("/connexion", &[("email", "cible@exemple.fr"), ("password", PASSWORD)])
        .await
        .assert_status(422)
        .assert_contains("Adresse électronique ou mot de passe incorrect");
    let mail = app
        .mail("cible@exemple.fr", "Connexions à votre compte suspendues depuis une adresse pendant 60 minutes")
        .await;
    assert!(mail.first_link(&app.url("/mot-de-passe/nouveau")).is_some());
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn responses_carry_security_headers_and_safe_cookies() {
    let app = TestApp::sqlite().await;
    let client = app.client();
    let page = client.get("/connexion").await;
    let csp = page.headers.get("content-security-policy").and_then(|v| v.to_str().ok()).expect("CSP").to_string();
    assert!(csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"));
    assert!(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"), "{csp}");
    assert_eq!(page.headers.get("x-content-type-options").and_then(|v| v.to_str().ok()), Some("nosniff"));
    assert_eq!(page.headers.get("x-frame-options").and_then(|v| v.to_str().ok()), Some("DENY"));
    let csrf_cookie = page
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("guichet_csrf="))
        .expect("csrf cookie")
        .to_string();
    assert!(csrf_cookie.contains("HttpOnly") && csrf_cookie.contains("SameSite=Lax"), "{csrf_cookie}");
    app.compte("cookie@exemple.fr", Roles::default()).await;
    // Log in without following the redirect, to read the session cookie.
    let seed = csrf_cookie.split(';').next().expect("cookie pair").to_string();
    let token = page
        .raw
        .split("name=\"authenticity_token\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("token")
        .to_string();
    let raw = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
    let response = raw
        .post(app.url("/connexion"))
        .header("Cookie", seed)
        .form(&[("authenticity_token", token.as_str()), ("email", "cookie@exemple.fr"), ("password", PASSWORD)])
        .send()
        .await
        .expect("login");
    assert_eq!(response.status().as_u16(), 303);
    let session = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("guichet_session="))
        .expect("session cookie")
        .to_string();
    assert!(
        session.contains("HttpOnly") && session.contains("SameSite=Lax") && session.contains("Max-Age=43200"),
        "{session}"
    );
    assert!(!session.contains("Secure"), "plain http in tests: Secure would lose the cookie");
    // No inline script or style in pages: the CSP would block them.
    assert!(!page.raw.contains("<script>") && !page.raw.contains(" style=\""));
    // Health check is trivial and public.
    assert_eq!(client.get("/health").await.body, "ok");
    app.stop().await;
}

/// The periodic sweep deletes expired sessions and links (a day after
/// their expiry), so the tables do not grow with every login and e-mail;
/// what has not expired stays and keeps working.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sweep_deletes_expired_sessions_and_links_only() {
    use guichet::store::maintenance::purge_expired;
    let app = TestApp::sqlite().await;
    let usager = app.signed_in("balai@securite.example", Roles::default()).await;
    app.client().post("/mot-de-passe/oublie", &[("email", "balai@securite.example")]).await.assert_status(200);
    let store = &app.server.state.store;
    let now = chrono::Utc::now();
    let rien = purge_expired(store, now).await.expect("sweep");
    assert_eq!((rien.sessions, rien.tokens), (0, 0), "nothing has expired yet");
    usager.get("/dossiers").await.assert_status(200).assert_contains("Se déconnecter");

    let purged = purge_expired(store, now + chrono::Duration::days(400)).await.expect("sweep");
    assert!(purged.sessions >= 1 && purged.tokens >= 1, "{purged:?}");
    // The session is gone: the person is asked to log in again.
    usager.get("/dossiers").await.assert_lacks("Se déconnecter").assert_contains(r#"name="password""#);
    assert_eq!(purge_expired(store, now + chrono::Duration::days(400)).await.expect("sweep").total(), 0);
    app.stop().await;
}
