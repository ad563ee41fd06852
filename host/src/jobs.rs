//! Background jobs: a worker loop over the durable queue in the database.
//! Enqueueing happens inside workflow transactions (`enqueue_mail`); workers
//! run the jobs after commit, retry with exponential backoff, and leave a job
//! `dead` (with its last error) after its last attempt.

use crate::domain::{DossierId, StableId};
use crate::mail::Courriel;
use crate::state::AppState;
use crate::store::{Conn, StoreResult, jobs};
use chrono::{DateTime, Utc};
use std::time::Duration;
use tokio::sync::watch;

pub const QUEUE_MAIL: &str = "mail";
/// Plugin checks deferred because the plugin could not answer at dépôt.
pub const QUEUE_VERIFICATION: &str = "verification";
/// Attestations to render after an acceptation (a plugin call: never in
/// the decision's transaction).
pub const QUEUE_ATTESTATION: &str = "attestation";
/// As for verifications: a degraded attestation plugin gets a day.
const ATTESTATION_MAX_ATTEMPTS: i64 = 30;
/// With the backoff below, about a day of retries: enough for an upstream
/// API outage; past that the job is dead and visible to an operator.
const VERIFICATION_MAX_ATTEMPTS: i64 = 30;
/// A relay refusing for ~a day (2^12 × 10 s capped at 1 h) gives up; the
/// job stays visible as dead for an operator.
const MAIL_MAX_ATTEMPTS: i64 = 30;
/// A job running longer than this is presumed abandoned by a dead worker.
const LEASE: Duration = Duration::from_secs(120);
/// Polling catches jobs enqueued by other replicas (no cross-process notify).
const POLL_INTERVAL: Duration = Duration::from_millis(1_000);
const BACKOFF_BASE_SECS: i64 = 10;
const BACKOFF_MAX_SECS: i64 = 3_600;

/// Adds an e-mail to the outbox, in the caller's transaction.
pub async fn enqueue_mail(c: Conn<'_>, courriel: &Courriel, now: DateTime<Utc>) -> StoreResult<i64> {
    let payload = serde_json::to_string(courriel).unwrap_or_default();
    jobs::enqueue(c, QUEUE_MAIL, &payload, MAIL_MAX_ATTEMPTS, now).await
}

#[derive(serde::Serialize, serde::Deserialize)]
struct VerificationJob {
    dossier_id: i64,
    stable_id: i64,
}

/// Queues a deferred plugin check of one champ, in the caller's transaction.
pub async fn enqueue_verification(
    c: Conn<'_>,
    dossier: DossierId,
    stable_id: StableId,
    now: DateTime<Utc>,
) -> StoreResult<i64> {
    let payload = serde_json::json!(VerificationJob { dossier_id: dossier.0, stable_id: stable_id.0 }).to_string();
    jobs::enqueue(c, QUEUE_VERIFICATION, &payload, VERIFICATION_MAX_ATTEMPTS, now).await
}

#[derive(serde::Serialize, serde::Deserialize)]
struct AttestationJob {
    dossier_id: i64,
}

/// Queues the rendering of a dossier's attestation, in the caller's
/// transaction (the acceptation's).
pub async fn enqueue_attestation(c: Conn<'_>, dossier: DossierId, now: DateTime<Utc>) -> StoreResult<i64> {
    let payload = serde_json::json!(AttestationJob { dossier_id: dossier.0 }).to_string();
    jobs::enqueue(c, QUEUE_ATTESTATION, &payload, ATTESTATION_MAX_ATTEMPTS, now).await
}

/// When to try again after `attempts` failures.
pub fn backoff(attempts: i64, now: DateTime<Utc>) -> DateTime<Utc> {
    let exp = attempts.clamp(0, 20) as u32;
    let secs = BACKOFF_BASE_SECS.saturating_mul(2_i64.saturating_pow(exp)).min(BACKOFF_MAX_SECS);
    now + chrono::Duration::seconds(secs)
}

/// Starts `n` workers; they stop when `shutdown` turns true.
pub fn spawn_workers(state: AppState, n: usize, shutdown: watch::Receiver<bool>) -> Vec<tokio::task::JoinHandle<()>> {
    (0..n)
        .map(|i| {
            let state = state.clone();
            let shutdown = shutdown.clone();
            tokio::spawn(async move { worker(state, i, shutdown).await })
        })
        .collect()
}

async fn worker(state: AppState, index: usize, mut shutdown: watch::Receiver<bool>) {
    tracing::debug!(worker = index, "job worker started");
    loop {
        if *shutdown.borrow() {
            break;
        }
        // One worker turns plugin degradations into e-mails (within a poll
        // interval): the request that saw the breaker open does not wait.
        if index == 0 {
            for alert in state.plugins.take_degradation_alerts() {
                match crate::workflow::plugins::signaler_degradation(&state, &alert).await {
                    Ok(n) => tracing::info!(plugin = %alert.plugin.id, administrateurs = n, "degradation reported"),
                    Err(err) => tracing::error!(plugin = %alert.plugin.id, error = %err, "cannot report degradation"),
                }
            }
        }
        match run_one(&state).await {
            Ok(true) => continue,
            Ok(false) => {}
            Err(err) => tracing::error!(error = %err, "job queue unavailable"),
        }
        tokio::select! {
            _ = state.jobs_notify.notified() => {}
            _ = tokio::time::sleep(POLL_INTERVAL) => {}
            _ = shutdown.changed() => {}
        }
    }
}

/// Claims and runs one job. Returns whether there was one.
pub async fn run_one(state: &AppState) -> StoreResult<bool> {
    let now = Utc::now();
    let lease_until = now + chrono::Duration::from_std(LEASE).unwrap_or_default();
    let Some(job) = jobs::claim(&state.store, now, lease_until).await? else {
        return Ok(false);
    };
    let span = tracing::info_span!("job", id = job.id, queue = %job.queue, attempt = job.attempts);
    let _enter = span.enter();
    let outcome = match job.queue.as_str() {
        QUEUE_MAIL => match serde_json::from_str::<Courriel>(&job.payload) {
            Ok(courriel) => state.mailer.send(&courriel).await,
            Err(e) => Err(anyhow::anyhow!("unreadable payload: {e}")),
        },
        QUEUE_VERIFICATION => match serde_json::from_str::<VerificationJob>(&job.payload) {
            Ok(v) => crate::workflow::dossier::reverifier(state, DossierId(v.dossier_id), StableId(v.stable_id)).await,
            Err(e) => Err(anyhow::anyhow!("unreadable payload: {e}")),
        },
        QUEUE_ATTESTATION => match serde_json::from_str::<AttestationJob>(&job.payload) {
            Ok(a) => crate::workflow::extensions::generer_attestation(state, DossierId(a.dossier_id)).await,
            Err(e) => Err(anyhow::anyhow!("unreadable payload: {e}")),
        },
        other => Err(anyhow::anyhow!("unknown queue {other}")),
    };
    let now = Utc::now();
    match outcome {
        Ok(()) => jobs::complete(&state.store, job.id, now).await?,
        Err(err) => {
            let message = format!("{err:#}");
            let retry = (job.attempts < job.max_attempts).then(|| backoff(job.attempts, now));
            if retry.is_some() {
                tracing::warn!(error = %message, "job failed, will retry");
            } else {
                tracing::error!(error = %message, "job failed for the last time");
            }
            jobs::fail(&state.store, job.id, &message, retry, now).await?;
        }
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_exponentially_and_is_capped() {
        let now = Utc::now();
        assert_eq!((backoff(0, now) - now).num_seconds(), 10);
        assert_eq!((backoff(1, now) - now).num_seconds(), 20);
        assert_eq!((backoff(3, now) - now).num_seconds(), 80);
        assert_eq!((backoff(50, now) - now).num_seconds(), 3_600);
        assert_eq!((backoff(-1, now) - now).num_seconds(), 10);
    }
}
