#!/usr/bin/env bash
# Builds every plugin of this workspace as a WebAssembly component
# (wasm32-wasip2, release profile from Cargo.toml) and installs it:
#
#   dist/<id>/plugin.toml + dist/<id>/<id>.wasm                 loaded by the server
#   dist-fixtures/<id>/plugin.toml + dist-fixtures/<id>/<id>.wasm   test fixtures only
#
# Idempotent: cargo rebuilds only what changed and unchanged files are not
# rewritten, so a second run takes about a second.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"

target=wasm32-wasip2
# Never share the host's target dir (an inherited CARGO_TARGET_DIR would
# mix host and guest artefacts and fight over the build lock).
export CARGO_TARGET_DIR="${GUICHET_PLUGINS_TARGET_DIR:-$here/target}"

if ! rustup target list --installed 2>/dev/null | grep -qx "$target"; then
    rustup target add "$target"
fi

locked=()
if [[ -f Cargo.lock ]]; then
    locked=(--locked)
fi
cargo build --release --target "$target" "${locked[@]}" --workspace

# install_plugin <crate dir> <dist root>
install_plugin() {
    local crate_dir="$1" dist_root="$2"
    local manifest="$crate_dir/plugin.toml"
    local id package wasm dest
    id="$(sed -n 's/^id[[:space:]]*=[[:space:]]*"\([a-z0-9-]*\)"[[:space:]]*$/\1/p' "$manifest")"
    if [[ -z "$id" ]]; then
        echo "build.sh: no valid id in $manifest" >&2
        exit 1
    fi
    package="$(sed -n 's/^name[[:space:]]*=[[:space:]]*"\(.*\)"[[:space:]]*$/\1/p' "$crate_dir/Cargo.toml" | head -n 1)"
    wasm="$CARGO_TARGET_DIR/$target/release/${package//-/_}.wasm"
    if [[ ! -f "$wasm" ]]; then
        echo "build.sh: $wasm was not built" >&2
        exit 1
    fi
    dest="$dist_root/$id"
    mkdir -p "$dest"
    # install -C leaves identical files untouched (mtimes stay stable).
    install -C -m 0644 "$manifest" "$dest/plugin.toml"
    install -C -m 0644 "$wasm" "$dest/$id.wasm"
    installed+=("$dest")
    printf '%-40s %8d bytes\n' "${dest#"$here"/}/$id.wasm" "$(stat -c %s "$dest/$id.wasm")"
}

# prune <dist root>: removes plugins that are no longer built.
prune() {
    local dist_root="$1" dir keep
    [[ -d "$dist_root" ]] || return 0
    for dir in "$dist_root"/*/; do
        dir="${dir%/}"
        keep=0
        for kept in "${installed[@]}"; do
            [[ "$kept" == "$dir" ]] && keep=1
        done
        if [[ "$keep" == 0 ]]; then
            rm -rf -- "$dir"
        fi
    done
}

installed=()
for plugin in siret adresse carte routage attestation rendez-vous; do
    install_plugin "$here/$plugin" "$here/dist"
done
prune "$here/dist"

installed=()
for fixture in "$here"/fixtures/*/; do
    install_plugin "${fixture%/}" "$here/dist-fixtures"
done
prune "$here/dist-fixtures"
