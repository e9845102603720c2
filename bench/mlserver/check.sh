#!/usr/bin/env bash
# Parity of the served pipeline with the local reference: starts serve.sh --detach on CHECKPOINT,
# sends TEXTS_FILE's lines (client.py, BATCH texts per request, truncation on) and compares each
# returned element with reference.py's line for the same text, byte for byte. Stops the server.
#
#   bench/mlserver/check.sh [CHECKPOINT_DIR [TEXTS_FILE]]     (default: the tiny ELECTRA fixture and
#                                                              a few built-in texts; PORT default 8092)
# A checkpoint without a saved classification head (e.g. all-MiniLM-L6-v2) gets a new random head at
# every load, so it cannot agree; use one with a head.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
checkpoint="${1:-$root/Tests/Fixtures/families/electra/model}"
port="${PORT:-8092}"
batch="${BATCH:-3}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
texts="${2:-$work/texts.txt}"
if [ $# -lt 2 ]; then
  printf '%s\n' "the movie was great" "an awful film" "" "THE Movie, was (great)!" "  spaces   around  " \
    "naïve café — 日本語 😀" "the the the the the the the the the the the the the the the the the the the" > "$texts"
fi
"$here/serve.sh" --detach "$checkpoint" "$port"
python3 "$here/client.py" infer --url "http://127.0.0.1:$port" --batch "$batch" --truncation "$texts" > "$work/served" \
  || { "$here/serve.sh" --stop "$port"; exit 1; }
"$here/serve.sh" --stop "$port"
"$here/reference.py" "$checkpoint" "$texts" --truncation > "$work/reference"
if cmp -s "$work/served" "$work/reference"; then
  echo "parity: $(wc -l < "$work/served") texts, served == reference, byte for byte"
else
  echo "parity FAILED (served, then reference):" >&2
  diff "$work/served" "$work/reference" >&2 || true
  exit 1
fi
