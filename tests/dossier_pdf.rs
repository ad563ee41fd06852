//! The dossier as a PDF: the usager's copy of a filed dossier is the
//! récépissé de dépôt (answers, date of the dépôt, fingerprint), linked
//! from the dossier page and the accusé de réception e-mail; the
//! instructeur of its groupe gets a copy too; anyone else finds nothing.
//! Both are downloads (`attachment`), never shown inline.

use guichet_tests::app::TestApp;
use guichet_tests::demo::{self, INSTRUCTEUR, USAGER};
use guichet_tests::pdf;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_filed_dossier_gives_its_recepisse_as_a_pdf() {
    let app = TestApp::sqlite().await;
    demo::demarche(&app).await;
    let usager = demo::client(&app, USAGER).await;
    let numero = demo::deposer(&usager, "732 829 320 00074", "1 place de la Mairie 69002 Lyon").await;
    let chemin = format!("/dossiers/{numero}/pdf");
    usager.get(&format!("/dossiers/{numero}")).await.assert_contains(&format!(r#"href="{chemin}""#));
    let mail = app.mail(USAGER, &format!("Votre dossier n° {numero} a bien été déposé")).await;
    assert!(mail.text_body.contains(&app.url(&chemin)), "{}", mail.text_body);

    let (status, headers, bytes) = usager.bytes(&chemin).await;
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "application/pdf");
    assert!(headers["content-disposition"].to_str().unwrap_or_default().starts_with("attachment"));
    let texte = pdf::text(&bytes);
    for attendu in ["Union sportive de Démoville", "Rugby", "Récépissé de dépôt", "Empreinte SHA-256", "Déposé le"]
    {
        assert!(texte.contains(attendu), "{attendu:?} missing from:\n{texte}");
    }
    assert!(!texte.contains("Annotations privées"));

    let instructeur = demo::client(&app, INSTRUCTEUR).await;
    let (status, _, bytes) = instructeur.bytes(&format!("/instructeur/dossiers/{numero}/pdf")).await;
    assert_eq!(status, 200);
    assert!(pdf::text(&bytes).contains("Union sportive de Démoville"));

    let intrus = app.signed_in("intrus@pdf.example", guichet::workflow::comptes::Roles::default()).await;
    assert_eq!(intrus.bytes(&chemin).await.0, 404);
    app.stop().await;
}
