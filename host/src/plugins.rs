//! Champ types, routing rules, attestations and appointments provided by
//! sandboxed WebAssembly components.
//!
//! This module is the only place in the server that knows about wasmtime. The
//! rest of the server sees [`PluginHost`]: it loads plugin directories
//! (`plugin.toml` + `<id>.wasm`, see `plugins/README.md`), lists what they
//! provide, and calls them (validate, suggest, enrich… a value; route a
//! dossier; render an attestation; propose an appointment).
//!
//! Each call runs in a fresh store and instance, so nothing a plugin saw
//! while validating one dossier survives into the next call, and a plugin that
//! trapped is simply dropped with its store. Every call is bounded: CPU time by
//! epoch interruption, wall-clock time by a tokio timeout, memory by a
//! limiter, concurrency by a semaphore that answers [`PluginError::Busy`]
//! instead of queueing.

mod attestation;
mod bindings;
pub mod cache;
mod call;
mod champ;
mod compiled;
mod error;
pub mod health;
mod http_hooks;
mod limits;
mod loading;
pub mod manifest;
pub mod model;
pub mod operator;
pub mod outbound;
mod render;
mod rendez_vous;
mod routage;
mod sandbox;
mod schema;
mod services;
pub mod settings;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError, RwLock};

use tokio::sync::Semaphore;
use wasmtime::Engine;
use wasmtime::component::Linker;

use self::cache::PluginCache;
use self::compiled::CompileCache;
pub use self::error::{GuestError, PluginError};
use self::health::RecentError;
pub use self::limits::*;
use self::loading::LoadedPlugin;
pub use self::loading::Reload;
pub use self::manifest::{
    Autocomplete, ExtensionPoint, InputMode, InputSpec, MAX_MANIFEST_BYTES, Manifest, ManifestError, RequestedLimits,
    SUPPORTED_WIT, Widget, WitVersion,
};
pub use self::model::*;
pub use self::operator::OperatorConfig;
pub use self::sandbox::{Allocator, EPOCH_TICK};
use self::sandbox::{EpochTicker, GuestState};

/// A plugin that just went into degraded mode.
#[derive(Clone, Debug)]
pub struct DegradationAlert {
    pub plugin: PluginInfo,
    /// The failure that opened the breaker, for the administrateur.
    pub cause: String,
}

/// A loaded plugin as operators and administrateurs see it.
#[derive(Clone, Debug)]
pub struct PluginStatus {
    pub info: PluginInfo,
    pub limits: PluginLimits,
    /// The circuit breaker is open (or trying one call).
    pub degraded: bool,
    /// `(function, outcome) -> calls`.
    pub calls: Vec<((&'static str, &'static str), u64)>,
    pub duration_us_total: u64,
    pub refused_while_degraded: u64,
    /// Newest first.
    pub recent_errors: Vec<RecentError>,
    /// Info, warn and error records the plugin logged, newest first.
    pub recent_logs: Vec<health::RecentLog>,
}

/// Runs plugins. One per process, shared as `Arc<PluginHost>`.
pub struct PluginHost {
    engine: Engine,
    linker: Linker<GuestState>,
    /// For plugins that ask for nothing in particular.
    limits: PluginLimits,
    /// The most a plugin may ask for.
    ceiling: PluginLimits,
    /// Compiled components on disk, when the host has a data folder.
    compiled: Option<CompileCache>,
    calls: Semaphore,
    /// At most this many of `calls` go to one plugin.
    max_calls_per_plugin: usize,
    /// At most half of `calls` go to one extension point: a burst of
    /// attestations never takes the slots champ validation needs.
    per_extension_point: BTreeMap<ExtensionPoint, Semaphore>,
    /// What the operator granted each plugin; read at load.
    operator: RwLock<OperatorConfig>,
    /// The `cache` host interface's entries, per plugin.
    cache: Arc<PluginCache>,
    /// Degradations not yet reported to administrateurs.
    alerts: Mutex<Vec<DegradationAlert>>,
    allocator: Allocator,
    plugins: RwLock<BTreeMap<String, Arc<LoadedPlugin>>>,
    // Last field: dropped after the engine handle above, and its Drop joins
    // the thread so no tick outlives the host.
    _ticker: EpochTicker,
}

impl PluginHost {
    /// A host allowing [`DEFAULT_MAX_CONCURRENT_CALLS`] concurrent calls.
    pub fn new(limits: PluginLimits) -> Result<Self, PluginError> {
        Self::with_max_concurrent_calls(limits, DEFAULT_MAX_CONCURRENT_CALLS)
    }

    /// A host allowing `max_concurrent_calls` plugin calls at a time; more
    /// get [`PluginError::Busy`].
    pub fn with_max_concurrent_calls(limits: PluginLimits, max_concurrent_calls: usize) -> Result<Self, PluginError> {
        Self::with_options(limits, max_concurrent_calls, None)
    }

    /// A host allowing `max_concurrent_calls` plugin calls at a time, which
    /// keeps compiled components in `cache_dir` across restarts.
    pub fn with_options(
        limits: PluginLimits,
        max_concurrent_calls: usize,
        cache_dir: Option<&Path>,
    ) -> Result<Self, PluginError> {
        let setup = |reason: String| PluginError::Setup(reason);
        if limits.cpu_deadline.is_zero() || limits.wall_timeout.is_zero() {
            return Err(setup("plugin deadlines must be positive".to_owned()));
        }
        if limits.memory_bytes < 64 * 1024 {
            return Err(setup("plugin memory limit must be at least one 64 KiB page".to_owned()));
        }
        let slots = u32::try_from(max_concurrent_calls)
            .ok()
            .filter(|&n| n > 0 && n as usize <= Semaphore::MAX_PERMITS)
            .ok_or_else(|| setup(format!("invalid plugin concurrency {max_concurrent_calls}")))?;
        let ceiling = limits.max(PluginLimits::CEILING);
        let (engine, allocator) =
            sandbox::build_engine(ceiling.memory_bytes, slots).map_err(|error| setup(format!("{error:#}")))?;
        let compiled = cache_dir.and_then(|dir| match CompileCache::new(&engine, dir) {
            Ok(cache) => Some(cache),
            Err(error) => {
                tracing::warn!(dir = %dir.display(), %error, "plugin compile cache unavailable, compiling at every load");
                None
            }
        });
        let linker = bindings::build_linker(&engine).map_err(|error| setup(format!("{error:#}")))?;
        let ticker = EpochTicker::start(&engine).map_err(|error| setup(format!("epoch thread: {error}")))?;
        tracing::info!(?allocator, ?limits, max_concurrent_calls, "plugin host ready");
        Ok(Self {
            engine,
            linker,
            limits,
            ceiling,
            compiled,
            calls: Semaphore::new(max_concurrent_calls),
            max_calls_per_plugin: (max_concurrent_calls / PLUGIN_SHARE_DIVISOR).max(1),
            per_extension_point: [
                ExtensionPoint::TypeDeChamp,
                ExtensionPoint::Routage,
                ExtensionPoint::Attestation,
                ExtensionPoint::RendezVous,
            ]
            .into_iter()
            .map(|point| (point, Semaphore::new((max_concurrent_calls / 2).max(1))))
            .collect(),
            operator: RwLock::new(OperatorConfig::default()),
            cache: Arc::new(PluginCache::default()),
            alerts: Mutex::new(Vec::new()),
            allocator,
            plugins: RwLock::new(BTreeMap::new()),
            _ticker: ticker,
        })
    }

    pub fn limits(&self) -> PluginLimits {
        self.limits
    }

    /// What the operator grants plugins (origins, config, secrets). Applies
    /// to plugins loaded from now on: set it before loading, or reload.
    pub fn set_operator_config(&self, config: OperatorConfig) {
        *self.operator.write().unwrap_or_else(PoisonError::into_inner) = config;
    }

    /// Whether instances come from the pooling allocator (the fast path) or
    /// are allocated on demand.
    pub fn allocator(&self) -> Allocator {
        self.allocator
    }

    /// Every loaded plugin of one extension point, sorted by id.
    pub fn plugins_of(&self, point: ExtensionPoint) -> Vec<PluginInfo> {
        self.plugins
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .values()
            .filter(|plugin| plugin.info.provides == point)
            .map(|plugin| plugin.info.clone())
            .collect()
    }

    /// The loaded plugin `id`, whatever it provides.
    pub fn plugin(&self, id: &str) -> Option<PluginInfo> {
        self.get(id).map(|plugin| plugin.info.clone())
    }

    /// Whether settings fit the `options-schema` the loaded version of
    /// `plugin` declares: `Err` holds the JSON pointer of the culprit and
    /// why (technical English), as calls with these settings would report.
    pub fn check_options(&self, plugin: &str, options_json: &str) -> Result<(), String> {
        self.get(plugin).map_or(Ok(()), |p| p.check_options(options_json))
    }

    fn plugin_providing(&self, id: &str, wanted: ExtensionPoint) -> Result<Arc<LoadedPlugin>, PluginError> {
        let plugin = self.get(id).ok_or_else(|| PluginError::UnknownType(id.to_owned()))?;
        if plugin.info.provides != wanted {
            return Err(PluginError::WrongExtensionPoint {
                plugin: id.to_owned(),
                provides: plugin.info.provides,
                wanted,
            });
        }
        Ok(plugin)
    }

    /// The plugins degraded since the last call, for the job that tells
    /// their administrateurs. Each degradation is handed out once.
    pub fn take_degradation_alerts(&self) -> Vec<DegradationAlert> {
        std::mem::take(&mut *self.alerts.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// What the administrateur's page and the metrics show of each plugin.
    pub fn statuses(&self) -> Vec<PluginStatus> {
        let plugins = self.plugins.read().unwrap_or_else(PoisonError::into_inner);
        plugins
            .values()
            .map(|plugin| {
                let health = plugin.health();
                PluginStatus {
                    info: plugin.info.clone(),
                    limits: plugin.limits,
                    degraded: !matches!(health.state(), health::BreakerState::Closed),
                    calls: health.counters.calls.clone(),
                    duration_us_total: health.counters.duration_us_total,
                    refused_while_degraded: health.counters.refused_while_degraded,
                    recent_errors: health.recent_errors().cloned().collect(),
                    recent_logs: health.recent_logs().cloned().collect(),
                }
            })
            .collect()
    }

    fn get(&self, id: &str) -> Option<Arc<LoadedPlugin>> {
        self.plugins.read().unwrap_or_else(PoisonError::into_inner).get(id).cloned()
    }

    fn register(&self, plugin: LoadedPlugin) -> PluginInfo {
        let info = plugin.info.clone();
        tracing::info!(plugin.id = %info.id, plugin.version = %info.version, wit = %info.wit, "plugin loaded");
        self.plugins.write().unwrap_or_else(PoisonError::into_inner).insert(info.id.clone(), Arc::new(plugin));
        info
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plugin_host_is_shareable() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<PluginHost>();
        assert_send_sync::<PluginError>();
    }
}
