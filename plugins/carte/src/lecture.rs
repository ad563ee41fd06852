//! Reads what the usager typed or drew (GeoJSON, RFC 7946) into a checked,
//! normalized [`Carte`], or says in French what to fix.
//!
//! Normalization happens first (coordinates rounded to 7 decimals, about
//! 1 cm; consecutive repeated positions dropped; rings turned the way
//! RFC 7946 asks), then every check runs on the rounded positions, so the
//! stored value passes the same checks again and normalizing it changes
//! nothing.

use crate::erreur::Erreur;
use crate::geometrie::{Carte, Entite, Genre, Geometrie, Polygon, Ring};
use crate::json::{self, Json, SyntaxProblem};
use crate::plan::{self, Location, Position};
use crate::reglages::Reglages;

/// The host caps values at 64 KiB; checked again so that a host bug cannot
/// make a call's work unbounded.
pub const MAX_VALEUR: usize = 64 * 1024;
/// Vertices of one geometry: bounds the O(n²) self-intersection and overlap
/// tests of one polygon (500,000 segment pairs at most).
pub const MAX_SOMMETS_PAR_GEOMETRIE: usize = 1_000;
/// Vertices of the whole drawing: bounds the work of a call and the
/// cadastre filtering in `enrich`.
pub const MAX_SOMMETS: usize = 5_000;
/// Length of a geometry's description, in characters: a label, not a file.
pub const MAX_DESCRIPTION: usize = 1_000;
/// Errors reported at once: enough to fix a drawing, and the answer stays
/// far below the host's 64 KiB cap.
pub const MAX_ERREURS: usize = 10;
/// Altitudes beyond ±100 km are not on Earth: a sign of projected
/// coordinates or of a mistake.
const MAX_ALTITUDE_M: f64 = 100_000.0;

/// Reads a whole drawing. A FeatureCollection is expected; a single Feature
/// or a bare geometry (what GIS tools often copy) is accepted and stored as
/// a FeatureCollection of one.
pub fn lire(texte: &str, reglages: &Reglages) -> Result<Carte, Vec<Erreur>> {
    if texte.len() > MAX_VALEUR {
        return Err(vec![Erreur::new("trop-volumineux", "Le dessin est trop volumineux (64 Kio au plus).")]);
    }
    let racine = json::parse(texte.trim()).map_err(|e| vec![syntaxe(e)])?;
    // A bare geometry at the root stands for a Feature without properties;
    // inside a FeatureCollection, RFC 7946 wants Features.
    let mut geometrie_seule = false;
    let features: Vec<&Json> = match racine.get("type").and_then(Json::as_str) {
        Some("FeatureCollection") => {
            verifier_crs(&racine)?;
            match racine.get("features").and_then(Json::as_array) {
                Some(features) => features.iter().collect(),
                None => {
                    return Err(vec![Erreur::new(
                        "format-geojson",
                        "La FeatureCollection doit avoir une liste « features ».",
                    )]);
                }
            }
        }
        Some("Feature") => {
            verifier_crs(&racine)?;
            vec![&racine]
        }
        Some(_) if racine.get("coordinates").is_some() || racine.get("geometries").is_some() => {
            geometrie_seule = true;
            vec![&racine]
        }
        _ => {
            return Err(vec![Erreur::new(
                "format-geojson",
                "Le texte doit être un objet GeoJSON « FeatureCollection » (une collection d'entités).",
            )]);
        }
    };
    if features.is_empty() {
        return Err(vec![Erreur::new(
            "aucune-geometrie",
            "Dessinez au moins une géométrie sur la carte, ou saisissez-la au format GeoJSON.",
        )]);
    }
    if features.len() > reglages.max_geometries {
        return Err(vec![Erreur::new(
            "trop-de-geometries",
            format!(
                "Ce champ accepte au plus {} géométrie{} ({} saisies).",
                reglages.max_geometries,
                if reglages.max_geometries > 1 { "s" } else { "" },
                features.len()
            ),
        )]);
    }

    let mut entites = Vec::with_capacity(features.len());
    let mut erreurs = Vec::new();
    let mut sommets = 0;
    for (i, feature) in features.into_iter().enumerate() {
        let numero = i + 1;
        let lu = if geometrie_seule {
            lire_geometrie(feature, numero, reglages, &mut sommets)
                .map(|geometrie| Entite { geometrie, description: None })
        } else if feature.get("type").and_then(Json::as_str) == Some("Feature") {
            lire_entite(feature, numero, reglages, &mut sommets)
        } else {
            Err(Erreur::new("format-geojson", format!("L'entité n° {numero} n'est pas une « Feature » GeoJSON.")))
        };
        match lu {
            Ok(entite) => entites.push(entite),
            Err(erreur) => {
                let trop = erreur.code == "trop-de-sommets-au-total";
                erreurs.push(erreur);
                if trop || erreurs.len() == MAX_ERREURS {
                    break;
                }
            }
        }
    }
    if erreurs.is_empty() { Ok(Carte { entites }) } else { Err(erreurs) }
}

fn syntaxe(e: json::SyntaxError) -> Erreur {
    let (code, quoi) = match e.what {
        SyntaxProblem::Syntax => ("format-json", "n'est pas du JSON valide"),
        SyntaxProblem::TooDeep => ("format-json", "est trop imbriqué"),
        SyntaxProblem::DuplicateKey => ("format-json", "contient deux fois le même membre dans un objet"),
        SyntaxProblem::TooManyMembers => ("format-json", "contient un objet de plus de 1 000 membres"),
        SyntaxProblem::NumberOutOfRange => ("format-json", "contient un nombre démesuré"),
    };
    Erreur::new(code, format!("Le texte saisi {quoi} (caractère {}). Saisissez du GeoJSON.", e.offset + 1))
}

/// RFC 7946 removed `crs`: coordinates are WGS 84. An old-style member
/// naming another system means the positions are projected (Lambert 93…).
fn verifier_crs(racine: &Json) -> Result<(), Vec<Erreur>> {
    let Some(crs) = racine.get("crs") else {
        return Ok(());
    };
    let nom = crs.get("properties").and_then(|p| p.get("name")).and_then(Json::as_str).unwrap_or("");
    let wgs84 = ["CRS84", "EPSG:4326", "EPSG::4326"].iter().any(|n| nom.to_ascii_uppercase().ends_with(n));
    if matches!(crs, Json::Null) || wgs84 {
        Ok(())
    } else {
        Err(vec![Erreur::new(
            "systeme-de-coordonnees",
            "Les coordonnées doivent être en degrés WGS 84 (longitude, latitude) : convertissez-les \
             et retirez le membre « crs ».",
        )])
    }
}

fn lire_entite(feature: &Json, numero: usize, reglages: &Reglages, sommets: &mut usize) -> Result<Entite, Erreur> {
    let geometrie = match feature.get("geometry") {
        None | Some(Json::Null) => {
            return Err(Erreur::new("geometrie-manquante", format!("L'entité n° {numero} n'a pas de géométrie.")));
        }
        Some(g) => lire_geometrie(g, numero, reglages, sommets)?,
    };
    let description = match feature.get("properties") {
        None | Some(Json::Null) => None,
        Some(Json::Object(_)) => {
            lire_description(feature.get("properties").and_then(|p| p.get("description")), numero)?
        }
        Some(_) => {
            return Err(Erreur::new(
                "format-geojson",
                format!("Les propriétés de l'entité n° {numero} doivent être un objet."),
            ));
        }
    };
    Ok(Entite { geometrie, description })
}

fn lire_description(valeur: Option<&Json>, numero: usize) -> Result<Option<String>, Erreur> {
    match valeur {
        None | Some(Json::Null) => Ok(None),
        Some(Json::String(s)) if s.chars().count() <= MAX_DESCRIPTION => {
            let s = s.trim();
            Ok((!s.is_empty()).then(|| s.to_owned()))
        }
        Some(_) => Err(Erreur::new(
            "description",
            format!("La description de la géométrie n° {numero} doit être un texte d'au plus 1 000 caractères."),
        )),
    }
}

/// Nesting depth of `coordinates` for each accepted type (0 = a position).
fn profondeur(type_geojson: &str) -> Option<(u8, Genre)> {
    Some(match type_geojson {
        "Point" => (0, Genre::Point),
        "MultiPoint" => (1, Genre::Point),
        "LineString" => (1, Genre::Ligne),
        "MultiLineString" => (2, Genre::Ligne),
        "Polygon" => (2, Genre::Polygone),
        "MultiPolygon" => (3, Genre::Polygone),
        _ => return None,
    })
}

fn nom_genre(genre: Genre) -> &'static str {
    match genre {
        Genre::Point => "Les points",
        Genre::Ligne => "Les lignes",
        Genre::Polygone => "Les polygones",
    }
}

/// Coordinates as read, before the type-specific checks.
enum Brut {
    Position(Position),
    Liste(Vec<Brut>),
}

fn lire_geometrie(g: &Json, numero: usize, reglages: &Reglages, sommets: &mut usize) -> Result<Geometrie, Erreur> {
    let type_geojson = g.get("type").and_then(Json::as_str).unwrap_or("");
    let Some((prof, genre)) = profondeur(type_geojson) else {
        let message = if type_geojson.is_empty() {
            format!("La géométrie n° {numero} n'a pas de type GeoJSON.")
        } else {
            format!(
                "La géométrie n° {numero} est de type « {} », qui n'est pas accepté : utilisez Point, LineString, \
                 Polygon ou leurs variantes Multi.",
                type_geojson.chars().take(40).collect::<String>()
            )
        };
        return Err(Erreur::new("type-de-geometrie", message));
    };
    if !reglages.accepte(genre) {
        return Err(Erreur::new(
            "type-non-autorise",
            format!(
                "{} ne sont pas acceptés pour ce champ (géométrie n° {numero}). Géométries acceptées : {}.",
                nom_genre(genre),
                reglages.genres_acceptes()
            ),
        ));
    }
    let Some(coordonnees) = g.get("coordinates") else {
        return Err(Erreur::new("coordonnees", format!("La géométrie n° {numero} n'a pas de coordonnées.")));
    };
    let mut compte = 0;
    let brut = lire_coordonnees(coordonnees, prof, numero, &mut compte)?;
    if compte > MAX_SOMMETS_PAR_GEOMETRIE {
        return Err(Erreur::new(
            "trop-de-sommets",
            format!("La géométrie n° {numero} a trop de sommets ({compte}, au plus 1 000) : simplifiez-la."),
        ));
    }
    *sommets += compte;
    if *sommets > MAX_SOMMETS {
        return Err(Erreur::new(
            "trop-de-sommets-au-total",
            "Le dessin a trop de sommets au total (au plus 5 000) : simplifiez-le.",
        ));
    }
    let vide = || Erreur::new("geometrie-vide", format!("La géométrie n° {numero} est vide."));
    match (type_geojson, brut) {
        ("Point", Brut::Position(p)) => Ok(Geometrie::Point(p)),
        ("MultiPoint", Brut::Liste(l)) => {
            let points = positions(l);
            if points.is_empty() { Err(vide()) } else { Ok(Geometrie::MultiPoint(points)) }
        }
        ("LineString", Brut::Liste(l)) => Ok(Geometrie::LineString(ligne(positions(l), numero)?)),
        ("MultiLineString", Brut::Liste(l)) => {
            let lignes =
                l.into_iter().map(|part| ligne(positions(liste(part)), numero)).collect::<Result<Vec<_>, _>>()?;
            if lignes.is_empty() { Err(vide()) } else { Ok(Geometrie::MultiLineString(lignes)) }
        }
        ("Polygon", Brut::Liste(l)) => Ok(Geometrie::Polygon(polygone(l, numero)?)),
        ("MultiPolygon", Brut::Liste(l)) => {
            let polygones = l.into_iter().map(|part| polygone(liste(part), numero)).collect::<Result<Vec<_>, _>>()?;
            if polygones.is_empty() {
                return Err(vide());
            }
            for (i, a) in polygones.iter().enumerate() {
                if polygones[i + 1..].iter().any(|b| plan::polygons_overlap(a, b)) {
                    return Err(Erreur::new(
                        "parties-chevauchantes",
                        format!("Les parties du polygone n° {numero} se chevauchent."),
                    ));
                }
            }
            Ok(Geometrie::MultiPolygon(polygones))
        }
        // lire_coordonnees returns a position exactly at depth 0.
        _ => Err(Erreur::new("coordonnees", format!("Les coordonnées de la géométrie n° {numero} sont mal formées."))),
    }
}

fn liste(brut: Brut) -> Vec<Brut> {
    match brut {
        Brut::Liste(l) => l,
        Brut::Position(_) => Vec::new(),
    }
}

fn positions(l: Vec<Brut>) -> Vec<Position> {
    l.into_iter()
        .filter_map(|b| match b {
            Brut::Position(p) => Some(p),
            Brut::Liste(_) => None,
        })
        .collect()
}

fn lire_coordonnees(c: &Json, prof: u8, numero: usize, compte: &mut usize) -> Result<Brut, Erreur> {
    let mal_formees = || {
        Erreur::new(
            "coordonnees",
            format!(
                "Les coordonnées de la géométrie n° {numero} sont mal formées : chaque position s'écrit \
                 [longitude, latitude]."
            ),
        )
    };
    let items = c.as_array().ok_or_else(mal_formees)?;
    if prof == 0 {
        *compte += 1;
        return lire_position(items, numero).map(Brut::Position);
    }
    items.iter().map(|item| lire_coordonnees(item, prof - 1, numero, compte)).collect::<Result<_, _>>().map(Brut::Liste)
}

fn lire_position(items: &[Json], numero: usize) -> Result<Position, Erreur> {
    let nombres: Option<Vec<f64>> = items.iter().map(Json::as_f64).collect();
    let nombres = match nombres {
        Some(n) if (2..=3).contains(&n.len()) => n,
        _ => {
            return Err(Erreur::new(
                "position",
                format!(
                    "Chaque position de la géométrie n° {numero} doit avoir 2 ou 3 nombres : longitude, latitude \
                     et éventuellement altitude."
                ),
            ));
        }
    };
    let (lon, lat) = (nombres[0], nombres[1]);
    if !(-180.0..=180.0).contains(&lon) {
        return Err(Erreur::new(
            "longitude",
            format!(
                "Les coordonnées doivent être en degrés WGS 84 (longitude entre -180 et 180) : géométrie n° {numero}."
            ),
        ));
    }
    if !(-90.0..=90.0).contains(&lat) {
        return Err(Erreur::new(
            "latitude",
            format!(
                "Les coordonnées doivent être en degrés WGS 84 (latitude entre -90 et 90, après la longitude) : \
                 géométrie n° {numero}."
            ),
        ));
    }
    let z = match nombres.get(2) {
        None => None,
        Some(z) if z.abs() <= MAX_ALTITUDE_M => Some((z * 100.0).round() as i64),
        Some(_) => {
            return Err(Erreur::new(
                "altitude",
                format!("L'altitude de la géométrie n° {numero} doit être en mètres (entre -100 000 et 100 000)."),
            ));
        }
    };
    // In range, so the scaled values fit easily in an i64.
    Ok(Position { x: (lon * 1e7).round() as i64, y: (lat * 1e7).round() as i64, z })
}

/// Drops consecutive repeats (a double click in a drawing tool).
fn sans_repetitions(mut points: Vec<Position>) -> Vec<Position> {
    points.dedup_by(|b, a| a.same_place(b));
    points
}

fn ligne(points: Vec<Position>, numero: usize) -> Result<Vec<Position>, Erreur> {
    let points = sans_repetitions(points);
    if points.len() < 2 {
        return Err(Erreur::new(
            "ligne-trop-courte",
            format!("La ligne n° {numero} doit relier au moins deux points distincts."),
        ));
    }
    Ok(points)
}

fn anneau(points: Vec<Position>, numero: usize, trou: bool) -> Result<Ring, Erreur> {
    let quoi = if trou { format!("Un trou du polygone n° {numero}") } else { format!("Le polygone n° {numero}") };
    match (points.first(), points.last()) {
        (Some(first), Some(last)) if first.same_place(last) => {}
        _ => {
            return Err(Erreur::new(
                "contour-non-ferme",
                format!("{quoi} n'est pas fermé : son dernier point doit être son premier."),
            ));
        }
    }
    let mut ring = sans_repetitions(points);
    if ring.len() < 4 {
        return Err(Erreur::new("contour-trop-court", format!("{quoi} doit avoir au moins trois sommets distincts.")));
    }
    // All on one line is "no area" for the usager, though it also folds
    // back on itself; a bow tie whose halves cancel out is "crosses itself".
    if plan::all_collinear(&ring) {
        return Err(Erreur::new("surface-nulle", format!("{quoi} a une surface nulle.")));
    }
    if !plan::ring_is_simple(&ring) {
        return Err(Erreur::new("auto-intersection", format!("{quoi} se recoupe lui-même.")));
    }
    // Simple and not flat, so not zero.
    let aire = plan::twice_area(&ring);
    // RFC 7946 § 3.1.6: exterior rings counter-clockwise, holes clockwise.
    if (aire > 0) == trou {
        ring.reverse();
    }
    Ok(ring)
}

fn polygone(anneaux: Vec<Brut>, numero: usize) -> Result<Polygon, Erreur> {
    let mut rings = anneaux.into_iter().enumerate().map(|(i, a)| anneau(positions(liste(a)), numero, i > 0));
    let Some(exterieur) = rings.next() else {
        return Err(Erreur::new("geometrie-vide", format!("Le polygone n° {numero} est vide.")));
    };
    let exterieur = exterieur?;
    let trous: Vec<Ring> = rings.collect::<Result<_, _>>()?;
    for (i, trou) in trous.iter().enumerate() {
        if plan::rings_meet(trou, &exterieur, true)
            || trou.iter().any(|p| plan::locate(p, &exterieur) == Location::Outside)
        {
            return Err(Erreur::new(
                "trou-hors-contour",
                format!("Un trou du polygone n° {numero} sort de son contour."),
            ));
        }
        let chevauche = |a: &Ring, b: &Ring| {
            plan::rings_meet(a, b, true) || a.iter().any(|p| plan::locate(p, b) == Location::Inside)
        };
        if trous[i + 1..].iter().any(|autre| chevauche(trou, autre) || chevauche(autre, trou)) {
            return Err(Erreur::new(
                "trous-chevauchants",
                format!("Des trous du polygone n° {numero} se chevauchent."),
            ));
        }
    }
    let net = plan::twice_area(&exterieur) - trous.iter().map(|t| plan::twice_area(t).abs()).sum::<i128>();
    if net <= 0 {
        return Err(Erreur::new("surface-nulle", format!("Le polygone n° {numero} a une surface nulle.")));
    }
    let mut polygone = Vec::with_capacity(trous.len() + 1);
    polygone.push(exterieur);
    polygone.extend(trous);
    Ok(polygone)
}

#[cfg(test)]
mod tests;
