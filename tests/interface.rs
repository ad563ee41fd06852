//! What a person meets in the pages, checked on the HTML (no browser
//! needed): the header's mobile menu, French numbers, errors next to their
//! fields, words that agree in number, what each role is shown.

use guichet::workflow::comptes::Roles;
use guichet_tests::app::{Client, TestApp};
use guichet_tests::demo::{self, ADMIN, INSTRUCTEUR, USAGER};

/// The DSFR's documented header: a « Menu » button controlling the modal
/// `fr-header__menu`, into which the DSFR script copies the tools links
/// (without it, those links are unreachable below 992 px and the script
/// throws on every page).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn header_has_the_dsfr_menu_button_and_modal() {
    let app = TestApp::sqlite().await;
    let page = app.client().get("/").await;
    page.assert_status(200)
        .assert_contains(r#"aria-controls="menu-principal""#)
        .assert_contains(r#"class="fr-header__menu fr-modal" id="menu-principal" aria-labelledby="bouton-menu""#)
        .assert_contains(r#"<div class="fr-header__menu-links"></div>"#);
    app.stop().await;
}

/// Static files come compressed as the browser accepts (brotli first),
/// kept a year under their fingerprinted URL, revalidated under a plain
/// one, and a page's HTML is compressed too: a first visit costs the
/// compressed bytes, a second one nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn static_files_are_compressed_and_kept_under_their_version() {
    let app = TestApp::sqlite().await;
    let client = app.client();
    let page = client.get("/").await;
    page.assert_status(200);
    let start = page.body.find("/static/v-").expect("a fingerprinted URL on the page");
    let css = page.body[start..].split('"').next().expect("URL").to_owned();
    assert!(css.ends_with(".css"), "{css}");
    let get = |path: String, encoding: &'static str| {
        let http = client.http.clone();
        let url = app.url(&path);
        async move {
            let response = http.get(url).header("accept-encoding", encoding).send().await.expect("GET");
            let headers = response.headers().clone();
            let body = response.bytes().await.expect("body");
            (headers, body)
        }
    };
    let header = |headers: &reqwest::header::HeaderMap, name: &str| {
        headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned()
    };
    let (plain_headers, plain) = get(css.clone(), "identity").await;
    assert_eq!(header(&plain_headers, "content-encoding"), "");
    assert_eq!(header(&plain_headers, "cache-control"), "public, max-age=31536000, immutable");
    let (br_headers, br) = get(css.clone(), "gzip, deflate, br").await;
    assert_eq!(header(&br_headers, "content-encoding"), "br");
    assert_eq!(header(&br_headers, "vary"), "accept-encoding");
    assert!(br.len() * 4 < plain.len(), "brotli {} bytes for {} plain", br.len(), plain.len());
    let (gz_headers, gz) = get(css.clone(), "gzip").await;
    assert_eq!(header(&gz_headers, "content-encoding"), "gzip");
    assert!(gz.len() * 3 < plain.len(), "gzip {} bytes for {} plain", gz.len(), plain.len());
    // The same file without its version: revalidated, not kept a year.
    let sans_version = format!("/static/{}", css.splitn(4, '/').nth(3).expect("file after the version"));
    let (headers, _) = get(sans_version, "identity").await;
    assert!(!header(&headers, "cache-control").contains("immutable"), "{headers:?}");
    // A second visit: 304 on the ETag, no body.
    let etag = header(&br_headers, "etag");
    let response = client
        .http
        .get(app.url(&css))
        .header("if-none-match", etag)
        .header("accept-encoding", "br")
        .send()
        .await
        .expect("GET");
    assert_eq!(response.status().as_u16(), 304);
    // The page itself is compressed.
    let response = client.http.get(app.url("/")).header("accept-encoding", "br").send().await.expect("GET /");
    let encoding = header(response.headers(), "content-encoding");
    assert!(encoding == "br" || encoding == "gzip", "HTML encoding {encoding:?}");
    app.stop().await;
}

/// Numbers read the French way on both sides, and a number typed with a
/// thousands space comes back as typed in the form.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn numbers_are_shown_in_french_to_usager_and_instructeur() {
    let app = TestApp::sqlite().await;
    demo::demarche(&app).await;
    let usager = demo::client(&app, USAGER).await;
    let brouillon = usager.post("/commencer/demo", &[]).await.path();
    let mut fields =
        demo::reponses("732 829 320 00074", "1 place de la Mairie 69002 Lyon", &[("intention", "deposer")]);
    fields.retain(|(k, _)| *k != "champ_9" && *k != "champ_7");
    fields.push(("champ_9", "12 000,50"));
    fields.push(("champ_7", "12000"));
    let carte = r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[3.8796,43.6085]}}]}"#;
    fields.push(("champ_12", carte));
    let page = usager.post(&brouillon, &fields).await;
    page.assert_status(200).assert_contains("Votre dossier a bien été déposé");
    let numero = demo::numero(&brouillon);
    page.assert_contains("<dd>12\u{a0}000,5</dd>").assert_contains("<dd>12\u{a0}000</dd>").assert_lacks("12000.5");
    // The drawing reads as shapes, its GeoJSON only feeds the map.
    page.assert_contains("<li>Point : latitude 43,6085, longitude 3,8796</li>")
        .assert_contains("data-carte-lecture=")
        .assert_lacks(r#"<dd>{"type""#);
    usager
        .get(&format!("/dossiers/{numero}/modifier"))
        .await
        .assert_contains("value=\"12\u{a0}000,5\"")
        .assert_lacks("12000.5");
    let instructeur = demo::client(&app, INSTRUCTEUR).await;
    instructeur
        .get(&format!("/instructeur/dossiers/{numero}"))
        .await
        .assert_status(200)
        .assert_contains("<dd>12\u{a0}000,5</dd>")
        .assert_contains("<li>Point : latitude 43,6085, longitude 3,8796</li>");
    app.stop().await;
}

/// Section headings sit between the lists of answers, never inside a
/// `<dl>` (which may hold only dt/dd groups).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dossier_pages_keep_headings_out_of_definition_lists() {
    let app = TestApp::sqlite().await;
    demo::demarche(&app).await;
    let usager = demo::client(&app, USAGER).await;
    let numero = demo::deposer(&usager, "732 829 320 00074", "1 place de la Mairie 69002 Lyon").await;
    let instructeur = demo::client(&app, INSTRUCTEUR).await;
    for page in [
        usager.get(&format!("/dossiers/{numero}")).await,
        instructeur.get(&format!("/instructeur/dossiers/{numero}")).await,
    ] {
        page.assert_status(200).assert_contains(">Votre demande</h3>");
        for list in page.body.split("<dl").skip(1) {
            let inside = list.split("</dl>").next().unwrap_or_default();
            assert!(!inside.contains("<h3"), "a heading inside a <dl> on {}: {inside}", page.url);
        }
    }
    app.stop().await;
}

/// Usagers are told what to type, not what the plugin does for
/// administrateurs; a mandatory checkbox keeps its space before the mention.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn usager_form_has_no_administrateur_hints() {
    let app = TestApp::sqlite().await;
    demo::demarche(&app).await;
    let usager = demo::client(&app, USAGER).await;
    let page = usager.post("/commencer/demo", &[]).await;
    page.assert_status(200)
        .assert_lacks("API Entreprise")
        .assert_lacks("WGS 84")
        .assert_lacks("FeatureCollection")
        .assert_contains("fournies <span class=\"guichet-requis\">(obligatoire)</span></span>");
    app.stop().await;
}

/// Each publication error next to what it is about: the address's own
/// errors at its field, what the démarche lacks listed apart, all at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publication_errors_belong_to_their_own_field() {
    let app = TestApp::sqlite().await;
    demo::demarche(&app).await;
    let admin = demo::client(&app, ADMIN).await;
    let page = admin
        .post(
            "/admin/demarches",
            &[
                ("libelle", "Aide au permis"),
                ("description", "Une aide."),
                ("service_nom", "Service jeunesse"),
                ("service_organisme", "Mairie"),
                ("cadre_juridique", "Délibération n° 2026-12 du conseil"),
                ("service_email", "jeunesse@mairie.example"),
            ],
        )
        .await;
    let id = page.id_after("/admin/demarches/");
    admin
        .post(&format!("/admin/demarches/{id}/champs"), &[("type_champ", "text"), ("libelle", "Nom")])
        .await
        .assert_status(200);
    let publier = format!("/admin/demarches/{id}/publier");
    let field_error = r#"<p id="path-erreur" class="fr-error-text">"#;

    // No instructeur, a good address: nothing on the address field.
    let page = admin.post(&publier, &[("path", "aide-permis")]).await;
    page.assert_status(422).assert_contains("Au moins un instructeur").assert_contains(r#"id="manques""#);
    assert!(!page.body.contains(field_error), "no error on the address: {}", page.body);

    // An address taken by another démarche: said at the field, with the rest.
    let page = admin.post(&publier, &[("path", guichet::demo::PATH)]).await;
    page.assert_status(422)
        .assert_contains(&format!("{field_error}Cette adresse est, ou a été, celle d'une autre démarche"))
        .assert_contains("Au moins un instructeur");

    // An invalid address: its error, and the missing instructeur too.
    let page = admin.post(&publier, &[("path", "Aide permis")]).await;
    page.assert_status(422)
        .assert_contains(&format!("{field_error}L'adresse doit comporter"))
        .assert_contains("Au moins un instructeur");
    app.stop().await;
}

/// A decision refused for want of a motivation: a summary at the top links
/// to the field; reloading the URL the form posted to leads back to the
/// dossier instead of a blank 405.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_decision_has_a_summary_and_its_url_reloads() {
    let (app, _usager, instructeur, numero) = en_instruction().await;
    let fiche = format!("/instructeur/dossiers/{numero}");
    let page = instructeur.post(&format!("{fiche}/instruire"), &[("action", "refuser"), ("motivation", "")]).await;
    page.assert_status(422)
        .assert_contains(r##"<div id="erreurs" class="fr-alert fr-alert--error"##)
        .assert_contains(r##"<a href="#motivation">Une motivation est obligatoire"##);
    let summary = page.body.find(r#"id="erreurs""#).expect("summary");
    let answers = page.body.find("<h2>Demande</h2>").expect("answers");
    assert!(summary < answers, "the summary comes before the dossier's answers");
    // No decision chosen: the error goes to the choice, not the motivation.
    instructeur
        .post(&format!("{fiche}/instruire"), &[("motivation", "x")])
        .await
        .assert_status(422)
        .assert_contains(r##"<a href="#action">Choisissez une décision"##)
        .assert_contains(r#"id="action-erreur""#);
    let page = instructeur.get(&format!("{fiche}/instruire")).await;
    page.assert_status(200);
    assert_eq!(page.path(), fiche);
    app.stop().await;
}

/// The usager was told the dossier could no longer change: going back to
/// « en construction » tells them it can.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repasser_en_construction_mails_the_usager() {
    let (app, _usager, instructeur, numero) = en_instruction().await;
    let fiche = format!("/instructeur/dossiers/{numero}");
    instructeur.post(&format!("{fiche}/instruire"), &[("action", "repasser_en_construction")]).await.assert_status(200);
    let mail = app.mail(USAGER, &format!("Votre dossier n° {numero} peut de nouveau être modifié")).await;
    assert!(mail.text_body.contains(&format!("/dossiers/{numero}")), "{}", mail.text_body);
    app.stop().await;
}

/// Tabs: the current one is marked, and counts agree with their word;
/// the administrateur's pages too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn counts_agree_in_number_and_the_current_tab_stands_out() {
    let app = TestApp::sqlite().await;
    let demarche = demo::demarche(&app).await;
    let usager = demo::client(&app, USAGER).await;
    demo::deposer(&usager, "732 829 320 00074", "1 place de la Mairie 69002 Lyon").await;
    let instructeur = demo::client(&app, INSTRUCTEUR).await;
    let id = demarche.id;
    instructeur
        .get(&format!("/instructeur/demarches/{id}?onglet=traites"))
        .await
        .assert_contains(">0 traité</a>")
        .assert_contains(r#"class="fr-tag guichet-onglet--actif" href="/instructeur/demarches/"#);
    let admin = demo::client(&app, ADMIN).await;
    admin.get(&format!("/admin/demarches/{id}")).await.assert_lacks("(s)").assert_contains(" champs</p>");
    app.stop().await;
}

/// Roles decide the home page's cards; the form editor offers no « Monter »
/// on the first champ nor « Descendre » on the last; a non-champ plugin's
/// activation does not speak of champ types; the plugins page explains
/// the calls that did not succeed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_offer_only_what_works() {
    let app = TestApp::sqlite().await;
    let demarche = demo::demarche(&app).await;
    let usager = demo::client(&app, USAGER).await;
    usager.get("/").await.assert_lacks(r#"href="/instructeur""#).assert_lacks(r#"href="/admin""#);
    let agent = app.signed_in("agent@mairie.example", Roles { instructeur: true, ..Roles::default() }).await;
    agent.get("/").await.assert_contains("Instruire des dossiers").assert_lacks("Créer une démarche");

    let admin = demo::client(&app, ADMIN).await;
    let id = demarche.id;
    let page = admin
        .post(
            "/admin/demarches",
            &[
                ("libelle", "Essai"),
                ("description", "Essai."),
                ("service_nom", "Service"),
                ("service_organisme", "Mairie"),
                ("cadre_juridique", "Délibération n° 2026-12 du conseil"),
                ("service_email", "service@mairie.example"),
            ],
        )
        .await;
    let essai = page.id_after("/admin/demarches/");
    for libelle in ["Premier", "Dernier"] {
        admin
            .post(&format!("/admin/demarches/{essai}/champs"), &[("type_champ", "text"), ("libelle", libelle)])
            .await
            .assert_status(200);
    }
    let page = admin.get(&format!("/admin/demarches/{essai}/champs")).await;
    page.assert_lacks("Monter<span class=\"fr-sr-only\"> « Premier »")
        .assert_contains("Descendre<span class=\"fr-sr-only\"> « Premier »")
        .assert_contains("Monter<span class=\"fr-sr-only\"> « Dernier »")
        .assert_lacks("Descendre<span class=\"fr-sr-only\"> « Dernier »");

    admin
        .post(&format!("/admin/demarches/{essai}/plugins/attestation/activer"), &[])
        .await
        .assert_status(200)
        .assert_contains("Le plugin est activé")
        .assert_lacks("types de champ sont proposés");
    // The published demo's old test link says where the démarche now is.
    app.client()
        .get(&format!("/commencer/test/{}", guichet::demo::PATH))
        .await
        .assert_status(200)
        .assert_contains("Cette démarche est publiée")
        .assert_contains(&format!("href=\"/commencer/{}\"", guichet::demo::PATH));
    admin.get(&format!("/admin/demarches/{id}")).await.assert_status(200);
    admin.get("/admin/plugins").await.assert_status(200).assert_lacks("Aucune erreur récente");
    app.stop().await;
}

/// A motivation keeps its line breaks where it is shown.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn motivation_keeps_its_line_breaks() {
    let (app, usager, instructeur, numero) = en_instruction().await;
    let fiche = format!("/instructeur/dossiers/{numero}");
    instructeur
        .post(&format!("{fiche}/instruire"), &[("action", "refuser"), ("motivation", "Premier motif.\nSecond motif.")])
        .await
        .assert_status(200);
    usager
        .get(&format!("/dossiers/{numero}"))
        .await
        .assert_contains("<p class=\"guichet-motivation\"><strong>Motivation :</strong> Premier motif.\nSecond motif.");
    app.stop().await;
}

/// The demo démarche with one dossier filed by the usager and passed en
/// instruction by the instructeur: both clients signed in, and its number.
async fn en_instruction() -> (TestApp, Client, Client, i64) {
    let app = TestApp::sqlite().await;
    demo::demarche(&app).await;
    let usager = demo::client(&app, USAGER).await;
    let numero = demo::deposer(&usager, "732 829 320 00074", "1 place de la Mairie 69002 Lyon").await;
    let instructeur = demo::client(&app, INSTRUCTEUR).await;
    let fiche = format!("/instructeur/dossiers/{numero}");
    instructeur.post(&format!("{fiche}/instruire"), &[("action", "passer_en_instruction")]).await.assert_status(200);
    (app, usager, instructeur, numero)
}
