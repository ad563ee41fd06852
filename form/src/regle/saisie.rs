//! The rule editor's form as typed: the no-code builder's rows (champ,
//! operator, value) or, in expert mode, the rhai expression. Every field is
//! kept as a string so that a refused rule comes back exactly as typed.
//! The same form edits a champ's display condition and the inéligibilité.

use super::constructeur::{CLAUSES_MAX, Clause, Combinaison, Operateur, compiler_clauses};
use super::verification::regle_experte;
use super::{Regle, sandbox};
use crate::StableId;
use crate::champ::TypeDeChamp;
use serde::Serialize;
use std::collections::HashMap;

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct SaisieRegle {
    /// `expert` for a typed expression; anything else is the builder.
    pub mode: String,
    /// `et` or `ou`.
    pub combinaison: String,
    pub clauses: Vec<SaisieClause>,
    pub expression: String,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct SaisieClause {
    /// A stable id as posted; empty: a row left blank, ignored.
    pub champ: String,
    pub operateur: String,
    pub valeur: String,
}

/// The name of a builder row's input (`clause_2_valeur`) and the key of its
/// error (`clause_2`).
pub fn nom_clause(i: usize, partie: &str) -> String {
    format!("clause_{i}_{partie}")
}

pub fn cle_erreur_clause(i: usize) -> String {
    format!("clause_{i}")
}

impl SaisieRegle {
    pub fn expert(&self) -> bool {
        self.mode == "expert"
    }

    /// The form for a stored rule (none: one blank row to start from).
    pub fn depuis(regle: Option<&Regle>) -> Self {
        let Some(r) = regle else {
            return Self { clauses: vec![SaisieClause::default()], ..Self::default() };
        };
        let clauses: Vec<SaisieClause> = r
            .clauses
            .iter()
            .map(|c| SaisieClause {
                champ: c.champ.0.to_string(),
                operateur: c.operateur.as_str().to_string(),
                valeur: c.valeur.clone(),
            })
            .collect();
        Self {
            mode: if r.clauses.is_empty() { "expert".into() } else { String::new() },
            combinaison: if r.combinaison == Combinaison::Ou { "ou".into() } else { "et".into() },
            clauses: if clauses.is_empty() { vec![SaisieClause::default()] } else { clauses },
            expression: r.expression.clone(),
        }
    }

    /// Reads the posted fields: rows `clause_<i>_…` for `i` below
    /// `CLAUSES_MAX` (more rows than a rule may hold are not read).
    pub fn depuis_formulaire(f: &HashMap<String, String>) -> Self {
        let get = |k: &str| f.get(k).cloned().unwrap_or_default();
        let mut clauses = Vec::new();
        for i in 0..CLAUSES_MAX {
            let champ = f.get(&nom_clause(i, "champ"));
            let Some(champ) = champ else { break };
            clauses.push(SaisieClause {
                champ: champ.clone(),
                operateur: get(&nom_clause(i, "operateur")),
                valeur: get(&nom_clause(i, "valeur")),
            });
        }
        Self { mode: get("mode"), combinaison: get("combinaison"), clauses, expression: get("expression") }
    }

    /// One more blank row, when the rule may hold one more.
    pub fn ajouter_ligne(&mut self) {
        if self.clauses.len() < CLAUSES_MAX {
            self.clauses.push(SaisieClause::default());
        }
    }

    pub fn retirer_ligne(&mut self, i: usize) {
        if i < self.clauses.len() {
            self.clauses.remove(i);
        }
        if self.clauses.is_empty() {
            self.clauses.push(SaisieClause::default());
        }
    }

    /// The rule over `champs` (those it may read), or the errors by field:
    /// `clause_<i>` for a builder row, `expression` in expert mode,
    /// `clauses` for the rule as a whole.
    pub fn regle(&self, champs: &[&TypeDeChamp]) -> Result<Regle, Vec<(String, String)>> {
        if self.expert() {
            if self.expression.chars().count() > sandbox::MAX_EXPRESSION_CHARS {
                let max = sandbox::MAX_EXPRESSION_CHARS;
                return Err(vec![("expression".into(), format!("La règle ne doit pas dépasser {max} caractères."))]);
            }
            return regle_experte(&self.expression, champs).map_err(|e| vec![("expression".into(), e)]);
        }
        let mut erreurs = Vec::new();
        let mut clauses = Vec::new();
        // Rows left blank are ignored; the others keep their index so that
        // an error lands next to its row.
        let mut rangs = Vec::new();
        for (i, c) in self.clauses.iter().enumerate() {
            if c.champ.trim().is_empty() {
                continue;
            }
            let champ = c.champ.trim().parse::<i64>().ok().map(StableId);
            let operateur = Operateur::parse(c.operateur.trim());
            match (champ, operateur) {
                (Some(champ), Some(operateur)) => {
                    clauses.push(Clause { champ, operateur, valeur: c.valeur.clone() });
                    rangs.push(i);
                }
                (None, _) => {
                    erreurs.push((cle_erreur_clause(i), format!("Condition {} : choisissez un champ.", i + 1)))
                }
                (_, None) => {
                    erreurs.push((cle_erreur_clause(i), format!("Condition {} : choisissez une comparaison.", i + 1)))
                }
            }
        }
        if !erreurs.is_empty() {
            return Err(erreurs);
        }
        compiler_clauses(&clauses, Combinaison::parse(&self.combinaison), champs).map_err(|e| {
            e.into_iter()
                .map(|(i, m)| match i.and_then(|i| rangs.get(i)) {
                    // The message names the row's rank among those kept:
                    // say the rank on the page instead.
                    Some(&rang) => (cle_erreur_clause(rang), renumeroter(&m, rang + 1)),
                    None => ("clauses".to_string(), m),
                })
                .collect()
        })
    }
}

/// « Condition 2 : … » for the row shown second, whatever blank rows
/// came before it.
fn renumeroter(message: &str, rang: usize) -> String {
    match message.split_once(" : ") {
        Some((_, rest)) => format!("Condition {rang} : {rest}"),
        None => message.to_string(),
    }
}

/// A rule in words for the editor's list: « « Âge » est supérieur à « 18 »
/// et … », or the expression of an expert rule.
pub fn decrire(regle: &Regle, tdcs: &[TypeDeChamp]) -> String {
    if regle.clauses.is_empty() {
        return regle.expression.clone();
    }
    let lien = if regle.combinaison == Combinaison::Ou { " ou " } else { " et " };
    regle
        .clauses
        .iter()
        .map(|c| {
            let libelle = tdcs
                .iter()
                .find(|t| t.stable_id == c.champ)
                .map_or_else(|| "(champ supprimé)".to_string(), |t| format!("« {} »", t.libelle));
            if c.operateur.avec_valeur() {
                format!("{libelle} {} « {} »", c.operateur.libelle(), c.valeur)
            } else {
                format!("{libelle} {}", c.operateur.libelle())
            }
        })
        .collect::<Vec<_>>()
        .join(lien)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::champ::{OptionsChamp, TypeChamp};

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

    fn form(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn builder_rows_become_a_rule_and_read_back_as_typed() {
        let (a, b) = (tdc(1, TypeChamp::IntegerNumber), tdc(2, TypeChamp::YesNo));
        let f = form(&[
            ("combinaison", "ou"),
            ("clause_0_champ", "1"),
            ("clause_0_operateur", "superieur"),
            ("clause_0_valeur", "17"),
            ("clause_1_champ", ""),
            ("clause_1_operateur", "egal"),
            ("clause_2_champ", "2"),
            ("clause_2_operateur", "egal"),
            ("clause_2_valeur", "oui"),
        ]);
        let s = SaisieRegle::depuis_formulaire(&f);
        assert_eq!(s.clauses.len(), 3);
        let r = s.regle(&[&a, &b]).unwrap();
        assert_eq!(r.expression, "(champ_1 > 17) || (champ_2 == true)");
        assert_eq!(
            decrire(&r, &[a.clone(), b.clone()]),
            "« Champ 1 » est supérieur à « 17 » ou « Champ 2 » est égal à « oui »"
        );
        let back = SaisieRegle::depuis(Some(&r));
        assert_eq!(back.clauses.len(), 2);
        assert_eq!(back.combinaison, "ou");
        assert_eq!(back.regle(&[&a, &b]).unwrap(), r);
    }

    #[test]
    fn refused_rows_name_their_rank_on_the_page() {
        let a = tdc(1, TypeChamp::IntegerNumber);
        let f = form(&[
            ("clause_0_champ", ""),
            ("clause_1_champ", "1"),
            ("clause_1_operateur", "egal"),
            ("clause_1_valeur", "douze"),
        ]);
        let e = SaisieRegle::depuis_formulaire(&f).regle(&[&a]).unwrap_err();
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].0, "clause_1");
        assert!(e[0].1.starts_with("Condition 2 : "), "{e:?}");
        let e = SaisieRegle::depuis_formulaire(&form(&[("clause_0_champ", "x"), ("clause_0_operateur", "egal")]))
            .regle(&[&a])
            .unwrap_err();
        assert!(e[0].1.contains("choisissez un champ"));
        let e = SaisieRegle::depuis_formulaire(&form(&[("clause_0_champ", "1"), ("clause_0_operateur", "eval")]))
            .regle(&[&a])
            .unwrap_err();
        assert!(e[0].1.contains("comparaison"));
        // Nothing but blank rows.
        let e = SaisieRegle::depuis_formulaire(&form(&[("clause_0_champ", "")])).regle(&[&a]).unwrap_err();
        assert_eq!(e[0].0, "clauses");
    }

    #[test]
    fn expert_mode_takes_rhai_checked_against_the_champs_above() {
        let a = tdc(1, TypeChamp::IntegerNumber);
        let ok = SaisieRegle { mode: "expert".into(), expression: "champ_1 >= 18".into(), ..Default::default() };
        assert_eq!(ok.regle(&[&a]).unwrap().expression, "champ_1 >= 18");
        let ko = SaisieRegle { mode: "expert".into(), expression: "champ_9 >= 18".into(), ..Default::default() };
        assert_eq!(ko.regle(&[&a]).unwrap_err()[0].0, "expression");
        let long = SaisieRegle { mode: "expert".into(), expression: "1".repeat(10_000), ..Default::default() };
        assert!(long.regle(&[&a]).unwrap_err()[0].1.contains("dépasser"));
    }

    #[test]
    fn rows_are_added_and_removed_within_bounds() {
        let mut s = SaisieRegle::depuis(None);
        assert_eq!(s.clauses.len(), 1);
        for _ in 0..100 {
            s.ajouter_ligne();
        }
        assert_eq!(s.clauses.len(), CLAUSES_MAX);
        for _ in 0..100 {
            s.retirer_ligne(0);
        }
        assert_eq!(s.clauses.len(), 1);
        s.retirer_ligne(42);
        assert_eq!(s.clauses.len(), 1);
    }
}
