//! Released WIT packages are frozen: plugins built against a version must
//! keep loading, so its files never change once released. `wit/RELEASED.sha256`
//! records every released file; this test fails when one changes, goes
//! missing, or gains a sibling, and when the host supports a version that
//! was never recorded as released.

use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn wit_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("wit")
}

/// `path -> sha256` from the lock file.
fn released() -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(wit_dir().join("RELEASED.sha256")).expect("wit/RELEASED.sha256");
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (hash, path) = l.split_once("  ").unwrap_or_else(|| panic!("malformed line {l:?}"));
            (path.to_string(), hash.to_string())
        })
        .collect()
}

/// Every file below `dir`, as `a/b.wit` paths relative to it (a package's
/// `deps/` are part of what was released).
fn files_in(dir: &Path) -> BTreeSet<String> {
    let mut files = BTreeSet::new();
    let mut pending = vec![PathBuf::new()];
    while let Some(relative) = pending.pop() {
        let here = dir.join(&relative);
        for entry in std::fs::read_dir(&here).unwrap_or_else(|e| panic!("{}: {e}", here.display())) {
            let entry = entry.expect("entry");
            let path = relative.join(entry.file_name());
            if entry.file_type().expect("file type").is_dir() {
                pending.push(path);
            } else {
                files.insert(path.to_string_lossy().into_owned());
            }
        }
    }
    files
}

#[test]
fn released_wit_files_are_unchanged() {
    let released = released();
    assert!(!released.is_empty());
    for (path, hash) in &released {
        let bytes = std::fs::read(wit_dir().join(path))
            .unwrap_or_else(|e| panic!("released file wit/{path} is gone ({e}): released packages are frozen"));
        let actual = hex::encode(Sha256::digest(&bytes));
        assert_eq!(
            &actual, hash,
            "wit/{path} changed after its release: released packages are frozen, put the change in a new version"
        );
    }
    // No file added to a released package either.
    let packages: BTreeSet<&str> = released.keys().filter_map(|p| p.split_once('/').map(|(d, _)| d)).collect();
    for package in packages {
        let recorded: BTreeSet<String> =
            released.keys().filter_map(|p| p.strip_prefix(&format!("{package}/")).map(str::to_string)).collect();
        assert_eq!(files_in(&wit_dir().join(package)), recorded, "wit/{package} gained or lost files after release");
    }
}

#[test]
fn every_version_the_host_loads_is_released() {
    let released = released();
    for version in guichet::plugins::SUPPORTED_WIT {
        // `guichet:plugin@0.1.0` lives in `wit/guichet-plugin@0.1.0/`.
        let dir = version.to_string().replace(':', "-");
        assert!(
            released.keys().any(|p| p.starts_with(&format!("{dir}/"))),
            "the host supports {version} but wit/RELEASED.sha256 does not freeze {dir}"
        );
    }
}
