#!/usr/bin/env bash
# Builds and runs the libFuzzer + AddressSanitizer harness for the SafeTensors reader.
# Usage: scripts/fuzz-safetensors.sh [extra libFuzzer flags, e.g. -max_total_time=60 -jobs=2]
# The corpus lives in .build-fuzz/corpus (seeded with the repo's small checkpoint and a few hand-made headers);
# crashing inputs are written to .build-fuzz/ as crash-*.
set -euo pipefail
cd "$(dirname "$0")/.."
out=.build-fuzz
mkdir -p "$out/corpus"
swiftc -sanitize=fuzzer,address -parse-as-library -O -g -module-name SafeTensorsFuzz \
    Sources/SafeTensors/*.swift Fuzz/SafeTensors/main.swift -o "$out/safetensors-fuzz"

# Seeds: small valid files.
seed() { printf "$2" > "$out/corpus/$1"; }
hdr() {  # name header-json data-bytes(printf escapes)
    local n=${#2}
    printf "$(printf '\\x%02x' $((n & 255)) $(((n >> 8) & 255)) 0 0 0 0 0 0)" > "$out/corpus/$1"
    printf '%s' "$2" >> "$out/corpus/$1"
    printf "$3" >> "$out/corpus/$1"
}
hdr empty '{}' ''
hdr meta '{"__metadata__":{"format":"pt"}}' ''
hdr f32 '{"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}' '\x00\x00\x80\x3f\x00\x00\x00\x40'
hdr mixed '{"b":{"dtype":"BF16","shape":[1],"data_offsets":[2,4]},"h":{"dtype":"F16","shape":[1],"data_offsets":[0,2]},"i":{"dtype":"I64","shape":[1,0],"data_offsets":[4,4]}}' '\x00\x3c\x80\x3f'
if [ -f Tests/Fixtures/tiny_bert_cls/model.safetensors ]; then
    cp Tests/Fixtures/tiny_bert_cls/model.safetensors "$out/corpus/tiny_bert_cls"
fi
exec "$out/safetensors-fuzz" "$out/corpus" -max_len=4096 -rss_limit_mb=2048 -artifact_prefix="$out/" "$@"
