//! The Python example plugin (`plugins/examples/python-iban`, an IBAN champ
//! built with componentize-py) runs in the same sandbox as the Rust plugins:
//! the host loads it, checks its description against its `plugin.toml`, and
//! its answers reach the server as normalized values or French errors.
//!
//! The test builds its own plugin host, with limits sized for an interpreted
//! guest rather than the defaults sized for Rust plugins. It also prints
//! (without asserting on it) how long loading and validating take.
//!
//! Needs `plugins/examples/python-iban/build.sh` to have run.

use guichet::plugins::{PLUGIN_SHARE_DIVISOR, PluginFieldError, PluginHost, PluginLimits, PluginValidation};
use guichet_tests::app::plugin_compile_cache;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::task::JoinSet;

/// Room for CPython. Measured with this plugin: a call needs between 12 and
/// 16 MiB of memory and about 2 ms, so these leave a wide margin (a heavier
/// Python plugin, or a loaded CI machine, must not fail here).
const PYTHON_LIMITS: PluginLimits = PluginLimits {
    cpu_deadline: Duration::from_secs(2),
    wall_timeout: Duration::from_secs(10),
    memory_bytes: 128 * 1024 * 1024,
};

/// Concurrent calls of this plugin; the host gets enough slots for one
/// plugin's share (`PLUGIN_SHARE_DIVISOR`) to be this many.
const CONCURRENT_CALLS: usize = 4;

fn plugin_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("plugins/dist-examples/iban")
}

fn valid(normalized: &str) -> PluginValidation {
    PluginValidation::Valid { normalized: normalized.to_owned() }
}

fn invalid(code: &str, message: &str) -> PluginValidation {
    PluginValidation::Invalid(vec![PluginFieldError { code: code.to_owned(), message: message.to_owned() }])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_iban_plugin_validates_in_the_sandbox() {
    let host = Arc::new(
        PluginHost::with_options(PYTHON_LIMITS, CONCURRENT_CALLS * PLUGIN_SHARE_DIVISOR, Some(&plugin_compile_cache()))
            .expect("plugin host"),
    );

    let started = Instant::now();
    let info = host
        .load_plugin(&plugin_dir())
        .await
        .unwrap_or_else(|e| panic!("run plugins/examples/python-iban/build.sh first: {e}"));
    let load_time = started.elapsed();

    // What describe() says, checked by the host against plugin.toml.
    let described = host.type_de_champ("iban").expect("iban is registered");
    assert_eq!(described, info);
    assert_eq!(described.id, "iban");
    assert_eq!(described.libelle, "IBAN");
    assert_eq!(described.version, "1.1.0");
    assert_eq!(described.settings.len(), 1, "the pays-acceptes setting is declared");
    assert_eq!(described.wit, "guichet:plugin@0.1.0");
    assert!(described.description.contains("IBAN"), "{:?}", described.description);

    // Valid IBANs come back compact, uppercase, in groups of four.
    for (typed, normalized) in [
        ("FR76 3000 6000 0112 3456 7890 189", "FR76 3000 6000 0112 3456 7890 189"),
        ("fr7630006000011234567890189", "FR76 3000 6000 0112 3456 7890 189"),
        (" FR14\u{a0}2004 1010 0505 0001 3M02 606 ", "FR14 2004 1010 0505 0001 3M02 606"),
        ("DE89370400440532013000", "DE89 3704 0044 0532 0130 00"),
        ("GB29 NWBK 6016 1331 9268 19", "GB29 NWBK 6016 1331 9268 19"),
        ("BE68539007547034", "BE68 5390 0754 7034"),
    ] {
        let answer = host.validate("iban", typed, "{}").await.unwrap_or_else(|e| panic!("{typed:?}: {e}"));
        assert_eq!(answer, valid(normalized), "{typed:?}");
    }

    // Each usager mistake has its code and its French message.
    let format_caracteres = "L'IBAN ne doit contenir que des chiffres et des lettres, sans accent ni ponctuation.";
    let format_debut =
        "Un IBAN commence par le code du pays en deux lettres, suivi de deux chiffres (par exemple FR76).";
    let format_fr = "Un IBAN français se compose de FR, de deux chiffres de contrôle, des codes banque et guichet \
                     (10 chiffres), du numéro de compte (11 chiffres ou lettres) et de la clé RIB (2 chiffres).";
    let pays_inconnu = "Les deux premières lettres de l'IBAN ne correspondent à aucun pays de la zone SEPA.";
    let cle = "L'IBAN n'est pas valide (clé de contrôle incorrecte).";
    for (typed, code, message) in [
        ("", "format", "Saisissez un IBAN, par exemple FR76 3000 6000 0112 3456 7890 189."),
        ("FR76-3000-6000-0112-3456-7890-189", "format", format_caracteres),
        ("FR76 3000 6000 0112 3456 7890 18é", "format", format_caracteres),
        ("7630006000011234567890189", "format", format_debut),
        ("US76 3000 6000 0112 3456 7890 189", "pays-inconnu", pays_inconnu),
        ("FR76 3000 6000 0112 3456 7890 18", "longueur", "Un IBAN français comporte 27 caractères."),
        ("FR76 3000 6000 0112 3456 7890 1890", "longueur", "Un IBAN français comporte 27 caractères."),
        ("DE89 3704 0044 0532 0130 0", "longueur", "Un IBAN commençant par DE comporte 22 caractères."),
        // A letter in the bank code, with check digits that match.
        ("FR78 3000 A000 0112 3456 7890 189", "format", format_fr),
        ("FR77 3000 6000 0112 3456 7890 189", "cle-de-controle", cle),
        ("FR76 3000 6000 0112 3456 7890 198", "cle-de-controle", cle),
    ] {
        let answer = host.validate("iban", typed, "{}").await.unwrap_or_else(|e| panic!("{typed:?}: {e}"));
        assert_eq!(answer, invalid(code, message), "{typed:?}");
    }

    // Options are accepted and ignored.
    let answer = host.validate("iban", "FR7630006000011234567890189", r#"{"future":"option"}"#).await.unwrap();
    assert_eq!(answer, valid("FR76 3000 6000 0112 3456 7890 189"));

    // As many Python instances as the host allows run side by side.
    let mut calls = JoinSet::new();
    for _ in 0..CONCURRENT_CALLS {
        let host = Arc::clone(&host);
        calls.spawn(async move { host.validate("iban", "NL91ABNA0417164300", "{}").await });
    }
    while let Some(answer) = calls.join_next().await {
        assert_eq!(answer.expect("join").expect("concurrent call"), valid("NL91 ABNA 0417 1643 00"));
    }

    let mut durations = Vec::with_capacity(50);
    for _ in 0..50 {
        let started = Instant::now();
        let answer = host.validate("iban", "FR76 3000 6000 0112 3456 7890 189", "{}").await.expect("validate");
        durations.push(started.elapsed());
        assert!(matches!(answer, PluginValidation::Valid { .. }));
    }
    durations.sort();
    eprintln!(
        "python-iban: load (compile + describe) {load_time:?}; validate over 50 calls: median {:?}, min {:?}, max {:?}",
        durations[durations.len() / 2],
        durations[0],
        durations[durations.len() - 1],
    );
}
