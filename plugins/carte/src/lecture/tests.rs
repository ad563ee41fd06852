use super::*;

fn fc(features: &[&str]) -> String {
    format!(r#"{{"type":"FeatureCollection","features":[{}]}}"#, features.join(","))
}

fn feature(geometry: &str) -> String {
    format!(r#"{{"type":"Feature","geometry":{geometry},"properties":{{}}}}"#)
}

fn polygon(rings: &str) -> String {
    feature(&format!(r#"{{"type":"Polygon","coordinates":{rings}}}"#))
}

fn codes(texte: &str) -> Vec<&'static str> {
    codes_with(texte, &Reglages::default())
}

fn codes_with(texte: &str, reglages: &Reglages) -> Vec<&'static str> {
    match lire(texte, reglages) {
        Ok(carte) => panic!("accepted: {}", carte.to_json()),
        Err(erreurs) => erreurs.iter().map(|e| e.code).collect(),
    }
}

fn normalized(texte: &str) -> String {
    lire(texte, &Reglages::default()).unwrap().to_json()
}

/// Montpellier, place de la Comédie: a square, counter-clockwise.
const CARRE: &str = "[[[3.8796,43.60845],[3.87985,43.60845],[3.87985,43.60865],[3.8796,43.60865],[3.8796,43.60845]]]";

#[test]
fn normalizes_a_drawing() {
    let texte = fc(&[
        r#"{"type":"Feature","id":7,"geometry":{"type":"Point","coordinates":[3.879600049,43.6084512]},
            "properties":{"description":"  Puits  ","couleur":"rouge"}}"#,
        // Clockwise, with a repeated vertex and 9 decimals.
        &polygon(
            "[[[3.8796,43.60845],[3.8796,43.60865],[3.8796,43.60865],[3.87985,43.60865],[3.879850001,43.60845],[3.8796,43.60845]]]",
        ),
        &feature(r#"{"type":"LineString","coordinates":[[3.8796,43.6084,27.456],[3.8796,43.6084],[3.88,43.61]]}"#),
    ]);
    let sortie = normalized(&texte);
    assert_eq!(
        sortie,
        fc(&[
            r#"{"type":"Feature","geometry":{"type":"Point","coordinates":[3.8796,43.6084512]},"properties":{"description":"Puits"}}"#,
            &polygon(CARRE),
            &feature(r#"{"type":"LineString","coordinates":[[3.8796,43.6084,27.46],[3.88,43.61]]}"#),
        ])
    );
    // Idempotent: the stored value reads back to itself.
    assert_eq!(normalized(&sortie), sortie);
}

#[test]
fn accepts_a_bare_feature_or_geometry() {
    let seule = fc(&[&polygon(CARRE)]);
    assert_eq!(normalized(&polygon(CARRE)), seule);
    assert_eq!(normalized(&format!(r#"{{"type":"Polygon","coordinates":{CARRE}}}"#)), seule);
    assert_eq!(normalized(&format!(r#"  {{"type":"Polygon","coordinates":{CARRE}}}  "#)), seule);
}

#[test]
fn refuses_what_is_not_geojson() {
    assert_eq!(codes("{\"type\":"), ["format-json"]);
    assert_eq!(codes(r#"{"type":"FeatureCollection","type":"Point","features":[]}"#), ["format-json"]);
    assert_eq!(codes("[]"), ["format-geojson"]);
    assert_eq!(codes(r#"{"type":"Topology"}"#), ["format-geojson"]);
    assert_eq!(codes(r#"{"type":"FeatureCollection"}"#), ["format-geojson"]);
    assert_eq!(codes(&fc(&[])), ["aucune-geometrie"]);
    assert_eq!(codes(&fc(&[r#"{"type":"Point","coordinates":[1,2]}"#])), ["format-geojson"]);
    assert_eq!(codes(&fc(&[r#"{"type":"Feature","properties":{}}"#])), ["geometrie-manquante"]);
    assert_eq!(codes(&fc(&[r#"{"type":"Feature","geometry":null}"#])), ["geometrie-manquante"]);
    assert_eq!(codes(&fc(&[&feature(r#"{"type":"Point"}"#)])), ["coordonnees"]);
    let message = lire(&feature(r#"{"type":"Point","coordinates":[1,2]}"#).replace("{}", "[]"), &Reglages::default());
    assert_eq!(message.unwrap_err()[0].code, "format-geojson");
    let json_error = lire("{\"type\": x}", &Reglages::default()).unwrap_err();
    assert_eq!(json_error[0].message, "Le texte saisi n'est pas du JSON valide (caractère 10). Saisissez du GeoJSON.");
}

#[test]
fn refuses_unsupported_or_disallowed_types() {
    let collection = r#"{"type":"GeometryCollection","geometries":[]}"#;
    assert_eq!(codes(&fc(&[&feature(collection)])), ["type-de-geometrie"]);
    assert_eq!(codes(collection), ["type-de-geometrie"]);
    let seulement_polygones = Reglages { points: false, lignes: false, ..Reglages::default() };
    let erreurs = lire(&fc(&[&feature(r#"{"type":"MultiPoint","coordinates":[[1,2]]}"#)]), &seulement_polygones);
    let erreurs = erreurs.unwrap_err();
    assert_eq!(erreurs[0].code, "type-non-autorise");
    assert_eq!(
        erreurs[0].message,
        "Les points ne sont pas acceptés pour ce champ (géométrie n° 1). Géométries acceptées : polygones."
    );
    assert!(lire(&fc(&[&polygon(CARRE)]), &seulement_polygones).is_ok());
}

#[test]
fn refuses_positions_that_are_not_wgs84_degrees() {
    let point = |c: &str| fc(&[&feature(&format!(r#"{{"type":"Point","coordinates":{c}}}"#))]);
    // Lambert 93 (EPSG:2154) metres pasted as degrees.
    let lambert = lire(&point("[770000.5, 6279000.2]"), &Reglages::default()).unwrap_err();
    assert_eq!(lambert[0].code, "longitude");
    assert_eq!(
        lambert[0].message,
        "Les coordonnées doivent être en degrés WGS 84 (longitude entre -180 et 180) : géométrie n° 1."
    );
    assert_eq!(codes(&point("[3.8, 91]")), ["latitude"]);
    assert_eq!(codes(&point("[180.0000001, 0]")), ["longitude"]);
    assert!(lire(&point("[-180, -90]"), &Reglages::default()).is_ok());
    assert_eq!(codes(&point("[3.8]")), ["position"]);
    assert_eq!(codes(&point("[3.8, 43, 10, 1]")), ["position"]);
    assert_eq!(codes(&point(r#"["3.8", 43]"#)), ["position"]);
    assert_eq!(codes(&point("[3.8, 43, 200000]")), ["altitude"]);
    assert_eq!(codes(&point("[[3.8, 43]]")), ["position"]);
    assert_eq!(codes(&point("3.8")), ["coordonnees"]);
    let crs = r#"{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::2154"}},"features":[]}"#;
    assert_eq!(codes(crs), ["systeme-de-coordonnees"]);
    let crs84 = crs
        .replace("EPSG::2154", "OGC:1.3:CRS84")
        .replace("[]", &format!("[{}]", feature(r#"{"type":"Point","coordinates":[1,2]}"#)));
    assert!(lire(&crs84, &Reglages::default()).is_ok());
}

#[test]
fn refuses_degenerate_lines() {
    let ligne = |c: &str| fc(&[&feature(&format!(r#"{{"type":"LineString","coordinates":{c}}}"#))]);
    assert_eq!(codes(&ligne("[[3.8, 43]]")), ["ligne-trop-courte"]);
    // Distinct as typed, the same point once rounded to 1 cm.
    assert_eq!(codes(&ligne("[[3.8, 43], [3.80000001, 43]]")), ["ligne-trop-courte"]);
    assert_eq!(codes(&fc(&[&feature(r#"{"type":"MultiLineString","coordinates":[]}"#)])), ["geometrie-vide"]);
    // A path may cross itself.
    assert!(lire(&ligne("[[0,0],[1,1],[1,0],[0,1]]"), &Reglages::default()).is_ok());
}

#[test]
fn refuses_invalid_polygons_with_their_number() {
    let bowtie = "[[[0,0],[1,1],[1,0],[0,1],[0,0]]]";
    let erreurs = lire(&fc(&[&polygon(CARRE), &polygon(bowtie)]), &Reglages::default()).unwrap_err();
    assert_eq!(erreurs, [Erreur::new("auto-intersection", "Le polygone n° 2 se recoupe lui-même.")]);
    assert_eq!(codes(&fc(&[&polygon("[[[0,0],[1,0],[1,1],[0,1]]]")])), ["contour-non-ferme"]);
    assert_eq!(codes(&fc(&[&polygon("[[[0,0],[1,0],[0,0],[0,0]]]")])), ["contour-trop-court"]);
    assert_eq!(codes(&fc(&[&polygon("[[[0,0],[1,0],[2,0],[0,0]]]")])), ["surface-nulle"]);
    assert_eq!(codes(&fc(&[&polygon("[]")])), ["geometrie-vide"]);
    // A spike: goes out along an edge and comes back.
    assert_eq!(codes(&fc(&[&polygon("[[[0,0],[2,0],[3,0],[2,0],[2,2],[0,2],[0,0]]]")])), ["auto-intersection"]);
}

#[test]
fn checks_holes() {
    let trou = |t: &str| fc(&[&polygon(&format!("[[[0,0],[10,0],[10,10],[0,10],[0,0]],{t}]"))]);
    let bon = lire(&trou("[[2,2],[4,2],[4,4],[2,4],[2,2]]"), &Reglages::default()).unwrap();
    // The hole was counter-clockwise: turned clockwise.
    let Geometrie::Polygon(rings) = &bon.entites[0].geometrie else { panic!("not a polygon") };
    assert!(plan::twice_area(&rings[0]) > 0 && plan::twice_area(&rings[1]) < 0);
    assert_eq!(codes(&trou("[[8,8],[12,8],[12,12],[8,12],[8,8]]")), ["trou-hors-contour"]);
    assert_eq!(codes(&trou("[[20,20],[22,20],[22,22],[20,20]]")), ["trou-hors-contour"]);
    assert_eq!(codes(&trou("[[2,2],[6,2],[6,6],[2,6],[2,2]],[[4,4],[8,4],[8,8],[4,8],[4,4]]")), ["trous-chevauchants"]);
    assert_eq!(codes(&trou("[[0,0],[10,0],[10,10],[0,10],[0,0]]")), ["surface-nulle"]);
    assert_eq!(codes(&trou("[[2,2],[4,4],[4,2],[2,4],[2,2]]")), ["auto-intersection"]);
}

#[test]
fn checks_multipolygon_parts() {
    let multi = |c: &str| fc(&[&feature(&format!(r#"{{"type":"MultiPolygon","coordinates":{c}}}"#))]);
    let a = "[[[0,0],[2,0],[2,2],[0,2],[0,0]]]";
    assert!(lire(&multi(&format!("[{a},[[[2,0],[4,0],[4,2],[2,2],[2,0]]]]")), &Reglages::default()).is_ok());
    assert_eq!(codes(&multi(&format!("[{a},[[[1,1],[3,1],[3,3],[1,3],[1,1]]]]"))), ["parties-chevauchantes"]);
    assert_eq!(codes(&multi("[]")), ["geometrie-vide"]);
}

#[test]
fn enforces_the_caps() {
    let point = feature(r#"{"type":"Point","coordinates":[1,2]}"#);
    let trois = Reglages { max_geometries: 2, ..Reglages::default() };
    let erreurs = lire(&fc(&[&point, &point, &point]), &trois).unwrap_err();
    assert_eq!(erreurs, [Erreur::new("trop-de-geometries", "Ce champ accepte au plus 2 géométries (3 saisies).")]);
    let many: Vec<String> = (0..=crate::reglages::MAX_GEOMETRIES).map(|_| point.clone()).collect();
    let many: Vec<&str> = many.iter().map(String::as_str).collect();
    assert_eq!(codes(&fc(&many)), ["trop-de-geometries"]);

    let line = |n: usize| {
        let positions: Vec<String> = (0..n).map(|i| format!("[{},{}]", i % 100, i / 100)).collect();
        feature(&format!(r#"{{"type":"LineString","coordinates":[{}]}}"#, positions.join(",")))
    };
    assert!(lire(&fc(&[&line(MAX_SOMMETS_PAR_GEOMETRIE)]), &Reglages::default()).is_ok());
    assert_eq!(codes(&fc(&[&line(MAX_SOMMETS_PAR_GEOMETRIE + 1)])), ["trop-de-sommets"]);
    let lines: Vec<String> = (0..6).map(|_| line(MAX_SOMMETS_PAR_GEOMETRIE)).collect();
    let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
    assert_eq!(codes(&fc(&lines)), ["trop-de-sommets-au-total"]);

    assert_eq!(codes(&" ".repeat(MAX_VALEUR + 1)), ["trop-volumineux"]);
    let description = |d: &str| {
        fc(&[&format!(
            r#"{{"type":"Feature","geometry":{{"type":"Point","coordinates":[1,2]}},"properties":{{"description":{d}}}}}"#
        )])
    };
    assert_eq!(codes(&description(&format!("\"{}\"", "é".repeat(MAX_DESCRIPTION + 1)))), ["description"]);
    assert_eq!(codes(&description("12")), ["description"]);
    assert!(lire(&description(&format!("\"{}\"", "é".repeat(MAX_DESCRIPTION))), &Reglages::default()).is_ok());
}

#[test]
fn reports_several_problems_at_most_ten() {
    let bad = feature(r#"{"type":"Point","coordinates":[500,2]}"#);
    let all: Vec<&str> = (0..20).map(|_| bad.as_str()).collect();
    assert_eq!(codes(&fc(&all)).len(), MAX_ERREURS);
    let two = fc(&[&bad, &feature(r#"{"type":"Point","coordinates":[1,2]}"#), &bad]);
    let erreurs = lire(&two, &Reglages::default()).unwrap_err();
    assert!(erreurs[1].message.ends_with("géométrie n° 3."), "{}", erreurs[1].message);
}

/// xorshift64*: deterministic, so a failure replays.
struct Alea(u64);

impl Alea {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

#[test]
fn never_panics_and_stays_idempotent_on_mangled_input() {
    let seeds = [
        fc(&[&polygon(CARRE), &feature(r#"{"type":"LineString","coordinates":[[3.8,43.6],[3.9,43.7,12.5]]}"#)]),
        fc(&[&feature(
            r#"{"type":"MultiPolygon","coordinates":[[[[0,0],[2,0],[2,2],[0,0]]],[[[5,5],[6,5],[6,6],[5,5]]]]}"#,
        )]),
        polygon("[[[0,0],[10,0],[10,10],[0,10],[0,0]],[[2,2],[2,4],[4,4],[4,2],[2,2]]]"),
    ];
    let alphabet: Vec<char> = "[]{},:\"0123456789.-eE aptyeFeaturePolygon\\u00é".chars().collect();
    let mut alea = Alea(0x9E37_79B9_7F4A_7C15);
    let mut acceptes = 0;
    for round in 0..3_000 {
        let mut texte: Vec<char> = seeds[round % seeds.len()].chars().collect();
        for _ in 0..1 + alea.below(4) {
            let at = alea.below(texte.len());
            match alea.below(3) {
                0 => {
                    texte.remove(at);
                }
                1 => texte.insert(at, alphabet[alea.below(alphabet.len())]),
                _ => texte[at] = alphabet[alea.below(alphabet.len())],
            }
        }
        let texte: String = texte.into_iter().collect();
        if let Ok(carte) = lire(&texte, &Reglages::default()) {
            acceptes += 1;
            let sortie = carte.to_json();
            assert_eq!(normalized(&sortie), sortie, "from {texte}");
        }
    }
    // Mutations inside numbers keep many inputs valid: both paths ran.
    assert!(acceptes > 50, "{acceptes}");
}

#[test]
fn the_worst_drawing_is_checked_quickly() {
    // Four 1,000-vertex star polygons (every edge pair is tested): about
    // the most work 64 KiB can ask of validate.
    let etoile = |cx: f64| {
        let ring: Vec<String> = (0..=998)
            .map(|i| {
                let i = i % 998;
                let a = f64::from(i) * std::f64::consts::TAU / 998.0;
                let r = if i % 2 == 0 { 1.0 } else { 0.6 };
                format!("[{:.3},{:.3}]", cx + r * a.cos(), r * a.sin())
            })
            .collect();
        polygon(&format!("[[{}]]", ring.join(",")))
    };
    let etoiles: Vec<String> = (0..4).map(|i| etoile(f64::from(i) * 3.0)).collect();
    let etoiles: Vec<&str> = etoiles.iter().map(String::as_str).collect();
    let texte = fc(&etoiles);
    assert!(texte.len() < MAX_VALEUR, "{}", texte.len());
    let debut = std::time::Instant::now();
    let carte = lire(&texte, &Reglages::default()).unwrap();
    let duree = debut.elapsed();
    assert_eq!(carte.entites.len(), 4);
    // Natively, unoptimized; the component runs optimized code.
    assert!(duree < std::time::Duration::from_secs(2), "{duree:?}");
    eprintln!("four 1,000-vertex polygons checked in {duree:?}");
}
