//! The application state handed to every request and job: no globals.

use crate::config::Config;
use crate::mail::Mailer;
use crate::plugins::PluginHost;
use crate::storage::Storage;
use crate::store::Store;
use crate::templates::Templates;
use std::sync::Arc;
use tokio::sync::Notify;

#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub store: Store,
    /// Uploaded and generated files (local folder or S3 bucket).
    pub storage: Storage,
    pub templates: Arc<Templates>,
    /// Static files, fingerprinted and compressed (`http/assets.rs`).
    pub assets: Arc<crate::http::assets::Assets>,
    pub mailer: Arc<Mailer>,
    pub plugins: Arc<PluginHost>,
    /// Wakes the job workers right after a transaction enqueued something, so
    /// e-mails leave within milliseconds instead of at the next poll.
    pub jobs_notify: Arc<Notify>,
    /// Each revision's rules, compiled once (`regles.rs`).
    pub regles: Arc<crate::regles::ReglesCache>,
    /// Published forms, read once (`formulaires.rs`).
    pub formulaires: Arc<crate::formulaires::FormulairesCache>,
    /// Each démarche's settings as its dossiers read them
    /// (`demarche_config.rs`).
    pub demarche_config: Arc<crate::demarche_config::DemarcheConfigCache>,
}
