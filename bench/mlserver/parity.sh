#!/usr/bin/env bash
# parity.sh: one checkpoint attacked twice on the same examples — locally (`robust eval --model`) and served by
# Seldon MLServer's Hugging Face runtime over the Open Inference Protocol (`robust eval --endpoint`, PyTorch
# computing the probabilities) — then the per-example outcomes compared, and robust's sustained query rate
# against the service printed beside the service's own figures (load.sh).
#
#   bench/mlserver/parity.sh CHECKPOINT [EXAMPLES [RECIPES]]     (defaults: 200 mr test examples; deepwordbug,pwws)
#
# CHECKPOINT must have a trained head (`robust train` writes one; transformers 4.41, which the runtime needs, must
# load it: BERT-style checkpoints such as MiniLM do). Needs `robust data fetch mr`. PORT (default 8093) is the
# service's port; CONCURRENCY (4) and BATCH (8) the client's. The results database is left in $WORK (printed).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
checkpoint="$(cd "${1:?usage: parity.sh CHECKPOINT [EXAMPLES [RECIPES]]}" && pwd)"
examples="${2:-200}"
recipes="${3:-deepwordbug,pwws}"
port="${PORT:-8093}"
concurrency="${CONCURRENCY:-4}"
batch="${BATCH:-8}"
work="${WORK:-$(mktemp -d)}"
robust="$root/.build/release/robust"
[ -x "$robust" ] || (cd "$root" && swift build -c release --product robust >/dev/null)
"$here/setup.sh"
db="$work/parity.db"
# The sentence encoder (similarity is recorded, not needed by these recipes): the checkout's, unless set.
[ -z "${ROBUST_BASE_MODEL:-}" ] && [ -d "$root/models/all-MiniLM-L6-v2" ] && export ROBUST_BASE_MODEL="$root/models/all-MiniLM-L6-v2"
rm -f "$db"
common=(--data mr --split test --sample "$examples" --max-length 64 --recipes "$recipes" --db "$db" --seed 42)

echo "local: robust eval --model $checkpoint"
local_started=$(date +%s.%N)
"$robust" eval --model "$checkpoint" "${common[@]}" > "$work/local.txt"
local_seconds=$(echo "$(date +%s.%N) - $local_started" | bc)

"$here/serve.sh" --detach "$checkpoint" "$port"
trap '"$here/serve.sh" --stop "$port" >/dev/null 2>&1 || true' EXIT
echo "served: robust eval --endpoint http://127.0.0.1:$port/v2/models/robust-victim"
remote_started=$(date +%s.%N)
# MLServer's Hugging Face runtime: the texts go in `array_inputs`; every class's score and truncation to the
# same 64 tokens are pipeline arguments sent as one-value input tensors.
"$robust" eval --endpoint "http://127.0.0.1:$port/v2/models/robust-victim" --endpoint-input array_inputs \
  --endpoint-extra-input return_all_scores=BOOL:true --endpoint-extra-input truncation=BOOL:true \
  --endpoint-extra-input max_length=INT32:64 --endpoint-concurrency "$concurrency" --endpoint-batch "$batch" \
  "${common[@]}" > "$work/remote.txt"
remote_seconds=$(echo "$(date +%s.%N) - $remote_started" | bc)

python3 - "$db" "$local_seconds" "$remote_seconds" <<'EOF'
import sqlite3, sys
db, local_seconds, remote_seconds = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
con = sqlite3.connect(db)
rows = lambda run: {(r, i): (s, a, p, c) for r, i, s, a, p, c in con.execute(
    "select recipe, example_index, status, adversarial_text, adversarial_prediction, clean_prediction from examples where run_id = ?", (run,))}
local, remote = rows(1), rows(2)
recipes = sorted({r for r, _ in local})
print(f"{'recipe':<14} {'examples':>8} {'same outcome':>13} {'same text':>10}  differences (local → served)")
total = same_total = 0
for recipe in recipes:
    keys = sorted(k for k in local if k[0] == recipe)
    same = sum(1 for k in keys if k in remote and local[k][0] == remote[k][0] and local[k][3] == remote[k][3])
    same_text = sum(1 for k in keys if k in remote and local[k][1] == remote[k][1])
    diffs = [f"#{k[1]}: {local[k][0]}→{remote.get(k, ('missing',))[0]}" for k in keys if k not in remote or local[k][0] != remote[k][0] or local[k][3] != remote[k][3]]
    print(f"{recipe:<14} {len(keys):>8} {same:>8} ({100 * same / max(len(keys), 1):5.1f}%) {same_text:>10}  {', '.join(diffs[:8])}")
    if recipe != "clean":
        total += len(keys); same_total += same
print(f"attacks: {same_total} of {total} examples with the same outcome ({100 * same_total / max(total, 1):.2f}%)")
metrics = {name: value for name, value in con.execute("select name, value from metrics where run_id = 2 and recipe = 'endpoint'")}
texts, requests = metrics.get("texts", 0), metrics.get("requests", 0)
print(f"served run: {remote_seconds:.0f} s, {int(requests)} requests, {int(texts)} texts: {texts / remote_seconds:.1f} texts/s, "
      f"{requests / remote_seconds:.1f} requests/s; latency p50 {metrics.get('latency_p50_ms', 0):.0f} ms, "
      f"p90 {metrics.get('latency_p90_ms', 0):.0f} ms, p99 {metrics.get('latency_p99_ms', 0):.0f} ms; retries {int(metrics.get('retries', 0))}")
print(f"local run: {local_seconds:.0f} s")
EOF
echo "results: $db"
