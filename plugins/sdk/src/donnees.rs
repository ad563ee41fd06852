//! JSON that a plugin attached to a value (`donnees`), as the host hands it
//! back.

use crate::PluginError;
use serde::de::DeserializeOwned;

/// The `donnees` a plugin attached to a value (what `enrich` or the chosen
/// suggestion answered), as JSON text. Parsed only when asked.
///
/// ```
/// use guichet_plugin_sdk::Donnees;
///
/// let donnees = Donnees::new(r#"{"commune": "Lyon"}"#);
/// assert_eq!(donnees.value()?["commune"], "Lyon");
/// # Ok::<(), guichet_plugin_sdk::PluginError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Donnees {
    raw: String,
}

impl Donnees {
    /// From JSON text; also what unit tests use.
    pub fn new(json: impl Into<String>) -> Self {
        Donnees { raw: json.into() }
    }

    pub fn as_str(&self) -> &str {
        &self.raw
    }

    /// The JSON as a [`serde_json::Value`]. `InvalidInput` when the text is
    /// not JSON (the host checked it: a host bug).
    pub fn value(&self) -> Result<serde_json::Value, PluginError> {
        self.parse()
    }

    /// The JSON deserialized into `T`. `InvalidInput` when it does not fit:
    /// data written by an older version of the plugin may lack fields, so
    /// give `T` `#[serde(default)]` fields rather than failing.
    pub fn parse<T: DeserializeOwned>(&self) -> Result<T, PluginError> {
        serde_json::from_str(&self.raw)
            .map_err(|error| PluginError::InvalidInput(format!("donnees do not have the expected shape: {error}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_on_demand() {
        let donnees = Donnees::new(r#"{"n": 3}"#);
        assert_eq!(donnees.as_str(), r#"{"n": 3}"#);
        assert_eq!(donnees.value().map(|v| v["n"].as_i64()), Ok(Some(3)));
        assert!(matches!(Donnees::new("{").value(), Err(PluginError::InvalidInput(_))));
        assert!(Donnees::new(r#"{"n": "x"}"#).parse::<std::collections::BTreeMap<String, u32>>().is_err());
    }
}
