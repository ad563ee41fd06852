//! Rule engine benchmark: a form of N champs where 5 in 6 carry a display
//! condition, evaluated in one pass (target < 2 ms at 300 champs, linear
//! growth shown at 75/150/300), and the compile of such a revision
//! (target < 50 ms). Prints ratios to the targets.

use guichet_form::StableId;
use guichet_form::champ::{OptionsChamp, TypeChamp, TypeDeChamp};
use guichet_form::regle::{Regle, ReglesRevision, SansTerritoire, Valeurs};
use std::sync::Arc;
use std::time::{Duration, Instant};

const EVAL_TARGET: Duration = Duration::from_millis(2);
const COMPILE_TARGET: Duration = Duration::from_millis(50);

fn form(n: i64) -> (Vec<TypeDeChamp>, Valeurs) {
    let mut tdcs = Vec::new();
    let mut valeurs = Valeurs::default();
    for i in 1..=n {
        let (t, v) =
            if i % 2 == 0 { (TypeChamp::IntegerNumber, i.to_string()) } else { (TypeChamp::YesNo, "true".into()) };
        let condition = (i % 6 != 1 && i > 2).then(|| Regle {
            expression: format!(
                "champ_{} == true || champ_{} > {}",
                if (i - 1) % 2 == 1 { i - 1 } else { i - 2 },
                if (i - 1) % 2 == 0 { i - 1 } else { i - 2 },
                i / 2
            ),
            clauses: vec![],
            combinaison: Default::default(),
            references: vec![],
        });
        tdcs.push(TypeDeChamp {
            stable_id: StableId(i),
            type_champ: t,
            libelle: format!("Champ {i}"),
            description: String::new(),
            obligatoire: false,
            options: OptionsChamp::default(),
            parent: None,
            condition,
            prive: false,
        });
        valeurs.champs.insert(StableId(i), v);
    }
    (tdcs, valeurs)
}

fn main() {
    for n in [75, 150, 300] {
        let (tdcs, valeurs) = form(n);
        let debut = Instant::now();
        let regles = ReglesRevision::compiler(&tdcs, None, Arc::new(SansTerritoire));
        let compile = debut.elapsed();
        let ev = regles.evaluer(&valeurs);
        assert!(ev.erreurs.is_empty(), "{:?}", ev.erreurs.first());
        let tours = 200;
        let debut = Instant::now();
        for _ in 0..tours {
            std::hint::black_box(regles.evaluer(std::hint::black_box(&valeurs)));
        }
        let eval = debut.elapsed() / tours;
        println!(
            "{n} champs, {} conditions: evaluate {:?} (ratio to 2 ms target: {:.3}), compile {:?} (ratio to 50 ms target: {:.3})",
            regles.nombre_de_regles(),
            eval,
            eval.as_secs_f64() / EVAL_TARGET.as_secs_f64(),
            compile,
            compile.as_secs_f64() / COMPILE_TARGET.as_secs_f64()
        );
    }
}
