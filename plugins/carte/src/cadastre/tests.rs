use super::*;
use crate::lecture::lire;
use crate::reglages::Reglages;

/// A parcel feature shaped like the PCI layer's (and like the contract
/// server's `parcelle()` in tests/support/contrats/api_carto.rs).
fn parcelle_api(idu: &str, nom_com: &str, w: f64, s: f64, e: f64, n: f64) -> String {
    format!(
        r#"{{"type":"Feature","id":"parcelle.1234567","geometry":{{"type":"MultiPolygon","coordinates":
        [[[[{w},{s}],[{e},{s}],[{e},{n}],[{w},{n}],[{w},{s}]]]]}},"geometry_name":"geom",
        "properties":{{"gid":1234567,"numero":"{numero}","feuille":1,"section":"{section}","code_dep":"{dep}",
        "nom_com":"{nom_com}","code_com":"{com}","com_abs":"000","code_arr":"000","idu":"{idu}","contenance":448,
        "code_insee":"{dep}{com}"}},"bbox":[{w},{s},{e},{n}]}}"#,
        numero = &idu[10..14],
        section = &idu[8..10],
        dep = &idu[0..2],
        com = &idu[2..5],
    )
}

fn collection(features: &[String], matched: usize) -> String {
    format!(
        r#"{{"type":"FeatureCollection","features":[{}],"totalFeatures":{matched},"numberMatched":{matched},
        "numberReturned":{},"timeStamp":"2026-12-02T01:00:00.000Z",
        "crs":{{"type":"name","properties":{{"name":"urn:ogc:def:crs:EPSG::4326"}}}}}}"#,
        features.join(","),
        features.len()
    )
}

fn comedie() -> [String; 2] {
    [
        parcelle_api("34172000HE0087", "Montpellier", 3.8796, 43.60845, 3.87985, 43.60865),
        parcelle_api("34172000HE0088", "Montpellier", 3.87985, 43.60845, 3.8801, 43.60865),
    ]
}

fn carte(geojson: &str) -> Carte {
    lire(geojson, &Reglages::default()).unwrap()
}

/// A triangle inside HE0087 whose bounding box reaches into HE0088.
const TRIANGLE: &str =
    r#"{"type":"Polygon","coordinates":[[[3.8797,43.6085],[3.87984,43.6085],[3.87984,43.60864],[3.8797,43.6085]]]}"#;

#[test]
fn builds_the_documented_request() {
    let (liste, tronque) = requetes(&carte(TRIANGLE));
    assert!(!tronque);
    assert_eq!(liste.len(), 1);
    assert_eq!(
        liste[0].url,
        "https://apicarto.ign.fr/api/cadastre/parcelle?geom=%7B%22type%22%3A%22Polygon%22%2C%22coordinates%22%3A\
         %5B%5B%5B3.8797%2C43.6085%5D%2C%5B3.87984%2C43.6085%5D%2C%5B3.87984%2C43.60864%5D%2C%5B3.8797%2C43.6085\
         %5D%5D%5D%7D&_limit=200"
    );
    // Points and lines are not looked up.
    let (aucune, _) = requetes(&carte(r#"{"type":"LineString","coordinates":[[3.8,43.6],[3.9,43.7]]}"#));
    assert!(aucune.is_empty());
}

#[test]
fn sends_a_detailed_polygon_as_its_bounding_box() {
    // A 400-vertex circle-like polygon around the Comédie.
    let ring: Vec<String> = (0..=400)
        .map(|i| {
            let a = f64::from(i % 400) * std::f64::consts::TAU / 400.0;
            format!("[{:.7},{:.7}]", 3.87985 + 0.0001 * a.cos(), 43.60855 + 0.0001 * a.sin())
        })
        .collect();
    let cercle = carte(&format!(r#"{{"type":"Polygon","coordinates":[[{}]]}}"#, ring.join(",")));
    let requete = requetes(&cercle).0.remove(0);
    assert!(requete.url.len() < 400, "{}", requete.url.len());
    assert!(requete.url.contains("%5B3.87975%2C43.60845%5D"), "{}", requete.url);
    assert_eq!(requete.polygones[0][0].len(), 401, "filtered against the real shape");
}

#[test]
fn caps_the_number_of_requests() {
    let carre = r#"{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[1,1],[1.1,1],[1.1,1.1],[1,1]]]},"properties":{}}"#;
    let features: Vec<&str> = (0..MAX_REQUETES + 1).map(|_| carre).collect();
    let (liste, tronque) =
        requetes(&carte(&format!(r#"{{"type":"FeatureCollection","features":[{}]}}"#, features.join(","))));
    assert_eq!(liste.len(), MAX_REQUETES);
    assert!(tronque);
}

#[test]
fn keeps_the_parcels_the_polygon_really_meets() {
    let requete = requetes(&carte(TRIANGLE)).0.remove(0);
    let corps = collection(&comedie(), 2);
    let reponse = lire_reponse(200, corps.as_bytes(), &requete.polygones).unwrap();
    assert_eq!(
        reponse,
        Reponse {
            parcelles: vec![Parcelle {
                idu: "34172000HE0087".to_owned(),
                commune: "Montpellier".to_owned(),
                code_insee: "34172".to_owned(),
                section: "HE".to_owned(),
                numero: "0087".to_owned(),
                surface: Some(448),
            }],
            tronque: false,
        }
    );
    // A polygon over the shared edge meets both.
    let large = carte(
        r#"{"type":"Polygon","coordinates":[[[3.8797,43.6085],[3.88,43.6085],[3.88,43.6086],[3.8797,43.6085]]]}"#,
    );
    let requete = requetes(&large).0.remove(0);
    let reponse = lire_reponse(200, corps.as_bytes(), &requete.polygones).unwrap();
    assert_eq!(reponse.parcelles.len(), 2);
}

#[test]
fn says_when_api_carto_had_more() {
    let requete = requetes(&carte(TRIANGLE)).0.remove(0);
    let corps = collection(&comedie()[..1], 250);
    assert!(lire_reponse(200, corps.as_bytes(), &requete.polygones).unwrap().tronque);
}

#[test]
fn maps_failures() {
    let polygones = requetes(&carte(TRIANGLE)).0.remove(0).polygones;
    let panne = |statut: u16, corps: &str| lire_reponse(statut, corps.as_bytes(), &polygones).unwrap_err();
    assert!(matches!(panne(503, r#"{"code":503,"message":"Service Unavailable"}"#), Echec::Indisponible(_)));
    assert!(matches!(panne(429, r#"{"code":429,"message":"Too Many Requests"}"#), Echec::Indisponible(_)));
    assert!(matches!(panne(502, "<html>Bad gateway</html>"), Echec::Indisponible(_)));
    let refus = panne(400, r#"{"code":400,"message":{"geom":{"type":"field","msg":"position should be an array"}}}"#);
    assert!(matches!(&refus, Echec::Refus(m) if m.contains("position should be an array")), "{refus:?}");
    assert!(matches!(panne(200, "<html>"), Echec::Indisponible(_)));
    assert!(matches!(panne(200, r#"{"type":"Feature"}"#), Echec::Indisponible(_)));
    assert!(matches!(panne(200, "\u{ff}"), Echec::Indisponible(_)));
    // An empty answer is an answer: no parcel there (the sea, abroad).
    let vide = lire_reponse(200, collection(&[], 0).as_bytes(), &polygones).unwrap();
    assert_eq!(vide, Reponse::default());
}

#[test]
fn merges_answers_once_per_parcel() {
    let p = |idu: &str| Parcelle {
        idu: idu.to_owned(),
        commune: String::new(),
        code_insee: String::new(),
        section: String::new(),
        numero: String::new(),
        surface: None,
    };
    let a = Reponse { parcelles: vec![p("A"), p("B")], tronque: false };
    let b = Reponse { parcelles: vec![p("B"), p("C")], tronque: false };
    let fusion = fusionner(vec![a, b], false);
    assert_eq!(fusion.parcelles.iter().map(|p| p.idu.as_str()).collect::<Vec<_>>(), ["A", "B", "C"]);
    assert!(!fusion.tronque);
    let many = Reponse { parcelles: (0..MAX_PARCELLES + 5).map(|i| p(&i.to_string())).collect(), tronque: false };
    let fusion = fusionner(vec![many], false);
    assert_eq!(fusion.parcelles.len(), MAX_PARCELLES);
    assert!(fusion.tronque);
}
