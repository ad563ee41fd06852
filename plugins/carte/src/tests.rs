//! The adapter as the host drives it: describe, validate, enrich over HTTP
//! (SDK test doubles), display, search, export.

use super::*;
use guichet_plugin_sdk::testing;
use std::cell::RefCell;
use std::rc::Rc;

const TRIANGLE: &str = r#"{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[3.8797,43.6085],[3.87984,43.6085],[3.87984,43.60864],[3.8797,43.6085]]]},"properties":{"description":"Cour"}}]}"#;

fn options(json: &str) -> Options {
    Options::new(json)
}

/// API Carto's answer for the two Comédie parcels (shape of
/// tests/support/contrats/api_carto.rs).
fn comedie() -> Vec<u8> {
    let parcelle = |idu: &str, w: f64, e: f64| {
        format!(
            r#"{{"type":"Feature","id":"parcelle.1","geometry":{{"type":"MultiPolygon","coordinates":[[[[{w},43.60845],[{e},43.60845],[{e},43.60865],[{w},43.60865],[{w},43.60845]]]]}},"geometry_name":"geom","properties":{{"gid":1,"numero":"{}","feuille":1,"section":"HE","code_dep":"34","nom_com":"Montpellier","code_com":"172","com_abs":"000","code_arr":"000","idu":"{idu}","contenance":448,"code_insee":"34172"}},"bbox":[{w},43.60845,{e},43.60865]}}"#,
            &idu[10..]
        )
    };
    format!(
        r#"{{"type":"FeatureCollection","features":[{},{}],"totalFeatures":2,"numberMatched":2,"numberReturned":2,"timeStamp":"2026-12-02T01:00:00.000Z","crs":{{"type":"name","properties":{{"name":"urn:ogc:def:crs:EPSG::4326"}}}},"bbox":[3.8796,43.60845,3.8801,43.60865]}}"#,
        parcelle("34172000HE0087", 3.8796, 3.87985),
        parcelle("34172000HE0088", 3.87985, 3.8801)
    )
    .into_bytes()
}

fn repondre(status: u16, body: Vec<u8>) -> Rc<RefCell<Vec<String>>> {
    let urls = Rc::new(RefCell::new(Vec::new()));
    let vues = Rc::clone(&urls);
    testing::on_http(move |request| {
        vues.borrow_mut().push(request.url.clone());
        Ok(http::Response { status, headers: vec![], body: body.clone() })
    });
    urls
}

#[test]
fn describes_itself_for_wit_0_2_0() {
    let d = Carte::describe();
    assert_eq!((d.id.as_str(), d.version.as_str()), ("carte", env!("CARGO_PKG_VERSION")));
    assert!(d.has(Capability::Enrich) && d.has(Capability::Display) && d.has(Capability::Export));
    assert!(!d.has(Capability::Suggest));
    assert!(json::parse(&d.options_schema).is_ok() && json::parse(&d.donnees_schema).is_ok());
    let manifest = include_str!("../plugin.toml");
    assert!(manifest.contains(&format!("version = \"{}\"", d.version)));
    for choix in reglages::CHOIX_GEOMETRIES {
        assert!(manifest.contains(&format!("\"{choix}\"")), "{choix} missing from plugin.toml");
    }
}

/// What static/carte.js wrote into the textarea after a triangle was drawn
/// with Leaflet-Geoman in Chromium next to a loaded square and line.
const DESSIN_DU_WIDGET: &str = r#"{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[3.8796,43.60845],[3.87985,43.60845],[3.87985,43.60865],[3.8796,43.60865],[3.8796,43.60845]]]},"properties":{"description":"Jardin"}},{"type":"Feature","geometry":{"type":"LineString","coordinates":[[3.8794,43.6083],[3.8801,43.6088]]},"properties":{}},{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[3.8806844,43.6089075],[3.881489,43.6089075],[3.881489,43.6083249],[3.8806844,43.6089075]]]}}]}"#;

#[test]
fn accepts_what_the_widget_writes() {
    match Carte::validate(DESSIN_DU_WIDGET, &options("{}")) {
        // Geoman drew the triangle clockwise: turned counter-clockwise.
        Ok(Validation::Valid(v)) => assert!(
            v.ends_with(r#"[[[3.8806844,43.6089075],[3.881489,43.6083249],[3.881489,43.6089075],[3.8806844,43.6089075]]]},"properties":{}}]}"#),
            "{v}"
        ),
        other => panic!("{other:?}"),
    }
}

#[test]
fn validates_and_normalizes() {
    let typed = TRIANGLE.replace("3.8797,", "3.87970000001,");
    match Carte::validate(&typed, &options("{}")) {
        Ok(Validation::Valid(v)) => {
            assert!(v.contains("[3.8797,43.6085]") && v.contains("\"description\":\"Cour\""), "{v}");
            assert_eq!(Carte::validate(&v, &options("{}")), Ok(Validation::Valid(v.clone())));
        }
        other => panic!("{other:?}"),
    }
    let bowtie = r#"{"type":"Polygon","coordinates":[[[0,0],[1,1],[1,0],[0,1],[0,0]]]}"#;
    assert_eq!(
        Carte::validate(bowtie, &options("{}")),
        Ok(Validation::invalid("auto-intersection", "Le polygone n° 1 se recoupe lui-même."))
    );
    assert!(matches!(
        Carte::validate(TRIANGLE, &options(r#"{"geometries":"Points"}"#)),
        Ok(Validation::Invalid(e)) if e[0].code == "type-non-autorise"
    ));
    assert!(matches!(
        Carte::validate(TRIANGLE, &options(r#"{"max-geometries":0}"#)),
        Err(PluginError::Misconfigured(_))
    ));
}

#[test]
fn enriches_without_network_when_the_cadastre_layer_is_off() {
    testing::reset();
    let urls = repondre(500, Vec::new());
    let enrichment = Carte::enrich(TRIANGLE, &options("{}")).unwrap().unwrap();
    assert!(urls.borrow().is_empty());
    assert!(!enrichment.donnees.contains("parcelles"));
    assert_eq!(enrichment.resume[0], ("Géométries".to_owned(), "1 polygone".to_owned()));
}

#[test]
fn enriches_with_the_parcels_api_carto_finds() {
    testing::reset();
    let urls = repondre(200, comedie());
    let enrichment = Carte::enrich(TRIANGLE, &options(r#"{"cadastres":true}"#)).unwrap().unwrap();
    let urls = urls.borrow();
    assert_eq!(urls.len(), 1);
    assert!(urls[0].starts_with("https://apicarto.ign.fr/api/cadastre/parcelle?geom=%7B%22type%22%3A%22Polygon%22"));
    assert!(urls[0].ends_with("&_limit=200"));
    // The triangle's bounding box reaches HE0088; its shape does not.
    assert!(enrichment.donnees.contains(r#""idu":"34172000HE0087""#));
    assert!(!enrichment.donnees.contains("HE0088"), "{}", enrichment.donnees);
    let last = enrichment.resume.last().unwrap();
    assert_eq!(last, &("Parcelles cadastrales".to_owned(), "Montpellier HE 87 (448\u{a0}m²)".to_owned()));

    let donnees = Donnees::new(enrichment.donnees.clone());
    let affiche = Carte::display(TRIANGLE, Some(&donnees), &options("{}")).unwrap();
    assert!(affiche.starts_with("Polygone « Cour » : "), "{affiche}");
    assert!(affiche.ends_with("\nParcelles cadastrales : Montpellier HE 87 (448\u{a0}m²)"), "{affiche}");
    assert_eq!(
        Carte::search_text(TRIANGLE, Some(&donnees), &options("{}")).unwrap(),
        "Cour Montpellier 34172 34172000HE0087 HE0087"
    );
    let avec = options(r#"{"cadastres":true}"#);
    let colonnes = Carte::export_columns(&avec).unwrap();
    let valeurs = Carte::export_values(TRIANGLE, Some(&donnees), &avec).unwrap();
    assert_eq!(colonnes.len(), valeurs.len());
    assert_eq!(valeurs[0], "1");
    assert_eq!(valeurs[3], "34172000HE0087");
}

#[test]
fn api_carto_outages_are_upstream_unavailable() {
    let avec = options(r#"{"cadastres":true}"#);
    for (status, body) in
        [(503, r#"{"code":503,"message":"Service Unavailable"}"#), (429, r#"{"code":429}"#), (200, "<html>")]
    {
        testing::reset();
        repondre(status, body.as_bytes().to_vec());
        assert!(matches!(Carte::enrich(TRIANGLE, &avec), Err(PluginError::UpstreamUnavailable(_))), "{status} {body}");
    }
    testing::reset();
    testing::on_http(|_| Err(http::HttpError::Timeout));
    assert!(matches!(Carte::enrich(TRIANGLE, &avec), Err(PluginError::UpstreamUnavailable(_))));
    testing::reset();
    repondre(400, br#"{"code":400,"message":{"geom":{"msg":"bad"}}}"#.to_vec());
    assert!(matches!(Carte::enrich(TRIANGLE, &avec), Err(PluginError::Internal(_))));
    // An invalid value is the usager's to fix, not an outage.
    assert!(matches!(Carte::enrich("{}", &avec), Ok(Err(e)) if e[0].code == "format-geojson"));
}

#[test]
fn shows_values_it_could_not_check_as_typed() {
    let brut = "pas du GeoJSON";
    assert_eq!(Carte::display(brut, None, &options("{}")).unwrap(), brut);
    assert_eq!(Carte::search_text(brut, None, &options("{}")).unwrap(), "");
    assert_eq!(Carte::export_values(brut, None, &options("{}")).unwrap(), ["", "", ""]);
    // Accepted under looser settings of its day: still shown.
    let restreint = options(r#"{"geometries":"Points","max-geometries":1}"#);
    assert!(Carte::display(TRIANGLE, None, &restreint).unwrap().starts_with("Polygone"));
}
