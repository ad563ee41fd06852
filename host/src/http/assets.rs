//! Static files (DSFR, our CSS and JavaScript), served from memory under a
//! fingerprinted path: `/static/v-<hash>/dsfr.min.css` never changes, so
//! browsers keep it a year without asking again, and any change to any file
//! gives every page new URLs. Text files are served compressed (brotli or
//! gzip, as the browser accepts), compressed once per file and process.
//!
//! A page's first visit weighed 1.35 MB uncompressed (the DSFR's CSS alone
//! is 711 KiB, 94 KiB in gzip): compression and caching are most of what a
//! phone on a weak network waits for.

use crate::error::AppError;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path as FsPath, PathBuf};
use std::sync::{Arc, OnceLock};

/// Bounds what a misconfigured `--static-dir` (pointed at `/`, say) can make
/// the server read into memory at start.
const MAX_FILES: usize = 5_000;
const MAX_FILE_BYTES: u64 = 8 * 1024 * 1024;
const MAX_TOTAL_BYTES: u64 = 64 * 1024 * 1024;
/// Smaller files gain nothing from compression but a header's weight.
const MIN_COMPRESSIBLE_BYTES: usize = 1_024;
/// Fingerprinted URLs never change content: a year, the longest browsers honour.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// Unversioned URLs (a script loading a file by its plain path) may change
/// at the next deployment: always revalidated, cheaply, with the ETag.
const REVALIDATE: &str = "no-cache";

/// Every file of the static folder, by its path relative to it.
pub struct Assets {
    version: String,
    files: HashMap<String, Arc<Asset>>,
}

struct Asset {
    content_type: &'static str,
    etag: HeaderValue,
    raw: Arc<[u8]>,
    compressible: bool,
    gzip: OnceLock<Option<Arc<[u8]>>>,
    brotli: OnceLock<Option<Arc<[u8]>>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Encoding {
    Brotli,
    Gzip,
    Identity,
}

impl Assets {
    /// Reads the static folder. A missing folder means no static files (the
    /// pages still work, unstyled), as a missing plugins folder means none.
    pub fn load(dir: &FsPath) -> anyhow::Result<Assets> {
        let mut paths = Vec::new();
        collect(dir, dir, &mut paths)?;
        paths.sort();
        let mut files = HashMap::new();
        let mut total: u64 = 0;
        let mut fingerprint = Sha256::new();
        for (relative, path) in paths {
            let raw = std::fs::read(&path)?;
            total += raw.len() as u64;
            anyhow::ensure!(
                total <= MAX_TOTAL_BYTES,
                "static folder {} holds more than {MAX_TOTAL_BYTES} bytes",
                dir.display()
            );
            let digest = Sha256::digest(&raw);
            fingerprint.update(relative.as_bytes());
            fingerprint.update(digest);
            let content_type = content_type(&relative);
            let etag = HeaderValue::from_str(&format!("\"{}\"", hex::encode(&digest[..12])))?;
            let compressible = raw.len() >= MIN_COMPRESSIBLE_BYTES && is_text(content_type);
            files.insert(
                relative,
                Arc::new(Asset {
                    content_type,
                    etag,
                    raw: raw.into(),
                    compressible,
                    gzip: OnceLock::new(),
                    brotli: OnceLock::new(),
                }),
            );
        }
        let version = hex::encode(&fingerprint.finalize()[..6]);
        Ok(Assets { version, files })
    }

    /// Changes whenever any static file does.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// The URL prefix of this version's files: `/static/v-<hash>`.
    pub fn prefix(&self) -> String {
        format!("/static/v-{}", self.version)
    }
}

fn collect(root: &FsPath, dir: &FsPath, out: &mut Vec<(String, PathBuf)>) -> anyhow::Result<()> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound && dir == root => return Ok(()),
        Err(error) => return Err(anyhow::anyhow!("reading {}: {error}", dir.display())),
    };
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        // Hidden files (.version stamps, editor swap files) are not served.
        if name.starts_with('.') {
            continue;
        }
        let path = entry.path();
        let kind = entry.file_type()?;
        if kind.is_dir() {
            collect(root, &path, out)?;
        } else if kind.is_file() && entry.metadata()?.len() <= MAX_FILE_BYTES {
            let relative = path.strip_prefix(root)?.to_string_lossy().replace('\\', "/");
            out.push((relative, path));
            anyhow::ensure!(
                out.len() <= MAX_FILES,
                "static folder {} holds more than {MAX_FILES} files",
                root.display()
            );
        }
    }
    Ok(())
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next().unwrap_or("") {
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" | "map" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "ico" => "image/vnd.microsoft.icon",
        "webmanifest" => "application/manifest+json",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        "md" | "txt" => "text/plain; charset=utf-8",
        "html" => "text/html; charset=utf-8",
        _ => "application/octet-stream",
    }
}

fn is_text(content_type: &str) -> bool {
    content_type.starts_with("text/")
        || content_type.starts_with("image/svg")
        || content_type.starts_with("application/json")
        || content_type.starts_with("application/manifest")
}

/// The best encoding the request accepts (a q of 0 refuses one).
fn negotiate(headers: &HeaderMap) -> Encoding {
    let accepted = |wanted: &str| {
        headers.get_all(header::ACCEPT_ENCODING).iter().filter_map(|v| v.to_str().ok()).any(|v| {
            v.split(',').any(|item| {
                let mut parts = item.trim().split(';');
                let name = parts.next().unwrap_or("").trim();
                let refused = parts.any(|p| matches!(p.trim(), "q=0" | "q=0.0" | "q=0.00" | "q=0.000"));
                name.eq_ignore_ascii_case(wanted) && !refused
            })
        })
    };
    if accepted("br") {
        Encoding::Brotli
    } else if accepted("gzip") {
        Encoding::Gzip
    } else {
        Encoding::Identity
    }
}

impl Asset {
    /// The body in `encoding`, compressed on first use; `None` when that
    /// encoding does not pay (an incompressible or tiny file).
    fn encoded(&self, encoding: Encoding) -> Option<Arc<[u8]>> {
        if !self.compressible {
            return None;
        }
        let (cell, compress): (_, Compressor) = match encoding {
            Encoding::Brotli => (&self.brotli, brotli_bytes),
            Encoding::Gzip => (&self.gzip, gzip_bytes),
            Encoding::Identity => return None,
        };
        cell.get_or_init(|| compress(&self.raw).ok().filter(|c| c.len() < self.raw.len()).map(Into::into)).clone()
    }
}

type Compressor = fn(&[u8]) -> std::io::Result<Vec<u8>>;

fn gzip_bytes(raw: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(raw)?;
    encoder.finish()
}

fn brotli_bytes(raw: &[u8]) -> std::io::Result<Vec<u8>> {
    // Quality 11 (the maximum): paid once per file and process, then every
    // visitor downloads the smallest file.
    let params = brotli::enc::BrotliEncoderParams { quality: 11, lgwin: 22, ..Default::default() };
    let mut out = Vec::new();
    brotli::enc::BrotliCompress(&mut &raw[..], &mut out, &params)?;
    Ok(out)
}

/// `GET /static/{*path}`: `v-<version>/<file>` for the fingerprinted URL
/// pages use, or the plain `<file>`.
pub async fn serve(
    State(state): State<AppState>,
    Path(path): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let assets = &state.assets;
    let (relative, cache) = match path.split_once('/') {
        Some((first, rest)) if first.strip_prefix("v-") == Some(assets.version()) => (rest, IMMUTABLE),
        // An older version's URL (a page cached before a deployment): the
        // current file, but not to be kept as if it were that version's.
        Some((first, rest)) if first.starts_with("v-") => (rest, REVALIDATE),
        _ => (path.as_str(), REVALIDATE),
    };
    let asset = assets.files.get(relative).cloned().ok_or(AppError::NotFound)?;
    let mut response_headers = HeaderMap::new();
    response_headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    response_headers.insert(header::ETAG, asset.etag.clone());
    response_headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    if headers.get(header::IF_NONE_MATCH).is_some_and(|tags| {
        tags.to_str().is_ok_and(|tags| tags.split(',').any(|t| t.trim() == asset.etag.to_str().unwrap_or("")))
    }) {
        return Ok((StatusCode::NOT_MODIFIED, response_headers).into_response());
    }
    response_headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(asset.content_type));
    let encoding = negotiate(&headers);
    // Compressing a large file at quality 11 takes a moment: off the
    // request threads, once (later requests find it done).
    let encoded = {
        let asset = asset.clone();
        tokio::task::spawn_blocking(move || asset.encoded(encoding))
            .await
            .map_err(|e| AppError::Internal(anyhow::anyhow!("compressing a static file: {e}")))?
    };
    let body: Arc<[u8]> = match (encoded, encoding) {
        (Some(body), Encoding::Brotli) => {
            response_headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("br"));
            body
        }
        (Some(body), Encoding::Gzip) => {
            response_headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
            body
        }
        _ => asset.raw.clone(),
    };
    Ok((response_headers, axum::body::Bytes::from_owner(body)).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_best_accepted_encoding_is_chosen() {
        let with = |value: &'static str| {
            let mut h = HeaderMap::new();
            h.insert(header::ACCEPT_ENCODING, HeaderValue::from_static(value));
            negotiate(&h)
        };
        assert_eq!(with("gzip, deflate, br, zstd"), Encoding::Brotli);
        assert_eq!(with("gzip"), Encoding::Gzip);
        assert_eq!(with("br;q=0, gzip"), Encoding::Gzip);
        assert_eq!(with("identity"), Encoding::Identity);
        assert_eq!(negotiate(&HeaderMap::new()), Encoding::Identity);
    }

    #[test]
    fn compressed_bodies_round_trip_and_are_smaller() {
        let text = "body { color: #000091; }\n".repeat(400);
        let br = brotli_bytes(text.as_bytes()).expect("brotli");
        let gz = gzip_bytes(text.as_bytes()).expect("gzip");
        assert!(br.len() < text.len() / 10 && gz.len() < text.len() / 10);
        let mut back = Vec::new();
        brotli::BrotliDecompress(&mut &br[..], &mut back).expect("unbrotli");
        assert_eq!(back, text.as_bytes());
        let mut back = String::new();
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&gz[..]), &mut back).expect("gunzip");
        assert_eq!(back, text);
    }

    #[test]
    fn the_version_follows_the_content() {
        let dir = tempfile::tempdir().expect("dir");
        std::fs::create_dir_all(dir.path().join("vendor")).expect("mkdir");
        std::fs::write(dir.path().join("a.css"), "a {}").expect("write");
        std::fs::write(dir.path().join("vendor/b.js"), "b()").expect("write");
        std::fs::write(dir.path().join(".version"), "1").expect("write");
        let first = Assets::load(dir.path()).expect("load");
        assert!(first.files.contains_key("vendor/b.js") && !first.files.contains_key(".version"));
        assert_eq!(Assets::load(dir.path()).expect("load").version(), first.version());
        std::fs::write(dir.path().join("a.css"), "a { color: red }").expect("write");
        assert_ne!(Assets::load(dir.path()).expect("load").version(), first.version());
        assert!(Assets::load(&dir.path().join("absent")).expect("no folder").files.is_empty());
    }
}
