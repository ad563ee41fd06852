//! The attestation template page: the administrateur writes the titre,
//! corps and pied de page and uploads a logo and a signature; bad input is
//! refused in French next to its field with everything typed kept; images
//! go to the file storage (and old ones leave it), a local folder or a
//! real S3 server; the preview and the attestations of accepted dossiers
//! use the template.

use guichet::domain::DemarcheId;
use guichet::storage::{Key, StorageError};
use guichet::store::attestation_templates;
use guichet_tests::app::{Backend, Client, Page, TestApp};
use guichet_tests::demo::{self, ADMIN, INSTRUCTEUR, USAGER};
use guichet_tests::s3::S3Server;
use reqwest::multipart::{Form, Part};

// Tiny real PNGs (6×3 and 8×2 pixels, RGB).
const LOGO_PNG: &[u8] = &[
    137, 80, 78, 71, 13, 10, 26, 10, 0, 0, 0, 13, 73, 72, 68, 82, 0, 0, 0, 6, 0, 0, 0, 3, 8, 2, 0, 0, 0, 63, 99, 233,
    172, 0, 0, 0, 16, 73, 68, 65, 84, 120, 156, 99, 96, 96, 152, 136, 129, 136, 17, 2, 0, 24, 167, 10, 51, 216, 123,
    132, 127, 0, 0, 0, 0, 73, 69, 78, 68, 174, 66, 96, 130,
];
const SIGNATURE_PNG: &[u8] = &[
    137, 80, 78, 71, 13, 10, 26, 10, 0, 0, 0, 13, 73, 72, 68, 82, 0, 0, 0, 8, 0, 0, 0, 2, 8, 2, 0, 0, 0, 234, 246, 10,
    186, 0, 0, 0, 15, 73, 68, 65, 84, 120, 156, 99, 144, 195, 1, 24, 112, 73, 0, 0, 140, 210, 5, 161, 175, 159, 186,
    86, 0, 0, 0, 0, 73, 69, 78, 68, 174, 66, 96, 130,
];

/// The form's action (it carries the CSRF token of a multipart form).
fn action(page: &Page) -> String {
    // The decoded page, as a browser reads the attribute.
    let start = page.body.find(r#"enctype="multipart/form-data""#).expect("the template form");
    let form = &page.body[..start];
    let at = form.rfind(r#"action=""#).expect("its action") + r#"action=""#.len();
    form[at..].split('"').next().expect("action value").to_owned()
}

fn file(name: &str, data: &[u8], mime: &str) -> Part {
    Part::bytes(data.to_vec()).file_name(name.to_owned()).mime_str(mime).expect("mime")
}

fn textes(titre: &str, corps: &str, pied: &str) -> Form {
    Form::new().text("titre", titre.to_owned()).text("corps", corps.to_owned()).text("pied_de_page", pied.to_owned())
}

async fn apercu(admin: &Client, base: &str) -> Vec<u8> {
    let (status, headers, pdf) = admin.bytes(&format!("{base}/apercu")).await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&pdf));
    assert_eq!(headers.get("content-type").and_then(|v| v.to_str().ok()), Some("application/pdf"));
    pdf
}

/// The keys the saved template points to (logo, signature).
async fn keys(app: &TestApp, demarche: DemarcheId) -> (Option<String>, Option<String>) {
    let mut tx = app.server.state.store.read().await.expect("read");
    let row = attestation_templates::find(tx.conn(), demarche).await.expect("template row");
    tx.commit().await.expect("commit");
    row.map(|r| (r.logo_key, r.signature_key)).unwrap_or_default()
}

async fn stored(app: &TestApp, key: &str) -> Option<Vec<u8>> {
    match app.server.state.storage.get(&Key::parse(key).expect("key")).await {
        Ok(bytes) => Some(bytes.to_vec()),
        Err(StorageError::NotFound(_)) => None,
        Err(other) => panic!("storage: {other}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_attestation_template_on_local_files() {
    let app = TestApp::sqlite().await;
    parcours(&app).await;
    // Local storage: the files are under the data folder.
    let dir = app.server.state.config.data_dir.join("fichiers/demarches/1/attestation");
    let names: Vec<String> = std::fs::read_dir(&dir)
        .expect("attestation folder")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.len() == 1 && names[0].starts_with("logo-"), "only the current logo is left: {names:?}");

    // Beyond the route's body limit: refused from its Content-Length before
    // the body is read, with the French page (not the limit's plain
    // English). Sent through the router itself: a client streaming the body
    // sees the connection close before it finishes writing.
    use tower::ServiceExt;
    let state = app.server.state.clone();
    let seed = "s".repeat(43);
    let token = guichet::security::sign(&state.config.secret_key, &format!("csrf:{seed}:"));
    let request = axum::http::Request::post(format!("/admin/demarches/1/attestation?authenticity_token={token}"))
        .header("cookie", format!("guichet_csrf={seed}"))
        .header("content-type", "multipart/form-data; boundary=x")
        .header("content-length", (9 * 1024 * 1024).to_string())
        .body(axum::body::Body::from(vec![0_u8; 9 * 1024 * 1024]))
        .expect("request");
    let response = guichet::app(state).oneshot(request).await.expect("an answer");
    assert_eq!(response.status(), 413);
    let body = axum::body::to_bytes(response.into_body(), 1 << 20).await.expect("body");
    let body = String::from_utf8_lossy(&body);
    assert!(body.contains("Envoi trop volumineux") && body.contains("fichiers plus légers"), "{body}");
    app.stop().await;
}

/// PostgreSQL (when the suite has one) with local files.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_attestation_template_on_postgres() {
    let Some(app) = TestApp::postgres().await else { return };
    parcours(&app).await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_attestation_template_on_an_s3_bucket() {
    let Some(s3) = S3Server::start().await else { return };
    let storage = s3.storage_config("guichet-test");
    let app = TestApp::start_with(Backend::Sqlite, |c| c.storage = storage).await.expect("app");
    assert_eq!(app.server.state.storage.backend(), "s3");
    parcours(&app).await;
    assert!(!app.server.state.config.data_dir.join("fichiers/demarches").exists(), "nothing on the local disk");
    app.stop().await;
}

/// The whole journey, on whichever storage `app` has.
async fn parcours(app: &TestApp) {
    let demarche = demo::demarche(app).await;
    let base = format!("/admin/demarches/{}/attestation", demarche.id);
    let admin = demo::client(app, ADMIN).await;
    admin.get(&format!("/admin/demarches/{}", demarche.id)).await.assert_contains(&format!(r#"href="{base}""#));
    // Until written, the default template, built from the démarche.
    let page = admin.get(&base).await;
    page.assert_status(200)
        .assert_contains(&format!("Attestation — {}", demarche.libelle))
        .assert_contains("--numéro du dossier--")
        .assert_contains(r#"<label class="fr-label" for="logo">"#);
    let images_par_defaut = guichet_tests::pdf::image_count(&apercu(&admin, &base).await);

    // Refused: no titre, a GIF as logo, a broken PNG as signature. Each
    // error is next to its field and what was typed stays.
    let corps = "Le dossier n° --numéro du dossier-- de --email-- est accepté.\n\nLe maire, --motivation--";
    let form = textes("  ", corps, "Mairie de Démoville")
        .part("logo", file("logo.gif", b"GIF89a\x01\x00\x01\x00", "image/gif"))
        .part("signature", file("signature.png", b"\x89PNG\r\n\x1a\nnot really", "image/png"));
    let refused = admin.post_multipart(&action(&page), form).await;
    refused
        .assert_status(422)
        .assert_contains(r#"id="titre-erreur""#)
        .assert_contains("Le champ « Titre » doit être rempli.")
        .assert_contains(r#"id="logo-erreur""#)
        .assert_contains("Le fichier doit être une image PNG ou JPEG.")
        .assert_contains(r#"id="signature-erreur""#)
        .assert_contains("Cette image ne peut pas être lue")
        .assert_contains("Le maire, --motivation--")
        .assert_contains(r#"value="Mairie de Démoville""#);
    assert_eq!(keys(app, demarche.id()).await, (None, None), "nothing saved for a refused form");

    // Without the token in the action, the form is refused as expired.
    let sans_jeton = admin.post_multipart(&base, textes("Titre", corps, "")).await;
    sans_jeton.assert_status(403);

    // Accepted: both images go to the file storage.
    let form = textes("Attestation de subvention", corps, "Mairie de Démoville — sports@demoville.example")
        .part("logo", file("logo.png", LOGO_PNG, "image/png"))
        .part("signature", file("signature.png", SIGNATURE_PNG, "application/octet-stream"));
    let saved = admin.post_multipart(&action(&refused), form).await;
    saved
        .assert_status(200)
        .assert_contains("Le modèle d'attestation a été enregistré.")
        .assert_contains(&format!(r#"src="{base}/logo""#))
        .assert_contains(&format!(r#"src="{base}/signature""#))
        .assert_contains("Retirer le logo");
    let (Some(logo_key), Some(signature_key)) = keys(app, demarche.id()).await else {
        panic!("both images saved");
    };
    assert!(logo_key.starts_with(&format!("demarches/{}/attestation/logo-", demarche.id)), "{logo_key}");
    assert!(logo_key.ends_with(".png"), "{logo_key}");
    assert_eq!(stored(app, &logo_key).await.as_deref(), Some(LOGO_PNG));
    assert_eq!(stored(app, &signature_key).await.as_deref(), Some(SIGNATURE_PNG));
    let (status, headers, logo) = admin.bytes(&format!("{base}/logo")).await;
    assert_eq!((status, logo.as_slice()), (200, LOGO_PNG));
    assert_eq!(headers.get("content-type").and_then(|v| v.to_str().ok()), Some("image/png"));

    // The preview carries the texts and both images.
    let pdf = apercu(&admin, &base).await;
    let text = guichet_tests::pdf::text(&pdf);
    assert!(text.contains("Attestation de subvention") && text.contains("12345"), "{text}");
    assert!(text.contains("camille.exemple@exemple.fr"), "tags substituted: {text}");
    assert_eq!(guichet_tests::pdf::image_count(&pdf), images_par_defaut + 2);

    // Replacing the logo deletes the old file; removing the signature too.
    let form = textes("Attestation de subvention", corps, "Mairie de Démoville")
        .part("logo", file("nouveau.png", SIGNATURE_PNG, "image/png"))
        .part("signature", file("", b"", "application/octet-stream"))
        .text("supprimer_signature", "on");
    admin.post_multipart(&action(&saved), form).await.assert_status(200).assert_lacks(&format!("{base}/signature"));
    let (Some(new_logo), None) = keys(app, demarche.id()).await else { panic!("a new logo, no signature") };
    assert_ne!(new_logo, logo_key);
    assert_eq!(stored(app, &new_logo).await.as_deref(), Some(SIGNATURE_PNG));
    assert_eq!(stored(app, &logo_key).await, None, "the replaced logo left the storage");
    assert_eq!(stored(app, &signature_key).await, None, "the removed signature left the storage");
    let (_, _, logo) = admin.bytes(&format!("{base}/logo")).await;
    assert_eq!(logo.as_slice(), SIGNATURE_PNG);
    assert_eq!(admin.bytes(&format!("{base}/signature")).await.0, 404);
    assert_eq!(guichet_tests::pdf::image_count(&apercu(&admin, &base).await), images_par_defaut + 1);

    // Another administrateur reaches none of it.
    let autre = app
        .signed_in(
            "autre.admin@exemple.fr",
            guichet::workflow::comptes::Roles { administrateur: true, ..Default::default() },
        )
        .await;
    autre.get(&base).await.assert_status(404);
    assert_eq!(autre.bytes(&format!("{base}/logo")).await.0, 404);
    assert_eq!(autre.bytes(&format!("{base}/apercu")).await.0, 404);

    // A dossier accepted now gets an attestation written from the template.
    let usager = demo::client(app, USAGER).await;
    let numero = demo::deposer(&usager, "732 829 320 00074", "1 place de la Mairie 69002 Lyon").await;
    let instructeur = demo::client(app, INSTRUCTEUR).await;
    let fiche = format!("/instructeur/dossiers/{numero}");
    instructeur.post(&format!("{fiche}/instruire"), &[("action", "passer_en_instruction")]).await.assert_status(200);
    instructeur
        .post(&format!("{fiche}/instruire"), &[("action", "accepter"), ("motivation", "Jean Dupont")])
        .await
        .assert_contains("Le dossier a été accepté");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !usager.get(&format!("/dossiers/{numero}")).await.body.contains("Télécharger l'attestation") {
        assert!(std::time::Instant::now() < deadline, "no attestation 20 s after the acceptation");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    let (status, _, pdf) = usager.bytes(&format!("/dossiers/{numero}/attestation")).await;
    assert_eq!(status, 200);
    // The document itself is in the file storage, not in the database.
    let mut tx = app.server.state.store.read().await.expect("read");
    let row = guichet::store::attestations::of_dossier(tx.conn(), guichet::domain::DossierId(numero))
        .await
        .expect("attestation row")
        .expect("an attestation");
    tx.commit().await.expect("commit");
    let key = row.data_key.expect("stored in the file storage");
    assert!(key.starts_with(&format!("dossiers/{numero}/attestation-")) && key.ends_with(".pdf"), "{key}");
    assert!(row.data.is_empty(), "no copy in the database");
    assert_eq!(stored(app, &key).await.as_deref(), Some(pdf.as_slice()));
    let text = guichet_tests::pdf::text(&pdf);
    assert!(text.contains("Attestation de subvention"), "{text}");
    assert!(text.contains(&format!("Le dossier n° {numero} de {USAGER} est accepté.")), "{text}");
    assert!(text.contains("Le maire, Jean Dupont"), "{text}");
    assert_eq!(guichet_tests::pdf::image_count(&pdf), images_par_defaut + 1, "the logo is in it");
}
