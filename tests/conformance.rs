//! Conformance of every plugin we ship or show (first-party in
//! `plugins/dist`, examples in other languages in `plugins/dist-examples`)
//! against the host, under the host's default limits: whatever the usager
//! types, a champ type answers with a verdict (never a trap, a timeout or a
//! memory blow-up), its errors carry a stable code and a French sentence,
//! its answers are deterministic and its normalization is idempotent.

use guichet::plugins::{DEFAULT_MAX_CONCURRENT_CALLS, MAX_VALUE_BYTES, PluginHost, PluginLimits, PluginValidation};
use guichet_tests::app::plugin_compile_cache;
use std::path::PathBuf;

fn plugin_dirs() -> Vec<PathBuf> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("plugins");
    let mut dirs = Vec::new();
    for parent in ["dist", "dist-examples"] {
        let entries = std::fs::read_dir(root.join(parent))
            .unwrap_or_else(|e| panic!("plugins/{parent} is missing ({e}): run scripts/build-plugins.sh"));
        for entry in entries {
            let path = entry.expect("entry").path();
            if path.join("plugin.toml").is_file() {
                dirs.push(path);
            }
        }
    }
    dirs.sort();
    dirs
}

/// Values an usager could send: empty, blank, typical, hostile, maximal.
fn inputs() -> Vec<String> {
    vec![
        String::new(),
        "   ".into(),
        "73282932000074".into(),
        "FR76 3000 6000 0112 3456 7890 189".into(),
        "W751234567".into(),
        "é\u{0}\u{202e}💥<script>".into(),
        "9".repeat(1_000),
        "x".repeat(MAX_VALUE_BYTES),
    ]
}

fn is_kebab_code(code: &str) -> bool {
    !code.is_empty() && code.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_shipped_plugin_honours_the_champ_contract() {
    let dirs = plugin_dirs();
    let ids: Vec<String> = dirs.iter().map(|d| d.file_name().expect("name").to_string_lossy().into_owned()).collect();
    for expected in ["siret", "iban", "rna"] {
        assert!(ids.iter().any(|id| id == expected), "plugin {expected} is not built: {ids:?}");
    }
    let cache = plugin_compile_cache();
    let host = PluginHost::with_options(PluginLimits::default(), DEFAULT_MAX_CONCURRENT_CALLS, Some(&cache))
        .expect("plugin host");
    for dir in &dirs {
        host.load_plugin(dir).await.unwrap_or_else(|e| panic!("{} does not load: {e}", dir.display()));
    }

    for id in &ids {
        let info = host.type_de_champ(id).expect("registered");
        assert!(!info.libelle.trim().is_empty() && !info.description.trim().is_empty(), "{id}: describe is empty");

        for value in inputs() {
            let shown = value.chars().take(40).collect::<String>();
            let answer = host
                .validate(id, &value, "{}")
                .await
                .unwrap_or_else(|e| panic!("{id} failed on {shown:?} instead of answering: {e}"));
            let again = host.validate(id, &value, "{}").await.expect("second call");
            assert_eq!(answer, again, "{id} is not deterministic on {shown:?}");
            match answer {
                PluginValidation::Valid { normalized } => {
                    let renormalized = host.validate(id, &normalized, "{}").await.expect("re-validation");
                    assert_eq!(
                        renormalized,
                        PluginValidation::Valid { normalized: normalized.clone() },
                        "{id}: its normalized value {normalized:?} is not itself valid and stable"
                    );
                }
                PluginValidation::Invalid(errors) => {
                    assert!(!errors.is_empty());
                    for error in errors {
                        assert!(is_kebab_code(&error.code), "{id}: code {:?} is not kebab-case", error.code);
                        assert!(
                            error.message.chars().count() >= 10 && error.message.chars().any(|c| c.is_alphabetic()),
                            "{id}: message {:?} is not a sentence",
                            error.message
                        );
                    }
                }
            }
        }
        // Options are a JSON object; keys a version does not know are ignored.
        host.validate(id, "1", r#"{"option-inconnue": true}"#)
            .await
            .unwrap_or_else(|e| panic!("{id} refuses unknown options: {e}"));
    }
}
