//! The usager sees the établissement behind their SIRET and confirms it
//! before filing: through the whole server, with API Entreprise answered by
//! its contract server. A dépôt without the confirmation is refused next to
//! box, with the établissement shown and everything typed kept; a
//! confirmation given for another value does not count; a saved
//! confirmation comes back ticked.

use guichet::workflow::comptes::Roles;
use guichet_tests::app::{Backend, TestApp};
use guichet_tests::contrats::api_entreprise::{self, ApiEntreprise};
use guichet_tests::demo;

const NOM: &str = "Union sportive de Démoville";

/// The value of the confirmation box of champ 3 in a page.
fn box_value(page: &str) -> String {
    let marker = r#"name="confirmation_3" value=""#;
    let start = page.find(marker).unwrap_or_else(|| panic!("no confirmation box: {page}")) + marker.len();
    page[start..].split('"').next().expect("value").to_owned()
}

fn answers<'a>(siret: &'a str, extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    demo::reponses(siret, "20 avenue de Ségur 75007 Paris", extra)
}

/// A SQLite server whose operator grants the siret plugin API Entreprise,
/// relocated to the contract server `api`.
async fn app_with(api: &ApiEntreprise) -> TestApp {
    let grants = api.grants();
    TestApp::start_with(Backend::Sqlite, move |config| config.plugins_operator = grants).await.expect("a SQLite server")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_usager_confirms_the_etablissement_before_filing() {
    let api = ApiEntreprise::start().await;
    let app = app_with(&api).await;
    guichet::demo::seed(&app.server.state).await.expect("demo data");
    let usager = app.signed_in("camille.siret@exemple.fr", Roles::default()).await;
    let brouillon = usager.post("/commencer/demo", &[]).await.path();
    let siret = api_entreprise::SIRET_DINUM;

    // Filing straight away: refused, the établissement shown under the
    // field with the box to tick, nothing typed lost; the error is on the
    // box, the summary links to it.
    let deposer = answers(siret, &[("intention", "deposer")]);
    let refused = usager.post(&brouillon, &deposer).await;
    refused
        .assert_status(422)
        .assert_contains("« Numéro SIRET de l'association » : vérifiez les informations trouvées sous le champ")
        .assert_contains(r#"id="confirmation_3-erreur""#)
        .assert_contains(r##"href="#confirmation_3""##)
        .assert_lacks(r#"id="champ_3-erreur""#)
        .assert_contains("DIRECTION INTERMINISTERIELLE DU NUMERIQUE")
        .assert_contains("Je confirme que cet établissement est bien celui du demandeur.")
        .assert_contains(&format!("Pour la valeur saisie : {siret}."))
        .assert_contains(&format!(r#"value="{NOM}""#));
    let jeton = box_value(&refused.body);

    // A confirmation given for something else does not count.
    let autre = answers(siret, &[("confirmation_3", siret), ("intention", "deposer")]);
    usager.post(&brouillon, &autre).await.assert_status(422).assert_contains("cochez la case de confirmation");

    // Saved with the box ticked, the brouillon comes back ticked.
    let enregistrer = answers(siret, &[("confirmation_3", &jeton), ("intention", "enregistrer")]);
    usager.post(&brouillon, &enregistrer).await.assert_status(200).assert_contains("brouillon a bien été enregistré");
    let page = usager.get(&brouillon).await;
    page.assert_contains("DIRECTION INTERMINISTERIELLE DU NUMERIQUE")
        .assert_contains(&format!(r#"name="confirmation_3" value="{jeton}" checked"#));

    // Ticked, the dossier is filed.
    let confirme = answers(siret, &[("confirmation_3", &jeton), ("intention", "deposer")]);
    usager.post(&brouillon, &confirme).await.assert_status(200).assert_contains("Votre dossier a bien été déposé");

    // Confirmed: the instructeur sees the établissement, without a warning.
    let numero_depose = demo::numero(&brouillon);
    demo::client(&app, demo::INSTRUCTEUR)
        .await
        .get(&format!("/instructeur/dossiers/{numero_depose}"))
        .await
        .assert_status(200)
        .assert_contains("DIRECTION INTERMINISTERIELLE DU NUMERIQUE")
        .assert_lacks("non confirmées par l'usager");

    // Once filed, a change of number needs a new confirmation: the old box
    // does not carry over.
    let numero = brouillon.trim_end_matches("/brouillon");
    let modifier = format!("{numero}/modifier");
    usager.get(&modifier).await.assert_contains(&format!(r#"name="confirmation_3" value="{jeton}" checked"#));
    let la_poste = api_entreprise::SIRET_LA_POSTE;
    let refused = usager.post(&modifier, &answers(la_poste, &[("confirmation_3", &jeton)])).await;
    refused.assert_status(422).assert_contains("cochez la case de confirmation");
    let nouveau = box_value(&refused.body);
    assert_ne!(nouveau, jeton);
    usager
        .post(&modifier, &answers(la_poste, &[("confirmation_3", &nouveau)]))
        .await
        .assert_status(200)
        .assert_contains("Vos modifications ont bien été déposées");
    app.stop().await;
}

/// API Entreprise down at dépôt: the dossier is filed, its check deferred
/// to a job; when the job finds the établissement, nobody confirmed it, and
/// the instructeur is told so next to the champ.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deferred_etablissement_is_shown_to_instructeurs_as_unconfirmed() {
    let api = ApiEntreprise::start().await;
    let app = app_with(&api).await;
    demo::demarche(&app).await;
    let usager = app.signed_in("dominique.panne@exemple.fr", Roles::default()).await;
    // The first request to API Entreprise fails (503); the job's succeeds.
    api.set_outage_for(guichet_tests::contrats::Outage::Unavailable, 1);
    let numero = demo::deposer(&usager, api_entreprise::SIRET_DINUM, "20 avenue de Ségur 75007 Paris").await;

    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let mut tx = app.server.state.store.read().await.expect("read");
        let donnees =
            guichet::store::dossiers::donnees(tx.conn(), guichet::domain::DossierId(numero)).await.expect("données");
        tx.commit().await.expect("commit");
        if donnees.contains_key(&guichet::domain::StableId(3)) {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the deferred check found the établissement");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let instructeur = demo::client(&app, demo::INSTRUCTEUR).await;
    instructeur
        .get(&format!("/instructeur/dossiers/{numero}"))
        .await
        .assert_status(200)
        .assert_contains("DIRECTION INTERMINISTERIELLE DU NUMERIQUE")
        .assert_contains("Informations trouvées non confirmées par l'usager");
    app.stop().await;
}
