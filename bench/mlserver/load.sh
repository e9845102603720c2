#!/usr/bin/env bash
# Measures what the MLServer victim itself can serve, with `hey` (Debian package; installed when
# missing): for each model, requests of 1 and of 8 texts, at 1, 2, 4 and 8 concurrent connections,
# each cell a fixed DURATION of POSTs to 127.0.0.1 only. Prints a Markdown table (requests/s, texts/s,
# p50 and p99 latency, non-200 answers) and keeps hey's per-request CSV in bench/mlserver/run/load/.
#
#   bench/mlserver/load.sh [CHECKPOINT_DIR...]
#
# Default checkpoints: the tiny ELECTRA fixture (Tests/Fixtures/families/electra/model) and
# models/all-MiniLM-L6-v2 (scripts/setup.sh; it has no classification head, so the server makes a
# random 2-class one: fine for timing). Environment: DURATION (hey -z, default 10s), CONCURRENCY
# (default "1 2 4 8"), BATCHES (default "1 8"), PORT (default 8090), MINILM (path of MiniLM).
# Each server is started with serve.sh --detach and stopped with serve.sh --stop.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
duration="${DURATION:-10s}"
concurrency="${CONCURRENCY:-1 2 4 8}"
batches="${BATCHES:-1 8}"
port="${PORT:-8090}"
out="$here/run/load"
mkdir -p "$out"
trap '"$here/serve.sh" --stop "$port" >/dev/null 2>&1 || true' EXIT

if ! command -v hey >/dev/null; then
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get install -y hey >/dev/null
fi

if [ $# -eq 0 ]; then
  set -- "$root/Tests/Fixtures/families/electra/model" "${MINILM:-$root/models/all-MiniLM-L6-v2}"
fi

# Eight movie-review-like texts of 10-16 words (under the tiny model's 64 positions).
"$here/.venv/bin/python" - "$out" <<'PY'
import json, os, sys
texts = [
    "the movie was a complete waste of time and the acting was awful",
    "a touching story with wonderful performances from the whole cast",
    "i could not stop laughing from the first scene to the very last",
    "the plot makes no sense and the ending feels rushed and cheap",
    "beautiful photography but the script is thin and the pace is slow",
    "one of the best films of the year and a joy to watch",
    "the director tries hard but the jokes fall flat every single time",
    "an honest and moving portrait of a family in hard times",
]
def body(batch):
    return {"inputs": [
        {"name": "array_inputs", "shape": [len(batch)], "datatype": "BYTES", "data": batch},
        {"name": "return_all_scores", "shape": [1], "datatype": "BOOL", "data": [True],
         "parameters": {"content_type": "raw"}},
    ]}
for n in (1, 8):
    with open(os.path.join(sys.argv[1], f"body-{n}.json"), "w") as f:
        json.dump(body(texts[:n]), f)
PY

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores; hey -z $duration"
echo
echo "| model | texts/request | concurrency | requests | requests/s | texts/s | p50 ms | p99 ms | non-200 |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
for checkpoint in "$@"; do
  model="$(basename "$(dirname "$checkpoint")")/$(basename "$checkpoint")"
  case "$checkpoint" in */all-MiniLM-L6-v2*) model="all-MiniLM-L6-v2" ;; */families/*) model="$(basename "$(dirname "$checkpoint")") (tiny fixture)" ;; esac
  "$here/serve.sh" --detach "$checkpoint" "$port" >&2
  url="http://127.0.0.1:$port/v2/models/robust-victim/infer"
  for n in $batches; do
    # Warm-up: the first requests load lazily initialised parts of torch.
    hey -n 20 -c 1 -m POST -T application/json -D "$out/body-$n.json" "$url" >/dev/null
    for c in $concurrency; do
      report="$out/$(echo "$model" | tr -c 'A-Za-z0-9.-' _)-b$n-c$c.csv"
      # -o csv: one line per request (response time, ..., status code, offset from the start).
      hey -z "$duration" -c "$c" -m POST -T application/json -D "$out/body-$n.json" -o csv "$url" >"$report"
      python3 - "$report" "$model" "$n" "$c" <<'PY'
import csv, math, sys
report, model, n, c = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
rows = list(csv.DictReader(open(report)))
times = sorted(float(r["response-time"]) for r in rows)
elapsed = max(float(r["offset"]) + float(r["response-time"]) for r in rows)
rps = len(rows) / elapsed
def pct(p):  # nearest-rank percentile
    return f"{times[max(0, math.ceil(p / 100 * len(times)) - 1)] * 1000:.1f}"
errors = sum(1 for r in rows if r["status-code"] != "200")
print(f"| {model} | {n} | {c} | {len(rows)} | {rps:.1f} | {rps * n:.1f} | {pct(50)} | {pct(99)} | {errors} |")
PY
    done
  done
  "$here/serve.sh" --stop "$port" >&2
done
echo
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
