//! Job workers: each claims a batch of jobs from the queue (`jobs`; only
//! e-mails come more than one at a time), runs them through the workflow,
//! keeps their leases alive while they run, and records the outcomes. Worker 0 also reports plugin degradations, sweeps expired
//! rows (sessions, spent links, old finished jobs) and closes démarches
//! past their deadline.

use crate::domain::DossierId;
use crate::jobs::{
    AnalyseJob, AttestationJob, QUEUE_ANALYSE, QUEUE_ATTESTATION, QUEUE_MAIL, QUEUE_REBASE, QUEUE_VERIFICATION,
    RebaseJob, VerificationJob, backoff, batch_size,
};
use crate::mail::Courriel;
use crate::state::AppState;
use crate::store::{StoreResult, jobs, maintenance};
use chrono::Utc;
use std::time::{Duration, Instant};
use tokio::sync::watch;
use tracing::Instrument;

/// A job whose lease is not renewed for this long is presumed abandoned by
/// a dead worker and claimed again. Short, so that a crash delays its jobs
/// by seconds, not minutes; a live worker renews it every [`HEARTBEAT`].
pub const LEASE: Duration = Duration::from_secs(30);
/// Well inside [`LEASE`]: two renewals can be missed (a busy database)
/// before another worker takes the job over.
const HEARTBEAT: Duration = Duration::from_secs(10);
/// Polling catches jobs enqueued by other replicas (no cross-process notify).
const POLL_INTERVAL: Duration = Duration::from_millis(1_000);
/// Expired sessions and spent links are deleted this often: without it they
/// pile up forever (one row per login and per e-mailed link).
const SWEEP_INTERVAL: Duration = Duration::from_secs(15 * 60);
/// Démarches past their deadline are closed this often: within a minute of
/// it (dépôts are refused from the exact instant, job or not).
const ECHEANCES_INTERVAL: Duration = Duration::from_secs(60);

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
    let mut last_sweep: Option<Instant> = None;
    let mut last_echeances: Option<Instant> = None;
    loop {
        if *shutdown.borrow() {
            break;
        }
        if index == 0 {
            // The request that saw a breaker open does not wait for e-mails.
            report_degradations(&state).await;
            if last_sweep.is_none_or(|at| at.elapsed() >= SWEEP_INTERVAL) {
                last_sweep = Some(Instant::now());
                sweep(&state).await;
            }
            if last_echeances.is_none_or(|at| at.elapsed() >= ECHEANCES_INTERVAL) {
                last_echeances = Some(Instant::now());
                echeances(&state).await;
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

async fn report_degradations(state: &AppState) {
    for alert in state.plugins.take_degradation_alerts() {
        match crate::workflow::plugins::signaler_degradation(state, &alert).await {
            Ok(n) => tracing::info!(plugin = %alert.plugin.id, administrateurs = n, "degradation reported"),
            Err(err) => tracing::error!(plugin = %alert.plugin.id, error = %err, "cannot report degradation"),
        }
    }
}

/// Deletes what has expired, and the dossiers left in the usagers'
/// corbeilles past their delay; every replica may run it, the deletes are
/// idempotent.
pub async fn sweep(state: &AppState) {
    match maintenance::purge_expired(&state.store, Utc::now()).await {
        Ok(purged) if purged.total() > 0 => tracing::info!(?purged, "expired rows deleted"),
        Ok(_) => {}
        Err(err) => tracing::error!(error = %err, "cannot delete expired rows"),
    }
    match crate::workflow::dossier::corbeille::purger(state, Utc::now()).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(dossiers = n, "dossiers deleted from the corbeille after their delay"),
        Err(err) => tracing::error!(error = %err, "cannot purge the corbeille"),
    }
}

/// Closes the démarches whose deadline has come.
pub async fn echeances(state: &AppState) {
    match crate::workflow::demarche::etats::clore_echues(state, Utc::now()).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(demarches = n, "demarches closed on their deadline"),
        Err(err) => tracing::error!(error = %err, "cannot close demarches past their deadline"),
    }
}

/// Claims and runs a batch of jobs. Returns whether there was one.
pub async fn run_one(state: &AppState) -> StoreResult<bool> {
    let now = Utc::now();
    let lease_until = now + chrono::Duration::from_std(LEASE).unwrap_or_default();
    let batch = jobs::claim(&state.store, now, lease_until, batch_size).await?;
    if batch.is_empty() {
        return Ok(false);
    }
    let ids: Vec<i64> = batch.iter().map(|j| j.id).collect();
    // Run one after the other (a relay is not hammered by one worker); a
    // failure is recorded at once, the successes together at the end. A
    // crash in between runs the done ones again once their lease expires:
    // at-least-once, as before, and an e-mail keeps its Message-ID.
    let done = with_heartbeat(state, &ids, async {
        let mut done = Vec::with_capacity(batch.len());
        for job in &batch {
            if attempt(state, job).await?.is_ok() {
                done.push(job.id);
            }
        }
        StoreResult::Ok(done)
    })
    .await?;
    jobs::complete(&state.store, &done, Utc::now()).await?;
    Ok(true)
}

/// Runs job `id` now if no worker has taken it yet: `None` then, else
/// its outcome (a failure is recorded and retried like any other).
pub async fn run_job(state: &AppState, id: i64) -> StoreResult<Option<Result<(), String>>> {
    let now = Utc::now();
    let lease_until = now + chrono::Duration::from_std(LEASE).unwrap_or_default();
    let Some(job) = jobs::claim_id(&state.store, id, now, lease_until).await? else {
        return Ok(None);
    };
    let outcome = with_heartbeat(state, &[job.id], attempt(state, &job)).await?;
    if outcome.is_ok() {
        jobs::complete(&state.store, &[job.id], Utc::now()).await?;
    }
    Ok(Some(outcome))
}

/// Runs a claimed job; records a failure (retried or dead) at once. A
/// success is left for the caller to record, with the rest of its batch.
async fn attempt(state: &AppState, job: &jobs::JobRow) -> StoreResult<Result<(), String>> {
    // `instrument`, never `span.enter()` across an await: the guard would
    // tag whatever else the thread runs meanwhile with this job's span.
    let span = tracing::info_span!("job", id = job.id, queue = %job.queue, attempt = job.attempts);
    let outcome = run(state, job).instrument(span.clone()).await;
    let Err(err) = outcome else {
        return Ok(Ok(()));
    };
    let now = Utc::now();
    let message = format!("{err:#}");
    let retry = (job.attempts < job.max_attempts).then(|| backoff(job.attempts, now));
    span.in_scope(|| {
        if retry.is_some() {
            tracing::warn!(error = %message, "job failed, will retry");
        } else {
            tracing::error!(error = %message, "job failed for the last time");
        }
    });
    jobs::fail(&state.store, job.id, &message, retry, now).await?;
    Ok(Err(message))
}

async fn run(state: &AppState, job: &jobs::JobRow) -> anyhow::Result<()> {
    match job.queue.as_str() {
        QUEUE_MAIL => {
            let courriel: Courriel =
                serde_json::from_str(&job.payload).map_err(|e| anyhow::anyhow!("unreadable payload: {e}"))?;
            // The job's id names the message: a send repeated after a crash
            // (between the relay's acceptance and `complete`) carries the
            // same Message-ID, so mail systems can drop the duplicate.
            state.mailer.send(&courriel, job.id).await
        }
        QUEUE_VERIFICATION => {
            let v: VerificationJob =
                serde_json::from_str(&job.payload).map_err(|e| anyhow::anyhow!("unreadable payload: {e}"))?;
            crate::workflow::dossier::reverifier(state, DossierId(v.dossier_id), &v.slot()).await
        }
        QUEUE_ATTESTATION => {
            let a: AttestationJob =
                serde_json::from_str(&job.payload).map_err(|e| anyhow::anyhow!("unreadable payload: {e}"))?;
            crate::workflow::extensions::generer_attestation(state, DossierId(a.dossier_id)).await
        }
        QUEUE_ANALYSE => {
            let a: AnalyseJob =
                serde_json::from_str(&job.payload).map_err(|e| anyhow::anyhow!("unreadable payload: {e}"))?;
            crate::workflow::pieces_jointes::analyser(state, a.piece_id).await
        }
        QUEUE_REBASE => {
            let r: RebaseJob =
                serde_json::from_str(&job.payload).map_err(|e| anyhow::anyhow!("unreadable payload: {e}"))?;
            crate::workflow::demarche::revisions::rebaser(
                state,
                crate::domain::DemarcheId(r.demarche_id),
                crate::domain::RevisionId(r.revision_id),
            )
            .await
        }
        other => Err(anyhow::anyhow!("unknown queue {other}")),
    }
}

/// Runs `work` while renewing the jobs' leases every [`HEARTBEAT`], so a
/// long job (a slow relay, a plugin retry) is never taken over by another
/// worker while this one is alive, however short the lease.
async fn with_heartbeat<T>(state: &AppState, ids: &[i64], work: impl Future<Output = T>) -> T {
    let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + HEARTBEAT, HEARTBEAT);
    tokio::pin!(work);
    loop {
        tokio::select! {
            out = &mut work => return out,
            _ = ticks.tick() => {
                let until = Utc::now() + chrono::Duration::from_std(LEASE).unwrap_or_default();
                if let Err(err) = jobs::renew_leases(&state.store, ids, until).await {
                    tracing::warn!(error = %err, "cannot renew the job's lease");
                }
            }
        }
    }
}
