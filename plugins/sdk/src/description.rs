//! What a plugin says about itself when the host loads it.

/// Optional functions a champ type implements. The host calls only those
/// listed in [`Description::capabilities`]; the others keep their default
/// behaviour (see each method of [`TypeDeChamp`](crate::TypeDeChamp)).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Capability {
    /// `suggest` answers autocomplete queries.
    Suggest,
    /// `enrich` fetches data about a valid value.
    Enrich,
    /// `display` formats the value for pages and PDFs.
    Display,
    /// `search_text` gives the words instructeurs can search for.
    SearchText,
    /// `export_columns` and `export_values` give spreadsheet columns.
    Export,
}

/// What the host shows about a plugin: for a champ type, the form editor;
/// for routage, attestation and rendez-vous plugins, the démarche's settings.
///
/// Build it with [`description!`](crate::description), which takes the
/// version from the plugin's `Cargo.toml`, then the builder methods:
///
/// ```
/// use guichet_plugin_sdk::{Capability, description};
///
/// let description = description!("siret", "Numéro SIRET", "Numéro d'établissement.")
///     .options_schema(r#"{"type": "object", "properties": {"siege": {"type": "boolean"}}}"#)
///     .donnees_schema(r#"{"type": "object"}"#)
///     .capabilities([Capability::Enrich, Capability::Display]);
/// assert_eq!(description.capabilities.len(), 2);
/// ```
///
/// `donnees_schema` and `capabilities` exist only for champ types; the
/// other extension points ignore them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Description {
    /// Stable identifier, `[a-z][a-z0-9-]{2,63}`, equal to the `id` of the
    /// plugin's `plugin.toml`.
    pub id: String,
    /// Short French label (for example "Numéro SIRET").
    pub libelle: String,
    /// One or two French sentences telling the administrateur what the plugin
    /// does.
    pub description: String,
    /// The plugin's semver version, equal to the `version` of its
    /// `plugin.toml`.
    pub version: String,
    /// JSON Schema (text) of the options the administrateur sets per
    /// démarche; `{"type": "object"}` (anything) by default.
    pub options_schema: String,
    /// JSON Schema (text) of the `donnees` a champ type attaches to values;
    /// `{}` when it attaches none.
    pub donnees_schema: String,
    /// The optional champ type functions the plugin implements.
    pub capabilities: Vec<Capability>,
}

/// What [`Description::options_schema`] is unless the plugin sets it.
pub const DEFAULT_OPTIONS_SCHEMA: &str = r#"{"type":"object"}"#;

impl Description {
    pub fn new(
        id: impl Into<String>,
        libelle: impl Into<String>,
        description: impl Into<String>,
        version: impl Into<String>,
    ) -> Self {
        Description {
            id: id.into(),
            libelle: libelle.into(),
            description: description.into(),
            version: version.into(),
            options_schema: DEFAULT_OPTIONS_SCHEMA.to_owned(),
            donnees_schema: "{}".to_owned(),
            capabilities: Vec::new(),
        }
    }

    /// Sets the JSON Schema of options, as JSON text (for a
    /// `serde_json::Value`, pass `value.to_string()`).
    pub fn options_schema(mut self, schema: impl Into<String>) -> Self {
        self.options_schema = schema.into();
        self
    }

    /// Sets the JSON Schema of `donnees`, as JSON text.
    pub fn donnees_schema(mut self, schema: impl Into<String>) -> Self {
        self.donnees_schema = schema.into();
        self
    }

    /// Sets the capabilities (a champ type's optional functions).
    pub fn capabilities(mut self, capabilities: impl IntoIterator<Item = Capability>) -> Self {
        self.capabilities = capabilities.into_iter().collect();
        self
    }

    pub fn has(&self, capability: Capability) -> bool {
        self.capabilities.contains(&capability)
    }
}

/// Builds a [`Description`] whose version is the calling crate's
/// `CARGO_PKG_VERSION`, so that `Cargo.toml` stays the one place to bump it
/// (keep `plugin.toml` equal to it).
///
/// ```
/// let description = guichet_plugin_sdk::description!("siret", "Numéro SIRET", "Numéro d'établissement.");
/// assert_eq!(description.version, env!("CARGO_PKG_VERSION"));
/// ```
#[macro_export]
macro_rules! description {
    ($id:expr, $libelle:expr, $description:expr $(,)?) => {
        $crate::Description::new($id, $libelle, $description, ::core::env!("CARGO_PKG_VERSION"))
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builder_sets_schemas_and_capabilities() {
        let description = crate::description!("x-y", "X", "Y.");
        assert_eq!(description.version, env!("CARGO_PKG_VERSION"));
        assert_eq!(description.options_schema, DEFAULT_OPTIONS_SCHEMA);
        assert_eq!(description.donnees_schema, "{}");
        assert!(description.capabilities.is_empty());
        let description = description.options_schema("{\"a\":1}").capabilities([Capability::Display]);
        assert_eq!(description.options_schema, "{\"a\":1}");
        assert!(description.has(Capability::Display));
        assert!(!description.has(Capability::Export));
    }
}
