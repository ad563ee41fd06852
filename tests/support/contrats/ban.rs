//! The Base Adresse Nationale geocoder: `GET /search/` of
//! <https://api-adresse.data.gouv.fr> and `GET /geocodage/search` of the IGN
//! Géoplateforme (<https://data.geopf.fr>), which now serves the same
//! addresses.
//!
//! What is reproduced:
//!
//! - parameters `q`, `limit` (default 5), `autocomplete` (`1` by default,
//!   `0` to match whole words only), and the filters `type`
//!   (`housenumber`, `street`, `locality`, `municipality`), `postcode`,
//!   `citycode`;
//! - a GeoJSON `FeatureCollection` with the top-level members `version`
//!   (`"draft"`), `attribution` (`"BAN"`), `licence` (`"ETALAB-2.0"`),
//!   `query`, `filters` (only when a filter is given) and `limit`;
//! - features with a `Point` geometry `[lon, lat]` (WGS 84) and the
//!   documented properties: `label`, `score`, `housenumber`, `id`, `name`,
//!   `postcode`, `citycode`, `x`, `y` (legal projection: Lambert-93 in
//!   metropolitan France and Corsica, UTM 20N in Guadeloupe), `city`,
//!   `district` (Paris/Lyon/Marseille), `context` (« 75, Paris,
//!   Île-de-France »), `type`, `importance`, `street`; `population` and
//!   `municipality` for a municipality; the Géoplateforme adds `_type`
//!   (`"address"`);
//! - 400 `{"code":400,"message":"Failed parsing query","detail":[…]}` when
//!   `q` is missing, shorter than 3 or longer than 200 characters, or does not
//!   start with a letter or a digit (the documented wording), or when
//!   `limit`/`type` are invalid (wording ours).
//!
//! Simplified: matching is a case- and accent-insensitive search of the
//! query in the label, as a substring or word by word (the last word as a
//! prefix when `autocomplete` is on), not addok's fuzzy ranking; the score
//! only decreases with how little of the label the query covers; `lat`/`lon`
//! (proximity bias) and `index` are accepted and ignored; no `banId`; the
//! Géoplateforme answer carries the same top-level members as the BAN one;
//! outages answer `{"code":503|429,"message":…}`.
//!
//! Canned addresses ([`adresses`]): 20 avenue de Ségur and the avenue
//! itself (Paris 7e, 75), 1 place de la Comédie and the commune of
//! Montpellier (34), place Bellecour (Lyon 2e, 69), 1 cours Napoléon
//! (Ajaccio, 2A), rue Lardenoy (Basse-Terre, 971). Names, codes and
//! coordinates are real; the ids' street codes and the importances are
//! plausible values.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use serde_json::{Map, Value, json};

use crate::contrats::{self, Outage, Server, lock, normalise};

/// The BAN search path (api-adresse.data.gouv.fr).
pub const SEARCH_PATH: &str = "/search/";
/// The Géoplateforme search path (data.geopf.fr).
pub const GEOPLATEFORME_SEARCH_PATH: &str = "/geocodage/search";
/// Result types the API knows.
pub const TYPES: [&str; 4] = ["housenumber", "street", "locality", "municipality"];

const DEFAULT_LIMIT: usize = 5;
const Q_RULE: &str = "q: must contain between 3 and 200 chars and start with a number or a letter";

/// A running geocoder stand-in on 127.0.0.1, stopped when dropped.
pub struct Ban {
    server: Server,
    canned: Arc<Mutex<Vec<Value>>>,
}

#[derive(Clone)]
struct Ctx {
    canned: Arc<Mutex<Vec<Value>>>,
    geoplateforme: bool,
}

impl Ban {
    /// Starts a geocoder knowing the addresses of [`adresses`], on both paths.
    pub async fn start() -> Ban {
        let canned = Arc::new(Mutex::new(adresses()));
        let shared = Arc::clone(&canned);
        let server = Server::start(
            "BAN",
            move |_| {
                let ban = Router::new()
                    .route(SEARCH_PATH, get(search))
                    .route("/search", get(search))
                    .with_state(Ctx { canned: Arc::clone(&shared), geoplateforme: false });
                let geopf = Router::new()
                    .route(GEOPLATEFORME_SEARCH_PATH, get(search))
                    .route("/geocodage/search/", get(search))
                    .with_state(Ctx { canned: shared, geoplateforme: true });
                ban.merge(geopf)
            },
            outage_answer,
        )
        .await;
        Ban { server, canned }
    }

    /// Replaces the known addresses: GeoJSON `Feature`s as in [`adresses`]
    /// (`properties` without `score`, which the server computes).
    pub fn set_adresses(&self, features: Vec<Value>) {
        *lock(&self.canned) = features;
    }

    /// Adds one address (see [`Ban::set_adresses`]).
    pub fn add_adresse(&self, feature: Value) {
        lock(&self.canned).push(feature);
    }
}

contrats::controls!(Ban);

async fn search(State(ctx): State<Ctx>, RawQuery(query): RawQuery) -> Response {
    let params: Vec<(String, String)> =
        url::form_urlencoded::parse(query.unwrap_or_default().as_bytes()).into_owned().collect();
    let param = |name: &str| params.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());

    let mut detail = Vec::new();
    let q = param("q").unwrap_or_default().trim().to_owned();
    let q_len = q.chars().count();
    if !(3..=200).contains(&q_len) || !q.chars().next().is_some_and(char::is_alphanumeric) {
        detail.push(Q_RULE.to_owned());
    }
    let limit = match param("limit") {
        None | Some("") => DEFAULT_LIMIT,
        Some(raw) => match raw.parse::<usize>() {
            Ok(n) if n > 0 => n,
            _ => {
                detail.push("limit: must be a positive integer".to_owned());
                DEFAULT_LIMIT
            }
        },
    };
    let autocomplete = !matches!(param("autocomplete"), Some("0" | "false" | "no"));
    let mut filters = Map::new();
    for name in ["type", "postcode", "citycode"] {
        if let Some(value) = param(name).filter(|v| !v.is_empty()) {
            if name == "type" && !TYPES.contains(&value) {
                detail.push(format!("type: must be one of {}", TYPES.join(", ")));
            }
            filters.insert(name.to_owned(), Value::String(value.to_owned()));
        }
    }
    if !detail.is_empty() {
        return contrats::json(
            StatusCode::BAD_REQUEST,
            &json!({ "code": 400, "message": "Failed parsing query", "detail": detail }),
        );
    }

    let mut found: Vec<(f64, Value)> = lock(&ctx.canned)
        .iter()
        .filter(|feature| filters.iter().all(|(name, value)| &feature["properties"][name] == value))
        .filter_map(|feature| {
            let label = feature["properties"]["label"].as_str()?;
            Some((score(label, &q, autocomplete)?, feature.clone()))
        })
        .collect();
    // Stable: equal scores keep the canned order.
    found.sort_by(|a, b| b.0.total_cmp(&a.0));
    let features: Vec<Value> = found
        .into_iter()
        .take(limit)
        .map(|(score, mut feature)| {
            if let Some(properties) = feature["properties"].as_object_mut() {
                properties.insert("score".to_owned(), json!(score));
                if ctx.geoplateforme {
                    properties.insert("_type".to_owned(), json!("address"));
                }
            }
            feature
        })
        .collect();

    let mut body = json!({
        "type": "FeatureCollection",
        "version": "draft",
        "features": features,
        "attribution": "BAN",
        "licence": "ETALAB-2.0",
        "query": q,
        "limit": limit,
    });
    if !filters.is_empty() {
        body["filters"] = Value::Object(filters);
    }
    contrats::json(StatusCode::OK, &body)
}

/// `None` when the label does not match; otherwise a score in `]0.5, 1[`,
/// higher for a substring match and for a query covering more of the label.
fn score(label: &str, q: &str, autocomplete: bool) -> Option<f64> {
    let label = normalise(label);
    let q = normalise(q);
    if q.is_empty() {
        return None;
    }
    // Word boundaries on both ends, except at the end when autocompleting.
    let substring = format!(" {label} ").contains(&if autocomplete { format!(" {q}") } else { format!(" {q} ") });
    let words: Vec<&str> = label.split(' ').collect();
    let last = q.split(' ').count() - 1;
    let word_by_word = q
        .split(' ')
        .enumerate()
        .all(|(i, w)| words.iter().any(|l| *l == w || (autocomplete && i == last && l.starts_with(w))));
    if !substring && !word_by_word {
        return None;
    }
    let coverage = (q.len() as f64 / label.len() as f64).min(1.0);
    let base = if substring { 0.6 } else { 0.5 };
    Some(((base + 0.39 * coverage) * 10_000.0).round() / 10_000.0)
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

/// What a canned address needs; the other properties follow from its type.
struct Adresse<'a> {
    id: &'a str,
    kind: &'a str,
    housenumber: Option<&'a str>,
    street: &'a str,
    postcode: &'a str,
    citycode: &'a str,
    city: &'a str,
    district: Option<&'a str>,
    context: &'a str,
    lon_lat: [f64; 2],
    xy: [f64; 2],
    importance: f64,
}

impl Adresse<'_> {
    fn feature(&self) -> Value {
        let name = match self.housenumber {
            Some(number) => format!("{number} {}", self.street),
            None => self.street.to_owned(),
        };
        let mut properties = json!({
            "label": format!("{name} {} {}", self.postcode, self.city),
            "id": self.id,
            "name": name,
            "postcode": self.postcode,
            "citycode": self.citycode,
            "x": self.xy[0],
            "y": self.xy[1],
            "city": self.city,
            "context": self.context,
            "type": self.kind,
            "importance": self.importance,
        });
        if let Some(number) = self.housenumber {
            properties["housenumber"] = json!(number);
            properties["street"] = json!(self.street);
        }
        if let Some(district) = self.district {
            properties["district"] = json!(district);
        }
        json!({
            "type": "Feature",
            "geometry": { "type": "Point", "coordinates": self.lon_lat },
            "properties": properties,
        })
    }
}

/// The canned addresses, as GeoJSON features without `score`.
pub fn adresses() -> Vec<Value> {
    let paris = "75, Paris, Île-de-France";
    let herault = "34, Hérault, Occitanie";
    let mut features: Vec<Value> = [
        Adresse {
            id: "75107_8909_00020",
            kind: "housenumber",
            housenumber: Some("20"),
            street: "Avenue de Ségur",
            postcode: "75007",
            citycode: "75107",
            city: "Paris",
            district: Some("Paris 7e Arrondissement"),
            context: paris,
            lon_lat: [2.308563, 48.850609],
            xy: [649261.49, 6861396.27],
            importance: 0.6838,
        },
        Adresse {
            id: "75107_8909",
            kind: "street",
            housenumber: None,
            street: "Avenue de Ségur",
            postcode: "75007",
            citycode: "75107",
            city: "Paris",
            district: Some("Paris 7e Arrondissement"),
            context: paris,
            lon_lat: [2.309871, 48.84942],
            xy: [649356.32, 6861263.22],
            importance: 0.6771,
        },
        Adresse {
            id: "34172_1540_00001",
            kind: "housenumber",
            housenumber: Some("1"),
            street: "Place de la Comédie",
            postcode: "34000",
            citycode: "34172",
            city: "Montpellier",
            district: None,
            context: herault,
            lon_lat: [3.879825, 43.608549],
            xy: [771050.64, 6279228.78],
            importance: 0.7204,
        },
        Adresse {
            id: "69382_0870",
            kind: "street",
            housenumber: None,
            street: "Place Bellecour",
            postcode: "69002",
            citycode: "69382",
            city: "Lyon",
            district: Some("Lyon 2e Arrondissement"),
            context: "69, Rhône, Auvergne-Rhône-Alpes",
            lon_lat: [4.832011, 45.757814],
            xy: [842395.95, 6519230.93],
            importance: 0.7012,
        },
        Adresse {
            id: "2A004_0250_00001",
            kind: "housenumber",
            housenumber: Some("1"),
            street: "Cours Napoléon",
            postcode: "20000",
            citycode: "2A004",
            city: "Ajaccio",
            district: None,
            context: "2A, Corse-du-Sud, Corse",
            lon_lat: [8.738197, 41.920591],
            xy: [1176622.9, 6108425.28],
            importance: 0.6235,
        },
        Adresse {
            id: "97105_0180",
            kind: "street",
            housenumber: None,
            street: "Rue Lardenoy",
            postcode: "97100",
            citycode: "97105",
            city: "Basse-Terre",
            district: None,
            context: "971, Guadeloupe, Guadeloupe",
            lon_lat: [-61.725742, 15.997294],
            xy: [636346.3, 1769053.95],
            importance: 0.5518,
        },
    ]
    .iter()
    .map(Adresse::feature)
    .collect();
    features.push(json!({
        "type": "Feature",
        "geometry": { "type": "Point", "coordinates": [3.875771, 43.611242] },
        "properties": {
            "label": "Montpellier",
            "id": "34172",
            "type": "municipality",
            "name": "Montpellier",
            "postcode": "34000",
            "citycode": "34172",
            "x": 770719.95,
            "y": 6279524.42,
            "population": 299096,
            "city": "Montpellier",
            "context": herault,
            "importance": 0.7931,
            "municipality": "Montpellier",
        },
    }));
    features
}
