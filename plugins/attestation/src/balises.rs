//! Tags (« balises ») of the attestation template: `--numéro du dossier--`
//! and the like, replaced by the dossier's values.
//!
//! The tags démarches-simplifiées offers, by name:
//!
//! | balise | value |
//! |---|---|
//! | `--numéro du dossier--` | the dossier's number |
//! | `--date de dépôt--` | date of dépôt, « 12 mars 2026 » (Paris) |
//! | `--date de décision--` | date of the decision |
//! | `--date de passage en instruction--` | date the dossier was passé en instruction (WIT 0.2.1 hosts; empty before) |
//! | `--motivation--` | the instructeur's motivation |
//! | `--libellé démarche--` | the démarche's title |
//! | `--email--` | the usager's e-mail address |
//! | `--<libellé d'un champ>--` | that champ's value (a `date` champ as a French date) |
//!
//! Names are compared without case, with runs of spaces as one and `’` as
//! `'`. A tag is `--` + a name that neither starts nor ends with a space +
//! `--`, on one line: « un tiret -- comme ceci -- » stays text.
//!
//! Unknown tags: démarches-simplifiées refuses them when the template is
//! saved. Here the template arrives at rendering time, when refusing would
//! leave the usager without an attestation: an unknown tag is replaced by
//! nothing, and its name is returned so that the plugin logs a warning
//! (names come from the template, never from the usager).

use crate::date;

/// Longest tag name looked up: a champ's label is at most a few hundred
/// characters; past this, `--` pairs are text (bounds the work spent on a
/// template full of dashes).
const LONGUEUR_MAX_BALISE: usize = 500;

/// Largest text after substitution: a template repeating a 64 KiB champ
/// value cannot make the plugin build megabytes of text.
pub const TEXTE_MAX: usize = 256 * 1024;

/// The dossier values tags are replaced with.
#[derive(Clone, Debug, Default)]
pub struct Valeurs<'a> {
    pub numero: u64,
    pub demarche_libelle: &'a str,
    pub usager_email: &'a str,
    pub depose_le: Option<&'a str>,
    pub decide_le: Option<&'a str>,
    pub en_instruction_le: Option<&'a str>,
    pub motivation: Option<&'a str>,
    pub champs: Vec<ChampValeur<'a>>,
}

/// One champ, for `--<libellé>--`.
#[derive(Clone, Copy, Debug)]
pub struct ChampValeur<'a> {
    pub libelle: &'a str,
    pub type_champ: &'a str,
    pub valeur: Option<&'a str>,
}

/// A text with its tags replaced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Remplace {
    pub texte: String,
    /// Names of tags that matched nothing, or whose value the host does not
    /// give, each once, in order of appearance.
    pub inconnues: Vec<String>,
}

/// The substituted text would exceed [`TEXTE_MAX`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TropLong;

/// Replaces every tag of `texte`.
pub fn remplacer(texte: &str, valeurs: &Valeurs<'_>) -> Result<Remplace, TropLong> {
    let mut sortie = String::with_capacity(texte.len());
    let mut inconnues: Vec<String> = Vec::new();
    let mut reste = texte;
    while let Some(debut) = reste.find("--") {
        let apres = &reste[debut + 2..];
        let balise = apres.find("--").map(|fin| &apres[..fin]).filter(|nom| est_balise(nom));
        match balise {
            Some(nom) => {
                sortie.push_str(&reste[..debut]);
                match valeur_de(nom, valeurs) {
                    Some(valeur) => sortie.push_str(&valeur),
                    None => {
                        let nom = nom.to_owned();
                        if !inconnues.contains(&nom) {
                            inconnues.push(nom);
                        }
                    }
                }
                reste = &apres[balise.map_or(0, str::len) + 2..];
            }
            None => {
                sortie.push_str(&reste[..debut + 2]);
                reste = apres;
            }
        }
        if sortie.len() > TEXTE_MAX {
            return Err(TropLong);
        }
    }
    sortie.push_str(reste);
    if sortie.len() > TEXTE_MAX {
        return Err(TropLong);
    }
    Ok(Remplace { texte: sortie, inconnues })
}

fn est_balise(nom: &str) -> bool {
    !nom.is_empty()
        && nom.len() <= LONGUEUR_MAX_BALISE
        && !nom.starts_with(char::is_whitespace)
        && !nom.ends_with(char::is_whitespace)
        && !nom.contains(['\n', '\r'])
        && !nom.starts_with('-')
}

/// The value of tag `nom`; none when unknown or not given by the host.
fn valeur_de(nom: &str, valeurs: &Valeurs<'_>) -> Option<String> {
    let cle = normaliser(nom);
    let date = |instant: Option<&str>| instant.and_then(date::date_a_paris).map(|d| d.en_francais());
    match cle.as_str() {
        "numéro du dossier" => return Some(valeurs.numero.to_string()),
        "date de dépôt" => return Some(date(valeurs.depose_le).unwrap_or_default()),
        "date de décision" => return Some(date(valeurs.decide_le).unwrap_or_default()),
        "date de passage en instruction" => return Some(date(valeurs.en_instruction_le).unwrap_or_default()),
        "motivation" => return Some(valeurs.motivation.unwrap_or_default().to_owned()),
        "libellé démarche" => return Some(valeurs.demarche_libelle.to_owned()),
        "email" => return Some(valeurs.usager_email.to_owned()),
        _ => {}
    }
    let champ = valeurs.champs.iter().find(|c| normaliser(c.libelle) == cle)?;
    let valeur = champ.valeur.unwrap_or_default();
    Some(match champ.type_champ {
        "date" => date::date_simple(valeur).map(|d| d.en_francais()).unwrap_or_else(|| valeur.to_owned()),
        _ => valeur.to_owned(),
    })
}

/// Lower case, one space between words, `’` as `'`.
pub fn normaliser(nom: &str) -> String {
    nom.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase().replace('’', "'")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valeurs() -> Valeurs<'static> {
        Valeurs {
            numero: 17606854,
            demarche_libelle: "Subvention « Culture pour tous »",
            usager_email: "marie.dupont@example.fr",
            depose_le: Some("2026-03-12T09:30:00Z"),
            decide_le: Some("2026-04-01T21:45:00Z"),
            en_instruction_le: Some("2026-03-20T08:00:00Z"),
            motivation: Some("Dossier complet."),
            champs: vec![
                ChampValeur {
                    libelle: "Nom de l’association", type_champ: "texte", valeur: Some("Les Amis du Livre")
                },
                ChampValeur { libelle: "Date de l'événement", type_champ: "date", valeur: Some("2026-06-21") },
                ChampValeur { libelle: "Montant demandé", type_champ: "nombre", valeur: None },
            ],
        }
    }

    fn texte(modele: &str) -> String {
        remplacer(modele, &valeurs()).expect("short text").texte
    }

    #[test]
    fn the_demarches_simplifiees_tags_are_replaced() {
        assert_eq!(texte("Dossier n° --numéro du dossier--"), "Dossier n° 17606854");
        assert_eq!(
            texte("Déposé le --date de dépôt--, accepté le --date de décision--."),
            "Déposé le 12 mars 2026, accepté le 1er avril 2026."
        );
        // 21:45 UTC on 1 April is 23:45 in Paris (summer time): still the 1st.
        assert_eq!(
            texte("--libellé démarche-- : --motivation--"),
            "Subvention « Culture pour tous » : Dossier complet."
        );
        assert_eq!(texte("Contact : --email--"), "Contact : marie.dupont@example.fr");
    }

    #[test]
    fn champ_labels_are_tags_with_dates_in_french() {
        assert_eq!(texte("Association : --Nom de l'association--"), "Association : Les Amis du Livre");
        assert_eq!(texte("Le --date de l’événement--"), "Le 21 juin 2026");
        assert_eq!(texte("[--Montant   demandé--]"), "[]", "an empty champ is an empty string");
        assert_eq!(texte("--NUMÉRO DU DOSSIER--"), "17606854");
    }

    #[test]
    fn unknown_tags_vanish_and_are_reported_once() {
        let remplace = remplacer("A --inconnue-- B --inconnue-- C --date de passage en instruction--", &valeurs())
            .expect("short text");
        assert_eq!(remplace.texte, "A  B  C 20 mars 2026");
        assert_eq!(remplace.inconnues, vec!["inconnue".to_owned()]);
    }

    #[test]
    fn dashes_that_are_not_tags_stay_text() {
        for texte_libre in
            ["un tiret -- comme ceci -- au milieu", "-- en tête", "fin --", "----", "a --\n-- b", "a --- b"]
        {
            let remplace = remplacer(texte_libre, &valeurs()).expect("short text");
            assert_eq!(remplace.texte, texte_libre);
            assert!(remplace.inconnues.is_empty(), "{texte_libre}");
        }
        assert_eq!(texte("n°--numéro du dossier---fin"), "n°17606854-fin");
    }

    #[test]
    fn dates_missing_or_unreadable_are_empty() {
        let mut v = valeurs();
        v.decide_le = None;
        v.depose_le = Some("hier");
        v.motivation = None;
        let remplace = remplacer("[--date de décision--][--date de dépôt--][--motivation--]", &v).expect("short");
        assert_eq!(remplace.texte, "[][][]");
        assert!(remplace.inconnues.is_empty());
    }

    #[test]
    fn substitution_is_bounded() {
        let mut v = valeurs();
        let grand = "x".repeat(64 * 1024);
        v.champs.push(ChampValeur { libelle: "Grand", type_champ: "texte", valeur: Some(&grand) });
        assert!(remplacer(&"--Grand--".repeat(3), &v).is_ok());
        assert_eq!(remplacer(&"--Grand--".repeat(5), &v), Err(TropLong));
        assert_eq!(remplacer(&"é".repeat(TEXTE_MAX), &v), Err(TropLong));
    }
}
