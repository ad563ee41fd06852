//! Repetition blocks: where champs stand in a form that holds blocks (the
//! editor's moves), and how one row of a block is named (row ids and the
//! names of its inputs).
//!
//! A form is a flat list in order; a block's children come right after it,
//! each pointing at it through `parent`. Every operation here keeps that
//! shape, so the rules engine, the usager's page and the exports can walk
//! the list once.

use super::{TypeChamp, TypeDeChamp};
use crate::StableId;
use std::collections::HashMap;

/// One row of a block: its id and its champs' values (stored, or as the
/// usager typed them).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Ligne {
    pub id: String,
    pub valeurs: HashMap<StableId, String>,
}

/// A dossier's rows, by block, in order.
pub type Lignes = HashMap<StableId, Vec<Ligne>>;

/// Where one answer of a dossier stands: a champ, and its row when the
/// champ is in a block (the key of the `champs` table). What a plugin
/// attaches to an answer (its données, the usager's confirmation, a
/// deferred check) is kept by it, so a plugin champ repeats like any other.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Slot {
    pub champ: StableId,
    pub ligne: Option<String>,
}

impl Slot {
    /// A top-level champ's answer.
    pub fn racine(champ: StableId) -> Self {
        Self { champ, ligne: None }
    }

    pub fn dans(champ: StableId, ligne: Option<&str>) -> Self {
        Self { champ, ligne: ligne.map(str::to_owned) }
    }

    /// The row as the `champs` table stores it: empty at the top level.
    pub fn row_id(&self) -> &str {
        self.ligne.as_deref().unwrap_or("")
    }

    /// From a stored row id (empty at the top level).
    pub fn stocke(champ: StableId, row_id: &str) -> Self {
        Self::dans(champ, Some(row_id).filter(|r| !r.is_empty()))
    }

    /// `name` as posted for this answer: with its row's prefix in a block.
    pub fn nom(&self, name: &str) -> String {
        match &self.ligne {
            Some(row) => format!("{}{name}", prefixe_ligne(row)),
            None => name.to_owned(),
        }
    }
}

/// The row ids a block's own champ stores (a JSON list, in order); ids
/// that are not row ids are dropped, duplicates too, at most
/// [`MAX_LIGNES`] kept.
pub fn ids_stockes(valeur: Option<&str>) -> Vec<String> {
    let ids: Vec<String> = valeur.and_then(|v| serde_json::from_str(v).ok()).unwrap_or_default();
    ids_valides(ids)
}

/// The row ids of a post or of a store, checked: well-formed, unique, at
/// most [`MAX_LIGNES`].
pub fn ids_valides(ids: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for id in ids {
        if ligne_valide(&id) && !out.contains(&id) && out.len() < MAX_LIGNES {
            out.push(id);
        }
    }
    out
}

/// The rows of every block, from the blocks' stored lists and the stored
/// values of their children `(champ, row, value)`.
pub fn lignes_stockees(
    types: &[TypeDeChamp],
    champs: &HashMap<StableId, String>,
    valeurs: &[(StableId, String, String)],
) -> Lignes {
    let mut lignes = Lignes::new();
    for bloc in types.iter().filter(|t| t.type_champ == TypeChamp::Repetition) {
        let rows: Vec<Ligne> = ids_stockes(champs.get(&bloc.stable_id).map(String::as_str))
            .into_iter()
            .map(|id| Ligne { id, valeurs: HashMap::new() })
            .collect();
        lignes.insert(bloc.stable_id, rows);
    }
    let parents: HashMap<StableId, StableId> =
        types.iter().filter_map(|t| t.parent.map(|p| (t.stable_id, p))).collect();
    for (champ, row, valeur) in valeurs {
        let Some(rows) = parents.get(champ).and_then(|bloc| lignes.get_mut(bloc)) else { continue };
        if let Some(ligne) = rows.iter_mut().find(|l| l.id == *row) {
            ligne.valeurs.insert(*champ, valeur.clone());
        }
    }
    lignes
}

/// Most rows one block may hold in a dossier. A row is a handful of
/// inputs; this bounds the size of one form post and of one dossier's
/// pages (the original platform shows a few dozen rows at most in
/// practice) against a script adding rows in a loop.
pub const MAX_LIGNES: usize = 100;

/// Length of a row id: 16 lowercase hex digits.
const ROW_ID_LEN: usize = 16;

/// A row's id, as stored in `champs.row_id` and posted by the form: time
/// ordered (milliseconds) then random, so rows sort in the order they were
/// added and two rows added in the same millisecond still differ.
pub fn nouvelle_ligne(millis: i64, aleatoire: u32) -> String {
    format!("{:011x}{:05x}", millis.clamp(0, 0xFFF_FFFF_FFFF), aleatoire & 0xF_FFFF)
}

/// Whether `id` is a row id as [`nouvelle_ligne`] writes them: anything
/// else in a post is refused before it reaches a query or an input name.
pub fn ligne_valide(id: &str) -> bool {
    id.len() == ROW_ID_LEN && id.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// The prefix of the inputs of one row: `l<row>-` before the champ's own
/// name (`l0195c3a1f2e40a7b-champ_12`, and `…-champ_12_autre` for its
/// parts), so every suffix a champ uses keeps working inside a row.
pub fn prefixe_ligne(row: &str) -> String {
    format!("l{row}-")
}

/// The champ and row an input's name points at: `champ_12` (no row) or
/// `l<row>-champ_12`; `None` for any other name or a malformed row id.
pub fn lire_nom(name: &str) -> Option<(StableId, Option<&str>)> {
    let (row, champ) = match name.strip_prefix('l') {
        Some(rest) => {
            let (row, champ) = rest.split_once('-')?;
            if !ligne_valide(row) {
                return None;
            }
            (Some(row), champ)
        }
        None => (None, name),
    };
    let id: i64 = champ.strip_prefix("champ_")?.parse().ok()?;
    Some((StableId(id), row))
}

/// The input naming the rows of a block (repeated: one per row, in order).
pub fn nom_lignes(bloc: StableId) -> String {
    format!("champ_{bloc}[]")
}

/// The children of `bloc`, in order.
pub fn enfants(types: &[TypeDeChamp], bloc: StableId) -> impl Iterator<Item = &TypeDeChamp> {
    types.iter().filter(move |t| t.parent == Some(bloc))
}

/// The place right after `i` and, for a block, after its children.
fn fin_du_groupe(types: &[TypeDeChamp], i: usize) -> usize {
    let id = types[i].stable_id;
    let mut fin = i + 1;
    while fin < types.len() && types[fin].parent == Some(id) {
        fin += 1;
    }
    fin
}

/// Adds `tdc` at the end of the form, or at the end of block `parent`.
/// French error when the block is not one or the type cannot be repeated.
pub fn ajouter(types: &mut Vec<TypeDeChamp>, mut tdc: TypeDeChamp, parent: Option<StableId>) -> Result<(), String> {
    let Some(bloc) = parent else {
        tdc.parent = None;
        types.push(tdc);
        return Ok(());
    };
    let i = types
        .iter()
        .position(|t| t.stable_id == bloc && t.type_champ == TypeChamp::Repetition)
        .ok_or_else(|| "Ce bloc répétable n'existe plus.".to_string())?;
    if !tdc.type_champ.permis_dans_repetition() {
        return Err(format!(
            "Un champ « {} » ne peut pas être placé dans un bloc répétable.",
            tdc.type_champ.libelle()
        ));
    }
    tdc.parent = Some(bloc);
    let fin = fin_du_groupe(types, i);
    types.insert(fin, tdc);
    Ok(())
}

/// Moves a champ one place up or down among its siblings (the champs of
/// its block, or the top-level champs); a block moves with its children.
/// `false` when it already stands first (or last).
pub fn deplacer(types: &mut [TypeDeChamp], id: StableId, monter: bool) -> bool {
    let Some(i) = types.iter().position(|t| t.stable_id == id) else { return false };
    let parent = types[i].parent;
    let fin = fin_du_groupe(types, i);
    if monter {
        // The previous sibling's start: skip back over a block's children.
        let Some(mut j) = i.checked_sub(1) else { return false };
        if parent.is_none() {
            while j > 0 && types[j].parent.is_some() {
                j -= 1;
            }
        }
        if types[j].parent != parent {
            return false;
        }
        types[j..fin].rotate_left(i - j);
    } else {
        if fin >= types.len() || types[fin].parent != parent {
            return false;
        }
        let fin_suivant = fin_du_groupe(types, fin);
        types[i..fin_suivant].rotate_left(fin - i);
    }
    true
}

/// Puts the champ standing right below a block into it, as its last child.
/// French error when there is no block just above or it cannot go in.
pub fn entrer_dans_bloc(types: &mut [TypeDeChamp], id: StableId) -> Result<(), String> {
    let i = types.iter().position(|t| t.stable_id == id).ok_or_else(|| "Ce champ n'existe plus.".to_string())?;
    if types[i].parent.is_some() {
        return Err("Ce champ est déjà dans un bloc répétable.".to_string());
    }
    if !types[i].type_champ.permis_dans_repetition() {
        return Err(format!(
            "Un champ « {} » ne peut pas être placé dans un bloc répétable.",
            types[i].type_champ.libelle()
        ));
    }
    // The block above: the previous champ itself, or the parent of the
    // previous champ when it is a block's last child.
    let bloc = i.checked_sub(1).map(|j| types[j].parent.unwrap_or(types[j].stable_id));
    match bloc.and_then(|b| types.iter().find(|t| t.stable_id == b)) {
        Some(b) if b.type_champ == TypeChamp::Repetition => {
            types[i].parent = Some(b.stable_id);
            Ok(())
        }
        _ => Err("Aucun bloc répétable juste au-dessus de ce champ.".to_string()),
    }
}

/// Takes a block's child out of it: it stands right after the block.
pub fn sortir_du_bloc(types: &mut [TypeDeChamp], id: StableId) -> Result<(), String> {
    let i = types.iter().position(|t| t.stable_id == id).ok_or_else(|| "Ce champ n'existe plus.".to_string())?;
    let Some(bloc) = types[i].parent else {
        return Err("Ce champ n'est dans aucun bloc répétable.".to_string());
    };
    let b = types.iter().position(|t| t.stable_id == bloc).unwrap_or(i);
    let fin = fin_du_groupe(types, b);
    types[i].parent = None;
    // Below its former siblings, which stay together under the block.
    types[i..fin].rotate_left(1);
    Ok(())
}

/// What a new dossier stores for its blocks: a mandatory block starts with
/// one row to fill (`nouvelle` names it), as on the original platform; an
/// optional one starts empty. Annotation blocks are the instructeurs'.
pub fn lignes_de_depart(types: &[TypeDeChamp], mut nouvelle: impl FnMut() -> String) -> Vec<(StableId, String)> {
    types
        .iter()
        .filter(|t| t.type_champ == TypeChamp::Repetition && t.obligatoire && !t.prive)
        .map(|t| (t.stable_id, serde_json::json!([nouvelle()]).to_string()))
        .collect()
}

/// The ids a copy of champ `id` needs: one, and one per child of a block.
pub fn a_copier(types: &[TypeDeChamp], id: StableId) -> usize {
    1 + enfants(types, id).count()
}

/// Copies champ `id` right below itself (a block below its children, with
/// copies of them), the copies taking `ids` in order ([`a_copier`] of them).
/// The copied champs' rules and formulas read the copies of the champs
/// they read inside the group (a row's siblings); what they read above
/// stays. Returns each original id with its copy's, `None` when `id` is
/// not in the form or `ids` does not fit.
pub fn dupliquer(types: &mut Vec<TypeDeChamp>, id: StableId, ids: &[StableId]) -> Option<Vec<(StableId, StableId)>> {
    let i = types.iter().position(|t| t.stable_id == id)?;
    let fin = fin_du_groupe(types, i);
    if ids.len() != fin - i || ids.iter().any(|n| types.iter().any(|t| t.stable_id == *n)) {
        return None;
    }
    let paires: Vec<(StableId, StableId)> =
        types[i..fin].iter().map(|t| t.stable_id).zip(ids.iter().copied()).collect();
    let renommes: HashMap<StableId, StableId> = paires.iter().copied().collect();
    let copies: Vec<TypeDeChamp> = types[i..fin]
        .iter()
        .map(|t| {
            let mut copie = t.clone();
            copie.stable_id = renommes[&t.stable_id];
            copie.parent = t.parent.map(|p| renommes.get(&p).copied().unwrap_or(p));
            copie.condition = t.condition.as_ref().map(|r| r.renommer(&renommes));
            copie.options.calcul = t.options.calcul.as_deref().map(|f| crate::regle::renommer_champs(f, &renommes));
            copie
        })
        .collect();
    types.splice(fin..fin, copies);
    Some(paires)
}

/// Removes a champ, and a block's children with it.
pub fn supprimer(types: &mut Vec<TypeDeChamp>, id: StableId) -> bool {
    let before = types.len();
    types.retain(|t| t.stable_id != id && t.parent != Some(id));
    types.len() != before
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::champ::OptionsChamp;

    fn tdc(id: i64, type_champ: TypeChamp, parent: Option<i64>) -> TypeDeChamp {
        TypeDeChamp {
            stable_id: StableId(id),
            type_champ,
            libelle: format!("Champ {id}"),
            description: String::new(),
            obligatoire: false,
            options: OptionsChamp::default(),
            parent: parent.map(StableId),
            condition: None,
            prive: false,
        }
    }

    /// `1 [2: 3 4] 5` — a text, a block with two children, a text.
    fn formulaire() -> Vec<TypeDeChamp> {
        vec![
            tdc(1, TypeChamp::Text, None),
            tdc(2, TypeChamp::Repetition, None),
            tdc(3, TypeChamp::Text, Some(2)),
            tdc(4, TypeChamp::IntegerNumber, Some(2)),
            tdc(5, TypeChamp::Text, None),
        ]
    }

    fn ordre(types: &[TypeDeChamp]) -> Vec<(i64, Option<i64>)> {
        types.iter().map(|t| (t.stable_id.0, t.parent.map(|p| p.0))).collect()
    }

    #[test]
    fn row_ids_sort_by_time_and_are_checked() {
        let a = nouvelle_ligne(1_700_000_000_000, 0xFFFFF);
        let b = nouvelle_ligne(1_700_000_000_001, 0);
        assert!(a < b);
        assert!(ligne_valide(&a) && ligne_valide(&b));
        assert_eq!(a.len(), 16);
        for bad in
            ["", "0123456789abcdeF", "0123456789abcde", "0123456789abcdefa", "../../etc/passwd", "01234567-9abcdef"]
        {
            assert!(!ligne_valide(bad), "{bad}");
        }
        assert_eq!(prefixe_ligne(&a), format!("l{a}-"));
        assert_eq!(nom_lignes(StableId(7)), "champ_7[]");
    }

    #[test]
    fn a_child_is_added_at_the_end_of_its_block() {
        let mut types = formulaire();
        ajouter(&mut types, tdc(6, TypeChamp::Date, None), Some(StableId(2))).unwrap();
        assert_eq!(ordre(&types), [(1, None), (2, None), (3, Some(2)), (4, Some(2)), (6, Some(2)), (5, None)]);
        ajouter(&mut types, tdc(7, TypeChamp::Text, Some(2)), None).unwrap();
        assert_eq!(types.last().map(|t| t.parent), Some(None));
    }

    #[test]
    fn input_names_point_at_a_champ_and_maybe_a_row() {
        let row = nouvelle_ligne(1_700_000_000_000, 42);
        assert_eq!(lire_nom("champ_12"), Some((StableId(12), None)));
        let name = format!("{}champ_7", prefixe_ligne(&row));
        assert_eq!(lire_nom(&name), Some((StableId(7), Some(row.as_str()))));
        for bad in ["champ_", "champ_x", "lchamp_1", "l123-champ_1", "lZZZZZZZZZZZZZZZZ-champ_1", "confirmation_3", ""]
        {
            assert_eq!(lire_nom(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_slot_is_stored_and_named_as_its_row() {
        let row = nouvelle_ligne(1_700_000_000_000, 7);
        let racine = Slot::racine(StableId(3));
        assert_eq!((racine.row_id(), racine.nom("champ_3")), ("", "champ_3".to_string()));
        assert_eq!(Slot::stocke(StableId(3), ""), racine);
        let dans = Slot::dans(StableId(3), Some(&row));
        assert_eq!(Slot::stocke(StableId(3), dans.row_id()), dans);
        assert_eq!(lire_nom(&dans.nom("champ_3")), Some((StableId(3), Some(row.as_str()))));
    }

    #[test]
    fn no_block_in_a_block_and_no_unknown_block() {
        let mut types = formulaire();
        let err = ajouter(&mut types, tdc(6, TypeChamp::Repetition, None), Some(StableId(2))).unwrap_err();
        assert!(err.contains("ne peut pas être placé"), "{err}");
        assert!(ajouter(&mut types, tdc(6, TypeChamp::Text, None), Some(StableId(1))).is_err());
        assert!(ajouter(&mut types, tdc(6, TypeChamp::Text, None), Some(StableId(99))).is_err());
        assert_eq!(types.len(), 5);
        // A file champ repeats in each row (its files are stored per row),
        // a plugin's champ too (its données are kept per row).
        ajouter(&mut types, tdc(6, TypeChamp::PieceJustificative, None), Some(StableId(2))).unwrap();
        ajouter(&mut types, tdc(7, TypeChamp::Plugin("siret".into()), None), Some(StableId(2))).unwrap();
        assert_eq!(types.len(), 7);
    }

    #[test]
    fn a_block_moves_with_its_children() {
        let mut types = formulaire();
        assert!(deplacer(&mut types, StableId(2), true));
        assert_eq!(ordre(&types), [(2, None), (3, Some(2)), (4, Some(2)), (1, None), (5, None)]);
        assert!(!deplacer(&mut types, StableId(2), true));
        assert!(deplacer(&mut types, StableId(2), false));
        assert!(deplacer(&mut types, StableId(2), false));
        assert_eq!(ordre(&types), [(1, None), (5, None), (2, None), (3, Some(2)), (4, Some(2))]);
        assert!(!deplacer(&mut types, StableId(2), false));
        // A top-level champ passes a whole block.
        assert!(deplacer(&mut types, StableId(5), false));
        assert_eq!(ordre(&types), [(1, None), (2, None), (3, Some(2)), (4, Some(2)), (5, None)]);
        assert!(deplacer(&mut types, StableId(5), true));
        assert_eq!(ordre(&types), [(1, None), (5, None), (2, None), (3, Some(2)), (4, Some(2))]);
    }

    #[test]
    fn a_child_moves_within_its_block_only() {
        let mut types = formulaire();
        assert!(!deplacer(&mut types, StableId(3), true));
        assert!(!deplacer(&mut types, StableId(4), false));
        assert!(deplacer(&mut types, StableId(4), true));
        assert_eq!(ordre(&types), [(1, None), (2, None), (4, Some(2)), (3, Some(2)), (5, None)]);
    }

    #[test]
    fn champs_move_into_and_out_of_the_block_above() {
        let mut types = formulaire();
        entrer_dans_bloc(&mut types, StableId(5)).unwrap();
        assert_eq!(ordre(&types), [(1, None), (2, None), (3, Some(2)), (4, Some(2)), (5, Some(2))]);
        sortir_du_bloc(&mut types, StableId(3)).unwrap();
        assert_eq!(ordre(&types), [(1, None), (2, None), (4, Some(2)), (5, Some(2)), (3, None)]);
        assert!(entrer_dans_bloc(&mut types, StableId(1)).is_err(), "no block above");
        assert!(entrer_dans_bloc(&mut types, StableId(4)).is_err(), "already inside");
        assert!(sortir_du_bloc(&mut types, StableId(1)).is_err());
        let mut types = formulaire();
        types.push(tdc(6, TypeChamp::Repetition, None));
        let err = entrer_dans_bloc(&mut types, StableId(6)).unwrap_err();
        assert!(err.contains("ne peut pas"), "{err}");
    }

    #[test]
    fn stored_rows_are_read_in_order_and_checked() {
        let types = formulaire();
        let a = nouvelle_ligne(2, 0);
        let b = nouvelle_ligne(1, 0);
        let mut champs = HashMap::new();
        champs.insert(StableId(2), format!(r#"["{a}","{b}","{a}","pas-un-id"]"#));
        let valeurs = vec![
            (StableId(3), b.clone(), "deux".to_string()),
            (StableId(3), a.clone(), "un".to_string()),
            (StableId(4), "ffffffffffffffff".to_string(), "orphelin".to_string()),
            (StableId(1), a.clone(), "pas un enfant".to_string()),
        ];
        let lignes = lignes_stockees(&types, &champs, &valeurs);
        let rows = &lignes[&StableId(2)];
        assert_eq!(rows.iter().map(|l| l.id.as_str()).collect::<Vec<_>>(), [a.as_str(), b.as_str()]);
        assert_eq!(rows[0].valeurs.get(&StableId(3)).map(String::as_str), Some("un"));
        assert_eq!(rows[1].valeurs.get(&StableId(3)).map(String::as_str), Some("deux"));
        assert_eq!(rows[0].valeurs.len() + rows[1].valeurs.len(), 2);
        assert!(ids_stockes(Some("{")).is_empty());
        let beaucoup = (0..MAX_LIGNES as i64 + 5).map(|i| nouvelle_ligne(i, 0));
        assert_eq!(ids_valides(beaucoup).len(), MAX_LIGNES);
    }

    #[test]
    fn deleting_a_block_deletes_its_children() {
        let mut types = formulaire();
        assert!(supprimer(&mut types, StableId(2)));
        assert_eq!(ordre(&types), [(1, None), (5, None)]);
        assert!(!supprimer(&mut types, StableId(2)));
    }

    #[test]
    fn a_copy_stands_below_its_original_and_a_block_brings_its_children() {
        let mut types = formulaire();
        assert_eq!(a_copier(&types, StableId(1)), 1);
        assert_eq!(dupliquer(&mut types, StableId(1), &[StableId(6)]), Some(vec![(StableId(1), StableId(6))]));
        assert_eq!(ordre(&types), [(1, None), (6, None), (2, None), (3, Some(2)), (4, Some(2)), (5, None)]);

        // A row sibling's rule follows the copy; a rule on a champ above
        // the block keeps reading it. So does a copied formula.
        let mut types = formulaire();
        types[3].condition = Some(crate::regle::Regle {
            expression: "champ_3 == \"x\" && champ_1 != \"\"".into(),
            clauses: Vec::new(),
            combinaison: crate::regle::Combinaison::Et,
            references: Vec::new(),
        });
        types[3].options.calcul = Some("champ_3".into());
        assert_eq!(a_copier(&types, StableId(2)), 3);
        let paires = dupliquer(&mut types, StableId(2), &[StableId(7), StableId(8), StableId(9)]).unwrap();
        assert_eq!(paires, [(StableId(2), StableId(7)), (StableId(3), StableId(8)), (StableId(4), StableId(9))]);
        assert_eq!(
            ordre(&types),
            [(1, None), (2, None), (3, Some(2)), (4, Some(2)), (7, None), (8, Some(7)), (9, Some(7)), (5, None)]
        );
        let copie = &types[6];
        assert_eq!(copie.condition.as_ref().unwrap().expression, "champ_8 == \"x\" && champ_1 != \"\"");
        assert_eq!(copie.options.calcul.as_deref(), Some("champ_8"));
        assert_eq!(types[3].condition.as_ref().unwrap().expression, "champ_3 == \"x\" && champ_1 != \"\"");

        // A child is copied inside its block.
        let mut types = formulaire();
        dupliquer(&mut types, StableId(3), &[StableId(6)]).unwrap();
        assert_eq!(ordre(&types), [(1, None), (2, None), (3, Some(2)), (6, Some(2)), (4, Some(2)), (5, None)]);
    }

    #[test]
    fn a_mandatory_block_starts_with_one_row() {
        let mut types = formulaire();
        assert_eq!(lignes_de_depart(&types, || nouvelle_ligne(1, 1)), []);
        types[1].obligatoire = true;
        let depart = lignes_de_depart(&types, || nouvelle_ligne(1_700_000_000_000, 7));
        assert_eq!(depart.len(), 1);
        assert_eq!(depart[0].0, StableId(2));
        assert_eq!(ids_stockes(Some(&depart[0].1)), [nouvelle_ligne(1_700_000_000_000, 7)]);
        // An annotation block is filled by instructeurs, row by row.
        types[1].prive = true;
        assert_eq!(lignes_de_depart(&types, || nouvelle_ligne(1, 1)), []);
    }

    #[test]
    fn a_copy_refuses_a_missing_champ_wrong_ids_or_ids_in_use() {
        let mut types = formulaire();
        assert_eq!(dupliquer(&mut types, StableId(42), &[StableId(6)]), None);
        assert_eq!(dupliquer(&mut types, StableId(2), &[StableId(6)]), None);
        assert_eq!(dupliquer(&mut types, StableId(1), &[StableId(5)]), None);
        assert_eq!(types, formulaire());
    }
}
