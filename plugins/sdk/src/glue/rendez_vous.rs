//! Adapters of the `rendez-vous` export.

use super::{dossier, plugin_error};
use crate::bindings::rendez_vous::exports::guichet::plugin::rendez_vous as wit;
use crate::bindings::type_de_champ::guichet::plugin::types::{Dossier, PluginError};
use crate::{
    Description, EtatRendezVous, Instructeur, Modalite, Options, Proposition, RendezVous, RendezVousPris, Usager,
};

pub use wit::Guest;

pub fn describe<T: RendezVous + ?Sized>() -> wit::Description {
    let Description { id, libelle, description, version, options_schema, .. } = T::describe();
    wit::Description { id, version, libelle, description, options_schema }
}

pub fn propose<T: RendezVous + ?Sized>(
    wit_dossier: Dossier,
    instructeur: wit::Instructeur,
    usager: wit::Usager,
    url_dossier: String,
    url_retour: String,
    options: String,
) -> Result<wit::Proposition, PluginError> {
    let instructeur = Instructeur { email: instructeur.email };
    let wit::Usager { email, nom, prenom } = usager;
    let usager = Usager { email, nom, prenom };
    let Proposition { reference, url_reservation } =
        T::propose(&dossier(wit_dossier), &instructeur, &usager, &url_dossier, &url_retour, &Options::new(options))
            .map_err(plugin_error)?;
    Ok(wit::Proposition { reference, url_reservation })
}

pub fn list_rendez_vous<T: RendezVous + ?Sized>(
    reference: String,
    options: String,
) -> Result<Vec<wit::RendezVous>, PluginError> {
    let rendez_vous = T::list_rendez_vous(&reference, &Options::new(options)).map_err(plugin_error)?;
    Ok(rendez_vous.into_iter().map(pris).collect())
}

fn pris(rendez_vous: RendezVousPris) -> wit::RendezVous {
    let RendezVousPris { id, commence_le, duree_minutes, etat, modalite, motif, adresse, url_visio, url_gestion } =
        rendez_vous;
    let etat = match etat {
        EtatRendezVous::AVenir => wit::EtatRendezVous::AVenir,
        EtatRendezVous::Honore => wit::EtatRendezVous::Honore,
        EtatRendezVous::Annule => wit::EtatRendezVous::Annule,
        EtatRendezVous::Revoque => wit::EtatRendezVous::Revoque,
        EtatRendezVous::Absence => wit::EtatRendezVous::Absence,
    };
    let modalite = match modalite {
        Modalite::SurPlace => wit::Modalite::SurPlace,
        Modalite::Telephone => wit::Modalite::Telephone,
        Modalite::Visioconference => wit::Modalite::Visioconference,
        Modalite::Domicile => wit::Modalite::Domicile,
    };
    wit::RendezVous { id, commence_le, duree_minutes, etat, modalite, motif, adresse, url_visio, url_gestion }
}
