//! Deleting rows that have served their purpose, so that tables holding one
//! row per login, per e-mailed link or per job do not grow forever.

use crate::store::{Store, StoreResult};
use chrono::{DateTime, Utc};

/// Spent and expired links are kept this long after their expiry: enough
/// for an operator to look into a complaint about a link the day after.
const TOKENS_KEPT_AFTER_EXPIRY: chrono::Duration = chrono::Duration::days(1);
/// Finished jobs are kept this long for an operator's inquiries (was the
/// accusé de réception sent?); dead ones stay until an operator acts.
const DONE_JOBS_KEPT: chrono::Duration = chrono::Duration::days(7);

/// How many rows of each kind a sweep deleted.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Purged {
    pub sessions: u64,
    pub tokens: u64,
    pub jobs: u64,
    /// Transfers of dossiers nobody answered in time.
    pub transferts: u64,
    /// Préremplissages nobody opened in time.
    pub preremplissages: u64,
}

impl Purged {
    pub fn total(&self) -> u64 {
        self.sessions + self.tokens + self.jobs + self.transferts + self.preremplissages
    }
}

/// Deletes expired sessions, links expired for a day, jobs done a week
/// ago, lapsed transfers and préremplissages nobody opened. Idempotent: any replica may run it at any time.
pub async fn purge_expired(store: &Store, now: DateTime<Utc>) -> StoreResult<Purged> {
    const SESSIONS: &str = "DELETE FROM sessions WHERE expires_at <= $1";
    const TOKENS: &str = "DELETE FROM tokens WHERE expires_at <= $1";
    const JOBS: &str = "DELETE FROM jobs WHERE state = 'done' AND updated_at <= $1";
    const TRANSFERTS: &str = "DELETE FROM transferts WHERE expire_at <= $1";
    const PREREMPLISSAGES: &str = "DELETE FROM preremplissages WHERE dossier_id IS NULL AND created_at <= $1";
    let preremplis_avant = now - crate::domain::dossier::preremplissage::DELAI_RECLAMATION;
    let tokens_before = now - TOKENS_KEPT_AFTER_EXPIRY;
    let jobs_before = now - DONE_JOBS_KEPT;
    let mut tx = store.write().await?;
    let purged = on!(tx.conn(), c => Ok::<_, sqlx::Error>(Purged {
        sessions: sqlx::query(SESSIONS).bind(now).execute(&mut *c).await?.rows_affected(),
        tokens: sqlx::query(TOKENS).bind(tokens_before).execute(&mut *c).await?.rows_affected(),
        jobs: sqlx::query(JOBS).bind(jobs_before).execute(&mut *c).await?.rows_affected(),
        transferts: sqlx::query(TRANSFERTS).bind(now).execute(&mut *c).await?.rows_affected(),
        preremplissages: sqlx::query(PREREMPLISSAGES).bind(preremplis_avant).execute(&mut *c).await?.rows_affected(),
    }))?;
    tx.commit().await?;
    Ok(purged)
}
