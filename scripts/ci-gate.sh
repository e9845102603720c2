#!/usr/bin/env bash
# ci-gate.sh: exercises the regression gate end to end on a small model, as CI runs it on every change:
# fine-tune the tiny fixture model on the fixture data, evaluate it under attack, then
#   1. gate it against the committed baseline (baselines/ci-tiny.json): must pass (exit 0);
#   2. gate it against a baseline it cannot meet (Tests/Fixtures/gate/unreachable-baseline.json): must
#      fail with exit 1, so a gate that always passes is caught too.
# Prints the gate's Markdown tables (for a CI job summary). Usage: scripts/ci-gate.sh [ROBUST_BINARY]
set -euo pipefail
cd "$(dirname "$0")/.."
robust="${1:-.build/debug/robust}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
db="$work/ci.db"

"$robust" train --model Tests/Fixtures/gate/model --data Tests/Fixtures/gate/data.csv --out "$work/model" \
  --epochs 16 --batch-size 16 --lr 5e-3 --max-length 24 --seed 5 --patience 0 --db "$db" > "$work/train.log"
"$robust" eval --model "$work/model" --data Tests/Fixtures/gate/data.csv --recipes deepwordbug,fgsm-sweep \
  --max-length 24 --db "$db" > "$work/eval.log"

echo "## Robustness gate (tiny fixture model)"
"$robust" gate --baseline baselines/ci-tiny.json --db "$db"

set +e
"$robust" gate --baseline Tests/Fixtures/gate/unreachable-baseline.json --db "$db" > "$work/unreachable.md"
status=$?
set -e
if [ "$status" -ne 1 ]; then
  echo "ci-gate: the gate should have failed (exit 1) against the unreachable baseline, but exited $status" >&2
  cat "$work/unreachable.md" >&2
  exit 1
fi
echo "ci-gate: the gate passed the committed baseline and failed the unreachable one, as it should"
