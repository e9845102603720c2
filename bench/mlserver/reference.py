#!/usr/bin/env python3
"""Local reference for the MLServer victim: what serve.sh's pipeline computes, without the server.

    bench/mlserver/reference.py CHECKPOINT TEXTS_FILE [--truncation] [--max-length N]
                                [--function-to-apply softmax|sigmoid|none] [--top-k-none] [--threads N|auto]

Prints one JSON line per line of TEXTS_FILE (each line is one text, only its trailing "\\n" is
removed; an empty line is the empty text; "-" reads standard input): the list
[{"label": ..., "score": ...}, ...] of every class, formatted exactly as the service formats one
element of its `output` tensor (json.dumps of the pipeline's result), so a line can be compared with
the service's string byte for byte. By default the classes are in class-id order, as the service
returns them for a request with the `return_all_scores` input; with --top-k-none they are sorted by
score, highest first, as for a request with `top_k` = null. --truncation / --max-length /
--function-to-apply mirror the request inputs of the same names (see PROTOCOL.md).

Runs under bench/mlserver/.venv (re-executes itself there when started with another Python), with
the same transformers pipeline the server loads: task text-classification, framework pt, CPU,
batch_size 1 (MLServer passes max_batch_size, 0 by default, so the pipeline runs one text at a time).
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
VENV_PYTHON = os.path.join(HERE, ".venv", "bin", "python")
if os.path.exists(VENV_PYTHON) and os.path.realpath(sys.prefix) != os.path.realpath(os.path.join(HERE, ".venv")):
    os.execv(VENV_PYTHON, [VENV_PYTHON, os.path.abspath(__file__)] + sys.argv[1:])

import argparse  # noqa: E402
import json  # noqa: E402
import warnings  # noqa: E402

for name, value in (("HF_HUB_OFFLINE", "1"), ("TRANSFORMERS_OFFLINE", "1"), ("CUDA_VISIBLE_DEVICES", ""),
                    ("TF_CPP_MIN_LOG_LEVEL", "2"), ("TOKENIZERS_PARALLELISM", "false"),
                    ("USE_TF", "0"), ("USE_TORCH", "1")):
    os.environ.setdefault(name, value)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("checkpoint")
    parser.add_argument("texts_file")
    parser.add_argument("--truncation", action="store_true")
    parser.add_argument("--max-length", type=int)
    parser.add_argument("--function-to-apply", choices=["softmax", "sigmoid", "none"])
    parser.add_argument("--top-k-none", action="store_true")
    parser.add_argument("--threads", default="1",
                        help='torch intra-op threads, as serve.sh\'s TORCH_THREADS (default 1; "auto")')
    args = parser.parse_args()

    import torch
    from transformers import pipeline

    if args.threads != "auto":
        torch.set_num_threads(int(args.threads))
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    warnings.filterwarnings("ignore", message=".*return_all_scores.*")

    # The same call as mlserver_huggingface.common.load_pipeline_from_settings with serve.sh's settings.
    classifier = pipeline("text-classification", model=args.checkpoint, tokenizer=args.checkpoint,
                          device=None, batch_size=1, framework="pt", model_kwargs=None)
    architectures = getattr(classifier.model.config, "architectures", None) or []
    if not any(a.endswith("ForSequenceClassification") for a in architectures):
        print(f"reference.py: {args.checkpoint} has no saved classification head (architectures "
              f"{architectures}); transformers makes a random one on every load, so these scores will "
              "not match the server's", file=sys.stderr)

    if args.texts_file == "-":
        lines = sys.stdin.read().split("\n")
    else:
        with open(args.texts_file, encoding="utf-8", newline="") as f:
            lines = f.read().split("\n")
    if lines and lines[-1] == "":
        lines.pop()  # the file's final newline ends the last text; it does not start another
    if not lines:
        return

    call = {}
    if args.top_k_none:
        call["top_k"] = None
    else:
        call["return_all_scores"] = True
    if args.truncation:
        call["truncation"] = True
    if args.max_length is not None:
        call["max_length"] = args.max_length
    if args.function_to_apply:
        call["function_to_apply"] = args.function_to_apply

    # One call with the whole list, as the server does for an `array_inputs` tensor.
    results = classifier(list(lines), **call)
    out = sys.stdout
    for result in results:
        out.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
