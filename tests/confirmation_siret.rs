//! The usager sees the établissement behind their SIRET and confirms it
//! before filing: through the whole server, with API Entreprise answered by
//! its contract server. A dépôt without the confirmation is refused next to
//! box, with the établissement shown and everything typed kept; a
//! confirmation given for another value does not count; a saved
//! confirmation comes back ticked.

use guichet::plugins::OperatorConfig;
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_usager_confirms_the_etablissement_before_filing() {
    let api = ApiEntreprise::start().await;
    let operator = format!(
        "[siret]\nhttp = [\"https://entreprise.api.gouv.fr\"]\nallow-private-addresses = true\n\
         [siret.relocate]\n\"https://entreprise.api.gouv.fr\" = \"{}\"\n\
         [siret.config]\nrecipient = \"{}\"\n[siret.secrets]\napi-entreprise = \"{}\"\n",
        api.base_url(),
        api_entreprise::RECIPIENT,
        api_entreprise::TOKEN
    );
    let grants = OperatorConfig::parse(&operator, |_| None).expect("operator config");
    let app = TestApp::start_with(Backend::Sqlite, move |config| config.plugins_operator = grants)
        .await
        .expect("a SQLite server");
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
        .assert_contains("Les modifications de votre dossier ont bien été enregistrées.");
    app.stop().await;
}
