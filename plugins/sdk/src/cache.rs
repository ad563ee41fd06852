//! A small cache the host keeps for this plugin across calls (each call runs
//! in a fresh instance). Available in the `type-de-champ-plugin` and
//! `rendez-vous-plugin` worlds.
//!
//! Namespaced per plugin and bounded (the host evicts the oldest entries and
//! may refuse a large one); entries may disappear at any time: a cache,
//! never a store. Do not cache personal data longer than needed to answer
//! the same usager.
//!
//! Natively (unit tests) the cache is a per-thread map (the TTL is ignored),
//! emptied by [`testing::reset`](crate::testing::reset).

/// The entry under `key` if it is there and not expired.
pub fn get(key: &str) -> Option<Vec<u8>> {
    #[cfg(target_arch = "wasm32")]
    {
        crate::bindings::type_de_champ::guichet::plugin::cache::get(key)
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        crate::testing::cache_get(key)
    }
}

/// Keeps `value` under `key` for `ttl_seconds` (the host caps it). `false`
/// when the host refused it; a plugin goes on without it.
pub fn set(key: &str, value: &[u8], ttl_seconds: u32) -> bool {
    #[cfg(target_arch = "wasm32")]
    {
        crate::bindings::type_de_champ::guichet::plugin::cache::set(key, value, ttl_seconds)
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        crate::testing::cache_set(key, value, ttl_seconds)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    #[cfg(not(target_arch = "wasm32"))]
    fn natively_a_per_thread_map() {
        assert_eq!(super::get("k"), None);
        assert!(super::set("k", b"v", 60));
        assert_eq!(super::get("k"), Some(b"v".to_vec()));
        crate::testing::reset();
        assert_eq!(super::get("k"), None);
    }
}
