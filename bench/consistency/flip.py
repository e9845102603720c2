#!/usr/bin/env python3
"""How often an augmentation changes a model's prediction: each recipe makes one copy of each of N training
examples (robust augment --per-example 1 --train-subset N), and the model predicts the original and the copy.
A copy whose prediction flipped under a good model has likely changed its label, so consistency training on it
teaches a wrong invariance.
    python3 bench/consistency/flip.py --model CKPT [--data mr] [--sample 500] RECIPE..."""
import argparse, json, os, subprocess, tempfile

def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", required=True)
    parser.add_argument("--data", default="mr")
    parser.add_argument("--sample", type=int, default=500)
    parser.add_argument("--robust", default=os.environ.get("ROBUST", os.path.join(os.path.dirname(__file__), "../../.build/release/robust")))
    parser.add_argument("recipes", nargs="+")
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="flip-")
    for recipe in args.recipes:
        out = os.path.join(work, os.path.basename(recipe).replace(".yaml", ""))
        subprocess.run([args.robust, "augment", "--data", args.data, "--recipe", recipe, "--per-example", "1",
                        "--train-subset", str(args.sample), "--seed", "7", "--out", out, "--db", os.path.join(work, "a.db")],
                       check=True, capture_output=True)
        # The subset's originals are the texts of the split before augmentation: read them from a plain subset.
        base = out + "-none"
        subprocess.run([args.robust, "augment", "--data", args.data, "--recipe", "none", "--train-subset", str(args.sample),
                        "--seed", "7", "--out", base, "--db", os.path.join(work, "a.db")], check=True, capture_output=True)
        originals = set(json.loads(l)["text"] for l in open(os.path.join(base, "train.jsonl")))
        rows = [json.loads(l)["text"] for l in open(os.path.join(out, "train.jsonl"))]
        pairs = [(rows[i - 1], rows[i]) for i in range(1, len(rows)) if rows[i] not in originals and rows[i - 1] in originals]
        texts = [t.replace("\n", " ") for pair in pairs for t in pair]
        result = subprocess.run([args.robust, "predict", "--model", args.model, "--json", "-"], input="\n".join(texts),
                                capture_output=True, text=True, check=True)
        labels = [json.loads(line)["label"] for line in result.stdout.splitlines() if line.strip()]
        flips = sum(labels[2 * i] != labels[2 * i + 1] for i in range(len(pairs)))
        print(f"{recipe}: {flips} of {len(pairs)} copies change the prediction ({flips / len(pairs) * 100:.1f}%)")

main()
