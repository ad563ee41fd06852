//! Conformance of every plugin we ship or show (first-party in
//! `plugins/dist`, examples in other languages in `plugins/dist-examples`)
//! against the host, under the host's default limits and without any
//! operator grant (no network, no secret):
//!
//! - `describe` agrees with `plugin.toml` (id, version, WIT, extension
//!   point) and gives French texts and JSON Schemas;
//! - whatever the usager types, a champ type answers with a verdict (never
//!   a trap, a timeout or a memory blow-up), its errors carry a stable code
//!   and a French sentence, its answers are deterministic and its
//!   normalization is idempotent;
//! - every function of every extension point, fed garbage (random strings,
//!   random options, random dossiers), answers `Ok` or a typed plugin error,
//!   never a trap, a deadline or a broken answer;
//! - the host refuses oversized input before any plugin sees it.

use guichet::plugins::{
    AttestationTemplate, Capability, ChampSnapshot, DEFAULT_MAX_CONCURRENT_CALLS, DossierSnapshot, ExtensionPoint,
    GroupeSnapshot, GuestError, MAX_GROUPES, MAX_OPTIONS_BYTES, MAX_SNAPSHOT_BYTES, MAX_VALUE_BYTES, Manifest,
    PluginError, PluginHost, PluginInfo, PluginLimits, PluginValidation, UsagerContact,
};
use guichet_tests::app::plugin_compile_cache;
use std::path::PathBuf;

/// Every first-party plugin `plugins/build.sh` installs, and the examples.
const EXPECTED: [&str; 8] = ["siret", "adresse", "carte", "routage", "attestation", "rendez-vous", "iban", "rna"];

/// Garbage calls per function and plugin: enough variety to hit the
/// parsers' odd corners, few enough for a 2-core machine.
const GARBAGE_CALLS: usize = 24;

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
        "20 avenue de Ségur 75007 Paris".into(),
        r#"{"type":"Point","coordinates":[3.8797,43.6085]}"#.into(),
        "é\u{0}\u{202e}💥<script>".into(),
        "9".repeat(1_000),
        "x".repeat(MAX_VALUE_BYTES),
    ]
}

fn is_kebab_code(code: &str) -> bool {
    !code.is_empty() && code.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

// ---------------------------------------------------------------------------
// Garbage
// ---------------------------------------------------------------------------

/// xorshift64*: reproducible garbage without a dependency; a failure names
/// the input, and the same seed gives it again.
struct Garbage(u64);

impl Garbage {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// Up to 300 characters of JSON punctuation, digits, letters, accents,
    /// controls, bidi overrides, emoji and fragments plugins look for.
    fn string(&mut self) -> String {
        const PIECES: [&str; 32] = [
            "{",
            "}",
            "[",
            "]",
            "\"",
            ":",
            ",",
            "-",
            ".",
            "e",
            "9",
            "0",
            " ",
            "\n",
            "\u{0}",
            "\u{202e}",
            "é",
            "💥",
            "\\",
            "\\u00",
            "null",
            "true",
            "1e999",
            "-0",
            "--",
            "type",
            "\"type\":\"Polygon\"",
            "\"coordinates\":",
            "[[[3.8,43.6],[3.9,43.7],[3.8,43.7],[3.8,43.6]]]",
            "75007",
            "2A",
            "https://",
        ];
        let len = self.below(60);
        (0..len).map(|_| PIECES[self.below(PIECES.len())]).collect()
    }

    /// A JSON object, sometimes with keys the plugins know and values of
    /// the wrong type.
    fn options(&mut self) -> String {
        let key = [
            "cadastres",
            "precision",
            "refuser-fermes",
            "geometries",
            "max-geometries",
            "champ",
            "table",
            "defaut",
            "tableau-des-champs",
            "url-agenda",
            "inconnue",
        ][self.below(11)];
        let value = match self.below(7) {
            0 => serde_json::Value::Bool(true),
            1 => serde_json::json!(-1),
            2 => serde_json::json!([1, 2]),
            3 => serde_json::json!({ "69": "Lyon" }),
            4 => serde_json::Value::Null,
            _ => serde_json::Value::String(self.string()),
        };
        serde_json::json!({ key: value }).to_string()
    }

    fn optional_string(&mut self) -> Option<String> {
        (self.below(3) > 0).then(|| self.string())
    }

    fn dossier(&mut self) -> DossierSnapshot {
        let champs = (0..self.below(6))
            .map(|i| ChampSnapshot {
                stable_id: if self.below(2) == 0 { i as u64 } else { self.next() },
                libelle: self.string(),
                type_champ: ["texte", "departements", "communes", "adresse", "date", "siret"][self.below(6)].into(),
                valeur: self.optional_string(),
                donnees: self.optional_string(),
            })
            .collect();
        DossierSnapshot {
            numero: self.next(),
            etat: self.string(),
            demarche_numero: self.next(),
            demarche_libelle: self.string(),
            usager_email: self.string(),
            depose_le: self.optional_string(),
            decide_le: self.optional_string(),
            en_instruction_le: self.optional_string(),
            motivation: self.optional_string(),
            champs,
        }
    }
}

/// Whether a failure is one a plugin may answer: its own typed error, or a
/// refusal by the host. Traps, deadlines, timeouts, memory exhaustion and
/// broken answers are never acceptable, nor `internal` (a plugin bug by
/// its own account) on input it should have refused cleanly.
fn assert_typed<T: std::fmt::Debug>(id: &str, what: &str, outcome: &Result<T, PluginError>) {
    if let Err(error) = outcome {
        let acceptable = matches!(
            error,
            PluginError::Guest {
                error: GuestError::InvalidInput(_) | GuestError::Misconfigured(_) | GuestError::UpstreamUnavailable(_),
                ..
            } | PluginError::InvalidOptions { .. }
        );
        assert!(acceptable, "{id} on {what}: {error} ({error:?})");
    }
}

fn shown(text: &str) -> String {
    text.chars().take(60).collect()
}

// ---------------------------------------------------------------------------
// The test
// ---------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_shipped_plugin_honours_its_contract() {
    let dirs = plugin_dirs();
    let ids: Vec<String> = dirs.iter().map(|d| d.file_name().expect("name").to_string_lossy().into_owned()).collect();
    for expected in EXPECTED {
        assert!(ids.iter().any(|id| id == expected), "plugin {expected} is not built: {ids:?}");
    }
    let cache = plugin_compile_cache();
    let host = PluginHost::with_options(PluginLimits::default(), DEFAULT_MAX_CONCURRENT_CALLS, Some(&cache))
        .expect("plugin host");
    for dir in &dirs {
        host.load_plugin(dir).await.unwrap_or_else(|e| panic!("{} does not load: {e}", dir.display()));
    }

    let mut garbage = Garbage(0x9E37_79B9_7F4A_7C15);
    for dir in &dirs {
        let manifest = Manifest::parse(&std::fs::read_to_string(dir.join("plugin.toml")).expect("plugin.toml"))
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        let info = host.plugin(&manifest.id).unwrap_or_else(|| panic!("{} is not registered", manifest.id));
        check_description(&manifest, &info);
        match info.provides {
            ExtensionPoint::TypeDeChamp => {
                check_verdicts(&host, &info.id).await;
                check_champ_garbage(&host, &info, &mut garbage).await;
            }
            ExtensionPoint::Routage => check_routage(&host, &info.id, &mut garbage).await,
            ExtensionPoint::Attestation => check_attestation(&host, &info.id, &mut garbage).await,
            ExtensionPoint::RendezVous => check_rendez_vous(&host, &info.id, &mut garbage).await,
        }
        check_oversized_input(&host, &info).await;
    }
    // No garbage degraded any plugin.
    for status in host.statuses() {
        assert!(!status.degraded, "{} was degraded: {:?}", status.info.id, status.recent_errors);
    }
}

/// `describe` agrees with `plugin.toml`, its texts are French sentences and
/// its schemas JSON objects.
fn check_description(manifest: &Manifest, info: &PluginInfo) {
    let id = &info.id;
    assert_eq!(info.id, manifest.id);
    assert_eq!(info.version, manifest.version, "{id}: describe's version differs from plugin.toml's");
    assert_eq!(info.wit, manifest.wit.to_string(), "{id}");
    assert_eq!(info.provides, manifest.extension_point(), "{id}");
    assert!(!info.libelle.trim().is_empty() && !info.description.trim().is_empty(), "{id}: describe is empty");
    assert!(info.description.chars().count() >= 20, "{id}: description {:?} is not a sentence", info.description);
    for (what, schema) in [("options", &info.options_schema), ("donnees", &info.donnees_schema)] {
        let parsed: serde_json::Value = serde_json::from_str(schema)
            .unwrap_or_else(|e| panic!("{id}: its {what} schema is not JSON ({e}): {schema}"));
        assert!(parsed.is_object(), "{id}: its {what} schema is not an object: {schema}");
    }
}

/// The champ-type verdict rules: deterministic, idempotent, French errors
/// with stable codes, unknown options ignored.
async fn check_verdicts(host: &PluginHost, id: &str) {
    for value in inputs() {
        let shown = shown(&value);
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

/// Every champ-type function on garbage: an answer or a typed error.
async fn check_champ_garbage(host: &PluginHost, info: &PluginInfo, garbage: &mut Garbage) {
    let id = info.id.as_str();
    let columns = host.export_columns(id, "{}").await.unwrap_or_else(|e| panic!("{id}: export columns: {e}"));
    assert_eq!(columns.is_some(), info.has(Capability::Export), "{id}: export columns without the capability");
    for _ in 0..GARBAGE_CALLS {
        let value = garbage.string();
        let donnees = garbage.optional_string();
        let options = if garbage.below(2) == 0 { "{}".to_owned() } else { garbage.options() };
        let what = format!("{:?} with options {}", shown(&value), shown(&options));

        let validation = host.validate(id, &value, &options).await;
        assert_typed(id, &format!("validate {what}"), &validation);
        assert_typed(id, &format!("enrich {what}"), &host.enrich(id, &value, &options).await);
        let suggestions = host.suggest(id, &value, &options, 5).await;
        assert_typed(id, &format!("suggest {what}"), &suggestions);
        if !info.has(Capability::Suggest) {
            assert!(suggestions.is_ok_and(|s| s.is_empty()), "{id}: suggestions without the capability");
        }
        let display = host.display(id, &value, donnees.as_deref(), &options).await;
        assert_typed(id, &format!("display {what}"), &display);
        assert_typed(
            id,
            &format!("search-text {what}"),
            &host.search_text(id, &value, donnees.as_deref(), &options).await,
        );
        let cells = host.export_values(id, &value, donnees.as_deref(), &options).await;
        assert_typed(id, &format!("export-values {what}"), &cells);
        // One cell per column, whatever the value (with the columns of the same options).
        if let (Ok(cells), Ok(Some(columns))) = (&cells, host.export_columns(id, &options).await) {
            assert_eq!(cells.len(), columns.len(), "{id}: export-values {what}");
        }
        // A stored (normalized) value displays and exports without error.
        if let Ok(PluginValidation::Valid { normalized }) = &validation {
            host.display(id, normalized, None, &options)
                .await
                .unwrap_or_else(|e| panic!("{id}: display of its own normalized value {:?}: {e}", shown(normalized)));
        }
    }
}

async fn check_routage(host: &PluginHost, id: &str, garbage: &mut Garbage) {
    let groupes: Vec<GroupeSnapshot> =
        (1..=3).map(|i| GroupeSnapshot { id: i * 10, libelle: format!("Groupe {i}") }).collect();
    for _ in 0..GARBAGE_CALLS {
        let dossier = garbage.dossier();
        let options = match garbage.below(3) {
            0 => garbage.options(),
            1 => serde_json::json!({ "champ": dossier.champs.first().map_or(0, |c| c.stable_id),
                                     "table": garbage.string() })
            .to_string(),
            _ => serde_json::json!({ "champ": 0, "table": { "69": garbage.string(), "2A": 20 }, "defaut": 30 })
                .to_string(),
        };
        let decision = host.route(id, &dossier, &groupes, &options).await;
        assert_typed(id, &format!("route with options {}", shown(&options)), &decision);
        if let Ok(decision) = decision {
            assert!(!decision.explication.trim().is_empty(), "{id}: a decision without explication");
            assert!(decision.groupe.is_none_or(|g| groupes.iter().any(|o| o.id == g)));
        }
    }
}

async fn check_attestation(host: &PluginHost, id: &str, garbage: &mut Garbage) {
    // Rendering is the costliest call: fewer of them.
    for _ in 0..GARBAGE_CALLS / 4 {
        let dossier = garbage.dossier();
        let template = AttestationTemplate {
            titre: garbage.string(),
            corps: garbage.string(),
            pied_de_page: garbage.string(),
            entete: (0..garbage.below(3)).map(|_| garbage.string()).collect(),
            logo: None,
            signature: None,
        };
        let url = garbage.string();
        let options = if garbage.below(2) == 0 { "{}".to_owned() } else { garbage.options() };
        let document = host.render_attestation(id, &dossier, &template, &url, &options).await;
        assert_typed(id, &format!("render with {}", shown(&template.corps)), &document);
        if let Ok(document) = document {
            assert!(document.data.starts_with(b"%PDF-"), "{id}: not a PDF");
        }
    }
}

async fn check_rendez_vous(host: &PluginHost, id: &str, garbage: &mut Garbage) {
    for _ in 0..GARBAGE_CALLS / 2 {
        let dossier = garbage.dossier();
        let usager = UsagerContact {
            email: garbage.string(),
            nom: garbage.optional_string(),
            prenom: garbage.optional_string(),
        };
        let options = garbage.options();
        let (instructeur, url_dossier, url_retour) = (garbage.string(), garbage.string(), garbage.string());
        let proposition =
            host.propose_rendez_vous(id, &dossier, &instructeur, &usager, &url_dossier, &url_retour, &options).await;
        assert_typed(id, &format!("propose with options {}", shown(&options)), &proposition);
        // Within the host's cap, so that the plugin sees it.
        let mut reference = garbage.string();
        while reference.len() > guichet::plugins::MAX_REFERENCE_BYTES {
            reference.pop();
        }
        let list = host.list_rendez_vous(id, &reference, &options).await;
        assert_typed(id, &format!("list-rendez-vous of {:?}", shown(&reference)), &list);
    }
}

fn assert_too_large<T: std::fmt::Debug>(id: &str, what: &str, outcome: Result<T, PluginError>) {
    match outcome {
        Err(PluginError::InputTooLarge { .. }) => {}
        other => panic!("{id}: {what} should be refused as too large, got {other:?}"),
    }
}

/// What the host must refuse before any plugin sees it.
async fn check_oversized_input(host: &PluginHost, info: &PluginInfo) {
    let id = info.id.as_str();
    let options = format!(r#"{{"k":"{}"}}"#, "x".repeat(MAX_OPTIONS_BYTES));
    let huge = "x".repeat(MAX_SNAPSHOT_BYTES + 1);
    match info.provides {
        ExtensionPoint::TypeDeChamp => {
            let value = "1".repeat(MAX_VALUE_BYTES + 1);
            assert_too_large(id, "validate's value", host.validate(id, &value, "{}").await);
            assert_too_large(id, "validate's options", host.validate(id, "1", &options).await);
            if info.has(Capability::Enrich) {
                assert_too_large(id, "enrich's value", host.enrich(id, &value, "{}").await);
            }
            if info.has(Capability::Display) {
                assert_too_large(id, "display's value", host.display(id, &value, None, "{}").await);
                assert_too_large(id, "display's donnees", host.display(id, "1", Some(&huge), "{}").await);
            }
            if info.has(Capability::SearchText) {
                assert_too_large(id, "search-text's donnees", host.search_text(id, "1", Some(&huge), "{}").await);
            }
            if info.has(Capability::Export) {
                assert_too_large(id, "export-values's donnees", host.export_values(id, "1", Some(&huge), "{}").await);
            }
        }
        ExtensionPoint::Routage => {
            let mut dossier = Garbage(1).dossier();
            dossier.champs.push(ChampSnapshot {
                stable_id: 1,
                libelle: "Énorme".into(),
                type_champ: "texte".into(),
                valeur: Some(huge.clone()),
                donnees: None,
            });
            let groupes = vec![GroupeSnapshot { id: 1, libelle: "Défaut".into() }];
            assert_too_large(id, "a dossier", host.route(id, &dossier, &groupes, "{}").await);
            let many: Vec<GroupeSnapshot> =
                (0..=MAX_GROUPES as u64).map(|i| GroupeSnapshot { id: i, libelle: format!("G{i}") }).collect();
            assert_too_large(id, "groupes", host.route(id, &Garbage(2).dossier(), &many, "{}").await);
            assert_too_large(id, "options", host.route(id, &Garbage(3).dossier(), &groupes, &options).await);
        }
        ExtensionPoint::Attestation => {
            let template = AttestationTemplate {
                titre: "Attestation".into(),
                corps: "x".repeat(MAX_OPTIONS_BYTES + 1),
                pied_de_page: String::new(),
                entete: Vec::new(),
                logo: None,
                signature: None,
            };
            let url = "https://guichet.example.fr/v/1";
            assert_too_large(
                id,
                "a template",
                host.render_attestation(id, &Garbage(4).dossier(), &template, url, "{}").await,
            );
        }
        ExtensionPoint::RendezVous => {
            let reference = "1".repeat(guichet::plugins::MAX_REFERENCE_BYTES + 1);
            assert_too_large(id, "a reference", host.list_rendez_vous(id, &reference, "{}").await);
        }
    }
}
