//! Typed identifiers, so a `DossierId` can never be passed where a
//! `DemarcheId` is expected.

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! id_type {
    ($($name:ident),* $(,)?) => {$(
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    )*};
}

id_type!(CompteId, AdministrateurId, InstructeurId, DemarcheId, RevisionId, GroupeInstructeurId, DossierId,);

/// The identifier of a type de champ that survives every revision; it lives
/// with the form engine.
pub use guichet_form::StableId;
