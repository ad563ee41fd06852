//! Rendez-vous with the usager on RDV Service Public (rdv.anct.gouv.fr).
//!
//! `propose` creates an rdv plan for the dossier's usager and answers the
//! démarche's booking link; `list-rendez-vous` reads the plan back and, once
//! the usager booked, the rendez-vous itself. The contract (requests,
//! answers, statuses, sources) lives in [`rdv_sp`] and [`instant`], the
//! WIT-shaped values in [`rendez_vous`]; this file only sends the requests
//! through the SDK's HTTP client and adapts the types.
//!
//! The service's OAuth token is a host secret (`rdv-service-public`), added
//! by the host as `Authorization: Bearer …` on requests to
//! `https://rdv.anct.gouv.fr`: every plan is made by the agent the token
//! belongs to.

pub mod instant;
pub mod rdv_sp;
pub mod rendez_vous;

use std::time::Duration;

use guichet_plugin_sdk::{
    Description, Dossier, EtatRendezVous, Instructeur, Modalite, Options, PluginError, Proposition, RendezVous,
    RendezVousPris, Usager, description, http, secrets,
};

use crate::rdv_sp::{EtatPlan, Methode, Requete};

/// The manifest's `[[secrets]]` name of the OAuth access token.
pub const SECRET: &str = "rdv-service-public";

/// Per-phase timeout of one request: `list-rendez-vous` makes two in a row,
/// and both must fit in the manifest's 10 s wall-clock limit.
const DELAI: Duration = Duration::from_secs(3);

const OPTIONS_SCHEMA: &str = r#"{
  "type": "object",
  "required": ["url-agenda"],
  "properties": {
    "url-agenda": {
      "description": "Lien de prise de rendez-vous de votre agenda sur rdv.anct.gouv.fr, envoyé à l'usager.",
      "type": "string",
      "maxLength": 2000
    }
  }
}"#;

struct RdvServicePublic;

impl RendezVous for RdvServicePublic {
    fn describe() -> Description {
        description!(
            "rendez-vous",
            "Rendez-vous RDV Service Public",
            "Permet aux instructeurs de proposer un rendez-vous à l'usager, qui choisit son créneau sur \
             rdv.anct.gouv.fr ; le rendez-vous pris (date, durée, modalité, lien de visioconférence) apparaît \
             ensuite dans le dossier."
        )
        .options_schema(OPTIONS_SCHEMA)
    }

    fn propose(
        dossier: &Dossier,
        _instructeur: &Instructeur,
        usager: &Usager,
        url_dossier: &str,
        url_retour: &str,
        options: &Options,
    ) -> Result<Proposition, PluginError> {
        let url_reservation =
            rendez_vous::url_agenda(options.as_str()).map_err(|invalide| PluginError::Misconfigured(invalide.0))?;
        secrets::require(SECRET)?;
        let usager =
            rdv_sp::Usager { email: &usager.email, nom: usager.nom.as_deref(), prenom: usager.prenom.as_deref() };
        let requete = rdv_sp::creer_plan(&usager, url_dossier, url_retour).map_err(erreur)?;
        let reponse = envoyer(&requete)?;
        let plan = rdv_sp::lire_creation(reponse.status, &reponse.body).map_err(erreur)?;
        guichet_plugin_sdk::info!("rdv plan {plan} created for dossier {}", dossier.numero);
        Ok(Proposition { reference: plan.to_string(), url_reservation })
    }

    fn list_rendez_vous(reference: &str, _options: &Options) -> Result<Vec<RendezVousPris>, PluginError> {
        secrets::require(SECRET)?;
        let reponse = envoyer(&rdv_sp::lire_plan_requete(reference).map_err(erreur)?)?;
        let resume = match rdv_sp::lire_plan(reponse.status, &reponse.body).map_err(erreur)? {
            EtatPlan::EnAttente => return Ok(Vec::new()),
            EtatPlan::Inconnu => {
                // Deleted on the service, or made by another agent than the token's.
                guichet_plugin_sdk::warn!("rdv plan {} is unknown to RDV Service Public", reference.trim());
                return Ok(Vec::new());
            }
            EtatPlan::Reserve(resume) => resume,
        };
        let reponse = envoyer(&rdv_sp::lire_rdvs_requete(resume.id))?;
        let mut pris = vec![rdv_sp::lire_rdvs(reponse.status, &reponse.body, &resume).map_err(erreur)?];
        rendez_vous::trier(&mut pris);
        Ok(pris.into_iter().map(vers_sdk).collect())
    }
}

guichet_plugin_sdk::export_rendez_vous!(RdvServicePublic);

/// Sends `requete`; any status comes back as a response (the contract maps
/// them), transport failures as the SDK maps them (timeouts, refused
/// connections: `UpstreamUnavailable`; a denied origin: `Misconfigured`).
fn envoyer(requete: &Requete) -> Result<http::Response, PluginError> {
    let methode = match requete.methode {
        Methode::Get => http::Method::Get,
        Methode::Post => http::Method::Post,
    };
    let mut http_requete = http::Request::new(methode, requete.url.as_str()).headers(&requete.entetes).timeout(DELAI);
    if let Some(corps) = &requete.corps {
        http_requete = http_requete.body(corps.as_bytes());
    }
    Ok(http::send(&http_requete)?)
}

fn erreur(erreur: rdv_sp::Erreur) -> PluginError {
    match erreur {
        rdv_sp::Erreur::InvalidInput(reason) => PluginError::InvalidInput(reason),
        rdv_sp::Erreur::UpstreamUnavailable(reason) => PluginError::UpstreamUnavailable(reason),
        rdv_sp::Erreur::Misconfigured(reason) => PluginError::Misconfigured(reason),
    }
}

fn vers_sdk(rdv: rendez_vous::RendezVous) -> RendezVousPris {
    RendezVousPris {
        id: rdv.id,
        commence_le: rdv.commence_le,
        duree_minutes: rdv.duree_minutes,
        etat: match rdv.etat {
            rendez_vous::EtatRendezVous::AVenir => EtatRendezVous::AVenir,
            rendez_vous::EtatRendezVous::Honore => EtatRendezVous::Honore,
            rendez_vous::EtatRendezVous::Annule => EtatRendezVous::Annule,
            rendez_vous::EtatRendezVous::Revoque => EtatRendezVous::Revoque,
            rendez_vous::EtatRendezVous::Absence => EtatRendezVous::Absence,
        },
        modalite: match rdv.modalite {
            rendez_vous::Modalite::SurPlace => Modalite::SurPlace,
            rendez_vous::Modalite::Telephone => Modalite::Telephone,
            rendez_vous::Modalite::Visioconference => Modalite::Visioconference,
            rendez_vous::Modalite::Domicile => Modalite::Domicile,
        },
        motif: rdv.motif,
        adresse: rdv.adresse,
        url_visio: rdv.url_visio,
        url_gestion: rdv.url_gestion,
    }
}

#[cfg(test)]
mod tests;
