//! The form editor's options as typed (every field a string, so a refused
//! edit is shown back exactly as typed) and their check into the type's
//! `OptionsChamp`. Keys that do not apply to the type are dropped.

use super::choix::{arbre_lie, titre_de_ligne};
use super::date::parse_date;
use super::nombre::parse_decimal;
use super::options::{FormatTexte, OptionsChamp};
use super::texte::{compiler_regex, valider_formate};
use super::{OPTION_MAX_CHARS, OPTIONS_MAX, TEXTAREA_MAX_CHARS, TypeChamp};
use serde::{Deserialize, Serialize};

/// Longest collapsible part of an explication: same bound as a description.
const REPLIABLE_MAX_CHARS: usize = super::DESCRIPTION_MAX_CHARS;
/// A custom error message or example: one sentence.
const MESSAGE_MAX_CHARS: usize = 300;

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SaisieOptions {
    /// Choices, one per line.
    pub options: String,
    pub autre: String,
    pub niveau: String,
    pub texte_repliable: String,
    pub limite_caracteres: String,
    /// `simple` or `avance`; empty: no rule.
    pub format_mode: String,
    pub format_lettres: String,
    pub format_chiffres: String,
    pub format_speciaux: String,
    pub format_min: String,
    pub format_max: String,
    pub format_regex: String,
    pub format_exemple: String,
    pub format_message: String,
    pub positif: String,
    pub min: String,
    pub max: String,
    pub passe: String,
    pub date_min: String,
    pub date_max: String,
    /// A valeur calculée's formula (rhai); checked against the champs
    /// above it by the host, which knows where the champ stands.
    pub calcul: String,
}

fn coche(s: &str) -> bool {
    !s.is_empty()
}

fn case(b: bool) -> String {
    if b { "on".into() } else { String::new() }
}

impl SaisieOptions {
    /// The editor's fields for stored options.
    pub fn depuis(o: &OptionsChamp) -> Self {
        let mut s = SaisieOptions {
            options: o.choix.join("\n"),
            autre: case(o.autre),
            niveau: o.niveau.map(|n| n.to_string()).unwrap_or_default(),
            texte_repliable: o.texte_repliable.clone().unwrap_or_default(),
            limite_caracteres: o.limite_caracteres.map(|n| n.to_string()).unwrap_or_default(),
            positif: case(o.positif),
            min: o.min.clone().unwrap_or_default(),
            max: o.max.clone().unwrap_or_default(),
            passe: case(o.passe),
            date_min: o.date_min.clone().unwrap_or_default(),
            date_max: o.date_max.clone().unwrap_or_default(),
            calcul: o.calcul.clone().unwrap_or_default(),
            ..SaisieOptions::default()
        };
        match &o.format {
            Some(FormatTexte::Simple { lettres, chiffres, speciaux, min, max }) => {
                s.format_mode = "simple".into();
                s.format_lettres = case(*lettres);
                s.format_chiffres = case(*chiffres);
                s.format_speciaux = case(*speciaux);
                s.format_min = min.map(|n| n.to_string()).unwrap_or_default();
                s.format_max = max.map(|n| n.to_string()).unwrap_or_default();
            }
            Some(FormatTexte::Avance { regex, exemple, message }) => {
                s.format_mode = "avance".into();
                s.format_regex = regex.clone();
                s.format_exemple = exemple.clone();
                s.format_message = message.clone();
            }
            None => {}
        }
        s
    }

    /// The options of a `type_champ`, or the errors by field name.
    pub fn valider(&self, type_champ: &TypeChamp) -> Result<OptionsChamp, Vec<(&'static str, String)>> {
        let mut e: Vec<(&'static str, String)> = Vec::new();
        let mut o = OptionsChamp::default();
        match type_champ {
            TypeChamp::HeaderSection => {
                o.niveau = Some(match self.niveau.trim() {
                    "" | "1" => 1,
                    "2" => 2,
                    "3" => 3,
                    _ => {
                        e.push(("niveau", "Choisissez un niveau de titre entre 1 et 3.".into()));
                        1
                    }
                });
            }
            TypeChamp::Explication => {
                let t = self.texte_repliable.trim();
                if t.chars().count() > REPLIABLE_MAX_CHARS {
                    e.push((
                        "texte_repliable",
                        format!("Le texte repliable ne doit pas dépasser {REPLIABLE_MAX_CHARS} caractères."),
                    ));
                }
                o.texte_repliable = Some(t.to_string()).filter(|t| !t.is_empty());
            }
            TypeChamp::Textarea => {
                o.limite_caracteres =
                    entier(&mut e, "limite_caracteres", &self.limite_caracteres, 1, TEXTAREA_MAX_CHARS as u32);
            }
            TypeChamp::Formatted => o.format = self.format(&mut e),
            TypeChamp::IntegerNumber | TypeChamp::DecimalNumber => {
                o.positif = coche(&self.positif);
                o.min = self.nombre(&mut e, "min", &self.min, type_champ);
                o.max = self.nombre(&mut e, "max", &self.max, type_champ);
                if let (Some(min), Some(max)) =
                    (o.min.as_deref().and_then(parse_decimal), o.max.as_deref().and_then(parse_decimal))
                    && min > max
                {
                    e.push(("max", "Le maximum doit être supérieur ou égal au minimum.".into()));
                }
            }
            TypeChamp::Date | TypeChamp::Datetime => {
                o.passe = coche(&self.passe);
                o.date_min = date(&mut e, "date_min", &self.date_min);
                o.date_max = date(&mut e, "date_max", &self.date_max);
                if let (Some(min), Some(max)) = (&o.date_min, &o.date_max)
                    && min > max
                {
                    e.push(("date_max", "La date maximale doit être après la date minimale.".into()));
                }
            }
            TypeChamp::DropDownList | TypeChamp::MultipleDropDownList | TypeChamp::LinkedDropDownList => {
                o.choix = self.choix(&mut e, type_champ);
                o.autre = *type_champ == TypeChamp::DropDownList && coche(&self.autre);
            }
            TypeChamp::Calcul => {
                let f = self.calcul.trim();
                let max = crate::regle::sandbox::MAX_EXPRESSION_CHARS;
                if f.is_empty() {
                    e.push(("calcul", "Écrivez la formule, par exemple champ_12 * 2.".into()));
                } else if f.chars().count() > max {
                    e.push(("calcul", format!("La formule ne doit pas dépasser {max} caractères.")));
                } else {
                    o.calcul = Some(f.to_string());
                }
            }
            _ => {}
        }
        if e.is_empty() { Ok(o) } else { Err(e) }
    }

    fn nombre(&self, e: &mut Vec<(&'static str, String)>, key: &'static str, s: &str, t: &TypeChamp) -> Option<String> {
        let s = s.trim();
        if s.is_empty() {
            return None;
        }
        let compact: String =
            s.chars().filter(|c| !c.is_whitespace()).map(|c| if c == ',' { '.' } else { c }).collect();
        let ok = match t {
            TypeChamp::IntegerNumber => compact.parse::<i64>().ok().map(|n| n.to_string()),
            _ => parse_decimal(&compact).filter(|_| compact.len() <= 40).map(super::nombre::format_decimal),
        };
        if ok.is_none() {
            e.push((key, "Indiquez un nombre, par exemple 10 ou 12,5.".into()));
        }
        ok
    }

    fn format(&self, e: &mut Vec<(&'static str, String)>) -> Option<FormatTexte> {
        match self.format_mode.as_str() {
            "simple" => {
                let (lettres, chiffres, speciaux) =
                    (coche(&self.format_lettres), coche(&self.format_chiffres), coche(&self.format_speciaux));
                if !(lettres || chiffres || speciaux) {
                    e.push(("format_lettres", "Cochez au moins un type de caractères autorisés.".into()));
                }
                let min = entier(e, "format_min", &self.format_min, 0, super::TEXT_MAX_CHARS as u32);
                let max = entier(e, "format_max", &self.format_max, 1, super::TEXT_MAX_CHARS as u32);
                if let (Some(a), Some(b)) = (min, max)
                    && a > b
                {
                    e.push(("format_max", "La longueur maximale doit être supérieure ou égale à la minimale.".into()));
                }
                Some(FormatTexte::Simple { lettres, chiffres, speciaux, min, max })
            }
            "avance" => {
                let regex = self.format_regex.trim().to_string();
                let exemple = self.format_exemple.trim().to_string();
                let message = self.format_message.trim().to_string();
                let mut compile = true;
                if let Err(m) = compiler_regex(&regex) {
                    e.push(("format_regex", m));
                    compile = false;
                }
                if exemple.is_empty() {
                    e.push(("format_exemple", "Indiquez un exemple de réponse acceptée.".into()));
                } else if exemple.chars().count() > MESSAGE_MAX_CHARS {
                    e.push((
                        "format_exemple",
                        format!("L'exemple ne doit pas dépasser {MESSAGE_MAX_CHARS} caractères."),
                    ));
                }
                if message.chars().count() > MESSAGE_MAX_CHARS {
                    e.push((
                        "format_message",
                        format!("Le message ne doit pas dépasser {MESSAGE_MAX_CHARS} caractères."),
                    ));
                }
                let f = FormatTexte::Avance { regex, exemple, message };
                if compile
                    && let FormatTexte::Avance { exemple, .. } = &f
                    && !exemple.is_empty()
                    && valider_formate("", Some(&f), exemple).is_err()
                {
                    e.push(("format_exemple", "L'exemple ne correspond pas à l'expression régulière.".into()));
                }
                Some(f)
            }
            "" => None,
            _ => {
                e.push(("format_mode", "Choisissez « simple » ou « avancé ».".into()));
                None
            }
        }
    }

    fn choix(&self, e: &mut Vec<(&'static str, String)>, t: &TypeChamp) -> Vec<String> {
        let mut choix: Vec<String> = Vec::new();
        for line in self.options.lines().map(str::trim).filter(|l| !l.is_empty()) {
            if line.chars().count() > OPTION_MAX_CHARS {
                e.push(("options", format!("Un choix ne doit pas dépasser {OPTION_MAX_CHARS} caractères.")));
                break;
            }
            if line.starts_with("__") {
                e.push(("options", format!("Un choix ne peut pas commencer par « __ » (« {line} »).")));
                break;
            }
            if !choix.iter().any(|o| o == line) {
                choix.push(line.to_string());
            }
        }
        let selectionnables = choix.iter().filter(|c| titre_de_ligne(c).is_none()).count();
        if choix.len() > OPTIONS_MAX {
            e.push(("options", format!("Une liste ne peut pas dépasser {OPTIONS_MAX} choix.")));
        } else if *t == TypeChamp::LinkedDropDownList {
            let arbre = arbre_lie(&choix);
            if arbre.is_empty() || choix.first().is_some_and(|c| titre_de_ligne(c).is_none()) {
                e.push((
                    "options",
                    "Commencez par un choix du premier menu entre doubles tirets (--Choix A--), puis ses choix du second menu, un par ligne.".into(),
                ));
            }
        } else if selectionnables == 0 {
            e.push(("options", "Indiquez au moins un choix, un par ligne.".into()));
        } else if *t == TypeChamp::MultipleDropDownList && selectionnables != choix.len() {
            e.push(("options", "Les séparateurs (--Titre--) ne sont pas permis dans un choix multiple.".into()));
        }
        choix
    }
}

fn entier(e: &mut Vec<(&'static str, String)>, key: &'static str, s: &str, min: u32, max: u32) -> Option<u32> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    match s.parse::<u32>() {
        Ok(n) if (min..=max).contains(&n) => Some(n),
        _ => {
            e.push((key, format!("Indiquez un nombre entier entre {min} et {max}.")));
            None
        }
    }
}

fn date(e: &mut Vec<(&'static str, String)>, key: &'static str, s: &str) -> Option<String> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    let d = parse_date(s).map(|d| d.format("%Y-%m-%d").to_string());
    if d.is_none() {
        e.push((key, "Indiquez une date valide, au format JJ/MM/AAAA.".into()));
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn options_that_do_not_apply_are_dropped() {
        let s = SaisieOptions {
            options: "A\nB".into(),
            niveau: "2".into(),
            positif: "on".into(),
            ..SaisieOptions::default()
        };
        assert_eq!(s.valider(&TypeChamp::Text), Ok(OptionsChamp::default()));
        assert_eq!(s.valider(&TypeChamp::HeaderSection).unwrap().niveau, Some(2));
        let n = s.valider(&TypeChamp::IntegerNumber).unwrap();
        assert!(n.positif && n.choix.is_empty() && n.niveau.is_none());
    }

    #[test]
    fn bad_options_are_refused_next_to_their_field() {
        let bad = |s: SaisieOptions, t: TypeChamp| s.valider(&t).unwrap_err();
        assert_eq!(
            bad(SaisieOptions { niveau: "4".into(), ..Default::default() }, TypeChamp::HeaderSection)[0].0,
            "niveau"
        );
        let e = bad(
            SaisieOptions { format_mode: "avance".into(), format_regex: "(a".into(), ..Default::default() },
            TypeChamp::Formatted,
        );
        assert!(e.iter().any(|(k, m)| *k == "format_regex" && m.contains("n'est pas valide")), "{e:?}");
        let e = bad(
            SaisieOptions {
                format_mode: "avance".into(),
                format_regex: "[0-9]{5}".into(),
                format_exemple: "7500".into(),
                ..Default::default()
            },
            TypeChamp::Formatted,
        );
        assert!(e.iter().any(|(k, m)| *k == "format_exemple" && m.contains("ne correspond pas")), "{e:?}");
        assert_eq!(
            bad(SaisieOptions { min: "10".into(), max: "2".into(), ..Default::default() }, TypeChamp::DecimalNumber)[0]
                .0,
            "max"
        );
        assert_eq!(
            bad(SaisieOptions { min: "1,5".into(), ..Default::default() }, TypeChamp::IntegerNumber)[0].0,
            "min"
        );
        assert_eq!(
            bad(SaisieOptions { date_min: "31/02/2026".into(), ..Default::default() }, TypeChamp::Date)[0].0,
            "date_min"
        );
        assert_eq!(
            bad(SaisieOptions { options: "A1\n--A--".into(), ..Default::default() }, TypeChamp::LinkedDropDownList)[0]
                .0,
            "options"
        );
        assert_eq!(
            bad(SaisieOptions { options: "--X--".into(), ..Default::default() }, TypeChamp::DropDownList)[0].0,
            "options"
        );
        assert_eq!(
            bad(SaisieOptions { limite_caracteres: "0".into(), ..Default::default() }, TypeChamp::Textarea)[0].0,
            "limite_caracteres"
        );
        assert_eq!(
            bad(SaisieOptions { format_mode: "simple".into(), ..Default::default() }, TypeChamp::Formatted)[0].0,
            "format_lettres"
        );
    }

    #[test]
    fn stored_options_read_back_into_the_same_fields() {
        let s = SaisieOptions {
            format_mode: "avance".into(),
            format_regex: "[A-Z]{2}".into(),
            format_exemple: "AB".into(),
            format_message: "Deux lettres".into(),
            ..Default::default()
        };
        let o = s.valider(&TypeChamp::Formatted).unwrap();
        assert_eq!(SaisieOptions::depuis(&o), s);
    }

    proptest! {
        #[test]
        fn the_editor_check_never_panics(a in "\\PC{0,40}", b in "\\PC{0,40}", m in "(simple|avance|)") {
            let s = SaisieOptions { options: a.clone(), niveau: a.clone(), limite_caracteres: b.clone(), format_mode: m, format_regex: a.clone(), format_exemple: b.clone(), format_min: a.clone(), min: a.clone(), max: b.clone(), date_min: a.clone(), ..Default::default() };
            for t in TypeChamp::BUILTIN {
                let _ = s.valider(&t);
            }
        }
    }
}
