//! Checks of rules against the form they live in: in the editor (an expert
//! expression is compiled against the champs it may read) and at
//! publication (a rule reading a champ since deleted, retyped or moved
//! below blocks it, with a French message naming the champ).

use super::evaluation::compiler;
use super::sandbox::{self, SansTerritoire};
use super::{Ineligibilite, Reference, Regle, champs_nommes, variable};
use crate::StableId;
use crate::champ::{TypeChamp, TypeDeChamp};
use rhai::{Dynamic, Scope};
use std::sync::Arc;

/// The champs a rule of `tdcs[index]` may read: those above it that hold a
/// value; inside a repetition, the row's siblings above it and the champs
/// above the block. Champs are in form order, a block's children right
/// after it. `index == tdcs.len()` gives every top-level champ (the
/// inéligibilité rule's view).
pub fn disponibles(tdcs: &[TypeDeChamp], index: usize) -> Vec<&TypeDeChamp> {
    let parent = tdcs.get(index).and_then(|t| t.parent);
    let fin_haut = parent.and_then(|p| tdcs.iter().position(|t| t.stable_id == p)).unwrap_or(index);
    let mut out: Vec<&TypeDeChamp> = tdcs[..fin_haut.min(tdcs.len())].iter().filter(|t| lisible(t)).collect();
    if let Some(p) = parent {
        out.extend(tdcs[..index].iter().filter(|t| t.parent == Some(p) && lisible(t)));
    }
    out
}

/// Champs a rule can read: those with a value, and a repetition (its
/// number of rows; below the block, each child reads as its column).
fn lisible(t: &TypeDeChamp) -> bool {
    t.type_champ.has_value() || t.type_champ == TypeChamp::Repetition
}

/// An expert-mode rule: compiled against `champs` (those it may read), and
/// tried once on sample values so that an unknown function is reported now
/// rather than on an usager's page.
pub fn regle_experte(expression: &str, champs: &[&TypeDeChamp]) -> Result<Regle, String> {
    let expression = expression.trim();
    if expression.is_empty() {
        return Err("Écrivez la règle, par exemple champ_12 == true.".to_string());
    }
    let engine = sandbox::engine(Arc::new(SansTerritoire));
    let mut scope = Scope::new();
    for t in champs {
        scope.push_dynamic(variable(t.stable_id), exemple(&t.type_champ));
    }
    let ast = compiler(&engine, &scope, expression).map_err(majuscule)?;
    // rhai resolves functions when they run: an unknown one behind a
    // short-circuit (`false && inconnue(x)`) would only fail on the day an
    // usager's answers reach it. Names are checked here, lexically.
    if let Some(nom) = fonctions_appelees(expression).into_iter().find(|f| !sandbox::FONCTIONS.contains(&f.as_str())) {
        return Err(format!("La fonction « {nom} » n'existe pas dans les règles."));
    }
    if let Err(e) = engine.eval_ast_with_scope::<Dynamic>(&mut scope, &ast)
        && let rhai::EvalAltResult::ErrorFunctionNotFound(signature, _) = &*e
        && signature.starts_with(|c: char| c.is_alphabetic())
    {
        return Err(format!("La fonction « {signature} » n'existe pas dans les règles."));
    }
    let references = champs_nommes(expression)
        .into_iter()
        .filter_map(|id| champs.iter().find(|t| t.stable_id == id))
        .map(|t| Reference { champ: t.stable_id, type_champ: t.type_champ.as_str() })
        .collect();
    Ok(Regle { expression: expression.to_string(), clauses: Vec::new(), combinaison: Default::default(), references })
}

/// The names called in an expression (`nom(`, or `.nom(` for a method),
/// outside string literals.
fn fonctions_appelees(expression: &str) -> Vec<String> {
    let mut noms = Vec::new();
    let mut courant = String::new();
    let mut quote: Option<char> = None;
    let mut echappe = false;
    let mut chars = expression.chars();
    while let Some(c) = chars.next() {
        if let Some(q) = quote {
            if echappe {
                echappe = false;
            } else if c == '\\' {
                echappe = true;
            } else if c == q {
                quote = None;
            }
            continue;
        }
        if c.is_alphanumeric() || c == '_' {
            courant.push(c);
            continue;
        }
        if !courant.is_empty() {
            let mut suite = c;
            while suite.is_whitespace() {
                match chars.next() {
                    Some(n) => suite = n,
                    None => break,
                }
            }
            if suite == '('
                && !courant.starts_with(|d: char| d.is_ascii_digit())
                && !MOTS_CLES.contains(&courant.as_str())
            {
                noms.push(std::mem::take(&mut courant));
            }
            courant.clear();
            if suite.is_alphanumeric() || suite == '_' {
                courant.push(suite);
            } else if matches!(suite, '"' | '`' | '\'') {
                quote = Some(suite);
            }
            continue;
        }
        if matches!(c, '"' | '`' | '\'') {
            quote = Some(c);
        }
    }
    noms
}

/// rhai words that a `(` may follow without being a call.
const MOTS_CLES: [&str; 4] = ["if", "switch", "in", "is"];

/// A typical value of a type, to try a rule on.
fn exemple(t: &TypeChamp) -> Dynamic {
    match t {
        TypeChamp::IntegerNumber => Dynamic::from_int(1),
        TypeChamp::DecimalNumber | TypeChamp::Calcul => Dynamic::from_float(1.5),
        TypeChamp::YesNo | TypeChamp::Checkbox | TypeChamp::Engagement => Dynamic::TRUE,
        TypeChamp::MultipleDropDownList => Dynamic::from_array(vec![Dynamic::from("a".to_string())]),
        TypeChamp::Repetition => Dynamic::from_int(1),
        _ => Dynamic::from("a".to_string()),
    }
}

fn majuscule(s: String) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
}

/// What blocks publishing a revision's form: every rule must still read
/// champs that exist, above it, with the type they had when it was written.
pub fn bloquants(tdcs: &[TypeDeChamp], ineligibilite: Option<&Ineligibilite>) -> Vec<String> {
    let mut out = Vec::new();
    for (i, tdc) in tdcs.iter().enumerate() {
        let champs = disponibles(tdcs, i);
        if let Some(regle) = &tdc.condition
            && let Err(e) = verifier(regle, tdcs, &champs)
        {
            out.push(format!("La condition d'affichage de « {} » {e}", tdc.libelle));
        }
        if tdc.type_champ == TypeChamp::Calcul {
            match tdc.options.calcul.as_deref().map(|e| regle_experte(e, &champs)) {
                None => out.push(format!("La valeur calculée « {} » n'a pas de formule.", tdc.libelle)),
                Some(Err(e)) => out.push(format!("La formule de « {} » n'est pas valide : {e}", tdc.libelle)),
                Some(Ok(_)) => {}
            }
        }
    }
    if let Some(i) = ineligibilite {
        let champs = disponibles(tdcs, tdcs.len());
        if let Err(e) = verifier(&i.regle, tdcs, &champs) {
            out.push(format!("La règle d'inéligibilité {e}"));
        }
        if i.message.trim().is_empty() {
            out.push("La règle d'inéligibilité n'a pas de message pour l'usager.".to_string());
        }
    }
    out
}

/// What the groupes' routing rules (`(groupe, rule)`, over the whole
/// form `tdcs`) stand in the way of publishing: a champ they read since
/// deleted or retyped.
pub fn bloquants_routage<'a>(
    tdcs: &[TypeDeChamp],
    regles: impl IntoIterator<Item = (&'a str, &'a Regle)>,
) -> Vec<String> {
    let champs = disponibles(tdcs, tdcs.len());
    regles
        .into_iter()
        .filter_map(|(groupe, regle)| {
            verifier(regle, tdcs, &champs).err().map(|e| format!("La règle de routage du groupe « {groupe} » {e}"))
        })
        .collect()
}

/// Checks one stored rule; the error completes « La condition de X … ».
fn verifier(regle: &Regle, tdcs: &[TypeDeChamp], champs: &[&TypeDeChamp]) -> Result<(), String> {
    let libelle = |id: StableId| tdcs.iter().find(|t| t.stable_id == id).map(|t| t.libelle.clone());
    for r in &regle.references {
        match tdcs.iter().find(|t| t.stable_id == r.champ) {
            None => return Err("porte sur un champ qui a été supprimé : modifiez-la ou retirez-la.".to_string()),
            Some(t) if t.type_champ.as_str() != r.type_champ => {
                return Err(format!("porte sur « {} », dont le type a changé : modifiez-la ou retirez-la.", t.libelle));
            }
            Some(_) => {}
        }
    }
    for id in champs_nommes(&regle.expression) {
        if !champs.iter().any(|t| t.stable_id == id) {
            return Err(match libelle(id) {
                Some(l) => format!("porte sur « {l} », qui n'est pas placé au-dessus : déplacez l'un des deux champs."),
                None => "porte sur un champ qui a été supprimé : modifiez-la ou retirez-la.".to_string(),
            });
        }
    }
    regle_experte(&regle.expression, champs).map(|_| ()).map_err(|e| format!("n'est pas valide : {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::champ::OptionsChamp;

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
    fn expert_rules_read_only_champs_above_and_known_functions() {
        let (a, b) = (tdc(1, TypeChamp::IntegerNumber), tdc(2, TypeChamp::YesNo));
        let r = regle_experte(" champ_1 > 3 && champ_2 ", &[&a, &b]).unwrap();
        assert_eq!(r.expression, "champ_1 > 3 && champ_2");
        assert_eq!(r.references.len(), 2);
        assert!(regle_experte("champ_3 == 1", &[&a]).unwrap_err().contains("champ_3"));
        assert!(regle_experte("inconnue(champ_1)", &[&a]).unwrap_err().contains("inconnue"));
        // Behind a short-circuit too, and as a method.
        assert!(regle_experte("champ_1 > 3 && inconnue (champ_2)", &[&a, &b]).unwrap_err().contains("inconnue"));
        assert!(regle_experte("champ_1.len() > 3", &[&a]).unwrap_err().contains("len"));
        assert!(regle_experte(r#"contient(champ_1, "x(") || arrondi(champ_1, 2) > 1"#, &[&a]).is_ok());
        assert!(regle_experte("vide (champ_1) || taille(champ_1) > 2", &[&a]).is_ok());
        assert!(regle_experte("champ_1 >", &[&a]).is_err());
        assert!(regle_experte("", &[&a]).is_err());
        assert!(regle_experte("eval(\"1\")", &[&a]).is_err());
        assert!(regle_experte("{ let x = 1; x }", &[&a]).is_err());
        assert!(regle_experte("loop { }", &[&a]).is_err());
        assert!(regle_experte(&"(".repeat(10_000), &[&a]).is_err());
        assert!(regle_experte(&"1+".repeat(3_000), &[&a]).is_err());
    }

    #[test]
    fn a_rule_on_a_deleted_retyped_or_lower_champ_blocks_publication() {
        let a = tdc(1, TypeChamp::IntegerNumber);
        let mut b = tdc(2, TypeChamp::Text);
        b.condition = Some(regle_experte("champ_1 > 3", &[&a]).unwrap());
        assert!(bloquants(&[a.clone(), b.clone()], None).is_empty());
        // Deleted.
        let deleted = bloquants(&[b.clone()], None);
        assert_eq!(deleted.len(), 1, "{deleted:?}");
        assert!(deleted[0].contains("supprimé"), "{deleted:?}");
        // Retyped.
        let mut a2 = a.clone();
        a2.type_champ = TypeChamp::Text;
        assert!(bloquants(&[a2, b.clone()], None)[0].contains("type a changé"));
        // Moved below.
        assert!(bloquants(&[b.clone(), a.clone()], None)[0].contains("au-dessus"));
        // A computed champ without formula, and an inéligibilité without message.
        let c = tdc(3, TypeChamp::Calcul);
        let i = Ineligibilite { regle: regle_experte("champ_1 > 3", &[&a]).unwrap(), message: " ".into() };
        let out = bloquants(&[a, c], Some(&i));
        assert_eq!(out.len(), 2, "{out:?}");
    }

    #[test]
    fn a_routing_rule_on_a_deleted_or_retyped_champ_blocks_publication() {
        let (a, b) = (tdc(1, TypeChamp::IntegerNumber), tdc(2, TypeChamp::Text));
        let regle = regle_experte("champ_2 == \"Lyon\"", &[&a, &b]).unwrap();
        assert!(bloquants_routage(&[a.clone(), b.clone()], [("Lyon", &regle)]).is_empty());
        let out = bloquants_routage(std::slice::from_ref(&a), [("Lyon", &regle)]);
        assert_eq!(
            out,
            [
                "La règle de routage du groupe « Lyon » porte sur un champ qui a été supprimé : modifiez-la ou retirez-la."
            ]
        );
        let mut b2 = b.clone();
        b2.type_champ = TypeChamp::IntegerNumber;
        assert!(bloquants_routage(&[a, b2], [("Lyon", &regle)])[0].contains("dont le type a changé"));
    }

    #[test]
    fn a_row_reads_its_siblings_above_and_the_champs_above_its_block() {
        let a = tdc(1, TypeChamp::IntegerNumber);
        let bloc = tdc(2, TypeChamp::Repetition);
        let mut x = tdc(3, TypeChamp::DecimalNumber);
        x.parent = Some(StableId(2));
        let mut y = tdc(4, TypeChamp::Text);
        y.parent = Some(StableId(2));
        let after = tdc(5, TypeChamp::Text);
        let tdcs = [a, bloc, x, y, after];
        let ids = |v: Vec<&TypeDeChamp>| v.iter().map(|t| t.stable_id.0).collect::<Vec<_>>();
        assert_eq!(ids(disponibles(&tdcs, 3)), [1, 3]);
        assert_eq!(ids(disponibles(&tdcs, 2)), [1]);
        assert_eq!(ids(disponibles(&tdcs, 4)), [1, 2, 3, 4]);
        assert_eq!(ids(disponibles(&tdcs, 5)), [1, 2, 3, 4, 5]);
    }
}
