"""Trains transformers' ViTForImageClassification on Fashion-MNIST in PyTorch (fp32, CPU), with robust's recipe,
as a same-machine reference for robust's ViT: accuracy per epoch and wall time per epoch.

Data: the official IDX files (/usr/share/datasets/fashion-mnist), pixels value/255 in [0, 1], normalised inside
the model with mean 0.2860, std 0.3530. Split: dev = 500 images per class (5,000) picked from the 60,000
training images by robust's rule (vitlib.stratified_pick: a per-class Fisher–Yates shuffle driven by a
transcription of robust's SeededRandom), train = the other 55,000 (or a stratified --subset of them); test =
the 10,000 official test images. The split follows robust's rule but is not guaranteed to be the same images
as robust's (that depends on the label names and seed robust uses); it does not need to be.

Recipe (every part a flag): AdamW lr 1e-3, betas (0.9, 0.999), eps 1e-8, weight decay 0.05 except on biases
and LayerNorm parameters (cls_token and position_embeddings are decayed unless --no-decay-embeddings), batch
128 (last batch of an epoch smaller), linear warmup over the first 5% of all steps then linear decay to 0,
global gradient-norm clip 1.0, 10 epochs, augmentation none | basic (horizontal flip p 0.5 + random 28×28
crop of the image zero-padded by 2). Initialisation: transformers' own (seeded with --seed).

Per epoch it prints the training wall time (evaluation excluded), train loss/accuracy, dev and test accuracy,
and writes a JSON summary with --json.

Examples:
  python bench/vit/torch_vit.py --shape tiny --epochs 10 --json bench/vit/out/tiny-s0.json --save bench/vit/out/tiny-s0
  python bench/vit/torch_vit.py --shape tiny --subset 5000 --augment basic --seed 1
  python bench/vit/torch_vit.py --init models/vit-w128 --epochs 20 --augment basic --split-labels names   # robust's init
  python bench/vit/torch_vit.py --shape tiny --max-steps 50 --no-eval    # time 50 steps, extrapolate an epoch
"""
import argparse
import json
import os
import sys
import time

import torch
import transformers

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vitlib  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    vitlib.add_recipe_flags(parser)
    parser.add_argument("--split-labels", choices=["digits", "names"], default="digits",
                        help="label names whose byte order sets the order classes are visited in the split")
    parser.add_argument("--init", help="start from this saved ViT folder (e.g. robust model init's) instead of "
                                       "transformers' own seeded initialisation of --shape")
    parser.add_argument("--keep-best", action="store_true",
                        help="as robust train: keep the weights of the epoch with the best dev accuracy (the first of "
                             "equals), save those and report their test accuracy as final")
    parser.add_argument("--no-test", action="store_true", help="evaluate dev only (faster)")
    parser.add_argument("--no-eval", action="store_true", help="no evaluation at all (timing runs)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    transformers.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()

    started = time.perf_counter()
    train_x, train_y, test_x, test_y = vitlib.load_fashion_mnist()
    names = vitlib.CLASS_NAMES if args.split_labels == "names" else None
    split_seed = args.seed if args.split_seed is None else args.split_seed
    train_idx, dev_idx = vitlib.splits(train_y.numpy(), split_seed, subset=args.subset, label_names=names)
    x, y = train_x[train_idx], train_y[train_idx]
    dev_x, dev_y = train_x[dev_idx], train_y[dev_idx]
    print(f"data: {len(y)} train, {len(dev_y)} dev, {len(test_y)} test "
          f"({time.perf_counter() - started:.1f}s to read)", flush=True)

    if args.init:
        model = vitlib.load(args.init, args.attn)
        config = model.vit.config
    else:
        config = vitlib.vit_config(args.shape)
        vit = transformers.ViTForImageClassification._from_config(config, attn_implementation=args.attn)
        model = vitlib.PixelModel(vit)
    parameters = sum(p.numel() for p in model.parameters())
    print(f"ViT {args.init or args.shape}: {parameters} parameters, {args.threads} threads", flush=True)

    best = {"dev": -1.0, "epoch": None, "state": None}

    def evaluate(epoch):
        if args.no_eval:
            return {}
        result = {"dev_accuracy": vitlib.accuracy(model, dev_x, dev_y, args.eval_batch)}
        if not args.no_test:
            result["test_accuracy"] = vitlib.accuracy(model, test_x, test_y, args.eval_batch)
        if args.keep_best and result["dev_accuracy"] > best["dev"]:
            best.update(dev=result["dev_accuracy"], epoch=epoch,
                        state={k: v.detach().clone() for k, v in model.state_dict().items()})
        return result

    rows, schedule = vitlib.train(model, x, y, args, evaluate, log=lambda s: print(s, flush=True))
    final = rows[-1] if rows else None
    if args.keep_best and best["state"] is not None:
        model.load_state_dict(best["state"])
        final = dict(rows[best["epoch"] - 1], best_dev_epoch=best["epoch"])
        print(f"kept epoch {best['epoch']} (best dev {best['dev']:.4f})", flush=True)
    summary = {
        "script": "bench/vit/torch_vit.py", "shape": args.shape, "init": args.init, "config": config.to_diff_dict(),
        "parameters": parameters, "args": vars(args), "versions": vitlib.versions(),
        "split": {"rule": "robust stratified: 500 per class dev, Fisher-Yates per class (SeededRandom)",
                  "seed": split_seed, "label_order": args.split_labels, "train": len(y), "dev": len(dev_y),
                  "test": len(test_y), "subset": args.subset},
        "schedule": schedule, "epochs": rows,
        "train_seconds_total": round(sum(r["train_seconds"] for r in rows), 2),
        "final": final,
    }
    if args.save:
        vitlib.save(model, args.save)
        summary["saved"] = args.save
        print(f"saved to {args.save}")
    if args.json:
        os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
        with open(args.json, "w") as f:
            json.dump(summary, f, indent=1)
        print(f"summary in {args.json}")


if __name__ == "__main__":
    main()
