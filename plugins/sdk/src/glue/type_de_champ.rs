//! Adapters of the `type-de-champ` export.

use super::{field_errors, plugin_error};
use crate::bindings::type_de_champ::exports::guichet::plugin::type_de_champ as wit;
use crate::bindings::type_de_champ::guichet::plugin::types::{FieldError, PluginError};
use crate::{Capability, Description, Donnees, Enrichment, ExportColumn, Options, Suggestion, TypeDeChamp, Validation};

pub use wit::Guest;

pub fn describe<T: TypeDeChamp + ?Sized>() -> wit::Description {
    let Description { id, libelle, description, version, options_schema, donnees_schema, capabilities } = T::describe();
    let capabilities = capabilities
        .into_iter()
        .map(|capability| match capability {
            Capability::Suggest => wit::Capability::Suggest,
            Capability::Enrich => wit::Capability::Enrich,
            Capability::Display => wit::Capability::Display,
            Capability::SearchText => wit::Capability::SearchText,
            Capability::Export => wit::Capability::Export,
        })
        .collect();
    wit::Description { id, libelle, description, version, options_schema, donnees_schema, capabilities }
}

pub fn validate<T: TypeDeChamp + ?Sized>(value: String, options: String) -> Result<wit::Validation, PluginError> {
    match T::validate(&value, &Options::new(options)) {
        Ok(Validation::Valid(normalized)) => Ok(wit::Validation::Valid(normalized)),
        Ok(Validation::Invalid(errors)) => Ok(wit::Validation::Invalid(field_errors(errors))),
        Err(error) => Err(plugin_error(error)),
    }
}

pub fn suggest<T: TypeDeChamp + ?Sized>(
    query: String,
    options: String,
    limit: u32,
) -> Result<Vec<wit::Suggestion>, PluginError> {
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    let suggestions = T::suggest(&query, &Options::new(options), limit).map_err(plugin_error)?;
    Ok(suggestions
        .into_iter()
        .take(limit)
        .map(|Suggestion { value, label, donnees }| wit::Suggestion { value, label, donnees })
        .collect())
}

pub fn enrich<T: TypeDeChamp + ?Sized>(
    value: String,
    options: String,
) -> Result<Result<wit::Enrichment, Vec<FieldError>>, PluginError> {
    match T::enrich(&value, &Options::new(options)) {
        Ok(Ok(Enrichment { donnees, resume })) => Ok(Ok(wit::Enrichment { donnees, resume })),
        Ok(Err(errors)) => Ok(Err(field_errors(errors))),
        Err(error) => Err(plugin_error(error)),
    }
}

pub fn display<T: TypeDeChamp + ?Sized>(
    value: String,
    donnees: Option<String>,
    options: String,
) -> Result<String, PluginError> {
    T::display(&value, donnees.map(Donnees::new).as_ref(), &Options::new(options)).map_err(plugin_error)
}

pub fn search_text<T: TypeDeChamp + ?Sized>(
    value: String,
    donnees: Option<String>,
    options: String,
) -> Result<String, PluginError> {
    T::search_text(&value, donnees.map(Donnees::new).as_ref(), &Options::new(options)).map_err(plugin_error)
}

pub fn export_columns<T: TypeDeChamp + ?Sized>(options: String) -> Result<Vec<wit::ExportColumn>, PluginError> {
    let columns = T::export_columns(&Options::new(options)).map_err(plugin_error)?;
    Ok(columns.into_iter().map(|ExportColumn { id, libelle }| wit::ExportColumn { id, libelle }).collect())
}

pub fn export_values<T: TypeDeChamp + ?Sized>(
    value: String,
    donnees: Option<String>,
    options: String,
) -> Result<Vec<String>, PluginError> {
    let options = Options::new(options);
    let values = T::export_values(&value, donnees.map(Donnees::new).as_ref(), &options).map_err(plugin_error)?;
    // A row with a missing or extra cell would shift every column after it.
    let columns = T::export_columns(&options).map_err(plugin_error)?;
    if values.len() != columns.len() {
        return Err(PluginError::Internal(format!(
            "export-values gave {} cells for {} export columns",
            values.len(),
            columns.len()
        )));
    }
    Ok(values)
}
