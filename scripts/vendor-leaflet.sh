#!/usr/bin/env bash
# Fetches the map libraries of the `carte` champ's widget (static/carte.js)
# into static/vendor/, idempotently, the way setup.sh fetches the DSFR:
#
#   static/vendor/leaflet/          leaflet.js, leaflet.css, images/, LICENSE
#   static/vendor/leaflet-geoman/   leaflet-geoman.min.js, leaflet-geoman.css, LICENSE
#
#   ./scripts/vendor-leaflet.sh        (setup.sh may call it, or source it and call ensure_leaflet)
#
# Each package comes from the npm registry with `npm pack` (a plain download
# of the registry tarball that runs no package script), is checked against the
# integrity the registry published for that exact version (a re-published or
# tampered tarball is refused) and against the licence we reviewed, and is
# installed by swapping a staging folder in, so an interrupted run never
# leaves a half-copied folder that looks installed. A machine that already has
# both versions gets through without touching the network.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

LEAFLET_VERSION=1.9.4
# From `npm view leaflet@1.9.4 dist.integrity`.
LEAFLET_INTEGRITY='sha512-nxS1ynzJOmOlHp+iL3FyWqK89GtNL8U8rvlMOsQdTTssxZwCXh8N2NB3GDQOL+YR3XnWyZAxwQixURb+FA74PA=='
LEAFLET_LICENSE='BSD-2-Clause'
# Relative to the package's dist/: leaflet.css finds its icons in images/.
LEAFLET_FILES=(leaflet.js leaflet.css images)

GEOMAN_VERSION=2.20.2
# From `npm view @geoman-io/leaflet-geoman-free@2.20.2 dist.integrity`. The
# dist/ bundle includes its turf and polyclip dependencies.
GEOMAN_INTEGRITY='sha512-KQpSe0VKyuVCudq/08rMjJW1vvIwFldTwBny2wZ7ABcyyUAP7/eoFo967hCu9yRqAAHb4QOxC6gY5dGqttY68g=='
GEOMAN_LICENSE='MIT'
GEOMAN_FILES=(leaflet-geoman.min.js leaflet-geoman.css)

# vendor_is_installed <dest> <version> <files...>
vendor_is_installed() {
  local dest="$1" version="$2" f
  shift 2
  [[ -f "$dest/.version" && "$(cat "$dest/.version")" == "$version" ]] || return 1
  for f in "$@"; do
    [[ -e "$dest/$f" ]] || return 1
  done
}

# vendor_npm <package> <version> <integrity> <licence> <dest> <files relative to dist/...>
vendor_npm() {
  local package="$1" version="$2" integrity="$3" licence="$4" dest="$5"
  shift 5
  if vendor_is_installed "$dest" "$version" "$@"; then
    return 0
  fi
  local work
  work="$(npm_unpack "$package" "$version" "$integrity")"
  local declared
  declared="$(node -e 'process.stdout.write(String(require(process.argv[1]).license || ""))' \
    "$work/package/package.json")"
  if [[ "$declared" != "$licence" ]]; then
    rm -rf "$work"
    die "$package $version declares licence '$declared', not the reviewed '$licence': review it and update this script"
  fi
  local licence_file
  licence_file="$(find "$work/package" -maxdepth 1 -iname 'LICENSE*' -print -quit)"
  [[ -n "$licence_file" ]] || {
    rm -rf "$work"
    die "$package $version ships no LICENSE file"
  }

  local staging="$dest.new"
  rm -rf "$staging"
  mkdir -p "$staging"
  local f
  for f in "$@"; do
    [[ -e "$work/package/dist/$f" ]] || {
      rm -rf "$work" "$staging"
      die "$package $version has no dist/$f"
    }
    mkdir -p "$staging/$(dirname "$f")"
    cp -R "$work/package/dist/$f" "$staging/$f"
  done
  cp "$licence_file" "$staging/LICENSE"
  printf '%s\n' "$version" >"$staging/.version"
  rm -rf "$work" "$dest"
  mv "$staging" "$dest"
  note "$package $version in ${dest#"$GUICHET_ROOT"/} ($(du -sh "$dest" | cut -f1))"
}

ensure_leaflet() {
  vendor_npm leaflet "$LEAFLET_VERSION" "$LEAFLET_INTEGRITY" "$LEAFLET_LICENSE" \
    "$GUICHET_ROOT/static/vendor/leaflet" "${LEAFLET_FILES[@]}"
  vendor_npm @geoman-io/leaflet-geoman-free "$GEOMAN_VERSION" "$GEOMAN_INTEGRITY" "$GEOMAN_LICENSE" \
    "$GUICHET_ROOT/static/vendor/leaflet-geoman" "${GEOMAN_FILES[@]}"
}

# Run directly: install. Sourced (by setup.sh): only define ensure_leaflet.
if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  step "Leaflet $LEAFLET_VERSION and Leaflet-Geoman $GEOMAN_VERSION in static/vendor" ensure_leaflet
fi
