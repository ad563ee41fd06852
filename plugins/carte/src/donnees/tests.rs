use super::*;
use crate::lecture::lire;
use crate::reglages::Reglages;

pub(crate) const DESSIN: &str = r#"{"type":"FeatureCollection","features":[
  {"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[3.8796,43.60845],[3.87985,43.60845],[3.87985,43.60865],[3.8796,43.60865],[3.8796,43.60845]]]},"properties":{"description":"Jardin"}},
  {"type":"Feature","geometry":{"type":"LineString","coordinates":[[0,45],[0,45.0166667]]},"properties":{}},
  {"type":"Feature","geometry":{"type":"Point","coordinates":[3.8796,43.60845]},"properties":{}}]}"#;

pub(crate) fn parcelle(idu: &str, commune: &str, surface: i64) -> Parcelle {
    Parcelle {
        idu: idu.to_owned(),
        commune: commune.to_owned(),
        code_insee: idu[..5].to_owned(),
        section: idu[8..10].to_owned(),
        numero: idu[10..].to_owned(),
        surface: Some(surface),
    }
}

pub(crate) fn comedie() -> Reponse {
    Reponse {
        parcelles: vec![parcelle("34172000HE0087", "Montpellier", 448), parcelle("34172000HE0088", "Montpellier", 447)],
        tronque: false,
    }
}

#[test]
fn writes_measures_and_parcels() {
    let carte = lire(DESSIN, &Reglages::default()).unwrap();
    let texte = ecrire(&carte, Some(&comedie()));
    let valeur = json::parse(&texte).unwrap();
    assert_eq!(valeur.get("geometries").and_then(Json::as_f64), Some(3.0));
    let surface = valeur.get("surface_m2").and_then(Json::as_f64).unwrap();
    assert!((surface - 447.63).abs() < 0.01, "{surface}");
    let longueur = valeur.get("longueur_m").and_then(Json::as_f64).unwrap();
    assert!((longueur - 1853.25).abs() < 1.0, "{longueur}");
    let mesures = valeur.get("mesures").and_then(Json::as_array).unwrap();
    assert_eq!(mesures.len(), 3);
    assert_eq!(mesures[2], json::parse(r#"{"type":"Point"}"#).unwrap());
    assert!(texte.contains(
        r#""parcelles":[{"idu":"34172000HE0087","commune":"Montpellier","code_insee":"34172","section":"HE","numero":"0087","surface":448},"#
    ));
    assert!(texte.ends_with(r#""parcelles_tronquees":false}"#));
    // Read back as display, search and export will.
    assert_eq!(lire_cadastre(&texte), Some(comedie()));
    // Without the cadastre layer: measures only.
    let sans = ecrire(&carte, None);
    assert!(!sans.contains("parcelles"));
    assert_eq!(lire_cadastre(&sans), None);
    assert!(json::parse(DONNEES_SCHEMA).is_ok());
}

#[test]
fn reads_donnees_leniently() {
    assert_eq!(lire_cadastre("{"), None);
    let vieilles = lire_cadastre(r#"{"parcelles":[{"idu":"2A004000BX0045"},{"commune":"sans idu"}]}"#).unwrap();
    assert_eq!(vieilles.parcelles.len(), 1);
    assert_eq!(libelle_parcelle(&vieilles.parcelles[0]), "2A004000BX0045");
}

#[test]
fn tells_the_usager_what_was_drawn() {
    let carte = lire(DESSIN, &Reglages::default()).unwrap();
    let resume = resume(&carte, Some(&Reponse { tronque: true, ..comedie() }));
    let resume: Vec<(&str, &str)> = resume.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    assert_eq!(
        resume,
        [
            ("Géométries", "1 polygone, 1 ligne et 1 point"),
            ("Surface totale", "448\u{a0}m²"),
            ("Longueur totale", "1,85\u{a0}km"),
            (
                "Parcelles cadastrales",
                "Montpellier HE 87 (448\u{a0}m²), Montpellier HE 88 (447\u{a0}m²) (liste incomplète)"
            ),
        ]
    );
    let points = lire(r#"{"type":"MultiPoint","coordinates":[[1,2],[3,4]]}"#, &Reglages::default()).unwrap();
    assert_eq!(resume_of(&points), [("Géométries".to_owned(), "1 point".to_owned())]);
    let vide = Reponse::default();
    assert_eq!(liste_parcelles(&vide), "aucune");
}

fn resume_of(carte: &Carte) -> Vec<(String, String)> {
    resume(carte, None)
}
