#!/bin/bash
# Semi-supervised consistency training on few labels (issue 18): supervised-only against UDA and VAT, 3 seeds,
# the rest of each training split as unlabelled text. Every run is a plain `robust train` (bf16 mixed precision
# for every method alike); summarize.py reads their training.json files. Tasks:
#   mr200       mr, 200 labels, 15 epochs of batch 16 (195 steps)
#   mr1000      mr, 1,000 labels, 4 epochs of batch 32 (128 steps)
#   sms100      sms_spam, 100 labels, 15 epochs of batch 16 (105 steps)
#   mr1000long  mr, 1,000 labels, 10 epochs of batch 32; UDA with tfidf-light.yaml (10% replacement), and
#               one seed of UDA with the default tfidf-replace (30%) as mr1000longdefault
#   mr1000vat03 (not in the default list) VAT with ε 0.3 in mr1000's protocol
#   bench/consistency/run.sh OUT ["SEEDS"] ["TASKS"]     (all four: about 80 minutes on 2 cores)
set -euo pipefail
out=${1:?usage: run.sh OUT [SEEDS] [TASKS]}
seeds=${2:-"1 2 3"}
tasks=${3:-"mr200 mr1000 sms100 mr1000long"}
here=$(cd "$(dirname "$0")/../.." && pwd)
robust=${ROBUST:-$here/.build/release/robust}
model=${ROBUST_BASE_MODEL:-$here/models/all-MiniLM-L6-v2}
mkdir -p "$out"
common=(--model "$model" --max-length 64 --lr 1e-4 --patience 0 --precision bf16 --db "$out/results.db" --overwrite)
run() {  # NAME METHOD SEED DATA LABELS EPOCHS BATCH [train options…]
  local name=$1 method=$2 seed=$3 data=$4 labels=$5 epochs=$6 batch=$7; shift 7
  local start=$(date +%s.%N)
  "$robust" train "${common[@]}" --data "$data" --train-subset "$labels" --epochs "$epochs" --batch-size "$batch" \
    --seed "$seed" "$@" --out "$out/$name-$method-s$seed" > "$out/$name-$method-s$seed.log" 2>&1
  echo "$name $method seed $seed: $(echo "$(date +%s.%N) - $start" | bc) s" | tee -a "$out/times.txt"
}
three() {  # NAME DATA LABELS EPOCHS BATCH [UDA augmentation]
  local name=$1 data=$2 labels=$3 epochs=$4 batch=$5 augment=${6:-tfidf-replace}
  for seed in $seeds; do
    run "$name" sup "$seed" "$data" "$labels" "$epochs" "$batch"
    run "$name" uda "$seed" "$data" "$labels" "$epochs" "$batch" --unlabeled "$data" --consistency uda --uda-augment "$augment"
    run "$name" vat "$seed" "$data" "$labels" "$epochs" "$batch" --unlabeled "$data" --consistency vat
  done
}
for task in $tasks; do
  case $task in
    mr200) three mr200 mr 200 15 16 ;;
    mr1000) three mr1000 mr 1000 4 32 ;;
    sms100) three sms100 sms_spam 100 15 16 ;;
    mr1000long)
      three mr1000long mr 1000 10 32 "$here/bench/consistency/tfidf-light.yaml"
      run mr1000longdefault uda 1 mr 1000 10 32 --unlabeled mr --consistency uda ;;
    mr1000vat03)   # VAT with ε 0.3 (paired with mr1000's supervised runs)
      for seed in $seeds; do run mr1000vat03 vat "$seed" mr 1000 4 32 --unlabeled mr --consistency vat --vat-epsilon 0.3; done ;;
    *) echo "unknown task $task" >&2; exit 2 ;;
  esac
done
