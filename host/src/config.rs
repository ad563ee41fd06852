//! Runtime configuration, from command-line flags or environment variables.
//! `Debug` masks secrets so configuration can be logged at start-up.

use std::fmt;
use std::path::PathBuf;
use url::Url;

/// Everything a running server needs to know about its environment.
#[derive(Clone)]
pub struct Config {
    /// Public base URL, used in e-mailed links and to check `Origin`.
    pub base_url: Url,
    pub database_url: String,
    /// Local files: SQLite database, outbox, uploads, compiled plugin cache.
    pub data_dir: PathBuf,
    /// Uploaded and generated files: `data_dir/fichiers` by default.
    pub storage: crate::storage::StorageConfig,
    /// `smtp://user:pass@host:port` (or `smtps://`); `None` writes e-mails to
    /// `data_dir/outbox` instead.
    pub smtp_url: Option<String>,
    pub mail_from: String,
    /// Signs CSRF tokens. Must stay the same across replicas and restarts.
    pub secret_key: Vec<u8>,
    /// Folders of plugins, loaded together (an id in two of them is refused).
    pub plugins_dirs: Vec<PathBuf>,
    /// What the operator grants each plugin (origins, config, secrets).
    pub plugins_operator: crate::plugins::OperatorConfig,
    /// Compiled plugins, keyed by content hash and engine (see `plugins`);
    /// `data_dir/plugin-cache` by default.
    pub plugin_cache_dir: PathBuf,
    pub static_dir: PathBuf,
    /// Operator overrides of the embedded templates.
    pub templates_dir: Option<PathBuf>,
    /// Demo mode: the outbox can be read in the browser at /demo/courriels.
    pub demo: bool,
    /// Background job workers in this process (0 in some tests).
    pub job_workers: usize,
    /// Bearer token for `/metrics`; without it the page does not exist.
    pub metrics_token: Option<String>,
    /// Background tiles of the carte champ; `None` draws on a blank map.
    pub map_tiles: Option<MapTiles>,
    /// Behind a reverse proxy: the header it sets to the client's address
    /// (`x-forwarded-for`, `x-real-ip`), read for per-IP rate limits. Only
    /// when the proxy overwrites it, or clients choose their own address.
    /// `None`: the connection's peer address.
    pub client_ip_header: Option<String>,
    /// The virus scanner run on every uploaded file: program and arguments
    /// (`clamdscan --no-summary -`), the file on its standard input; exit
    /// 0 clean, 1 infected, anything else an error (the file is refused).
    /// `None`: files are accepted unscanned.
    pub scanner_command: Option<Vec<String>>,
    /// Agents (instructeurs, administrateurs, experts) confirm a sign-in
    /// from a browser they have not used for a month with a link e-mailed
    /// to them: a stolen password alone opens no agent's dossiers.
    pub confirm_new_browsers: bool,
}

/// A raster tile service (`https://…/{z}/{x}/{y}.png`): its URL template,
/// the credit the map must show, and its origin, which the CSP lets
/// images come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MapTiles {
    pub url: String,
    pub attribution: String,
    pub origin: String,
}

impl MapTiles {
    /// Checks the template: https (http only for loopback), `{z}`, `{x}`
    /// and `{y}` placeholders, no credentials.
    pub fn parse(url: &str, attribution: &str) -> Result<MapTiles, String> {
        let url = url.trim();
        if !["{z}", "{x}", "{y}"].iter().all(|p| url.contains(p)) {
            return Err(format!("map tiles URL {url:?} must contain {{z}}, {{x}} and {{y}}"));
        }
        let sample = url.replace("{z}", "0").replace("{x}", "0").replace("{y}", "0").replace("{s}", "a");
        let parsed = Url::parse(&sample).map_err(|e| format!("map tiles URL {url:?}: {e}"))?;
        let loopback = matches!(parsed.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"));
        if !(parsed.scheme() == "https" || (parsed.scheme() == "http" && loopback)) {
            return Err(format!("map tiles URL {url:?} must be https"));
        }
        if !parsed.username().is_empty() || parsed.password().is_some() || url.contains("{s}") {
            return Err(format!("map tiles URL {url:?}: no credentials, no {{s}} subdomains (one origin for the CSP)"));
        }
        // Placeholders belong in the path or query: one fixed origin, the one
        // the CSP names.
        let authority = url.split_once("://").map_or("", |(_, rest)| rest.split(['/', '?']).next().unwrap_or(""));
        if authority.contains('{') {
            return Err(format!("map tiles URL {url:?}: placeholders in the host name are not allowed"));
        }
        let origin = parsed.origin().ascii_serialization();
        Ok(MapTiles { url: url.to_owned(), attribution: attribution.trim().to_owned(), origin })
    }
}

impl Config {
    /// Defaults for a local run with everything under `data_dir`.
    pub fn local(data_dir: impl Into<PathBuf>) -> Config {
        let data_dir = data_dir.into();
        Config {
            base_url: Url::parse("http://127.0.0.1:8080").unwrap_or_else(|_| unreachable!()),
            database_url: sqlite_url(&data_dir),
            plugin_cache_dir: data_dir.join("plugin-cache"),
            storage: crate::storage::StorageConfig::Local(data_dir.join("fichiers")),
            data_dir,
            smtp_url: None,
            mail_from: "guichet <ne-pas-repondre@guichet.localhost>".to_string(),
            secret_key: Vec::new(),
            plugins_dirs: vec![PathBuf::from("plugins/dist")],
            plugins_operator: crate::plugins::OperatorConfig::default(),
            static_dir: PathBuf::from("static"),
            templates_dir: None,
            demo: false,
            job_workers: 2,
            metrics_token: None,
            map_tiles: None,
            client_ip_header: None,
            scanner_command: None,
            confirm_new_browsers: false,
        }
    }

    /// Cookies are marked `Secure` when the public URL is https.
    pub fn secure_cookies(&self) -> bool {
        self.base_url.scheme() == "https"
    }

    pub fn outbox_dir(&self) -> PathBuf {
        self.data_dir.join("outbox")
    }

    /// An absolute URL for a path of this server (`/confirmation?…`).
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base_url.as_str().trim_end_matches('/'), path)
    }
}

pub fn sqlite_url(data_dir: &std::path::Path) -> String {
    format!("sqlite://{}?mode=rwc", data_dir.join("guichet.sqlite3").display())
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("base_url", &self.base_url.as_str())
            .field("database_url", &mask_url(&self.database_url))
            .field("data_dir", &self.data_dir)
            .field("storage", &self.storage)
            .field("smtp_url", &self.smtp_url.as_deref().map(mask_url))
            .field("mail_from", &self.mail_from)
            .field("secret_key", &"[masqué]")
            .field("plugins_dirs", &self.plugins_dirs)
            .field("plugins_operator", &self.plugins_operator)
            .field("static_dir", &self.static_dir)
            .field("templates_dir", &self.templates_dir)
            .field("demo", &self.demo)
            .field("job_workers", &self.job_workers)
            .field("metrics_token", &self.metrics_token.as_ref().map(|_| "[masqué]"))
            .field("map_tiles", &self.map_tiles)
            .field("client_ip_header", &self.client_ip_header)
            .field("scanner_command", &self.scanner_command)
            .finish()
    }
}

/// Replaces the password of a URL with `***`.
pub fn mask_url(raw: &str) -> String {
    match Url::parse(raw) {
        Ok(mut url) if url.password().is_some() => {
            let _ = url.set_password(Some("***"));
            url.to_string()
        }
        Ok(_) => raw.to_string(),
        Err(_) => "[URL illisible]".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_never_contains_secrets() {
        let mut c = Config::local("/tmp/x");
        c.database_url = "postgres://guichet:motdepasse@db:5432/guichet".into();
        c.smtp_url = Some("smtp://relais:secret-smtp@mail:587".into());
        c.secret_key = b"tres-secret".to_vec();
        let shown = format!("{c:?}");
        assert!(!shown.contains("motdepasse"));
        assert!(!shown.contains("secret-smtp"));
        assert!(!shown.contains("tres-secret"));
        assert!(shown.contains("postgres://guichet:***@db:5432/guichet"));
    }

    #[test]
    fn map_tiles_name_one_https_origin() {
        let ign =
            MapTiles::parse("https://data.geopf.fr/wmts?LAYER=PLAN&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}", " © IGN ")
                .unwrap();
        assert_eq!((ign.origin.as_str(), ign.attribution.as_str()), ("https://data.geopf.fr", "© IGN"));
        assert!(MapTiles::parse("http://127.0.0.1:9000/{z}/{x}/{y}.png", "").is_ok());
        for bad in [
            "http://tiles.example/{z}/{x}/{y}.png",
            "https://tiles.example/{z}/{x}.png",
            "https://{s}.tile.example/{z}/{x}/{y}.png",
            "https://user:pw@tiles.example/{z}/{x}/{y}.png",
            "https://{z}.tiles.example/{x}/{y}.png",
        ] {
            assert!(MapTiles::parse(bad, "").is_err(), "{bad}");
        }
    }

    #[test]
    fn urls_are_built_from_the_public_base() {
        let mut c = Config::local("/tmp/x");
        c.base_url = Url::parse("https://guichet.example.fr/").unwrap();
        assert_eq!(c.url("/connexion"), "https://guichet.example.fr/connexion");
        assert!(c.secure_cookies());
    }
}
