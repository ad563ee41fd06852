//! Cloning a démarche: one of the administrateur's own, or one published
//! as a model by another administration. The copy is a new démarche in
//! test, with the same form (stable ids kept), annotations, rules,
//! groupes, plugins, attestation template and files. Instructeurs come
//! only from one's own démarche and on request; plugin settings only from
//! one's own (another administration's are theirs to give).
//!
//! Transferring a démarche to another administrateur is the same copy,
//! made for them and announced by e-mail, as on the original platform:
//! the sender keeps theirs.

use crate::domain::compte::{Administrateur, normaliser_email};
use crate::domain::demarche::reglages::Reglages;
use crate::domain::demarche::{DemarcheInput, suggerer_path};
use crate::domain::{AdministrateurId, DemarcheId, Erreurs, TypeDeChamp};
use crate::error::AppError;
use crate::jobs::enqueue_mail;
use crate::state::AppState;
use crate::storage::Key;
use crate::store::demarches::{self, DemarcheRow, clonage, etats, fichiers};
use crate::store::{Tx, attestation_templates};
use crate::workflow::courriel;
use chrono::{DateTime, Utc};
use serde_json::json;

/// What is copied besides the form.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Options {
    /// The groupes' instructeurs too (one's own démarche only).
    pub avec_instructeurs: bool,
}

/// Clones `source` for `admin`; the new démarche's id.
pub async fn cloner(
    state: &AppState,
    admin: &Administrateur,
    source: DemarcheId,
    options: Options,
) -> Result<DemarcheId, AppError> {
    let mut tx = state.store.read().await?;
    let d = clonage::find_clonable(tx.conn(), source, admin.administrateur_id).await?;
    let propre = demarches::find_for_administrateur(tx.conn(), source, admin.administrateur_id).await.is_ok();
    tx.commit().await?;
    let copie = Copie {
        libelle: format!("{} (copie)", d.libelle),
        avec_instructeurs: propre && options.avec_instructeurs,
        avec_reglages: propre,
    };
    copier(state, &d, admin.administrateur_id, &copie).await
}

/// Sends a copy of one of `admin`'s démarches to another administrateur,
/// who finds it among theirs, in test, and is told by e-mail.
pub async fn transferer(
    state: &AppState,
    admin: &Administrateur,
    source: DemarcheId,
    email: &str,
) -> Result<Result<DemarcheId, Erreurs>, AppError> {
    let mut erreurs = Erreurs::new();
    let mut tx = state.store.read().await?;
    let d = demarches::find_for_administrateur(tx.conn(), source, admin.administrateur_id).await?;
    let destinataire = match normaliser_email(email) {
        Ok(email) => crate::store::administrateurs::par_email(tx.conn(), &email).await?,
        Err(m) => {
            erreurs.add("email", m);
            None
        }
    };
    tx.commit().await?;
    let Some(destinataire) = destinataire else {
        if erreurs.is_empty() {
            erreurs.add(
                "email",
                "Aucun administrateur n'a cette adresse : la démarche ne peut être transférée qu'à un administrateur.",
            );
        }
        return Ok(Err(erreurs));
    };
    if destinataire.0 == admin.administrateur_id {
        erreurs.add("email", "C'est votre propre adresse : clonez plutôt la démarche.");
        return Ok(Err(erreurs));
    }
    // Their own copy: no instructeurs of ours, no settings of ours.
    let copie = Copie { libelle: d.libelle.clone(), avec_instructeurs: false, avec_reglages: false };
    let id = copier(state, &d, destinataire.0, &copie).await?;
    let mail = courriel(
        state,
        &destinataire.1,
        "mails/demarche_transferee",
        &json!({
            "demarche": d.libelle,
            "expediteur": admin.email,
            "lien": state.config.url(&format!("/admin/demarches/{id}")),
        }),
    )?;
    let mut tx = state.store.write().await?;
    enqueue_mail(tx.conn(), &mail, Utc::now()).await?;
    tx.commit().await?;
    state.jobs_notify.notify_one();
    Ok(Ok(id))
}

struct Copie {
    libelle: String,
    avec_instructeurs: bool,
    avec_reglages: bool,
}

/// One stored object to copy once the rows are committed.
struct Objet {
    de: String,
    vers: Key,
}

/// The copy: every row in one transaction, with fresh object keys under
/// the new démarche; then the objects. A copy that fails erases the clone
/// (rows and objects): the administrateur gets all or nothing.
async fn copier(
    state: &AppState,
    d: &DemarcheRow,
    pour: AdministrateurId,
    copie: &Copie,
) -> Result<DemarcheId, AppError> {
    let now = Utc::now();
    let source = d.id();
    // 1. What the rows are copied from, in one snapshot: the form usagers
    //    fill now (published, else the draft), its annotations.
    let revision = d.current_revision().map_or_else(|| d.draft_revision(), Ok)?;
    let mut tx = state.store.read().await?;
    let types = demarches::liste(tx.conn(), revision, false).await?;
    let annotations = demarches::liste(tx.conn(), revision, true).await?;
    let ineligibilite = demarches::ineligibilite(tx.conn(), revision).await?;
    let attestation = attestation_templates::find(tx.conn(), source).await?;
    let fichiers_source = fichiers::list(tx.conn(), source).await?;
    tx.commit().await?;

    let mut tx = state.store.write().await?;
    let mut objets = Vec::new();
    let id = ecrire(&mut tx, d, pour, copie, now).await?;
    let revision = demarches::insert_revision(tx.conn(), id, now).await?;
    demarches::set_draft_revision(tx.conn(), id, revision).await?;
    let types = avec_nouveaux_modeles(id, types, &mut objets)?;
    let annotations = avec_nouveaux_modeles(id, annotations, &mut objets)?;
    demarches::replace_liste(tx.conn(), revision, false, &types).await?;
    demarches::replace_liste(tx.conn(), revision, true, &annotations).await?;
    demarches::set_ineligibilite(tx.conn(), revision, ineligibilite.as_ref()).await?;
    clonage::copier(tx.conn(), source, id, copie.avec_instructeurs, copie.avec_reglages, now).await?;
    if let Some(mut t) = attestation {
        t.logo_key = nouvel_objet(id, "attestation", t.logo_key, &mut objets)?;
        t.signature_key = nouvel_objet(id, "attestation", t.signature_key, &mut objets)?;
        attestation_templates::upsert(tx.conn(), id, &t, now).await?;
    }
    for mut f in fichiers_source {
        let Some(cle) = nouvel_objet(id, "fichiers", Some(f.storage_key), &mut objets)? else { continue };
        f.storage_key = cle;
        fichiers::remplacer(tx.conn(), id, &f, now).await?;
    }
    tx.commit().await?;

    // 2. The objects, after commit (no I/O in a write transaction).
    for o in &objets {
        let copie = match Key::parse(&o.de) {
            Ok(de) => state.storage.copy(&de, &o.vers).await,
            Err(e) => Err(e),
        };
        if let Err(error) = copie {
            tracing::error!(%error, from = o.de, "cannot copy a file of a cloned demarche: the clone is erased");
            let mut tx = state.store.write().await?;
            let dossiers = etats::effacer(tx.conn(), id).await?;
            tx.commit().await?;
            super::etats::purger_dossiers(state, &dossiers).await;
            super::etats::purger_demarche(state, id).await;
            return Err(AppError::Unavailable("copying the files of the démarche".into()));
        }
    }
    Ok(id)
}

/// The new démarche's row, address and administrateur.
async fn ecrire(
    tx: &mut Tx,
    d: &DemarcheRow,
    pour: AdministrateurId,
    copie: &Copie,
    now: DateTime<Utc>,
) -> Result<DemarcheId, AppError> {
    let input = DemarcheInput {
        libelle: copie.libelle.clone(),
        description: d.description.clone(),
        service: d.service(),
        reglages: Default::default(),
    };
    // A new campaign sets its own deadline, and a copy is nobody's model.
    let reglages = Reglages { date_limite_depot: None, modele: false, ..d.reglages() };
    let path = super::free_path(tx, &suggerer_path(&copie.libelle)).await?;
    let id = demarches::insert(tx.conn(), &input, &reglages, &path, now).await?;
    crate::store::administrateurs::ajouter(tx.conn(), id, pour).await?;
    Ok(id)
}

/// The types with each model file given a key of the new démarche.
fn avec_nouveaux_modeles(
    id: DemarcheId,
    mut types: Vec<TypeDeChamp>,
    objets: &mut Vec<Objet>,
) -> Result<Vec<TypeDeChamp>, AppError> {
    for t in &mut types {
        if let Some(modele) = t.options.modele.as_mut() {
            let cle = nouvel_objet(id, "modeles", Some(modele.cle.clone()), objets)?;
            modele.cle = cle.unwrap_or_default();
        }
    }
    Ok(types)
}

/// A new key under `demarches/{id}/{dossier}/` for the object at `de`,
/// recorded for copying.
fn nouvel_objet(
    id: DemarcheId,
    dossier: &str,
    de: Option<String>,
    objets: &mut Vec<Objet>,
) -> Result<Option<String>, AppError> {
    let Some(de) = de else { return Ok(None) };
    let vers = crate::workflow::pieces_jointes::cle_de_demarche(id, dossier)?;
    let cle = vers.as_str().to_owned();
    objets.push(Objet { de, vers });
    Ok(Some(cle))
}
