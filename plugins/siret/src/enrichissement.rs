//! The enrichment: what API Entreprise knows about a SIRET, through the
//! host's HTTP, config, secrets and cache.

use crate::api_entreprise::etablissement::{Enveloppe, Etablissement, EtablissementApi, UniteLegaleApi};
use crate::api_entreprise::{self, Echec, Parametres};
use crate::presentation;
use guichet_plugin_sdk::{Enrichment, FieldError, PluginError, cache, config, debug, http, secrets};

/// Operator configuration keys (`[[config]]` of `plugin.toml`).
pub const CONFIG_RECIPIENT: &str = "recipient";
pub const CONFIG_CONTEXT: &str = "context";
pub const CONFIG_OBJECT: &str = "object";

/// Defaults of `context` and `object` when the operator leaves them unset
/// (the manifest gives the same defaults).
pub const CONTEXT_PAR_DEFAUT: &str = "Démarches en ligne";
pub const OBJECT_PAR_DEFAUT: &str = "Vérification d'un numéro SIRET saisi dans un formulaire";

/// How long an établissement is kept in the host's cache: long enough for an
/// usager editing the same form, short enough that the register's changes
/// show up the same day, and that data about entrepreneurs individuels
/// (personal data) is not kept longer than that usager needs.
pub const CACHE_TTL_SECONDS: u32 = 600;

pub const CODE_INCONNU: &str = "siret-inconnu";
pub const MESSAGE_INCONNU: &str = "Aucun établissement n'est enregistré sous ce numéro SIRET";
pub const CODE_FERME: &str = "etablissement-ferme";

/// What enrich answers for `siret` (already normalized by `validate`).
/// `refuser_fermes` is the démarche's setting.
pub fn enrichir(siret: &str, refuser_fermes: bool) -> Result<Result<Enrichment, Vec<FieldError>>, PluginError> {
    let etablissement = match etablissement(siret)? {
        Ok(etablissement) => etablissement,
        Err(erreurs) => return Ok(Err(erreurs)),
    };
    if refuser_fermes && etablissement.ferme() {
        // « Cet établissement est fermé depuis le 12/03/2021 ».
        let message = match presentation::etat(&etablissement) {
            Some(etat) => format!("Cet établissement est {}", etat.to_lowercase()),
            None => "Cet établissement est fermé".to_owned(),
        };
        return Ok(Err(vec![FieldError::new(CODE_FERME, message)]));
    }
    let donnees = serde_json::to_string(&etablissement)
        .map_err(|error| PluginError::internal(format!("donnees do not serialize: {error}")))?;
    Ok(Ok(Enrichment { donnees, resume: presentation::resume(&etablissement) }))
}

fn parametres() -> Result<Parametres, PluginError> {
    let recipient = config::get(CONFIG_RECIPIENT).filter(|r| !r.trim().is_empty()).ok_or_else(|| {
        PluginError::misconfigured("the operator did not set `recipient` (SIRET of the organisation asking)")
    })?;
    Ok(Parametres {
        recipient: recipient.trim().to_owned(),
        context: config::get(CONFIG_CONTEXT).unwrap_or_else(|| CONTEXT_PAR_DEFAUT.to_owned()),
        object: config::get(CONFIG_OBJECT).unwrap_or_else(|| OBJECT_PAR_DEFAUT.to_owned()),
    })
}

fn cle(siret: &str) -> String {
    format!("etablissement:{siret}")
}

/// The établissement, from the cache or API Entreprise; `Ok(Err(..))` when
/// the register does not know it.
fn etablissement(siret: &str) -> Result<Result<Etablissement, Vec<FieldError>>, PluginError> {
    if let Some(bytes) = cache::get(&cle(siret))
        && let Ok(etablissement) = serde_json::from_slice::<Etablissement>(&bytes)
    {
        debug!("établissement served from the cache");
        return Ok(Ok(etablissement));
    }
    secrets::require(api_entreprise::SECRET)?;
    let parametres = parametres()?;

    let response = http::get(&api_entreprise::etablissement_url(siret, &parametres), api_entreprise::HEADERS)?;
    if !response.is_success() {
        return refus(&response);
    }
    let api: Enveloppe<EtablissementApi> = response.json()?;
    let mut etablissement = Etablissement::from_api(api.data, siret);

    if etablissement.sans_unite_legale() {
        let siren = etablissement.siren.clone();
        let response = http::get(&api_entreprise::unite_legale_url(&siren, &parametres), api_entreprise::HEADERS)?;
        if response.is_success() {
            let api: Enveloppe<UniteLegaleApi> = response.json()?;
            etablissement.complete(&api.data);
        } else {
            // A 404 of the unité légale (`Ok(Err(..))`) leaves the
            // établissement as it is; anything else fails the enrichment.
            let _unknown = refus::<()>(&response)?;
        }
    }

    if let Ok(bytes) = serde_json::to_vec(&etablissement) {
        let _ = cache::set(&cle(siret), &bytes, CACHE_TTL_SECONDS);
    }
    Ok(Ok(etablissement))
}

/// A non-2xx answer: the usager's problem (`Ok(Err(..))`) or not (`Err`).
fn refus<T>(response: &http::Response) -> Result<Result<T, Vec<FieldError>>, PluginError> {
    match api_entreprise::echec(response.status, &response.body, response.header("Retry-After")) {
        Echec::Inconnu => Ok(Err(vec![FieldError::new(CODE_INCONNU, MESSAGE_INCONNU)])),
        Echec::FormatRefuse => {
            let erreur = crate::checker::SiretError::Format;
            Ok(Err(vec![FieldError::new(erreur.code(), erreur.message())]))
        }
        Echec::Configuration(reason) => Err(PluginError::Misconfigured(reason)),
        Echec::Indisponible(reason) => Err(PluginError::UpstreamUnavailable(reason)),
        Echec::Requete(reason) => Err(PluginError::Internal(reason)),
    }
}
