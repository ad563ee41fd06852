//! A revision's rules (display conditions, valeurs calculées,
//! inéligibilité) compiled once and shared by every request that reads the
//! form: compiling a 300-champ form costs a millisecond or two, evaluating
//! it a tenth of that.
//!
//! Entries are keyed by revision and checked against a fingerprint of the
//! rules they were compiled from, so a draft revision edited in the editor
//! is compiled again on its next use while a published one (frozen) is
//! compiled once for the life of the process.

use crate::domain::regle::{Evaluation, Ineligibilite, ReglesRevision, Valeurs};
use crate::domain::territoire::TerritoireOfficiel;
use crate::domain::{RevisionId, StableId, TypeDeChamp};
use std::collections::{BTreeMap, HashMap};
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex};

/// Revisions kept compiled. Bounds memory (a large form's compiled rules
/// weigh tens of kilobytes) against a server hosting thousands of
/// démarches: past this, an arbitrary entry is dropped and recompiled on
/// its next use.
const MAX_REVISIONS: usize = 2_000;

/// Longest failure message kept for the editor: rhai's messages are a line;
/// this bounds what a rule failing on every save can hold in memory.
const ECHEC_MAX_CHARS: usize = 500;

#[derive(Default)]
pub struct ReglesCache {
    entries: Mutex<HashMap<RevisionId, (u64, Arc<ReglesRevision>)>>,
    /// The last failure of each rule when it ran on an usager's answers,
    /// by revision and champ (`None`: the inéligibilité). The usager only
    /// sees the champ shown (or a computed value left blank); the editor
    /// shows these to the administrateur. Forgotten when the revision's
    /// rules change, bounded like `entries`.
    echecs: Mutex<HashMap<RevisionId, BTreeMap<Option<StableId>, String>>>,
}

impl ReglesCache {
    /// The compiled rules of the usager's form of `revision` (`types`: its
    /// types de champ, annotations privées included or not: they are left
    /// out here, since no rule the usager triggers may read them). `None`
    /// when the form has no rule.
    pub fn du_formulaire(
        &self,
        revision: RevisionId,
        types: &[TypeDeChamp],
        ineligibilite: Option<&Ineligibilite>,
    ) -> Option<Arc<ReglesRevision>> {
        if !ReglesRevision::necessaire(publics(types), ineligibilite) {
            return None;
        }
        Some(self.compilees(revision, types, ineligibilite))
    }

    /// The compiled rules of the usager's form of `revision`, even when it
    /// has none: what a groupe's routing rule is evaluated with.
    pub fn du_formulaire_entier(
        &self,
        revision: RevisionId,
        types: &[TypeDeChamp],
        ineligibilite: Option<&Ineligibilite>,
    ) -> Arc<ReglesRevision> {
        self.compilees(revision, types, ineligibilite)
    }

    /// Every request that reads a form comes here: the fingerprint is
    /// taken over the types as they are, and the usager's form is only
    /// copied out when it must be compiled.
    fn compilees(
        &self,
        revision: RevisionId,
        types: &[TypeDeChamp],
        ineligibilite: Option<&Ineligibilite>,
    ) -> Arc<ReglesRevision> {
        let empreinte = empreinte(publics(types), ineligibilite);
        if let Some((e, regles)) = self.lock().get(&revision)
            && *e == empreinte
        {
            return regles.clone();
        }
        // Failures of the rules as they were no longer say anything.
        lock(&self.echecs).remove(&revision);
        // Compiled outside the lock: other forms are not held up meanwhile.
        let publics: Vec<TypeDeChamp> = publics(types).cloned().collect();
        let regles = Arc::new(ReglesRevision::compiler(&publics, ineligibilite, Arc::new(TerritoireOfficiel)));
        let mut entries = self.lock();
        faire_place(&mut entries, revision);
        entries.insert(revision, (empreinte, regles.clone()));
        regles
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<RevisionId, (u64, Arc<ReglesRevision>)>> {
        lock(&self.entries)
    }

    /// One evaluation of a form's rules over its answers; without rules,
    /// everything is visible and nothing is computed. A rule that fails is
    /// logged and kept for the editor ([`Self::echecs`]).
    pub fn evaluer(
        &self,
        revision: RevisionId,
        regles: Option<&ReglesRevision>,
        valeurs: impl FnOnce() -> Valeurs,
    ) -> Evaluation {
        let Some(regles) = regles else {
            return Evaluation::default();
        };
        let ev = regles.evaluer(&valeurs());
        if !ev.erreurs.is_empty() {
            let mut echecs = lock(&self.echecs);
            faire_place(&mut echecs, revision);
            let derniers = echecs.entry(revision).or_default();
            for e in &ev.erreurs {
                tracing::warn!(message = %e.message, revision = revision.0, "rule evaluation failed");
                derniers.insert(e.champ, e.message.chars().take(ECHEC_MAX_CHARS).collect());
            }
        }
        ev
    }

    /// The rules of `revision` that failed when they last ran, in form
    /// order of their champ (the inéligibilité first).
    pub fn echecs(&self, revision: RevisionId) -> Vec<String> {
        lock(&self.echecs).get(&revision).map(|m| m.values().cloned().collect()).unwrap_or_default()
    }
}

/// The types de champ of the usager's form: no rule the usager triggers
/// may read an annotation privée.
fn publics(types: &[TypeDeChamp]) -> impl Iterator<Item = &TypeDeChamp> {
    types.iter().filter(|t| !t.prive)
}

/// Room for `revision` in a map bounded by [`MAX_REVISIONS`]: past it, an
/// arbitrary other revision is dropped (recompiled, or its failures
/// forgotten, on its next use).
fn faire_place<V>(map: &mut HashMap<RevisionId, V>, revision: RevisionId) {
    if map.len() >= MAX_REVISIONS
        && !map.contains_key(&revision)
        && let Some(k) = map.keys().next().copied()
    {
        map.remove(&k);
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic while holding the lock leaves a map that is still
    // consistent (inserts and removes are single calls).
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// What a revision's compiled rules depend on: the champs in order with
/// their type, parent, condition and formula, and the inéligibilité.
fn empreinte<'a>(types: impl Iterator<Item = &'a TypeDeChamp>, ineligibilite: Option<&Ineligibilite>) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    for t in types {
        t.stable_id.0.hash(&mut h);
        t.type_champ.as_str().hash(&mut h);
        t.libelle.hash(&mut h);
        t.parent.map(|p| p.0).hash(&mut h);
        t.condition.as_ref().map(|r| r.expression.as_str()).hash(&mut h);
        t.options.calcul.hash(&mut h);
    }
    ineligibilite.map(|i| (i.regle.expression.as_str(), i.message.as_str())).hash(&mut h);
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::champ::OptionsChamp;
    use crate::domain::regle::verification::regle_experte;
    use crate::domain::{StableId, TypeChamp};

    fn tdc(id: i64, t: TypeChamp) -> TypeDeChamp {
        TypeDeChamp {
            stable_id: StableId(id),
            type_champ: t,
            libelle: format!("Champ {id}"),
            description: String::new(),
            obligatoire: false,
            options: OptionsChamp::default(),
            parent: None,
            condition: None,
            prive: false,
        }
    }

    #[test]
    fn a_revision_is_compiled_once_and_again_when_its_rules_change() {
        let cache = ReglesCache::default();
        let a = tdc(1, TypeChamp::IntegerNumber);
        let mut b = tdc(2, TypeChamp::Text);
        assert!(cache.du_formulaire(RevisionId(1), &[a.clone(), b.clone()], None).is_none());
        b.condition = Some(regle_experte("champ_1 > 3", &[&a]).unwrap());
        let first = cache.du_formulaire(RevisionId(1), &[a.clone(), b.clone()], None).unwrap();
        let again = cache.du_formulaire(RevisionId(1), &[a.clone(), b.clone()], None).unwrap();
        assert!(Arc::ptr_eq(&first, &again));
        b.condition = Some(regle_experte("champ_1 > 4", &[&a]).unwrap());
        let changed = cache.du_formulaire(RevisionId(1), &[a, b], None).unwrap();
        assert!(!Arc::ptr_eq(&first, &changed));
    }

    #[test]
    fn the_usager_rules_never_read_an_annotation_privee() {
        let cache = ReglesCache::default();
        let mut note = tdc(1, TypeChamp::IntegerNumber);
        note.prive = true;
        let mut b = tdc(2, TypeChamp::Text);
        b.condition = Some(regle_experte("champ_1 > 3", &[&note]).unwrap());
        let regles = cache.du_formulaire(RevisionId(1), &[note, b], None).unwrap();
        let mut valeurs = Valeurs::default();
        valeurs.champs.insert(StableId(1), "10".into());
        let ev = cache.evaluer(RevisionId(1), Some(&regles), || valeurs);
        // The rule does not compile without the annotation: the champ is
        // shown and the error reported, nothing about the note leaks.
        assert!(ev.visible(StableId(2)));
        assert_eq!(ev.erreurs.len(), 1);
    }

    #[test]
    fn a_rule_failing_on_answers_is_kept_for_the_editor_until_it_changes() {
        let cache = ReglesCache::default();
        let a = tdc(1, TypeChamp::Text);
        let mut b = tdc(2, TypeChamp::Text);
        // Text minus a number: fine to compile, fails on every answer.
        b.condition = Some(regle_experte("champ_1 - 1 > 0", &[&a]).unwrap());
        let types = [a.clone(), b.clone()];
        let regles = cache.du_formulaire(RevisionId(7), &types, None).unwrap();
        assert!(cache.echecs(RevisionId(7)).is_empty());
        let valeurs = || Valeurs { champs: HashMap::from([(StableId(1), "x".to_string())]), ..Valeurs::default() };
        let ev = cache.evaluer(RevisionId(7), Some(&regles), valeurs);
        assert!(ev.visible(StableId(2)), "a failing condition shows its champ");
        let echecs = cache.echecs(RevisionId(7));
        assert_eq!(echecs.len(), 1, "{echecs:?}");
        assert!(echecs[0].starts_with("La condition de « Champ 2 » ne peut pas être évaluée"), "{echecs:?}");
        cache.evaluer(RevisionId(7), Some(&regles), valeurs);
        assert_eq!(cache.echecs(RevisionId(7)).len(), 1, "one entry per rule, the last failure");
        assert!(cache.echecs(RevisionId(8)).is_empty());
        // Fixed in the editor: recompiled, the old failure is gone.
        b.condition = Some(regle_experte("vide(champ_1)", &[&a]).unwrap());
        cache.du_formulaire(RevisionId(7), &[a, b], None).unwrap();
        assert!(cache.echecs(RevisionId(7)).is_empty());
    }
}
