//! Property tests of the sandbox: whatever an administrateur types as a
//! rule and whatever an usager answers, compiling and evaluating never
//! panics and finishes in bounded time.

use super::constructeur::Combinaison;
use super::*;
use crate::champ::{OptionsChamp, TypeChamp, TypeDeChamp};
use proptest::prelude::*;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// One evaluation of a small form, however hostile its rules, must stay
/// far below a request's budget (debug build, shared CI machine).
const BUDGET: Duration = Duration::from_millis(500);

fn form(regles: &[String]) -> Vec<TypeDeChamp> {
    let types = [TypeChamp::IntegerNumber, TypeChamp::Textarea, TypeChamp::MultipleDropDownList, TypeChamp::YesNo];
    let mut out: Vec<TypeDeChamp> = types
        .iter()
        .enumerate()
        .map(|(i, t)| TypeDeChamp {
            stable_id: StableId(i as i64 + 1),
            type_champ: t.clone(),
            libelle: format!("Champ {i}"),
            description: String::new(),
            obligatoire: false,
            options: OptionsChamp::default(),
            parent: None,
            condition: None,
            prive: false,
        })
        .collect();
    for (i, e) in regles.iter().enumerate() {
        let mut t = out[0].clone();
        t.stable_id = StableId(100 + i as i64);
        t.type_champ = if i % 2 == 0 { TypeChamp::Text } else { TypeChamp::Calcul };
        t.condition =
            Some(Regle { expression: e.clone(), clauses: vec![], combinaison: Combinaison::Et, references: vec![] });
        t.options.calcul = Some(e.clone());
        out.push(t);
    }
    out
}

/// Pieces rules are made of, including the dangerous ones.
fn morceau() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("champ_1".to_string()),
        Just("champ_2".to_string()),
        Just("champ_3".to_string()),
        Just("champ_4".to_string()),
        Just("champ_100".to_string()),
        Just("somme(champ_3)".to_string()),
        Just("vide(champ_2)".to_string()),
        Just("contient(champ_3, \"a\")".to_string()),
        Just("dans_region(champ_2, \"11\")".to_string()),
        Just("taille(champ_2)".to_string()),
        Just("arrondi(champ_1, 99999999)".to_string()),
        Just("(champ_2 + champ_2 + champ_2 + champ_2)".to_string()),
        Just("[champ_3, champ_3, champ_3, champ_3]".to_string()),
        Just("#{a: champ_1}".to_string()),
        Just("eval(\"loop{}\")".to_string()),
        Just("loop {}".to_string()),
        Just("while true {}".to_string()),
        Just("|x| x".to_string()),
        Just("9223372036854775807".to_string()),
        Just("1.5e308".to_string()),
        Just("-0".to_string()),
        Just("()".to_string()),
        Just("\"\\u{0}\"".to_string()),
        "[ -~]{0,8}",
    ]
}

fn operateur() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        " + ", " - ", " * ", " / ", " % ", " ** ", " == ", " != ", " < ", " >= ", " && ", " || ", " ", ", ", "[", "(",
    ])
}

fn expression() -> impl Strategy<Value = String> {
    prop::collection::vec((morceau(), operateur()), 1..12)
        .prop_map(|parts| parts.into_iter().map(|(m, o)| format!("{m}{o}")).collect::<String>().trim_end().to_string())
}

fn reponse() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("true".to_string()),
        Just("-9223372036854775808".to_string()),
        Just(r#"["a","b"]"#.to_string()),
        Just("[".to_string()),
        Just("x".repeat(20_000)),
        "\\PC{0,40}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn any_rule_on_any_answers_never_panics_and_finishes_in_bounded_time(
        regles in prop::collection::vec(expression(), 1..4),
        reponses in prop::collection::vec(reponse(), 4),
        nesting in 0usize..200,
    ) {
        let mut regles = regles;
        // Deep nesting must be refused, never overflow the stack.
        regles.push(format!("{}champ_1{}", "(".repeat(nesting), ")".repeat(nesting)));
        let tdcs = form(&regles);
        let debut = Instant::now();
        let r = ReglesRevision::compiler(&tdcs, None, Arc::new(SansTerritoire));
        let valeurs = Valeurs {
            champs: reponses.iter().enumerate().map(|(i, v)| (StableId(i as i64 + 1), v.clone())).collect(),
            ..Valeurs::default()
        };
        let ev = r.evaluer(&valeurs);
        // An error never hides: every champ whose rule failed is visible.
        for e in &ev.erreurs {
            if let Some(c) = e.champ {
                prop_assert!(ev.visible(c) || ev.calculs.contains_key(&c));
            }
        }
        for e in &regles {
            let champs: Vec<&TypeDeChamp> = tdcs.iter().take(4).collect();
            let _ = verification::regle_experte(e, &champs);
        }
        prop_assert!(debut.elapsed() < BUDGET, "took {:?} for {regles:?}", debut.elapsed());
    }

    #[test]
    fn builder_values_cannot_escape_their_string_literal(valeur in "\\PC{0,60}") {
        let t = TypeDeChamp {
            stable_id: StableId(1),
            type_champ: TypeChamp::Text,
            libelle: "Nom".into(),
            description: String::new(),
            obligatoire: false,
            options: OptionsChamp::default(),
            parent: None,
            condition: None,
            prive: false,
        };
        let clause = Clause { champ: StableId(1), operateur: Operateur::Egal, valeur: valeur.clone() };
        if let Ok(regle) = constructeur::compiler_clauses(&[clause], Combinaison::Et, &[&t]) {
            let mut cible = t.clone();
            cible.stable_id = StableId(2);
            cible.condition = Some(regle);
            let r = ReglesRevision::compiler(&[t, cible], None, Arc::new(SansTerritoire));
            let ev = r.evaluer(&Valeurs { champs: [(StableId(1), valeur.trim().to_string())].into(), ..Valeurs::default() });
            prop_assert!(ev.erreurs.is_empty(), "{:?}", ev.erreurs);
            prop_assert!(ev.visible(StableId(2)));
        }
    }
}
