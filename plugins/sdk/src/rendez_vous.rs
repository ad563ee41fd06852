//! The rendez-vous extension point (world `rendez-vous-plugin`):
//! appointments booked on an appointment service.

use crate::{Description, Dossier, Options, PluginError};

/// An appointment service connector: an instructeur proposes an appointment
/// from a dossier, the usager picks a slot on the service, both see the
/// booking from the dossier. May use [`http`](crate::http),
/// [`secrets`](crate::secrets) and [`cache`](crate::cache).
pub trait RendezVous {
    /// `id`, `version`, labels and the options schema (the other fields of
    /// [`Description`] are ignored).
    fn describe() -> Description;

    /// Creates a proposal for `dossier` on the service. `url_dossier` is the
    /// dossier's page (shown to the agent on the service); `url_retour` is
    /// where the service sends the usager back after booking.
    fn propose(
        dossier: &Dossier,
        instructeur: &Instructeur,
        usager: &Usager,
        url_dossier: &str,
        url_retour: &str,
        options: &Options,
    ) -> Result<Proposition, PluginError>;

    /// The appointments booked under a proposal, soonest first (empty while
    /// the usager has not booked).
    fn list_rendez_vous(reference: &str, options: &Options) -> Result<Vec<RendezVousPris>, PluginError>;
}

/// Who asks for the appointment.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Instructeur {
    pub email: String,
}

/// The usager the appointment is for.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Usager {
    pub email: String,
    pub nom: Option<String>,
    pub prenom: Option<String>,
}

/// A proposal made to the usager: a link where they pick a slot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Proposition {
    /// The service's identifier of the proposal, kept by the host to read
    /// its bookings later.
    pub reference: String,
    /// Where the usager books (sent to them in the messagerie).
    pub url_reservation: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EtatRendezVous {
    /// Booked and not yet happened (or status not known yet).
    AVenir,
    /// Took place.
    Honore,
    /// Cancelled by the usager.
    Annule,
    /// Cancelled by the service.
    Revoque,
    /// The usager did not come.
    Absence,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Modalite {
    SurPlace,
    Telephone,
    Visioconference,
    Domicile,
}

/// A booked appointment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RendezVousPris {
    /// The service's identifier of the appointment.
    pub id: String,
    /// RFC 3339 start instant.
    pub commence_le: String,
    pub duree_minutes: u32,
    pub etat: EtatRendezVous,
    pub modalite: Modalite,
    /// The reason chosen by the usager (the service's "motif").
    pub motif: String,
    /// Address for an appointment on site.
    pub adresse: Option<String>,
    /// Link to join a visioconference.
    pub url_visio: Option<String>,
    /// Where the usager sees, moves or cancels it.
    pub url_gestion: Option<String>,
}
