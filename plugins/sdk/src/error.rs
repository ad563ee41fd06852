//! What goes wrong: the usager's mistakes ([`FieldError`]) and everything
//! else ([`PluginError`]).

use std::fmt;

/// One problem found in the value an usager typed, which the usager can fix.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    /// Stable, machine-readable kebab-case code (for example `format` or
    /// `cle-de-controle`).
    pub code: String,
    /// Sentence in French addressed to the usager, shown as is next to the
    /// champ.
    pub message: String,
}

impl FieldError {
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        FieldError { code: code.into(), message: message.into() }
    }
}

/// A failure that is not the usager's fault. The payload is a technical
/// English explanation for the server's logs, never shown to the usager (and
/// never containing what the usager typed).
#[derive(Clone, Debug, PartialEq, Eq)]
#[must_use]
#[non_exhaustive]
pub enum PluginError {
    /// The host sent input that breaks the contract (for example options
    /// that are not a JSON object). A host bug, not the usager's.
    InvalidInput(String),
    /// A service the plugin depends on did not answer, or answered something
    /// unusable. Transient: the host keeps the value and asks again later.
    UpstreamUnavailable(String),
    /// The options set by the administrateur, or the configuration (and
    /// secrets) set by the operator, are unusable.
    Misconfigured(String),
    /// A bug in the plugin itself.
    Internal(String),
}

impl PluginError {
    pub fn invalid_input(reason: impl Into<String>) -> Self {
        PluginError::InvalidInput(reason.into())
    }

    pub fn upstream_unavailable(reason: impl Into<String>) -> Self {
        PluginError::UpstreamUnavailable(reason.into())
    }

    pub fn misconfigured(reason: impl Into<String>) -> Self {
        PluginError::Misconfigured(reason.into())
    }

    pub fn internal(reason: impl Into<String>) -> Self {
        PluginError::Internal(reason.into())
    }

    /// The technical explanation, whatever the case.
    pub fn reason(&self) -> &str {
        match self {
            PluginError::InvalidInput(reason)
            | PluginError::UpstreamUnavailable(reason)
            | PluginError::Misconfigured(reason)
            | PluginError::Internal(reason) => reason,
        }
    }
}

impl fmt::Display for PluginError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let case = match self {
            PluginError::InvalidInput(_) => "invalid input",
            PluginError::UpstreamUnavailable(_) => "upstream unavailable",
            PluginError::Misconfigured(_) => "misconfigured",
            PluginError::Internal(_) => "internal error",
        };
        write!(f, "{case}: {}", self.reason())
    }
}

impl std::error::Error for PluginError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constructors_and_display() {
        assert_eq!(PluginError::internal("bug"), PluginError::Internal("bug".to_owned()));
        assert_eq!(PluginError::invalid_input("x").reason(), "x");
        assert_eq!(PluginError::misconfigured("no key").to_string(), "misconfigured: no key");
        assert_eq!(PluginError::upstream_unavailable("down").to_string(), "upstream unavailable: down");
        assert_eq!(FieldError::new("a", "b"), FieldError { code: "a".to_owned(), message: "b".to_owned() });
    }
}
