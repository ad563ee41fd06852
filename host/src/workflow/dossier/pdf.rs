//! The PDF of a dossier, laid out by the document crate (tagged PDF/UA):
//! its answers in the order of its form, with its state and dates. Once
//! filed it is the usager's récépissé de dépôt: it bears the date of the
//! dépôt and the SHA-256 fingerprint of the answers it prints, so a copy
//! can be checked against another. The instructeur's copy adds the
//! annotations privées, which the usager's never holds.

use crate::domain::champ::{repetition, valeur_affichee};
use crate::domain::heure::date_heure;
use crate::domain::{EtatDossier, StableId, TypeChamp, TypeDeChamp};
use crate::error::AppError;
use crate::state::AppState;
use crate::store::dossiers::{self, DossierRow};
use guichet_document::{Block, Document};
use sha2::{Digest, Sha256};
use std::collections::HashMap;

/// Who the PDF is for: the instructeur's copy adds the annotations.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lecteur {
    Usager,
    Instructeur,
}

/// The dossier `d` (already found in the caller's scope) as a PDF: its
/// file name and bytes.
pub async fn pdf(state: &AppState, d: &DossierRow, lecteur: Lecteur) -> Result<(String, Vec<u8>), AppError> {
    let mut tx = state.store.read().await?;
    let definition = state.formulaires.de_revision(tx.conn(), d.revision_id()).await?;
    // The filed answers: the récépissé of what the administration reads.
    let reponses = dossiers::reponses(tx.conn(), d.id(), dossiers::Stream::Main).await?;
    let annotations = match lecteur {
        Lecteur::Instructeur => Some(dossiers::annotations(tx.conn(), d.id()).await?),
        Lecteur::Usager => None,
    };
    tx.commit().await?;
    let lignes = repetition::lignes_stockees(&definition.types, &reponses.champs, &reponses.valeurs_lignes);
    let lignes: HashMap<StableId, Vec<HashMap<StableId, String>>> =
        lignes.into_iter().map(|(bloc, rows)| (bloc, rows.into_iter().map(|l| l.valeurs).collect())).collect();
    let doc = document(d, &definition.types, &reponses.champs, &lignes, annotations.as_ref());
    // Layout is CPU work (milliseconds for a long dossier): off the
    // request threads.
    let bytes = tokio::task::spawn_blocking(move || guichet_document::render_pdf(&doc))
        .await
        .map_err(|e| AppError::Internal(e.into()))?
        .map_err(|e| {
            if e.is_invalid_input() {
                AppError::Refused(
                    "Ce dossier est trop volumineux pour être mis en PDF. Consultez-le en ligne ; ses pièces jointes \
                     se téléchargent une à une."
                        .into(),
                )
            } else {
                AppError::Internal(e.into())
            }
        })?;
    Ok((format!("dossier-{}.pdf", d.id), bytes))
}

/// The document: pure, so a test reads what it prints.
fn document(
    d: &DossierRow,
    types: &[TypeDeChamp],
    champs: &HashMap<StableId, String>,
    lignes: &HashMap<StableId, Vec<HashMap<StableId, String>>>,
    annotations: Option<&HashMap<StableId, String>>,
) -> Document {
    let etat = d.etat();
    let mut entete = vec![("Démarche".to_owned(), d.demarche_libelle.clone()), ("État".into(), etat.libelle().into())];
    entete.push(("Titulaire".into(), d.usager_email.clone()));
    if let Some(at) = d.depose_at {
        entete.push(("Déposé le".into(), date_heure(at)));
    }
    if let Some(at) = d.processed_at {
        entete.push(("Décision le".into(), date_heure(at)));
    }
    let mut body = vec![Block::KeyValues(entete)];
    let mut empreinte = Sha256::new();
    let reponses =
        blocs(types.iter().filter(|t| !t.prive && t.parent.is_none()), types, champs, lignes, &mut empreinte);
    body.push(Block::Heading("Réponses".into()));
    body.extend(reponses);
    if etat != EtatDossier::Brouillon {
        body.push(Block::Heading("Récépissé de dépôt".into()));
        body.push(Block::Paragraph(format!(
            "Empreinte SHA-256 des réponses ci-dessus (libellé et valeur de chaque réponse, dans l'ordre) :\n{}",
            hex::encode(empreinte.finalize())
        )));
    } else {
        body.push(Block::Paragraph("Brouillon : ce dossier n'a pas encore été déposé.".into()));
    }
    if let Some(annotations) = annotations {
        let privees: Vec<&TypeDeChamp> = types.iter().filter(|t| t.prive && t.parent.is_none()).collect();
        if !privees.is_empty() {
            body.push(Block::Heading("Annotations privées".into()));
            let mut ignore = Sha256::new();
            body.extend(blocs(privees.into_iter(), types, annotations, &HashMap::new(), &mut ignore));
        }
    }
    Document {
        title: format!("Dossier n° {} — {}", d.id, d.demarche_libelle),
        lang: String::new(),
        logo: None,
        header_lines: vec![format!("Dossier n° {}", d.id)],
        body,
        signature: None,
        footer: format!("guichet — dossier n° {}", d.id),
    }
}

/// The answers of `liste` as blocks: a section title as a heading, runs of
/// answers as one table, each row of a bloc répétable as its own table.
/// Each printed answer goes into `empreinte`.
fn blocs<'a>(
    liste: impl Iterator<Item = &'a TypeDeChamp>,
    types: &[TypeDeChamp],
    champs: &HashMap<StableId, String>,
    lignes: &HashMap<StableId, Vec<HashMap<StableId, String>>>,
    empreinte: &mut Sha256,
) -> Vec<Block> {
    let mut out = Vec::new();
    let mut table: Vec<(String, String)> = Vec::new();
    let vider = |table: &mut Vec<(String, String)>, out: &mut Vec<Block>| {
        if !table.is_empty() {
            out.push(Block::KeyValues(std::mem::take(table)));
        }
    };
    let mut ajouter = |table: &mut Vec<(String, String)>, libelle: &str, valeur: String| {
        empreinte.update(libelle.as_bytes());
        empreinte.update(b"\t");
        empreinte.update(valeur.as_bytes());
        empreinte.update(b"\n");
        table.push((libelle.to_owned(), if valeur.is_empty() { "Non renseigné".to_owned() } else { valeur }));
    };
    for tdc in liste {
        match tdc.type_champ {
            TypeChamp::HeaderSection => {
                vider(&mut table, &mut out);
                out.push(Block::Heading(tdc.libelle.clone()));
            }
            TypeChamp::Explication => {}
            TypeChamp::Repetition => {
                vider(&mut table, &mut out);
                out.push(Block::Paragraph(tdc.libelle.clone()));
                let rows = lignes.get(&tdc.stable_id).map(Vec::as_slice).unwrap_or_default();
                if rows.is_empty() {
                    out.push(Block::Paragraph("Aucun élément.".into()));
                }
                for (rang, valeurs) in rows.iter().enumerate() {
                    let enfants = repetition::enfants(types, tdc.stable_id).filter(|t| t.type_champ.has_value());
                    for enfant in enfants {
                        let libelle = format!("{} — élément {} — {}", tdc.libelle, rang + 1, enfant.libelle);
                        let valeur = valeur_affichee(enfant, valeurs.get(&enfant.stable_id).map(String::as_str));
                        ajouter(&mut table, &libelle, valeur);
                    }
                    vider(&mut table, &mut out);
                }
            }
            _ => {
                let valeur = valeur_affichee(tdc, champs.get(&tdc.stable_id).map(String::as_str));
                ajouter(&mut table, &tdc.libelle, valeur);
            }
        }
    }
    vider(&mut table, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::champ::OptionsChamp;
    use chrono::{DateTime, Utc};

    fn tdc(id: i64, type_champ: TypeChamp, libelle: &str, parent: Option<i64>, prive: bool) -> TypeDeChamp {
        TypeDeChamp {
            stable_id: StableId(id),
            type_champ,
            libelle: libelle.into(),
            description: String::new(),
            obligatoire: false,
            options: OptionsChamp::default(),
            parent: parent.map(StableId),
            condition: None,
            prive,
        }
    }

    fn dossier(etat: &str) -> DossierRow {
        let at =
            DateTime::parse_from_rfc3339("2026-12-07T14:32:00Z").map(|d| d.with_timezone(&Utc)).unwrap_or_default();
        DossierRow {
            id: 42,
            demarche_id: 1,
            revision_id: 1,
            groupe_instructeur_id: None,
            compte_id: 1,
            etat: etat.into(),
            for_test: false,
            motivation: None,
            created_at: at,
            updated_at: at,
            depose_at: (etat != "brouillon").then_some(at),
            en_instruction_at: None,
            processed_at: None,
            corbeille_usager_at: None,
            modifications_depuis: None,
            usager_email: "lina@jardins.example".into(),
            demarche_libelle: "Jardins partagés".into(),
            demarche_etat: "publiee".into(),
            demarche_config_version: 1,
        }
    }

    fn texte(doc: &Document) -> String {
        doc.body
            .iter()
            .map(|b| match b {
                Block::Heading(t) | Block::Paragraph(t) => t.clone(),
                Block::KeyValues(kv) => kv.iter().map(|(k, v)| format!("{k}: {v}\n")).collect(),
                _ => String::new(),
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn the_pdf_prints_answers_in_form_order_with_a_fingerprint_once_filed() {
        let types = vec![
            tdc(1, TypeChamp::Text, "Nom du jardin", None, false),
            tdc(2, TypeChamp::HeaderSection, "Parcelles", None, false),
            tdc(3, TypeChamp::Repetition, "Parcelle", None, false),
            tdc(4, TypeChamp::YesNo, "Arrosée", Some(3), false),
            tdc(5, TypeChamp::Text, "Avis interne", None, true),
        ];
        let champs = HashMap::from([(StableId(1), "Les Capucines".to_owned())]);
        let lignes = HashMap::from([(StableId(3), vec![HashMap::from([(StableId(4), "true".to_owned())])])]);
        let annotations = HashMap::from([(StableId(5), "Dossier complet".to_owned())]);

        let usager = texte(&document(&dossier("en_construction"), &types, &champs, &lignes, None));
        assert!(usager.contains("Nom du jardin: Les Capucines"), "{usager}");
        assert!(usager.contains("Parcelle — élément 1 — Arrosée: Oui"), "{usager}");
        assert!(usager.contains("Déposé le: 07/12/2026 à 15 h 32"), "{usager}");
        assert!(usager.contains("Empreinte SHA-256"), "{usager}");
        assert!(usager.find("Nom du jardin") < usager.find("Parcelles"), "form order: {usager}");
        assert!(!usager.contains("Avis interne") && !usager.contains("Annotations privées"), "{usager}");

        let instructeur = texte(&document(&dossier("en_construction"), &types, &champs, &lignes, Some(&annotations)));
        assert!(instructeur.contains("Annotations privées") && instructeur.contains("Avis interne: Dossier complet"));

        // The fingerprint follows the answers, and only the answers.
        let empreinte = |t: &str| t.lines().last().unwrap_or_default().to_owned();
        let autre = HashMap::from([(StableId(1), "Les Glycines".to_owned())]);
        let change = texte(&document(&dossier("en_construction"), &types, &autre, &lignes, None));
        assert_ne!(empreinte(&usager), empreinte(&change));
        let instruit = texte(&document(&dossier("en_instruction"), &types, &champs, &lignes, None));
        assert!(instruit.contains(&empreinte(&usager)), "the same answers, the same fingerprint");

        let brouillon = texte(&document(&dossier("brouillon"), &types, &champs, &lignes, None));
        assert!(brouillon.contains("pas encore été déposé") && !brouillon.contains("Empreinte"), "{brouillon}");
    }

    #[test]
    fn the_pdf_renders() {
        let types = vec![tdc(1, TypeChamp::Text, "Nom du jardin", None, false)];
        let champs = HashMap::from([(StableId(1), "Les Capucines".to_owned())]);
        let doc = document(&dossier("en_construction"), &types, &champs, &HashMap::new(), None);
        let pdf = guichet_document::render_pdf(&doc).expect("a PDF");
        assert!(pdf.starts_with(b"%PDF-"));
    }
}
