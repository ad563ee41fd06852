//! Secrets (API tokens) the host holds on the plugin's behalf.
//!
//! A secret's value never enters the plugin: the host adds it as a header
//! to the requests sent to the origin `plugin.toml` ties it to
//! (`[[secrets]]`). The plugin can only ask whether the operator set it, to
//! answer [`PluginError::Misconfigured`](crate::PluginError::Misconfigured)
//! early instead of calling an API that will refuse it. Available in the
//! `type-de-champ-plugin` and `rendez-vous-plugin` worlds.
//!
//! Natively (unit tests) a secret is set by
//! [`testing::set_secret`](crate::testing::set_secret).

/// Whether the secret `name` (as named in the manifest) has a value.
pub fn has(name: &str) -> bool {
    #[cfg(target_arch = "wasm32")]
    {
        crate::bindings::type_de_champ::guichet::plugin::secrets::has(name)
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        crate::testing::has_secret(name)
    }
}

/// `Ok(())` when the secret `name` is set, `Err(Misconfigured)` naming it
/// otherwise: `secrets::require("api-entreprise")?`.
pub fn require(name: &str) -> Result<(), crate::PluginError> {
    if has(name) {
        Ok(())
    } else {
        Err(crate::PluginError::Misconfigured(format!("the operator did not set the secret `{name}`")))
    }
}
