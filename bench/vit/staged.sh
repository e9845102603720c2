#!/usr/bin/env bash
# staged.sh: the tiny ViT's ≥ 90% Fashion-MNIST recipe, from one seeded init (robust model init --size tiny --seed 42),
# trained by robust and by PyTorch (bench/vit/torch_vit.py --init --keep-best, transformers' ViTForImageClassification,
# fp32, 2 threads) stage by stage, each stage starting from that side's previous best-dev checkpoint:
#   1. 20 epochs, image-basic (flip + crop with 2-pixel padding), AdamW lr 1e-3
#   2. 10 epochs, image-basic, lr 3e-4
#   3. 10 epochs, image-basic, lr 1.5e-4
#   4.  5 epochs, no augmentation, lr 1e-4
# every stage: batch 128, weight decay 0.05, warmup 5% then linear decay to 0, clip 1.0, best dev checkpoint kept.
# A stage whose output exists is not rerun. Prints each stage's best dev and its test accuracy for both, and the
# mean training seconds per epoch; writes bench/vit/out/staged/summary.json.
#   bench/vit/staged.sh [ROBUST] [PYTHON]
set -euo pipefail
cd "$(dirname "$0")/../.."
ROBUST=${1:-.build/release/robust}; PY=${2:-.textattack/venv/bin/python}
OUT=bench/vit/out/staged
mkdir -p "$OUT"
"$ROBUST" data fetch fashion-mnist >/dev/null
[ -f "$OUT/init/model.safetensors" ] || "$ROBUST" model init --family vit --size tiny --data fashion-mnist --seed 42 --out "$OUT/init"
STAGES=("20 1e-3 basic" "10 3e-4 basic" "10 1.5e-4 basic" "5 1e-4 none")
previous_robust="$OUT/init"; previous_torch="$OUT/init"
for k in 1 2 3 4; do
  read -r epochs lr augment <<< "${STAGES[$((k - 1))]}"
  augment_flags=(); [ "$augment" = basic ] && augment_flags=(--augment image-basic)
  if ! grep -q '"test"' "$OUT/robust-$k/training.json" 2>/dev/null; then
    "$ROBUST" train --model "$previous_robust" --data fashion-mnist --out "$OUT/robust-$k" --epochs "$epochs" --batch-size 128 \
      --lr "$lr" --weight-decay 0.05 --warmup-ratio 0.05 --patience 0 --seed $((41 + k)) "${augment_flags[@]}" \
      --db "$OUT/runs.db" --overwrite > "$OUT/robust-$k.log" 2>&1
  fi
  if [ ! -f "$OUT/torch-$k.json" ]; then
    "$PY" bench/vit/torch_vit.py --init "$previous_torch" --epochs "$epochs" --lr "$lr" --augment "$augment" --seed $((41 + k)) \
      --split-labels names --keep-best --save "$OUT/torch-$k" --json "$OUT/torch-$k.json" > "$OUT/torch-$k.log" 2>&1
  fi
  previous_robust="$OUT/robust-$k"; previous_torch="$OUT/torch-$k"
done
"$PY" - "$OUT" <<'PYEOF'
import json, re, sys
out = sys.argv[1]
summary = []
print("stage  robust best dev  robust test  torch best dev  torch test  s/epoch robust  s/epoch torch")
for k in range(1, 5):
    r = json.load(open(f"{out}/robust-{k}/training.json"))
    t = json.load(open(f"{out}/torch-{k}.json"))
    log = open(f"{out}/robust-{k}.log").read()
    rs = [float(x) for x in re.search(r"seconds per epoch \(training steps only\): (.*)", log).group(1).split(", ")]
    ts = [e["train_seconds"] for e in t["epochs"]]
    row = {"stage": k, "robust_best_dev": r["best"]["value"], "robust_test": r["test"]["report"]["accuracy"],
           "torch_best_dev": t["final"]["dev_accuracy"], "torch_test": t["final"]["test_accuracy"],
           "robust_seconds_per_epoch": sum(rs) / len(rs), "torch_seconds_per_epoch": sum(ts) / len(ts)}
    summary.append(row)
    print(f"{k:5d}  {row['robust_best_dev']:15.4f}  {row['robust_test']:11.4f}  {row['torch_best_dev']:14.4f}  "
          f"{row['torch_test']:10.4f}  {row['robust_seconds_per_epoch']:14.1f}  {row['torch_seconds_per_epoch']:13.1f}")
json.dump(summary, open(f"{out}/summary.json", "w"), indent=1)
PYEOF
