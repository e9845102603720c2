"""Clean and adversarial accuracy of a saved ViTForImageClassification on Fashion-MNIST, with torchattacks, as a
same-machine reference for robust's pixel attacks.

The folder is anything save_pretrained wrote (robust's or torch_vit.py's: the same format): config.json,
model.safetensors and, if present, preprocessor_config.json, whose image_mean / image_std (Fashion-MNIST's
0.2860 / 0.3530 otherwise) normalise inside the wrapped model, so that attacks work on pixels in [0, 1].

On the first --count official test images (default 1,000): clean accuracy; accuracy under PGD-20 (L∞
ε 0.1, step 2.5ε/20 = 0.0125, uniform random start, torchattacks.PGD); under APGD-CE (torchattacks.APGD,
norm Linf, ε 0.1, 100 iterations, 1 restart, loss 'ce', rho 0.75); and under the worst of the two per
image. Adversarial images are checked to lie in the ε-ball and in [0, 1]. JSON output with --json.

Example:
  python bench/vit/torch_attacks.py bench/vit/out/tiny-s0 --count 1000 --json bench/vit/out/tiny-s0-attacks.json
"""
import argparse
import json
import os
import sys
import time

import torch
import torchattacks
import transformers

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vitlib  # noqa: E402


def run_attack(attack, model, images, labels, batch, eps):
    """Adversarial images, batch by batch; returns per-image correctness and seconds."""
    started = time.perf_counter()
    correct = []
    worst_distance = 0.0
    for i in range(0, len(labels), batch):
        x, y = images[i:i + batch], labels[i:i + batch]
        adversarial = attack(x, y)
        distance = (adversarial - x).abs().max().item()
        worst_distance = max(worst_distance, distance)
        assert distance <= eps + 1e-6, distance
        assert adversarial.min().item() >= 0 and adversarial.max().item() <= 1
        with torch.no_grad():
            correct.append(model(adversarial).argmax(-1) == y)
    return torch.cat(correct), time.perf_counter() - started, worst_distance


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("model", help="a save_pretrained ViTForImageClassification folder")
    parser.add_argument("--count", type=int, default=1000, help="the first N official test images")
    parser.add_argument("--eps", type=float, default=0.1)
    parser.add_argument("--pgd-steps", type=int, default=20)
    parser.add_argument("--pgd-alpha", type=float, help="PGD step (default 2.5·ε / steps)")
    parser.add_argument("--apgd-steps", type=int, default=100)
    parser.add_argument("--apgd-restarts", type=int, default=1)
    parser.add_argument("--attacks", default="pgd,apgd-ce", help="comma list of pgd, apgd-ce")
    parser.add_argument("--batch", type=int, default=250)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--attn", default="sdpa", choices=["sdpa", "eager"])
    parser.add_argument("--json", help="write the results here")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    transformers.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()

    model = vitlib.load(args.model, args.attn).eval()
    for p in model.parameters():
        p.requires_grad_(False)
    _, _, test_x, test_y = vitlib.load_fashion_mnist()
    images, labels = test_x[:args.count], test_y[:args.count]
    if model.vit.config.num_channels != 1 or model.vit.config.image_size != 28:
        raise SystemExit("expects a 28×28 one-channel Fashion-MNIST model")

    started = time.perf_counter()
    with torch.no_grad():
        clean = torch.cat([model(images[i:i + args.batch]).argmax(-1) == labels[i:i + args.batch]
                           for i in range(0, len(labels), args.batch)])
    results = {"script": "bench/vit/torch_attacks.py", "model": os.path.abspath(args.model), "count": len(labels),
               "eps": args.eps, "normalisation": {"mean": model.mean.flatten().tolist(),
                                                  "std": model.std.flatten().tolist()},
               "args": vars(args), "versions": {**vitlib.versions(), "torchattacks": torchattacks.__version__},
               "clean_accuracy": clean.float().mean().item(),
               "clean_seconds": round(time.perf_counter() - started, 3), "attacks": {}}
    print(f"clean accuracy {results['clean_accuracy']:.4f} on {len(labels)} test images", flush=True)

    worst = clean.clone()
    for name in [a.strip() for a in args.attacks.split(",") if a.strip()]:
        if name == "pgd":
            alpha = args.pgd_alpha or 2.5 * args.eps / args.pgd_steps
            attack = torchattacks.PGD(model, eps=args.eps, alpha=alpha, steps=args.pgd_steps, random_start=True)
            settings = {"steps": args.pgd_steps, "alpha": alpha, "random_start": True}
            key = f"pgd{args.pgd_steps}"
        elif name == "apgd-ce":
            attack = torchattacks.APGD(model, norm="Linf", eps=args.eps, steps=args.apgd_steps,
                                       n_restarts=args.apgd_restarts, seed=args.seed, loss="ce", rho=0.75)
            settings = {"steps": args.apgd_steps, "restarts": args.apgd_restarts, "loss": "ce", "rho": 0.75}
            key = "apgd-ce"
        else:
            raise SystemExit(f"unknown attack {name}")
        correct, seconds, distance = run_attack(attack, model, images, labels, args.batch, args.eps)
        correct &= clean
        worst &= correct
        results["attacks"][key] = {"accuracy": correct.float().mean().item(), "seconds": round(seconds, 2),
                                   "max_linf": distance, **settings}
        print(f"{key}: accuracy {correct.float().mean().item():.4f} ({seconds:.1f}s, max L∞ {distance:.4f})",
              flush=True)
    results["worst_case_accuracy"] = worst.float().mean().item()
    print(f"worst case over the attacks: {results['worst_case_accuracy']:.4f}")
    if args.json:
        os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)
        print(f"results in {args.json}")


if __name__ == "__main__":
    main()
