//! A drawing typed as positions, for the carte champ without a map (no
//! JavaScript, a screen reader, a GPS reading copied from a phone): one
//! « latitude, longitude » per line, shapes separated by an empty line,
//! and the kind of shape chosen in a list. It becomes the GeoJSON the map
//! would have written, and a stored drawing is shown back the same way.

use serde_json::{Value, json};

/// Positions one typed drawing may hold: bounds the GeoJSON a pasted list
/// becomes before the plugin's own limits refuse it (the request body is
/// already bounded; this bounds the work and the error messages).
pub const POSITIONS_MAX: usize = 10_000;

/// The kind of shape the typed positions draw.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Forme {
    /// Each line a point.
    Points,
    /// Each group of lines a line.
    Lignes,
    /// Each group of lines the outline of a surface.
    Surfaces,
}

impl Forme {
    pub const TOUTES: [Forme; 3] = [Forme::Points, Forme::Lignes, Forme::Surfaces];

    pub fn as_str(self) -> &'static str {
        match self {
            Forme::Points => "points",
            Forme::Lignes => "lignes",
            Forme::Surfaces => "surfaces",
        }
    }

    pub fn parse(s: &str) -> Option<Forme> {
        Forme::TOUTES.into_iter().find(|f| f.as_str() == s)
    }

    pub fn libelle(self) -> &'static str {
        match self {
            Forme::Points => "Un ou plusieurs points",
            Forme::Lignes => "Une ou plusieurs lignes",
            Forme::Surfaces => "Une ou plusieurs surfaces",
        }
    }
}

/// The GeoJSON FeatureCollection the typed positions draw, `None` when
/// nothing was typed; a French message naming the line otherwise.
pub fn vers_geojson(forme: Forme, texte: &str) -> Result<Option<String>, String> {
    let mut groupes: Vec<Vec<[f64; 2]>> = vec![Vec::new()];
    let mut total = 0;
    for (numero, ligne) in texte.lines().enumerate() {
        let ligne = ligne.trim();
        if ligne.is_empty() {
            if groupes.last().is_some_and(|g| !g.is_empty()) {
                groupes.push(Vec::new());
            }
            continue;
        }
        total += 1;
        if total > POSITIONS_MAX {
            return Err(format!("Saisissez au plus {POSITIONS_MAX} positions."));
        }
        let position = position(ligne).map_err(|m| format!("Ligne {} : {m}", numero + 1))?;
        if let Some(groupe) = groupes.last_mut() {
            groupe.push(position);
        }
    }
    groupes.retain(|g| !g.is_empty());
    if groupes.is_empty() {
        return Ok(None);
    }
    let mut geometries = Vec::new();
    for (rang, groupe) in groupes.into_iter().enumerate() {
        match forme {
            Forme::Points => geometries.extend(groupe.into_iter().map(|p| json!({"type": "Point", "coordinates": p}))),
            Forme::Lignes if groupe.len() < 2 => {
                return Err(format!("La ligne n° {} a besoin d'au moins 2 positions.", rang + 1));
            }
            Forme::Lignes => geometries.push(json!({"type": "LineString", "coordinates": groupe})),
            Forme::Surfaces => {
                let mut anneau = groupe;
                if anneau.first() != anneau.last() {
                    anneau.push(anneau[0]);
                }
                if anneau.len() < 4 {
                    return Err(format!("La surface n° {} a besoin d'au moins 3 positions.", rang + 1));
                }
                geometries.push(json!({"type": "Polygon", "coordinates": [anneau]}));
            }
        }
    }
    let features: Vec<Value> =
        geometries.into_iter().map(|g| json!({"type": "Feature", "properties": {}, "geometry": g})).collect();
    Ok(Some(json!({"type": "FeatureCollection", "features": features}).to_string()))
}

/// A stored drawing as it would be typed, when it can be: shapes of one
/// kind, surfaces without holes. `None` otherwise (the page then keeps the
/// drawing as it is unless new positions are typed).
pub fn depuis_geojson(geojson: &str) -> Option<(Forme, String)> {
    let racine: Value = serde_json::from_str(geojson).ok()?;
    let geometries: Vec<&Value> = match racine.get("type")?.as_str()? {
        "FeatureCollection" => racine.get("features")?.as_array()?.iter().filter_map(|f| f.get("geometry")).collect(),
        "Feature" => vec![racine.get("geometry")?],
        _ => vec![&racine],
    };
    let mut forme = None;
    let mut groupes: Vec<Vec<String>> = Vec::new();
    for g in geometries {
        let c = g.get("coordinates")?;
        let (genre, nouveaux): (Forme, Vec<Vec<String>>) = match g.get("type")?.as_str()? {
            "Point" => (Forme::Points, vec![vec![ecrire(c)?]]),
            "MultiPoint" => (Forme::Points, vec![lignes(c)?]),
            "LineString" => (Forme::Lignes, vec![lignes(c)?]),
            "MultiLineString" => (Forme::Lignes, c.as_array()?.iter().map(lignes).collect::<Option<_>>()?),
            "Polygon" => (Forme::Surfaces, vec![contour(c)?]),
            "MultiPolygon" => (Forme::Surfaces, c.as_array()?.iter().map(contour).collect::<Option<_>>()?),
            _ => return None,
        };
        if forme.is_some_and(|f| f != genre) {
            return None;
        }
        forme = Some(genre);
        groupes.extend(nouveaux);
    }
    let forme = forme?;
    let separateur = if forme == Forme::Points { "\n" } else { "\n\n" };
    Some((forme, groupes.iter().map(|g| g.join("\n")).collect::<Vec<_>>().join(separateur)))
}

/// The outline of a surface without holes, its closing position left out.
fn contour(anneaux: &Value) -> Option<Vec<String>> {
    let anneaux = anneaux.as_array()?;
    if anneaux.len() != 1 {
        return None;
    }
    let mut positions = lignes(&anneaux[0])?;
    if positions.len() > 1 && positions.first() == positions.last() {
        positions.pop();
    }
    Some(positions)
}

fn lignes(positions: &Value) -> Option<Vec<String>> {
    positions.as_array()?.iter().map(ecrire).collect()
}

/// `[lon, lat]` written « lat, lon », as people read a GPS.
fn ecrire(p: &Value) -> Option<String> {
    Some(format!("{}, {}", p.get(1)?.as_f64()?, p.get(0)?.as_f64()?))
}

/// One typed position, `[lon, lat]`. Takes « 48.8566, 2.3522 »,
/// « 48,8566 ; 2,3522 », « 48,8566 2,3522 » and « 48.8566 2.3522 ».
fn position(ligne: &str) -> Result<[f64; 2], String> {
    let exemple = "écrivez la latitude puis la longitude en degrés décimaux, par exemple 48.8566, 2.3522";
    let illisible = || format!("« {} » n'est pas une position : {exemple}.", court(ligne));
    let parts: Vec<String> = if ligne.contains(';') {
        ligne.split(';').map(|p| p.trim().replace(',', ".")).collect()
    } else {
        let mots: Vec<&str> =
            ligne.split_whitespace().map(|m| m.trim_end_matches(',')).filter(|m| !m.is_empty()).collect();
        match mots.as_slice() {
            [seul] if seul.contains('.') => seul.split(',').map(str::to_owned).collect(),
            [a, b] => vec![a.replace(',', "."), b.replace(',', ".")],
            _ => return Err(illisible()),
        }
    };
    let [lat, lon] = parts.as_slice() else { return Err(illisible()) };
    let nombre = |s: &str| s.parse::<f64>().ok().filter(|x| x.is_finite());
    let (Some(lat), Some(lon)) = (nombre(lat), nombre(lon)) else { return Err(illisible()) };
    if !(-90.0..=90.0).contains(&lat) {
        return Err(format!("la latitude {} n'est pas comprise entre -90 et 90 : {exemple}.", court(&lat.to_string())));
    }
    if !(-180.0..=180.0).contains(&lon) {
        return Err(format!("la longitude {} n'est pas comprise entre -180 et 180.", court(&lon.to_string())));
    }
    Ok([lon, lat])
}

/// A typed text quoted in a message, cut so that a pasted book does not
/// become the message.
fn court(s: &str) -> String {
    const MAX: usize = 60;
    if s.chars().count() <= MAX { s.to_owned() } else { format!("{}…", s.chars().take(MAX).collect::<String>()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_in_every_french_way_become_points() {
        let texte = "48.8566, 2.3522\n48,8566 ; 2,3522\n48,8566 2,3522\n 43.6085 3.8796 \n-21.1151,55.5364";
        let geojson = vers_geojson(Forme::Points, texte).expect("valid").expect("something");
        let v: Value = serde_json::from_str(&geojson).expect("json");
        let features = v["features"].as_array().expect("features");
        assert_eq!(features.len(), 5);
        assert_eq!(features[0]["geometry"], json!({"type": "Point", "coordinates": [2.3522, 48.8566]}));
        assert_eq!(features[1]["geometry"]["coordinates"], json!([2.3522, 48.8566]));
        assert_eq!(features[3]["geometry"]["coordinates"], json!([3.8796, 43.6085]));
        assert_eq!(features[4]["geometry"]["coordinates"], json!([55.5364, -21.1151]));
    }

    #[test]
    fn groups_become_lines_and_closed_surfaces() {
        let texte = "48.0, 2.0\n48.01, 2.0\n48.01, 2.01\n\n\n47.0, 1.0\n47.0, 1.01\n47.01, 1.01\n47.0, 1.0";
        let v: Value = serde_json::from_str(&vers_geojson(Forme::Surfaces, texte).unwrap().unwrap()).unwrap();
        let f = v["features"].as_array().unwrap();
        assert_eq!(f.len(), 2);
        assert_eq!(f[0]["geometry"]["type"], "Polygon");
        let anneau = f[0]["geometry"]["coordinates"][0].as_array().unwrap();
        assert_eq!(anneau.len(), 4, "closed by the first position");
        assert_eq!(anneau.first(), anneau.last());
        assert_eq!(f[1]["geometry"]["coordinates"][0].as_array().unwrap().len(), 4, "already closed: kept");
        let v: Value = serde_json::from_str(&vers_geojson(Forme::Lignes, texte).unwrap().unwrap()).unwrap();
        assert_eq!(v["features"][0]["geometry"]["type"], "LineString");
        assert_eq!(v["features"].as_array().unwrap().len(), 2);
    }

    #[test]
    fn bad_positions_are_named_by_their_line_in_french() {
        let erreur = vers_geojson(Forme::Points, "48.8, 2.3\nprès de la mairie").unwrap_err();
        assert!(erreur.starts_with("Ligne 2 : « près de la mairie » n'est pas une position"), "{erreur}");
        let erreur = vers_geojson(Forme::Points, "95, 2").unwrap_err();
        assert!(erreur.contains("latitude 95 n'est pas comprise entre -90 et 90"), "{erreur}");
        let erreur = vers_geojson(Forme::Points, "45, 200").unwrap_err();
        assert!(erreur.contains("longitude 200"), "{erreur}");
        for mauvais in ["NaN, 2", "inf, 2", "1, 2, 3", "1", "1;2;3", "48.1.2, 3", ",", ";"] {
            assert!(vers_geojson(Forme::Points, mauvais).is_err(), "{mauvais} refused");
        }
        let erreur = vers_geojson(Forme::Surfaces, "48, 2\n48.1, 2").unwrap_err();
        assert_eq!(erreur, "La surface n° 1 a besoin d'au moins 3 positions.");
        let erreur = vers_geojson(Forme::Lignes, "48, 2\n\n48.1, 2\n48.2, 2").unwrap_err();
        assert_eq!(erreur, "La ligne n° 1 a besoin d'au moins 2 positions.");
        let long = "x".repeat(500);
        assert!(vers_geojson(Forme::Points, &long).unwrap_err().chars().count() < 200, "a long line is cut");
    }

    #[test]
    fn nothing_typed_is_no_drawing_and_the_count_is_bounded() {
        assert_eq!(vers_geojson(Forme::Surfaces, " \n\n  "), Ok(None));
        let beaucoup = "48, 2\n".repeat(POSITIONS_MAX + 1);
        assert!(vers_geojson(Forme::Points, &beaucoup).unwrap_err().contains("au plus"));
    }

    #[test]
    fn a_stored_drawing_reads_back_as_typed_and_round_trips() {
        for (forme, texte) in [
            (Forme::Points, "48.8566, 2.3522\n43.6085, 3.8796"),
            (Forme::Lignes, "48, 2\n48.01, 2\n\n47, 1\n47.5, 1.5"),
            (Forme::Surfaces, "48, 2\n48.01, 2\n48.01, 2.01"),
        ] {
            let geojson = vers_geojson(forme, texte).unwrap().unwrap();
            assert_eq!(depuis_geojson(&geojson), Some((forme, texte.to_owned())));
        }
    }

    #[test]
    fn drawings_that_positions_cannot_say_are_left_alone() {
        let melange = r#"{"type":"FeatureCollection","features":[
            {"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[2,48]}},
            {"type":"Feature","properties":{},"geometry":{"type":"LineString","coordinates":[[2,48],[2,49]]}}]}"#;
        assert_eq!(depuis_geojson(melange), None);
        let trou =
            r#"{"type":"Polygon","coordinates":[[[0,0],[0,1],[1,1],[0,0]],[[0.1,0.1],[0.2,0.2],[0.1,0.2],[0.1,0.1]]]}"#;
        assert_eq!(depuis_geojson(trou), None);
        assert_eq!(depuis_geojson("pas du GeoJSON"), None);
        assert_eq!(depuis_geojson(r#"{"type":"FeatureCollection","features":[]}"#), None);
    }
}
