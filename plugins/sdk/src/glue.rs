//! Conversions between the SDK's types and the generated ones, and the
//! adapters the export macros call. Used by the SDK's macros only.

pub mod attestation;
pub mod rendez_vous;
pub mod routage;
pub mod type_de_champ;

use crate::bindings::type_de_champ::guichet::plugin::types as wit;
use crate::{Champ, Donnees, Dossier, FieldError, PluginError};

pub(crate) fn plugin_error(error: PluginError) -> wit::PluginError {
    match error {
        PluginError::InvalidInput(reason) => wit::PluginError::InvalidInput(reason),
        PluginError::UpstreamUnavailable(reason) => wit::PluginError::UpstreamUnavailable(reason),
        PluginError::Misconfigured(reason) => wit::PluginError::Misconfigured(reason),
        PluginError::Internal(reason) => wit::PluginError::Internal(reason),
    }
}

#[cfg(target_arch = "wasm32")]
pub(crate) fn from_wit_plugin_error(error: wit::PluginError) -> PluginError {
    match error {
        wit::PluginError::InvalidInput(reason) => PluginError::InvalidInput(reason),
        wit::PluginError::UpstreamUnavailable(reason) => PluginError::UpstreamUnavailable(reason),
        wit::PluginError::Misconfigured(reason) => PluginError::Misconfigured(reason),
        wit::PluginError::Internal(reason) => PluginError::Internal(reason),
    }
}

pub(crate) fn field_errors(errors: Vec<FieldError>) -> Vec<wit::FieldError> {
    errors.into_iter().map(|FieldError { code, message }| wit::FieldError { code, message }).collect()
}

/// When the dossier of the current call was passé en instruction: asked of
/// the host (`dossier-details`, WIT 0.2.1), since the 0.2.0 record lacks it.
fn en_instruction_le() -> Option<String> {
    #[cfg(target_arch = "wasm32")]
    {
        crate::bindings::routage::guichet::plugin::dossier_details::en_instruction_le()
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        None
    }
}

pub(crate) fn dossier(dossier: wit::Dossier) -> Dossier {
    let wit::Dossier {
        numero,
        etat,
        demarche_numero,
        demarche_libelle,
        usager_email,
        depose_le,
        decide_le,
        motivation,
        champs,
    } = dossier;
    Dossier {
        numero,
        etat,
        demarche_numero,
        demarche_libelle,
        usager_email,
        depose_le,
        decide_le,
        en_instruction_le: en_instruction_le(),
        motivation,
        champs: champs
            .into_iter()
            .map(|wit::Champ { stable_id, libelle, type_champ, valeur, donnees }| Champ {
                stable_id,
                libelle,
                type_champ,
                valeur,
                donnees: donnees.map(Donnees::new),
            })
            .collect(),
    }
}
