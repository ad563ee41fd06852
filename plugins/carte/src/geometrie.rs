//! What a valid drawing is made of, and how it is written back as GeoJSON.

use crate::json::{push_fixed, push_string};
use crate::plan::Position;

/// A closed ring: its first position is repeated last.
pub type Ring = Vec<Position>;

/// A polygon: its exterior ring, then its holes.
pub type Polygon = Vec<Ring>;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Geometrie {
    Point(Position),
    MultiPoint(Vec<Position>),
    LineString(Vec<Position>),
    MultiLineString(Vec<Vec<Position>>),
    Polygon(Polygon),
    MultiPolygon(Vec<Polygon>),
}

/// The three kinds of geometry an administrateur allows or not.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Genre {
    Point,
    Ligne,
    Polygone,
}

impl Geometrie {
    pub fn genre(&self) -> Genre {
        match self {
            Geometrie::Point(_) | Geometrie::MultiPoint(_) => Genre::Point,
            Geometrie::LineString(_) | Geometrie::MultiLineString(_) => Genre::Ligne,
            Geometrie::Polygon(_) | Geometrie::MultiPolygon(_) => Genre::Polygone,
        }
    }

    pub fn type_geojson(&self) -> &'static str {
        match self {
            Geometrie::Point(_) => "Point",
            Geometrie::MultiPoint(_) => "MultiPoint",
            Geometrie::LineString(_) => "LineString",
            Geometrie::MultiLineString(_) => "MultiLineString",
            Geometrie::Polygon(_) => "Polygon",
            Geometrie::MultiPolygon(_) => "MultiPolygon",
        }
    }

    /// Its polygons (none for points and lines).
    pub fn polygones(&self) -> &[Polygon] {
        match self {
            Geometrie::Polygon(p) => std::slice::from_ref(p),
            Geometrie::MultiPolygon(ps) => ps,
            _ => &[],
        }
    }

    /// Its lines (none for points and polygons).
    pub fn lignes(&self) -> &[Vec<Position>] {
        match self {
            Geometrie::LineString(l) => std::slice::from_ref(l),
            Geometrie::MultiLineString(ls) => ls,
            _ => &[],
        }
    }

    /// Its points (none for lines and polygons).
    pub fn points(&self) -> &[Position] {
        match self {
            Geometrie::Point(p) => std::slice::from_ref(p),
            Geometrie::MultiPoint(ps) => ps,
            _ => &[],
        }
    }

    /// How many parts a Multi* has (1 otherwise).
    pub fn parties(&self) -> usize {
        match self {
            Geometrie::MultiPoint(v) => v.len(),
            Geometrie::MultiLineString(v) => v.len(),
            Geometrie::MultiPolygon(v) => v.len(),
            _ => 1,
        }
    }

    /// The geometry as a GeoJSON object.
    pub fn push_json(&self, out: &mut String) {
        out.push_str("{\"type\":");
        push_string(out, self.type_geojson());
        out.push_str(",\"coordinates\":");
        match self {
            Geometrie::Point(p) => push_position(out, p),
            Geometrie::MultiPoint(ps) | Geometrie::LineString(ps) => push_positions(out, ps),
            Geometrie::MultiLineString(ls) | Geometrie::Polygon(ls) => push_list(out, ls, |o, l| push_positions(o, l)),
            Geometrie::MultiPolygon(ps) => push_list(out, ps, |o, p| push_list(o, p, |o, r| push_positions(o, r))),
        }
        out.push('}');
    }
}

/// One drawn geometry with what the usager wrote about it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entite {
    pub geometrie: Geometrie,
    pub description: Option<String>,
}

/// A whole drawing: what the champ stores.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Carte {
    pub entites: Vec<Entite>,
}

impl Carte {
    /// The normalized GeoJSON FeatureCollection.
    pub fn to_json(&self) -> String {
        let mut out = String::from("{\"type\":\"FeatureCollection\",\"features\":");
        push_list(&mut out, &self.entites, |out, entite| {
            out.push_str("{\"type\":\"Feature\",\"geometry\":");
            entite.geometrie.push_json(out);
            out.push_str(",\"properties\":{");
            if let Some(description) = &entite.description {
                out.push_str("\"description\":");
                push_string(out, description);
            }
            out.push_str("}}");
        });
        out.push('}');
        out
    }
}

fn push_list<T>(out: &mut String, items: &[T], mut each: impl FnMut(&mut String, &T)) {
    out.push('[');
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        each(out, item);
    }
    out.push(']');
}

fn push_positions(out: &mut String, positions: &[Position]) {
    push_list(out, positions, push_position);
}

pub fn push_position(out: &mut String, p: &Position) {
    out.push('[');
    push_fixed(out, p.x, 7);
    out.push(',');
    push_fixed(out, p.y, 7);
    if let Some(z) = p.z {
        out.push(',');
        push_fixed(out, z, 2);
    }
    out.push(']');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_rfc_7946_geojson() {
        let p = |x, y| Position::new(x, y);
        let carte = Carte {
            entites: vec![
                Entite {
                    geometrie: Geometrie::Point(Position { x: 38_796_000, y: 436_084_500, z: Some(2_750) }),
                    description: Some("Puits \"nord\"".to_owned()),
                },
                Entite {
                    geometrie: Geometrie::Polygon(vec![vec![p(0, 0), p(10, 0), p(0, 10), p(0, 0)]]),
                    description: None,
                },
            ],
        };
        assert_eq!(
            carte.to_json(),
            concat!(
                r#"{"type":"FeatureCollection","features":["#,
                r#"{"type":"Feature","geometry":{"type":"Point","coordinates":[3.8796,43.60845,27.5]},"#,
                r#""properties":{"description":"Puits \"nord\""}},"#,
                r#"{"type":"Feature","geometry":{"type":"Polygon","coordinates":"#,
                r#"[[[0,0],[0.000001,0],[0,0.000001],[0,0]]]},"properties":{}}]}"#
            )
        );
        assert_eq!(carte.entites[1].geometrie.polygones().len(), 1);
        assert_eq!(carte.entites[0].geometrie.genre(), Genre::Point);
    }
}
