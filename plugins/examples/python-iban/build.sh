#!/usr/bin/env bash
# Builds the Python IBAN example plugin as a WebAssembly component with
# componentize-py and installs it:
#
#   plugins/dist-examples/iban/plugin.toml + plugins/dist-examples/iban/iban.wasm
#
# componentize-py lives in its own venv under $GUICHET_CACHE (created once,
# recorded by a stamp file). The build is skipped when nothing it reads has
# changed: the component's Python sources, plugin.toml, the WIT package, the
# componentize-py version and this script, hashed into a stamp next to the
# installed component. A no-op run takes well under a second.
#
# Usage: plugins/examples/python-iban/build.sh [--force]
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
# shellcheck source=../../../scripts/lib.sh
source "$root/scripts/lib.sh"

componentize_py_version=0.25.1
wit_dir="$root/wit/guichet-plugin@0.1.0"
world=type-de-champ-plugin
# What goes into the component; test_iban.py and README.md stay out.
sources=(app.py iban.py)
venv="$GUICHET_CACHE/venv-componentize-py"

force=0
case "${1:-}" in
  "") ;;
  --force) force=1 ;;
  *) die "usage: $0 [--force]" ;;
esac

id="$(sed -n 's/^id[[:space:]]*=[[:space:]]*"\([a-z0-9-]*\)"[[:space:]]*$/\1/p' "$here/plugin.toml")"
[[ -n "$id" ]] || die "no valid id in $here/plugin.toml"
dest="$root/plugins/dist-examples/$id"
wasm="$dest/$id.wasm"
stamp="$dest/.inputs.sha256"

# The venv: ensure_venv (lib.sh) recreates it only when the pinned
# requirement differs from its stamp.
GUICHET_VENV="$venv" ensure_venv "componentize-py==$componentize_py_version"
componentize_py="$venv/bin/componentize-py"

inputs_hash() {
  {
    printf 'tool %s\n' "$("$componentize_py" --version)"
    printf 'world %s\n' "$world"
    (cd "$here" && sha256sum build.sh plugin.toml "${sources[@]}")
    (cd "$wit_dir" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum)
  } | sha256sum | cut -d' ' -f1
}

hash="$(inputs_hash)"
if ((force == 0)) && [[ -f "$wasm" && -f "$dest/plugin.toml" && -f "$stamp" && "$(cat "$stamp")" == "$hash" ]]; then
  note "${dest#"$root"/}/$id.wasm is up to date"
  exit 0
fi

# The rules must pass their unit tests before they are shipped (plain
# CPython, a fraction of a second).
if ! unit_tests="$(cd "$here" && PYTHONDONTWRITEBYTECODE=1 "$venv/bin/python" -m unittest test_iban 2>&1)"; then
  printf '%s\n' "$unit_tests" >&2
  die "test_iban.py failed, component not built"
fi

# Build from a clean copy of the sources only: componentize-py bundles the
# Python modules it finds on its path, and tests, READMEs or a stray
# __pycache__ have no place in the component.
staging="$(mktemp -d)"
trap 'rm -rf -- "$staging"' EXIT
cp -- "${sources[@]/#/$here/}" "$staging/"
mkdir -p "$dest"
rm -f -- "$stamp"
started=$SECONDS
# No VIRTUAL_ENV or PYTHONPATH from the caller: only the staged sources (and
# the Python standard library componentize-py ships) may end up inside.
(cd "$staging" && env -u VIRTUAL_ENV -u PYTHONPATH "$componentize_py" --quiet \
  -d "$wit_dir" -w "$world" componentize app -p . -o "$staging/$id.wasm")
# componentize-py 0.25.1 has no option to strip custom sections; the "name"
# sections it keeps are ~2% of the component and make guest traps readable.
install -m 0644 "$staging/$id.wasm" "$wasm"
install -C -m 0644 "$here/plugin.toml" "$dest/plugin.toml"
printf '%s\n' "$hash" >"$stamp"
printf '%-40s %8d bytes, built in %d s\n' "${wasm#"$root"/}" "$(stat -c %s "$wasm")" "$((SECONDS - started))"
