//! Loading plugins: reading a plugin folder (`plugin.toml` + `<id>.wasm`),
//! granting its limits and capabilities, compiling (or reading the compiled
//! component from the disk cache), and checking its `describe` against its
//! manifest. All or nothing, for one folder as for a reload of them all.

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use sha2::{Digest, Sha256};
use tokio::sync::Semaphore;
use wasmtime::Store;
use wasmtime::component::Component;

use super::PluginHost;
use super::bindings::Pre;
use super::call::Call;
use super::compiled::Fingerprint;
use super::error::{GuestError, PluginError};
use super::health::Health;
use super::limits::{MAX_ANSWER_BYTES, MAX_COMPONENT_BYTES, PluginLimits, epoch_ticks};
use super::manifest::{MAX_MANIFEST_BYTES, Manifest, ManifestError};
use super::model::{Capability, PluginInfo};
use super::sandbox::GuestState;
use super::schema;
use super::services::{self, Services};

/// A compiled plugin, ready to be instantiated for each call.
pub(super) struct LoadedPlugin {
    pub(super) info: PluginInfo,
    pub(super) pre: Pre,
    /// Its config, secrets, cache and outbound policy.
    pub(super) services: Arc<Services>,
    /// Shared with every call's log sink.
    pub(super) id: Arc<str>,
    pub(super) version: Arc<str>,
    /// What each call of this plugin may use (its manifest's requests,
    /// granted within the host's ceiling).
    pub(super) limits: PluginLimits,
    /// `limits.cpu_deadline` in epoch ticks.
    pub(super) epoch_budget: u64,
    /// Circuit breaker, counters and recent errors of this version.
    pub(super) health: Mutex<Health>,
    /// Of the `.wasm` bytes: tells a reload whether anything changed.
    sha256: String,
    /// Where it was loaded from, for error messages.
    pub(super) dir: PathBuf,
    /// This plugin's share of the host's concurrent calls.
    pub(super) calls: Semaphore,
    /// Its `options-schema`, parsed once; `None` when it constrains nothing,
    /// so the common case costs no parse per call.
    pub(super) options_schema: Option<serde_json::Value>,
}

impl LoadedPlugin {
    /// Options as every plugin can rely on them: a JSON object, matching
    /// the `options-schema` it declared (settings saved before an upgrade
    /// changed it must not reach code that assumes the new shape). Parsed
    /// once: into values only when a schema needs them, skipped otherwise
    /// (this runs on every call).
    pub(super) fn check_options(&self, options_json: &str) -> Result<(), String> {
        let Some(schema) = &self.options_schema else {
            return serde_json::from_str::<std::collections::BTreeMap<String, serde::de::IgnoredAny>>(options_json)
                .map(|_| ())
                .map_err(|error| if error.is_data() { "not an object".to_owned() } else { error.to_string() });
        };
        match serde_json::from_str::<serde_json::Value>(options_json) {
            Ok(options @ serde_json::Value::Object(_)) => schema::check(schema, &options),
            Ok(_) => Err("not an object".to_owned()),
            Err(error) => Err(error.to_string()),
        }
    }

    pub(super) fn health(&self) -> std::sync::MutexGuard<'_, Health> {
        // A panic while holding it leaves counters, not invariants, behind.
        self.health.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// What a reload changed, by plugin id.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Reload {
    pub added: Vec<String>,
    /// `"id old → new"`.
    pub upgraded: Vec<String>,
    pub unchanged: Vec<String>,
    pub removed: Vec<String>,
}

/// A guest's description, whatever its world and WIT version.
pub struct Described {
    pub id: String,
    pub version: String,
    pub libelle: String,
    pub description: String,
    pub options_schema: String,
    pub donnees_schema: String,
    pub capabilities: Vec<Capability>,
}

/// `describe`, which every world exports, called once at load.
struct Describe;

impl Call for Describe {
    const NAME: &'static str = "describe";
    type Answer = Described;
    type Output = Described;

    async fn invoke(
        &self,
        store: &mut Store<GuestState>,
        pre: &Pre,
    ) -> wasmtime::Result<Result<Described, GuestError>> {
        let described: Described = match pre {
            Pre::TypeDeChampV1(pre) => {
                let instance = pre.instantiate_async(&mut *store).await?;
                instance.guichet_plugin_type_de_champ().call_describe(&mut *store).await?.into()
            }
            Pre::TypeDeChamp(pre) => {
                let instance = pre.instantiate_async(&mut *store).await?;
                instance.guichet_plugin_type_de_champ().call_describe(&mut *store).await?.into()
            }
            Pre::Routage(pre) => {
                let instance = pre.instantiate_async(&mut *store).await?;
                instance.guichet_plugin_routage().call_describe(&mut *store).await?.into()
            }
            Pre::Attestation(pre) => {
                let instance = pre.instantiate_async(&mut *store).await?;
                instance.guichet_plugin_attestation().call_describe(&mut *store).await?.into()
            }
            Pre::RendezVous(pre) => {
                let instance = pre.instantiate_async(&mut *store).await?;
                instance.guichet_plugin_rendez_vous().call_describe(&mut *store).await?.into()
            }
        };
        Ok(Ok(described))
    }

    /// Checked against the manifest by `prepare`, which knows it.
    fn check(&self, _plugin: &PluginInfo, described: Described) -> Result<Described, PluginError> {
        Ok(described)
    }
}

impl PluginHost {
    /// Loads every plugin under `dir`, one per subdirectory, and registers
    /// them all, or none if any fails (the error names the culprit). A
    /// missing `dir` means no plugins. Hidden entries and plain files are
    /// ignored.
    pub async fn load_dir(&self, dir: &Path) -> Result<Vec<PluginInfo>, PluginError> {
        self.load_dirs(&[dir.to_path_buf()]).await
    }

    /// [`Self::load_dir`] over several folders (first-party, examples…); an
    /// id found in two of them is refused.
    pub async fn load_dirs(&self, dirs: &[PathBuf]) -> Result<Vec<PluginInfo>, PluginError> {
        let loaded = self.prepare_dirs(dirs).await?;
        Ok(loaded.into_iter().map(|plugin| self.register(plugin)).collect())
    }

    /// Makes the loaded set exactly what `dir` holds now, for an operator
    /// who installed, upgraded or removed plugins while the server runs
    /// (SIGHUP). All or nothing: if any plugin there fails to load, the
    /// running set is kept and the error names the culprit. The swap is
    /// atomic; calls already running finish on the version they started
    /// with. An unchanged plugin (same bytes) keeps its circuit breaker.
    pub async fn reload_dir(&self, dir: &Path) -> Result<Reload, PluginError> {
        self.reload_dirs(&[dir.to_path_buf()]).await
    }

    /// [`Self::reload_dir`] over several folders.
    pub async fn reload_dirs(&self, dirs: &[PathBuf]) -> Result<Reload, PluginError> {
        let prepared = self.prepare_dirs(dirs).await?;
        let mut plugins = self.plugins.write().unwrap_or_else(PoisonError::into_inner);
        let mut next = BTreeMap::new();
        let mut reload = Reload::default();
        for plugin in prepared {
            let id = plugin.info.id.clone();
            match plugins.remove(&id) {
                Some(old) if old.sha256 == plugin.sha256 => {
                    reload.unchanged.push(id.clone());
                    next.insert(id, old);
                }
                Some(old) => {
                    reload.upgraded.push(format!("{id} {} → {}", old.info.version, plugin.info.version));
                    next.insert(id, Arc::new(plugin));
                }
                None => {
                    reload.added.push(id.clone());
                    next.insert(id, Arc::new(plugin));
                }
            }
        }
        reload.removed = plugins.keys().cloned().collect();
        *plugins = next;
        drop(plugins);
        tracing::info!(?reload, ?dirs, "plugins reloaded");
        Ok(reload)
    }

    /// Prepares every plugin under `dirs` without registering any.
    async fn prepare_dirs(&self, dirs: &[PathBuf]) -> Result<Vec<LoadedPlugin>, PluginError> {
        let mut plugin_dirs = Vec::new();
        for dir in dirs {
            match plugin_subdirectories(dir).await {
                Ok(found) => plugin_dirs.extend(found),
                Err(error) if error.kind() == io::ErrorKind::NotFound => {}
                Err(error) => {
                    return Err(PluginError::Load {
                        plugin: dir.display().to_string(),
                        reason: format!("cannot list plugin directory: {error}"),
                    });
                }
            }
        }
        // Several plugins compile at once, one per core: a module of a few
        // functions leaves the compiler's own parallelism idle, and a first
        // start compiles them all. In folder order, so the first error is
        // always the same one.
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        let mut prepared: Vec<Result<LoadedPlugin, PluginError>> = Vec::with_capacity(plugin_dirs.len());
        for group in plugin_dirs.chunks(cores) {
            let group: Vec<_> = group.iter().map(|plugin_dir| self.prepare(plugin_dir)).collect();
            prepared.extend(futures_util::future::join_all(group).await);
        }
        let mut loaded: Vec<LoadedPlugin> = Vec::with_capacity(plugin_dirs.len());
        for (plugin_dir, plugin) in plugin_dirs.iter().zip(prepared) {
            let plugin = plugin?;
            if let Some(other) = loaded.iter().find(|other| other.info.id == plugin.info.id) {
                return Err(PluginError::Load {
                    plugin: plugin.info.id.clone(),
                    reason: format!(
                        "id declared twice, in {} (version {}) and {} (version {})",
                        other.dir.display(),
                        other.info.version,
                        plugin_dir.display(),
                        plugin.info.version
                    ),
                });
            }
            loaded.push(plugin);
        }
        Ok(loaded)
    }

    /// Loads the plugin in `plugin_dir` (`plugin.toml` + `<id>.wasm`) and
    /// registers it, replacing any loaded plugin with the same id; calls
    /// already running finish on the old one.
    pub async fn load_plugin(&self, plugin_dir: &Path) -> Result<PluginInfo, PluginError> {
        let plugin = self.prepare(plugin_dir).await?;
        Ok(self.register(plugin))
    }

    /// Reads, checks, compiles and describes a plugin without registering it.
    async fn prepare(&self, plugin_dir: &Path) -> Result<LoadedPlugin, PluginError> {
        let dir_name = plugin_dir
            .file_name()
            .map_or_else(|| plugin_dir.display().to_string(), |name| name.to_string_lossy().into_owned());
        let load_error = |plugin: &str, reason: String| PluginError::Load { plugin: plugin.to_owned(), reason };

        let manifest_path = plugin_dir.join("plugin.toml");
        let manifest_bytes =
            read_capped(&manifest_path, MAX_MANIFEST_BYTES).await.map_err(|reason| load_error(&dir_name, reason))?;
        let manifest_text = String::from_utf8(manifest_bytes)
            .map_err(|_| load_error(&dir_name, "plugin.toml is not UTF-8".to_owned()))?;
        let manifest = Manifest::parse(&manifest_text).map_err(|error| match error {
            ManifestError::UnsupportedWit(wit) => PluginError::UnsupportedWit { plugin: dir_name.clone(), wit },
            other => load_error(&dir_name, other.to_string()),
        })?;
        let id = manifest.id.as_str();
        // Before any compilation: a greedy manifest costs nothing to refuse.
        let limits = self.limits.grant(manifest.limits, self.ceiling).map_err(|reason| load_error(id, reason))?;

        let wasm_path = plugin_dir.join(format!("{id}.wasm"));
        let started = Instant::now();
        let (sha256, component, from_disk) = self.compile(&wasm_path).await.map_err(|reason| load_error(id, reason))?;
        let compile_time = started.elapsed();
        let instance_pre = self
            .linker
            .instantiate_pre(&component)
            .map_err(|error| load_error(id, format!("imports what this host does not provide: {error:#}")))?;
        let point = manifest.extension_point();
        let wrong_world = |error: wasmtime::Error| {
            load_error(id, format!("does not export the {point} interface of {}: {error:#}", manifest.wit))
        };
        let pre = match Pre::new(manifest.wit, point, instance_pre).map_err(wrong_world)? {
            Some(pre) => pre,
            None => {
                return Err(PluginError::UnsupportedWit { plugin: id.to_owned(), wit: manifest.wit.to_string() });
            }
        };
        let grant = self.operator.read().unwrap_or_else(PoisonError::into_inner).grant(id).cloned();
        let (services, http_origins) =
            services::build(&manifest, grant.as_ref(), self.cache.clone()).map_err(|reason| load_error(id, reason))?;

        let mut plugin = LoadedPlugin {
            info: PluginInfo {
                id: manifest.id.clone(),
                libelle: String::new(),
                description: String::new(),
                version: manifest.version.clone(),
                wit: manifest.wit.to_string(),
                provides: point,
                settings: manifest.settings.clone(),
                options_schema: "{}".to_owned(),
                donnees_schema: "{}".to_owned(),
                capabilities: Vec::new(),
                http_origins,
                config: manifest.capabilities.config.clone(),
                confirmation: manifest.confirmation.clone(),
                input: manifest.input.clone(),
            },
            pre,
            services: Arc::new(services),
            id: Arc::from(id),
            version: Arc::from(manifest.version.as_str()),
            limits,
            epoch_budget: epoch_ticks(limits.cpu_deadline),
            health: Mutex::new(Health::default()),
            sha256: sha256.clone(),
            dir: plugin_dir.to_path_buf(),
            calls: Semaphore::new(self.max_calls_per_plugin),
            options_schema: None,
        };
        // Loads wait for a call slot instead of failing: they are rare and
        // must not be refused at boot because traffic is high.
        let permit = self.calls.acquire().await.map_err(|_| PluginError::Busy { plugin: id.to_owned() })?;
        let answer = self.call(&plugin, &Describe).await;
        drop(permit);
        let description = answer?.map_err(|error| load_error(id, format!("describe() failed: {error}")))?;
        let description_bytes = description.id.len()
            + description.libelle.len()
            + description.description.len()
            + description.version.len()
            + description.options_schema.len()
            + description.donnees_schema.len();
        if description_bytes > MAX_ANSWER_BYTES {
            return Err(load_error(id, format!("description is {description_bytes} bytes")));
        }
        if description.id != manifest.id {
            return Err(load_error(
                id,
                format!("describe() says id {:?}, plugin.toml says {:?}", description.id, manifest.id),
            ));
        }
        if description.version != manifest.version {
            return Err(load_error(
                id,
                format!("describe() says version {:?}, plugin.toml says {:?}", description.version, manifest.version),
            ));
        }
        for (what, schema) in
            [("options-schema", &description.options_schema), ("donnees-schema", &description.donnees_schema)]
        {
            schema::check_object(schema).map_err(|reason| load_error(id, format!("{what} {reason}")))?;
        }
        plugin.info.libelle = description.libelle;
        plugin.info.description = description.description;
        plugin.options_schema = serde_json::from_str::<serde_json::Value>(&description.options_schema)
            .ok()
            .filter(|schema| schema.as_object().is_some_and(|o| !o.is_empty()));
        plugin.info.options_schema = description.options_schema;
        plugin.info.donnees_schema = description.donnees_schema;
        plugin.info.capabilities = description.capabilities;
        if plugin.info.confirmation.is_some() && !plugin.info.has(Capability::Display) {
            return Err(load_error(
                id,
                "plugin.toml asks for a [confirmation] but describe() offers no display capability: \
                 the usager must see what they confirm"
                    .to_owned(),
            ));
        }
        tracing::debug!(
            plugin.id = id,
            plugin.sha256 = %sha256,
            compile_ms = compile_time.as_millis(),
            from_disk,
            "plugin compiled"
        );
        Ok(plugin)
    }

    /// The compiled component of `wasm_path` and its SHA-256: from the disk
    /// cache when the file is unchanged or its bytes were compiled before,
    /// else compiled now. Cranelift takes ~30 ms for a small Rust component
    /// and seconds for interpreted ones: never on a runtime worker.
    async fn compile(&self, wasm_path: &Path) -> Result<(String, Component, bool), String> {
        let name = wasm_path.display().to_string();
        let metadata = tokio::fs::metadata(wasm_path).await.map_err(|error| format!("cannot read {name}: {error}"))?;
        let fingerprint = Fingerprint::of(&metadata);
        let engine = self.engine.clone();
        let compiled = self.compiled.clone();
        let path = wasm_path.to_path_buf();
        let unchanged = {
            let (engine, compiled, path, fingerprint) =
                (engine.clone(), compiled.clone(), path.clone(), fingerprint.clone());
            tokio::task::spawn_blocking(move || compiled?.load_unchanged(&engine, &path, &fingerprint))
                .await
                .map_err(|error| format!("loading task failed: {error}"))?
        };
        if let Some((sha256, component)) = unchanged {
            return Ok((sha256, component, true));
        }
        let wasm = read_capped(wasm_path, MAX_COMPONENT_BYTES).await?;
        tokio::task::spawn_blocking(move || {
            let sha256 = hex::encode(Sha256::digest(&wasm));
            let (component, from_disk) = match &compiled {
                Some(cache) => cache.load_or_compile(&engine, &sha256, &wasm),
                None => Component::new(&engine, &wasm).map(|c| (c, false)),
            }
            .map_err(|error| format!("not a valid component: {error:#}"))?;
            if let Some(cache) = &compiled {
                cache.remember(&path, &fingerprint, &sha256);
            }
            Ok((sha256, component, from_disk))
        })
        .await
        .map_err(|error| format!("compilation task failed: {error}"))?
    }
}

/// Subdirectories of `dir`, sorted so that load order (and the first error
/// reported) does not depend on the filesystem.
async fn plugin_subdirectories(dir: &Path) -> io::Result<Vec<PathBuf>> {
    let mut entries = tokio::fs::read_dir(dir).await?;
    let mut dirs = Vec::new();
    while let Some(entry) = entries.next_entry().await? {
        let hidden = entry.file_name().to_string_lossy().starts_with('.');
        if !hidden && entry.file_type().await?.is_dir() {
            dirs.push(entry.path());
        }
    }
    dirs.sort();
    Ok(dirs)
}

/// Reads a whole file, refusing it when larger than `max` bytes. The size is
/// checked before reading and again after, in case the file grew meanwhile.
async fn read_capped(path: &Path, max: u64) -> Result<Vec<u8>, String> {
    let name = path.file_name().map_or_else(|| path.display().to_string(), |name| name.to_string_lossy().into_owned());
    let too_large = |bytes: u64| format!("{name} is {bytes} bytes, more than the {max} allowed");
    let metadata = tokio::fs::metadata(path).await.map_err(|error| format!("cannot read {name}: {error}"))?;
    if metadata.len() > max {
        return Err(too_large(metadata.len()));
    }
    let bytes = tokio::fs::read(path).await.map_err(|error| format!("cannot read {name}: {error}"))?;
    let len = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
    if len > max {
        return Err(too_large(len));
    }
    Ok(bytes)
}
