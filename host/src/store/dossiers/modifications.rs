//! The buffer of a dossier en construction: the usager's changes wait in
//! the `buffer` stream of its champs (and files, `pieces_jointes`) until
//! they file them, and each filing is recorded for the dossier's history.

use super::Stream;
use crate::domain::DossierId;
use crate::store::{Conn, StoreResult};
use chrono::{DateTime, Utc};

/// Opens the buffer of a dossier still en construction: marks it and
/// copies the filed answers into it (never the annotations privées, which
/// are the instructeurs'). `false` when one is open already, or the
/// dossier is no longer en construction; nothing is copied then.
pub async fn ouvrir(mut c: Conn<'_>, id: DossierId, now: DateTime<Utc>) -> StoreResult<bool> {
    const MARQUER: &str = "UPDATE dossiers SET modifications_depuis = $2 \
        WHERE id = $1 AND etat = 'en_construction' AND modifications_depuis IS NULL";
    const COPIER: &str = concat!(
        "INSERT INTO champs (dossier_id, stream, stable_id, row_id, value, updated_at, a_verifier, \
        erreur_verification, donnees, confirme) SELECT dossier_id, 'buffer', stable_id, row_id, value, updated_at, \
        a_verifier, erreur_verification, donnees, confirme FROM champs WHERE dossier_id = $1 AND stream = 'main' \
        AND NOT EXISTS (",
        annotation!("champs.dossier_id", "champs.stable_id"),
        ")"
    );
    let n = on!(c.reborrow(), c => sqlx::query(MARQUER).bind(id.0).bind(now).execute(&mut *c).await
        .map(|r| r.rows_affected()))?;
    if n != 1 {
        return Ok(false);
    }
    on!(c, c => sqlx::query(COPIER).bind(id.0).execute(&mut *c).await.map(|_| ()))?;
    Ok(true)
}

/// Closes the buffer: its answers go (filed into `main` by the caller
/// first, or abandoned). Its files are `pieces_jointes`'.
pub async fn fermer(mut c: Conn<'_>, id: DossierId) -> StoreResult<()> {
    const VIDER: &str = "DELETE FROM champs WHERE dossier_id = $1 AND stream = $2";
    const DEMARQUER: &str = "UPDATE dossiers SET modifications_depuis = NULL WHERE id = $1";
    on!(c.reborrow(), c => sqlx::query(VIDER).bind(id.0).bind(Stream::Buffer.as_str()).execute(&mut *c).await
        .map(|_| ()))?;
    on!(c, c => sqlx::query(DEMARQUER).bind(id.0).execute(&mut *c).await.map(|_| ()))?;
    Ok(())
}

/// One filing of changes: who, when, which champs (libellés).
#[derive(Clone, Debug)]
pub struct ModificationDeposee {
    pub auteur_email: String,
    pub champs: Vec<String>,
    pub deposees_at: DateTime<Utc>,
}

pub async fn enregistrer_depot(
    c: Conn<'_>,
    id: DossierId,
    auteur_email: &str,
    champs: &[String],
    now: DateTime<Utc>,
) -> StoreResult<()> {
    const SQL: &str =
        "INSERT INTO modifications_deposees (dossier_id, auteur_email, champs, deposees_at) VALUES ($1, $2, $3, $4)";
    let champs = serde_json::to_string(champs).unwrap_or_else(|_| "[]".into());
    on!(c, c => sqlx::query(SQL).bind(id.0).bind(auteur_email).bind(champs).bind(now).execute(&mut *c).await
        .map(|_| ()))?;
    Ok(())
}

/// The dossier's filings of changes, oldest first.
pub async fn deposees(c: Conn<'_>, id: DossierId) -> StoreResult<Vec<ModificationDeposee>> {
    const SQL: &str = "SELECT auteur_email, champs, deposees_at FROM modifications_deposees \
        WHERE dossier_id = $1 ORDER BY id";
    let rows: Vec<(String, String, DateTime<Utc>)> =
        on!(c, c => sqlx::query_as(SQL).bind(id.0).fetch_all(&mut *c).await)?;
    Ok(rows
        .into_iter()
        .map(|(auteur_email, champs, deposees_at)| ModificationDeposee {
            auteur_email,
            champs: serde_json::from_str(&champs).unwrap_or_default(),
            deposees_at,
        })
        .collect())
}
