#!/usr/bin/env bash
# Rebuilds form/data/*.tsv, the territory lists bundled in guichet-form,
# from their official sources on the npm registry (see form/data/README.md).
# `npm pack` downloads the tarballs only: no install scripts run.
#
#   scripts/territoire.sh            # the versions below
#   DECOUPAGE=6.1.0 scripts/territoire.sh
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DECOUPAGE="${DECOUPAGE:-6.0.0}"
ISO="${ISO:-7.14.0}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
npm pack --silent "@etalab/decoupage-administratif@$DECOUPAGE" >/dev/null
npm pack --silent "i18n-iso-countries@$ISO" >/dev/null
mkdir decoupage iso
tar xzf etalab-decoupage-administratif-"$DECOUPAGE".tgz -C decoupage --strip-components=1
tar xzf i18n-iso-countries-"$ISO".tgz -C iso --strip-components=1
python3 "$ROOT/scripts/territoire.py" decoupage iso "$ROOT/form/data"
sha256sum ./*.tgz
ls -l "$ROOT"/form/data/*.tsv
