//! What changes between two revisions of a form, in the administrateur's
//! words: the editor shows it before « Publier les modifications ». Champs
//! are matched by stable id, so a renamed champ is a change, not a removal
//! and an addition, and its answers stay with it.

use crate::domain::{StableId, TypeDeChamp};
use serde::Serialize;

/// One difference, with the champ's libellé as the new revision names it
/// (the old one for a removed champ).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "genre", rename_all = "snake_case")]
pub enum Changement {
    Ajoute {
        stable_id: StableId,
        libelle: String,
    },
    Supprime {
        stable_id: StableId,
        libelle: String,
    },
    Deplace {
        stable_id: StableId,
        libelle: String,
    },
    Libelle {
        stable_id: StableId,
        avant: String,
        apres: String,
    },
    Type {
        stable_id: StableId,
        libelle: String,
        avant: String,
        apres: String,
    },
    /// `true`: becomes mandatory.
    Obligatoire {
        stable_id: StableId,
        libelle: String,
        obligatoire: bool,
    },
    Description {
        stable_id: StableId,
        libelle: String,
    },
    Options {
        stable_id: StableId,
        libelle: String,
    },
    Condition {
        stable_id: StableId,
        libelle: String,
    },
}

impl Changement {
    pub fn message(&self) -> String {
        match self {
            Self::Ajoute { libelle, .. } => format!("Champ ajouté : « {libelle} »"),
            Self::Supprime { libelle, .. } => {
                format!("Champ supprimé : « {libelle} » (les réponses déjà données sont conservées dans les dossiers)")
            }
            Self::Deplace { libelle, .. } => format!("Champ déplacé : « {libelle} »"),
            Self::Libelle { avant, apres, .. } => format!("Libellé modifié : « {avant} » devient « {apres} »"),
            Self::Type { libelle, avant, apres, .. } => {
                format!("Type modifié pour « {libelle} » : {avant} devient {apres}")
            }
            Self::Obligatoire { libelle, obligatoire: true, .. } => format!("« {libelle} » devient obligatoire"),
            Self::Obligatoire { libelle, obligatoire: false, .. } => format!("« {libelle} » devient facultatif"),
            Self::Description { libelle, .. } => format!("Description modifiée pour « {libelle} »"),
            Self::Options { libelle, .. } => format!("Options modifiées pour « {libelle} »"),
            Self::Condition { libelle, .. } => format!("Condition d'affichage modifiée pour « {libelle} »"),
        }
    }

    pub fn stable_id(&self) -> StableId {
        match self {
            Self::Ajoute { stable_id, .. }
            | Self::Supprime { stable_id, .. }
            | Self::Deplace { stable_id, .. }
            | Self::Libelle { stable_id, .. }
            | Self::Type { stable_id, .. }
            | Self::Obligatoire { stable_id, .. }
            | Self::Description { stable_id, .. }
            | Self::Options { stable_id, .. }
            | Self::Condition { stable_id, .. } => *stable_id,
        }
    }
}

/// The differences from `avant` to `apres` (one list: the form, or the
/// annotations), in the new form's order, removals last.
pub fn comparer(avant: &[TypeDeChamp], apres: &[TypeDeChamp]) -> Vec<Changement> {
    let mut out = Vec::new();
    // A champ moved is one whose place among the champs both versions
    // share changed: adding or removing others moves nothing.
    let communs_avant: Vec<StableId> =
        avant.iter().map(|t| t.stable_id).filter(|s| apres.iter().any(|t| t.stable_id == *s)).collect();
    let communs_apres: Vec<StableId> =
        apres.iter().map(|t| t.stable_id).filter(|s| avant.iter().any(|t| t.stable_id == *s)).collect();
    for t in apres {
        let stable_id = t.stable_id;
        let libelle = t.libelle.clone();
        let Some(a) = avant.iter().find(|a| a.stable_id == stable_id) else {
            out.push(Changement::Ajoute { stable_id, libelle });
            continue;
        };
        let place = |liste: &[StableId]| liste.iter().position(|s| *s == stable_id);
        if place(&communs_avant) != place(&communs_apres) || a.parent != t.parent {
            out.push(Changement::Deplace { stable_id, libelle: libelle.clone() });
        }
        if a.libelle != t.libelle {
            out.push(Changement::Libelle { stable_id, avant: a.libelle.clone(), apres: t.libelle.clone() });
        }
        if a.type_champ != t.type_champ {
            out.push(Changement::Type {
                stable_id,
                libelle: libelle.clone(),
                avant: a.type_champ.libelle().to_lowercase(),
                apres: t.type_champ.libelle().to_lowercase(),
            });
        }
        if a.obligatoire != t.obligatoire {
            out.push(Changement::Obligatoire { stable_id, libelle: libelle.clone(), obligatoire: t.obligatoire });
        }
        if a.description != t.description {
            out.push(Changement::Description { stable_id, libelle: libelle.clone() });
        }
        if a.options != t.options {
            out.push(Changement::Options { stable_id, libelle: libelle.clone() });
        }
        if a.condition != t.condition {
            out.push(Changement::Condition { stable_id, libelle });
        }
    }
    for a in avant.iter().filter(|a| !apres.iter().any(|t| t.stable_id == a.stable_id)) {
        out.push(Changement::Supprime { stable_id: a.stable_id, libelle: a.libelle.clone() });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::TypeChamp;

    fn champ(id: i64, libelle: &str) -> TypeDeChamp {
        TypeDeChamp {
            stable_id: StableId(id),
            type_champ: TypeChamp::Text,
            libelle: libelle.into(),
            description: String::new(),
            obligatoire: false,
            options: Default::default(),
            parent: None,
            condition: None,
            prive: false,
        }
    }

    #[test]
    fn the_same_form_has_no_changes() {
        let form = [champ(1, "Nom"), champ(2, "Prénom")];
        assert!(comparer(&form, &form).is_empty());
    }

    #[test]
    fn each_kind_of_change_is_named_once() {
        let avant = [champ(1, "Nom"), champ(2, "Prénom"), champ(3, "Âge"), champ(4, "Ville")];
        let mut age = champ(3, "Âge");
        age.type_champ = TypeChamp::IntegerNumber;
        age.obligatoire = true;
        let apres = [champ(2, "Prénom usuel"), champ(1, "Nom"), age, champ(5, "Courriel")];
        let messages: Vec<String> = comparer(&avant, &apres).iter().map(Changement::message).collect();
        assert_eq!(
            messages,
            [
                "Champ déplacé : « Prénom usuel »",
                "Libellé modifié : « Prénom » devient « Prénom usuel »",
                "Champ déplacé : « Nom »",
                "Type modifié pour « Âge » : texte court devient nombre entier",
                "« Âge » devient obligatoire",
                "Champ ajouté : « Courriel »",
                "Champ supprimé : « Ville » (les réponses déjà données sont conservées dans les dossiers)",
            ]
        );
    }

    #[test]
    fn adding_or_removing_a_champ_moves_no_other() {
        let avant = [champ(1, "Nom"), champ(2, "Prénom"), champ(3, "Ville")];
        let apres = [champ(4, "Civilité"), champ(1, "Nom"), champ(3, "Ville")];
        let changements = comparer(&avant, &apres);
        assert!(!changements.iter().any(|c| matches!(c, Changement::Deplace { .. })), "{changements:?}");
        assert_eq!(changements.len(), 2);
    }
}
