//! `plugin.toml`: what a plugin says about itself, checked before any of its
//! code is compiled.
//!
//! ```toml
//! id = "siret"
//! version = "1.0.0"
//! wit = "guichet:plugin@0.1.0"
//! provides = ["type-de-champ"]
//!
//! # Optional: what one call needs, when more than the host's defaults.
//! # Interpreted guests (Python, JavaScript) need ~12 MiB just to start.
//! [limits]
//! cpu-ms = 500
//! wall-ms = 2000
//! memory-mib = 64
//! ```

use std::fmt;
use std::time::Duration;

use serde::Deserialize;

use super::limits::MAX_VALUE_BYTES;
use super::settings::{SettingSpec, check_specs};
use crate::domain::champ::is_plugin_id;

/// Name of the WIT package every plugin targets (`wit/guichet-plugin@*/`).
pub const WIT_PACKAGE: &str = "guichet:plugin";

/// The `guichet:plugin` versions this host implements, oldest first.
///
/// A plugin built against any version up to one of these, on the same
/// compatibility track (same major, or same minor while the major is 0), is
/// accepted: WIT minors and patches only add. Anything newer or on another
/// track is refused at load with [`ManifestError::UnsupportedWit`], never
/// discovered at the first call.
pub const SUPPORTED_WIT: &[WitVersion] = &[WitVersion::new(0, 1, 0), WitVersion::new(0, 2, 1)];

/// Upper bound on the size of `plugin.toml`: a crafted manifest must not make
/// the host allocate or parse megabytes before any check has run.
pub const MAX_MANIFEST_BYTES: u64 = 64 * 1024;

/// Upper bound on the plugin's own version string; a version is semver, never
/// more than a few dozen bytes, and it is logged with every call.
const MAX_VERSION_LEN: usize = 64;

/// A version of the `guichet:plugin` WIT package.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct WitVersion {
    pub major: u32,
    pub minor: u32,
    pub patch: u32,
}

impl WitVersion {
    pub const fn new(major: u32, minor: u32, patch: u32) -> Self {
        Self { major, minor, patch }
    }

    /// Parses `guichet:plugin@MAJOR.MINOR.PATCH`. Pre-releases are not
    /// accepted: released WIT directories are frozen, pre-releases are not.
    pub fn parse(wit: &str) -> Option<Self> {
        let version = wit.strip_prefix(WIT_PACKAGE)?.strip_prefix('@')?;
        let [major, minor, patch] = parse_numeric_triple(version)?;
        Some(Self::new(major, minor, patch))
    }

    /// Whether a host implementing `self` can run a plugin built against
    /// `plugin`: same compatibility track, and the host is at least as new.
    pub fn can_host(self, plugin: WitVersion) -> bool {
        let same_track =
            if self.major == 0 { plugin.major == 0 && plugin.minor == self.minor } else { plugin.major == self.major };
        same_track && plugin <= self
    }

    pub fn is_supported(self) -> bool {
        SUPPORTED_WIT.iter().any(|host| host.can_host(self))
    }
}

impl fmt::Display for WitVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{WIT_PACKAGE}@{}.{}.{}", self.major, self.minor, self.patch)
    }
}

/// What a plugin can provide. Only champ types exist in WIT 0.1.0; 0.2.0
/// adds routing rules, attestations and appointments.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ExtensionPoint {
    TypeDeChamp,
    Routage,
    Attestation,
    RendezVous,
}

impl ExtensionPoint {
    fn parse(name: &str) -> Option<Self> {
        match name {
            "type-de-champ" => Some(Self::TypeDeChamp),
            "routage" => Some(Self::Routage),
            "attestation" => Some(Self::Attestation),
            "rendez-vous" => Some(Self::RendezVous),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::TypeDeChamp => "type-de-champ",
            Self::Routage => "routage",
            Self::Attestation => "attestation",
            Self::RendezVous => "rendez-vous",
        }
    }

    /// The first WIT version that has this extension point.
    fn since(self) -> WitVersion {
        match self {
            Self::TypeDeChamp => WitVersion::new(0, 1, 0),
            Self::Routage | Self::Attestation | Self::RendezVous => WitVersion::new(0, 2, 0),
        }
    }
}

impl fmt::Display for ExtensionPoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A checked `plugin.toml`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Manifest {
    pub id: String,
    pub version: String,
    pub wit: WitVersion,
    pub provides: Vec<ExtensionPoint>,
    /// Per-call limits the plugin asks for; the host grants them only up to
    /// its operator's ceiling, and uses its defaults for what is not asked.
    pub limits: RequestedLimits,
    /// Per-démarche settings an administrateur fills (see `settings.rs`).
    pub settings: Vec<SettingSpec>,
    /// What the plugin asks to reach; the operator grants it or not
    /// (`operator.rs`).
    pub capabilities: Capabilities,
    /// Champ types only: the usager must confirm what the plugin found
    /// about a value (the établissement behind a SIRET) before dépôt; this
    /// is the checkbox's label.
    pub confirmation: Option<String>,
    /// Champ types only: how the usager's form asks for the value.
    pub input: InputSpec,
}

/// The `[input]` table of a champ type: how the usager's form presents its
/// champs. The plugin declares it, so that no page knows a plugin by name.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct InputSpec {
    #[serde(default)]
    pub widget: Widget,
    /// The keyboard phones show for the text field; `None`: the usual one.
    pub inputmode: Option<InputMode>,
    /// The longest value the form accepts, in characters; `None`: a short
    /// text's. At most [`MAX_VALUE_BYTES`], what the host sends a plugin.
    pub max_chars: Option<usize>,
    /// What to type, in French, shown to usagers under the champ's label
    /// (« 14 chiffres, par exemple … »). The plugin's description speaks to
    /// administrateurs; this speaks to usagers. One line, at most
    /// [`MAX_HINT_CHARS`].
    pub hint: Option<String>,
    /// The browser's autofill for the text field (`autocomplete`); `None`:
    /// the browser's default.
    pub autocomplete: Option<Autocomplete>,
}

/// What the form shows for a champ.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Widget {
    /// A one-line text field (with suggestions when the plugin offers them).
    #[default]
    Text,
    /// A map to draw GeoJSON geometries on (`static/carte.js`), bounded by
    /// the plugin's `geometries` and `max-geometries` settings.
    Map,
}

/// HTML `inputmode` values a plugin may ask for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum InputMode {
    /// Digits only (SIRET, SIREN…): the numeric keypad on phones.
    Numeric,
    /// Digits and a decimal separator.
    Decimal,
}

impl InputMode {
    /// The HTML attribute value.
    pub fn as_str(self) -> &'static str {
        match self {
            InputMode::Numeric => "numeric",
            InputMode::Decimal => "decimal",
        }
    }
}

/// HTML `autocomplete` tokens a plugin may ask for: those that name
/// something a public form asks of a person or an organisation. Payment
/// cards and passwords are left out: no champ type should have the browser
/// fill them in. There is no token for an IBAN or a SIRET (the HTML
/// standard has none): such champs ask for `off` or nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Autocomplete {
    Off,
    On,
    Name,
    GivenName,
    FamilyName,
    Organization,
    OrganizationTitle,
    StreetAddress,
    #[serde(rename = "address-line1")]
    AddressLine1,
    #[serde(rename = "address-line2")]
    AddressLine2,
    #[serde(rename = "address-line3")]
    AddressLine3,
    #[serde(rename = "address-level1")]
    AddressLevel1,
    #[serde(rename = "address-level2")]
    AddressLevel2,
    PostalCode,
    Country,
    CountryName,
    Email,
    Tel,
    Url,
    Bday,
}

impl Autocomplete {
    /// The HTML attribute value.
    pub fn as_str(self) -> &'static str {
        match self {
            Autocomplete::Off => "off",
            Autocomplete::On => "on",
            Autocomplete::Name => "name",
            Autocomplete::GivenName => "given-name",
            Autocomplete::FamilyName => "family-name",
            Autocomplete::Organization => "organization",
            Autocomplete::OrganizationTitle => "organization-title",
            Autocomplete::StreetAddress => "street-address",
            Autocomplete::AddressLine1 => "address-line1",
            Autocomplete::AddressLine2 => "address-line2",
            Autocomplete::AddressLine3 => "address-line3",
            Autocomplete::AddressLevel1 => "address-level1",
            Autocomplete::AddressLevel2 => "address-level2",
            Autocomplete::PostalCode => "postal-code",
            Autocomplete::Country => "country",
            Autocomplete::CountryName => "country-name",
            Autocomplete::Email => "email",
            Autocomplete::Tel => "tel",
            Autocomplete::Url => "url",
            Autocomplete::Bday => "bday",
        }
    }
}

/// Longest hint under a label: DSFR hint texts are a line or two; anything
/// longer is the champ's description, which the administrateur writes.
pub const MAX_HINT_CHARS: usize = 160;

/// Longest confirmation label: one sentence next to a checkbox.
const MAX_CONFIRMATION_CHARS: usize = 200;

/// What a plugin asks for beyond computing (WIT 0.2.0 and later).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Capabilities {
    /// Origins it calls through `wasi:http`, as written (checked syntax:
    /// `scheme://host[:port]`, no path).
    pub http: Vec<String>,
    /// Secrets the host adds as headers to requests to their origin.
    pub secrets: Vec<SecretSpec>,
    /// Operator configuration keys it reads with `config::get`.
    pub config: Vec<ConfigSpec>,
}

/// A `[[secrets]]` entry: the host keeps the value (from the operator) and
/// adds `header: prefix + value` to every request sent to `origin`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecretSpec {
    pub name: String,
    pub origin: String,
    pub header: String,
    #[serde(default)]
    pub prefix: String,
}

/// A `[[config]]` entry.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigSpec {
    pub key: String,
    /// French, for the operator's documentation and the admin page.
    #[serde(default)]
    pub description: String,
    pub default: Option<String>,
}

/// Bounds on what a manifest may declare: a plugin needs a handful of each;
/// hundreds would only slow every call's policy checks.
const MAX_DECLARED_ORIGINS: usize = 16;
const MAX_DECLARED_SECRETS: usize = 16;
const MAX_DECLARED_CONFIG: usize = 64;
/// Config values and secrets are short strings (URLs, tokens, identifiers).
const MAX_CONFIG_VALUE_BYTES: usize = 4 * 1024;

/// The `[limits]` table. `None` means "the host's default".
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RequestedLimits {
    pub cpu: Option<Duration>,
    pub wall: Option<Duration>,
    pub memory_bytes: Option<usize>,
}

/// Bounds what a manifest may even write: larger values are typos or
/// attempts to reserve the machine, refused before the operator's ceiling is
/// consulted.
const MAX_DECLARED_MS: u64 = 60_000;
const MAX_DECLARED_MIB: u64 = 4_096;

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum ManifestError {
    #[error("plugin.toml is not valid: {0}")]
    Syntax(String),
    #[error("plugin id {0:?} must be 3 to 64 characters among a-z, 0-9 and '-', starting with a letter")]
    InvalidId(String),
    #[error("plugin version {0:?} is not a semver version (MAJOR.MINOR.PATCH)")]
    InvalidVersion(String),
    #[error("WIT version {0:?} is not supported by this host")]
    UnsupportedWit(String),
    #[error("unknown extension point {0:?} in provides")]
    UnknownExtensionPoint(String),
    #[error("provides must name at least one extension point")]
    NothingProvided,
    #[error("limits.{0} must be between 1 and {1}")]
    InvalidLimit(&'static str, u64),
    #[error("settings: {0}")]
    InvalidSettings(String),
    #[error("{0} needs {1} or later, the plugin targets {2}")]
    TooOldForExtensionPoint(ExtensionPoint, WitVersion, WitVersion),
    #[error("a plugin provides exactly one extension point, this one names {0}")]
    SeveralExtensionPoints(usize),
    #[error("capabilities: {0}")]
    InvalidCapabilities(String),
    #[error("confirmation: {0}")]
    InvalidConfirmation(String),
    #[error("input: {0}")]
    InvalidInput(String),
}

/// The file as written; unknown keys are refused so that a manifest written
/// for a newer host (say, declaring capabilities) fails loudly here instead of
/// having its requests silently ignored.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawManifest {
    id: String,
    version: String,
    wit: String,
    provides: Vec<String>,
    #[serde(default)]
    limits: RawLimits,
    #[serde(default)]
    settings: Vec<SettingSpec>,
    #[serde(default)]
    capabilities: RawCapabilities,
    #[serde(default)]
    secrets: Vec<SecretSpec>,
    #[serde(default)]
    config: Vec<ConfigSpec>,
    confirmation: Option<RawConfirmation>,
    input: Option<InputSpec>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfirmation {
    libelle: String,
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCapabilities {
    #[serde(default)]
    http: Vec<String>,
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawLimits {
    cpu_ms: Option<u64>,
    wall_ms: Option<u64>,
    memory_mib: Option<u64>,
}

impl RawLimits {
    fn check(self) -> Result<RequestedLimits, ManifestError> {
        let bounded = |value: Option<u64>, name: &'static str, max: u64| match value {
            Some(v) if v == 0 || v > max => Err(ManifestError::InvalidLimit(name, max)),
            other => Ok(other),
        };
        let cpu = bounded(self.cpu_ms, "cpu-ms", MAX_DECLARED_MS)?;
        let wall = bounded(self.wall_ms, "wall-ms", MAX_DECLARED_MS)?;
        let memory = bounded(self.memory_mib, "memory-mib", MAX_DECLARED_MIB)?;
        Ok(RequestedLimits {
            cpu: cpu.map(Duration::from_millis),
            wall: wall.map(Duration::from_millis),
            memory_bytes: memory.and_then(|mib| usize::try_from(mib * 1024 * 1024).ok()),
        })
    }
}

impl Manifest {
    pub fn parse(text: &str) -> Result<Self, ManifestError> {
        let raw: RawManifest =
            toml::from_str(text).map_err(|error| ManifestError::Syntax(error.message().to_owned()))?;
        if !is_plugin_id(&raw.id) {
            return Err(ManifestError::InvalidId(raw.id));
        }
        if !is_semver(&raw.version) {
            return Err(ManifestError::InvalidVersion(raw.version));
        }
        let wit = WitVersion::parse(&raw.wit)
            .filter(|wit| wit.is_supported())
            .ok_or(ManifestError::UnsupportedWit(raw.wit))?;
        let provides = raw
            .provides
            .iter()
            .map(|name| ExtensionPoint::parse(name).ok_or_else(|| ManifestError::UnknownExtensionPoint(name.clone())))
            .collect::<Result<Vec<_>, _>>()?;
        match provides.len() {
            0 => return Err(ManifestError::NothingProvided),
            1 => {}
            n => return Err(ManifestError::SeveralExtensionPoints(n)),
        }
        for point in &provides {
            if point.since() > wit {
                return Err(ManifestError::TooOldForExtensionPoint(*point, point.since(), wit));
            }
        }
        let limits = raw.limits.check()?;
        check_specs(&raw.settings).map_err(ManifestError::InvalidSettings)?;
        let capabilities = Capabilities { http: raw.capabilities.http, secrets: raw.secrets, config: raw.config };
        if wit < WitVersion::new(0, 2, 0) && capabilities != Capabilities::default() {
            return Err(ManifestError::InvalidCapabilities(format!(
                "{wit} has no host services: capabilities, secrets and config need guichet:plugin@0.2.0"
            )));
        }
        check_capabilities(&capabilities).map_err(ManifestError::InvalidCapabilities)?;
        let confirmation = match raw.confirmation {
            None => None,
            Some(_) if provides[0] != ExtensionPoint::TypeDeChamp => {
                return Err(ManifestError::InvalidConfirmation("only champ types ask the usager to confirm".into()));
            }
            Some(RawConfirmation { libelle }) => {
                let libelle = libelle.trim().to_owned();
                let n = libelle.chars().count();
                if n == 0 || n > MAX_CONFIRMATION_CHARS || libelle.chars().any(char::is_control) {
                    return Err(ManifestError::InvalidConfirmation(format!(
                        "libelle must be one line of 1 to {MAX_CONFIRMATION_CHARS} characters"
                    )));
                }
                Some(libelle)
            }
        };
        let input = match raw.input {
            Some(_) if provides[0] != ExtensionPoint::TypeDeChamp => {
                return Err(ManifestError::InvalidInput("only champ types have a form input".into()));
            }
            input => input.unwrap_or_default(),
        };
        if input.max_chars.is_some_and(|max| max == 0 || max > MAX_VALUE_BYTES) {
            return Err(ManifestError::InvalidInput(format!("max-chars must be between 1 and {MAX_VALUE_BYTES}")));
        }
        let mut input = input;
        if let Some(hint) = input.hint.take() {
            // A control character would break the line it is shown on, or
            // hide text from the administrateur reading the manifest.
            let hint = hint.trim().to_owned();
            let n = hint.chars().count();
            if n == 0 || n > MAX_HINT_CHARS || hint.chars().any(char::is_control) {
                return Err(ManifestError::InvalidInput(format!(
                    "hint must be one line of 1 to {MAX_HINT_CHARS} characters"
                )));
            }
            input.hint = Some(hint);
        }
        Ok(Self {
            id: raw.id,
            version: raw.version,
            wit,
            provides,
            limits,
            settings: raw.settings,
            capabilities,
            confirmation,
            input,
        })
    }

    /// The one extension point the plugin provides.
    pub fn extension_point(&self) -> ExtensionPoint {
        self.provides.first().copied().unwrap_or(ExtensionPoint::TypeDeChamp)
    }
}

/// `scheme://host[:port]` and nothing else: the allow-list compares whole
/// origins, so a path or a wildcard here would be a promise it cannot keep.
pub fn check_origin(origin: &str) -> Result<(), &'static str> {
    let url = url::Url::parse(origin).map_err(|_| "not a URL")?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err("the scheme must be http or https");
    }
    if url.host_str().is_none_or(|host| host.contains('*')) {
        return Err("a host name is required, without wildcards");
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("no credentials in an origin");
    }
    if url.path() != "/" || url.query().is_some() || url.fragment().is_some() || origin.ends_with('/') {
        return Err("an origin has no path, query or fragment");
    }
    Ok(())
}

fn check_capabilities(capabilities: &Capabilities) -> Result<(), String> {
    if capabilities.http.len() > MAX_DECLARED_ORIGINS {
        return Err(format!("at most {MAX_DECLARED_ORIGINS} http origins"));
    }
    if capabilities.secrets.len() > MAX_DECLARED_SECRETS {
        return Err(format!("at most {MAX_DECLARED_SECRETS} secrets"));
    }
    if capabilities.config.len() > MAX_DECLARED_CONFIG {
        return Err(format!("at most {MAX_DECLARED_CONFIG} config keys"));
    }
    for origin in &capabilities.http {
        check_origin(origin).map_err(|error| format!("http origin {origin:?}: {error}"))?;
    }
    let mut names = std::collections::BTreeSet::new();
    for secret in &capabilities.secrets {
        if !is_plugin_id(&secret.name) {
            return Err(format!("secret name {:?} must be a slug like a plugin id", secret.name));
        }
        if !names.insert(secret.name.as_str()) {
            return Err(format!("secret {:?} declared twice", secret.name));
        }
        if !capabilities.http.contains(&secret.origin) {
            return Err(format!(
                "secret {:?} is for {:?}, which is not among the http origins asked for",
                secret.name, secret.origin
            ));
        }
        if http::HeaderName::from_bytes(secret.header.as_bytes()).is_err() {
            return Err(format!("secret {:?}: {:?} is not a header name", secret.name, secret.header));
        }
        if secret.prefix.len() > MAX_CONFIG_VALUE_BYTES || http::HeaderValue::from_str(&secret.prefix).is_err() {
            return Err(format!("secret {:?}: prefix is not a header value", secret.name));
        }
    }
    let mut keys = std::collections::BTreeSet::new();
    for entry in &capabilities.config {
        if !is_plugin_id(&entry.key) {
            return Err(format!("config key {:?} must be a slug like a plugin id", entry.key));
        }
        if !keys.insert(entry.key.as_str()) {
            return Err(format!("config key {:?} declared twice", entry.key));
        }
        if entry.default.as_ref().is_some_and(|value| value.len() > MAX_CONFIG_VALUE_BYTES) {
            return Err(format!("config key {:?}: default longer than {MAX_CONFIG_VALUE_BYTES} bytes", entry.key));
        }
    }
    Ok(())
}

/// `MAJOR.MINOR.PATCH` with optional `-pre.release` and `+build` suffixes.
fn is_semver(version: &str) -> bool {
    if version.len() > MAX_VERSION_LEN {
        return false;
    }
    let (rest, build) = match version.split_once('+') {
        Some((rest, build)) => (rest, Some(build)),
        None => (version, None),
    };
    let (core, pre) = match rest.split_once('-') {
        Some((core, pre)) => (core, Some(pre)),
        None => (rest, None),
    };
    let identifiers_ok = |s: &str| {
        s.split('.').all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
    };
    parse_numeric_triple(core).is_some() && pre.is_none_or(identifiers_ok) && build.is_none_or(identifiers_ok)
}

/// `1.2.3` without leading zeros, as semver requires.
fn parse_numeric_triple(text: &str) -> Option<[u32; 3]> {
    let mut parts = text.split('.');
    let mut numbers = [0; 3];
    for number in &mut numbers {
        let part = parts.next()?;
        let well_formed =
            !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()) && (part == "0" || !part.starts_with('0'));
        if !well_formed {
            return None;
        }
        *number = part.parse().ok()?;
    }
    parts.next().is_none().then_some(numbers)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SIRET: &str = r#"
        id = "siret"
        version = "1.0.0"
        wit = "guichet:plugin@0.1.0"
        provides = ["type-de-champ"]
    "#;

    #[test]
    fn parses_a_valid_manifest() {
        assert_eq!(
            Manifest::parse(SIRET),
            Ok(Manifest {
                id: "siret".to_owned(),
                version: "1.0.0".to_owned(),
                wit: WitVersion::new(0, 1, 0),
                provides: vec![ExtensionPoint::TypeDeChamp],
                limits: RequestedLimits::default(),
                settings: vec![],
                capabilities: Capabilities::default(),
                confirmation: None,
                input: InputSpec::default(),
            })
        );
    }

    #[test]
    fn a_champ_type_declares_its_form_input() {
        let with = |table: &str| Manifest::parse(&format!("{SIRET}\n[input]\n{table}"));
        let map = with(r#"widget = "map""#).unwrap().input;
        assert_eq!(map, InputSpec { widget: Widget::Map, ..InputSpec::default() });
        let digits = with(r#"inputmode = "numeric""#).unwrap().input;
        assert_eq!(
            digits,
            InputSpec { widget: Widget::Text, inputmode: Some(InputMode::Numeric), ..InputSpec::default() }
        );
        assert_eq!(with("max-chars = 65536").unwrap().input.max_chars, Some(65_536));
        for bad in ["max-chars = 0", "max-chars = 65537"] {
            assert!(matches!(with(bad), Err(ManifestError::InvalidInput(_))), "{bad}");
        }
        for bad in [r#"widget = "globe""#, r#"inputmode = "none""#, r#"couleur = "bleu""#] {
            assert!(matches!(with(bad), Err(ManifestError::Syntax(_))), "{bad}");
        }
        let routage = "id = \"routage\"\nversion = \"1.0.0\"\nwit = \"guichet:plugin@0.2.0\"\nprovides = [\"routage\"]\n[input]\nwidget = \"map\"";
        assert!(matches!(Manifest::parse(routage), Err(ManifestError::InvalidInput(_))));
    }

    #[test]
    fn a_hint_is_one_short_line_for_usagers() {
        let with = |table: &str| Manifest::parse(&format!("{SIRET}\n[input]\n{table}"));
        let hint = with(r#"hint = " 14 chiffres, par exemple 732 829 320 00074 ""#).unwrap().input.hint;
        assert_eq!(hint.as_deref(), Some("14 chiffres, par exemple 732 829 320 00074"));
        let longest = format!("hint = \"{}\"", "é".repeat(MAX_HINT_CHARS));
        assert_eq!(with(&longest).unwrap().input.hint.map(|h| h.chars().count()), Some(MAX_HINT_CHARS));
        let too_long = format!("hint = \"{}\"", "é".repeat(MAX_HINT_CHARS + 1));
        for bad in [
            r#"hint = """#,
            r#"hint = "   ""#,
            r#"hint = "deux\nlignes""#,
            r#"hint = "a\tb""#,
            r#"hint = "\u001b[31m""#,
            &too_long,
        ] {
            assert!(matches!(with(bad), Err(ManifestError::InvalidInput(_))), "{bad}");
        }
        assert!(matches!(with("hint = 14"), Err(ManifestError::Syntax(_))));
    }

    #[test]
    fn autocomplete_takes_html_tokens_from_an_allow_list() {
        let with = |table: &str| Manifest::parse(&format!("{SIRET}\n[input]\n{table}"));
        for (token, expected) in [
            ("off", Autocomplete::Off),
            ("organization", Autocomplete::Organization),
            ("street-address", Autocomplete::StreetAddress),
            ("address-line1", Autocomplete::AddressLine1),
            ("address-level2", Autocomplete::AddressLevel2),
            ("postal-code", Autocomplete::PostalCode),
        ] {
            let input = with(&format!("autocomplete = \"{token}\"")).unwrap().input;
            assert_eq!(input.autocomplete, Some(expected), "{token}");
            assert_eq!(expected.as_str(), token);
        }
        // Not tokens, or tokens no champ type should have filled in.
        for bad in ["iban", "siret", "cc-number", "current-password", "Organization", "off on", "", "on\n"] {
            let text = format!("autocomplete = {bad:?}");
            assert!(matches!(with(&text), Err(ManifestError::Syntax(_))), "{bad}");
        }
    }

    #[test]
    fn every_autocomplete_token_reads_back_as_written() {
        // as_str and serde's names are written twice: they must agree.
        let all = [
            Autocomplete::Off,
            Autocomplete::On,
            Autocomplete::Name,
            Autocomplete::GivenName,
            Autocomplete::FamilyName,
            Autocomplete::Organization,
            Autocomplete::OrganizationTitle,
            Autocomplete::StreetAddress,
            Autocomplete::AddressLine1,
            Autocomplete::AddressLine2,
            Autocomplete::AddressLine3,
            Autocomplete::AddressLevel1,
            Autocomplete::AddressLevel2,
            Autocomplete::PostalCode,
            Autocomplete::Country,
            Autocomplete::CountryName,
            Autocomplete::Email,
            Autocomplete::Tel,
            Autocomplete::Url,
            Autocomplete::Bday,
        ];
        for token in all {
            let text = format!("{SIRET}\n[input]\nautocomplete = \"{}\"", token.as_str());
            assert_eq!(Manifest::parse(&text).map(|m| m.input.autocomplete), Ok(Some(token)), "{}", token.as_str());
        }
    }

    #[test]
    fn a_confirmation_is_one_short_line_for_champ_types_only() {
        let with = |table: &str| Manifest::parse(&format!("{SIRET}\n[confirmation]\n{table}"));
        assert_eq!(
            with(r#"libelle = " Je confirme cet établissement. ""#).unwrap().confirmation.as_deref(),
            Some("Je confirme cet établissement.")
        );
        for bad in [r#"libelle = """#, r#"libelle = "a\nb""#, &format!("libelle = \"{}\"", "x".repeat(201))] {
            assert!(matches!(with(bad), Err(ManifestError::InvalidConfirmation(_))), "{bad}");
        }
        assert!(matches!(with("texte = \"x\""), Err(ManifestError::Syntax(_))));
        let routage = "id = \"routage\"\nversion = \"1.0.0\"\nwit = \"guichet:plugin@0.2.0\"\nprovides = [\"routage\"]\n[confirmation]\nlibelle = \"x\"";
        assert!(matches!(Manifest::parse(routage), Err(ManifestError::InvalidConfirmation(_))));
    }

    #[test]
    fn limits_are_optional_bounded_and_strict() {
        let with = |table: &str| Manifest::parse(&format!("{SIRET}\n[limits]\n{table}"));
        let m = with("cpu-ms = 500\nmemory-mib = 64").unwrap();
        assert_eq!(
            m.limits,
            RequestedLimits { cpu: Some(Duration::from_millis(500)), wall: None, memory_bytes: Some(64 * 1024 * 1024) }
        );
        assert_eq!(with("cpu-ms = 0"), Err(ManifestError::InvalidLimit("cpu-ms", MAX_DECLARED_MS)));
        assert_eq!(with("memory-mib = 100000"), Err(ManifestError::InvalidLimit("memory-mib", MAX_DECLARED_MIB)));
        assert!(matches!(with("fuel = 3"), Err(ManifestError::Syntax(_))), "unknown limits are refused");
    }

    #[test]
    fn refuses_unknown_wit_versions() {
        for wit in [
            "guichet:plugin@0.3.0",
            "guichet:plugin@0.2.2",
            "guichet:plugin@0.1.1",
            "guichet:plugin@1.0.0",
            "guichet:plugin@0.1.0-rc1",
            "guichet:plugin",
            "demarches:champ-type@0.1.0",
            "0.1.0",
        ] {
            let text = SIRET.replace("guichet:plugin@0.1.0", wit);
            assert_eq!(Manifest::parse(&text), Err(ManifestError::UnsupportedWit(wit.to_owned())), "{wit}");
        }
    }

    #[test]
    fn version_compatibility_follows_semver_tracks() {
        let host = WitVersion::new(0, 3, 2);
        assert!(host.can_host(WitVersion::new(0, 3, 0)));
        assert!(host.can_host(WitVersion::new(0, 3, 2)));
        assert!(!host.can_host(WitVersion::new(0, 3, 3)));
        assert!(!host.can_host(WitVersion::new(0, 2, 0)));
        let host = WitVersion::new(2, 4, 0);
        assert!(host.can_host(WitVersion::new(2, 0, 7)));
        assert!(!host.can_host(WitVersion::new(2, 5, 0)));
        assert!(!host.can_host(WitVersion::new(1, 9, 0)));
        assert_eq!(WitVersion::parse("guichet:plugin@0.1.0"), Some(WitVersion::new(0, 1, 0)));
        assert_eq!(WitVersion::new(0, 1, 0).to_string(), "guichet:plugin@0.1.0");
    }

    #[test]
    fn refuses_ids_that_are_not_slugs() {
        for id in ["", "ab", "Siret", "../etc", "siret.v2", "1siret", "si ret", &"a".repeat(65)] {
            let text = SIRET.replace("\"siret\"", &format!("{id:?}"));
            assert_eq!(Manifest::parse(&text), Err(ManifestError::InvalidId(id.to_owned())), "{id}");
        }
        assert!(is_plugin_id("siret-insee-2"));
    }

    #[test]
    fn requires_a_semver_plugin_version() {
        for version in ["1.0", "01.0.0", "1.0.0.0", "v1.0.0", "1.0.0-", "1.0.0+"] {
            let text = SIRET.replace("\"1.0.0\"", &format!("{version:?}"));
            assert_eq!(Manifest::parse(&text), Err(ManifestError::InvalidVersion(version.to_owned())), "{version}");
        }
        assert!(is_semver("1.0.0-rc.1+build.5"));
    }

    #[test]
    fn refuses_unknown_keys_and_extension_points() {
        let text = format!("{SIRET}\nsecret = true\n");
        assert!(matches!(
            Manifest::parse(&text),
            Err(ManifestError::Syntax(message)) if message.contains("secret")
        ));
        let text = SIRET.replace("[\"type-de-champ\"]", "[\"webhook\"]");
        assert_eq!(Manifest::parse(&text), Err(ManifestError::UnknownExtensionPoint("webhook".to_owned())));
        let text = SIRET.replace("[\"type-de-champ\"]", "[]");
        assert_eq!(Manifest::parse(&text), Err(ManifestError::NothingProvided));
    }
}
