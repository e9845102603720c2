#!/usr/bin/env bash
# run-main.sh: the main job end to end on the default model and data — set up the machine, build,
# fetch the `mr` movie-review data, fine-tune all-MiniLM-L6-v2 on it, evaluate the best checkpoint on
# the held-out test split, and record everything in the results database.
# Environment: ROBUST_MAIN_OUT (checkpoint folder, default checkpoints/mr-minilm), ROBUST_DB (results db).
set -euo pipefail
cd "$(dirname "$0")/.."
out="${ROBUST_MAIN_OUT:-checkpoints/mr-minilm}"
started=$(date +%s)

scripts/setup.sh
swift build -c release
robust=.build/release/robust

"$robust" data fetch mr
# The reference settings of the engine issue: seq 64, batch 32, lr 5e-5, 10% warmup, weight decay 0.01,
# early stopping on dev accuracy (patience 2), at most 4 epochs.
"$robust" train --data mr --out "$out" --max-length 64 --batch-size 32 --lr 5e-5 --warmup-ratio 0.1 \
  --weight-decay 0.01 --epochs 4 --patience 2 --seed 42 --overwrite
"$robust" eval --model "$out" --data mr --split test --max-length 64
"$robust" runs

echo
echo "main job finished in $(( $(date +%s) - started )) s"
echo "checkpoint: $out (training.json inside has the data hash, settings, dev history and test report)"
echo "results:    ${ROBUST_DB:-robust.db} (robust runs / robust show RUN)"
