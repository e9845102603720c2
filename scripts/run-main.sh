#!/usr/bin/env bash
# run-main.sh: the main job end to end on the default model and data — set up the machine, build,
# fetch the `mr` movie-review data, fine-tune all-MiniLM-L6-v2 on it, evaluate the best checkpoint on
# the held-out test split and attack it with the default suite (on a seeded sample, to stay well
# inside 30 minutes on 2 cores), record everything in the results database, and render the report.
# Environment: ROBUST_MAIN_OUT (checkpoint folder, default checkpoints/mr-minilm), ROBUST_DB (results
# db), ROBUST_MAIN_SAMPLE (examples attacked, default 300).
set -euo pipefail
cd "$(dirname "$0")/.."
out="${ROBUST_MAIN_OUT:-checkpoints/mr-minilm}"
sample="${ROBUST_MAIN_SAMPLE:-300}"
db="${ROBUST_DB:-robust.db}"
started=$(date +%s)
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT

scripts/setup.sh
swift build -c release
robust=.build/release/robust

"$robust" data fetch mr
# The reference settings of the engine issue: seq 64, batch 32, lr 5e-5, 10% warmup, weight decay 0.01,
# early stopping on dev accuracy (patience 2), at most 4 epochs.
"$robust" train --data mr --out "$out" --max-length 64 --batch-size 32 --lr 5e-5 --warmup-ratio 0.1 \
  --weight-decay 0.01 --epochs 4 --patience 2 --seed 42 --overwrite --db "$db" | tee "$logs/train.log"
"$robust" eval --model "$out" --data mr --split test --sample "$sample" --max-length 64 --db "$db" | tee "$logs/eval.log"
train_run=$(sed -n 's/^run \([0-9][0-9]*\) in .*/\1/p' "$logs/train.log" | head -1)
eval_run=$(sed -n 's/^run \([0-9][0-9]*\) recorded.*/\1/p' "$logs/eval.log" | tail -1)
"$robust" report $train_run $eval_run --out "reports/$(basename "$out")" --db "$db"

echo
echo "main job finished in $(( $(date +%s) - started )) s"
echo "checkpoint: $out (training.json inside has the data hash, settings, dev history and test report)"
echo "results:    $db (robust runs / robust show RUN)"
echo "report:     reports/$(basename "$out")/report.html"
