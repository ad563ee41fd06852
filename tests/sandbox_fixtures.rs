//! More misbehaving plugins, each stopped with its own error while the server
//! keeps serving: a stack overflow is a trap, an answer larger than the host
//! accepts is a broken contract, a plugin sleeping in a host call hits its
//! wall-clock timeout, and a plugin lying about its id, or a manifest asking
//! for what this host does not offer (a newer WIT, unknown keys, more memory
//! than the ceiling), is refused at load. Last, all of them at once do not
//! starve well-behaved calls nor `/health`.
//!
//! Needs `scripts/build-plugins.sh` (fixtures in `plugins/dist-fixtures/`).

use guichet::plugins::{
    DEFAULT_MAX_CONCURRENT_CALLS, MAX_ANSWER_BYTES, PluginError, PluginHost, PluginLimits, PluginValidation,
    SUPPORTED_WIT,
};
use guichet_tests::app::{TestApp, fixture_dir, plugin_compile_cache, plugins_dir};
use std::path::PathBuf;
use std::time::{Duration, Instant};
use tokio::task::JoinSet;

/// A SIRET that siret accepts, and what it stores.
const SIRET: &str = "732 829 320 00074";
const SIRET_NORMALIZED: &str = "73282932000074";

/// A plugin host of its own, with the default limits.
fn host() -> PluginHost {
    PluginHost::with_options(PluginLimits::default(), DEFAULT_MAX_CONCURRENT_CALLS, Some(&plugin_compile_cache()))
        .expect("plugin host")
}

async fn assert_siret_answers(plugins: &PluginHost) {
    let ok = plugins.validate("siret", SIRET, "{}").await.expect("siret answers");
    assert_eq!(ok, PluginValidation::Valid { normalized: SIRET_NORMALIZED.into() });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stack_overflow_is_a_trap() {
    let app = TestApp::with_fixtures(&["pile"]).await;
    let plugins = &app.server.state.plugins;

    let started = Instant::now();
    let err = plugins.validate("pile", "abc", "{}").await.expect_err("an endless recursion cannot answer");
    let elapsed = started.elapsed();
    eprintln!("pile: {err:?} after {elapsed:?}");
    match &err {
        PluginError::Trap { plugin, reason } => {
            assert_eq!(plugin, "pile");
            assert!(reason.len() <= 1_000, "trap reasons are capped: {} bytes", reason.len());
            // wasmtime's words for Trap::StackOverflow: the cause must survive
            // the cap on reasons, whatever backtrace comes with it.
            assert!(
                reason.contains("call stack exhausted") || reason.contains("stack overflow"),
                "the reason says the stack overflowed: {reason}"
            );
        }
        other => panic!("expected a trap, got {other:?}"),
    }
    assert!(err.to_string().contains("pile"), "errors name the plugin: {err}");
    assert!(elapsed < plugins.limits().wall_timeout, "the overflow is caught at once, took {elapsed:?}");

    // The same host still serves, the fixture included (it traps again).
    assert_siret_answers(plugins).await;
    assert!(matches!(plugins.validate("pile", "abc", "{}").await, Err(PluginError::Trap { .. })));
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_answers_are_refused() {
    let app = TestApp::with_fixtures(&["bavard"]).await;
    let plugins = &app.server.state.plugins;

    // A 10 MiB normalized value: 160 times MAX_ANSWER_BYTES, within the
    // plugin's 32 MiB of memory, so the host gets the answer and refuses it.
    let started = Instant::now();
    let err = plugins.validate("bavard", "abc", "{}").await.expect_err("a 10 MiB value is not accepted");
    eprintln!("bavard (valid, 10 MiB): {err} after {:?}", started.elapsed());
    match &err {
        PluginError::BadAnswer { plugin, reason } => {
            assert_eq!(plugin, "bavard");
            assert!(reason.contains(&(10 * 1024 * 1024).to_string()), "the reason gives the size: {reason}");
        }
        other => panic!("expected a broken contract (answer over {MAX_ANSWER_BYTES} bytes), got {other:?}"),
    }
    assert!(err.to_string().contains("bavard"), "errors name the plugin: {err}");

    // 100,000 field errors: several MiB of text, refused the same way.
    let started = Instant::now();
    let err = plugins.validate("bavard", "erreurs", "{}").await.expect_err("100,000 errors are not accepted");
    eprintln!("bavard (invalid, 100,000 errors): {err} after {:?}", started.elapsed());
    match &err {
        PluginError::BadAnswer { plugin, reason } => {
            assert_eq!(plugin, "bavard");
            assert!(reason.contains("field errors"), "the reason says what was too large: {reason}");
        }
        other => panic!("expected a broken contract (answer over {MAX_ANSWER_BYTES} bytes), got {other:?}"),
    }
    assert!(err.to_string().contains("bavard"), "errors name the plugin: {err}");

    assert_siret_answers(plugins).await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plugin_lying_about_its_id_is_not_loaded() {
    let app = TestApp::sqlite().await;
    let plugins = &app.server.state.plugins;
    let before = plugins.types_de_champ();

    // menteur's describe() claims to be siret.
    let err = plugins.load_plugin(&fixture_dir("menteur")).await.expect_err("a lying plugin is refused");
    eprintln!("menteur: {err}");
    match &err {
        PluginError::Load { plugin, reason } => {
            assert_eq!(plugin, "menteur");
            assert!(
                reason.contains("describe()") && reason.contains("\"siret\"") && reason.contains("\"menteur\""),
                "the reason names both ids: {reason}"
            );
        }
        other => panic!("expected a load error, got {other:?}"),
    }
    // Nothing registered, nothing replaced: siret is still the real one.
    assert_eq!(plugins.types_de_champ(), before);
    assert!(plugins.type_de_champ("menteur").is_none());
    assert_siret_answers(plugins).await;
    app.stop().await;
}

/// A copy of the built siret plugin whose `plugin.toml` went through `edit`.
fn siret_with_manifest(edit: impl FnOnce(String) -> String) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let source = plugins_dir().join("siret");
    let copy = dir.path().join("siret");
    std::fs::create_dir(&copy).expect("plugin dir");
    std::fs::copy(source.join("siret.wasm"), copy.join("siret.wasm")).expect("siret.wasm (build the plugins first)");
    let manifest = std::fs::read_to_string(source.join("plugin.toml")).expect("plugin.toml");
    std::fs::write(copy.join("plugin.toml"), edit(manifest)).expect("edited plugin.toml");
    dir
}

fn plugin_in(dir: &tempfile::TempDir) -> PathBuf {
    dir.path().join("siret")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn manifests_asking_for_what_the_host_lacks_are_refused() {
    let host = host();

    // The unedited copy loads: the refusals below come from the edits.
    let same = siret_with_manifest(|manifest| manifest);
    host.load_plugin(&plugin_in(&same)).await.expect("the copied siret loads");

    // A newer WIT than this host implements.
    let newer = siret_with_manifest(|manifest| {
        assert!(manifest.contains("wit = \"guichet:plugin@0.2.1\""), "{manifest}");
        manifest.replace("wit = \"guichet:plugin@0.2.1\"", "wit = \"guichet:plugin@9.0.0\"")
    });
    let err = host.load_plugin(&plugin_in(&newer)).await.expect_err("WIT 9.0.0 is refused");
    eprintln!("wit 9.0.0: {err}");
    match &err {
        PluginError::UnsupportedWit { plugin, wit } => {
            assert_eq!(plugin, "siret");
            assert_eq!(wit, "guichet:plugin@9.0.0");
        }
        other => panic!("expected an unsupported WIT, got {other:?}"),
    }
    let message = err.to_string();
    assert!(message.contains("guichet:plugin@9.0.0"), "{message}");
    assert!(!SUPPORTED_WIT.is_empty());
    for supported in SUPPORTED_WIT {
        assert!(message.contains(&supported.to_string()), "the message lists {supported}: {message}");
    }

    // A key this host does not know, say from a future manifest format.
    let permissions = siret_with_manifest(|manifest| format!("permissions = [\"network\"]\n{manifest}"));
    let err = host.load_plugin(&plugin_in(&permissions)).await.expect_err("unknown keys are refused");
    eprintln!("permissions: {err}");
    match &err {
        PluginError::Load { plugin, reason } => {
            assert_eq!(plugin, "siret");
            assert!(reason.contains("permissions"), "the reason names the key: {reason}");
        }
        other => panic!("expected a load error, got {other:?}"),
    }

    // More memory than the host grants any plugin.
    let greedy = siret_with_manifest(|manifest| {
        assert!(manifest.contains("[limits]\n"), "{manifest}");
        manifest.replace("[limits]\n", "[limits]\nmemory-mib = 4000\n")
    });
    let err = host.load_plugin(&plugin_in(&greedy)).await.expect_err("4000 MiB is over the ceiling");
    eprintln!("memory-mib = 4000: {err}");
    match &err {
        PluginError::Load { plugin, reason } => {
            assert_eq!(plugin, "siret");
            let ceiling = format!("{} MiB", PluginLimits::CEILING.memory_bytes >> 20);
            assert!(reason.contains("4000 MiB") && reason.contains(&ceiling), "the reason names the limit: {reason}");
        }
        other => panic!("expected a load error, got {other:?}"),
    }

    // The refusals changed nothing: the copy loaded first still answers.
    assert_siret_answers(&host).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plugin_sleeping_in_a_host_call_hits_its_wall_clock_timeout() {
    let app = TestApp::with_fixtures(&["dormeur"]).await;
    let plugins = &app.server.state.plugins;
    let wall = plugins.limits().wall_timeout;

    let started = Instant::now();
    let err = plugins.validate("dormeur", "abc", "{}").await.expect_err("a 30 s sleep cannot answer");
    let elapsed = started.elapsed();
    eprintln!("dormeur: {err:?} after {elapsed:?}");
    // Epochs do not advance while the guest waits on the host, so its CPU
    // deadline cannot stop it: only the wall clock can.
    assert!(matches!(&err, PluginError::TimedOut { plugin } if plugin == "dormeur"), "{err:?}");
    assert!(err.to_string().contains("dormeur"), "errors name the plugin: {err}");
    assert!(elapsed >= wall, "stopped by the wall clock, not before: {elapsed:?}");
    assert!(elapsed < wall + Duration::from_millis(500), "stopped at its wall-clock timeout, took {elapsed:?}");

    assert_siret_answers(plugins).await;
    app.stop().await;
}

/// Each misbehaving fixture, with the value to send and whether an error is
/// its own (the one it gets when called alone, as the tests above check).
const RUNAWAYS: &[(&str, &str, IsOwnError)] = &[
    ("boucle", "x", |e| matches!(e, PluginError::DeadlineExceeded { .. })),
    ("memoire", "x", |e| matches!(e, PluginError::MemoryExceeded { .. })),
    ("piege", "x", |e| matches!(e, PluginError::Trap { .. })),
    ("pile", "x", |e| matches!(e, PluginError::Trap { .. })),
    ("bavard", "x", |e| matches!(e, PluginError::BadAnswer { .. })),
    ("bavard", "erreurs", |e| matches!(e, PluginError::BadAnswer { .. })),
    ("dormeur", "x", |e| matches!(e, PluginError::TimedOut { .. })),
];

type IsOwnError = fn(&PluginError) -> bool;

/// Tasks per runaway kind, and calls per task.
const RUNAWAY_TASKS: usize = 3;
const RUNAWAY_CALLS: usize = 3;

/// Well-behaved work: WORKERS tasks, each doing this many siret validations
/// and GET /health, alternately.
const WORKERS: usize = 5;
const WORK_PER_WORKER: usize = 10;

/// How a runaway's calls ended.
#[derive(Default)]
struct Outcomes {
    own: usize,
    /// Stopped by its CPU deadline instead: the deadline counts epoch ticks
    /// (wall-clock time) while the guest holds a worker thread, so on a loaded
    /// machine a memory bomb or a trap can run out of it first. Still stopped.
    deadline: usize,
    degraded: usize,
    busy: usize,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn all_misbehaviours_at_once_do_not_starve_the_others() {
    use guichet::plugins::health::FAILURES_TO_OPEN;
    let app = TestApp::with_fixtures(&["boucle", "memoire", "piege", "pile", "bavard", "dormeur"]).await;
    let state = app.server.state.clone();
    let started = Instant::now();

    let mut runaways = JoinSet::new();
    for &(id, value, own) in RUNAWAYS {
        for _ in 0..RUNAWAY_TASKS {
            let state = state.clone();
            runaways.spawn(async move {
                let mut outcomes = Outcomes::default();
                for _ in 0..RUNAWAY_CALLS {
                    match state.plugins.validate(id, value, "{}").await {
                        Err(error) if own(&error) => outcomes.own += 1,
                        Err(PluginError::DeadlineExceeded { .. }) => outcomes.deadline += 1,
                        // Its circuit breaker opened after repeated failures.
                        Err(PluginError::Degraded { .. }) => outcomes.degraded += 1,
                        // The host's concurrency limit, never a queue.
                        Err(PluginError::Busy { .. }) => outcomes.busy += 1,
                        other => panic!("{id} ({value}) must be stopped with its own error, got {other:?}"),
                    }
                }
                (id, outcomes)
            });
        }
    }

    // Meanwhile, well-behaved plugin calls and HTTP requests.
    let mut workers = JoinSet::new();
    for _ in 0..WORKERS {
        let state = state.clone();
        let client = app.client();
        workers.spawn(async move {
            let (mut valid, mut busy, mut slowest_health) = (0, 0, Duration::ZERO);
            for _ in 0..WORK_PER_WORKER {
                match state.plugins.validate("siret", SIRET, "{}").await {
                    Ok(PluginValidation::Valid { normalized }) if normalized == SIRET_NORMALIZED => valid += 1,
                    Err(PluginError::Busy { .. }) => busy += 1,
                    other => panic!("a well-behaved call answers or is told the host is busy, got {other:?}"),
                }
                let asked = Instant::now();
                client.get("/health").await.assert_status(200);
                slowest_health = slowest_health.max(asked.elapsed());
            }
            (valid, busy, slowest_health)
        });
    }

    let everything = async {
        let (mut valid, mut busy, mut slowest_health) = (0, 0, Duration::ZERO);
        while let Some(done) = workers.join_next().await {
            let (v, b, s) = done.expect("worker");
            valid += v;
            busy += b;
            slowest_health = slowest_health.max(s);
        }
        let well_behaved_done = started.elapsed();
        let mut by_plugin: Vec<(&str, Outcomes)> = Vec::new();
        while let Some(done) = runaways.join_next().await {
            let (id, outcomes) = done.expect("every runaway is stopped with its own error");
            match by_plugin.iter_mut().find(|(seen, _)| *seen == id) {
                Some((_, total)) => {
                    total.own += outcomes.own;
                    total.deadline += outcomes.deadline;
                    total.degraded += outcomes.degraded;
                    total.busy += outcomes.busy;
                }
                None => by_plugin.push((id, outcomes)),
            }
        }
        (valid, busy, slowest_health, well_behaved_done, by_plugin)
    };
    let (valid, busy, slowest_health, well_behaved_done, by_plugin) =
        tokio::time::timeout(Duration::from_secs(30), everything).await.expect("everything ends in bounded time");
    let elapsed = started.elapsed();
    eprintln!(
        "siret: {valid} valid, {busy} busy; slowest /health {slowest_health:?}; well-behaved work done in \
         {well_behaved_done:?}, everything in {elapsed:?}"
    );

    // 3 × 7 runaway tasks + 5 workers stay well under the host's 64 calls.
    let concurrent = RUNAWAYS.len() * RUNAWAY_TASKS + WORKERS;
    assert!(concurrent < DEFAULT_MAX_CONCURRENT_CALLS);
    assert_eq!((valid, busy), (WORKERS * WORK_PER_WORKER, 0), "every siret call answers");
    assert!(slowest_health < Duration::from_secs(2), "/health stays responsive: {slowest_health:?}");

    // Each runaway was stopped (by its own limit, or its CPU deadline) until
    // its breaker opened after FAILURES_TO_OPEN failures in a row; then it
    // was refused without running.
    let breaker = FAILURES_TO_OPEN as usize;
    for (id, outcomes) in &by_plugin {
        let stopped = outcomes.own + outcomes.deadline;
        let calls = stopped + outcomes.degraded + outcomes.busy;
        let tasks = RUNAWAYS.iter().filter(|(seen, ..)| seen == id).count() * RUNAWAY_TASKS;
        eprintln!(
            "{id}: {calls} calls, {} own errors, {} CPU deadlines, {} degraded, {} busy",
            outcomes.own, outcomes.deadline, outcomes.degraded, outcomes.busy
        );
        assert_eq!(calls, tasks * RUNAWAY_CALLS);
        assert_eq!(outcomes.busy, 0, "{id}: {concurrent} calls never reach the concurrency limit");
        assert!(stopped >= breaker, "{id}: every call runs and is stopped until the breaker opens");
        // Calls admitted before the breaker opened may still be running.
        if calls >= breaker + tasks {
            assert!(outcomes.degraded > 0, "{id}: the breaker opened after {breaker} failures");
        }
    }
    assert_eq!(by_plugin.len(), 6, "every fixture ran");
    assert!(elapsed < Duration::from_secs(15), "the runaways end in bounded time: {elapsed:?}");

    // Once they are stopped, the host has room again.
    assert_siret_answers(&state.plugins).await;
    app.client().get("/health").await.assert_status(200);
    app.stop().await;
}
