#!/usr/bin/env python3
"""A minimal client of the MLServer victim (standard library only; any python3).

    client.py body TEXT...                         print the V2 request JSON for these texts
    client.py infer [--url URL] [--model NAME] [--batch N] [--truncation] [--max-length N] TEXTS_FILE
        send the lines of TEXTS_FILE (one text a line; "-" = stdin), N texts per request (default 8),
        and print each text's output element as returned (a JSON string of [{label, score}, ...] in
        class-id order), one a line: the same lines reference.py prints for the same checkpoint.
"""
import argparse
import json
import sys
import urllib.error
import urllib.request


def request_body(texts, truncation=False, max_length=None):
    inputs = [
        {"name": "array_inputs", "shape": [len(texts)], "datatype": "BYTES", "data": list(texts)},
        {"name": "return_all_scores", "shape": [1], "datatype": "BOOL", "data": [True],
         "parameters": {"content_type": "raw"}},
    ]
    if truncation:
        inputs.append({"name": "truncation", "shape": [1], "datatype": "BOOL", "data": [True],
                       "parameters": {"content_type": "raw"}})
    if max_length is not None:
        inputs.append({"name": "max_length", "shape": [1], "datatype": "INT32", "data": [max_length],
                       "parameters": {"content_type": "raw"}})
    return {"inputs": inputs}


def infer(url, model, texts, **options):
    body = json.dumps(request_body(texts, **options)).encode()
    req = urllib.request.Request(f"{url}/v2/models/{model}/infer", data=body,
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=600) as resp:
            answer = json.load(resp)
    except urllib.error.HTTPError as error:
        sys.exit(f"HTTP {error.code}: {error.read().decode(errors='replace')}")
    (output,) = [o for o in answer["outputs"] if o["name"] == "output"]
    assert output["datatype"] == "BYTES" and output["shape"] == [len(texts), 1], output
    return output["data"]


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    body = sub.add_parser("body")
    body.add_argument("texts", nargs="+")
    run = sub.add_parser("infer")
    run.add_argument("--url", default="http://127.0.0.1:8080")
    run.add_argument("--model", default="robust-victim")
    run.add_argument("--batch", type=int, default=8)
    run.add_argument("--truncation", action="store_true")
    run.add_argument("--max-length", type=int)
    run.add_argument("texts_file")
    args = parser.parse_args()

    if args.command == "body":
        print(json.dumps(request_body(args.texts)))
        return
    if args.texts_file == "-":
        lines = sys.stdin.read().split("\n")
    else:
        with open(args.texts_file, encoding="utf-8", newline="") as f:
            lines = f.read().split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    for start in range(0, len(lines), args.batch):
        for element in infer(args.url, args.model, lines[start:start + args.batch],
                             truncation=args.truncation, max_length=args.max_length):
            print(element)


if __name__ == "__main__":
    main()
