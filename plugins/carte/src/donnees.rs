//! What `enrich` attaches to a drawing (its measures and, when the
//! cadastre layer is on, the parcels it touches) and the resume the usager
//! reads, and how the donnees are read back.

use crate::cadastre::{Parcelle, Reponse};
use crate::francais;
use crate::geometrie::{Carte, Genre};
use crate::json::{self, Json, push_fixed, push_string, push_uint};
use crate::mesure::{self, Mesure};

/// The JSON Schema of the donnees, for `describe`.
pub const DONNEES_SCHEMA: &str = concat!(
    r#"{"type":"object","properties":{"#,
    r#""geometries":{"type":"integer","minimum":0},"#,
    r#""surface_m2":{"type":"number","minimum":0},"#,
    r#""longueur_m":{"type":"number","minimum":0},"#,
    r#""mesures":{"type":"array","items":{"type":"object","properties":{"#,
    r#""type":{"type":"string"},"surface_m2":{"type":"number"},"longueur_m":{"type":"number"}}}},"#,
    r#""parcelles":{"type":"array","items":{"type":"object","properties":{"#,
    r#""idu":{"type":"string"},"commune":{"type":"string"},"code_insee":{"type":"string"},"#,
    r#""section":{"type":"string"},"numero":{"type":"string"},"surface":{"type":"integer"}},"#,
    r#""required":["idu"]}},"#,
    r#""parcelles_tronquees":{"type":"boolean"}"#,
    r#"},"required":["geometries","surface_m2","longueur_m"]}"#
);

fn push_measure(out: &mut String, valeur: f64) {
    // Centimetres and square centimetres are beyond what the drawing means.
    push_fixed(out, (valeur * 100.0).round() as i64, 2);
}

/// The donnees JSON text.
pub fn ecrire(carte: &Carte, cadastre: Option<&Reponse>) -> String {
    let totaux = mesure::totaux(carte);
    let mut out = String::from("{\"geometries\":");
    push_uint(&mut out, carte.entites.len() as u64);
    out.push_str(",\"surface_m2\":");
    push_measure(&mut out, totaux.surface_m2);
    out.push_str(",\"longueur_m\":");
    push_measure(&mut out, totaux.longueur_m);
    out.push_str(",\"mesures\":[");
    for (i, entite) in carte.entites.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str("{\"type\":");
        push_string(&mut out, entite.geometrie.type_geojson());
        let m = mesure::mesurer(&entite.geometrie);
        match entite.geometrie.genre() {
            Genre::Polygone => {
                out.push_str(",\"surface_m2\":");
                push_measure(&mut out, m.surface_m2);
            }
            Genre::Ligne => {
                out.push_str(",\"longueur_m\":");
                push_measure(&mut out, m.longueur_m);
            }
            Genre::Point => {}
        }
        out.push('}');
    }
    out.push(']');
    if let Some(reponse) = cadastre {
        out.push_str(",\"parcelles\":[");
        for (i, parcelle) in reponse.parcelles.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            parcelle.push_json(&mut out);
        }
        out.push_str("],\"parcelles_tronquees\":");
        out.push_str(if reponse.tronque { "true" } else { "false" });
    }
    out.push('}');
    out
}

/// The parcels of stored donnees, if the cadastre layer was on. Lenient:
/// donnees written by another version may lack fields.
pub fn lire_cadastre(donnees: &str) -> Option<Reponse> {
    let racine = json::parse(donnees).ok()?;
    let parcelles = racine.get("parcelles")?.as_array()?;
    Some(Reponse {
        parcelles: parcelles.iter().filter_map(|p| Parcelle::lire(p, false)).collect(),
        tronque: racine.get("parcelles_tronquees").and_then(Json::as_bool).unwrap_or(false),
    })
}

/// « Montpellier HE 87 (448 m²) ».
pub fn libelle_parcelle(p: &Parcelle) -> String {
    let mut out = String::new();
    if !p.commune.is_empty() {
        out.push_str(&p.commune);
        out.push(' ');
    }
    if p.section.is_empty() && p.numero.is_empty() {
        out.push_str(&p.idu);
    } else {
        out.push_str(p.section.trim_start_matches('0'));
        out.push(' ');
        let numero = p.numero.trim_start_matches('0');
        out.push_str(if numero.is_empty() { "0" } else { numero });
    }
    if let Some(surface) = p.surface {
        out.push_str(" (");
        out.push_str(&francais::surface(surface as f64));
        out.push(')');
    }
    out
}

/// « Montpellier HE 87 (448 m²), Montpellier HE 88 (447 m²) », or
/// « aucune », and whether the list is incomplete.
pub fn liste_parcelles(reponse: &Reponse) -> String {
    let mut out = if reponse.parcelles.is_empty() {
        "aucune".to_owned()
    } else {
        reponse.parcelles.iter().map(libelle_parcelle).collect::<Vec<_>>().join(", ")
    };
    if reponse.tronque {
        out.push_str(" (liste incomplète)");
    }
    out
}

/// « 1 polygone, 2 lignes et 1 point ».
pub fn decompte(carte: &Carte) -> String {
    let compte = |g| carte.entites.iter().filter(|e| e.geometrie.genre() == g).count();
    let parts: Vec<String> = [(Genre::Polygone, "polygone"), (Genre::Ligne, "ligne"), (Genre::Point, "point")]
        .into_iter()
        .filter_map(|(genre, nom)| {
            let n = compte(genre);
            (n > 0).then(|| format!("{n} {nom}{}", if n > 1 { "s" } else { "" }))
        })
        .collect();
    match parts.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} et {last}", rest.join(", ")),
        None => String::new(),
    }
}

/// The lines the usager reads after drawing.
pub fn resume(carte: &Carte, cadastre: Option<&Reponse>) -> Vec<(String, String)> {
    let Mesure { surface_m2, longueur_m } = mesure::totaux(carte);
    let mut lignes = vec![("Géométries".to_owned(), decompte(carte))];
    if carte.entites.iter().any(|e| e.geometrie.genre() == Genre::Polygone) {
        lignes.push(("Surface totale".to_owned(), francais::surface(surface_m2)));
    }
    if carte.entites.iter().any(|e| e.geometrie.genre() == Genre::Ligne) {
        lignes.push(("Longueur totale".to_owned(), francais::longueur(longueur_m)));
    }
    if let Some(reponse) = cadastre {
        lignes.push(("Parcelles cadastrales".to_owned(), liste_parcelles(reponse)));
    }
    lignes
}

#[cfg(test)]
pub(crate) mod tests;
