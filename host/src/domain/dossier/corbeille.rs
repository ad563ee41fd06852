//! The usager's corbeille: what putting a dossier there means in each
//! state, and how long it can be restored.
//!
//! A brouillon is deleted for good after [`DELAI_RESTAURATION`]; a dossier
//! en construction is withdrawn (instructeurs no longer see it) and deleted
//! after the same delay; a dossier terminé is only hidden from the usager,
//! since the administration keeps it for its own retention period. A
//! dossier en instruction cannot be deleted: the administration is working
//! on it.

use super::EtatDossier;
use chrono::{DateTime, Duration, Utc};

/// How long a deleted brouillon or dossier en construction can be
/// restored: a mistaken click is not a lost dossier.
pub const DELAI_RESTAURATION: Duration = Duration::days(30);

/// What the corbeille does to a dossier in a given state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MiseEnCorbeille {
    /// A brouillon: nobody else has seen it; deleted after the delay.
    Brouillon,
    /// En construction: withdrawn from the administration; deleted after
    /// the delay.
    Retrait,
    /// Terminé: hidden from the usager only.
    Masquage,
}

impl MiseEnCorbeille {
    /// What happens to a dossier in `etat` put in the corbeille, or why it
    /// cannot be (French, for the usager).
    pub fn de(etat: EtatDossier) -> Result<Self, &'static str> {
        match etat {
            EtatDossier::Brouillon => Ok(Self::Brouillon),
            EtatDossier::EnConstruction => Ok(Self::Retrait),
            EtatDossier::Accepte | EtatDossier::Refuse | EtatDossier::SansSuite => Ok(Self::Masquage),
            EtatDossier::EnInstruction => {
                Err("Un dossier en instruction ne peut pas être supprimé : l'administration l'examine. \
                 Vous pourrez le supprimer une fois la décision prise.")
            }
        }
    }

    /// What the usager is told before confirming.
    pub fn consequence(self) -> &'static str {
        match self {
            Self::Brouillon => {
                "Le brouillon sera placé dans la corbeille. Vous pourrez le restaurer pendant 30 jours ; \
                 passé ce délai, il sera supprimé définitivement avec ses pièces jointes."
            }
            Self::Retrait => {
                "Le dossier sera retiré : l'administration ne le verra plus et ne l'instruira pas. Vous pourrez \
                 le restaurer pendant 30 jours ; passé ce délai, il sera supprimé définitivement avec ses pièces jointes."
            }
            Self::Masquage => {
                "Le dossier n'apparaîtra plus dans vos dossiers en cours et traités. L'administration conserve le \
                 dossier et sa décision ; vous pourrez le restaurer à tout moment depuis l'onglet Corbeille."
            }
        }
    }

    /// When a dossier put in the corbeille at `at` is deleted for good;
    /// `None` when it is never deleted through the corbeille.
    pub fn suppression_le(self, at: DateTime<Utc>) -> Option<DateTime<Utc>> {
        match self {
            Self::Brouillon | Self::Retrait => Some(at + DELAI_RESTAURATION),
            Self::Masquage => None,
        }
    }
}

/// Whether a dossier in `etat`, in the corbeille since `at`, can still be
/// restored at `now`.
pub fn restaurable(etat: EtatDossier, at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    match MiseEnCorbeille::de(etat) {
        Ok(mise) => mise.suppression_le(at).is_none_or(|fin| now < fin),
        // Only an instructeur's later action moves a dossier out of the
        // states above, and it takes it out of the corbeille.
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 1, 10, 0, 0).single().unwrap_or_default()
    }

    #[test]
    fn each_state_has_its_meaning() {
        assert_eq!(MiseEnCorbeille::de(EtatDossier::Brouillon), Ok(MiseEnCorbeille::Brouillon));
        assert_eq!(MiseEnCorbeille::de(EtatDossier::EnConstruction), Ok(MiseEnCorbeille::Retrait));
        for etat in [EtatDossier::Accepte, EtatDossier::Refuse, EtatDossier::SansSuite] {
            assert_eq!(MiseEnCorbeille::de(etat), Ok(MiseEnCorbeille::Masquage));
        }
        let refus = MiseEnCorbeille::de(EtatDossier::EnInstruction).unwrap_err();
        assert!(refus.contains("en instruction"), "{refus}");
    }

    #[test]
    fn deleted_dossiers_can_be_restored_for_thirty_days_only() {
        let fin = t0() + Duration::days(30);
        assert_eq!(MiseEnCorbeille::Brouillon.suppression_le(t0()), Some(fin));
        assert_eq!(MiseEnCorbeille::Retrait.suppression_le(t0()), Some(fin));
        assert!(restaurable(EtatDossier::Brouillon, t0(), fin - Duration::seconds(1)));
        assert!(!restaurable(EtatDossier::Brouillon, t0(), fin));
        assert!(!restaurable(EtatDossier::EnConstruction, t0(), fin + Duration::days(1)));
    }

    #[test]
    fn a_hidden_decision_can_always_come_back() {
        assert_eq!(MiseEnCorbeille::Masquage.suppression_le(t0()), None);
        assert!(restaurable(EtatDossier::Accepte, t0(), t0() + Duration::days(400)));
        assert!(!restaurable(EtatDossier::EnInstruction, t0(), t0()));
    }
}
