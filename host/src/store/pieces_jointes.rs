//! Files attached to dossiers' champs: one row per file, the bytes in the
//! file storage under `storage_key`. Reads are by dossier: callers find the
//! dossier through their scope first (`dossiers::find_for_usager`…).
//! A dossier en construction being changed has its files twice: the filed
//! ones (`main`) and the usager's buffer (`buffer`), whose copies share
//! the originals' objects until one side lets them go.

use crate::domain::{DossierId, StableId};
use crate::store::dossiers::Stream;
use crate::store::{Conn, StoreResult};
use chrono::{DateTime, Utc};

/// Where a file stands. Stored as text in `pieces_jointes.etat`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EtatPiece {
    /// The virus scanner has not answered yet: nobody but its owner sees it.
    EnAttente,
    /// The scanner found nothing.
    Sain,
    /// No scanner is configured on this platform.
    NonAnalyse,
    /// The scanner found a virus: object deleted.
    Infecte,
    /// The scanner failed (error, time-out): not accepted, object deleted.
    EchecAnalyse,
    /// A titre d'identité deleted at the decision.
    Purge,
}

impl EtatPiece {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::EnAttente => "en_attente",
            Self::Sain => "sain",
            Self::NonAnalyse => "non_analyse",
            Self::Infecte => "infecte",
            Self::EchecAnalyse => "echec_analyse",
            Self::Purge => "purge",
        }
    }

    pub fn parse(s: &str) -> Self {
        match s {
            "sain" => Self::Sain,
            "non_analyse" => Self::NonAnalyse,
            "infecte" => Self::Infecte,
            "echec_analyse" => Self::EchecAnalyse,
            "purge" => Self::Purge,
            // Unknown reads as not yet cleared: never downloadable.
            _ => Self::EnAttente,
        }
    }

    /// Whether instructeurs may download it.
    pub fn telechargeable(self) -> bool {
        matches!(self, Self::Sain | Self::NonAnalyse)
    }

    /// Whether it counts as an answer of its champ (a pending scan does:
    /// the usager did their part).
    pub fn compte(self) -> bool {
        matches!(self, Self::EnAttente | Self::Sain | Self::NonAnalyse)
    }

    /// What the usager reads next to the file.
    pub fn libelle(self) -> &'static str {
        match self {
            Self::EnAttente => "En attente d'analyse",
            Self::Sain => "Analysé, sans virus",
            Self::NonAnalyse => "Reçu (non analysé)",
            Self::Infecte => {
                "Refusé : un virus a été détecté dans ce fichier, il a été supprimé. Supprimez cette ligne et envoyez un fichier sain."
            }
            Self::EchecAnalyse => {
                "Refusé : l'analyse antivirus n'a pas pu être faite, le fichier n'a pas été accepté. Supprimez cette ligne et envoyez-le à nouveau dans quelques instants."
            }
            Self::Purge => "Supprimé après la décision (titre d'identité)",
        }
    }
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct PieceRow {
    pub id: i64,
    pub dossier_id: i64,
    pub stable_id: i64,
    pub row_id: String,
    pub storage_key: Option<String>,
    pub nom: String,
    pub mime: String,
    pub taille: i64,
    pub sha256: String,
    pub etat: String,
    pub created_at: DateTime<Utc>,
    pub stream: String,
}

impl PieceRow {
    pub fn etat(&self) -> EtatPiece {
        EtatPiece::parse(&self.etat)
    }

    /// The row it belongs to, for a champ of a block.
    pub fn ligne(&self) -> Option<&str> {
        Some(self.row_id.as_str()).filter(|r| !r.is_empty())
    }

    /// Whether it is a file of champ `stable_id` in `row` (`None`: top level).
    pub fn est_de(&self, stable_id: StableId, row: Option<&str>) -> bool {
        self.stable_id == stable_id.0 && self.ligne() == row
    }
}

/// What the upload path wrote to the storage.
#[derive(Clone, Debug)]
pub struct NouvellePiece<'a> {
    pub dossier: DossierId,
    pub stable_id: StableId,
    /// The row of a block the champ repeats in; empty for a top-level champ.
    pub row_id: &'a str,
    pub storage_key: &'a str,
    pub nom: &'a str,
    pub mime: &'a str,
    pub taille: u64,
    pub sha256: &'a str,
    pub etat: EtatPiece,
    pub stream: Stream,
}

macro_rules! select_piece {
    ($tail:literal) => {
        concat!(
            "SELECT id, dossier_id, stable_id, row_id, storage_key, nom, mime, taille, sha256, etat, created_at, stream ",
            "FROM pieces_jointes ",
            $tail
        )
    };
}

pub async fn insert(c: Conn<'_>, p: &NouvellePiece<'_>, now: DateTime<Utc>) -> StoreResult<i64> {
    const SQL: &str = "INSERT INTO pieces_jointes (dossier_id, stable_id, row_id, storage_key, nom, mime, taille, \
        sha256, etat, created_at, stream) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id";
    let taille = i64::try_from(p.taille).unwrap_or(i64::MAX);
    let id: i64 = on!(c, c => sqlx::query_scalar(SQL).bind(p.dossier.0).bind(p.stable_id.0).bind(p.row_id).bind(p.storage_key)
        .bind(p.nom).bind(p.mime).bind(taille).bind(p.sha256).bind(p.etat.as_str()).bind(now).bind(p.stream.as_str()).fetch_one(&mut *c).await)?;
    Ok(id)
}

/// The files of one stream of a dossier, in upload order.
pub async fn of_dossier(c: Conn<'_>, dossier: DossierId, stream: Stream) -> StoreResult<Vec<PieceRow>> {
    const SQL: &str = select_piece!("WHERE dossier_id = $1 AND stream = $2 ORDER BY id");
    Ok(on!(c, c => sqlx::query_as(SQL).bind(dossier.0).bind(stream.as_str()).fetch_all(&mut *c).await)?)
}

/// One file of a dossier (the dossier already found in the caller's scope).
pub async fn find(c: Conn<'_>, dossier: DossierId, id: i64) -> StoreResult<Option<PieceRow>> {
    const SQL: &str = select_piece!("WHERE dossier_id = $1 AND id = $2");
    Ok(on!(c, c => sqlx::query_as(SQL).bind(dossier.0).bind(id).fetch_optional(&mut *c).await)?)
}

/// For the scan job, which acts for the platform.
pub async fn find_for_job(c: Conn<'_>, id: i64) -> StoreResult<Option<PieceRow>> {
    const SQL: &str = select_piece!("WHERE id = $1");
    Ok(on!(c, c => sqlx::query_as(SQL).bind(id).fetch_optional(&mut *c).await)?)
}

pub async fn delete(c: Conn<'_>, dossier: DossierId, id: i64) -> StoreResult<bool> {
    const SQL: &str = "DELETE FROM pieces_jointes WHERE dossier_id = $1 AND id = $2";
    let n = on!(c, c => sqlx::query(SQL).bind(dossier.0).bind(id).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Where a scanned file's verdict went: each row of its object (the file
/// and its copy in a buffer), whose champ's value follows its files.
#[derive(Debug, sqlx::FromRow)]
pub struct RowConclue {
    pub dossier_id: i64,
    pub stream: String,
    pub stable_id: i64,
    pub row_id: String,
}

/// Sets the state of a file still `en_attente`, and of the copies sharing
/// its object (a buffer opened while it was scanned); a refused file also
/// loses its key (its object is deleted after commit). Returns the rows
/// changed: none when the file was removed meanwhile.
pub async fn conclure_analyse(c: Conn<'_>, id: i64, etat: EtatPiece) -> StoreResult<Vec<RowConclue>> {
    const SQL: &str = "UPDATE pieces_jointes SET etat = $2, \
        storage_key = CASE WHEN $3 THEN NULL ELSE storage_key END WHERE etat = 'en_attente' \
        AND storage_key = (SELECT storage_key FROM pieces_jointes WHERE id = $1) \
        RETURNING dossier_id, stream, stable_id, row_id";
    let retire = !etat.compte();
    Ok(on!(c, c => sqlx::query_as(SQL).bind(id).bind(etat.as_str()).bind(retire).fetch_all(&mut *c).await)?)
}

/// Copies the filed files into the dossier's buffer, opened now: the
/// copies name the same objects.
pub async fn copier_vers_buffer(c: Conn<'_>, dossier: DossierId) -> StoreResult<()> {
    const SQL: &str = "INSERT INTO pieces_jointes (dossier_id, stable_id, row_id, storage_key, nom, mime, taille, \
        sha256, etat, created_at, stream) SELECT dossier_id, stable_id, row_id, storage_key, nom, mime, taille, \
        sha256, etat, created_at, 'buffer' FROM pieces_jointes WHERE dossier_id = $1 AND stream = 'main' ORDER BY id";
    on!(c, c => sqlx::query(SQL).bind(dossier.0).execute(&mut *c).await.map(|_| ()))?;
    Ok(())
}

/// The buffer's files become the filed ones (ids kept: a scan job under
/// way still finds its file). Returns the keys the filed files named, for
/// [`orphelines`] to tell which objects nobody names any more.
pub async fn remplacer_par_buffer(c: Conn<'_>, dossier: DossierId) -> StoreResult<Vec<String>> {
    const RETIRER: &str = "DELETE FROM pieces_jointes WHERE dossier_id = $1 AND stream = 'main' RETURNING storage_key";
    const PROMOUVOIR: &str = "UPDATE pieces_jointes SET stream = 'main' WHERE dossier_id = $1 AND stream = 'buffer'";
    let keys: Vec<Option<String>> = on!(c, c => {
        let keys = sqlx::query_scalar(RETIRER).bind(dossier.0).fetch_all(&mut *c).await?;
        sqlx::query(PROMOUVOIR).bind(dossier.0).execute(&mut *c).await?;
        Ok::<_, sqlx::Error>(keys)
    })?;
    Ok(keys.into_iter().flatten().collect())
}

/// The copy of the filed file `original` in the buffer, if the usager
/// has not removed it there: same champ, row, name and object.
pub async fn copie_dans(c: Conn<'_>, original: &PieceRow, stream: Stream) -> StoreResult<Option<PieceRow>> {
    const SQL: &str = select_piece!(
        "WHERE dossier_id = $1 AND stream = $2 AND stable_id = $3 AND row_id = $4 AND nom = $5 AND sha256 = $6 \
         AND created_at = $7 ORDER BY id LIMIT 1"
    );
    Ok(on!(c, c => sqlx::query_as(SQL).bind(original.dossier_id).bind(stream.as_str()).bind(original.stable_id)
        .bind(&original.row_id).bind(&original.nom).bind(&original.sha256).bind(original.created_at)
        .fetch_optional(&mut *c).await)?)
}

/// Drops the buffer's files; returns the keys they named (see
/// [`orphelines`]).
pub async fn abandonner_buffer(c: Conn<'_>, dossier: DossierId) -> StoreResult<Vec<String>> {
    const SQL: &str = "DELETE FROM pieces_jointes WHERE dossier_id = $1 AND stream = 'buffer' RETURNING storage_key";
    let keys: Vec<Option<String>> = on!(c, c => sqlx::query_scalar(SQL).bind(dossier.0).fetch_all(&mut *c).await)?;
    Ok(keys.into_iter().flatten().collect())
}

/// Of these keys, those no file row names any more: their objects can go
/// once the transaction that let them go commits.
pub async fn orphelines(c: Conn<'_>, keys: Vec<String>) -> StoreResult<Vec<String>> {
    const SQL: &str = "SELECT COUNT(*) FROM pieces_jointes WHERE storage_key = $1";
    if keys.is_empty() {
        return Ok(keys);
    }
    on!(c, c => {
        let mut libres = Vec::with_capacity(keys.len());
        for key in keys {
            let n: i64 = sqlx::query_scalar(SQL).bind(&key).fetch_one(&mut *c).await?;
            if n == 0 && !libres.contains(&key) {
                libres.push(key);
            }
        }
        Ok::<_, sqlx::Error>(libres)
    })
    .map_err(Into::into)
}

/// Marks these files purged (no more object).
pub async fn purger(c: Conn<'_>, ids: &[i64]) -> StoreResult<()> {
    const SQL: &str = "UPDATE pieces_jointes SET etat = 'purge', storage_key = NULL WHERE id = $1";
    on!(c, c => {
        for id in ids {
            sqlx::query(SQL).bind(id).execute(&mut *c).await?;
        }
        Ok::<(), sqlx::Error>(())
    })?;
    Ok(())
}
