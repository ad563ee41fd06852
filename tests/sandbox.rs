//! Misbehaving plugins are stopped and reported, and the server keeps
//! serving: an endless loop hits its CPU deadline, a memory bomb its memory
//! cap, a panic becomes a trap (after a log flood the host caps). Each is
//! checked at the plugin host, while well-behaved calls run beside it, and
//! through the usager's form, where the draft is kept and the message is
//! French.

use guichet::plugins::{PluginError, PluginValidation};
use guichet::workflow::comptes::Roles;
use guichet_tests::app::{TestApp, fixture_dir};
use std::path::PathBuf;
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_misbehaviour_is_stopped_with_its_own_error() {
    let app = TestApp::with_fixtures(&["boucle", "memoire", "piege"]).await;
    let plugins = &app.server.state.plugins;
    let limits = plugins.limits();

    let started = Instant::now();
    let err = plugins.validate("boucle", "1", "{}").await.expect_err("an endless loop cannot answer");
    let elapsed = started.elapsed();
    assert!(matches!(err, PluginError::DeadlineExceeded { .. }), "{err:?}");
    // Stopped at its CPU deadline, not at the (much longer) wall-clock timeout.
    assert!(elapsed < limits.wall_timeout, "the loop ran {elapsed:?}");

    let err = plugins.validate("memoire", "1", "{}").await.expect_err("a memory bomb cannot answer");
    assert!(matches!(err, PluginError::MemoryExceeded { .. }), "{err:?}");

    let err = plugins.validate("piege", "abc", "{}").await.expect_err("a panic cannot answer");
    match &err {
        PluginError::Trap { reason, .. } => assert!(reason.len() <= 1_000, "trap reasons are capped"),
        other => panic!("expected a trap, got {other:?}"),
    }
    assert!(err.to_string().contains("piege"), "errors name the plugin: {err}");

    // The same plugin host still answers well-behaved calls afterwards.
    let ok = plugins.validate("siret", "732 829 320 00074", "{}").await.expect("siret answers");
    assert_eq!(ok, PluginValidation::Valid { normalized: "73282932000074".into() });
    // Options that are not a JSON object never reach a plugin.
    for options in ["[1]", "{", "\"texte\""] {
        let err = plugins.validate("siret", "73282932000074", options).await.expect_err("refused");
        assert!(matches!(err, PluginError::InvalidOptions { .. }), "{options}: {err:?}");
    }
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runaway_calls_do_not_starve_the_others() {
    let app = TestApp::with_fixtures(&["boucle", "memoire", "piege"]).await;
    let state = app.server.state.clone();

    // Runaway calls in the background, on every kind of misbehaviour.
    let mut runaways = Vec::new();
    for id in ["boucle", "memoire", "piege", "boucle"] {
        let state = state.clone();
        runaways.push(tokio::spawn(async move { state.plugins.validate(id, "x", "{}").await }));
    }
    // Meanwhile, well-behaved plugin calls and HTTP requests succeed.
    let client = app.client();
    for _ in 0..20 {
        let ok = state.plugins.validate("siret", "35600000000048", "{}").await;
        assert!(
            matches!(ok, Ok(PluginValidation::Valid { .. }) | Err(PluginError::Busy { .. })),
            "a well-behaved call either answers or is told the host is busy, never hangs: {ok:?}"
        );
        client.get("/health").await.assert_status(200);
    }
    for task in runaways {
        let result = tokio::time::timeout(Duration::from_secs(5), task).await.expect("runaways end").expect("join");
        assert!(result.is_err(), "every runaway is stopped: {result:?}");
    }
    // Once they are stopped, the host has room again.
    assert!(matches!(
        state.plugins.validate("siret", "35600000000048", "{}").await,
        Ok(PluginValidation::Valid { .. })
    ));
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_plugin_keeps_the_draft_and_defers_its_checks_at_depot() {
    let app = TestApp::with_fixtures(&["boucle", "memoire", "piege"]).await;
    let admin = app.signed_in("admin@sandbox.example", Roles { administrateur: true, ..Roles::default() }).await;
    let page = admin
        .post(
            "/admin/demarches",
            &[
                ("libelle", "Démarche aux plugins défaillants"),
                ("description", "Pour vérifier que le serveur tient bon."),
                ("service_nom", "Service essais"),
                ("service_organisme", "Ministère des essais"),
                ("cadre_juridique", "Délibération n° 2026-12 du conseil"),
                ("service_email", "essais@ministere.example"),
            ],
        )
        .await;
    page.assert_status(200);
    let demarche = page.id_after("/admin/demarches/");
    let champs_url = format!("/admin/demarches/{demarche}/champs");
    admin
        .post(&champs_url, &[("type_champ", "text"), ("libelle", "Nom"), ("obligatoire", "on")])
        .await
        .assert_status(200);
    for plugin in ["boucle", "piege"] {
        admin.post(&format!("/admin/demarches/{demarche}/plugins/{plugin}/activer"), &[]).await.assert_status(200);
    }
    admin.post(&champs_url, &[("type_champ", "plugin:boucle"), ("libelle", "Code boucle")]).await.assert_status(200);
    admin.post(&champs_url, &[("type_champ", "plugin:piege"), ("libelle", "Code piège")]).await.assert_status(200);

    // The administrateur tries the form through the test link.
    let page = admin.get(&format!("/admin/demarches/{demarche}")).await;
    let test_path =
        page.body.split("/commencer/test/").nth(1).and_then(|s| s.split('"').next()).expect("test link").to_string();
    let page = admin.post(&format!("/commencer/test/{test_path}"), &[]).await;
    page.assert_status(200);
    let dossier = page.id_after("/dossiers/");
    let brouillon = format!("/dossiers/{dossier}/brouillon");
    let form = admin.get(&brouillon).await;
    let names: Vec<String> = form
        .body
        .split("name=\"champ_")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .map(|s| format!("champ_{s}"))
        .collect();
    assert_eq!(names.len(), 3, "three champs in the form: {names:?}");

    // Saving the brouillon: the outage is reported next to the champs, in
    // French, and everything typed is kept.
    let form = |intention: &'static str| {
        vec![
            (names[0].clone(), "Camille".to_string()),
            (names[1].clone(), "tourne-en-rond".to_string()),
            (names[2].clone(), "déclenche".to_string()),
            ("intention".to_string(), intention.to_string()),
        ]
    };
    let fields = form("enregistrer");
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let started = Instant::now();
    let page = admin.post(&brouillon, &fields).await;
    assert!(started.elapsed() < Duration::from_secs(5), "the page answers promptly");
    page.assert_status(422)
        .assert_contains("La vérification automatique de « Code boucle » est momentanément indisponible")
        .assert_contains("La vérification automatique de « Code piège » est momentanément indisponible")
        .assert_contains("value=\"tourne-en-rond\"")
        .assert_contains("value=\"déclenche\"")
        .assert_contains("value=\"Camille\"");

    // Submitting: our outage does not stop the usager. The dossier is
    // déposé with the values as typed, each flagged for a later check.
    let fields = form("deposer");
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let page = admin.post(&brouillon, &fields).await;
    page.assert_status(200)
        .assert_contains("Votre dossier a bien été déposé")
        .assert_contains("tourne-en-rond")
        .assert_contains("Vérification automatique en attente");
    // The checks wait in the job queue and are retried while the plugins fail.
    let state = &app.server.state;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let waiting = pending_verifications(state).await;
        if waiting.iter().all(|(_, attempts)| *attempts >= 1) && waiting.len() == 2 {
            break;
        }
        assert!(Instant::now() < deadline, "the verification jobs ran: {waiting:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    admin.get(&format!("/dossiers/{dossier}")).await.assert_contains("Vérification automatique en attente");
    app.client().get("/health").await.assert_status(200);
    app.stop().await;
}

/// `(state, attempts)` of the deferred plugin checks in the job queue.
async fn pending_verifications(state: &guichet::state::AppState) -> Vec<(String, i64)> {
    const SQL: &str = "SELECT state, attempts FROM jobs WHERE queue = 'verification' ORDER BY id";
    match &state.store {
        guichet::store::Store::Sqlite(pool, _) => sqlx::query_as(SQL).fetch_all(pool).await.expect("jobs"),
        guichet::store::Store::Postgres(pool) => sqlx::query_as(SQL).fetch_all(pool).await.expect("jobs"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compiled_plugins_are_kept_on_disk_between_starts() {
    use guichet::plugins::{DEFAULT_MAX_CONCURRENT_CALLS, PluginHost, PluginLimits};
    let cache = tempfile::tempdir().expect("cache dir");
    // A private copy: the test later overwrites its component.
    let plugins = tempfile::tempdir().expect("plugins dir");
    let siret = plugins.path().join("siret");
    std::fs::create_dir_all(&siret).expect("mkdir");
    for file in ["plugin.toml", "siret.wasm"] {
        std::fs::copy(guichet_tests::app::plugins_dir().join("siret").join(file), siret.join(file)).expect("copy");
    }
    let files = |dir: &std::path::Path| -> usize { walk(dir).into_iter().filter(|p| p.is_file()).count() };

    let first = PluginHost::with_options(PluginLimits::default(), DEFAULT_MAX_CONCURRENT_CALLS, Some(cache.path()))
        .expect("host");
    let cold = Instant::now();
    first.load_plugin(&siret).await.expect("siret loads");
    let cold = cold.elapsed();
    assert!(files(cache.path()) > 0, "the compiled component is written to the cache");
    drop(first);

    // A restarted host finds the compiled code instead of compiling again.
    let second = PluginHost::with_options(PluginLimits::default(), DEFAULT_MAX_CONCURRENT_CALLS, Some(cache.path()))
        .expect("host");
    let warm = Instant::now();
    second.load_plugin(&siret).await.expect("siret loads from the cache");
    let warm = warm.elapsed();
    eprintln!("siret load: cold {cold:?}, from the disk cache {warm:?}");
    assert!(matches!(second.validate("siret", "73282932000074", "{}").await, Ok(PluginValidation::Valid { .. })));

    // The operator overwrites the component: the new bytes are read, never
    // the compiled code of the old ones (menteur is a 0.1.0 component, the
    // manifest says 0.2.0: only freshly read bytes can fail that way).
    std::fs::copy(fixture_dir("menteur").join("menteur.wasm"), siret.join("siret.wasm")).expect("overwrite");
    let err = second.load_plugin(&siret).await.expect_err("the new component is checked");
    assert!(err.to_string().contains("does not export the type-de-champ interface"), "{err}");
}

fn walk(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plugin_that_keeps_failing_is_degraded_and_shown_to_administrateurs_and_operators() {
    use guichet_tests::app::Backend;
    let app = TestApp::start_with(Backend::Sqlite, |c| c.metrics_token = Some("jeton-metriques-de-test".into()))
        .await
        .expect("app");
    app.server.state.plugins.load_plugin(&fixture_dir("boucle")).await.expect("boucle");
    app.server.state.plugins.load_plugin(&fixture_dir("piege")).await.expect("piege");
    let plugins = &app.server.state.plugins;
    // piege logs a flood of warnings before it panics.
    plugins.validate("piege", "abc", "{}").await.expect_err("piege traps");
    // An administrateur whose démarche uses boucle.
    let admin = app.signed_in("admin@plugins.example", Roles { administrateur: true, ..Roles::default() }).await;
    let page = admin
        .post(
            "/admin/demarches",
            &[
                ("libelle", "Démarche à la boucle"),
                ("description", "Elle utilise un plugin défaillant."),
                ("service_nom", "Service essais"),
                ("service_organisme", "Ministère des essais"),
                ("cadre_juridique", "Délibération n° 2026-12 du conseil"),
                ("service_email", "essais@ministere.example"),
            ],
        )
        .await;
    let demarche = page.id_after("/admin/demarches/");
    admin.post(&format!("/admin/demarches/{demarche}/plugins/boucle/activer"), &[]).await.assert_status(200);
    // Its démarche uses piege too: piege's logs are this administration's.
    admin.post(&format!("/admin/demarches/{demarche}/plugins/piege/activer"), &[]).await.assert_status(200);

    // Five deadlines in a row open the breaker…
    for _ in 0..guichet::plugins::health::FAILURES_TO_OPEN {
        let err = plugins.validate("boucle", "1", "{}").await.expect_err("loops");
        assert!(matches!(err, PluginError::DeadlineExceeded { .. }), "{err:?}");
    }
    // …after which the plugin is not even instantiated: the answer is immediate.
    let started = Instant::now();
    let err = plugins.validate("boucle", "1", "{}").await.expect_err("degraded");
    assert!(matches!(err, PluginError::Degraded { .. }), "{err:?}");
    assert!(started.elapsed() < Duration::from_millis(20), "a degraded plugin costs nothing: {:?}", started.elapsed());
    // Other plugins are not affected.
    assert!(matches!(plugins.validate("siret", "73282932000074", "{}").await, Ok(PluginValidation::Valid { .. })));

    // The administrateurs of démarches using it are told by e-mail, once.
    let alert = app.mail("admin@plugins.example", "Le plugin « Boucle infinie » est en mode dégradé").await;
    assert!(alert.text_body.contains("« Démarche à la boucle »"), "{}", alert.text_body);
    assert!(alert.text_body.contains("exceeded its CPU deadline"), "{}", alert.text_body);
    assert!(alert.text_body.contains("/admin/plugins"), "{}", alert.text_body);

    // The administrateur sees it degraded, with its last errors, in French.
    let page = admin.get("/admin/plugins").await;
    page.assert_status(200)
        .assert_contains("Boucle infinie")
        .assert_contains("Dégradé")
        .assert_contains("deadline_exceeded")
        .assert_contains("exceeded its CPU deadline")
        .assert_contains("Numéro SIRET")
        // What the plugins logged (within the per-call budget) is shown too.
        .assert_contains("Derniers messages du plugin")
        .assert_contains("record 0: xxxx");
    // An usager is not an administrateur.
    let usager = app.signed_in("usager@plugins.example", Roles::default()).await;
    assert_ne!(usager.get("/admin/plugins").await.status, 200);

    // The operator's metrics need the token, and count every outcome.
    app.client().get("/metrics").await.assert_status(404);
    let metrics = app
        .client()
        .http
        .get(app.url("/metrics"))
        .bearer_auth("jeton-metriques-de-test")
        .send()
        .await
        .expect("metrics");
    assert_eq!(metrics.status(), 200);
    let text = metrics.text().await.expect("body");
    assert!(
        text.contains(
            r#"guichet_plugin_calls_total{plugin="boucle",version="0.1.0",function="validate",outcome="deadline_exceeded"} 5"#
        ),
        "{text}"
    );
    assert!(text.contains(r#"guichet_plugin_degraded{plugin="boucle",version="0.1.0"} 1"#), "{text}");
    assert!(text.contains(r#"guichet_plugin_refused_total{plugin="boucle",version="0.1.0"} 1"#), "{text}");
    assert!(text.contains(r#"guichet_plugin_degraded{plugin="siret",version="2.0.0"} 0"#), "{text}");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plugins_are_installed_and_removed_while_the_server_runs() {
    use guichet::plugins::{PluginHost, PluginLimits};
    let copy = |from: &std::path::Path, to: &std::path::Path| {
        std::fs::create_dir_all(to).expect("mkdir");
        for entry in std::fs::read_dir(from).expect("plugin dir") {
            let entry = entry.expect("entry");
            std::fs::copy(entry.path(), to.join(entry.file_name())).expect("copy");
        }
    };
    let dir = tempfile::tempdir().expect("plugins dir");
    copy(&guichet_tests::app::plugins_dir().join("siret"), &dir.path().join("siret"));
    copy(&fixture_dir("boucle"), &dir.path().join("boucle"));
    let host = std::sync::Arc::new(PluginHost::new(PluginLimits::default()).expect("host"));
    host.load_dir(dir.path()).await.expect("initial set");

    // A call is running on boucle when the operator removes it.
    let running = {
        let host = host.clone();
        tokio::spawn(async move { host.validate("boucle", "1", "{}").await })
    };
    tokio::time::sleep(Duration::from_millis(5)).await;
    std::fs::remove_dir_all(dir.path().join("boucle")).expect("rm");
    let reload = host.reload_dir(dir.path()).await.expect("reload");
    assert_eq!(reload.removed, vec!["boucle".to_string()]);
    assert_eq!(reload.unchanged, vec!["siret".to_string()]);
    // The running call finished on the version it started with.
    let finished = running.await.expect("join");
    assert!(matches!(finished, Err(PluginError::DeadlineExceeded { .. })), "{finished:?}");
    assert!(matches!(host.validate("boucle", "1", "{}").await, Err(PluginError::UnknownType(_))));

    // A broken plugin in the folder: the reload is refused, the running set kept.
    copy(&guichet_tests::app::plugins_dir().join("siret"), &dir.path().join("faux"));
    let manifest = dir.path().join("faux/plugin.toml");
    let text = std::fs::read_to_string(&manifest).expect("manifest").replace("id = \"siret\"", "id = \"faux\"");
    std::fs::write(&manifest, text).expect("write");
    std::fs::rename(dir.path().join("faux/siret.wasm"), dir.path().join("faux/faux.wasm")).expect("rename");
    let err = host.reload_dir(dir.path()).await.expect_err("describe() says siret, plugin.toml says faux");
    assert!(err.to_string().contains("faux"), "{err}");
    assert!(matches!(host.validate("siret", "73282932000074", "{}").await, Ok(PluginValidation::Valid { .. })));

    // Fixed by the operator: the new plugin arrives.
    std::fs::remove_dir_all(dir.path().join("faux")).expect("rm");
    copy(&fixture_dir("piege"), &dir.path().join("piege"));
    let reload = host.reload_dir(dir.path()).await.expect("reload");
    assert_eq!(reload.added, vec!["piege".to_string()]);
    assert!(host.type_de_champ("piege").is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_plugin_cannot_take_every_call_slot() {
    use guichet::plugins::{PLUGIN_SHARE_DIVISOR, PluginHost, PluginLimits};
    let slots = 8;
    let host =
        std::sync::Arc::new(PluginHost::with_max_concurrent_calls(PluginLimits::default(), slots).expect("host"));
    host.load_plugin(&fixture_dir("boucle")).await.expect("boucle");
    host.load_plugin(&guichet_tests::app::plugins_dir().join("siret")).await.expect("siret");

    // Many endless loops at once: only boucle's share runs, the rest is told
    // "busy" at once instead of queueing.
    let mut loops = Vec::new();
    for _ in 0..slots {
        let host = host.clone();
        loops.push(tokio::spawn(async move { host.validate("boucle", "1", "{}").await }));
    }
    tokio::time::sleep(Duration::from_millis(5)).await;
    // Meanwhile siret still gets a slot.
    let ok = host.validate("siret", "73282932000074", "{}").await;
    assert!(matches!(ok, Ok(PluginValidation::Valid { .. })), "{ok:?}");
    let mut busy = 0;
    for task in loops {
        match task.await.expect("join") {
            Err(PluginError::Busy { .. }) => busy += 1,
            Err(PluginError::DeadlineExceeded { .. }) => {}
            other => panic!("unexpected {other:?}"),
        }
    }
    // Exactly `slots - share` when every task starts before the first loop
    // ends; a task the runtime polls late may find a share freed again.
    let share = slots / PLUGIN_SHARE_DIVISOR;
    assert!(busy >= 1 && busy <= slots - share, "boucle ran beyond its share: {busy} busy of {slots}");
}
