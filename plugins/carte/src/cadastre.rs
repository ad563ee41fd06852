//! The cadastral parcels under the usager's polygons, from API Carto's
//! cadastre module (IGN): `GET /api/cadastre/parcelle?geom=<GeoJSON
//! geometry>&_limit=<n>`, answered with a FeatureCollection of Parcellaire
//! Express parcels (`idu`, `nom_com`, `code_insee`, `section`, `numero`,
//! `contenance` in m², MultiPolygon geometries in WGS 84).
//!
//! This module builds the requests and reads the answers; the HTTP call
//! itself is the adapter's.

use crate::geometrie::{Carte, Geometrie, Polygon};
use crate::json::{self, Json, push_string, push_uint};
use crate::plan::{self, BBox, Position};

/// The origin the manifest declares; the host may relocate it.
pub const ORIGINE: &str = "https://apicarto.ign.fr";
pub const CHEMIN: &str = "/api/cadastre/parcelle";
/// `_limit` of each request: bounds the answer the plugin parses (a
/// parcel's feature is one to a few KiB) and the parcels it filters.
pub const LIMITE: usize = 200;
/// Longest URL-encoded `geom` sent as is. Node servers refuse request lines
/// beyond 16 KiB; a more detailed polygon is sent as its bounding box and
/// the parcels are then filtered here against the real shape.
pub const MAX_GEOM_URL: usize = 6_000;
/// Requests of one `enrich` call: bounds its wall-clock time (each is a
/// round trip to IGN). Polygons beyond are not looked up, and the donnees
/// say the list is incomplete.
pub const MAX_REQUETES: usize = 10;
/// Parcels kept in the donnees: bounds their size (about 120 bytes each).
pub const MAX_PARCELLES: usize = 300;

/// One request to make, with the polygons its answer is filtered against.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Requete {
    pub url: String,
    pub polygones: Vec<Polygon>,
}

/// The requests for every polygon of the drawing, and whether some
/// polygons are left out ([`MAX_REQUETES`]).
pub fn requetes(carte: &Carte) -> (Vec<Requete>, bool) {
    let avec_polygones: Vec<&Geometrie> =
        carte.entites.iter().map(|e| &e.geometrie).filter(|g| !g.polygones().is_empty()).collect();
    let tronque = avec_polygones.len() > MAX_REQUETES;
    let requetes = avec_polygones.into_iter().take(MAX_REQUETES).map(requete).collect();
    (requetes, tronque)
}

fn requete(geometrie: &Geometrie) -> Requete {
    let mut geom = String::new();
    geometrie.push_json(&mut geom);
    let mut encode = encoder(&geom);
    if encode.len() > MAX_GEOM_URL {
        let exterieurs: Vec<Position> =
            geometrie.polygones().iter().filter_map(|p| p.first()).flatten().copied().collect();
        if let Some(b) = BBox::of(&exterieurs) {
            let p = |x, y| Position::new(x, y);
            let cadre = vec![p(b.w, b.s), p(b.e, b.s), p(b.e, b.n), p(b.w, b.n), p(b.w, b.s)];
            geom.clear();
            Geometrie::Polygon(vec![cadre]).push_json(&mut geom);
            encode = encoder(&geom);
        }
    }
    let mut url = String::with_capacity(ORIGINE.len() + CHEMIN.len() + encode.len() + 20);
    url.push_str(ORIGINE);
    url.push_str(CHEMIN);
    url.push_str("?geom=");
    url.push_str(&encode);
    url.push_str("&_limit=");
    push_uint(&mut url, LIMITE as u64);
    Requete { url, polygones: geometrie.polygones().to_vec() }
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
pub fn encoder(texte: &str) -> String {
    let mut out = String::with_capacity(texte.len() * 2);
    for b in texte.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(b"0123456789ABCDEF"[usize::from(b >> 4)]));
            out.push(char::from(b"0123456789ABCDEF"[usize::from(b & 0xF)]));
        }
    }
    out
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Parcelle {
    /// Identifiant unique : département, commune, préfixe, section, numéro.
    pub idu: String,
    pub commune: String,
    pub code_insee: String,
    pub section: String,
    pub numero: String,
    /// Contenance in m², when given.
    pub surface: Option<i64>,
}

impl Parcelle {
    pub fn push_json(&self, out: &mut String) {
        out.push_str("{\"idu\":");
        push_string(out, &self.idu);
        out.push_str(",\"commune\":");
        push_string(out, &self.commune);
        out.push_str(",\"code_insee\":");
        push_string(out, &self.code_insee);
        out.push_str(",\"section\":");
        push_string(out, &self.section);
        out.push_str(",\"numero\":");
        push_string(out, &self.numero);
        out.push_str(",\"surface\":");
        match self.surface {
            Some(s) => json::push_int(out, s),
            None => out.push_str("null"),
        }
        out.push('}');
    }

    /// Reads one parcel of the donnees (or of API Carto's properties when
    /// `api` is true).
    pub fn lire(objet: &Json, api: bool) -> Option<Parcelle> {
        let texte = |cle: &str| objet.get(cle).and_then(Json::as_str).unwrap_or("").to_owned();
        let idu = objet.get("idu").and_then(Json::as_str)?.to_owned();
        let surface = objet.get(if api { "contenance" } else { "surface" }).and_then(Json::as_f64).map(|s| s as i64);
        Some(Parcelle {
            idu,
            commune: texte(if api { "nom_com" } else { "commune" }),
            code_insee: texte("code_insee"),
            section: texte("section"),
            numero: texte("numero"),
            surface,
        })
    }
}

/// Why an answer could not be used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Echec {
    /// Down, overloaded, or answering garbage: ask again later.
    Indisponible(String),
    /// API Carto refused the request as malformed: a bug of this plugin.
    Refus(String),
}

/// What one answer gave: the parcels meeting the polygons, and whether
/// API Carto had more than it returned.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Reponse {
    pub parcelles: Vec<Parcelle>,
    pub tronque: bool,
}

pub fn lire_reponse(statut: u16, corps: &[u8], polygones: &[Polygon]) -> Result<Reponse, Echec> {
    match statut {
        200 => {}
        400 => {
            return Err(Echec::Refus(format!(
                "API Carto answered 400 to a parcel search: {}",
                String::from_utf8_lossy(corps.get(..300).unwrap_or(corps))
            )));
        }
        429 => return Err(Echec::Indisponible("API Carto is rate limiting (429)".to_owned())),
        s => return Err(Echec::Indisponible(format!("API Carto answered HTTP {s}"))),
    }
    let inutilisable =
        || Echec::Indisponible("API Carto answered 200 with something that is not a FeatureCollection".to_owned());
    let texte = std::str::from_utf8(corps).map_err(|_| inutilisable())?;
    let racine = json::parse(texte).map_err(|_| inutilisable())?;
    if racine.get("type").and_then(Json::as_str) != Some("FeatureCollection") {
        return Err(inutilisable());
    }
    let features = racine.get("features").and_then(Json::as_array).ok_or_else(inutilisable)?;
    let trouvees = racine.get("numberMatched").or_else(|| racine.get("totalFeatures")).and_then(Json::as_f64);
    let mut reponse = Reponse { parcelles: Vec::new(), tronque: trouvees.is_some_and(|n| n > features.len() as f64) };
    for feature in features {
        let Some(parcelle) = feature.get("properties").and_then(|p| Parcelle::lire(p, true)) else {
            continue;
        };
        // API Carto intersects shapes; a parcel whose shape cannot be read
        // is kept on its word. Filtering matters when the bounding box was
        // sent instead of the polygon.
        let touche = match feature.get("geometry").and_then(forme) {
            Some(parties) => parties.iter().any(|q| polygones.iter().any(|p| plan::polygons_meet(p, q))),
            None => true,
        };
        if touche {
            reponse.parcelles.push(parcelle);
        }
    }
    Ok(reponse)
}

/// A parcel's (Multi)Polygon, read leniently: the usager's rules are not
/// for IGN's data.
fn forme(geometrie: &Json) -> Option<Vec<Polygon>> {
    let coordonnees = geometrie.get("coordinates")?.as_array()?;
    let polygones: Vec<&[Json]> = match geometrie.get("type")?.as_str()? {
        "Polygon" => vec![coordonnees],
        "MultiPolygon" => coordonnees.iter().map(Json::as_array).collect::<Option<_>>()?,
        _ => return None,
    };
    polygones
        .into_iter()
        .map(|anneaux| {
            anneaux
                .iter()
                .map(|anneau| {
                    anneau
                        .as_array()?
                        .iter()
                        .map(|p| {
                            let p = p.as_array()?;
                            let (lon, lat) = (p.first()?.as_f64()?, p.get(1)?.as_f64()?);
                            Some(Position::new((lon * 1e7).round() as i64, (lat * 1e7).round() as i64))
                        })
                        .collect::<Option<Vec<_>>>()
                })
                .collect::<Option<Polygon>>()
        })
        .collect()
}

/// Merges the answers: parcels once each (by IDU), in the order found, at
/// most [`MAX_PARCELLES`].
pub fn fusionner(reponses: Vec<Reponse>, deja_tronque: bool) -> Reponse {
    let mut fusion = Reponse { parcelles: Vec::new(), tronque: deja_tronque };
    for reponse in reponses {
        fusion.tronque |= reponse.tronque;
        for parcelle in reponse.parcelles {
            if fusion.parcelles.iter().any(|p| p.idu == parcelle.idu) {
                continue;
            }
            if fusion.parcelles.len() == MAX_PARCELLES {
                fusion.tronque = true;
                break;
            }
            fusion.parcelles.push(parcelle);
        }
    }
    fusion
}

#[cfg(test)]
mod tests;
