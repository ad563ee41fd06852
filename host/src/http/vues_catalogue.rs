//! What the built-in catalogue's champs add to their view model (see
//! `vues::champs_formulaire`): the DSFR component (`kind`), the input's
//! type, keyboard and autocomplete, hints, choices, headings and
//! explications. One function, so the shared view stays small.

use crate::domain::champ::choix::{
    AUTRE, SUFFIXE_AUTRE, SUFFIXE_SECONDAIRE, arbre_lie, lie_paire, multiple_liste, titre_de_ligne,
};
use crate::domain::champ::explication::explication_html;
use crate::domain::champ::{FormatTexte, section};
use crate::domain::{TypeChamp, TypeDeChamp};
use serde_json::{Map, Value, json};

/// Up to this many choices, a simple list is a group of radios (all
/// visible at once); beyond, a select.
const RADIOS_MAX: usize = 5;
/// From this many choices, a select gets a search box (static/combobox.js).
const COMBOBOX_MIN: usize = 20;

pub fn champ(tdc: &TypeDeChamp, value: &str) -> Map<String, Value> {
    let name = tdc.input_name();
    let mut o = Map::new();
    let mut set = |k: &str, v: Value| {
        o.insert(k.to_string(), v);
    };
    match &tdc.type_champ {
        TypeChamp::HeaderSection => {
            // The page's title is the h1: section levels 1–3 are h2–h4.
            set("balise", json!(format!("h{}", section::niveau(tdc) + 1)));
        }
        TypeChamp::Explication => {
            set("kind", json!("explication"));
            set("explication_html", json!(explication_html(&tdc.description)));
            set("repliable_html", json!(tdc.options.texte_repliable.as_deref().map(explication_html)));
        }
        TypeChamp::Textarea => {
            if let Some(limite) = tdc.options.limite_caracteres {
                set("limite", json!(limite));
                set("hint", json!(format!("{limite} caractères maximum")));
            }
        }
        TypeChamp::Formatted => {
            let hint = match &tdc.options.format {
                Some(FormatTexte::Avance { exemple, .. }) => format!("Par exemple : {exemple}"),
                Some(FormatTexte::Simple { lettres, chiffres, speciaux, min, max }) => {
                    let classes: Vec<&str> =
                        [(*lettres, "lettres"), (*chiffres, "chiffres"), (*speciaux, "caractères spéciaux")]
                            .iter()
                            .filter(|(ok, _)| *ok)
                            .map(|(_, s)| *s)
                            .collect();
                    let mut h = format!("Caractères autorisés : {}", classes.join(", "));
                    match (min, max) {
                        (Some(a), Some(b)) => h.push_str(&format!(" ; de {a} à {b} caractères")),
                        (Some(a), None) => h.push_str(&format!(" ; au moins {a} caractères")),
                        (None, Some(b)) => h.push_str(&format!(" ; au plus {b} caractères")),
                        (None, None) => {}
                    }
                    h
                }
                None => String::new(),
            };
            set("hint", json!(hint));
        }
        TypeChamp::Email => {
            set("input_type", json!("email"));
            set("inputmode", json!("email"));
            set("autocomplete", json!("email"));
            set("hint", json!("Par exemple nom@exemple.fr"));
        }
        TypeChamp::Phone => {
            set("input_type", json!("tel"));
            set("inputmode", json!("tel"));
            set("autocomplete", json!("tel"));
            set("hint", json!("Par exemple 06 12 34 56 78 ou +33 6 12 34 56 78"));
        }
        TypeChamp::Iban => {
            set("autocomplete", json!("off"));
            set("hint", json!("Par exemple FR76 3000 6000 0112 3456 7890 189"));
        }
        TypeChamp::DossierLink => {
            set("inputmode", json!("numeric"));
            set("hint", json!("Le numéro d'un de vos dossiers, par exemple 1234"));
        }
        TypeChamp::Datetime => {
            set("input_type", json!("datetime-local"));
            set("hint", json!("Format attendu : JJ/MM/AAAA HH:MM"));
        }
        TypeChamp::Engagement => set("kind", json!("checkbox")),
        TypeChamp::Civilite => {
            set("kind", json!("radios"));
            let choix = [("M.", "Monsieur"), ("Mme", "Madame")]
                .iter()
                .enumerate()
                .map(|(i, (v, l))| json!({ "value": v, "libelle": l, "selected": *v == value, "id": format!("{name}-{i}") }))
                .collect::<Vec<_>>();
            set("choix", json!(choix));
        }
        TypeChamp::DropDownList => {
            let selectionnables: Vec<&String> =
                tdc.options.choix.iter().filter(|c| titre_de_ligne(c).is_none()).collect();
            let separateurs = selectionnables.len() != tdc.options.choix.len();
            let dans_liste = selectionnables.iter().any(|c| *c == value);
            let autre_selectionne = tdc.options.autre && !value.is_empty() && !dans_liste;
            let choix = tdc
                .options
                .choix
                .iter()
                .enumerate()
                .map(|(i, c)| match titre_de_ligne(c) {
                    Some(titre) => json!({ "separateur": titre }),
                    None => json!({ "value": c, "libelle": c, "selected": c == value, "id": format!("{name}-{i}") }),
                })
                .collect::<Vec<_>>();
            let radios = selectionnables.len() <= RADIOS_MAX && !separateurs;
            set("kind", json!(if radios { "radios" } else { "select" }));
            set("choix", json!(choix));
            set("combobox", json!(!radios && selectionnables.len() >= COMBOBOX_MIN));
            if tdc.options.autre {
                set(
                    "autre",
                    json!({
                        "value": AUTRE,
                        "id": format!("{name}-autre-choix"),
                        "selected": autre_selectionne,
                        "name": format!("{name}{SUFFIXE_AUTRE}"),
                        "texte": if autre_selectionne && value != AUTRE { value } else { "" },
                    }),
                );
            }
        }
        TypeChamp::MultipleDropDownList => {
            let coches = multiple_liste(value);
            let choix = tdc
                .options
                .choix
                .iter()
                .enumerate()
                .filter(|(_, c)| titre_de_ligne(c).is_none())
                .map(|(i, c)| json!({ "value": c, "libelle": c, "selected": coches.contains(c), "id": format!("{name}-{i}") }))
                .collect::<Vec<_>>();
            set("kind", json!("cases"));
            set("choix", json!(choix));
            set("multiple_name", json!(format!("{name}[]")));
        }
        TypeChamp::LinkedDropDownList => {
            let (primaire, secondaire) = lie_paire(value).unwrap_or_default();
            let arbre = arbre_lie(&tdc.options.choix);
            set("kind", json!("lie"));
            set(
                "primaires",
                json!(arbre.iter().map(|(p, _)| json!({ "value": p, "selected": *p == primaire })).collect::<Vec<_>>()),
            );
            set(
                "groupes",
                json!(
                    arbre
                        .iter()
                        .filter(|(_, s)| !s.is_empty())
                        .map(|(p, s)| json!({
                            "label": p,
                            "options": s.iter().map(|v| json!({ "value": v, "selected": *p == primaire && *v == secondaire })).collect::<Vec<_>>(),
                        }))
                        .collect::<Vec<_>>()
                ),
            );
            set("secondaire_name", json!(format!("{name}{SUFFIXE_SECONDAIRE}")));
        }
        _ => {}
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::StableId;
    use crate::domain::champ::OptionsChamp;

    fn liste(n: usize) -> TypeDeChamp {
        TypeDeChamp {
            stable_id: StableId(4),
            type_champ: TypeChamp::DropDownList,
            libelle: "Commune".into(),
            description: String::new(),
            obligatoire: false,
            options: OptionsChamp { choix: (1..=n).map(|i| format!("Choix {i}")).collect(), ..OptionsChamp::default() },
            parent: None,
            condition: None,
            prive: false,
        }
    }

    #[test]
    fn a_short_list_is_radios_a_long_one_a_searchable_select() {
        for (n, kind, combobox) in [
            (2, "radios", false),
            (5, "radios", false),
            (6, "select", false),
            (19, "select", false),
            (20, "select", true),
        ] {
            let vue = champ(&liste(n), "Choix 2");
            assert_eq!(vue["kind"], kind, "{n} choices");
            assert_eq!(vue["combobox"], combobox, "{n} choices");
            let choix = vue["choix"].as_array().expect("choices");
            assert_eq!(choix.len(), n);
            assert_eq!(choix[1]["selected"], true, "the stored answer is selected");
            assert_eq!(choix[1]["id"], "champ_4-1", "each radio has its own id for its label");
        }
        // Group titles (`--Titre--`) need a select, even when short.
        let mut groupes = liste(3);
        groupes.options.choix.insert(0, "--Groupe--".into());
        let vue = champ(&groupes, "");
        assert_eq!(vue["kind"], "select");
        assert_eq!(vue["choix"][0]["separateur"], "Groupe");
    }
}
