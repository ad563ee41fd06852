//! API Entreprise v3 (<https://entreprise.api.gouv.fr/v3/...>), INSEE Sirene
//! endpoints, as documented in its OpenAPI file (`openapi_files/api_entreprise.yaml`
//! and the staging payloads of `etalab/siade_staging_data`):
//!
//! - `GET /v3/insee/sirene/etablissements/{siret}`
//! - `GET /v3/insee/sirene/unites_legales/{siren}`
//!
//! What is reproduced:
//!
//! - authentication by `Authorization: Bearer <jeton>` only; a missing or
//!   wrong jeton answers 401 `00101` « Interdit »;
//! - the mandatory query parameters `context`, `object`, `recipient`: 422
//!   `00201`/`00202`/`00203` « Le paramètre … est obligatoire » (one error
//!   per missing parameter, in one answer); `recipient` must be a valid SIRET
//!   (422 `00210`) and must differ from the identifier asked for (422
//!   `00211`, wording ours);
//! - identifier checks before any lookup: a SIRET is 14 digits with a valid
//!   Luhn key, except La Poste's (SIREN 356000000), whose digits add up to a
//!   multiple of 5 (422 `00302` « Le numéro de siret n'est pas correctement
//!   formatté »); a SIREN is 9 digits with a Luhn key (422 `00301`);
//! - unknown identifiers: 404 `01003` « Entité non trouvée », provider INSEE;
//! - the error shape `{"errors":[{"code","title","detail","source","meta"}]}`;
//! - the success envelope `{"data","links","meta"}`. `data` of an
//!   établissement has `siret`, `siege_social`, `etat_administratif`,
//!   `date_fermeture`, `enseigne`, `status_diffusion`, `activite_principale`
//!   `{code, nomenclature, libelle}`, `tranche_effectif_salarie`
//!   `{de, a, code, date_reference, intitule}`, `diffusable_commercialement`,
//!   `date_creation` (Unix timestamp, as in v3), `unite_legale` (`siren`,
//!   `siret_siege_social`, `type`, `status_diffusion`,
//!   `personne_morale_attributs {raison_sociale, sigle}`,
//!   `personne_physique_attributs {…}`, `categorie_entreprise`,
//!   `forme_juridique {code, libelle}`, `activite_principale`,
//!   `tranche_effectif_salarie`, `economie_sociale_et_solidaire`,
//!   `date_creation`, `etat_administratif`, `date_derniere_mise_a_jour`,
//!   `redirect_from_siren`) and `adresse` (`numero_voie`,
//!   `indice_repetition_voie`, `type_voie`, `libelle_voie`,
//!   `complement_adresse`, `code_postal`, `libelle_commune`, `code_commune`,
//!   `distribution_speciale`, `code_cedex`, `libelle_cedex`,
//!   `libelle_commune_etranger`, `code_pays_etranger`, `libelle_pays_etranger`,
//!   `status_diffusion`, `acheminement_postal {l1…l7}`); `links.unite_legale`;
//!   `meta {date_derniere_mise_a_jour, redirect_from_siret}`. An unité
//!   légale answers the same `unite_legale` object (with `date_cessation`),
//!   `links {siege_social, siege_social_adresse}` and
//!   `meta {date_derniere_mise_a_jour, redirect_from_siren}`;
//! - `RateLimit-Limit`/`RateLimit-Remaining`/`RateLimit-Reset` headers; on 429
//!   the documented body `00429` « Trop de requêtes » plus `Retry-After`.
//!
//! Simplified: `links` point at this server (the real ones at
//! `https://entreprise.api.gouv.fr`), so that a client can follow them; the
//! jeton is compared as a string (no JWT, no scopes, no expiry: no 403); the
//! simulated 503 carries the documented « Service non disponible » error of
//! the provider (`01001`), which the real API sends with 502/504; the
//! `RateLimit-Remaining` header does not count down; `diffusibles` variants
//! and the `/adresse`, `/siege_social` sub-resources are not served.
//!
//! Canned établissements (sièges): DINUM ([`SIRET_DINUM`]), La Poste
//! ([`SIRET_LA_POSTE`]) and SNCF ([`SIRET_SNCF`], the payload of the API's own
//! staging examples). Identifiers, names, activities and addresses are the
//! public ones; dates, headcount bands and company categories are plausible
//! values, not a copy of the Sirene register.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use axum::routing::get;
use serde_json::{Value, json};

use crate::contrats::{self, Outage, Server, lock};

/// The jeton the server accepts until [`ApiEntreprise::set_token`].
pub const TOKEN: &str = "guichet-jeton-de-test-api-entreprise";
/// DINUM's siège, 20 avenue de Ségur, Paris 7e.
pub const SIRET_DINUM: &str = "13002526500013";
/// La Poste's siège, 9 rue du Colonel Pierre Avia, Paris 15e.
pub const SIRET_LA_POSTE: &str = "35600000000048";
/// SNCF's siège, 2 place aux Étoiles, Saint-Denis (API Entreprise's staging example).
pub const SIRET_SNCF: &str = "55204944776279";
/// A `recipient` (SIRET of the administration receiving the data): the one of
/// API Entreprise's documentation examples. It differs from every canned
/// établissement, so no call answers 422 `00211`.
pub const RECIPIENT: &str = "10000001700010";
/// The requests-per-minute limit announced in `RateLimit-Limit`.
pub const RATE_LIMIT: u64 = 50;

const ETABLISSEMENTS: &str = "/v3/insee/sirene/etablissements";
const UNITES_LEGALES: &str = "/v3/insee/sirene/unites_legales";
/// `meta.date_derniere_mise_a_jour` when the data has none (2024-06-03).
const MISE_A_JOUR: i64 = 1_717_365_600;

/// A running API Entreprise stand-in on 127.0.0.1, stopped when dropped.
pub struct ApiEntreprise {
    server: Server,
    canned: Arc<Mutex<Canned>>,
}

struct Canned {
    token: String,
    etablissements: BTreeMap<String, Value>,
    unites_legales: BTreeMap<String, Value>,
}

#[derive(Clone)]
struct Ctx {
    canned: Arc<Mutex<Canned>>,
    base_url: Arc<str>,
}

impl ApiEntreprise {
    /// Starts a server holding the canned établissements of [`etablissements`]
    /// and their unités légales, accepting [`TOKEN`].
    pub async fn start() -> ApiEntreprise {
        let mut canned =
            Canned { token: TOKEN.to_owned(), etablissements: BTreeMap::new(), unites_legales: BTreeMap::new() };
        for etablissement in etablissements() {
            canned.insert_etablissement(etablissement);
        }
        let canned = Arc::new(Mutex::new(canned));
        let shared = Arc::clone(&canned);
        let server = Server::start(
            "API Entreprise",
            move |base_url| {
                Router::new()
                    .route(&format!("{ETABLISSEMENTS}/{{siret}}"), get(etablissement))
                    .route(&format!("{UNITES_LEGALES}/{{siren}}"), get(unite_legale))
                    .with_state(Ctx { canned: shared, base_url: base_url.into() })
            },
            outage_answer,
        )
        .await;
        ApiEntreprise { server, canned }
    }

    /// The operator's grants letting the siret plugin call API Entreprise,
    /// relocated to this server, with its recipient and jeton.
    pub fn grants(&self) -> guichet::plugins::OperatorConfig {
        let operator = format!(
            "[siret]\nhttp = [\"https://entreprise.api.gouv.fr\"]\nallow-private-addresses = true\n\
             [siret.relocate]\n\"https://entreprise.api.gouv.fr\" = \"{}\"\n\
             [siret.config]\nrecipient = \"{RECIPIENT}\"\n[siret.secrets]\napi-entreprise = \"{TOKEN}\"\n",
            self.base_url(),
        );
        guichet::plugins::OperatorConfig::parse(&operator, |_| None).expect("operator config")
    }

    /// Accepts this jeton instead (and no other).
    pub fn set_token(&self, token: &str) {
        lock(&self.canned).token = token.to_owned();
    }

    /// Adds or replaces an établissement: `data` is the `data` member of the
    /// answer, keyed by its `siret`. Its `unite_legale` becomes the answer for
    /// its SIREN unless one was inserted already.
    ///
    /// Panics if `data.siret` is not a string.
    pub fn insert_etablissement(&self, data: Value) {
        lock(&self.canned).insert_etablissement(data);
    }

    /// Adds or replaces an unité légale: `data` is the `data` member of the
    /// answer, keyed by its `siren`. Panics if `data.siren` is not a string.
    pub fn insert_unite_legale(&self, data: Value) {
        let siren = data["siren"].as_str().expect("an unité légale needs a string `siren`").to_owned();
        lock(&self.canned).unites_legales.insert(siren, data);
    }

    /// Forgets an établissement: it answers 404 from now on.
    pub fn remove_etablissement(&self, siret: &str) {
        lock(&self.canned).etablissements.remove(siret);
    }

    /// Forgets an unité légale: it answers 404 from now on.
    pub fn remove_unite_legale(&self, siren: &str) {
        lock(&self.canned).unites_legales.remove(siren);
    }
}

contrats::controls!(ApiEntreprise);

impl Canned {
    fn insert_etablissement(&mut self, data: Value) {
        let siret = data["siret"].as_str().expect("an établissement needs a string `siret`").to_owned();
        if let Some(unite_legale) = unite_legale_of(&data) {
            let siren = unite_legale["siren"].as_str().unwrap_or_default().to_owned();
            self.unites_legales.entry(siren).or_insert(unite_legale);
        }
        self.etablissements.insert(siret, data);
    }
}

/// The unité légale answer derived from an établissement's nested
/// `unite_legale` (the nested object carries `date_derniere_mise_a_jour` and
/// `redirect_from_siren`, which the unité légale answer has in `meta`).
pub fn unite_legale_of(etablissement: &Value) -> Option<Value> {
    let mut unite_legale = etablissement.get("unite_legale")?.as_object()?.clone();
    unite_legale.get("siren")?.as_str()?;
    unite_legale.remove("date_derniere_mise_a_jour");
    unite_legale.remove("redirect_from_siren");
    unite_legale.entry("date_cessation").or_insert(Value::Null);
    Some(Value::Object(unite_legale))
}

/// Which identifier a route takes.
#[derive(Clone, Copy)]
enum Identifiant<'a> {
    Siret(&'a str),
    Siren(&'a str),
}

async fn etablissement(
    State(ctx): State<Ctx>,
    Path(siret): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let canned = lock(&ctx.canned);
    if let Some(refusal) = refusal(&canned.token, &headers, query.as_deref(), Identifiant::Siret(&siret)) {
        return refusal;
    }
    let Some(data) = canned.etablissements.get(&siret) else {
        return not_found();
    };
    let siren = data["unite_legale"]["siren"].as_str().unwrap_or(&siret[..9]);
    let mise_a_jour = data["unite_legale"]["date_derniere_mise_a_jour"].as_i64().unwrap_or(MISE_A_JOUR);
    ok(&json!({
        "data": data,
        "links": { "unite_legale": format!("{}{UNITES_LEGALES}/{siren}", ctx.base_url) },
        "meta": { "date_derniere_mise_a_jour": mise_a_jour, "redirect_from_siret": null },
    }))
}

async fn unite_legale(
    State(ctx): State<Ctx>,
    Path(siren): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let canned = lock(&ctx.canned);
    if let Some(refusal) = refusal(&canned.token, &headers, query.as_deref(), Identifiant::Siren(&siren)) {
        return refusal;
    }
    let Some(data) = canned.unites_legales.get(&siren) else {
        return not_found();
    };
    let mise_a_jour = canned
        .etablissements
        .values()
        .find(|e| e["unite_legale"]["siren"] == siren.as_str())
        .and_then(|e| e["unite_legale"]["date_derniere_mise_a_jour"].as_i64())
        .unwrap_or(MISE_A_JOUR);
    let siege = data["siret_siege_social"].as_str().unwrap_or_default();
    let base = &ctx.base_url;
    ok(&json!({
        "data": data,
        "links": {
            "siege_social": format!("{base}{ETABLISSEMENTS}/{siege}"),
            "siege_social_adresse": format!("{base}{ETABLISSEMENTS}/{siege}/adresse"),
        },
        "meta": { "date_derniere_mise_a_jour": mise_a_jour, "redirect_from_siren": null },
    }))
}

/// The checks API Entreprise makes before calling its provider, in its
/// order: jeton (401), then parameters and identifier (422, all at once).
/// `None` when the call may go on.
fn refusal(token: &str, headers: &HeaderMap, query: Option<&str>, id: Identifiant<'_>) -> Option<Response> {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, jeton)| jeton.trim());
    if bearer != Some(token) {
        return Some(contrats::json(
            StatusCode::UNAUTHORIZED,
            &errors(vec![error(
                "00101",
                "Interdit",
                "Votre token n'est pas valide ou n'est pas renseigné",
                json!({ "parameter": "token" }),
            )]),
        ));
    }

    let params: Vec<(String, String)> =
        url::form_urlencoded::parse(query.unwrap_or_default().as_bytes()).into_owned().collect();
    let param = |name: &str| params.iter().find(|(k, _)| k == name).map(|(_, v)| v.trim()).filter(|v| !v.is_empty());
    let mut problems = Vec::new();
    for (code, name) in [("00201", "context"), ("00202", "object"), ("00203", "recipient")] {
        if param(name).is_none() {
            problems.push(unprocessable(code, &format!("Le paramètre {name} est obligatoire"), name));
        }
    }
    let recipient = param("recipient");
    if let Some(recipient) = recipient
        && !siret_valide(recipient)
    {
        problems.push(unprocessable("00210", "Le paramètre recipient n'est pas un siret valide", "recipient"));
    }
    let (valeur, valide) = match id {
        Identifiant::Siret(siret) => {
            if !siret_valide(siret) {
                problems.push(unprocessable("00302", "Le numéro de siret n'est pas correctement formatté", "siret"));
            }
            (siret, siret_valide(siret))
        }
        Identifiant::Siren(siren) => {
            if !siren_valide(siren) {
                problems.push(unprocessable("00301", "Le numéro de siren n'est pas correctement formatté", "siren"));
            }
            (siren, siren_valide(siren))
        }
    };
    if valide && recipient == Some(valeur) {
        problems.push(unprocessable(
            "00211",
            "Le paramètre recipient est identique à l'identifiant demandé : \
             il doit désigner l'administration destinataire",
            "recipient",
        ));
    }
    (!problems.is_empty()).then(|| contrats::json(StatusCode::UNPROCESSABLE_ENTITY, &errors(problems)))
}

/// 14 digits with a Luhn key, or La Poste's exception (digit sum multiple of 5).
fn siret_valide(siret: &str) -> bool {
    if siret.len() != 14 || !siret.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    luhn(siret)
        || (siret.starts_with("356000000") && siret.bytes().map(|b| u32::from(b - b'0')).sum::<u32>().is_multiple_of(5))
}

fn siren_valide(siren: &str) -> bool {
    siren.len() == 9 && siren.bytes().all(|b| b.is_ascii_digit()) && luhn(siren)
}

fn luhn(digits: &str) -> bool {
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 1 {
                let d = d * 2;
                if d > 9 { d - 9 } else { d }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

fn error(code: &str, title: &str, detail: &str, source: Value) -> Value {
    json!({ "code": code, "title": title, "detail": detail, "source": source, "meta": {} })
}

fn unprocessable(code: &str, detail: &str, parameter: &str) -> Value {
    error(code, "Entité non traitable", detail, json!({ "parameter": parameter }))
}

fn errors(list: Vec<Value>) -> Value {
    json!({ "errors": list })
}

fn not_found() -> Response {
    contrats::json(
        StatusCode::NOT_FOUND,
        &json!({ "errors": [{
            "code": "01003",
            "title": "Entité non trouvée",
            "detail": "L'identifiant indiqué n'existe pas, n'est pas connu \
                       ou ne comporte aucune information pour cet appel.",
            "meta": { "provider": "INSEE" },
        }]}),
    )
}

fn unix_now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or_default()
}

fn with_rate_limit(mut response: Response, remaining: u64, reset_in: u64) -> Response {
    let headers = response.headers_mut();
    headers.insert("ratelimit-limit", HeaderValue::from(RATE_LIMIT));
    headers.insert("ratelimit-remaining", HeaderValue::from(remaining));
    headers.insert("ratelimit-reset", HeaderValue::from(unix_now() + reset_in));
    response
}

fn ok(body: &Value) -> Response {
    with_rate_limit(contrats::json(StatusCode::OK, body), RATE_LIMIT - 1, 60)
}

fn outage_answer(outage: &Outage) -> Response {
    match outage {
        Outage::RateLimited { retry_after } => {
            let body =
                errors(vec![error("00429", "Trop de requêtes", "Vous avez effectué trop de requêtes", json!({}))]);
            let response = contrats::json(StatusCode::TOO_MANY_REQUESTS, &body);
            contrats::with_retry_after(with_rate_limit(response, 0, *retry_after), *retry_after)
        }
        Outage::Unavailable | Outage::Hang(_) => contrats::json(
            StatusCode::SERVICE_UNAVAILABLE,
            &json!({ "errors": [{
                "code": "01001",
                "title": "Service non disponible",
                "detail": "Service du fournisseur de données temporairement indisponible ou en maintenance.",
                "source": null,
                "meta": { "provider": "INSEE" },
            }]}),
        ),
    }
}

/// `personne_physique_attributs` of a personne morale: every member null.
fn sans_personne_physique() -> Value {
    json!({
        "pseudonyme": null, "prenom_usuel": null, "prenom_1": null, "prenom_2": null, "prenom_3": null,
        "prenom_4": null, "nom_usage": null, "nom_naissance": null, "sexe": null,
    })
}

/// An `adresse` object of a French établissement.
fn adresse(
    siret: &str,
    numero: &str,
    type_voie: &str,
    libelle_voie: &str,
    code_postal: &str,
    commune: (&str, &str),
    l1: &str,
) -> Value {
    let (code_commune, libelle_commune) = commune;
    json!({
        "siret": siret,
        "status_diffusion": "diffusible",
        "complement_adresse": null,
        "numero_voie": numero,
        "indice_repetition_voie": null,
        "type_voie": type_voie,
        "libelle_voie": libelle_voie,
        "code_postal": code_postal,
        "libelle_commune": libelle_commune,
        "libelle_commune_etranger": null,
        "distribution_speciale": null,
        "code_commune": code_commune,
        "code_cedex": null,
        "libelle_cedex": null,
        "code_pays_etranger": null,
        "libelle_pays_etranger": null,
        "acheminement_postal": {
            "l1": l1,
            "l2": "",
            "l3": "",
            "l4": format!("{numero} {type_voie} {libelle_voie}"),
            "l5": "",
            "l6": format!("{code_postal} {libelle_commune}"),
            "l7": "FRANCE",
        },
    })
}

/// The canned établissements: the `data` member of each answer.
pub fn etablissements() -> Vec<Value> {
    let administration =
        json!({ "code": "84.11Z", "nomenclature": "NAFRev2", "libelle": "Administration publique générale" });
    let effectif_dinum =
        json!({ "de": 100, "a": 199, "code": "22", "date_reference": "2022", "intitule": "100 à 199 salariés" });
    let poste = json!({
        "code": "53.10Z",
        "nomenclature": "NAFRev2",
        "libelle": "Activités de poste dans le cadre d'une obligation de service universel",
    });
    let plus_de_10_000 = json!({
        "de": 10000, "a": null, "code": "53", "date_reference": "2022", "intitule": "10 000 salariés et plus",
    });
    let ferroviaire = json!({
        "code": "49.10Z", "nomenclature": "NAFRev2", "libelle": "Transport ferroviaire interurbain de voyageurs",
    });
    vec![
        json!({
            "siret": SIRET_DINUM,
            "siege_social": true,
            "etat_administratif": "A",
            "date_fermeture": null,
            "enseigne": null,
            "status_diffusion": "diffusible",
            "activite_principale": administration,
            "tranche_effectif_salarie": effectif_dinum,
            "diffusable_commercialement": true,
            "date_creation": 1_321_830_000,
            "unite_legale": {
                "siren": "130025265",
                "siret_siege_social": SIRET_DINUM,
                "type": "personne_morale",
                "status_diffusion": "diffusible",
                "personne_morale_attributs": {
                    "raison_sociale": "DIRECTION INTERMINISTERIELLE DU NUMERIQUE",
                    "sigle": "DINUM",
                },
                "personne_physique_attributs": sans_personne_physique(),
                "categorie_entreprise": "PME",
                "diffusable_commercialement": true,
                "forme_juridique": { "code": "7120", "libelle": "Service central d'un ministère" },
                "activite_principale": administration,
                "tranche_effectif_salarie": effectif_dinum,
                "economie_sociale_et_solidaire": false,
                "date_creation": 1_321_830_000,
                "etat_administratif": "A",
                "date_derniere_mise_a_jour": MISE_A_JOUR,
                "redirect_from_siren": null,
            },
            "adresse": adresse(
                SIRET_DINUM, "20", "AVENUE", "DE SEGUR", "75007", ("75107", "PARIS 7"),
                "DIRECTION INTERMINISTERIELLE DU NUMERIQUE",
            ),
        }),
        json!({
            "siret": SIRET_LA_POSTE,
            "siege_social": true,
            "etat_administratif": "A",
            "date_fermeture": null,
            "enseigne": null,
            "status_diffusion": "diffusible",
            "activite_principale": poste,
            "tranche_effectif_salarie": plus_de_10_000,
            "diffusable_commercialement": true,
            "date_creation": 1_267_398_000,
            "unite_legale": {
                "siren": "356000000",
                "siret_siege_social": SIRET_LA_POSTE,
                "type": "personne_morale",
                "status_diffusion": "diffusible",
                "personne_morale_attributs": { "raison_sociale": "LA POSTE", "sigle": null },
                "personne_physique_attributs": sans_personne_physique(),
                "categorie_entreprise": "GE",
                "diffusable_commercialement": true,
                "forme_juridique": { "code": "5599", "libelle": "SA à conseil d'administration (s.a.i.)" },
                "activite_principale": poste,
                "tranche_effectif_salarie": plus_de_10_000,
                "economie_sociale_et_solidaire": false,
                "date_creation": 662_684_400,
                "etat_administratif": "A",
                "date_derniere_mise_a_jour": MISE_A_JOUR,
                "redirect_from_siren": null,
            },
            "adresse": adresse(
                SIRET_LA_POSTE, "9", "RUE", "DU COLONEL PIERRE AVIA", "75015", ("75115", "PARIS 15"), "LA POSTE",
            ),
        }),
        json!({
            "siret": SIRET_SNCF,
            "siege_social": true,
            "etat_administratif": "A",
            "date_fermeture": null,
            "enseigne": "SNCF ST DENIS 2 PL AUX ETOILES",
            "status_diffusion": "diffusible",
            "activite_principale": ferroviaire,
            "tranche_effectif_salarie": {
                "de": 500, "a": 999, "code": "41", "date_reference": "2020", "intitule": "500 à 999 salariés",
            },
            "diffusable_commercialement": true,
            "date_creation": 519_861_600,
            "unite_legale": {
                "siren": "552049447",
                "siret_siege_social": SIRET_SNCF,
                "type": "personne_morale",
                "status_diffusion": "diffusible",
                "personne_morale_attributs": { "raison_sociale": "SOCIETE NATIONALE SNCF", "sigle": "SNCF" },
                "personne_physique_attributs": sans_personne_physique(),
                "categorie_entreprise": "GE",
                "diffusable_commercialement": true,
                "forme_juridique": { "code": "5599", "libelle": "SA à conseil d'administration (s.a.i.)" },
                "activite_principale": ferroviaire,
                "tranche_effectif_salarie": plus_de_10_000,
                "economie_sociale_et_solidaire": false,
                "date_creation": -473_389_200,
                "etat_administratif": "A",
                "date_derniere_mise_a_jour": 1_673_478_000,
                "redirect_from_siren": null,
            },
            "adresse": adresse(
                SIRET_SNCF, "2", "PLACE", "AUX ETOILES", "93210", ("93066", "SAINT-DENIS"), "SOCIETE NATIONALE SNCF",
            ),
        }),
    ]
}
