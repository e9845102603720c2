#!/usr/bin/env bash
# long-text.sh: time and peak memory of `robust predict` on one very long single-line text (50 MB by default),
# beside a one-word text to show the fixed cost of loading the model, and beside Hugging Face `tokenizers`
# encoding the same text with truncation to 512 tokens (what transformers does before the model runs).
#
# Usage: bench/long-text.sh [MODEL_DIR] [MEGABYTES]
#   MODEL_DIR defaults to models/all-MiniLM-L6-v2 (scripts/setup.sh); the peer runs when
#   bench/fixtures/.venv exists (bench/fixtures/setup.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
model="${1:-models/all-MiniLM-L6-v2}"
megabytes="${2:-50}"
robust=.build/release/robust
[ -x "$robust" ] || swift build -c release --product robust >/dev/null
text="$(mktemp -t long-text.XXXXXX)"
trap 'rm -f "$text"' EXIT
# Seeded words from a fixed list, one line, no trailing newline inside.
python3 - "$text" "$megabytes" <<'EOF'
import random, sys
random.seed(1)
words = ("the movie was an unexpectedly good film with a plot full of twists and turns but the actors were "
         "wooden and the ending made no sense at all naïve résumé 東京 don't won't").split()
size = int(sys.argv[2]) << 20
out, n = [], 0
while n < size:
    w = random.choice(words); out.append(w); n += len(w.encode()) + 1
with open(sys.argv[1], "w") as f:
    f.write(" ".join(out)[:size].rsplit(" ", 1)[0] + "\n")
EOF
printf 'model: %s, text: %s bytes\n' "$model" "$(stat -c %s "$text")"
measure() {  # label, then the command reading the text on stdin
    local label="$1"; shift
    /usr/bin/time -f "%e %M" -o /tmp/long-text.time "$@" < "$text" > /dev/null 2>&1
    read -r seconds kb < /tmp/long-text.time
    printf '%-44s %6.2f s  %7.1f MB peak\n' "$label" "$seconds" "$(echo "$kb / 1024" | bc -l)"
}
echo "hello" > /tmp/long-text.one
/usr/bin/time -f "%e %M" -o /tmp/long-text.time "$robust" predict --model "$model" - < /tmp/long-text.one > /dev/null 2>&1
read -r seconds kb < /tmp/long-text.time
printf '%-44s %6.2f s  %7.1f MB peak\n' "robust predict, one word" "$seconds" "$(echo "$kb / 1024" | bc -l)"
measure "robust predict, the long text" "$robust" predict --model "$model" -
if [ -x bench/fixtures/.venv/bin/python ] && [ -f "$model/tokenizer.json" ]; then
    measure "HF tokenizers 0.23, encode + truncate to 512" bench/fixtures/.venv/bin/python -c '
import sys
from tokenizers import Tokenizer
t = Tokenizer.from_file(sys.argv[1] + "/tokenizer.json")
t.enable_truncation(512)
text = sys.stdin.readline().rstrip("\n")
print(len(t.encode(text).ids))' "$model"
fi
