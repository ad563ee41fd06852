//! The champ type extension point (world `type-de-champ-plugin`).

use crate::{Description, Donnees, FieldError, Options, PluginError};

/// A champ type implemented by a plugin.
///
/// Every function runs on a fresh instance: keep no state between calls
/// (use [`cache`](crate::cache) for what is worth keeping). All but
/// [`suggest`](Self::suggest) and [`enrich`](Self::enrich) must be pure (same
/// arguments, same answer, no network): the host may cache their answers.
///
/// Only `describe` and `validate` are required. The host calls the others
/// only when [`Description::capabilities`] lists them; their default bodies
/// are what the host does without the capability, so a plugin's tests may
/// call them either way.
pub trait TypeDeChamp {
    /// What the form editor shows about this champ type. Called once when
    /// the host loads the plugin; `id` and `version` must equal the ones of
    /// the plugin's `plugin.toml`. Build it with
    /// [`description!`](crate::description).
    fn describe() -> Description;

    /// Checks and normalizes what an usager typed into the champ (at most
    /// 64 KiB).
    ///
    /// A usager mistake is `Ok(Validation::Invalid(..))`, with a stable
    /// kebab-case code and a French message. `Err(..)` is for what is not the
    /// usager's fault: the usager is then told that the check is momentarily
    /// unavailable and keeps what they typed.
    fn validate(value: &str, options: &Options) -> Result<Validation, PluginError>;

    /// Up to `limit` proposals for what the usager is typing (`query`, at
    /// least 3 characters), best first ([`Capability::Suggest`](crate::Capability::Suggest)).
    /// May use the network. The SDK drops proposals past `limit`.
    /// Without the capability: no autocomplete.
    fn suggest(query: &str, options: &Options, limit: usize) -> Result<Vec<Suggestion>, PluginError> {
        let _ = (query, options, limit);
        Ok(Vec::new())
    }

    /// Data about a value `validate` accepted
    /// ([`Capability::Enrich`](crate::Capability::Enrich)); may use the network.
    ///
    /// A value that turns out not to exist is `Ok(Err(errors))` with French
    /// errors for the usager; an upstream outage is
    /// `Err(PluginError::UpstreamUnavailable(..))` (`?` on an
    /// [`HttpError`](crate::http::HttpError) does that): the host keeps the
    /// value and asks again later. Without the capability: no donnees.
    fn enrich(value: &str, options: &Options) -> Result<Result<Enrichment, Vec<FieldError>>, PluginError> {
        let _ = (value, options);
        Ok(Ok(Enrichment::default()))
    }

    /// The value as shown in pages and PDFs (French, lines separated by
    /// `\n`) ([`Capability::Display`](crate::Capability::Display)). Without
    /// the capability: the value itself.
    fn display(value: &str, donnees: Option<&Donnees>, options: &Options) -> Result<String, PluginError> {
        let _ = (donnees, options);
        Ok(value.to_owned())
    }

    /// Words instructeurs can search the dossier by
    /// ([`Capability::SearchText`](crate::Capability::SearchText)). Without
    /// the capability: the value itself.
    fn search_text(value: &str, donnees: Option<&Donnees>, options: &Options) -> Result<String, PluginError> {
        let _ = (donnees, options);
        Ok(value.to_owned())
    }

    /// The champ's columns in exports ([`Capability::Export`](crate::Capability::Export)).
    /// Without the capability: one column, the value.
    fn export_columns(options: &Options) -> Result<Vec<ExportColumn>, PluginError> {
        let _ = options;
        Ok(vec![ExportColumn::new("valeur", "Valeur")])
    }

    /// One cell per column of [`export_columns`](Self::export_columns), in
    /// the same order (the SDK refuses a different count as an internal
    /// error). Without the capability: the value.
    fn export_values(value: &str, donnees: Option<&Donnees>, options: &Options) -> Result<Vec<String>, PluginError> {
        let _ = (donnees, options);
        Ok(vec![value.to_owned()])
    }
}

/// The verdict on one value.
#[derive(Clone, Debug, PartialEq, Eq)]
#[must_use]
pub enum Validation {
    /// The value is acceptable; the payload is the normalized value the host
    /// stores instead of what the usager typed (for example without spaces).
    Valid(String),
    /// The value is not acceptable. Never empty: the host refuses an
    /// `Invalid` without any problem as a bad answer.
    Invalid(Vec<FieldError>),
}

impl Validation {
    /// The value is acceptable and is stored as `normalized`.
    pub fn valid(normalized: impl Into<String>) -> Self {
        Validation::Valid(normalized.into())
    }

    /// The value is not acceptable, for one reason. For several, build
    /// `Validation::Invalid(vec![FieldError::new(..), ..])`.
    pub fn invalid(code: impl Into<String>, message: impl Into<String>) -> Self {
        Validation::Invalid(vec![FieldError::new(code, message)])
    }

    pub fn is_valid(&self) -> bool {
        matches!(self, Validation::Valid(_))
    }
}

/// One proposal of [`TypeDeChamp::suggest`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Suggestion {
    /// What is stored if the usager picks it (then validated as usual).
    pub value: String,
    /// French text shown in the list.
    pub label: String,
    /// JSON text attached to the value if picked, as `enrich` would; `{}`
    /// when none.
    pub donnees: String,
}

impl Suggestion {
    /// A proposal without donnees.
    pub fn new(value: impl Into<String>, label: impl Into<String>) -> Self {
        Suggestion { value: value.into(), label: label.into(), donnees: "{}".to_owned() }
    }

    /// Attaches `donnees` (serialized here).
    pub fn donnees(mut self, donnees: &serde_json::Value) -> Self {
        self.donnees = donnees.to_string();
        self
    }
}

/// What [`TypeDeChamp::enrich`] found about a value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Enrichment {
    /// JSON text stored with the value and given back to `display`,
    /// `search_text` and `export_values` (as [`Donnees`]), and to other
    /// plugins reading the dossier. Valid against the description's
    /// `donnees_schema`.
    pub donnees: String,
    /// What the usager is shown to confirm the value, as French labelled
    /// lines, in order.
    pub resume: Vec<(String, String)>,
}

impl Enrichment {
    /// Donnees from a JSON value, without resume lines yet.
    pub fn new(donnees: &serde_json::Value) -> Self {
        Enrichment { donnees: donnees.to_string(), resume: Vec::new() }
    }

    /// Adds a resume line (`("Raison sociale", "DINUM")`).
    pub fn line(mut self, libelle: impl Into<String>, valeur: impl Into<String>) -> Self {
        self.resume.push((libelle.into(), valeur.into()));
        self
    }
}

/// No donnees (`{}`) and no resume.
impl Default for Enrichment {
    fn default() -> Self {
        Enrichment { donnees: "{}".to_owned(), resume: Vec::new() }
    }
}

/// A spreadsheet column of the champ in exports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExportColumn {
    /// Stable kebab-case id, unique within the champ type.
    pub id: String,
    /// French header.
    pub libelle: String,
}

impl ExportColumn {
    pub fn new(id: impl Into<String>, libelle: impl Into<String>) -> Self {
        ExportColumn { id: id.into(), libelle: libelle.into() }
    }
}
