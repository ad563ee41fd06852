//! The storage layer against a real S3 server (SeaweedFS on loopback, with
//! SigV4 enforced): what is written is read back, deleting is idempotent,
//! a prefix keeps two deployments apart, and a wrong secret is refused.

use bytes::Bytes;
use guichet::storage::{Key, Storage, StorageConfig, StorageError};
use guichet_tests::s3::S3Server;

/// The server's storage configuration with `secret` as the secret key.
fn config(s3: &S3Server, prefix: &str, secret: &str) -> StorageConfig {
    match s3.storage_config(prefix) {
        StorageConfig::S3 { bucket, prefix, endpoint, region, access_key_id, .. } => {
            StorageConfig::S3 { bucket, prefix, endpoint, region, access_key_id, secret_access_key: secret.to_owned() }
        }
        local => local,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_round_trip_through_a_real_s3_server() {
    let Some(s3) = S3Server::start().await else { return };
    let prod = Storage::open(&config(&s3, "prod", s3.secret_key())).expect("S3 storage");
    let recette = Storage::open(&config(&s3, "recette", s3.secret_key())).expect("S3 storage");
    assert_eq!(prod.backend(), "s3");
    let key = Key::new(["demarches", "7", "attestation", "logo-1.png"]).expect("key");

    // 1.5 MiB, more than one network read.
    let data: Vec<u8> = (0..1_572_864_u32).map(|i| (i % 251) as u8).collect();
    prod.put(&key, Bytes::from(data.clone())).await.expect("put");
    assert_eq!(prod.get(&key).await.expect("get").as_ref(), data.as_slice());
    // Same key, other prefix: another deployment's file does not exist here.
    assert!(matches!(recette.get(&key).await, Err(StorageError::NotFound(_))));
    // A copy within the bucket is a separate object: it outlives the original.
    let copie = Key::new(["demarches", "7", "attestation", "logo-2.png"]).expect("key");
    prod.copy(&key, &copie).await.expect("copy");
    assert_eq!(prod.get(&copie).await.expect("get the copy").as_ref(), data.as_slice());
    prod.delete(&copie).await.expect("delete the copy");
    assert_eq!(prod.get(&key).await.expect("the original stays").as_ref(), data.as_slice());
    let absent = Key::new(["demarches", "7", "absent"]).expect("key");
    assert!(matches!(prod.copy(&absent, &copie).await, Err(StorageError::NotFound(_))));
    // Overwrite, then delete twice.
    prod.put(&key, Bytes::from_static(b"v2")).await.expect("overwrite");
    assert_eq!(prod.get(&key).await.expect("get").as_ref(), b"v2");
    prod.delete(&key).await.expect("delete");
    prod.delete(&key).await.expect("deleting what is gone succeeds");
    assert!(matches!(prod.get(&key).await, Err(StorageError::NotFound(_))));

    // A wrong secret: the server refuses the signature, the error says so.
    let forged = Storage::open(&config(&s3, "prod", "not-the-secret")).expect("storage opens lazily");
    let error = forged.put(&key, Bytes::from_static(b"x")).await.expect_err("refused");
    assert!(matches!(error, StorageError::Backend(_)), "{error}");
    assert!(matches!(prod.get(&key).await, Err(StorageError::NotFound(_))), "nothing was written");
}
