//! API Carto, cadastre module (<https://apicarto.ign.fr/api/cadastre/parcelle>),
//! as documented in IGNF/apicarto (`doc/cadastre.yml`,
//! `controllers/cadastre/index.js`): `GET /api/cadastre/parcelle`.
//!
//! What is reproduced:
//!
//! - parameters `geom` (a GeoJSON geometry, URL-encoded), `code_insee`,
//!   `section`, `numero`, `code_arr`, `com_abs`, `code_dep`, `code_com`,
//!   `_limit` (default 1000), `_start` (default 0), `source_ign` (`PCI`
//!   default, or `BDP`);
//! - the answer of the Parcellaire Express (PCI) layer as the Géoplateforme
//!   WFS gives it: a GeoJSON `FeatureCollection` with `totalFeatures`,
//!   `numberMatched`, `numberReturned`, `timeStamp`, `crs` and `bbox`; each
//!   feature has an `id` (`parcelle.<gid>`), a `MultiPolygon` geometry
//!   (WGS 84, `[lon, lat]`), `geometry_name` (`geom`), a `bbox`, and the
//!   properties `gid`, `numero`, `feuille`, `section`, `code_dep`, `nom_com`,
//!   `code_com`, `com_abs`, `code_arr`, `idu`, `contenance` (m²),
//!   `code_insee`;
//! - 400 `{"code":400,"message":{"<param>":{"type":"field","value","msg",
//!   "path","location":"query"}}}` (express-validator's shape) for an invalid
//!   parameter, with API Carto's messages for `section`, `numero`,
//!   `code_arr`, `com_abs`, `code_dep`, `code_com`, `source_ign`, and
//!   geojsonhint-like messages for `geom`; an unknown `source_ign` of the
//!   right length answers `{"code":400,"message":"Pour une recherche sur la
//!   couche PCI EXPRESS…"}`.
//!
//! Simplified: `geom` selects the parcels whose bounding box overlaps the
//! bounding box of the geometry (the real service intersects the shapes);
//! `BDP` answers from the same canned parcels; no `links` paging; the
//! `code_insee` message and the `geom` JSON-parse message are ours; POST is
//! not served; outages answer `{"code":503|429,"message":…}`.
//!
//! Canned parcels ([`parcelles`]): two neighbours under 1 place de la
//! Comédie in Montpellier (34172, section HE), one under 1 cours Napoléon in
//! Ajaccio (2A004) and one on rue Lardenoy in Basse-Terre (97105): each
//! contains the point the [`super::ban`] stand-in gives for that address.
//! Communes are real, section/numéro/shapes are made up.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use serde_json::{Map, Value, json};

use crate::contrats::{self, Outage, Server, lock};

/// The parcel search path.
pub const PARCELLE_PATH: &str = "/api/cadastre/parcelle";
/// IDU of the parcel under 1 place de la Comédie, Montpellier.
pub const IDU_COMEDIE: &str = "34172000HE0087";
/// IDU of its eastern neighbour.
pub const IDU_COMEDIE_VOISINE: &str = "34172000HE0088";
/// IDU of the parcel under 1 cours Napoléon, Ajaccio.
pub const IDU_AJACCIO: &str = "2A004000BX0045";
/// IDU of the parcel on rue Lardenoy, Basse-Terre.
pub const IDU_BASSE_TERRE: &str = "97105000AK0210";

const DEFAULT_LIMIT: usize = 1000;

/// A running API Carto stand-in on 127.0.0.1, stopped when dropped.
pub struct ApiCarto {
    server: Server,
    canned: Arc<Mutex<Vec<Value>>>,
}

impl ApiCarto {
    /// Starts a server knowing the parcels of [`parcelles`].
    pub async fn start() -> ApiCarto {
        let canned = Arc::new(Mutex::new(parcelles()));
        let shared = Arc::clone(&canned);
        let server = Server::start(
            "API Carto",
            move |_| Router::new().route(PARCELLE_PATH, get(parcelle_search)).with_state(shared),
            outage_answer,
        )
        .await;
        ApiCarto { server, canned }
    }

    /// Replaces the known parcels (features as built by [`parcelle`]).
    pub fn set_parcelles(&self, features: Vec<Value>) {
        *lock(&self.canned) = features;
    }

    /// Adds one parcel (a feature as built by [`parcelle`]).
    pub fn add_parcelle(&self, feature: Value) {
        lock(&self.canned).push(feature);
    }
}

contrats::controls!(ApiCarto);

/// A parcel feature as the PCI layer gives it, from its IDU (2 characters
/// of département, 3 of commune, 3 of absorbed commune, 2 of section, 4 of
/// numéro), its commune's name and its outer ring (`[lon, lat]` positions,
/// closed). `contenance` is the ring's area in m² (equirectangular
/// approximation, fine at parcel scale), `gid` a number derived from the IDU.
///
/// Panics if the IDU is not 14 ASCII characters or the ring has fewer than 4
/// positions.
pub fn parcelle(idu: &str, nom_com: &str, ring: &[[f64; 2]]) -> Value {
    assert!(idu.len() == 14 && idu.is_ascii(), "an IDU has 14 characters: {idu:?}");
    assert!(ring.len() >= 4, "a ring has at least 4 positions");
    let (code_dep, code_com, com_abs, section, numero) =
        (&idu[0..2], &idu[2..5], &idu[5..8], &idu[8..10], &idu[10..14]);
    let gid = idu.bytes().fold(0u64, |h, b| (h * 131 + u64::from(b)) % 9_000_000) + 1_000_000;
    let bbox = ring_bbox(ring);
    json!({
        "type": "Feature",
        "id": format!("parcelle.{gid}"),
        "geometry": { "type": "MultiPolygon", "coordinates": [[ring]] },
        "geometry_name": "geom",
        "properties": {
            "gid": gid,
            "numero": numero,
            "feuille": 1,
            "section": section,
            "code_dep": code_dep,
            "nom_com": nom_com,
            "code_com": code_com,
            "com_abs": com_abs,
            "code_arr": "000",
            "idu": idu,
            "contenance": area_m2(ring).round() as i64,
            "code_insee": format!("{code_dep}{code_com}"),
        },
        "bbox": bbox,
    })
}

/// The canned parcels.
pub fn parcelles() -> Vec<Value> {
    let rect = |w: f64, s: f64, e: f64, n: f64| [[w, s], [e, s], [e, n], [w, n], [w, s]];
    vec![
        parcelle(IDU_COMEDIE, "Montpellier", &rect(3.8796, 43.60845, 3.87985, 43.60865)),
        parcelle(IDU_COMEDIE_VOISINE, "Montpellier", &rect(3.87985, 43.60845, 3.8801, 43.60865)),
        parcelle(IDU_AJACCIO, "Ajaccio", &rect(8.738, 41.9205, 8.7383, 41.9207)),
        parcelle(IDU_BASSE_TERRE, "Basse-Terre", &rect(-61.7259, 15.9972, -61.7256, 15.99745)),
    ]
}

/// `[west, south, east, north]`.
type BBox = [f64; 4];

fn ring_bbox(ring: &[[f64; 2]]) -> BBox {
    ring.iter().fold([f64::MAX, f64::MAX, f64::MIN, f64::MIN], |b, p| {
        [b[0].min(p[0]), b[1].min(p[1]), b[2].max(p[0]), b[3].max(p[1])]
    })
}

fn union(a: Option<BBox>, b: Option<BBox>) -> Option<BBox> {
    match (a, b) {
        (Some(a), Some(b)) => Some([a[0].min(b[0]), a[1].min(b[1]), a[2].max(b[2]), a[3].max(b[3])]),
        (a, None) => a,
        (None, b) => b,
    }
}

fn overlaps(a: &BBox, b: &BBox) -> bool {
    a[0] <= b[2] && b[0] <= a[2] && a[1] <= b[3] && b[1] <= a[3]
}

fn area_m2(ring: &[[f64; 2]]) -> f64 {
    let lat0 = ring.iter().map(|p| p[1]).sum::<f64>() / ring.len() as f64;
    let (kx, ky) = (111_320.0 * lat0.to_radians().cos(), 110_574.0);
    let twice: f64 = ring.windows(2).map(|w| (w[0][0] * kx) * (w[1][1] * ky) - (w[1][0] * kx) * (w[0][1] * ky)).sum();
    twice.abs() / 2.0
}

/// Checks a GeoJSON geometry the way geojsonhint does (types, nesting,
/// positions, closed rings of 4 positions or more) and returns its bounding
/// box (`None` for an empty geometry).
fn geometry_bbox(geometry: &Value) -> Result<Option<BBox>, String> {
    let Some(object) = geometry.as_object() else {
        return Err("The root of a GeoJSON object must be an object.".to_owned());
    };
    let Some(kind) = object.get("type").and_then(Value::as_str) else {
        return Err("\"type\" member required".to_owned());
    };
    if kind == "GeometryCollection" {
        let Some(members) = object.get("geometries").and_then(Value::as_array) else {
            return Err("\"geometries\" member required".to_owned());
        };
        return members.iter().try_fold(None, |acc, g| Ok(union(acc, geometry_bbox(g)?)));
    }
    // Nesting depth of `coordinates`: 0 = a position.
    let depth = match kind {
        "Point" => 0,
        "MultiPoint" | "LineString" => 1,
        "MultiLineString" | "Polygon" => 2,
        "MultiPolygon" => 3,
        "Feature" | "FeatureCollection" => {
            return Err(format!("geom doit être une géométrie GeoJSON, pas un objet {kind}"));
        }
        other => return Err(format!("The type {other} is unknown")),
    };
    let Some(coordinates) = object.get("coordinates") else {
        return Err("\"coordinates\" member required".to_owned());
    };
    coordinates_bbox(coordinates, depth, kind)
}

fn coordinates_bbox(value: &Value, depth: u8, kind: &str) -> Result<Option<BBox>, String> {
    let Some(items) = value.as_array() else {
        return Err(
            if depth == 0 { "position should be an array" } else { "coordinates should be an array" }.to_owned()
        );
    };
    if depth == 0 {
        if items.len() < 2 {
            return Err("position must have 2 or more elements".to_owned());
        }
        let numbers: Option<Vec<f64>> = items.iter().map(Value::as_f64).collect();
        let Some(numbers) = numbers else {
            return Err("each element in a position must be a number".to_owned());
        };
        return Ok(Some([numbers[0], numbers[1], numbers[0], numbers[1]]));
    }
    let is_ring = depth == 1 && matches!(kind, "Polygon" | "MultiPolygon");
    if is_ring {
        if items.len() < 4 {
            return Err("a LinearRing of coordinates needs to have four or more positions".to_owned());
        }
        if items.first() != items.last() {
            return Err("the first and last positions in a LinearRing of coordinates must be the same".to_owned());
        }
    }
    if depth == 1 && matches!(kind, "LineString" | "MultiLineString") && items.len() < 2 {
        return Err("a line needs to have two or more coordinates to be valid".to_owned());
    }
    items.iter().try_fold(None, |acc, item| Ok(union(acc, coordinates_bbox(item, depth - 1, kind)?)))
}

/// express-validator's description of one invalid field.
fn invalid(value: &str, msg: &str, path: &str) -> Value {
    json!({ "type": "field", "value": value, "msg": msg, "path": path, "location": "query" })
}

fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

fn alphanumeric(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric())
}

fn code_insee_valide(s: &str) -> bool {
    s.len() == 5
        && (s[..2].bytes().all(|b| b.is_ascii_digit())
            || s[..2].eq_ignore_ascii_case("2A")
            || s[..2].eq_ignore_ascii_case("2B"))
        && s.bytes().skip(2).all(|b| b.is_ascii_digit())
}

async fn parcelle_search(State(canned): State<Arc<Mutex<Vec<Value>>>>, RawQuery(query): RawQuery) -> Response {
    let params: Vec<(String, String)> =
        url::form_urlencoded::parse(query.unwrap_or_default().as_bytes()).into_owned().collect();
    let param = |name: &str| params.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());

    let mut problems = Map::new();
    let mut check = |name: &str, valid: fn(&str) -> bool, msg: &str| {
        if let Some(value) = param(name)
            && !valid(value)
        {
            problems.insert(name.to_owned(), invalid(value, msg, name));
        }
    };
    check("code_insee", code_insee_valide, "Code INSEE invalide");
    check("code_dep", |v| v.len() == 2 && alphanumeric(v), "Code département invalide");
    check("code_com", |v| (2..=3).contains(&v.len()) && all_digits(v), "Code commune invalide");
    check("section", |v| v.len() == 2 && alphanumeric(v), "Le numéro de section est sur 2 caractères");
    // API Carto's pattern is /\w{4}/, unanchored.
    check(
        "numero",
        |v| v.as_bytes().windows(4).any(|w| w.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'_')),
        "Le numéro de parcelle est sur 4 caractères",
    );
    check("code_arr", |v| v.len() == 3 && all_digits(v), "Le code arrondissement est composé de 3 chiffres");
    check("com_abs", |v| v.len() == 3 && all_digits(v), "Le prefixe est composé de 3 chiffres obligatoires");
    check("_limit", |v| v.parse::<f64>().is_ok(), "Invalid value");
    check("_start", |v| v.parse::<f64>().is_ok(), "Invalid value");
    check(
        "source_ign",
        |v| v.len() == 3,
        "Les seules valeurs possibles sont: PCI pour utiliser les couches PCI-Express \
         ou BDP pour utiliser les couches BD Parcellaires",
    );
    let mut geom_bbox = None;
    if let Some(raw) = param("geom") {
        let checked = serde_json::from_str::<Value>(raw)
            .map_err(|e| format!("Parse error: {e}"))
            .and_then(|geometry| geometry_bbox(&geometry));
        match checked {
            Ok(bbox) => geom_bbox = Some(bbox),
            Err(msg) => {
                problems.insert("geom".to_owned(), invalid(raw, &msg, "geom"));
            }
        }
    }
    if !problems.is_empty() {
        return contrats::json(StatusCode::BAD_REQUEST, &json!({ "code": 400, "message": problems }));
    }
    if let Some(source) = param("source_ign")
        && !matches!(source.to_ascii_uppercase().as_str(), "PCI" | "BDP")
    {
        return contrats::json(
            StatusCode::BAD_REQUEST,
            &json!({
                "code": 400,
                "message": "Pour une recherche sur la couche PCI EXPRESS : la valeur doit être PCI.\
                            Pour une recherche sur la couche BD Parcellaire: la valeur doit être BDP.",
            }),
        );
    }

    // `_limit`/`_start` passed the numeric check above.
    let number = |name: &str, default: usize| {
        param(name).and_then(|v| v.parse::<f64>().ok()).map_or(default, |n| n.max(0.0) as usize)
    };
    let (limit, start) = (number("_limit", DEFAULT_LIMIT), number("_start", 0));
    let filters: Vec<(&str, &str)> = ["code_insee", "code_dep", "code_com", "section", "numero", "code_arr", "com_abs"]
        .into_iter()
        .filter_map(|name| param(name).map(|value| (name, value)))
        .collect();

    let matched: Vec<Value> = lock(&canned)
        .iter()
        .filter(|feature| {
            filters.iter().all(|(name, value)| {
                feature["properties"][*name].as_str().is_some_and(|v| v.eq_ignore_ascii_case(value))
            })
        })
        .filter(|feature| match &geom_bbox {
            None => true,
            Some(None) => false,
            Some(Some(wanted)) => feature_bbox(feature).is_some_and(|b| overlaps(&b, wanted)),
        })
        .cloned()
        .collect();
    let total = matched.len();
    let features: Vec<Value> = matched.into_iter().skip(start).take(limit).collect();
    let bbox = features.iter().map(feature_bbox).fold(None, union);

    let mut body = json!({
        "type": "FeatureCollection",
        "features": features,
        "totalFeatures": total,
        "numberMatched": total,
        "numberReturned": features.len(),
        "timeStamp": chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
        "crs": { "type": "name", "properties": { "name": "urn:ogc:def:crs:EPSG::4326" } },
    });
    if let Some(bbox) = bbox {
        body["bbox"] = json!(bbox);
    }
    contrats::json(StatusCode::OK, &body)
}

/// A feature's `bbox`, or the one of its geometry.
fn feature_bbox(feature: &Value) -> Option<BBox> {
    if let Some(b) = feature["bbox"].as_array()
        && let [w, s, e, n] = b.as_slice()
    {
        return Some([w.as_f64()?, s.as_f64()?, e.as_f64()?, n.as_f64()?]);
    }
    geometry_bbox(&feature["geometry"]).ok().flatten()
}

fn outage_answer(outage: &Outage) -> Response {
    match outage {
        Outage::RateLimited { retry_after } => contrats::with_retry_after(
            contrats::json(StatusCode::TOO_MANY_REQUESTS, &json!({ "code": 429, "message": "Too Many Requests" })),
            *retry_after,
        ),
        Outage::Unavailable | Outage::Hang(_) => {
            contrats::json(StatusCode::SERVICE_UNAVAILABLE, &json!({ "code": 503, "message": "Service Unavailable" }))
        }
    }
}
