//! Benchmark of the usager's side (run with `scripts/bench.sh`), through
//! HTTP on loopback against the release binary, each figure next to the
//! trivial `/health` route of the same server measured in the same run
//! (issue 10 §5, on SQLite and PostgreSQL):
//! - « Mes dossiers » for usagers with 5,000 dossiers each (p95 < 50 ms):
//!   the first page of a tab, a page deep in it, a search in the answers;
//! - the autosave of one champ of a brouillon (≥ 1,000/s, p95 < 50 ms).

#[macro_use]
mod commun;

use commun::*;
use guichet::config::Config;
use guichet::domain::DemarcheId;
use guichet::store::{comptes, demarches};
use guichet::workflow::comptes::{Roles, creer_compte_operateur};
use guichet::workflow::demarche::{self as wf, ChampInput};
use std::time::{Duration, Instant};

/// Usagers measured at once, each with `DOSSIERS_PAR_USAGER` dossiers: the
/// table holds theirs and everybody else's.
const USAGERS: usize = 4;
const DOSSIERS_PAR_USAGER: i64 = 5_000;
/// Other usagers' dossiers in the same table (the index must isolate one
/// usager's among many).
const AUTRES_DOSSIERS: i64 = 100_000;
const REQUESTS: usize = 2_000;
const HEALTH_REQUESTS: usize = 10_000;

#[tokio::main]
async fn main() {
    if std::env::args().any(|a| a == "--list") {
        return; // `cargo test --benches` probes with --list
    }
    println!(
        "guichet usager benchmark: {CONCURRENCY} concurrent clients, {USAGERS} usagers with {DOSSIERS_PAR_USAGER} \
         dossiers each among {AUTRES_DOSSIERS} others, {REQUESTS} requests per measure"
    );
    let dir = tempfile::tempdir().expect("dir");
    run_backend("SQLite", dir.path(), &guichet::config::sqlite_url(dir.path())).await;
    if let Some((url, drop)) = base_postgres() {
        let dir = tempfile::tempdir().expect("dir");
        run_backend("PostgreSQL", dir.path(), &url).await;
        drop();
    }
}

async fn run_backend(name: &str, data_dir: &std::path::Path, database_url: &str) {
    println!("\n── {name}: « Mes dossiers » ──");
    let started = Instant::now();
    let emails = fixtures(data_dir, database_url).await;
    println!("setup: {:.1} s", started.elapsed().as_secs_f64());
    let server = spawn(data_dir, database_url);
    wait_ready(&server.base, Instant::now()).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let mut clients = Vec::new();
    let mut autosaves = Vec::new();
    for (e, brouillons) in &emails {
        let (client, token) = login(&server.base, e).await;
        clients.push(client.clone());
        autosaves.push(Autosave { client, token, brouillons: brouillons.clone() });
    }
    let base = &server.base;
    let health = bench_health(base, HEALTH_REQUESTS).await;
    let charge = (REQUESTS, CONCURRENCY);
    // One request at a time: the latency an usager sees on an idle server.
    let alone = charge_get(base, &clients, &["/dossiers".to_owned()], (REQUESTS / 4, 1), "En cours (").await;
    let first = charge_get(base, &clients, &["/dossiers".to_owned()], charge, "En cours (").await;
    let deep = charge_get(base, &clients, &["/dossiers?onglet=en-cours&page=100".to_owned()], charge, "page 100").await;
    let traites = charge_get(base, &clients, &["/dossiers?onglet=traites".to_owned()], charge, "Traités (").await;
    let paths: Vec<String> = ["mimosa", "4217", "projet 12"].iter().map(|q| format!("/dossiers?q={q}")).collect();
    let search = charge_get(base, &clients, &paths, charge, "dans l'onglet").await;
    let autosave_alone = charge_autosave(base, &autosaves, (REQUESTS / 4, 1)).await;
    let autosave = charge_autosave(base, &autosaves, charge).await;
    report("GET /health (baseline)", &health);
    report("Mes dossiers, page 1, alone", &alone);
    report("Mes dossiers, page 1", &first);
    report("Mes dossiers, page 100", &deep);
    report("Mes dossiers, traités", &traites);
    report("Mes dossiers, search", &search);
    report("Autosave, one champ, alone", &autosave_alone);
    report("Autosave, one champ", &autosave);
    println!("(each line but « alone »: {CONCURRENCY} concurrent clients)");
    for (label, s) in
        [("alone", &alone), ("page 1", &first), ("page 100", &deep), ("traités", &traites), ("search", &search)]
    {
        println!(
            "{label:<9} ratios to baseline: throughput {:.3}, p95 {:.1}×   (target p95 < 50 ms → {})",
            s.per_sec / health.per_sec,
            s.p95 / health.p95,
            if s.p95 < 50.0 { "met" } else { "MISSED" },
        );
    }
    // One client at a time measures latency only: the throughput target
    // is the concurrent one.
    println!(
        "autosave alone ratios to baseline: throughput {:.3}, p95 {:.1}×   (target p95 < 50 ms → {})",
        autosave_alone.per_sec / health.per_sec,
        autosave_alone.p95 / health.p95,
        if autosave_alone.p95 < 50.0 { "met" } else { "MISSED" },
    );
    println!(
        "autosave       ratios to baseline: throughput {:.3}, p95 {:.1}×   (target ≥ 1,000/s → {}, p95 < 50 ms → {})",
        autosave.per_sec / health.per_sec,
        autosave.p95 / health.p95,
        if autosave.per_sec >= 1_000.0 { "met" } else { "MISSED" },
        if autosave.p95 < 50.0 { "met" } else { "MISSED" },
    );
}

/// A published démarche with two text champs, `USAGERS` usagers with
/// `DOSSIERS_PAR_USAGER` dossiers each (a tenth brouillons, six tenths en
/// construction, three tenths accepted) and their answers, and other
/// usagers' dossiers; built with the library and SQL on the database the
/// binary will serve. Returns each usager's e-mail and some of their
/// brouillons (for the autosave).
async fn fixtures(data_dir: &std::path::Path, database_url: &str) -> Vec<(String, Vec<i64>)> {
    let mut config = Config::local(data_dir);
    config.database_url = database_url.to_string();
    config.plugins_dirs = vec![repo("plugins/dist")];
    let state = guichet::build_state(config).await.expect("state");
    let (id, admin) = demarche_de_mesure(&state, "Subvention aux associations", "Mesure de « Mes dossiers ».").await;
    for libelle in ["Nom du projet", "Description"] {
        let input = ChampInput { type_champ: "text".into(), libelle: libelle.into(), ..ChampInput::default() };
        wf::ajouter_champ(&state, &admin, id, wf::Liste::Formulaire, &input).await.expect("store").expect("champ");
    }
    publier_avec_instructeur(&state, &admin, id, "mesure").await;
    let mut emails = Vec::new();
    for u in 0..USAGERS {
        let email = format!("usager{u}@bench.example");
        creer_compte_operateur(&state, &email, PASSWORD, Roles::default()).await.expect("usager");
        emails.push(email);
    }
    creer_compte_operateur(&state, "autres@bench.example", PASSWORD, Roles::default()).await.expect("usager");
    for email in emails.iter().map(String::as_str).chain(["autres@bench.example"]) {
        let n = if email.starts_with("autres") { AUTRES_DOSSIERS } else { DOSSIERS_PAR_USAGER };
        dossiers(&state, id, email, n).await;
    }
    let mut tx = state.store.write().await.expect("tx");
    for table in ["dossiers", "champs"] {
        let sql = format!("ANALYZE {table}");
        sur!(tx.conn(), c => sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&mut *c).await.map(|_| ()))
            .expect("analyze");
    }
    const BROUILLONS: &str = "SELECT d.id FROM dossiers d JOIN comptes c ON c.id = d.compte_id \
        WHERE c.email = $1 AND d.etat = 'brouillon' ORDER BY d.id LIMIT 100";
    let mut out = Vec::new();
    for email in emails {
        let ids: Vec<i64> =
            sur!(tx.conn(), c => sqlx::query_scalar(BROUILLONS).bind(&email).fetch_all(&mut *c).await).expect("ids");
        assert!(!ids.is_empty(), "brouillons of {email}");
        out.push((email, ids));
    }
    tx.commit().await.expect("commit");
    state.store.close().await;
    out
}

/// A signed-in usager, the CSRF token of their session and brouillons.
struct Autosave {
    client: reqwest::Client,
    token: String,
    brouillons: Vec<i64>,
}

/// `n` autosaves of one champ (« Nom du projet ») from `taches` concurrent
/// tasks, each as one usager (taken in turn) going over their brouillons;
/// each answer must be the JSON of that champ saved without error.
async fn charge_autosave(base: &str, usagers: &[Autosave], (n, taches): (usize, usize)) -> Stats {
    let per = n / taches;
    let start = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..taches {
        let u = &usagers[w % usagers.len()];
        let (client, token, ids) = (u.client.clone(), u.token.clone(), u.brouillons.clone());
        let base = base.to_owned();
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::with_capacity(per);
            for i in 0..per {
                let id = ids[(w * 7 + i) % ids.len()];
                let valeur = format!("Projet {w}-{i}");
                let form = [
                    ("authenticity_token", token.as_str()),
                    ("champs_modifies[]", "champ_1"),
                    ("champ_1", valeur.as_str()),
                ];
                let t = Instant::now();
                let r = client.post(format!("{base}/dossiers/{id}/champs")).form(&form).send().await.expect("post");
                let status = r.status();
                let body = r.text().await.unwrap_or_default();
                lat.push(t.elapsed());
                assert!(
                    status.is_success() && body.contains(r#""enregistres":["champ_1"],"erreurs":[]"#),
                    "autosave of {id}: {status} {}",
                    &body[..body.len().min(300)]
                );
            }
            lat
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.expect("task"));
    }
    stats(all, start.elapsed())
}

/// `n` dossiers of one usager and their answers.
async fn dossiers(state: &guichet::state::AppState, demarche: DemarcheId, email: &str, n: i64) {
    let mut tx = state.store.write().await.expect("tx");
    let d = demarches::find(tx.conn(), demarche).await.expect("démarche");
    let revision = d.current_revision().expect("revision").0;
    let compte = comptes::find_by_email(tx.conn(), email).await.expect("find").expect("compte").id;
    let now = chrono::Utc::now();
    const DOSSIERS: &str = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $5) \
        INSERT INTO dossiers (demarche_id, revision_id, compte_id, etat, for_test, created_at, updated_at, depose_at) \
        SELECT $1, $2, $3, CASE WHEN i % 10 = 0 THEN 'brouillon' WHEN i % 10 < 4 THEN 'accepte' ELSE 'en_construction' END, \
        FALSE, $4, $4, $4 FROM n";
    sur!(tx.conn(), c => sqlx::query(DOSSIERS).bind(demarche.0).bind(revision).bind(compte).bind(now).bind(n)
        .execute(&mut *c).await.map(|_| ()))
    .expect("dossiers");
    // Answers with words and numbers to search.
    const CHAMPS: &str = "INSERT INTO champs (dossier_id, stream, stable_id, row_id, value, updated_at) \
        SELECT d.id, 'main', s.stable_id, '', CASE WHEN s.stable_id = 1 THEN 'Projet ' || d.id \
        ELSE 'Association des amis du mimosa, quartier ' || (d.id % 97) END, $2 \
        FROM dossiers d CROSS JOIN (SELECT 1 AS stable_id UNION ALL SELECT 2) s WHERE d.compte_id = $1";
    sur!(tx.conn(), c => sqlx::query(CHAMPS).bind(compte).bind(now).execute(&mut *c).await.map(|_| ()))
        .expect("champs");
    tx.commit().await.expect("commit");
}
