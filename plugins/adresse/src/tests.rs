//! The champ type as the host calls it, natively, with the SDK's test
//! doubles standing for the host and the contract's GeoJSON shapes for the
//! geocoder.

use super::*;
use guichet_plugin_sdk::http::{HttpError, Request, Response};
use guichet_plugin_sdk::testing;
use std::cell::RefCell;
use std::rc::Rc;

const SEGUR: &str = include_str!("../testdata/search_segur.json");
const BELLECOUR: &str = include_str!("../testdata/search_bellecour_exact.json");
const MONTPELLIER: &str = include_str!("../testdata/search_montpellier.json");
const EMPTY: &str = r#"{"type":"FeatureCollection","version":"draft","features":[],"attribution":"BAN",
"licence":"ETALAB-2.0","query":"x","limit":1}"#;

fn json(status: u16, body: &str) -> Result<Response, HttpError> {
    Ok(Response { status, headers: vec![], body: body.as_bytes().to_vec() })
}

fn geocoder(answer: impl Fn(&Request) -> Result<Response, HttpError> + 'static) -> Rc<RefCell<Vec<String>>> {
    let urls = Rc::new(RefCell::new(Vec::new()));
    let seen = Rc::clone(&urls);
    testing::on_http(move |request| {
        seen.borrow_mut().push(request.url.clone());
        answer(request)
    });
    urls
}

fn donnees_of(enrichment: &Enrichment) -> serde_json::Value {
    serde_json::from_str(&enrichment.donnees).unwrap()
}

#[test]
fn builds_the_documented_search_url() {
    assert_eq!(
        geoplateforme::search_url("20 avenue de Ségur", 5, true, None),
        "https://data.geopf.fr/geocodage/search?q=20%20avenue%20de%20S%C3%A9gur&limit=5&autocomplete=1"
    );
    assert_eq!(
        geoplateforme::search_url("Montpellier", 1, false, Some(Precision::Commune)),
        "https://data.geopf.fr/geocodage/search?q=Montpellier&limit=1&autocomplete=0&type=municipality"
    );
    assert!(geoplateforme::search_url("abc", 500, true, None).contains("&limit=20&"));
    assert!(geoplateforme::search_url("abc", 0, true, None).contains("&limit=1&"));
}

#[test]
fn structures_a_housenumber() {
    let mut features = geoplateforme::features(SEGUR.as_bytes()).unwrap();
    assert_eq!(features.len(), 2);
    let adresse = Adresse::from_feature(features.remove(0));
    assert_eq!(adresse.source, "ban");
    assert_eq!(adresse.label, "20 Avenue de Ségur 75007 Paris");
    assert_eq!(adresse.numero.as_deref(), Some("20"));
    assert_eq!(adresse.voie.as_deref(), Some("Avenue de Ségur"));
    assert_eq!(adresse.code_postal.as_deref(), Some("75007"));
    assert_eq!(adresse.commune.as_deref(), Some("Paris"));
    assert_eq!(adresse.arrondissement.as_deref(), Some("Paris 7e Arrondissement"));
    assert_eq!(adresse.code_insee.as_deref(), Some("75107"));
    let departement = adresse.departement.as_ref().unwrap();
    assert_eq!((departement.code.as_str(), departement.nom.as_str()), ("75", "Paris"));
    assert_eq!(adresse.region.as_deref(), Some("Île-de-France"));
    assert_eq!(adresse.coordonnees.map(|c| (c.longitude, c.latitude)), Some((2.308563, 48.850609)));
    assert_eq!(adresse.ban_id.as_deref(), Some("75107_8909_00020"));
    assert_eq!(adresse.kind.as_deref(), Some("housenumber"));
    let street = Adresse::from_feature(features.remove(0));
    assert_eq!((street.numero, street.voie.as_deref()), (None, Some("Avenue de Ségur")));
}

#[test]
fn structures_a_municipality_and_tolerates_sparse_features() {
    let mut features = geoplateforme::features(MONTPELLIER.as_bytes()).unwrap();
    let commune = Adresse::from_feature(features.remove(0));
    assert_eq!((commune.voie, commune.commune.as_deref()), (None, Some("Montpellier")));
    assert_eq!(commune.region.as_deref(), Some("Occitanie"));
    let sparse = br#"{"features":[{"properties":{"label":"X"}},{"properties":{}},{"geometry":{"coordinates":[1]},
        "properties":{"label":"Y","type":"housenumber","name":"3 Rue Z","housenumber":"3"}}]}"#;
    let features = geoplateforme::features(sparse).unwrap();
    assert_eq!(features.len(), 2, "features without a label are dropped");
    let adresses: Vec<Adresse> = features.into_iter().map(Adresse::from_feature).collect();
    assert_eq!(adresses[1].voie.as_deref(), Some("Rue Z"));
    assert_eq!(adresses[1].coordonnees, None);
    assert!(geoplateforme::features(b"<html>").is_err());
}

#[test]
fn suggest_proposes_ban_addresses_with_their_donnees() {
    let urls = geocoder(|_| json(200, SEGUR));
    let suggestions = ChampAdresse::suggest("  20 avenue de ségur ", &Options::default(), 5).unwrap();
    assert_eq!(
        urls.borrow().as_slice(),
        ["https://data.geopf.fr/geocodage/search?q=20%20avenue%20de%20s%C3%A9gur&limit=5&autocomplete=1"]
    );
    let values: Vec<_> = suggestions.iter().map(|s| s.value.as_str()).collect();
    assert_eq!(values, ["20 Avenue de Ségur 75007 Paris", "Avenue de Ségur 75007 Paris"]);
    let donnees: serde_json::Value = serde_json::from_str(&suggestions[0].donnees).unwrap();
    assert_eq!(donnees["source"], "ban");
    assert_eq!(donnees["code_insee"], "75107");
    assert_eq!(donnees["departement"]["nom"], "Paris");
    // What is picked passes validate unchanged.
    assert_eq!(ChampAdresse::validate(&suggestions[0].value, &Options::default()), Ok(Validation::valid(values[0])));
}

#[test]
fn suggest_honours_the_precision_setting_and_short_queries() {
    let urls = geocoder(|_| json(200, MONTPELLIER));
    let options = Options::new(r#"{"precision": "commune"}"#);
    assert_eq!(ChampAdresse::suggest("Montpel", &options, 3).unwrap().len(), 1);
    assert!(urls.borrow()[0].ends_with("&type=municipality"));
    assert!(ChampAdresse::suggest("ab", &Options::default(), 3).unwrap().is_empty());
    assert!(ChampAdresse::suggest("abc", &Options::default(), 0).unwrap().is_empty());
    assert_eq!(urls.borrow().len(), 1, "no call for what the geocoder would refuse");
    assert!(matches!(
        ChampAdresse::suggest("Montpel", &Options::new(r#"{"precision": "rue"}"#), 3),
        Err(PluginError::Misconfigured(_))
    ));
}

#[test]
fn suggest_outages_are_errors_and_refused_queries_are_empty() {
    geocoder(|_| json(400, r#"{"code":400,"message":"Failed parsing query","detail":["q: ..."]}"#));
    assert_eq!(ChampAdresse::suggest("abc", &Options::default(), 5), Ok(vec![]));
    geocoder(|_| json(503, r#"{"code":503,"message":"Service Unavailable"}"#));
    assert!(matches!(ChampAdresse::suggest("abc", &Options::default(), 5), Err(PluginError::UpstreamUnavailable(_))));
    geocoder(|_| json(429, r#"{"code":429,"message":"Too Many Requests"}"#));
    assert!(matches!(ChampAdresse::suggest("abc", &Options::default(), 5), Err(PluginError::UpstreamUnavailable(_))));
    geocoder(|_| Err(HttpError::Timeout));
    assert!(matches!(ChampAdresse::suggest("abc", &Options::default(), 5), Err(PluginError::UpstreamUnavailable(_))));
}

#[test]
fn enrich_keeps_a_confident_ban_result() {
    let urls = geocoder(|_| json(200, BELLECOUR));
    let enrichment = ChampAdresse::enrich("Place Bellecour 69002 Lyon", &Options::default()).unwrap().unwrap();
    assert!(urls.borrow()[0].contains("&limit=1&autocomplete=0"));
    let donnees = donnees_of(&enrichment);
    assert_eq!(donnees["source"], "ban");
    assert_eq!(donnees["voie"], "Place Bellecour");
    assert_eq!(donnees["departement"]["code"], "69");
    assert_eq!(donnees["region"], "Auvergne-Rhône-Alpes");
    let lignes: Vec<(&str, &str)> = enrichment.resume.iter().map(|(l, v)| (l.as_str(), v.as_str())).collect();
    assert_eq!(
        lignes,
        [
            ("Adresse", "Place Bellecour 69002 Lyon"),
            ("Code postal", "69002"),
            ("Commune", "Lyon (Lyon 2e Arrondissement)"),
            ("Département", "69 – Rhône"),
            ("Région", "Auvergne-Rhône-Alpes"),
        ]
    );
}

#[test]
fn enrich_keeps_an_unknown_or_doubtful_address_as_typed() {
    // The best result's score (0.6933) is below the threshold.
    geocoder(|_| json(200, SEGUR));
    let doubtful = ChampAdresse::enrich("20 avenue de ségur", &Options::default()).unwrap().unwrap();
    assert_eq!(donnees_of(&doubtful)["source"], "saisie-manuelle");
    assert_eq!(donnees_of(&doubtful)["label"], "20 avenue de ségur");

    geocoder(|_| json(200, EMPTY));
    let unknown =
        ChampAdresse::enrich("Lieu-dit Les Granges 12345 Saint-Nulle-Part", &Options::default()).unwrap().unwrap();
    let donnees = donnees_of(&unknown);
    assert_eq!(donnees["source"], "saisie-manuelle");
    assert_eq!(donnees["code_postal"], "12345");
    assert_eq!(donnees["commune"], "Saint-Nulle-Part");
    assert!(donnees["code_insee"].is_null());
    assert_eq!(unknown.resume.last().map(|(l, _)| l.as_str()), Some("Vérification"));

    geocoder(|_| json(400, r#"{"code":400,"message":"Failed parsing query"}"#));
    let refused = ChampAdresse::enrich("(bis) 3 rue", &Options::default()).unwrap().unwrap();
    assert_eq!(donnees_of(&refused)["source"], "saisie-manuelle");
}

#[test]
fn enrich_outages_are_upstream_unavailable() {
    geocoder(|_| json(503, r#"{"code":503,"message":"Service Unavailable"}"#));
    assert!(matches!(
        ChampAdresse::enrich("Place Bellecour", &Options::default()),
        Err(PluginError::UpstreamUnavailable(_))
    ));
    geocoder(|_| Err(HttpError::Denied("HttpRequestDenied".into())));
    assert!(matches!(ChampAdresse::enrich("Place Bellecour", &Options::default()), Err(PluginError::Misconfigured(_))));
    assert!(matches!(ChampAdresse::enrich("ab", &Options::default()), Err(PluginError::InvalidInput(_))));
}

#[test]
fn validate_normalises_and_accepts_manual_entries() {
    let check = |value: &str| ChampAdresse::validate(value, &Options::default());
    assert_eq!(check("  12  chemin des\nVignes  "), Ok(Validation::valid("12 chemin des Vignes")));
    assert_eq!(check("ab"), Ok(Validation::invalid("trop-courte", "L'adresse doit comporter au moins 3 caractères")));
    assert!(check(&"x".repeat(201)).is_ok_and(|v| !v.is_valid()));
    assert!(check("...").is_ok_and(|v| !v.is_valid()));
}

#[test]
fn display_search_and_export_read_the_donnees() {
    geocoder(|_| json(200, BELLECOUR));
    let donnees =
        Donnees::new(ChampAdresse::enrich("place bellecour lyon", &Options::default()).unwrap().unwrap().donnees);
    let options = Options::default();
    assert_eq!(
        ChampAdresse::display("place bellecour lyon", Some(&donnees), &options).unwrap(),
        "Place Bellecour 69002 Lyon"
    );
    assert_eq!(ChampAdresse::display("place bellecour lyon", None, &options).unwrap(), "place bellecour lyon");
    assert_eq!(
        ChampAdresse::search_text("x", Some(&donnees), &options).unwrap(),
        "Place Bellecour 69002 Lyon 69002 Lyon Lyon 2e Arrondissement 69382 69 Rhône Auvergne-Rhône-Alpes"
    );
    let columns = ChampAdresse::export_columns(&options).unwrap();
    let ids: Vec<_> = columns.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["adresse", "numero", "voie", "code-postal", "commune", "code-insee", "departement", "region"]);
    let values = ChampAdresse::export_values("x", Some(&donnees), &options).unwrap();
    assert_eq!(
        values,
        [
            "Place Bellecour 69002 Lyon",
            "",
            "Place Bellecour",
            "69002",
            "Lyon",
            "69382",
            "69 – Rhône",
            "Auvergne-Rhône-Alpes"
        ]
    );
    let bare = ChampAdresse::export_values("x", Some(&Donnees::new("{}")), &options).unwrap();
    assert_eq!(bare, ["x", "", "", "", "", "", "", ""]);
}

#[test]
fn describes_itself() {
    let description = ChampAdresse::describe();
    assert_eq!((description.id.as_str(), description.version.as_str()), ("adresse", "1.0.0"));
    assert_eq!(description.capabilities.len(), 5);
    for schema in [&description.options_schema, &description.donnees_schema] {
        assert!(serde_json::from_str::<serde_json::Value>(schema).is_ok(), "{schema}");
    }
    let manifest = include_str!("../plugin.toml");
    assert!(manifest.contains("id = \"adresse\"") && manifest.contains("version = \"1.0.0\""));
}
