//! The operator's side of plugin capabilities: what each plugin is granted,
//! its configuration values and its secrets, read from one TOML file
//! (`--plugins-config`).
//!
//! ```toml
//! [siret]
//! # Origins granted; the effective allow-list is what the manifest asks
//! # for ∩ this. Nothing is granted to a plugin absent from this file.
//! http = ["https://entreprise.api.gouv.fr"]
//! # Loopback and private addresses stay refused unless this is set
//! # (tests do it for their local contract servers). Cloud metadata
//! # addresses are refused whatever this says.
//! allow-private-addresses = false
//!
//! [siret.relocate]   # a requested origin served elsewhere (staging, tests)
//! "https://entreprise.api.gouv.fr" = "https://staging.entreprise.api.gouv.fr"
//!
//! [siret.config]
//! recipient = "13002526500013"
//!
//! [siret.secrets]    # a value, or where to read it
//! api-entreprise = { env = "API_ENTREPRISE_TOKEN" }
//! # api-entreprise = { file = "/run/secrets/api-entreprise" }
//! # api-entreprise = "literal value"
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use serde::Deserialize;

/// Largest operator file read: it lists plugins and a few keys each.
pub const MAX_OPERATOR_FILE_BYTES: u64 = 256 * 1024;

/// Largest secret value: tokens are a few hundred bytes; a bigger value is
/// a wrong file, and it would be copied into every request header.
pub const MAX_SECRET_BYTES: usize = 8 * 1024;

/// Everything the operator decided about plugins, by plugin id.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct OperatorConfig {
    pub plugins: BTreeMap<String, Grant>,
}

/// What one plugin is granted. Secrets are resolved (environment, file) when
/// the file is read, so a missing secret fails the start, not a dépôt.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Grant {
    pub http: Vec<String>,
    pub allow_private_addresses: bool,
    pub relocate: BTreeMap<String, String>,
    pub config: BTreeMap<String, String>,
    pub secrets: BTreeMap<String, Secret>,
}

/// A secret value; never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl fmt::Debug for Grant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Grant")
            .field("http", &self.http)
            .field("allow_private_addresses", &self.allow_private_addresses)
            .field("relocate", &self.relocate)
            .field("config", &self.config.keys().collect::<Vec<_>>())
            .field("secrets", &self.secrets.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl fmt::Debug for OperatorConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(&self.plugins).finish()
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawGrant {
    #[serde(default)]
    http: Vec<String>,
    #[serde(default)]
    allow_private_addresses: bool,
    #[serde(default)]
    relocate: BTreeMap<String, String>,
    #[serde(default)]
    config: BTreeMap<String, String>,
    #[serde(default)]
    secrets: BTreeMap<String, RawSecret>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawSecret {
    Value(String),
    From(SecretSource),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SecretSource {
    env: Option<String>,
    file: Option<String>,
}

impl OperatorConfig {
    /// Parses the file's text; `env` reads environment variables (a
    /// parameter so tests need not mutate the process environment).
    pub fn parse(text: &str, env: impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        let raw: BTreeMap<String, RawGrant> = toml::from_str(text).map_err(|error| error.message().to_owned())?;
        let mut plugins = BTreeMap::new();
        for (id, grant) in raw {
            let context = |message: String| format!("[{id}] {message}");
            for origin in grant.http.iter().chain(grant.relocate.keys()).chain(grant.relocate.values()) {
                super::manifest::check_origin(origin).map_err(|error| context(format!("{origin:?}: {error}")))?;
            }
            let mut secrets = BTreeMap::new();
            for (name, secret) in grant.secrets {
                let value = match secret {
                    RawSecret::Value(value) => value,
                    RawSecret::From(SecretSource { env: Some(var), file: None }) => {
                        env(&var).ok_or_else(|| context(format!("secret {name}: ${var} is not set")))?
                    }
                    RawSecret::From(SecretSource { env: None, file: Some(path) }) => std::fs::read_to_string(&path)
                        .map(|text| text.trim_end_matches(['\n', '\r']).to_owned())
                        .map_err(|error| context(format!("secret {name}: cannot read {path}: {error}")))?,
                    RawSecret::From(_) => {
                        return Err(context(format!("secret {name}: give a value, or exactly one of env and file")));
                    }
                };
                if value.is_empty() || value.len() > MAX_SECRET_BYTES {
                    return Err(context(format!("secret {name} must be 1 to {MAX_SECRET_BYTES} bytes")));
                }
                secrets.insert(name, Secret(value));
            }
            plugins.insert(
                id,
                Grant {
                    http: grant.http,
                    allow_private_addresses: grant.allow_private_addresses,
                    relocate: grant.relocate,
                    config: grant.config,
                    secrets,
                },
            );
        }
        Ok(Self { plugins })
    }

    /// Reads `path` (at most [`MAX_OPERATOR_FILE_BYTES`]).
    pub fn read(path: &Path) -> Result<Self, String> {
        let name = path.display();
        let metadata = std::fs::metadata(path).map_err(|error| format!("cannot read {name}: {error}"))?;
        if metadata.len() > MAX_OPERATOR_FILE_BYTES {
            return Err(format!("{name} is larger than {MAX_OPERATOR_FILE_BYTES} bytes"));
        }
        let text = std::fs::read_to_string(path).map_err(|error| format!("cannot read {name}: {error}"))?;
        Self::parse(&text, |var| std::env::var(var).ok()).map_err(|error| format!("{name}: {error}"))
    }

    pub fn grant(&self, plugin: &str) -> Option<&Grant> {
        self.plugins.get(plugin)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_grants_and_resolves_secrets() {
        let text = r#"
            [siret]
            http = ["https://entreprise.api.gouv.fr"]
            allow-private-addresses = true
            relocate = { "https://entreprise.api.gouv.fr" = "http://127.0.0.1:4010" }
            config = { recipient = "13002526500013" }
            secrets = { api-entreprise = { env = "TOKEN" }, autre = "littéral" }
        "#;
        let config = OperatorConfig::parse(text, |var| (var == "TOKEN").then(|| "s3cr3t".to_owned())).unwrap();
        let grant = config.grant("siret").unwrap();
        assert_eq!(grant.http, ["https://entreprise.api.gouv.fr"]);
        assert!(grant.allow_private_addresses);
        assert_eq!(grant.relocate["https://entreprise.api.gouv.fr"], "http://127.0.0.1:4010");
        assert_eq!(grant.secrets["api-entreprise"].expose(), "s3cr3t");
        assert_eq!(grant.secrets["autre"].expose(), "littéral");
        let printed = format!("{config:?}");
        assert!(!printed.contains("s3cr3t") && !printed.contains("13002526500013"), "{printed}");
    }

    #[test]
    fn refuses_what_it_cannot_honour() {
        let parse = |text: &str| OperatorConfig::parse(text, |_| None);
        assert!(parse("[a]\nhttp = [\"https://x.fr/path\"]").unwrap_err().contains("path"));
        assert!(parse("[a]\nhttp = [\"https://*.x.fr\"]").is_err());
        assert!(parse("[a]\nsecrets = { t = { env = \"ABSENT\" } }").unwrap_err().contains("ABSENT"));
        assert!(parse("[a]\nsecrets = { t = \"\" }").is_err());
        assert!(parse("[a]\nfuel = 3").is_err(), "unknown keys are refused");
        assert_eq!(parse("").unwrap(), OperatorConfig::default());
    }
}
