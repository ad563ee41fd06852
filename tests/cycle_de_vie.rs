//! A démarche for the life of a procedure (issue 10 §2): its settings, each
//! refused next to its field with what was typed kept; the publication
//! checklist with a link to fix each blocker; a déclarative dépôt; a change
//! of address whose former one answers a 301; closing with a reason and a
//! démarche to go to (usagers with a brouillon told by e-mail), publishing
//! again, unpublishing, the deadline's automatic closing by the scheduler,
//! and deletion (erased when nothing was filed, hidden otherwise).

use chrono::{Duration, Utc};
use guichet::workflow::comptes::Roles;
use guichet_tests::app::{Client, TestApp};
use reqwest::multipart::{Form, Part};

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";
const PDF: &[u8] = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cycle_de_vie_on_sqlite() {
    let app = TestApp::sqlite().await;
    parcours(&app).await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cycle_de_vie_on_postgres() {
    let Some(app) = TestApp::postgres().await else { return };
    parcours(&app).await;
    app.stop().await;
}

const MONAVIS: &str = r#"<a href="https://jedonnemonavis.numerique.gouv.fr/Demarches/3385?button=4242" target="_blank"><img src="https://jedonnemonavis.numerique.gouv.fr/static/bouton-bleu.svg" alt="Je donne mon avis" /></a>"#;

/// The fields of the démarche form, with `changes` replacing or adding.
fn formulaire<'a>(changes: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut fields = vec![
        ("libelle", "Aide aux clubs"),
        ("description", "Une aide au fonctionnement des clubs."),
        ("service_nom", "Service des sports"),
        ("service_organisme", "Mairie"),
        ("service_email", "sports@mairie.example"),
        ("cadre_juridique", ""),
        ("duree_conservation_mois", "24"),
        ("demandeur", "particulier"),
        ("date_limite_depot", ""),
        ("declaratif", ""),
        ("message_fin_depot", "Réponse sous un mois."),
        ("lien_site", "https://www.mairie.example/sports"),
        ("monavis", MONAVIS),
        ("notice_url", ""),
    ];
    for (k, v) in changes {
        match fields.iter_mut().find(|(f, _)| f == k) {
            Some(field) => field.1 = v,
            None => fields.push((k, v)),
        }
    }
    fields
}

/// Fills the one text champ of the form and files the brouillon.
async fn deposer(usager: &Client, path: &str) -> i64 {
    let brouillon = usager.post(&format!("/commencer/{path}"), &[]).await;
    brouillon.assert_status(200);
    let page = brouillon.path();
    usager
        .post(&page, &[("champ_1", "Union sportive"), ("intention", "deposer")])
        .await
        .assert_status(200)
        .assert_contains("Votre dossier a bien été déposé");
    page.trim_start_matches("/dossiers/").trim_end_matches("/brouillon").parse().expect("number")
}

async fn parcours(app: &TestApp) {
    let admin = app.signed_in("admin@mairie.example", Roles { administrateur: true, ..Roles::default() }).await;
    app.compte("agent@mairie.example", Roles { instructeur: true, ..Roles::default() }).await;

    // 1. Every bad setting is refused next to its field; nothing typed is lost.
    let hier = (Utc::now() - Duration::days(2)).format("%Y-%m-%d").to_string();
    let refus = admin
        .post(
            "/admin/demarches",
            &formulaire(&[
                ("duree_conservation_mois", "61"),
                ("date_limite_depot", &hier),
                ("lien_site", "javascript:alert(1)"),
                ("monavis", "<script>alert(1)</script>"),
            ]),
        )
        .await;
    refus
        .assert_status(422)
        .assert_contains("La durée de conservation doit être un nombre de mois entre 1 et 60.")
        .assert_contains("La date limite de dépôt ne peut pas être déjà passée.")
        .assert_contains("doit être une adresse web commençant par https://")
        .assert_contains("Ce code n'est pas celui du bouton MonAvis")
        .assert_contains(r#"id="duree_conservation_mois-erreur""#)
        .assert_contains(r#"id="monavis-erreur""#)
        .assert_contains("Réponse sous un mois.")
        .assert_contains("<script>alert(1)</script></textarea>");
    assert!(!refus.raw.contains("<script>alert(1)</script></textarea>"), "the pasted code is escaped");

    // 2. Created, then the checklist lists each blocker with where to fix it.
    let page = admin.post("/admin/demarches", &formulaire(&[])).await;
    page.assert_status(200).assert_contains("La démarche a été créée");
    let id = page.id_after("/admin/demarches/");
    let base = format!("/admin/demarches/{id}");
    admin
        .get(&format!("{base}/publier"))
        .await
        .assert_status(200)
        .assert_contains(&format!(r#"<a href="{base}/champs">Le formulaire doit comporter au moins un champ"#))
        .assert_contains(&format!(r#"<a href="{base}/instructeurs">Au moins un instructeur"#))
        .assert_contains(&format!(
            r#"<a href="{base}/modifier#cadre_juridique">Le cadre juridique doit être renseigné"#
        ));
    admin
        .post(&format!("{base}/publier"), &[("path", "aide-aux-clubs")])
        .await
        .assert_status(422)
        .assert_contains("3 points restent à compléter avant de publier.");
    // The démarche's files: a PDF is no logo; a PNG is; the notice a PDF.
    let fichiers = admin.get(&format!("{base}/fichiers")).await;
    fichiers.assert_status(200);
    let action = |usage: &str| {
        let marker = format!("action=\"{base}/fichiers/{usage}?");
        let start = fichiers.body.find(&marker).expect("upload action") + "action=\"".len();
        fichiers.body[start..].split('"').next().expect("action").to_owned()
    };
    let fichier = |nom: &str, data: &[u8]| {
        Form::new().percent_encode_noop().part("fichier", Part::bytes(data.to_vec()).file_name(nom.to_owned()))
    };
    admin
        .post_multipart(&action("logo"), fichier("logo.pdf", PDF))
        .await
        .assert_status(422)
        .assert_contains(r#"id="logo-erreur""#);
    admin
        .post_multipart(&action("logo"), fichier("logo.png", PNG))
        .await
        .assert_status(200)
        .assert_contains("Le fichier a été enregistré.")
        .assert_contains("logo.png");
    admin.post_multipart(&action("notice"), fichier("Notice 2026.pdf", PDF)).await.assert_status(200);
    let (status, headers, octets) = app.client().bytes(&format!("/demarches/{id}/fichiers/logo")).await;
    assert_eq!((status, headers["content-type"].to_str().expect("type")), (200, "image/png"));
    assert_eq!(octets, PNG);
    admin
        .post(&format!("{base}/champs"), &[("type_champ", "text"), ("libelle", "Nom du club")])
        .await
        .assert_status(200);
    admin.post(&format!("{base}/instructeurs"), &[("email", "agent@mairie.example")]).await.assert_status(200);
    admin
        .post(&format!("{base}/modifier"), &formulaire(&[("cadre_juridique", "https://www.legifrance.gouv.fr/loi")]))
        .await
        .assert_status(200)
        .assert_contains("Les informations de la démarche ont été enregistrées.");
    admin
        .get(&format!("{base}/publier"))
        .await
        .assert_contains("Tout est prêt")
        .assert_lacks("Au moins un instructeur");
    admin
        .post(&format!("{base}/publier"), &[("path", "aide-aux-clubs")])
        .await
        .assert_status(200)
        .assert_contains("La démarche est publiée.");

    // 3. The usager's page: the settings they are owed.
    let usager = app.signed_in("usager@example.org", Roles::default()).await;
    usager
        .get("/commencer/aide-aux-clubs")
        .await
        .assert_status(200)
        .assert_contains(r#"href="https://www.legifrance.gouv.fr/loi""#)
        .assert_contains("conservés 24 mois")
        .assert_contains(r#"href="https://www.mairie.example/sports""#)
        .assert_contains(&format!(r#"src="/demarches/{id}/fichiers/logo""#))
        .assert_contains(&format!(r#"href="/demarches/{id}/fichiers/notice""#));
    let numero = deposer(&usager, "aide-aux-clubs").await;
    // After the dépôt: the service's message, and MonAvis as our own button
    // (its link only; no image from another site).
    let dossier = usager.get(&format!("/dossiers/{numero}")).await;
    dossier
        .assert_contains("Réponse sous un mois.")
        .assert_contains(r#"href="https://jedonnemonavis.numerique.gouv.fr/Demarches/3385?button=4242""#)
        .assert_lacks("bouton-bleu.svg");

    // 4. Déclaratif: the next dépôt goes straight to en instruction.
    admin
        .post(
            &format!("{base}/modifier"),
            &formulaire(&[("cadre_juridique", "https://www.legifrance.gouv.fr/loi"), ("declaratif", "en_instruction")]),
        )
        .await
        .assert_status(200);
    let declarant = app.signed_in("declarant@example.org", Roles::default()).await;
    let declare = deposer(&declarant, "aide-aux-clubs").await;
    declarant.get(&format!("/dossiers/{declare}")).await.assert_contains("En instruction");
    app.mail("declarant@example.org", "est en cours d'instruction").await;

    // 5. A new address; the former one answers a 301 to it.
    admin
        .post(&format!("{base}/publier"), &[("path", "clubs-2027")])
        .await
        .assert_status(200)
        .assert_contains("L'adresse de la démarche a été changée.")
        .assert_contains("/commencer/aide-aux-clubs");
    let brut = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
    let ancienne = brut.get(app.url("/commencer/aide-aux-clubs")).send().await.expect("GET");
    assert_eq!(ancienne.status().as_u16(), 301);
    assert_eq!(ancienne.headers()["location"], "/commencer/clubs-2027");
    // No other démarche may take it, even after.
    let autre = admin.post("/admin/demarches", &formulaire(&[("libelle", "Autre aide")])).await;
    let autre_id = autre.id_after("/admin/demarches/");
    admin
        .post(&format!("/admin/demarches/{autre_id}/publier"), &[("path", "aide-aux-clubs")])
        .await
        .assert_status(422)
        .assert_contains("Cette adresse est, ou a été, celle d'une autre démarche");

    // 6a. Published as a model: another administration clones it, without
    //     instructeurs; its files are copies of their own.
    let voisine =
        app.signed_in("voisine@autre-mairie.example", Roles { administrateur: true, ..Roles::default() }).await;
    voisine.get(&format!("/admin/demarches/{autre_id}/cloner")).await.assert_status(404);
    admin
        .post(
            &format!("{base}/modifier"),
            &formulaire(&[
                ("cadre_juridique", "https://www.legifrance.gouv.fr/loi"),
                ("declaratif", "en_instruction"),
                ("modele", "on"),
            ]),
        )
        .await
        .assert_status(200);
    voisine.get("/admin/modeles").await.assert_status(200).assert_contains(&format!("/admin/demarches/{id}/cloner"));
    voisine
        .get(&format!("{base}/cloner"))
        .await
        .assert_status(200)
        .assert_lacks("avec_instructeurs")
        .assert_contains("ni les réglages des plugins");
    let clone = voisine.post(&format!("{base}/cloner"), &[("avec_instructeurs", "on")]).await;
    clone.assert_status(200).assert_contains("La démarche a été clonée").assert_contains("Aide aux clubs (copie)");
    let clone_id = clone.id_after("/admin/demarches/");
    assert_ne!(clone_id, id);
    voisine.get(&format!("/admin/demarches/{clone_id}/champs")).await.assert_contains("Nom du club");
    voisine.get(&format!("/admin/demarches/{clone_id}/instructeurs")).await.assert_lacks("agent@mairie.example");
    voisine.get(&format!("/admin/demarches/{clone_id}/fichiers")).await.assert_contains("logo.png");
    let (status, _, octets) = app.client().bytes(&format!("/demarches/{clone_id}/fichiers/logo")).await;
    assert_eq!((status, octets.as_slice()), (200, PNG));
    // The original's administrateur has no access to the copy, and back.
    admin.get(&format!("/admin/demarches/{clone_id}")).await.assert_status(404);
    // One's own clone may keep the instructeurs.
    let propre = admin.post(&format!("{base}/cloner"), &[("avec_instructeurs", "on")]).await;
    let propre_id = propre.id_after("/admin/demarches/");
    admin.get(&format!("/admin/demarches/{propre_id}/instructeurs")).await.assert_contains("agent@mairie.example");

    // 6b. Transfer: a copy for another administrateur, told by e-mail.
    admin
        .post(&format!("{base}/transferer"), &[("email", "personne@nulle-part.example")])
        .await
        .assert_status(422)
        .assert_contains("Aucun administrateur n'a cette adresse")
        .assert_contains("personne@nulle-part.example");
    admin
        .post(&format!("{base}/transferer"), &[("email", "Voisine@Autre-Mairie.example")])
        .await
        .assert_status(200)
        .assert_contains("Une copie de la démarche a été transférée.");
    let avis = app.mail("voisine@autre-mairie.example", "vous a été transférée").await;
    let lien = avis.first_link(&app.url("/admin/demarches/")).expect("link to the copy");
    voisine.get(&lien).await.assert_status(200).assert_contains("Aide aux clubs").assert_contains("En test");

    // 6. Closing: a reason, a démarche to go to; brouillons' usagers told.
    let retardataire = app.signed_in("retard@example.org", Roles::default()).await;
    retardataire.post("/commencer/clubs-2027", &[]).await.assert_status(200);
    admin.post(&format!("/admin/demarches/{autre_id}/champs"), &[("type_champ", "text"), ("libelle", "Nom")]).await;
    admin.post(&format!("/admin/demarches/{autre_id}/instructeurs"), &[("email", "agent@mairie.example")]).await;
    admin
        .post(
            &format!("/admin/demarches/{autre_id}/modifier"),
            &formulaire(&[("libelle", "Autre aide"), ("cadre_juridique", "Arrêté du maire")]),
        )
        .await
        .assert_status(200);
    admin.post(&format!("/admin/demarches/{autre_id}/publier"), &[("path", "autre-aide")]).await.assert_status(200);
    admin
        .post(&format!("{base}/clore"), &[("motif", ""), ("redirection", "")])
        .await
        .assert_status(422)
        .assert_contains("Le champ « Motif de la clôture » doit être rempli.");
    let autre_id_texte = autre_id.to_string();
    admin
        .post(
            &format!("{base}/clore"),
            &[("motif", "La campagne 2026 est terminée."), ("redirection", &autre_id_texte)],
        )
        .await
        .assert_status(200)
        .assert_contains("La démarche est close.");
    let avis = app.mail("retard@example.org", "est close").await;
    assert!(avis.text_body.contains("La campagne 2026 est terminée."), "{}", avis.text_body);
    assert!(avis.text_body.contains(&app.url("/commencer/autre-aide")), "{}", avis.text_body);
    app.client()
        .get("/commencer/clubs-2027")
        .await
        .assert_status(200)
        .assert_contains("Cette démarche est close")
        .assert_contains("La campagne 2026 est terminée.")
        .assert_contains(r#"href="/commencer/autre-aide""#);
    retardataire
        .post("/commencer/clubs-2027", &[])
        .await
        .assert_status(422)
        .assert_contains("n'accepte plus de nouveaux dossiers");
    // Filed dossiers are still there for their usager.
    usager.get(&format!("/dossiers/{numero}")).await.assert_status(200);

    // 7. Published again, then unpublished: a clear page, no form.
    admin.post(&format!("{base}/publier"), &[("path", "clubs-2027")]).await.assert_status(200);
    app.client().get("/commencer/clubs-2027").await.assert_lacks("Cette démarche est close");
    admin.post(&format!("{base}/depublier"), &[]).await.assert_status(200).assert_contains("La démarche est dépubliée");
    app.client()
        .get("/commencer/clubs-2027")
        .await
        .assert_status(200)
        .assert_contains("Cette démarche n'est plus en ligne")
        .assert_lacks("Pour déposer un dossier");

    // 8. The deadline: dépôts refused from the instant (what was typed is
    //    kept in the brouillon), then the scheduler closes the démarche.
    let brouillon_tardif = usager.post("/commencer/autre-aide", &[]).await.path();
    let state = &app.server.state;
    {
        let mut tx = state.store.write().await.expect("write");
        let passe = Utc::now() - Duration::minutes(1);
        let sql = "UPDATE demarches SET date_limite_depot = $1 WHERE id = $2";
        match tx.conn() {
            guichet::store::Conn::Sqlite(c) => {
                sqlx::query(sql).bind(passe).bind(autre_id).execute(&mut *c).await.expect("deadline");
            }
            guichet::store::Conn::Postgres(c) => {
                sqlx::query(sql).bind(passe).bind(autre_id).execute(&mut *c).await.expect("deadline");
            }
        }
        tx.commit().await.expect("commit");
    }
    usager
        .post(&brouillon_tardif, &[("champ_1", "Déposé trop tard"), ("intention", "deposer")])
        .await
        .assert_status(422)
        .assert_contains("n'accepte plus de nouveaux dossiers");
    usager.get(&brouillon_tardif).await.assert_contains(r#"value="Déposé trop tard""#);
    guichet::workers::echeances(state).await;
    let fermee = admin.get(&format!("/admin/demarches/{autre_id}")).await;
    fermee.assert_contains("Close").assert_contains("La date limite de dépôt des dossiers est passée.");

    // 9. Deletion: a démarche with filed dossiers is hidden, its dossiers
    //    kept; one with nothing filed is erased, its address still taken.
    admin.get(&format!("{base}/supprimer")).await.assert_status(200).assert_contains("2 dossiers ont été déposés");
    admin
        .post(&format!("{base}/supprimer"), &[])
        .await
        .assert_status(200)
        .assert_contains("Ses dossiers déposés sont conservés");
    admin.get(&base).await.assert_status(404);
    app.client().get("/commencer/clubs-2027").await.assert_status(404);
    app.client().get(&format!("/demarches/{id}/fichiers/logo")).await.assert_status(404);
    usager.get(&format!("/dossiers/{numero}")).await.assert_status(200);
    let vide = admin.post("/admin/demarches", &formulaire(&[("libelle", "Sans dossier")])).await;
    let vide_id = vide.id_after("/admin/demarches/");
    admin.get(&format!("/admin/demarches/{vide_id}/supprimer")).await.assert_contains("Aucun dossier n'a été déposé");
    admin
        .post(&format!("/admin/demarches/{vide_id}/supprimer"), &[])
        .await
        .assert_status(200)
        .assert_contains("La démarche a été supprimée.");
    admin.get(&format!("/admin/demarches/{vide_id}")).await.assert_status(404);

    // 10. Another administrateur's démarche answers like a missing one.
    let intrus = app.signed_in("intrus@prefecture.example", Roles { administrateur: true, ..Roles::default() }).await;
    intrus.get(&format!("/admin/demarches/{autre_id}/clore")).await.assert_status(404);
    intrus.post(&format!("/admin/demarches/{autre_id}/depublier"), &[]).await.assert_status(404);
    intrus.post(&format!("/admin/demarches/{autre_id}/supprimer"), &[]).await.assert_status(404);
    admin.get(&format!("/admin/demarches/{autre_id}")).await.assert_status(200);
}

/// The administrateur's new pages and the usager's closed page in Chromium
/// at a phone's width: axe-core and no console error on each, and the
/// closing done through the page's own form.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_on_a_phone() {
    use guichet_tests::browser::{Browser, Viewport, artifact_path};
    let app = TestApp::sqlite().await;
    guichet::demo::seed(&app.server.state).await.expect("demo data");
    let browser = Browser::start_with(Viewport::PHONE).await;
    browser.log_in(&app.url("/connexion"), guichet_tests::demo::ADMIN, guichet::demo::PASSWORD).await;
    for (page, nom) in [
        ("/admin", "mes-demarches"),
        ("/admin/demarches/1", "demarche"),
        ("/admin/demarches/1/modifier", "reglages"),
        ("/admin/demarches/1/publier", "adresse"),
        ("/admin/demarches/1/fichiers", "fichiers"),
        ("/admin/modeles", "modeles"),
        ("/admin/demarches/1/cloner", "cloner"),
        ("/admin/demarches/1/transferer", "transferer"),
        ("/admin/demarches/1/depublier", "depublier"),
        ("/admin/demarches/1/supprimer", "supprimer"),
        ("/admin/demarches/1/modifications", "modifications"),
        ("/admin/demarches/1/clore", "clore"),
    ] {
        browser.client.goto(&app.url(page)).await.expect("goto");
        browser.screenshot(&artifact_path(&format!("navigateur-mobile-cycle-{nom}.png"))).await;
        browser.check_page(&format!("mobile-cycle-{nom}")).await;
    }
    // A change to the published form: the editor's banner, then the
    // modifications page with it, both checked.
    browser.client.goto(&app.url("/admin/demarches/1/champs")).await.expect("goto");
    browser.type_into("libelle", "Remarques").await;
    browser.submit(fantoccini::Locator::XPath("//button[normalize-space(.)='Ajouter le champ']")).await;
    let page = browser.client.source().await.expect("page");
    assert!(page.contains("1 modification en attente"), "the banner counts the change");
    browser.screenshot(&artifact_path("navigateur-mobile-cycle-champs-brouillon.png")).await;
    browser.check_page("mobile-cycle-champs-brouillon").await;
    browser.client.goto(&app.url("/admin/demarches/1/modifications")).await.expect("goto");
    let page = browser.client.source().await.expect("page");
    assert!(page.contains("Champ ajouté : « Remarques »"), "the change is listed");
    browser.screenshot(&artifact_path("navigateur-mobile-cycle-modifications-en-attente.png")).await;
    browser.check_page("mobile-cycle-modifications-en-attente").await;
    browser.client.goto(&app.url("/admin/demarches/1/clore")).await.expect("goto");
    browser.type_into("motif", "La saison est terminée.").await;
    browser.submit(fantoccini::Locator::XPath("//button[normalize-space(.)='Clore la démarche']")).await;
    let page = browser.client.source().await.expect("page");
    assert!(page.contains("La démarche est close."), "closed through the form");
    browser.check_page("mobile-cycle-close").await;
    browser.client.goto(&app.url(&format!("/commencer/{}", guichet::demo::PATH))).await.expect("goto");
    let page = browser.client.source().await.expect("page");
    assert!(page.contains("Cette démarche est close") && page.contains("La saison est terminée."), "usager told");
    browser.screenshot(&artifact_path("navigateur-mobile-cycle-usager-close.png")).await;
    browser.check_page("mobile-cycle-usager-close").await;
    browser.close().await;
    app.stop().await;
}

/// The settings form on a desktop with JavaScript off: a refused value
/// comes back next to its field with everything typed kept, then saves.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settings_without_javascript_on_a_desktop() {
    use guichet_tests::browser::{Browser, Viewport, artifact_path};
    let app = TestApp::sqlite().await;
    guichet::demo::seed(&app.server.state).await.expect("demo data");
    let browser = Browser::start_without_javascript(Viewport::DESKTOP).await;
    browser.log_in(&app.url("/connexion"), guichet_tests::demo::ADMIN, guichet::demo::PASSWORD).await;
    browser.client.goto(&app.url("/admin/demarches/1/modifier")).await.expect("goto");
    let champ = browser.client.find(fantoccini::Locator::Id("duree_conservation_mois")).await.expect("field");
    champ.clear().await.expect("clear");
    champ.send_keys("99").await.expect("type");
    browser.type_into("lien_site", "https://www.demoville.example/sports").await;
    // DSFR draws the radio on its label: a person clicks the label.
    let radio = browser.client.find(fantoccini::Locator::Css("label[for='declaratif-1']")).await.expect("radio");
    radio.click().await.expect("click");
    browser.submit(fantoccini::Locator::XPath("//button[normalize-space(.)='Enregistrer']")).await;
    let page = browser.client.source().await.expect("page");
    assert!(page.contains("entre 1 et 60"), "refused next to the field");
    assert!(page.contains("https://www.demoville.example/sports"), "typed link kept");
    browser.screenshot(&artifact_path("navigateur-bureau-sans-js-reglages-refuses.png")).await;
    browser.check_console("bureau-sans-js-reglages-refuses").await;
    let champ = browser.client.find(fantoccini::Locator::Id("duree_conservation_mois")).await.expect("field");
    champ.clear().await.expect("clear");
    champ.send_keys("36").await.expect("type");
    browser.submit(fantoccini::Locator::XPath("//button[normalize-space(.)='Enregistrer']")).await;
    let page = browser.client.source().await.expect("page");
    assert!(page.contains("Les informations de la démarche ont été enregistrées."), "saved");
    browser.client.goto(&app.url(&format!("/commencer/{}", guichet::demo::PATH))).await.expect("goto");
    let page = browser.client.source().await.expect("page");
    assert!(page.contains("conservés 36 mois"), "the usager reads the new duration");
    browser.close().await;
    app.stop().await;
}
