//! The rhai engine every rule runs in: `Engine::new_raw()` (no standard
//! library, no I/O, no `print`) plus the few functions guichet registers,
//! with every resource bounded. Rules are written by administrateurs and
//! run on every save of every dossier, so a careless or hostile rule must
//! cost a bounded amount of time and memory and can never reach outside.

use rhai::{Array, Dynamic, Engine, ImmutableString};
use std::sync::Arc;

/// Operations one evaluation may run. Bounds CPU per rule: rules are
/// expressions (loops are disabled) so a legitimate one needs a few hundred
/// operations, and a total over a repetition of `MAX_ARRAY_SIZE` rows a few
/// thousand; anything beyond is an attempt to stall the request thread.
pub const MAX_OPERATIONS: u64 = 20_000;
/// Nested function calls. Rules cannot define functions, so this only bounds
/// stack depth through registered functions; a low number keeps any
/// recursion attempt shallow.
pub const MAX_CALL_LEVELS: usize = 8;
/// Nesting of an expression (parentheses, operators) at compile time. Bounds
/// the parser's and evaluator's recursion: a rule of 10,000 nested `(` must
/// be refused, not overflow the stack.
pub const MAX_EXPR_DEPTH: usize = 32;
/// Same for the bodies of functions, which rules cannot have; kept minimal.
pub const MAX_FUNCTION_EXPR_DEPTH: usize = 8;
/// Longest string a rule can build, in bytes. Bounds memory against string
/// bombs (a value concatenated with itself): large enough for a few long
/// text answers (`TEXTAREA_MAX_CHARS` is 20,000 characters).
pub const MAX_STRING_SIZE: usize = 100_000;
/// Longest array a rule can build or receive: a repetition's column or a
/// multiple choice. Bounds memory against array bombs.
pub const MAX_ARRAY_SIZE: usize = 10_000;
/// Largest object map. Rules have no use for maps beyond a few keys; bounds
/// memory against map literals built to be huge.
pub const MAX_MAP_SIZE: usize = 100;
/// Variables in scope: one per champ of a form (and a row's siblings). A
/// form is bounded by the editor; this bounds what a rule can add.
pub const MAX_VARIABLES: usize = 5_000;
/// Longest rule an administrateur can save, in characters: bounds parse
/// time and what each revision keeps in memory.
pub const MAX_EXPRESSION_CHARS: usize = 5_000;

/// Where communes and départements lie, for `dans_departement` and
/// `dans_region`. The territory data lives with the territory catalogue;
/// rules ask through this trait so that the host chooses the data (and
/// tests can use a small table).
pub trait Territoire: Send + Sync {
    /// The département code of a commune (INSEE code) or of a département
    /// code itself; `None` when unknown.
    fn departement(&self, code: &str) -> Option<String>;
    /// The région code of a commune or a département; `None` when unknown.
    fn region(&self, code: &str) -> Option<String>;
}

/// Knows only what an INSEE code says by itself: a commune's code starts
/// with its département's (three characters overseas). Régions need the
/// territory data.
#[derive(Clone, Copy, Debug, Default)]
pub struct SansTerritoire;

impl Territoire for SansTerritoire {
    fn departement(&self, code: &str) -> Option<String> {
        departement_du_code(code)
    }

    fn region(&self, _code: &str) -> Option<String> {
        None
    }
}

/// The département in a commune's INSEE code (`75056` → `75`, `2A004` →
/// `2A`, `97411` → `974`), or a département code as is.
pub fn departement_du_code(code: &str) -> Option<String> {
    let code = code.trim();
    if !code.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return None;
    }
    match code.len() {
        2 | 3 => Some(code.to_uppercase()),
        5 => {
            let n = if code.starts_with("97") || code.starts_with("98") { 3 } else { 2 };
            Some(code[..n].to_uppercase())
        }
        _ => None,
    }
}

/// The sandboxed engine, with guichet's functions registered.
pub fn engine(territoire: Arc<dyn Territoire>) -> Engine {
    let mut engine = Engine::new_raw();
    engine
        .set_max_operations(MAX_OPERATIONS)
        .set_max_call_levels(MAX_CALL_LEVELS)
        .set_max_expr_depths(MAX_EXPR_DEPTH, MAX_FUNCTION_EXPR_DEPTH)
        .set_max_string_size(MAX_STRING_SIZE)
        .set_max_array_size(MAX_ARRAY_SIZE)
        .set_max_map_size(MAX_MAP_SIZE)
        .set_max_variables(MAX_VARIABLES)
        // Rules are expressions: no loops, closures or statement blocks,
        // so the only way to spend time is operators and our functions.
        .set_allow_looping(false)
        .set_allow_loop_expressions(false)
        .set_allow_statement_expression(false)
        .set_allow_anonymous_fn(false)
        .set_allow_shadowing(false)
        // A misspelt champ is a compile error, not a silent blank.
        .set_strict_variables(true);
    // Nothing may run code built from a string or reach the script's own
    // machinery.
    for symbol in ["eval", "Fn", "call", "curry", "is_def_var", "is_def_fn", "print", "debug", "import", "export"] {
        engine.disable_symbol(symbol);
    }
    // Rules stay side-effect free even if a printing path remained.
    engine.on_print(|_| {});
    engine.on_debug(|_, _, _| {});
    enregistrer_fonctions(&mut engine, territoire);
    engine
}

/// Every function a rule may call (what `enregistrer_fonctions` registers).
pub const FONCTIONS: [&str; 7] = ["vide", "contient", "somme", "taille", "arrondi", "dans_departement", "dans_region"];

/// The functions rules may call, in French like the rest of the product
/// vocabulary. Each takes any value (blanks are `()`) and never errors on a
/// blank: a blank answer makes a test false, not the rule broken.
fn enregistrer_fonctions(engine: &mut Engine, territoire: Arc<dyn Territoire>) {
    engine.register_fn("vide", |v: Dynamic| est_vide(&v));
    engine.register_fn("contient", |tout: Dynamic, partie: Dynamic| contient(&tout, &partie));
    engine.register_fn("somme", |v: Dynamic| somme(&v));
    engine.register_fn("taille", |v: Dynamic| -> i64 {
        if let Some(a) = v.read_lock::<Array>() {
            return a.len() as i64;
        }
        v.read_lock::<ImmutableString>().map_or(0, |s| s.chars().count() as i64)
    });
    engine.register_fn("arrondi", |v: Dynamic, decimales: i64| -> Dynamic {
        let Some(n) = nombre(&v) else { return Dynamic::UNIT };
        let facteur = 10f64.powi(decimales.clamp(0, 10) as i32);
        Dynamic::from_float((n * facteur).round() / facteur)
    });
    enregistrer_operations_sur_vide(engine);
    let t = territoire.clone();
    engine.register_fn("dans_departement", move |v: Dynamic, code: Dynamic| dans(&v, &code, |c| t.departement(c)));
    engine.register_fn("dans_region", move |v: Dynamic, code: Dynamic| dans(&v, &code, |c| territoire.region(c)));
}

/// Arithmetic on a blank answer gives a blank: a computed value waits for
/// the answers it needs (a brouillon just opened has none) instead of
/// failing, which would report the rule as broken to the administrateur
/// for every new dossier. Comparisons need nothing: rhai answers false
/// when the two sides' types differ.
fn enregistrer_operations_sur_vide(engine: &mut Engine) {
    use rhai::{FLOAT, INT};
    for op in ["+", "-", "*", "/", "%"] {
        engine.register_fn(op, |_: (), _: ()| ());
        engine.register_fn(op, |_: (), _: INT| ());
        engine.register_fn(op, |_: INT, _: ()| ());
        engine.register_fn(op, |_: (), _: FLOAT| ());
        engine.register_fn(op, |_: FLOAT, _: ()| ());
    }
    engine.register_fn("-", |_: ()| ());
}

/// Blank: no answer, an empty text or an empty list.
pub fn est_vide(v: &Dynamic) -> bool {
    if v.is_unit() {
        return true;
    }
    if let Some(s) = v.read_lock::<ImmutableString>() {
        return s.trim().is_empty();
    }
    v.read_lock::<Array>().is_some_and(|a| a.is_empty())
}

/// A list holding an element equal to `partie`, or a text holding it.
fn contient(tout: &Dynamic, partie: &Dynamic) -> bool {
    if let Some(a) = tout.read_lock::<Array>() {
        let cherche = texte(partie);
        return cherche.is_some() && a.iter().any(|e| texte(e) == cherche);
    }
    match (tout.read_lock::<ImmutableString>(), partie.read_lock::<ImmutableString>()) {
        (Some(t), Some(p)) => t.contains(p.as_str()),
        _ => false,
    }
}

fn texte(v: &Dynamic) -> Option<String> {
    if v.is_unit() { None } else { Some(v.to_string()) }
}

fn nombre(v: &Dynamic) -> Option<f64> {
    if let Ok(i) = v.as_int() {
        return Some(i as f64);
    }
    v.as_float().ok()
}

/// The sum of a list's numbers (blanks count for nothing); an integer when
/// every term is one.
fn somme(v: &Dynamic) -> Dynamic {
    let Some(a) = v.read_lock::<Array>() else {
        return if nombre(v).is_some() { v.clone() } else { Dynamic::from_int(0) };
    };
    let mut entier: i64 = 0;
    let mut reel = 0f64;
    let mut que_des_entiers = true;
    for e in a.iter() {
        if let Ok(i) = e.as_int() {
            entier = entier.saturating_add(i);
        } else if let Ok(f) = e.as_float() {
            que_des_entiers = false;
            reel += f;
        }
    }
    if que_des_entiers { Dynamic::from_int(entier) } else { Dynamic::from_float(entier as f64 + reel) }
}

/// Whether a territory value (a code, or a list of them) lies in `code`'s
/// area according to `zone_de`.
fn dans(v: &Dynamic, code: &Dynamic, zone_de: impl Fn(&str) -> Option<String>) -> bool {
    let Some(code) = code.read_lock::<ImmutableString>().map(|c| c.trim().to_uppercase()) else {
        return false;
    };
    let un = |e: &Dynamic| {
        e.read_lock::<ImmutableString>()
            .and_then(|s| zone_de(s.as_str()))
            .is_some_and(|z| z.eq_ignore_ascii_case(&code))
    };
    if let Some(a) = v.read_lock::<Array>() {
        return a.iter().any(un);
    }
    un(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insee_codes_give_their_departement() {
        assert_eq!(departement_du_code("75056").as_deref(), Some("75"));
        assert_eq!(departement_du_code("2a004").as_deref(), Some("2A"));
        assert_eq!(departement_du_code("97411").as_deref(), Some("974"));
        assert_eq!(departement_du_code("971").as_deref(), Some("971"));
        assert_eq!(departement_du_code("7505"), None);
        assert_eq!(departement_du_code("é5056"), None);
    }
}
