//! What an usager's filed changes to a dossier en construction changed:
//! the champs named in the dossier's history and shown to instructeurs
//! (« Modifications déposées le … : Adresse, Pièces justificatives »).

use crate::domain::{StableId, TypeChamp, TypeDeChamp};
use std::collections::{HashMap, HashSet};

/// One version of a dossier's answers: top-level values (a block's value
/// is its JSON list of row ids) and the values of rows, by champ and row.
/// An empty value counts as no value.
#[derive(Debug, Default)]
pub struct Version<'a> {
    pub valeurs: HashMap<StableId, &'a str>,
    pub lignes: HashMap<(StableId, &'a str), &'a str>,
}

impl<'a> Version<'a> {
    fn valeur(&self, champ: StableId) -> Option<&'a str> {
        self.valeurs.get(&champ).copied().filter(|v| !v.is_empty())
    }

    /// The values of `champ` in every row, row by row.
    fn dans_les_lignes(&self, champ: StableId) -> HashMap<&'a str, &'a str> {
        self.lignes.iter().filter(|((c, _), v)| *c == champ && !v.is_empty()).map(|((_, row), v)| (*row, *v)).collect()
    }
}

/// The libellés of the top-level champs whose answer differs between
/// `avant` and `apres`, in form order; a block counts once, when its rows
/// or any answer in them changed. `fichiers` are the champs whose files
/// changed (a file replaced by another of the same name changes no value).
pub fn champs_modifies(
    types: &[TypeDeChamp],
    avant: &Version<'_>,
    apres: &Version<'_>,
    fichiers: &HashSet<StableId>,
) -> Vec<String> {
    let enfants = |bloc: StableId| types.iter().filter(move |t| t.parent == Some(bloc));
    types
        .iter()
        .filter(|t| t.parent.is_none() && !t.prive)
        .filter(|t| t.type_champ.saisi_par_usager() || t.type_champ == TypeChamp::Repetition)
        .filter(|t| {
            let mut change = avant.valeur(t.stable_id) != apres.valeur(t.stable_id) || fichiers.contains(&t.stable_id);
            for enfant in enfants(t.stable_id) {
                change = change
                    || fichiers.contains(&enfant.stable_id)
                    || avant.dans_les_lignes(enfant.stable_id) != apres.dans_les_lignes(enfant.stable_id);
            }
            change
        })
        .map(|t| t.libelle.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn champ(id: i64, libelle: &str, type_champ: TypeChamp, parent: Option<i64>) -> TypeDeChamp {
        TypeDeChamp {
            stable_id: StableId(id),
            type_champ,
            libelle: libelle.into(),
            description: String::new(),
            obligatoire: false,
            options: Default::default(),
            parent: parent.map(StableId),
            condition: None,
            prive: false,
        }
    }

    fn form() -> Vec<TypeDeChamp> {
        vec![
            champ(1, "Nom", TypeChamp::Text, None),
            champ(2, "Titre", TypeChamp::HeaderSection, None),
            champ(3, "Enfants", TypeChamp::Repetition, None),
            champ(4, "Prénom", TypeChamp::Text, Some(3)),
            champ(5, "Justificatif", TypeChamp::PieceJustificative, None),
        ]
    }

    fn version<'a>(valeurs: &[(i64, &'a str)], lignes: &[(i64, &'a str, &'a str)]) -> Version<'a> {
        Version {
            valeurs: valeurs.iter().map(|(c, v)| (StableId(*c), *v)).collect(),
            lignes: lignes.iter().map(|(c, r, v)| ((StableId(*c), *r), *v)).collect(),
        }
    }

    #[test]
    fn the_same_answers_change_nothing() {
        let a = version(&[(1, "Dupont"), (3, "[\"r1\"]")], &[(4, "r1", "Léa")]);
        let b = version(&[(1, "Dupont"), (3, "[\"r1\"]")], &[(4, "r1", "Léa")]);
        assert!(champs_modifies(&form(), &a, &b, &HashSet::new()).is_empty());
    }

    #[test]
    fn an_emptied_answer_is_a_change_and_empty_equals_none() {
        let a = version(&[(1, "Dupont")], &[]);
        let b = version(&[(1, "")], &[]);
        assert_eq!(champs_modifies(&form(), &a, &b, &HashSet::new()), vec!["Nom"]);
        let c = version(&[], &[]);
        assert!(champs_modifies(&form(), &b, &c, &HashSet::new()).is_empty());
    }

    #[test]
    fn a_block_changes_once_for_its_rows_and_their_answers() {
        let a = version(&[(3, "[\"r1\"]")], &[(4, "r1", "Léa")]);
        let autre_valeur = version(&[(3, "[\"r1\"]")], &[(4, "r1", "Lou")]);
        assert_eq!(champs_modifies(&form(), &a, &autre_valeur, &HashSet::new()), vec!["Enfants"]);
        let ligne_ajoutee = version(&[(3, "[\"r1\",\"r2\"]")], &[(4, "r1", "Léa")]);
        assert_eq!(champs_modifies(&form(), &a, &ligne_ajoutee, &HashSet::new()), vec!["Enfants"]);
    }

    #[test]
    fn a_file_replaced_under_the_same_name_is_a_change() {
        let a = version(&[(5, "scan.pdf")], &[]);
        let b = version(&[(5, "scan.pdf")], &[]);
        let fichiers = HashSet::from([StableId(5)]);
        assert_eq!(champs_modifies(&form(), &a, &b, &fichiers), vec!["Justificatif"]);
    }

    #[test]
    fn several_changes_come_in_form_order() {
        let a = version(&[(1, "Dupont"), (5, "a.pdf")], &[]);
        let b = version(&[(1, "Durand"), (5, "b.pdf")], &[]);
        assert_eq!(champs_modifies(&form(), &b, &a, &HashSet::new()), vec!["Nom", "Justificatif"]);
    }
}
