//! A carte champ's drawing (GeoJSON, WGS 84) described in words, for pages
//! read without a map: « Polygone : 1,25 ha », « Ligne : 350 m », « Point :
//! latitude 43,6085, longitude 3,8796 ». The measures use the carte plugin's
//! algorithms (plugins/carte/src/mesure.rs, static/carte.js), so the three
//! agree.

pub mod coordonnees;

use serde_json::Value;

const RAYON_AUTHALIQUE: f64 = 6_371_007.181;
const RAYON_MOYEN: f64 = 6_371_008.771;

/// One line per geometry of a stored drawing; `None` when the value is not
/// GeoJSON this reads (the page then shows the value as stored).
pub fn description(geojson: &str) -> Option<Vec<String>> {
    let racine: Value = serde_json::from_str(geojson).ok()?;
    let geometries: Vec<&Value> = match racine.get("type")?.as_str()? {
        "FeatureCollection" => racine.get("features")?.as_array()?.iter().filter_map(|f| f.get("geometry")).collect(),
        "Feature" => vec![racine.get("geometry")?],
        _ => vec![&racine],
    };
    geometries.into_iter().map(decrire).collect()
}

fn decrire(g: &Value) -> Option<String> {
    let c = g.get("coordinates")?;
    Some(match g.get("type")?.as_str()? {
        "Point" => format!("Point : {}", position(c)?),
        "MultiPoint" => {
            let points: Option<Vec<String>> = c.as_array()?.iter().map(position).collect();
            format!("{} points : {}", c.as_array()?.len(), points?.join(" ; "))
        }
        "LineString" => format!("Ligne : {}", longueur(longueur_ligne(&positions(c)?))),
        "MultiLineString" => {
            let lignes = c.as_array()?;
            let total: Option<f64> = lignes.iter().map(|l| positions(l).map(|p| longueur_ligne(&p))).sum();
            format!("Ligne en {} parties : {}", lignes.len(), longueur(total?))
        }
        "Polygon" => format!("Polygone : {}", surface(aire_polygone(c)?)),
        "MultiPolygon" => {
            let polygones = c.as_array()?;
            let total: Option<f64> = polygones.iter().map(aire_polygone).sum();
            format!("Polygone en {} parties : {}", polygones.len(), surface(total?))
        }
        _ => return None,
    })
}

fn positions(c: &Value) -> Option<Vec<[f64; 2]>> {
    c.as_array()?.iter().map(|p| Some([p.get(0)?.as_f64()?, p.get(1)?.as_f64()?])).collect()
}

fn position(p: &Value) -> Option<String> {
    let (lon, lat) = (p.get(0)?.as_f64()?, p.get(1)?.as_f64()?);
    Some(format!("latitude {}, longitude {}", decimal(lat, 6), decimal(lon, 6)))
}

fn rad(d: f64) -> f64 {
    d.to_radians()
}

/// Spherical excess (Chamberlain and Duquette) of a closed ring of [lon, lat].
fn aire_anneau(anneau: &[[f64; 2]]) -> f64 {
    let n = anneau.len().saturating_sub(1);
    if n < 3 {
        return 0.0;
    }
    let somme: f64 = (0..n)
        .map(|i| {
            let (avant, apres) = (anneau[(i + n - 1) % n], anneau[(i + 1) % n]);
            rad(apres[0] - avant[0]) * rad(anneau[i][1]).sin()
        })
        .sum();
    (somme * RAYON_AUTHALIQUE * RAYON_AUTHALIQUE / 2.0).abs()
}

fn aire_polygone(anneaux: &Value) -> Option<f64> {
    let anneaux: Option<Vec<Vec<[f64; 2]>>> = anneaux.as_array()?.iter().map(positions).collect();
    let anneaux = anneaux?;
    let exterieur = anneaux.first().map_or(0.0, |a| aire_anneau(&a[..]));
    let trous: f64 = anneaux.iter().skip(1).map(|a| aire_anneau(&a[..])).sum();
    Some((exterieur - trous).max(0.0))
}

fn distance(a: [f64; 2], b: [f64; 2]) -> f64 {
    let (p1, p2) = (rad(a[1]), rad(b[1]));
    let h = ((p2 - p1) / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (rad(b[0] - a[0]) / 2.0).sin().powi(2);
    2.0 * RAYON_MOYEN * h.sqrt().min(1.0).asin()
}

fn longueur_ligne(ligne: &[[f64; 2]]) -> f64 {
    ligne.windows(2).map(|w| distance(w[0], w[1])).sum()
}

fn surface(m2: f64) -> String {
    if m2 >= 10_000.0 {
        format!("{}\u{a0}ha", decimal(m2 / 10_000.0, 2))
    } else {
        format!("{}\u{a0}m²", decimal(m2, if m2 >= 10.0 { 0 } else { 1 }))
    }
}

fn longueur(m: f64) -> String {
    if m >= 1000.0 {
        format!("{}\u{a0}km", decimal(m / 1000.0, 2))
    } else {
        format!("{}\u{a0}m", decimal(m, if m >= 10.0 { 0 } else { 1 }))
    }
}

/// At most `decimales` decimals, trailing zeros dropped, French format.
fn decimal(x: f64, decimales: usize) -> String {
    let s = format!("{x:.decimales$}");
    let s = if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.').to_owned() } else { s };
    let s = if s == "-0" { "0".to_owned() } else { s };
    super::champ::nombre_francais(&s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drawings_read_as_words_with_measures() {
        let geojson = r#"{"type":"FeatureCollection","features":[
            {"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[3.8796,43.6085]}},
            {"type":"Feature","properties":{},"geometry":{"type":"LineString","coordinates":[[2.0,48.0],[2.0,48.01]]}},
            {"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[2.0,48.0],[2.01,48.0],[2.01,48.01],[2.0,48.01],[2.0,48.0]]]}}
        ]}"#;
        let lignes = description(geojson).expect("readable");
        assert_eq!(lignes[0], "Point : latitude 43,6085, longitude 3,8796");
        assert_eq!(lignes[1], "Ligne : 1,11\u{a0}km");
        assert!(lignes[2].starts_with("Polygone : 82,"), "{}", lignes[2]);
        assert!(lignes[2].ends_with("\u{a0}ha"), "{}", lignes[2]);
        assert_eq!(description("pas du GeoJSON"), None);
    }
}
