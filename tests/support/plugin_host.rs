//! A plugin host outside any server, for tests of plugins through the real
//! host: the plugins wanted are copied into a private folder (so a test
//! never sees another's changes) and the operator's grants applied before
//! loading.

use std::path::{Path, PathBuf};

use guichet::plugins::{DEFAULT_MAX_CONCURRENT_CALLS, OperatorConfig, PluginHost, PluginLimits};

use crate::app::plugin_compile_cache;

/// A host with the plugins of `sources` (each a built plugin folder:
/// `plugin.toml` + `<id>.wasm`, named by its last component) and the
/// operator configuration `operator` (TOML, see `plugins/README.md`).
pub async fn host_with(sources: &[PathBuf], operator: &str) -> (PluginHost, tempfile::TempDir) {
    let host =
        PluginHost::with_options(PluginLimits::default(), DEFAULT_MAX_CONCURRENT_CALLS, Some(&plugin_compile_cache()))
            .expect("plugin host");
    host.set_operator_config(OperatorConfig::parse(operator, |_| None).expect("operator configuration"));
    let dir = tempfile::tempdir().expect("temp dir");
    for source in sources {
        let id = source.file_name().and_then(|n| n.to_str()).expect("plugin folder name");
        copy_plugin(source, &dir.path().join(id), id);
    }
    host.load_dir(dir.path()).await.unwrap_or_else(|e| panic!("{sources:?} do not load: {e}"));
    (host, dir)
}

/// Copies a built plugin's manifest and component.
pub fn copy_plugin(from: &Path, to: &Path, id: &str) {
    std::fs::create_dir_all(to).expect("plugin dir");
    for file in ["plugin.toml".to_owned(), format!("{id}.wasm")] {
        std::fs::copy(from.join(&file), to.join(&file))
            .unwrap_or_else(|e| panic!("{}: {e} (run plugins/build.sh first)", from.join(&file).display()));
    }
}
