//! Choices: civilité, lists (with `--Séparateur--` lines and « Autre »),
//! multiple choices (stored as a JSON array), two linked lists (`--Primaire--`
//! lines then their secondary choices; stored as JSON `[primaire, secondaire]`).

use super::TypeDeChamp;

/// The value a list posts for « Autre »; the free text comes in
/// `<name>_autre`. Not a valid choice line (choices are trimmed text; this
/// has the reserved prefix).
pub const AUTRE: &str = "__autre__";
/// Suffix of the input names of a champ beyond its main one.
pub const SUFFIXE_AUTRE: &str = "_autre";
pub const SUFFIXE_SECONDAIRE: &str = "_secondaire";
/// Multiple choices post one `<name>[]` per ticked box: the only keys a
/// dossier form may repeat.
pub const SUFFIXE_MULTIPLE: &str = "[]";

/// `--Titre--`: a separator in a simple list, a primary value in a linked one.
pub fn titre_de_ligne(ligne: &str) -> Option<&str> {
    ligne.strip_prefix("--").and_then(|l| l.strip_suffix("--")).map(str::trim).filter(|t| !t.is_empty())
}

/// The choices of a simple or multiple list that can be picked (not the
/// separators).
pub fn choix_selectionnables(tdc: &TypeDeChamp) -> impl Iterator<Item = &str> {
    tdc.options.choix.iter().map(String::as_str).filter(|c| titre_de_ligne(c).is_none())
}

/// A linked list's primary values, each with its secondary choices.
pub fn arbre_lie(choix: &[String]) -> Vec<(String, Vec<String>)> {
    let mut arbre: Vec<(String, Vec<String>)> = Vec::new();
    for ligne in choix {
        match titre_de_ligne(ligne) {
            Some(primaire) => arbre.push((primaire.to_string(), Vec::new())),
            None => {
                if let Some((_, secondaires)) = arbre.last_mut() {
                    secondaires.push(ligne.clone());
                }
            }
        }
    }
    arbre
}

pub fn valider_civilite(libelle: &str, value: &str) -> Result<String, String> {
    match value {
        "M." | "M" | "Monsieur" => Ok("M.".into()),
        "Mme" | "Madame" => Ok("Mme".into()),
        _ => Err(format!("Choisissez « Monsieur » ou « Madame » pour « {libelle} ».")),
    }
}

pub fn civilite_affichee(stored: &str) -> &str {
    match stored {
        "M." => "Monsieur",
        "Mme" => "Madame",
        other => other,
    }
}

pub fn valider_liste(tdc: &TypeDeChamp, value: &str) -> Result<String, String> {
    if choix_selectionnables(tdc).any(|c| c == value) {
        return Ok(value.to_string());
    }
    if tdc.options.autre && value != AUTRE && titre_de_ligne(value).is_none() {
        // « Autre » with its free text: any short text.
        return Ok(value.to_string());
    }
    if value == AUTRE {
        return Err(format!("Précisez votre réponse « Autre » pour « {} ».", tdc.libelle));
    }
    Err(format!("Le choix pour « {} » ne fait pas partie de la liste proposée.", tdc.libelle))
}

/// `value` is a JSON array of choices (what the form's boxes compose).
pub fn valider_multiple(tdc: &TypeDeChamp, value: &str) -> Result<Option<String>, String> {
    let refus = || format!("Les choix pour « {} » ne font pas partie de la liste proposée.", tdc.libelle);
    let coches: Vec<String> = serde_json::from_str(value).map_err(|_| refus())?;
    if coches.len() > super::OPTIONS_MAX {
        return Err(refus());
    }
    if coches.iter().any(|c| !choix_selectionnables(tdc).any(|s| s == c)) {
        return Err(refus());
    }
    // In the list's order, each once.
    let ordonnes: Vec<&str> = choix_selectionnables(tdc).filter(|s| coches.iter().any(|c| c == s)).collect();
    if ordonnes.is_empty() {
        return Ok(None);
    }
    Ok(serde_json::to_string(&ordonnes).ok())
}

pub fn multiple_liste(stored: &str) -> Vec<String> {
    serde_json::from_str(stored).unwrap_or_default()
}

/// `value` is JSON `[primaire, secondaire]`.
pub fn valider_lie(tdc: &TypeDeChamp, value: &str) -> Result<Option<String>, String> {
    let libelle = &tdc.libelle;
    let refus = || format!("Le choix pour « {libelle} » ne fait pas partie de la liste proposée.");
    let [primaire, secondaire]: [String; 2] = serde_json::from_str(value).map_err(|_| refus())?;
    let (primaire, secondaire) = (primaire.trim(), secondaire.trim());
    if primaire.is_empty() {
        return if secondaire.is_empty() { Ok(None) } else { Err(refus()) };
    }
    let arbre = arbre_lie(&tdc.options.choix);
    let (_, secondaires) = arbre.iter().find(|(p, _)| p == primaire).ok_or_else(refus)?;
    if secondaire.is_empty() && !secondaires.is_empty() {
        return Err(format!("Choisissez aussi une réponse dans la seconde liste de « {libelle} »."));
    }
    if !secondaire.is_empty() && !secondaires.iter().any(|s| s == secondaire) {
        return Err(format!("Le second choix pour « {libelle} » ne correspond pas au premier ({primaire})."));
    }
    Ok(serde_json::to_string(&[primaire, secondaire]).ok())
}

pub fn lie_paire(stored: &str) -> Option<(String, String)> {
    serde_json::from_str::<[String; 2]>(stored).ok().map(|[p, s]| (p, s))
}

/// What a champ's inputs posted, as the one raw value its validator reads:
/// the list's free text when « Autre » is picked, the ticked boxes of a
/// multiple choice as a JSON array, the two linked lists as a JSON pair.
/// `get(name)` is one posted value; `get_all(name)` every value of a key.
pub fn valeur_saisie<'a>(
    tdc: &TypeDeChamp,
    get: impl Fn(&str) -> Option<&'a str>,
    get_all: impl Fn(&str) -> Vec<String>,
) -> String {
    let name = tdc.input_name();
    let main = get(&name).unwrap_or("");
    match tdc.type_champ {
        super::TypeChamp::DropDownList if main == AUTRE => {
            let autre = get(&format!("{name}{SUFFIXE_AUTRE}")).unwrap_or("").trim();
            if autre.is_empty() { AUTRE.to_string() } else { autre.to_string() }
        }
        super::TypeChamp::MultipleDropDownList => {
            let coches = get_all(&format!("{name}{SUFFIXE_MULTIPLE}"));
            if coches.is_empty() { String::new() } else { serde_json::to_string(&coches).unwrap_or_default() }
        }
        super::TypeChamp::LinkedDropDownList => {
            let secondaire = get(&format!("{name}{SUFFIXE_SECONDAIRE}")).unwrap_or("");
            if main.trim().is_empty() && secondaire.trim().is_empty() {
                String::new()
            } else {
                serde_json::to_string(&[main, secondaire]).unwrap_or_default()
            }
        }
        _ => main.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::{OptionsChamp, TypeChamp};
    use super::*;
    use crate::StableId;
    use proptest::prelude::*;

    fn liste(t: TypeChamp, choix: &[&str], autre: bool) -> TypeDeChamp {
        TypeDeChamp {
            stable_id: StableId(3),
            type_champ: t,
            libelle: "Q".into(),
            description: String::new(),
            obligatoire: false,
            options: OptionsChamp {
                choix: choix.iter().map(|s| s.to_string()).collect(),
                autre,
                ..OptionsChamp::default()
            },
            parent: None,
            condition: None,
            prive: false,
        }
    }

    #[test]
    fn separators_cannot_be_picked_and_autre_takes_free_text() {
        let t = liste(TypeChamp::DropDownList, &["--Fruits--", "Pomme", "--Légumes--", "Poireau"], false);
        assert_eq!(valider_liste(&t, "Pomme"), Ok("Pomme".into()));
        assert!(valider_liste(&t, "--Fruits--").is_err());
        assert!(valider_liste(&t, "Cerise").is_err());
        let a = liste(TypeChamp::DropDownList, &["Pomme"], true);
        assert_eq!(valider_liste(&a, "Cerise"), Ok("Cerise".into()));
        assert!(valider_liste(&a, AUTRE).unwrap_err().contains("Précisez"));
        assert!(valider_liste(&a, "--X--").is_err());
    }

    #[test]
    fn multiple_choices_are_a_json_array_in_list_order() {
        let t = liste(TypeChamp::MultipleDropDownList, &["A", "B", "C"], false);
        assert_eq!(valider_multiple(&t, r#"["C","A","C"]"#), Ok(Some(r#"["A","C"]"#.into())));
        assert_eq!(valider_multiple(&t, "[]"), Ok(None));
        for bad in [r#"["D"]"#, "A", r#"{"a":1}"#, r#"[1]"#, ""] {
            assert!(valider_multiple(&t, bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn linked_lists_need_a_matching_pair() {
        let t = liste(TypeChamp::LinkedDropDownList, &["--A--", "A1", "A2", "--B--", "B1", "--C--"], false);
        assert_eq!(valider_lie(&t, r#"["A","A2"]"#), Ok(Some(r#"["A","A2"]"#.into())));
        assert_eq!(valider_lie(&t, r#"["C",""]"#), Ok(Some(r#"["C",""]"#.into())));
        assert_eq!(valider_lie(&t, r#"["",""]"#), Ok(None));
        assert!(valider_lie(&t, r#"["A","B1"]"#).unwrap_err().contains("ne correspond pas"));
        assert!(valider_lie(&t, r#"["A",""]"#).unwrap_err().contains("seconde liste"));
        for bad in [r#"["Z","A1"]"#, r#"["","A1"]"#, r#"["A"]"#, "A", r#"["A","A1","x"]"#] {
            assert!(valider_lie(&t, bad).is_err(), "{bad}");
        }
        assert_eq!(arbre_lie(&t.options.choix)[1], ("B".to_string(), vec!["B1".to_string()]));
    }

    #[test]
    fn inputs_compose_into_one_raw_value() {
        let m = liste(TypeChamp::MultipleDropDownList, &["A", "B"], false);
        let raw = valeur_saisie(&m, |_| None, |k| if k == "champ_3[]" { vec!["A".into(), "B".into()] } else { vec![] });
        assert_eq!(raw, r#"["A","B"]"#);
        let l = liste(TypeChamp::LinkedDropDownList, &["--A--", "A1"], false);
        let raw = valeur_saisie(
            &l,
            |k| match k {
                "champ_3" => Some("A"),
                "champ_3_secondaire" => Some("A1"),
                _ => None,
            },
            |_| vec![],
        );
        assert_eq!(raw, r#"["A","A1"]"#);
        let a = liste(TypeChamp::DropDownList, &["A"], true);
        let raw = valeur_saisie(
            &a,
            |k| match k {
                "champ_3" => Some(AUTRE),
                "champ_3_autre" => Some(" Z "),
                _ => None,
            },
            |_| vec![],
        );
        assert_eq!(raw, "Z");
        assert_eq!(valider_civilite("C", "Madame"), Ok("Mme".into()));
        assert!(valider_civilite("C", "Mlle").is_err());
    }

    proptest! {
        #[test]
        fn choice_validators_never_panic(s in "\\PC{0,80}", a in "\\PC{0,10}", b in "\\PC{0,10}") {
            let t = liste(TypeChamp::LinkedDropDownList, &["--A--", "A1"], true);
            let _ = valider_lie(&t, &s);
            let _ = valider_lie(&t, &serde_json::to_string(&[&a, &b]).unwrap_or_default());
            let _ = valider_multiple(&t, &s);
            let _ = valider_multiple(&t, &serde_json::to_string(&[&a, &b]).unwrap_or_default());
            let _ = valider_liste(&t, &s);
            let _ = valider_civilite("C", &s);
        }
    }
}
