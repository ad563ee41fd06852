//! « Dupliquer » in the administrateur's editor: a copy lands right below
//! its original; a block comes with its champs, whose condition on a row's
//! sibling reads the copied sibling; a model file is copied as an object
//! of its own (replacing the original's leaves the copy's); another
//! administrateur gets a 404; on a published form the copy goes to the
//! draft revision, and dropping the draft deletes only the copy's file.
//! The annotations privées have the same button.

use guichet::workflow::comptes::Roles;
use guichet_tests::app::{Client, TestApp};
use reqwest::multipart::{Form, Part};

const PDF: &[u8] = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n";
const PDF_2: &[u8] = b"%PDF-1.7\n% second\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duplication_on_sqlite() {
    let app = TestApp::sqlite().await;
    parcours(&app).await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duplication_on_postgres() {
    let Some(app) = TestApp::postgres().await else { return };
    parcours(&app).await;
    app.stop().await;
}

async fn ajouter(admin: &Client, champs_url: &str, fields: &[(&str, &str)]) {
    admin.post(champs_url, fields).await.assert_status(200).assert_contains("Le champ a été ajouté");
}

/// Posts `fichier` as the model of champ `stable_id` through its « Fichiers » page.
async fn poser_modele(admin: &Client, champs_url: &str, stable_id: i64, nom: &str, fichier: &'static [u8]) {
    let page = admin.get(&format!("{champs_url}/{stable_id}/fichier")).await;
    page.assert_status(200);
    let marker = format!("action=\"{champs_url}/{stable_id}/fichier?");
    let start = page.body.find(&marker).expect("file page action") + "action=\"".len();
    let action = page.body[start..].split('"').next().expect("action").to_owned();
    let form =
        Form::new().percent_encode_noop().part("modele", Part::bytes(fichier.to_vec()).file_name(nom.to_owned()));
    admin.post_multipart(&action, form).await.assert_status(200).assert_contains(&format!("actuel : {nom}"));
}

/// The champs of the editor's page, in order, by the ids of their items.
fn ordre(body: &str, prefixe: &str) -> Vec<i64> {
    let marker = format!("id=\"{prefixe}-");
    body.match_indices(&marker)
        .filter_map(|(i, _)| {
            let rest = &body[i + marker.len()..];
            rest.split('"').next().and_then(|id| id.parse().ok())
        })
        .collect()
}

async fn parcours(app: &TestApp) {
    let admin = app.signed_in("admin@duplication.example", Roles { administrateur: true, ..Roles::default() }).await;
    let page = admin
        .post(
            "/admin/demarches",
            &[
                ("libelle", "Aide aux équipements sportifs"),
                ("description", "Une aide à l'achat d'équipements."),
                ("service_nom", "Service des sports"),
                ("service_organisme", "Département"),
                ("cadre_juridique", "Délibération n° 2026-12 du conseil"),
                ("service_email", "sports@duplication.example"),
            ],
        )
        .await;
    page.assert_status(200);
    let demarche = page.id_after("/admin/demarches/");
    let champs_url = format!("/admin/demarches/{demarche}/champs");

    // 1 a text; 2 a block holding 3 and 4 (4 shown when 3 says oui); 5 a
    // pièce justificative with a model.
    ajouter(&admin, &champs_url, &[("type_champ", "text"), ("libelle", "Nom du club")]).await;
    ajouter(&admin, &champs_url, &[("type_champ", "repetition"), ("libelle", "Équipements")]).await;
    ajouter(&admin, &champs_url, &[("type_champ", "yes_no"), ("libelle", "Déjà commandé ?"), ("parent", "2")]).await;
    ajouter(&admin, &champs_url, &[("type_champ", "text"), ("libelle", "Fournisseur"), ("parent", "2")]).await;
    ajouter(&admin, &champs_url, &[("type_champ", "piece_justificative"), ("libelle", "Devis")]).await;
    admin
        .post(
            &format!("{champs_url}/4/condition"),
            &[("clause_0_champ", "3"), ("clause_0_operateur", "egal"), ("clause_0_valeur", "oui")],
        )
        .await
        .assert_status(200);
    poser_modele(&admin, &champs_url, 5, "Modèle de devis.pdf", PDF).await;

    // The block is copied below itself with its champs: 6 [7 8].
    let page = admin.post(&format!("{champs_url}/2/dupliquer"), &[]).await;
    page.assert_status(200)
        .assert_contains("Le champ a été dupliqué : sa copie est placée juste en dessous.")
        .assert_contains("Dupliquer avec ses champs<span class=\"fr-sr-only\"> « Équipements »</span>");
    assert_eq!(ordre(&page.body, "champ"), [1, 2, 3, 4, 6, 7, 8, 5]);
    assert_eq!(page.body.matches("Affiché si « Déjà commandé ? » est égal à « oui »").count(), 2);
    // The copy's condition reads the copied sibling, not the original.
    let condition = admin.get(&format!("{champs_url}/8/condition")).await;
    condition.assert_status(200).assert_contains(r#"<option value="7" selected>"#);
    assert!(!condition.body.contains(r#"<option value="3" selected>"#), "the copy reads its own row's sibling");

    // A pièce justificative comes with a copy of its model.
    admin.post(&format!("{champs_url}/5/dupliquer"), &[]).await.assert_status(200);
    admin.get(&format!("{champs_url}/9/fichier")).await.assert_contains("actuel : Modèle de devis.pdf");
    // Replacing the original's model deletes its object, not the copy's.
    poser_modele(&admin, &champs_url, 5, "Nouveau devis.pdf", PDF_2).await;

    // Another administrateur: like a missing champ.
    let intrus = app.signed_in("intrus@duplication.example", Roles { administrateur: true, ..Roles::default() }).await;
    intrus.post(&format!("{champs_url}/1/dupliquer"), &[]).await.assert_status(404);
    admin.post(&format!("{champs_url}/99/dupliquer"), &[]).await.assert_status(404);

    // Annotations privées have the same button.
    let annotations_url = format!("/admin/demarches/{demarche}/annotations");
    admin
        .post(&annotations_url, &[("type_champ", "textarea"), ("libelle", "Avis du service")])
        .await
        .assert_status(200);
    let page = admin.post(&format!("{annotations_url}/10/dupliquer"), &[]).await;
    page.assert_status(200).assert_contains("L'annotation privée a été dupliquée");
    assert_eq!(ordre(&page.body, "annotation"), [10, 11]);

    admin
        .post(&format!("/admin/demarches/{demarche}/instructeurs"), &[("email", "instructeur@duplication.example")])
        .await;
    admin
        .post(&format!("/admin/demarches/{demarche}/publier"), &[("path", "equipements-sportifs")])
        .await
        .assert_status(200);
    // Published: the copy goes to a draft usagers do not see; dropping the
    // draft deletes the copy's model file, never the published one's.
    admin
        .post(&format!("{champs_url}/1/dupliquer"), &[])
        .await
        .assert_status(200)
        .assert_contains("1 modification en attente");
    admin
        .post(&format!("/admin/demarches/{demarche}/modifications/annuler"), &[])
        .await
        .assert_status(200)
        .assert_contains("Les modifications ont été annulées");

    // The usager downloads each model: the copy kept the first file.
    let usager = app.signed_in("usager@duplication.example", Roles::default()).await;
    let page = usager.post("/commencer/equipements-sportifs", &[]).await;
    let dossier = page.id_after("/dossiers/");
    let (status, _, original) = usager.bytes(&format!("/dossiers/{dossier}/champs/5/modele")).await;
    assert_eq!((status, original.as_slice()), (200, PDF_2));
    let (status, _, copie) = usager.bytes(&format!("/dossiers/{dossier}/champs/9/modele")).await;
    assert_eq!((status, copie.as_slice()), (200, PDF));
    // The copied block is a block of its own on the usager's page.
    page.assert_contains(r#"id="champ-6""#).assert_contains(r#"id="champ-2""#);
}
