#!/usr/bin/env bash
# run-main.sh: the main job end to end on the default model and data — set up, build, fine-tune,
# evaluate, report. Steps whose commands have not landed yet are reported as missing, not faked.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
swift build -c release
robust=.build/release/robust
"$robust" bench --seconds 1 --only forward
for step in train eval report; do
  if ! "$robust" help "$step" >/dev/null 2>&1; then
    echo "run-main: 'robust $step' is not implemented yet (see the open issues); stopping here." >&2
    exit 0
  fi
done
