#!/usr/bin/env python3
"""Summarises bench/consistency/run.sh: per task and method, the test metric over seeds with a 95% t-interval
(mean ± t_{0.975,n-1}·sd/√n), the paired difference to supervised-only (same seed, same labelled subset) with
its interval, the share of the gap to the full-data model it closes, and wall time per run.
    python3 bench/consistency/summarize.py OUT [--full-mr 0.841]"""
import json, math, os, re, sys

T975 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306, 9: 2.262}

def interval(values):
    n = len(values)
    mean = sum(values) / n
    if n < 2:
        return mean, float("nan")
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1))
    return mean, T975.get(n - 1, 1.96) * sd / math.sqrt(n)

def metric(record, task):
    report = record["test"]["report"]
    if task.startswith("sms"):
        return next(row["f1"] for row in report["rows"] if row["label"] in ("spam", "1"))
    return report["accuracy"]

def main():
    out = sys.argv[1]
    full = {"mr200": 0.841, "mr1000": 0.841, "mr1000long": 0.841, "mr1000longdefault": 0.841, "mr1000vat03": 0.841, "sms100": 0.969}
    # A variant run pairs with its task's supervised runs.
    baseline = {"mr1000longdefault": "mr1000long", "mr1000vat03": "mr1000"}
    times = {}
    if os.path.exists(os.path.join(out, "times.txt")):
        for line in open(os.path.join(out, "times.txt")):
            m = re.match(r"(\S+) (\S+) seed (\d+): ([0-9.]+) s", line)
            if m:
                times[(m[1], m[2], int(m[3]))] = float(m[4])
    results = {}
    for name in sorted(os.listdir(out)):
        m = re.fullmatch(r"(\w+?)-(sup|uda|vat|uda\+vat)-s(\d+)", name)
        path = os.path.join(out, name, "training.json")
        if not m or not os.path.exists(path):
            continue
        record = json.load(open(path))
        if not record.get("test"):
            continue
        results[(m[1], m[2], int(m[3]))] = metric(record, m[1])
    tasks = sorted({k[0] for k in results}, key=lambda t: ["mr200", "mr1000", "mr1000vat03", "mr1000long", "mr1000longdefault", "sms100"].index(t) if t in full else 9)
    print("| task (labels) | metric | method | seeds | mean [95% CI] | Δ vs supervised, paired [95% CI] | share of the gap to full data closed | time per run |")
    print("|---|---|---|---|---|---|---|---|")
    for task in tasks:
        sup = {s: v for (t, meth, s), v in results.items() if t == baseline.get(task, task) and meth == "sup"}
        for method in ["sup", "uda", "vat", "uda+vat"]:
            values = {s: v for (t, meth, s), v in results.items() if t == task and meth == method}
            if not values:
                continue
            mean, half = interval(list(values.values()))
            seeds = sorted(values)
            paired = [values[s] - sup[s] for s in seeds if s in sup]
            delta = ""
            closed = ""
            if method != "sup" and paired:
                d, dh = interval(paired)
                delta = f"{d*100:+.1f} [{(d-dh)*100:+.1f}, {(d+dh)*100:+.1f}]"
                supmean = interval(list(sup.values()))[0]
                gap = full[task] - supmean if task in full else float("nan")
                closed = f"{d / gap * 100:.0f}%" if gap > 0 else ""
            secs = [times[(task, method, s)] for s in seeds if (task, method, s) in times]
            time = f"{sum(secs)/len(secs):.0f} s" if secs else ""
            name = "spam F1" if task.startswith("sms") else "accuracy"
            spread = f" [{(mean-half)*100:.1f}, {(mean+half)*100:.1f}]" if half == half else ""   # no interval from one seed
            delta = delta.split(" [")[0] if " [+nan" in delta else delta
            print(f"| {task} | {name} | {method} | {','.join(map(str, seeds))} | {mean*100:.1f}{spread} | {delta} | {closed} | {time} |")
    print()
    for key in sorted(results):
        print(key, f"{results[key]:.4f}")

main()
