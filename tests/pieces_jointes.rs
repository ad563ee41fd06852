//! Pièces justificatives and titres d'identité through the real server:
//! uploads with and without JavaScript, downloads only through the
//! caller's scope, formats checked on the content, the virus scanner
//! (clean, infected, down), an upload cut mid-body leaving nothing, a
//! 200 MB file streamed with bounded memory (local folder and S3), and
//! titres d'identité purged at the decision.

use guichet::domain::DossierId;
use guichet::storage::StorageConfig;
use guichet::store::pieces_jointes::{self, PieceRow};
use guichet::workflow::comptes::Roles;
use guichet_tests::app::{Backend, Client, PASSWORD, TestApp};
use guichet_tests::fichiers;
use guichet_tests::s3::S3Server;
use reqwest::cookie::CookieStore;
use reqwest::multipart::{Form, Part};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The tests of this module run one at a time: the memory test measures
/// the process's resident memory, which the others' servers would move.
static UN_A_LA_FOIS: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

const PDF: &[u8] = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n";
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";
const HTML: &[u8] = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>";
/// Stable ids of the test démarche's champs, in creation order.
const PIECE: i64 = 1;
const TITRE: i64 = 2;

/// A browser whose cookies the test can read, for requests written by hand.
struct Navigateur {
    http: reqwest::Client,
    jar: Arc<reqwest::cookie::Jar>,
    base: String,
}

impl Navigateur {
    async fn connecte(app: &TestApp, email: &str) -> Navigateur {
        app.compte(email, Roles::default()).await;
        let jar = Arc::new(reqwest::cookie::Jar::default());
        let http = reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .timeout(Duration::from_secs(120))
            .build()
            .expect("client");
        let nav = Navigateur { http, jar, base: app.url("") };
        let page = nav.get("/connexion").await.1;
        let token = jeton(&page);
        let response = nav
            .http
            .post(nav.url("/connexion"))
            .form(&[("authenticity_token", token.as_str()), ("email", email), ("password", PASSWORD)])
            .send()
            .await
            .expect("login");
        assert!(response.text().await.unwrap_or_default().contains("Se déconnecter"), "login of {email}");
        nav
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base.trim_end_matches('/'))
    }

    async fn get(&self, path: &str) -> (u16, String) {
        let response = self.http.get(self.url(path)).send().await.expect("GET");
        let status = response.status().as_u16();
        (status, decode(&response.text().await.unwrap_or_default()))
    }

    async fn bytes(&self, path: &str) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
        let response = self.http.get(self.url(path)).send().await.expect("GET");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        (status, headers, response.bytes().await.map(|b| b.to_vec()).unwrap_or_default())
    }

    fn cookies(&self) -> String {
        let url = url::Url::parse(&self.base).expect("base");
        self.jar.cookies(&url).and_then(|v| v.to_str().ok().map(str::to_owned)).unwrap_or_default()
    }

    /// The JavaScript path: one file to the champ's upload URL.
    async fn televerser(&self, brouillon: &str, name: &str, nom: &str, data: &[u8]) -> (u16, serde_json::Value) {
        let page = self.get(brouillon).await.1;
        let url = televersement(&page, name);
        fichiers::televerser(&self.http, &self.url(&url), nom, data).await
    }

    /// The form without JavaScript: multipart to its own action.
    async fn poster_formulaire(&self, brouillon: &str, form: Form) -> (u16, String) {
        let page = self.get(brouillon).await.1;
        let marker = format!("action=\"{brouillon}?");
        let start = page.find(&marker).expect("multipart form action") + "action=\"".len();
        let action = page[start..].split('"').next().expect("action").to_owned();
        let response = self.http.post(self.url(&action)).multipart(form).send().await.expect("POST");
        let status = response.status().as_u16();
        (status, decode(&response.text().await.unwrap_or_default()))
    }
}

/// The entities handlebars writes, back to text.
fn decode(html: &str) -> String {
    html.replace("&#x27;", "'").replace("&#x3D;", "=").replace("&quot;", "\"").replace("&amp;", "&")
}

fn jeton(page: &str) -> String {
    let marker = "name=\"authenticity_token\" value=\"";
    let start = page.find(marker).expect("CSRF token") + marker.len();
    page[start..].split('"').next().expect("token").to_owned()
}

/// The upload URL (`data-televersement`) of a champ on the form page.
fn televersement(page: &str, name: &str) -> String {
    let url = fichiers::adresse_televersement(page, name);
    assert!(url.starts_with("/dossiers/"), "an upload URL of the dossier: {url}");
    url
}

/// A published démarche with a pièce justificative (several files) and a
/// titre d'identité, instructed by `instructeur`; its path.
async fn demarche(app: &TestApp, admin: &Client, path: &str, instructeur: &str) {
    let page = admin
        .post(
            "/admin/demarches",
            &[
                ("libelle", "Aide au logement"),
                ("description", "Une aide pour les étudiants."),
                ("service_nom", "Service logement"),
                ("service_organisme", "Mairie de Nantes"),
                ("cadre_juridique", "Délibération n° 2026-12 du conseil"),
                ("service_email", "logement@nantes.example"),
            ],
        )
        .await;
    page.assert_status(200);
    let id = page.id_after("/admin/demarches/");
    let champs = format!("/admin/demarches/{id}/champs");
    for (type_champ, libelle) in
        [("piece_justificative", "Justificatif de domicile"), ("titre_identite", "Pièce d'identité")]
    {
        admin
            .post(&champs, &[("type_champ", type_champ), ("libelle", libelle), ("description", ""), ("options", "")])
            .await
            .assert_status(200)
            .assert_contains("Le champ a été ajouté");
    }
    // Several files in the pièce justificative and a model to download:
    // the champ's file page (multipart, its token in the action).
    admin.get(&format!("{champs}/{PIECE}")).await.assert_contains(&format!("{champs}/{PIECE}/fichier"));
    let page = admin.get(&format!("{champs}/{PIECE}/fichier")).await;
    page.assert_status(200).assert_contains("Images et scans");
    let marker = format!("action=\"{champs}/{PIECE}/fichier?");
    let start = page.body.find(&marker).expect("file page action") + "action=\"".len();
    let action = page.body[start..].split('"').next().expect("action").to_owned();
    // A web page is no model.
    let refuse = Form::new()
        .percent_encode_noop()
        .text("plusieurs", "on")
        .part("modele", Part::bytes(HTML.to_vec()).file_name("modele.pdf"));
    admin.post_multipart(&action, refuse).await.assert_status(422).assert_contains("pas dans un format accepté");
    let form = Form::new()
        .percent_encode_noop()
        .text("plusieurs", "on")
        .text("familles", "document_texte")
        .text("familles", "image_scan")
        .part("modele", Part::bytes(PDF.to_vec()).file_name("Attestation à remplir.pdf"));
    admin
        .post_multipart(&action, form)
        .await
        .assert_status(200)
        .assert_contains("Modèle actuel : Attestation à remplir.pdf")
        .assert_contains(r#"value="image_scan" checked"#)
        .assert_lacks(r#"value="audio" checked"#);
    app.compte(instructeur, Roles { instructeur: true, ..Roles::default() }).await;
    admin.post(&format!("/admin/demarches/{id}/instructeurs"), &[("email", instructeur)]).await.assert_status(200);
    admin.post(&format!("/admin/demarches/{id}/publier"), &[("path", path)]).await.assert_status(200);
}

async fn pieces(app: &TestApp, dossier: i64) -> Vec<PieceRow> {
    let mut tx = app.server.state.store.read().await.expect("read");
    let rows = pieces_jointes::of_dossier(tx.conn(), DossierId(dossier), guichet::store::dossiers::Stream::Main)
        .await
        .expect("pieces");
    tx.commit().await.expect("commit");
    rows
}

async fn stocke(app: &TestApp, key: &str) -> bool {
    let key = guichet::storage::Key::parse(key).expect("key");
    app.server.state.storage.get_stream(&key).await.is_ok()
}

/// Waits until `check` holds (a job ran), at most 20 s.
async fn attendre<F: AsyncFnMut() -> bool>(what: &str, mut check: F) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !check().await {
        assert!(Instant::now() < deadline, "still waiting for: {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

struct Monde {
    app: TestApp,
    usager: Navigateur,
    brouillon: String,
    numero: i64,
}

async fn monde(app: TestApp) -> Monde {
    let admin = app.signed_in("admin@logement.example", Roles { administrateur: true, ..Roles::default() }).await;
    demarche(&app, &admin, "aide-logement", "agent@logement.example").await;
    let usager = Navigateur::connecte(&app, "lea@exemple.fr").await;
    let response = usager
        .http
        .post(usager.url("/commencer/aide-logement"))
        .form(&[("authenticity_token", jeton(&usager.get("/commencer/aide-logement").await.1).as_str())]);
    let response = response.send().await.expect("commencer");
    let brouillon = response.url().path().to_owned();
    let numero = brouillon.trim_start_matches("/dossiers/").trim_end_matches("/brouillon").parse().expect("numéro");
    Monde { app, usager, brouillon, numero }
}

fn script(dir: &std::path::Path, name: &str, body: &str) -> String {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join(name);
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).expect("script");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    path.display().to_string()
}

/// Both paths in, downloads by scope, the wrong content refused, the
/// editor's options shown, the titre d'identité purged at the decision.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_go_in_with_and_without_javascript_and_out_only_through_scopes() {
    let _seul = UN_A_LA_FOIS.lock().await;
    parcours(TestApp::sqlite().await).await;
}

/// The same on PostgreSQL, when the suite has one (CI does).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_go_in_and_out_on_postgres() {
    let _seul = UN_A_LA_FOIS.lock().await;
    let Some(app) = TestApp::postgres().await else { return };
    parcours(app).await;
}

async fn parcours(app: TestApp) {
    let Monde { app, usager, brouillon, numero } = monde(app).await;

    // The form offers the files' formats and limits, and is multipart.
    let (_, page) = usager.get(&brouillon).await;
    assert!(page.contains("enctype=\"multipart/form-data\""), "{page}");
    assert!(page.contains("Taille maximale : 200 Mo par fichier"), "{page}");
    assert!(page.contains("Taille maximale : 20 Mo."), "{page}");
    assert!(page.contains(" multiple"), "several files allowed: {page}");
    assert!(page.contains("Télécharger le modèle"), "{page}");
    let (status, headers, modele) = usager.bytes(&format!("/dossiers/{numero}/champs/{PIECE}/modele")).await;
    assert_eq!((status, modele.as_slice()), (200, PDF));
    assert!(headers["content-disposition"].to_str().unwrap_or_default().starts_with("attachment"));
    // Audio is not among the chosen families: refused on its content.
    let (status, _) = usager.televerser(&brouillon, "champ_1", "son.mp3", b"ID3\x03\0\0\0\0\0\x0fTIT2").await;
    assert_eq!(status, 422);

    // With JavaScript: a PDF, then a web page named .pdf (refused, with why).
    let (status, answer) = usager.televerser(&brouillon, "champ_1", "Avis d'impôt 2026.pdf", PDF).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["fichier"]["nom"], "Avis d'impôt 2026.pdf");
    let (status, answer) = usager.televerser(&brouillon, "champ_1", "facture.pdf", HTML).await;
    assert_eq!(status, 422, "{answer}");
    assert!(answer["erreur"].as_str().unwrap_or_default().contains("pas dans un format accepté"), "{answer}");
    // A titre d'identité takes no text file.
    let (status, _) = usager.televerser(&brouillon, "champ_2", "cni.txt", b"bonjour").await;
    assert_eq!(status, 422);

    // Without JavaScript: the file goes with the form, texts as usual.
    let form = Form::new()
        .percent_encode_noop()
        .text("intention", "enregistrer")
        .part("champ_2", Part::bytes(PNG.to_vec()).file_name("cni recto.png"));
    let (status, body) = usager.poster_formulaire(&brouillon, form).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("cni recto.png"), "{body}");
    // A refused file in the same post: its error next to its field.
    let form = Form::new()
        .percent_encode_noop()
        .text("intention", "deposer")
        .part("champ_1", Part::bytes(HTML.to_vec()).file_name("page.pdf"));
    let (status, body) = usager.poster_formulaire(&brouillon, form).await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("id=\"champ_1-erreur\""), "{body}");
    assert!(body.contains("brouillon"), "still a brouillon: {body}");

    let rows = pieces(&app, numero).await;
    assert_eq!(rows.len(), 2, "{rows:?}");
    let pdf = rows.iter().find(|r| r.stable_id == PIECE).expect("pdf row");
    let png = rows.iter().find(|r| r.stable_id == TITRE).expect("png row");
    assert_eq!((pdf.mime.as_str(), pdf.taille as usize), ("application/pdf", PDF.len()));
    assert_eq!(png.nom, "cni recto.png");
    assert_eq!(pdf.etat, "non_analyse", "no scanner configured");
    assert_eq!(pdf.sha256.len(), 64);

    // The owner downloads, as an attachment, never rendered.
    let lien = format!("/dossiers/{numero}/pieces/{}", pdf.id);
    let (status, headers, data) = usager.bytes(&lien).await;
    assert_eq!(status, 200);
    assert_eq!(data, PDF);
    let disposition = headers["content-disposition"].to_str().unwrap_or_default();
    assert!(disposition.starts_with("attachment; "), "{disposition}");
    assert!(disposition.contains("filename*=UTF-8''Avis%20d%27imp%C3%B4t%202026.pdf"), "{disposition}");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["content-type"], "application/pdf");
    // Another usager: exactly like a missing file.
    let autre = Navigateur::connecte(&app, "intrus@exemple.fr").await;
    let (absent, ..) = autre.bytes(&format!("/dossiers/{numero}/pieces/999999")).await;
    assert_eq!(absent, 404);
    assert_eq!(autre.bytes(&lien).await.0, 404);

    // Removing a file (its own small form): the object goes after commit.
    let (_, page) = usager.get(&brouillon).await;
    assert!(page.contains(&format!("form=\"supprimer-piece-{}\"", png.id)), "{page}");
    let token = jeton(&page);
    let response = usager
        .http
        .post(usager.url(&format!("/dossiers/{numero}/pieces/{}/supprimer", png.id)))
        .form(&[("authenticity_token", token.as_str())])
        .send()
        .await
        .expect("remove");
    assert_eq!(response.status().as_u16(), 200);
    let key = png.storage_key.clone().expect("key");
    assert!(!stocke(&app, &key).await, "the removed file's object is gone");
    assert_eq!(pieces(&app, numero).await.len(), 1);
    let form = Form::new()
        .percent_encode_noop()
        .text("intention", "enregistrer")
        .part("champ_2", Part::bytes(PNG.to_vec()).file_name("cni.png"));
    assert_eq!(usager.poster_formulaire(&brouillon, form).await.0, 200);

    // Déposé; the instructeur of the dossier's groupe downloads, one of
    // another démarche gets a 404.
    let form = Form::new().percent_encode_noop().text("intention", "deposer");
    let (status, body) = usager.poster_formulaire(&brouillon, form).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("Votre dossier a bien été déposé"), "{body}");
    assert!(body.contains(&format!("href=\"{lien}\"")), "the usager's page links the file: {body}");
    let instructeur = app.client();
    instructeur.login("agent@logement.example", PASSWORD).await;
    let fiche = format!("/instructeur/dossiers/{numero}");
    let lien_instructeur = format!("{fiche}/pieces/{}", pdf.id);
    instructeur.get(&fiche).await.assert_status(200).assert_contains(&format!("href=\"{lien_instructeur}\""));
    let (status, _, data) = instructeur.bytes(&lien_instructeur).await;
    assert_eq!((status, data.as_slice()), (200, PDF));
    let admin2 = app.signed_in("admin2@ailleurs.example", Roles { administrateur: true, ..Roles::default() }).await;
    demarche(&app, &admin2, "autre-aide", "agent@ailleurs.example").await;
    let etranger = app.client();
    etranger.login("agent@ailleurs.example", PASSWORD).await;
    assert_eq!(etranger.bytes(&lien_instructeur).await.0, 404);
    // The instructeur cannot use the usager's route, nor the reverse.
    assert_eq!(instructeur.bytes(&lien).await.0, 404);
    assert_eq!(usager.bytes(&lien_instructeur).await.0, 404);

    // The decision purges the titre d'identité, not the other files.
    instructeur.post(&format!("{fiche}/instruire"), &[("action", "passer_en_instruction")]).await.assert_status(200);
    instructeur.post(&format!("{fiche}/instruire"), &[("action", "accepter")]).await.assert_status(200);
    let rows = pieces(&app, numero).await;
    let titre = rows.iter().find(|r| r.stable_id == TITRE).expect("titre row");
    assert_eq!((titre.etat.as_str(), titre.storage_key.as_deref()), ("purge", None));
    let pdf_key = rows.iter().find(|r| r.stable_id == PIECE).and_then(|r| r.storage_key.clone()).expect("pdf key");
    assert!(stocke(&app, &pdf_key).await);
    let dir = match &app.server.state.config.storage {
        StorageConfig::Local(dir) => dir.join(format!("dossiers/{numero}")),
        other => panic!("local storage expected, got {other:?}"),
    };
    assert_eq!(std::fs::read_dir(&dir).expect("dossier folder").count(), 1, "only the pièce justificative is left");
    instructeur.get(&fiche).await.assert_contains("Supprimé après la décision");
    app.stop().await;
}

/// The scanner holds files back until it answers; infected ones are
/// refused and deleted; a scanner that fails refuses them too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_virus_scanner_decides_and_fails_closed() {
    let _seul = UN_A_LA_FOIS.lock().await;
    let scripts = tempfile::tempdir().expect("dir");
    // Clean after a while, infected when the file says so (EICAR-like),
    // down (clamdscan's exit 2) when it says that.
    let scanner = script(
        scripts.path(),
        "scanner",
        "contenu=$(cat)\ncase \"$contenu\" in *VIRUS-TEST*) exit 1;; *PANNE*) exit 2;; esac\nsleep 2\nexit 0",
    );
    let app = TestApp::start_with(Backend::Sqlite, |c| c.scanner_command = Some(vec![scanner])).await.expect("app");
    let Monde { app, usager, brouillon, numero } = monde(app).await;

    let (status, answer) = usager.televerser(&brouillon, "champ_1", "sain.pdf", PDF).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["fichier"]["etat"], "En attente d'analyse");
    let sain = pieces(&app, numero).await.into_iter().next().expect("row");
    let lien = format!("/dossiers/{numero}/pieces/{}", sain.id);
    assert_eq!(usager.bytes(&lien).await.0, 404, "not downloadable before the scan");
    attendre("the clean verdict", async || usager.get(&brouillon).await.1.contains("Analysé, sans virus")).await;
    assert_eq!(usager.bytes(&lien).await.0, 200);

    let mut infecte = PDF.to_vec();
    infecte.extend_from_slice(b"%VIRUS-TEST\n");
    let (status, _) = usager.televerser(&brouillon, "champ_1", "infecte.pdf", &infecte).await;
    assert_eq!(status, 200);
    let mut panne = PDF.to_vec();
    panne.extend_from_slice(b"%PANNE\n");
    let (status, _) = usager.televerser(&brouillon, "champ_1", "panne.pdf", &panne).await;
    assert_eq!(status, 200);
    attendre("both verdicts", async || {
        let rows = pieces(&app, numero).await;
        rows.iter().filter(|r| r.etat == "infecte" || r.etat == "echec_analyse").count() == 2
    })
    .await;
    let (_, page) = usager.get(&brouillon).await;
    assert!(page.contains("un virus a été détecté dans ce fichier, il a été supprimé"), "{page}");
    assert!(page.contains("l'analyse antivirus n'a pas pu être faite, le fichier n'a pas été accepté"), "{page}");
    for row in pieces(&app, numero).await.iter().filter(|r| r.etat != "sain") {
        assert_eq!(row.storage_key, None, "refused files lose their object: {row:?}");
        assert_eq!(usager.bytes(&format!("/dossiers/{numero}/pieces/{}", row.id)).await.0, 404);
    }
    // The champ's value names only the accepted file.
    let mut tx = app.server.state.store.read().await.expect("read");
    let champs = guichet::store::dossiers::champs(tx.conn(), DossierId(numero), guichet::store::dossiers::Stream::Main)
        .await
        .expect("champs");
    tx.commit().await.expect("commit");
    assert_eq!(champs.get(&guichet::domain::StableId(PIECE)).map(String::as_str), Some("sain.pdf"));
    app.stop().await;
}

/// Sends a multipart upload of `size` bytes by hand: `head` first, then
/// filler generated as it goes (never held whole). With `coupe`, the
/// connection is dropped after that many file bytes. The status, if any.
async fn envoyer_flux(
    app: &TestApp,
    usager: &Navigateur,
    url: &str,
    head: &[u8],
    size: u64,
    coupe: Option<u64>,
) -> Option<u16> {
    let boundary = "guichet-test-frontiere-7d1f";
    let debut = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"fichier\"; filename=\"gros.pdf\"\r\nContent-Type: application/pdf\r\n\r\n"
    );
    let fin = format!("\r\n--{boundary}--\r\n");
    let length = debut.len() as u64 + size + fin.len() as u64;
    let addr = app.server.addr;
    let mut socket = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let request = format!(
        "POST {url} HTTP/1.1\r\nHost: {addr}\r\nOrigin: http://{addr}\r\nCookie: {}\r\nAccept: application/json\r\nContent-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {length}\r\nConnection: close\r\n\r\n",
        usager.cookies()
    );
    socket.write_all(request.as_bytes()).await.expect("headers");
    socket.write_all(debut.as_bytes()).await.expect("part header");
    socket.write_all(head).await.expect("head");
    let chunk = vec![b'x'; 256 * 1024];
    let mut sent = head.len() as u64;
    while sent < size {
        if coupe.is_some_and(|c| sent >= c) {
            drop(socket);
            return None;
        }
        let n = chunk.len().min((size - sent) as usize);
        if socket.write_all(&chunk[..n]).await.is_err() {
            return None;
        }
        sent += n as u64;
    }
    socket.write_all(fin.as_bytes()).await.expect("end");
    let mut answer = Vec::new();
    let _ = socket.read_to_end(&mut answer).await;
    let text = String::from_utf8_lossy(&answer);
    text.split(' ').nth(1).and_then(|s| s.parse().ok())
}

fn vm(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

/// A 200 MB file through the server (in this process) on `app`'s storage:
/// accepted, stored whole, and the process's peak memory grows < 50 MB.
async fn gros_fichier(app: TestApp) {
    let Monde { app, usager, brouillon, numero } = monde(app).await;
    let url = televersement(&usager.get(&brouillon).await.1, "champ_1");
    let size = guichet::domain::champ::fichier::PIECE_MAX_BYTES;
    // Settle, then reset the peak (VmHWM) to the current resident size.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let avant = vm("VmRSS:");
    let started = Instant::now();
    let status = envoyer_flux(&app, &usager, &url, PDF, size, None).await;
    let elapsed = started.elapsed();
    let pic = vm("VmHWM:");
    assert_eq!(status, Some(200), "the 200 MB upload is accepted");
    let croissance = pic.saturating_sub(avant);
    eprintln!(
        "200 MB upload on {}: {:.1} s, peak RSS growth {:.1} MB",
        app.server.state.storage.backend(),
        elapsed.as_secs_f64(),
        croissance as f64 / 1e6
    );
    assert!(croissance < 50_000_000, "RSS grew by {croissance} bytes while streaming 200 MB");
    let rows = pieces(&app, numero).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].taille as u64, size);
    let key = guichet::storage::Key::parse(rows[0].storage_key.as_deref().expect("key")).expect("key");
    let (stored, _) = app.server.state.storage.get_stream(&key).await.expect("stored");
    assert_eq!(stored, size);
    app.stop().await;
}

/// The peak memory is the whole process's: each measurement runs in a test
/// process of its own, or the tests running alongside would count in it.
#[test]
fn a_200_mb_file_streams_with_bounded_memory_on_local_storage() {
    let _seul = UN_A_LA_FOIS.blocking_lock();
    guichet_tests::processus::dans_un_processus_seul("pieces_jointes::gros_fichier_en_local");
}

#[test]
fn a_200_mb_file_streams_with_bounded_memory_on_s3() {
    let _seul = UN_A_LA_FOIS.blocking_lock();
    guichet_tests::processus::dans_un_processus_seul("pieces_jointes::gros_fichier_sur_s3");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "run in a process of its own by a_200_mb_file_streams_with_bounded_memory_on_local_storage"]
async fn gros_fichier_en_local() {
    gros_fichier(TestApp::sqlite().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "run in a process of its own by a_200_mb_file_streams_with_bounded_memory_on_s3"]
async fn gros_fichier_sur_s3() {
    let Some(s3) = S3Server::start().await else { return };
    let storage = s3.storage_config("pieces");
    let app = TestApp::start_with(Backend::Sqlite, |c| c.storage = storage).await.expect("app");
    assert_eq!(app.server.state.storage.backend(), "s3");
    gros_fichier(app).await;
}

/// The client leaves mid-body: no row, no object, no staged part left.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_cut_half_way_leaves_nothing_behind() {
    let _seul = UN_A_LA_FOIS.lock().await;
    let Monde { app, usager, brouillon, numero } = monde(TestApp::sqlite().await).await;
    let url = televersement(&usager.get(&brouillon).await.1, "champ_1");
    let status = envoyer_flux(&app, &usager, &url, PDF, 20 * 1024 * 1024, Some(8 * 1024 * 1024)).await;
    assert_eq!(status, None);
    let dir = match &app.server.state.config.storage {
        StorageConfig::Local(dir) => dir.join(format!("dossiers/{numero}")),
        other => panic!("local storage expected, got {other:?}"),
    };
    attendre("the aborted upload's staged file to go", async || {
        std::fs::read_dir(&dir).map(|d| d.count() == 0).unwrap_or(true)
    })
    .await;
    assert!(pieces(&app, numero).await.is_empty());
    // One byte over a titre d'identité's 20 MB: refused while streaming.
    let titre = televersement(&usager.get(&brouillon).await.1, "champ_2");
    let max = guichet::domain::champ::fichier::TITRE_IDENTITE_MAX_BYTES;
    assert_eq!(envoyer_flux(&app, &usager, &titre, PDF, max + 1, None).await, Some(422));
    assert!(pieces(&app, numero).await.is_empty());
    // The server is fine: the next upload goes through.
    let (status, _) = usager.televerser(&brouillon, "champ_1", "apres.pdf", PDF).await;
    assert_eq!(status, 200);
    app.stop().await;
}

/// An explication may carry a notice the usager downloads under its text:
/// set on the champ's « Fichiers » page (content-checked like a model),
/// kept when the explication is edited, served only within the dossier's
/// scope, as an attachment.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_explication_offers_its_notice_for_download() {
    let app = TestApp::sqlite().await;
    let admin = app.signed_in("admin@notice.example", Roles { administrateur: true, ..Roles::default() }).await;
    let page = admin
        .post(
            "/admin/demarches",
            &[
                ("libelle", "Aide aux clubs"),
                ("description", "Une aide pour les clubs."),
                ("service_nom", "Service des sports"),
                ("service_organisme", "Mairie"),
                ("cadre_juridique", "Délibération n° 2026-12 du conseil"),
                ("service_email", "sports@notice.example"),
            ],
        )
        .await;
    let id = page.id_after("/admin/demarches/");
    let champs = format!("/admin/demarches/{id}/champs");
    for (type_champ, libelle) in [("explication", "Avant de commencer"), ("text", "Nom du club")] {
        admin
            .post(&champs, &[("type_champ", type_champ), ("libelle", libelle), ("description", "Lisez le règlement.")])
            .await
            .assert_status(200);
    }
    admin.get(&format!("{champs}/1")).await.assert_contains("Notice à télécharger");
    let page = admin.get(&format!("{champs}/1/fichier")).await;
    page.assert_status(200).assert_contains("Notice — Avant de commencer").assert_lacks("Formats acceptés");
    let marker = format!("action=\"{champs}/1/fichier?");
    let start = page.body.find(&marker).expect("file page action") + "action=\"".len();
    let action = page.body[start..].split('"').next().expect("action").to_owned();
    let refuse =
        Form::new().percent_encode_noop().part("modele", Part::bytes(HTML.to_vec()).file_name("reglement.pdf"));
    admin.post_multipart(&action, refuse).await.assert_status(422).assert_contains("pas dans un format accepté");
    let form = Form::new().percent_encode_noop().part("modele", Part::bytes(PDF.to_vec()).file_name("Règlement.pdf"));
    admin.post_multipart(&action, form).await.assert_status(200).assert_contains("Notice actuelle : Règlement.pdf");
    // Editing the explication's text keeps its notice.
    admin
        .post(
            &format!("{champs}/1"),
            &[("type_champ", "explication"), ("libelle", "Avant de commencer"), ("description", "Lisez-le.")],
        )
        .await
        .assert_status(200);
    admin.get(&format!("{champs}/1/fichier")).await.assert_contains("Notice actuelle : Règlement.pdf");
    // A champ that is no explication nor file has no such page.
    admin.get(&format!("{champs}/2/fichier")).await.assert_status(404);
    admin.post(&format!("/admin/demarches/{id}/instructeurs"), &[("email", "instructeur@notice.example")]).await;
    admin.post(&format!("/admin/demarches/{id}/publier"), &[("path", "aide-clubs")]).await.assert_status(200);

    let usager = app.signed_in("usager@notice.example", Roles::default()).await;
    let page = usager.post("/commencer/aide-clubs", &[]).await;
    let dossier = page.id_after("/dossiers/");
    let lien = format!("/dossiers/{dossier}/champs/1/modele");
    page.assert_contains("Télécharger la notice").assert_contains(&lien);
    let (status, headers, body) = usager.bytes(&lien).await;
    assert_eq!(status, 200);
    assert_eq!(body, PDF);
    let disposition = headers.get("content-disposition").and_then(|v| v.to_str().ok()).unwrap_or_default();
    assert!(disposition.starts_with("attachment"), "{disposition}");
    // Through someone else's dossier: like a missing one.
    let autre = app.signed_in("autre@notice.example", Roles::default()).await;
    assert_eq!(autre.bytes(&lien).await.0, 404);
    app.stop().await;
}

/// The row ids on a form page, in order.
fn lignes_de(page: &str) -> Vec<String> {
    page.split("data-ligne=\"").skip(1).map(|rest| rest.chars().take_while(|c| *c != '"').collect()).collect()
}

/// A file champ in a bloc répétable: each row has its own files (with and
/// without JavaScript), a mandatory one is asked in each row, a removed row
/// takes its files with it (row and object), and the instructeur downloads
/// them from their row.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_row_of_a_block_has_its_own_files() {
    let _seul = UN_A_LA_FOIS.lock().await;
    let app = TestApp::sqlite().await;
    let admin = app.signed_in("admin@lignes.example", Roles { administrateur: true, ..Roles::default() }).await;
    let page = admin
        .post(
            "/admin/demarches",
            &[
                ("libelle", "Subvention d'équipement"),
                ("description", "Du matériel pour les clubs."),
                ("service_nom", "Service des sports"),
                ("service_organisme", "Mairie"),
                ("cadre_juridique", "Délibération n° 2026-12 du conseil"),
                ("service_email", "sports@lignes.example"),
            ],
        )
        .await;
    page.assert_status(200);
    let demarche = page.id_after("/admin/demarches/");
    let champs = format!("/admin/demarches/{demarche}/champs");
    // 1 is the block; 2 and 3 are in it.
    for fields in [
        vec![("type_champ", "repetition"), ("libelle", "Achats"), ("obligatoire", "on")],
        vec![("type_champ", "text"), ("libelle", "Article"), ("obligatoire", "on"), ("parent", "1")],
        vec![("type_champ", "piece_justificative"), ("libelle", "Devis"), ("obligatoire", "on"), ("parent", "1")],
    ] {
        admin.post(&champs, &fields).await.assert_status(200).assert_contains("Le champ a été ajouté");
    }
    app.compte("agent@lignes.example", Roles { instructeur: true, ..Roles::default() }).await;
    admin
        .post(&format!("/admin/demarches/{demarche}/instructeurs"), &[("email", "agent@lignes.example")])
        .await
        .assert_status(200);
    admin.post(&format!("/admin/demarches/{demarche}/publier"), &[("path", "equipement")]).await.assert_status(200);

    let usager = Navigateur::connecte(&app, "club@exemple.fr").await;
    let token = jeton(&usager.get("/commencer/equipement").await.1);
    let response = usager
        .http
        .post(usager.url("/commencer/equipement"))
        .form(&[("authenticity_token", token.as_str())])
        .send()
        .await
        .expect("commencer");
    let brouillon = response.url().path().to_owned();
    let numero: i64 =
        brouillon.trim_start_matches("/dossiers/").trim_end_matches("/brouillon").parse().expect("numéro");

    // Three rows, without JavaScript: each « Ajouter un élément » saves.
    let mut rows: Vec<String> = Vec::new();
    for _ in 0..3 {
        let mut form = Form::new().percent_encode_noop().text("ligne", "ajouter:1");
        for r in &rows {
            form = form.text("champ_1[]", r.clone());
        }
        let (status, body) = usager.poster_formulaire(&brouillon, form).await;
        assert_eq!(status, 200, "{body}");
        rows = lignes_de(&body);
    }
    assert_eq!(rows.len(), 3, "{rows:?}");
    let nom = |row: &str, champ: i64| format!("l{row}-champ_{champ}");

    // Row 1's quote with JavaScript: to the row's own upload URL.
    let (status, answer) = usager.televerser(&brouillon, &nom(&rows[0], 3), "devis vélos.pdf", PDF).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["fichier"]["nom"], "devis vélos.pdf");
    // The same URL with a forged row, or without its row, is no page.
    let url = televersement(&usager.get(&brouillon).await.1, &nom(&rows[0], 3));
    for forged in [
        url.replace(&format!("/lignes/{}/", rows[0]), "/lignes/..%2F..%2Fetc/"),
        url.replace(&format!("/lignes/{}/", rows[0]), "/lignes/zzzzzzzzzzzzzzzz/"),
        url.replace(&format!("/lignes/{}/", rows[0]), "/"),
    ] {
        let form = Form::new().part("fichier", Part::bytes(PDF.to_vec()).file_name("x.pdf"));
        let response = usager.http.post(usager.url(&forged)).multipart(form).send().await.expect("upload");
        assert_eq!(response.status().as_u16(), 404, "{forged}");
    }
    // Row 2's quote without JavaScript, with the form; row 3 has none.
    let form = Form::new()
        .percent_encode_noop()
        .text("intention", "deposer")
        .text("champ_1[]", rows[0].clone())
        .text("champ_1[]", rows[1].clone())
        .text("champ_1[]", rows[2].clone())
        .text(nom(&rows[0], 2), "Vélos")
        .text(nom(&rows[1], 2), "Casques")
        .text(nom(&rows[2], 2), "Gourdes")
        .part(nom(&rows[1], 3), Part::bytes(PNG.to_vec()).file_name("devis casques.png"));
    let (status, body) = usager.poster_formulaire(&brouillon, form).await;
    assert_eq!(status, 422, "row 3 lacks its quote: {body}");
    assert!(body.contains(&format!("id=\"{}-erreur\"", nom(&rows[2], 3))), "{body}");
    assert!(body.contains("Élément 3 — Le champ « Devis » doit être rempli."), "{body}");
    assert!(body.contains("devis vélos.pdf") && body.contains("devis casques.png"), "{body}");
    let stockees = pieces(&app, numero).await;
    let ligne_de = |p: &PieceRow| p.row_id.clone();
    assert_eq!(stockees.iter().map(ligne_de).collect::<Vec<_>>(), [rows[0].clone(), rows[1].clone()]);

    // Rows 2 and 3 removed: row 2's file goes, its object too.
    let casques = stockees[1].storage_key.clone().expect("key");
    assert!(stocke(&app, &casques).await);
    let form = Form::new()
        .percent_encode_noop()
        .text("ligne", format!("supprimer:1:{}", rows[2]))
        .text("champ_1[]", rows[0].clone())
        .text(nom(&rows[0], 2), "Vélos");
    let (status, body) = usager.poster_formulaire(&brouillon, form).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(lignes_de(&body), [rows[0].clone()]);
    assert!(!body.contains("devis casques.png"), "{body}");
    let restantes = pieces(&app, numero).await;
    assert_eq!(restantes.len(), 1, "{restantes:?}");
    assert!(!stocke(&app, &casques).await, "the removed row's object is deleted");

    let form = Form::new()
        .percent_encode_noop()
        .text("intention", "deposer")
        .text("champ_1[]", rows[0].clone())
        .text(nom(&rows[0], 2), "Vélos");
    let (status, body) = usager.poster_formulaire(&brouillon, form).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("Votre dossier a bien été déposé") && body.contains("devis vélos.pdf"), "{body}");

    // The instructeur reads the row with its file and downloads it.
    let instructeur = app.signed_in("agent@lignes.example", Roles { instructeur: true, ..Roles::default() }).await;
    let page = instructeur.get(&format!("/instructeur/dossiers/{numero}")).await;
    let lien = format!("/instructeur/dossiers/{numero}/pieces/{}", restantes[0].id);
    page.assert_status(200).assert_contains("Élément 1").assert_contains("<dd>Vélos</dd>").assert_contains(&lien);
    let fichier = instructeur.get(&lien).await;
    fichier.assert_status(200);
    assert!(fichier.raw.starts_with("%PDF"), "{}", fichier.raw);
    app.stop().await;
}
