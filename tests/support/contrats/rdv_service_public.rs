//! RDV Service Public (<https://rdv.anct.gouv.fr>), the part of its agent API
//! démarches-simplifiées uses to book appointments from a dossier:
//!
//! - `POST /api/v1/rdv_plans`: creates a plan (a draft rendez-vous) for an
//!   usager, body `{"user": {"id"?, "first_name", "last_name", "email",
//!   "phone_number"?, "address"?}, "return_url"?, "dossier_url"?}`;
//! - `GET /api/v1/rdv_plans/{id}`: the plan, with its rendez-vous once one
//!   is booked;
//! - `GET /api/v1/rdvs`: rendez-vous, filtered by `id[]` (repeatable, or
//!   `id`), `user_id`, `status`, paginated by `page` (100 a page).
//!
//! Sources: betagouv/rdv-service-public `app/controllers/api/v1/rdv_plans_controller.rb`,
//! `rdvs_controller.rb`, `agent_auth_base_controller.rb`, `base_controller.rb`
//! (pagination `meta`), `app/blueprints/rdv_plan_blueprint.rb`,
//! `rdv_blueprint.rb`, `motif_blueprint.rb`, `lieu_blueprint.rb`,
//! `app/models/rdv_plan.rb` (`return_url` must be http(s) on a domain of
//! the OAuth application's redirect URIs), `spec/requests/api/v1/rdv_plans_spec.rb`
//! (swagger: 201, `url`, `user_id`, `created_at`, `updated_at`), the
//! integration guide (`first_name` and `last_name` are required), and
//! démarches-simplifiées `app/services/rdv_service.rb` (how a client calls
//! it, answers quoted from the demo instance).
//!
//! What is reproduced:
//!
//! - OAuth bearer tokens (Doorkeeper): a missing or wrong token answers 401
//!   `{"error":"invalid_token","error_description":"The access token is
//!   invalid"}` with `WWW-Authenticate: Bearer realm="Doorkeeper", …`;
//! - plan creation: 422 `{"errors":["param is missing or the value is
//!   empty: user"]}` without `user`; an existing usager is found by `id` or
//!   `email`, a new one needs `first_name` and `last_name` (422
//!   `record_invalid` shape `{"errors": {attribute: [{"error": …}]},
//!   "error_messages": ["first_name doit être rempli(e)"]}`); `return_url`
//!   checked against the allowed hosts ([`RdvServicePublic::set_return_hosts`]);
//!   201 `{"rdv_plan": {"id", "user_id", "created_at", "updated_at", "url",
//!   "rdv": null}}`, `url` being the agent's page `/agents/rdv_plans/{id}`;
//! - plan reading: 404 `{"errors":["Couldn't find RdvPlan with 'id'=…"]}`;
//!   `rdv` is `{id, status, starts_at (ISO 8601), location_type}` once
//!   booked;
//! - rendez-vous as `RdvBlueprint` renders them: `id`, `uuid`, `status`
//!   (`unknown`, `waiting`, `seen`, `excused`, `revoked`, `noshow`),
//!   `starts_at`, `ends_at`, `duration_in_min`, `address`, `context`,
//!   `cancelled_at`, `max_participants_count`, `users_count`, `name`,
//!   `collectif`, `created_by_type`, `created_by_id`, `created_at`,
//!   `created_by`, `url_for_agents`, and the associations `organisation`,
//!   `motif` (`id`, `name`, `location_type` `public_office`, `phone`,
//!   `home` or `visio`, …), `users`, `participations`, `agents`, `lieu`
//!   (`id`, `name`, `address`, `phone_number`, `organisation_id`,
//!   `single_use`, `enabled`); the collection under `rdvs` with `meta
//!   {current_page, next_page, prev_page, total_pages, total_count}`.
//!
//! Times are written as Blueprinter writes Ruby times, `2024-06-07
//! 15:30:00 +0200` (what the API's own spec and démarches-simplifiées'
//! quoted answers show), except the plan's `rdv.starts_at`, which the
//! blueprint writes with `.iso8601` (`2024-06-07T15:30:00+02:00`).
//!
//! Simplified: one organisation (« Betagouv », id 100) and one agent; no
//! scopes (no 403); booking is not done through the service's pages but by
//! the test, with [`RdvServicePublic::reserver`], standing for « the usager
//! picked a slot » (the plan's `rdv` is then set); a visio rendez-vous
//! carries its link as `visio_url`, which the public blueprint does not
//! document (the service builds it from `uuid` on its pages); `organisation_id`,
//! `agent_id`, `starts_after`/`starts_before` filters are ignored; outages
//! answer 503 `{"errors":["Service Unavailable"]}` and 429 `Retry later`
//! (Rack::Attack's default) with `Retry-After`.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{DateTime, Duration, FixedOffset, Utc};
use serde_json::{Value, json};

use crate::contrats::{self, Outage, Server, lock};

/// The token the server accepts until [`RdvServicePublic::set_token`].
pub const TOKEN: &str = "guichet-jeton-de-test-rdv-service-public";
/// The organisation every rendez-vous belongs to.
pub const ORGANISATION_ID: u64 = 100;
/// The id of the first plan created (the next ones follow).
pub const PREMIER_PLAN: u64 = 10;
/// The id of the first rendez-vous booked.
pub const PREMIER_RDV: u64 = 10093;
/// Hosts a `return_url` may use until [`RdvServicePublic::set_return_hosts`]
/// (the OAuth application's redirect URIs).
pub const RETURN_HOSTS: [&str; 2] = ["127.0.0.1", "localhost"];

const PER_PAGE: usize = 100;
const RUBY_TIME: &str = "%Y-%m-%d %H:%M:%S %z";

/// A motif's `location_type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LocationType {
    PublicOffice,
    Phone,
    Home,
    Visio,
}

impl LocationType {
    pub fn as_str(self) -> &'static str {
        match self {
            LocationType::PublicOffice => "public_office",
            LocationType::Phone => "phone",
            LocationType::Home => "home",
            LocationType::Visio => "visio",
        }
    }
}

/// A rendez-vous' `status`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Unknown,
    Waiting,
    Seen,
    Excused,
    Revoked,
    Noshow,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Unknown => "unknown",
            Status::Waiting => "waiting",
            Status::Seen => "seen",
            Status::Excused => "excused",
            Status::Revoked => "revoked",
            Status::Noshow => "noshow",
        }
    }
}

/// The slot an usager picks, for [`RdvServicePublic::reserver`].
#[derive(Clone, Debug)]
pub struct Reservation {
    /// RFC 3339, with the offset the answers keep (`2024-06-07T15:30:00+02:00`).
    pub starts_at: String,
    pub duration_in_min: u32,
    pub location_type: LocationType,
    /// The motif's name.
    pub motif: String,
    /// `(name, address)` of the lieu, for `public_office`.
    pub lieu: Option<(String, String)>,
    /// The usager's address, for `home`.
    pub address: Option<String>,
}

impl Reservation {
    /// A visioconference of `duration_in_min` minutes, motif « Entretien ».
    pub fn visio(starts_at: &str, duration_in_min: u32) -> Reservation {
        Reservation::new(starts_at, duration_in_min, LocationType::Visio)
    }

    /// A rendez-vous at the Mairie de Saint-Péray.
    pub fn sur_place(starts_at: &str, duration_in_min: u32) -> Reservation {
        Reservation {
            lieu: Some(("Mairie de Saint-Péray".to_owned(), "Rue de la Mairie, 07130 Saint-Péray".to_owned())),
            ..Reservation::new(starts_at, duration_in_min, LocationType::PublicOffice)
        }
    }

    pub fn new(starts_at: &str, duration_in_min: u32, location_type: LocationType) -> Reservation {
        Reservation {
            starts_at: starts_at.to_owned(),
            duration_in_min,
            location_type,
            motif: "Entretien".to_owned(),
            lieu: None,
            address: None,
        }
    }
}

/// A running RDV Service Public stand-in on 127.0.0.1, stopped when dropped.
pub struct RdvServicePublic {
    server: Server,
    state: Arc<Mutex<Donnees>>,
}

#[derive(Clone, Debug)]
struct Usager {
    id: u64,
    first_name: Option<String>,
    last_name: Option<String>,
    email: Option<String>,
}

#[derive(Clone, Debug)]
struct Plan {
    id: u64,
    user_id: u64,
    created_at: DateTime<FixedOffset>,
    updated_at: DateTime<FixedOffset>,
    return_url: Option<String>,
    dossier_url: Option<String>,
    rdv: Option<u64>,
}

#[derive(Clone, Debug)]
struct Rdv {
    id: u64,
    uuid: String,
    user_id: u64,
    status: Status,
    starts_at: DateTime<FixedOffset>,
    duration_in_min: u32,
    location_type: LocationType,
    motif: String,
    lieu: Option<(String, String)>,
    address: Option<String>,
    created_at: DateTime<FixedOffset>,
    cancelled_at: Option<DateTime<FixedOffset>>,
}

struct Donnees {
    token: String,
    return_hosts: Vec<String>,
    base_url: String,
    usagers: Vec<Usager>,
    plans: BTreeMap<u64, Plan>,
    rdvs: BTreeMap<u64, Rdv>,
}

type Shared = Arc<Mutex<Donnees>>;

impl RdvServicePublic {
    /// Starts a server with no plan, accepting [`TOKEN`].
    pub async fn start() -> RdvServicePublic {
        let state = Arc::new(Mutex::new(Donnees {
            token: TOKEN.to_owned(),
            return_hosts: RETURN_HOSTS.iter().map(|h| (*h).to_owned()).collect(),
            base_url: String::new(),
            usagers: Vec::new(),
            plans: BTreeMap::new(),
            rdvs: BTreeMap::new(),
        }));
        let shared = Arc::clone(&state);
        let server = Server::start(
            "RDV Service Public",
            move |base_url| {
                lock(&shared).base_url = base_url.to_owned();
                Router::new()
                    .route("/api/v1/rdv_plans", post(creer_plan))
                    .route("/api/v1/rdv_plans/{id}", get(lire_plan))
                    .route("/api/v1/rdvs", get(lister_rdvs))
                    .with_state(shared)
            },
            outage_answer,
        )
        .await;
        RdvServicePublic { server, state }
    }

    /// Accepts this token instead (and no other).
    pub fn set_token(&self, token: &str) {
        lock(&self.state).token = token.to_owned();
    }

    /// The hosts a `return_url` may point to (the OAuth application's
    /// redirect URIs); others answer 422.
    pub fn set_return_hosts(&self, hosts: &[&str]) {
        lock(&self.state).return_hosts = hosts.iter().map(|h| (*h).to_owned()).collect();
    }

    /// « The usager booked a slot » on the plan: creates the rendez-vous,
    /// status `unknown`, and ties it to the plan. Returns its id.
    ///
    /// Panics if the plan does not exist, already has a rendez-vous, or
    /// `starts_at` is not RFC 3339.
    pub fn reserver(&self, plan_id: u64, reservation: Reservation) -> u64 {
        let starts_at = DateTime::parse_from_rfc3339(&reservation.starts_at)
            .unwrap_or_else(|e| panic!("starts_at {:?} is not RFC 3339: {e}", reservation.starts_at));
        let mut state = lock(&self.state);
        let id = state.rdvs.keys().next_back().map_or(PREMIER_RDV, |last| last + 1);
        let now = paris_now();
        let plan = state.plans.get_mut(&plan_id).unwrap_or_else(|| panic!("no plan {plan_id}"));
        assert!(plan.rdv.is_none(), "plan {plan_id} already has rendez-vous {:?}", plan.rdv);
        plan.rdv = Some(id);
        plan.updated_at = now;
        let user_id = plan.user_id;
        state.rdvs.insert(
            id,
            Rdv {
                id,
                uuid: uuid_for(id),
                user_id,
                status: Status::Unknown,
                starts_at,
                duration_in_min: reservation.duration_in_min,
                location_type: reservation.location_type,
                motif: reservation.motif,
                lieu: reservation.lieu,
                address: reservation.address,
                created_at: now,
                cancelled_at: None,
            },
        );
        id
    }

    /// Changes a rendez-vous' status (as an agent does in the service):
    /// `excused` and `revoked` set `cancelled_at`. Panics on an unknown id.
    pub fn set_status(&self, rdv_id: u64, status: Status) {
        let mut state = lock(&self.state);
        let rdv = state.rdvs.get_mut(&rdv_id).unwrap_or_else(|| panic!("no rendez-vous {rdv_id}"));
        rdv.status = status;
        rdv.cancelled_at = matches!(status, Status::Excused | Status::Revoked).then(paris_now);
    }

    /// Forgets a plan (and its rendez-vous): it answers 404 from now on.
    pub fn remove_plan(&self, plan_id: u64) {
        let mut state = lock(&self.state);
        if let Some(plan) = state.plans.remove(&plan_id)
            && let Some(rdv) = plan.rdv
        {
            state.rdvs.remove(&rdv);
        }
    }

    /// What the server keeps of a plan, to check what a client sent:
    /// `{"id", "return_url", "dossier_url", "rdv_id", "user": {"id",
    /// "first_name", "last_name", "email"}}`; none when unknown.
    pub fn plan(&self, plan_id: u64) -> Option<Value> {
        let state = lock(&self.state);
        let plan = state.plans.get(&plan_id)?;
        let user = state.usagers.iter().find(|u| u.id == plan.user_id)?;
        Some(json!({
            "id": plan.id,
            "return_url": plan.return_url,
            "dossier_url": plan.dossier_url,
            "rdv_id": plan.rdv,
            "user": { "id": user.id, "first_name": user.first_name, "last_name": user.last_name, "email": user.email },
        }))
    }

    /// The ids of the plans created so far, oldest first.
    pub fn plans(&self) -> Vec<u64> {
        lock(&self.state).plans.keys().copied().collect()
    }
}

contrats::controls!(RdvServicePublic);

/// Now in Paris, second precision (summer time from April to October is
/// close enough for creation stamps).
fn paris_now() -> DateTime<FixedOffset> {
    let offset = FixedOffset::east_opt(3600).unwrap_or_else(|| unreachable!("one hour is a valid offset"));
    let now = Utc::now().with_timezone(&offset);
    now - Duration::nanoseconds(i64::from(now.timestamp_subsec_nanos()))
}

/// A stable, UUID-shaped `uuid` per rendez-vous.
fn uuid_for(id: u64) -> String {
    format!("5f3c2b1a-7d4e-4c6b-9a8e-{id:012x}")
}

fn ruby(time: &DateTime<FixedOffset>) -> String {
    time.format(RUBY_TIME).to_string()
}

/// The Doorkeeper check. `None` when the bearer token is the right one.
fn unauthorized(state: &Donnees, headers: &HeaderMap) -> Option<Response> {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim());
    if bearer == Some(state.token.as_str()) {
        return None;
    }
    let mut response = contrats::json(
        StatusCode::UNAUTHORIZED,
        &json!({ "error": "invalid_token", "error_description": "The access token is invalid" }),
    );
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static(
            "Bearer realm=\"Doorkeeper\", error=\"invalid_token\", error_description=\"The access token is invalid\"",
        ),
    );
    Some(response)
}

fn unprocessable(errors: Value, messages: Option<Vec<String>>) -> Response {
    let mut body = json!({ "errors": errors });
    if let Some(messages) = messages {
        body["error_messages"] = json!(messages);
    }
    contrats::json(StatusCode::UNPROCESSABLE_ENTITY, &body)
}

fn not_found(model: &str, id: &str) -> Response {
    contrats::json(StatusCode::NOT_FOUND, &json!({ "errors": [format!("Couldn't find {model} with 'id'={id}")] }))
}

fn plan_json(state: &Donnees, plan: &Plan) -> Value {
    let rdv = plan.rdv.and_then(|id| state.rdvs.get(&id)).map(|rdv| {
        json!({
            "id": rdv.id,
            "status": rdv.status.as_str(),
            "starts_at": rdv.starts_at.format("%Y-%m-%dT%H:%M:%S%:z").to_string(),
            "location_type": rdv.location_type.as_str(),
        })
    });
    json!({
        "rdv_plan": {
            "id": plan.id,
            "user_id": plan.user_id,
            "created_at": ruby(&plan.created_at),
            "updated_at": ruby(&plan.updated_at),
            "url": format!("{}/agents/rdv_plans/{}", state.base_url, plan.id),
            "rdv": rdv,
        }
    })
}

async fn creer_plan(State(state): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    let mut state = lock(&state);
    if let Some(refusal) = unauthorized(&state, &headers) {
        return refusal;
    }
    let Ok(params) = serde_json::from_slice::<Value>(&body) else {
        // ActionDispatch's parse error, turned into a 400 by Rails.
        return contrats::json(
            StatusCode::BAD_REQUEST,
            &json!({ "errors": ["Error occurred while parsing request parameters"] }),
        );
    };
    let user = match params.get("user") {
        Some(user @ Value::Object(fields)) if !fields.is_empty() => user,
        _ => return unprocessable(json!(["param is missing or the value is empty: user"]), None),
    };
    let text = |value: &Value, key: &str| {
        value.get(key).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned)
    };

    if let Some(url) = text(&params, "return_url") {
        let host = url::Url::parse(&url).ok().filter(|u| matches!(u.scheme(), "http" | "https"));
        let allowed =
            host.as_ref().and_then(|u| u.host_str()).is_some_and(|h| state.return_hosts.iter().any(|a| a == h));
        if !allowed {
            let message =
                if host.is_none() { "Doit utiliser http ou https" } else { "n'est pas un nom de domaine autorisé" };
            return unprocessable(
                json!({ "return_url": [{ "error": message }] }),
                Some(vec![format!("return_url {message}")]),
            );
        }
    }

    let existing = match user.get("id").and_then(Value::as_u64) {
        Some(id) => match state.usagers.iter().position(|u| u.id == id) {
            Some(index) => Some(index),
            // An id outside the agent's territories: Pundit refuses.
            None => {
                return contrats::json(
                    StatusCode::FORBIDDEN,
                    &json!({ "errors": [{ "base": "forbidden" }], "error_messages": ["Vous ne pouvez pas effectuer cette action."] }),
                );
            }
        },
        None => text(user, "email").and_then(|email| {
            state.usagers.iter().position(|u| u.email.as_deref().is_some_and(|e| e.eq_ignore_ascii_case(&email)))
        }),
    };
    let user_id = match existing {
        Some(index) => {
            let usager = &mut state.usagers[index];
            if let Some(email) = text(user, "email") {
                usager.email = Some(email);
            }
            usager.id
        }
        None => {
            let (first_name, last_name) = (text(user, "first_name"), text(user, "last_name"));
            let mut details = serde_json::Map::new();
            let mut messages = Vec::new();
            for (attribute, value) in [("first_name", &first_name), ("last_name", &last_name)] {
                if value.is_none() {
                    details.insert(attribute.to_owned(), json!([{ "error": "blank" }]));
                    messages.push(format!("{attribute} doit être rempli(e)"));
                }
            }
            if !messages.is_empty() {
                return unprocessable(Value::Object(details), Some(messages));
            }
            let id = state.usagers.iter().map(|u| u.id).max().map_or(6425, |last| last + 1);
            state.usagers.push(Usager { id, first_name, last_name, email: text(user, "email") });
            id
        }
    };
    let id = state.plans.keys().next_back().map_or(PREMIER_PLAN, |last| last + 1);
    let now = paris_now();
    let plan = Plan {
        id,
        user_id,
        created_at: now,
        updated_at: now,
        return_url: text(&params, "return_url"),
        dossier_url: text(&params, "dossier_url"),
        rdv: None,
    };
    let body = plan_json(&state, &plan);
    state.plans.insert(id, plan);
    contrats::json(StatusCode::CREATED, &body)
}

async fn lire_plan(State(state): State<Shared>, Path(id): Path<String>, headers: HeaderMap) -> Response {
    let state = lock(&state);
    if let Some(refusal) = unauthorized(&state, &headers) {
        return refusal;
    }
    match id.parse::<u64>().ok().and_then(|id| state.plans.get(&id)) {
        Some(plan) => contrats::json(StatusCode::OK, &plan_json(&state, plan)),
        None => not_found("RdvPlan", &id),
    }
}

async fn lister_rdvs(State(state): State<Shared>, RawQuery(query): RawQuery, headers: HeaderMap) -> Response {
    let state = lock(&state);
    if let Some(refusal) = unauthorized(&state, &headers) {
        return refusal;
    }
    let params: Vec<(String, String)> =
        url::form_urlencoded::parse(query.unwrap_or_default().as_bytes()).into_owned().collect();
    let values = |name: &str| -> Vec<&str> {
        params.iter().filter(|(k, _)| k == name || *k == format!("{name}[]")).map(|(_, v)| v.as_str()).collect()
    };
    let ids: Vec<u64> = values("id").iter().filter_map(|v| v.parse().ok()).collect();
    let filtered_by_id = !values("id").is_empty();
    let user_ids: Vec<u64> = values("user_id").iter().filter_map(|v| v.parse().ok()).collect();
    let statuses = values("status");
    let page = params.iter().find(|(k, _)| k == "page").and_then(|(_, v)| v.parse::<usize>().ok()).unwrap_or(1).max(1);

    let matching: Vec<&Rdv> = state
        .rdvs
        .values()
        .filter(|rdv| !filtered_by_id || ids.contains(&rdv.id))
        .filter(|rdv| values("user_id").is_empty() || user_ids.contains(&rdv.user_id))
        .filter(|rdv| statuses.is_empty() || statuses.contains(&rdv.status.as_str()))
        .collect();
    let total = matching.len();
    let total_pages = total.div_ceil(PER_PAGE);
    let rdvs: Vec<Value> =
        matching.iter().skip((page - 1) * PER_PAGE).take(PER_PAGE).map(|rdv| rdv_json(&state, rdv)).collect();
    contrats::json(
        StatusCode::OK,
        &json!({
            "rdvs": rdvs,
            "meta": {
                "current_page": page,
                "next_page": (page < total_pages).then_some(page + 1),
                "prev_page": (page > 1).then(|| page - 1),
                "total_pages": total_pages,
                "total_count": total,
            },
        }),
    )
}

fn rdv_json(state: &Donnees, rdv: &Rdv) -> Value {
    let usager = state.usagers.iter().find(|u| u.id == rdv.user_id);
    let user = usager.map(|u| {
        json!({ "id": u.id, "first_name": u.first_name, "last_name": u.last_name, "email": u.email,
                "notification_email": u.email, "address": null, "phone_number": null, "birth_date": null })
    });
    let ends_at = rdv.starts_at + Duration::minutes(i64::from(rdv.duration_in_min));
    let address = match (&rdv.lieu, &rdv.address) {
        (Some((_, address)), _) => json!(address),
        (None, Some(address)) => json!(address),
        (None, None) => json!(""),
    };
    let lieu = rdv.lieu.as_ref().map(|(name, address)| {
        json!({ "id": 3, "name": name, "address": address, "phone_number": null,
                "organisation_id": ORGANISATION_ID, "single_use": false, "enabled": true })
    });
    let visio_url = (rdv.location_type == LocationType::Visio)
        .then(|| format!("https://webconf.numerique.gouv.fr/RdvServicePublic{}", rdv.uuid.replace(['-', '_'], "")));
    let mut body = json!({
        "id": rdv.id,
        "uuid": rdv.uuid,
        "status": rdv.status.as_str(),
        "starts_at": ruby(&rdv.starts_at),
        "ends_at": ruby(&ends_at),
        "duration_in_min": rdv.duration_in_min,
        "address": address,
        "context": null,
        "cancelled_at": rdv.cancelled_at.as_ref().map(ruby),
        "max_participants_count": null,
        "users_count": 1,
        "name": null,
        "collectif": false,
        "created_by_type": "User",
        "created_by_id": rdv.user_id,
        "created_at": ruby(&rdv.created_at),
        "created_by": "user",
        "url_for_agents": format!("{}/admin/organisations/{ORGANISATION_ID}/rdvs/{}", state.base_url, rdv.id),
        "organisation": { "id": ORGANISATION_ID, "name": "Betagouv", "email": null, "phone_number": null,
                          "departement_number": "75", "verticale": "rdv_service_public" },
        "motif": { "id": 7, "name": rdv.motif, "location_type": rdv.location_type.as_str(), "deleted_at": null,
                   "reservable_online": true, "service_id": 1, "category": null,
                   "organisation_id": ORGANISATION_ID, "collectif": false, "follow_up": false,
                   "motif_category": null },
        "users": user.iter().collect::<Vec<_>>(),
        "participations": user.iter().map(|u| json!({ "id": rdv.id, "status": rdv.status.as_str(), "user": u }))
            .collect::<Vec<_>>(),
        "agents": [{ "id": 1, "email": "agent@example.gouv.fr", "first_name": "Camille", "last_name": "Agent" }],
        "lieu": lieu,
    });
    if let Some(visio_url) = visio_url {
        body["visio_url"] = json!(visio_url);
    }
    body
}

fn outage_answer(outage: &Outage) -> Response {
    match outage {
        Outage::RateLimited { retry_after } => {
            let mut response = (StatusCode::TOO_MANY_REQUESTS, "Retry later\n").into_response();
            response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
            contrats::with_retry_after(response, *retry_after)
        }
        Outage::Unavailable | Outage::Hang(_) => {
            contrats::json(StatusCode::SERVICE_UNAVAILABLE, &json!({ "errors": ["Service Unavailable"] }))
        }
    }
}
