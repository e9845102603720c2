#!/bin/bash
# Robustness as a side effect of consistency training: the default attack suite (with its validity audit) on the
# supervised-only, UDA and VAT models trained by run.sh with the same labels and seed, on the same test sample,
# then each against supervised-only (robust compare: McNemar on the same examples).
#   bench/consistency/robustness.sh OUT [TASK] [SEED] [SAMPLE]     (defaults: mr1000, seed 1, 200 examples)
set -euo pipefail
out=${1:?usage: robustness.sh OUT [TASK] [SEED] [SAMPLE]}
task=${2:-mr1000}; seed=${3:-1}; sample=${4:-200}
here=$(cd "$(dirname "$0")/../.." && pwd)
robust=${ROBUST:-$here/.build/release/robust}
# The suite's similarity constraints and the audit need the sentence encoder (the base model).
export ROBUST_BASE_MODEL=${ROBUST_BASE_MODEL:-$here/models/all-MiniLM-L6-v2}
data=mr; [[ $task == sms* ]] && data=sms_spam
db="$out/robustness-$task-s$seed.db"
for method in sup uda vat; do
  start=$(date +%s)
  "$robust" eval --model "$out/$task-$method-s$seed" --data "$data" --sample "$sample" --seed 42 --db "$db" \
    > "$out/robustness-$task-$method-s$seed.txt" 2>&1
  echo "$task $method seed $seed: eval $(( $(date +%s) - start )) s"
done
"$robust" runs --db "$db"
"$robust" compare 1 2 --db "$db" > "$out/robustness-$task-compare-uda.txt" 2>&1 || true
"$robust" compare 1 3 --db "$db" > "$out/robustness-$task-compare-vat.txt" 2>&1 || true
