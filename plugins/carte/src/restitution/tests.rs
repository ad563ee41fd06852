use super::*;
use crate::donnees::tests::{DESSIN, comedie};
use crate::lecture::lire;

fn carte(texte: &str) -> Carte {
    lire(texte, &Reglages::default()).unwrap()
}

#[test]
fn displays_each_geometry_then_parcels() {
    assert_eq!(
        afficher(&carte(DESSIN), Some(&comedie())),
        "Polygone « Jardin » : 448\u{a0}m² ; Ligne : 1,85\u{a0}km ; Point : 43,60845°\u{a0}N, 3,8796°\u{a0}E\n\
         Parcelles cadastrales : Montpellier HE 87 (448\u{a0}m²), Montpellier HE 88 (447\u{a0}m²)"
    );
    let deux = r#"{"type":"FeatureCollection","features":[
      {"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[0,0],[0.01,0],[0.01,0.01],[0,0.01],[0,0]]]},"properties":{}},
      {"type":"Feature","geometry":{"type":"MultiPolygon","coordinates":[[[[1,1],[1.001,1],[1.001,1.001],[1,1]]],[[[2,2],[2.001,2],[2.001,2.001],[2,2]]]]},"properties":{}},
      {"type":"Feature","geometry":{"type":"MultiPoint","coordinates":[[1,2],[-3,-4]]},"properties":{}}]}"#;
    assert_eq!(
        afficher(&carte(deux), None),
        "Polygone : 123,64\u{a0}ha ; Polygone en 2 parties : 1,24\u{a0}ha ; \
         2 points : 2°\u{a0}N, 1°\u{a0}E ; 4°\u{a0}S, 3°\u{a0}O\n\
         Surface totale : 124,88\u{a0}ha"
    );
}

#[test]
fn search_text_has_communes_parcels_and_descriptions() {
    assert_eq!(
        texte_de_recherche(&carte(DESSIN), Some(&comedie())),
        "Jardin Montpellier 34172 34172000HE0087 HE0087 34172000HE0088 HE0088"
    );
    assert_eq!(texte_de_recherche(&carte(DESSIN), None), "Jardin");
}

#[test]
fn exports_totals_and_parcels() {
    let avec = Reglages { cadastres: true, ..Reglages::default() };
    let ids: Vec<&str> = colonnes(&avec).iter().map(|(id, _)| *id).collect();
    assert_eq!(ids, ["nombre-geometries", "surface-totale-m2", "longueur-totale-m", "parcelles"]);
    assert_eq!(
        valeurs(&carte(DESSIN), Some(&comedie()), &avec),
        ["3", "448", "1853", "34172000HE0087, 34172000HE0088"]
    );
    assert_eq!(valeurs(&carte(DESSIN), None, &avec)[3], "");
    let sans = Reglages::default();
    assert_eq!(colonnes(&sans).len(), 3);
    assert_eq!(valeurs(&carte(DESSIN), Some(&comedie()), &sans).len(), 3);
}
