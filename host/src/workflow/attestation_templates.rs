//! The attestation template of a démarche: what its administrateur writes
//! (titre, corps with --balises--, pied de page) and uploads (logo,
//! signature), and the template every attestation of the démarche is
//! rendered with.

use bytes::Bytes;
use chrono::Utc;

use crate::domain::attestation::{AttestationTemplateInput, type_image};
use crate::domain::compte::Administrateur;
use crate::domain::{DemarcheId, Erreurs};
use crate::error::AppError;
use crate::plugins::{AttestationDocument, AttestationTemplate, DossierSnapshot, ExtensionPoint, ImageAsset};
use crate::state::AppState;
use crate::storage::{Key, StorageError};
use crate::store::attestation_templates::{self, AttestationTemplateRow};
use crate::store::demarches::{self, DemarcheRow};
use crate::workflow::extensions::plugin_active;

/// Width of the logo on the page; the renderer keeps its ratio.
const LOGO_WIDTH_MM: u32 = 40;
const SIGNATURE_WIDTH_MM: u32 = 50;

/// What the administrateur does with one image of the template.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChangementImage {
    Garder,
    Remplacer(Bytes),
    Supprimer,
}

/// One submission of the template form.
#[derive(Clone, Debug)]
pub struct Saisie {
    pub textes: AttestationTemplateInput,
    pub logo: ChangementImage,
    pub signature: ChangementImage,
}

/// The saved template of the démarche, or the default one, as the form
/// shows it.
pub async fn courant(state: &AppState, demarche: &DemarcheRow) -> Result<AttestationTemplateRow, AppError> {
    let mut tx = state.store.read().await?;
    let row = attestation_templates::find(tx.conn(), demarche.id()).await?;
    tx.commit().await?;
    Ok(row.unwrap_or_else(|| {
        let defaut = AttestationTemplateInput::par_defaut(&demarche.libelle, pied_de_page_du_service(demarche));
        AttestationTemplateRow {
            titre: defaut.titre,
            corps: defaut.corps,
            pied_de_page: defaut.pied_de_page,
            ..AttestationTemplateRow::default()
        }
    }))
}

fn pied_de_page_du_service(d: &DemarcheRow) -> String {
    [&d.service_nom, &d.service_email, &d.service_telephone]
        .into_iter()
        .filter(|s| !s.trim().is_empty())
        .cloned()
        .collect::<Vec<_>>()
        .join(" — ")
}

/// Checks an uploaded image the way the renderer will: its media type
/// from its bytes, then its pixels.
fn verifier_image(data: &[u8]) -> Result<&'static str, String> {
    let media_type = type_image(data).map_err(str::to_owned)?;
    let image = guichet_document::Image {
        media_type: media_type.to_owned(),
        data: data.to_vec(),
        alt: String::new(),
        width_mm: LOGO_WIDTH_MM,
    };
    guichet_document::check_image(&image).map_err(|error| {
        tracing::info!(%error, "uploaded image refused");
        "Cette image ne peut pas être lue : fichier abîmé, ou plus de 10 000 pixels de côté ou de 8 millions de pixels en tout.".to_owned()
    })?;
    Ok(media_type)
}

fn nouvelle_cle(id: DemarcheId, quoi: &str, media_type: &str) -> Result<Key, AppError> {
    let extension = if media_type == "image/png" { "png" } else { "jpg" };
    Key::new(["demarches", &id.0.to_string(), "attestation", &format!("{quoi}-{}.{extension}", uuid::Uuid::new_v4())])
        .map_err(|e| AppError::Internal(e.into()))
}

/// Saves the template. New images are written to the file storage before
/// the database row that points to them, and the images it no longer
/// points to are deleted after: a failure at any step leaves the saved
/// template whole (at worst an unreferenced file).
#[allow(clippy::result_large_err, reason = "the error path re-renders a form; its size costs nothing")]
pub async fn enregistrer(
    state: &AppState,
    admin: &Administrateur,
    id: DemarcheId,
    saisie: Saisie,
) -> Result<Result<(), (AttestationTemplateInput, Erreurs)>, AppError> {
    // 1. The texts and images, all problems at once.
    let (textes, mut erreurs) = match saisie.textes.valider() {
        Ok(t) => (t, Erreurs::new()),
        Err((t, e)) => (t, e),
    };
    let mut nouvelles: Vec<(&str, Bytes, &'static str)> = Vec::new();
    for (quoi, changement) in [("logo", &saisie.logo), ("signature", &saisie.signature)] {
        if let ChangementImage::Remplacer(data) = changement {
            match verifier_image(data) {
                Ok(media_type) => nouvelles.push((quoi, data.clone(), media_type)),
                Err(message) => erreurs.add(quoi, message),
            }
        }
    }
    if !erreurs.is_empty() {
        return Ok(Err((textes, erreurs)));
    }
    // 2. The démarche, in the administrateur's scope.
    let mut tx = state.store.read().await?;
    demarches::find_for_administrateur(tx.conn(), id, admin.administrateur_id).await?;
    tx.commit().await?;
    // 3. New images into the file storage, under fresh keys (nothing points
    //    to them yet, so a failure here changes nothing).
    let mut ecrites: Vec<(&str, Key, &'static str)> = Vec::new();
    for (quoi, data, media_type) in nouvelles {
        let key = nouvelle_cle(id, quoi, media_type)?;
        if let Err(error) = state.storage.put(&key, data).await {
            supprimer(state, ecrites.iter().map(|(_, k, _)| k)).await;
            return Err(AppError::Internal(error.into()));
        }
        ecrites.push((quoi, key, media_type));
    }
    // 4. The row, built from the one saved now, read in the same write
    //    transaction: a concurrent save of the texts cannot bring back an
    //    image this one replaces.
    let saved = async {
        let mut tx = state.store.write().await?;
        let avant = attestation_templates::find(tx.conn(), id).await?.unwrap_or_default();
        let mut apres = AttestationTemplateRow {
            titre: textes.titre.clone(),
            corps: textes.corps.clone(),
            pied_de_page: textes.pied_de_page.clone(),
            ..avant.clone()
        };
        if saisie.logo == ChangementImage::Supprimer {
            (apres.logo_key, apres.logo_media_type) = (None, None);
        }
        if saisie.signature == ChangementImage::Supprimer {
            (apres.signature_key, apres.signature_media_type) = (None, None);
        }
        for (quoi, key, media_type) in &ecrites {
            let slot = if *quoi == "logo" {
                (&mut apres.logo_key, &mut apres.logo_media_type)
            } else {
                (&mut apres.signature_key, &mut apres.signature_media_type)
            };
            (*slot.0, *slot.1) = (Some(key.as_str().to_owned()), Some((*media_type).to_owned()));
        }
        attestation_templates::upsert(tx.conn(), id, &apres, Utc::now()).await?;
        tx.commit().await?;
        Ok::<_, AppError>((avant, apres))
    }
    .await;
    let (avant, apres) = match saved {
        Ok(rows) => rows,
        Err(error) => {
            supprimer(state, ecrites.iter().map(|(_, k, _)| k)).await;
            return Err(error);
        }
    };
    // 5. The images nothing points to any more.
    let orphelines: Vec<Key> = [(&avant.logo_key, &apres.logo_key), (&avant.signature_key, &apres.signature_key)]
        .into_iter()
        .filter(|(a, b)| a.is_some() && a != b)
        .filter_map(|(a, _)| a.as_deref().and_then(|k| Key::parse(k).ok()))
        .collect();
    supprimer(state, orphelines.iter()).await;
    Ok(Ok(()))
}

/// Best effort: an object left behind costs storage, not correctness.
async fn supprimer(state: &AppState, keys: impl Iterator<Item = &Key>) {
    for key in keys {
        if let Err(error) = state.storage.delete(key).await {
            tracing::warn!(%error, key = key.as_str(), "stored image left behind");
        }
    }
}

/// One of the template's images, for the administrateur's page.
pub async fn image(
    state: &AppState,
    admin: &Administrateur,
    id: DemarcheId,
    quoi: &str,
) -> Result<(String, Bytes), AppError> {
    let mut tx = state.store.read().await?;
    demarches::find_for_administrateur(tx.conn(), id, admin.administrateur_id).await?;
    let row = attestation_templates::find(tx.conn(), id).await?.ok_or(AppError::NotFound)?;
    tx.commit().await?;
    let (key, media_type) = match quoi {
        "logo" => (row.logo_key, row.logo_media_type),
        "signature" => (row.signature_key, row.signature_media_type),
        _ => (None, None),
    };
    let (Some(key), Some(media_type)) = (key, media_type) else {
        return Err(AppError::NotFound);
    };
    let key = Key::parse(&key).map_err(|e| AppError::Internal(e.into()))?;
    let data = match state.storage.get(&key).await {
        Ok(data) => data,
        Err(StorageError::NotFound(_)) => return Err(AppError::NotFound),
        Err(error) => return Err(AppError::Internal(error.into())),
    };
    Ok((media_type, data))
}

/// The template attestations of `demarche` are rendered with, images read
/// from the file storage.
pub async fn template(state: &AppState, demarche: &DemarcheRow) -> anyhow::Result<AttestationTemplate> {
    let row = courant(state, demarche).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let charger = |key: Option<String>, media_type: Option<String>, alt: String, width_mm: u32| async move {
        let (Some(key), Some(media_type)) = (key, media_type) else {
            return Ok::<_, anyhow::Error>(None);
        };
        match state.storage.get(&Key::parse(&key)?).await {
            Ok(data) => Ok(Some(ImageAsset { media_type, data: data.to_vec(), alt, width_mm })),
            // Gone from the storage (restored backup, manual clean-up): the
            // attestation is still owed to the usager, without the image.
            Err(StorageError::NotFound(_)) => {
                tracing::error!(key, "attestation image missing from the storage, rendered without it");
                Ok(None)
            }
            Err(error) => Err(error.into()),
        }
    };
    let logo_alt = if demarche.service_organisme.trim().is_empty() {
        format!("Logo — {}", demarche.service_nom)
    } else {
        format!("Logo — {}", demarche.service_organisme)
    };
    Ok(AttestationTemplate {
        titre: row.titre,
        corps: row.corps,
        pied_de_page: row.pied_de_page,
        entete: [&demarche.service_nom, &demarche.service_organisme, &demarche.service_adresse]
            .into_iter()
            .filter(|line| !line.trim().is_empty())
            .cloned()
            .collect(),
        logo: charger(row.logo_key, row.logo_media_type, logo_alt, LOGO_WIDTH_MM).await?,
        signature: charger(row.signature_key, row.signature_media_type, "Signature".to_owned(), SIGNATURE_WIDTH_MM)
            .await?,
    })
}

/// An attestation for a made-up dossier of the démarche, so the
/// administrateur sees the template as usagers will.
pub async fn apercu(state: &AppState, admin: &Administrateur, id: DemarcheId) -> Result<AttestationDocument, AppError> {
    let mut tx = state.store.read().await?;
    let demarche = demarches::find_for_administrateur(tx.conn(), id, admin.administrateur_id).await?;
    let plugin = plugin_active(state, &mut tx, id, ExtensionPoint::Attestation).await?;
    let types = demarches::types_de_champ(tx.conn(), demarche.draft_revision()?).await?;
    tx.commit().await?;
    let Some((plugin, options)) = plugin else {
        return Err(AppError::Refused(
            "Aucun plugin d'attestation n'est activé sur cette démarche : activez-en un sur la page Plugins.".into(),
        ));
    };
    let template = template(state, &demarche).await.map_err(AppError::Internal)?;
    let now = Utc::now().to_rfc3339();
    let snapshot = DossierSnapshot {
        numero: 12345,
        etat: "accepte".to_owned(),
        demarche_numero: u64::try_from(demarche.id).unwrap_or_default(),
        demarche_libelle: demarche.libelle.clone(),
        usager_email: "camille.exemple@exemple.fr".to_owned(),
        depose_le: Some(now.clone()),
        en_instruction_le: Some(now.clone()),
        decide_le: Some(now),
        motivation: Some("(Motivation de la décision, si l'instructeur en écrit une.)".to_owned()),
        champs: crate::workflow::extensions::champs(&types, |t| (Some(format!("(réponse à « {} »)", t.libelle)), None)),
    };
    let url = state.config.url("/attestations/apercu");
    state.plugins.render_attestation(&plugin.id, &snapshot, &template, &url, &options).await.map_err(|error| {
        tracing::warn!(%error, plugin = %plugin.id, "attestation preview failed");
        AppError::Refused(format!("Le plugin d'attestation n'a pas pu produire l'aperçu : {error}"))
    })
}
