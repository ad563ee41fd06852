//! One call to a plugin, typed: each function of an extension point is a
//! [`Call`] whose answer type is fixed, so a guest answer can only be read
//! as what was asked. Every call takes the same path: `guarded` (options,
//! shares, circuit breaker), `call` (span, wall-clock timeout) and
//! `execute` (fresh store, CPU and memory limits).

use std::future::Future;
use std::time::{Duration, Instant};

use tracing::Instrument;
use wasmtime::{Store, Trap, UpdateDeadline};

use super::bindings::Pre;
use super::error::{GuestError, NotInWorld, PluginError, bad, trap_reason};
use super::health::Verdict;
use super::limits::{MAX_OPTIONS_BYTES, PluginLimits, check_input_size};
use super::loading::LoadedPlugin;
use super::model::PluginInfo;
use super::sandbox::{GuestState, LogSink};
use super::{DegradationAlert, PluginHost};

/// One function of an extension point, with what the guest answers and what
/// the host's caller receives once the answer is checked.
pub(super) trait Call: Sync {
    /// The WIT function, for spans, counters and errors.
    const NAME: &'static str;
    /// The guest's answer in host types, not yet checked.
    type Answer: Send;
    /// What the caller receives.
    type Output;

    /// Instantiates the plugin in `store` and calls it, in whichever WIT
    /// version it speaks. `Ok(Err(..))` is the guest's `plugin-error`.
    fn invoke(
        &self,
        store: &mut Store<GuestState>,
        pre: &Pre,
    ) -> impl Future<Output = wasmtime::Result<Result<Self::Answer, GuestError>>> + Send;

    /// Holds the answer to the contract (sizes, shapes, choices among what
    /// was offered): a broken answer is [`PluginError::BadAnswer`].
    fn check(&self, plugin: &PluginInfo, answer: Self::Answer) -> Result<Self::Output, PluginError>;

    /// Wall-clock budget of this call for a plugin granted `limits`.
    fn wall_timeout(&self, limits: &PluginLimits) -> Duration {
        limits.wall_timeout
    }
}

impl PluginHost {
    /// One call under every guard: options checked, the plugin's share, the
    /// extension point's share and a host slot taken (or `Busy`), the
    /// circuit breaker consulted and told the outcome.
    pub(super) async fn guarded<C: Call>(
        &self,
        plugin: &LoadedPlugin,
        options_json: &str,
        call: C,
    ) -> Result<C::Output, PluginError> {
        let id = || plugin.info.id.clone();
        check_input_size(&plugin.info.id, "options", options_json.len(), MAX_OPTIONS_BYTES)?;
        plugin.check_options(options_json).map_err(|reason| PluginError::InvalidOptions { plugin: id(), reason })?;
        // Its own share first: a plugin stuck in slow calls fills its share,
        // never the whole host, and the other plugins keep answering.
        let _share = plugin.calls.try_acquire().map_err(|_| PluginError::Busy { plugin: id() })?;
        let _point = match self.per_extension_point.get(&plugin.info.provides) {
            Some(slots) => Some(slots.try_acquire().map_err(|_| PluginError::Busy { plugin: id() })?),
            None => None,
        };
        let _permit = self.calls.try_acquire().map_err(|_| PluginError::Busy { plugin: id() })?;
        // After the permit: a trial call admitted here is sure to run.
        if !plugin.health().admit(Instant::now()) {
            return Err(PluginError::Degraded { plugin: id() });
        }
        let started = Instant::now();
        let result = match self.call(plugin, &call).await {
            Ok(Ok(answer)) => call.check(&plugin.info, answer),
            Ok(Err(error)) => Err(PluginError::Guest { plugin: id(), error }),
            Err(error) => Err(error),
        };
        let (outcome, verdict) = match &result {
            Ok(_) => ("ok", Verdict::Healthy),
            Err(error) => (error.outcome(), error.verdict()),
        };
        let cause = match &verdict {
            Verdict::Faulty(message) => message.clone(),
            Verdict::Healthy | Verdict::Neutral => String::new(),
        };
        if plugin.health().record(Instant::now(), C::NAME, outcome, started.elapsed(), verdict) {
            tracing::error!(plugin.id = %plugin.info.id, %cause, "plugin degraded after repeated failures");
            self.alerts
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .push(DegradationAlert { plugin: plugin.info.clone(), cause });
        }
        result
    }

    /// One guest call under every limit, traced. The caller holds a permit.
    pub(super) async fn call<C: Call>(
        &self,
        plugin: &LoadedPlugin,
        call: &C,
    ) -> Result<Result<C::Answer, GuestError>, PluginError> {
        let span = tracing::info_span!(
            "plugin_call",
            plugin.id = %plugin.id,
            plugin.version = %plugin.version,
            function = C::NAME,
            duration_us = tracing::field::Empty,
            outcome = tracing::field::Empty,
        );
        let started = Instant::now();
        let result = tokio::time::timeout(call.wall_timeout(&plugin.limits), self.execute(plugin, call))
            .instrument(span.clone())
            .await
            .unwrap_or_else(|_elapsed| Err(PluginError::TimedOut { plugin: plugin.info.id.clone() }));
        let duration_us = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
        let outcome = match &result {
            Ok(Ok(_)) => "ok",
            Ok(Err(_)) => "guest_error",
            Err(error) => error.outcome(),
        };
        span.record("duration_us", duration_us);
        span.record("outcome", outcome);
        let _entered = span.enter();
        match &result {
            Ok(_) => tracing::debug!(duration_us, outcome, "plugin call"),
            Err(error) => tracing::warn!(duration_us, outcome, %error, "plugin call failed"),
        }
        result
    }

    /// Instantiates the plugin in a fresh store and makes the call. The store
    /// (and all guest memory) is dropped on return, or when the wall-clock
    /// timeout drops this future.
    async fn execute<C: Call>(
        &self,
        plugin: &LoadedPlugin,
        call: &C,
    ) -> Result<Result<C::Answer, GuestError>, PluginError> {
        let log = LogSink::new(plugin.id.clone(), plugin.version.clone());
        let mut store =
            Store::new(&self.engine, GuestState::new(plugin.limits.memory_bytes, log, plugin.services.clone()));
        store.limiter(|state| &mut state.limiter);
        // Check in at every tick: yield to tokio so other tasks run on this
        // worker, and interrupt once the CPU budget is spent.
        store.set_epoch_deadline(1);
        let budget = plugin.epoch_budget;
        let mut ticks = 0_u64;
        store.epoch_deadline_callback(move |_| {
            ticks += 1;
            Ok(if ticks >= budget { UpdateDeadline::Interrupt } else { UpdateDeadline::Yield(1) })
        });

        let result = call.invoke(&mut store, &plugin.pre).await;
        let logs = store.data_mut().log.finish();
        if !logs.is_empty() {
            plugin.health().record_logs(logs);
        }
        result.map_err(|error| {
            let plugin = plugin.info.id.clone();
            if store.data().limiter.exceeded {
                PluginError::MemoryExceeded { plugin }
            } else if matches!(error.downcast_ref::<Trap>(), Some(Trap::Interrupt)) {
                PluginError::DeadlineExceeded { plugin }
            } else if error.downcast_ref::<wasmtime::PoolConcurrencyLimitError>().is_some() {
                PluginError::Busy { plugin }
            } else if let Some(missing) = error.downcast_ref::<NotInWorld>() {
                bad(&plugin, missing.to_string())
            } else {
                PluginError::Trap { plugin, reason: trap_reason(&error) }
            }
        })
    }
}
