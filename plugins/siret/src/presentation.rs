//! How an établissement is shown: the resume the usager confirms, the
//! display on pages and PDFs, the words instructeurs search, the export
//! cells.

use crate::api_entreprise::etablissement::{Code, Etablissement};
use crate::dates::Date;

/// `130 025 265 00013`: SIREN in groups of three, then the NIC.
pub fn siret_lisible(siret: &str) -> String {
    match (siret.get(..3), siret.get(3..6), siret.get(6..9), siret.get(9..)) {
        (Some(a), Some(b), Some(c), Some(nic)) if siret.len() == 14 => format!("{a} {b} {c} {nic}"),
        _ => siret.to_owned(),
    }
}

fn date_francaise(iso: &str) -> String {
    Date::parse(iso).map(Date::francaise).unwrap_or_else(|| iso.to_owned())
}

fn code_et_libelle(code: &Code) -> Option<String> {
    match (&code.code, &code.libelle) {
        (Some(code), Some(libelle)) => Some(format!("{code} – {libelle}")),
        (Some(only), None) | (None, Some(only)) => Some(only.clone()),
        (None, None) => None,
    }
}

/// « Fermé depuis le 12/03/2021 » or « Actif ».
pub fn etat(etablissement: &Etablissement) -> Option<String> {
    match (etablissement.ferme(), &etablissement.date_fermeture) {
        (true, Some(date)) => Some(format!("Fermé depuis le {}", date_francaise(date))),
        (true, None) => Some("Fermé".to_owned()),
        (false, _) => etablissement.etat_administratif.as_ref().map(|_| "Actif".to_owned()),
    }
}

/// The French labelled lines the usager confirms, in order.
pub fn resume(etablissement: &Etablissement) -> Vec<(String, String)> {
    let mut lignes = vec![("Raison sociale".to_owned(), etablissement.nom())];
    let mut push = |libelle: &str, valeur: Option<String>| {
        if let Some(valeur) = valeur {
            lignes.push((libelle.to_owned(), valeur));
        }
    };
    push("Enseigne", etablissement.enseigne.clone());
    push("SIRET", Some(siret_lisible(&etablissement.siret)));
    push("Adresse", Some(etablissement.adresse.ligne.clone()).filter(|l| !l.is_empty()));
    push("Activité principale (NAF)", code_et_libelle(&etablissement.naf));
    push("Forme juridique", code_et_libelle(&etablissement.forme_juridique));
    push("Date de création", etablissement.date_creation.as_deref().map(date_francaise));
    push("Siège social", etablissement.siege_social.map(|siege| if siege { "Oui" } else { "Non" }.to_owned()));
    push("État administratif", etat(etablissement));
    lignes
}

/// Name, SIRET and address, one per line; a closed établissement says so.
pub fn affichage(etablissement: &Etablissement) -> String {
    let mut lignes = vec![etablissement.nom(), format!("SIRET {}", siret_lisible(&etablissement.siret))];
    if !etablissement.adresse.ligne.is_empty() {
        lignes.push(etablissement.adresse.ligne.clone());
    }
    if etablissement.ferme() {
        lignes.extend(etat(etablissement));
    }
    lignes.join("\n")
}

/// SIRET, SIREN, names, postcode and commune.
pub fn texte_de_recherche(etablissement: &Etablissement) -> String {
    let adresse = &etablissement.adresse;
    [
        Some(&etablissement.siret),
        Some(&etablissement.siren),
        etablissement.raison_sociale.as_ref(),
        etablissement.sigle.as_ref(),
        etablissement.enseigne.as_ref(),
        adresse.code_postal.as_ref(),
        adresse.commune.as_ref(),
    ]
    .into_iter()
    .flatten()
    .map(String::as_str)
    .collect::<Vec<_>>()
    .join(" ")
}

/// Export columns: (id, French header).
pub const COLONNES: &[(&str, &str)] = &[
    ("siret", "SIRET"),
    ("raison-sociale", "Raison sociale"),
    ("enseigne", "Enseigne"),
    ("adresse", "Adresse"),
    ("code-postal", "Code postal"),
    ("commune", "Commune"),
    ("code-naf", "Code NAF"),
    ("libelle-naf", "Libellé NAF"),
    ("forme-juridique", "Forme juridique"),
    ("date-creation", "Date de création"),
    ("etat-administratif", "État administratif"),
    ("siege-social", "Siège social"),
];

/// One cell per [`COLONNES`]; only the SIRET when there are no donnees
/// (the enrichment has not run yet or failed).
pub fn cellules(siret: &str, etablissement: Option<&Etablissement>) -> Vec<String> {
    let Some(e) = etablissement else {
        let mut cells = vec![String::new(); COLONNES.len()];
        if let Some(first) = cells.first_mut() {
            *first = siret.to_owned();
        }
        return cells;
    };
    let text = |value: &Option<String>| value.clone().unwrap_or_default();
    vec![
        e.siret.clone(),
        text(&e.raison_sociale),
        text(&e.enseigne),
        e.adresse.ligne.clone(),
        text(&e.adresse.code_postal),
        text(&e.adresse.commune),
        text(&e.naf.code),
        text(&e.naf.libelle),
        text(&e.forme_juridique.libelle),
        e.date_creation.as_deref().map(date_francaise).unwrap_or_default(),
        etat(e).unwrap_or_default(),
        e.siege_social.map(|siege| if siege { "Oui" } else { "Non" }.to_owned()).unwrap_or_default(),
    ]
}
