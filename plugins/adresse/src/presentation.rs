//! How an address is shown: the resume the usager confirms, the words
//! instructeurs search, the export cells.

use crate::adresse::Adresse;

/// The French labelled lines the usager confirms.
pub fn resume(adresse: &Adresse) -> Vec<(String, String)> {
    let mut lignes = vec![("Adresse".to_owned(), adresse.label.clone())];
    let mut push = |libelle: &str, valeur: Option<String>| {
        if let Some(valeur) = valeur.filter(|v| !v.is_empty()) {
            lignes.push((libelle.to_owned(), valeur));
        }
    };
    push("Code postal", adresse.code_postal.clone());
    push("Commune", commune(adresse));
    push("Département", departement(adresse));
    push("Région", adresse.region.clone());
    if !adresse.trouvee() {
        push(
            "Vérification",
            Some("Adresse non trouvée dans la Base Adresse Nationale : elle est conservée telle que saisie".to_owned()),
        );
    }
    lignes
}

/// « Paris (Paris 7e Arrondissement) », or the commune alone.
fn commune(adresse: &Adresse) -> Option<String> {
    match (&adresse.commune, &adresse.arrondissement) {
        (Some(commune), Some(arrondissement)) => Some(format!("{commune} ({arrondissement})")),
        (commune, _) => commune.clone(),
    }
}

/// « 69 – Rhône ».
fn departement(adresse: &Adresse) -> Option<String> {
    adresse.departement.as_ref().map(|d| format!("{} – {}", d.code, d.nom))
}

/// Label, code postal, commune, code INSEE, département and région.
pub fn texte_de_recherche(adresse: &Adresse) -> String {
    let departement = adresse.departement.as_ref();
    [
        Some(&adresse.label),
        adresse.code_postal.as_ref(),
        adresse.commune.as_ref(),
        adresse.arrondissement.as_ref(),
        adresse.code_insee.as_ref(),
        departement.map(|d| &d.code),
        departement.map(|d| &d.nom),
        adresse.region.as_ref(),
    ]
    .into_iter()
    .flatten()
    .map(String::as_str)
    .collect::<Vec<_>>()
    .join(" ")
}

/// Export columns: (id, French header).
pub const COLONNES: &[(&str, &str)] = &[
    ("adresse", "Adresse"),
    ("numero", "Numéro"),
    ("voie", "Voie"),
    ("code-postal", "Code postal"),
    ("commune", "Commune"),
    ("code-insee", "Code INSEE"),
    ("departement", "Département"),
    ("region", "Région"),
];

/// One cell per [`COLONNES`]; the value alone when there are no donnees.
pub fn cellules(value: &str, adresse: Option<&Adresse>) -> Vec<String> {
    let Some(a) = adresse else {
        let mut cells = vec![String::new(); COLONNES.len()];
        if let Some(first) = cells.first_mut() {
            *first = value.to_owned();
        }
        return cells;
    };
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    vec![
        a.label.clone(),
        text(&a.numero),
        text(&a.voie),
        text(&a.code_postal),
        text(&a.commune),
        text(&a.code_insee),
        departement(a).unwrap_or_default(),
        text(&a.region),
    ]
}
