//! Pure product rules: démarches, types de champ, dossiers and their states.
//!
//! Invariant: nothing here does I/O or knows about axum, sqlx, wasmtime or
//! tokio. Every function is deterministic and unit-tested next to its code.

pub mod attestation;
/// Types de champ and their values: the form engine, its own pure crate.
pub use guichet_form::champ;
pub use guichet_form::regle;
pub use guichet_form::territoire;
pub mod compte;
pub mod demarche;
pub mod dossier;
pub mod geometrie;
pub mod groupe;
pub mod heure;
pub mod ids;
pub mod limite;
pub mod revision;
pub mod validation;

pub use champ::{TypeChamp, TypeDeChamp};
pub use dossier::{ActionDossier, EtatDossier, TransitionError};
pub use ids::*;
pub use validation::{ErreurChamp, Erreurs};
