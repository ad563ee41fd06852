//! The host services of WIT 0.2.x, as one plugin call sees them: log,
//! operator config, secrets (presence only), cache, the document renderer
//! and the filtered `wasi:http` client.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::bindings::v0_2::attestation::guichet::plugin::document;
use super::bindings::v0_2::champ::guichet::plugin::{cache, config, log, secrets, types};
use super::bindings::v0_2::routage::guichet::plugin::dossier_details;
use super::cache::PluginCache;
use super::manifest::Manifest;
use super::operator::Grant;
use super::outbound::OutboundPolicy;
use super::sandbox::GuestState;

/// What one plugin may use, built once at load from its manifest and the
/// operator's grant, shared by all its calls.
pub struct Services {
    pub plugin: Arc<str>,
    /// Declared keys with the operator's value, or the manifest default.
    pub config: BTreeMap<String, String>,
    /// Secrets declared and given a value by the operator.
    pub secrets: BTreeSet<String>,
    pub cache: Arc<PluginCache>,
    /// `None`: no origin granted, every request is denied.
    pub outbound: Option<Arc<OutboundPolicy>>,
}

/// Capabilities = what the manifest asks for ∩ what the operator granted.
/// Returns the services and the origins the plugin may call. A grant that
/// names what the plugin never asked for is refused: it is a typo or a
/// grant meant for another version, and silently ignoring it would hide it.
pub fn build(
    manifest: &Manifest,
    grant: Option<&Grant>,
    cache: Arc<PluginCache>,
) -> Result<(Services, Vec<String>), String> {
    let plugin: Arc<str> = Arc::from(manifest.id.as_str());
    let asked = &manifest.capabilities;
    let empty = Grant::default();
    let grant = grant.unwrap_or(&empty);
    for origin in &grant.http {
        if !asked.http.contains(origin) {
            return Err(format!("the operator grants {origin}, which the plugin does not ask for"));
        }
    }
    for origin in grant.relocate.keys() {
        if !grant.http.contains(origin) {
            return Err(format!("the operator relocates {origin}, which is not granted"));
        }
    }
    for key in grant.config.keys() {
        if !asked.config.iter().any(|spec| &spec.key == key) {
            return Err(format!("the operator sets config {key:?}, which the plugin does not declare"));
        }
    }
    for name in grant.secrets.keys() {
        if !asked.secrets.iter().any(|spec| &spec.name == name) {
            return Err(format!("the operator sets secret {name:?}, which the plugin does not declare"));
        }
    }
    let config = asked
        .config
        .iter()
        .filter_map(|spec| {
            let value = grant.config.get(&spec.key).or(spec.default.as_ref())?;
            Some((spec.key.clone(), value.clone()))
        })
        .collect();
    let secrets = asked
        .secrets
        .iter()
        .filter(|spec| grant.secrets.contains_key(&spec.name) && grant.http.contains(&spec.origin))
        .map(|spec| spec.name.clone())
        .collect();
    let origins: Vec<String> = asked.http.iter().filter(|origin| grant.http.contains(origin)).cloned().collect();
    let outbound = super::http_hooks::policy(&asked.secrets, grant, &origins)?;
    Ok((Services { plugin, config, secrets, cache, outbound }, origins))
}

impl types::Host for GuestState {}

impl log::Host for GuestState {
    async fn log(&mut self, level: log::Level, message: String) {
        self.log.record(level.into(), &message);
    }
}

impl config::Host for GuestState {
    async fn get(&mut self, key: String) -> Option<String> {
        self.services.config.get(&key).cloned()
    }
}

impl secrets::Host for GuestState {
    async fn has(&mut self, name: String) -> bool {
        self.services.secrets.contains(&name)
    }
}

impl cache::Host for GuestState {
    async fn get(&mut self, key: String) -> Option<Vec<u8>> {
        self.services.cache.get(&self.services.plugin, &key, Instant::now())
    }

    async fn set(&mut self, key: String, value: Vec<u8>, ttl_seconds: u32) -> bool {
        let ttl = Duration::from_secs(u64::from(ttl_seconds));
        self.services.cache.set(&self.services.plugin, &key, value, ttl, Instant::now())
    }
}

impl dossier_details::Host for GuestState {
    async fn en_instruction_le(&mut self) -> Option<String> {
        self.en_instruction_le.clone()
    }
}

impl document::Host for GuestState {
    async fn render_pdf(&mut self, doc: document::Document) -> Result<Vec<u8>, types::PluginError> {
        super::render::render_pdf(doc).await
    }
}

pub use super::http_hooks::OutboundHooks;
