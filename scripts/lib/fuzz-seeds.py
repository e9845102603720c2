#!/usr/bin/env python3
"""fuzz-seeds.py: writes the text seeds of Fuzz/Corpus (the fuzz suite's committed seed corpora) from files of
the repository — tokenizer fixtures shrunk to a few hundred tokens, the family fixtures' config.json, the
dataset fixtures, the attack and augmentation recipes, the baselines — each in its target's input layout
(see the header of Fuzz/Targets/<Target>/*.swift). Run by scripts/make-fuzz-seeds.sh.

Usage: fuzz-seeds.py REPOSITORY_ROOT CORPUS_FOLDER
"""
import base64
import glob
import json
import os
import struct
import sys

root, corpus = sys.argv[1], sys.argv[2]
TEXT = "Hello, world! Ünïcödé naïve café 日本語 🤗 don't [MASK] <s>\nsecond text, with\ttabs"


def write(target, name, data):
    folder = os.path.join(corpus, target)
    os.makedirs(folder, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


def read(path):
    with open(os.path.join(root, path), "rb") as f:
        return f.read()


def compact(obj):
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def shrink(tokenizer, keep):
    """Keeps the tokens with id < keep (the fixtures number their special tokens first) and the merges among them."""
    model = tokenizer["model"]
    if model["type"] == "Unigram":
        model["vocab"] = model["vocab"][:keep]
    else:
        model["vocab"] = {token: i for token, i in model["vocab"].items() if i < keep}
        if "merges" in model:
            kept = model["vocab"]
            merges = []
            for merge in model["merges"]:
                left, right = merge if isinstance(merge, list) else merge.split(" ", 1)
                if left in kept and right in kept and left + right in kept:
                    merges.append(merge)
            model["merges"] = merges
    tokenizer["added_tokens"] = [t for t in tokenizer["added_tokens"] if t["id"] < keep]
    return tokenizer


def tiny_charsmap():
    """A Darts-clone trie of one-byte keys (root base 0; each key's value unit 256 units after it) and its
    NUL-terminated replacements, in sentencepiece's precompiled_charsmap layout."""
    replacements = {ord("A"): "a", ord("B"): "b", ord("\t"): " ", ord("x"): "", 0xC3: "?"}
    blob, offsets = b"", {}
    for key, text in sorted(replacements.items()):
        offsets[key] = len(blob)
        blob += text.encode("utf-8") + b"\0"
    units = [0] * 512
    for key in replacements:
        units[key] = key | (1 << 8) | (256 << 10)          # label, has-leaf, offset 256 to the value unit
        units[key ^ 256] = (1 << 31) | offsets[key]         # the value: where its replacement starts
    trie = struct.pack("<%dI" % len(units), *units)
    return base64.b64encode(struct.pack("<I", len(trie)) + trie + blob).decode("ascii")


# tokenizer: selector byte (0 tokenizer.json, 1 vocab.txt, 2 vocab.json + merges.txt; +4 with tokenizer_config.json),
# then NUL-separated parts, the text last.
fixtures = "Tests/Fixtures/tokenizers"
for name, keep in [("wordpiece", 120), ("bytelevel", 300), ("metaspace", 330), ("unigram", 120)]:
    tokenizer = shrink(json.loads(read(f"{fixtures}/{name}/tokenizer.json")), keep)
    write("tokenizer", name, b"\0" + compact(tokenizer) + b"\0" + TEXT.encode())
    if name == "unigram":
        tokenizer["normalizer"] = {"type": "Sequence", "normalizers": [
            {"type": "Precompiled", "precompiled_charsmap": tiny_charsmap()}, {"type": "Strip", "strip_left": False, "strip_right": True}]}
        write("tokenizer", "precompiled", b"\0" + compact(tokenizer) + b"\0" + TEXT.encode())
    if name == "bytelevel":
        vocab = compact(tokenizer["model"]["vocab"])
        merges = "#version: 0.2\n" + "\n".join(m if isinstance(m, str) else " ".join(m) for m in tokenizer["model"]["merges"]) + "\n"
        write("tokenizer", "vocab-json-merges", b"\2" + vocab + b"\0" + merges.encode() + b"\0" + TEXT.encode())
wordpiece_config = read(f"{fixtures}/wordpiece/tokenizer_config.json")
write("tokenizer", "wordpiece-config", b"\4" + compact(shrink(json.loads(read(f"{fixtures}/wordpiece/tokenizer.json")), 120))
      + b"\0" + wordpiece_config + b"\0" + TEXT.encode())
write("tokenizer", "vocab-txt", b"\1" + read("Tests/Fixtures/gate/model/vocab.txt") + b"\0" + TEXT.encode())
write("tokenizer", "vocab-txt-config", b"\5" + read("Tests/Fixtures/gate/model/vocab.txt") + b"\0"
      + read("Tests/Fixtures/gate/model/tokenizer_config.json") + b"\0" + TEXT.encode())

# config: the family fixtures' config.json, and the tiny classifier's.
for path in sorted(glob.glob(os.path.join(root, "Tests/Fixtures/families/*/model/config.json"))):
    write("config", path.split(os.sep)[-3], read(os.path.relpath(path, root)))
write("config", "tiny_bert_cls", read("Tests/Fixtures/tiny_bert_cls/config.json"))

# safetensors: hand-made headers (the family checkpoints are added by fuzz-make-seeds).
def safetensors(header, data):
    text = header.encode()
    return struct.pack("<Q", len(text)) + text + data
write("safetensors", "empty", safetensors("{}", b""))
write("safetensors", "meta", safetensors('{"__metadata__":{"format":"pt"}}', b""))
write("safetensors", "f32", safetensors('{"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}', b"\0\0\x80\x3f\0\0\0\x40"))
write("safetensors", "mixed", safetensors('{"b":{"dtype":"BF16","shape":[1],"data_offsets":[2,4]},"h":{"dtype":"F16","shape":[1],'
                                          '"data_offsets":[0,2]},"i":{"dtype":"I64","shape":[1,0],"data_offsets":[4,4]}}', b"\0\x3c\x80\x3f"))

# datasets: format byte (0 CSV, 1 TSV, 2 JSONL), then the file.
for path in sorted(glob.glob(os.path.join(root, "Tests/Fixtures/datasets/*"))):
    name = os.path.basename(path)
    extension = name.rsplit(".", 1)[-1]
    if extension in ("csv", "tsv", "jsonl"):
        write("datasets", name, bytes([("csv", "tsv", "jsonl").index(extension)]) + read(os.path.relpath(path, root)))
write("datasets", "gate-data.csv", b"\0" + read("Tests/Fixtures/gate/data.csv")[:3000])

# images: reader byte (0 image file, 1 IDX images, 2 IDX labels, 3 image split file), then the file.
for path in sorted(glob.glob(os.path.join(root, "Tests/Fixtures/images/*.png")) + glob.glob(os.path.join(root, "Tests/Fixtures/images/*.jpg"))):
    write("images", os.path.basename(path), b"\0" + read(os.path.relpath(path, root)))


def idx(magic, dimensions, payload):
    return struct.pack(">I", magic) + b"".join(struct.pack(">I", d) for d in dimensions) + payload


def gzipped(data):
    import gzip
    return gzip.compress(data, mtime=0)


images_idx = idx(2051, [3, 2, 4], bytes(range(0, 240, 10)))
write("images", "idx-images", b"\1" + images_idx)
write("images", "idx-images.gz", b"\1" + gzipped(images_idx))
labels_idx = idx(2049, [5], bytes([0, 9, 3, 3, 7]))
write("images", "idx-labels", b"\2" + labels_idx)
write("images", "idx-labels.gz", b"\2" + gzipped(labels_idx))
pixels = bytes(range(12))
labels = struct.pack("<3q", 0, 2, 1)
header = {"__metadata__": {"split": "train"},
          "labels": {"dtype": "I64", "shape": [3], "data_offsets": [0, 24]},
          "pixels": {"dtype": "U8", "shape": [3, 1, 2, 2], "data_offsets": [24, 36]}}
write("images", "split.safetensors", b"\3" + safetensors(json.dumps(header, separators=(",", ":")), labels + pixels))

# attack-recipe and augmentation-recipe: the recipe, NUL, a text.
for path in sorted(glob.glob(os.path.join(root, "attacks/*.yaml"))):
    write("attack-recipe", os.path.basename(path), read(os.path.relpath(path, root)) + b"\0the film is a good and warm story, not bad")
# The attack-recipe target also reads its YAML as an audit recipe.
for path in sorted(glob.glob(os.path.join(root, "audits/*.yaml"))):
    write("attack-recipe", "audit-" + os.path.basename(path), read(os.path.relpath(path, root)) + b"\0the film is a good and warm story, not bad")
for path in sorted(glob.glob(os.path.join(root, "augmentations/*.yaml"))):
    write("augmentation-recipe", os.path.basename(path), read(os.path.relpath(path, root)) + b"\0The film is good, warm and very funny.")

# baseline: the committed baselines and the gate fixture's.
for path in sorted(glob.glob(os.path.join(root, "baselines/*.json"))) + [os.path.join(root, "Tests/Fixtures/gate/unreachable-baseline.json")]:
    write("baseline", os.path.basename(path), read(os.path.relpath(path, root)))
