//! The form engine of guichet: what a démarche can ask (the catalogue of
//! types de champ and their options), how an answer is checked and stored,
//! and how it reads back.
//!
//! Invariant: pure. Nothing here does I/O, knows about HTTP, SQL or
//! WebAssembly, or blocks; every input an usager or an administrateur can
//! send is bounded, and no input panics (property tests say so).

use serde::{Deserialize, Serialize};
use std::fmt;

pub mod champ;
pub mod regle;
pub mod territoire;

pub use champ::{TypeChamp, TypeDeChamp};

/// A type de champ's identity across revisions of a démarche: dossiers'
/// values are keyed by it so a dossier can move to a newer revision.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct StableId(pub i64);

impl fmt::Display for StableId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}
