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

mod bindings;
pub mod cache;
mod calls;
mod compiled;
pub mod health;
mod http_hooks;
pub mod manifest;
pub mod model;
pub mod operator;
pub mod outbound;
mod render;
mod sandbox;
mod schema;
mod services;
pub mod settings;

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};
use tokio::sync::Semaphore;
use tracing::Instrument;
use wasmtime::component::{Component, HasSelf, Linker};
use wasmtime::{Engine, Store, Trap, UpdateDeadline};

use self::bindings::v0_1;
use self::bindings::v0_2;
use self::cache::PluginCache;
use self::calls::{Answer, Call, Described, Pre};
use self::compiled::{CompileCache, Fingerprint};
use self::health::{Health, RecentError, Verdict};
pub use self::manifest::{
    ExtensionPoint, MAX_MANIFEST_BYTES, Manifest, ManifestError, RequestedLimits, SUPPORTED_WIT, WitVersion,
};
pub use self::model::*;
pub use self::operator::OperatorConfig;
pub use self::sandbox::{Allocator, EPOCH_TICK};
use self::sandbox::{EpochTicker, GuestState, LogSink, truncate};
use self::services::Services;

/// Concurrent plugin calls per host when not configured. Each call may hold
/// up to `memory_bytes` of guest memory plus a 2 MiB fiber stack, so this
/// bounds plugin memory at 64 × (32 + 2) MiB with the default limits, and
/// sizes the pooling allocator.
pub const DEFAULT_MAX_CONCURRENT_CALLS: usize = 64;

/// One plugin may use at most 1/4 of the host's concurrent calls (16 of the
/// default 64): a plugin whose calls all hit their deadline (a dead upstream,
/// a loop) then holds a quarter of the slots, and the others still run.
pub const PLUGIN_SHARE_DIVISOR: usize = 4;

/// Largest `.wasm` file loaded. Compilation time and memory grow with the
/// component; 32 MiB leaves room for interpreted-language components (about
/// 18 MB for Python) while refusing anything absurd before Cranelift sees it.
pub const MAX_COMPONENT_BYTES: u64 = 32 * 1024 * 1024;

/// Largest value sent to `validate`. Champ values are typed by usagers into a
/// form; the cap stops a crafted request from making every plugin copy
/// megabytes into its memory.
pub const MAX_VALUE_BYTES: usize = 64 * 1024;

/// Largest options JSON sent to `validate` (set by administrateurs).
pub const MAX_OPTIONS_BYTES: usize = 256 * 1024;

/// Largest answer accepted from a plugin (normalized value, or all field
/// errors together, or the description). Answers are stored with dossiers
/// and shown in pages: a plugin must not be able to bloat either.
pub const MAX_ANSWER_BYTES: usize = 64 * 1024;

/// Bytes kept of a guest error or trap message. They go to logs and API
/// errors, never to usagers.
const MAX_REASON_BYTES: usize = 1_000;

/// Largest rendered attestation accepted from a plugin: a few pages with a
/// logo weigh a few hundred kilobytes; this stops a plugin filling the
/// storage with one dossier.
pub const MAX_DOCUMENT_BYTES: usize = 8 * 1024 * 1024;

/// Most autocomplete proposals asked for and accepted: a list longer than
/// this is unusable on a phone and costs the upstream API for nothing.
pub const MAX_SUGGESTIONS: u32 = 20;

/// Shortest autocomplete query sent to a plugin: shorter ones match too
/// much to be useful and would hit upstream APIs at every keystroke.
pub const MIN_SUGGEST_QUERY_CHARS: usize = 3;

/// Wall-clock cap of one `suggest` call, whatever the plugin asks for: the
/// usager is typing, a late answer is a useless answer.
pub const SUGGEST_WALL_TIMEOUT: Duration = Duration::from_secs(2);

/// Champs and groupes sent to a routing rule, attestation or rendez-vous
/// plugin: a form has at most a few hundred champs; the cap bounds what a
/// crafted démarche makes the host copy into guest memory.
pub const MAX_SNAPSHOT_CHAMPS: usize = 2_000;
pub const MAX_GROUPES: usize = 1_000;

/// Bytes of a dossier snapshot (all values and données together).
pub const MAX_SNAPSHOT_BYTES: usize = 4 * 1024 * 1024;

/// Largest image sent with an attestation template (logo, signature).
pub const MAX_TEMPLATE_IMAGE_BYTES: usize = 2 * 1024 * 1024;

/// Per-call resource limits, the same for every plugin of a host.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PluginLimits {
    /// CPU time a call may spend in guest code, enforced by epoch
    /// interruption with a resolution of [`EPOCH_TICK`]: the guest is stopped
    /// between `cpu_deadline - EPOCH_TICK` and `cpu_deadline` of running time.
    pub cpu_deadline: Duration,
    /// Wall-clock time for the whole call (instantiation, guest code, host
    /// calls, waiting for a worker thread). Epochs do not advance while the
    /// guest waits on the host, this does.
    pub wall_timeout: Duration,
    /// Linear memory of one call, all memories of the instance together.
    pub memory_bytes: usize,
}

impl PluginLimits {
    /// The most any plugin may ask for in its manifest, unless the host was
    /// built with larger defaults. Bounds what one call can take from the
    /// machine: 2 s of a core, 256 MiB of memory (an interpreted guest needs
    /// about 12 MiB to start, so this leaves it room to work).
    pub const CEILING: PluginLimits = PluginLimits {
        cpu_deadline: Duration::from_secs(2),
        wall_timeout: Duration::from_secs(10),
        memory_bytes: 256 * 1024 * 1024,
    };

    /// Component-wise maximum.
    fn max(self, other: PluginLimits) -> PluginLimits {
        PluginLimits {
            cpu_deadline: self.cpu_deadline.max(other.cpu_deadline),
            wall_timeout: self.wall_timeout.max(other.wall_timeout),
            memory_bytes: self.memory_bytes.max(other.memory_bytes),
        }
    }

    /// What a plugin asking for `requested` gets: its requests, the host's
    /// defaults for the rest. `Err` names the first request over `ceiling`.
    fn grant(self, requested: RequestedLimits, ceiling: PluginLimits) -> Result<PluginLimits, String> {
        let granted = PluginLimits {
            cpu_deadline: requested.cpu.unwrap_or(self.cpu_deadline),
            wall_timeout: requested.wall.unwrap_or(self.wall_timeout),
            memory_bytes: requested.memory_bytes.unwrap_or(self.memory_bytes),
        };
        if granted.cpu_deadline > ceiling.cpu_deadline {
            return Err(format!(
                "asks for {:?} of CPU per call, this host allows {:?}",
                granted.cpu_deadline, ceiling.cpu_deadline
            ));
        }
        if granted.wall_timeout > ceiling.wall_timeout {
            return Err(format!(
                "asks for {:?} per call, this host allows {:?}",
                granted.wall_timeout, ceiling.wall_timeout
            ));
        }
        if granted.memory_bytes > ceiling.memory_bytes {
            return Err(format!(
                "asks for {} MiB per call, this host allows {} MiB",
                granted.memory_bytes >> 20,
                ceiling.memory_bytes >> 20
            ));
        }
        Ok(granted)
    }
}

impl Default for PluginLimits {
    /// Fit for a champ's `validate`: a SIRET check takes about 5k wasm
    /// instructions and 1 MiB of memory.
    fn default() -> Self {
        Self {
            cpu_deadline: Duration::from_millis(50),
            wall_timeout: Duration::from_secs(1),
            memory_bytes: 32 * 1024 * 1024,
        }
    }
}

/// A plugin that just went into degraded mode.
#[derive(Clone, Debug)]
pub struct DegradationAlert {
    pub plugin: PluginInfo,
    /// The failure that opened the breaker, for the administrateur.
    pub cause: String,
}

/// What a reload changed, by plugin id.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Reload {
    pub added: Vec<String>,
    /// `"id old → new"`.
    pub upgraded: Vec<String>,
    pub unchanged: Vec<String>,
    pub removed: Vec<String>,
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

/// A failure the plugin itself reported (the WIT `plugin-error`). Messages are
/// technical English from the plugin, for logs.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum GuestError {
    #[error("invalid input: {0}")]
    InvalidInput(String),
    #[error("upstream unavailable: {0}")]
    UpstreamUnavailable(String),
    #[error("misconfigured: {0}")]
    Misconfigured(String),
    #[error("internal error: {0}")]
    Internal(String),
}

/// Why a plugin operation failed. Display texts are technical English; the
/// caller chooses what the usager sees.
#[derive(Debug, thiserror::Error)]
pub enum PluginError {
    #[error("no plugin provides champ type {0:?}")]
    UnknownType(String),
    #[error("plugin host setup failed: {0}")]
    Setup(String),
    #[error("cannot load plugin {plugin}: {reason}")]
    Load { plugin: String, reason: String },
    #[error("plugin {plugin} targets {wit:?}, which this host does not support (supported: {supported})", supported = supported_wit_list())]
    UnsupportedWit { plugin: String, wit: String },
    #[error("plugin {plugin} exceeded its CPU deadline")]
    DeadlineExceeded { plugin: String },
    #[error("plugin {plugin} did not answer within its wall-clock timeout")]
    TimedOut { plugin: String },
    #[error("plugin {plugin} exceeded its memory limit")]
    MemoryExceeded { plugin: String },
    #[error("plugin {plugin} trapped: {reason}")]
    Trap { plugin: String, reason: String },
    #[error("plugin {plugin} failed: {error}")]
    Guest { plugin: String, error: GuestError },
    #[error("plugin {plugin} broke its contract: {reason}")]
    BadAnswer { plugin: String, reason: String },
    #[error("{what} for plugin {plugin} is {bytes} bytes, more than the {max} allowed")]
    InputTooLarge { plugin: String, what: &'static str, bytes: usize, max: usize },
    #[error("options for plugin {plugin} are invalid: {reason}")]
    InvalidOptions { plugin: String, reason: String },
    #[error("too many concurrent plugin calls, {plugin} not called")]
    Busy { plugin: String },
    /// The plugin does not provide what was asked (for example routing with
    /// a champ-type plugin).
    #[error("plugin {plugin} provides {provides}, not {wanted}")]
    WrongExtensionPoint { plugin: String, provides: ExtensionPoint, wanted: ExtensionPoint },
    /// The circuit breaker is open: the plugin failed repeatedly and is not
    /// called until its pause is over.
    #[error("plugin {plugin} is degraded after repeated failures, not called")]
    Degraded { plugin: String },
}

fn supported_wit_list() -> String {
    SUPPORTED_WIT.iter().map(WitVersion::to_string).collect::<Vec<_>>().join(", ")
}

impl PluginError {
    /// Short label for logs and metrics.
    fn outcome(&self) -> &'static str {
        match self {
            PluginError::UnknownType(_) => "unknown_type",
            PluginError::Setup(_) => "setup",
            PluginError::Load { .. } => "load",
            PluginError::UnsupportedWit { .. } => "unsupported_wit",
            PluginError::DeadlineExceeded { .. } => "deadline_exceeded",
            PluginError::TimedOut { .. } => "timed_out",
            PluginError::MemoryExceeded { .. } => "memory_exceeded",
            PluginError::Trap { .. } => "trap",
            PluginError::Guest { .. } => "guest_error",
            PluginError::BadAnswer { .. } => "bad_answer",
            PluginError::InputTooLarge { .. } => "input_too_large",
            PluginError::InvalidOptions { .. } => "invalid_options",
            PluginError::Busy { .. } => "busy",
            PluginError::Degraded { .. } => "degraded",
            PluginError::WrongExtensionPoint { .. } => "wrong_extension_point",
        }
    }

    /// Whether asking again later may succeed: the value is then kept and
    /// checked by a job instead of blocking the usager. An unknown type, a
    /// value too large or bad options will fail the same way every time.
    pub fn is_transient(&self) -> bool {
        !matches!(
            self,
            PluginError::UnknownType(_)
                | PluginError::InputTooLarge { .. }
                | PluginError::InvalidOptions { .. }
                | PluginError::WrongExtensionPoint { .. }
                | PluginError::Guest { error: GuestError::InvalidInput(_), .. }
        )
    }

    /// What this error says about the plugin, for its circuit breaker. A
    /// deadline, a trap, a broken answer or an internal error is the
    /// plugin's fault; what the host refused before running it is not.
    fn verdict(&self) -> Verdict {
        match self {
            PluginError::DeadlineExceeded { .. }
            | PluginError::TimedOut { .. }
            | PluginError::MemoryExceeded { .. }
            | PluginError::Trap { .. }
            | PluginError::BadAnswer { .. } => Verdict::Faulty(self.to_string()),
            PluginError::Guest { error: GuestError::InvalidInput(_), .. } => Verdict::Healthy,
            // The administrateur's or operator's settings, not the plugin.
            PluginError::Guest { error: GuestError::Misconfigured(_), .. } => Verdict::Neutral,
            PluginError::Guest { .. } => Verdict::Faulty(self.to_string()),
            PluginError::UnknownType(_)
            | PluginError::Setup(_)
            | PluginError::Load { .. }
            | PluginError::UnsupportedWit { .. }
            | PluginError::InputTooLarge { .. }
            | PluginError::InvalidOptions { .. }
            | PluginError::Busy { .. }
            | PluginError::WrongExtensionPoint { .. }
            | PluginError::Degraded { .. } => Verdict::Neutral,
        }
    }
}

/// A compiled plugin, ready to be instantiated for each call.
struct LoadedPlugin {
    info: PluginInfo,
    pre: Pre,
    /// Its config, secrets, cache and outbound policy.
    services: Arc<Services>,
    /// Shared with every call's log sink.
    id: Arc<str>,
    version: Arc<str>,
    /// What each call of this plugin may use (its manifest's requests,
    /// granted within the host's ceiling).
    limits: PluginLimits,
    /// `limits.cpu_deadline` in epoch ticks.
    epoch_budget: u64,
    /// Circuit breaker, counters and recent errors of this version.
    health: Mutex<Health>,
    /// Of the `.wasm` bytes: tells a reload whether anything changed.
    sha256: String,
    /// Where it was loaded from, for error messages.
    dir: PathBuf,
    /// This plugin's share of the host's concurrent calls.
    calls: Semaphore,
    /// Its `options-schema`, parsed once; `None` when it constrains nothing,
    /// so the common case costs no parse per call.
    options_schema: Option<serde_json::Value>,
}

impl LoadedPlugin {
    /// Options as every plugin can rely on them: a JSON object, matching
    /// the `options-schema` it declared (settings saved before an upgrade
    /// changed it must not reach code that assumes the new shape). Parsed
    /// once: into values only when a schema needs them, skipped otherwise
    /// (this runs on every call).
    fn check_options(&self, options_json: &str) -> Result<(), String> {
        let Some(schema) = &self.options_schema else {
            return serde_json::from_str::<std::collections::BTreeMap<String, serde::de::IgnoredAny>>(options_json)
                .map(|_| ())
                .map_err(|error| if error.is_data() { "not an object".to_owned() } else { error.to_string() });
        };
        match serde_json::from_str::<serde_json::Value>(options_json) {
            Ok(options @ serde_json::Value::Object(_)) => schema::check(schema, &options),
            Ok(_) => Err("not an object".to_owned()),
            Err(error) => Err(error.to_string()),
        }
    }

    fn health(&self) -> std::sync::MutexGuard<'_, Health> {
        // A panic while holding it leaves counters, not invariants, behind.
        self.health.lock().unwrap_or_else(PoisonError::into_inner)
    }
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
        let linker = build_linker(&engine).map_err(|error| setup(format!("{error:#}")))?;
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

    /// Loads every plugin under `dir`, one per subdirectory, and registers
    /// them all, or none if any fails (the error names the culprit). A
    /// missing `dir` means no plugins. Hidden entries and plain files are
    /// ignored.
    pub async fn load_dir(&self, dir: &Path) -> Result<Vec<PluginInfo>, PluginError> {
        self.load_dirs(&[dir.to_path_buf()]).await
    }

    /// [`Self::load_dir`] over several folders (first-party, examples…); an
    /// id found in two of them is refused.
    pub async fn load_dirs(&self, dirs: &[PathBuf]) -> Result<Vec<PluginInfo>, PluginError> {
        let loaded = self.prepare_dirs(dirs).await?;
        Ok(loaded.into_iter().map(|plugin| self.register(plugin)).collect())
    }

    /// Makes the loaded set exactly what `dir` holds now, for an operator
    /// who installed, upgraded or removed plugins while the server runs
    /// (SIGHUP). All or nothing: if any plugin there fails to load, the
    /// running set is kept and the error names the culprit. The swap is
    /// atomic; calls already running finish on the version they started
    /// with. An unchanged plugin (same bytes) keeps its circuit breaker.
    pub async fn reload_dir(&self, dir: &Path) -> Result<Reload, PluginError> {
        self.reload_dirs(&[dir.to_path_buf()]).await
    }

    /// [`Self::reload_dir`] over several folders.
    pub async fn reload_dirs(&self, dirs: &[PathBuf]) -> Result<Reload, PluginError> {
        let prepared = self.prepare_dirs(dirs).await?;
        let mut plugins = self.plugins.write().unwrap_or_else(PoisonError::into_inner);
        let mut next = BTreeMap::new();
        let mut reload = Reload::default();
        for plugin in prepared {
            let id = plugin.info.id.clone();
            match plugins.remove(&id) {
                Some(old) if old.sha256 == plugin.sha256 => {
                    reload.unchanged.push(id.clone());
                    next.insert(id, old);
                }
                Some(old) => {
                    reload.upgraded.push(format!("{id} {} → {}", old.info.version, plugin.info.version));
                    next.insert(id, Arc::new(plugin));
                }
                None => {
                    reload.added.push(id.clone());
                    next.insert(id, Arc::new(plugin));
                }
            }
        }
        reload.removed = plugins.keys().cloned().collect();
        *plugins = next;
        drop(plugins);
        tracing::info!(?reload, ?dirs, "plugins reloaded");
        Ok(reload)
    }

    /// Prepares every plugin under `dirs` without registering any.
    async fn prepare_dirs(&self, dirs: &[PathBuf]) -> Result<Vec<LoadedPlugin>, PluginError> {
        let mut plugin_dirs = Vec::new();
        for dir in dirs {
            match plugin_subdirectories(dir).await {
                Ok(found) => plugin_dirs.extend(found),
                Err(error) if error.kind() == io::ErrorKind::NotFound => {}
                Err(error) => {
                    return Err(PluginError::Load {
                        plugin: dir.display().to_string(),
                        reason: format!("cannot list plugin directory: {error}"),
                    });
                }
            }
        }
        let mut loaded: Vec<LoadedPlugin> = Vec::with_capacity(plugin_dirs.len());
        for plugin_dir in &plugin_dirs {
            let plugin = self.prepare(plugin_dir).await?;
            if let Some(other) = loaded.iter().find(|other| other.info.id == plugin.info.id) {
                return Err(PluginError::Load {
                    plugin: plugin.info.id.clone(),
                    reason: format!(
                        "id declared twice, in {} (version {}) and {} (version {})",
                        other.dir.display(),
                        other.info.version,
                        plugin_dir.display(),
                        plugin.info.version
                    ),
                });
            }
            loaded.push(plugin);
        }
        Ok(loaded)
    }

    /// Loads the plugin in `plugin_dir` (`plugin.toml` + `<id>.wasm`) and
    /// registers it, replacing any loaded plugin with the same id; calls
    /// already running finish on the old one.
    pub async fn load_plugin(&self, plugin_dir: &Path) -> Result<PluginInfo, PluginError> {
        let plugin = self.prepare(plugin_dir).await?;
        Ok(self.register(plugin))
    }

    /// Every loaded champ type, sorted by id.
    pub fn types_de_champ(&self) -> Vec<PluginInfo> {
        self.plugins_of(ExtensionPoint::TypeDeChamp)
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

    /// The champ type `id`, if a loaded plugin provides it.
    pub fn type_de_champ(&self, id: &str) -> Option<PluginInfo> {
        self.plugin(id).filter(|info| info.provides == ExtensionPoint::TypeDeChamp)
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

    /// Checks `value` with the champ type `type_id`. `options_json` is the
    /// plugin's settings on the démarche, a JSON object (`"{}"` when none).
    ///
    /// `Ok(Invalid(..))` is the usager's mistake; `Err(..)` is not, and the
    /// value should be neither accepted nor blamed on the usager.
    pub async fn validate(
        &self,
        type_id: &str,
        value: &str,
        options_json: &str,
    ) -> Result<PluginValidation, PluginError> {
        let plugin = self.champ_plugin(type_id)?;
        check_input_size(&plugin.info.id, "value", value.len(), MAX_VALUE_BYTES)?;
        let call = Call::Validate { value, options: options_json };
        self.guarded(&plugin, options_json, call, |id, answer| match answer {
            Answer::Validate(Ok(validation)) => into_validation(id, validation),
            Answer::Validate(Err(error)) => Err(guest(id, error)),
            Answer::ValidateV1(Ok(validation)) => into_validation(id, v1_validation(validation)),
            Answer::ValidateV1(Err(error)) => Err(guest(id, v1_error(error))),
            _ => Err(mismatch(id, call)),
        })
        .await
    }

    /// Autocomplete proposals for `query` (champ types with the `suggest`
    /// capability; none for the others or for queries under
    /// [`MIN_SUGGEST_QUERY_CHARS`]).
    pub async fn suggest(
        &self,
        type_id: &str,
        query: &str,
        options_json: &str,
        limit: u32,
    ) -> Result<Vec<Suggestion>, PluginError> {
        let plugin = self.champ_plugin(type_id)?;
        let query = query.trim();
        if !plugin.info.has(Capability::Suggest) || query.chars().count() < MIN_SUGGEST_QUERY_CHARS {
            return Ok(Vec::new());
        }
        check_input_size(&plugin.info.id, "query", query.len(), MAX_VALUE_BYTES)?;
        let limit = limit.clamp(1, MAX_SUGGESTIONS);
        let call = Call::Suggest { query, options: options_json, limit };
        self.guarded(&plugin, options_json, call, |id, answer| match answer {
            Answer::Suggest(Ok(list)) => {
                if list.len() > limit as usize {
                    return Err(bad(id, format!("{} suggestions, {limit} asked for", list.len())));
                }
                let bytes: usize = list.iter().map(|s| s.value.len() + s.label.len() + s.donnees.len()).sum();
                if bytes > MAX_ANSWER_BYTES {
                    return Err(bad(id, format!("suggestions are {bytes} bytes")));
                }
                list.into_iter()
                    .map(|s| {
                        check_donnees(id, &plugin.info, "suggestion donnees", &s.donnees)?;
                        Ok(Suggestion { value: s.value, label: s.label, donnees: s.donnees })
                    })
                    .collect()
            }
            Answer::Suggest(Err(error)) => Err(guest(id, error)),
            _ => Err(mismatch(id, call)),
        })
        .await
    }

    /// Data about a valid value (champ types with the `enrich` capability;
    /// `Ok(Ok(None))` for the others). `Ok(Err(..))`: the value does not
    /// exist upstream, errors for the usager.
    pub async fn enrich(
        &self,
        type_id: &str,
        value: &str,
        options_json: &str,
    ) -> Result<Result<Option<Enrichment>, Vec<PluginFieldError>>, PluginError> {
        let plugin = self.champ_plugin(type_id)?;
        if !plugin.info.has(Capability::Enrich) {
            return Ok(Ok(None));
        }
        check_input_size(&plugin.info.id, "value", value.len(), MAX_VALUE_BYTES)?;
        let call = Call::Enrich { value, options: options_json };
        self.guarded(&plugin, options_json, call, |id, answer| match answer {
            Answer::Enrich(Ok(Ok(enrichment))) => {
                let bytes = enrichment.donnees.len()
                    + enrichment.resume.iter().map(|(label, value)| label.len() + value.len()).sum::<usize>();
                if bytes > MAX_ANSWER_BYTES {
                    return Err(bad(id, format!("enrichment is {bytes} bytes")));
                }
                check_donnees(id, &plugin.info, "donnees", &enrichment.donnees)?;
                Ok(Ok(Some(Enrichment { donnees: enrichment.donnees, resume: enrichment.resume })))
            }
            Answer::Enrich(Ok(Err(errors))) => field_errors(id, errors).map(Err),
            Answer::Enrich(Err(error)) => Err(guest(id, error)),
            _ => Err(mismatch(id, call)),
        })
        .await
    }

    /// The value as pages and PDFs show it: the plugin's `display`, or the
    /// value itself without the capability.
    pub async fn display(
        &self,
        type_id: &str,
        value: &str,
        donnees: Option<&str>,
        options_json: &str,
    ) -> Result<String, PluginError> {
        self.text_call(type_id, Capability::Display, Call::Display { value, donnees, options: options_json }, value)
            .await
    }

    /// The words instructeurs can search by: the plugin's `search-text`, or
    /// the value itself.
    pub async fn search_text(
        &self,
        type_id: &str,
        value: &str,
        donnees: Option<&str>,
        options_json: &str,
    ) -> Result<String, PluginError> {
        self.text_call(
            type_id,
            Capability::SearchText,
            Call::SearchText { value, donnees, options: options_json },
            value,
        )
        .await
    }

    /// The champ's export columns; `None` without the `export` capability
    /// (one column: the value).
    pub async fn export_columns(
        &self,
        type_id: &str,
        options_json: &str,
    ) -> Result<Option<Vec<ExportColumn>>, PluginError> {
        let plugin = self.champ_plugin(type_id)?;
        if !plugin.info.has(Capability::Export) {
            return Ok(None);
        }
        let call = Call::ExportColumns { options: options_json };
        self.guarded(&plugin, options_json, call, |id, answer| match answer {
            Answer::ExportColumns(Ok(columns)) => {
                if columns.is_empty() || columns.len() > MAX_EXPORT_COLUMNS {
                    return Err(bad(id, format!("{} export columns", columns.len())));
                }
                Ok(Some(columns.into_iter().map(|c| ExportColumn { id: c.id, libelle: c.libelle }).collect()))
            }
            Answer::ExportColumns(Err(error)) => Err(guest(id, error)),
            _ => Err(mismatch(id, call)),
        })
        .await
    }

    /// One cell per export column; `[value]` without the capability.
    pub async fn export_values(
        &self,
        type_id: &str,
        value: &str,
        donnees: Option<&str>,
        options_json: &str,
    ) -> Result<Vec<String>, PluginError> {
        let plugin = self.champ_plugin(type_id)?;
        if !plugin.info.has(Capability::Export) {
            return Ok(vec![value.to_owned()]);
        }
        check_input_size(&plugin.info.id, "value", value.len(), MAX_VALUE_BYTES)?;
        check_input_size(&plugin.info.id, "donnees", donnees.map_or(0, str::len), MAX_ANSWER_BYTES)?;
        let call = Call::ExportValues { value, donnees, options: options_json };
        self.guarded(&plugin, options_json, call, |id, answer| match answer {
            Answer::Texts(Ok(cells)) => {
                let bytes: usize = cells.iter().map(String::len).sum();
                if cells.len() > MAX_EXPORT_COLUMNS || bytes > MAX_ANSWER_BYTES {
                    return Err(bad(id, format!("{} export cells, {bytes} bytes", cells.len())));
                }
                Ok(cells)
            }
            Answer::Texts(Err(error)) => Err(guest(id, error)),
            _ => Err(mismatch(id, call)),
        })
        .await
    }

    /// Asks the routing rule `plugin_id` which of `groupes` receives
    /// `dossier`. The caller falls back to the default groupe on `Err`.
    pub async fn route(
        &self,
        plugin_id: &str,
        dossier: &DossierSnapshot,
        groupes: &[GroupeSnapshot],
        options_json: &str,
    ) -> Result<RoutageDecision, PluginError> {
        let plugin = self.plugin_providing(plugin_id, ExtensionPoint::Routage)?;
        check_snapshot(&plugin.info.id, dossier)?;
        check_input_size(&plugin.info.id, "groupes", groupes.len(), MAX_GROUPES)?;
        let call = Call::Route { dossier, groupes, options: options_json };
        self.guarded(&plugin, options_json, call, |id, answer| match answer {
            Answer::Route(Ok(decision)) => {
                if decision.groupe.is_some_and(|chosen| !groupes.iter().any(|g| g.id == chosen)) {
                    return Err(bad(id, "chose a groupe that was not offered".to_owned()));
                }
                if decision.explication.len() > MAX_REASON_BYTES {
                    return Err(bad(id, format!("explication is {} bytes", decision.explication.len())));
                }
                Ok(RoutageDecision { groupe: decision.groupe, explication: decision.explication })
            }
            Answer::Route(Err(error)) => Err(guest(id, error)),
            _ => Err(mismatch(id, call)),
        })
        .await
    }

    /// Renders the attestation of `dossier` with the attestation plugin
    /// `plugin_id`.
    pub async fn render_attestation(
        &self,
        plugin_id: &str,
        dossier: &DossierSnapshot,
        template: &AttestationTemplate,
        verification_url: &str,
        options_json: &str,
    ) -> Result<AttestationDocument, PluginError> {
        let plugin = self.plugin_providing(plugin_id, ExtensionPoint::Attestation)?;
        check_snapshot(&plugin.info.id, dossier)?;
        let template_bytes = template.titre.len()
            + template.corps.len()
            + template.pied_de_page.len()
            + template.entete.iter().map(String::len).sum::<usize>();
        check_input_size(&plugin.info.id, "template", template_bytes, MAX_OPTIONS_BYTES)?;
        for image in template.logo.iter().chain(&template.signature) {
            check_input_size(&plugin.info.id, "template image", image.data.len(), MAX_TEMPLATE_IMAGE_BYTES)?;
        }
        check_input_size(&plugin.info.id, "verification URL", verification_url.len(), MAX_URL_BYTES)?;
        let call = Call::Render { dossier, template, verification_url, options: options_json };
        self.guarded(&plugin, options_json, call, |id, answer| match answer {
            Answer::Render(Ok(document)) => {
                if document.data.len() > MAX_DOCUMENT_BYTES {
                    return Err(bad(id, format!("document is {} bytes", document.data.len())));
                }
                if document.media_type != "application/pdf" || !document.data.starts_with(b"%PDF-") {
                    return Err(bad(id, format!("document is not a PDF ({:?})", document.media_type)));
                }
                if !is_plain_filename(&document.filename) {
                    return Err(bad(id, format!("file name {:?} is not a plain .pdf name", document.filename)));
                }
                Ok(AttestationDocument {
                    media_type: document.media_type,
                    filename: document.filename,
                    data: document.data,
                })
            }
            Answer::Render(Err(error)) => Err(guest(id, error)),
            _ => Err(mismatch(id, call)),
        })
        .await
    }

    /// Creates an appointment proposal for `dossier` on the service behind
    /// the rendez-vous plugin `plugin_id`.
    #[allow(clippy::too_many_arguments, reason = "mirrors the WIT function")]
    pub async fn propose_rendez_vous(
        &self,
        plugin_id: &str,
        dossier: &DossierSnapshot,
        instructeur_email: &str,
        usager: &UsagerContact,
        url_dossier: &str,
        url_retour: &str,
        options_json: &str,
    ) -> Result<PropositionRendezVous, PluginError> {
        let plugin = self.plugin_providing(plugin_id, ExtensionPoint::RendezVous)?;
        check_snapshot(&plugin.info.id, dossier)?;
        let contact = instructeur_email.len()
            + usager.email.len()
            + usager.nom.as_ref().map_or(0, String::len)
            + usager.prenom.as_ref().map_or(0, String::len);
        check_input_size(&plugin.info.id, "contacts", contact, MAX_CONTACT_BYTES)?;
        check_input_size(&plugin.info.id, "URLs", url_dossier.len() + url_retour.len(), 2 * MAX_URL_BYTES)?;
        let call = Call::Propose { dossier, instructeur_email, usager, url_dossier, url_retour, options: options_json };
        self.guarded(&plugin, options_json, call, |id, answer| match answer {
            Answer::Propose(Ok(p)) => {
                if p.reference.is_empty() || p.reference.len() > MAX_REFERENCE_BYTES {
                    return Err(bad(id, "reference empty or too long".to_owned()));
                }
                if !is_https_or_http_url(&p.url_reservation) {
                    return Err(bad(id, "url-reservation is not an http(s) URL".to_owned()));
                }
                Ok(PropositionRendezVous { reference: p.reference, url_reservation: p.url_reservation })
            }
            Answer::Propose(Err(error)) => Err(guest(id, error)),
            _ => Err(mismatch(id, call)),
        })
        .await
    }

    /// The appointments booked under a proposal, soonest first.
    pub async fn list_rendez_vous(
        &self,
        plugin_id: &str,
        reference: &str,
        options_json: &str,
    ) -> Result<Vec<RendezVous>, PluginError> {
        let plugin = self.plugin_providing(plugin_id, ExtensionPoint::RendezVous)?;
        check_input_size(&plugin.info.id, "reference", reference.len(), MAX_REFERENCE_BYTES)?;
        let call = Call::ListRendezVous { reference, options: options_json };
        self.guarded(&plugin, options_json, call, |id, answer| match answer {
            Answer::ListRendezVous(Ok(list)) => {
                if list.len() > MAX_RENDEZ_VOUS {
                    return Err(bad(id, format!("{} rendez-vous", list.len())));
                }
                let mut rendez_vous: Vec<RendezVous> = list
                    .into_iter()
                    .map(|r| RendezVous {
                        id: r.id,
                        commence_le: r.commence_le,
                        duree_minutes: r.duree_minutes,
                        etat: calls::etat_rendez_vous(r.etat),
                        modalite: calls::modalite(r.modalite),
                        motif: r.motif,
                        adresse: r.adresse,
                        url_visio: r.url_visio.filter(|url| is_https_or_http_url(url)),
                        url_gestion: r.url_gestion.filter(|url| is_https_or_http_url(url)),
                    })
                    .collect();
                if rendez_vous.iter().any(|r| chrono::DateTime::parse_from_rfc3339(&r.commence_le).is_err()) {
                    return Err(bad(id, "commence-le is not an RFC 3339 instant".to_owned()));
                }
                rendez_vous.sort_by_key(|r| chrono::DateTime::parse_from_rfc3339(&r.commence_le).ok());
                Ok(rendez_vous)
            }
            Answer::ListRendezVous(Err(error)) => Err(guest(id, error)),
            _ => Err(mismatch(id, call)),
        })
        .await
    }

    /// A champ type's display or search text, with the host's default when
    /// the plugin lacks the capability.
    async fn text_call(
        &self,
        type_id: &str,
        capability: Capability,
        call: Call<'_>,
        value: &str,
    ) -> Result<String, PluginError> {
        let plugin = self.champ_plugin(type_id)?;
        if !plugin.info.has(capability) {
            return Ok(value.to_owned());
        }
        check_input_size(&plugin.info.id, "value", value.len(), MAX_VALUE_BYTES)?;
        let (options, donnees) = match call {
            Call::Display { options, donnees, .. } | Call::SearchText { options, donnees, .. } => (options, donnees),
            _ => ("{}", None),
        };
        // Données come from the plugin's own enrich answer, capped there:
        // anything larger was not written by it.
        check_input_size(&plugin.info.id, "donnees", donnees.map_or(0, str::len), MAX_ANSWER_BYTES)?;
        self.guarded(&plugin, options, call, |id, answer| match answer {
            Answer::Text(Ok(text)) if text.len() > MAX_ANSWER_BYTES => {
                Err(bad(id, format!("text is {} bytes", text.len())))
            }
            Answer::Text(Ok(text)) => Ok(text),
            Answer::Text(Err(error)) => Err(guest(id, error)),
            _ => Err(mismatch(id, call)),
        })
        .await
    }

    fn champ_plugin(&self, type_id: &str) -> Result<Arc<LoadedPlugin>, PluginError> {
        self.get(type_id)
            .filter(|plugin| plugin.info.provides == ExtensionPoint::TypeDeChamp)
            .ok_or_else(|| PluginError::UnknownType(type_id.to_owned()))
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

    /// One call under every guard: options checked, the plugin's share, the
    /// extension point's share and a host slot taken (or `Busy`), the
    /// circuit breaker consulted and told the outcome. `convert` checks the
    /// answer and turns it into the caller's type.
    async fn guarded<T>(
        &self,
        plugin: &LoadedPlugin,
        options_json: &str,
        call: Call<'_>,
        convert: impl FnOnce(&str, Answer) -> Result<T, PluginError>,
    ) -> Result<T, PluginError> {
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
        let result = match self.call(plugin, call).await {
            Ok(answer) => convert(&plugin.info.id, answer),
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
        if plugin.health().record(Instant::now(), call.name(), outcome, started.elapsed(), verdict) {
            tracing::error!(plugin.id = %plugin.info.id, %cause, "plugin degraded after repeated failures");
            self.alerts
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(DegradationAlert { plugin: plugin.info.clone(), cause });
        }
        result
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

    /// Reads, checks, compiles and describes a plugin without registering it.
    async fn prepare(&self, plugin_dir: &Path) -> Result<LoadedPlugin, PluginError> {
        let dir_name = plugin_dir
            .file_name()
            .map_or_else(|| plugin_dir.display().to_string(), |name| name.to_string_lossy().into_owned());
        let load_error = |plugin: &str, reason: String| PluginError::Load { plugin: plugin.to_owned(), reason };

        let manifest_path = plugin_dir.join("plugin.toml");
        let manifest_bytes =
            read_capped(&manifest_path, MAX_MANIFEST_BYTES).await.map_err(|reason| load_error(&dir_name, reason))?;
        let manifest_text = String::from_utf8(manifest_bytes)
            .map_err(|_| load_error(&dir_name, "plugin.toml is not UTF-8".to_owned()))?;
        let manifest = Manifest::parse(&manifest_text).map_err(|error| match error {
            ManifestError::UnsupportedWit(wit) => PluginError::UnsupportedWit { plugin: dir_name.clone(), wit },
            other => load_error(&dir_name, other.to_string()),
        })?;
        let id = manifest.id.as_str();
        // Before any compilation: a greedy manifest costs nothing to refuse.
        let limits = self.limits.grant(manifest.limits, self.ceiling).map_err(|reason| load_error(id, reason))?;

        let wasm_path = plugin_dir.join(format!("{id}.wasm"));
        let started = Instant::now();
        let (sha256, component, from_disk) = self.compile(&wasm_path).await.map_err(|reason| load_error(id, reason))?;
        let compile_time = started.elapsed();
        let instance_pre = self
            .linker
            .instantiate_pre(&component)
            .map_err(|error| load_error(id, format!("imports what this host does not provide: {error:#}")))?;
        let point = manifest.extension_point();
        let wrong_world = |error: wasmtime::Error| {
            load_error(id, format!("does not export the {point} interface of {}: {error:#}", manifest.wit))
        };
        let pre = match (manifest.wit.minor, point) {
            (1, ExtensionPoint::TypeDeChamp) => {
                Pre::TypeDeChampV1(v0_1::TypeDeChampPluginPre::new(instance_pre).map_err(wrong_world)?)
            }
            (2, ExtensionPoint::TypeDeChamp) => {
                Pre::TypeDeChamp(v0_2::champ::TypeDeChampPluginPre::new(instance_pre).map_err(wrong_world)?)
            }
            (2, ExtensionPoint::Routage) => {
                Pre::Routage(v0_2::routage::RoutagePluginPre::new(instance_pre).map_err(wrong_world)?)
            }
            (2, ExtensionPoint::Attestation) => {
                Pre::Attestation(v0_2::attestation::AttestationPluginPre::new(instance_pre).map_err(wrong_world)?)
            }
            (2, ExtensionPoint::RendezVous) => {
                Pre::RendezVous(v0_2::rendez_vous::RendezVousPluginPre::new(instance_pre).map_err(wrong_world)?)
            }
            _ => return Err(PluginError::UnsupportedWit { plugin: id.to_owned(), wit: manifest.wit.to_string() }),
        };
        let grant = self.operator.read().unwrap_or_else(PoisonError::into_inner).grant(id).cloned();
        let (services, http_origins) =
            services::build(&manifest, grant.as_ref(), self.cache.clone()).map_err(|reason| load_error(id, reason))?;

        let mut plugin = LoadedPlugin {
            info: PluginInfo {
                id: manifest.id.clone(),
                libelle: String::new(),
                description: String::new(),
                version: manifest.version.clone(),
                wit: manifest.wit.to_string(),
                provides: point,
                settings: manifest.settings.clone(),
                options_schema: "{}".to_owned(),
                donnees_schema: "{}".to_owned(),
                capabilities: Vec::new(),
                http_origins,
                config: manifest.capabilities.config.clone(),
                confirmation: manifest.confirmation.clone(),
            },
            pre,
            services: Arc::new(services),
            id: Arc::from(id),
            version: Arc::from(manifest.version.as_str()),
            limits,
            epoch_budget: epoch_ticks(limits.cpu_deadline),
            health: Mutex::new(Health::default()),
            sha256: sha256.clone(),
            dir: plugin_dir.to_path_buf(),
            calls: Semaphore::new(self.max_calls_per_plugin),
            options_schema: None,
        };
        // Loads wait for a call slot instead of failing: they are rare and
        // must not be refused at boot because traffic is high.
        let permit = self.calls.acquire().await.map_err(|_| PluginError::Busy { plugin: id.to_owned() })?;
        let answer = self.call(&plugin, Call::Describe).await;
        drop(permit);
        let description: Described = match answer? {
            Answer::Describe(description) => description,
            _ => return Err(load_error(id, "describe() answered something else".to_owned())),
        };
        let description_bytes = description.id.len()
            + description.libelle.len()
            + description.description.len()
            + description.version.len()
            + description.options_schema.len()
            + description.donnees_schema.len();
        if description_bytes > MAX_ANSWER_BYTES {
            return Err(load_error(id, format!("description is {description_bytes} bytes")));
        }
        if description.id != manifest.id {
            return Err(load_error(
                id,
                format!("describe() says id {:?}, plugin.toml says {:?}", description.id, manifest.id),
            ));
        }
        if description.version != manifest.version {
            return Err(load_error(
                id,
                format!("describe() says version {:?}, plugin.toml says {:?}", description.version, manifest.version),
            ));
        }
        for (what, schema) in
            [("options-schema", &description.options_schema), ("donnees-schema", &description.donnees_schema)]
        {
            check_json_object(id, what, schema).map_err(|error| load_error(id, error.to_string()))?;
        }
        plugin.info.libelle = description.libelle;
        plugin.info.description = description.description;
        plugin.options_schema = serde_json::from_str::<serde_json::Value>(&description.options_schema)
            .ok()
            .filter(|schema| schema.as_object().is_some_and(|o| !o.is_empty()));
        plugin.info.options_schema = description.options_schema;
        plugin.info.donnees_schema = description.donnees_schema;
        plugin.info.capabilities = description.capabilities;
        if plugin.info.confirmation.is_some() && !plugin.info.has(Capability::Display) {
            return Err(load_error(
                id,
                "plugin.toml asks for a [confirmation] but describe() offers no display capability: \
                 the usager must see what they confirm"
                    .to_owned(),
            ));
        }
        tracing::debug!(
            plugin.id = id,
            plugin.sha256 = %sha256,
            compile_ms = compile_time.as_millis(),
            from_disk,
            "plugin compiled"
        );
        Ok(plugin)
    }

    /// The compiled component of `wasm_path` and its SHA-256: from the disk
    /// cache when the file is unchanged or its bytes were compiled before,
    /// else compiled now. Cranelift takes ~30 ms for a small Rust component
    /// and seconds for interpreted ones: never on a runtime worker.
    async fn compile(&self, wasm_path: &Path) -> Result<(String, Component, bool), String> {
        let name = wasm_path.display().to_string();
        let metadata = tokio::fs::metadata(wasm_path).await.map_err(|error| format!("cannot read {name}: {error}"))?;
        let fingerprint = Fingerprint::of(&metadata);
        let engine = self.engine.clone();
        let compiled = self.compiled.clone();
        let path = wasm_path.to_path_buf();
        let unchanged = {
            let (engine, compiled, path, fingerprint) =
                (engine.clone(), compiled.clone(), path.clone(), fingerprint.clone());
            tokio::task::spawn_blocking(move || compiled?.load_unchanged(&engine, &path, &fingerprint))
                .await
                .map_err(|error| format!("loading task failed: {error}"))?
        };
        if let Some((sha256, component)) = unchanged {
            return Ok((sha256, component, true));
        }
        let wasm = read_capped(wasm_path, MAX_COMPONENT_BYTES).await?;
        tokio::task::spawn_blocking(move || {
            let sha256 = hex::encode(Sha256::digest(&wasm));
            let (component, from_disk) = match &compiled {
                Some(cache) => cache.load_or_compile(&engine, &sha256, &wasm),
                None => Component::new(&engine, &wasm).map(|c| (c, false)),
            }
            .map_err(|error| format!("not a valid component: {error:#}"))?;
            if let Some(cache) = &compiled {
                cache.remember(&path, &fingerprint, &sha256);
            }
            Ok((sha256, component, from_disk))
        })
        .await
        .map_err(|error| format!("compilation task failed: {error}"))?
    }

    /// One guest call under every limit, traced. The caller holds a permit.
    async fn call(&self, plugin: &LoadedPlugin, call: Call<'_>) -> Result<Answer, PluginError> {
        let span = tracing::info_span!(
            "plugin_call",
            plugin.id = %plugin.id,
            plugin.version = %plugin.version,
            function = call.name(),
            duration_us = tracing::field::Empty,
            outcome = tracing::field::Empty,
        );
        let started = Instant::now();
        // Limits per call kind: autocomplete answers while the usager types
        // or not at all; the others get the plugin's whole budget.
        let wall = match call {
            Call::Suggest { .. } => plugin.limits.wall_timeout.min(SUGGEST_WALL_TIMEOUT),
            _ => plugin.limits.wall_timeout,
        };
        let result = tokio::time::timeout(wall, self.execute(plugin, call))
            .instrument(span.clone())
            .await
            .unwrap_or_else(|_elapsed| Err(PluginError::TimedOut { plugin: plugin.info.id.clone() }));
        let duration_us = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
        let outcome = match &result {
            Ok(answer) if answer.is_guest_error() => "guest_error",
            Ok(_) => "ok",
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
    async fn execute(&self, plugin: &LoadedPlugin, call: Call<'_>) -> Result<Answer, PluginError> {
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

        let result = calls::invoke(&mut store, &plugin.pre, call).await;
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
            } else {
                PluginError::Trap { plugin, reason: trap_reason(&error) }
            }
        })
    }
}

/// The cause first (wasmtime puts it after a backtrace that can be longer
/// than the cap), then as much of the backtrace as fits.
fn trap_reason(error: &wasmtime::Error) -> String {
    let cause = match error.downcast_ref::<Trap>() {
        Some(trap) => trap.to_string(),
        None => error.root_cause().to_string(),
    };
    let full = format!("{error:#}");
    let reason = if full.starts_with(&cause) { full } else { format!("{cause} — {full}") };
    truncate(&reason, MAX_REASON_BYTES).to_owned()
}

/// Epoch ticks in `cpu`, at least one.
fn epoch_ticks(cpu: Duration) -> u64 {
    u64::try_from(cpu.as_nanos().div_ceil(EPOCH_TICK.as_nanos()).max(1)).unwrap_or(u64::MAX)
}

fn check_input_size(plugin: &str, what: &'static str, bytes: usize, max: usize) -> Result<(), PluginError> {
    if bytes > max {
        return Err(PluginError::InputTooLarge { plugin: plugin.to_owned(), what, bytes, max });
    }
    Ok(())
}

type WitValidation = v0_2::champ::exports::guichet::plugin::type_de_champ::Validation;
type WitPluginError = v0_2::champ::guichet::plugin::types::PluginError;
type WitFieldError = v0_2::champ::guichet::plugin::types::FieldError;

/// Most export columns of one champ: a spreadsheet stays readable, and a
/// plugin cannot make every export row megabytes wide.
pub const MAX_EXPORT_COLUMNS: usize = 32;

/// Longest URL the host passes to a plugin (its own links: verification
/// page, dossier page); browsers and servers stop around 2–8 KB.
pub const MAX_URL_BYTES: usize = 2_048;

/// E-mail addresses and names of a rendez-vous proposal, all together.
pub const MAX_CONTACT_BYTES: usize = 1_024;

/// Longest appointment reference kept with a dossier.
pub const MAX_REFERENCE_BYTES: usize = 256;

/// Most appointments listed for one proposal.
pub const MAX_RENDEZ_VOUS: usize = 50;

fn into_validation(plugin: &str, validation: WitValidation) -> Result<PluginValidation, PluginError> {
    match validation {
        WitValidation::Valid(normalized) => {
            if normalized.len() > MAX_ANSWER_BYTES {
                return Err(bad(plugin, format!("normalized value is {} bytes", normalized.len())));
            }
            Ok(PluginValidation::Valid { normalized })
        }
        WitValidation::Invalid(errors) => field_errors(plugin, errors).map(PluginValidation::Invalid),
    }
}

/// Field errors for the usager: at least one, bounded.
fn field_errors(plugin: &str, errors: Vec<WitFieldError>) -> Result<Vec<PluginFieldError>, PluginError> {
    if errors.is_empty() {
        return Err(bad(plugin, "invalid without any field error".to_owned()));
    }
    let bytes: usize = errors.iter().map(|e| e.code.len() + e.message.len()).sum();
    if bytes > MAX_ANSWER_BYTES {
        return Err(bad(plugin, format!("field errors are {bytes} bytes")));
    }
    Ok(errors.into_iter().map(|error| PluginFieldError { code: error.code, message: error.message }).collect())
}

fn v1_validation(validation: v0_1::exports::guichet::plugin::type_de_champ::Validation) -> WitValidation {
    use v0_1::exports::guichet::plugin::type_de_champ::Validation as V1;
    match validation {
        V1::Valid(normalized) => WitValidation::Valid(normalized),
        V1::Invalid(errors) => WitValidation::Invalid(
            errors.into_iter().map(|e| WitFieldError { code: e.code, message: e.message }).collect(),
        ),
    }
}

fn v1_error(error: v0_1::guichet::plugin::types::PluginError) -> WitPluginError {
    use v0_1::guichet::plugin::types::PluginError as V1;
    match error {
        V1::InvalidInput(reason) => WitPluginError::InvalidInput(reason),
        V1::UpstreamUnavailable(reason) => WitPluginError::UpstreamUnavailable(reason),
        V1::Misconfigured(reason) => WitPluginError::Misconfigured(reason),
        V1::Internal(reason) => WitPluginError::Internal(reason),
    }
}

fn guest(plugin: &str, error: WitPluginError) -> PluginError {
    let cut = |reason: String| truncate(&reason, MAX_REASON_BYTES).to_owned();
    let error = match error {
        WitPluginError::InvalidInput(reason) => GuestError::InvalidInput(cut(reason)),
        WitPluginError::UpstreamUnavailable(reason) => GuestError::UpstreamUnavailable(cut(reason)),
        WitPluginError::Misconfigured(reason) => GuestError::Misconfigured(cut(reason)),
        WitPluginError::Internal(reason) => GuestError::Internal(cut(reason)),
    };
    PluginError::Guest { plugin: plugin.to_owned(), error }
}

fn bad(plugin: &str, reason: String) -> PluginError {
    PluginError::BadAnswer { plugin: plugin.to_owned(), reason }
}

fn mismatch(plugin: &str, call: Call<'_>) -> PluginError {
    bad(plugin, format!("answered something else than {}", call.name()))
}

/// Données a plugin attaches to a value: a JSON object matching the
/// `donnees-schema` it declared (other plugins and exports rely on it).
fn check_donnees(plugin: &str, info: &PluginInfo, what: &str, json: &str) -> Result<(), PluginError> {
    check_json_object(plugin, what, json)?;
    let (Ok(schema), Ok(value)) =
        (serde_json::from_str(&info.donnees_schema), serde_json::from_str::<serde_json::Value>(json))
    else {
        return Ok(());
    };
    schema::check(&schema, &value).map_err(|reason| bad(plugin, format!("{what} break its donnees-schema: {reason}")))
}

/// A plugin-owned JSON shape must at least be a JSON object.
fn check_json_object(plugin: &str, what: &str, json: &str) -> Result<(), PluginError> {
    match serde_json::from_str::<serde_json::Value>(json) {
        Ok(serde_json::Value::Object(_)) => Ok(()),
        Ok(_) => Err(bad(plugin, format!("{what} is not a JSON object"))),
        Err(error) => Err(bad(plugin, format!("{what} is not JSON: {error}"))),
    }
}

fn check_snapshot(plugin: &str, dossier: &DossierSnapshot) -> Result<(), PluginError> {
    check_input_size(plugin, "champs", dossier.champs.len(), MAX_SNAPSHOT_CHAMPS)?;
    let bytes: usize = dossier
        .champs
        .iter()
        .map(|c| c.libelle.len() + c.valeur.as_ref().map_or(0, String::len) + c.donnees.as_ref().map_or(0, String::len))
        .sum();
    check_input_size(plugin, "dossier", bytes, MAX_SNAPSHOT_BYTES)
}

/// `attestation-dossier-42.pdf`: no directory, no control character, short.
fn is_plain_filename(name: &str) -> bool {
    (5..=128).contains(&name.len())
        && name.ends_with(".pdf")
        && !name.starts_with('.')
        && name.chars().all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

fn is_https_or_http_url(url: &str) -> bool {
    url.len() <= MAX_URL_BYTES && url::Url::parse(url).is_ok_and(|u| matches!(u.scheme(), "https" | "http"))
}

/// The linker every plugin is instantiated with: WASI (nothing behind
/// it), `wasi:http` (behind `OutboundHooks`), and the host interfaces of
/// every supported WIT version.
fn build_linker(engine: &Engine) -> wasmtime::Result<Linker<GuestState>> {
    let mut linker = Linker::new(engine);
    wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
    wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker)?;
    v0_1::TypeDeChampPlugin::add_to_linker::<_, HasSelf<GuestState>>(&mut linker, |state| state)?;
    use v0_2::champ::guichet::plugin::{cache, config, log, secrets, types};
    types::add_to_linker::<_, HasSelf<GuestState>>(&mut linker, |state| state)?;
    log::add_to_linker::<_, HasSelf<GuestState>>(&mut linker, |state| state)?;
    config::add_to_linker::<_, HasSelf<GuestState>>(&mut linker, |state| state)?;
    secrets::add_to_linker::<_, HasSelf<GuestState>>(&mut linker, |state| state)?;
    cache::add_to_linker::<_, HasSelf<GuestState>>(&mut linker, |state| state)?;
    v0_2::attestation::guichet::plugin::document::add_to_linker::<_, HasSelf<GuestState>>(&mut linker, |state| state)?;
    v0_2::routage::guichet::plugin::dossier_details::add_to_linker::<_, HasSelf<GuestState>>(&mut linker, |state| {
        state
    })?;
    Ok(linker)
}

/// Subdirectories of `dir`, sorted so that load order (and the first error
/// reported) does not depend on the filesystem.
async fn plugin_subdirectories(dir: &Path) -> io::Result<Vec<PathBuf>> {
    let mut entries = tokio::fs::read_dir(dir).await?;
    let mut dirs = Vec::new();
    while let Some(entry) = entries.next_entry().await? {
        let hidden = entry.file_name().to_string_lossy().starts_with('.');
        if !hidden && entry.file_type().await?.is_dir() {
            dirs.push(entry.path());
        }
    }
    dirs.sort();
    Ok(dirs)
}

/// Reads a whole file, refusing it when larger than `max` bytes. The size is
/// checked before reading and again after, in case the file grew meanwhile.
async fn read_capped(path: &Path, max: u64) -> Result<Vec<u8>, String> {
    let name = path.file_name().map_or_else(|| path.display().to_string(), |name| name.to_string_lossy().into_owned());
    let too_large = |bytes: u64| format!("{name} is {bytes} bytes, more than the {max} allowed");
    let metadata = tokio::fs::metadata(path).await.map_err(|error| format!("cannot read {name}: {error}"))?;
    if metadata.len() > max {
        return Err(too_large(metadata.len()));
    }
    let bytes = tokio::fs::read(path).await.map_err(|error| format!("cannot read {name}: {error}"))?;
    let len = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
    if len > max {
        return Err(too_large(len));
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plugins_get_what_they_ask_for_up_to_the_ceiling() {
        let defaults = PluginLimits::default();
        let ceiling = PluginLimits::CEILING;
        assert_eq!(defaults.grant(RequestedLimits::default(), ceiling), Ok(defaults));
        let python =
            RequestedLimits { cpu: Some(Duration::from_millis(500)), wall: None, memory_bytes: Some(128 << 20) };
        let granted = defaults.grant(python, ceiling).unwrap();
        assert_eq!(granted.cpu_deadline, Duration::from_millis(500));
        assert_eq!(granted.wall_timeout, defaults.wall_timeout);
        assert_eq!(granted.memory_bytes, 128 << 20);
        let greedy = RequestedLimits { memory_bytes: Some(1 << 30), ..RequestedLimits::default() };
        let refusal = defaults.grant(greedy, ceiling).unwrap_err();
        assert!(refusal.contains("1024 MiB") && refusal.contains("256 MiB"), "{refusal}");
        assert_eq!(epoch_ticks(Duration::ZERO), 1);
    }

    #[test]
    fn plugin_host_is_shareable() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<PluginHost>();
        assert_send_sync::<PluginError>();
    }

    #[test]
    fn empty_invalid_answers_are_refused() {
        assert!(matches!(into_validation("p", WitValidation::Invalid(Vec::new())), Err(PluginError::BadAnswer { .. })));
        assert!(matches!(
            into_validation("p", WitValidation::Valid("x".repeat(MAX_ANSWER_BYTES + 1))),
            Err(PluginError::BadAnswer { .. })
        ));
    }

    #[test]
    fn attestation_file_names_are_plain() {
        assert!(is_plain_filename("attestation-dossier-42.pdf"));
        for name in ["../x.pdf", "a/b.pdf", ".pdf", "x.exe", "x\ny.pdf", "x y.pdf"] {
            assert!(!is_plain_filename(name), "{name}");
        }
    }

    #[test]
    fn unsupported_wit_error_lists_supported_versions() {
        let error = PluginError::UnsupportedWit { plugin: "siret".to_owned(), wit: "guichet:plugin@9.0.0".to_owned() };
        assert_eq!(
            error.to_string(),
            "plugin siret targets \"guichet:plugin@9.0.0\", which this host does not support (supported: guichet:plugin@0.1.0, guichet:plugin@0.2.1)"
        );
    }
}
