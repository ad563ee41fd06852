//! Compiled plugins kept on disk, so a restart or a reload does not run
//! Cranelift again: seconds for an interpreted guest (Python, JavaScript),
//! milliseconds to map the compiled file back.
//!
//! Files are named by the component's SHA-256 and the engine's compatibility
//! hash (wasmtime version, compiler settings, CPU features): a changed
//! component or engine simply misses. Only this host writes them, from
//! components it compiled itself; nothing uploaded is ever loaded as
//! compiled code.
//!
//! Hashing an 18 MB Python component costs more than mapping its compiled
//! code, so an index also remembers, per component path, the file's
//! fingerprint (length, modification time to the nanosecond, inode) and its
//! SHA-256: an untouched file is not read again. Any change to the file
//! (rewrite, copy, rename over it) changes the fingerprint and the component
//! is read and hashed anew.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::io::Write;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use wasmtime::Engine;
use wasmtime::component::Component;

/// What identifies a file's content without reading it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fingerprint(String);

impl Fingerprint {
    pub fn of(metadata: &std::fs::Metadata) -> Fingerprint {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            Fingerprint(format!(
                "{} {}.{:09} {}",
                metadata.len(),
                metadata.mtime(),
                metadata.mtime_nsec(),
                metadata.ino()
            ))
        }
        #[cfg(not(unix))]
        {
            let modified = metadata.modified().ok().and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok());
            Fingerprint(format!("{} {:?}", metadata.len(), modified))
        }
    }
}

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

    fn index_path(&self, wasm_path: &Path) -> PathBuf {
        let name = std::fs::canonicalize(wasm_path).unwrap_or_else(|_| wasm_path.to_path_buf());
        let key = hex::encode(Sha256::digest(name.as_os_str().as_encoded_bytes()));
        self.dir.join(format!("{key}.index"))
    }

    /// The SHA-256 and compiled component of `wasm_path` when its file is
    /// untouched since this host last loaded it; `None` on any doubt.
    /// Blocking.
    pub fn load_unchanged(
        &self,
        engine: &Engine,
        wasm_path: &Path,
        fingerprint: &Fingerprint,
    ) -> Option<(String, Component)> {
        let index = std::fs::read_to_string(self.index_path(wasm_path)).ok()?;
        let (recorded, sha256) = index.trim_end().rsplit_once(' ')?;
        if recorded != fingerprint.0 || sha256.len() != 64 || !sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let path = self.path(sha256);
        let component = load(engine, &path).ok()?;
        Some((sha256.to_owned(), component))
    }

    /// Records that `wasm_path`, with this fingerprint, has this SHA-256.
    pub fn remember(&self, wasm_path: &Path, fingerprint: &Fingerprint, sha256: &str) {
        let line = format!("{} {sha256}\n", fingerprint.0);
        if let Err(error) = write_atomically(&self.index_path(wasm_path), line.as_bytes()) {
            tracing::warn!(%error, "cannot index the compiled plugin");
        }
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
            return Ok((deserialize(engine, &compiled)?, false));
        }
        // Mapped back from the file, as on a warm start: the code is then
        // file pages the kernel can share and reclaim, not a second,
        // anonymous copy held for the life of the process.
        match load(engine, &path) {
            Ok(component) => Ok((component, false)),
            Err(error) => {
                tracing::warn!(path = %path.display(), error = %format!("{error:#}"), "compiled plugin unreadable");
                Ok((deserialize(engine, &compiled)?, false))
            }
        }
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
