//! Write guichet plugins in Rust without touching wit-bindgen.
//!
//! The SDK builds the worlds of `guichet:plugin@0.2.1`
//! (`wit/guichet-plugin@0.2.1/` at the root of the repository), one per
//! extension point. A plugin implements one trait and exports it once:
//!
//! | extension point | trait | export macro | host services it may use |
//! |---|---|---|---|
//! | champ type | [`TypeDeChamp`] | [`export_type_de_champ!`] | [`config`], [`secrets`], [`cache`], [`http`] |
//! | routage | [`Routage`] | [`export_routage!`] | [`config`] |
//! | attestation | [`Attestation`] | [`export_attestation!`] | [`config`], [`document`] |
//! | rendez-vous | [`RendezVous`] | [`export_rendez_vous!`] | [`config`], [`secrets`], [`cache`], [`http`] |
//!
//! Every one may log ([`info!`] and the others). Calling a service the
//! world does not import makes the component import it, and the host then
//! refuses to load the plugin.
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
//! Everything here compiles natively too, so a plugin's rules and its trait
//! implementation are tested with a plain `cargo test --lib`; only `wasm32`
//! builds talk to the host. Natively the host services are test doubles the
//! tests fill through [`testing`].
//!
//! **Never log the values usagers type**, nor anything derived from them
//! (they are personal data): log what the plugin does, not what it was given.

mod attestation;
#[doc(hidden)]
pub mod bindings;
pub mod cache;
pub mod config;
mod description;
pub mod document;
mod donnees;
mod dossier;
mod error;
mod glue;
pub mod http;
mod logging;
mod options;
mod rendez_vous;
mod routage;
pub mod secrets;
#[cfg(not(target_arch = "wasm32"))]
pub mod testing;
mod type_de_champ;

pub use attestation::{Attestation, Fichier, Template};
pub use description::{Capability, DEFAULT_OPTIONS_SCHEMA, Description};
pub use donnees::Donnees;
pub use dossier::{Champ, Dossier};
pub use error::{FieldError, PluginError};
pub use logging::{Level, log};
pub use options::{Options, Value};
pub use rendez_vous::{EtatRendezVous, Instructeur, Modalite, Proposition, RendezVous, RendezVousPris, Usager};
pub use routage::{Decision, Groupe, Routage};
pub use type_de_champ::{Enrichment, ExportColumn, Suggestion, TypeDeChamp, Validation};

/// Exports a [`TypeDeChamp`] implementation as the plugin's champ type
/// (world `type-de-champ-plugin`). Call it exactly once per plugin crate, at
/// the top level of its `lib.rs`:
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
            use ::core::option::Option;
            use ::core::result::Result;
            use ::std::string::String;
            use ::std::vec::Vec;
            use $crate::__private::type_de_champ as glue;
            use $crate::__private::wit::{FieldError, Json, PluginError};

            struct __GuichetTypeDeChamp;

            impl glue::Guest for __GuichetTypeDeChamp {
                fn describe() -> $crate::__private::wit::type_de_champ::Description {
                    glue::describe::<$ty>()
                }

                fn validate(
                    value: String,
                    options: Json,
                ) -> Result<$crate::__private::wit::type_de_champ::Validation, PluginError> {
                    glue::validate::<$ty>(value, options)
                }

                fn suggest(
                    query: String,
                    options: Json,
                    limit: u32,
                ) -> Result<Vec<$crate::__private::wit::type_de_champ::Suggestion>, PluginError> {
                    glue::suggest::<$ty>(query, options, limit)
                }

                fn enrich(
                    value: String,
                    options: Json,
                ) -> Result<Result<$crate::__private::wit::type_de_champ::Enrichment, Vec<FieldError>>, PluginError>
                {
                    glue::enrich::<$ty>(value, options)
                }

                fn display(value: String, donnees: Option<Json>, options: Json) -> Result<String, PluginError> {
                    glue::display::<$ty>(value, donnees, options)
                }

                fn search_text(value: String, donnees: Option<Json>, options: Json) -> Result<String, PluginError> {
                    glue::search_text::<$ty>(value, donnees, options)
                }

                fn export_columns(
                    options: Json,
                ) -> Result<Vec<$crate::__private::wit::type_de_champ::ExportColumn>, PluginError> {
                    glue::export_columns::<$ty>(options)
                }

                fn export_values(
                    value: String,
                    donnees: Option<Json>,
                    options: Json,
                ) -> Result<Vec<String>, PluginError> {
                    glue::export_values::<$ty>(value, donnees, options)
                }
            }

            $crate::__private::bindings::type_de_champ::export! {
                __GuichetTypeDeChamp with_types_in $crate::__private::bindings::type_de_champ
            }
        };
    };
}

/// Exports a [`Routage`] implementation (world `routage-plugin`). Once per
/// plugin crate, like [`export_type_de_champ!`].
#[macro_export]
macro_rules! export_routage {
    ($ty:ty) => {
        const _: () = {
            use $crate::__private::routage as glue;
            use $crate::__private::wit::{Dossier, Json, PluginError};

            struct __GuichetRoutage;

            impl glue::Guest for __GuichetRoutage {
                fn describe() -> $crate::__private::wit::routage::Description {
                    glue::describe::<$ty>()
                }

                fn route(
                    dossier: Dossier,
                    groupes: ::std::vec::Vec<$crate::__private::wit::routage::Groupe>,
                    options: Json,
                ) -> ::core::result::Result<$crate::__private::wit::routage::Decision, PluginError> {
                    glue::route::<$ty>(dossier, groupes, options)
                }
            }

            $crate::__private::bindings::routage::export! {
                __GuichetRoutage with_types_in $crate::__private::bindings::routage
            }
        };
    };
}

/// Exports an [`Attestation`] implementation (world `attestation-plugin`).
/// Once per plugin crate, like [`export_type_de_champ!`].
#[macro_export]
macro_rules! export_attestation {
    ($ty:ty) => {
        const _: () = {
            use $crate::__private::attestation as glue;
            use $crate::__private::wit::{Dossier, Json, PluginError};

            struct __GuichetAttestation;

            impl glue::Guest for __GuichetAttestation {
                fn describe() -> $crate::__private::wit::attestation::Description {
                    glue::describe::<$ty>()
                }

                fn render(
                    dossier: Dossier,
                    template: $crate::__private::wit::attestation::Template,
                    verification_url: ::std::string::String,
                    options: Json,
                ) -> ::core::result::Result<$crate::__private::wit::attestation::AttestationDocument, PluginError>
                {
                    glue::render::<$ty>(dossier, template, verification_url, options)
                }
            }

            $crate::__private::bindings::attestation::export! {
                __GuichetAttestation with_types_in $crate::__private::bindings::attestation
            }
        };
    };
}

/// Exports a [`RendezVous`] implementation (world `rendez-vous-plugin`).
/// Once per plugin crate, like [`export_type_de_champ!`].
#[macro_export]
macro_rules! export_rendez_vous {
    ($ty:ty) => {
        const _: () = {
            use $crate::__private::rendez_vous as glue;
            use $crate::__private::wit::rendez_vous as wit;
            use $crate::__private::wit::{Dossier, Json, PluginError};

            struct __GuichetRendezVous;

            impl glue::Guest for __GuichetRendezVous {
                fn describe() -> wit::Description {
                    glue::describe::<$ty>()
                }

                fn propose(
                    dossier: Dossier,
                    instructeur: wit::Instructeur,
                    usager: wit::Usager,
                    url_dossier: ::std::string::String,
                    url_retour: ::std::string::String,
                    options: Json,
                ) -> ::core::result::Result<wit::Proposition, PluginError> {
                    glue::propose::<$ty>(dossier, instructeur, usager, url_dossier, url_retour, options)
                }

                fn list_rendez_vous(
                    reference: ::std::string::String,
                    options: Json,
                ) -> ::core::result::Result<::std::vec::Vec<wit::RendezVous>, PluginError> {
                    glue::list_rendez_vous::<$ty>(reference, options)
                }
            }

            $crate::__private::bindings::rendez_vous::export! {
                __GuichetRendezVous with_types_in $crate::__private::bindings::rendez_vous
            }
        };
    };
}

/// Used by the SDK's macros only; not part of the public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::bindings;
    pub use crate::glue::{attestation, rendez_vous, routage, type_de_champ};
    pub use crate::logging::log_fmt;

    /// The generated types the export macros name.
    pub mod wit {
        pub use crate::bindings::attestation::exports::guichet::plugin::attestation;
        pub use crate::bindings::rendez_vous::exports::guichet::plugin::rendez_vous;
        pub use crate::bindings::routage::exports::guichet::plugin::routage;
        pub use crate::bindings::type_de_champ::exports::guichet::plugin::type_de_champ;
        pub use crate::bindings::type_de_champ::guichet::plugin::types::{Dossier, FieldError, Json, PluginError};
    }
}

#[cfg(test)]
mod tests;
