//! The JavaScript example plugin (`plugins/examples/js-rna`, a numéro RNA
//! champ built with componentize-js) runs in the same sandbox as the Rust
//! plugins: the host loads it, checks its description against its
//! `plugin.toml`, and its answers reach the server as normalized values or
//! French errors.
//!
//! A JavaScript guest embeds the SpiderMonkey engine: a 12 MB component that
//! takes seconds to compile and needs between 8 and 12 MiB of memory per call
//! (measured). That fits the defaults sized for Rust plugins (32 MiB, 50 ms)
//! with little headroom, so this test builds its own plugin host with the
//! larger limits an interpreted guest should get. It also prints (without
//! asserting on it) how long loading and validating take.
//!
//! Needs `plugins/examples/js-rna/build.sh` to have run.

use guichet::plugins::{PLUGIN_SHARE_DIVISOR, PluginFieldError, PluginHost, PluginLimits, PluginValidation};
use guichet_tests::app::plugin_compile_cache;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::task::JoinSet;

/// Room for an interpreted guest: the snapshot of the pre-initialized engine
/// and SpiderMonkey's heap, and a first call that may run a garbage
/// collection.
const JS_LIMITS: PluginLimits = PluginLimits {
    cpu_deadline: Duration::from_secs(2),
    wall_timeout: Duration::from_secs(10),
    memory_bytes: 128 * 1024 * 1024,
};

/// Concurrent calls of this plugin; the host gets enough slots for one
/// plugin's share (`PLUGIN_SHARE_DIVISOR`) to be this many.
const CONCURRENT_CALLS: usize = 4;

const FORMAT: &str = "Le numéro RNA commence par la lettre W suivie de 9 caractères (exemple : W751234567).";
const LONGUEUR: &str = "Le numéro RNA comporte 10 caractères.";

fn plugin_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("plugins/dist-examples/rna")
}

fn valid(normalized: &str) -> PluginValidation {
    PluginValidation::Valid { normalized: normalized.to_owned() }
}

fn invalid(code: &str, message: &str) -> PluginValidation {
    PluginValidation::Invalid(vec![PluginFieldError { code: code.to_owned(), message: message.to_owned() }])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn javascript_rna_plugin_validates_in_the_sandbox() {
    let host = Arc::new(
        PluginHost::with_options(JS_LIMITS, CONCURRENT_CALLS * PLUGIN_SHARE_DIVISOR, Some(&plugin_compile_cache()))
            .expect("plugin host"),
    );

    let started = Instant::now();
    let info = host.load_plugin(&plugin_dir()).await.unwrap_or_else(|e| {
        panic!("loading plugins/dist-examples/rna (built by plugins/examples/js-rna/build.sh): {e}")
    });
    let load_time = started.elapsed();

    // What describe() says, checked by the host against plugin.toml.
    let described = host.type_de_champ("rna").expect("rna is registered");
    assert_eq!(described, info);
    assert_eq!(described.id, "rna");
    assert_eq!(described.libelle, "Numéro RNA");
    assert_eq!(described.version, "1.0.0");
    assert_eq!(described.wit, "guichet:plugin@0.1.0");
    assert!(described.description.contains("Répertoire national des associations"), "{:?}", described.description);

    // Valid numbers come back without spaces, uppercase.
    for (typed, normalized) in [
        ("W751234567", "W751234567"),
        (" w751234567 ", "W751234567"),
        ("W 751 234 567", "W751234567"),
        ("W\u{a0}751\u{202f}234\t567", "W751234567"),
        ("W971000001", "W971000001"),
        ("W2A1000012", "W2A1000012"),
        ("w2b 100 0012", "W2B1000012"),
    ] {
        let answer = host.validate("rna", typed, "{}").await.unwrap_or_else(|e| panic!("{typed:?}: {e}"));
        assert_eq!(answer, valid(normalized), "{typed:?}");
    }

    // Each usager mistake has its code and its French message.
    for (typed, code, message) in [
        ("W75123456", "longueur", LONGUEUR),
        ("W7512345678", "longueur", LONGUEUR),
        ("W 751 234 56", "longueur", LONGUEUR),
        ("W", "longueur", LONGUEUR),
        ("751234567", "format", FORMAT),
        ("X751234567", "format", FORMAT),
        ("W75-123-4567", "format", FORMAT),
        ("WA12345678", "format", FORMAT),
        ("W2C1234567", "format", FORMAT),
        ("W75123456A", "format", FORMAT),
        ("W７５１２３４５６７", "format", FORMAT),
        ("W75123456é", "format", FORMAT),
    ] {
        let answer = host.validate("rna", typed, "{}").await.unwrap_or_else(|e| panic!("{typed:?}: {e}"));
        assert_eq!(answer, invalid(code, message), "{typed:?}");
    }

    // Options are ignored (this champ type has none), whatever they hold.
    let answer = host.validate("rna", "W751234567", r#"{"inutile": [1, 2]}"#).await.expect("validate with options");
    assert_eq!(answer, valid("W751234567"));

    // As many calls at once as the host allows: each gets its own instance.
    let mut calls = JoinSet::new();
    for _ in 0..CONCURRENT_CALLS {
        let host = Arc::clone(&host);
        calls.spawn(async move { host.validate("rna", "W 751 234 567", "{}").await });
    }
    while let Some(answer) = calls.join_next().await {
        assert_eq!(answer.expect("join").expect("concurrent validate"), valid("W751234567"));
    }

    // Timings, printed for the record (run with --nocapture to see them).
    let mut durations = Vec::with_capacity(50);
    for i in 0..50 {
        let typed = if i % 2 == 0 { "W751234567" } else { "W75123456" };
        let started = Instant::now();
        host.validate("rna", typed, "{}").await.expect("validate");
        durations.push(started.elapsed());
    }
    durations.sort();
    let median = durations[durations.len() / 2];
    eprintln!(
        "js-rna: load (compile + describe) {load_time:?}, validate median {median:?} over {} calls (min {:?}, max {:?}), \
         allocator {:?}",
        durations.len(),
        durations[0],
        durations[durations.len() - 1],
        host.allocator()
    );
}
