//! The whole journey through HTTP, from an empty server to a decision: an
//! administrateur builds and publishes a démarche, an usager signs up and
//! files a dossier, an instructeur follows, instructs and decides. Runs on
//! SQLite always, and on PostgreSQL when GUICHET_TEST_POSTGRES_URL is set
//! (scripts/test.sh and CI set it).

use guichet::workflow::comptes::Roles;
use guichet_tests::app::{Backend, PASSWORD, TestApp};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn story_on_sqlite() {
    let app = TestApp::sqlite().await;
    story(&app).await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn story_on_postgres() {
    let Some(app) = TestApp::start(Backend::Postgres).await else {
        assert!(std::env::var("CI").is_err(), "CI must set GUICHET_TEST_POSTGRES_URL");
        eprintln!("GUICHET_TEST_POSTGRES_URL not set: PostgreSQL story skipped");
        return;
    };
    story(&app).await;
    app.stop().await;
}

async fn story(app: &TestApp) {
    // ── 1. The administrateur builds a démarche. ──
    let admin = app.signed_in("admin@mairie.example", Roles { administrateur: true, ..Roles::default() }).await;
    let page = admin.get("/admin/demarches/nouvelle").await;
    page.assert_status(200).assert_contains("Titre de la démarche");
    // A démarche without its mandatory fields is refused field by field.
    let page = admin.post("/admin/demarches", &[("libelle", "Aide au permis"), ("description", "")]).await;
    page.assert_status(422)
        .assert_contains("Le champ « Description » doit être rempli.")
        .assert_contains("value=\"Aide au permis\"");
    let page = admin
        .post(
            "/admin/demarches",
            &[
                ("libelle", "Aide au permis de conduire"),
                ("description", "Une aide de 500 euros pour les jeunes de 18 à 25 ans."),
                ("service_nom", "Service jeunesse"),
                ("service_organisme", "Mairie de Nantes"),
                ("cadre_juridique", "Délibération n° 2026-12 du conseil"),
                ("service_email", "jeunesse@nantes.example"),
            ],
        )
        .await;
    page.assert_status(200).assert_contains("La démarche a été créée");
    let demarche = page.id_after("/admin/demarches/");
    let champs_url = format!("/admin/demarches/{demarche}/champs");
    // Plugin champ types are offered once their plugin is enabled on the démarche.
    admin
        .post(&champs_url, &[("type_champ", "plugin:siret"), ("libelle", "SIRET")])
        .await
        .assert_status(422)
        .assert_contains("Activez d'abord le plugin « siret » pour cette démarche");
    admin
        .get(&format!("/admin/demarches/{demarche}/plugins"))
        .await
        .assert_status(200)
        .assert_contains("Numéro SIRET")
        .assert_contains("Désactivé");
    admin
        .post(&format!("/admin/demarches/{demarche}/plugins/siret/activer"), &[])
        .await
        .assert_status(200)
        .assert_contains("Le plugin est activé");
    // Accepted dossiers will get an attestation rendered by the plugin.
    admin
        .get(&format!("/admin/demarches/{demarche}/plugins"))
        .await
        .assert_contains("Attestation")
        .assert_contains("Routage des dossiers");
    admin
        .post(&format!("/admin/demarches/{demarche}/plugins/attestation/activer"), &[])
        .await
        .assert_status(200)
        .assert_contains("Le plugin est activé");

    let types = [
        ("header_section", "Vous", "", false, ""),
        ("text", "Nom et prénom", "", true, ""),
        ("integer_number", "Âge", "", true, ""),
        ("decimal_number", "Coût du permis", "En euros", false, ""),
        ("date", "Date de l'examen", "", false, ""),
        ("yes_no", "Êtes-vous boursier ?", "", true, ""),
        ("drop_down_list", "Auto-école", "", true, "Auto-école du centre\nConduite 44"),
        ("textarea", "Motivation", "", false, ""),
        ("plugin:siret", "SIRET de l'auto-école", "", false, ""),
        ("checkbox", "J'atteste sur l'honneur", "", true, ""),
    ];
    for (type_champ, libelle, description, obligatoire, options) in types {
        let mut form =
            vec![("type_champ", type_champ), ("libelle", libelle), ("description", description), ("options", options)];
        if obligatoire {
            form.push(("obligatoire", "on"));
        }
        admin.post(&champs_url, &form).await.assert_status(200).assert_contains("Le champ a été ajouté");
    }
    // A drop-down list without choices is refused, and the typed libellé kept.
    admin
        .post(&champs_url, &[("type_champ", "drop_down_list"), ("libelle", "Ville"), ("options", "")])
        .await
        .assert_status(422)
        .assert_contains("Indiquez au moins un choix")
        .assert_contains("value=\"Ville\"");
    let page = admin.get(&champs_url).await;
    page.assert_contains("SIRET de l'auto-école").assert_contains("Numéro SIRET");
    // A plugin the form uses cannot be disabled.
    admin
        .post(&format!("/admin/demarches/{demarche}/plugins/siret/desactiver"), &[])
        .await
        .assert_status(422)
        .assert_contains("est utilisé par le champ « SIRET de l'auto-école »");

    // Publishing needs an instructeur.
    admin
        .post(&format!("/admin/demarches/{demarche}/publier"), &[("path", "aide-permis")])
        .await
        .assert_status(422)
        .assert_contains("Au moins un instructeur");

    // The instructeur has no compte yet: invitation by e-mail, password chosen through the link.
    admin
        .post(&format!("/admin/demarches/{demarche}/instructeurs"), &[("email", "Agent.Dupont@Mairie.example")])
        .await
        .assert_status(200)
        .assert_contains("agent.dupont@mairie.example")
        .assert_contains("invitation envoyée");
    let invitation = app.mail("agent.dupont@mairie.example", "Vous êtes invité à instruire").await;
    let link = invitation.first_link(&app.url("/mot-de-passe/nouveau")).expect("invitation link");
    let instructeur = app.client();
    instructeur.get(&link).await.assert_status(200).assert_contains("Choisir un mot de passe");
    let jeton = link.split("jeton=").nth(1).expect("token in link");
    instructeur
        .post("/mot-de-passe/nouveau", &[("jeton", jeton), ("password", PASSWORD)])
        .await
        .assert_status(200)
        .assert_contains("Votre mot de passe a été enregistré");
    instructeur.login("agent.dupont@mairie.example", PASSWORD).await;

    // The test link works while in test, and its dossiers disappear at publication.
    let page = admin.get(&format!("/admin/demarches/{demarche}")).await;
    let test_path =
        page.body.split("/commencer/test/").nth(1).and_then(|s| s.split('"').next()).expect("test link").to_string();
    let page = admin.post(&format!("/commencer/test/{test_path}"), &[]).await;
    page.assert_status(200).assert_contains("Dossier de test");
    let test_dossier = page.id_after("/dossiers/");
    admin
        .post(&format!("/admin/demarches/{demarche}/publier"), &[("path", "Aide permis")])
        .await
        .assert_status(422)
        .assert_contains("L'adresse doit comporter");
    admin
        .post(&format!("/admin/demarches/{demarche}/publier"), &[("path", "aide-permis")])
        .await
        .assert_status(200)
        .assert_contains("La démarche est publiée");
    admin.get(&format!("/dossiers/{test_dossier}")).await.assert_status(404);
    // The old test link follows the démarche to its new address, and says
    // it is published now.
    admin
        .get(&format!("/commencer/test/{test_path}"))
        .await
        .assert_status(200)
        .assert_contains("Cette démarche est publiée")
        .assert_contains("href=\"/commencer/aide-permis\"");
    // Editing the published form goes to a draft revision, which usagers
    // never see unless it is published; here it is dropped.
    admin
        .post(&champs_url, &[("type_champ", "text"), ("libelle", "Ajout tardif")])
        .await
        .assert_status(200)
        .assert_contains("1 modification en attente");
    admin
        .post(&format!("/admin/demarches/{demarche}/modifications/annuler"), &[])
        .await
        .assert_status(200)
        .assert_lacks("Ajout tardif");

    // ── 2. The usager signs up and files a dossier. ──
    let usager = app.client();
    usager
        .get("/commencer/aide-permis")
        .await
        .assert_status(200)
        .assert_contains("Aide au permis de conduire")
        .assert_contains("Service jeunesse")
        .assert_contains("/inscription?retour=%2Fcommencer%2Faide-permis");
    usager
        .post("/inscription", &[("email", "lea.martin@exemple.fr"), ("password", "motdepasse")])
        .await
        .assert_status(422)
        .assert_contains("au moins 12 caractères")
        .assert_contains("value=\"lea.martin@exemple.fr\"");
    usager
        .post(
            "/inscription",
            &[("email", "lea.martin@exemple.fr"), ("password", PASSWORD), ("retour", "/commencer/aide-permis")],
        )
        .await
        .assert_status(200)
        .assert_contains("Confirmez votre adresse électronique");
    // Unconfirmed: the right password is not enough yet.
    usager
        .post("/connexion", &[("email", "lea.martin@exemple.fr"), ("password", PASSWORD)])
        .await
        .assert_status(422)
        .assert_contains("pas encore confirmée");
    let confirmation = app.mail("lea.martin@exemple.fr", "Confirmez votre adresse").await;
    let link = confirmation.first_link(&app.url("/confirmation")).expect("confirmation link");
    usager.get(&link).await.assert_status(200).assert_contains("Votre adresse électronique est confirmée");
    let page = usager
        .post(
            "/connexion",
            &[("email", "lea.martin@exemple.fr"), ("password", PASSWORD), ("retour", "/commencer/aide-permis")],
        )
        .await;
    page.assert_status(200).assert_contains("Commencer la démarche");
    assert_eq!(page.path(), "/commencer/aide-permis");

    let page = usager.post("/commencer/aide-permis", &[]).await;
    page.assert_status(200).assert_contains("brouillon").assert_contains("Nom et prénom");
    let dossier = page.id_after("/dossiers/");
    let brouillon = format!("/dossiers/{dossier}/brouillon");
    // Starting again resumes the same brouillon.
    assert_eq!(usager.post("/commencer/aide-permis", &[]).await.id_after("/dossiers/"), dossier);

    let nom = format!("champ_{}", 2);
    let age = "champ_3";
    // Saving a brouillon keeps everything typed, even what is not valid yet.
    let page = usager.post(&brouillon, &[("intention", "enregistrer"), (&nom, "Léa Martin"), (age, "dix-neuf")]).await;
    page.assert_status(422)
        .assert_contains("« Âge » doit être un nombre entier")
        .assert_contains("value=\"dix-neuf\"")
        .assert_contains("href=\"#champ_3\"");
    let page = usager.get(&brouillon).await;
    page.assert_contains("value=\"Léa Martin\"").assert_contains("value=\"dix-neuf\"");

    // Submitting with missing and invalid answers: errors by field, nothing lost.
    let page = usager
        .post(&brouillon, &[("intention", "deposer"), (&nom, "Léa Martin"), (age, "19"), ("champ_9", "12345678901234")])
        .await;
    page.assert_status(422)
        .assert_contains("Le formulaire contient des erreurs")
        .assert_contains("Le champ « Êtes-vous boursier ? » doit être rempli.")
        .assert_contains("Cochez la case « J'atteste sur l'honneur ».")
        .assert_contains("clé de contrôle")
        .assert_contains("value=\"12345678901234\"")
        .assert_contains("value=\"19\"");
    let page = usager
        .post(
            &brouillon,
            &[
                ("intention", "deposer"),
                (&nom, "Léa Martin"),
                (age, "19"),
                ("champ_4", "1 250,50"),
                ("champ_5", "2026-12-15"),
                ("champ_6", "true"),
                ("champ_7", "Conduite 44"),
                ("champ_8", "Je travaille loin de chez moi."),
                ("champ_9", "732 829 320 00074"),
                ("champ_10", "on"),
            ],
        )
        .await;
    page.assert_status(200).assert_contains("Votre dossier a bien été déposé").assert_contains("En construction");
    assert_eq!(page.path(), format!("/dossiers/{dossier}"));
    page.assert_contains("1250,5").assert_contains("15/12/2026").assert_contains("73282932000074");
    let accuse = app.mail("lea.martin@exemple.fr", "a bien été déposé").await;
    assert!(accuse.subject.contains(&format!("n° {dossier}")), "{}", accuse.subject);
    assert!(accuse.text_body.contains("accusé de réception"));

    // En construction, the usager can still change it: a change refused
    // waits in the buffer, the filed dossier stays as it was.
    let modifier = format!("/dossiers/{dossier}/modifier");
    usager.get(&modifier).await.assert_status(200).assert_contains("value=\"Léa Martin\"");
    usager
        .post(&modifier, &[(&nom, "Léa Martin"), (age, "")])
        .await
        .assert_status(422)
        .assert_contains("Le champ « Âge » doit être rempli.");
    usager.get(&format!("/dossiers/{dossier}")).await.assert_contains("<dd>19</dd>");
    usager
        .post(
            &modifier,
            &[
                (&nom, "Léa Martin-Durand"),
                (age, "20"),
                ("champ_6", "true"),
                ("champ_7", "Conduite 44"),
                ("champ_9", "73282932000074"),
                ("champ_10", "on"),
            ],
        )
        .await
        .assert_status(200)
        .assert_contains("Vos modifications ont bien été déposées")
        .assert_contains("Léa Martin-Durand");

    // ── 3. The instructeur processes it. ──
    let liste = format!("/instructeur/demarches/{demarche}");
    instructeur
        .get(&liste)
        .await
        .assert_status(200)
        .assert_contains("1 à suivre")
        .assert_contains(&format!(">{dossier}</a>"));
    let fiche = format!("/instructeur/dossiers/{dossier}");
    instructeur
        .get(&fiche)
        .await
        .assert_status(200)
        .assert_contains("Léa Martin-Durand")
        .assert_contains("Conduite 44");
    instructeur
        .post(&format!("{fiche}/suivre"), &[])
        .await
        .assert_status(200)
        .assert_contains("Vous suivez ce dossier");
    instructeur.get(&format!("{liste}?onglet=suivis")).await.assert_contains("1 suivi<").assert_contains("0 à suivre");

    // Deciding before instruction is refused and changes nothing.
    instructeur
        .post(&format!("{fiche}/instruire"), &[("action", "accepter")])
        .await
        .assert_status(422)
        .assert_contains("Impossible d'accepter un dossier « en construction ».");
    instructeur.get(&fiche).await.assert_contains("En construction");

    instructeur
        .post(&format!("{fiche}/instruire"), &[("action", "passer_en_instruction")])
        .await
        .assert_status(200)
        .assert_contains("Le dossier est passé en instruction");
    app.mail("lea.martin@exemple.fr", "est en cours d'instruction").await;

    // The usager can no longer edit.
    usager.get(&modifier).await.assert_status(200).assert_lacks("Enregistrer les modifications");
    usager.post(&modifier, &[(&nom, "Autre")]).await.assert_status(422).assert_contains("ne peut plus être modifié");
    // A dépôt posted again (a browser retrying) only shows the filed dossier,
    // which stays in instruction, unchanged.
    let again = usager.post(&brouillon, &[("intention", "deposer"), (&nom, "Nom rejoué")]).await;
    again.assert_status(200).assert_contains("En instruction").assert_lacks("Nom rejoué");
    assert_eq!(again.path(), format!("/dossiers/{dossier}"));

    // A refusal needs a motivation; the typed decision is kept.
    instructeur
        .post(&format!("{fiche}/instruire"), &[("action", "refuser"), ("motivation", "  ")])
        .await
        .assert_status(422)
        .assert_contains("Une motivation est obligatoire pour refuser le dossier.")
        .assert_contains("value=\"refuser\" checked");
    instructeur
        .post(
            &format!("{fiche}/instruire"),
            &[("action", "accepter"), ("motivation", "Dossier complet, aide versée sous 30 jours.")],
        )
        .await
        .assert_status(200)
        .assert_contains("Le dossier a été accepté");
    let decision = app.mail("lea.martin@exemple.fr", "a été accepté").await;
    assert!(decision.text_body.contains("aide versée sous 30 jours"));
    instructeur
        .get(&format!("{liste}?onglet=traites"))
        .await
        .assert_contains("1 traité<")
        .assert_contains(&format!(">{dossier}</a>"));

    let page = usager.get(&format!("/dossiers/{dossier}")).await;
    page.assert_contains("Décision : Accepté").assert_contains("aide versée sous 30 jours");
    // Decided, it has moved to the « Traités » tab of « Mes dossiers ».
    usager.get("/dossiers").await.assert_contains("Traités (1)").assert_lacks("Aide au permis de conduire");
    usager
        .get("/dossiers?onglet=traites")
        .await
        .assert_contains("Aide au permis de conduire")
        .assert_contains("Accepté");

    // The attestation: rendered by a job (the attestation plugin and the
    // host's PDF renderer), downloaded by the usager and the instructeur,
    // and checkable by anyone through the URL its QR code carries.
    let attestation_url = format!("/dossiers/{dossier}/attestation");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !usager.get(&format!("/dossiers/{dossier}")).await.body.contains("Télécharger l'attestation") {
        assert!(std::time::Instant::now() < deadline, "no attestation 20 s after the acceptation");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    let (status, headers, pdf) = usager.bytes(&attestation_url).await;
    assert_eq!(status, 200);
    assert_eq!(headers.get("content-type").and_then(|v| v.to_str().ok()), Some("application/pdf"));
    assert!(pdf.starts_with(b"%PDF-"), "a PDF");
    let text = guichet_tests::pdf::text(&pdf);
    assert!(text.contains(&format!("{dossier}")) && text.contains("Aide au permis de conduire"), "{text}");
    assert!(text.contains("aide versée sous 30 jours"), "the motivation tag is substituted: {text}");
    let (status, _, copy) = instructeur.bytes(&format!("/instructeur/dossiers/{dossier}/attestation")).await;
    assert_eq!((status, copy.len()), (200, pdf.len()), "the instructeur downloads the same document");
    let (_, _, anonymous) = app.client().bytes(&attestation_url).await;
    assert!(!anonymous.starts_with(b"%PDF"), "not without the usager's session (sent to the sign-in page)");
    let verification = text
        .split_whitespace()
        .find(|word| word.contains("/attestations/"))
        .unwrap_or_else(|| panic!("verification URL in the attestation: {text}"))
        .to_string();
    let public = app.client().get(&verification).await;
    public.assert_status(200).assert_contains("Attestation authentique").assert_lacks("lea.martin@exemple.fr");

    // Back to instruction after a decision, then a refusal with motivation.
    instructeur
        .post(&format!("{fiche}/instruire"), &[("action", "repasser_en_instruction")])
        .await
        .assert_status(200)
        .assert_contains("Le dossier est repassé en instruction");
    app.mail("lea.martin@exemple.fr", "est de nouveau en instruction").await;
    // The decision no longer stands: its attestation says so.
    app.client().get(&verification).await.assert_status(200).assert_contains("Décision révisée");
    usager
        .get(&format!("/dossiers/{dossier}"))
        .await
        .assert_contains("En instruction")
        .assert_lacks("aide versée sous 30 jours")
        .assert_lacks("Télécharger l'attestation");
    // Nobody gets the revoked document any more.
    assert_eq!(usager.bytes(&attestation_url).await.0, 404);
    assert_eq!(instructeur.bytes(&format!("/instructeur/dossiers/{dossier}/attestation")).await.0, 404);
    instructeur
        .post(
            &format!("{fiche}/instruire"),
            &[("action", "refuser"), ("motivation", "Le plafond de ressources est dépassé.")],
        )
        .await
        .assert_status(200)
        .assert_contains("Le dossier a été refusé");
    app.mail("lea.martin@exemple.fr", "a été refusé").await;
    usager
        .get(&format!("/dossiers/{dossier}"))
        .await
        .assert_contains("Refusé")
        .assert_lacks("Télécharger l'attestation");
    assert_eq!(usager.bytes(&attestation_url).await.0, 404, "a refusal never brings the old attestation back");
    app.client().get(&verification).await.assert_contains("Décision révisée");

    // Every transition left a Traitement, in order.
    let page = instructeur.get(&fiche).await;
    let historique = page.body.split("Historique").nth(1).expect("history").to_string();
    let order = ["En construction", "En instruction", "Accepté", "En instruction", "Refusé"];
    let mut at = 0;
    for etat in order {
        let found = historique[at..]
            .find(&format!(" — {etat} ("))
            .unwrap_or_else(|| panic!("traitement {etat} missing in order: {historique}"));
        at += found + 1;
    }
    assert!(historique.contains("(lea.martin@exemple.fr)") && historique.contains("(agent.dupont@mairie.example)"));
    assert!(historique.contains("Le plafond de ressources est dépassé."));
}
