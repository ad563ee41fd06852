//! A plugin's outbound calls through the whole server: the adresse champ of
//! the demo démarche suggests addresses from the Base Adresse Nationale
//! (here its contract server, where the operator relocated the
//! Géoplateforme), the usager picks one, and what the plugin found about it
//! is stored with the answer. Without the operator's grant, the same champ
//! still works as a plain text field: no suggestion, no error.

use guichet::domain::DossierId;
use guichet::plugins::OperatorConfig;
use guichet::workflow::comptes::Roles;
use guichet_tests::app::{Backend, TestApp};
use guichet_tests::contrats::ban::Ban;

/// `/dossiers/N/brouillon` and the adresse champ's suggestions path.
async fn brouillon_et_suggestions(usager: &guichet_tests::app::Client) -> (String, String, String) {
    let brouillon = usager.post("/commencer/demo", &[]).await;
    brouillon.assert_status(200).assert_contains("Adresse du siège");
    let path = brouillon.path();
    let marker = "data-suggestions=\"";
    let start = brouillon.body.find(marker).expect("the adresse champ offers suggestions") + marker.len();
    let relative = &brouillon.body[start..start + brouillon.body[start..].find('"').expect("end of attribute")];
    let stable_id = relative.trim_start_matches("champs/").trim_end_matches("/suggestions").to_string();
    let base = path.trim_end_matches("brouillon");
    (path.clone(), format!("{base}{relative}"), stable_id)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn adresse_suggestions_come_from_the_ban_and_the_choice_keeps_its_donnees() {
    let ban = Ban::start().await;
    let operator = format!(
        "[adresse]\nhttp = [\"https://data.geopf.fr\"]\nallow-private-addresses = true\n\
         [adresse.relocate]\n\"https://data.geopf.fr\" = \"{}\"\n",
        ban.base_url()
    );
    let grants = OperatorConfig::parse(&operator, |_| None).expect("operator config");
    let app = TestApp::start_with(Backend::Sqlite, move |config| config.plugins_operator = grants)
        .await
        .expect("a SQLite server");
    guichet::demo::seed(&app.server.state).await.expect("demo data");
    let usager = app.signed_in("lina.adresse@exemple.fr", Roles::default()).await;
    let (brouillon, suggestions, stable_id) = brouillon_et_suggestions(&usager).await;

    // Too short: nothing is asked upstream.
    usager.get(&format!("{suggestions}?q=av")).await.assert_status(200).assert_contains(r#"{"suggestions":[]}"#);
    assert!(ban.requests().is_empty(), "no request for a two-letter query: {:?}", ban.requests());

    let page = usager.get(&format!("{suggestions}?q=20%20avenue%20de%20S%C3%A9gur")).await;
    page.assert_status(200).assert_contains("20 Avenue de Ségur 75007 Paris");
    let received = ban.requests();
    assert!(!received.is_empty() && received.iter().all(|r| r.path.starts_with("/geocodage/search")), "{received:?}");

    // The usager picks it and saves the brouillon: the structured address is
    // stored with the answer.
    let champ = format!("champ_{stable_id}");
    usager
        .post(&brouillon, &[(champ.as_str(), "20 Avenue de Ségur 75007 Paris"), ("intention", "enregistrer")])
        .await
        .assert_status(200)
        .assert_contains("20 Avenue de Ségur 75007 Paris");
    let numero: i64 = brouillon.trim_start_matches("/dossiers/").trim_end_matches("/brouillon").parse().expect("n°");
    let mut tx = app.server.state.store.read().await.expect("read");
    let donnees = guichet::store::dossiers::donnees(tx.conn(), DossierId(numero)).await.expect("données");
    tx.commit().await.expect("commit");
    let stable: i64 = stable_id.parse().expect("stable id");
    let stored = donnees.get(&guichet::domain::StableId(stable)).expect("données of the adresse champ");
    let json: serde_json::Value = serde_json::from_str(stored).expect("JSON");
    assert_eq!(json["source"], "ban", "{json}");
    assert!(stored.contains("75007") && stored.contains("75107"), "code postal and code INSEE: {stored}");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_operators_grant_the_adresse_champ_is_plain_text() {
    let app = TestApp::sqlite().await;
    guichet::demo::seed(&app.server.state).await.expect("demo data");
    let usager = app.signed_in("noe.adresse@exemple.fr", Roles::default()).await;
    let (brouillon, suggestions, stable_id) = brouillon_et_suggestions(&usager).await;
    usager
        .get(&format!("{suggestions}?q=20%20avenue%20de%20S%C3%A9gur"))
        .await
        .assert_contains(r#"{"suggestions":[]}"#);
    let champ = format!("champ_{stable_id}");
    usager
        .post(&brouillon, &[(champ.as_str(), "12 chemin des Vignes 34000 Montpellier"), ("intention", "enregistrer")])
        .await
        .assert_status(200)
        .assert_contains("12 chemin des Vignes 34000 Montpellier")
        .assert_lacks("momentanément indisponible");
    app.stop().await;
}
