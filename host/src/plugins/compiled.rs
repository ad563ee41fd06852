//! Compiled plugins kept on disk, so a restart or a reload does not run
//! Cranelift again: seconds for an interpreted guest (Python, JavaScript),
//! milliseconds to map the compiled file back.
//!
//! Files are named by the component's SHA-256 and the engine's compatibility
//! hash (wasmtime version, compiler settings, CPU features): a changed
//! component or engine simply misses. Only this host writes them, from
//! components it compiled itself; nothing uploaded is ever loaded as
//! compiled code.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::io::Write;
use std::path::{Path, PathBuf};

use wasmtime::Engine;
use wasmtime::component::Component;

#[derive(Clone, Debug)]
pub struct CompileCache {
    dir: PathBuf,
    engine_key: String,
}

impl CompileCache {
    pub fn new(engine: &Engine, dir: &Path) -> std::io::Result<Self> {
        let dir = dir.join("components");
        std::fs::create_dir_all(&dir)?;
        let mut hasher = DefaultHasher::new();
        engine.precompile_compatibility_hash().hash(&mut hasher);
        Ok(Self { dir, engine_key: format!("{:016x}", hasher.finish()) })
    }

    fn path(&self, sha256: &str) -> PathBuf {
        self.dir.join(format!("{sha256}-{}.cwasm", self.engine_key))
    }

    /// The compiled component for `wasm` (whose SHA-256 is `sha256`), from
    /// the disk when this engine compiled it before, else compiled now and
    /// written for next time. Blocking: call it off the async runtime.
    /// Returns whether it came from the disk.
    pub fn load_or_compile(&self, engine: &Engine, sha256: &str, wasm: &[u8]) -> wasmtime::Result<(Component, bool)> {
        let path = self.path(sha256);
        if path.is_file() {
            match load(engine, &path) {
                Ok(component) => return Ok((component, true)),
                Err(error) => {
                    // Truncated by a crash, or from another build: recompile.
                    tracing::warn!(path = %path.display(), error = %format!("{error:#}"), "compiled plugin unusable");
                    let _ = std::fs::remove_file(&path);
                }
            }
        }
        let compiled = engine.precompile_component(wasm)?;
        if let Err(error) = write_atomically(&path, &compiled) {
            tracing::warn!(path = %path.display(), %error, "cannot keep the compiled plugin");
        }
        Ok((deserialize(engine, &compiled)?, false))
    }
}

#[allow(unsafe_code, reason = "wasmtime cannot check compiled code; the file is ours, written by `load_or_compile`")]
fn load(engine: &Engine, path: &Path) -> wasmtime::Result<Component> {
    // SAFETY: the file was produced by `Engine::precompile_component` of an
    // engine with the same compatibility hash (it is in the name), and lives
    // in the host's private data folder (0600); wasmtime still checks its
    // header and refuses artefacts of another version or configuration.
    unsafe { Component::deserialize_file(engine, path) }
}

#[allow(unsafe_code, reason = "the bytes were produced by `precompile_component` a moment ago")]
fn deserialize(engine: &Engine, compiled: &[u8]) -> wasmtime::Result<Component> {
    // SAFETY: `compiled` comes straight from `Engine::precompile_component`
    // on this very engine.
    unsafe { Component::deserialize(engine, compiled) }
}

/// Written next to its final name, then renamed: a crash never leaves a
/// half-written file under the name that will be loaded.
fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_extension(format!("tmp-{}", std::process::id()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(&tmp)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    std::fs::rename(&tmp, path)
}
