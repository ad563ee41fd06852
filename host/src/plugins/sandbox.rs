//! The walls around a plugin call: engine configuration, per-store state,
//! memory limiter, bounded logging and the epoch clock.

use std::sync::Arc;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use wasmtime::component::ResourceTable;
use wasmtime::{
    Config, Enabled, Engine, InstanceAllocationStrategy, OptLevel, PoolingAllocationConfig, ResourceLimiter, Strategy,
};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};

use super::bindings::v0_1::guichet::plugin::{log, types};
use super::services::{OutboundHooks, Services};

/// Period of the epoch clock. Every running guest checks the epoch at loop
/// heads and function entries; each tick lets it yield to tokio and spends
/// one tick of its CPU budget, so this is also the deadline's resolution.
pub const EPOCH_TICK: Duration = Duration::from_millis(10);

/// Records a guest may log per call: a plugin looping on `log` must not fill
/// the host's disks or drown other records. Later records are counted, then
/// dropped.
pub const MAX_LOG_RECORDS_PER_CALL: u32 = 50;

/// Bytes kept of one log record; longer messages are cut (on a character
/// boundary) so one record cannot carry a megabyte dump of guest memory.
pub const MAX_LOG_RECORD_BYTES: usize = 1_000;

/// Bytes of log per call, all records together: 16 records at the per-record
/// maximum, or many short ones.
pub const MAX_LOG_BYTES_PER_CALL: usize = 16 * 1024;

/// Core instances a store may create. A Rust component instantiates a handful
/// of core modules, an interpreted one (componentize-py) a few dozen; the cap
/// stops a component built to instantiate thousands of them.
const MAX_INSTANCES_PER_STORE: usize = 64;

/// Tables and memories a store may create, for the same reason.
const MAX_TABLES_PER_STORE: usize = 64;
const MAX_MEMORIES_PER_STORE: usize = 8;

/// Elements a table may grow to (8 bytes each on the host). Function tables
/// of real plugins hold a few thousand entries; this bounds a table bomb to
/// 8 MiB.
const MAX_TABLE_ELEMENTS: usize = 1 << 20;

/// Core instances, memories and tables reserved in the pooling allocator per
/// allowed concurrent call. Python components need about 30 core instances;
/// most of this is address space, committed only when used.
const POOL_CORE_INSTANCES_PER_CALL: u32 = 32;
const POOL_MEMORIES_PER_CALL: u32 = 2;
const POOL_TABLES_PER_CALL: u32 = 4;

/// How instance memory is allocated, reported once at startup.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Allocator {
    /// Pre-reserved slots, reset (memset, then madvise past what stays
    /// resident) between calls: instantiation in
    /// microseconds.
    Pooling,
    /// mmap per instance; used when the pool cannot reserve its address space
    /// (small-VA machines, strict overcommit settings).
    OnDemand,
}

/// What each pool slot keeps resident between calls (see `build_engine`).
const KEEP_RESIDENT_MEMORY_BYTES: usize = 1024 * 1024;
const KEEP_RESIDENT_TABLE_BYTES: usize = 64 * 1024;
const KEEP_RESIDENT_STACK_BYTES: usize = 64 * 1024;

/// Builds the process's engine: Cranelift, component model, epoch
/// interruption, and the pooling allocator when it can reserve its slots.
pub fn build_engine(memory_bytes: usize, max_concurrent_calls: u32) -> wasmtime::Result<(Engine, Allocator)> {
    let mut pool = PoolingAllocationConfig::default();
    pool.total_component_instances(max_concurrent_calls)
        .total_stacks(max_concurrent_calls)
        .total_core_instances(max_concurrent_calls.saturating_mul(POOL_CORE_INSTANCES_PER_CALL))
        .total_memories(max_concurrent_calls.saturating_mul(POOL_MEMORIES_PER_CALL))
        .total_tables(max_concurrent_calls.saturating_mul(POOL_TABLES_PER_CALL))
        .max_memories_per_component(MAX_MEMORIES_PER_STORE as u32)
        .max_memory_size(memory_bytes)
        .table_elements(MAX_TABLE_ELEMENTS)
        // Reset the first pages of a slot with memset instead of giving them
        // back to the kernel: a fresh instance per call otherwise spends two
        // thirds of its time in page faults and cross-core TLB shootdowns
        // (measured: 53k → 155k calls/s on one task, 28k → 191k on eight).
        // Slots are still zeroed between calls; this only bounds the memory
        // each idle slot keeps (64 slots × ~1.1 MiB).
        .linear_memory_keep_resident(KEEP_RESIDENT_MEMORY_BYTES)
        .table_keep_resident(KEEP_RESIDENT_TABLE_BYTES)
        .async_stack_keep_resident(KEEP_RESIDENT_STACK_BYTES)
        // Linux ≥ 6.7 tells which pages were touched, so only those are reset.
        .pagemap_scan(Enabled::Auto);
    match Engine::new(&config(Some(pool))) {
        Ok(engine) => Ok((engine, Allocator::Pooling)),
        Err(error) => {
            tracing::warn!(
                error = %format!("{error:#}"),
                "plugin pooling allocator unavailable, allocating instances on demand"
            );
            Ok((Engine::new(&config(None))?, Allocator::OnDemand))
        }
    }
}

fn config(pool: Option<PoolingAllocationConfig>) -> Config {
    let mut config = Config::new();
    config
        .strategy(Strategy::Cranelift)
        .cranelift_opt_level(OptLevel::Speed)
        .wasm_component_model(true)
        .epoch_interruption(true);
    if let Some(pool) = pool {
        config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    }
    config
}

/// Advances the engine's epoch every [`EPOCH_TICK`] on a dedicated OS thread:
/// a tokio task would stop ticking when the runtime is starved, which is
/// exactly when deadlines matter. Stops when dropped.
pub struct EpochTicker {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl EpochTicker {
    pub fn start(engine: &Engine) -> std::io::Result<Self> {
        let (stop, stopped) = mpsc::channel::<()>();
        // A weak handle: the ticker must not keep a dropped host's engine (and
        // its pool reservations) alive.
        let engine = engine.weak();
        let thread = thread::Builder::new().name("plugin-epoch".to_owned()).spawn(move || {
            while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(EPOCH_TICK) {
                match engine.upgrade() {
                    Some(engine) => engine.increment_epoch(),
                    None => break,
                }
            }
        })?;
        Ok(Self { stop: Some(stop), thread: Some(thread) })
    }
}

impl Drop for EpochTicker {
    fn drop(&mut self) {
        // Dropping the sender wakes the thread at once (Disconnected).
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            // The thread has nothing that can panic; a join error is moot.
            let _ = thread.join();
        }
    }
}

/// Counts the linear memory of one store and refuses growth past the cap.
///
/// Refusal makes `memory.grow` return -1, as the spec allows, rather than
/// trapping: a guest that handles allocation failure may carry on. Most guests
/// abort, and `exceeded` lets the host report that trap as a memory problem.
pub struct MemoryLimiter {
    cap: usize,
    used: usize,
    last_growth: usize,
    pub exceeded: bool,
}

impl MemoryLimiter {
    pub fn new(cap: usize) -> Self {
        Self { cap, used: 0, last_growth: 0, exceeded: false }
    }
}

impl ResourceLimiter for MemoryLimiter {
    fn memory_growing(&mut self, current: usize, desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        // Summed over all memories of the store: a component with several
        // core memories gets one budget, not one per memory.
        let growth = desired.saturating_sub(current);
        match self.used.checked_add(growth) {
            Some(total) if total <= self.cap => {
                self.used = total;
                self.last_growth = growth;
                Ok(true)
            }
            _ => {
                self.exceeded = true;
                Ok(false)
            }
        }
    }

    fn memory_grow_failed(&mut self, _error: wasmtime::Error) -> wasmtime::Result<()> {
        // The growth we accounted for did not happen (the memory's own
        // maximum, or the pool slot, was smaller).
        self.used = self.used.saturating_sub(self.last_growth);
        self.last_growth = 0;
        Ok(())
    }

    fn table_growing(&mut self, _current: usize, desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        Ok(desired <= MAX_TABLE_ELEMENTS)
    }

    fn instances(&self) -> usize {
        MAX_INSTANCES_PER_STORE
    }

    fn tables(&self) -> usize {
        MAX_TABLES_PER_STORE
    }

    fn memories(&self) -> usize {
        MAX_MEMORIES_PER_STORE
    }
}

/// Forwards guest log records to `tracing`, within the per-call budget, and
/// keeps the info-and-above ones for the administrateur's page.
pub struct LogSink {
    plugin: Arc<str>,
    version: Arc<str>,
    records: u32,
    bytes: usize,
    dropped: u32,
    kept: Vec<(&'static str, String)>,
}

impl LogSink {
    pub fn new(plugin: Arc<str>, version: Arc<str>) -> Self {
        Self { plugin, version, records: 0, bytes: 0, dropped: 0, kept: Vec::new() }
    }

    pub fn record(&mut self, level: log::Level, message: &str) {
        let message = truncate(message, MAX_LOG_RECORD_BYTES);
        if self.records >= MAX_LOG_RECORDS_PER_CALL || self.bytes + message.len() > MAX_LOG_BYTES_PER_CALL {
            self.dropped = self.dropped.saturating_add(1);
            return;
        }
        self.records += 1;
        self.bytes += message.len();
        match level {
            log::Level::Info => self.kept.push(("info", message.to_owned())),
            log::Level::Warn => self.kept.push(("warn", message.to_owned())),
            log::Level::Error => self.kept.push(("error", message.to_owned())),
            log::Level::Trace | log::Level::Debug => {}
        }
        let (plugin, version) = (&*self.plugin, &*self.version);
        // tracing needs the level at compile time, hence one macro per arm.
        match level {
            log::Level::Trace => {
                tracing::trace!(target: "guichet::plugins::guest", plugin_id = plugin, plugin_version = version, "{message}")
            }
            log::Level::Debug => {
                tracing::debug!(target: "guichet::plugins::guest", plugin_id = plugin, plugin_version = version, "{message}")
            }
            log::Level::Info => {
                tracing::info!(target: "guichet::plugins::guest", plugin_id = plugin, plugin_version = version, "{message}")
            }
            log::Level::Warn => {
                tracing::warn!(target: "guichet::plugins::guest", plugin_id = plugin, plugin_version = version, "{message}")
            }
            log::Level::Error => {
                tracing::error!(target: "guichet::plugins::guest", plugin_id = plugin, plugin_version = version, "{message}")
            }
        }
    }

    /// Reports, once per call, how many records the budget swallowed, and
    /// hands over the records kept for the administrateur.
    pub fn finish(&mut self) -> Vec<(&'static str, String)> {
        if self.dropped > 0 {
            tracing::warn!(
                target: "guichet::plugins::guest",
                plugin_id = &*self.plugin,
                plugin_version = &*self.version,
                dropped = self.dropped,
                "plugin log budget exhausted, records dropped"
            );
            self.dropped = 0;
        }
        std::mem::take(&mut self.kept)
    }
}

/// Cuts `text` to at most `max` bytes without splitting a character.
pub fn truncate(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// Everything a store owns during one call; dropped with the store.
pub struct GuestState {
    wasi: WasiCtx,
    http: WasiHttpCtx,
    hooks: OutboundHooks,
    table: ResourceTable,
    pub limiter: MemoryLimiter,
    pub log: LogSink,
    /// The host services this plugin was granted (config, secrets, cache).
    pub services: Arc<Services>,
    /// `dossier-details` of the dossier this call is about (none in calls
    /// about no dossier).
    pub en_instruction_le: Option<String>,
}

impl GuestState {
    pub fn new(memory_bytes: usize, log: LogSink, services: Arc<Services>) -> Self {
        // Nothing inherited and nothing granted: no preopened directory, no
        // environment variable, no argument, closed stdin, stdout/stderr
        // discarded, no socket and no name lookup. WASI is linked only
        // because std on wasm32-wasip2 imports it (clocks, random, exit).
        // The only way out is wasi:http, through `OutboundHooks`.
        let wasi = WasiCtx::builder().allow_tcp(false).allow_udp(false).allow_ip_name_lookup(false).build();
        let hooks = OutboundHooks::new(services.plugin.clone(), services.outbound.clone());
        Self {
            wasi,
            http: WasiHttpCtx::new(),
            hooks,
            table: ResourceTable::new(),
            limiter: MemoryLimiter::new(memory_bytes),
            log,
            services,
            en_instruction_le: None,
        }
    }
}

impl WasiView for GuestState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView { ctx: &mut self.wasi, table: &mut self.table }
    }
}

impl WasiHttpView for GuestState {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView { ctx: &mut self.http, table: &mut self.table, hooks: &mut self.hooks }
    }
}

impl types::Host for GuestState {}

impl log::Host for GuestState {
    async fn log(&mut self, level: log::Level, message: String) {
        self.log.record(level, &message);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncate_respects_char_boundaries() {
        assert_eq!(truncate("abc", 10), "abc");
        assert_eq!(truncate("abc", 2), "ab");
        assert_eq!(truncate("été", 1), "");
        assert_eq!(truncate("été", 2), "é");
    }

    #[test]
    fn limiter_sums_memories_and_flags_refusals() {
        let mut limiter = MemoryLimiter::new(4 << 16);
        assert!(matches!(limiter.memory_growing(0, 2 << 16, None), Ok(true)));
        assert!(matches!(limiter.memory_growing(0, 2 << 16, None), Ok(true)));
        assert!(!limiter.exceeded);
        assert!(matches!(limiter.memory_growing(2 << 16, 3 << 16, None), Ok(false)));
        assert!(limiter.exceeded);
    }

    #[test]
    fn limiter_forgets_failed_growth() {
        let mut limiter = MemoryLimiter::new(4 << 16);
        assert!(matches!(limiter.memory_growing(0, 4 << 16, None), Ok(true)));
        assert!(limiter.memory_grow_failed(wasmtime::Error::msg("slot too small")).is_ok());
        assert!(matches!(limiter.memory_growing(0, 4 << 16, None), Ok(true)));
        assert!(!limiter.exceeded);
    }
}
