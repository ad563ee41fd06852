//! An administrateur enables a plugin written in Python (the IBAN example) on
//! a démarche, fills its settings in a form generated from its manifest
//! (checked, with French errors), and the usager's answers are then checked
//! with those settings.

use guichet::workflow::comptes::Roles;
use guichet_tests::app::TestApp;
use std::path::PathBuf;

fn iban_plugin() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("plugins/dist-examples/iban")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plugin_settings_are_filled_checked_and_applied() {
    let app = TestApp::sqlite().await;
    app.server
        .state
        .plugins
        .load_plugin(&iban_plugin())
        .await
        .unwrap_or_else(|e| panic!("build it with scripts/build-plugins.sh: {e}"));
    let admin = app.signed_in("admin@reglages.example", Roles { administrateur: true, ..Roles::default() }).await;
    let page = admin
        .post(
            "/admin/demarches",
            &[
                ("libelle", "Remboursement de frais"),
                ("description", "Versement sur un compte bancaire."),
                ("service_nom", "Service comptable"),
                ("service_organisme", "Mairie"),
                ("cadre_juridique", "Délibération n° 2026-12 du conseil"),
                ("service_email", "compta@mairie.example"),
            ],
        )
        .await;
    let demarche = page.id_after("/admin/demarches/");
    let plugins = format!("/admin/demarches/{demarche}/plugins");
    let reglages = format!("{plugins}/iban/reglages");

    // Settings exist only for an enabled plugin.
    admin.get(&reglages).await.assert_status(404);
    admin.post(&format!("{plugins}/iban/activer"), &[]).await.assert_status(200);
    admin.get(&plugins).await.assert_contains(&format!("href=\"{reglages}\""));
    admin
        .get(&reglages)
        .await
        .assert_status(200)
        .assert_contains("Réglages du plugin « IBAN »")
        .assert_contains("<label class=\"fr-label\" for=\"pays-acceptes\">Pays acceptés");

    // Checked against the manifest's declaration, errors in French, input kept.
    let trop_long = "FR, ".repeat(60);
    admin
        .post(&reglages, &[("pays-acceptes", &trop_long)])
        .await
        .assert_status(422)
        .assert_contains("« Pays acceptés » ne peut pas dépasser 200 caractères.")
        .assert_contains("href=\"#pays-acceptes\"");
    admin
        .post(&reglages, &[("pays-acceptes", "BE")])
        .await
        .assert_status(200)
        .assert_contains("Les réglages du plugin ont été enregistrés");
    admin.get(&reglages).await.assert_contains("value=\"BE\"");

    // The form uses the plugin; the démarche is tried through its test link.
    admin
        .post(&format!("/admin/demarches/{demarche}/champs"), &[("type_champ", "plugin:iban"), ("libelle", "IBAN")])
        .await
        .assert_status(200);
    let page = admin.get(&format!("/admin/demarches/{demarche}")).await;
    let test_path =
        page.body.split("/commencer/test/").nth(1).and_then(|s| s.split('"').next()).expect("test link").to_string();
    let dossier = admin.post(&format!("/commencer/test/{test_path}"), &[]).await.id_after("/dossiers/");
    let brouillon = format!("/dossiers/{dossier}/brouillon");
    let form = admin.get(&brouillon).await;
    let champ = form
        .body
        .split("name=\"champ_")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .map(|s| format!("champ_{s}"))
        .expect("the IBAN champ");

    // A valid French IBAN is refused on this démarche, which accepts Belgian ones only.
    admin
        .post(&brouillon, &[(champ.as_str(), "FR76 3000 6000 0112 3456 7890 189"), ("intention", "deposer")])
        .await
        .assert_status(422)
        .assert_contains("Seuls les IBAN des pays suivants sont acceptés pour cette démarche : BE.");
    admin
        .post(&brouillon, &[(champ.as_str(), "be68539007547034"), ("intention", "deposer")])
        .await
        .assert_status(200)
        .assert_contains("Votre dossier a bien été déposé")
        .assert_contains("BE68 5390 0754 7034");
    app.stop().await;
}
