//! Geodesic measures on the WGS 84 ellipsoid, approximated by spheres: good
//! to half a percent (less at French latitudes), which is what an usager or an instructeur
//! needs to read « 1,25 ha ».

use crate::geometrie::{Carte, Geometrie, Polygon};
use crate::plan::Position;

/// Radius of the sphere with the WGS 84 ellipsoid's surface (authalic
/// radius): areas on it match the ellipsoid's best.
const RAYON_AUTHALIQUE_M: f64 = 6_371_007.181;
/// IUGG mean radius of the WGS 84 ellipsoid, for distances.
const RAYON_MOYEN_M: f64 = 6_371_008.771;

/// Area of a closed ring in m², by spherical excess (Chamberlain and
/// Duquette, "Some algorithms for polygons on a sphere", JPL 2007: the
/// algorithm of turf's `area` and of OpenLayers' `getArea`).
pub fn aire_anneau(ring: &[Position]) -> f64 {
    // The ring is closed: drop the repeated last position.
    let n = ring.len().saturating_sub(1);
    if n < 3 {
        return 0.0;
    }
    let mut somme = 0.0;
    for i in 0..n {
        let avant = &ring[(i + n - 1) % n];
        let apres = &ring[(i + 1) % n];
        somme += (apres.lon() - avant.lon()).to_radians() * ring[i].lat().to_radians().sin();
    }
    (somme * RAYON_AUTHALIQUE_M * RAYON_AUTHALIQUE_M / 2.0).abs()
}

/// Area of a polygon in m²: its exterior less its holes.
pub fn aire_polygone(polygon: &Polygon) -> f64 {
    let mut rings = polygon.iter().map(|r| aire_anneau(r));
    let exterieur = rings.next().unwrap_or(0.0);
    (exterieur - rings.sum::<f64>()).max(0.0)
}

/// Great-circle distance in metres (haversine).
pub fn distance(a: &Position, b: &Position) -> f64 {
    let (phi1, phi2) = (a.lat().to_radians(), b.lat().to_radians());
    let dphi = phi2 - phi1;
    let dlambda = (b.lon() - a.lon()).to_radians();
    let h = (dphi / 2.0).sin().powi(2) + phi1.cos() * phi2.cos() * (dlambda / 2.0).sin().powi(2);
    2.0 * RAYON_MOYEN_M * h.sqrt().min(1.0).asin()
}

/// Length of a line in metres.
pub fn longueur_ligne(line: &[Position]) -> f64 {
    line.windows(2).map(|w| distance(&w[0], &w[1])).sum()
}

/// What one geometry measures.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct Mesure {
    pub surface_m2: f64,
    pub longueur_m: f64,
}

pub fn mesurer(geometrie: &Geometrie) -> Mesure {
    Mesure {
        surface_m2: geometrie.polygones().iter().map(aire_polygone).sum(),
        longueur_m: geometrie.lignes().iter().map(|l| longueur_ligne(l)).sum(),
    }
}

/// Totals over a whole drawing.
pub fn totaux(carte: &Carte) -> Mesure {
    carte.entites.iter().map(|e| mesurer(&e.geometrie)).fold(Mesure::default(), |a, m| Mesure {
        surface_m2: a.surface_m2 + m.surface_m2,
        longueur_m: a.longueur_m + m.longueur_m,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pos(lon: f64, lat: f64) -> Position {
        Position::new((lon * 1e7).round() as i64, (lat * 1e7).round() as i64)
    }

    fn rect(w: f64, s: f64, e: f64, n: f64) -> Vec<Position> {
        vec![pos(w, s), pos(e, s), pos(e, n), pos(w, n), pos(w, s)]
    }

    fn close(actual: f64, expected: f64, relative: f64) {
        assert!((actual - expected).abs() <= expected * relative, "{actual} is not within {relative} of {expected}");
    }

    #[test]
    fn areas_match_references() {
        // Exact areas on the WGS 84 ellipsoid of these graticule rectangles
        // (authalic latitude formula): 12,308.46 km² for one degree square at
        // the equator, 448.48 m² for the canned Montpellier parcel.
        close(aire_anneau(&rect(0.0, 0.0, 1.0, 1.0)), 12_308_463_894.0, 0.005);
        close(aire_anneau(&rect(3.8796, 43.60845, 3.87985, 43.60865)), 448.48, 0.003);
        // Orientation does not matter.
        let mut reversed = rect(3.8796, 43.60845, 3.87985, 43.60865);
        reversed.reverse();
        close(aire_anneau(&reversed), 448.0, 0.005);
        let holed = vec![rect(0.0, 0.0, 0.002, 0.002), rect(0.0005, 0.0005, 0.0015, 0.0015)];
        close(aire_polygone(&holed), aire_anneau(&holed[0]) * 0.75, 1e-6);
    }

    #[test]
    fn lengths_match_references() {
        // Paris (Notre-Dame) to Marseille (Vieux-Port): 661 km as the crow flies.
        close(distance(&pos(2.3499, 48.8530), &pos(5.3698, 43.2965)), 661_000.0, 0.005);
        // A minute of latitude is a nautical mile, 1,852 m, near 45° N.
        close(distance(&pos(0.0, 45.0), &pos(0.0, 45.0 + 1.0 / 60.0)), 1_852.0, 0.002);
        close(longueur_ligne(&[pos(0.0, 0.0), pos(0.0, 0.001), pos(0.001, 0.001)]), 2.0 * 111.195, 0.001);
        assert_eq!(distance(&pos(3.0, 43.0), &pos(3.0, 43.0)), 0.0);
    }
}
