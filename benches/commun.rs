//! What the benchmarks share (`depot.rs`, `usager.rs`): the release binary
//! started on a free port, logins, latency statistics against the `/health`
//! baseline, and a fresh PostgreSQL database per run.

// Each bench binary includes this module and uses part of it.
#![allow(dead_code)]

use guichet::domain::compte::Administrateur;
use guichet::domain::demarche::reglages::ReglagesSaisis;
use guichet::domain::demarche::{DemarcheInput, Service};
use guichet::domain::{AdministrateurId, DemarcheId};
use guichet::state::AppState;
use guichet::store::comptes;
use guichet::workflow::comptes::{Roles, creer_compte_operateur};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Runs `$body` with `$c` bound to the backend's connection (the bench's
/// own SQL, as the store's `on!` does inside the crate).
macro_rules! sur {
    ($conn:expr, $c:ident => $body:expr) => {
        match $conn {
            guichet::store::Conn::Sqlite($c) => $body,
            guichet::store::Conn::Postgres($c) => $body,
        }
    };
}

pub const PASSWORD: &str = "marmotte-cadran-velours-77";

/// Concurrent clients: enough to keep 2 cores busy, like a burst of usagers.
pub const CONCURRENCY: usize = 16;

pub fn bin() -> PathBuf {
    std::env::var_os("GUICHET_BIN").map(PathBuf::from).unwrap_or_else(|| {
        let target = std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("target"));
        target.join("release/guichet")
    })
}

pub fn repo(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(path)
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("free port")
}

pub struct Server {
    pub child: Child,
    pub base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn spawn(data_dir: &std::path::Path, database_url: &str) -> Server {
    let port = free_port();
    let child = Command::new(bin())
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .arg("--data-dir")
        .arg(data_dir)
        .args(["--database-url", database_url])
        .arg("--plugins-dir")
        .arg(repo("plugins/dist"))
        .arg("--static-dir")
        .arg(repo("static"))
        .args(["--secret-key", "bench-secret-key-bench-secret-key"])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e} (run scripts/bench.sh, it builds it)", bin().display()));
    Server { child, base: format!("http://127.0.0.1:{port}") }
}

pub async fn wait_ready(base: &str, started: Instant) -> Duration {
    let client = reqwest::Client::new();
    loop {
        if let Ok(r) = client.get(format!("{base}/health")).send().await
            && r.status().is_success()
        {
            return started.elapsed();
        }
        assert!(started.elapsed() < Duration::from_secs(60), "server did not start");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

pub async fn login(base: &str, email: &str) -> (reqwest::Client, String) {
    let client = reqwest::Client::builder().cookie_store(true).build().expect("client");
    let page = client.get(format!("{base}/connexion")).send().await.expect("get").text().await.expect("body");
    let token = page
        .split("name=\"authenticity_token\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("token")
        .to_string();
    let r = client
        .post(format!("{base}/connexion"))
        .form(&[("authenticity_token", token.as_str()), ("email", email), ("password", PASSWORD)])
        .send()
        .await
        .expect("login");
    let body = r.text().await.expect("body");
    assert!(body.contains("Se déconnecter"), "login failed for {email}");
    // The CSRF token is rotated at login: the one the forms now expect is
    // in the page logging in led to.
    let token = body
        .split("name=\"authenticity_token\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .map_or(token, str::to_string);
    (client, token)
}

pub struct Stats {
    pub per_sec: f64,
    pub p50: f64,
    pub p95: f64,
    pub p99: f64,
}

pub fn stats(mut lat: Vec<Duration>, wall: Duration) -> Stats {
    lat.sort();
    let q = |p: f64| lat[((lat.len() as f64 - 1.0) * p).round() as usize].as_secs_f64() * 1e3;
    Stats { per_sec: lat.len() as f64 / wall.as_secs_f64(), p50: q(0.50), p95: q(0.95), p99: q(0.99) }
}

pub fn report(label: &str, s: &Stats) {
    println!(
        "{label:<28} {:>9.0}/s   p50 {:>7.2} ms   p95 {:>7.2} ms   p99 {:>7.2} ms",
        s.per_sec, s.p50, s.p95, s.p99
    );
}

/// A fresh PostgreSQL database for one run (its URL, and what drops it),
/// when `GUICHET_TEST_POSTGRES_URL` is set.
pub fn base_postgres() -> Option<(String, impl FnOnce())> {
    let Ok(admin_url) = std::env::var("GUICHET_TEST_POSTGRES_URL") else {
        println!("\nGUICHET_TEST_POSTGRES_URL not set: PostgreSQL not measured");
        return None;
    };
    static SUIVANTE: AtomicU64 = AtomicU64::new(0);
    let db = format!("guichet_bench_{}_{}", std::process::id(), SUIVANTE.fetch_add(1, Ordering::Relaxed));
    let psql = {
        let admin_url = admin_url.clone();
        move |sql: String| Command::new("psql").arg(&admin_url).args(["-v", "ON_ERROR_STOP=1", "-qc", &sql]).status()
    };
    assert!(psql(format!("CREATE DATABASE {db}")).expect("psql").success());
    let url = match admin_url.rsplit_once('/') {
        Some((base, _)) => format!("{base}/{db}"),
        None => admin_url.clone(),
    };
    Some((url, move || {
        let _ = psql(format!("DROP DATABASE {db} WITH (FORCE)"));
    }))
}

/// `n` requests to the trivial `/health` route: the baseline every figure
/// is reported against, measured on the same server in the same run.
pub async fn bench_health(base: &str, n: usize) -> Stats {
    let client = reqwest::Client::new();
    let per = n / CONCURRENCY;
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..CONCURRENCY {
        let client = client.clone();
        let url = format!("{base}/health");
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::with_capacity(per);
            for _ in 0..per {
                let t = Instant::now();
                let r = client.get(&url).send().await.expect("health");
                assert!(r.status().is_success());
                let _ = r.bytes().await;
                lat.push(t.elapsed());
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

/// `n` GETs of `paths` (taken in turn) from `taches` concurrent tasks,
/// each with a signed-in client of `clients` (taken in turn); each answer
/// must be a success containing `attendu`.
pub async fn charge_get(
    base: &str,
    clients: &[reqwest::Client],
    paths: &[String],
    (n, taches): (usize, usize),
    attendu: &str,
) -> Stats {
    let per = n / taches;
    let start = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..taches {
        let client = clients[w % clients.len()].clone();
        let urls: Vec<String> = paths.iter().map(|p| format!("{base}{p}")).collect();
        let attendu = attendu.to_string();
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::with_capacity(per);
            for i in 0..per {
                let url = &urls[(w + i) % urls.len()];
                let t = Instant::now();
                let r = client.get(url).send().await.expect("get");
                let status = r.status();
                let body = r.text().await.unwrap_or_default();
                lat.push(t.elapsed());
                assert!(
                    status.is_success() && body.contains(&attendu),
                    "{url}: {status} {}",
                    &body[..body.len().min(500)]
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

/// A démarche in brouillon (its champs to add) and its administrateur,
/// `admin@bench.example`, built through the workflow like the demo.
pub async fn demarche_de_mesure(state: &AppState, libelle: &str, description: &str) -> (DemarcheId, Administrateur) {
    let email = "admin@bench.example";
    let compte = creer_compte_operateur(state, email, PASSWORD, Roles { administrateur: true, ..Roles::default() })
        .await
        .expect("admin");
    let mut tx = state.store.write().await.expect("tx");
    let admin_id = comptes::ensure_administrateur(tx.conn(), compte, chrono::Utc::now()).await.expect("admin role");
    tx.commit().await.expect("commit");
    let admin =
        Administrateur { compte_id: compte, administrateur_id: AdministrateurId(admin_id.0), email: email.into() };
    let service = Service {
        nom: "Bench".into(),
        organisme: "Bench".into(),
        email: "bench@bench.example".into(),
        ..Service::default()
    };
    let input = DemarcheInput {
        libelle: libelle.into(),
        description: description.into(),
        service,
        reglages: ReglagesSaisis { cadre_juridique: "Arrêté de mesure".into(), ..ReglagesSaisis::default() },
    };
    let id = guichet::workflow::demarche::creer(state, &admin, input)
        .await
        .map_err(|(_, e)| format!("{e:?}"))
        .expect("démarche");
    (id, admin)
}

/// Publishes the démarche at `path` with `instructeur@bench.example` (a
/// compte made here) in its groupe: a démarche needs one to be published.
pub async fn publier_avec_instructeur(state: &AppState, admin: &Administrateur, id: DemarcheId, path: &str) {
    let instructeur = "instructeur@bench.example";
    creer_compte_operateur(state, instructeur, PASSWORD, Roles { instructeur: true, ..Roles::default() })
        .await
        .expect("instructeur");
    guichet::workflow::groupes::affecter_instructeur(state, admin, id, None, instructeur)
        .await
        .expect("store")
        .expect("instructeur");
    guichet::workflow::demarche::publier(state, admin, id, path).await.expect("store").expect("publier");
}
