//! Rate limits as actions (`domain::limite` says what they are): counting
//! a request on its own, or inside a product action's transaction.

use crate::domain::limite::{FENETRE_MAX, Limite};
use crate::error::AppError;
use crate::security::sha256_hex;
use crate::state::AppState;
use crate::store::{StoreError, Tx, rate_limits};
use chrono::{DateTime, Utc};

/// The counter's key: the limit's name, then a short hash of each part of
/// the subject (IP and e-mail addresses are not stored as such).
pub(crate) fn bucket(limite: &Limite, parts: &[&str]) -> String {
    let mut key = limite.nom.to_string();
    for part in parts {
        key.push(':');
        key.push_str(&sha256_hex(part)[..32]);
    }
    key
}

/// Counts one request against each limit, in one transaction of its own
/// (the count must stay even when the action then fails); refuses with the
/// longest wait when one is over.
pub async fn compter(state: &AppState, limites: &[(&Limite, &str)]) -> Result<(), AppError> {
    let now = Utc::now();
    let mut tx = state.store.write().await?;
    let mut attente = None;
    for (limite, sujet) in limites {
        attente = attente.max(compter_dans(&mut tx, limite, &[sujet], now).await?);
    }
    tx.commit().await?;
    match attente {
        Some(retry_after_secs) => Err(AppError::TooManyRequests { retry_after_secs }),
        None => Ok(()),
    }
}

/// Counts one request inside a transaction; the wait when it went over.
/// A window that starts also deletes the expired counters, so the table
/// holds at most the last hour's subjects.
pub(crate) async fn compter_dans(
    tx: &mut Tx,
    limite: &Limite,
    parts: &[&str],
    now: DateTime<Utc>,
) -> Result<Option<u64>, StoreError> {
    let (hits, debut) = rate_limits::hit(tx.conn(), &bucket(limite, parts), now, now - limite.fenetre).await?;
    if hits == 1 {
        rate_limits::delete_expired(tx.conn(), now - FENETRE_MAX).await?;
    }
    Ok(limite.attente(hits, debut, now))
}

/// Whether one more request would go over, without counting it: the wait
/// if so.
pub(crate) async fn atteinte(
    tx: &mut Tx,
    limite: &Limite,
    parts: &[&str],
    now: DateTime<Utc>,
) -> Result<Option<u64>, StoreError> {
    let current = rate_limits::peek(tx.conn(), &bucket(limite, parts), now - limite.fenetre).await?;
    Ok(current.and_then(|(hits, debut)| limite.attente(hits + 1, debut, now)))
}

/// Forgets the counters of a limit for a first subject part, whatever the
/// others (every IP's lockout of one e-mail address).
pub(crate) async fn effacer(tx: &mut Tx, limite: &Limite, premier: &str) -> Result<(), StoreError> {
    rate_limits::clear_prefix(tx.conn(), &bucket(limite, &[premier])).await
}
