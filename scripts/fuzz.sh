#!/usr/bin/env bash
# fuzz.sh: builds the fuzz suite (Fuzz/, release mode, AddressSanitizer + libFuzzer coverage; see
# scripts/lib/fuzz-build.sh) and runs each fuzz target for a given time, one after the other, one process each.
#
# Usage: scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]     (default: 60 seconds, every target)
#        FUZZ_RUNS=N scripts/fuzz.sh 0 [TARGET...]             (N executions per target instead of a time)
# Targets: the folders of Fuzz/Corpus (safetensors, config, checkpoint, tokenizer, datasets, images, attack-recipe,
# augmentation-recipe, baseline, results-db); the program of target T is .build-fuzz/release/fuzz-T.
#
# Each target starts from its committed seeds (Fuzz/Corpus/T, read only) plus the corpus earlier runs grew
# (.build-fuzz/corpus/T, git-ignored). A run fails on a crash (a trap, a broken invariant, an untyped error),
# a sanitizer report, a leak (checked when the process exits: libFuzzer's check after every input that
# allocated more than it freed costs 20× on targets whose caches keep the last input; replay the corpus with
# -detect_leaks=1 to find the input), an input that takes more than 1 s (-timeout=1) or more than 2 GB
# (-rss_limit_mb / -malloc_limit_mb); libFuzzer saves the input under .build-fuzz/artifacts/T/, and the script
# prints the command that replays it. Exit status: 0 when every target ran clean, 1 otherwise.
# Environment: FUZZ_NICE (default 10) is the niceness of the fuzzing processes; FUZZ_FLAGS adds libFuzzer flags.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/fuzz-build.sh

seconds="${1:-60}"
[ $# -gt 0 ] && shift
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=(safetensors config checkpoint tokenizer datasets images attack-recipe augmentation-recipe baseline results-db)
fi
for target in "${targets[@]}"; do
    [ -d "Fuzz/Corpus/$target" ] || { echo "fuzz.sh: unknown target '$target' (no Fuzz/Corpus/$target)" >&2; exit 2; }
done

# The build needs what the root package links (OpenBLAS, SQLite); libFuzzer and the sanitizers come with the
# Swift toolchain, so nothing else is installed.
SAY_PREFIX=fuzz
source scripts/lib/setup-common.sh
install_debian_packages

started=$(date +%s)
fuzz_build
built=$(date +%s)
echo "fuzz build: $((built - started)) s"

# Scratch files of the targets that read paths (tmpfs when there is one), removed on exit.
scratch_base=/dev/shm
[ -d "$scratch_base" ] && [ -w "$scratch_base" ] || scratch_base="${TMPDIR:-/tmp}"
export ROBUST_FUZZ_SCRATCH
ROBUST_FUZZ_SCRATCH=$(mktemp -d "$scratch_base/robust-fuzz.XXXXXX")
trap 'rm -rf "$ROBUST_FUZZ_SCRATCH"' EXIT

# The Swift runtime's backtracer and AddressSanitizer's fault handler do not mix: let the sanitizer report.
export SWIFT_BACKTRACE=enable=no
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:handle_abort=1:allocator_may_return_null=0}"
export LSAN_OPTIONS="${LSAN_OPTIONS:-suppressions=$PWD/Fuzz/lsan.supp:print_suppressions=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"

if [ "${FUZZ_RUNS:-}" ]; then limit=(-runs="$FUZZ_RUNS"); else limit=(-max_total_time="$seconds"); fi
summary=()
failed=0
for target in "${targets[@]}"; do
    program="$FUZZ_BIN/fuzz-$target"
    corpus="$FUZZ_SCRATCH_PATH/corpus/$target"
    artifacts="$FUZZ_SCRATCH_PATH/artifacts/$target"
    log="$FUZZ_SCRATCH_PATH/logs/$target.log"
    mkdir -p "$corpus" "$artifacts" "$(dirname "$log")"
    echo "== fuzz-$target: ${limit[*]} (log: $log)"
    status=0
    # shellcheck disable=SC2086
    nice -n "${FUZZ_NICE:-10}" "$program" "$corpus" "Fuzz/Corpus/$target" "${limit[@]}" -timeout=1 \
        -rss_limit_mb=2048 -malloc_limit_mb=2048 -detect_leaks=0 -print_final_stats=1 -artifact_prefix="$artifacts/" \
        ${FUZZ_FLAGS:-} > "$log" 2>&1 || status=$?
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    [ -n "$runs" ] || runs=$(grep -o '^#[0-9]*' "$log" | tail -1 | tr -d '#')
    time_line=$(grep -o 'Done [0-9]* runs in [0-9]* second' "$log" | tail -1 || true)
    secs=$(echo "$time_line" | awk '{print $5}')
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    artifact=$(grep -o "Test unit written to [^ ]*" "$log" | tail -1 | sed 's/Test unit written to //' || true)
    if [ "$status" -ne 0 ] || [ -n "$artifact" ]; then
        failed=1
        result="FAILED (exit $status)"
        echo "   FAILED: $(grep -m1 -E 'ERROR: |FUZZ INVARIANT|Fatal error|ALARM|out-of-memory|runtime error' "$log" || tail -1 "$log")"
        [ -n "$artifact" ] && echo "   input: $artifact; replay: SWIFT_BACKTRACE=enable=no $program $artifact"
    else
        result=ok
    fi
    summary+=("$(printf '%-22s %12s %8s %10s  %s' "$target" "${runs:-?}" "${secs:-?}" "${rate:-?}" "$result")")
done

echo
printf '%-22s %12s %8s %10s  %s\n' target executions seconds "exec/s" result
printf '%s\n' "${summary[@]}"
echo "total: $(( $(date +%s) - started )) s (build $((built - started)) s)"
exit "$failed"
