//! The `type-de-champ` extension point: a champ type checks, completes,
//! enriches, shows and exports the values of its champs. Each function is a
//! typed [`Call`]; its `check` holds the guest's answer to the contract.

use std::sync::Arc;
use std::time::Duration;

use wasmtime::Store;

use super::PluginHost;
use super::bindings::Pre;
use super::bindings::v0_2::{self, json};
use super::call::Call;
use super::error::{GuestError, PluginError, bad};
use super::limits::{
    MAX_ANSWER_BYTES, MAX_EXPORT_COLUMNS, MAX_SUGGESTIONS, MAX_VALUE_BYTES, MIN_SUGGEST_QUERY_CHARS, PluginLimits,
    SUGGEST_WALL_TIMEOUT, check_input_size,
};
use super::loading::LoadedPlugin;
use super::manifest::ExtensionPoint;
use super::model::{Capability, Enrichment, ExportColumn, PluginFieldError, PluginInfo, PluginValidation, Suggestion};
use super::sandbox::GuestState;
use super::schema;

impl PluginHost {
    /// Every loaded champ type, sorted by id.
    pub fn types_de_champ(&self) -> Vec<PluginInfo> {
        self.plugins_of(ExtensionPoint::TypeDeChamp)
    }

    /// The champ type `id`, if a loaded plugin provides it.
    pub fn type_de_champ(&self, id: &str) -> Option<PluginInfo> {
        self.plugin(id).filter(|info| info.provides == ExtensionPoint::TypeDeChamp)
    }

    /// Checks `value` with the champ type `type_id`. `options_json` is the
    /// plugin's settings for the champ, a JSON object (`"{}"` when none):
    /// the démarche's with the champ's own on top
    /// (`workflow::dossier::options_du_champ`).
    ///
    /// `Ok(Invalid(..))` is the usager's mistake; `Err(..)` is not, and the
    /// value should be neither accepted nor blamed on the usager.
    pub async fn validate(
        &self,
        type_id: &str,
        value: &str,
        options_json: &str,
    ) -> Result<PluginValidation, PluginError> {
        let plugin = self.champ_plugin(type_id)?;
        check_input_size(&plugin.info.id, "value", value.len(), MAX_VALUE_BYTES)?;
        self.guarded(&plugin, options_json, Validate { value, options: options_json }).await
    }

    /// Autocomplete proposals for `query` (champ types with the `suggest`
    /// capability; none for the others or for queries under
    /// [`MIN_SUGGEST_QUERY_CHARS`]).
    pub async fn suggest(
        &self,
        type_id: &str,
        query: &str,
        options_json: &str,
        limit: u32,
    ) -> Result<Vec<Suggestion>, PluginError> {
        let plugin = self.champ_plugin(type_id)?;
        let query = query.trim();
        if !plugin.info.has(Capability::Suggest) || query.chars().count() < MIN_SUGGEST_QUERY_CHARS {
            return Ok(Vec::new());
        }
        check_input_size(&plugin.info.id, "query", query.len(), MAX_VALUE_BYTES)?;
        let limit = limit.clamp(1, MAX_SUGGESTIONS);
        self.guarded(&plugin, options_json, Suggest { query, options: options_json, limit }).await
    }

    /// Data about a valid value (champ types with the `enrich` capability;
    /// `Ok(Ok(None))` for the others). `Ok(Err(..))`: the value does not
    /// exist upstream, errors for the usager.
    pub async fn enrich(
        &self,
        type_id: &str,
        value: &str,
        options_json: &str,
    ) -> Result<Result<Option<Enrichment>, Vec<PluginFieldError>>, PluginError> {
        let plugin = self.champ_plugin(type_id)?;
        if !plugin.info.has(Capability::Enrich) {
            return Ok(Ok(None));
        }
        check_input_size(&plugin.info.id, "value", value.len(), MAX_VALUE_BYTES)?;
        self.guarded(&plugin, options_json, Enrich { value, options: options_json }).await
    }

    /// The value as pages and PDFs show it: the plugin's `display`, or the
    /// value itself without the capability.
    pub async fn display(
        &self,
        type_id: &str,
        value: &str,
        donnees: Option<&str>,
        options_json: &str,
    ) -> Result<String, PluginError> {
        self.text_call(type_id, Capability::Display, Display(Text { value, donnees, options: options_json })).await
    }

    /// The words instructeurs can search by: the plugin's `search-text`, or
    /// the value itself.
    pub async fn search_text(
        &self,
        type_id: &str,
        value: &str,
        donnees: Option<&str>,
        options_json: &str,
    ) -> Result<String, PluginError> {
        self.text_call(type_id, Capability::SearchText, SearchText(Text { value, donnees, options: options_json }))
            .await
    }

    /// The champ's export columns; `None` without the `export` capability
    /// (one column: the value).
    pub async fn export_columns(
        &self,
        type_id: &str,
        options_json: &str,
    ) -> Result<Option<Vec<ExportColumn>>, PluginError> {
        let plugin = self.champ_plugin(type_id)?;
        if !plugin.info.has(Capability::Export) {
            return Ok(None);
        }
        self.guarded(&plugin, options_json, ExportColumns { options: options_json }).await
    }

    /// One cell per export column; `[value]` without the capability.
    pub async fn export_values(
        &self,
        type_id: &str,
        value: &str,
        donnees: Option<&str>,
        options_json: &str,
    ) -> Result<Vec<String>, PluginError> {
        let plugin = self.champ_plugin(type_id)?;
        if !plugin.info.has(Capability::Export) {
            return Ok(vec![value.to_owned()]);
        }
        check_input_size(&plugin.info.id, "value", value.len(), MAX_VALUE_BYTES)?;
        check_input_size(&plugin.info.id, "donnees", donnees.map_or(0, str::len), MAX_ANSWER_BYTES)?;
        self.guarded(&plugin, options_json, ExportValues(Text { value, donnees, options: options_json })).await
    }

    /// A champ type's display or search text, with the host's default when
    /// the plugin lacks the capability.
    async fn text_call<'a, C>(&self, type_id: &str, capability: Capability, call: C) -> Result<String, PluginError>
    where
        C: Call<Output = String> + AsRef<Text<'a>>,
    {
        let plugin = self.champ_plugin(type_id)?;
        let text = *call.as_ref();
        if !plugin.info.has(capability) {
            return Ok(text.value.to_owned());
        }
        check_input_size(&plugin.info.id, "value", text.value.len(), MAX_VALUE_BYTES)?;
        // Données come from the plugin's own enrich answer, capped there:
        // anything larger was not written by it.
        check_input_size(&plugin.info.id, "donnees", text.donnees.map_or(0, str::len), MAX_ANSWER_BYTES)?;
        self.guarded(&plugin, text.options, call).await
    }

    fn champ_plugin(&self, type_id: &str) -> Result<Arc<LoadedPlugin>, PluginError> {
        self.get(type_id)
            .filter(|plugin| plugin.info.provides == ExtensionPoint::TypeDeChamp)
            .ok_or_else(|| PluginError::UnknownType(type_id.to_owned()))
    }
}

/// A 0.2 champ guest, instantiated: 0.1.0 champ types export only
/// `describe` and `validate`, and have no capability to be asked the rest.
async fn champ_v0_2(
    store: &mut Store<GuestState>,
    pre: &Pre,
    function: &'static str,
) -> wasmtime::Result<v0_2::champ::TypeDeChampPlugin> {
    match pre {
        Pre::TypeDeChamp(pre) => pre.instantiate_async(store).await,
        other => Err(other.lacks(function)),
    }
}

/// `validate`.
struct Validate<'a> {
    value: &'a str,
    options: &'a str,
}

impl Call for Validate<'_> {
    const NAME: &'static str = "validate";
    type Answer = PluginValidation;
    type Output = PluginValidation;

    async fn invoke(
        &self,
        store: &mut Store<GuestState>,
        pre: &Pre,
    ) -> wasmtime::Result<Result<PluginValidation, GuestError>> {
        match pre {
            Pre::TypeDeChampV1(pre) => {
                let instance = pre.instantiate_async(&mut *store).await?;
                let guest = instance.guichet_plugin_type_de_champ();
                let answer = guest.call_validate(&mut *store, self.value, self.options).await?;
                Ok(answer.map(PluginValidation::from).map_err(GuestError::from))
            }
            Pre::TypeDeChamp(pre) => {
                let instance = pre.instantiate_async(&mut *store).await?;
                let guest = instance.guichet_plugin_type_de_champ();
                let answer = guest.call_validate(&mut *store, self.value, &json(self.options)).await?;
                Ok(answer.map(PluginValidation::from).map_err(GuestError::from))
            }
            other => Err(other.lacks(Self::NAME)),
        }
    }

    fn check(&self, plugin: &PluginInfo, answer: PluginValidation) -> Result<PluginValidation, PluginError> {
        match answer {
            PluginValidation::Valid { normalized } if normalized.len() > MAX_ANSWER_BYTES => {
                Err(bad(&plugin.id, format!("normalized value is {} bytes", normalized.len())))
            }
            valid @ PluginValidation::Valid { .. } => Ok(valid),
            PluginValidation::Invalid(errors) => field_errors(&plugin.id, errors).map(PluginValidation::Invalid),
        }
    }
}

/// `suggest`, asking for at most `limit` proposals.
struct Suggest<'a> {
    query: &'a str,
    options: &'a str,
    limit: u32,
}

impl Call for Suggest<'_> {
    const NAME: &'static str = "suggest";
    type Answer = Vec<Suggestion>;
    type Output = Vec<Suggestion>;

    async fn invoke(
        &self,
        store: &mut Store<GuestState>,
        pre: &Pre,
    ) -> wasmtime::Result<Result<Vec<Suggestion>, GuestError>> {
        let instance = champ_v0_2(store, pre, Self::NAME).await?;
        let guest = instance.guichet_plugin_type_de_champ();
        let answer = guest.call_suggest(&mut *store, self.query, &json(self.options), self.limit).await?;
        Ok(answer.map(|list| list.into_iter().map(Suggestion::from).collect()).map_err(GuestError::from))
    }

    fn check(&self, plugin: &PluginInfo, list: Vec<Suggestion>) -> Result<Vec<Suggestion>, PluginError> {
        if list.len() > self.limit as usize {
            return Err(bad(&plugin.id, format!("{} suggestions, {} asked for", list.len(), self.limit)));
        }
        let bytes: usize = list.iter().map(|s| s.value.len() + s.label.len() + s.donnees.len()).sum();
        if bytes > MAX_ANSWER_BYTES {
            return Err(bad(&plugin.id, format!("suggestions are {bytes} bytes")));
        }
        for suggestion in &list {
            check_donnees(plugin, "suggestion donnees", &suggestion.donnees)?;
        }
        Ok(list)
    }

    /// Autocomplete answers while the usager types or not at all.
    fn wall_timeout(&self, limits: &PluginLimits) -> Duration {
        limits.wall_timeout.min(SUGGEST_WALL_TIMEOUT)
    }
}

/// `enrich`.
struct Enrich<'a> {
    value: &'a str,
    options: &'a str,
}

impl Call for Enrich<'_> {
    const NAME: &'static str = "enrich";
    type Answer = Result<Enrichment, Vec<PluginFieldError>>;
    type Output = Result<Option<Enrichment>, Vec<PluginFieldError>>;

    async fn invoke(
        &self,
        store: &mut Store<GuestState>,
        pre: &Pre,
    ) -> wasmtime::Result<Result<Self::Answer, GuestError>> {
        let instance = champ_v0_2(store, pre, Self::NAME).await?;
        let guest = instance.guichet_plugin_type_de_champ();
        let answer = guest.call_enrich(&mut *store, self.value, &json(self.options)).await?;
        Ok(answer
            .map(|found| {
                found.map(Enrichment::from).map_err(|errors| errors.into_iter().map(PluginFieldError::from).collect())
            })
            .map_err(GuestError::from))
    }

    fn check(&self, plugin: &PluginInfo, answer: Self::Answer) -> Result<Self::Output, PluginError> {
        match answer {
            Ok(enrichment) => {
                let bytes = enrichment.donnees.len()
                    + enrichment.resume.iter().map(|(label, value)| label.len() + value.len()).sum::<usize>();
                if bytes > MAX_ANSWER_BYTES {
                    return Err(bad(&plugin.id, format!("enrichment is {bytes} bytes")));
                }
                check_donnees(plugin, "donnees", &enrichment.donnees)?;
                Ok(Ok(Some(enrichment)))
            }
            Err(errors) => field_errors(&plugin.id, errors).map(Err),
        }
    }
}

/// What `display`, `search-text` and `export-values` are given.
#[derive(Clone, Copy)]
struct Text<'a> {
    value: &'a str,
    donnees: Option<&'a str>,
    options: &'a str,
}

/// `display`.
struct Display<'a>(Text<'a>);

/// `search-text`.
struct SearchText<'a>(Text<'a>);

impl<'a> AsRef<Text<'a>> for Display<'a> {
    fn as_ref(&self) -> &Text<'a> {
        &self.0
    }
}

impl<'a> AsRef<Text<'a>> for SearchText<'a> {
    fn as_ref(&self) -> &Text<'a> {
        &self.0
    }
}

impl Call for Display<'_> {
    const NAME: &'static str = "display";
    type Answer = String;
    type Output = String;

    async fn invoke(&self, store: &mut Store<GuestState>, pre: &Pre) -> wasmtime::Result<Result<String, GuestError>> {
        let Text { value, donnees, options } = self.0;
        let instance = champ_v0_2(store, pre, Self::NAME).await?;
        let guest = instance.guichet_plugin_type_de_champ();
        let answer = guest.call_display(&mut *store, value, donnees.map(json).as_ref(), &json(options)).await?;
        Ok(answer.map_err(GuestError::from))
    }

    fn check(&self, plugin: &PluginInfo, text: String) -> Result<String, PluginError> {
        check_text(plugin, text)
    }
}

impl Call for SearchText<'_> {
    const NAME: &'static str = "search-text";
    type Answer = String;
    type Output = String;

    async fn invoke(&self, store: &mut Store<GuestState>, pre: &Pre) -> wasmtime::Result<Result<String, GuestError>> {
        let Text { value, donnees, options } = self.0;
        let instance = champ_v0_2(store, pre, Self::NAME).await?;
        let guest = instance.guichet_plugin_type_de_champ();
        let answer = guest.call_search_text(&mut *store, value, donnees.map(json).as_ref(), &json(options)).await?;
        Ok(answer.map_err(GuestError::from))
    }

    fn check(&self, plugin: &PluginInfo, text: String) -> Result<String, PluginError> {
        check_text(plugin, text)
    }
}

/// `export-columns`.
struct ExportColumns<'a> {
    options: &'a str,
}

impl Call for ExportColumns<'_> {
    const NAME: &'static str = "export-columns";
    type Answer = Vec<ExportColumn>;
    type Output = Option<Vec<ExportColumn>>;

    async fn invoke(
        &self,
        store: &mut Store<GuestState>,
        pre: &Pre,
    ) -> wasmtime::Result<Result<Vec<ExportColumn>, GuestError>> {
        let instance = champ_v0_2(store, pre, Self::NAME).await?;
        let guest = instance.guichet_plugin_type_de_champ();
        let answer = guest.call_export_columns(&mut *store, &json(self.options)).await?;
        Ok(answer.map(|columns| columns.into_iter().map(ExportColumn::from).collect()).map_err(GuestError::from))
    }

    fn check(&self, plugin: &PluginInfo, columns: Vec<ExportColumn>) -> Result<Self::Output, PluginError> {
        if columns.is_empty() || columns.len() > MAX_EXPORT_COLUMNS {
            return Err(bad(&plugin.id, format!("{} export columns", columns.len())));
        }
        Ok(Some(columns))
    }
}

/// `export-values`.
struct ExportValues<'a>(Text<'a>);

impl Call for ExportValues<'_> {
    const NAME: &'static str = "export-values";
    type Answer = Vec<String>;
    type Output = Vec<String>;

    async fn invoke(
        &self,
        store: &mut Store<GuestState>,
        pre: &Pre,
    ) -> wasmtime::Result<Result<Vec<String>, GuestError>> {
        let Text { value, donnees, options } = self.0;
        let instance = champ_v0_2(store, pre, Self::NAME).await?;
        let guest = instance.guichet_plugin_type_de_champ();
        let answer = guest.call_export_values(&mut *store, value, donnees.map(json).as_ref(), &json(options)).await?;
        Ok(answer.map_err(GuestError::from))
    }

    fn check(&self, plugin: &PluginInfo, cells: Vec<String>) -> Result<Vec<String>, PluginError> {
        let bytes: usize = cells.iter().map(String::len).sum();
        if cells.len() > MAX_EXPORT_COLUMNS || bytes > MAX_ANSWER_BYTES {
            return Err(bad(&plugin.id, format!("{} export cells, {bytes} bytes", cells.len())));
        }
        Ok(cells)
    }
}

/// A display or search text, bounded like every answer.
fn check_text(plugin: &PluginInfo, text: String) -> Result<String, PluginError> {
    if text.len() > MAX_ANSWER_BYTES {
        return Err(bad(&plugin.id, format!("text is {} bytes", text.len())));
    }
    Ok(text)
}

/// Field errors for the usager: at least one, bounded.
fn field_errors(plugin: &str, errors: Vec<PluginFieldError>) -> Result<Vec<PluginFieldError>, PluginError> {
    if errors.is_empty() {
        return Err(bad(plugin, "invalid without any field error".to_owned()));
    }
    let bytes: usize = errors.iter().map(|e| e.code.len() + e.message.len()).sum();
    if bytes > MAX_ANSWER_BYTES {
        return Err(bad(plugin, format!("field errors are {bytes} bytes")));
    }
    Ok(errors)
}

/// Données a plugin attaches to a value: a JSON object matching the
/// `donnees-schema` it declared (other plugins and exports rely on it).
fn check_donnees(plugin: &PluginInfo, what: &str, json: &str) -> Result<(), PluginError> {
    schema::check_object(json).map_err(|reason| bad(&plugin.id, format!("{what} {reason}")))?;
    let (Ok(schema), Ok(value)) =
        (serde_json::from_str(&plugin.donnees_schema), serde_json::from_str::<serde_json::Value>(json))
    else {
        return Ok(());
    };
    schema::check(&schema, &value)
        .map_err(|reason| bad(&plugin.id, format!("{what} break its donnees-schema: {reason}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_invalid_answers_are_refused() {
        let info = PluginInfo {
            id: "p".to_owned(),
            libelle: String::new(),
            description: String::new(),
            version: "1.0.0".to_owned(),
            wit: String::new(),
            provides: ExtensionPoint::TypeDeChamp,
            settings: Vec::new(),
            options_schema: "{}".to_owned(),
            donnees_schema: "{}".to_owned(),
            capabilities: Vec::new(),
            http_origins: Vec::new(),
            config: Vec::new(),
            confirmation: None,
            input: Default::default(),
        };
        let call = Validate { value: "x", options: "{}" };
        assert!(matches!(call.check(&info, PluginValidation::Invalid(Vec::new())), Err(PluginError::BadAnswer { .. })));
        let huge = PluginValidation::Valid { normalized: "x".repeat(MAX_ANSWER_BYTES + 1) };
        assert!(matches!(call.check(&info, huge), Err(PluginError::BadAnswer { .. })));
    }
}
