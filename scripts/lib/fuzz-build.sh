# fuzz-build.sh (sourced by scripts/fuzz.sh and scripts/make-fuzz-seeds.sh): builds the fuzz package (Fuzz/) in
# release mode into .build-fuzz with AddressSanitizer on every module, libFuzzer's coverage instrumentation
# on every module (Swift and C), UndefinedBehaviorSanitizer on the C code (libyaml inside Yams), and
# libFuzzer linked into the fuzz targets only.
#
# Why these flags and not `--sanitize fuzzer`: that links libFuzzer (and its `main`) into every executable,
# including the EmbedRecipes plugin's build tool, which then cannot be linked. swiftc has no
# `-sanitize=undefined` on Linux; Swift's own checks (bounds, overflow, unwrapping) are on in release builds
# of every module except the -Ounchecked Tensors kernels, whose memory accesses AddressSanitizer watches.
# The build tool runs under AddressSanitizer at build time; its leak check is off for the build.
FUZZ_SCRATCH_PATH="${FUZZ_SCRATCH_PATH:-.build-fuzz}"   # the build folder (and, under it, corpus/, artifacts/, logs/)
FUZZ_BIN="$FUZZ_SCRATCH_PATH/release"

fuzz_build() {
    ASAN_OPTIONS=detect_leaks=0 swift build -c release --package-path Fuzz --scratch-path "$FUZZ_SCRATCH_PATH" \
        --sanitize address \
        -Xswiftc -sanitize-coverage=edge,trace-cmp,inline-8bit-counters,pc-table \
        -Xcc -fsanitize=fuzzer-no-link,undefined -Xcc -fno-sanitize-recover=undefined \
        "$@" 2>&1 | grep -v "Cannot export local symbol '__asan_" >&2
    return "${PIPESTATUS[0]}"
}
