//! Benchmark of the plugin host (run with `scripts/bench.sh`, or
//! `cargo bench --bench plugins` once `scripts/build-plugins.sh` has run):
//!
//! 1. a fresh-instance `validate` of the Rust champ (siret), p50/p99;
//! 2. a warm boundary crossing: `validate` called again and again on ONE
//!    instance. The host has no API for that (every call gets a fresh
//!    instance, by design), so this part drives wasmtime directly, with the
//!    host's engine settings and the same WIT bindings;
//! 3. fresh-instance `validate` of the Python (iban) and JavaScript (rna)
//!    examples, p50/p99;
//! 4. `load_plugin` from a populated compile cache, next to the cold
//!    (compiling) load of the same run, and, for the big interpreted
//!    components, where a cached load spends its time;
//! 5. how soon an endless loop (`boucle`) is stopped after its CPU deadline;
//! 6. throughput of concurrent siret validations, with the CPU (user and
//!    system) the process used meanwhile.
//!
//! Each figure is printed with its target, and, where one makes sense, a
//! ratio against a baseline measured in the same run. Runs in about a
//! minute on 2 cores, most of it compiling the Python and JavaScript
//! components (twice: for the host, and for the load breakdown).

use guichet::plugins::{PluginError, PluginHost, PluginLimits, PluginValidation};
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
/// Calls on one warm instance, timed one by one, then as one batch.
const WARM_CALLS: usize = 20_000;
const WARM_BATCH: usize = 200_000;
/// `load_plugin` repetitions from the populated cache (median reported).
const CACHED_LOADS: usize = 5;
const RUNAWAYS: usize = 20;
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
/// plugin host. The engine is configured as the host's (Cranelift at
/// `OptLevel::Speed`, component model, epoch interruption compiled in), but
/// without the pooling allocator, which only matters for instantiation.
/// WASI imports are stubbed with traps: siret's `validate` calls none.
mod warm {
    use std::path::Path;
    use std::time::{Duration, Instant};
    use wasmtime::component::{Component, HasSelf, Linker};
    use wasmtime::{Cache, CacheConfig, Config, Engine, OptLevel, Store, Strategy};

    /// The generated canonical-ABI code is unsafe by nature.
    #[allow(unsafe_code, reason = "code generated by wasmtime's bindgen!")]
    pub mod asynchronous {
        wasmtime::component::bindgen!({
            world: "type-de-champ-plugin",
            path: "wit/guichet-plugin@0.1.0",
            imports: { default: async },
            exports: { default: async },
        });
    }

    #[allow(unsafe_code, reason = "code generated by wasmtime's bindgen!")]
    pub mod synchronous {
        wasmtime::component::bindgen!({
            world: "type-de-champ-plugin",
            path: "wit/guichet-plugin@0.1.0",
        });
    }

    pub struct Guest;

    impl asynchronous::guichet::plugin::types::Host for Guest {}
    impl asynchronous::guichet::plugin::log::Host for Guest {
        async fn log(&mut self, _level: asynchronous::guichet::plugin::log::Level, _message: String) {}
    }
    impl synchronous::guichet::plugin::types::Host for Guest {}
    impl synchronous::guichet::plugin::log::Host for Guest {
        fn log(&mut self, _level: synchronous::guichet::plugin::log::Level, _message: String) {}
    }

    /// Latencies of single calls (sorted) and the mean of one long batch.
    pub struct Timings {
        pub sorted: Vec<Duration>,
        pub batch_mean: Duration,
    }

    /// The host's compiler settings; `cache` as in `PluginHost::with_options`.
    pub fn engine(cache: Option<&Path>) -> Engine {
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
            .epoch_interruption(true);
        Engine::new(&config).expect("engine")
    }

    fn store(engine: &Engine) -> Store<Guest> {
        let mut store = Store::new(engine, Guest);
        // No ticker runs here: the deadline is never reached.
        store.set_epoch_deadline(1 << 40);
        store
    }

    /// `validate(value)` on one instance, the host's way (async, on a fiber).
    pub async fn asynchronous(wasm: &Path, value: &str, calls: usize, batch: usize) -> Timings {
        let engine = engine(None);
        let component = Component::from_file(&engine, wasm).expect("component");
        let mut linker = Linker::<Guest>::new(&engine);
        asynchronous::TypeDeChampPlugin::add_to_linker::<_, HasSelf<Guest>>(&mut linker, |g| g).expect("linker");
        linker.define_unknown_imports_as_traps(&component).expect("WASI stubs");
        let mut store = store(&engine);
        let plugin = asynchronous::TypeDeChampPlugin::instantiate_async(&mut store, &component, &linker)
            .await
            .expect("instance");
        let guest = plugin.guichet_plugin_type_de_champ();
        for _ in 0..1_000 {
            guest.call_validate(&mut store, value, "{}").await.expect("no trap").expect("no error");
        }
        let mut sorted = Vec::with_capacity(calls);
        for _ in 0..calls {
            let started = Instant::now();
            let answer = guest.call_validate(&mut store, value, "{}").await;
            sorted.push(started.elapsed());
            answer.expect("no trap").expect("no error");
        }
        sorted.sort();
        let started = Instant::now();
        for _ in 0..batch {
            guest.call_validate(&mut store, value, "{}").await.expect("no trap").expect("no error");
        }
        Timings { sorted, batch_mean: started.elapsed() / u32::try_from(batch).expect("batch size") }
    }

    /// `validate(value)` on one instance, called synchronously (no fiber):
    /// the cheapest crossing wasmtime offers, for comparison.
    pub fn synchronous(wasm: &Path, value: &str, calls: usize, batch: usize) -> Timings {
        let engine = engine(None);
        let component = Component::from_file(&engine, wasm).expect("component");
        let mut linker = Linker::<Guest>::new(&engine);
        synchronous::TypeDeChampPlugin::add_to_linker::<_, HasSelf<Guest>>(&mut linker, |g| g).expect("linker");
        linker.define_unknown_imports_as_traps(&component).expect("WASI stubs");
        let mut store = store(&engine);
        let plugin = synchronous::TypeDeChampPlugin::instantiate(&mut store, &component, &linker).expect("instance");
        let guest = plugin.guichet_plugin_type_de_champ();
        for _ in 0..1_000 {
            guest.call_validate(&mut store, value, "{}").expect("no trap").expect("no error");
        }
        let mut sorted = Vec::with_capacity(calls);
        for _ in 0..calls {
            let started = Instant::now();
            let answer = guest.call_validate(&mut store, value, "{}");
            sorted.push(started.elapsed());
            answer.expect("no trap").expect("no error");
        }
        sorted.sort();
        let started = Instant::now();
        for _ in 0..batch {
            guest.call_validate(&mut store, value, "{}").expect("no trap").expect("no error");
        }
        Timings { sorted, batch_mean: started.elapsed() / u32::try_from(batch).expect("batch size") }
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

    // 4. Loads. A cache folder of our own, empty: the first load of each
    // plugin compiles (cold) and fills it; then new hosts load from it.
    let cache = tempfile::tempdir().expect("cache dir");
    let cache = cache.path();
    println!("\n── 4. load_plugin (compile + checks + describe) ──");
    println!("  {:<46} {:>12}   {:<14}", "", "", "target");
    let plugins: [(&str, &str, &Path, PluginLimits, usize); 3] = [
        ("siret (Rust)", "siret", &siret_dir, PluginLimits::default(), guichet::plugins::DEFAULT_MAX_CONCURRENT_CALLS),
        ("iban (Python)", "iban", &iban_dir, INTERPRETED_LIMITS, INTERPRETED_CONCURRENCY),
        ("rna (JavaScript)", "rna", &rna_dir, INTERPRETED_LIMITS, INTERPRETED_CONCURRENCY),
    ];
    for (name, id, dir, limits, concurrency) in plugins {
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
        if id != "siret" {
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
    println!("\n── 2. warm boundary crossing: validate on ONE live instance (wasmtime direct, not the host API) ──");
    let wasm = siret_dir.join("siret.wasm");
    let warm_async_short = warm::asynchronous(&wasm, "1", WARM_CALLS, WARM_BATCH).await;
    let warm_async = warm::asynchronous(&wasm, SIRET, WARM_CALLS, WARM_BATCH).await;
    let warm_sync_short = warm::synchronous(&wasm, "1", WARM_CALLS, WARM_BATCH);
    let warm_sync = warm::synchronous(&wasm, SIRET, WARM_CALLS, WARM_BATCH);
    println!("  {:<46} {:>12}   {:>10}   {:>10}   {:<14}", "", "batch mean", "p50", "p99", "target");
    // Judged on the p50 of single timed calls (each includes one
    // `Instant::now`, ~20 ns): the batch mean takes in every preemption by
    // other work on the machine.
    for (label, t) in [
        ("async (host's way), 1-byte value", &warm_async_short),
        ("async (host's way), valid SIRET", &warm_async),
        ("sync (no fiber), 1-byte value", &warm_sync_short),
        ("sync (no fiber), valid SIRET", &warm_sync),
    ] {
        let p50 = pct(&t.sorted, 0.5);
        println!(
            "  {label:<46} {:>9.3} µs   {:>7.3} µs   {:>7.3} µs   {:<16} {}",
            us(t.batch_mean),
            us(p50),
            us(pct(&t.sorted, 0.99)),
            "p50 ≤ 0.5 µs",
            verdict(p50 <= Duration::from_nanos(500)),
        );
    }
    println!(
        "  fresh-instance overhead (fresh p50 − warm async p50, 1-byte value): {:.1} µs; fresh / warm: {:.0}×",
        us(pct(&short, 0.5).saturating_sub(pct(&warm_async_short.sorted, 0.5))),
        pct(&short, 0.5).as_secs_f64() / pct(&warm_async_short.sorted, 0.5).as_secs_f64()
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

    println!("\nwhole benchmark: {:.0} s", whole_run.elapsed().as_secs_f64());
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
