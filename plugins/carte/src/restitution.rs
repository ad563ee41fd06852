//! The drawing as pages, searches and exports show it. Measures are
//! computed again from the value (cheap and pure); parcels come from the
//! donnees, the only place they are known.

use crate::cadastre::Reponse;
use crate::donnees;
use crate::francais;
use crate::geometrie::{Carte, Entite, Genre};
use crate::mesure;
use crate::reglages::Reglages;

fn libelle(entite: &Entite) -> String {
    let g = &entite.geometrie;
    let parties = g.parties();
    let mut out = match (g.genre(), parties) {
        (Genre::Point, 1) => "Point".to_owned(),
        (Genre::Point, n) => format!("{n} points"),
        (Genre::Ligne, 1) => "Ligne".to_owned(),
        (Genre::Ligne, n) => format!("Ligne en {n} parties"),
        (Genre::Polygone, 1) => "Polygone".to_owned(),
        (Genre::Polygone, n) => format!("Polygone en {n} parties"),
    };
    if let Some(description) = &entite.description {
        out.push_str(" « ");
        out.push_str(description);
        out.push_str(" »");
    }
    out.push_str(" : ");
    let m = mesure::mesurer(g);
    match g.genre() {
        Genre::Polygone => out.push_str(&francais::surface(m.surface_m2)),
        Genre::Ligne => out.push_str(&francais::longueur(m.longueur_m)),
        Genre::Point => {
            let points: Vec<String> = g.points().iter().map(francais::coordonnees).collect();
            out.push_str(&points.join(" ; "));
        }
    }
    out
}

/// « Polygone : 1,25 ha ; Ligne : 350 m », then the totals when there are
/// several polygons or lines, then the parcels.
pub fn afficher(carte: &Carte, cadastre: Option<&Reponse>) -> String {
    let mut lignes = vec![carte.entites.iter().map(libelle).collect::<Vec<_>>().join(" ; ")];
    let totaux = mesure::totaux(carte);
    let nombre = |genre| carte.entites.iter().filter(|e| e.geometrie.genre() == genre).count();
    if nombre(Genre::Polygone) > 1 {
        lignes.push(format!("Surface totale : {}", francais::surface(totaux.surface_m2)));
    }
    if nombre(Genre::Ligne) > 1 {
        lignes.push(format!("Longueur totale : {}", francais::longueur(totaux.longueur_m)));
    }
    if let Some(reponse) = cadastre {
        lignes.push(format!("Parcelles cadastrales : {}", donnees::liste_parcelles(reponse)));
    }
    lignes.join("\n")
}

/// Communes, INSEE codes, parcel ids (full and « HE0087 ») and the
/// descriptions, each once.
pub fn texte_de_recherche(carte: &Carte, cadastre: Option<&Reponse>) -> String {
    let mut mots: Vec<String> = Vec::new();
    let mut ajouter = |mot: &str| {
        let mot = mot.trim();
        if !mot.is_empty() && !mots.iter().any(|m| m == mot) {
            mots.push(mot.to_owned());
        }
    };
    for entite in &carte.entites {
        if let Some(description) = &entite.description {
            ajouter(description);
        }
    }
    if let Some(reponse) = cadastre {
        for p in &reponse.parcelles {
            ajouter(&p.commune);
            ajouter(&p.code_insee);
        }
        for p in &reponse.parcelles {
            ajouter(&p.idu);
            ajouter(&format!("{}{}", p.section, p.numero));
        }
    }
    mots.join(" ")
}

/// `(id, libellé)` of the export columns.
pub fn colonnes(reglages: &Reglages) -> Vec<(&'static str, &'static str)> {
    let mut colonnes = vec![
        ("nombre-geometries", "Nombre de géométries"),
        ("surface-totale-m2", "Surface totale (m²)"),
        ("longueur-totale-m", "Longueur totale (m)"),
    ];
    if reglages.cadastres {
        colonnes.push(("parcelles", "Parcelles cadastrales"));
    }
    colonnes
}

/// One cell per column of [`colonnes`]: whole square metres and metres
/// (spreadsheets read them as numbers whatever their locale), parcel ids
/// separated by commas.
pub fn valeurs(carte: &Carte, cadastre: Option<&Reponse>, reglages: &Reglages) -> Vec<String> {
    let totaux = mesure::totaux(carte);
    let mut cellules = vec![
        carte.entites.len().to_string(),
        (totaux.surface_m2.round() as i64).to_string(),
        (totaux.longueur_m.round() as i64).to_string(),
    ];
    if reglages.cadastres {
        let idus: Vec<&str> =
            cadastre.map(|r| r.parcelles.iter().map(|p| p.idu.as_str()).collect()).unwrap_or_default();
        cellules.push(idus.join(", "));
    }
    cellules
}

#[cfg(test)]
mod tests;
