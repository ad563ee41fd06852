//! The champ type as the host calls it, natively, with the SDK's test
//! doubles standing for the host and the contract's payloads for API
//! Entreprise.

use super::*;
use crate::api_entreprise::etablissement::{Enveloppe, EtablissementApi};
use guichet_plugin_sdk::http::{HttpError, Request, Response};
use guichet_plugin_sdk::testing;
use std::cell::RefCell;
use std::rc::Rc;

const DINUM: &str = include_str!("../testdata/etablissement_dinum.json");
const SNCF_SANS_UNITE_LEGALE: &str = include_str!("../testdata/etablissement_sncf_sans_unite_legale.json");
const UNITE_LEGALE_SNCF: &str = include_str!("../testdata/unite_legale_sncf.json");
const RECIPIENT: &str = "10000001700010";

fn etablissement(json: &str, siret: &str) -> Etablissement {
    let api: Enveloppe<EtablissementApi> = serde_json::from_str(json).unwrap();
    Etablissement::from_api(api.data, siret)
}

fn json(status: u16, body: &str) -> Result<Response, HttpError> {
    Ok(Response {
        status,
        headers: vec![("content-type".to_owned(), "application/json".to_owned())],
        body: body.as_bytes().to_vec(),
    })
}

/// Configures the doubles like an operator would and answers requests with
/// `answer`; returns the URLs asked, in order.
fn host(answer: impl Fn(&Request) -> Result<Response, HttpError> + 'static) -> Rc<RefCell<Vec<String>>> {
    testing::set_secret("api-entreprise");
    testing::set_config("recipient", RECIPIENT);
    let urls = Rc::new(RefCell::new(Vec::new()));
    let seen = Rc::clone(&urls);
    testing::on_http(move |request| {
        seen.borrow_mut().push(request.url.clone());
        answer(request)
    });
    urls
}

fn enrich(value: &str, options: &str) -> Result<Result<Enrichment, Vec<FieldError>>, PluginError> {
    Siret::enrich(value, &Options::new(options))
}

#[test]
fn keeps_what_matters_of_an_etablissement() {
    let e = etablissement(DINUM, "13002526500013");
    assert_eq!(e.siret, "13002526500013");
    assert_eq!(e.siren, "130025265");
    assert_eq!(e.raison_sociale.as_deref(), Some("DIRECTION INTERMINISTERIELLE DU NUMERIQUE"));
    assert_eq!(e.sigle.as_deref(), Some("DINUM"));
    assert_eq!(e.enseigne, None);
    assert_eq!(e.siege_social, Some(true));
    assert_eq!(e.etat_administratif.as_deref(), Some("actif"));
    assert_eq!(e.date_creation.as_deref(), Some("2011-11-21"));
    assert_eq!(
        (e.naf.code.as_deref(), e.naf.libelle.as_deref()),
        (Some("84.11Z"), Some("Administration publique générale"))
    );
    assert_eq!(e.forme_juridique.code.as_deref(), Some("7120"));
    assert_eq!(e.adresse.ligne, "20 AVENUE DE SEGUR, 75007 PARIS 7");
    assert_eq!(e.adresse.code_commune.as_deref(), Some("75107"));
    assert!(!e.sans_unite_legale());
}

#[test]
fn resume_is_labelled_french_lines() {
    let resume = presentation::resume(&etablissement(DINUM, "13002526500013"));
    let lignes: Vec<(&str, &str)> = resume.iter().map(|(l, v)| (l.as_str(), v.as_str())).collect();
    assert_eq!(
        lignes,
        [
            ("Raison sociale", "DIRECTION INTERMINISTERIELLE DU NUMERIQUE (DINUM)"),
            ("SIRET", "130 025 265 00013"),
            ("Adresse", "20 AVENUE DE SEGUR, 75007 PARIS 7"),
            ("Activité principale (NAF)", "84.11Z – Administration publique générale"),
            ("Forme juridique", "7120 – Service central d'un ministère"),
            ("Date de création", "21/11/2011"),
            ("Siège social", "Oui"),
            ("État administratif", "Actif"),
        ]
    );
}

#[test]
fn closed_masked_and_personne_physique_etablissements() {
    let mut value: serde_json::Value = serde_json::from_str(DINUM).unwrap();
    value["data"]["etat_administratif"] = "F".into();
    value["data"]["date_fermeture"] = 1_615_503_600.into(); // 2021-03-12 in Paris
    value["data"]["siege_social"] = false.into();
    value["data"]["unite_legale"]["type"] = "personne_physique".into();
    value["data"]["unite_legale"]["personne_morale_attributs"] = serde_json::json!({"raison_sociale": null});
    value["data"]["unite_legale"]["personne_physique_attributs"]["prenom_usuel"] = "Jeanne".into();
    value["data"]["unite_legale"]["personne_physique_attributs"]["nom_naissance"] = "DUPONT".into();
    value["data"]["enseigne"] = "[ND]".into();
    value["data"]["adresse"]["code_cedex"] = "75700".into();
    value["data"]["adresse"]["libelle_cedex"] = "PARIS CEDEX 07".into();
    let e = etablissement(&value.to_string(), "13002526500013");
    assert!(e.ferme());
    assert_eq!(e.date_fermeture.as_deref(), Some("2021-03-12"));
    assert_eq!(e.raison_sociale.as_deref(), Some("Jeanne DUPONT"));
    assert_eq!(e.enseigne, None);
    assert_eq!(e.adresse.ligne, "20 AVENUE DE SEGUR, 75700 PARIS CEDEX 07");
    assert_eq!(presentation::etat(&e).as_deref(), Some("Fermé depuis le 12/03/2021"));
    let donnees = Donnees::new(serde_json::to_string(&e).unwrap());
    let display = Siret::display("13002526500013", Some(&donnees), &Options::default()).unwrap();
    assert!(display.ends_with("\nFermé depuis le 12/03/2021"), "{display}");
}

#[test]
fn a_sparse_answer_never_fails() {
    let e = etablissement(r#"{"data": {}}"#, "13002526500013");
    assert_eq!((e.siret.as_str(), e.siren.as_str()), ("13002526500013", "130025265"));
    assert!(e.sans_unite_legale());
    assert_eq!(e.nom(), "Établissement 13002526500013");
    assert_eq!(presentation::resume(&e)[0], ("Raison sociale".to_owned(), "Établissement 13002526500013".to_owned()));
}

#[test]
fn enrich_calls_api_entreprise_with_the_mandatory_parameters() {
    let urls = host(|request| {
        assert_eq!(request.header_value("Accept"), Some("application/json"));
        assert_eq!(request.header_value("Authorization"), None, "the host adds the jeton, never the plugin");
        json(200, DINUM)
    });
    let enrichment = enrich("130 025 265 00013", "{}").unwrap().unwrap();
    let donnees: serde_json::Value = serde_json::from_str(&enrichment.donnees).unwrap();
    assert_eq!(donnees["raison_sociale"], "DIRECTION INTERMINISTERIELLE DU NUMERIQUE");
    assert_eq!(donnees["naf"]["code"], "84.11Z");
    assert_eq!(donnees["adresse"]["code_postal"], "75007");
    assert_eq!(enrichment.resume[0].1, "DIRECTION INTERMINISTERIELLE DU NUMERIQUE (DINUM)");
    let urls = urls.borrow();
    assert_eq!(urls.len(), 1, "the établissement answer carries its unité légale");
    assert!(urls[0].starts_with("https://entreprise.api.gouv.fr/v3/insee/sirene/etablissements/13002526500013?"));
    assert!(urls[0].contains("context=D%C3%A9marches%20en%20ligne"));
    assert!(urls[0].contains(&format!("recipient={RECIPIENT}")));
    assert!(urls[0].contains("&object="));
}

#[test]
fn enrich_uses_the_cache_on_the_second_call() {
    let urls = host(|_| json(200, DINUM));
    let first = enrich("13002526500013", "{}").unwrap().unwrap();
    let second = enrich("13002526500013", "{}").unwrap().unwrap();
    assert_eq!(first, second);
    assert_eq!(urls.borrow().len(), 1);
}

#[test]
fn enrich_completes_from_the_unite_legale_when_needed() {
    let urls = host(|request| {
        if request.url.contains("/unites_legales/552049447?") {
            json(200, UNITE_LEGALE_SNCF)
        } else {
            json(200, SNCF_SANS_UNITE_LEGALE)
        }
    });
    let enrichment = enrich("55204944776279", "{}").unwrap().unwrap();
    let donnees: serde_json::Value = serde_json::from_str(&enrichment.donnees).unwrap();
    assert_eq!(donnees["raison_sociale"], "SOCIETE NATIONALE SNCF");
    assert_eq!(donnees["forme_juridique"]["code"], "5599");
    assert_eq!(donnees["enseigne"], "SNCF ST DENIS 2 PL AUX ETOILES");
    assert_eq!(urls.borrow().len(), 2);
}

#[test]
fn unknown_siret_is_a_field_error() {
    host(|_| json(404, r#"{"errors":[{"code":"01003","title":"Entité non trouvée","meta":{"provider":"INSEE"}}]}"#));
    assert_eq!(
        enrich("13002526500013", "{}"),
        Ok(Err(vec![FieldError::new("siret-inconnu", "Aucun établissement n'est enregistré sous ce numéro SIRET")]))
    );
}

#[test]
fn outages_are_upstream_unavailable() {
    host(|_| json(503, r#"{"errors":[{"code":"01001","title":"Service non disponible"}]}"#));
    assert!(matches!(enrich("13002526500013", "{}"), Err(PluginError::UpstreamUnavailable(_))));
    host(|_| {
        let mut response = json(429, r#"{"errors":[{"code":"00429"}]}"#)?;
        response.headers.push(("retry-after".to_owned(), "42".to_owned()));
        Ok(response)
    });
    assert!(matches!(enrich("13002526500013", "{}"), Err(PluginError::UpstreamUnavailable(r)) if r.contains("42")));
    host(|_| Err(HttpError::Timeout));
    assert!(matches!(enrich("13002526500013", "{}"), Err(PluginError::UpstreamUnavailable(_))));
    host(|_| Err(HttpError::Connection("ConnectionRefused".to_owned())));
    assert!(matches!(enrich("13002526500013", "{}"), Err(PluginError::UpstreamUnavailable(_))));
    host(|_| json(200, "<html>maintenance</html>"));
    assert!(matches!(enrich("13002526500013", "{}"), Err(PluginError::UpstreamUnavailable(_))));
}

#[test]
fn operator_mistakes_are_misconfigured() {
    // No secret: no call at all.
    testing::set_config("recipient", RECIPIENT);
    testing::on_http(|_| panic!("no request without the jeton"));
    assert!(
        matches!(enrich("13002526500013", "{}"), Err(PluginError::Misconfigured(r)) if r.contains("api-entreprise"))
    );
    testing::reset();
    testing::set_secret("api-entreprise");
    assert!(matches!(enrich("13002526500013", "{}"), Err(PluginError::Misconfigured(r)) if r.contains("recipient")));
    host(|_| json(401, r#"{"errors":[{"code":"00101","title":"Interdit"}]}"#));
    assert!(matches!(enrich("13002526500013", "{}"), Err(PluginError::Misconfigured(_))));
    host(|_| Err(HttpError::Denied("HttpRequestDenied".to_owned())));
    assert!(matches!(enrich("13002526500013", "{}"), Err(PluginError::Misconfigured(_))));
    host(|_| json(422, r#"{"errors":[{"code":"00211"}]}"#));
    assert!(matches!(enrich("13002526500013", "{}"), Err(PluginError::Misconfigured(_))));
}

#[test]
fn closed_etablissements_are_accepted_unless_the_demarche_refuses_them() {
    let mut closed: serde_json::Value = serde_json::from_str(DINUM).unwrap();
    closed["data"]["etat_administratif"] = "F".into();
    closed["data"]["date_fermeture"] = 1_615_503_600.into();
    let closed = closed.to_string();
    host(move |_| json(200, &closed));
    let enrichment = enrich("13002526500013", "{}").unwrap().unwrap();
    assert!(enrichment.resume.contains(&("État administratif".to_owned(), "Fermé depuis le 12/03/2021".to_owned())));
    assert_eq!(
        enrich("13002526500013", r#"{"refuser-fermes": true}"#),
        Ok(Err(vec![FieldError::new("etablissement-ferme", "Cet établissement est fermé depuis le 12/03/2021")]))
    );
    assert!(matches!(enrich("13002526500013", r#"{"refuser-fermes": "oui"}"#), Err(PluginError::Misconfigured(_))));
}

#[test]
fn enrich_refuses_what_validate_refuses() {
    assert!(matches!(enrich("123", "{}"), Err(PluginError::InvalidInput(_))));
}

#[test]
fn display_search_and_export_read_the_donnees() {
    host(|_| json(200, DINUM));
    let donnees = Donnees::new(enrich("13002526500013", "{}").unwrap().unwrap().donnees);
    let options = Options::default();
    assert_eq!(
        Siret::display("13002526500013", Some(&donnees), &options).unwrap(),
        "DIRECTION INTERMINISTERIELLE DU NUMERIQUE (DINUM)\nSIRET 130 025 265 00013\n20 AVENUE DE SEGUR, 75007 PARIS 7"
    );
    assert_eq!(Siret::display("13002526500013", None, &options).unwrap(), "130 025 265 00013");
    assert_eq!(
        Siret::search_text("13002526500013", Some(&donnees), &options).unwrap(),
        "13002526500013 130025265 DIRECTION INTERMINISTERIELLE DU NUMERIQUE DINUM 75007 PARIS 7"
    );
    assert_eq!(Siret::search_text("13002526500013", Some(&Donnees::new("[]")), &options).unwrap(), "13002526500013");
    let columns = Siret::export_columns(&options).unwrap();
    let values = Siret::export_values("13002526500013", Some(&donnees), &options).unwrap();
    assert_eq!(columns.len(), values.len());
    let cell = |id: &str| values[columns.iter().position(|c| c.id == id).unwrap()].as_str();
    assert_eq!(cell("raison-sociale"), "DIRECTION INTERMINISTERIELLE DU NUMERIQUE");
    assert_eq!(cell("code-naf"), "84.11Z");
    assert_eq!(cell("date-creation"), "21/11/2011");
    assert_eq!(cell("siege-social"), "Oui");
    let bare = Siret::export_values("13002526500013", None, &options).unwrap();
    assert_eq!(bare.len(), columns.len());
    assert_eq!((bare[0].as_str(), bare[1].as_str()), ("13002526500013", ""));
}

#[test]
fn describes_its_capabilities_and_schemas() {
    let description = Siret::describe();
    assert_eq!(description.id, "siret");
    assert_eq!(description.version, "2.0.0");
    assert_eq!(
        description.capabilities,
        [Capability::Enrich, Capability::Display, Capability::SearchText, Capability::Export]
    );
    for schema in [&description.options_schema, &description.donnees_schema] {
        assert!(serde_json::from_str::<serde_json::Value>(schema).is_ok(), "{schema}");
    }
    let manifest = include_str!("../plugin.toml");
    assert!(manifest.contains("version = \"2.0.0\""));
    assert!(manifest.contains("wit = \"guichet:plugin@0.2.1\""));
}

#[test]
fn validate_is_unchanged() {
    assert_eq!(Siret::validate(" 130 025 265 00013 ", &Options::default()), Ok(Validation::valid("13002526500013")));
    assert!(Siret::validate("13002526500014", &Options::default()).is_ok_and(|v| !v.is_valid()));
}
