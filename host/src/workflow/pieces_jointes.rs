//! Files of a dossier's champs (pièces justificatives, titres d'identité).
//!
//! Upload path: the handler streams the request's file chunk by chunk into
//! a [`Televersement`] (size bounded as it goes, format checked on the first
//! bytes, sha256 computed), which writes an object-store multipart upload;
//! [`attacher`] then records the row, the champ's value and the scan job in
//! one transaction. Nothing is recorded before the object is complete, and
//! an upload cut short is aborted, so no row ever points at half a file.
//! Objects are deleted only after the transaction that forgets them commits.

use crate::domain::champ::fichier::{self, ENTETE_BYTES, FICHIERS_PAR_CHAMP_MAX};
use crate::domain::champ::repetition;
use crate::domain::compte::{Instructeur, Usager};
use crate::domain::demarche::fichier::UsageFichier;
use crate::domain::{DossierId, EtatDossier, StableId, TypeChamp, TypeDeChamp};
use crate::error::AppError;
use crate::jobs::enqueue_analyse;
use crate::state::AppState;
use crate::storage::{Key, StorageError, Upload};
use crate::store::dossiers::{self, DossierRow, Stream};
use crate::store::pieces_jointes::{self as store, EtatPiece, NouvellePiece, PieceRow};
use crate::store::{Conn, Tx, demarches};
use crate::workflow::demarche::Liste;
use bytes::Bytes;
use chrono::Utc;
use futures_util::stream::BoxStream;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::time::Duration;

/// A scanner that has not answered in this time has failed: the file is
/// refused (fail closed). Bounds how long a hung scanner holds a worker.
pub const ANALYSE_TIMEOUT: Duration = Duration::from_secs(300);

/// Who reads a dossier's files. Invited co-editors and experts, when they
/// come, get their variant here and their scoped lookup in `dossier_de`.
pub enum Lecteur<'a> {
    Usager(&'a Usager),
    Instructeur(&'a Instructeur),
}

async fn dossier_de(c: Conn<'_>, lecteur: &Lecteur<'_>, id: DossierId) -> Result<DossierRow, AppError> {
    Ok(match lecteur {
        Lecteur::Usager(u) => dossiers::find_for_participant(c, id, u).await?,
        Lecteur::Instructeur(i) => dossiers::find_for_instructeur(c, id, i.instructeur_id).await?,
    })
}

fn modifiable(d: &DossierRow) -> bool {
    matches!(d.etat(), EtatDossier::Brouillon | EtatDossier::EnConstruction) && d.corbeille_usager_at.is_none()
}

/// Where a file goes: a file champ, and for a champ of a block, the row.
#[derive(Clone, Debug)]
pub struct Place {
    pub tdc: TypeDeChamp,
    /// The row id (checked well-formed); `None` for a top-level champ.
    pub ligne: Option<String>,
}

/// The usager's dossier, still modifiable, and its file champ `stable_id`
/// (in row `ligne` when the champ belongs to a block); anything else is
/// not found. The row may be one the page added and not saved yet: the
/// save that drops it deletes its files.
pub async fn champ_fichier(
    state: &AppState,
    usager: &Usager,
    id: DossierId,
    stable_id: StableId,
    ligne: Option<&str>,
) -> Result<(DossierRow, Place), AppError> {
    let mut tx = state.store.read().await?;
    let d = dossiers::find_for_participant(tx.conn(), id, usager).await?;
    // The form: from memory once published, like every other read of it.
    let definition = state.formulaires.de_revision(tx.conn(), d.revision_id()).await?;
    tx.commit().await?;
    if !modifiable(&d) {
        return Err(AppError::Refused("Ce dossier ne peut plus être modifié.".into()));
    }
    let tdc = definition
        .types
        .iter()
        .find(|t| t.stable_id == stable_id && t.type_champ.est_fichier() && !t.prive)
        .cloned()
        .ok_or(AppError::NotFound)?;
    // A champ of a block takes files in a row, a top-level one outside.
    let ligne = match (tdc.parent, ligne) {
        (Some(_), Some(row)) if repetition::ligne_valide(row) => Some(row.to_owned()),
        (None, None) => None,
        _ => return Err(AppError::NotFound),
    };
    Ok((d, Place { tdc, ligne }))
}

/// A file being received: written to the storage as it arrives.
pub struct Televersement {
    key: Key,
    upload: Option<Upload>,
    nom: String,
    tdc: TypeDeChamp,
    ligne: Option<String>,
    max: u64,
    taille: u64,
    entete: Vec<u8>,
    mime: Option<&'static str>,
    hasher: Sha256,
}

/// A complete file in the storage, not yet recorded.
pub struct Recu {
    key: Key,
    nom: String,
    mime: &'static str,
    taille: u64,
    sha256: String,
    stable_id: StableId,
    ligne: Option<String>,
}

impl Televersement {
    /// `nom` is the name the browser sent; it is made safe here.
    pub async fn commencer(
        state: &AppState,
        dossier: DossierId,
        place: &Place,
        nom: &str,
    ) -> Result<Televersement, AppError> {
        let tdc = &place.tdc;
        let key = Key::new(["dossiers".to_string(), dossier.0.to_string(), uuid::Uuid::new_v4().to_string()])
            .map_err(|e| AppError::Internal(e.into()))?;
        let upload = state.storage.upload(&key).await.map_err(|e| AppError::Internal(e.into()))?;
        Ok(Televersement {
            key,
            upload: Some(upload),
            nom: fichier::nom_sur(nom),
            tdc: tdc.clone(),
            ligne: place.ligne.clone(),
            max: fichier::taille_max(&tdc.type_champ),
            taille: 0,
            entete: Vec::new(),
            mime: None,
            hasher: Sha256::new(),
        })
    }

    /// Takes the next chunk. `Err(message)`: the file is refused (too large,
    /// not an accepted format) and what was written is dropped; the caller
    /// skips the rest of the file.
    pub async fn ecrire(&mut self, chunk: &[u8]) -> Result<Result<(), String>, AppError> {
        self.taille += chunk.len() as u64;
        if self.taille > self.max {
            self.abandonner().await;
            return Ok(Err(format!(
                "Le fichier « {} » dépasse la taille maximale de {}.",
                self.nom,
                fichier::taille_lisible(self.max)
            )));
        }
        if self.mime.is_none() {
            let room = ENTETE_BYTES - self.entete.len();
            self.entete.extend_from_slice(&chunk[..chunk.len().min(room)]);
            if self.entete.len() == ENTETE_BYTES
                && let Err(message) = self.reconnaitre()
            {
                self.abandonner().await;
                return Ok(Err(message));
            }
        }
        self.hasher.update(chunk);
        if let Some(upload) = self.upload.as_mut() {
            upload.write(chunk).await.map_err(|e| AppError::Internal(e.into()))?;
        }
        Ok(Ok(()))
    }

    fn reconnaitre(&mut self) -> Result<(), String> {
        let mime = fichier::verifier_contenu(&self.tdc, &self.nom, &self.entete)?;
        self.mime = Some(mime);
        self.entete = Vec::new();
        Ok(())
    }

    async fn abandonner(&mut self) {
        if let Some(upload) = self.upload.take() {
            upload.abort().await;
        }
    }

    /// The whole file arrived: checks what could not be checked yet (a
    /// file shorter than the head) and completes the object.
    pub async fn terminer(mut self) -> Result<Result<Recu, String>, AppError> {
        if self.mime.is_none()
            && let Err(message) = self.reconnaitre()
        {
            self.abandonner().await;
            return Ok(Err(message));
        }
        let (Some(upload), Some(mime)) = (self.upload.take(), self.mime) else {
            return Ok(Err(format!("Le fichier « {} » n'a pas pu être reçu.", self.nom)));
        };
        upload.finish().await.map_err(|e| AppError::Internal(e.into()))?;
        Ok(Ok(Recu {
            key: self.key,
            nom: self.nom,
            mime,
            taille: self.taille,
            sha256: hex::encode(self.hasher.finalize()),
            stable_id: self.tdc.stable_id,
            ligne: self.ligne,
        }))
    }
}

/// Records a received file on its champ: its row, the champ's value, the
/// virus scan job, in one transaction. A champ taking one file has it
/// replaced; a full champ refuses (message for the usager). Whatever is not
/// recorded leaves the storage.
pub async fn attacher(
    state: &AppState,
    usager: &Usager,
    id: DossierId,
    recu: Recu,
) -> Result<Result<i64, String>, AppError> {
    let result = attacher_en_base(state, usager, id, &recu).await;
    match result {
        Ok(Ok((piece, remplacees))) => {
            state.jobs_notify.notify_one();
            supprimer_objets(state, remplacees).await;
            Ok(Ok(piece))
        }
        other => {
            supprimer_objets(state, vec![recu.key.as_str().to_owned()]).await;
            other.map(|r| r.map(|(piece, _)| piece))
        }
    }
}

async fn attacher_en_base(
    state: &AppState,
    usager: &Usager,
    id: DossierId,
    recu: &Recu,
) -> Result<Result<(i64, Vec<String>), String>, AppError> {
    let now = Utc::now();
    let mut tx = state.store.write().await?;
    // Again inside the transaction: the dossier may have moved on meanwhile.
    let d = dossiers::find_for_participant(tx.conn(), id, usager).await?;
    if !modifiable(&d) {
        return Err(AppError::Refused("Ce dossier ne peut plus être modifié.".into()));
    }
    let stream = stream_modifie(&mut tx, &d, now).await?;
    let types = demarches::types_de_champ(tx.conn(), d.revision_id()).await?;
    let tdc = types.iter().find(|t| t.stable_id == recu.stable_id).ok_or(AppError::NotFound)?;
    let ligne = recu.ligne.as_deref();
    let existantes: Vec<PieceRow> = store::of_dossier(tx.conn(), id, stream)
        .await?
        .into_iter()
        .filter(|p| p.est_de(recu.stable_id, ligne))
        .collect();
    let mut remplacees = Vec::new();
    if fichier::plusieurs(tdc) {
        if existantes.len() >= FICHIERS_PAR_CHAMP_MAX {
            return Ok(Err(format!(
                "« {} » contient déjà {FICHIERS_PAR_CHAMP_MAX} fichiers : supprimez-en un avant d'en ajouter un autre.",
                tdc.libelle
            )));
        }
    } else {
        for p in existantes {
            store::delete(tx.conn(), id, p.id).await?;
            remplacees.extend(p.storage_key);
        }
        // The file replaced may still be the filed version's.
        remplacees = store::orphelines(tx.conn(), remplacees).await?;
    }
    let etat = if state.config.scanner_command.is_some() { EtatPiece::EnAttente } else { EtatPiece::NonAnalyse };
    let nouvelle = NouvellePiece {
        dossier: id,
        stable_id: recu.stable_id,
        row_id: ligne.unwrap_or_default(),
        storage_key: recu.key.as_str(),
        nom: &recu.nom,
        mime: recu.mime,
        taille: recu.taille,
        sha256: &recu.sha256,
        etat,
        stream,
    };
    let piece = store::insert(tx.conn(), &nouvelle, now).await?;
    ecrire_valeur(&mut tx, id, stream, recu.stable_id, ligne, now).await?;
    if etat == EtatPiece::EnAttente {
        enqueue_analyse(tx.conn(), piece, now).await?;
    }
    tx.commit().await?;
    tracing::info!(dossier = id.0, piece, bytes = recu.taille, mime = recu.mime, "file attached");
    Ok(Ok((piece, remplacees)))
}

/// Which files an usager's change to `d` touches: a brouillon's, or the
/// buffer of a dossier en construction, opened here on its first change
/// (instructeurs keep reading the filed files until the usager files
/// their changes).
pub(crate) async fn stream_modifie(
    tx: &mut Tx,
    d: &DossierRow,
    now: chrono::DateTime<Utc>,
) -> Result<Stream, AppError> {
    if d.etat() != EtatDossier::EnConstruction {
        return Ok(Stream::Main);
    }
    if d.modifications_depuis.is_none() {
        crate::workflow::dossier::modifications::ouvrir_buffer(tx, d.id(), now).await?;
    }
    Ok(Stream::Buffer)
}

/// The file `p` as `stream` holds it: itself, or its copy there (a page
/// or a save may have read the filed file before the buffer opened);
/// `None` when the usager removed that copy.
async fn dans(tx: &mut Tx, p: &PieceRow, stream: Stream) -> Result<Option<PieceRow>, AppError> {
    if Stream::parse(&p.stream) == stream {
        return Ok(Some(p.clone()));
    }
    Ok(store::copie_dans(tx.conn(), p, stream).await?)
}

/// The champ's value follows its files: their names (what exports show).
async fn ecrire_valeur(
    tx: &mut Tx,
    id: DossierId,
    stream: Stream,
    stable_id: StableId,
    ligne: Option<&str>,
    now: chrono::DateTime<Utc>,
) -> Result<(), AppError> {
    let noms: Vec<String> = store::of_dossier(tx.conn(), id, stream)
        .await?
        .into_iter()
        .filter(|p| p.est_de(stable_id, ligne) && p.etat().compte())
        .map(|p| p.nom)
        .collect();
    let valeur = fichier::valeur(&noms);
    match ligne {
        Some(row) => {
            dossiers::ecrire_valeur_ligne(tx.conn(), id, stream, stable_id, row, valeur.as_deref(), now).await?
        }
        None => {
            let values = [(stable_id, valeur)];
            let ecrits = dossiers::ChampsEcrits { values: &values, verdicts: &dossiers::Verdicts::default() };
            dossiers::upsert_champs(tx.conn(), id, stream, ecrits, now).await?;
        }
    }
    Ok(())
}

/// Removes one file of the usager's modifiable dossier; its object goes
/// after the commit. Returns the input it belonged to and the dossier's state.
pub async fn retirer(
    state: &AppState,
    usager: &Usager,
    id: DossierId,
    piece: i64,
) -> Result<(String, EtatDossier), AppError> {
    let now = Utc::now();
    let mut tx = state.store.write().await?;
    let d = dossiers::find_for_participant(tx.conn(), id, usager).await?;
    if !modifiable(&d) {
        return Err(AppError::Refused("Ce dossier ne peut plus être modifié.".into()));
    }
    let row = store::find(tx.conn(), id, piece).await?.ok_or(AppError::NotFound)?;
    let stream = stream_modifie(&mut tx, &d, now).await?;
    // A dossier en construction loses the file from its buffer only.
    let row = dans(&mut tx, &row, stream).await?.ok_or(AppError::NotFound)?;
    store::delete(tx.conn(), id, row.id).await?;
    let stable_id = StableId(row.stable_id);
    ecrire_valeur(&mut tx, id, stream, stable_id, row.ligne(), now).await?;
    let objets = store::orphelines(tx.conn(), row.storage_key.clone().into_iter().collect()).await?;
    tx.commit().await?;
    let input = match row.ligne() {
        Some(r) => format!("{}champ_{stable_id}", repetition::prefixe_ligne(r)),
        None => format!("champ_{stable_id}"),
    };
    supprimer_objets(state, objets).await;
    Ok((input, d.etat()))
}

/// The files of a dossier that a form's file champs count, read with the
/// rest of a save's context; no query when the form asks for no file.
pub async fn du_formulaire(
    tx: &mut Tx,
    id: DossierId,
    stream: Stream,
    types: &[TypeDeChamp],
) -> Result<Vec<PieceRow>, AppError> {
    if !types.iter().any(|t| t.type_champ.est_fichier()) {
        return Ok(Vec::new());
    }
    Ok(store::of_dossier(tx.conn(), id, stream).await?)
}

/// The answers of a form, with each file champ's value taken from its
/// files (`pieces`, from `du_formulaire`): never from the form, where
/// anyone can type anything. In a block, each posted row's file champs
/// are set likewise.
pub fn avec_fichiers(
    types: &[TypeDeChamp],
    saisie: &HashMap<String, String>,
    pieces: &[PieceRow],
) -> HashMap<String, String> {
    let valeur = |tdc: &TypeDeChamp, ligne: Option<&str>| {
        let noms: Vec<String> = pieces
            .iter()
            .filter(|p| p.est_de(tdc.stable_id, ligne) && p.etat().compte())
            .map(|p| p.nom.clone())
            .collect();
        fichier::valeur(&noms).unwrap_or_default()
    };
    let mut out = saisie.clone();
    for tdc in types.iter().filter(|t| t.type_champ.est_fichier()) {
        let Some(bloc) = tdc.parent else {
            out.insert(tdc.input_name(), valeur(tdc, None));
            continue;
        };
        let rows = repetition::ids_valides(crate::workflow::dossier::multiples(saisie, &repetition::nom_lignes(bloc)));
        for row in rows {
            out.insert(format!("{}{}", repetition::prefixe_ligne(&row), tdc.input_name()), valeur(tdc, Some(&row)));
        }
    }
    out
}

/// A dossier's files by the input they answer: champ and row (`None`
/// outside blocks).
pub type PiecesParChamp = HashMap<(StableId, Option<String>), Vec<PieceRow>>;

/// The files of a dossier the caller may read, by champ and row: its
/// usagers', those they are changing; instructeurs', the filed ones.
pub async fn du_dossier(state: &AppState, lecteur: &Lecteur<'_>, id: DossierId) -> Result<PiecesParChamp, AppError> {
    let mut tx = state.store.read().await?;
    let d = dossier_de(tx.conn(), lecteur, id).await?;
    let stream = match lecteur {
        Lecteur::Usager(_) => d.stream_usager(),
        Lecteur::Instructeur(_) => Stream::Main,
    };
    let pieces = store::of_dossier(tx.conn(), id, stream).await?;
    tx.commit().await?;
    Ok(par_champ(pieces))
}

/// The same inside a page's read transaction, the dossier already found in
/// the caller's scope; no query when the form asks for no file.
pub async fn du_dossier_dans(
    tx: &mut Tx,
    id: DossierId,
    stream: Stream,
    types: &[TypeDeChamp],
) -> Result<PiecesParChamp, AppError> {
    Ok(par_champ(du_formulaire(tx, id, stream, types).await?))
}

fn par_champ(pieces: Vec<PieceRow>) -> PiecesParChamp {
    let mut par_champ = PiecesParChamp::new();
    for p in pieces {
        par_champ.entry((StableId(p.stable_id), p.ligne().map(str::to_owned))).or_default().push(p);
    }
    par_champ
}

/// A file to download: its row and its bytes as a stream. Only through the
/// caller's scope, and only once the scanner cleared it (or none is
/// configured); anything else is not found.
pub async fn ouvrir(
    state: &AppState,
    lecteur: &Lecteur<'_>,
    id: DossierId,
    piece: i64,
) -> Result<(PieceRow, u64, BoxStream<'static, Result<Bytes, StorageError>>), AppError> {
    let mut tx = state.store.read().await?;
    dossier_de(tx.conn(), lecteur, id).await?;
    let row = store::find(tx.conn(), id, piece).await?.ok_or(AppError::NotFound)?;
    tx.commit().await?;
    // A file the usager added to changes not filed yet is not the
    // administration's to read.
    let filed = Stream::parse(&row.stream) == Stream::Main;
    if !row.etat().telechargeable() || (matches!(lecteur, Lecteur::Instructeur(_)) && !filed) {
        return Err(AppError::NotFound);
    }
    let key = row.storage_key.as_deref().ok_or(AppError::NotFound)?;
    let key = Key::parse(key).map_err(|e| AppError::Internal(e.into()))?;
    match state.storage.get_stream(&key).await {
        Ok((size, stream)) => Ok((row, size, stream)),
        Err(StorageError::NotFound(_)) => Err(AppError::NotFound),
        Err(e) => Err(AppError::Internal(e.into())),
    }
}

/// The model file of a champ of the usager's dossier.
pub async fn modele(
    state: &AppState,
    lecteur: &Lecteur<'_>,
    id: DossierId,
    stable_id: StableId,
) -> Result<(String, u64, BoxStream<'static, Result<Bytes, StorageError>>), AppError> {
    let mut tx = state.store.read().await?;
    let d = dossier_de(tx.conn(), lecteur, id).await?;
    let types = demarches::types_de_champ(tx.conn(), d.revision_id()).await?;
    tx.commit().await?;
    let modele = types
        .into_iter()
        .find(|t| t.stable_id == stable_id && t.type_champ.a_un_modele())
        .and_then(|t| t.options.modele)
        .ok_or(AppError::NotFound)?;
    let key = Key::parse(&modele.cle).map_err(|e| AppError::Internal(e.into()))?;
    match state.storage.get_stream(&key).await {
        Ok((size, stream)) => Ok((modele.nom, size, stream)),
        Err(StorageError::NotFound(_)) => Err(AppError::NotFound),
        Err(e) => Err(AppError::Internal(e.into())),
    }
}

/// At a decision, in its transaction: the dossier's titres d'identité are
/// marked purged. Returns the keys to delete once it commits
/// ([`supprimer_objets`]).
pub async fn purger_titres(tx: &mut Tx, dossier: &DossierRow) -> Result<Vec<String>, AppError> {
    let types = demarches::types_de_champ(tx.conn(), dossier.revision_id()).await?;
    let titres: Vec<i64> =
        types.iter().filter(|t| t.type_champ == TypeChamp::TitreIdentite).map(|t| t.stable_id.0).collect();
    if titres.is_empty() {
        return Ok(Vec::new());
    }
    // A decision is taken on a dossier past construction: its buffer is gone.
    let pieces: Vec<PieceRow> = store::of_dossier(tx.conn(), dossier.id(), Stream::Main)
        .await?
        .into_iter()
        .filter(|p| titres.contains(&p.stable_id) && p.etat() != EtatPiece::Purge)
        .collect();
    let ids: Vec<i64> = pieces.iter().map(|p| p.id).collect();
    store::purger(tx.conn(), &ids).await?;
    Ok(pieces.into_iter().filter_map(|p| p.storage_key).collect())
}

/// In a save's transaction: these files (read with the save's context)
/// are deleted with their rows — those of a champ a condition hides at
/// dépôt, those of a row the usager removed — from `stream`: a file read
/// from the filed version when the save opened the buffer goes as its
/// copy there. Returns the keys to delete once it commits
/// ([`supprimer_objets`]).
pub async fn retirer_pieces(
    tx: &mut Tx,
    id: DossierId,
    stream: Stream,
    pieces: &[&PieceRow],
) -> Result<Vec<String>, AppError> {
    let mut keys = Vec::new();
    for p in pieces {
        let Some(p) = dans(tx, p, stream).await? else { continue };
        if store::delete(tx.conn(), id, p.id).await? {
            keys.extend(p.storage_key);
        }
    }
    // A file of a buffer may share its object with the filed version.
    Ok(store::orphelines(tx.conn(), keys).await?)
}

/// Deletes objects no row points at any more (after the commit that
/// forgot them). A failure is logged: an orphan object is a cost, not a
/// leak of someone's file through the platform.
pub async fn supprimer_objets(state: &AppState, keys: Vec<String>) {
    for key in keys {
        let deleted = match Key::parse(&key) {
            Ok(k) => state.storage.delete(&k).await,
            Err(e) => Err(e),
        };
        if let Err(error) = deleted {
            tracing::error!(%error, key, "cannot delete a file object");
        }
    }
}

/// The scan job: runs the operator's scanner on the file (on its standard
/// input) and records its verdict. Exit 0 clean, 1 infected; anything else,
/// a time-out or a scanner that cannot start refuses the file (fail closed).
pub async fn analyser(state: &AppState, piece: i64) -> anyhow::Result<()> {
    let mut tx = state.store.read().await?;
    let row = store::find_for_job(tx.conn(), piece).await?;
    tx.commit().await?;
    let Some(row) = row.filter(|r| r.etat() == EtatPiece::EnAttente) else {
        return Ok(());
    };
    let verdict = match (&state.config.scanner_command, row.storage_key.as_deref()) {
        (Some(command), Some(key)) => match tokio::time::timeout(ANALYSE_TIMEOUT, scanner(state, command, key)).await {
            Ok(Ok(0)) => EtatPiece::Sain,
            Ok(Ok(1)) => EtatPiece::Infecte,
            Ok(Ok(code)) => {
                tracing::error!(piece, code, "virus scanner failed: file refused");
                EtatPiece::EchecAnalyse
            }
            Ok(Err(error)) => {
                tracing::error!(piece, error = %error, "virus scanner cannot run: file refused");
                EtatPiece::EchecAnalyse
            }
            Err(_) => {
                tracing::error!(piece, "virus scanner timed out: file refused");
                EtatPiece::EchecAnalyse
            }
        },
        // The scanner was removed from the configuration meanwhile.
        (None, _) => EtatPiece::NonAnalyse,
        (Some(_), None) => EtatPiece::EchecAnalyse,
    };
    let now = Utc::now();
    let mut tx = state.store.write().await?;
    let conclues = store::conclure_analyse(tx.conn(), piece, verdict).await?;
    for r in &conclues {
        let stream = Stream::parse(&r.stream);
        let ligne = Some(r.row_id.as_str()).filter(|l| !l.is_empty());
        ecrire_valeur(&mut tx, DossierId(r.dossier_id), stream, StableId(r.stable_id), ligne, now).await?;
    }
    tx.commit().await?;
    let conclu = !conclues.is_empty();
    if conclu && !verdict.compte() {
        supprimer_objets(state, row.storage_key.into_iter().collect()).await;
    }
    tracing::info!(piece, verdict = verdict.as_str(), "file scanned");
    Ok(())
}

/// Runs the scanner with the object on its standard input; its exit code.
async fn scanner(state: &AppState, command: &[String], key: &str) -> anyhow::Result<i32> {
    use futures_util::StreamExt;
    use tokio::io::AsyncWriteExt;
    let (program, args) = command.split_first().ok_or_else(|| anyhow::anyhow!("empty scanner command"))?;
    let mut child = tokio::process::Command::new(program)
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()?;
    let (_, mut stream) = state.storage.get_stream(&Key::parse(key)?).await?;
    if let Some(mut stdin) = child.stdin.take() {
        while let Some(chunk) = stream.next().await {
            // A scanner that stops reading (it decided, or it died) closes
            // the pipe: its exit code says which.
            if stdin.write_all(&chunk?).await.is_err() {
                break;
            }
        }
        drop(stdin);
    }
    let status = child.wait().await?;
    Ok(status.code().unwrap_or(-1))
}

/// A model file an administrateur attaches to a pièce justificative is a
/// document, not a dossier's file: 20 MB bounds what each usager's page
/// offers to download.
pub const MODELE_MAX_BYTES: u64 = fichier::TITRE_IDENTITE_MAX_BYTES;

impl Televersement {
    /// A model file for the pièce justificative `tdc` of démarche `demarche`:
    /// any accepted format, at most [`MODELE_MAX_BYTES`].
    pub async fn pour_modele(
        state: &AppState,
        demarche: crate::domain::DemarcheId,
        tdc: &TypeDeChamp,
        nom: &str,
    ) -> Result<Televersement, AppError> {
        let mut tdc = tdc.clone();
        tdc.options.familles.clear();
        tdc.type_champ = TypeChamp::PieceJustificative;
        Self::pour_demarche_dans(state, demarche, "modeles", tdc, nom, MODELE_MAX_BYTES).await
    }

    /// A file of démarche `demarche`, under its folder `dossier`, checked
    /// as `tdc` accepts and bounded to `max` bytes.
    async fn pour_demarche_dans(
        state: &AppState,
        demarche: crate::domain::DemarcheId,
        dossier: &str,
        tdc: TypeDeChamp,
        nom: &str,
        max: u64,
    ) -> Result<Televersement, AppError> {
        let key = cle_de_demarche(demarche, dossier)?;
        let upload = state.storage.upload(&key).await.map_err(|e| AppError::Internal(e.into()))?;
        Ok(Televersement {
            key,
            upload: Some(upload),
            nom: fichier::nom_sur(nom),
            tdc,
            ligne: None,
            max,
            taille: 0,
            entete: Vec::new(),
            mime: None,
            hasher: Sha256::new(),
        })
    }
}

/// A new object key in démarche `demarche`'s folder `dossier`: everything
/// of a démarche lives under `demarches/{id}/`, deleted with it.
pub(crate) fn cle_de_demarche(demarche: crate::domain::DemarcheId, dossier: &str) -> Result<Key, AppError> {
    Key::new(["demarches".to_owned(), demarche.0.to_string(), dossier.to_owned(), uuid::Uuid::new_v4().to_string()])
        .map_err(|e| AppError::Internal(e.into()))
}

impl Televersement {
    /// A démarche's own file (`usage`: logo, notice, cadre juridique): its
    /// formats and its size limit, under the démarche's folder.
    pub async fn pour_demarche(
        state: &AppState,
        demarche: crate::domain::DemarcheId,
        usage: UsageFichier,
        nom: &str,
    ) -> Result<Televersement, AppError> {
        let tdc = TypeDeChamp {
            stable_id: StableId(0),
            type_champ: TypeChamp::PieceJustificative,
            libelle: usage.libelle().to_owned(),
            description: String::new(),
            obligatoire: false,
            options: crate::domain::champ::OptionsChamp {
                familles: usage.familles().iter().map(|f| (*f).to_owned()).collect(),
                ..Default::default()
            },
            parent: None,
            condition: None,
            prive: false,
        };
        Self::pour_demarche_dans(state, demarche, "fichiers", tdc, nom, usage.taille_max()).await
    }
}

impl Recu {
    pub fn mime(&self) -> &'static str {
        self.mime
    }

    /// The row of a démarche's own file for this object.
    pub fn fichier_demarche(&self, usage: UsageFichier) -> crate::store::demarches::fichiers::FichierDemarche {
        crate::store::demarches::fichiers::FichierDemarche {
            usage: usage.as_str().to_owned(),
            storage_key: self.key.as_str().to_owned(),
            nom: self.nom.clone(),
            mime: self.mime.to_owned(),
            taille: i64::try_from(self.taille).unwrap_or(i64::MAX),
        }
    }
}

/// What the administrateur changes about a file champ.
pub struct ReglageFichier {
    pub familles: Vec<String>,
    pub plusieurs: bool,
    pub modele: ChangementModele,
}

pub enum ChangementModele {
    Garder,
    Supprimer,
    Remplacer(Recu),
}

/// The file champ `stable_id` of a démarche the administrateur edits, in
/// its form or in its annotations privées (`liste`).
pub async fn champ_a_regler(
    state: &AppState,
    admin: &crate::domain::compte::Administrateur,
    id: crate::domain::DemarcheId,
    liste: Liste,
    stable_id: StableId,
) -> Result<(crate::store::demarches::DemarcheRow, TypeDeChamp), AppError> {
    let mut tx = state.store.read().await?;
    let d = demarches::find_for_administrateur(tx.conn(), id, admin.administrateur_id).await?;
    let types = demarches::liste(tx.conn(), d.draft_revision()?, liste.prive()).await?;
    tx.commit().await?;
    let tdc = types
        .into_iter()
        .find(|t| t.stable_id == stable_id && t.type_champ.regle_ses_fichiers())
        .ok_or(AppError::NotFound)?;
    Ok((d, tdc))
}

/// Saves a file champ's options: format families, several files, the
/// model file (a replaced or removed model leaves the storage after commit).
pub async fn regler_champ(
    state: &AppState,
    admin: &crate::domain::compte::Administrateur,
    id: crate::domain::DemarcheId,
    liste: Liste,
    stable_id: StableId,
    reglage: ReglageFichier,
) -> Result<Result<(), crate::domain::Erreurs>, AppError> {
    let mut erreurs = crate::domain::Erreurs::new();
    if reglage.familles.iter().any(|f| !fichier::famille_connue(f)) {
        erreurs.add("familles", "Choisissez les formats dans la liste proposée.");
    }
    let nouveau = match &reglage.modele {
        ChangementModele::Remplacer(recu) => Some(recu.key.as_str().to_owned()),
        _ => None,
    };
    if !erreurs.is_empty() {
        supprimer_objets(state, nouveau.into_iter().collect()).await;
        return Ok(Err(erreurs));
    }
    let result = regler_en_base(state, admin, id, liste, stable_id, reglage).await;
    match result {
        Ok(ancien) => {
            supprimer_objets(state, ancien.into_iter().collect()).await;
            Ok(Ok(()))
        }
        Err(e) => {
            supprimer_objets(state, nouveau.into_iter().collect()).await;
            Err(e)
        }
    }
}

async fn regler_en_base(
    state: &AppState,
    admin: &crate::domain::compte::Administrateur,
    id: crate::domain::DemarcheId,
    liste: Liste,
    stable_id: StableId,
    reglage: ReglageFichier,
) -> Result<Option<String>, AppError> {
    let mut tx = state.store.write().await?;
    let d = demarches::find_for_administrateur(tx.conn(), id, admin.administrateur_id).await?;
    let revision = crate::workflow::demarche::revision_a_modifier(&mut tx, &d).await?;
    let mut types = demarches::liste(tx.conn(), revision, liste.prive()).await?;
    let tdc = types
        .iter_mut()
        .find(|t| t.stable_id == stable_id && t.type_champ.regle_ses_fichiers())
        .ok_or(AppError::NotFound)?;
    let piece = tdc.type_champ == TypeChamp::PieceJustificative;
    // A titre d'identité has fixed formats, one file and no model; an
    // explication asks for no file, it only offers its notice.
    tdc.options.familles = if piece { reglage.familles } else { Vec::new() };
    tdc.options.plusieurs = piece && reglage.plusieurs;
    let modele = if tdc.type_champ.a_un_modele() { reglage.modele } else { ChangementModele::Garder };
    let ancien = match modele {
        ChangementModele::Garder => None,
        ChangementModele::Supprimer => tdc.options.modele.take().map(|m| m.cle),
        ChangementModele::Remplacer(recu) => {
            let modele = crate::domain::champ::FichierModele {
                cle: recu.key.as_str().to_owned(),
                nom: recu.nom,
                taille: recu.taille,
            };
            tdc.options.modele.replace(modele).map(|m| m.cle)
        }
    };
    demarches::replace_liste(tx.conn(), revision, liste.prive(), &types).await?;
    // The published revision may still offer the old model: it stays.
    let ancien = match ancien {
        Some(cle) if demarches::revisions::objet_reference(tx.conn(), id, &cle).await? => None,
        other => other,
    };
    tx.commit().await?;
    Ok(ancien)
}

/// A received file that will not be recorded: its object goes.
pub async fn oublier(state: &AppState, recu: Recu) {
    supprimer_objets(state, vec![recu.key.as_str().to_owned()]).await;
}
