//! A revision's rules compiled once, and evaluated in one ordered pass over
//! a dossier's answers: which champs are visible, what computed champs are
//! worth, and whether the usager is ineligible.
//!
//! The pass goes down the form in order. A champ's condition sees the
//! champs above it as they are *after* their own conditions: a hidden champ
//! reads blank (`()`), so a champ depending on a hidden one is evaluated as
//! if it had not been answered. Inside a repetition each row is evaluated
//! with the champs above the block plus the row's siblings above; after the
//! block, each child champ reads as the list of its rows' values (so a
//! computed champ can total a column).

use super::sandbox::{self, Territoire};
use super::valeurs;
use super::{Ineligibilite, variable};
use crate::StableId;
use crate::champ::{TypeChamp, TypeDeChamp};
use rhai::{AST, Array, Dynamic, Engine, Scope};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

/// A dossier's answers as the rules read them: stored values by champ, and
/// a repetition's rows (each row its own answers by child champ).
#[derive(Clone, Debug, Default)]
pub struct Valeurs {
    pub champs: HashMap<StableId, String>,
    pub lignes: HashMap<StableId, Vec<HashMap<StableId, String>>>,
}

impl Valeurs {
    /// The answers of a form as rules read them, from what each champ holds
    /// (`brut`: stored or just typed). A value is normalized as its type
    /// stores it when it is valid (« 1 200 » reads 1200), kept as typed
    /// otherwise: a condition follows what the usager sees on the page.
    ///
    /// `lignes` gives each block's row ids in order; `brut` is asked for a
    /// top-level champ with `None`, for a champ of a row with its row id.
    pub fn depuis_formulaire(
        tdcs: &[TypeDeChamp],
        lignes: &HashMap<StableId, Vec<String>>,
        brut: impl Fn(&TypeDeChamp, Option<&str>) -> Option<String>,
    ) -> Self {
        let lu = |tdc: &TypeDeChamp, row: Option<&str>| {
            let raw = brut(tdc, row).filter(|v| !v.trim().is_empty())?;
            match crate::champ::valider_format(tdc, &raw) {
                Ok(Some(normalized)) => Some(normalized),
                Ok(None) => None,
                Err(_) => Some(raw),
            }
        };
        let saisis = || tdcs.iter().filter(|t| t.type_champ.saisi_par_usager() && !t.prive);
        let mut champs = HashMap::with_capacity(tdcs.len());
        for tdc in saisis().filter(|t| t.parent.is_none()) {
            if let Some(v) = lu(tdc, None) {
                champs.insert(tdc.stable_id, v);
            }
        }
        let mut par_bloc: HashMap<StableId, Vec<HashMap<StableId, String>>> = HashMap::new();
        for (bloc, rows) in lignes {
            let enfants: Vec<&TypeDeChamp> = saisis().filter(|t| t.parent == Some(*bloc)).collect();
            let rows = rows
                .iter()
                .map(|row| enfants.iter().filter_map(|t| lu(t, Some(row)).map(|v| (t.stable_id, v))).collect())
                .collect();
            par_bloc.insert(*bloc, rows);
        }
        Self { champs, lignes: par_bloc }
    }
}

/// A rule that could not be compiled or evaluated, for the administrateur.
/// The champ it belongs to is shown (`None`: the inéligibilité rule).
#[derive(Clone, Debug, PartialEq)]
pub struct ErreurRegle {
    pub champ: Option<StableId>,
    pub message: String,
}

/// What one pass over a dossier found.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Evaluation {
    /// Champs hidden by a condition (or inside a hidden block).
    pub masques: BTreeSet<StableId>,
    /// Champs hidden in one row of a repetition: (block, row) → champs.
    pub masques_lignes: BTreeMap<(StableId, usize), BTreeSet<StableId>>,
    /// Computed champs' values as stored (`None`: blank or in error).
    pub calculs: BTreeMap<StableId, Option<String>>,
    /// Computed champs in rows: (block, row) → champ → value.
    pub calculs_lignes: BTreeMap<(StableId, usize), BTreeMap<StableId, Option<String>>>,
    /// The inéligibilité message, when the rule is true.
    pub ineligible: Option<String>,
    pub erreurs: Vec<ErreurRegle>,
}

impl Evaluation {
    pub fn visible(&self, champ: StableId) -> bool {
        !self.masques.contains(&champ)
    }
}

/// One champ's compiled rules; a rule that failed to compile keeps its
/// message so that every evaluation reports it (and shows the champ).
struct ChampCompile {
    stable_id: StableId,
    variable: String,
    type_champ: TypeChamp,
    libelle: String,
    condition: Option<Result<AST, String>>,
    calcul: Option<Result<AST, String>>,
}

/// Every rule of a revision, compiled: built once per published revision
/// and shared (the host keeps it keyed by revision id).
pub struct ReglesRevision {
    engine: Engine,
    /// Top-level champs in order; a repetition's children in `enfants`.
    champs: Vec<ChampCompile>,
    enfants: HashMap<StableId, Vec<ChampCompile>>,
    ineligibilite: Option<(Result<AST, String>, String)>,
    /// Every champ's variable: what a rule over the whole form (the
    /// inéligibilité, a groupe's routing rule) may read.
    toutes: Scope<'static>,
}

impl ReglesRevision {
    /// Compiles the rules of `tdcs` (a revision's champs, in order) and its
    /// inéligibilité. Each rule may only read the champs above its champ
    /// (and its row's siblings above it): anything else fails to compile.
    pub fn compiler(
        tdcs: &[TypeDeChamp],
        ineligibilite: Option<&Ineligibilite>,
        territoire: Arc<dyn Territoire>,
    ) -> Self {
        let engine = sandbox::engine(territoire);
        let blocs: BTreeSet<StableId> =
            tdcs.iter().filter(|t| t.type_champ == TypeChamp::Repetition).map(|t| t.stable_id).collect();
        let mut disponibles = Scope::new();
        let mut champs = Vec::new();
        let mut enfants: HashMap<StableId, Vec<ChampCompile>> = HashMap::new();
        for tdc in tdcs.iter().filter(|t| !t.parent.is_some_and(|p| blocs.contains(&p))) {
            champs.push(compiler_champ(&engine, &disponibles, tdc));
            if tdc.type_champ == TypeChamp::Repetition {
                let mut ligne = disponibles.clone();
                let mut compiles = Vec::new();
                for enfant in tdcs.iter().filter(|t| t.parent == Some(tdc.stable_id)) {
                    compiles.push(compiler_champ(&engine, &ligne, enfant));
                    ligne.push(variable(enfant.stable_id), ());
                }
                for enfant in &compiles {
                    disponibles.push(enfant.variable.clone(), ());
                }
                enfants.insert(tdc.stable_id, compiles);
            }
            disponibles.push(variable(tdc.stable_id), ());
        }
        let ineligibilite =
            ineligibilite.map(|i| (compiler(&engine, &disponibles, &i.regle.expression), i.message.clone()));
        Self { engine, champs, enfants, ineligibilite, toutes: disponibles }
    }

    /// Compiles a rule over the whole form, read as the inéligibilité
    /// reads it (after every condition): a groupe's routing rule.
    pub fn compiler_sur_tout(&self, expression: &str) -> Result<AST, String> {
        compiler(&self.engine, &self.toutes, expression)
    }

    /// One pass over `valeurs`, then each rule of `finales` (compiled by
    /// [`Self::compiler_sur_tout`]) over the form's final values: true,
    /// false, or why it could not be evaluated.
    pub fn evaluer_avec(&self, valeurs: &Valeurs, finales: &[&AST]) -> (Evaluation, Vec<Result<bool, String>>) {
        let mut scope = Scope::new();
        let ev = self.passe(valeurs, &mut scope);
        let resultats = finales.iter().map(|ast| self.booleen(ast, &mut scope)).collect();
        (ev, resultats)
    }

    /// Whether a form has any rule at all: most have none, and then no
    /// evaluation is needed.
    pub fn necessaire<'a>(
        tdcs: impl IntoIterator<Item = &'a TypeDeChamp>,
        ineligibilite: Option<&Ineligibilite>,
    ) -> bool {
        ineligibilite.is_some() || tdcs.into_iter().any(|t| t.condition.is_some() || t.type_champ == TypeChamp::Calcul)
    }

    /// How many rules were compiled (conditions, calculs, inéligibilité).
    pub fn nombre_de_regles(&self) -> usize {
        let n = |c: &ChampCompile| usize::from(c.condition.is_some()) + usize::from(c.calcul.is_some());
        self.champs.iter().map(n).sum::<usize>()
            + self.enfants.values().flatten().map(n).sum::<usize>()
            + usize::from(self.ineligibilite.is_some())
    }

    /// One ordered pass over `valeurs`.
    pub fn evaluer(&self, valeurs: &Valeurs) -> Evaluation {
        self.passe(valeurs, &mut Scope::new())
    }

    /// The pass itself, leaving every champ's final value in `scope`.
    fn passe(&self, valeurs: &Valeurs, scope: &mut Scope<'static>) -> Evaluation {
        let mut ev = Evaluation::default();
        for champ in &self.champs {
            let visible = self.condition(champ, scope, &mut ev);
            if !visible {
                ev.masques.insert(champ.stable_id);
            }
            let valeur = match &champ.type_champ {
                TypeChamp::Repetition => {
                    let lignes = valeurs.lignes.get(&champ.stable_id).map(Vec::as_slice).unwrap_or_default();
                    self.repetition(champ.stable_id, visible, lignes, scope, &mut ev);
                    if visible { Dynamic::from_int(lignes.len() as i64) } else { valeurs::vide() }
                }
                TypeChamp::Calcul => {
                    let v = if visible { self.calcul(champ, scope, &mut ev) } else { valeurs::vide() };
                    ev.calculs.insert(champ.stable_id, valeurs::en_texte(&v));
                    v
                }
                t if visible => valeurs::valeur(t, valeurs.champs.get(&champ.stable_id).map(String::as_str)),
                _ => valeurs::vide(),
            };
            scope.push_dynamic(champ.variable.clone(), valeur);
        }
        if let Some((regle, message)) = &self.ineligibilite {
            match regle.as_ref().map_err(String::clone).and_then(|ast| self.booleen(ast, scope)) {
                Ok(true) => ev.ineligible = Some(message.clone()),
                Ok(false) => {}
                Err(e) => ev.erreurs.push(ErreurRegle {
                    champ: None,
                    message: format!("La règle d'inéligibilité ne peut pas être évaluée : {e}"),
                }),
            }
        }
        ev
    }

    /// The rows of a block: each row sees the scope above plus its own
    /// siblings above; afterwards each child reads as its column.
    fn repetition(
        &self,
        bloc: StableId,
        visible: bool,
        lignes: &[HashMap<StableId, String>],
        scope: &mut Scope<'static>,
        ev: &mut Evaluation,
    ) {
        let enfants = self.enfants.get(&bloc).map(Vec::as_slice).unwrap_or_default();
        let mut colonnes: Vec<Array> = vec![Array::new(); enfants.len()];
        for (rang, ligne) in lignes.iter().enumerate() {
            let (masques, calculs) = self.evaluer_ligne_dans(bloc, visible, ligne, scope, &mut colonnes, ev);
            if !masques.is_empty() {
                ev.masques_lignes.insert((bloc, rang), masques);
            }
            if !calculs.is_empty() {
                ev.calculs_lignes.insert((bloc, rang), calculs);
            }
        }
        for (enfant, colonne) in enfants.iter().zip(colonnes) {
            if !visible {
                ev.masques.insert(enfant.stable_id);
            }
            let v = if visible { Dynamic::from_array(colonne) } else { valeurs::vide() };
            scope.push_dynamic(enfant.variable.clone(), v);
        }
    }

    /// One row of block `bloc` evaluated over `base` (the values above the
    /// block): which of its champs are hidden, and its computed values.
    /// Public so that a row can be re-evaluated on its own (a row added by
    /// the usager) once repetitions are stored.
    pub fn evaluer_ligne(
        &self,
        bloc: StableId,
        base: &Valeurs,
        ligne: &HashMap<StableId, String>,
    ) -> (BTreeSet<StableId>, BTreeMap<StableId, Option<String>>) {
        let mut scope = Scope::new();
        let mut ev = Evaluation::default();
        for champ in self.champs.iter().take_while(|c| c.stable_id != bloc) {
            let v = valeurs::valeur(&champ.type_champ, base.champs.get(&champ.stable_id).map(String::as_str));
            scope.push_dynamic(champ.variable.clone(), v);
        }
        let n = self.enfants.get(&bloc).map_or(0, Vec::len);
        let mut colonnes = vec![Array::new(); n];
        self.evaluer_ligne_dans(bloc, true, ligne, &scope, &mut colonnes, &mut ev)
    }

    fn evaluer_ligne_dans(
        &self,
        bloc: StableId,
        bloc_visible: bool,
        ligne: &HashMap<StableId, String>,
        base: &Scope<'static>,
        colonnes: &mut [Array],
        ev: &mut Evaluation,
    ) -> (BTreeSet<StableId>, BTreeMap<StableId, Option<String>>) {
        let enfants = self.enfants.get(&bloc).map(Vec::as_slice).unwrap_or_default();
        let mut scope = base.clone();
        let mut masques = BTreeSet::new();
        let mut calculs = BTreeMap::new();
        for (enfant, colonne) in enfants.iter().zip(colonnes.iter_mut()) {
            let visible = bloc_visible && self.condition(enfant, &mut scope, ev);
            if !visible {
                masques.insert(enfant.stable_id);
            }
            let v = match &enfant.type_champ {
                _ if !visible => valeurs::vide(),
                TypeChamp::Calcul => {
                    let v = self.calcul(enfant, &mut scope, ev);
                    calculs.insert(enfant.stable_id, valeurs::en_texte(&v));
                    v
                }
                t => valeurs::valeur(t, ligne.get(&enfant.stable_id).map(String::as_str)),
            };
            colonne.push(v.clone());
            scope.push_dynamic(enfant.variable.clone(), v);
        }
        (masques, calculs)
    }

    /// Whether a champ is shown. A condition that fails shows the champ and
    /// reports why: an error never hides a question silently.
    fn condition(&self, champ: &ChampCompile, scope: &mut Scope<'static>, ev: &mut Evaluation) -> bool {
        let Some(regle) = &champ.condition else { return true };
        match regle.as_ref().map_err(String::clone).and_then(|ast| self.booleen(ast, scope)) {
            Ok(b) => b,
            Err(e) => {
                ev.erreurs.push(ErreurRegle {
                    champ: Some(champ.stable_id),
                    message: format!("La condition de « {} » ne peut pas être évaluée : {e}", champ.libelle),
                });
                true
            }
        }
    }

    fn calcul(&self, champ: &ChampCompile, scope: &mut Scope<'static>, ev: &mut Evaluation) -> Dynamic {
        let Some(regle) = &champ.calcul else { return valeurs::vide() };
        let resultat = regle
            .as_ref()
            .map_err(String::clone)
            .and_then(|ast| self.engine.eval_ast_with_scope::<Dynamic>(scope, ast).map_err(|e| e.to_string()));
        resultat.unwrap_or_else(|e| {
            ev.erreurs.push(ErreurRegle {
                champ: Some(champ.stable_id),
                message: format!("La valeur calculée de « {} » ne peut pas être évaluée : {e}", champ.libelle),
            });
            valeurs::vide()
        })
    }

    fn booleen(&self, ast: &AST, scope: &mut Scope<'static>) -> Result<bool, String> {
        let v = self.engine.eval_ast_with_scope::<Dynamic>(scope, ast).map_err(|e| e.to_string())?;
        v.as_bool().map_err(|t| format!("la règle doit donner vrai ou faux, elle donne une valeur de type {t}."))
    }
}

fn compiler_champ(engine: &Engine, disponibles: &Scope, tdc: &TypeDeChamp) -> ChampCompile {
    let calcul = match (&tdc.type_champ, &tdc.options.calcul) {
        (TypeChamp::Calcul, Some(e)) => Some(compiler(engine, disponibles, e)),
        _ => None,
    };
    ChampCompile {
        stable_id: tdc.stable_id,
        variable: variable(tdc.stable_id),
        type_champ: tdc.type_champ.clone(),
        libelle: tdc.libelle.clone(),
        condition: tdc.condition.as_ref().map(|r| compiler(engine, disponibles, &r.expression)),
        calcul,
    }
}

/// Compiles one rule against the variables it may read.
pub(crate) fn compiler(engine: &Engine, disponibles: &Scope, expression: &str) -> Result<AST, String> {
    if expression.chars().count() > sandbox::MAX_EXPRESSION_CHARS {
        return Err(format!("une règle ne doit pas dépasser {} caractères.", sandbox::MAX_EXPRESSION_CHARS));
    }
    engine.compile_expression_with_scope(disponibles, expression).map_err(|e| traduire(&e.to_string()))
}

/// rhai's parse errors name what is wrong in English; the one an
/// administrateur meets most (a champ not available) is said in French.
fn traduire(erreur: &str) -> String {
    if let Some(rest) = erreur.strip_prefix("Undefined variable: ") {
        let nom = rest.split_whitespace().next().unwrap_or(rest);
        return format!("« {nom} » n'est pas un champ placé au-dessus de celui-ci ({erreur}).");
    }
    format!("la règle n'est pas valide ({erreur}).")
}
