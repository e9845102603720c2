#!/usr/bin/env bash
# install.sh [PREFIX]: installs robust for use from any folder, idempotently.
#  - the Debian packages it needs (as scripts/setup.sh does);
#  - builds the release binary (`swift build -c release`) and copies it to PREFIX/bin (default ~/.local),
#    with the attack and augmentation recipes compiled in;
#  - installs the base model all-MiniLM-L6-v2 into the per-user cache,
#    $XDG_CACHE_HOME/robust/models/all-MiniLM-L6-v2 (default ~/.cache/robust/...), with setup.sh's
#    pinned, sha256-checked download (scripts/lib/setup-common.sh).
# WordNet comes from the Debian package (/usr/share/wordnet). Datasets fetched outside a checkout go to
# the per-user cache's data/. The README's "Install" section gives the whole search order.
set -euo pipefail
cd "$(dirname "$0")/.."
SAY_PREFIX=install
source scripts/lib/setup-common.sh

prefix="${1:-$HOME/.local}"
case "${XDG_CACHE_HOME:-}" in
  /*) cache="$XDG_CACHE_HOME/robust" ;;
  *) cache="$HOME/.cache/robust" ;;
esac

install_debian_packages

say "building the release binary (swift build -c release)"
# Re-planned every time, so the recipes compiled in are exactly the files in attacks/ and
# augmentations/ now, even if some were added or removed since the last build (see the README).
swift build -c release --disable-build-manifest-caching
mkdir -p "$prefix/bin"
# Copy, then rename into place, so a robust that is running keeps its old file.
cp .build/release/robust "$prefix/bin/.robust.partial.$$"
chmod 755 "$prefix/bin/.robust.partial.$$"
mv -f "$prefix/bin/.robust.partial.$$" "$prefix/bin/robust"
say "installed $prefix/bin/robust"

install_base_model "$cache/models/all-MiniLM-L6-v2" "downloads"

case ":$PATH:" in
  *":$prefix/bin:"*) ;;
  *) say "note: $prefix/bin is not on your PATH; add it, e.g. export PATH=\"$prefix/bin:\$PATH\"" ;;
esac
say "done: try \`robust attack --list\` from any folder"
