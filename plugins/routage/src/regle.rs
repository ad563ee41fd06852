//! The rule « par département »: read the département of one champ of the
//! dossier, look it up in the administrateur's table, answer the groupe.
//!
//! Options (the démarche's settings):
//!
//! - `champ`: stable id of the champ to read (integer, or its digits as a
//!   string, since the settings form sends strings);
//! - `table`: département → groupe, either a JSON object
//!   (`{"69": "Lyon", "2A": 12}`) or the text an administrateur types, one
//!   entry per line or separated by `;` (`69 = Lyon`, `2A : Corse`); a key
//!   is a code (`69`, `2A`, `971`) or a name (`Rhône`), a groupe is given
//!   by its libellé (compared without case) or its id (a JSON integer, or
//!   `#12` in text);
//! - `defaut` (optional): the groupe for every dossier the table does not
//!   route (champ empty, no département found, département not in the
//!   table). Without it, such dossiers go to the démarche's default groupe
//!   (decision without groupe).
//!
//! How the département is found, in order: the champ's `donnees` (the
//! adresse plugin stores `departement: {code, nom}`; also read:
//! `code_departement`, a commune code under `commune.code`, `code_insee` or
//! `citycode`, a code postal under `code_postal` or `postcode`), then its
//! value: an INSEE commune code for a `communes` champ, a code or a name
//! for a `departements` champ, otherwise a code postal (the whole value, or
//! the last five-digit group of an address typed as text), or a code.

use serde_json::Value;

use crate::departement::{self, Departement};

/// A champ of the dossier, as the host gives it.
#[derive(Clone, Copy, Debug)]
pub struct Champ<'a> {
    pub stable_id: u64,
    pub libelle: &'a str,
    pub type_champ: &'a str,
    pub valeur: Option<&'a str>,
    pub donnees: Option<&'a str>,
}

/// A groupe instructeur of the démarche.
#[derive(Clone, Copy, Debug)]
pub struct Groupe<'a> {
    pub id: u64,
    pub libelle: &'a str,
}

/// Where the dossier goes and why, in French for instructeurs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision {
    /// None: the démarche's default groupe.
    pub groupe: Option<u64>,
    pub explication: String,
}

/// Options the administrateur must fix; English, for logs and the
/// administrateur's plugin page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OptionsInvalides(pub String);

/// A groupe as the options name it.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Cible {
    Id(u64),
    Libelle(String),
}

#[derive(Debug)]
struct Reglage {
    champ: u64,
    table: Vec<(Departement, Cible)>,
    defaut: Option<Cible>,
}

/// Routes one dossier. Pure: the same champs, groupes and options always
/// give the same decision.
pub fn router(champs: &[Champ<'_>], groupes: &[Groupe<'_>], options: &str) -> Result<Decision, OptionsInvalides> {
    let reglage = lire_options(options)?;
    let Some(champ) = champs.iter().find(|c| c.stable_id == reglage.champ) else {
        let motif = format!("Le champ n°{} choisi pour le routage ne figure pas dans le dossier", reglage.champ);
        return Ok(repli(motif, &reglage, groupes));
    };
    if champ.valeur.is_none_or(|v| v.trim().is_empty()) && champ.donnees.is_none() {
        return Ok(repli(format!("Champ « {} » non rempli", champ.libelle), &reglage, groupes));
    }
    let Some(departement) = departement_du_champ(champ) else {
        let motif = format!("Aucun département reconnu dans le champ « {} »", champ.libelle);
        return Ok(repli(motif, &reglage, groupes));
    };
    let nomme = format!("Département {} ({})", departement.code, departement.nom);
    let Some((_, cible)) = reglage.table.iter().find(|(d, _)| *d == departement) else {
        return Ok(repli(format!("{nomme} absent de la table de routage"), &reglage, groupes));
    };
    Ok(match trouver(cible, groupes) {
        Some(groupe) => {
            Decision { groupe: Some(groupe.id), explication: format!("{nomme} → groupe « {} »", groupe.libelle) }
        }
        None => Decision {
            groupe: None,
            explication: format!(
                "{nomme} → {}, qui n'existe pas dans la démarche : groupe par défaut de la démarche",
                nommer(cible)
            ),
        },
    })
}

/// The decision when the table does not route the dossier: the `defaut`
/// groupe of the options, else the démarche's default groupe.
fn repli(motif: String, reglage: &Reglage, groupes: &[Groupe<'_>]) -> Decision {
    match &reglage.defaut {
        None => Decision { groupe: None, explication: format!("{motif} : groupe par défaut de la démarche") },
        Some(cible) => match trouver(cible, groupes) {
            Some(groupe) => Decision {
                groupe: Some(groupe.id),
                explication: format!("{motif} → groupe « {} » (par défaut)", groupe.libelle),
            },
            None => Decision {
                groupe: None,
                explication: format!(
                    "{motif} ; le groupe par défaut du routage, {}, n'existe pas dans la démarche : \
                     groupe par défaut de la démarche",
                    nommer(cible)
                ),
            },
        },
    }
}

fn trouver<'g>(cible: &Cible, groupes: &'g [Groupe<'g>]) -> Option<&'g Groupe<'g>> {
    match cible {
        Cible::Id(id) => groupes.iter().find(|g| g.id == *id),
        Cible::Libelle(libelle) => {
            let voulu = libelle.trim().to_lowercase();
            groupes.iter().find(|g| g.libelle.trim().to_lowercase() == voulu)
        }
    }
}

fn nommer(cible: &Cible) -> String {
    match cible {
        Cible::Id(id) => format!("le groupe n°{id}"),
        Cible::Libelle(libelle) => format!("le groupe « {} »", libelle.trim()),
    }
}

fn departement_du_champ(champ: &Champ<'_>) -> Option<Departement> {
    if let Some(departement) = champ.donnees.and_then(departement_des_donnees) {
        return Some(departement);
    }
    let valeur = champ.valeur?.trim();
    match champ.type_champ {
        "communes" => departement::par_code_commune(valeur)
            .or_else(|| dernier_groupe_de_chiffres(valeur).and_then(departement::par_code_commune)),
        "departements" => departement::par_code(valeur).or_else(|| departement::par_nom(valeur)).or_else(|| {
            // `69 - Rhône`: the code first.
            valeur.split(|c: char| c.is_whitespace() || c == '-').next().and_then(departement::par_code)
        }),
        _ => departement::par_code_postal(valeur)
            .or_else(|| dernier_groupe_de_chiffres(valeur).and_then(departement::par_code_postal))
            .or_else(|| departement::par_code(valeur)),
    }
}

fn departement_des_donnees(donnees: &str) -> Option<Departement> {
    let donnees: Value = serde_json::from_str(donnees).ok()?;
    let texte = |pointeur: &str| donnees.pointer(pointeur).and_then(Value::as_str);
    texte("/departement/code")
        .or_else(|| texte("/departement"))
        .or_else(|| texte("/code_departement"))
        .and_then(departement::par_code)
        .or_else(|| {
            texte("/commune/code")
                .or_else(|| texte("/code_insee"))
                .or_else(|| texte("/citycode"))
                .and_then(departement::par_code_commune)
        })
        .or_else(|| texte("/code_postal").or_else(|| texte("/postcode")).and_then(departement::par_code_postal))
}

/// The last run of exactly five ASCII digits (a code postal in an address
/// typed as text), or five characters `2A`/`2B` + three digits.
fn dernier_groupe_de_chiffres(texte: &str) -> Option<&str> {
    // Words are split on every non-ASCII-alphanumeric character, so each
    // one is ASCII and byte indexing is safe.
    texte.split(|c: char| !c.is_ascii_alphanumeric()).rfind(|mot| {
        let b = mot.as_bytes();
        b.len() == 5
            && b[2..].iter().all(u8::is_ascii_digit)
            && (b[..2].iter().all(u8::is_ascii_digit)
                || b[..2].eq_ignore_ascii_case(b"2A")
                || b[..2].eq_ignore_ascii_case(b"2B"))
    })
}

fn lire_options(options: &str) -> Result<Reglage, OptionsInvalides> {
    let invalide = |message: &str| OptionsInvalides(message.to_owned());
    let options: Value = serde_json::from_str(options).map_err(|_| invalide("options are not valid JSON"))?;
    let Some(options) = options.as_object() else {
        return Err(invalide("options are not a JSON object"));
    };
    let champ = match options.get("champ") {
        None | Some(Value::Null) => return Err(invalide("option `champ` (stable id of the champ to read) is missing")),
        Some(Value::Number(n)) => n.as_u64(),
        Some(Value::String(s)) => s.trim().parse::<u64>().ok(),
        Some(_) => None,
    }
    .ok_or_else(|| invalide("option `champ` must be a stable id (a non-negative integer)"))?;

    let mut table: Vec<(Departement, Cible)> = Vec::new();
    let mut ajouter = |cle: &str, cible: Cible| -> Result<(), OptionsInvalides> {
        let departement = departement::par_code(cle)
            .or_else(|| departement::par_nom(cle))
            .ok_or_else(|| OptionsInvalides(format!("option `table`: `{}` is not a département", cle.trim())))?;
        if table.iter().any(|(d, _)| *d == departement) {
            return Err(OptionsInvalides(format!("option `table`: département {} appears twice", departement.code)));
        }
        table.push((departement, cible));
        Ok(())
    };
    match options.get("table") {
        None | Some(Value::Null) => return Err(invalide("option `table` (département → groupe) is missing")),
        Some(Value::Object(entrees)) => {
            for (cle, valeur) in entrees {
                let cible = cible_json(valeur)
                    .ok_or_else(|| OptionsInvalides(format!("option `table`: the groupe of `{cle}` is not valid")))?;
                ajouter(cle, cible)?;
            }
        }
        Some(Value::String(texte)) => {
            for entree in texte.split(['\n', ';']).map(str::trim).filter(|e| !e.is_empty()) {
                let Some((cle, groupe)) = entree.split_once(['=', ':', '→']) else {
                    return Err(OptionsInvalides(format!("option `table`: `{entree}` is not `département = groupe`")));
                };
                let cible = cible_texte(groupe)
                    .ok_or_else(|| OptionsInvalides(format!("option `table`: `{entree}` has no groupe")))?;
                ajouter(cle, cible)?;
            }
        }
        Some(_) => return Err(invalide("option `table` must be an object or a text")),
    }
    if table.is_empty() {
        return Err(invalide("option `table` is empty"));
    }

    let defaut = match options.get("defaut") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.trim().is_empty() => None,
        Some(Value::String(s)) => Some(cible_texte(s).ok_or_else(|| invalide("option `defaut` is not a groupe"))?),
        Some(valeur) => Some(cible_json(valeur).ok_or_else(|| invalide("option `defaut` is not a groupe"))?),
    };
    Ok(Reglage { champ, table, defaut })
}

fn cible_json(valeur: &Value) -> Option<Cible> {
    match valeur {
        Value::Number(n) => n.as_u64().map(Cible::Id),
        Value::String(s) => cible_texte(s),
        _ => None,
    }
}

/// `Lyon` (a libellé) or `#12` (an id).
fn cible_texte(texte: &str) -> Option<Cible> {
    let texte = texte.trim();
    if texte.is_empty() {
        return None;
    }
    match texte.strip_prefix('#').map(|id| id.trim().parse::<u64>()) {
        Some(Ok(id)) => Some(Cible::Id(id)),
        _ => Some(Cible::Libelle(texte.to_owned())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GROUPES: &[Groupe<'static>] = &[
        Groupe { id: 1, libelle: "Défaut" },
        Groupe { id: 7, libelle: "Lyon" },
        Groupe { id: 8, libelle: "Corse" },
        Groupe { id: 9, libelle: "Outre-mer" },
    ];

    fn champ(type_champ: &'static str, valeur: Option<&'static str>, donnees: Option<&'static str>) -> Champ<'static> {
        Champ { stable_id: 42, libelle: "Lieu du projet", type_champ, valeur, donnees }
    }

    fn route(champ: Champ<'_>, options: &str) -> Decision {
        let autre = Champ { stable_id: 3, libelle: "Nom", type_champ: "texte", valeur: Some("69003"), donnees: None };
        router(&[autre, champ], GROUPES, options).expect("valid options")
    }

    const TABLE: &str =
        r#"{"champ": 42, "table": {"69": "Lyon", "2A": "corse", "2B": 8, "971": "Outre-mer", "976": 9}}"#;

    #[test]
    fn an_adresse_champ_is_routed_by_its_structured_departement() {
        let donnees = r#"{"label": "8 Place Bellecour 69002 Lyon", "departement": {"code": "69", "nom": "Rhône"}}"#;
        let decision = route(champ("adresse", Some("8 Place Bellecour 69002 Lyon"), Some(donnees)), TABLE);
        assert_eq!(
            decision,
            Decision { groupe: Some(7), explication: "Département 69 (Rhône) → groupe « Lyon »".into() }
        );
    }

    #[test]
    fn structured_data_wins_over_the_text_and_falls_back_to_codes() {
        // The text says 13, the data says 69: the data is what the usager confirmed.
        let donnees = r#"{"departement": {"code": "69", "nom": "Rhône"}}"#;
        assert_eq!(route(champ("adresse", Some("13001 Marseille"), Some(donnees)), TABLE).groupe, Some(7));
        let commune = r#"{"commune": {"code": "2A004", "nom": "Ajaccio"}}"#;
        assert_eq!(route(champ("adresse", None, Some(commune)), TABLE).groupe, Some(8));
        let ban = r#"{"citycode": "97105", "postcode": "97100"}"#;
        assert_eq!(route(champ("adresse", None, Some(ban)), TABLE).groupe, Some(9));
        let postal = r#"{"code_postal": "20200"}"#;
        assert_eq!(route(champ("adresse", None, Some(postal)), TABLE).groupe, Some(8), "20200 is Bastia, 2B → id 8");
        // Unreadable data: the value still routes.
        assert_eq!(route(champ("adresse", Some("69003 Lyon"), Some("not json")), TABLE).groupe, Some(7));
    }

    #[test]
    fn built_in_champs_departements_and_communes() {
        assert_eq!(route(champ("departements", Some("69"), None), TABLE).groupe, Some(7));
        assert_eq!(
            route(champ("departements", Some("2a"), None), TABLE).groupe,
            Some(8),
            "libellé compared without case"
        );
        assert_eq!(route(champ("departements", Some("Rhône"), None), TABLE).groupe, Some(7));
        assert_eq!(route(champ("departements", Some("971 - Guadeloupe"), None), TABLE).groupe, Some(9));
        assert_eq!(route(champ("communes", Some("69123"), None), TABLE).groupe, Some(7));
        assert_eq!(route(champ("communes", Some("2B033"), None), TABLE).groupe, Some(8));
        assert_eq!(route(champ("communes", Some("Mamoudzou (97611)"), None), TABLE).groupe, Some(9));
        // A communes value is an INSEE code, not a code postal: 69123 is Lyon, not a postal code.
        let explication = route(champ("communes", Some("97411"), None), TABLE).explication;
        assert_eq!(
            explication,
            "Département 974 (La Réunion) absent de la table de routage : groupe par défaut de la démarche"
        );
    }

    #[test]
    fn codes_postaux_route_corsica_and_overseas() {
        for (code, groupe) in [("69003", 7), ("20000", 8), ("20090", 8), ("20220", 8), ("97200", 0), ("97600", 9)] {
            let decision = route(champ("texte", Some(code), None), TABLE);
            assert_eq!(decision.groupe, (groupe != 0).then_some(groupe), "{code}: {}", decision.explication);
        }
        let texte = route(champ("texte", Some("12 rue de la République, 69002 Lyon"), None), TABLE);
        assert_eq!(texte.groupe, Some(7));
        let explication = route(champ("texte", Some("97200"), None), TABLE).explication;
        assert!(explication.starts_with("Département 972 (Martinique) absent"), "{explication}");
    }

    #[test]
    fn the_defaut_option_takes_what_the_table_does_not_route() {
        let options = r##"{"champ": "42", "table": "69 = Lyon\n2A : Corse; 971 → #9", "defaut": "Défaut"}"##;
        assert_eq!(route(champ("texte", Some("20000"), None), options).groupe, Some(8));
        assert_eq!(route(champ("texte", Some("97100"), None), options).groupe, Some(9));
        assert_eq!(
            route(champ("texte", Some("13001"), None), options).explication,
            "Département 13 (Bouches-du-Rhône) absent de la table de routage → groupe « Défaut » (par défaut)"
        );
        assert_eq!(route(champ("texte", Some("13001"), None), options).groupe, Some(1));
        assert_eq!(
            route(champ("texte", Some("  "), None), options),
            Decision {
                groupe: Some(1),
                explication: "Champ « Lieu du projet » non rempli → groupe « Défaut » (par défaut)".into()
            }
        );
        assert_eq!(route(champ("texte", Some("pas de code"), None), options).groupe, Some(1));
    }

    #[test]
    fn without_defaut_nothing_matching_goes_to_the_demarche_default_with_a_reason() {
        let vide = route(champ("texte", None, None), TABLE);
        assert_eq!(vide.groupe, None);
        assert_eq!(vide.explication, "Champ « Lieu du projet » non rempli : groupe par défaut de la démarche");
        let inconnu = route(champ("texte", Some("Lyon"), None), TABLE);
        assert_eq!(
            inconnu.explication,
            "Aucun département reconnu dans le champ « Lieu du projet » : groupe par défaut de la démarche"
        );
        let absent = router(&[], GROUPES, TABLE).expect("valid options");
        assert_eq!(
            absent,
            Decision {
                groupe: None,
                explication: "Le champ n°42 choisi pour le routage ne figure pas dans le dossier : \
                              groupe par défaut de la démarche"
                    .into()
            }
        );
    }

    #[test]
    fn a_groupe_missing_from_the_demarche_is_explained_not_guessed() {
        let options = r##"{"champ": 42, "table": {"69": "Villeurbanne"}, "defaut": "#99"}"##;
        let decision = route(champ("texte", Some("69100"), None), options);
        assert_eq!(decision.groupe, None);
        assert_eq!(
            decision.explication,
            "Département 69 (Rhône) → le groupe « Villeurbanne », qui n'existe pas dans la démarche : \
             groupe par défaut de la démarche"
        );
        let repli = route(champ("texte", Some("75001"), None), options);
        assert_eq!(repli.groupe, None);
        assert!(repli.explication.contains("le groupe n°99, n'existe pas"), "{}", repli.explication);
    }

    #[test]
    fn broken_options_are_refused() {
        let champs = [champ("texte", Some("69003"), None)];
        for (options, attendu) in [
            ("[]", "not a JSON object"),
            ("{", "not valid JSON"),
            (r#"{"table": {"69": "Lyon"}}"#, "`champ`"),
            (r#"{"champ": -1, "table": {"69": "Lyon"}}"#, "`champ` must be"),
            (r#"{"champ": "abc", "table": {"69": "Lyon"}}"#, "`champ` must be"),
            (r#"{"champ": 42}"#, "`table`"),
            (r#"{"champ": 42, "table": {}}"#, "is empty"),
            (r#"{"champ": 42, "table": [1]}"#, "object or a text"),
            (r#"{"champ": 42, "table": {"20": "Corse"}}"#, "`20` is not a département"),
            (r#"{"champ": 42, "table": {"69": true}}"#, "groupe of `69`"),
            (r#"{"champ": 42, "table": {"69": "Lyon", "Rhône": "Lyon"}}"#, "appears twice"),
            (r#"{"champ": 42, "table": "69 Lyon"}"#, "not `département = groupe`"),
            (r#"{"champ": 42, "table": "69 = "}"#, "has no groupe"),
            (r#"{"champ": 42, "table": {"69": "Lyon"}, "defaut": []}"#, "`defaut`"),
        ] {
            let erreur = router(&champs, GROUPES, options).expect_err(options);
            assert!(erreur.0.contains(attendu), "{options}: {}", erreur.0);
        }
    }

    #[test]
    fn five_digit_groups_are_found_at_the_end_of_a_text() {
        assert_eq!(dernier_groupe_de_chiffres("3 bis rue X, 75011 Paris"), Some("75011"));
        assert_eq!(dernier_groupe_de_chiffres("BP 1234 – 20090 Ajaccio cedex 9"), Some("20090"));
        assert_eq!(dernier_groupe_de_chiffres("Lyon"), None);
        assert_eq!(dernier_groupe_de_chiffres("123456"), None);
        assert_eq!(dernier_groupe_de_chiffres("Ajaccio 2A004"), Some("2A004"));
    }
}
