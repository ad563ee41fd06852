#!/usr/bin/env bash
# Builds the WebAssembly plugins (wasm32-wasip2 components) into plugins/dist
# (loaded by the server) and plugins/dist-fixtures (test fixtures), by calling
# plugins/build.sh, which owns the details, then the example plugins in other
# languages into plugins/dist-examples. Extra arguments go to plugins/build.sh.
#
#   ./scripts/build-plugins.sh
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

build="$GUICHET_ROOT/plugins/build.sh"
[[ -f "$build" ]] || die "plugins/build.sh not found: the plugin workspace is missing from this checkout"

# lib.sh exports GUICHET_PLUGINS_TARGET_DIR, which plugins/build.sh uses:
# outside the clone, so CI's fresh clones rebuild plugins incrementally.
step "building plugins (plugins/build.sh)" bash "$build" "$@"

# Example plugins in other languages (plugins/examples/*/build.sh), installed
# into plugins/dist-examples: the tests load them like any plugin. Each script
# skips its build when none of its inputs changed.
for example in "$GUICHET_ROOT"/plugins/examples/*/build.sh; do
  step "building example plugin $(basename "$(dirname "$example")")" bash "$example"
done
