//! `guichet:plugin@0.1.0`: champ types with `describe` and `validate`, host
//! `log`. Frozen; kept so that plugins built against it keep loading.

wasmtime::component::bindgen!({
    world: "type-de-champ-plugin",
    path: "../wit/guichet-plugin@0.1.0",
    imports: { default: async },
    exports: { default: async },
});
