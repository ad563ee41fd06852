//! The durable job queue: what can be enqueued, inside a workflow
//! transaction (`enqueue_mail`…), and how failures are retried. The workers
//! that run the jobs after commit are in `workers.rs`; this module does not
//! depend on the workflow, the workflow depends on it.

use crate::domain::champ::repetition::Slot;
use crate::domain::{DemarcheId, DossierId, RevisionId, StableId};
use crate::mail::Courriel;
use crate::store::{Conn, StoreResult, jobs};
use chrono::{DateTime, Utc};

pub const QUEUE_MAIL: &str = "mail";
/// Plugin checks deferred because the plugin could not answer at dépôt.
pub const QUEUE_VERIFICATION: &str = "verification";
/// Attestations to render after an acceptation (a plugin call: never in
/// the decision's transaction).
pub const QUEUE_ATTESTATION: &str = "attestation";
/// Uploaded files waiting for the operator's virus scanner.
pub const QUEUE_ANALYSE: &str = "analyse";
/// Dossiers en construction moved to a revision just published.
pub const QUEUE_REBASE: &str = "rebase";
/// A rebase only fails on a database error; each attempt goes on where the
/// last one stopped.
const REBASE_MAX_ATTEMPTS: i64 = 30;
/// One attempt: the job itself fails closed (a scanner error refuses the
/// file, the usager is told); a second attempt only covers a worker that
/// died mid-scan.
const ANALYSE_MAX_ATTEMPTS: i64 = 2;
/// As for verifications: a degraded attestation plugin gets a day.
const ATTESTATION_MAX_ATTEMPTS: i64 = 30;
/// With the backoff below, about a day of retries: enough for an upstream
/// API outage; past that the job is dead and visible to an operator.
const VERIFICATION_MAX_ATTEMPTS: i64 = 30;
/// A relay refusing for ~a day (2^12 × 10 s capped at 1 h) gives up; the
/// job stays visible as dead for an operator.
const MAIL_MAX_ATTEMPTS: i64 = 30;
const BACKOFF_BASE_SECS: i64 = 10;
const BACKOFF_MAX_SECS: i64 = 3_600;

/// E-mails claimed together by one worker: one write transaction claims a
/// batch and one marks it sent, where each message cost two. Bounded so
/// that a batch stays well inside the worker's lease even on a slow relay
/// (the heartbeat renews it anyway), and so a crash resends at most this
/// many messages (each keeps its Message-ID, so mail systems drop the
/// repeats).
const MAIL_BATCH: i64 = 32;

/// How many ready jobs of `queue` a worker claims at once. Only e-mails are
/// batched: they are one per dépôt and short; the other queues' jobs call
/// plugins or run for long, and a batch would hold its later jobs back.
pub fn batch_size(queue: &str) -> i64 {
    if queue == QUEUE_MAIL { MAIL_BATCH } else { 1 }
}

/// Adds an e-mail to the outbox, in the caller's transaction.
pub async fn enqueue_mail(c: Conn<'_>, courriel: &Courriel, now: DateTime<Utc>) -> StoreResult<i64> {
    let payload = serde_json::to_string(courriel).unwrap_or_default();
    jobs::enqueue(c, QUEUE_MAIL, &payload, MAIL_MAX_ATTEMPTS, now).await
}

#[derive(serde::Serialize, serde::Deserialize)]
pub(crate) struct VerificationJob {
    pub dossier_id: i64,
    pub stable_id: i64,
    /// The row of a champ in a block; absent at the top level (and in
    /// jobs queued before champs in blocks had checks).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ligne: Option<String>,
}

impl VerificationJob {
    pub fn slot(&self) -> Slot {
        Slot::dans(StableId(self.stable_id), self.ligne.as_deref())
    }
}

/// Queues a deferred plugin check of one answer, in the caller's
/// transaction.
pub async fn enqueue_verification(
    c: Conn<'_>,
    dossier: DossierId,
    slot: &Slot,
    now: DateTime<Utc>,
) -> StoreResult<i64> {
    let job = VerificationJob { dossier_id: dossier.0, stable_id: slot.champ.0, ligne: slot.ligne.clone() };
    let payload = serde_json::json!(job).to_string();
    jobs::enqueue(c, QUEUE_VERIFICATION, &payload, VERIFICATION_MAX_ATTEMPTS, now).await
}

#[derive(serde::Serialize, serde::Deserialize)]
pub(crate) struct AttestationJob {
    pub dossier_id: i64,
}

/// Queues the rendering of a dossier's attestation, in the caller's
/// transaction (the acceptation's).
pub async fn enqueue_attestation(c: Conn<'_>, dossier: DossierId, now: DateTime<Utc>) -> StoreResult<i64> {
    let payload = serde_json::json!(AttestationJob { dossier_id: dossier.0 }).to_string();
    jobs::enqueue(c, QUEUE_ATTESTATION, &payload, ATTESTATION_MAX_ATTEMPTS, now).await
}

#[derive(serde::Serialize, serde::Deserialize)]
pub(crate) struct AnalyseJob {
    pub piece_id: i64,
}

/// Queues the virus scan of an uploaded file, in the caller's transaction
/// (the one that records the file).
pub async fn enqueue_analyse(c: Conn<'_>, piece_id: i64, now: DateTime<Utc>) -> StoreResult<i64> {
    let payload = serde_json::json!(AnalyseJob { piece_id }).to_string();
    jobs::enqueue(c, QUEUE_ANALYSE, &payload, ANALYSE_MAX_ATTEMPTS, now).await
}

#[derive(serde::Serialize, serde::Deserialize)]
pub(crate) struct RebaseJob {
    pub demarche_id: i64,
    pub revision_id: i64,
}

/// Queues the rebase of a démarche's dossiers en construction onto the
/// revision published in the caller's transaction.
pub async fn enqueue_rebase(
    c: Conn<'_>,
    demarche: DemarcheId,
    revision: RevisionId,
    now: DateTime<Utc>,
) -> StoreResult<i64> {
    let payload = serde_json::json!(RebaseJob { demarche_id: demarche.0, revision_id: revision.0 }).to_string();
    jobs::enqueue(c, QUEUE_REBASE, &payload, REBASE_MAX_ATTEMPTS, now).await
}

/// When to try again after `attempts` failures.
pub fn backoff(attempts: i64, now: DateTime<Utc>) -> DateTime<Utc> {
    let exp = attempts.clamp(0, 20) as u32;
    let secs = BACKOFF_BASE_SECS.saturating_mul(2_i64.saturating_pow(exp)).min(BACKOFF_MAX_SECS);
    now + chrono::Duration::seconds(secs)
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
