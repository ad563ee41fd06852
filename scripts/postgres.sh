#!/usr/bin/env bash
# Makes sure a PostgreSQL server accepts connections on 127.0.0.1:5432 and
# tells the tests where it is, through GUICHET_TEST_POSTGRES_URL (a URL to a
# maintenance database; each test creates and drops its own database there).
#
# Two ways to use it:
#   source scripts/postgres.sh          # exports GUICHET_TEST_POSTGRES_URL
#   eval "$(./scripts/postgres.sh)"     # prints `export GUICHET_TEST_POSTGRES_URL=...`
#
# A URL already set in GUICHET_TEST_POSTGRES_URL is kept (any server) and
# only checked. Otherwise, in order: start the existing cluster if it is
# down; install Debian's PostgreSQL if no server is installed; connect as
# `postgres` over TCP without a password (the machine image's trust set-up);
# failing that, create a `guichet_test` role with a password and use it.

# Sourced or run? When sourced, do not change the caller's shell options.
if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  set -euo pipefail
  GUICHET_PG_SOURCED=""
else
  GUICHET_PG_SOURCED=1
fi
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

GUICHET_PG_HOST="${GUICHET_PG_HOST:-127.0.0.1}"
GUICHET_PG_PORT="${GUICHET_PG_PORT:-5432}"

# True when `psql` can run a query through this URL, without any prompt.
pg_url_works() {
  PGCONNECT_TIMEOUT=5 psql "$1" -w -X -A -t -q -c 'SELECT 1' >/dev/null 2>&1
}

pg_ready() {
  pg_isready -q -h "$GUICHET_PG_HOST" -p "$GUICHET_PG_PORT" -t 2
}

# Starts the cluster configured for our port, if there is one.
pg_start_cluster() {
  local version cluster port status found=""
  have pg_lsclusters || return 1
  # pg_lsclusters columns: Ver Cluster Port Status Owner Data-dir Log-file
  while read -r version cluster port status _; do
    [[ "$port" == "$GUICHET_PG_PORT" ]] || continue
    found=1
    if [[ "$status" != online* ]]; then
      log "starting PostgreSQL cluster $version/$cluster"
      # --skip-systemctl-redirect: no systemd in containers/CI; start directly.
      as_root pg_ctlcluster --skip-systemctl-redirect "$version" "$cluster" start >&2 ||
        warn "pg_ctlcluster $version $cluster start failed"
    fi
  done < <(pg_lsclusters --no-header 2>/dev/null)
  [[ -n "$found" ]]
}

# A fresh Debian install normally creates <version>/main; create it if not.
pg_create_cluster() {
  local bin version
  bin="$(compgen -G '/usr/lib/postgresql/*/bin/postgres' | sort -V | tail -n 1)"
  version="$(basename "$(dirname "$(dirname "$bin")")")"
  log "creating PostgreSQL cluster $version/main on port $GUICHET_PG_PORT"
  as_root pg_createcluster --port "$GUICHET_PG_PORT" "$version" main >&2
}

pg_wait_ready() {
  local i
  for ((i = 0; i < 30; i++)); do
    pg_ready && return 0
    sleep 1
  done
  return 1
}

ensure_postgres() {
  if [[ -n "${GUICHET_TEST_POSTGRES_URL:-}" ]]; then
    have psql || ensure_apt postgresql-client
    pg_url_works "$GUICHET_TEST_POSTGRES_URL" ||
      die "GUICHET_TEST_POSTGRES_URL is set but psql cannot connect with it"
    return 0
  fi

  ensure_postgres_installed
  if ! pg_ready; then
    if ! pg_start_cluster; then
      pg_create_cluster
      pg_start_cluster || true
    fi
    pg_wait_ready ||
      die "PostgreSQL does not accept connections on $GUICHET_PG_HOST:$GUICHET_PG_PORT (see /var/log/postgresql/)"
  fi

  local url="postgres://postgres@$GUICHET_PG_HOST:$GUICHET_PG_PORT/postgres"
  if ! pg_url_works "$url"; then
    # TCP needs a password here (Debian's default pg_hba.conf: scram-sha-256
    # on 127.0.0.1). Rather than editing pg_hba.conf or changing the
    # `postgres` password, make a dedicated role through the local socket,
    # where the `postgres` OS user is trusted (peer auth).
    log "no password-less TCP login as postgres; using role guichet_test"
    local sql="DO \$\$ BEGIN
      IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'guichet_test') THEN
        CREATE ROLE guichet_test LOGIN CREATEDB PASSWORD 'guichet_test';
      ELSE
        ALTER ROLE guichet_test LOGIN CREATEDB PASSWORD 'guichet_test';
      END IF; END \$\$;"
    as_root runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 -p "$GUICHET_PG_PORT" -c "$sql" >&2 ||
      die "could not create the guichet_test role through the local socket"
    url="postgres://guichet_test:guichet_test@$GUICHET_PG_HOST:$GUICHET_PG_PORT/postgres"
    pg_url_works "$url" || die "cannot connect to PostgreSQL over TCP as postgres nor as guichet_test"
  fi
  export GUICHET_TEST_POSTGRES_URL="$url"
}

if [[ -n "$GUICHET_PG_SOURCED" ]]; then
  ensure_postgres
  note "GUICHET_TEST_POSTGRES_URL=$GUICHET_TEST_POSTGRES_URL"
else
  ensure_postgres
  note "PostgreSQL ready: $GUICHET_TEST_POSTGRES_URL"
  printf 'export GUICHET_TEST_POSTGRES_URL=%q\n' "$GUICHET_TEST_POSTGRES_URL"
fi
