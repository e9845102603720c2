#!/usr/bin/env bash
# advtrain.sh: PGD adversarial training (Madry: every batch replaced by its L∞ ε 0.1 PGD-7 examples, step 2.5ε/7,
# random start) of one ViT checkpoint, by robust (robust retrain --method pgd) and by PyTorch
# (bench/vit/torch_advtrain.py --init, same recipe: AdamW, weight decay 0.05, warmup 5% then linear decay, clip 1.0,
# batch 128), one after the other; then the same attacks on each result: robust's pixel-pgd (PGD-20) and
# pixel-apgd-ce (APGD-CE, 100 iterations) on the first 1,000 test images (in retrain's before/after comparison),
# and torchattacks' PGD-20 and APGD-CE on the same images, on both trained models (bench/vit/torch_attacks.py; the
# checkpoint before training is left out: robust's before run measures it, and torchattacks took 6 minutes a model).
#   bench/vit/advtrain.sh CHECKPOINT NAME EPOCHS LR [SUBSET] [ROBUST] [PYTHON]
# e.g.
#   bench/vit/advtrain.sh checkpoints/fm-vit tiny40 2 5e-4
set -euo pipefail
cd "$(dirname "$0")/../.."
INIT=${1:?checkpoint}; NAME=${2:?name}; EPOCHS=${3:-1}; LR=${4:-5e-4}; SUBSET=${5:-}
ROBUST=${6:-.build/release/robust}; PY=${7:-.textattack/venv/bin/python}
OUT=bench/vit/out/advtrain-$NAME
mkdir -p "$OUT"
subset=(); torch_subset=()
[ -n "$SUBSET" ] && subset=(--train-subset "$SUBSET") && torch_subset=(--subset "$SUBSET")
if [ ! -f "$OUT/robust/model.safetensors" ]; then
  "$ROBUST" retrain --model "$INIT" --data fashion-mnist --method pgd --epochs "$EPOCHS" "${subset[@]}" --batch-size 128 \
    --lr "$LR" --weight-decay 0.05 --warmup-ratio 0.05 --adv-epsilon 0.1 --adv-steps 7 --recipes pixel-pgd,pixel-apgd-ce \
    --limit 1000 --out "$OUT/robust" --db "$OUT/runs.db" --overwrite > "$OUT/robust.log" 2>&1
fi
if [ ! -f "$OUT/torch.json" ]; then
  "$PY" bench/vit/torch_advtrain.py --init "$INIT" --epochs "$EPOCHS" "${torch_subset[@]}" --lr "$LR" --eval-count 1000 \
    --split-labels names --save "$OUT/torch" --json "$OUT/torch.json" > "$OUT/torch.log" 2>&1
fi
for model in robust torch; do
  [ -f "$OUT/attacks-$model.json" ] || "$PY" bench/vit/torch_attacks.py "$OUT/$model" --count 1000 --json "$OUT/attacks-$model.json" \
    > "$OUT/attacks-$model.log" 2>&1
done
grep -A4 '^before run' "$OUT/robust.log" || true
"$PY" - "$OUT" <<'PYEOF'
import json, sys
out = sys.argv[1]
for name in ["robust", "torch"]:
    d = json.load(open(f"{out}/attacks-{name}.json"))
    a = d["attacks"]
    print(f"torchattacks on the {name}-trained model: clean {d['clean_accuracy']:.3f}, PGD-20 {a['pgd20']['accuracy']:.3f}, "
          f"APGD-CE {a['apgd-ce']['accuracy']:.3f}, worst of both {d['worst_case_accuracy']:.3f}")
t = json.load(open(f"{out}/torch.json"))
print("torch_advtrain.py epochs:", json.dumps(t.get("epochs", t.get("history")), indent=None)[:600])
PYEOF
