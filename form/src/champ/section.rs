//! Titres de section: levels 1 to 3, without gaps (a level 3 follows a 2
//! or a 3, never directly a 1), so the page's headings form an outline.

use super::{TypeChamp, TypeDeChamp};

pub const NIVEAU_MAX: u8 = 3;

pub fn niveau(tdc: &TypeDeChamp) -> u8 {
    tdc.options.niveau.unwrap_or(1).clamp(1, NIVEAU_MAX)
}

/// The sections whose level skips one, in French, for the editor and
/// publication. Checked per block (a repetition's sections apart).
pub fn sauts_de_niveau(types: &[TypeDeChamp]) -> Vec<(crate::StableId, String)> {
    let mut manques = Vec::new();
    let mut precedents: Vec<(Option<crate::StableId>, u8)> = Vec::new();
    for t in types.iter().filter(|t| t.type_champ == TypeChamp::HeaderSection) {
        let n = niveau(t);
        let precedent = precedents.iter().rev().find(|(p, _)| *p == t.parent).map_or(0, |(_, n)| *n);
        if n > precedent + 1 {
            manques.push((t.stable_id, format!(
                "Le titre de section « {} » est de niveau {n} mais suit un titre de niveau {precedent} : utilisez le niveau {} ou ajoutez un titre intermédiaire.",
                t.libelle,
                precedent + 1
            )));
        }
        precedents.push((t.parent, n));
    }
    manques
}

#[cfg(test)]
mod tests {
    use super::super::OptionsChamp;
    use super::*;
    use crate::StableId;

    fn titre(n: u8) -> TypeDeChamp {
        TypeDeChamp {
            stable_id: StableId(i64::from(n)),
            type_champ: TypeChamp::HeaderSection,
            libelle: format!("T{n}"),
            description: String::new(),
            obligatoire: false,
            options: OptionsChamp { niveau: Some(n), ..OptionsChamp::default() },
            parent: None,
            condition: None,
            prive: false,
        }
    }

    #[test]
    fn levels_may_go_down_one_at_a_time_and_up_freely() {
        assert!(sauts_de_niveau(&[titre(1), titre(2), titre(3), titre(1), titre(2)]).is_empty());
        let sauts = sauts_de_niveau(&[titre(1), titre(3)]);
        assert_eq!(sauts.len(), 1);
        assert!(sauts[0].1.contains("« T3 » est de niveau 3 mais suit un titre de niveau 1"), "{sauts:?}");
        assert_eq!(sauts_de_niveau(&[titre(2)]).len(), 1);
    }
}
