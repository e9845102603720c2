#!/usr/bin/env bash
# test.sh: sets up a fresh machine (scripts/setup.sh) and runs the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
# Re-plan the build every time, so the EmbedRecipes plugin sees recipe files added to or removed from
# attacks/ and augmentations/ (SwiftPM otherwise re-runs build plugins only when a target's files change).
swift build --build-tests --disable-build-manifest-caching
swift test --skip-build "$@"
