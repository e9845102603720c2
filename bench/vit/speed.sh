#!/usr/bin/env bash
# speed.sh: time per epoch of the tiny ViT on Fashion-MNIST (55,000 training images, batch 128, the same recipe),
# robust and PyTorch (transformers' ViTForImageClassification, fp32, 2 threads) one after the other on this
# machine, nothing else running. Each trains one epoch from a fresh seeded model; the time counts training
# steps only (robust: "seconds per epoch"; torch: train_seconds). Writes bench/vit/out/speed.json.
#   bench/vit/speed.sh [ROBUST] [PYTHON]
set -euo pipefail
cd "$(dirname "$0")/../.."
ROBUST=${1:-.build/release/robust}
PY=${2:-.textattack/venv/bin/python}
OUT=bench/vit/out
mkdir -p "$OUT"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$ROBUST" data fetch fashion-mnist >/dev/null
"$ROBUST" model init --family vit --size tiny --data fashion-mnist --seed 0 --out "$work/init" >/dev/null
robust_line=$("$ROBUST" train --model "$work/init" --data fashion-mnist --out "$work/ck" --epochs 1 --batch-size 128 --lr 1e-3 \
  --weight-decay 0.05 --warmup-ratio 0.05 --augment image-basic --db "$work/r.db" 2>&1 | grep 'seconds per epoch')
robust_seconds=$(echo "$robust_line" | sed 's/.*: //')
"$PY" bench/vit/torch_vit.py --shape tiny --epochs 1 --augment basic --no-eval --split-labels names \
  --json "$work/torch.json" >/dev/null 2>&1
torch_seconds=$("$PY" -c "import json,sys; d=json.load(open(sys.argv[1])); print(d['epochs'][0]['train_seconds'] if 'epochs' in d else d['history'][0]['train_seconds'])" "$work/torch.json")
"$PY" - "$robust_seconds" "$torch_seconds" "$OUT/speed.json" <<'PYEOF'
import json, sys
robust, torch, out = float(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
result = {"shape": "tiny", "images": 55000, "batch": 128, "augment": "basic", "robust_seconds_per_epoch": robust,
          "torch_seconds_per_epoch": torch, "torch_over_robust": torch / robust}
json.dump(result, open(out, "w"), indent=1)
print(f"seconds per epoch: robust {robust:.1f}, PyTorch {torch:.1f} ({torch / robust:.2f}× robust's time)")
PYEOF
