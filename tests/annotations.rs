//! Annotations privées end to end: an administrateur builds them through
//! their editor (refused input kept, modify, move, delete), apart from the
//! form; usagers never see them and cannot write them with a forged field;
//! another administrateur gets 404; instructeurs read them on the dossier.

use guichet::domain::{DossierId, StableId};
use guichet::store::{StoreError, dossiers};
use guichet::workflow::comptes::Roles;
use guichet_tests::app::{Client, Page, TestApp};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn annotations_privees_on_sqlite() {
    let app = TestApp::sqlite().await;
    parcours(&app).await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn annotations_privees_on_postgres() {
    let Some(app) = TestApp::postgres().await else { return };
    parcours(&app).await;
    app.stop().await;
}

fn admin_roles() -> Roles {
    Roles { administrateur: true, ..Roles::default() }
}

/// Where `text` first appears in the page (it must).
fn at(page: &Page, text: &str) -> usize {
    page.body.find(text).unwrap_or_else(|| panic!("{text:?} missing from {}:\n{}", page.url, page.body))
}

async fn parcours(app: &TestApp) {
    let admin = app.signed_in("admin@annotations.example", admin_roles()).await;
    let instructeur =
        app.signed_in("instructeur@annotations.example", Roles { instructeur: true, ..Roles::default() }).await;
    let page = admin
        .post(
            "/admin/demarches",
            &[
                ("libelle", "Subvention annotée"),
                ("description", "Une démarche avec des annotations privées."),
                ("service_nom", "Service"),
                ("service_organisme", "Mairie"),
                ("cadre_juridique", "Délibération n° 2026-12 du conseil"),
                ("service_email", "s@annotations.example"),
            ],
        )
        .await;
    page.assert_status(200);
    let demarche = page.id_after("/admin/demarches/");
    let champs = format!("/admin/demarches/{demarche}/champs");
    let annotations = format!("/admin/demarches/{demarche}/annotations");

    // Stable id 1: a form champ.
    admin.post(&champs, &[("type_champ", "text"), ("libelle", "Nom"), ("obligatoire", "on")]).await.assert_status(200);
    admin.get(&annotations).await.assert_status(200).assert_contains("aucune annotation privée");
    admin
        .get(&format!("/admin/demarches/{demarche}"))
        .await
        .assert_contains(&format!(r#"href="{annotations}""#))
        .assert_contains("0 annotation");

    // ── Refused: French errors next to the field, what was typed kept. ──
    let page = admin.post(&annotations, &[("type_champ", "titre_identite"), ("libelle", "Pièce d'identité")]).await;
    page.assert_status(422)
        .assert_contains("Le titre d'identité ne peut être demandé qu'à l'usager")
        .assert_contains(r#"value="Pièce d'identité""#)
        .assert_lacks(r#"<option value="titre_identite""#);
    admin
        .post(&annotations, &[("type_champ", "integer_number"), ("libelle", "Montant"), ("min", "5"), ("max", "2")])
        .await
        .assert_status(422)
        .assert_contains("Le maximum doit être supérieur ou égal au minimum.")
        .assert_contains(r#"value="Montant""#);

    // Stable ids 2, 3, 4: annotations; 5: a form champ. One counter.
    for (type_champ, libelle) in
        [("text", "Avis du service"), ("yes_no", "Décision de la commission"), ("integer_number", "Montant accordé")]
    {
        admin
            .post(&annotations, &[("type_champ", type_champ), ("libelle", libelle)])
            .await
            .assert_status(200)
            .assert_contains("L'annotation privée a été ajoutée.");
    }
    admin.post(&champs, &[("type_champ", "text"), ("libelle", "Ville")]).await.assert_status(200);
    let page = admin.get(&champs).await;
    page.assert_contains(r#"id="champ-5""#).assert_lacks("Avis du service");

    // Modify: the form's ids are not annotations, nor the reverse.
    admin.get(&format!("{annotations}/2")).await.assert_status(200).assert_contains(r#"value="Avis du service""#);
    admin.get(&format!("{annotations}/1")).await.assert_status(404);
    admin.get(&format!("{champs}/2")).await.assert_status(404);
    admin
        .post(&format!("{annotations}/2"), &[("type_champ", "text"), ("libelle", "")])
        .await
        .assert_status(422)
        .assert_contains("id=\"libelle-erreur\"");
    admin
        .post(&format!("{annotations}/2"), &[("type_champ", "textarea"), ("libelle", "Avis motivé du service")])
        .await
        .assert_status(200)
        .assert_contains("L'annotation privée a été modifiée.");

    // Move: within each list only.
    admin.post(&format!("{annotations}/4/deplacer"), &[("sens", "haut")]).await.assert_status(200);
    admin.post(&format!("{champs}/5/deplacer"), &[("sens", "haut")]).await.assert_status(200);
    // The first annotation cannot pass the form's champs.
    admin.post(&format!("{annotations}/2/deplacer"), &[("sens", "haut")]).await.assert_status(200);
    let page = admin.get(&annotations).await;
    assert!(at(&page, "Avis motivé du service") < at(&page, "Montant accordé"));
    assert!(at(&page, "Montant accordé") < at(&page, "Décision de la commission"));
    page.assert_lacks("<strong>Nom</strong>").assert_lacks("<strong>Ville</strong>");
    let page = admin.get(&champs).await;
    assert!(at(&page, "<strong>Ville</strong>") < at(&page, "<strong>Nom</strong>"));
    // A form champ moved through the annotations' route is not found.
    admin.post(&format!("{annotations}/1/deplacer"), &[("sens", "bas")]).await.assert_status(404);

    // Delete.
    admin
        .post(&format!("{annotations}/3/supprimer"), &[])
        .await
        .assert_status(200)
        .assert_contains("L'annotation privée a été supprimée.")
        .assert_lacks("Décision de la commission");
    admin.post(&format!("{champs}/3/supprimer"), &[]).await.assert_status(404);

    // A file annotation (stable id 6) has its file page, like a form's.
    admin
        .post(&annotations, &[("type_champ", "piece_justificative"), ("libelle", "Rapport de visite")])
        .await
        .assert_status(200);
    let fichier = format!("{annotations}/6/fichier");
    admin.get(&format!("{annotations}/6")).await.assert_contains(&fichier);
    admin.get(&format!("{champs}/6/fichier")).await.assert_status(404);
    let page = admin.get(&fichier).await;
    page.assert_status(200).assert_contains(&format!(r#"href="{annotations}">Annotations privées</a>"#));
    let start = at(&page, &format!("action=\"{fichier}?")) + "action=\"".len();
    let action = page.body[start..].split('"').next().expect("action").to_owned();
    let form = reqwest::multipart::Form::new().percent_encode_noop().text("familles", "document_texte");
    admin.post_multipart(&action, form).await.assert_status(200).assert_contains(r#"value="document_texte" checked"#);
    admin.get(&annotations).await.assert_contains("Rapport de visite");
    admin.get(&champs).await.assert_lacks("Rapport de visite");

    // ── Another administrateur: as if the démarche did not exist. ──
    let autre = app.signed_in("autre-admin@annotations.example", admin_roles()).await;
    autre.get(&annotations).await.assert_status(404);
    autre.get(&format!("{annotations}/2")).await.assert_status(404);
    autre.post(&annotations, &[("type_champ", "text"), ("libelle", "Intrus")]).await.assert_status(404);
    autre.post(&format!("{annotations}/2/supprimer"), &[]).await.assert_status(404);
    autre.get(&fichier).await.assert_status(404);
    admin.get(&annotations).await.assert_lacks("Intrus").assert_contains("Avis motivé du service");

    admin
        .post(&format!("/admin/demarches/{demarche}/instructeurs"), &[("email", "instructeur@annotations.example")])
        .await
        .assert_status(200);
    admin.get(&format!("/admin/demarches/{demarche}")).await.assert_contains("3 annotations");

    // A bloc répétable of annotations (7) and its champ (8), placed with
    // « Emplacement » as in the form's editor.
    admin
        .post(&annotations, &[("type_champ", "repetition"), ("libelle", "Visites")])
        .await
        .assert_status(200)
        .assert_contains(r#"<option value="7">Dans le bloc « Visites »</option>"#);
    admin
        .post(&annotations, &[("type_champ", "textarea"), ("libelle", "Compte rendu"), ("parent", "7")])
        .await
        .assert_status(200)
        .assert_contains(r#"aria-label="Champs du bloc « Visites »""#)
        .assert_contains(&format!(r#"action="{annotations}/8/deplacer""#))
        .assert_contains("Sortir du bloc");
    admin.post(&format!("{annotations}/8/deplacer"), &[("sens", "sortir")]).await.assert_status(200);
    admin
        .post(&format!("{annotations}/8/deplacer"), &[("sens", "entrer")])
        .await
        .assert_status(200)
        .assert_contains(r#"aria-label="Champs du bloc « Visites »""#);
    // No block in a block, in annotations as in the form.
    admin
        .post(&annotations, &[("type_champ", "repetition"), ("libelle", "Sous-bloc"), ("parent", "7")])
        .await
        .assert_status(422)
        .assert_contains("ne peut pas être placé dans un bloc répétable");
    admin.get(&champs).await.assert_lacks("Visites");
    // An optional block of the form (9): the usager's saves then write
    // their rows, which must leave the annotations' rows alone.
    admin.post(&champs, &[("type_champ", "repetition"), ("libelle", "Équipe")]).await.assert_status(200);
    admin
        .post(&format!("/admin/demarches/{demarche}/publier"), &[("path", "annotee")])
        .await
        .assert_status(200)
        .assert_contains("La démarche est publiée");
    // Published: a new annotation waits in the draft revision until the
    // modifications are published; here they are dropped.
    admin
        .post(&annotations, &[("type_champ", "text"), ("libelle", "Plus tard")])
        .await
        .assert_status(200)
        .assert_contains("1 modification en attente");
    admin.post(&format!("/admin/demarches/{demarche}/modifications/annuler"), &[]).await.assert_status(200);
    admin.get(&annotations).await.assert_lacks("Plus tard");

    usager_et_instructeur(app, &instructeur).await;
}

async fn usager_et_instructeur(app: &TestApp, instructeur: &Client) {
    let usager = app.signed_in("usager@annotations.example", Roles::default()).await;
    let page = usager.post("/commencer/annotee", &[]).await;
    page.assert_status(200).assert_contains(r#"name="champ_1""#).assert_contains(r#"name="champ_5""#);
    for secret in ["Avis motivé du service", "Montant accordé", "champ_2", "champ_4"] {
        page.assert_lacks(secret);
    }
    let dossier = page.id_after("/dossiers/");
    // A forged field for an annotation is ignored.
    usager
        .post(
            &format!("/dossiers/{dossier}/brouillon"),
            &[("intention", "deposer"), ("champ_1", "Léa"), ("champ_5", "Brest"), ("champ_2", "Forgé par l'usager")],
        )
        .await
        .assert_status(200)
        .assert_contains("Votre dossier a bien été déposé");
    let state = &app.server.state;
    let id = DossierId(dossier);
    let mut tx = state.store.read().await.expect("read");
    assert!(dossiers::annotations(tx.conn(), id).await.expect("annotations").is_empty());
    let champs = dossiers::champs(tx.conn(), id, guichet::store::dossiers::Stream::Main).await.expect("champs");
    assert_eq!(champs.get(&StableId(1)).map(String::as_str), Some("Léa"));
    assert!(!champs.contains_key(&StableId(2)));
    tx.commit().await.expect("commit");

    // The instructeur reads the annotations, empty for now.
    let url = format!("/instructeur/dossiers/{dossier}");
    let page = instructeur.get(&url).await;
    page.assert_status(200).assert_contains("<dd>Léa</dd>").assert_lacks("Forgé");
    let section = &page.body[at(&page, r#"id="annotations-privees""#)..];
    assert!(section.contains("<dt>Avis motivé du service</dt><dd><em>Non renseigné</em></dd>"), "{section}");
    assert!(section.contains("<dt>Montant accordé</dt>"), "{section}");
    assert!(!section.contains("<dt>Nom</dt>"), "{section}");

    // Stored the instructeurs' way: an annotation only, never an answer.
    let now = chrono::Utc::now();
    let mut tx = state.store.write().await.expect("write");
    dossiers::upsert_annotation(tx.conn(), id, StableId(2), Some("Favorable"), now).await.expect("annotation");
    let refus = dossiers::upsert_annotation(tx.conn(), id, StableId(1), Some("Écrasé"), now).await;
    assert!(matches!(refus, Err(StoreError::NotFound)), "{refus:?}");
    tx.commit().await.expect("commit");
    let page = instructeur.get(&url).await;
    page.assert_contains("<dt>Avis motivé du service</dt><dd>Favorable</dd>").assert_contains("<dd>Léa</dd>");

    // An annotation block's rows, written the instructeurs' way; a form
    // champ is no annotation block.
    let row = guichet::domain::champ::repetition::nouvelle_ligne(now.timestamp_millis(), 7);
    let rows = vec![row.clone()];
    let compte_rendu = vec![(StableId(8), row.clone(), Some("Visite du 3 mars : conforme".to_string()))];
    let mut tx = state.store.write().await.expect("write");
    dossiers::ecrire_lignes_annotation(tx.conn(), id, StableId(7), &rows, &compte_rendu, now).await.expect("rows");
    tx.commit().await.expect("commit");
    let mut tx = state.store.write().await.expect("write");
    let refus = dossiers::ecrire_lignes_annotation(tx.conn(), id, StableId(1), &rows, &[], now).await;
    assert!(matches!(refus, Err(StoreError::NotFound)), "{refus:?}");
    drop(tx);
    let page = instructeur.get(&url).await;
    let section = &page.body[at(&page, r#"id="annotations-privees""#)..];
    assert!(section.contains("<dt>Visites</dt>") && section.contains("Élément 1"), "{section}");
    assert!(section.contains("<dd>Visite du 3 mars : conforme</dd>"), "{section}");

    // The usager sees neither the annotation nor its value, and cannot
    // overwrite it by modifying the dossier.
    let page = usager.get(&format!("/dossiers/{dossier}")).await;
    page.assert_status(200).assert_contains("Léa").assert_lacks("Favorable").assert_lacks("Avis motivé");
    let page = usager.get(&format!("/dossiers/{dossier}/modifier")).await;
    page.assert_status(200).assert_lacks("Favorable").assert_lacks("champ_2");
    usager
        .post(
            &format!("/dossiers/{dossier}/modifier"),
            &[("champ_1", "Léa Martin"), ("champ_5", "Brest"), ("champ_2", "Défavorable")],
        )
        .await
        .assert_status(200);
    let mut tx = state.store.read().await.expect("read");
    let valeurs = dossiers::annotations(tx.conn(), id).await.expect("annotations");
    tx.commit().await.expect("commit");
    assert_eq!(valeurs.get(&StableId(2)).map(String::as_str), Some("Favorable"));
    // The usager's save of their own rows leaves the annotation rows alone.
    instructeur
        .get(&url)
        .await
        .assert_contains("<dd>Léa Martin</dd>")
        .assert_contains("<dd>Favorable</dd>")
        .assert_contains("<dd>Visite du 3 mars : conforme</dd>");
}
