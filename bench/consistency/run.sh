#!/bin/bash
# Semi-supervised consistency training on few labels (issue 18): supervised-only against UDA and VAT, 3 seeds,
# on mr with 200 and 1,000 labelled training examples and on sms_spam with 100, the rest of each training split
# as unlabelled text. Every run is a plain `robust train`; summarize.py reads their training.json files.
#   bench/consistency/run.sh OUT [SEEDS]      (about an hour on 2 cores with bf16 training)
set -euo pipefail
out=${1:?usage: run.sh OUT [SEEDS]}
seeds=${2:-"1 2 3"}
here=$(cd "$(dirname "$0")/../.." && pwd)
robust=${ROBUST:-$here/.build/release/robust}
model=${ROBUST_BASE_MODEL:-$here/models/all-MiniLM-L6-v2}
mkdir -p "$out"
# bf16 mixed precision (fp32 master weights) for every method alike; the machine's AVX512-BF16 makes it ~2× faster.
common=(--model "$model" --max-length 64 --lr 1e-4 --patience 0 --precision bf16 --db "$out/results.db" --overwrite)
run() {  # name data labels epochs batch method
  local name=$1 data=$2 labels=$3 epochs=$4 batch=$5 method=$6 seed=$7
  local extra=()
  [ "$method" != sup ] && extra=(--unlabeled "$data" --consistency "$method")
  local start=$(date +%s.%N)
  "$robust" train "${common[@]}" --data "$data" --train-subset "$labels" --epochs "$epochs" --batch-size "$batch" \
    --seed "$seed" "${extra[@]}" --out "$out/$name-$method-s$seed" > "$out/$name-$method-s$seed.log" 2>&1
  echo "$name $method seed $seed: $(echo "$(date +%s.%N) - $start" | bc) s" | tee -a "$out/times.txt"
}
for seed in $seeds; do
  for method in sup uda vat; do run mr200 mr 200 15 16 $method $seed; done
done
for seed in $seeds; do
  for method in sup uda vat; do run mr1000 mr 1000 4 32 $method $seed; done
done
for seed in $seeds; do
  for method in sup uda vat; do run sms100 sms_spam 100 15 16 $method $seed; done
done
