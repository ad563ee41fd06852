//! Adapters of the `routage` export.

use super::{dossier, plugin_error};
use crate::bindings::routage::exports::guichet::plugin::routage as wit;
use crate::bindings::type_de_champ::guichet::plugin::types::{Dossier, PluginError};
use crate::{Decision, Description, Groupe, Options, Routage};

pub use wit::Guest;

pub fn describe<T: Routage + ?Sized>() -> wit::Description {
    let Description { id, libelle, description, version, options_schema, .. } = T::describe();
    wit::Description { id, version, libelle, description, options_schema }
}

pub fn route<T: Routage + ?Sized>(
    wit_dossier: Dossier,
    groupes: Vec<wit::Groupe>,
    options: String,
) -> Result<wit::Decision, PluginError> {
    let groupes: Vec<Groupe> = groupes.into_iter().map(|wit::Groupe { id, libelle }| Groupe { id, libelle }).collect();
    let Decision { groupe, explication } =
        T::route(&dossier(wit_dossier), &groupes, &Options::new(options)).map_err(plugin_error)?;
    if let Some(chosen) = groupe
        && !groupes.iter().any(|g| g.id == chosen)
    {
        return Err(PluginError::Internal(format!("route chose groupe {chosen}, which is not among those given")));
    }
    Ok(wit::Decision { groupe, explication })
}
