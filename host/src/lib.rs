//! guichet: online administrative procedures. Administrateurs publish
//! démarches, usagers file dossiers, instructeurs process them; champ types
//! and other extension points are sandboxed WebAssembly plugins.
//!
//! Layers (see ARCHITECTURE.md): `http` → `workflow` → `domain` (pure), with
//! `store` (SQL), `plugins` (wasmtime) and `jobs` (durable queue) beside.

pub mod cli;
pub mod config;
pub mod demarche_config;
pub mod demo;
pub mod domain;
pub mod error;
pub mod formulaires;
pub mod http;
pub mod jobs;
pub mod mail;
pub mod plugins;
pub mod regles;
pub mod security;
pub mod state;
pub mod storage;
pub mod store;
pub mod templates;
pub mod workers;
pub mod workflow;

use anyhow::Context;
use axum::Router;
use config::Config;
use state::AppState;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::sync::{Notify, watch};

/// The HTTP application; tests call it directly or through a bound port.
pub fn app(state: AppState) -> Router {
    http::router(state)
}

/// Opens everything the server needs: data folder, secret, database (and
/// migrations), file storage, templates, mailer, plugins.
pub async fn build_state(mut config: Config) -> anyhow::Result<AppState> {
    std::fs::create_dir_all(&config.data_dir)
        .with_context(|| format!("creating data dir {}", config.data_dir.display()))?;
    if config.secret_key.is_empty() {
        config.secret_key = local_secret(&config.data_dir)?;
    }
    let store = store::Store::connect(&config.database_url).await.context("connecting to the database")?;
    store.migrate().await.context("running migrations")?;
    let storage = storage::Storage::open(&config.storage).context("opening the file storage")?;
    let assets = http::assets::Assets::load(&config.static_dir)
        .with_context(|| format!("reading static files from {}", config.static_dir.display()))?;
    let templates = templates::Templates::load(config.templates_dir.as_deref(), &assets.prefix())?;
    let mailer = mail::Mailer::new(&config)?;
    let plugins = plugin_host(&config)?;
    plugins.set_operator_config(config.plugins_operator.clone());
    // The host logs each plugin it loads.
    plugins
        .load_dirs(&config.plugins_dirs)
        .await
        .with_context(|| format!("loading plugins from {:?}", config.plugins_dirs))?;
    Ok(AppState {
        config: Arc::new(config),
        store,
        storage,
        templates: Arc::new(templates),
        assets: Arc::new(assets),
        mailer: Arc::new(mailer),
        plugins: Arc::new(plugins),
        jobs_notify: Arc::new(Notify::new()),
        regles: Arc::new(regles::ReglesCache::default()),
        formulaires: Arc::new(formulaires::FormulairesCache::default()),
        demarche_config: Arc::new(demarche_config::DemarcheConfigCache::default()),
    })
}

/// The server's plugin host, without plugins yet. `guichet plugins compile`
/// uses the same one: compiled plugins are cached per engine configuration,
/// so any other would fill a cache the server never reads.
pub fn plugin_host(config: &Config) -> anyhow::Result<plugins::PluginHost> {
    plugins::PluginHost::with_options(
        plugins::PluginLimits::default(),
        plugins::DEFAULT_MAX_CONCURRENT_CALLS,
        Some(&config.plugin_cache_dir),
    )
    .context("starting the plugin host")
}

/// The CSRF signing key of a single-node install, kept in the data folder.
/// Several replicas must share one key through `--secret-key`.
fn local_secret(data_dir: &std::path::Path) -> anyhow::Result<Vec<u8>> {
    let path = data_dir.join("secret.key");
    if let Ok(existing) = std::fs::read_to_string(&path)
        && existing.trim().len() >= 32
    {
        return Ok(existing.trim().as_bytes().to_vec());
    }
    let key = security::random_token();
    std::fs::write(&path, &key).with_context(|| format!("writing {}", path.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(key.into_bytes())
}

/// A server listening on a port, with its job workers.
pub struct Running {
    pub addr: SocketAddr,
    pub state: AppState,
    shutdown: watch::Sender<bool>,
    server: tokio::task::JoinHandle<()>,
    workers: Vec<tokio::task::JoinHandle<()>>,
}

impl Running {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// Stops accepting requests, lets in-flight ones finish, stops workers.
    pub async fn stop(self) {
        let _ = self.shutdown.send(true);
        let _ = self.server.await;
        for w in self.workers {
            let _ = w.await;
        }
        self.state.store.close().await;
    }
}

/// Binds `bind` and serves `state` until `stop`.
pub async fn start(state: AppState, bind: SocketAddr) -> anyhow::Result<Running> {
    let listener = tokio::net::TcpListener::bind(bind).await.with_context(|| format!("binding {bind}"))?;
    let addr = listener.local_addr()?;
    let (shutdown, rx) = watch::channel(false);
    let workers = workers::spawn_workers(state.clone(), state.config.job_workers, rx.clone());
    let router = app(state.clone()).into_make_service_with_connect_info::<SocketAddr>();
    let mut server_rx = rx;
    let server = tokio::spawn(async move {
        let result = axum::serve(listener, router)
            .with_graceful_shutdown(async move {
                let _ = server_rx.wait_for(|stop| *stop).await;
            })
            .await;
        if let Err(err) = result {
            tracing::error!(error = %err, "server stopped with an error");
        }
    });
    Ok(Running { addr, state, shutdown, server, workers })
}
