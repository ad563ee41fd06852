//! The RDV Service Public API as démarches-simplifiées uses it: requests
//! built and answers read here, without any I/O, so that the contract is
//! tested natively.
//!
//! Sources (public repositories):
//!
//! - démarches-simplifiées, `app/services/rdv_service.rb`: `POST
//!   /api/v1/rdv_plans` with `{user: {first_name, last_name, email},
//!   return_url, dossier_url}`, `GET /api/v1/rdv_plans/{id}` to learn
//!   whether a rendez-vous was booked, `GET /api/v1/rdvs?id[]=…` for the
//!   rendez-vous themselves (`rdvs` array), headers `Content-Type:
//!   application/json` and `Authorization: Bearer <OAuth access token>`,
//!   and the usager's page of a rendez-vous `/users/rdvs/{id}`;
//! - betagouv/rdv-service-public: `app/controllers/api/v1/rdv_plans_controller.rb`
//!   (201 `{"rdv_plan": …}`), `app/blueprints/rdv_plan_blueprint.rb` (`id`,
//!   `user_id`, `created_at`, `updated_at`, `url` for the agent, `rdv`:
//!   null or `{id, status, starts_at, location_type}`),
//!   `app/blueprints/rdv_blueprint.rb` (`id`, `uuid`, `status`,
//!   `starts_at`, `ends_at`, `duration_in_min`, `address`, `name`, `motif
//!   {name, location_type}`, `lieu {name, address}`, `url_for_agents`…),
//!   `app/controllers/api/v1/agent_auth_base_controller.rb` (Doorkeeper
//!   OAuth bearer; 403 `{errors, error_messages}`, 404 and 422 `{errors}`),
//!   `app/models/concerns/rdv/visio_concern.rb` (visio link:
//!   `visio_url_custom`, else `https://webconf.numerique.gouv.fr/RdvServicePublic<uuid>`
//!   without `-` and `_`), `docs/…/integration` guide (the plan flow), the
//!   `Rdv` statuses `unknown`, `waiting`, `seen`, `excused`, `revoked`,
//!   `noshow` and the motifs' `location_type` `public_office`, `phone`,
//!   `home`, `visio`.
//!
//! Where the public material is silent:
//!
//! - the usager's booking link. The API's plan `url` is the agent's page
//!   (`/agents/rdv_plans/{id}`), where the instructeur finishes the plan;
//!   démarches-simplifiées' design (« RDV SP ↔ DS », May 2024) has the
//!   administrateur give « l'URL de votre agenda » on rdv.anct.gouv.fr,
//!   sent to the usager. That is the `url-agenda` option, returned as the
//!   proposition's `url-reservation`;
//! - the visio link: the rendez-vous JSON has no documented field for it.
//!   A `visio_url` member is read when present, else the service's own
//!   default link is rebuilt from `uuid`;
//! - how a booking reaches the plan once the usager picked a slot: read
//!   back through the plan's `rdv`, as démarches-simplifiées does.

use serde_json::{Value, json};

use crate::instant;
use crate::rendez_vous::{EtatRendezVous, Modalite, RendezVous};

/// The production origin, as the manifest's `[capabilities] http` lists it
/// (the operator may relocate it; the plugin never knows).
pub const ORIGINE: &str = "https://rdv.anct.gouv.fr";

/// Largest answer read: a plan or a page of one rendez-vous is a few KiB;
/// this bounds the memory a misbehaving server can make the plugin spend
/// parsing.
pub const CORPS_MAX: usize = 1024 * 1024;

/// An HTTP request to send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Requete {
    pub methode: Methode,
    /// Absolute URL on [`ORIGINE`].
    pub url: String,
    /// Headers besides `Authorization`, which the host adds.
    pub entetes: Vec<(&'static str, &'static str)>,
    pub corps: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Methode {
    Get,
    Post,
}

/// A failure, as the WIT `plugin-error` cases (English, for logs).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Erreur {
    InvalidInput(String),
    UpstreamUnavailable(String),
    Misconfigured(String),
}

/// The usager a plan is for.
#[derive(Clone, Copy, Debug)]
pub struct Usager<'a> {
    pub email: &'a str,
    pub nom: Option<&'a str>,
    pub prenom: Option<&'a str>,
}

/// What a plan says about its booking.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EtatPlan {
    /// The usager has not booked yet.
    EnAttente,
    /// Booked: the summary the plan carries.
    Reserve(Resume),
    /// The service does not know the plan (deleted, or not visible to the
    /// token's agent).
    Inconnu,
}

/// The plan's summary of its rendez-vous.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resume {
    pub id: u64,
    pub status: String,
    pub starts_at: String,
    pub location_type: String,
}

const JSON: (&str, &str) = ("content-type", "application/json");
const ACCEPT: (&str, &str) = ("accept", "application/json");

/// `POST /api/v1/rdv_plans`. The API requires `first_name` and
/// `last_name`.
pub fn creer_plan(usager: &Usager<'_>, url_dossier: &str, url_retour: &str) -> Result<Requete, Erreur> {
    let (Some(prenom), Some(nom)) = (rempli(usager.prenom), rempli(usager.nom)) else {
        return Err(Erreur::InvalidInput(
            "RDV Service Public needs the usager's nom and prenom to create a plan".into(),
        ));
    };
    if usager.email.trim().is_empty() {
        return Err(Erreur::InvalidInput("the usager has no e-mail address".into()));
    }
    let corps = json!({
        "user": { "first_name": prenom, "last_name": nom, "email": usager.email.trim() },
        "return_url": url_retour,
        "dossier_url": url_dossier,
    });
    Ok(Requete {
        methode: Methode::Post,
        url: format!("{ORIGINE}/api/v1/rdv_plans"),
        entetes: vec![JSON, ACCEPT],
        corps: Some(corps.to_string()),
    })
}

/// The plan's id from the answer to [`creer_plan`].
pub fn lire_creation(statut: u16, corps: &[u8]) -> Result<u64, Erreur> {
    match statut {
        200 | 201 => {}
        422 => {
            let message = messages(corps);
            // The return URL must belong to the OAuth application's domains:
            // the operator's configuration, not the host's input.
            return Err(if message.contains("return_url") {
                Erreur::Misconfigured(format!("RDV Service Public refused the return URL: {message}"))
            } else {
                Erreur::InvalidInput(format!("RDV Service Public refused the plan (422): {message}"))
            });
        }
        404 => return Err(Erreur::Misconfigured("POST /api/v1/rdv_plans answered 404: wrong origin?".into())),
        _ => return Err(erreur_de_statut(statut, corps)),
    }
    let valeur = lire_json(corps)?;
    valeur
        .pointer("/rdv_plan/id")
        .and_then(Value::as_u64)
        .ok_or_else(|| Erreur::UpstreamUnavailable("the created plan has no integer rdv_plan.id".into()))
}

/// `GET /api/v1/rdv_plans/{reference}`.
pub fn lire_plan_requete(reference: &str) -> Result<Requete, Erreur> {
    let id = reference_valide(reference)?;
    Ok(Requete {
        methode: Methode::Get,
        url: format!("{ORIGINE}/api/v1/rdv_plans/{id}"),
        entetes: vec![ACCEPT],
        corps: None,
    })
}

/// Whether the plan is booked, from the answer to [`lire_plan_requete`].
pub fn lire_plan(statut: u16, corps: &[u8]) -> Result<EtatPlan, Erreur> {
    match statut {
        200 => {}
        404 => return Ok(EtatPlan::Inconnu),
        _ => return Err(erreur_de_statut(statut, corps)),
    }
    let valeur = lire_json(corps)?;
    let Some(plan) = valeur.get("rdv_plan").filter(|p| p.is_object()) else {
        return Err(Erreur::UpstreamUnavailable("the answer has no rdv_plan object".into()));
    };
    let rdv = match plan.get("rdv") {
        None | Some(Value::Null) => return Ok(EtatPlan::EnAttente),
        Some(rdv) => rdv,
    };
    let texte = |cle: &str| rdv.get(cle).and_then(Value::as_str).unwrap_or_default().to_owned();
    let Some(id) = rdv.get("id").and_then(Value::as_u64) else {
        return Err(Erreur::UpstreamUnavailable("rdv_plan.rdv has no integer id".into()));
    };
    Ok(EtatPlan::Reserve(Resume {
        id,
        status: texte("status"),
        starts_at: texte("starts_at"),
        location_type: texte("location_type"),
    }))
}

/// `GET /api/v1/rdvs?id[]={id}`.
pub fn lire_rdvs_requete(id: u64) -> Requete {
    Requete {
        methode: Methode::Get,
        url: format!("{ORIGINE}/api/v1/rdvs?id%5B%5D={id}"),
        entetes: vec![ACCEPT],
        corps: None,
    }
}

/// The rendez-vous `resume.id` from the answer to [`lire_rdvs_requete`].
///
/// When the list does not hold it (the token's agent cannot see its
/// organisation), the plan's summary is used: no duration (0), no motif,
/// no address.
pub fn lire_rdvs(statut: u16, corps: &[u8], resume: &Resume) -> Result<RendezVous, Erreur> {
    match statut {
        200 => {}
        404 => return depuis_resume(resume),
        _ => return Err(erreur_de_statut(statut, corps)),
    }
    let valeur = lire_json(corps)?;
    let Some(rdvs) = valeur.get("rdvs").and_then(Value::as_array) else {
        return Err(Erreur::UpstreamUnavailable("the answer has no rdvs array".into()));
    };
    match rdvs.iter().find(|r| r.get("id").and_then(Value::as_u64) == Some(resume.id)) {
        Some(rdv) => depuis_rdv(rdv),
        None => depuis_resume(resume),
    }
}

fn depuis_rdv(rdv: &Value) -> Result<RendezVous, Erreur> {
    let texte = |pointeur: &str| rdv.pointer(pointeur).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty());
    let id = rdv.get("id").and_then(Value::as_u64).unwrap_or_default();
    let debut = texte("/starts_at")
        .and_then(instant::lire)
        .ok_or_else(|| Erreur::UpstreamUnavailable(format!("rdv {id} has no readable starts_at")))?;
    let location_type = texte("/motif/location_type").or_else(|| texte("/location_type")).unwrap_or_default();
    let modalite = modalite(location_type);
    let duree = rdv
        .get("duration_in_min")
        .and_then(Value::as_u64)
        .or_else(|| {
            let fin = texte("/ends_at").and_then(instant::lire)?;
            u64::try_from((fin.unix - debut.unix) / 60).ok()
        })
        .and_then(|m| u32::try_from(m).ok())
        .unwrap_or_default();
    let adresse = match modalite {
        Modalite::SurPlace => match (texte("/lieu/name"), texte("/lieu/address")) {
            (Some(nom), Some(adresse)) => Some(format!("{nom}, {adresse}")),
            (nom, adresse) => adresse.or(texte("/address")).or(nom).map(str::to_owned),
        },
        Modalite::Domicile => texte("/address").map(str::to_owned),
        Modalite::Telephone | Modalite::Visioconference => None,
    };
    let url_visio = match modalite {
        Modalite::Visioconference => texte("/visio_url").map(str::to_owned).or_else(|| {
            texte("/uuid").map(|uuid| {
                format!("https://webconf.numerique.gouv.fr/RdvServicePublic{}", uuid.replace(['-', '_'], ""))
            })
        }),
        _ => None,
    };
    Ok(RendezVous {
        id: id.to_string(),
        commence_le: debut.rfc3339,
        debut_unix: debut.unix,
        duree_minutes: duree,
        etat: etat(texte("/status").unwrap_or_default()),
        modalite,
        motif: texte("/motif/name").or_else(|| texte("/name")).unwrap_or_default().to_owned(),
        adresse,
        url_visio,
        url_gestion: Some(format!("{ORIGINE}/users/rdvs/{id}")),
    })
}

fn depuis_resume(resume: &Resume) -> Result<RendezVous, Erreur> {
    let debut = instant::lire(&resume.starts_at)
        .ok_or_else(|| Erreur::UpstreamUnavailable(format!("rdv {} has no readable starts_at", resume.id)))?;
    Ok(RendezVous {
        id: resume.id.to_string(),
        commence_le: debut.rfc3339,
        debut_unix: debut.unix,
        duree_minutes: 0,
        etat: etat(&resume.status),
        modalite: modalite(&resume.location_type),
        motif: String::new(),
        adresse: None,
        url_visio: None,
        url_gestion: Some(format!("{ORIGINE}/users/rdvs/{}", resume.id)),
    })
}

/// `Rdv#status`. `waiting` (the usager is in the waiting room) is still to
/// come; an unknown status too (the service adds states from time to time).
pub fn etat(status: &str) -> EtatRendezVous {
    match status {
        "seen" => EtatRendezVous::Honore,
        "excused" => EtatRendezVous::Annule,
        "revoked" => EtatRendezVous::Revoque,
        "noshow" => EtatRendezVous::Absence,
        _ => EtatRendezVous::AVenir,
    }
}

/// `Motif#location_type`; an unknown one is shown as on site.
pub fn modalite(location_type: &str) -> Modalite {
    match location_type {
        "phone" => Modalite::Telephone,
        "home" => Modalite::Domicile,
        "visio" => Modalite::Visioconference,
        _ => Modalite::SurPlace,
    }
}

fn rempli(valeur: Option<&str>) -> Option<&str> {
    valeur.map(str::trim).filter(|v| !v.is_empty())
}

/// A plan reference as [`lire_creation`] made it: the plan's integer id.
fn reference_valide(reference: &str) -> Result<u64, Erreur> {
    let reference = reference.trim();
    if reference.is_empty() || reference.len() > 19 || !reference.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Erreur::InvalidInput("a rendez-vous reference is a plan id (digits)".into()));
    }
    reference.parse().map_err(|_| Erreur::InvalidInput("the reference is not a plan id".into()))
}

/// The status of an answer that is neither a success nor a case handled by
/// the caller.
pub fn erreur_de_statut(statut: u16, corps: &[u8]) -> Erreur {
    let message = messages(corps);
    match statut {
        401 => Erreur::Misconfigured(format!("RDV Service Public refused the token (401): {message}")),
        403 => Erreur::Misconfigured(format!("the token's agent may not do this (403): {message}")),
        429 => Erreur::UpstreamUnavailable("RDV Service Public is rate limiting (429)".into()),
        500..=599 => Erreur::UpstreamUnavailable(format!("RDV Service Public answered {statut}")),
        _ => Erreur::UpstreamUnavailable(format!("unexpected status {statut}: {message}")),
    }
}

/// The error texts of an answer (`errors`, `error_messages`, Doorkeeper's
/// `error_description`), shortened, for logs.
fn messages(corps: &[u8]) -> String {
    const LONGUEUR_MAX: usize = 300;
    let Ok(valeur) = serde_json::from_slice::<Value>(corps.get(..CORPS_MAX).unwrap_or(corps)) else {
        return "(no JSON body)".into();
    };
    let mut morceaux = Vec::new();
    for cle in ["error_messages", "errors", "error_description", "error"] {
        match valeur.get(cle) {
            Some(Value::String(s)) => morceaux.push(s.clone()),
            Some(Value::Array(liste)) => morceaux.extend(liste.iter().map(|v| match v {
                Value::String(s) => s.clone(),
                autre => autre.to_string(),
            })),
            Some(autre @ Value::Object(_)) => morceaux.push(autre.to_string()),
            _ => {}
        }
    }
    let mut texte = morceaux.join("; ");
    if texte.len() > LONGUEUR_MAX {
        let mut fin = LONGUEUR_MAX;
        while !texte.is_char_boundary(fin) {
            fin -= 1;
        }
        texte.truncate(fin);
        texte.push('…');
    }
    texte
}

fn lire_json(corps: &[u8]) -> Result<Value, Erreur> {
    if corps.len() > CORPS_MAX {
        return Err(Erreur::UpstreamUnavailable(format!("answer larger than {CORPS_MAX} bytes")));
    }
    serde_json::from_slice(corps).map_err(|e| Erreur::UpstreamUnavailable(format!("answer is not JSON: {e}")))
}

#[cfg(test)]
mod tests;
