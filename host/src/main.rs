//! The `guichet` binary: `serve`, `serve --demo`, `migrate`.

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use guichet::config::{Config, sqlite_url};
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Parser)]
#[command(name = "guichet", version, about = "Démarches administratives en ligne")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web server and job workers.
    Serve(Box<ServeArgs>),
    /// Apply database migrations and exit.
    Migrate(CommonArgs),
}

#[derive(Args)]
struct CommonArgs {
    /// Database URL: `sqlite://…` (default: in the data folder) or `postgres://…`.
    #[arg(long, env = "GUICHET_DATABASE_URL")]
    database_url: Option<String>,
    /// Folder for local data: SQLite database, outbox, secret key.
    #[arg(long, env = "GUICHET_DATA_DIR", default_value = "data")]
    data_dir: PathBuf,
}

#[derive(Args)]
struct ServeArgs {
    #[command(flatten)]
    common: CommonArgs,
    #[arg(long, env = "GUICHET_BIND", default_value = "127.0.0.1:8080")]
    bind: SocketAddr,
    /// Public base URL (links in e-mails); defaults to http://<bind>.
    #[arg(long, env = "GUICHET_BASE_URL")]
    base_url: Option<url::Url>,
    /// `smtp://user:password@host:port` or `smtps://…`; without it e-mails
    /// go to the outbox folder in the data folder.
    #[arg(long, env = "GUICHET_SMTP_URL", hide_env_values = true)]
    smtp_url: Option<String>,
    #[arg(long, env = "GUICHET_MAIL_FROM", default_value = "guichet <ne-pas-repondre@guichet.localhost>")]
    mail_from: String,
    /// Key signing CSRF tokens; shared by all replicas. Generated in the data
    /// folder when absent.
    #[arg(long, env = "GUICHET_SECRET_KEY", hide_env_values = true)]
    secret_key: Option<String>,
    /// Folder of plugins (`<id>/plugin.toml` + `<id>/<id>.wasm`); repeat the
    /// flag, or separate with ':' in the variable, for several folders.
    #[arg(long, env = "GUICHET_PLUGINS_DIR", default_value = "plugins/dist", value_delimiter = ':')]
    plugins_dir: Vec<PathBuf>,
    /// The operator's grants to plugins (origins, relocations, config,
    /// secrets): a TOML file, see `plugins/README.md`. Without it plugins
    /// may call nothing outside.
    #[arg(long, env = "GUICHET_PLUGINS_CONFIG")]
    plugins_config: Option<PathBuf>,
    /// Where uploaded and generated files go: `file:///var/lib/guichet/fichiers`
    /// (default: `fichiers` in the data folder) or
    /// `s3://bucket/prefix?endpoint=https://…&region=…` with the keys in
    /// GUICHET_S3_ACCESS_KEY_ID and GUICHET_S3_SECRET_ACCESS_KEY.
    #[arg(long, env = "GUICHET_STORAGE_URL")]
    storage_url: Option<String>,
    /// Background tiles of the carte champ: an https URL template with
    /// {z}, {x} and {y} (for example the Géoplateforme's plan IGN, see
    /// scripts/demo.sh). Without it drawings are made on a blank map.
    #[arg(long, env = "GUICHET_MAP_TILES_URL")]
    map_tiles_url: Option<String>,
    /// The credit those tiles require, shown on the map.
    #[arg(long, env = "GUICHET_MAP_TILES_ATTRIBUTION", default_value = "")]
    map_tiles_attribution: String,
    #[arg(long, env = "GUICHET_STATIC_DIR", default_value = "static")]
    static_dir: PathBuf,
    /// Folder of templates overriding the embedded ones.
    #[arg(long, env = "GUICHET_TEMPLATES_DIR")]
    templates_dir: Option<PathBuf>,
    #[arg(long, env = "GUICHET_JOB_WORKERS", default_value_t = 2)]
    job_workers: usize,
    /// Seed demo accounts and a published démarche at /commencer/demo.
    #[arg(long)]
    demo: bool,
    /// Bearer token protecting /metrics (Prometheus); without it the page
    /// does not exist.
    #[arg(long, env = "GUICHET_METRICS_TOKEN", hide_env_values = true)]
    metrics_token: Option<String>,
}

impl CommonArgs {
    fn database_url(&self) -> String {
        self.database_url.clone().unwrap_or_else(|| sqlite_url(&self.data_dir))
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn,tower_http=info,cranelift=warn,wasmtime=warn".into()),
        )
        .init();
    match Cli::parse().command {
        Command::Migrate(args) => {
            std::fs::create_dir_all(&args.data_dir)?;
            let store = guichet::store::Store::connect(&args.database_url()).await?;
            store.migrate().await?;
            println!("Migrations appliquées ({}).", store.backend());
            Ok(())
        }
        Command::Serve(args) => serve(*args).await,
    }
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let mut config = Config::local(&args.common.data_dir);
    config.database_url = args.common.database_url();
    config.base_url = match args.base_url {
        Some(u) => u,
        None => url::Url::parse(&format!("http://{}", args.bind)).context("base URL")?,
    };
    config.smtp_url = args.smtp_url;
    config.mail_from = args.mail_from;
    config.secret_key = args.secret_key.map(String::into_bytes).unwrap_or_default();
    config.plugins_dirs = args.plugins_dir;
    if let Some(path) = &args.plugins_config {
        config.plugins_operator = guichet::plugins::OperatorConfig::read(path).map_err(anyhow::Error::msg)?;
    }
    if let Some(raw) = &args.storage_url {
        // Keys from the environment only: a flag would show them in `ps`.
        let key_id = std::env::var("GUICHET_S3_ACCESS_KEY_ID").ok();
        let secret = std::env::var("GUICHET_S3_SECRET_ACCESS_KEY").ok();
        config.storage = guichet::storage::StorageConfig::parse(raw, key_id.as_deref(), secret.as_deref())
            .map_err(anyhow::Error::msg)?;
    }
    if let Some(url) = args.map_tiles_url.as_deref().filter(|u| !u.trim().is_empty()) {
        config.map_tiles =
            Some(guichet::config::MapTiles::parse(url, &args.map_tiles_attribution).map_err(anyhow::Error::msg)?);
    }
    config.static_dir = args.static_dir;
    config.templates_dir = args.templates_dir;
    config.job_workers = args.job_workers;
    config.demo = args.demo;
    config.metrics_token = args.metrics_token.filter(|t| !t.is_empty());
    tracing::info!(config = ?config, "starting");

    let state = guichet::build_state(config).await?;
    if args.demo {
        let info = guichet::demo::seed(&state).await.context("seeding demo data")?;
        let base = state.config.base_url.as_str().trim_end_matches('/').to_string();
        println!("\nDémonstration guichet prête : {base}/");
        println!("  Démarche publiée : {base}/commencer/{}", info.path);
        println!("  Courriels envoyés : {base}/demo/courriels");
        println!("  Mot de passe de tous les comptes : {}", guichet::demo::PASSWORD);
        for (role, email) in &info.comptes {
            println!("  {role:<15} {email}");
        }
        println!();
    }
    let running = guichet::start(state.clone(), args.bind).await?;
    tracing::info!(addr = %running.addr, "listening");
    reload_plugins_on_sighup(state);
    shutdown_signal().await;
    tracing::info!("shutting down");
    running.stop().await;
    Ok(())
}

/// `kill -HUP` makes the server load the plugins directory again: plugins
/// installed, upgraded or removed by the operator take effect without a
/// restart (see `PluginHost::reload_dir`).
fn reload_plugins_on_sighup(state: guichet::state::AppState) {
    #[cfg(unix)]
    tokio::spawn(async move {
        let Ok(mut hangups) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()) else {
            tracing::warn!("cannot listen for SIGHUP: plugins reload only at restart");
            return;
        };
        while hangups.recv().await.is_some() {
            match state.plugins.reload_dirs(&state.config.plugins_dirs).await {
                Ok(reload) => tracing::info!(?reload, "plugins reloaded on SIGHUP"),
                Err(error) => tracing::error!(%error, "plugin reload refused, the running plugins are kept"),
            }
        }
    });
    #[cfg(not(unix))]
    let _ = state;
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = terminate => {}
    }
}
