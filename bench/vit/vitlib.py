"""Shared parts of the PyTorch ViT references (torch_vit.py, torch_attacks.py, torch_advtrain.py).

Fashion-MNIST read straight from the IDX .gz files, robust's split rule, the ViT shapes, the pixel-space
wrapper (pixels in [0, 1], normalised inside the model), the training recipe (AdamW, warmup then linear
decay, clipping, augmentation) and PGD.
"""
import gzip
import json
import math
import os
import platform
import struct
import time

import numpy as np
import torch
import transformers
from torch import nn

DATA = "/usr/share/datasets/fashion-mnist"
MEAN, STD = 0.2860, 0.3530
CLASS_NAMES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
               "Ankle boot"]

SHAPES = {
    # image 28, patch 4 → 49 patches + [CLS]
    "tiny": dict(hidden_size=64, num_hidden_layers=6, num_attention_heads=4, intermediate_size=128),
    # robust model init --size tiny --hidden-size 128 --intermediate-size 256
    "w128": dict(hidden_size=128, num_hidden_layers=6, num_attention_heads=4, intermediate_size=256),
    "small": dict(hidden_size=192, num_hidden_layers=6, num_attention_heads=3, intermediate_size=384),
}


# ---------------------------------------------------------------- data

def read_idx(path):
    """An IDX file (gzip'd): uint8 images [N, rows, cols] (magic 2051) or labels [N] (magic 2049)."""
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic, = struct.unpack(">i", data[:4])
    if magic == 2051:
        n, rows, cols = struct.unpack(">iii", data[4:16])
        return np.frombuffer(data, dtype=np.uint8, offset=16).reshape(n, rows, cols)
    if magic == 2049:
        n, = struct.unpack(">i", data[4:8])
        return np.frombuffer(data, dtype=np.uint8, offset=8).reshape(n)
    raise ValueError(f"{path}: not an IDX image or label file (magic {magic})")


def load_fashion_mnist(root=DATA):
    """(train images, train labels, test images, test labels); images float32 [N, 1, 28, 28] in [0, 1]."""
    def images(name):
        return torch.from_numpy(read_idx(os.path.join(root, name)).astype(np.float32) / 255.0).unsqueeze(1)

    def labels(name):
        return torch.from_numpy(read_idx(os.path.join(root, name)).astype(np.int64))

    return (images("train-images-idx3-ubyte.gz"), labels("train-labels-idx1-ubyte.gz"),
            images("t10k-images-idx3-ubyte.gz"), labels("t10k-labels-idx1-ubyte.gz"))


class SeededRandom:
    """A transcription of robust's Basics.SeededRandom (SplitMix64) and its `next(below:)`, the draw robust's
    dataset splits use."""
    MASK = (1 << 64) - 1

    def __init__(self, seed):
        self.state = seed & self.MASK

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & self.MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & self.MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & self.MASK
        return z ^ (z >> 31)

    def below(self, bound):
        limit = self.MASK - self.MASK % bound
        while True:
            value = self.next()
            if value < limit:
                return value % bound


def stratified_pick(labels, per_class, seed, label_names=None):
    """Indices (sorted) of `per_class` examples of each label, picked as robust's stratifiedSplit picks its dev
    split: labels visited in the byte order of their names, a Fisher–Yates shuffle of each label's indices
    (in input order) driven by one SeededRandom(seed), the first `per_class` after the shuffle."""
    labels = np.asarray(labels)
    names = label_names or [str(i) for i in range(int(labels.max()) + 1)]
    generator = SeededRandom(seed)
    chosen = []
    for label in sorted(range(len(names)), key=lambda i: names[i].encode()):
        indices = list(np.nonzero(labels == label)[0])
        n = len(indices)
        for i in range(n - 1, 0, -1):
            j = generator.below(i + 1)
            indices[i], indices[j] = indices[j], indices[i]
        chosen.extend(int(i) for i in indices[:per_class])
    return np.array(sorted(chosen), dtype=np.int64)


def splits(train_labels, seed, dev_per_class=500, subset=None, label_names=None):
    """(train indices, dev indices) into the official 60,000 training images: dev = `dev_per_class` per class
    (5,000), train = the other 55,000, or a stratified `subset` of them (subset / 10 per class, picked the same
    way with seed + 1)."""
    dev = stratified_pick(train_labels, dev_per_class, seed, label_names)
    mask = np.ones(len(train_labels), dtype=bool)
    mask[dev] = False
    train = np.nonzero(mask)[0]
    if subset:
        classes = int(np.asarray(train_labels).max()) + 1
        if subset % classes:
            raise SystemExit(f"--subset {subset} must be a multiple of {classes}")
        picked = stratified_pick(np.asarray(train_labels)[train], subset // classes, seed + 1, label_names)
        train = train[picked]
    return train, dev


# ---------------------------------------------------------------- model

def vit_config(shape, image_size=28, patch_size=4, num_labels=10, **overrides):
    base = dict(image_size=image_size, patch_size=patch_size, num_channels=1, hidden_act="gelu",
                hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0, qkv_bias=True, layer_norm_eps=1e-12,
                id2label={i: n for i, n in enumerate(CLASS_NAMES[:num_labels])},
                label2id={n: i for i, n in enumerate(CLASS_NAMES[:num_labels])},
                problem_type="single_label_classification")
    base.update(SHAPES[shape])
    base.update(overrides)
    return transformers.ViTConfig(**base)


class PixelModel(nn.Module):
    """pixels [N, C, H, W] in [0, 1] → logits; the normalisation (pixels - mean) / std is inside."""

    def __init__(self, vit, mean=MEAN, std=STD):
        super().__init__()
        self.vit = vit
        channels = vit.config.num_channels
        mean = mean if isinstance(mean, (list, tuple)) else [mean] * channels
        std = std if isinstance(std, (list, tuple)) else [std] * channels
        self.image_mean, self.image_std = [float(m) for m in mean], [float(s) for s in std]
        self.register_buffer("mean", torch.tensor(mean, dtype=torch.float32).view(1, -1, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor(std, dtype=torch.float32).view(1, -1, 1, 1), persistent=False)

    def forward(self, pixels):
        return self.vit(pixel_values=(pixels - self.mean) / self.std).logits


def image_processor(image_size, mean, std):
    cls = getattr(transformers, "ViTImageProcessorPil", None) or transformers.ViTImageProcessor
    return cls(do_resize=False, size={"height": image_size, "width": image_size}, do_rescale=True,
               rescale_factor=1 / 255, do_normalize=True, image_mean=list(mean), image_std=list(std))


def save(model, folder):
    """save_pretrained (config.json + model.safetensors) and the preprocessor_config.json robust reads."""
    os.makedirs(folder, exist_ok=True)
    model.vit.save_pretrained(folder)
    image_processor(model.vit.config.image_size, model.image_mean, model.image_std).save_pretrained(folder)


def load(folder, attn="sdpa"):
    """A saved ViTForImageClassification folder (robust's or torch's) as a PixelModel, with the mean and std
    of its preprocessor_config.json (Fashion-MNIST's if there is none)."""
    vit = transformers.ViTForImageClassification.from_pretrained(folder, attn_implementation=attn)
    mean, std = MEAN, STD
    path = os.path.join(folder, "preprocessor_config.json")
    if os.path.exists(path):
        with open(path) as f:
            processor = json.load(f)
        if processor.get("do_normalize", True):
            mean, std = processor.get("image_mean", mean), processor.get("image_std", std)
        else:
            mean, std = 0.0, 1.0
    return PixelModel(vit, mean, std)


def no_decay_names(model, embeddings_too=False):
    """Names ending in 'bias' and nn.LayerNorm parameters (as bench/fixtures/make_model_fixtures.py); with
    `embeddings_too`, also cls_token and position_embeddings."""
    names = set()
    for module_name, module in model.named_modules():
        if isinstance(module, nn.LayerNorm):
            for parameter_name, _ in module.named_parameters(recurse=False):
                names.add(f"{module_name}.{parameter_name}" if module_name else parameter_name)
    for name, _ in model.named_parameters():
        if name.endswith("bias") or (embeddings_too and (name.endswith("cls_token")
                                                         or name.endswith("position_embeddings"))):
            names.add(name)
    return names


def optimiser_and_schedule(model, args, total_steps):
    skip = no_decay_names(model, args.no_decay_embeddings)
    decay = [p for n, p in model.named_parameters() if n not in skip]
    no_decay = [p for n, p in model.named_parameters() if n in skip]
    optimiser = torch.optim.AdamW([{"params": decay, "weight_decay": args.weight_decay},
                                   {"params": no_decay, "weight_decay": 0.0}],
                                  lr=args.lr, betas=(args.beta1, args.beta2), eps=args.adam_eps)
    warmup = int(round(args.warmup * total_steps))
    schedule = transformers.get_linear_schedule_with_warmup(optimiser, num_warmup_steps=warmup,
                                                            num_training_steps=total_steps)
    return optimiser, schedule, warmup


def add_recipe_flags(parser, epochs=10):
    parser.add_argument("--shape", choices=sorted(SHAPES), default="tiny")
    parser.add_argument("--epochs", type=int, default=epochs)
    parser.add_argument("--subset", type=int, help="train on a stratified subset of N training images")
    parser.add_argument("--augment", choices=["none", "basic"], default="none",
                        help="basic: horizontal flip p 0.5 + random crop 28 from zero padding 2")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--split-seed", type=int, help="seed of the dev split (default: --seed)")
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--beta1", type=float, default=0.9)
    parser.add_argument("--beta2", type=float, default=0.999)
    parser.add_argument("--adam-eps", type=float, default=1e-8)
    parser.add_argument("--weight-decay", type=float, default=0.05)
    parser.add_argument("--no-decay-embeddings", action="store_true",
                        help="also exempt cls_token and position_embeddings from weight decay (default: decayed)")
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--warmup", type=float, default=0.05, help="warmup fraction of all steps")
    parser.add_argument("--clip", type=float, default=1.0, help="global gradient-norm clip (0: none)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--attn", default="sdpa", choices=["sdpa", "eager"])
    parser.add_argument("--max-steps", type=int,
                        help="stop after this many optimiser steps (timing); the schedule still spans all epochs")
    parser.add_argument("--eval-batch", type=int, default=500)
    parser.add_argument("--json", help="write the summary here")
    parser.add_argument("--save", help="save_pretrained the final model (+ preprocessor_config.json) here")


# ---------------------------------------------------------------- training pieces

def augment_basic(pixels, generator, pad=2):
    """Random horizontal flip (p 0.5) and a random 28×28 crop of the image zero-padded by `pad` (pixel space)."""
    n, c, h, w = pixels.shape
    flip = torch.rand(n, generator=generator) < 0.5
    pixels = torch.where(flip.view(n, 1, 1, 1), pixels.flip(-1), pixels)
    padded = torch.nn.functional.pad(pixels, (pad, pad, pad, pad))
    dy = torch.randint(0, 2 * pad + 1, (n,), generator=generator)
    dx = torch.randint(0, 2 * pad + 1, (n,), generator=generator)
    rows = (dy.view(n, 1) + torch.arange(h).view(1, h)).view(n, 1, h, 1).expand(n, c, h, w)
    cols = (dx.view(n, 1) + torch.arange(w).view(1, w)).view(n, 1, 1, w).expand(n, c, h, w)
    batch = torch.arange(n).view(n, 1, 1, 1).expand(n, c, h, w)
    channel = torch.arange(c).view(1, c, 1, 1).expand(n, c, h, w)
    return padded[batch, channel, rows, cols]


def pgd(model, pixels, labels, eps, alpha, steps, random_start=True, generator=None):
    """L∞ PGD on the cross-entropy (Madry et al.), in [0, 1] pixel space: uniform start in the ε-ball,
    `steps` signed-gradient steps of `alpha`, projection onto the ball and [0, 1]. Same as torchattacks.PGD."""
    was_training = model.training
    model.eval()
    x0 = pixels.detach()
    x = x0.clone()
    if random_start:
        noise = torch.rand(x.shape, generator=generator) * 2 - 1 if generator is not None else \
            torch.empty_like(x).uniform_(-1, 1)
        x = (x + eps * noise).clamp(0, 1)
    for _ in range(steps):
        x.requires_grad_(True)
        loss = nn.functional.cross_entropy(model(x), labels)
        grad, = torch.autograd.grad(loss, x)
        x = x.detach() + alpha * grad.sign()
        x = (x0 + (x - x0).clamp(-eps, eps)).clamp(0, 1).detach()
    model.train(was_training)
    return x


@torch.no_grad()
def accuracy(model, pixels, labels, batch=500):
    model.eval()
    correct = 0
    for i in range(0, len(labels), batch):
        correct += (model(pixels[i:i + batch]).argmax(-1) == labels[i:i + batch]).sum().item()
    return correct / max(len(labels), 1)


def versions():
    return {"torch": torch.__version__, "transformers": transformers.__version__, "numpy": np.__version__,
            "python": platform.python_version(), "machine": platform.machine(), "cpus": os.cpu_count()}


def train(model, images, labels, args, evaluate, adversary=None, log=print):
    """The recipe: per epoch a seeded shuffle, batches of args.batch (the last one smaller), optional
    augmentation, optional adversary (pixels, labels) → pixels, mean cross-entropy, backward, clip, AdamW,
    schedule step. `evaluate(epoch)` runs after each epoch, outside the timed part. Returns per-epoch rows."""
    steps_per_epoch = math.ceil(len(labels) / args.batch)
    total = steps_per_epoch * args.epochs
    optimiser, schedule, warmup = optimiser_and_schedule(model, args, total)
    generator = torch.Generator().manual_seed(args.seed)
    rows = []
    step = 0
    log(f"{len(labels)} training images, {steps_per_epoch} steps/epoch, {total} steps, warmup {warmup}")
    for epoch in range(1, args.epochs + 1):
        model.train()
        started, cpu_started = time.perf_counter(), time.process_time()
        order = torch.randperm(len(labels), generator=generator)
        loss_sum, correct, seen, attack_seconds = 0.0, 0, 0, 0.0
        stopped = False
        for b in range(steps_per_epoch):
            index = order[b * args.batch:(b + 1) * args.batch]
            x, y = images[index], labels[index]
            if args.augment == "basic":
                x = augment_basic(x, generator)
            if adversary is not None:
                t = time.perf_counter()
                x = adversary(x, y)
                attack_seconds += time.perf_counter() - t
                model.train()
            logits = model(x)
            loss = nn.functional.cross_entropy(logits, y)
            optimiser.zero_grad(set_to_none=True)
            loss.backward()
            norm = torch.nn.utils.clip_grad_norm_(model.parameters(), args.clip) if args.clip > 0 else None
            optimiser.step()
            schedule.step()
            step += 1
            loss_sum += loss.item() * len(y)
            correct += (logits.argmax(-1) == y).sum().item()
            seen += len(y)
            if args.max_steps and step >= args.max_steps:
                stopped = True
                break
        seconds = time.perf_counter() - started
        cpu = time.process_time() - cpu_started
        row = {"epoch": epoch, "steps": b + 1, "train_seconds": round(seconds, 3),
               "seconds_per_step": round(seconds / (b + 1), 5),
               # CPU time of this process (all threads): on a shared, loaded machine the wall time above
               # includes waiting for a core; cpu_seconds / threads is what the epoch would take uncontended
               # with perfect thread scaling.
               "cpu_seconds": round(cpu, 3),
               "train_loss": loss_sum / seen, "train_accuracy": correct / seen,
               "lr_end": optimiser.param_groups[0]["lr"]}
        if adversary is not None:
            row["attack_seconds"] = round(attack_seconds, 3)
        if stopped:
            row["extrapolated_epoch_seconds"] = round(seconds / (b + 1) * steps_per_epoch, 1)
            row["extrapolated_epoch_cpu_seconds"] = round(cpu / (b + 1) * steps_per_epoch, 1)
        t = time.perf_counter()
        row.update(evaluate(epoch))
        row["eval_seconds"] = round(time.perf_counter() - t, 3)
        rows.append(row)
        log(json.dumps(row))
        if stopped:
            break
    return rows, {"steps_per_epoch": steps_per_epoch, "total_steps": total, "warmup_steps": warmup}
