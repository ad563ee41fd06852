//! The `guichet` command line: `serve`, `serve --demo`, `migrate`,
//! `plugins compile` and `administrateur ajouter`. Flags have environment
//! variables; a flag that cannot be used becomes one [`ConfigError`] line
//! naming it, with an example.

use crate::config::{Config, MapTiles, sqlite_url};
use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Parser)]
#[command(name = "guichet", version, about = "Démarches administratives en ligne")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

impl Cli {
    /// Parses a command line (the first item is the program's name), for
    /// tests that run commands in-process.
    pub fn from_args<I, T>(args: I) -> Result<Cli, clap::Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<std::ffi::OsString> + Clone,
    {
        <Cli as Parser>::try_parse_from(args)
    }
}

#[derive(Subcommand)]
pub enum Command {
    /// Run the web server and job workers.
    Serve(Box<ServeArgs>),
    /// Apply database migrations and exit.
    Migrate(CommonArgs),
    /// Plugin maintenance.
    #[command(subcommand)]
    Plugins(PluginsCommand),
    /// Administrateurs: the operator designates the first ones.
    #[command(subcommand)]
    Administrateur(AdministrateurCommand),
}

#[derive(Subcommand)]
pub enum AdministrateurCommand {
    /// Makes EMAIL an administrateur (and instructeur): creates the compte
    /// if needed and e-mails a link to choose a password (or, to a compte
    /// that has one, a notice). Run it with the server's settings (same
    /// variables) so the link and the e-mail relay are the server's.
    Ajouter(AjouterArgs),
}

#[derive(Args)]
pub struct AjouterArgs {
    /// The administrateur's e-mail address.
    pub email: String,
    #[command(flatten)]
    pub serve: Box<ServeArgs>,
}

#[derive(Subcommand)]
pub enum PluginsCommand {
    /// Compile the plugins for this machine into the data folder's cache,
    /// so that the server's first start does not wait for the compiler.
    Compile(CompileArgs),
}

#[derive(Args)]
pub struct CommonArgs {
    /// Database URL: `sqlite://…` (default: in the data folder) or `postgres://…`.
    #[arg(long, env = "GUICHET_DATABASE_URL")]
    pub database_url: Option<String>,
    /// Folder for local data: SQLite database, outbox, secret key.
    #[arg(long, env = "GUICHET_DATA_DIR", default_value = "data")]
    pub data_dir: PathBuf,
}

#[derive(Args)]
pub struct CompileArgs {
    /// Folder for local data; the compiled plugins go to its `plugin-cache`.
    #[arg(long, env = "GUICHET_DATA_DIR", default_value = "data")]
    pub data_dir: PathBuf,
    /// Folders of plugins, as for `serve`.
    #[arg(long, env = "GUICHET_PLUGINS_DIR", default_value = "plugins/dist", value_delimiter = ':')]
    pub plugins_dir: Vec<PathBuf>,
}

#[derive(Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub common: CommonArgs,
    #[arg(long, env = "GUICHET_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,
    /// Public base URL (links in e-mails); defaults to http://<bind>.
    #[arg(long, env = "GUICHET_BASE_URL")]
    pub base_url: Option<url::Url>,
    /// `smtp://user:password@host:port` or `smtps://…`; without it e-mails
    /// go to the outbox folder in the data folder.
    #[arg(long, env = "GUICHET_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,
    #[arg(long, env = "GUICHET_MAIL_FROM", default_value = "guichet <ne-pas-repondre@guichet.localhost>")]
    pub mail_from: String,
    /// Key signing CSRF tokens; shared by all replicas. Generated in the data
    /// folder when absent.
    #[arg(long, env = "GUICHET_SECRET_KEY", hide_env_values = true)]
    pub secret_key: Option<String>,
    /// Folder of plugins (`<id>/plugin.toml` + `<id>/<id>.wasm`); repeat the
    /// flag, or separate with ':' in the variable, for several folders.
    #[arg(long, env = "GUICHET_PLUGINS_DIR", default_value = "plugins/dist", value_delimiter = ':')]
    pub plugins_dir: Vec<PathBuf>,
    /// The operator's grants to plugins (origins, relocations, config,
    /// secrets): a TOML file, see `plugins/README.md`. Without it plugins
    /// may call nothing outside.
    #[arg(long, env = "GUICHET_PLUGINS_CONFIG")]
    pub plugins_config: Option<PathBuf>,
    /// Where uploaded and generated files go: `file:///var/lib/guichet/fichiers`
    /// (default: `fichiers` in the data folder) or
    /// `s3://bucket/prefix?endpoint=https://…&region=…` with the keys in
    /// GUICHET_S3_ACCESS_KEY_ID and GUICHET_S3_SECRET_ACCESS_KEY.
    #[arg(long, env = "GUICHET_STORAGE_URL")]
    pub storage_url: Option<String>,
    /// Background tiles of the carte champ: an https URL template with
    /// {z}, {x} and {y} (for example the Géoplateforme's plan IGN, see
    /// scripts/demo.sh). Without it drawings are made on a blank map.
    #[arg(long, env = "GUICHET_MAP_TILES_URL")]
    pub map_tiles_url: Option<String>,
    /// The credit those tiles require, shown on the map.
    #[arg(long, env = "GUICHET_MAP_TILES_ATTRIBUTION", default_value = "")]
    pub map_tiles_attribution: String,
    #[arg(long, env = "GUICHET_STATIC_DIR", default_value = "static")]
    pub static_dir: PathBuf,
    /// Folder of templates overriding the embedded ones.
    #[arg(long, env = "GUICHET_TEMPLATES_DIR")]
    pub templates_dir: Option<PathBuf>,
    #[arg(long, env = "GUICHET_JOB_WORKERS", default_value_t = 2)]
    pub job_workers: usize,
    /// Seed demo accounts and a published démarche at /commencer/demo.
    /// The demo shows every e-mail (reset links included) at
    /// /demo/courriels, so it binds to loopback only.
    #[arg(long)]
    pub demo: bool,
    /// Serve the demo on a non-loopback address anyway: anyone who can reach
    /// it can read every e-mail and take over every demo compte.
    #[arg(long, requires = "demo")]
    pub demo_on_any_address: bool,
    /// The header a trusted reverse proxy sets to the client's address
    /// (`x-forwarded-for`), read for per-IP rate limits. Only behind a proxy
    /// that overwrites it; without it, the connection's peer address.
    #[arg(long, env = "GUICHET_CLIENT_IP_HEADER")]
    pub client_ip_header: Option<String>,
    /// Bearer token protecting /metrics (Prometheus); without it the page
    /// does not exist.
    #[arg(long, env = "GUICHET_METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<String>,
    /// Virus scanner run on every uploaded file, the file on its standard
    /// input: `clamdscan --no-summary -` (exit 0 clean, 1 infected, other
    /// error). Split on spaces, run without a shell. When it fails, files
    /// are refused (fail closed); without it, files are accepted unscanned.
    #[arg(long, env = "GUICHET_SCANNER_COMMAND")]
    pub scanner_command: Option<String>,
    /// Agents (instructeurs, administrateurs, experts) confirm each sign-in
    /// from a new browser with a link e-mailed to them; the browser is then
    /// trusted for 30 days. Usagers are not asked.
    #[arg(long, env = "GUICHET_AGENTS_CONFIRM_NEW_BROWSERS")]
    pub agents_confirm_new_browsers: bool,
}

/// A flag or variable whose value cannot be used: said in one line, with
/// the flag, its variable and an example, never as a backtrace.
#[derive(Debug, PartialEq, Eq)]
pub struct ConfigError {
    pub flag: &'static str,
    pub env: Option<&'static str>,
    pub problem: String,
    pub example: &'static str,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.flag)?;
        if let Some(env) = self.env {
            write!(f, " ({env})")?;
        }
        write!(f, ": {}; for example: {} {}", self.problem, self.flag, self.example)
    }
}

impl std::error::Error for ConfigError {}

impl CommonArgs {
    fn database_url(&self) -> String {
        self.database_url.clone().unwrap_or_else(|| sqlite_url(&self.data_dir))
    }
}

impl ServeArgs {
    /// The server's configuration, or the first flag that cannot be used.
    pub fn config(&self) -> Result<Config, ConfigError> {
        if self.demo && !self.demo_on_any_address && !self.bind.ip().is_loopback() {
            return Err(ConfigError {
                flag: "--bind",
                env: Some("GUICHET_BIND"),
                problem: format!(
                    "the demo shows every e-mail, reset links included, at /demo/courriels: it serves on a \
                     loopback address only, not {} (add --demo-on-any-address to serve it there anyway)",
                    self.bind
                ),
                example: "127.0.0.1:8080",
            });
        }
        let mut config = Config::local(&self.common.data_dir);
        config.database_url = self.common.database_url();
        config.base_url = match &self.base_url {
            Some(u) => u.clone(),
            None => url::Url::parse(&format!("http://{}", self.bind)).map_err(|e| ConfigError {
                flag: "--base-url",
                env: Some("GUICHET_BASE_URL"),
                problem: format!("no public URL can be made from --bind {}: {e}", self.bind),
                example: "https://demarches.example.gouv.fr",
            })?,
        };
        config.smtp_url = self.smtp_url.clone();
        config.mail_from = self.mail_from.clone();
        config.secret_key = self.secret_key.clone().map(String::into_bytes).unwrap_or_default();
        config.plugins_dirs = self.plugins_dir.clone();
        if let Some(path) = &self.plugins_config {
            config.plugins_operator = crate::plugins::OperatorConfig::read(path).map_err(|problem| ConfigError {
                flag: "--plugins-config",
                env: Some("GUICHET_PLUGINS_CONFIG"),
                problem,
                example: "/etc/guichet/plugins.toml (see plugins/README.md)",
            })?;
        }
        if let Some(raw) = &self.storage_url {
            // Keys from the environment only: a flag would show them in `ps`.
            let key_id = std::env::var("GUICHET_S3_ACCESS_KEY_ID").ok();
            let secret = std::env::var("GUICHET_S3_SECRET_ACCESS_KEY").ok();
            config.storage =
                crate::storage::StorageConfig::parse(raw, key_id.as_deref(), secret.as_deref()).map_err(|problem| {
                    ConfigError {
                        flag: "--storage-url",
                        env: Some("GUICHET_STORAGE_URL"),
                        problem,
                        example: "'s3://guichet-fichiers/prod?endpoint=https://s3.example.fr&region=fr-par'",
                    }
                })?;
        }
        if let Some(url) = self.map_tiles_url.as_deref().filter(|u| !u.trim().is_empty()) {
            config.map_tiles =
                Some(MapTiles::parse(url, &self.map_tiles_attribution).map_err(|problem| ConfigError {
                    flag: "--map-tiles-url",
                    env: Some("GUICHET_MAP_TILES_URL"),
                    problem,
                    example: "'https://tuiles.example.fr/plan/{z}/{x}/{y}.png'",
                })?);
        }
        config.static_dir = self.static_dir.clone();
        config.templates_dir = self.templates_dir.clone();
        config.job_workers = self.job_workers;
        config.confirm_new_browsers = self.agents_confirm_new_browsers;
        config.demo = self.demo;
        config.metrics_token = self.metrics_token.clone().filter(|t| !t.is_empty());
        config.client_ip_header =
            self.client_ip_header.as_deref().map(str::trim).filter(|h| !h.is_empty()).map(str::to_ascii_lowercase);
        config.scanner_command = self
            .scanner_command
            .as_deref()
            .map(|c| c.split_whitespace().map(str::to_owned).collect::<Vec<_>>())
            .filter(|parts| !parts.is_empty());
        Ok(config)
    }
}

/// Runs one command to its end.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Migrate(args) => {
            std::fs::create_dir_all(&args.data_dir)
                .with_context(|| format!("creating data dir {}", args.data_dir.display()))?;
            let store = crate::store::Store::connect(&args.database_url()).await?;
            store.migrate().await?;
            println!("Migrations appliquées ({}).", store.backend());
            Ok(())
        }
        Command::Plugins(PluginsCommand::Compile(args)) => compile_plugins(args).await,
        Command::Administrateur(AdministrateurCommand::Ajouter(args)) => ajouter_administrateur(args).await,
        Command::Serve(args) => serve(*args).await,
    }
}

async fn ajouter_administrateur(args: AjouterArgs) -> anyhow::Result<()> {
    let mut config = args.serve.config()?;
    // Designating an administrateur runs no plugin: none is loaded (nor
    // compiled on a machine that has not done it yet).
    config.plugins_dirs = Vec::new();
    let state = crate::build_state(config).await?;
    let fait = crate::workflow::administrateurs::designer(&state, &args.email).await?;
    let quoi =
        if fait.invitation { "un lien pour choisir son mot de passe" } else { "un avis (il a déjà un mot de passe)" };
    // The e-mail is in the queue, durable; sent now when possible, else by
    // the server's workers, which retry.
    match crate::workers::run_job(&state, fait.job).await? {
        Some(Ok(())) => println!("{} est administrateur. Courriel envoyé : {quoi}.", fait.email),
        None => println!("{} est administrateur. Le serveur envoie le courriel : {quoi}.", fait.email),
        Some(Err(error)) => println!(
            "{} est administrateur. Le courriel ({quoi}) n'a pas pu partir ({error}) : le serveur le renverra.",
            fait.email
        ),
    }
    state.store.close().await;
    Ok(())
}

async fn compile_plugins(args: CompileArgs) -> anyhow::Result<()> {
    let mut config = Config::local(&args.data_dir);
    config.plugins_dirs = args.plugins_dir;
    std::fs::create_dir_all(&config.plugin_cache_dir)
        .with_context(|| format!("creating {}", config.plugin_cache_dir.display()))?;
    let started = std::time::Instant::now();
    let host = crate::plugin_host(&config)?;
    let loaded = host
        .load_dirs(&config.plugins_dirs)
        .await
        .with_context(|| format!("loading plugins from {:?}", config.plugins_dirs))?;
    println!(
        "{} plugins compiled into {} in {:.1} s",
        loaded.len(),
        config.plugin_cache_dir.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let config = args.config()?;
    if args.demo && !args.bind.ip().is_loopback() {
        tracing::warn!(bind = %args.bind, "demo served beyond loopback: anyone who reaches it reads every e-mail");
    }
    tracing::info!(config = ?config, "starting");
    let state = crate::build_state(config).await?;
    if args.demo {
        let info = crate::demo::seed(&state).await.context("seeding demo data")?;
        let base = state.config.base_url.as_str().trim_end_matches('/').to_string();
        println!("\nDémonstration guichet prête : {base}/");
        println!("  Démarche publiée : {base}/commencer/{}", info.path);
        println!("  Courriels envoyés : {base}/demo/courriels");
        println!("  Mot de passe de tous les comptes : {}", crate::demo::PASSWORD);
        for (role, email) in &info.comptes {
            println!("  {role:<15} {email}");
        }
        println!();
    }
    let running = crate::start(state.clone(), args.bind).await?;
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
fn reload_plugins_on_sighup(state: crate::state::AppState) {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn serve_args(args: &[&str]) -> ServeArgs {
        let mut argv = vec!["guichet", "serve"];
        argv.extend_from_slice(args);
        match Cli::try_parse_from(argv).map(|cli| cli.command) {
            Ok(Command::Serve(args)) => *args,
            Ok(_) => panic!("not serve"),
            Err(error) => panic!("{error}"),
        }
    }

    #[test]
    fn a_bad_tiles_url_is_one_line_naming_the_flag_and_an_example() {
        let url = "https://data.geopf.fr/wmts?TILEMATRIX={z&TILEROW={y}&TILECOL={x}}";
        let Err(error) = serve_args(&["--map-tiles-url", url]).config() else { panic!("accepted") };
        let line = error.to_string();
        assert!(!line.contains('\n'), "{line}");
        assert!(line.starts_with("--map-tiles-url (GUICHET_MAP_TILES_URL): "), "{line}");
        assert!(line.contains("must contain {z}, {x} and {y}"), "{line}");
        assert!(line.contains("for example: --map-tiles-url 'https://"), "{line}");
    }

    #[test]
    fn an_empty_tiles_url_means_a_blank_map() {
        let config = serve_args(&["--map-tiles-url", ""]).config().expect("config");
        assert_eq!(config.map_tiles, None);
    }

    #[test]
    fn the_demo_serves_on_loopback_unless_forced() {
        let Err(error) = serve_args(&["--demo", "--bind", "0.0.0.0:8080"]).config() else { panic!("accepted") };
        assert_eq!((error.flag, error.env), ("--bind", Some("GUICHET_BIND")));
        assert!(error.problem.contains("--demo-on-any-address"), "{}", error.problem);
        assert!(serve_args(&["--demo", "--bind", "[::1]:8080"]).config().is_ok());
        let forced = serve_args(&["--demo", "--demo-on-any-address", "--bind", "0.0.0.0:8080"]);
        assert!(forced.config().expect("forced").demo);
        assert!(serve_args(&["--bind", "0.0.0.0:8080"]).config().is_ok(), "only the demo is held to loopback");
        assert!(Cli::try_parse_from(["guichet", "serve", "--demo-on-any-address"]).is_err(), "requires --demo");
    }
}
