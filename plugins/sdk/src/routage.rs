//! The routage extension point (world `routage-plugin`): which groupe
//! instructeur receives a dossier when it is déposé.

use crate::{Description, Dossier, Options, PluginError};

/// A routing rule. Pure: no network, no cache; the same arguments give the
/// same decision, so an instructeur asking why a dossier went where it went
/// gets the same answer. When the plugin fails the host sends the dossier to
/// the démarche's default groupe and records why.
pub trait Routage {
    /// `id`, `version`, labels and the options schema (the other fields of
    /// [`Description`] are ignored).
    fn describe() -> Description;

    /// Picks a groupe for `dossier` among `groupes` (never empty), with the
    /// démarche's `options`. The SDK refuses (as an internal error) a groupe
    /// that is not among `groupes`.
    fn route(dossier: &Dossier, groupes: &[Groupe], options: &Options) -> Result<Decision, PluginError>;
}

/// A groupe instructeur of the démarche.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Groupe {
    pub id: u64,
    pub libelle: String,
}

/// Where the dossier goes, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
#[must_use]
pub struct Decision {
    /// One of the groupes given, or `None` for the démarche's default groupe.
    pub groupe: Option<u64>,
    /// French sentence recorded with the dossier and shown to instructeurs
    /// (for example « Département 69 (Rhône) → Groupe Lyon »).
    pub explication: String,
}

impl Decision {
    /// Sends the dossier to `groupe`.
    pub fn groupe(groupe: u64, explication: impl Into<String>) -> Self {
        Decision { groupe: Some(groupe), explication: explication.into() }
    }

    /// Sends the dossier to the démarche's default groupe.
    pub fn defaut(explication: impl Into<String>) -> Self {
        Decision { groupe: None, explication: explication.into() }
    }
}
