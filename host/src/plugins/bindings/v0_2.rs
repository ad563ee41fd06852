//! `guichet:plugin@0.2.1`, which also runs 0.2.0 plugins (wasmtime matches
//! semver-compatible import and export names: `log@0.2.0` finds `log@0.2.1`).
//! One module per world. The champ world generates the host interfaces (log,
//! types, config, secrets, cache) and the routage world `dossier-details`;
//! the other worlds reuse them, so each WIT type has one Rust type and the
//! host implements each interface once.

pub mod champ {
    wasmtime::component::bindgen!({
        world: "type-de-champ-plugin",
        path: "../wit/guichet-plugin@0.2.1",
        imports: { default: async },
        exports: { default: async },
        with: {
            "wasi:http": wasmtime_wasi_http::p2::bindings::http,
            "wasi:io": wasmtime_wasi::p2::bindings::io,
            "wasi:clocks": wasmtime_wasi::p2::bindings::clocks,
        },
    });
}

pub mod routage {
    wasmtime::component::bindgen!({
        world: "routage-plugin",
        path: "../wit/guichet-plugin@0.2.1",
        imports: { default: async },
        exports: { default: async },
        with: {
            "guichet:plugin/log": super::champ::guichet::plugin::log,
            "guichet:plugin/types": super::champ::guichet::plugin::types,
            "guichet:plugin/config": super::champ::guichet::plugin::config,
        },
    });
}

pub mod attestation {
    wasmtime::component::bindgen!({
        world: "attestation-plugin",
        path: "../wit/guichet-plugin@0.2.1",
        imports: { default: async },
        exports: { default: async },
        with: {
            "guichet:plugin/log": super::champ::guichet::plugin::log,
            "guichet:plugin/types": super::champ::guichet::plugin::types,
            "guichet:plugin/config": super::champ::guichet::plugin::config,
            "guichet:plugin/dossier-details": super::routage::guichet::plugin::dossier_details,
        },
    });
}

pub mod rendez_vous {
    wasmtime::component::bindgen!({
        world: "rendez-vous-plugin",
        path: "../wit/guichet-plugin@0.2.1",
        imports: { default: async },
        exports: { default: async },
        with: {
            "guichet:plugin/log": super::champ::guichet::plugin::log,
            "guichet:plugin/types": super::champ::guichet::plugin::types,
            "guichet:plugin/config": super::champ::guichet::plugin::config,
            "guichet:plugin/secrets": super::champ::guichet::plugin::secrets,
            "guichet:plugin/cache": super::champ::guichet::plugin::cache,
            "guichet:plugin/dossier-details": super::routage::guichet::plugin::dossier_details,
            "wasi:http": wasmtime_wasi_http::p2::bindings::http,
            "wasi:io": wasmtime_wasi::p2::bindings::io,
            "wasi:clocks": wasmtime_wasi::p2::bindings::clocks,
        },
    });
}
