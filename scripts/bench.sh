#!/usr/bin/env bash
# Builds the release binary and runs the foundation benchmark (benches/depot.rs)
# on SQLite and PostgreSQL, the usager's side (benches/usager.rs: « Mes
# dossiers » with 5,000 dossiers), then the plugin host benchmark (benches/plugins.rs:
# per-call latency, cached loads, runaway stop, throughput; about a minute).
# Loopback only; bounded request counts.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
./scripts/setup.sh
./scripts/build-plugins.sh
source scripts/postgres.sh
# `--workspace`: the benches' feature set, so wasmtime is compiled once.
cargo build --release --workspace --bin guichet
export GUICHET_BIN="$CARGO_TARGET_DIR/release/guichet"
cargo bench --bench depot
cargo bench --bench usager
cargo bench --bench plugins
