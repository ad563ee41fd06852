#!/usr/bin/env bash
# The README's demo command: installs what is missing, builds the plugins and
# runs the server with demo data, on SQLite and local files.
#
#   ./scripts/demo.sh                      # http://127.0.0.1:8080/
#   GUICHET_BIND=0.0.0.0:3000 ./scripts/demo.sh
#   GUICHET_DATA_DIR=/tmp/demo ./scripts/demo.sh   # where the data is kept
#
# Extra arguments are passed to `guichet serve`.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$GUICHET_ROOT"

"$GUICHET_ROOT/scripts/setup.sh"
"$GUICHET_ROOT/scripts/build-plugins.sh"

bind="${GUICHET_BIND:-127.0.0.1:8080}"
data_dir="${GUICHET_DATA_DIR:-./data/demo}"
log "starting guichet on http://$bind/ (data in $data_dir)"
# First-party plugins and the examples written in Python and JavaScript.
# The carte champ draws on the Géoplateforme's plan IGN (public, no key);
# set GUICHET_MAP_TILES_URL= (empty) for a blank map on an offline machine.
tiles="${GUICHET_MAP_TILES_URL-https://data.geopf.fr/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=GEOGRAPHICALGRIDSYSTEMS.PLANIGNV2&STYLE=normal&TILEMATRIXSET=PM&FORMAT=image/png&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}}"
tiles_args=()
if [[ -n "$tiles" ]]; then
  tiles_args=(--map-tiles-url "$tiles" --map-tiles-attribution "${GUICHET_MAP_TILES_ATTRIBUTION:-© IGN – Géoplateforme}")
fi
exec cargo run -p guichet -- serve --demo --bind "$bind" --data-dir "$data_dir" \
  --plugins-dir plugins/dist --plugins-dir plugins/dist-examples "${tiles_args[@]}" "$@"
