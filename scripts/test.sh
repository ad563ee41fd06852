#!/usr/bin/env bash
# The README's test command: installs whatever the machine lacks, builds the
# plugins, makes sure PostgreSQL runs, then checks formatting and lints and
# runs the whole test suite (host workspace, then the plugins' own unit tests).
#
#   ./scripts/test.sh                    # everything, as CI runs it
#   ./scripts/test.sh story              # only the host tests matching "story"
#   ./scripts/test.sh support_selftest -- --nocapture
#
# Arguments go to `cargo test --workspace`. With arguments, the plugins' unit
# tests are skipped (a filter or --test option is meant for the host tests).
# GUICHET_SKIP_LINT=1 skips rustfmt and clippy, for quick local iterations.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$GUICHET_ROOT"

start=$SECONDS
step "setup" "$GUICHET_ROOT/scripts/setup.sh"
step "plugins" "$GUICHET_ROOT/scripts/build-plugins.sh"
# Sourced, so that GUICHET_TEST_POSTGRES_URL is exported to the tests.
log "PostgreSQL"
# shellcheck source-path=SCRIPTDIR source=postgres.sh
source "$GUICHET_ROOT/scripts/postgres.sh"

# What tests/support reads (lib.sh already exported them with these defaults;
# restated here so this script says what the tests get).
export GUICHET_TEST_POSTGRES_URL
export GUICHET_PYTHON="${GUICHET_PYTHON:-$GUICHET_VENV/bin/python}"
export GUICHET_CHROMEDRIVER="${GUICHET_CHROMEDRIVER:-/usr/bin/chromedriver}"
export GUICHET_CHROMIUM="${GUICHET_CHROMIUM:-/usr/bin/chromium}"
# SeaweedFS's `weed`, from the venv setup.sh makes (tests/support/s3.rs).
export GUICHET_TEST_WEED="${GUICHET_TEST_WEED:-$GUICHET_CACHE/venv-seaweedfs/bin/weed}"
# axe-core, injected into pages by the browser tests (setup.sh installs it).
export GUICHET_AXE="${GUICHET_AXE:-$GUICHET_CACHE/axe-core/axe.min.js}"
for tool in "$GUICHET_PYTHON" "$GUICHET_CHROMEDRIVER" "$GUICHET_CHROMIUM" "$GUICHET_TEST_WEED"; do
  [[ -x "$tool" ]] || die "$tool is missing: scripts/setup.sh should have installed it"
done

plugins_dir="$GUICHET_ROOT/plugins"
has_plugins=""
[[ -f "$plugins_dir/Cargo.toml" ]] && has_plugins=1

if [[ -z "${GUICHET_SKIP_LINT:-}" ]]; then
  fmt_check() {
    cargo fmt --all -- --check || die "code is not formatted: run \`cargo fmt --all\`"
    if [[ -n "$has_plugins" ]]; then
      (cd "$plugins_dir" && cargo fmt --all -- --check) ||
        die "plugin code is not formatted: run \`cd plugins && cargo fmt --all\`"
    fi
  }
  step "rustfmt" fmt_check
  step "clippy (host workspace)" cargo clippy --workspace --all-targets -- -D warnings
  if [[ -n "$has_plugins" ]]; then
    plugin_clippy() {
      # The components as shipped (wasm32), then their unit tests as they
      # run: natively (the SDK's test doubles exist only off wasm32).
      (cd "$plugins_dir" && CARGO_TARGET_DIR="$GUICHET_PLUGINS_TARGET_DIR" \
        cargo clippy --workspace --target wasm32-wasip2 --locked -- -D warnings &&
        CARGO_TARGET_DIR="$GUICHET_PLUGINS_TARGET_DIR" cargo clippy --workspace --lib --tests --locked -- -D warnings)
    }
    step "clippy (plugins, wasm32-wasip2)" plugin_clippy
  fi
fi

if [[ -z "$has_plugins" ]]; then
  note "no plugins/Cargo.toml: no plugin unit tests to run"
elif (($# > 0)); then
  note "arguments given: skipping the plugins' unit tests"
else
  plugin_tests() {
    # On the host target: the guests' pure logic is tested natively (no wasm
    # runner needed). Same target directory as build-plugins.sh: host and
    # wasm32 artefacts live in separate subdirectories there. --lib: only the
    # test harness is linked natively; the cdylib exports component symbols
    # (`a:b/c@1#f`) that a native linker refuses.
    local locked=()
    [[ -f "$plugins_dir/Cargo.lock" ]] && locked=(--locked)
    (cd "$plugins_dir" &&
      CARGO_TARGET_DIR="$GUICHET_PLUGINS_TARGET_DIR" cargo test --workspace --lib "${locked[@]}")
  }
  step "plugin unit tests (plugins/, host target)" plugin_tests
fi

step "cargo test --workspace --no-fail-fast $*" cargo test --workspace --no-fail-fast "$@"
# The README's other command, as a newcomer runs it: a broken demo fails CI.
if (($# == 0)); then
  step "demo command (./scripts/demo.sh --check)" "$GUICHET_ROOT/scripts/demo.sh" --check
fi
log "all tests passed in $((SECONDS - start)) s"
