//! Tests of the compiled rules over whole forms: visibility in one pass,
//! computed values, inéligibilité, repetition rows, and every kind of
//! broken rule.

use super::constructeur::{Clause, Combinaison, Operateur, compiler_clauses};
use super::verification::regle_experte;
use super::*;
use crate::champ::{OptionsChamp, TypeChamp, TypeDeChamp};
use std::collections::HashMap;
use std::sync::Arc;

fn tdc(id: i64, t: TypeChamp) -> TypeDeChamp {
    TypeDeChamp {
        stable_id: StableId(id),
        type_champ: t,
        libelle: format!("Champ {id}"),
        description: String::new(),
        obligatoire: false,
        options: OptionsChamp { choix: vec!["A".into(), "B".into()], ..OptionsChamp::default() },
        parent: None,
        condition: None,
        prive: false,
    }
}

fn regle(e: &str) -> Regle {
    Regle { expression: e.into(), clauses: vec![], combinaison: Combinaison::Et, references: vec![] }
}

fn expr(e: &str) -> Option<Regle> {
    Some(regle(e))
}

fn valeurs(pairs: &[(i64, &str)]) -> Valeurs {
    Valeurs { champs: pairs.iter().map(|(k, v)| (StableId(*k), v.to_string())).collect(), lignes: HashMap::new() }
}

fn compiler(tdcs: &[TypeDeChamp]) -> ReglesRevision {
    ReglesRevision::compiler(tdcs, None, Arc::new(SansTerritoire))
}

#[test]
fn a_hidden_champ_reads_blank_to_the_champs_below_it() {
    let a = tdc(1, TypeChamp::YesNo);
    let mut b = tdc(2, TypeChamp::IntegerNumber);
    b.condition = expr("champ_1 == true");
    let mut c = tdc(3, TypeChamp::Text);
    c.condition = expr("champ_2 > 10");
    let mut d = tdc(4, TypeChamp::Text);
    d.condition = expr("vide(champ_2)");
    let r = compiler(&[a, b, c, d]);
    // b shown and answered 12: c shown, d (b left blank) hidden.
    let ev = r.evaluer(&valeurs(&[(1, "true"), (2, "12")]));
    assert_eq!(ev.masques.iter().map(|s| s.0).collect::<Vec<_>>(), [4], "{ev:?}");
    assert!(ev.erreurs.is_empty(), "{ev:?}");
    // a says no: b hidden, so its stale 12 reads blank and hides c too.
    let ev = r.evaluer(&valeurs(&[(1, "false"), (2, "12")]));
    assert_eq!(ev.masques.iter().map(|s| s.0).collect::<Vec<_>>(), [2, 3]);
    assert!(ev.visible(StableId(4)));
    // Not answered at all: comparisons with a blank are false.
    let ev = r.evaluer(&Valeurs::default());
    assert!(!ev.visible(StableId(2)) && !ev.visible(StableId(3)));
}

#[test]
fn built_clauses_evaluate_as_the_administrateur_meant() {
    let n = tdc(1, TypeChamp::DecimalNumber);
    let m = tdc(2, TypeChamp::MultipleDropDownList);
    let commune = tdc(3, TypeChamp::Communes);
    let champs = [&n, &m, &commune];
    let clauses = [
        Clause { champ: StableId(1), operateur: Operateur::SuperieurOuEgal, valeur: "1000".into() },
        Clause { champ: StableId(2), operateur: Operateur::Contient, valeur: "B".into() },
        Clause { champ: StableId(3), operateur: Operateur::DansDepartement, valeur: "75".into() },
    ];
    let mut cible = tdc(4, TypeChamp::Text);
    cible.condition = Some(compiler_clauses(&clauses, Combinaison::Et, &champs).unwrap());
    let mut ou = tdc(5, TypeChamp::Text);
    ou.condition = Some(compiler_clauses(&clauses, Combinaison::Ou, &champs).unwrap());
    let r = compiler(&[n.clone(), m.clone(), commune.clone(), cible, ou]);
    let tout = r.evaluer(&valeurs(&[(1, "1000.5"), (2, r#"["A","B"]"#), (3, r#"{"code_insee":"75056"}"#)]));
    assert!(tout.visible(StableId(4)) && tout.visible(StableId(5)), "{tout:?}");
    let un = r.evaluer(&valeurs(&[(1, "999"), (2, r#"["A"]"#), (3, "69123")]));
    assert!(!un.visible(StableId(4)) && !un.visible(StableId(5)));
    let lyon = r.evaluer(&valeurs(&[(1, "5"), (3, "75056")]));
    assert!(!lyon.visible(StableId(4)) && lyon.visible(StableId(5)));
    assert!(un.erreurs.is_empty() && lyon.erreurs.is_empty());
}

#[test]
fn a_broken_condition_shows_its_champ_and_says_why() {
    let a = tdc(1, TypeChamp::IntegerNumber);
    let mut below = tdc(2, TypeChamp::Text);
    below.condition = expr("champ_3 == 1"); // reads a champ below it
    let mut not_bool = tdc(3, TypeChamp::Text);
    not_bool.condition = expr("champ_1 + 1");
    let mut bad = tdc(4, TypeChamp::Text);
    bad.condition = expr("champ_1 >");
    let mut runtime = tdc(5, TypeChamp::Text);
    runtime.condition = expr("inconnue(champ_1)");
    let r = compiler(&[a, below, not_bool, bad, runtime]);
    let ev = r.evaluer(&valeurs(&[(1, "3")]));
    assert!(ev.masques.is_empty(), "{ev:?}");
    assert_eq!(ev.erreurs.len(), 4, "{:?}", ev.erreurs);
    assert!(ev.erreurs[0].message.contains("champ_3"), "{}", ev.erreurs[0].message);
    assert!(ev.erreurs[0].message.contains("au-dessus"), "{}", ev.erreurs[0].message);
    assert!(ev.erreurs[1].message.contains("vrai ou faux"));
    assert_eq!(ev.erreurs[3].champ, Some(StableId(5)));
}

#[test]
fn a_computed_champ_totals_a_repetition_column_and_is_read_below() {
    let bloc = tdc(1, TypeChamp::Repetition);
    let mut montant = tdc(2, TypeChamp::DecimalNumber);
    montant.parent = Some(StableId(1));
    let mut detail = tdc(3, TypeChamp::Text);
    detail.parent = Some(StableId(1));
    detail.condition = expr("champ_2 > 100"); // a sibling above in the row
    let mut total = tdc(4, TypeChamp::Calcul);
    total.options.calcul = Some("somme(champ_2)".into());
    let mut gros = tdc(5, TypeChamp::Text);
    gros.condition = expr("champ_4 >= 300");
    let r = compiler(&[bloc, montant, detail, total, gros]);
    let ligne = |v: &str| HashMap::from([(StableId(2), v.to_string())]);
    let mut v = Valeurs::default();
    v.lignes.insert(StableId(1), vec![ligne("50"), ligne("250.5"), ligne("")]);
    let ev = r.evaluer(&v);
    assert!(ev.erreurs.is_empty(), "{:?}", ev.erreurs);
    assert_eq!(ev.calculs.get(&StableId(4)), Some(&Some("300.5".to_string())));
    assert!(ev.visible(StableId(5)));
    assert_eq!(ev.masques_lignes.get(&(StableId(1), 0)).map(|s| s.len()), Some(1));
    assert_eq!(ev.masques_lignes.get(&(StableId(1), 1)), None);
    // A row evaluated on its own, as when the usager adds one.
    let (masques, _) = r.evaluer_ligne(StableId(1), &Valeurs::default(), &ligne("101"));
    assert!(masques.is_empty());
    let (masques, _) = r.evaluer_ligne(StableId(1), &Valeurs::default(), &ligne("99"));
    assert!(masques.contains(&StableId(3)));
}

#[test]
fn a_hidden_computed_champ_is_blank_and_a_failing_one_reported() {
    let a = tdc(1, TypeChamp::IntegerNumber);
    let mut c = tdc(2, TypeChamp::Calcul);
    c.options.calcul = Some("champ_1 * 2".into());
    c.condition = expr("champ_1 > 0");
    let mut boom = tdc(3, TypeChamp::Calcul);
    boom.options.calcul = Some("champ_1 / 0".into());
    let r = compiler(&[a, c, boom]);
    let ev = r.evaluer(&valeurs(&[(1, "21")]));
    assert_eq!(ev.calculs.get(&StableId(2)), Some(&Some("42".into())));
    assert_eq!(ev.calculs.get(&StableId(3)), Some(&None));
    assert_eq!(ev.erreurs.len(), 1, "{:?}", ev.erreurs);
    let ev = r.evaluer(&valeurs(&[(1, "-1")]));
    assert_eq!(ev.calculs.get(&StableId(2)), Some(&None));
}

#[test]
fn a_computed_champ_over_blank_answers_is_blank_not_broken() {
    let montant = tdc(1, TypeChamp::DecimalNumber);
    let adherents = tdc(2, TypeChamp::IntegerNumber);
    let mut par_adherent = tdc(3, TypeChamp::Calcul);
    par_adherent.options.calcul = Some("arrondi(champ_1 / champ_2, 2)".into());
    let mut ecart = tdc(4, TypeChamp::Calcul);
    ecart.options.calcul = Some("-(champ_1 - champ_2 * 2.5 + 1) % 7".into());
    let r = compiler(&[montant, adherents, par_adherent, ecart]);
    // A brouillon just opened: nothing answered, nothing to report.
    let ev = r.evaluer(&Valeurs::default());
    assert!(ev.erreurs.is_empty(), "{:?}", ev.erreurs);
    assert_eq!(ev.calculs.get(&StableId(3)), Some(&None));
    assert_eq!(ev.calculs.get(&StableId(4)), Some(&None));
    // Half answered, either half: still blank, still no error.
    for v in [valeurs(&[(1, "3500")]), valeurs(&[(2, "240")])] {
        let ev = r.evaluer(&v);
        assert!(ev.erreurs.is_empty(), "{:?}", ev.erreurs);
        assert_eq!(ev.calculs.get(&StableId(3)), Some(&None));
    }
    let ev = r.evaluer(&valeurs(&[(1, "3500"), (2, "240")]));
    assert_eq!(ev.calculs.get(&StableId(3)), Some(&Some("14.58".into())));
    // A rule that is really wrong is still reported.
    let mut faux = tdc(5, TypeChamp::Calcul);
    faux.options.calcul = Some("champ_1 + \"euros\" / 2".into());
    let r = compiler(&[tdc(1, TypeChamp::DecimalNumber), faux]);
    assert_eq!(r.evaluer(&valeurs(&[(1, "3")])).erreurs.len(), 1);
}

#[test]
fn ineligibilite_gives_its_message_when_true() {
    let a = tdc(1, TypeChamp::IntegerNumber);
    let i = Ineligibilite {
        regle: regle_experte("champ_1 < 18", &[&a]).unwrap(),
        message: "Réservé aux majeurs.".into(),
    };
    let r = ReglesRevision::compiler(std::slice::from_ref(&a), Some(&i), Arc::new(SansTerritoire));
    assert_eq!(r.evaluer(&valeurs(&[(1, "16")])).ineligible.as_deref(), Some("Réservé aux majeurs."));
    assert_eq!(r.evaluer(&valeurs(&[(1, "18")])).ineligible, None);
    assert_eq!(r.evaluer(&Valeurs::default()).ineligible, None);
    assert_eq!(r.nombre_de_regles(), 1);
    let broken = Ineligibilite { regle: regle("champ_9"), message: "x".into() };
    let r = ReglesRevision::compiler(&[a], Some(&broken), Arc::new(SansTerritoire));
    let ev = r.evaluer(&Valeurs::default());
    assert_eq!(ev.ineligible, None);
    assert_eq!(ev.erreurs.len(), 1);
}

#[test]
fn the_sandbox_stops_what_rules_should_never_do() {
    let a = tdc(1, TypeChamp::Textarea);
    let huge = "x".repeat(20_000);
    let bombs = [
        // String bomb: doubling a 20 kB answer passes the size limit.
        "champ_1 + champ_1 + champ_1 + champ_1 + champ_1 + champ_1 == \"\"",
        // Array literal with a huge element count is bounded at parse or run.
        "[champ_1, champ_1, champ_1] == []",
        "eval(\"1\")",
        "print(champ_1) == ()",
        "while true {} == ()",
        "|| 1",
        "{ 1 }",
    ];
    for bomb in bombs {
        let mut t = tdc(2, TypeChamp::Text);
        t.condition = expr(bomb);
        let r = compiler(&[a.clone(), t]);
        let ev = r.evaluer(&valeurs(&[(1, huge.as_str())]));
        assert!(ev.visible(StableId(2)), "{bomb}");
        if !bomb.starts_with('[') {
            assert_eq!(ev.erreurs.len(), 1, "{bomb}: {:?}", ev.erreurs);
        }
    }
}

#[test]
fn rules_over_the_whole_form_read_final_values_and_report_their_errors() {
    let a = tdc(1, TypeChamp::YesNo);
    let mut b = tdc(2, TypeChamp::IntegerNumber);
    b.condition = expr("champ_1 == true");
    let r = compiler(&[a, b]);
    let grand = r.compiler_sur_tout("champ_2 > 10").expect("compiles");
    let oui = r.compiler_sur_tout("champ_1 == true").expect("compiles");
    let texte = r.compiler_sur_tout("\"pas un booléen\"").expect("compiles");
    assert!(r.compiler_sur_tout("champ_3 == 1").unwrap_err().contains("champ_3"));
    let (ev, resultats) = r.evaluer_avec(&valeurs(&[(1, "true"), (2, "12")]), &[&grand, &oui]);
    assert!(ev.erreurs.is_empty());
    assert_eq!(resultats, [Ok(true), Ok(true)]);
    // A champ hidden by its condition reads blank: its stale 12 counts for nothing.
    let (ev, resultats) = r.evaluer_avec(&valeurs(&[(1, "false"), (2, "12")]), &[&grand, &oui, &texte]);
    assert!(!ev.visible(StableId(2)));
    assert_eq!(resultats[..2], [Ok(false), Ok(false)]);
    assert!(resultats[2].as_ref().unwrap_err().contains("vrai ou faux"), "{resultats:?}");
}
