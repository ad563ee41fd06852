//! The plugin's configuration, set by the operator who installed it.
//!
//! Only keys declared in `plugin.toml` (`[[config]]`) are readable; a key the
//! operator did not set reads as the manifest's `default`, or `None`. Per-démarche
//! settings chosen by administrateurs are not here: they arrive as
//! [`Options`](crate::Options).
//!
//! Natively (unit tests) values come from
//! [`testing::set_config`](crate::testing::set_config).

/// The value of `key`, or `None`.
pub fn get(key: &str) -> Option<String> {
    #[cfg(target_arch = "wasm32")]
    {
        crate::bindings::type_de_champ::guichet::plugin::config::get(key)
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        crate::testing::config(key)
    }
}
