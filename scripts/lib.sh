# shellcheck shell=bash
# Shared helpers for the scripts in scripts/. Source it, do not run it:
#   source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
#
# Every install helper here is idempotent and cheap when there is nothing to
# do, because CI runs the whole chain (setup, plugins, PostgreSQL, tests) from
# a fresh clone on a machine that may or may not already have everything.

# Within one shell, loading once is enough (postgres.sh may be sourced by a
# script that already sourced this). Not exported: child scripts load it anew.
if [[ -n "${GUICHET_LIB_LOADED:-}" ]]; then
  return 0
fi
GUICHET_LIB_LOADED=1

# --- paths -----------------------------------------------------------------

GUICHET_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export GUICHET_ROOT

# Caches live outside the clone so that CI (a fresh clone every run) and
# developers share one incremental cargo target directory, one venv, etc.
export GUICHET_CACHE="${GUICHET_CACHE:-$HOME/.cache/guichet}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/guichet/target}"
export GUICHET_VENV="${GUICHET_VENV:-$GUICHET_CACHE/venv}"
# The guest (plugins/) workspace's own target directory: never the host's, as
# host and guest builds would fight over one lock (see plugins/build.sh).
export GUICHET_PLUGINS_TARGET_DIR="${GUICHET_PLUGINS_TARGET_DIR:-$GUICHET_CACHE/plugins-target}"

# What the integration tests read (see tests/support/*.rs).
export GUICHET_PYTHON="${GUICHET_PYTHON:-$GUICHET_VENV/bin/python}"
export GUICHET_CHROMEDRIVER="${GUICHET_CHROMEDRIVER:-/usr/bin/chromedriver}"
export GUICHET_CHROMIUM="${GUICHET_CHROMIUM:-/usr/bin/chromium}"

# Never prompt: CI has no stdin.
export DEBIAN_FRONTEND=noninteractive
export CARGO_TERM_PROGRESS_WHEN="${CARGO_TERM_PROGRESS_WHEN:-never}"

# --- logging ---------------------------------------------------------------

# All logging goes to stderr so that scripts can print machine-readable
# output (e.g. `export VAR=...` lines from postgres.sh) on stdout.
log() { printf '==> %s\n' "$*" >&2; }
note() { printf '    %s\n' "$*" >&2; }
warn() { printf 'WARNING: %s\n' "$*" >&2; }
die() {
  printf '\nERROR: %s\n' "$*" >&2
  exit 1
}

# step "description" cmd args... — runs a command and says how long it took;
# if it fails, the EXIT trap below names the step. The command is NOT run as
# an `if`/`||` condition on purpose: bash ignores `set -e` inside functions
# called from a condition, which would let a failing install carry on.
GUICHET_STEP=""
step() {
  local what="$1"
  shift
  local start=$SECONDS
  log "$what"
  GUICHET_STEP="$what"
  "$@"
  GUICHET_STEP=""
  note "done in $((SECONDS - start)) s: $what"
}

guichet_on_exit() {
  local rc=$?
  if ((rc != 0)) && [[ -n "${GUICHET_STEP:-}" ]]; then
    printf '\nFAILED (exit %s) during: %s\n' "$rc" "$GUICHET_STEP" >&2
  fi
}
trap guichet_on_exit EXIT

have() { command -v "$1" >/dev/null 2>&1; }

# A TCP port free on loopback right now (the kernel picks it).
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Run a command as root: directly when we are root (CI, dev machines here),
# through non-interactive sudo otherwise.
as_root() {
  if [[ "$(id -u)" -eq 0 ]]; then
    "$@"
  elif have sudo; then
    sudo -n "$@"
  else
    die "need root to run: $* (no sudo available)"
  fi
}

# --- apt ---------------------------------------------------------------------

# Prints the packages among "$@" that are not installed.
apt_missing() {
  local pkg
  for pkg in "$@"; do
    if ! dpkg-query -W -f='${Status}\n' "$pkg" 2>/dev/null | grep -qx 'install ok installed'; then
      printf '%s\n' "$pkg"
    fi
  done
}

# ensure_apt pkg... — installs the missing packages. `apt-get update` runs at
# most once per run of the chain (GUICHET_APT_UPDATED is exported so child
# scripts see it), and only when something is missing: a machine that already
# has everything makes no network call at all.
ensure_apt() {
  local missing
  mapfile -t missing < <(apt_missing "$@")
  if ((${#missing[@]} == 0)); then
    return 0
  fi
  log "installing Debian packages: ${missing[*]}"
  # Wait for another apt/dpkg (an engineer installing something) instead of
  # failing on the lock.
  local apt_opts=(-o DPkg::Lock::Timeout=600 -q)
  if [[ -z "${GUICHET_APT_UPDATED:-}" ]]; then
    as_root apt-get "${apt_opts[@]}" update >&2 || die "apt-get update failed"
    export GUICHET_APT_UPDATED=1
  fi
  as_root apt-get "${apt_opts[@]}" install -y --no-install-recommends "${missing[@]}" >&2 ||
    die "apt-get install ${missing[*]} failed"
}

# --- Python venv -------------------------------------------------------------

# ensure_venv requirement... — a venv at $GUICHET_VENV holding exactly these
# pinned requirements (e.g. aiosmtpd==1.4.6). A stamp file records what was
# installed, so the no-op case costs one Python start-up.
ensure_venv() {
  local venv="$GUICHET_VENV"
  local stamp="$venv/.guichet-requirements"
  local wanted venv_lock
  wanted="$(printf '%s\n' "$@" | sort)"
  if [[ -x "$venv/bin/python" && -f "$stamp" && "$(cat "$stamp")" == "$wanted" ]] &&
    "$venv/bin/python" -c 'import sys' 2>/dev/null; then
    return 0
  fi

  # Two checkouts sharing the cache (worktrees, a test run beside the
  # demo) may both find the venv missing: the second one's --clear would
  # pull it from under the first. One builder at a time; the waiter then
  # finds the stamp written and returns.
  mkdir -p "$(dirname "$venv")"
  exec {venv_lock}>"$venv.lock"
  flock "$venv_lock"
  if [[ -x "$venv/bin/python" && -f "$stamp" && "$(cat "$stamp")" == "$wanted" ]] &&
    "$venv/bin/python" -c 'import sys' 2>/dev/null; then
    exec {venv_lock}>&-
    return 0
  fi
  local base="${GUICHET_BASE_PYTHON:-python3}"
  if ! have "$base" || ! "$base" -c 'import venv, ensurepip' 2>/dev/null; then
    # A bare Debian python3 lacks the venv module until python3-venv is in.
    ensure_apt python3 python3-venv
    base=/usr/bin/python3
  fi
  log "creating Python venv $venv with: $*"
  # --clear: a venv left half-made, or made by a Python that is gone, is
  # rebuilt rather than patched.
  "$base" -m venv --clear "$venv" || die "could not create the venv at $venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$@" >&2 ||
    die "pip install $* failed"
  printf '%s\n' "$wanted" >"$stamp"
  exec {venv_lock}>&-
}

# --- PostgreSQL --------------------------------------------------------------

# True when some PostgreSQL server binaries are installed (any version).
postgres_server_installed() {
  compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null
}

# Installs Debian's PostgreSQL only when no server is installed at all: the
# machine image ships PostgreSQL 15 and we must not pull a second one.
ensure_postgres_installed() {
  if ! postgres_server_installed; then
    ensure_apt postgresql
  fi
  if ! have pg_isready || ! have psql; then
    ensure_apt postgresql-client
  fi
}

# --- npm tarballs ------------------------------------------------------------

# npm_unpack <package> <version> <integrity> — prints the path of a fresh
# temporary folder holding the package (its `package/` folder); the caller
# removes it. The tarball comes from `npm pack`: a plain download of the
# registry tarball that runs no package script, with no package.json or
# node_modules to manage. It is kept in the cache and checked against the
# integrity the registry published for that exact version, so a re-published
# or corrupted tarball stops the script instead of reaching the product.
npm_unpack() {
  local package="$1" version="$2" integrity="$3"
  local cache="$GUICHET_CACHE/npm-vendor"
  # npm pack names scoped tarballs without the @ and with - for /.
  local tgz_name="${package#@}"
  tgz_name="${tgz_name//\//-}-$version.tgz"
  local tgz="$cache/$tgz_name"
  mkdir -p "$cache"
  if [[ ! -f "$tgz" ]]; then
    have npm || ensure_apt npm
    log "fetching $package@$version with npm pack"
    (cd "$cache" && npm pack --silent "$package@$version" >/dev/null) || die "npm pack $package@$version failed"
  fi
  local actual
  actual="sha512-$(openssl dgst -sha512 -binary "$tgz" | base64 -w0)"
  if [[ "$actual" != "$integrity" ]]; then
    rm -f "$tgz"
    die "$package tarball integrity mismatch (got $actual); removed it, run again"
  fi
  local work
  work="$(mktemp -d "$cache/extract.XXXXXX")"
  tar -xzf "$tgz" -C "$work"
  printf '%s\n' "$work"
}
