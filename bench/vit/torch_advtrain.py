"""Madry PGD adversarial training of transformers' ViTForImageClassification on Fashion-MNIST (PyTorch, fp32,
CPU), as a same-machine reference for robust's adversarial training of its ViT.

Every training batch is replaced by its PGD adversarial examples (L∞ ε 0.1 in [0, 1] pixel space, PGD-7 with
step 2.5ε/7, uniform random start, cross-entropy, made in eval mode — the same as train mode here: dropout 0,
no batch norm), then one step of the recipe of torch_vit.py (AdamW, weight decay 0.05 except biases and
LayerNorm, warmup 5% then linear decay, clip 1.0, batch 128; every part a flag). It starts from a saved
checkpoint (--init FOLDER, e.g. one torch_vit.py or robust saved) or from scratch (--shape). Data and split as
torch_vit.py.

After each epoch (outside the timed part): clean dev and test accuracy, and PGD-20 accuracy (step 2.5ε/20,
random start; vitlib.pgd, which is torchattacks.PGD's algorithm) on the first --eval-count test images. For
APGD-CE on the result, run torch_attacks.py on the saved folder.

Examples:
  python bench/vit/torch_advtrain.py --init bench/vit/out/tiny-s0 --epochs 5 --save bench/vit/out/tiny-s0-adv --json bench/vit/out/tiny-s0-adv.json
  python bench/vit/torch_advtrain.py --shape tiny --epochs 10 --subset 5000
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
    parser.add_argument("--init", help="start from this save_pretrained folder (else from scratch, --shape)")
    parser.add_argument("--eps", type=float, default=0.1)
    parser.add_argument("--train-steps", type=int, default=7, help="PGD steps during training")
    parser.add_argument("--train-alpha", type=float, help="PGD step during training (default 2.5·ε / steps)")
    parser.add_argument("--eval-steps", type=int, default=20)
    parser.add_argument("--eval-count", type=int, default=1000, help="PGD-evaluate the first N test images")
    parser.add_argument("--split-labels", choices=["digits", "names"], default="digits")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    transformers.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()

    train_x, train_y, test_x, test_y = vitlib.load_fashion_mnist()
    names = vitlib.CLASS_NAMES if args.split_labels == "names" else None
    split_seed = args.seed if args.split_seed is None else args.split_seed
    train_idx, dev_idx = vitlib.splits(train_y.numpy(), split_seed, subset=args.subset, label_names=names)
    x, y = train_x[train_idx], train_y[train_idx]
    dev_x, dev_y = train_x[dev_idx], train_y[dev_idx]
    print(f"data: {len(y)} train, {len(dev_y)} dev, {len(test_y)} test", flush=True)

    if args.init:
        model = vitlib.load(args.init, args.attn)
        start = os.path.abspath(args.init)
    else:
        config = vitlib.vit_config(args.shape)
        model = vitlib.PixelModel(transformers.ViTForImageClassification._from_config(
            config, attn_implementation=args.attn))
        start = f"scratch ({args.shape}, seed {args.seed})"
    parameters = sum(p.numel() for p in model.parameters())
    print(f"start: {start}, {parameters} parameters", flush=True)

    train_alpha = args.train_alpha or 2.5 * args.eps / args.train_steps
    eval_alpha = 2.5 * args.eps / args.eval_steps
    attack_generator = torch.Generator().manual_seed(args.seed + 7)
    eval_x, eval_y = test_x[:args.eval_count], test_y[:args.eval_count]

    def adversary(pixels, labels):
        return vitlib.pgd(model, pixels, labels, args.eps, train_alpha, args.train_steps, True, attack_generator)

    def robust_accuracy():
        generator = torch.Generator().manual_seed(args.seed + 11)
        correct = 0
        model.eval()
        for i in range(0, len(eval_y), args.eval_batch):
            xb, yb = eval_x[i:i + args.eval_batch], eval_y[i:i + args.eval_batch]
            adversarial = vitlib.pgd(model, xb, yb, args.eps, eval_alpha, args.eval_steps, True, generator)
            with torch.no_grad():
                clean = model(xb).argmax(-1) == yb
                correct += (clean & (model(adversarial).argmax(-1) == yb)).sum().item()
        return correct / max(len(eval_y), 1)

    def evaluate(epoch):
        result = {"dev_accuracy": vitlib.accuracy(model, dev_x, dev_y, args.eval_batch),
                  "test_accuracy": vitlib.accuracy(model, test_x, test_y, args.eval_batch)}
        if args.eval_count:
            result[f"test_pgd{args.eval_steps}_accuracy_first{len(eval_y)}"] = robust_accuracy()
        return result

    initial = {}
    if args.init and args.eval_count:
        t = time.perf_counter()
        initial = evaluate(0)
        initial["eval_seconds"] = round(time.perf_counter() - t, 3)
        print("before: " + json.dumps(initial), flush=True)

    rows, schedule = vitlib.train(model, x, y, args, evaluate, adversary=adversary,
                                  log=lambda s: print(s, flush=True))
    summary = {
        "script": "bench/vit/torch_advtrain.py", "start": start, "parameters": parameters, "args": vars(args),
        "versions": vitlib.versions(), "config": model.vit.config.to_diff_dict(),
        "adversarial_training": {"eps": args.eps, "steps": args.train_steps, "alpha": train_alpha,
                                 "random_start": True, "fraction_adversarial": 1.0},
        "evaluation": {"pgd_steps": args.eval_steps, "alpha": eval_alpha, "count": len(eval_y)},
        "split": {"seed": split_seed, "label_order": args.split_labels, "train": len(y), "dev": len(dev_y),
                  "subset": args.subset},
        "schedule": schedule, "before": initial, "epochs": rows,
        "train_seconds_total": round(sum(r["train_seconds"] for r in rows), 2),
        "final": rows[-1] if rows else None,
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
