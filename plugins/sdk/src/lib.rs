//! Write guichet plugins in Rust without touching wit-bindgen.
//!
//! A champ type (form field type) is a type implementing [`TypeDeChamp`],
//! exported once with [`export_type_de_champ!`]:
//!
//! ```
//! use guichet_plugin_sdk::{Description, Options, PluginError, TypeDeChamp, Validation};
//!
//! struct CodePostal;
//!
//! impl TypeDeChamp for CodePostal {
//!     fn describe() -> Description {
//!         guichet_plugin_sdk::description!(
//!             "code-postal",
//!             "Code postal",
//!             "Code postal français à 5 chiffres."
//!         )
//!     }
//!
//!     fn validate(value: &str, _options: &Options) -> Result<Validation, PluginError> {
//!         let code: String = value.chars().filter(|c| !c.is_whitespace()).collect();
//!         if code.len() == 5 && code.bytes().all(|b| b.is_ascii_digit()) {
//!             Ok(Validation::valid(code))
//!         } else {
//!             Ok(Validation::invalid("format", "Le code postal doit comporter 5 chiffres"))
//!         }
//!     }
//! }
//!
//! guichet_plugin_sdk::export_type_de_champ!(CodePostal);
//! ```
//!
//! The crate builds the world `type-de-champ-plugin` of
//! `guichet:plugin@0.1.0` (`wit/guichet-plugin@0.1.0/` at the root of the
//! repository). Everything here compiles natively too, so a plugin's rules
//! and its [`TypeDeChamp`] implementation are tested with a plain
//! `cargo test --lib`; only `wasm32` builds talk to the host.
//!
//! **Never log the values usagers type**, nor anything derived from them
//! (they are personal data): log what the plugin does, not what it was given.
//! See [`info!`] and the other logging macros.

mod logging;
mod options;

pub use logging::{Level, log};
pub use options::{Options, Value};

use std::fmt;

/// A champ type implemented by a plugin.
///
/// Both functions are called on a fresh instance each time: keep no state
/// between calls, and give the same answer to the same arguments (the host
/// may cache answers).
pub trait TypeDeChamp {
    /// What the form editor shows about this champ type. Called once when
    /// the host loads the plugin; `id` and `version` must equal the ones of
    /// the plugin's `plugin.toml`. Build it with [`description!`], which
    /// takes the version from the plugin's `Cargo.toml`.
    fn describe() -> Description;

    /// Checks and normalizes what an usager typed into the champ (at most
    /// 64 KiB).
    ///
    /// A usager mistake is `Ok(Validation::Invalid(..))`, with a stable
    /// kebab-case code and a French message. `Err(..)` is for what is not the
    /// usager's fault: the usager is then told that the check is momentarily
    /// unavailable and keeps what they typed.
    fn validate(value: &str, options: &Options) -> Result<Validation, PluginError>;
}

/// What the form editor shows about a champ type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Description {
    /// Stable identifier, `[a-z][a-z0-9-]{2,63}`, equal to the `id` of the
    /// plugin's `plugin.toml`.
    pub id: String,
    /// Short French label shown in the form editor (for example
    /// "Numéro SIRET").
    pub libelle: String,
    /// One or two French sentences telling the administrateur what the champ
    /// checks.
    pub description: String,
    /// The plugin's semver version, equal to the `version` of its
    /// `plugin.toml`.
    pub version: String,
}

impl Description {
    pub fn new(
        id: impl Into<String>,
        libelle: impl Into<String>,
        description: impl Into<String>,
        version: impl Into<String>,
    ) -> Self {
        Description { id: id.into(), libelle: libelle.into(), description: description.into(), version: version.into() }
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
    /// A service the plugin depends on did not answer. Transient.
    UpstreamUnavailable(String),
    /// The champ options set by the administrateur are unusable.
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

/// Exports a [`TypeDeChamp`] implementation as the plugin's champ type. Call
/// it exactly once per plugin crate, at the top level of its `lib.rs`:
///
/// ```ignore
/// guichet_plugin_sdk::export_type_de_champ!(MyType);
/// ```
///
/// The plugin crate does not need wit-bindgen itself. Build it with
/// `crate-type = ["cdylib"]` for `--target wasm32-wasip2`, which produces the
/// component; `cargo test --lib` still runs its tests natively. Do not add
/// `"rlib"`: with two crate types rustc silently skips LTO
/// (rust-lang/rust#51009) and the component grows by about a fifth.
///
/// Natively, only linking the cdylib fails (the export names hold `:` and
/// `#`); `cargo test --lib` and `cargo check` work.
#[macro_export]
macro_rules! export_type_de_champ {
    ($ty:ty) => {
        // The canonical ABI entry points this expands to are unsafe by
        // nature, but they are spanned in the SDK's macros, and rustc does
        // not apply the plugin crate's `unsafe_code` lint to code from
        // another crate's macros: the plugin may deny or even forbid it.
        // (An `#[allow(unsafe_code)]` here would break `forbid`.)
        const _: () = {
            struct __GuichetTypeDeChamp;

            impl $crate::__private::Guest for __GuichetTypeDeChamp {
                fn describe() -> $crate::__private::wit::Description {
                    $crate::__private::describe::<$ty>()
                }

                fn validate(
                    value: ::std::string::String,
                    options: ::std::string::String,
                ) -> ::core::result::Result<$crate::__private::wit::Validation, $crate::__private::wit::PluginError>
                {
                    $crate::__private::validate::<$ty>(value, options)
                }
            }

            $crate::__private::bindings::export! {
                __GuichetTypeDeChamp with_types_in $crate::__private::bindings
            }
        };
    };
}

/// Used by the SDK's macros only; not part of the public API.
#[doc(hidden)]
pub mod __private {
    // The canonical ABI glue is unsafe by nature; keeping it in its own
    // module lets the rest of the SDK stay under `unsafe_code = "deny"`.
    #[allow(unsafe_code, reason = "code generated by wit-bindgen")]
    pub mod bindings {
        wit_bindgen::generate!({
            world: "type-de-champ-plugin",
            path: "../../wit/guichet-plugin@0.1.0",
            // The plugin crate expands `export!` (through
            // `export_type_de_champ!`), so the macro must be public, and it
            // finds the generated types here.
            pub_export_macro: true,
            default_bindings_module: "$crate::__private::bindings",
        });
    }

    pub use bindings::exports::guichet::plugin::type_de_champ as wit;
    pub use wit::Guest;

    pub use crate::logging::log_fmt;

    use crate::{Description, FieldError, Options, PluginError, TypeDeChamp, Validation};

    pub fn describe<T: TypeDeChamp + ?Sized>() -> wit::Description {
        let Description { id, libelle, description, version } = T::describe();
        wit::Description { id, libelle, description, version }
    }

    pub fn validate<T: TypeDeChamp + ?Sized>(
        value: String,
        options: String,
    ) -> Result<wit::Validation, wit::PluginError> {
        let options = Options::new(options);
        match T::validate(&value, &options) {
            Ok(Validation::Valid(normalized)) => Ok(wit::Validation::Valid(normalized)),
            Ok(Validation::Invalid(errors)) => Ok(wit::Validation::Invalid(
                errors.into_iter().map(|FieldError { code, message }| wit::FieldError { code, message }).collect(),
            )),
            Err(error) => Err(match error {
                PluginError::InvalidInput(reason) => wit::PluginError::InvalidInput(reason),
                PluginError::UpstreamUnavailable(reason) => wit::PluginError::UpstreamUnavailable(reason),
                PluginError::Misconfigured(reason) => wit::PluginError::Misconfigured(reason),
                PluginError::Internal(reason) => wit::PluginError::Internal(reason),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Majuscules;

    impl TypeDeChamp for Majuscules {
        fn describe() -> Description {
            description!("majuscules", "Majuscules", "Met la valeur en majuscules.")
        }

        fn validate(value: &str, options: &Options) -> Result<Validation, PluginError> {
            match options.get_str("mode")? {
                Some("panne") => Err(PluginError::upstream_unavailable("annuaire down")),
                Some(other) if other != "strict" => Err(PluginError::misconfigured("unknown mode")),
                _ if value.is_empty() => Ok(Validation::Invalid(vec![
                    FieldError::new("vide", "La valeur est vide"),
                    FieldError::new("requis", "La valeur est requise"),
                ])),
                _ => Ok(Validation::valid(value.to_uppercase())),
            }
        }
    }

    #[test]
    fn description_takes_the_callers_version() {
        let description = Majuscules::describe();
        assert_eq!(
            description,
            Description::new("majuscules", "Majuscules", "Met la valeur en majuscules.", env!("CARGO_PKG_VERSION"))
        );
    }

    #[test]
    fn constructors_build_the_variants() {
        assert_eq!(Validation::valid("A"), Validation::Valid("A".to_owned()));
        assert_eq!(
            Validation::invalid("format", "Mauvais format"),
            Validation::Invalid(vec![FieldError { code: "format".to_owned(), message: "Mauvais format".to_owned() }])
        );
        assert!(Validation::valid("").is_valid());
        assert!(!Validation::invalid("a", "b").is_valid());
        assert_eq!(PluginError::internal("bug"), PluginError::Internal("bug".to_owned()));
        assert_eq!(PluginError::invalid_input("x").reason(), "x");
        assert_eq!(PluginError::misconfigured("no key").to_string(), "misconfigured: no key");
    }

    #[test]
    fn the_adapter_maps_every_answer() {
        let validate = |value: &str, options: &str| __private::validate::<Majuscules>(value.into(), options.into());
        assert!(matches!(validate("abc", "{}"), Ok(__private::wit::Validation::Valid(v)) if v == "ABC"));
        match validate("", "{}") {
            Ok(__private::wit::Validation::Invalid(errors)) => {
                let codes: Vec<_> = errors.iter().map(|e| e.code.as_str()).collect();
                assert_eq!(codes, ["vide", "requis"]);
            }
            other => panic!("unexpected {other:?}"),
        }
        assert!(matches!(
            validate("a", r#"{"mode":"panne"}"#),
            Err(__private::wit::PluginError::UpstreamUnavailable(_))
        ));
        assert!(matches!(validate("a", r#"{"mode":"autre"}"#), Err(__private::wit::PluginError::Misconfigured(_))));
        assert!(matches!(validate("a", r#"{"mode":1}"#), Err(__private::wit::PluginError::Misconfigured(_))));
        assert!(matches!(validate("a", "[]"), Err(__private::wit::PluginError::InvalidInput(_))));

        let described = __private::describe::<Majuscules>();
        assert_eq!((described.id.as_str(), described.version.as_str()), ("majuscules", env!("CARGO_PKG_VERSION")));
    }
}
