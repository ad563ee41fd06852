//! The no-code builder: clauses (champ, operator, value) joined by « et »
//! or « ou », written out as a rhai expression. The operators offered
//! depend on the type of the champ tested, as on the original platform.

use super::{Reference, Regle, variable};
use crate::StableId;
use crate::champ::{TypeChamp, TypeDeChamp};
use serde::{Deserialize, Serialize};

/// Longest value typed in a clause.
pub const VALEUR_MAX_CHARS: usize = 300;
/// Clauses of one rule: enough for any real condition, few enough that
/// the editor page and the expression stay small.
pub const CLAUSES_MAX: usize = 20;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Clause {
    pub champ: StableId,
    pub operateur: Operateur,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub valeur: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Operateur {
    Egal,
    Different,
    Inferieur,
    InferieurOuEgal,
    Superieur,
    SuperieurOuEgal,
    Contient,
    NeContientPas,
    Vide,
    NonVide,
    DansDepartement,
    DansRegion,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Combinaison {
    #[default]
    Et,
    Ou,
}

impl Combinaison {
    pub fn is_et(&self) -> bool {
        *self == Self::Et
    }

    pub fn parse(s: &str) -> Self {
        if s == "ou" { Self::Ou } else { Self::Et }
    }
}

impl Operateur {
    pub const TOUS: [Operateur; 12] = [
        Self::Egal,
        Self::Different,
        Self::Inferieur,
        Self::InferieurOuEgal,
        Self::Superieur,
        Self::SuperieurOuEgal,
        Self::Contient,
        Self::NeContientPas,
        Self::Vide,
        Self::NonVide,
        Self::DansDepartement,
        Self::DansRegion,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Egal => "egal",
            Self::Different => "different",
            Self::Inferieur => "inferieur",
            Self::InferieurOuEgal => "inferieur_ou_egal",
            Self::Superieur => "superieur",
            Self::SuperieurOuEgal => "superieur_ou_egal",
            Self::Contient => "contient",
            Self::NeContientPas => "ne_contient_pas",
            Self::Vide => "vide",
            Self::NonVide => "non_vide",
            Self::DansDepartement => "dans_departement",
            Self::DansRegion => "dans_region",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::TOUS.into_iter().find(|o| o.as_str() == s)
    }

    pub fn libelle(self) -> &'static str {
        match self {
            Self::Egal => "est égal à",
            Self::Different => "est différent de",
            Self::Inferieur => "est inférieur à",
            Self::InferieurOuEgal => "est inférieur ou égal à",
            Self::Superieur => "est supérieur à",
            Self::SuperieurOuEgal => "est supérieur ou égal à",
            Self::Contient => "contient",
            Self::NeContientPas => "ne contient pas",
            Self::Vide => "est vide",
            Self::NonVide => "n'est pas vide",
            Self::DansDepartement => "est dans le département",
            Self::DansRegion => "est dans la région",
        }
    }

    /// Whether the clause takes a value (« est vide » does not).
    pub fn avec_valeur(self) -> bool {
        !matches!(self, Self::Vide | Self::NonVide)
    }

    /// The operators offered for a champ of type `t`; empty when rules
    /// cannot test this type in the builder (files, structure…).
    pub fn pour(t: &TypeChamp) -> &'static [Operateur] {
        use Operateur::*;
        match t {
            TypeChamp::YesNo | TypeChamp::Checkbox => &[Egal, Different],
            TypeChamp::IntegerNumber | TypeChamp::DecimalNumber | TypeChamp::Calcul | TypeChamp::Date => {
                &[Egal, Different, Inferieur, InferieurOuEgal, Superieur, SuperieurOuEgal, Vide, NonVide]
            }
            TypeChamp::DropDownList | TypeChamp::Civilite | TypeChamp::Pays | TypeChamp::Regions => {
                &[Egal, Different, Vide, NonVide]
            }
            TypeChamp::MultipleDropDownList => &[Contient, NeContientPas, Vide, NonVide],
            TypeChamp::Text | TypeChamp::Textarea | TypeChamp::Email => {
                &[Egal, Different, Contient, NeContientPas, Vide, NonVide]
            }
            TypeChamp::Departements => &[Egal, Different, DansRegion, Vide, NonVide],
            TypeChamp::Communes | TypeChamp::Epci => &[DansDepartement, DansRegion, Vide, NonVide],
            _ => &[],
        }
    }
}

/// A refused clause: its index in the list (`None`: the rule as a whole)
/// and the French message, which names its rank.
pub type ErreurClause = (Option<usize>, String);

/// Writes `clauses` as one rhai expression over `champs` (the champs the
/// rule may read). Errors are French, one per faulty clause, with its rank.
pub fn compiler_clauses(
    clauses: &[Clause],
    combinaison: Combinaison,
    champs: &[&TypeDeChamp],
) -> Result<Regle, Vec<ErreurClause>> {
    let mut erreurs = Vec::new();
    if clauses.is_empty() {
        erreurs.push((None, "Ajoutez au moins une condition.".to_string()));
    }
    if clauses.len() > CLAUSES_MAX {
        erreurs.push((None, format!("Une règle compte au plus {CLAUSES_MAX} conditions.")));
    }
    let mut parties = Vec::new();
    let mut references: Vec<Reference> = Vec::new();
    for (i, c) in clauses.iter().enumerate() {
        let rang = i + 1;
        match clause(c, champs) {
            Ok((rhai, reference)) => {
                parties.push(rhai);
                if !references.contains(&reference) {
                    references.push(reference);
                }
            }
            Err(e) => erreurs.push((Some(i), format!("Condition {rang} : {e}"))),
        }
    }
    if !erreurs.is_empty() {
        return Err(erreurs);
    }
    let lien = if combinaison == Combinaison::Ou { " || " } else { " && " };
    let expression = if parties.len() == 1 {
        parties.remove(0)
    } else {
        parties.iter().map(|p| format!("({p})")).collect::<Vec<_>>().join(lien)
    };
    Ok(Regle { expression, clauses: clauses.to_vec(), combinaison, references })
}

fn clause(c: &Clause, champs: &[&TypeDeChamp]) -> Result<(String, Reference), String> {
    let Some(tdc) = champs.iter().find(|t| t.stable_id == c.champ) else {
        return Err("choisissez un champ placé au-dessus de celui-ci.".to_string());
    };
    let t = &tdc.type_champ;
    if !Operateur::pour(t).contains(&c.operateur) {
        return Err(format!("« {} » ne peut pas être comparé avec « {} ».", c.operateur.libelle(), tdc.libelle));
    }
    let v = variable(c.champ);
    let reference = Reference { champ: c.champ, type_champ: t.as_str() };
    let litteral = if c.operateur.avec_valeur() { litteral(tdc, c.operateur, &c.valeur)? } else { String::new() };
    let rhai = match c.operateur {
        Operateur::Egal => format!("{v} == {litteral}"),
        Operateur::Different => format!("{v} != {litteral}"),
        Operateur::Inferieur => format!("{v} < {litteral}"),
        Operateur::InferieurOuEgal => format!("{v} <= {litteral}"),
        Operateur::Superieur => format!("{v} > {litteral}"),
        Operateur::SuperieurOuEgal => format!("{v} >= {litteral}"),
        Operateur::Contient => format!("contient({v}, {litteral})"),
        Operateur::NeContientPas => format!("!contient({v}, {litteral})"),
        Operateur::Vide => format!("vide({v})"),
        Operateur::NonVide => format!("!vide({v})"),
        Operateur::DansDepartement => format!("dans_departement({v}, {litteral})"),
        Operateur::DansRegion => format!("dans_region({v}, {litteral})"),
    };
    Ok((rhai, reference))
}

/// The clause's value as a rhai literal of the champ's type.
fn litteral(tdc: &TypeDeChamp, op: Operateur, valeur: &str) -> Result<String, String> {
    let valeur = valeur.trim();
    if valeur.is_empty() {
        return Err("indiquez la valeur à comparer.".to_string());
    }
    if valeur.chars().count() > VALEUR_MAX_CHARS {
        return Err(format!("la valeur ne doit pas dépasser {VALEUR_MAX_CHARS} caractères."));
    }
    if valeur.chars().any(char::is_control) {
        return Err("la valeur contient un caractère de contrôle.".to_string());
    }
    let libelle = &tdc.libelle;
    match (&tdc.type_champ, op) {
        (TypeChamp::IntegerNumber, _) => valeur
            .replace(' ', "")
            .parse::<i64>()
            .map(|n| n.to_string())
            .map_err(|_| format!("« {libelle} » est un nombre entier : indiquez un nombre entier, par exemple 42.")),
        (TypeChamp::DecimalNumber | TypeChamp::Calcul, _) => valeur
            .replace([' ', '\u{a0}'], "")
            .replace(',', ".")
            .parse::<f64>()
            .ok()
            .filter(|f| f.is_finite())
            .map(|f| format!("{f:?}"))
            .ok_or_else(|| format!("« {libelle} » est un nombre : indiquez un nombre, par exemple 12,5.")),
        (TypeChamp::YesNo | TypeChamp::Checkbox, _) => match valeur {
            "true" | "oui" | "Oui" => Ok("true".to_string()),
            "false" | "non" | "Non" => Ok("false".to_string()),
            _ => Err("choisissez « Oui » ou « Non ».".to_string()),
        },
        (TypeChamp::DropDownList | TypeChamp::MultipleDropDownList, _) => {
            if tdc.options.choix.iter().any(|c| c == valeur) {
                Ok(chaine(valeur))
            } else {
                Err(format!("« {valeur} » ne fait pas partie des choix de « {libelle} »."))
            }
        }
        _ => Ok(chaine(valeur)),
    }
}

/// A rhai string literal holding exactly `s` (no control characters: they
/// are refused above).
pub fn chaine(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::champ::OptionsChamp;

    pub(crate) fn tdc(id: i64, t: TypeChamp) -> TypeDeChamp {
        TypeDeChamp {
            stable_id: StableId(id),
            type_champ: t,
            libelle: format!("Champ {id}"),
            description: String::new(),
            obligatoire: false,
            options: OptionsChamp { choix: vec!["A".into(), "B \"b\"".into()], ..OptionsChamp::default() },
            parent: None,
            condition: None,
            prive: false,
        }
    }

    fn c(champ: i64, operateur: Operateur, valeur: &str) -> Clause {
        Clause { champ: StableId(champ), operateur, valeur: valeur.into() }
    }

    #[test]
    fn clauses_become_one_expression_typed_by_champ() {
        let (n, d, y, l) = (
            tdc(1, TypeChamp::IntegerNumber),
            tdc(2, TypeChamp::DecimalNumber),
            tdc(3, TypeChamp::YesNo),
            tdc(4, TypeChamp::DropDownList),
        );
        let champs = [&n, &d, &y, &l];
        let r = compiler_clauses(
            &[
                c(1, Operateur::SuperieurOuEgal, "1 000"),
                c(2, Operateur::Inferieur, "12,5"),
                c(3, Operateur::Egal, "oui"),
                c(4, Operateur::Different, "B \"b\""),
            ],
            Combinaison::Ou,
            &champs,
        )
        .unwrap();
        assert_eq!(
            r.expression,
            r#"(champ_1 >= 1000) || (champ_2 < 12.5) || (champ_3 == true) || (champ_4 != "B \"b\"")"#
        );
        assert_eq!(r.references.len(), 4);
        assert_eq!(r.references[0].type_champ, "integer_number");
        let seule = compiler_clauses(&[c(1, Operateur::Vide, "")], Combinaison::Et, &champs).unwrap();
        assert_eq!(seule.expression, "vide(champ_1)");
    }

    #[test]
    fn bad_clauses_are_refused_in_french_with_their_rank() {
        let (n, l, f) =
            (tdc(1, TypeChamp::IntegerNumber), tdc(4, TypeChamp::DropDownList), tdc(5, TypeChamp::PieceJustificative));
        let champs = [&n, &l, &f];
        let e = compiler_clauses(
            &[
                c(1, Operateur::Egal, "douze"),
                c(1, Operateur::Contient, "1"),
                c(4, Operateur::Egal, "Z"),
                c(9, Operateur::Egal, "1"),
                c(5, Operateur::Vide, ""),
                c(1, Operateur::Egal, ""),
                c(4, Operateur::Egal, "A\u{0}"),
            ],
            Combinaison::Et,
            &champs,
        )
        .unwrap_err();
        assert_eq!(e.len(), 7, "{e:?}");
        assert_eq!(e.iter().map(|(i, _)| i.unwrap_or(99)).collect::<Vec<_>>(), [0, 1, 2, 3, 4, 5, 6]);
        let e: Vec<String> = e.into_iter().map(|(_, m)| m).collect();
        assert!(e[0].starts_with("Condition 1 : ") && e[0].contains("nombre entier"));
        assert!(e[1].contains("ne peut pas être comparé"));
        assert!(e[2].contains("ne fait pas partie"));
        assert!(e[3].contains("au-dessus"));
        assert!(e[4].contains("ne peut pas être comparé"));
        assert!(e[5].contains("indiquez la valeur"));
        assert!(e[6].contains("contrôle"));
        assert!(compiler_clauses(&[], Combinaison::Et, &champs).is_err());
    }

    #[test]
    fn operator_names_round_trip() {
        for o in Operateur::TOUS {
            assert_eq!(Operateur::parse(o.as_str()), Some(o));
        }
        assert_eq!(Operateur::parse("eval"), None);
    }
}
