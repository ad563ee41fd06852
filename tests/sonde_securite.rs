//! Findings of the outside security probe (issue 8, section 2), each
//! reproduced against the real server.

use guichet::workflow::comptes::Roles;
use guichet_tests::app::{PASSWORD, TestApp};

/// The value of a hidden field in a page.
fn hidden(raw: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    raw.split(&marker).nth(1).and_then(|s| s.split('"').next()).unwrap_or_default().replace("&#x2F;", "/")
}

/// A browser that does not follow redirects: signs in with `retour` and
/// returns the status and `Location` of the answer.
async fn login_location(app: &TestApp, email: &str, retour: &str) -> (u16, String) {
    let http = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let page = http.get(app.url("/connexion")).send().await.expect("GET").text().await.expect("body");
    let token = hidden(&page, "authenticity_token");
    let response = http
        .post(app.url("/connexion"))
        .form(&[("authenticity_token", token.as_str()), ("email", email), ("password", PASSWORD), ("retour", retour)])
        .send()
        .await
        .expect("POST");
    let location = response.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    (response.status().as_u16(), location)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn return_paths_after_login_never_leave_the_site() {
    let app = TestApp::sqlite().await;
    app.compte("retour@exemple.fr", Roles::default()).await;
    for retour in ["/\t/evil.example", "/\n", "/\r", "/\0", "/\\evil.example", "//evil.example", "/ /evil.example"] {
        let (status, location) = login_location(&app, "retour@exemple.fr", retour).await;
        assert_eq!((status, location.as_str()), (303, "/"), "retour {retour:?}");
    }
    let (status, location) = login_location(&app, "retour@exemple.fr", "/dossiers?x=1").await;
    assert_eq!((status, location.as_str()), (303, "/dossiers?x=1"));
    // The sign-in page never echoes a control character into its form.
    let page = app.client().get("/connexion?retour=/%09/evil.example").await;
    page.assert_status(200);
    assert_eq!(hidden(&page.raw, "retour"), "/");
    // A return path with its own query string survives the link to the
    // sign-up page whole: its `&` would otherwise end `retour` early.
    let page = app.client().get("/connexion?retour=%2Fdossiers%3Fx%3D1%26y%3D2").await;
    page.assert_status(200);
    page.assert_contains("href=\"/inscription?retour=%2Fdossiers%3Fx%3D1%26y%3D2\"");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signing_up_from_a_demarche_comes_back_to_it_after_confirmation() {
    let app = TestApp::sqlite().await;
    guichet_tests::demo::demarche(&app).await;
    let client = app.client();
    let accueil = client.get("/commencer/demo").await;
    accueil.assert_status(200).assert_contains("Créer un compte");
    let inscription = client.get("/inscription?retour=/commencer/demo").await;
    let retour = hidden(&inscription.raw, "retour");
    assert_eq!(retour, "/commencer/demo");
    client
        .post("/inscription", &[("email", "nouvelle@exemple.fr"), ("password", PASSWORD), ("retour", &retour)])
        .await
        .assert_status(200);
    let mail = app.mail("nouvelle@exemple.fr", "Confirmez votre adresse").await;
    let lien = mail.first_link(&app.url("/confirmation")).expect("confirmation link");
    let connexion = client.get(&lien).await;
    connexion.assert_status(200).assert_contains("Votre adresse électronique est confirmée");
    let retour = hidden(&connexion.raw, "retour");
    assert_eq!(retour, "/commencer/demo", "{}", connexion.url);
    let page = client
        .post("/connexion", &[("email", "nouvelle@exemple.fr"), ("password", PASSWORD), ("retour", &retour)])
        .await;
    page.assert_status(200);
    assert_eq!(page.path(), "/commencer/demo");
    app.stop().await;
}

/// Every e-mail to `to` whose subject contains `subject`, once the mail
/// worker had time to send what was queued.
async fn mails(app: &TestApp, to: &str, subject: &str) -> Vec<guichet_tests::smtp::ReceivedMail> {
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    app.smtp.messages_to(to).unwrap_or_default().into_iter().filter(|m| m.subject.contains(subject)).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn using_one_reset_link_voids_every_other_one() {
    let app = TestApp::sqlite().await;
    app.compte("oubli@exemple.fr", Roles::default()).await;
    let client = app.client();
    client.post("/mot-de-passe/oublie", &[("email", "oubli@exemple.fr")]).await.assert_status(200);
    client.post("/mot-de-passe/oublie", &[("email", "oubli@exemple.fr")]).await.assert_status(200);
    let recus = mails(&app, "oubli@exemple.fr", "Choisissez un nouveau mot de passe").await;
    assert_eq!(recus.len(), 2);
    let jeton = |m: &guichet_tests::smtp::ReceivedMail| {
        let lien = m.first_link(&app.url("/mot-de-passe/nouveau")).expect("reset link");
        lien.split("jeton=").nth(1).expect("token").to_string()
    };
    let (l1, l2) = (jeton(&recus[0]), jeton(&recus[1]));
    client
        .post("/mot-de-passe/nouveau", &[("jeton", &l1), ("password", "premier-cadran-velours-88")])
        .await
        .assert_status(200)
        .assert_contains("Votre mot de passe a été enregistré");
    client
        .post("/mot-de-passe/nouveau", &[("jeton", &l2), ("password", "second-cadran-velours-99")])
        .await
        .assert_status(422)
        .assert_contains("n'est plus valide");
    client.login("oubli@exemple.fr", "premier-cadran-velours-88").await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dynamic_pages_are_never_stored_by_caches() {
    let app = TestApp::sqlite().await;
    let (admin, demarche) =
        crate::http_securite::demarche_publiee(&app, "admin@cache.example", "instructeur@cache.example", "cache").await;
    let usager = app.signed_in("usager@cache.example", Roles::default()).await;
    let dossier = crate::http_securite::dossier_depose(&app, &usager, "cache").await;
    let instructeur = app.client();
    instructeur.login("instructeur@cache.example", PASSWORD).await;
    let pages = [
        (&usager, format!("/dossiers/{dossier}")),
        (&usager, "/dossiers".to_string()),
        (&usager, format!("/dossiers/{dossier}/champs/1/suggestions?q=ab")),
        (&instructeur, format!("/instructeur/dossiers/{dossier}")),
        (&admin, format!("/admin/demarches/{demarche}")),
        (&admin, "/admin/plugins".to_string()),
    ];
    for (client, path) in pages {
        let page = client.get(&path).await;
        let value = page.headers.get("cache-control").and_then(|v| v.to_str().ok()).unwrap_or("");
        assert_eq!(value, "private, no-store", "{path} ({})", page.status);
    }
    app.stop().await;
}

/// True when the answer is our French error page (or its JSON form).
fn french_error_page(page: &guichet_tests::app::Page) -> bool {
    page.raw.contains("<html lang=\"fr\"")
        && page.headers.get("content-type").is_some_and(|v| v.as_bytes().starts_with(b"text/html"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_error_a_person_can_reach_is_the_french_page() {
    let app = TestApp::sqlite().await;
    let admin = app.signed_in("admin@erreurs.example", Roles { administrateur: true, ..Roles::default() }).await;
    let page = admin
        .post(
            "/admin/demarches",
            &[
                ("libelle", "Erreurs"),
                ("description", "Pour les erreurs."),
                ("service_nom", "Voirie"),
                ("service_organisme", "Mairie"),
                ("cadre_juridique", "Délibération n° 2026-12 du conseil"),
                ("service_email", "voirie@mairie.example"),
            ],
        )
        .await;
    let demarche = page.id_after("/admin/demarches/");
    let long = format!("/connexion?x={}", "a".repeat(20_000));
    for path in [
        "/admin/demarches/abc/plugins",
        "/commencer/%FF",
        "/connexion?retour=/a&retour=/b",
        "/deconnexion",
        "/static/absent.css",
        long.as_str(),
    ] {
        let page = admin.get(path).await;
        assert!(page.status >= 400, "{path}: {}", page.status);
        assert!(french_error_page(&page), "{path} ({}): {}", page.status, page.raw);
    }
    // The method is not allowed: 405, in French.
    assert_eq!(admin.get("/deconnexion").await.status, 405);
    assert_eq!(admin.get(&long).await.status, 414);
    // A JSON request gets JSON.
    let response =
        admin.http.get(app.url("/deconnexion")).header("Accept", "application/json").send().await.expect("GET");
    assert_eq!(response.status().as_u16(), 405);
    let json: serde_json::Value =
        serde_json::from_str(&response.text().await.unwrap_or_default()).expect("a JSON error");
    assert!(json["titre"].as_str().is_some_and(|t| !t.is_empty()), "{json}");
    // A multipart form without a boundary.
    let edition = admin.get(&format!("/admin/demarches/{demarche}/attestation")).await;
    let action = edition
        .raw
        .split("enctype=\"multipart/form-data\"")
        .next()
        .and_then(|s| s.rsplit("action=\"").next())
        .and_then(|s| s.split('"').next())
        .expect("the form's action")
        .replace("&amp;", "&")
        .replace("&#x3D;", "=")
        .replace("&#x2F;", "/");
    let response = admin
        .http
        .post(app.url(&action))
        .header("Content-Type", "multipart/form-data")
        .body("x")
        .send()
        .await
        .expect("POST");
    let status = response.status().as_u16();
    let body = response.text().await.unwrap_or_default();
    assert!(status == 400 && body.contains("<html lang=\"fr\""), "{action}: {status} {body}");
    // A form over the 1 MB bound (the probe sent 10 MB) is too large, not a
    // bad request. Through the router itself: a client streaming the body
    // sees the connection close before it finishes writing.
    use tower::ServiceExt;
    let seed = "s".repeat(43);
    let request = axum::http::Request::post("/connexion")
        .header("cookie", format!("guichet_csrf={seed}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(axum::body::Body::from(format!("email={}", "a".repeat(2 * 1024 * 1024))))
        .expect("request");
    let response = guichet::app(app.server.state.clone()).oneshot(request).await.expect("an answer");
    assert_eq!(response.status(), 413);
    let body = axum::body::to_bytes(response.into_body(), 1 << 20).await.expect("body");
    let body = String::from_utf8_lossy(&body);
    assert!(body.contains("<html lang=\"fr\"") && body.contains("Envoi trop volumineux"), "{body}");
    app.stop().await;
}

/// The status, `Retry-After` and body of a refused request.
fn retry_after(page: &guichet_tests::app::Page) -> Option<u64> {
    page.headers.get("retry-after").and_then(|v| v.to_str().ok()).and_then(|v| v.parse().ok())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logins_sign_ups_and_resets_are_limited_per_ip() {
    let app = TestApp::sqlite().await;
    // Password spraying: one wrong password over many comptes from one IP.
    let attaquant = app.client_from("127.0.0.5");
    let mut refused = None;
    for i in 0..80 {
        let email = format!("cible{i}@exemple.fr");
        let page =
            attaquant.post("/connexion", &[("email", email.as_str()), ("password", "essai-au-hasard-123")]).await;
        if page.status == 429 {
            refused = Some((i, page));
            break;
        }
        page.assert_status(422);
    }
    let (essais, page) = refused.expect("spraying is stopped by a 429");
    assert!(essais >= 20, "a person who mistypes is not stopped that soon: {essais}");
    page.assert_contains("Trop de tentatives");
    assert!(french_error_page(&page));
    assert!(retry_after(&page).is_some_and(|s| s > 0 && s <= 3600), "{:?}", page.headers);
    // Another IP is not affected.
    app.compte("ailleurs@exemple.fr", Roles::default()).await;
    app.client_from("127.0.0.6").login("ailleurs@exemple.fr", PASSWORD).await;

    // Sign-ups and reset requests from one IP.
    let robot = app.client_from("127.0.0.7");
    let mut inscriptions = 0;
    loop {
        let email = format!("robot{inscriptions}@exemple.fr");
        let page = robot.post("/inscription", &[("email", email.as_str()), ("password", PASSWORD)]).await;
        if page.status == 429 {
            assert!(retry_after(&page).is_some());
            break;
        }
        page.assert_status(200);
        inscriptions += 1;
        assert!(inscriptions < 50, "sign-ups are never limited");
    }
    let mut demandes = 0;
    let robot = app.client_from("127.0.0.8");
    loop {
        let email = format!("robot{demandes}@exemple.fr");
        let page = robot.post("/mot-de-passe/oublie", &[("email", email.as_str())]).await;
        if page.status == 429 {
            assert!(retry_after(&page).is_some());
            page.assert_contains("Trop de tentatives");
            break;
        }
        page.assert_status(200);
        demandes += 1;
        assert!(demandes < 50, "reset requests are never limited");
    }
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn suggestions_are_limited_per_compte_and_answer_json() {
    let app = TestApp::sqlite().await;
    let usager = app.signed_in("bavard@exemple.fr", Roles::default()).await;
    let mut appels = 0;
    loop {
        let response = usager
            .http
            .get(app.url("/dossiers/1/champs/1/suggestions?q=rue"))
            .header("Accept", "application/json")
            .send()
            .await
            .expect("GET");
        if response.status().as_u16() == 429 {
            assert!(response.headers().get("retry-after").is_some());
            let json: serde_json::Value =
                serde_json::from_str(&response.text().await.unwrap_or_default()).expect("JSON");
            assert!(json["message"].as_str().is_some_and(|m| m.contains("réessayez dans")), "{json}");
            break;
        }
        appels += 1;
        assert!(appels < 500, "suggestions are never limited");
    }
    assert!(appels >= 60, "typing a few addresses is not limited: {appels}");
    app.stop().await;
}

/// Guessing one compte's password from many addresses: each address is
/// locked out of it after a few failures, and the compte's own counter
/// stops the whole attempt at 100 failures an hour, with a French 429.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guessing_one_compte_from_many_ips_is_limited() {
    let app = TestApp::sqlite().await;
    app.compte("cible@exemple.fr", Roles::default()).await;
    let mut echecs = 0;
    let mut refused = None;
    'adresses: for octet in 20..60 {
        let attaquant = app.client_from(&format!("127.0.1.{octet}"));
        for _ in 0..5 {
            let page = attaquant
                .post("/connexion", &[("email", "cible@exemple.fr"), ("password", "essai-au-hasard-123")])
                .await;
            if page.status == 429 {
                refused = Some(page);
                break 'adresses;
            }
            page.assert_status(422);
            echecs += 1;
        }
    }
    let page = refused.expect("guessing from many addresses is stopped by a 429");
    assert_eq!(echecs, 100, "the compte's counter allows 100 failures an hour");
    page.assert_contains("Trop de tentatives");
    assert!(french_error_page(&page));
    assert!(retry_after(&page).is_some_and(|s| s > 0 && s <= 3600), "{:?}", page.headers);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_passwords_from_one_ip_do_not_lock_the_owner_out() {
    verrou_par_ip(TestApp::sqlite().await).await;
}

/// The counters' SQL on PostgreSQL too (when the suite has one).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_passwords_from_one_ip_do_not_lock_the_owner_out_on_postgres() {
    let Some(app) = TestApp::postgres().await else { return };
    verrou_par_ip(app).await;
}

async fn verrou_par_ip(app: TestApp) {
    app.compte("victime@exemple.fr", Roles::default()).await;
    let attaquant = app.client_from("127.0.0.9");
    for _ in 0..7 {
        attaquant
            .post("/connexion", &[("email", "victime@exemple.fr"), ("password", "essai-au-hasard-123")])
            .await
            .assert_status(422);
    }
    // The attacker's IP is locked out of this compte, even with the password…
    attaquant.post("/connexion", &[("email", "victime@exemple.fr"), ("password", PASSWORD)]).await.assert_status(422);
    // …but the owner, elsewhere, signs in.
    app.client_from("127.0.0.10").login("victime@exemple.fr", PASSWORD).await;
    // The owner was told, and a reset lifts the lockout everywhere.
    let mail = app.mail("victime@exemple.fr", "Connexions à votre compte suspendues").await;
    let lien = mail.first_link(&app.url("/mot-de-passe/nouveau")).expect("reset link");
    let jeton = lien.split("jeton=").nth(1).expect("token").to_string();
    attaquant
        .post("/mot-de-passe/nouveau", &[("jeton", &jeton), ("password", "nouveau-cadran-velours-88")])
        .await
        .assert_status(200);
    attaquant.login("victime@exemple.fr", "nouveau-cadran-velours-88").await;
    // Scoped plugin messages: the SQL runs on this backend too.
    let admin = app.signed_in("admin@verrou.example", Roles { administrateur: true, ..Roles::default() }).await;
    admin.get("/admin/plugins").await.assert_status(200);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn e_mails_to_one_address_are_throttled_with_the_same_neutral_answer() {
    let app = TestApp::sqlite().await;
    app.compte("boite@exemple.fr", Roles::default()).await;
    let client = app.client();
    let mut reponses = Vec::new();
    for _ in 0..6 {
        let page = client.post("/mot-de-passe/oublie", &[("email", "boite@exemple.fr")]).await;
        page.assert_status(200);
        reponses.push(page.body);
    }
    assert!(reponses.windows(2).all(|w| w[0] == w[1]), "the answer never changes");
    let inconnu = client.post("/mot-de-passe/oublie", &[("email", "inconnu@exemple.fr")]).await;
    assert_eq!(inconnu.body.replace("inconnu@exemple.fr", "X"), reponses[0].replace("boite@exemple.fr", "X"));
    let recus = mails(&app, "boite@exemple.fr", "Choisissez un nouveau mot de passe").await;
    assert!((1..=3).contains(&recus.len()), "{} reset e-mails", recus.len());
    // Signing up again and again with an existing address.
    let robot = app.client_from("127.0.0.11");
    for _ in 0..6 {
        robot.post("/inscription", &[("email", "boite@exemple.fr"), ("password", PASSWORD)]).await.assert_status(200);
    }
    let recus = mails(&app, "boite@exemple.fr", "Vous avez déjà un compte").await;
    assert!((1..=3).contains(&recus.len()), "{} « compte existant » e-mails", recus.len());
    app.stop().await;
}

/// The CSRF token of a page.
fn token(page: &guichet_tests::app::Page) -> String {
    hidden(&page.raw, "authenticity_token")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn csrf_tokens_are_bound_to_the_session_and_renewed_at_login() {
    let app = TestApp::sqlite().await;
    app.compte("jeton@exemple.fr", Roles::default()).await;
    app.compte("autre@exemple.fr", Roles::default()).await;
    let client = app.client();
    let avant = token(&client.get("/connexion").await);
    client.login("jeton@exemple.fr", PASSWORD).await;
    // The token of the page before signing in no longer posts.
    client.post_without_csrf("/deconnexion", &[("authenticity_token", avant.as_str())]).await.assert_status(403);
    // An Origin with our host but another scheme is another origin.
    let pendant = token(&client.get("/dossiers").await);
    let origin = app.url("").replace("http://", "https://").trim_end_matches('/').to_string();
    let status = client
        .http
        .post(app.url("/deconnexion"))
        .header("Origin", origin)
        .form(&[("authenticity_token", pendant.as_str())])
        .send()
        .await
        .expect("POST")
        .status();
    assert_eq!(status.as_u16(), 403);
    client.get("/dossiers").await.assert_status(200).assert_contains("Mes dossiers");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logging_in_again_ends_the_previous_session_of_the_browser() {
    let app = TestApp::sqlite().await;
    app.compte("premier@exemple.fr", Roles::default()).await;
    app.compte("second@exemple.fr", Roles::default()).await;
    let http = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let mut sessions = Vec::new();
    for email in ["premier@exemple.fr", "second@exemple.fr"] {
        let page = http.get(app.url("/connexion")).send().await.expect("GET").text().await.expect("body");
        let token = hidden(&page, "authenticity_token");
        let response = http
            .post(app.url("/connexion"))
            .form(&[("authenticity_token", token.as_str()), ("email", email), ("password", PASSWORD)])
            .send()
            .await
            .expect("login");
        assert_eq!(response.status().as_u16(), 303);
        let cookie = response
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|c| c.contains("guichet_session="))
            .and_then(|c| c.split(';').next())
            .expect("session cookie")
            .to_string();
        sessions.push(cookie);
    }
    let ancienne = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
    let status = |cookie: String| {
        let ancienne = ancienne.clone();
        let url = app.url("/dossiers");
        async move { ancienne.get(url).header("Cookie", cookie).send().await.expect("GET").status().as_u16() }
    };
    assert_eq!(status(sessions[1].clone()).await, 200, "the new session works");
    assert_eq!(status(sessions[0].clone()).await, 303, "the previous session is over");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cookies_take_the_host_prefix_over_https() {
    let app = guichet_tests::app::TestApp::start_with(guichet_tests::app::Backend::Sqlite, |c| {
        let _ = c.base_url.set_scheme("https");
    })
    .await
    .expect("app");
    let response = reqwest::get(app.url("/connexion")).await.expect("GET");
    let cookies: Vec<String> =
        response.headers().get_all("set-cookie").iter().filter_map(|v| v.to_str().ok().map(str::to_string)).collect();
    assert!(
        cookies.iter().any(|c| c.starts_with("__Host-guichet_csrf=") && c.contains("Secure") && c.contains("Path=/")),
        "{cookies:?}"
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_contact_address_is_a_plain_e_mail_address() {
    let app = TestApp::sqlite().await;
    let admin = app.signed_in("admin@contact.example", Roles { administrateur: true, ..Roles::default() }).await;
    for email in ["voirie@mairie.example?bcc=x@evil.example", "voirie?bcc=x%40evil.example@mairie.example"] {
        let page = admin
            .post(
                "/admin/demarches",
                &[
                    ("libelle", "Contact"),
                    ("description", "Pour le contact."),
                    ("service_nom", "Voirie"),
                    ("service_organisme", "Mairie"),
                    ("cadre_juridique", "Délibération n° 2026-12 du conseil"),
                    ("service_email", email),
                ],
            )
            .await;
        page.assert_status(422).assert_contains("Saisissez une adresse électronique valide");
        assert!(!page.raw.contains("mailto:voirie?"), "{email}");
    }
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn control_characters_in_champ_values_are_refused_and_the_draft_kept() {
    let app = TestApp::sqlite().await;
    crate::http_securite::demarche_publiee(&app, "admin@nul.example", "instructeur@nul.example", "nul").await;
    let usager = app.signed_in("usager@nul.example", Roles::default()).await;
    let page = usager.post("/commencer/nul", &[]).await;
    let id = page.id_after("/dossiers/");
    let page = usager.post(&format!("/dossiers/{id}/brouillon"), &[("champ_1", "AB\u{0}CD")]).await;
    page.assert_status(422).assert_contains("caractère");
    assert!(page.raw.contains("AB"), "the draft is shown again");
    let page =
        usager.post(&format!("/dossiers/{id}/brouillon"), &[("intention", "deposer"), ("champ_1", "AB\u{1b}CD")]).await;
    page.assert_status(422);
    usager.get(&format!("/dossiers/{id}/brouillon")).await.assert_status(200).assert_lacks("AB\u{0}CD");
    app.stop().await;
}

/// A démarche of `admin`, with the `piege` fixture plugin enabled on it.
async fn demarche_avec_piege(admin: &guichet_tests::app::Client, libelle: &str) -> i64 {
    let page = admin
        .post(
            "/admin/demarches",
            &[
                ("libelle", libelle),
                ("description", "Elle utilise un plugin bavard."),
                ("service_nom", "Service essais"),
                ("service_organisme", "Ministère des essais"),
                ("cadre_juridique", "Délibération n° 2026-12 du conseil"),
                ("service_email", "essais@ministere.example"),
            ],
        )
        .await;
    let id = page.id_after("/admin/demarches/");
    admin.post(&format!("/admin/demarches/{id}/plugins/piege/activer"), &[]).await.assert_status(200);
    id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plugin_logs_are_shown_only_to_the_administration_that_uses_the_plugin() {
    let app = TestApp::with_fixtures(&["piege"]).await;
    let a = app.signed_in("admin@a.example", Roles { administrateur: true, ..Roles::default() }).await;
    let b = app.signed_in("admin@b.example", Roles { administrateur: true, ..Roles::default() }).await;
    demarche_avec_piege(&a, "Démarche de A").await;
    // piege logs a flood of warnings (think: dossier data) before it traps.
    app.server.state.plugins.validate("piege", "abc", "{}").await.expect_err("piege traps");
    a.get("/admin/plugins").await.assert_status(200).assert_contains("record 0: xxxx");
    b.get("/admin/plugins").await.assert_status(200).assert_lacks("record 0: xxxx");
    // Once another administration uses it too, its messages are the operator's.
    demarche_avec_piege(&b, "Démarche de B").await;
    a.get("/admin/plugins").await.assert_status(200).assert_lacks("record 0: xxxx");
    app.stop().await;
}
