#!/usr/bin/env bash
# Builds the numéro RNA example plugin (JavaScript) into a WebAssembly
# component with componentize-js, and installs it where the example plugins
# live (outside plugins/dist, so the server does not load examples by
# default):
#
#   plugins/dist-examples/rna/plugin.toml + plugins/dist-examples/rna/rna.wasm
#
# Idempotent and cheap when nothing changed:
#   - `npm ci` runs only when node_modules is missing or was installed from
#     another package.json / package-lock.json (hash stamp in node_modules);
#   - the component is rebuilt (about 10 s) only when an input changed:
#     the JS sources, plugin.toml, the WIT directory it targets,
#     package-lock.json or this build's scripts (hash stamp next to the
#     installed plugin).
# Set GUICHET_FORCE_REBUILD=1 to rebuild anyway.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
cd "$here"

id="$(sed -n 's/^id[[:space:]]*=[[:space:]]*"\([a-z0-9-]*\)"[[:space:]]*$/\1/p' plugin.toml)"
wit="$(sed -n 's/^wit[[:space:]]*=[[:space:]]*"guichet:plugin@\([0-9.]*\)"[[:space:]]*$/\1/p' plugin.toml)"
if [[ -z "$id" || -z "$wit" ]]; then
    echo "build.sh: no valid id or wit in $here/plugin.toml" >&2
    exit 1
fi
wit_dir="$root/wit/guichet-plugin@$wit"
if [[ ! -d "$wit_dir" ]]; then
    echo "build.sh: plugin.toml targets guichet:plugin@$wit but $wit_dir does not exist" >&2
    exit 1
fi
dest="$root/plugins/dist-examples/$id"

for tool in node npm sha256sum; do
    command -v "$tool" >/dev/null || { echo "build.sh: $tool is required" >&2; exit 1; }
done

# --- dependencies ------------------------------------------------------------

# Exactly what package-lock.json pins; no install scripts run (none of the
# pinned packages needs one).
deps_stamp=node_modules/.guichet-deps.sha256
deps_hash="$(cat package.json package-lock.json | sha256sum | cut -d' ' -f1)"
if [[ ! -f node_modules/@bytecodealliance/componentize-js/package.json ||
    ! -f "$deps_stamp" || "$(cat "$deps_stamp")" != "$deps_hash" ]]; then
    echo "==> npm ci ($here)" >&2
    npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >&2
    printf '%s\n' "$deps_hash" >"$deps_stamp"
fi

# --- component -----------------------------------------------------------------

# Every input of the component, in a stable order. The tests (*.test.mjs) do
# not go into the component.
inputs=(plugin.toml package-lock.json build.sh build.mjs)
mapfile -t sources < <(find . -maxdepth 1 -type f -name '*.js' -printf '%P\n' | LC_ALL=C sort)
mapfile -t wit_files < <(find "$wit_dir" -type f -printf '%p\n' | LC_ALL=C sort)
inputs_hash="$(
    {
        sha256sum -- "${inputs[@]}" "${sources[@]}"
        # Paths relative to the root, so the hash does not depend on where
        # the clone lives.
        for file in "${wit_files[@]}"; do
            printf '%s  %s\n' "$(sha256sum -- "$file" | cut -d' ' -f1)" "${file#"$root"/}"
        done
    } | sha256sum | cut -d' ' -f1
)"
# The stamp also records the installed component's hash, so a component
# replaced or damaged by hand is rebuilt too.
stamp="$dest/.inputs.sha256"
installed_hash() { sha256sum -- "$dest/$id.wasm" "$dest/plugin.toml" | cut -d' ' -f1 | tr '\n' ' '; }
if [[ -z "${GUICHET_FORCE_REBUILD:-}" && -f "$dest/$id.wasm" && -f "$dest/plugin.toml" && -f "$stamp" &&
    "$(cat "$stamp")" == "$inputs_hash $(installed_hash)" ]]; then
    printf '%-40s %8d bytes (up to date)\n' "plugins/dist-examples/$id/$id.wasm" "$(stat -c %s "$dest/$id.wasm")"
    exit 0
fi

echo "==> componentize-js: $id.wasm (about 10 s)" >&2
work="$(mktemp -d)"
trap 'rm -rf -- "$work"' EXIT
# Only the sources in the staging directory: componentize-js maps the current
# directory into the engine while pre-initializing it.
mkdir "$work/src"
cp -- "${sources[@]}" "$work/src/"
started=$SECONDS
(cd "$work/src" && node "$here/build.mjs" rna.js "$wit_dir" "$work/$id.wasm")

mkdir -p "$dest"
# install -C leaves identical files untouched (mtimes stay stable).
install -C -m 0644 plugin.toml "$dest/plugin.toml"
install -C -m 0644 "$work/$id.wasm" "$dest/$id.wasm"
# Written last: an interrupted build leaves no stamp, so the next run builds.
printf '%s\n' "$inputs_hash $(installed_hash)" >"$stamp"
printf '%-40s %8d bytes (built in %d s)\n' "plugins/dist-examples/$id/$id.wasm" "$(stat -c %s "$dest/$id.wasm")" \
    "$((SECONDS - started))"
