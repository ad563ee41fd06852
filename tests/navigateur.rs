//! The usager's journey in a real headless Chromium, on a desktop screen and
//! on a phone (375 px): sign up, confirm the e-mail, sign in, fill the demo
//! démarche's form (with a refused first attempt), submit; the same form
//! with JavaScript off. Every page on the way is checked with axe-core (no
//! serious or critical violation) and must leave no error in the browser's
//! console. Screenshots go to the test artifacts folder.

use fantoccini::Locator;
use guichet_tests::app::TestApp;
use guichet_tests::browser::{Browser, Viewport, artifact_path};

const EMAIL: &str = "camille.navigateur@exemple.fr";
const PASSWORD: &str = "tournesol-galet-boussole-31";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn usager_files_a_dossier_in_a_real_browser() {
    parcours_usager(Viewport::DESKTOP, "bureau").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn usager_files_a_dossier_on_a_phone() {
    parcours_usager(Viewport::PHONE, "mobile").await;
}

/// On a phone the header's links sit behind « Menu »: an anonymous visitor
/// reaches « Se connecter » and « Créer un compte » through it, and no page
/// script fails (the DSFR header script needs its menu modal).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn header_links_are_reachable_on_a_phone() {
    let app = TestApp::sqlite().await;
    let browser = Browser::start_with(Viewport::PHONE).await;
    let c = &browser.client;
    c.goto(&app.url("/")).await.expect("goto");
    let width = c.execute("return window.innerWidth", vec![]).await.expect("width");
    assert_eq!(width.as_u64(), Some(375), "the page is laid out 375 px wide");
    browser.check_page("accueil-mobile").await;
    browser.header_action("Se connecter").await;
    assert_eq!(c.current_url().await.expect("url").path(), "/connexion");
    browser.check_page("connexion-mobile").await;
    browser.header_action("Créer un compte").await;
    assert_eq!(c.current_url().await.expect("url").path(), "/inscription");
    browser.screenshot(&artifact_path("mobile-inscription.png")).await;
    browser.close().await;
    app.stop().await;
}

/// A one-page PDF's first bytes: enough for the format check (magic bytes).
const PDF: &[u8] = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n";

async fn parcours_usager(viewport: Viewport, ecran: &str) {
    let shot = |what: &str| artifact_path(&format!("navigateur-{ecran}-{what}.png"));
    let app = TestApp::sqlite().await;
    assert!(
        app.server.state.plugins.type_de_champ("siret").is_some(),
        "the siret plugin must be built (scripts/test.sh builds it)"
    );
    guichet::demo::seed(&app.server.state).await.expect("demo data");
    let browser = Browser::start_with(viewport).await;
    let c = &browser.client;

    // The démarche's page sends an anonymous visitor to sign up.
    c.goto(&app.url("/commencer/demo")).await.expect("goto");
    let title = c.find(Locator::Css("h1")).await.expect("h1").text().await.expect("text");
    assert_eq!(title, "Demande de subvention pour une association sportive");
    browser.check_page(&format!("{ecran}-demarche")).await;
    browser.submit(Locator::Css("main a[href^='/inscription']")).await;
    browser.check_page(&format!("{ecran}-inscription")).await;
    browser.type_into("email", EMAIL).await;
    browser.type_into("password", PASSWORD).await;
    browser.submit(Locator::Css("form[action='/inscription'] button[type=submit]")).await;
    let body = c.source().await.expect("source");
    assert!(body.contains("Confirmez votre adresse électronique"), "{body}");

    // The confirmation link arrives over SMTP.
    let mail = app.mail(EMAIL, "Confirmez votre adresse").await;
    let link = mail.first_link(&app.url("/confirmation")).expect("link");
    c.goto(&link).await.expect("confirm");
    assert!(c.source().await.expect("source").contains("Votre adresse électronique est confirmée"));
    browser.check_page(&format!("{ecran}-connexion")).await;
    browser.type_into("email", EMAIL).await;
    browser.type_into("password", PASSWORD).await;
    browser.submit(Locator::Css("form[action='/connexion'] button[type=submit]")).await;

    c.goto(&app.url("/commencer/demo")).await.expect("goto");
    browser.submit(Locator::XPath("//button[contains(., 'Commencer la démarche')]")).await;
    assert!(c.current_url().await.expect("url").path().ends_with("/brouillon"));
    browser.check_page(&format!("{ecran}-brouillon")).await;

    // A first attempt with an invalid SIRET and missing answers.
    browser.type_into("champ_2", "Union sportive de Démoville").await;
    browser.type_into("champ_3", "732 829 320 00075").await;
    browser.submit(Locator::XPath("//button[@value='deposer']")).await;
    let body = c.source().await.expect("source");
    assert!(body.contains("Le formulaire contient des erreurs"), "{body}");
    assert!(body.contains("clé de contrôle"), "the plugin's message is shown next to the field");
    let summary = c.find(Locator::Id("erreurs")).await.expect("error summary");
    assert!(summary.text().await.expect("text").contains("Nombre d'adhérents"));
    // What was typed is still there.
    let nom = c.find(Locator::Id("champ_2")).await.expect("nom").prop("value").await.expect("value");
    assert_eq!(nom.as_deref(), Some("Union sportive de Démoville"));
    // Error links lead to their fields.
    let first_link = summary.find(Locator::Css("a")).await.expect("link").attr("href").await.expect("href");
    assert_eq!(first_link.as_deref(), Some("#champ_3"));
    browser.screenshot(&shot("erreurs")).await;
    browser.check_page(&format!("{ecran}-erreurs")).await;

    // Correct and complete the form, then submit.
    let siret = c.find(Locator::Id("champ_3")).await.expect("siret");
    siret.clear().await.expect("clear");
    siret.send_keys("732 829 320 00074").await.expect("type");
    // The adresse plugin's champ: typed by hand (the demo grants no geocoder,
    // so no suggestion comes; the value is kept as a manual entry).
    browser.type_into("champ_4", "1 place de la Mairie 99999 Démoville").await;
    browser.type_into("champ_5", "15/09/1998").await;
    browser.choose("champ_6", "Rugby").await;
    browser.type_into("champ_7", "240").await;
    browser.type_into("champ_9", "3500,00").await;
    // A valeur calculée follows the answers (static/regles.js).
    let calcul = attendre(|| async {
        let t = c.find(Locator::Css("output[data-calcul]")).await.ok()?.text().await.ok()?;
        (t == "14,58").then_some(t)
    })
    .await;
    assert_eq!(calcul.as_deref(), Some("14,58"), "the computed amount per adhérent");
    // « Oui » shows the champ that depends on it, « Non » hides it again,
    // without a save.
    let derniere = Locator::XPath("//label[contains(., 'Montant de la dernière subvention')]");
    assert!(!c.find(derniere).await.expect("conditional champ").is_displayed().await.expect("displayed"));
    c.find(Locator::Css("label[for='champ_10']")).await.expect("oui").click().await.expect("click");
    let visible = attendre(|| async { c.find(derniere).await.ok()?.is_displayed().await.ok()?.then_some(()) }).await;
    assert!(visible.is_some(), "the conditional champ shows after « Oui »");
    browser.check_page(&format!("{ecran}-condition")).await;
    c.find(Locator::Css("label[for='champ_10-non']")).await.expect("non").click().await.expect("click");
    let masque = attendre(|| async { (!c.find(derniere).await.ok()?.is_displayed().await.ok()?).then_some(()) }).await;
    assert!(masque.is_some(), "the conditional champ hides again after « Non »");
    c.find(Locator::Id("champ_11"))
        .await
        .expect("description")
        .send_keys("Achat de ballons et de maillots.")
        .await
        .expect("type");
    // The budget is a bloc répétable: « Ajouter un élément » saves the
    // brouillon and comes back at the new row, whose champs are filled;
    // the total below follows the amounts live.
    browser.submit(Locator::XPath("//button[starts-with(normalize-space(.), 'Ajouter un élément')]")).await;
    assert!(c.current_url().await.expect("url").path().ends_with("/brouillon"));
    let ligne = c.find(Locator::Css("fieldset.guichet-ligne")).await.expect("the new row");
    let saisies = ligne.find_all(Locator::Css("input.fr-input")).await.expect("the row's inputs");
    assert_eq!(saisies.len(), 2, "poste and montant");
    saisies[0].send_keys("Location du gymnase").await.expect("type");
    saisies[1].send_keys("1200,5").await.expect("type");
    let total = attendre(|| async {
        let sorties = c.find_all(Locator::Css("output[data-calcul]")).await.ok()?;
        let t = sorties.last()?.text().await.ok()?;
        (t == "1200,5").then_some(t)
    })
    .await;
    assert_eq!(total.as_deref(), Some("1200,5"), "the budget's total follows the row");
    // What was typed before the row was added is still there.
    let nom = c.find(Locator::Id("champ_2")).await.expect("nom").prop("value").await.expect("value");
    assert_eq!(nom.as_deref(), Some("Union sportive de Démoville"));
    // The row's quote: with JavaScript a file goes as soon as it is chosen
    // (static/fichiers.js), into that row, with a progress bar that ends
    // at 100 % next to the message.
    let dossier_devis = std::env::temp_dir().join(format!("guichet-devis-{ecran}-{}", std::process::id()));
    std::fs::create_dir_all(&dossier_devis).expect("temp dir");
    let devis = dossier_devis.join("devis-gymnase.pdf");
    std::fs::write(&devis, PDF).expect("write the quote");
    let choix = ligne.find(Locator::Css("input[type=file]")).await.expect("the row's file input");
    choix.send_keys(devis.to_str().expect("utf-8 path")).await.expect("choose the file");
    let envoye = attendre(|| async {
        let t = ligne.find(Locator::Css(".guichet-progression")).await.ok()?.text().await.ok()?;
        t.contains("a été envoyé").then_some(t)
    })
    .await;
    assert!(envoye.is_some(), "the upload ends with its message");
    let barre = ligne.find(Locator::Css(".guichet-progression progress")).await.expect("the progress bar");
    assert_eq!(barre.attr("value").await.expect("value").as_deref(), Some("100"));
    let liste = ligne.find(Locator::Css(".guichet-fichiers")).await.expect("the row's files").text().await;
    assert!(liste.expect("text").contains("devis-gymnase.pdf"), "the file is listed in its row");
    c.execute("document.querySelector('fieldset.guichet-ligne').scrollIntoView()", vec![]).await.expect("scroll");
    browser.screenshot(&shot("bloc")).await;
    browser.check_page(&format!("{ecran}-bloc")).await;
    // The carte champ (optional) is a map once carte.js ran, with the
    // GeoJSON textarea kept for keyboards and no-JS browsers.
    assert!(c.find(Locator::Id("champ_12")).await.is_ok(), "the carte champ's textarea is there");
    // Drawn with the mouse: Geoman's marker tool, then a click on the map;
    // carte.js writes the GeoJSON into the textarea the form sends.
    let outil = c
        .wait()
        .at_most(std::time::Duration::from_secs(10))
        .for_element(Locator::Css("#champ_12-carte .leaflet-pm-icon-marker"))
        .await
        .expect("the map's drawing tools (Leaflet and Geoman loaded under the CSP)");
    // The tools speak French, on the link a screen reader announces, and so
    // does the tooltip that follows the pointer.
    let lien = c.find(Locator::Css("#champ_12-carte a.leaflet-buttons-control-button")).await.expect("tool link");
    assert_eq!(lien.attr("aria-label").await.expect("aria-label").as_deref(), Some("Placer un point"));
    // With a map, the positions typed by hand are gone: they would be
    // posted over the drawing.
    assert!(c.find(Locator::Id("champ_12_coordonnees")).await.is_err(), "no typed positions beside the map");
    outil.click().await.expect("marker tool");
    // Geoman follows a mouse pointer with its hint; a touch screen has none.
    if viewport == Viewport::DESKTOP {
        let infobulle = c.find(Locator::Css("#champ_12-carte .leaflet-tooltip")).await.expect("the drawing tooltip");
        assert_eq!(infobulle.html(true).await.expect("tooltip text").trim(), "Cliquez pour placer un point");
    }
    c.find(Locator::Id("champ_12-carte")).await.expect("map").click().await.expect("click on the map");
    let geojson = c.find(Locator::Id("champ_12")).await.expect("textarea").prop("value").await.expect("value");
    let geojson = geojson.unwrap_or_default();
    assert!(geojson.contains(r#""type":"Point""#), "the drawing is in the field: {geojson}");
    let mesures = c.find(Locator::Id("champ_12-mesures")).await.expect("measures").text().await.expect("text");
    assert!(!mesures.contains("Aucune géométrie"), "the measures line follows the drawing: {mesures}");
    browser.screenshot(&shot("carte")).await;
    browser.check_page(&format!("{ecran}-carte")).await;
    let attestation = c.find(Locator::Css("label[for='champ_13']")).await.expect("attestation");
    // The DSFR lays the label out as a flex row: the mention keeps its space.
    let texte = attestation.text().await.expect("text");
    assert!(texte.contains("fournies (obligatoire)"), "{texte}");
    attestation.click().await.expect("click");
    browser.submit(Locator::XPath("//button[@value='deposer']")).await;
    let body = c.source().await.expect("source");
    assert!(body.contains("Votre dossier a bien été déposé"), "{body}");
    assert!(body.contains("73282932000074") && body.contains("Rugby") && body.contains("3500"));
    assert!(body.contains("1 place de la Mairie 99999 Démoville"), "the address as typed");
    assert!(body.contains("devis-gymnase.pdf"), "the row's quote is read in its row");
    let _ = std::fs::remove_dir_all(&dossier_devis);
    browser.screenshot(&shot("depose")).await;
    browser.check_page(&format!("{ecran}-depose")).await;
    let url = c.current_url().await.expect("url");
    let numero = url.path().trim_start_matches("/dossiers/").to_string();
    app.mail(EMAIL, &format!("Votre dossier n° {numero} a bien été déposé")).await;
    // The drawing was filed, checked by the carte plugin.
    let mut tx = app.server.state.store.read().await.expect("read");
    let id = guichet::domain::DossierId(numero.parse().expect("n°"));
    let champs =
        guichet::store::dossiers::champs(tx.conn(), id, guichet::store::dossiers::Stream::Main).await.expect("champs");
    tx.commit().await.expect("commit");
    let carte = champs.get(&guichet::domain::StableId(12)).expect("the carte answer");
    assert!(carte.contains("Point"), "{carte}");

    // "Mes dossiers", in the header (behind « Menu » on a phone), lists it.
    browser.header_action("Mes dossiers").await;
    assert!(c.source().await.expect("source").contains("En construction"));
    browser.check_page(&format!("{ecran}-mes-dossiers")).await;
    // Found by its number; put in the corbeille after a confirmation
    // page, and restored from there.
    c.find(Locator::Id("recherche")).await.expect("search field").send_keys(&numero).await.expect("type");
    browser.submit(Locator::Css("#recherche-dossiers button")).await;
    let body = c.source().await.expect("source");
    assert!(body.contains(&format!("1 dossier pour « {numero} »")), "{body}");
    browser.check_page(&format!("{ecran}-mes-dossiers-recherche")).await;
    browser.submit(Locator::Css(&format!(".guichet-dossier a[href='/dossiers/{numero}']"))).await;
    // The invitation page, and its error next to the field.
    browser.submit(Locator::LinkText("Inviter une personne à modifier ce dossier")).await;
    browser.check_page(&format!("{ecran}-invitations")).await;
    c.find(Locator::Id("email")).await.expect("email field").send_keys("pas-une-adresse").await.expect("type");
    browser.submit(Locator::XPath("//button[normalize-space(.)='Envoyer une invitation']")).await;
    assert!(c.source().await.expect("source").contains(r#"id="email-erreur""#));
    browser.screenshot(&shot("invitation-refusee")).await;
    browser.check_page(&format!("{ecran}-invitation-refusee")).await;
    browser.submit(Locator::LinkText("Revenir au dossier")).await;
    // Changes kept without filing them: the form says the administration
    // reads the filed dossier until they are filed, the dossier page says
    // they wait; then they are cancelled.
    browser.submit(Locator::LinkText("Modifier mon dossier")).await;
    assert!(c.source().await.expect("source").contains("Déposer les modifications"));
    browser.check_page(&format!("{ecran}-modifier")).await;
    browser.submit(Locator::XPath("//button[normalize-space(.)='Enregistrer sans déposer']")).await;
    let body = c.source().await.expect("source");
    assert!(body.contains("Vos modifications sont enregistrées"), "{body}");
    browser.check_page(&format!("{ecran}-modifications-enregistrees")).await;
    c.goto(&app.url(&format!("/dossiers/{numero}"))).await.expect("goto");
    assert!(c.source().await.expect("source").contains("Modifications non déposées"));
    browser.screenshot(&shot("modifications-en-cours")).await;
    browser.check_page(&format!("{ecran}-modifications-en-cours")).await;
    browser.submit(Locator::LinkText("Reprendre mes modifications")).await;
    browser.submit(Locator::XPath("//button[normalize-space(.)='Annuler les modifications']")).await;
    assert!(c.source().await.expect("source").contains("Vos modifications ont été annulées"));
    browser.check_page(&format!("{ecran}-modifications-annulees")).await;
    browser.submit(Locator::LinkText("Supprimer ce dossier")).await;
    assert!(c.source().await.expect("source").contains("l'administration ne le verra plus"));
    browser.check_page(&format!("{ecran}-supprimer")).await;
    browser.submit(Locator::XPath("//button[normalize-space(.)='Mettre à la corbeille']")).await;
    assert!(c.source().await.expect("source").contains("Le dossier a été mis à la corbeille"));
    browser.screenshot(&shot("corbeille")).await;
    browser.check_page(&format!("{ecran}-corbeille")).await;
    browser.submit(Locator::Css(&format!("form[action='/dossiers/{numero}/restaurer'] button"))).await;
    assert!(c.source().await.expect("source").contains("Le dossier a été restauré"));
    browser.header_action("Se déconnecter").await;
    assert!(c.source().await.expect("source").contains("Se connecter"));
    browser.close().await;
    app.stop().await;
}

/// Polls `f` until it gives something, for up to 5 s (the page's scripts
/// answer asynchronously).
async fn attendre<T, F, Fut>(f: F) -> Option<T>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    for _ in 0..50 {
        if let Some(v) = f().await {
            return Some(v);
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    None
}

/// The administrateur's form editor with a bloc répétable (its champs
/// listed inside it, each with its own moves), then a groupe's routing
/// rule built with the no-code builder, pass axe-core at a phone's width,
/// with no console error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn form_editor_with_a_block_on_a_phone() {
    let app = TestApp::sqlite().await;
    guichet::demo::seed(&app.server.state).await.expect("demo data");
    let browser = Browser::start_with(Viewport::PHONE).await;
    let c = &browser.client;
    browser.log_in(&app.url("/connexion"), guichet_tests::demo::ADMIN, guichet::demo::PASSWORD).await;
    c.goto(&app.url("/admin/demarches/1/champs")).await.expect("goto");
    let bloc = c.find(Locator::Css("ol.guichet-champs--bloc")).await.expect("the block's champs, listed inside it");
    assert!(bloc.text().await.expect("text").contains("Poste de dépense"));
    c.execute("document.querySelector('ol.guichet-champs--bloc').parentElement.scrollIntoView()", vec![])
        .await
        .expect("scroll");
    browser.screenshot(&artifact_path("navigateur-mobile-editeur-bloc.png")).await;
    browser.check_page("mobile-editeur-bloc").await;

    // The preview: the usager's page, whose « Oui » shows its question live.
    c.find(Locator::LinkText("Aperçu du formulaire")).await.expect("the preview link").click().await.expect("click");
    let derniere = Locator::XPath("//label[contains(., 'Montant de la dernière subvention')]");
    assert!(!c.find(derniere).await.expect("conditional champ").is_displayed().await.expect("displayed"));
    c.find(Locator::Css("label[for='champ_10']")).await.expect("oui").click().await.expect("click");
    let montre = c.wait().at_most(std::time::Duration::from_secs(5)).for_element(derniere).await.expect("champ");
    for _ in 0..50 {
        if montre.is_displayed().await.expect("displayed") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(montre.is_displayed().await.expect("displayed"), "« Oui » shows the question in the preview");
    browser.screenshot(&artifact_path("navigateur-mobile-apercu.png")).await;
    browser.check_page("mobile-apercu").await;

    // A groupe's routing rule, built on a phone with the no-code builder.
    let admin = guichet_tests::demo::client(&app, guichet_tests::demo::ADMIN).await;
    let groupe = admin.post("/admin/demarches/1/groupes", &[("libelle", "Lyon")]).await;
    let groupe = groupe.id_after("/admin/demarches/1/groupes/");
    c.goto(&app.url(&format!("/admin/demarches/1/groupes/{groupe}/routage"))).await.expect("goto");
    browser.screenshot(&artifact_path("navigateur-mobile-routage.png")).await;
    browser.check_page("mobile-routage").await;
    browser.choose("clause_0_champ", "2").await;
    browser.choose("clause_0_operateur", "contient").await;
    browser.type_into("clause_0_valeur", "Lyon").await;
    browser.submit(Locator::Css("button[name='action'][value='enregistrer']")).await;
    let page = c.source().await.expect("page");
    assert!(page.contains("La règle de routage a été enregistrée"), "saved");
    assert!(page.contains("contient « Lyon »"), "the rule in words on the groupe's page");
    browser.screenshot(&artifact_path("navigateur-mobile-groupe-routage.png")).await;
    browser.check_page("mobile-groupe-routage").await;

    // The démarche's administrateurs: a co-administrateur invited on a phone.
    c.goto(&app.url("/admin/demarches/1/administrateurs")).await.expect("goto");
    browser.type_into("email", "co.admin@demo.guichet.localhost").await;
    browser.submit(Locator::XPath("//button[normalize-space(.)='Inviter']")).await;
    let page = c.source().await.expect("page");
    assert!(page.contains("L'administrateur a été ajouté à la démarche."), "invited");
    assert!(page.contains("co.admin@demo.guichet.localhost"), "listed");
    browser.screenshot(&artifact_path("navigateur-mobile-administrateurs.png")).await;
    browser.check_page("mobile-administrateurs").await;

    // A form still in test shows each champ's actions, « Dupliquer » too.
    let page = admin
        .post(
            "/admin/demarches",
            &[
                ("libelle", "Aide aux clubs"),
                ("description", "Une aide aux clubs."),
                ("service_nom", "Service des sports"),
                ("service_organisme", "Mairie"),
                ("cadre_juridique", "Délibération n° 2026-12 du conseil"),
                ("service_email", "sports@demo.guichet.localhost"),
            ],
        )
        .await;
    let brouillon = page.id_after("/admin/demarches/");
    let champs = format!("/admin/demarches/{brouillon}/champs");
    admin.post(&champs, &[("type_champ", "repetition"), ("libelle", "Équipes")]).await.assert_status(200);
    let enfant = [("type_champ", "text"), ("libelle", "Nom de l'équipe"), ("parent", "1")];
    admin.post(&champs, &enfant).await.assert_status(200);
    admin.post(&format!("{champs}/1/dupliquer"), &[]).await.assert_status(200);
    c.goto(&app.url(&champs)).await.expect("goto");
    let boutons = c.find_all(Locator::XPath("//button[starts-with(normalize-space(.), 'Dupliquer')]")).await;
    let boutons = boutons.expect("buttons");
    assert_eq!(boutons.len(), 4, "two blocks and their champs");
    // Laid out as read: the words keep their space in the flex button.
    let texte = boutons[0].text().await.expect("text");
    assert!(texte.starts_with("Dupliquer avec ses champs"), "{texte:?}");
    browser.screenshot(&artifact_path("navigateur-mobile-editeur-dupliquer.png")).await;
    browser.check_page("mobile-editeur-dupliquer").await;
    browser.close().await;
    app.stop().await;
}

/// The same journey with JavaScript off: everything the scripts do live
/// comes from the server on a save. A « Oui » shows its
/// question after « Enregistrer le brouillon », « Ajouter un élément »
/// adds a row, a file chosen in a row goes with the form's post, the total
/// is computed by the server, and the dossier is filed, with no console
/// error (axe-core needs JavaScript: the journeys above check these pages).
/// On a desktop screen: ChromeDriver hangs when a phone's device emulation
/// meets JavaScript turned off.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn usager_files_a_dossier_without_javascript() {
    let shot = |what: &str| artifact_path(&format!("navigateur-sans-js-{what}.png"));
    let app = TestApp::sqlite().await;
    guichet::demo::seed(&app.server.state).await.expect("demo data");
    let browser = Browser::start_without_javascript(Viewport::DESKTOP).await;
    let c = &browser.client;
    browser.log_in(&app.url("/connexion"), guichet_tests::demo::USAGER, guichet::demo::PASSWORD).await;
    c.goto(&app.url("/commencer/demo")).await.expect("goto");
    browser.submit(Locator::XPath("//button[contains(., 'Commencer la démarche')]")).await;
    assert!(c.current_url().await.expect("url").path().ends_with("/brouillon"));
    let scripts = c.execute("return document.querySelectorAll('script').length", vec![]).await.expect("count");
    assert!(scripts.as_u64().unwrap_or(0) > 0, "the page has scripts, which do not run here");
    browser.check_console("sans-js-brouillon").await;

    browser.type_into("champ_2", "Union sportive de Démoville").await;
    browser.type_into("champ_3", "732 829 320 00074").await;
    browser.type_into("champ_4", "1 place de la Mairie 99999 Démoville").await;
    browser.choose("champ_6", "Rugby").await;
    browser.type_into("champ_7", "240").await;
    browser.type_into("champ_9", "3500,00").await;
    // « Oui »: without a script nothing changes until the brouillon is saved.
    let derniere = Locator::XPath("//label[contains(., 'Montant de la dernière subvention')]");
    c.find(Locator::Css("label[for='champ_10']")).await.expect("oui").click().await.expect("click");
    assert!(!c.find(derniere).await.expect("conditional champ").is_displayed().await.expect("displayed"));
    browser.submit(Locator::XPath("//button[@value='enregistrer' and not(@hidden)]")).await;
    assert!(c.source().await.expect("source").contains("Votre brouillon a bien été enregistré"));
    assert!(c.find(derniere).await.expect("conditional champ").is_displayed().await.expect("displayed"));
    // What was typed is kept, and the server computed the amount per adhérent.
    let nom = c.find(Locator::Id("champ_2")).await.expect("nom").prop("value").await.expect("value");
    assert_eq!(nom.as_deref(), Some("Union sportive de Démoville"));
    let par_adherent = c.find(Locator::Css("output[data-calcul]")).await.expect("calcul").text().await;
    assert_eq!(par_adherent.expect("text"), "14,58");
    browser.check_console("sans-js-condition").await;

    // A row of the budget, with its quote: the file goes with the save.
    browser.submit(Locator::XPath("//button[starts-with(normalize-space(.), 'Ajouter un élément')]")).await;
    let ligne = c.find(Locator::Css("fieldset.guichet-ligne")).await.expect("the new row");
    let saisies = ligne.find_all(Locator::Css("input.fr-input")).await.expect("the row's inputs");
    assert_eq!(saisies.len(), 2, "poste and montant");
    saisies[0].send_keys("Location du gymnase").await.expect("type");
    saisies[1].send_keys("1200,5").await.expect("type");
    let dossier_devis = std::env::temp_dir().join(format!("guichet-devis-sans-js-{}", std::process::id()));
    std::fs::create_dir_all(&dossier_devis).expect("temp dir");
    let devis = dossier_devis.join("devis-gymnase.pdf");
    std::fs::write(&devis, PDF).expect("write the quote");
    let choix = ligne.find(Locator::Css("input[type=file]")).await.expect("the row's file input");
    choix.send_keys(devis.to_str().expect("utf-8 path")).await.expect("choose the file");
    browser.submit(Locator::XPath("//button[@value='enregistrer' and not(@hidden)]")).await;
    let ligne = c.find(Locator::Css("fieldset.guichet-ligne")).await.expect("the row, saved");
    let fichiers = ligne.find(Locator::Css(".guichet-fichiers")).await.expect("the row's files").text().await;
    assert!(fichiers.expect("text").contains("devis-gymnase.pdf"), "the file is listed in its row");
    let sorties = c.find_all(Locator::Css("output[data-calcul]")).await.expect("calculs");
    let total = sorties.last().expect("the budget's total").text().await.expect("text");
    assert_eq!(total, "1200,5", "the server totals the rows");
    c.execute("document.querySelector('fieldset.guichet-ligne').scrollIntoView()", vec![]).await.expect("scroll");
    browser.screenshot(&shot("bloc")).await;
    browser.check_console("sans-js-bloc").await;

    // The carte without a map: positions typed one per line. A line that
    // is no position is refused next to the field, and kept as typed.
    assert!(
        !c.find(Locator::Id("champ_12")).await.expect("GeoJSON").is_displayed().await.expect("displayed"),
        "the GeoJSON waits behind « Importer un tracé GeoJSON »"
    );
    browser.choose("champ_12_forme", "surfaces").await;
    browser.type_into("champ_12_coordonnees", "43.6085, 3.8796\n43.6095, 3.8796\nprès du stade").await;
    browser.submit(Locator::XPath("//button[@value='enregistrer' and not(@hidden)]")).await;
    // The refused form comes back as a 422, which Chrome logs: expected.
    let journal = browser.console_errors().await;
    assert!(journal.iter().all(|e| e.contains("status of 422")), "{journal:?}");
    let erreur = c.find(Locator::Id("champ_12_coordonnees-erreur")).await.expect("the error next to the field");
    assert!(erreur.text().await.expect("text").starts_with("Ligne 3 : « près du stade » n'est pas une position"));
    let positions = c.find(Locator::Id("champ_12_coordonnees")).await.expect("positions");
    assert!(positions.prop("value").await.expect("value").unwrap_or_default().contains("près du stade"));
    positions.clear().await.expect("clear");
    positions.send_keys("43.6085, 3.8796\n43.6095, 3.8796\n43.6095, 3.8806").await.expect("type");
    browser.submit(Locator::XPath("//button[@value='enregistrer' and not(@hidden)]")).await;
    let enregistre = c.find(Locator::Css(".guichet-carte-champ .guichet-formes")).await.expect("the saved drawing");
    assert!(enregistre.text().await.expect("text").starts_with("Polygone : "), "read back in words");
    // The stored drawing as positions again (the plugin may turn its
    // outline round, as GeoJSON wants it anticlockwise).
    let positions = c.find(Locator::Id("champ_12_coordonnees")).await.expect("positions").prop("value").await;
    let positions = positions.expect("value").unwrap_or_default();
    let mut lignes: Vec<&str> = positions.lines().collect();
    lignes.sort_unstable();
    assert_eq!(lignes, ["43.6085, 3.8796", "43.6095, 3.8796", "43.6095, 3.8806"], "{positions}");
    c.execute("document.getElementById('champ_12_coordonnees').scrollIntoView()", vec![]).await.expect("scroll");
    browser.screenshot(&shot("carte")).await;
    browser.check_console("sans-js-carte").await;

    c.find(Locator::Css("label[for='champ_13']")).await.expect("attestation").click().await.expect("click");
    browser.submit(Locator::XPath("//button[@value='deposer']")).await;
    let body = c.source().await.expect("source");
    assert!(body.contains("Votre dossier a bien été déposé"), "{body}");
    assert!(body.contains("devis-gymnase.pdf") && body.contains("Location du gymnase"));
    let _ = std::fs::remove_dir_all(&dossier_devis);
    browser.screenshot(&shot("depose")).await;
    browser.check_console("sans-js-depose").await;

    // « Mes dossiers », an invitation, the corbeille and back: plain
    // links and forms.
    let numero = c.current_url().await.expect("url").path().trim_start_matches("/dossiers/").to_string();
    c.goto(&app.url("/dossiers")).await.expect("goto");
    browser.type_into("recherche", &numero).await;
    browser.submit(Locator::Css("#recherche-dossiers button")).await;
    assert!(c.source().await.expect("source").contains(&format!("1 dossier pour « {numero} »")));
    browser.submit(Locator::Css(&format!(".guichet-dossier a[href='/dossiers/{numero}']"))).await;
    browser.submit(Locator::LinkText("Inviter une personne à modifier ce dossier")).await;
    browser.type_into("email", "co-redacteur@exemple.fr").await;
    browser.submit(Locator::XPath("//button[normalize-space(.)='Envoyer une invitation']")).await;
    assert!(c.source().await.expect("source").contains("co-redacteur@exemple.fr"));
    browser.check_console("sans-js-invitation").await;
    browser.submit(Locator::LinkText("Revenir au dossier")).await;
    // Changes filed without JavaScript: the form as it was filed, filed
    // again through « Déposer les modifications ».
    browser.submit(Locator::LinkText("Modifier mon dossier")).await;
    browser.submit(Locator::XPath("//button[normalize-space(.)='Déposer les modifications']")).await;
    let body = c.source().await.expect("source");
    assert!(body.contains("Vos modifications ont bien été déposées"), "{body}");
    browser.check_console("sans-js-modifications-deposees").await;
    browser.submit(Locator::LinkText("Supprimer ce dossier")).await;
    browser.submit(Locator::XPath("//button[normalize-space(.)='Mettre à la corbeille']")).await;
    assert!(c.source().await.expect("source").contains("Corbeille (1)"));
    browser.screenshot(&shot("corbeille")).await;
    browser.check_console("sans-js-corbeille").await;
    browser.submit(Locator::Css(&format!("form[action='/dossiers/{numero}/restaurer'] button"))).await;
    assert!(c.source().await.expect("source").contains("Le dossier a été restauré"));
    browser.close().await;
    app.stop().await;
}
