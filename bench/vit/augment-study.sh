#!/usr/bin/env bash
# augment-study.sh: does image augmentation help the tiny ViT on Fashion-MNIST? For each seed, a fresh seeded
# model is trained on N training images (a seeded stratified subset; N = 55000 is the whole training split) with
# and without an augmentation recipe, same recipe otherwise; test accuracy of the best dev checkpoint from
# training.json. Prints each run, the mean per arm and the paired difference with a 95% t-interval.
#   bench/vit/augment-study.sh N EPOCHS "SEEDS" [RECIPE] [ROBUST]
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${1:-5000}; EPOCHS=${2:-20}; SEEDS=${3:-"1 2 3"}; RECIPE=${4:-image-basic}; ROBUST=${5:-.build/release/robust}
OUT=bench/vit/out/augment-$N-$EPOCHS
mkdir -p "$OUT"
subset=(); [ "$N" -lt 55000 ] && subset=(--train-subset "$N")
for seed in $SEEDS; do
  [ -f "$OUT/init-$seed/model.safetensors" ] || "$ROBUST" model init --family vit --size tiny --data fashion-mnist --seed "$seed" --out "$OUT/init-$seed" >/dev/null
  for arm in none "$RECIPE"; do
    run="$OUT/$arm-$seed"
    # Done when training.json has its test report (it is written at every best dev checkpoint, before that).
    grep -q '"test"' "$run/training.json" 2>/dev/null && continue
    augment=(); [ "$arm" != none ] && augment=(--augment "$arm")
    "$ROBUST" train --model "$OUT/init-$seed" --data fashion-mnist --out "$run" --epochs "$EPOCHS" --batch-size 128 --lr 1e-3 \
      --weight-decay 0.05 --warmup-ratio 0.05 --patience 0 --seed "$seed" "${subset[@]}" "${augment[@]}" --db "$OUT/runs.db" --overwrite \
      > "$run.log" 2>&1
  done
done
python3 - "$OUT" "$RECIPE" $SEEDS <<'PY'
import json, math, sys
out, recipe, seeds = sys.argv[1], sys.argv[2], sys.argv[3:]
T = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306, 9: 2.262}
def acc(arm, seed): return json.load(open(f"{out}/{arm}-{seed}/training.json"))["test"]["report"]["accuracy"]
def interval(values):
    n = len(values); m = sum(values) / n
    if n < 2: return m, float("nan")
    s = math.sqrt(sum((v - m) ** 2 for v in values) / (n - 1)); return m, T[n - 1] * s / math.sqrt(n)
rows = {arm: [acc(arm, s) for s in seeds] for arm in ["none", recipe]}
diff = [b - a for a, b in zip(rows["none"], rows[recipe])]
result = {"out": out, "seeds": seeds, "runs": rows}
for arm, values in rows.items():
    m, h = interval(values); result[arm] = {"mean": m, "half_width": h}
    print(f"{arm:18s} " + "  ".join(f"{v:.4f}" for v in values) + f"   mean {m:.4f} ± {h:.4f}")
m, h = interval(diff); result["difference"] = {"mean": m, "half_width": h}
print(f"{recipe} − none: {m * 100:+.2f} points, 95% CI [{(m - h) * 100:+.2f}, {(m + h) * 100:+.2f}]")
json.dump(result, open(f"{out}/summary.json", "w"), indent=1)
PY
