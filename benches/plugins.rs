//! Benchmark of the plugin host (run with `scripts/bench.sh`, or
//! `cargo bench --bench plugins` once `scripts/build-plugins.sh` has run):
//!
//! 1. a fresh-instance `validate` of the Rust champ (siret), p50/p99;
//! 2. a warm boundary crossing: `validate` called again and again on ONE
//!    instance. The host has no API for that (every call gets a fresh
//!    instance, by design), so this part drives wasmtime directly, with the
//!    host's engine settings and the same WIT (0.2.0), synchronously and
//!    the host's way (async, on a fiber), and with engine variants that
//!    show what the fiber, the fiber stack size, the allocator and the
//!    epoch checks cost;
//! 3. fresh-instance `validate` of the Python (iban) and JavaScript (rna)
//!    examples, p50/p99;
//! 4. `load_plugin` from a populated compile cache, next to the cold
//!    (compiling) load of the same run, for every first-party plugin, and,
//!    for the big interpreted components, where a cached load spends its
//!    time;
//! 5. how soon an endless loop (`boucle`) is stopped after its CPU deadline;
//! 6. throughput of concurrent siret validations, with the CPU (user and
//!    system) the process used meanwhile;
//! 7. the 0.2.x extension points through the host API: `route` (routage),
//!    `render_attestation` (attestation plugin + the host's PDF renderer),
//!    and siret's `enrich` against the local API Entreprise contract server
//!    next to the same GET made with reqwest.
//!
//! Each figure is printed with its target, and, where one makes sense, a
//! ratio against a baseline measured in the same run. Runs in about a
//! minute and a half on 2 cores, most of it compiling the Python and
//! JavaScript components (twice: for the host, and for the load breakdown).
//! `GUICHET_BENCH_ONLY=warm` runs section 2 alone.

use guichet::plugins::{
    AttestationTemplate, ChampSnapshot, DossierSnapshot, GroupeSnapshot, OperatorConfig, PluginError, PluginHost,
    PluginLimits, PluginValidation,
};
use guichet_tests::contrats::api_entreprise::{self, ApiEntreprise};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

const SIRET: &str = "732 829 320 00074";
const SIRET_NORMALIZED: &str = "73282932000074";
const IBAN: &str = "FR76 3000 6000 0112 3456 7890 189";
const RNA: &str = "W 751 234 567";

/// Sequential fresh-instance calls of the Rust plugin, after `WARM_UP` calls.
const RUST_CALLS: usize = 5_000;
const WARM_UP: usize = 500;
/// Sequential fresh-instance calls of each interpreted plugin.
const INTERPRETED_CALLS: usize = 300;
const INTERPRETED_WARM_UP: usize = 20;
/// Calls on one warm instance per round and line of section 2: timed one
/// by one, in batches of `warm::BATCH`, then as one long run.
const WARM_CALLS: usize = 20_000;
const WARM_BATCHES: usize = 400;
const WARM_LONG: usize = 100_000;
const WARM_ROUNDS: usize = 3;
/// `load_plugin` repetitions from the populated cache (median reported).
const CACHED_LOADS: usize = 5;
const RUNAWAYS: usize = 20;
/// Attestations rendered per variant after a warm-up (a few ms each).
const ATTESTATIONS: usize = 200;
const ATTESTATION_WARM_UP: usize = 10;
/// Enrichments, each with its own GET to the local contract server.
const ENRICH_CALLS: usize = 300;
const ENRICH_WARM_UP: usize = 20;
const THROUGHPUT_TASKS: usize = 8;
const THROUGHPUT_FOR: Duration = Duration::from_secs(2);

/// What the example tests give interpreted guests (tests/exemple_python.rs,
/// tests/exemple_javascript.rs): CPython and SpiderMonkey need 8 to 16 MiB
/// per call, and a first call may collect garbage.
const INTERPRETED_LIMITS: PluginLimits = PluginLimits {
    cpu_deadline: Duration::from_secs(2),
    wall_timeout: Duration::from_secs(10),
    memory_bytes: 128 * 1024 * 1024,
};
const INTERPRETED_CONCURRENCY: usize = 4;

/// A built plugin folder of this repository, or a panic saying how to build it.
fn plugin_dir(relative: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(relative);
    let id = dir.file_name().and_then(|name| name.to_str()).expect("plugin folder name");
    assert!(
        dir.join("plugin.toml").is_file() && dir.join(format!("{id}.wasm")).is_file(),
        "plugin {} is not built: run scripts/build-plugins.sh",
        dir.display()
    );
    dir
}

fn us(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// Percentile of sorted samples (nearest rank).
fn pct(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn verdict(met: bool) -> &'static str {
    if met { "met" } else { "MISSED" }
}

/// One line of the report: what, the figure, its target, met or not.
fn row(label: &str, figure: String, target: &str, met: Option<bool>) {
    let verdict = met.map_or("", verdict);
    println!("  {label:<46} {figure:>12}   {target:<14} {verdict}");
}

fn info(label: &str, figure: String) {
    println!("  {label:<46} {figure:>12}");
}

/// Sequential `validate` calls after a warm-up; latencies sorted.
async fn fresh_calls(host: &PluginHost, id: &str, value: &str, warm_up: usize, calls: usize) -> Vec<Duration> {
    for _ in 0..warm_up {
        host.validate(id, value, "{}").await.unwrap_or_else(|e| panic!("{id} validate: {e}"));
    }
    let mut latencies = Vec::with_capacity(calls);
    for _ in 0..calls {
        let started = Instant::now();
        let answer = host.validate(id, value, "{}").await;
        latencies.push(started.elapsed());
        answer.unwrap_or_else(|e| panic!("{id} validate: {e}"));
    }
    latencies.sort();
    latencies
}

/// A plugin host keeping compiled code in `cache`.
fn host(limits: PluginLimits, concurrency: usize, cache: &Path) -> PluginHost {
    PluginHost::with_options(limits, concurrency, Some(cache)).expect("plugin host")
}

async fn timed_load(host: &PluginHost, dir: &Path) -> Duration {
    let started = Instant::now();
    host.load_plugin(dir).await.unwrap_or_else(|e| panic!("loading {}: {e}", dir.display()));
    started.elapsed()
}

/// Where the time of a cached load goes, measured on wasmtime directly with
/// the host's compiler settings: what `load_plugin` does before it calls
/// `describe` (read, SHA-256 of the component, then wasmtime's cache: its
/// own hash of the component, zstd decompression, loading the code), and,
/// for comparison, loading the same compiled code from an uncompressed
/// file (`Component::deserialize_file`, which maps the file).
mod load_parts {
    use sha2::{Digest, Sha256};
    use std::path::{Path, PathBuf};
    use std::time::{Duration, Instant};
    use wasmtime::component::Component;

    pub struct Parts {
        pub read: Duration,
        pub sha256: Duration,
        /// `Component::new` answered from wasmtime's on-disk cache.
        pub cache_hit: Duration,
        /// `Component::deserialize_file` of the same code, uncompressed.
        pub deserialize_file: Duration,
        pub cache_entry_bytes: u64,
        pub artifact_bytes: u64,
    }

    fn largest_file(dir: &Path) -> u64 {
        let mut largest = 0;
        let mut pending: Vec<PathBuf> = vec![dir.to_owned()];
        while let Some(dir) = pending.pop() {
            for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
                match entry.metadata() {
                    Ok(meta) if meta.is_dir() => pending.push(entry.path()),
                    Ok(meta) => largest = largest.max(meta.len()),
                    Err(_) => {}
                }
            }
        }
        largest
    }

    /// Median of three runs of `f`.
    fn median(mut f: impl FnMut() -> Duration) -> Duration {
        let mut runs = [f(), f(), f()];
        runs.sort();
        runs[1]
    }

    /// Compiles `wasm` once (filling a cache of its own), then times the
    /// parts of a cached load, median of three each. Each load uses a new
    /// engine, as a restarted server would.
    pub fn measure(wasm: &Path) -> Parts {
        let scratch = tempfile::tempdir().expect("scratch dir");
        let cache = scratch.path().join("cache");
        let read = median(|| {
            let started = Instant::now();
            std::hint::black_box(std::fs::read(wasm).expect("read component"));
            started.elapsed()
        });
        let bytes = std::fs::read(wasm).expect("read component");
        let sha256 = median(|| {
            let started = Instant::now();
            std::hint::black_box(Sha256::digest(&bytes));
            started.elapsed()
        });

        let compiled = Component::new(&super::warm::engine(Some(&cache)), &bytes).expect("compile");
        let cache_hit = median(|| {
            let engine = super::warm::engine(Some(&cache));
            let started = Instant::now();
            let component = Component::new(&engine, &bytes).expect("cached component");
            let elapsed = started.elapsed();
            drop(component);
            elapsed
        });

        let artifact = scratch.path().join("component.cwasm");
        let serialized = compiled.serialize().expect("serialize");
        std::fs::write(&artifact, &serialized).expect("write artifact");
        let deserialize_file = median(|| {
            let engine = super::warm::engine(None);
            let started = Instant::now();
            let component = deserialize(&engine, &artifact);
            let elapsed = started.elapsed();
            drop(component);
            elapsed
        });
        Parts {
            read,
            sha256,
            cache_hit,
            deserialize_file,
            cache_entry_bytes: largest_file(&cache),
            artifact_bytes: serialized.len() as u64,
        }
    }

    #[allow(unsafe_code, reason = "deserializing code this process has just compiled with the same settings")]
    fn deserialize(engine: &wasmtime::Engine, artifact: &Path) -> Component {
        // SAFETY: `artifact` was written above by `Component::serialize` of
        // an engine with the same configuration, and nobody else writes it.
        unsafe { Component::deserialize_file(engine, artifact) }.expect("deserialize")
    }
}

/// Calls into one instance that stays alive between calls, outside the
/// plugin host, with the host's WIT (`guichet:plugin@0.2.0`, siret 2.0.0).
///
/// The engine is configured as the host's (`sandbox.rs`: Cranelift at
/// `OptLevel::Speed`, component model, epoch interruption compiled in, and,
/// in the `Pooling` variants, the same pooling allocator settings). The
/// asynchronous variants also run the host's epoch regime: a ticker thread
/// advancing the epoch every 10 ms and a deadline callback that yields at
/// every tick, so a call occasionally pays a yield to tokio, as in the host.
/// Imports are stubbed with traps: siret's `validate` calls none, so the
/// linker's contents (the host's `func_wrap_async` host functions) are not
/// on this path. The bindings cover only the exported interface (a world of
/// our own exporting `type-de-champ`), which generates the same
/// `TypedFunc::call_async` the host's bindings call.
mod warm {
    use std::path::Path;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::time::{Duration, Instant};
    use wasmtime::component::{Component, Linker};
    use wasmtime::{
        Cache, CacheConfig, Config, Engine, InstanceAllocationStrategy, OptLevel, PoolingAllocationConfig, Store,
        Strategy, UpdateDeadline,
    };

    /// The generated canonical-ABI code is unsafe by nature.
    #[allow(unsafe_code, reason = "code generated by wasmtime's bindgen!")]
    pub mod asynchronous {
        wasmtime::component::bindgen!({
            inline: "package bench:warm; world warm { export guichet:plugin/type-de-champ@0.2.0; }",
            path: "wit/guichet-plugin@0.2.0",
            imports: { default: async },
            exports: { default: async },
        });
    }

    /// The 0.1.0 world (the identity fixture `menteur` speaks it), bound
    /// the same way.
    #[allow(unsafe_code, reason = "code generated by wasmtime's bindgen!")]
    pub mod asynchronous_v1 {
        wasmtime::component::bindgen!({
            inline: "package bench:warm; world warm { export guichet:plugin/type-de-champ@0.1.0; }",
            path: "wit/guichet-plugin@0.1.0",
            imports: { default: async },
            exports: { default: async },
        });
    }

    #[allow(unsafe_code, reason = "code generated by wasmtime's bindgen!")]
    pub mod synchronous_v1 {
        wasmtime::component::bindgen!({
            inline: "package bench:warm; world warm { export guichet:plugin/type-de-champ@0.1.0; }",
            path: "wit/guichet-plugin@0.1.0",
        });
    }

    #[allow(unsafe_code, reason = "code generated by wasmtime's bindgen!")]
    pub mod synchronous {
        wasmtime::component::bindgen!({
            inline: "package bench:warm; world warm { export guichet:plugin/type-de-champ@0.2.0; }",
            path: "wit/guichet-plugin@0.2.0",
        });
    }

    /// The host's pooling settings (`sandbox.rs`, `build_engine`) for the
    /// host's ceiling (256 MiB) and its default 64 concurrent calls.
    fn host_pool() -> PoolingAllocationConfig {
        let slots = 64_u32;
        let mut pool = PoolingAllocationConfig::default();
        pool.total_component_instances(slots)
            .total_stacks(slots)
            .total_core_instances(slots * 32)
            .total_memories(slots * 2)
            .total_tables(slots * 4)
            .max_memories_per_component(8)
            .max_memory_size(256 * 1024 * 1024)
            .table_elements(1 << 20)
            .linear_memory_keep_resident(1024 * 1024)
            .table_keep_resident(64 * 1024)
            .async_stack_keep_resident(64 * 1024)
            .pagemap_scan(wasmtime::Enabled::Auto);
        pool
    }

    /// Engine settings compared in section 2.
    #[derive(Clone, Copy, PartialEq, Eq, Debug)]
    pub enum Variant {
        /// The host's settings exactly (pooling allocator, 2 MiB fiber stacks).
        Host,
        /// The host's settings with the on-demand allocator (the previous
        /// measurement of this benchmark).
        OnDemand,
        /// The host's settings with 256 KiB fiber stacks and a 192 KiB wasm
        /// stack limit (wasmtime's defaults: 2 MiB and 512 KiB).
        SmallStack,
        /// The host's settings without epoch interruption (diagnostic only:
        /// the host needs epochs for its CPU deadline).
        NoEpoch,
    }

    /// The host's compiler settings; `cache` as in `PluginHost::with_options`.
    pub fn engine(cache: Option<&Path>) -> Engine {
        engine_with(Variant::OnDemand, cache)
    }

    pub fn engine_with(variant: Variant, cache: Option<&Path>) -> Engine {
        let mut config = Config::new();
        if let Some(dir) = cache {
            let mut cache = CacheConfig::new();
            cache.with_directory(dir);
            config.cache(Some(Cache::new(cache).expect("compile cache")));
        }
        config
            .strategy(Strategy::Cranelift)
            .cranelift_opt_level(OptLevel::Speed)
            .wasm_component_model(true)
            .epoch_interruption(variant != Variant::NoEpoch);
        if variant != Variant::OnDemand {
            config.allocation_strategy(InstanceAllocationStrategy::Pooling(host_pool()));
        }
        if variant == Variant::SmallStack {
            config.async_stack_size(256 * 1024).max_wasm_stack(192 * 1024);
        }
        Engine::new(&config).expect("engine")
    }

    /// Latencies of single calls (sorted; each includes one clock read),
    /// per-call means of batches of `BATCH` calls (sorted; no clock read per
    /// call), and the mean of one long run.
    pub struct Timings {
        pub sorted: Vec<Duration>,
        pub batches: Vec<Duration>,
        pub long_mean: Duration,
    }

    /// An engine of one variant and siret compiled for it.
    pub struct Prepared {
        pub variant: Variant,
        engine: Engine,
        component: Component,
        /// Speaks `guichet:plugin@0.1.0` rather than 0.2.0.
        v1: bool,
        /// The scalar component below rather than a plugin.
        scalar: bool,
    }

    pub fn prepare(variant: Variant, wasm: &Path, v1: bool) -> Prepared {
        let engine = engine_with(variant, None);
        let component = Component::from_file(&engine, wasm).expect("component");
        Prepared { variant, engine, component, v1, scalar: false }
    }

    /// The smallest crossing there is: a component whose one export takes
    /// nothing and returns a `u32`, so the figure is the boundary alone
    /// (entering, the epoch check, lifting one scalar, leaving) with no
    /// string copied and no guest allocator run.
    const SCALAR_WAT: &str = r#"(component
        (core module $m (func (export "noop") (result i32) i32.const 7))
        (core instance $i (instantiate $m))
        (func (export "noop") (result u32) (canon lift (core func $i "noop"))))"#;

    pub fn prepare_scalar(variant: Variant) -> Prepared {
        let engine = engine_with(variant, None);
        let bytes = wat::parse_str(SCALAR_WAT).expect("scalar component text");
        let component = Component::new(&engine, &bytes).expect("scalar component");
        Prepared { variant, engine, component, v1: false, scalar: true }
    }

    /// Warm-up, single timed calls, batches, one long run of `$call`.
    macro_rules! measure {
        ($calls:expr, $batches:expr, $long:expr, $call:expr) => {{
            for _ in 0..1_000 {
                $call.expect("no trap").expect("no error");
            }
            let mut sorted = Vec::with_capacity($calls);
            for _ in 0..$calls {
                let started = Instant::now();
                let answer = $call;
                sorted.push(started.elapsed());
                answer.expect("no trap").expect("no error");
            }
            sorted.sort();
            let mut means = Vec::with_capacity($batches);
            for _ in 0..$batches {
                let started = Instant::now();
                for _ in 0..BATCH {
                    $call.expect("no trap").expect("no error");
                }
                means.push(started.elapsed() / BATCH);
            }
            means.sort();
            let started = Instant::now();
            for _ in 0..$long {
                $call.expect("no trap").expect("no error");
            }
            let long_mean = started.elapsed() / u32::try_from($long).expect("run size");
            Timings { sorted, batches: means, long_mean }
        }};
    }

    /// Calls per timed batch.
    pub const BATCH: u32 = 100;

    /// Advances `engine`'s epoch every 10 ms, as the host's ticker, until
    /// dropped.
    struct Ticker(Arc<AtomicBool>, Option<std::thread::JoinHandle<()>>);

    impl Ticker {
        fn start(engine: &Engine) -> Self {
            let stop = Arc::new(AtomicBool::new(false));
            let (engine, flag) = (engine.clone(), stop.clone());
            let thread = std::thread::spawn(move || {
                while !flag.load(Ordering::Relaxed) {
                    std::thread::sleep(Duration::from_millis(10));
                    engine.increment_epoch();
                }
            });
            Self(stop, Some(thread))
        }
    }

    impl Drop for Ticker {
        fn drop(&mut self) {
            self.0.store(true, Ordering::Relaxed);
            if let Some(thread) = self.1.take() {
                let _ = thread.join();
            }
        }
    }

    /// `validate(value)` on one instance, the host's way: `call_async` of the
    /// bindings' `TypedFunc`, on a fiber, with the host's epoch regime.
    pub async fn asynchronous(prepared: &Prepared, value: &str, calls: usize, batches: usize, long: usize) -> Timings {
        let Prepared { variant, engine, component, .. } = prepared;
        let (variant, engine, component) = (*variant, engine, component);
        let mut linker = Linker::<()>::new(engine);
        linker.define_unknown_imports_as_traps(component).expect("import stubs");
        let _ticker = (variant != Variant::NoEpoch).then(|| Ticker::start(engine));
        let mut store = Store::new(engine, ());
        if variant != Variant::NoEpoch {
            store.set_epoch_deadline(1);
            store.epoch_deadline_callback(|_| Ok(UpdateDeadline::Yield(1)));
        }
        let options = "{}".to_owned();
        if prepared.scalar {
            let instance = linker.instantiate_async(&mut store, component).await.expect("instance");
            let noop = instance.get_typed_func::<(), (u32,)>(&mut store, "noop").expect("noop export");
            measure!(calls, batches, long, noop.call_async(&mut store, ()).await.map(|(v,)| Ok::<u32, ()>(v)))
        } else if prepared.v1 {
            let plugin =
                asynchronous_v1::Warm::instantiate_async(&mut store, component, &linker).await.expect("instance");
            let guest = plugin.guichet_plugin_type_de_champ();
            measure!(calls, batches, long, guest.call_validate(&mut store, value, &options).await)
        } else {
            let plugin = asynchronous::Warm::instantiate_async(&mut store, component, &linker).await.expect("instance");
            let guest = plugin.guichet_plugin_type_de_champ();
            measure!(calls, batches, long, guest.call_validate(&mut store, value, &options).await)
        }
    }

    /// `validate(value)` on one instance, called synchronously (no fiber, no
    /// epoch callback): the cheapest crossing wasmtime offers, for comparison.
    pub fn synchronous(prepared: &Prepared, value: &str, calls: usize, batches: usize, long: usize) -> Timings {
        let Prepared { engine, component, .. } = prepared;
        let mut linker = Linker::<()>::new(engine);
        linker.define_unknown_imports_as_traps(component).expect("import stubs");
        let mut store = Store::new(engine, ());
        // No ticker runs here: the deadline is never reached.
        store.set_epoch_deadline(1 << 40);
        let options = "{}".to_owned();
        if prepared.scalar {
            let instance = linker.instantiate(&mut store, component).expect("instance");
            let noop = instance.get_typed_func::<(), (u32,)>(&mut store, "noop").expect("noop export");
            measure!(calls, batches, long, noop.call(&mut store, ()).map(|(v,)| Ok::<u32, ()>(v)))
        } else if prepared.v1 {
            let plugin = synchronous_v1::Warm::instantiate(&mut store, component, &linker).expect("instance");
            let guest = plugin.guichet_plugin_type_de_champ();
            measure!(calls, batches, long, guest.call_validate(&mut store, value, &options))
        } else {
            let plugin = synchronous::Warm::instantiate(&mut store, component, &linker).expect("instance");
            let guest = plugin.guichet_plugin_type_de_champ();
            measure!(calls, batches, long, guest.call_validate(&mut store, value, &options))
        }
    }

    /// What one `Instant::now()` + `elapsed()` pair costs here (p50).
    pub fn clock_read() -> Duration {
        let mut samples: Vec<Duration> = (0..10_000)
            .map(|_| {
                let started = Instant::now();
                std::hint::black_box(started.elapsed())
            })
            .collect();
        samples.sort();
        samples[samples.len() / 2]
    }
}

#[tokio::main]
async fn main() {
    if std::env::args().any(|a| a == "--list") {
        return; // `cargo test --benches` probes with --list
    }
    let siret_dir = plugin_dir("plugins/dist/siret");
    let iban_dir = plugin_dir("plugins/dist-examples/iban");
    let rna_dir = plugin_dir("plugins/dist-examples/rna");
    let boucle_dir = plugin_dir("plugins/dist-fixtures/boucle");
    let whole_run = Instant::now();
    println!(
        "guichet plugin benchmark: {} tokio workers, {} cores, load average {} (other work on the machine skews \
         the figures), fresh compile cache",
        tokio::runtime::Handle::current().metrics().num_workers(),
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        std::fs::read_to_string("/proc/loadavg")
            .unwrap_or_default()
            .split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    );

    // `GUICHET_BENCH_ONLY=warm`: section 2 alone (a few seconds), to try
    // engine settings or profile the crossing.
    if std::env::var("GUICHET_BENCH_ONLY").is_ok_and(|only| only == "warm") {
        warm_section(&siret_dir).await;
        return;
    }

    // 4. Loads. A cache folder of our own, empty: the first load of each
    // plugin compiles (cold) and fills it; then new hosts load from it.
    let cache = tempfile::tempdir().expect("cache dir");
    let cache = cache.path();
    println!("\n── 4. load_plugin (compile + checks + describe) ──");
    println!("  {:<46} {:>12}   {:<14}", "", "", "target");
    let rust = (PluginLimits::default(), guichet::plugins::DEFAULT_MAX_CONCURRENT_CALLS);
    let mut plugins: Vec<(String, &str, PathBuf, PluginLimits, usize)> = vec![
        ("siret 2.0.0 (Rust)".into(), "siret", siret_dir.clone(), rust.0, rust.1),
        ("iban (Python)".into(), "iban", iban_dir.clone(), INTERPRETED_LIMITS, INTERPRETED_CONCURRENCY),
        ("rna (JavaScript)".into(), "rna", rna_dir.clone(), INTERPRETED_LIMITS, INTERPRETED_CONCURRENCY),
    ];
    for id in ["adresse", "carte", "routage", "attestation", "rendez-vous"] {
        plugins.push((format!("{id} (Rust, 0.2.1)"), id, plugin_dir(&format!("plugins/dist/{id}")), rust.0, rust.1));
    }
    for (name, id, dir, limits, concurrency) in plugins {
        let dir = dir.as_path();
        let wasm = dir.join(format!("{id}.wasm"));
        let size = std::fs::metadata(&wasm).map_or(0, |m| m.len());
        let cold = timed_load(&host(limits, concurrency, cache), dir).await;
        let mut cached = Vec::with_capacity(CACHED_LOADS);
        for _ in 0..CACHED_LOADS {
            // A new host each time: nothing of the previous load survives
            // but the cache folder.
            let fresh = host(limits, concurrency, cache);
            cached.push(timed_load(&fresh, dir).await);
        }
        cached.sort();
        let median = cached[cached.len() / 2];
        let size =
            if size < 1_000_000 { format!("{} KB", size / 1_000) } else { format!("{:.1} MB", size as f64 / 1e6) };
        info(&format!("{name}, {size}: cold (compiling)"), format!("{:.1} ms", ms(cold)));
        row(
            &format!("{name}: cached, median of {CACHED_LOADS}"),
            format!("{:.2} ms", ms(median)),
            "≤ 5 ms",
            Some(median <= Duration::from_millis(5)),
        );
        info(
            "    (min … max; cold / cached)",
            format!(
                "{:.2} … {:.2} ms; {:.0}×",
                ms(cached[0]),
                ms(cached[cached.len() - 1]),
                cold.as_secs_f64() / median.as_secs_f64()
            ),
        );
        if id == "iban" || id == "rna" {
            let parts = load_parts::measure(&wasm);
            info(
                "    parts: read + SHA-256 of the .wasm",
                format!("{:.1} + {:.1} ms", ms(parts.read), ms(parts.sha256)),
            );
            info(
                &format!("    parts: wasmtime cache hit, {:.1} MB zstd", parts.cache_entry_bytes as f64 / 1e6),
                format!("{:.1} ms", ms(parts.cache_hit)),
            );
            info(
                &format!("    vs: deserialize_file, {:.1} MB uncompressed", parts.artifact_bytes as f64 / 1e6),
                format!("{:.2} ms", ms(parts.deserialize_file)),
            );
        }
    }

    // The hosts the calls below use, loaded from the now-populated cache.
    let rust_host = Arc::new(host(PluginLimits::default(), guichet::plugins::DEFAULT_MAX_CONCURRENT_CALLS, cache));
    timed_load(&rust_host, &siret_dir).await;
    let interpreted_host = host(INTERPRETED_LIMITS, INTERPRETED_CONCURRENCY, cache);
    for dir in [&iban_dir, &rna_dir] {
        timed_load(&interpreted_host, dir).await;
    }
    assert_eq!(
        rust_host.validate("siret", SIRET, "{}").await.expect("siret"),
        PluginValidation::Valid { normalized: SIRET_NORMALIZED.to_owned() }
    );

    // 1. Fresh instance per call, the Rust plugin.
    println!("\n── 1. validate, fresh instance per call, siret (Rust), {RUST_CALLS} sequential calls ──");
    println!("  allocator: {:?}", rust_host.allocator());
    let siret = fresh_calls(&rust_host, "siret", SIRET, WARM_UP, RUST_CALLS).await;
    let siret_p50 = pct(&siret, 0.50);
    let siret_p99 = pct(&siret, 0.99);
    row(
        "p50, valid SIRET",
        format!("{:.1} µs", us(siret_p50)),
        "≤ 50 µs",
        Some(siret_p50 <= Duration::from_micros(50)),
    );
    row(
        "p99, valid SIRET",
        format!("{:.1} µs", us(siret_p99)),
        "≤ 150 µs",
        Some(siret_p99 <= Duration::from_micros(150)),
    );
    info("max", format!("{:.1} µs", us(siret[siret.len() - 1])));
    let short = fresh_calls(&rust_host, "siret", "1", WARM_UP, RUST_CALLS).await;
    info("p50, 1-byte value (invalid: longueur)", format!("{:.1} µs", us(pct(&short, 0.5))));

    // 2. Warm crossing, outside the host (see the `warm` module).
    let host_short = warm_section(&siret_dir).await;
    println!(
        "  fresh-instance overhead (fresh p50 − warm async p50, 1-byte value): {:.1} µs; fresh / warm: {:.0}×",
        us(pct(&short, 0.5).saturating_sub(host_short)),
        pct(&short, 0.5).as_secs_f64() / host_short.as_secs_f64()
    );

    // 3. Interpreted guests.
    println!("\n── 3. validate, fresh instance per call, interpreted guests, {INTERPRETED_CALLS} sequential calls ──");
    println!("  limits: {INTERPRETED_LIMITS:?}");
    for (name, id, value, target_ms) in [("iban (Python)", "iban", IBAN, 3), ("rna (JavaScript)", "rna", RNA, 2)] {
        let latencies = fresh_calls(&interpreted_host, id, value, INTERPRETED_WARM_UP, INTERPRETED_CALLS).await;
        let p50 = pct(&latencies, 0.5);
        row(
            &format!("{name}: p50"),
            format!("{:.2} ms", ms(p50)),
            &format!("≤ {target_ms} ms"),
            Some(p50 <= Duration::from_millis(target_ms)),
        );
        info(&format!("{name}: p99"), format!("{:.2} ms", ms(pct(&latencies, 0.99))));
        info(&format!("{name}: p50 / siret p50"), format!("{:.0}×", p50.as_secs_f64() / siret_p50.as_secs_f64()));
    }
    drop(interpreted_host);

    // 5. Runaway guest.
    let deadline = rust_host.limits().cpu_deadline;
    println!("\n── 5. endless loop (boucle) stopped: {RUNAWAYS} calls, cpu_deadline {deadline:?}, 10 ms epoch tick ──");
    let mut overshoots = Vec::with_capacity(RUNAWAYS);
    for _ in 0..RUNAWAYS {
        // A new host (loading from the cache, untimed) for every call: the
        // circuit breaker opens after a few consecutive failures and would
        // then refuse the call (`Degraded`) instead of running it.
        let runaway_host = host(PluginLimits::default(), guichet::plugins::DEFAULT_MAX_CONCURRENT_CALLS, cache);
        timed_load(&runaway_host, &boucle_dir).await;
        let started = Instant::now();
        let error = runaway_host.validate("boucle", "1", "{}").await.expect_err("an endless loop cannot answer");
        let elapsed = started.elapsed();
        assert!(matches!(error, PluginError::DeadlineExceeded { .. }), "boucle: {error:?}");
        // Signed: the epoch deadline may stop the guest up to one tick early.
        overshoots.push(elapsed.as_secs_f64() - deadline.as_secs_f64());
    }
    overshoots.sort_by(f64::total_cmp);
    let over_p50 = overshoots[overshoots.len() / 2];
    let over_max = overshoots[overshoots.len() - 1];
    row("elapsed − deadline, p50", format!("{:+.1} ms", over_p50 * 1e3), "≤ +20 ms", Some(over_p50 <= 0.020));
    row("elapsed − deadline, max", format!("{:+.1} ms", over_max * 1e3), "≤ +20 ms", Some(over_max <= 0.020));
    info("elapsed − deadline, min", format!("{:+.1} ms", overshoots[0] * 1e3));

    // 6. Throughput.
    println!("\n── 6. throughput, siret validate, fresh instance per call, {THROUGHPUT_FOR:?} per run ──");
    let baseline = throughput(&rust_host, 1).await;
    let concurrent = throughput(&rust_host, THROUGHPUT_TASKS).await;
    println!(
        "  {:<30} {:>10}   {:>8}   {:>8}   {:>18}   {:>12}",
        "", "calls/s", "p50", "p99", "CPU user + system", "calls/CPU-s"
    );
    for (label, t) in
        [("1 task (baseline)".to_owned(), &baseline), (format!("{THROUGHPUT_TASKS} tokio tasks"), &concurrent)]
    {
        println!(
            "  {label:<30} {:>10.0}   {:>5.1} µs   {:>5.1} µs   {:>6.2} + {:.2} cores   {:>12.0}",
            t.per_sec,
            us(t.p50),
            us(t.p99),
            t.user_cores,
            t.system_cores,
            t.per_sec / (t.user_cores + t.system_cores)
        );
        if t.busy > 0 {
            println!("  {label:<30} {} calls refused Busy", t.busy);
        }
    }
    println!("  ratio {THROUGHPUT_TASKS} tasks / 1 task: {:.2}×", concurrent.per_sec / baseline.per_sec);

    // 7. The extension points of guichet:plugin@0.2.x.
    extension_points(&rust_host, cache, &siret_dir, siret_p50).await;

    println!("\nwhole benchmark: {:.0} s", whole_run.elapsed().as_secs_f64());
}

/// Section 2; answers the host-way p50 of a 1-byte `validate`.
async fn warm_section(siret_dir: &Path) -> Duration {
    println!("\n── 2. warm boundary crossing: validate on ONE live instance (wasmtime direct, not the host API) ──");
    println!("  menteur: identity validate, 0.1.0 world, no SDK (2 strings in, 1 string out, no guest work)");
    println!(
        "  curieux: identity validate through the SDK (built on 0.2.1, bound here by the 0.2.0 WIT), which parses the options JSON"
    );
    println!("  siret:   the real validate (SDK, options parse, Luhn check, normalization)");
    println!("  scalar:  `noop: func() -> u32`, a component with no strings: the boundary alone (target ≤ 0.5 µs)");
    println!("  (validate lines: strings and a result record cross; the research baseline for those is ≤ 1.5 µs)");
    let wasm = siret_dir.join("siret.wasm");
    let clock = warm::clock_read();
    println!(
        "  one clock read (Instant::now + elapsed), p50: {:.3} µs: inside every single-call sample, not in batch means",
        us(clock)
    );
    let cases = warm_cases(&wasm).await;
    println!(
        "  {:<8} {:<46} {:>5}   {:>9}   {:>9}   {:>11}   {:>9}   {:>5}   {:<10}",
        "guest",
        "",
        "value",
        "call p50",
        "call p99",
        format!("{}-batch p50", warm::BATCH),
        "long mean",
        "/sync",
        "target"
    );
    let sync_of = |guest: &str, value: &str| {
        cases
            .iter()
            .find(|c| c.guest == guest && c.label == WARM_SYNC && c.value == value)
            .map_or(Duration::MAX, |c| c.batch_p50)
    };
    for case in &cases {
        // Judged on the median, over rounds, of the p50 of 100-call batch
        // means: the same calls, without a clock read in each sample and
        // without the preemptions a long run takes in.
        println!(
            "  {:<8} {:<46} {:>5}   {:>6.3} µs   {:>6.3} µs   {:>8.3} µs   {:>6.3} µs   {:>4.2}×   {:<10} {}",
            case.guest,
            case.label,
            if case.value == SIRET { "SIRET" } else { "1 B" },
            us(case.call_p50),
            us(case.call_p99),
            us(case.batch_p50),
            us(case.long_mean),
            case.batch_p50.as_secs_f64() / sync_of(case.guest, case.value).as_secs_f64(),
            if case.guest == "scalar" { "≤ 0.5 µs" } else { "≤ 1.5 µs" },
            verdict(case.batch_p50 <= Duration::from_nanos(if case.guest == "scalar" { 500 } else { 1_500 })),
        );
    }
    println!(
        "  (median of {WARM_ROUNDS} interleaved rounds per line; per round {WARM_CALLS} timed calls, \
         {WARM_BATCHES} batches of {}, {WARM_LONG} calls in one run)",
        warm::BATCH
    );
    cases
        .iter()
        .find(|c| c.guest == "siret" && c.label == WARM_HOST && c.value == "1")
        .map_or(Duration::ZERO, |c| c.call_p50)
}

const WARM_SYNC: &str = "sync, no fiber (baseline)";
const WARM_HOST: &str = "async, host's engine (pooling, 2 MiB stacks)";

/// One line of section 2: medians over rounds.
struct WarmCase {
    guest: &'static str,
    label: &'static str,
    value: &'static str,
    call_p50: Duration,
    call_p99: Duration,
    batch_p50: Duration,
    long_mean: Duration,
}

fn median(mut values: Vec<Duration>) -> Duration {
    values.sort();
    values[values.len() / 2]
}

/// Every engine variant against both values, `WARM_ROUNDS` times with the
/// variants interleaved, so that a noisy second hits all of them alike.
async fn warm_cases(siret: &Path) -> Vec<WarmCase> {
    use warm::Variant;
    let menteur = plugin_dir("plugins/dist-fixtures/menteur").join("menteur.wasm");
    let curieux = plugin_dir("plugins/dist-fixtures/curieux").join("curieux.wasm");
    let host = warm::prepare(Variant::Host, siret, false);
    let on_demand = warm::prepare(Variant::OnDemand, siret, false);
    let small_stack = warm::prepare(Variant::SmallStack, siret, false);
    let no_epoch = warm::prepare(Variant::NoEpoch, siret, false);
    let identity_v1 = warm::prepare(Variant::Host, &menteur, true);
    let identity_v2 = warm::prepare(Variant::Host, &curieux, false);
    let scalar = warm::prepare_scalar(Variant::Host);
    let mut lines: Vec<(&'static str, &'static str, bool, &warm::Prepared, &'static str)> = vec![
        ("scalar", WARM_SYNC, false, &scalar, "1"),
        ("scalar", WARM_HOST, true, &scalar, "1"),
        ("menteur", WARM_SYNC, false, &identity_v1, "1"),
        ("menteur", WARM_HOST, true, &identity_v1, "1"),
        ("curieux", WARM_SYNC, false, &identity_v2, "1"),
        ("curieux", WARM_HOST, true, &identity_v2, "1"),
    ];
    for value in ["1", SIRET] {
        lines.extend([
            ("siret", WARM_SYNC, false, &host, value),
            ("siret", WARM_HOST, true, &host, value),
            ("siret", "async, on-demand allocator (previous measure)", true, &on_demand, value),
            ("siret", "async, 256 KiB fiber stacks", true, &small_stack, value),
            ("siret", "async, no epoch interruption (diagnostic)", true, &no_epoch, value),
            ("siret", "sync, no epoch interruption (diagnostic)", false, &no_epoch, value),
        ]);
    }
    let mut samples: Vec<Vec<warm::Timings>> = (0..lines.len()).map(|_| Vec::new()).collect();
    for _ in 0..WARM_ROUNDS {
        for (i, (_, _, asynchronous, prepared, value)) in lines.iter().enumerate() {
            let timings = if *asynchronous {
                warm::asynchronous(prepared, value, WARM_CALLS, WARM_BATCHES, WARM_LONG).await
            } else {
                warm::synchronous(prepared, value, WARM_CALLS, WARM_BATCHES, WARM_LONG)
            };
            samples[i].push(timings);
        }
    }
    let mut cases = Vec::with_capacity(samples.len());
    for (rounds, (guest, label, _, _, value)) in samples.into_iter().zip(lines) {
        cases.push(WarmCase {
            guest,
            label,
            value,
            call_p50: median(rounds.iter().map(|t| pct(&t.sorted, 0.5)).collect()),
            call_p99: median(rounds.iter().map(|t| pct(&t.sorted, 0.99)).collect()),
            batch_p50: median(rounds.iter().map(|t| pct(&t.batches, 0.5)).collect()),
            long_mean: median(rounds.iter().map(|t| t.long_mean).collect()),
        });
    }
    cases
}

/// Dossier 4021 of « Aide au permis de conduire » with `champs` (the
/// snapshot the host gives routage and attestation plugins).
fn dossier(champs: Vec<ChampSnapshot>) -> DossierSnapshot {
    DossierSnapshot {
        numero: 4021,
        etat: "accepte".into(),
        demarche_numero: 3,
        demarche_libelle: "Aide au permis de conduire".into(),
        usager_email: "paul.martin@example.fr".into(),
        depose_le: Some("2026-02-03T08:00:00Z".into()),
        decide_le: Some("2026-03-12T23:30:00Z".into()),
        en_instruction_le: Some("2026-02-20T10:00:00Z".into()),
        motivation: Some("Dossier complet".into()),
        champs,
    }
}

fn champ(stable_id: u64, libelle: &str, type_champ: &str, valeur: &str) -> ChampSnapshot {
    ChampSnapshot {
        stable_id,
        libelle: libelle.into(),
        type_champ: type_champ.into(),
        valeur: Some(valeur.into()),
        donnees: None,
    }
}

/// A dossier of `n` filled text champs plus the département champ (12).
fn dossier_of(n: u64) -> DossierSnapshot {
    let mut champs: Vec<ChampSnapshot> =
        (0..n).map(|i| champ(100 + i, &format!("Question {i}"), "texte", &format!("Réponse numéro {i}"))).collect();
    champs.push(champ(3, "Nom", "texte", "Martin"));
    champs.push(champ(12, "Département", "departements", "69"));
    dossier(champs)
}

/// `count` distinct SIRETs of DINUM's SIREN with valid Luhn keys: each one
/// misses the host's cache, so each `enrich` makes its HTTP call.
fn sirets(count: u32) -> Vec<String> {
    (1..=count)
        .map(|nic| {
            let stem = format!("130025265{nic:04}");
            (0..10)
                .map(|key| format!("{stem}{key}"))
                .find(|siret| luhn_ok(siret))
                .expect("one key digit makes the sum a multiple of 10")
        })
        .collect()
}

fn luhn_ok(digits: &str) -> bool {
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 1 {
                let doubled = d * 2;
                if doubled > 9 { doubled - 9 } else { doubled }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// p50 / p95 / p99 of sorted samples, in milliseconds.
fn ms3(sorted: &[Duration]) -> (f64, f64, f64) {
    (ms(pct(sorted, 0.5)), ms(pct(sorted, 0.95)), ms(pct(sorted, 0.99)))
}

/// Routage, attestation and enrich through the host API, each next to a
/// baseline of the same run.
async fn extension_points(rust_host: &PluginHost, cache: &Path, siret_dir: &Path, siret_p50: Duration) {
    println!("\n── 7. guichet:plugin@0.2.x extension points, host API, fresh instance per call ──");
    let siret_p50_us = us(siret_p50);
    println!("  baseline: siret validate, fresh instance, p50 {siret_p50_us:.1} µs (section 1)");

    // Routage: pure, a small dossier, as at dépôt.
    timed_load(rust_host, &plugin_dir("plugins/dist/routage")).await;
    let groupes: Vec<GroupeSnapshot> = [(1, "Défaut"), (7, "Lyon"), (9, "Marseille")]
        .into_iter()
        .map(|(id, libelle)| GroupeSnapshot { id, libelle: libelle.into() })
        .collect();
    let table = r#"{"champ": 12, "table": "69 = Lyon\n13 = Marseille"}"#;
    for dossier in [dossier_of(1), dossier_of(48)] {
        let label = format!("{} champs", dossier.champs.len());
        let decision = rust_host.route("routage", &dossier, &groupes, table).await.expect("routage decides");
        assert_eq!(decision.groupe, Some(7), "{}", decision.explication);
        for _ in 0..WARM_UP {
            rust_host.route("routage", &dossier, &groupes, table).await.expect("route");
        }
        let mut latencies = Vec::with_capacity(RUST_CALLS);
        for _ in 0..RUST_CALLS {
            let started = Instant::now();
            let decision = rust_host.route("routage", &dossier, &groupes, table).await;
            latencies.push(started.elapsed());
            decision.expect("route");
        }
        latencies.sort();
        let (p50, p99) = (pct(&latencies, 0.5), pct(&latencies, 0.99));
        row(
            &format!("route, {label}: p50 (× siret validate)"),
            format!("{:.1} µs {:.2}×", us(p50), us(p50) / siret_p50_us),
            "≤ 50 µs",
            Some(p50 <= Duration::from_micros(50)),
        );
        row(
            &format!("route, {label}: p99"),
            format!("{:.1} µs", us(p99)),
            "≤ 150 µs",
            Some(p99 <= Duration::from_micros(150)),
        );
    }

    // Attestation: the plugin builds the document, the host renders it
    // (guichet-document, on the blocking pool); both are in the figure.
    timed_load(rust_host, &plugin_dir("plugins/dist/attestation")).await;
    let template = AttestationTemplate {
        titre: "Attestation n° --numéro du dossier--".into(),
        corps: "M. --Nom--, votre demande « --libellé démarche-- » déposée le --date de dépôt-- est acceptée.\n\n\
                Motif : --motivation--."
            .into(),
        pied_de_page: "Préfecture du Rhône, 69003 Lyon".into(),
        entete: vec!["Préfecture du Rhône".into()],
        logo: None,
        signature: None,
    };
    let verification = "https://guichet.example.fr/v/3f9a";
    for (dossier, options) in [(dossier_of(2), "{}"), (dossier_of(18), r#"{"tableau-des-champs": true}"#)] {
        let label = if options == "{}" {
            format!("text, {} champs", dossier.champs.len())
        } else {
            format!("table of {} champs", dossier.champs.len())
        };
        let mut latencies = Vec::with_capacity(ATTESTATIONS);
        let mut bytes = 0;
        for i in 0..ATTESTATIONS + ATTESTATION_WARM_UP {
            let started = Instant::now();
            let document =
                rust_host.render_attestation("attestation", &dossier, &template, verification, options).await;
            let elapsed = started.elapsed();
            let document = document.expect("attestation renders");
            assert!(document.data.starts_with(b"%PDF-"));
            bytes = document.data.len();
            if i >= ATTESTATION_WARM_UP {
                latencies.push(elapsed);
            }
        }
        latencies.sort();
        let (p50, p95, _) = ms3(&latencies);
        row(
            &format!("render_attestation, {label}, {} KB: p50", bytes / 1_000),
            format!("{p50:.2} ms"),
            "(none set)",
            None,
        );
        info(
            &format!("render_attestation, {label}: p95 (p50 × siret)"),
            format!("{p95:.2} ms ({:.0}×)", p50 * 1e3 / siret_p50_us),
        );
    }

    // Enrich: one GET to the API Entreprise contract server per call (a new
    // SIRET each time, so the plugin's cache never answers), against the
    // same GET made by reqwest from this process.
    let insee = ApiEntreprise::start().await;
    let base = insee.base_url();
    let operator = format!(
        "[siret]\nhttp = [\"https://entreprise.api.gouv.fr\"]\nallow-private-addresses = true\n\
         [siret.relocate]\n\"https://entreprise.api.gouv.fr\" = \"{base}\"\n\
         [siret.config]\nrecipient = \"{}\"\n[siret.secrets]\napi-entreprise = \"{}\"\n",
        api_entreprise::RECIPIENT,
        api_entreprise::TOKEN
    );
    let enrich_host = host(PluginLimits::default(), guichet::plugins::DEFAULT_MAX_CONCURRENT_CALLS, cache);
    enrich_host.set_operator_config(OperatorConfig::parse(&operator, |_| None).expect("operator configuration"));
    timed_load(&enrich_host, siret_dir).await;
    let template_data = api_entreprise::etablissements()
        .into_iter()
        .find(|e| e["siret"] == api_entreprise::SIRET_DINUM)
        .expect("DINUM is canned");
    let numbers = sirets(u32::try_from(ENRICH_WARM_UP + ENRICH_CALLS).expect("count"));
    for siret in &numbers {
        let mut data = template_data.clone();
        data["siret"] = serde_json::Value::String(siret.clone());
        insee.insert_etablissement(data);
    }
    insee.clear_requests();
    let mut latencies = Vec::with_capacity(ENRICH_CALLS);
    for (i, siret) in numbers.iter().enumerate() {
        let started = Instant::now();
        let outcome = enrich_host.enrich("siret", siret, "{}").await;
        let elapsed = started.elapsed();
        match outcome {
            Ok(Ok(Some(_))) => {}
            other => panic!("siret enrich of {siret}: {other:?}"),
        }
        if i >= ENRICH_WARM_UP {
            latencies.push(elapsed);
        }
    }
    latencies.sort();
    let requests = insee.requests();
    assert_eq!(requests.len(), numbers.len(), "one GET per enrichment");
    let last = requests.last().expect("a request");
    assert_eq!(last.header("authorization"), Some(format!("Bearer {}", api_entreprise::TOKEN).as_str()));
    let (path, query) = (last.path.clone(), last.query.clone());
    let siret_of_last = numbers.last().expect("a siret");

    // The cached enrich: same SIRET again, no HTTP.
    let mut cached = Vec::with_capacity(RUST_CALLS / 5);
    for _ in 0..RUST_CALLS / 5 {
        let started = Instant::now();
        let outcome = enrich_host.enrich("siret", siret_of_last, "{}").await;
        cached.push(started.elapsed());
        assert!(matches!(outcome, Ok(Ok(Some(_)))), "cached enrich: {outcome:?}");
    }
    cached.sort();
    assert_eq!(insee.requests().len(), numbers.len(), "the cache answered");

    // The same GET from reqwest: once on a new connection each time (as the
    // host's wasi:http makes it), once on a kept-alive one.
    let url = format!("{base}{path}?{query}");
    let mut baselines = Vec::new();
    for keep_alive in [false, true] {
        let mut builder = reqwest::Client::builder();
        if !keep_alive {
            builder = builder.pool_max_idle_per_host(0);
        }
        let client = builder.build().expect("reqwest client");
        let mut samples = Vec::with_capacity(ENRICH_CALLS);
        for i in 0..ENRICH_WARM_UP + ENRICH_CALLS {
            let started = Instant::now();
            let response = client
                .get(&url)
                .header("Accept", "application/json")
                .header("Authorization", format!("Bearer {}", api_entreprise::TOKEN))
                .send()
                .await
                .expect("GET");
            assert!(response.status().is_success(), "{}", response.status());
            let body = response.bytes().await.expect("body");
            let elapsed = started.elapsed();
            assert!(!body.is_empty());
            if i >= ENRICH_WARM_UP {
                samples.push(elapsed);
            }
        }
        samples.sort();
        baselines.push(samples);
    }
    let (enrich_p50, enrich_p95, _) = ms3(&latencies);
    let (fresh_p50, fresh_p95, _) = ms3(&baselines[0]);
    let (kept_p50, _, _) = ms3(&baselines[1]);
    info("enrich siret, 1 GET (cache miss): p50", format!("{enrich_p50:.3} ms"));
    info("enrich siret, 1 GET (cache miss): p95", format!("{enrich_p95:.3} ms"));
    info("reqwest GET, new connection: p50 / p95", format!("{fresh_p50:.3} / {fresh_p95:.3} ms"));
    info("reqwest GET, kept-alive connection: p50", format!("{kept_p50:.3} ms"));
    row("enrich p50 / reqwest p50 (new connection)", format!("{:.2}×", enrich_p50 / fresh_p50), "(none set)", None);
    info(
        "host overhead of the plugin's HTTP call, p50",
        format!("{:+.3} ms (kept-alive: {:+.3})", enrich_p50 - fresh_p50, enrich_p50 - kept_p50),
    );
    info(
        "enrich siret from the host cache (no HTTP): p50",
        format!("{:.1} µs ({:.1}× validate)", us(pct(&cached, 0.5)), us(pct(&cached, 0.5)) / siret_p50_us),
    );
}

struct Throughput {
    per_sec: f64,
    p50: Duration,
    p99: Duration,
    busy: usize,
    /// CPU the process used per second of the run, user and system (cores).
    user_cores: f64,
    system_cores: f64,
}

/// User and system CPU time of this process so far (`/proc/self/stat`,
/// fields 14 and 15, in USER_HZ = 100 ticks per second on Linux).
fn cpu_times() -> (Duration, Duration) {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // The command name (field 2) may hold spaces: count from after its ')'.
    let fields: Vec<&str> = stat.rsplit_once(')').map_or("", |(_, rest)| rest).split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<u64>().ok()).unwrap_or(0);
    (Duration::from_millis(ticks(11) * 10), Duration::from_millis(ticks(12) * 10))
}

async fn throughput(host: &Arc<PluginHost>, tasks: usize) -> Throughput {
    let (user, system) = cpu_times();
    let started = Instant::now();
    let mut running = Vec::with_capacity(tasks);
    for _ in 0..tasks {
        let host = Arc::clone(host);
        running.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut busy = 0;
            while started.elapsed() < THROUGHPUT_FOR {
                let call = Instant::now();
                match host.validate("siret", SIRET, "{}").await {
                    Ok(_) => latencies.push(call.elapsed()),
                    Err(PluginError::Busy { .. }) => busy += 1,
                    Err(error) => panic!("siret validate: {error}"),
                }
            }
            (latencies, busy)
        }));
    }
    let mut latencies = Vec::new();
    let mut busy = 0;
    for task in running {
        let (mine, refused) = task.await.expect("throughput task");
        latencies.extend(mine);
        busy += refused;
    }
    let wall = started.elapsed();
    let (user_after, system_after) = cpu_times();
    latencies.sort();
    Throughput {
        per_sec: latencies.len() as f64 / wall.as_secs_f64(),
        p50: pct(&latencies, 0.5),
        p99: pct(&latencies, 0.99),
        busy,
        user_cores: (user_after - user).as_secs_f64() / wall.as_secs_f64(),
        system_cores: (system_after - system).as_secs_f64() / wall.as_secs_f64(),
    }
}
