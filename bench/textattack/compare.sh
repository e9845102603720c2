#!/usr/bin/env bash
# Same machine, same checkpoint, same examples: robust's PWWS and DeepWordBug against TextAttack
# 0.3.11's recipes of those names, run one after the other (never at once), then a table of both.
#
#   bench/textattack/setup.sh          # once
#   bench/textattack/compare.sh [--model checkpoints/mr] [--data mr] [--sample 200] [--seed 42]
#                               [--recipes pwws,deepwordbug] [--workers 2] [--max-length 64]
#                               [--precisions fp32,bf16,int8]
#
# robust runs once per precision (`--precision`: bf16/int8 searches, every clean prediction and success
# re-checked in fp32); TextAttack once, on the examples of robust's first (fp32) run. Each robust row is
# compared with TextAttack's time, and its success rate with robust's fp32 run.
#
# robust attacks with --workers examples at once (one core each); TextAttack runs one example at a
# time on torch's threads (one per core). TextAttack pads every query to the tokenizer's
# model_max_length: --max-length sets it (64 truncates no mr text; the checkpoint says 512).
set -euo pipefail
cd "$(dirname "$0")/../.."
model=checkpoints/mr data=mr sample=200 seed=42 recipes=pwws,deepwordbug workers=2 max_length=64 precisions=fp32,bf16,int8
while [ $# -gt 0 ]; do
  case "$1" in
    --model) model="$2"; shift 2 ;;
    --data) data="$2"; shift 2 ;;
    --sample) sample="$2"; shift 2 ;;
    --seed) seed="$2"; shift 2 ;;
    --recipes) recipes="$2"; shift 2 ;;
    --workers) workers="$2"; shift 2 ;;
    --max-length) max_length="$2"; shift 2 ;;
    --precisions) precisions="$2"; shift 2 ;;
    *) echo "compare.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
root="$PWD/.textattack"
[ -x "$root/venv/bin/python" ] || { echo "compare.sh: run bench/textattack/setup.sh first" >&2; exit 1; }
robust=.build/release/robust
swift build -c release --product robust >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

for precision in ${precisions//,/ }; do
  "$robust" eval --model "$model" --data "$data" --sample "$sample" --seed "$seed" --recipes "$recipes" \
    --workers "$workers" --precision "$precision" --no-audit --db "$work/robust.db" --json > "$work/robust-$precision.json"
done
first=${precisions%%,*}
cp "$work/robust-$first.json" "$work/robust.json"
for recipe in ${recipes//,/ }; do
  PYTHONPATH="$root/stubs" NLTK_DATA="$root/nltk_data" HF_HUB_OFFLINE=1 TOKENIZERS_PARALLELISM=false \
    "$root/venv/bin/python" bench/textattack/run_textattack.py --model "$model" --db "$work/robust.db" \
    --run "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["run"])' "$work/robust.json")" \
    --recipe "$recipe" --max-length "$max_length" --summary-out "$work/textattack-$recipe.json" \
    > "$work/textattack-$recipe.log" 2>&1 || { cat "$work/textattack-$recipe.log" >&2; exit 1; }
done
python3 - "$work" "$recipes" "$workers" "$max_length" "$precisions" <<'PY'
import json, sys
work, recipes, workers, max_length, precisions = sys.argv[1], sys.argv[2].split(","), sys.argv[3], sys.argv[4], sys.argv[5].split(",")
ours = {p: {a["recipe"]: a for a in json.load(open(f"{work}/robust-{p}.json"))["attacks"]} for p in precisions}
print(f"| recipe | tool | accuracy under attack | success rate | vs robust fp32 | avg queries | fp32 re-checks / turned down | s/example | speed-up |")
print(f"|---|---|---|---|---|---|---|---|---|")
for recipe in recipes:
    theirs = json.load(open(f"{work}/textattack-{recipe}.json"))
    print(f"| {recipe} | TextAttack 0.3.11 (max length {max_length}) | {100*theirs['accuracy_under_attack']:.1f}% | "
          f"{100*theirs['attack_success_rate']:.1f}% | | {theirs['average_queries']:.1f} | | {theirs['seconds_per_example']:.3f} | |")
    reference = ours.get("fp32", {}).get(recipe)
    for precision in precisions:
        mine = ours[precision][recipe]
        wall = mine["wall_seconds_per_example"]
        delta = "" if reference is None or precision == "fp32" else \
            f"{100*(mine['attack_success_rate'] - reference['attack_success_rate']):+.1f} pt"
        checks = f"{mine['fp32_checks']} / {mine['fp32_rejections']}" if "fp32_checks" in mine else ""
        print(f"| {recipe} | robust {precision} ({workers} workers) | {100*mine['accuracy_under_attack']:.1f}% | "
              f"{100*mine['attack_success_rate']:.1f}% | {delta} | {mine['queries']:.1f} | {checks} | {wall:.3f} | "
              f"{theirs['seconds_per_example']/wall:.2f}× |")
PY
