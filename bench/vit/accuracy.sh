#!/usr/bin/env bash
# accuracy.sh: a ViT trained from scratch on Fashion-MNIST by robust and by PyTorch (transformers'
# ViTForImageClassification, fp32, 2 threads) with the same recipe from the same initial weights: robust model
# init writes a seeded random ViT of the given shape; robust train and bench/vit/torch_vit.py --init each train it
# (AdamW lr 1e-3, weight decay 0.05, batch 128, warmup 5% then linear decay, clip 1.0, image-basic = flip + crop
# with 2-pixel padding), one after the other, nothing else meant to run. Prints per-epoch dev accuracy, the test
# accuracy and seconds per epoch (training steps only) of each; writes bench/vit/out/accuracy-NAME/summary.json.
#   bench/vit/accuracy.sh NAME EPOCHS "INIT FLAGS" [ROBUST] [PYTHON]
# e.g.
#   bench/vit/accuracy.sh w128 20 "--size tiny --hidden-size 128 --intermediate-size 256"
set -euo pipefail
cd "$(dirname "$0")/../.."
NAME=${1:?name}; EPOCHS=${2:-20}; INIT_FLAGS=${3:-"--size tiny"}
ROBUST=${4:-.build/release/robust}; PY=${5:-.textattack/venv/bin/python}
OUT=bench/vit/out/accuracy-$NAME
mkdir -p "$OUT"
"$ROBUST" data fetch fashion-mnist >/dev/null
# shellcheck disable=SC2086
[ -f "$OUT/init/model.safetensors" ] || "$ROBUST" model init --family vit $INIT_FLAGS --data fashion-mnist --seed 1 --out "$OUT/init"
if ! grep -q '"test"' "$OUT/robust/training.json" 2>/dev/null; then
  "$ROBUST" train --model "$OUT/init" --data fashion-mnist --out "$OUT/robust" --epochs "$EPOCHS" --batch-size 128 --lr 1e-3 \
    --weight-decay 0.05 --warmup-ratio 0.05 --patience 0 --seed 1 --augment image-basic --db "$OUT/runs.db" --overwrite \
    > "$OUT/robust.log" 2>&1
fi
if [ ! -f "$OUT/torch.json" ]; then
  "$PY" bench/vit/torch_vit.py --init "$OUT/init" --epochs "$EPOCHS" --augment basic --seed 1 --split-labels names \
    --save "$OUT/torch" --json "$OUT/torch.json" > "$OUT/torch.log" 2>&1
fi
"$PY" - "$OUT" <<'PYEOF'
import json, re, sys
out = sys.argv[1]
robust = json.load(open(f"{out}/robust/training.json"))
torch = json.load(open(f"{out}/torch.json"))
seconds = [float(s) for s in re.search(r"seconds per epoch \(training steps only\): (.*)", open(f"{out}/robust.log").read()).group(1).split(", ")]
r_dev = [h["dev_accuracy"] for h in robust["history"]]
t_dev = [e["dev_accuracy"] for e in torch["epochs"]]
t_sec = [e["train_seconds"] for e in torch["epochs"]]
print("epoch  robust dev  torch dev")
for i, (a, b) in enumerate(zip(r_dev, t_dev), 1):
    print(f"{i:5d}  {a:10.4f}  {b:9.4f}")
summary = {
    "robust": {"test_accuracy_best_dev": robust["test"]["report"]["accuracy"], "best": robust["best"],
               "final_dev": r_dev[-1], "seconds_per_epoch": seconds, "mean_seconds_per_epoch": sum(seconds) / len(seconds)},
    "torch": {"test_accuracy_final": torch["final"].get("test_accuracy"), "final_dev": t_dev[-1],
              "best_dev": max(t_dev), "seconds_per_epoch": t_sec, "mean_seconds_per_epoch": sum(t_sec) / len(t_sec)},
}
json.dump(summary, open(f"{out}/summary.json", "w"), indent=1)
r, t = summary["robust"], summary["torch"]
print(f"robust: test {r['test_accuracy_best_dev']:.4f} (best dev checkpoint), final dev {r['final_dev']:.4f}, "
      f"{r['mean_seconds_per_epoch']:.1f} s/epoch")
print(f"torch:  test {t['test_accuracy_final']:.4f} (final model), final dev {t['final_dev']:.4f}, "
      f"{t['mean_seconds_per_epoch']:.1f} s/epoch ({t['mean_seconds_per_epoch'] / r['mean_seconds_per_epoch']:.2f}× robust's time)")
PYEOF
