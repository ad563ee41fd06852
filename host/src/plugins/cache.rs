//! The `cache` host interface: a small key–value cache per plugin, kept by
//! the host because every call runs in a fresh instance.
//!
//! In memory, per process: entries vanish on restart and are not shared
//! between replicas, which the WIT contract says plugins must expect.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// Bytes one plugin may keep (keys and values): a plugin caching every
/// answer of an API must not grow the host's memory without bound.
pub const MAX_BYTES_PER_PLUGIN: usize = 4 * 1024 * 1024;

/// Largest value accepted: an API answer worth caching is a few kilobytes;
/// larger ones would evict everything else at once.
pub const MAX_VALUE_BYTES: usize = 256 * 1024;

/// Longest key: keys are identifiers (a SIRET, a query), not payloads.
pub const MAX_KEY_BYTES: usize = 512;

/// Longest time to live: cached personal data must not outlive the usager's
/// session by much, and upstream data changes.
pub const MAX_TTL: Duration = Duration::from_secs(24 * 3600);

struct Entry {
    value: Vec<u8>,
    expires: Instant,
    inserted: u64,
}

#[derive(Default)]
struct Namespace {
    entries: BTreeMap<String, Entry>,
    bytes: usize,
    next: u64,
}

impl Namespace {
    fn remove(&mut self, key: &str) {
        if let Some(entry) = self.entries.remove(key) {
            self.bytes -= key.len() + entry.value.len();
        }
    }

    /// Frees room for `needed` bytes: expired entries first, then the
    /// oldest inserted.
    fn make_room(&mut self, needed: usize, now: Instant) {
        let expired: Vec<String> =
            self.entries.iter().filter(|(_, entry)| entry.expires <= now).map(|(key, _)| key.clone()).collect();
        for key in expired {
            self.remove(&key);
        }
        while self.bytes + needed > MAX_BYTES_PER_PLUGIN {
            let Some(oldest) = self.entries.iter().min_by_key(|(_, entry)| entry.inserted).map(|(key, _)| key.clone())
            else {
                break;
            };
            self.remove(&oldest);
        }
    }
}

/// Every plugin's cache, keyed by plugin id.
#[derive(Default)]
pub struct PluginCache {
    namespaces: Mutex<HashMap<String, Namespace>>,
}

impl PluginCache {
    pub fn get(&self, plugin: &str, key: &str, now: Instant) -> Option<Vec<u8>> {
        let mut namespaces = self.namespaces.lock().unwrap_or_else(PoisonError::into_inner);
        let namespace = namespaces.get_mut(plugin)?;
        match namespace.entries.get(key) {
            Some(entry) if entry.expires > now => Some(entry.value.clone()),
            Some(_) => {
                namespace.remove(key);
                None
            }
            None => None,
        }
    }

    /// Whether the entry was kept (it is refused when too large).
    pub fn set(&self, plugin: &str, key: &str, value: Vec<u8>, ttl: Duration, now: Instant) -> bool {
        if key.len() > MAX_KEY_BYTES || value.len() > MAX_VALUE_BYTES || ttl.is_zero() {
            return false;
        }
        let mut namespaces = self.namespaces.lock().unwrap_or_else(PoisonError::into_inner);
        let namespace = namespaces.entry(plugin.to_owned()).or_default();
        namespace.remove(key);
        let size = key.len() + value.len();
        namespace.make_room(size, now);
        namespace.next += 1;
        let entry = Entry { value, expires: now + ttl.min(MAX_TTL), inserted: namespace.next };
        namespace.entries.insert(key.to_owned(), entry);
        namespace.bytes += size;
        true
    }

    /// Bytes kept for `plugin`, for the admin page.
    pub fn bytes(&self, plugin: &str) -> usize {
        self.namespaces.lock().unwrap_or_else(PoisonError::into_inner).get(plugin).map_or(0, |n| n.bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_are_per_plugin_and_expire() {
        let cache = PluginCache::default();
        let now = Instant::now();
        assert!(cache.set("a", "k", b"v".to_vec(), Duration::from_secs(10), now));
        assert_eq!(cache.get("a", "k", now), Some(b"v".to_vec()));
        assert_eq!(cache.get("b", "k", now), None, "another plugin reads nothing");
        assert_eq!(cache.get("a", "k", now + Duration::from_secs(11)), None);
        assert_eq!(cache.bytes("a"), 0, "an expired entry read is dropped");
    }

    #[test]
    fn bounded_in_size_and_ttl() {
        let cache = PluginCache::default();
        let now = Instant::now();
        assert!(!cache.set("a", "k", vec![0; MAX_VALUE_BYTES + 1], Duration::from_secs(1), now));
        assert!(!cache.set("a", &"k".repeat(MAX_KEY_BYTES + 1), vec![], Duration::from_secs(1), now));
        for i in 0..(MAX_BYTES_PER_PLUGIN / MAX_VALUE_BYTES + 4) {
            assert!(cache.set("a", &format!("{i}"), vec![1; MAX_VALUE_BYTES], Duration::from_secs(60), now));
        }
        assert!(cache.bytes("a") <= MAX_BYTES_PER_PLUGIN);
        assert_eq!(cache.get("a", "0", now), None, "the oldest entry was evicted");
        assert!(cache.set("a", "long", vec![1], Duration::from_secs(10 * 24 * 3600), now));
        assert_eq!(cache.get("a", "long", now + MAX_TTL + Duration::from_secs(1)), None, "ttl is capped");
    }
}
