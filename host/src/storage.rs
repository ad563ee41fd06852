//! Files the platform keeps outside the database: attestation logos and
//! signatures now, pièces justificatives and exports later. A folder on the
//! local disk by default (single node); an S3-compatible bucket when several
//! replicas share the work. Only this module knows `object_store`.
//!
//! Keys are built by the platform (`demarches/12/attestation/logo-<uuid>`),
//! never from a name a user typed, so a key cannot climb out of its folder
//! or collide with another démarche's file.

use bytes::Bytes;
use futures_util::stream::{BoxStream, StreamExt};
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload, WriteMultipart};
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use url::Url;

/// The largest object `get` reads into memory. Everything stored today is
/// an image the platform checked at upload (≤ 1 MiB); the bound stops a
/// tampered bucket from making a replica buffer gigabytes.
pub const MAX_GET_BYTES: u64 = 16 * 1024 * 1024;

/// Size of the parts an upload is sent in (S3's minimum is 5 MiB): with
/// [`UPLOAD_PARTS_IN_FLIGHT`], what one upload holds in memory at most.
pub const UPLOAD_PART_BYTES: usize = 5 * 1024 * 1024;
/// Parts sent at once by one upload; more waits (backpressure on the
/// client), so a fast client on a slow bucket does not fill our memory.
pub const UPLOAD_PARTS_IN_FLIGHT: usize = 2;

/// Where files go, parsed from `--storage-url`.
#[derive(Clone, PartialEq, Eq)]
pub enum StorageConfig {
    /// A folder; created if missing.
    Local(PathBuf),
    /// `s3://bucket/prefix?endpoint=https://…&region=…`; keys from the
    /// environment, never from the URL (URLs end up in logs).
    S3 {
        bucket: String,
        prefix: String,
        endpoint: Option<String>,
        region: String,
        access_key_id: String,
        secret_access_key: String,
    },
}

impl fmt::Debug for StorageConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Local(dir) => f.debug_tuple("Local").field(dir).finish(),
            Self::S3 { bucket, prefix, endpoint, region, .. } => f
                .debug_struct("S3")
                .field("bucket", bucket)
                .field("prefix", prefix)
                .field("endpoint", endpoint)
                .field("region", region)
                .field("access_key_id", &"[masqué]")
                .field("secret_access_key", &"[masqué]")
                .finish(),
        }
    }
}

impl StorageConfig {
    /// `file:///var/lib/guichet/fichiers` or `s3://bucket/prefix?endpoint=…&region=…`;
    /// S3 credentials come from `access_key_id` / `secret_access_key`.
    pub fn parse(
        raw: &str,
        access_key_id: Option<&str>,
        secret_access_key: Option<&str>,
    ) -> Result<StorageConfig, String> {
        let url = Url::parse(raw).map_err(|e| format!("storage URL {raw:?}: {e}"))?;
        match url.scheme() {
            "file" => url
                .to_file_path()
                .map(StorageConfig::Local)
                .map_err(|()| format!("storage URL {raw:?} is not an absolute file path")),
            "s3" => {
                let bucket = url.host_str().filter(|b| !b.is_empty()).ok_or("an s3:// storage URL needs a bucket")?;
                let mut endpoint = None;
                let mut region = "us-east-1".to_owned();
                for (key, value) in url.query_pairs() {
                    match key.as_ref() {
                        "endpoint" => endpoint = Some(value.into_owned()),
                        "region" => region = value.into_owned(),
                        other => return Err(format!("unknown storage URL parameter {other:?} (endpoint, region)")),
                    }
                }
                let (Some(access_key_id), Some(secret_access_key)) = (access_key_id, secret_access_key) else {
                    return Err("S3 storage needs GUICHET_S3_ACCESS_KEY_ID and GUICHET_S3_SECRET_ACCESS_KEY".into());
                };
                Ok(StorageConfig::S3 {
                    bucket: bucket.to_owned(),
                    prefix: url.path().trim_matches('/').to_owned(),
                    endpoint,
                    region,
                    access_key_id: access_key_id.to_owned(),
                    secret_access_key: secret_access_key.to_owned(),
                })
            }
            other => Err(format!("storage URL scheme {other:?} is not supported (file, s3)")),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("no stored file at {0}")]
    NotFound(String),
    #[error("stored file {key} is {bytes} bytes, more than the {max} a read may take")]
    TooLarge { key: String, bytes: u64, max: u64 },
    #[error("storage: {0}")]
    Backend(#[from] object_store::Error),
    #[error("storage configuration: {0}")]
    Config(String),
}

/// A validated object key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Key(ObjectPath);

impl Key {
    /// From segments the platform chose; each must be a plain name.
    pub fn new<S: AsRef<str>>(segments: impl IntoIterator<Item = S>) -> Result<Key, StorageError> {
        let mut parts = Vec::new();
        for s in segments {
            let s = s.as_ref();
            let plain = !s.is_empty()
                && s != "."
                && s != ".."
                && s.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
            if !plain {
                return Err(StorageError::Config(format!("key segment {s:?} is not a plain name")));
            }
            parts.push(s.to_owned());
        }
        Ok(Key(ObjectPath::from(parts.join("/"))))
    }

    /// A key read back from the database.
    pub fn parse(stored: &str) -> Result<Key, StorageError> {
        Key::new(stored.split('/'))
    }

    pub fn as_str(&self) -> &str {
        self.0.as_ref()
    }
}

/// The platform's file store; cheap to clone.
#[derive(Clone)]
pub struct Storage {
    inner: Arc<dyn ObjectStore>,
    prefix: Option<ObjectPath>,
    backend: &'static str,
}

impl fmt::Debug for Storage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Storage").field("backend", &self.backend).field("prefix", &self.prefix).finish()
    }
}

impl Storage {
    pub fn open(config: &StorageConfig) -> Result<Storage, StorageError> {
        match config {
            StorageConfig::Local(dir) => {
                std::fs::create_dir_all(dir)
                    .map_err(|e| StorageError::Config(format!("creating {}: {e}", dir.display())))?;
                let fs = LocalFileSystem::new_with_prefix(dir)?;
                Ok(Storage { inner: Arc::new(fs), prefix: None, backend: "local" })
            }
            StorageConfig::S3 { bucket, prefix, endpoint, region, access_key_id, secret_access_key } => {
                let mut builder = AmazonS3Builder::new()
                    .with_bucket_name(bucket)
                    .with_region(region)
                    .with_access_key_id(access_key_id)
                    .with_secret_access_key(secret_access_key);
                if let Some(endpoint) = endpoint {
                    // A self-hosted S3 (Garage, SeaweedFS, Ceph…): path-style
                    // requests, and plain http only when the operator wrote it.
                    builder = builder
                        .with_endpoint(endpoint)
                        .with_virtual_hosted_style_request(false)
                        .with_allow_http(endpoint.starts_with("http://"));
                }
                let prefix = (!prefix.is_empty()).then(|| ObjectPath::from(prefix.as_str()));
                Ok(Storage { inner: Arc::new(builder.build()?), prefix, backend: "s3" })
            }
        }
    }

    pub fn backend(&self) -> &'static str {
        self.backend
    }

    /// Segment by segment: `join` would take the whole key as one segment
    /// and store `prod/demarches%2F12…` instead of the documented layout.
    fn location(&self, key: &Key) -> ObjectPath {
        match &self.prefix {
            Some(prefix) => ObjectPath::from_iter(prefix.parts().chain(key.0.parts())),
            None => key.0.clone(),
        }
    }

    pub async fn put(&self, key: &Key, data: Bytes) -> Result<(), StorageError> {
        self.inner.put(&self.location(key), PutPayload::from(data)).await?;
        Ok(())
    }

    pub async fn get(&self, key: &Key) -> Result<Bytes, StorageError> {
        let result = match self.inner.get(&self.location(key)).await {
            Err(object_store::Error::NotFound { .. }) => return Err(StorageError::NotFound(key.as_str().to_owned())),
            other => other?,
        };
        let bytes = result.meta.size;
        if bytes > MAX_GET_BYTES {
            return Err(StorageError::TooLarge { key: key.as_str().to_owned(), bytes, max: MAX_GET_BYTES });
        }
        Ok(result.bytes().await?)
    }

    /// Starts writing an object in parts, for files too large to hold in
    /// memory (pièces justificatives). Nothing is visible at `key` before
    /// [`Upload::finish`]; an upload dropped unfinished is aborted.
    pub async fn upload(&self, key: &Key) -> Result<Upload, StorageError> {
        let multipart = self.inner.put_multipart(&self.location(key)).await?;
        Ok(Upload { writer: Some(WriteMultipart::new_with_chunk_size(multipart, UPLOAD_PART_BYTES)) })
    }

    /// Reads an object as a stream of chunks, whatever its size, with its
    /// size in bytes.
    pub async fn get_stream(
        &self,
        key: &Key,
    ) -> Result<(u64, BoxStream<'static, Result<Bytes, StorageError>>), StorageError> {
        let result = match self.inner.get(&self.location(key)).await {
            Err(object_store::Error::NotFound { .. }) => return Err(StorageError::NotFound(key.as_str().to_owned())),
            other => other?,
        };
        let size = result.meta.size;
        Ok((size, result.into_stream().map(|r| r.map_err(StorageError::from)).boxed()))
    }

    /// Copies an object within the store (S3's CopyObject, a file copy on
    /// disk), without the bytes passing through this process: a copied
    /// champ owns its model file, so replacing one never removes the other's.
    pub async fn copy(&self, from: &Key, to: &Key) -> Result<(), StorageError> {
        match self.inner.copy(&self.location(from), &self.location(to)).await {
            Err(object_store::Error::NotFound { .. }) => Err(StorageError::NotFound(from.as_str().to_owned())),
            other => Ok(other?),
        }
    }

    /// Deleting what is already gone succeeds: a retried clean-up must not fail.
    pub async fn delete(&self, key: &Key) -> Result<(), StorageError> {
        match self.inner.delete(&self.location(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// Deletes every object under `prefix` (a dossier's or a démarche's
    /// folder, when the row that knew their keys is erased); returns how
    /// many. Objects already gone are not an error.
    pub async fn delete_prefix(&self, prefix: &Key) -> Result<u64, StorageError> {
        let location = self.location(prefix);
        let mut listed = self.inner.list(Some(&location));
        let mut n = 0;
        while let Some(meta) = listed.next().await {
            let meta = meta?;
            match self.inner.delete(&meta.location).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => n += 1,
                Err(e) => return Err(e.into()),
            }
        }
        Ok(n)
    }
}

/// An object being written part by part ([`Storage::upload`]).
pub struct Upload {
    /// `None` once finished or aborted.
    writer: Option<WriteMultipart>,
}

impl Upload {
    /// Appends `data`, waiting while too many parts are in flight.
    pub async fn write(&mut self, data: &[u8]) -> Result<(), StorageError> {
        let writer = self.writer.as_mut().ok_or_else(|| StorageError::Config("upload already closed".into()))?;
        writer.wait_for_capacity(UPLOAD_PARTS_IN_FLIGHT).await?;
        writer.write(data);
        Ok(())
    }

    /// Completes the object: visible at its key from now on.
    pub async fn finish(mut self) -> Result<(), StorageError> {
        let writer = self.writer.take().ok_or_else(|| StorageError::Config("upload already closed".into()))?;
        writer.finish().await?;
        Ok(())
    }

    /// Drops what was sent: nothing stays at the key nor in the bucket's
    /// pending uploads.
    pub async fn abort(mut self) {
        if let Some(writer) = self.writer.take()
            && let Err(error) = writer.abort().await
        {
            tracing::warn!(%error, "cannot abort an unfinished upload");
        }
    }
}

impl Drop for Upload {
    /// A request cut short (the client left mid-body) drops its upload:
    /// abort it in the background rather than leave parts behind.
    fn drop(&mut self) {
        if let Some(writer) = self.writer.take()
            && let Ok(runtime) = tokio::runtime::Handle::try_current()
        {
            runtime.spawn(async move {
                if let Err(error) = writer.abort().await {
                    tracing::warn!(%error, "cannot abort a dropped upload");
                }
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_plain_names_only() {
        assert_eq!(Key::new(["demarches", "12", "logo-ab.png"]).unwrap().as_str(), "demarches/12/logo-ab.png");
        for bad in [&["..", "x"][..], &["a/b"], &[""], &["é"], &["a b"]] {
            assert!(Key::new(bad.iter()).is_err(), "{bad:?}");
        }
        assert!(Key::parse("demarches/12/../../etc").is_err());
    }

    #[test]
    fn urls_name_a_folder_or_a_bucket_and_never_carry_keys() {
        assert_eq!(
            StorageConfig::parse("file:///var/lib/guichet/fichiers", None, None),
            Ok(StorageConfig::Local(PathBuf::from("/var/lib/guichet/fichiers")))
        );
        let s3 = StorageConfig::parse(
            "s3://pieces/prod?endpoint=http://127.0.0.1:8333&region=fr-par",
            Some("id"),
            Some("cle"),
        )
        .unwrap();
        let StorageConfig::S3 { bucket, prefix, endpoint, region, .. } = &s3 else { panic!("{s3:?}") };
        assert_eq!((bucket.as_str(), prefix.as_str(), region.as_str()), ("pieces", "prod", "fr-par"));
        assert_eq!(endpoint.as_deref(), Some("http://127.0.0.1:8333"));
        assert!(!format!("{s3:?}").contains("cle"));
        assert!(StorageConfig::parse("s3://pieces", None, None).unwrap_err().contains("GUICHET_S3_ACCESS_KEY_ID"));
        assert!(StorageConfig::parse("s3://pieces?acl=public", Some("a"), Some("b")).is_err());
        assert!(StorageConfig::parse("ftp://x", None, None).is_err());
    }

    #[test]
    fn a_prefix_is_a_folder_above_the_keys() {
        let s3 = StorageConfig::parse("s3://pieces/prod/v1?endpoint=http://127.0.0.1:9", Some("a"), Some("b")).unwrap();
        let storage = Storage::open(&s3).unwrap();
        let key = Key::new(["demarches", "12", "logo.png"]).unwrap();
        assert_eq!(storage.location(&key).as_ref(), "prod/v1/demarches/12/logo.png");
    }

    #[tokio::test]
    async fn a_local_copy_is_its_own_file() {
        let dir = tempfile::tempdir().unwrap();
        let storage = Storage::open(&StorageConfig::Local(dir.path().join("fichiers"))).unwrap();
        let original = Key::new(["demarches", "1", "modeles", "a"]).unwrap();
        let copie = Key::new(["demarches", "1", "modeles", "b"]).unwrap();
        storage.put(&original, Bytes::from_static(b"%PDF-1.7 modele")).await.unwrap();
        storage.copy(&original, &copie).await.unwrap();
        storage.delete(&original).await.unwrap();
        assert_eq!(storage.get(&copie).await.unwrap().as_ref(), b"%PDF-1.7 modele");
        assert!(matches!(storage.copy(&original, &copie).await, Err(StorageError::NotFound(_))));
    }

    #[tokio::test]
    async fn local_files_round_trip_and_deleting_twice_is_fine() {
        let dir = tempfile::tempdir().unwrap();
        let storage = Storage::open(&StorageConfig::Local(dir.path().join("fichiers"))).unwrap();
        let key = Key::new(["demarches", "1", "logo.png"]).unwrap();
        storage.put(&key, Bytes::from_static(b"\x89PNG")).await.unwrap();
        assert!(dir.path().join("fichiers/demarches/1/logo.png").exists());
        assert_eq!(storage.get(&key).await.unwrap(), Bytes::from_static(b"\x89PNG"));
        storage.delete(&key).await.unwrap();
        storage.delete(&key).await.unwrap();
        assert!(matches!(storage.get(&key).await, Err(StorageError::NotFound(_))));
    }

    #[tokio::test]
    async fn a_prefix_is_deleted_with_everything_under_it_and_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let storage = Storage::open(&StorageConfig::Local(dir.path().join("fichiers"))).unwrap();
        let keys = [["dossiers", "1", "a"], ["dossiers", "1", "b"], ["dossiers", "10", "c"]];
        for k in keys {
            storage.put(&Key::new(k).unwrap(), Bytes::from_static(b"x")).await.unwrap();
        }
        assert_eq!(storage.delete_prefix(&Key::new(["dossiers", "1"]).unwrap()).await.unwrap(), 2);
        assert!(matches!(storage.get(&Key::new(keys[0]).unwrap()).await, Err(StorageError::NotFound(_))));
        // `dossiers/10` shares the text prefix, not the folder.
        assert!(storage.get(&Key::new(keys[2]).unwrap()).await.is_ok());
        assert_eq!(storage.delete_prefix(&Key::new(["dossiers", "1"]).unwrap()).await.unwrap(), 0);
    }

    #[tokio::test]
    async fn uploads_stream_in_parts_and_abort_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let storage = Storage::open(&StorageConfig::Local(dir.path().join("fichiers"))).unwrap();
        let key = Key::new(["dossiers", "1", "piece"]).unwrap();
        let mut upload = storage.upload(&key).await.unwrap();
        let chunk = vec![7u8; 1024 * 1024];
        for _ in 0..12 {
            upload.write(&chunk).await.unwrap();
        }
        upload.finish().await.unwrap();
        let (size, _) = storage.get_stream(&key).await.unwrap();
        assert_eq!(size, 12 * 1024 * 1024);
        let other = Key::new(["dossiers", "1", "autre"]).unwrap();
        let mut upload = storage.upload(&other).await.unwrap();
        upload.write(&chunk).await.unwrap();
        upload.abort().await;
        assert!(matches!(storage.get_stream(&other).await, Err(StorageError::NotFound(_))));
        let leftovers: Vec<_> = std::fs::read_dir(dir.path().join("fichiers/dossiers/1")).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "only the finished file: {leftovers:?}");
    }
}
