#!/usr/bin/env bash
# The README's demo command: installs what is missing, builds the host and
# the plugins, compiles the plugins for this machine, then runs the server
# with demo data on SQLite and local files.
#
#   ./scripts/demo.sh                      # http://127.0.0.1:8080/
#   GUICHET_BIND=0.0.0.0:3000 ./scripts/demo.sh --demo-on-any-address
#   GUICHET_DATA_DIR=/tmp/demo ./scripts/demo.sh   # where the data is kept
#   ./scripts/demo.sh --check              # what CI runs: build, start on a
#                                          # free port, fetch two pages, stop
#
# Extra arguments are passed to `guichet serve`.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$GUICHET_ROOT"

check=""
if [[ "${1:-}" == "--check" ]]; then
  check=1
  shift
fi

step "setup" "$GUICHET_ROOT/scripts/setup.sh"
step "plugins" "$GUICHET_ROOT/scripts/build-plugins.sh"
# `--workspace`: the features of shared dependencies (wasmtime, tokio,
# hyper…) are then resolved as for `cargo test --workspace`, so the demo and
# the test suite share one build of them instead of compiling each twice.
step "host" cargo build --workspace --bin guichet
guichet="$CARGO_TARGET_DIR/debug/guichet"

bind="${GUICHET_BIND:-127.0.0.1:8080}"
data_dir="${GUICHET_DATA_DIR:-./data/demo}"
if [[ -n "$check" ]]; then
  data_dir="$(mktemp -d "${TMPDIR:-/tmp}/guichet-demo-check.XXXXXX")"
  bind="127.0.0.1:$(free_port)"
fi
plugins=(--plugins-dir plugins/dist --plugins-dir plugins/dist-examples)

# Compiling the plugins (the Python and JavaScript examples embed their
# interpreters: tens of megabytes of WebAssembly) takes most of a first start;
# done here, as part of the build, the server answers within a second or two.
step "plugins compiled for this machine" "$guichet" plugins compile --data-dir "$data_dir" "${plugins[@]}"

# The carte champ draws on the Géoplateforme's plan IGN (public, no key); set
# GUICHET_MAP_TILES_URL= (empty) for a blank map on an offline machine. The
# default lives in its own variable: inside ${VAR-default}, bash would end the
# expansion at the URL's first `}`.
default_tiles='https://data.geopf.fr/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=GEOGRAPHICALGRIDSYSTEMS.PLANIGNV2&STYLE=normal&TILEMATRIXSET=PM&FORMAT=image/png&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}'
tiles="${GUICHET_MAP_TILES_URL-$default_tiles}"
tiles_args=()
if [[ -n "$tiles" ]]; then
  tiles_args=(--map-tiles-url "$tiles" --map-tiles-attribution "${GUICHET_MAP_TILES_ATTRIBUTION:-© IGN – Géoplateforme}")
fi
serve=("$guichet" serve --demo --bind "$bind" --data-dir "$data_dir" "${plugins[@]}" "${tiles_args[@]}" "$@")

if [[ -z "$check" ]]; then
  log "starting guichet on http://$bind/ (data in $data_dir)"
  exec "${serve[@]}"
fi

# --check: the newcomer's path, proven end to end. The server must answer the
# démarche's page and the login page; then it is stopped.
log "checking the demo on http://$bind/ (data in $data_dir)"
log_file="$data_dir/serve.log"
started=$SECONDS
"${serve[@]}" >"$log_file" 2>&1 &
server=$!
stop_server() {
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
}
trap 'stop_server; guichet_on_exit' EXIT
fetch() {
  curl --silent --show-error --fail --max-time 10 "http://$bind$1"
}
up=""
for _ in $(seq 1 300); do
  if ! kill -0 "$server" 2>/dev/null; then
    cat "$log_file" >&2
    die "the demo server exited before answering (log above)"
  fi
  if fetch /health >/dev/null 2>&1; then
    up=1
    break
  fi
  sleep 0.1
done
[[ -n "$up" ]] || {
  cat "$log_file" >&2
  die "the demo server did not answer /health within 30 s"
}
note "first answer $((SECONDS - started)) s after the start"
page="$(fetch /commencer/demo)" || die "GET /commencer/demo failed"
grep -q "Demande de subvention" <<<"$page" || die "/commencer/demo does not show the demo démarche"
page="$(fetch /connexion)" || die "GET /connexion failed"
grep -q 'name="password"' <<<"$page" || die "/connexion shows no login form"
stop_server
# Each plugin is loaded, and logged, once at a start (it was twice once).
# The log's colours, if any, are left out before reading it.
loaded="$(sed 's/\x1b\[[0-9;]*m//g' "$log_file" | grep 'plugin loaded' | grep -o 'plugin\.id=[^ ]*' | sort || true)"
[[ -n "$loaded" ]] || die "the demo server's log says no « plugin loaded »"
twice="$(uniq -d <<<"$loaded")"
[[ -z "$twice" ]] || die "plugins logged as loaded more than once at start: $twice"
trap guichet_on_exit EXIT
rm -rf "$data_dir"
log "demo check passed: /commencer/demo and /connexion answered, $(wc -l <<<"$loaded") plugins loaded once each"
