#!/usr/bin/env bash
# Creates bench/mlserver/.venv (ignored by git): Seldon MLServer with its Hugging Face runtime, CPU
# torch and transformers, for serving a checkpoint as a remote victim (serve.sh, PROTOCOL.md).
# Idempotent: a second run only checks the versions. Needs PyPI; about 3.6 GB on disk.
#
# The pinned set (requirements.lock has every package):
#   mlserver 1.7.1, mlserver-huggingface 1.7.1    the newest releases
#   transformers 4.41.2, tokenizers 0.19.1       mlserver-huggingface 1.7.1 imports
#                                                transformers.pipelines.Conversation, removed in
#                                                transformers 4.42, so 4.41.2 is the newest that works
#   optimum 1.20.0                               imported by the runtime; the last optimum 1.x for
#                                                transformers < 4.42
#   tensorflow 2.21.0, tf-keras 2.21.0           imported by the runtime at module level (unused: the
#                                                pipeline runs on torch); needs protobuf >= 5 like
#                                                mlserver's gRPC
#   torch 2.13.0                                 CPU-only wheel 2.13.0+cpu where pip finds one (this
#                                                machine's pip config has /opt/wheels); otherwise
#                                                PyPI's, which also pulls its CUDA wheels (~3 GB, unused)
#   numpy 1.26.4                                 transformers 4.41 predates numpy 2
#   uvloop 0.21.0                                newer uvloop (0.22+) makes MLServer's inference worker
#                                                die at start ("There is no current event loop")
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="$here/.venv"
python="$venv/bin/python"

# MLServer 1.7.1 supports Python 3.9-3.12; the lock was made with 3.11.
if [ ! -x "$python" ]; then
  base=""
  for candidate in python3.11 python3; do
    if command -v "$candidate" >/dev/null && "$candidate" -c 'import sys; sys.exit(not ((3, 10) <= sys.version_info[:2] <= (3, 12)))'; then
      base="$candidate"; break
    fi
  done
  [ -n "$base" ] || { echo "needs Python 3.10-3.12 (3.11 preferred)" >&2; exit 1; }
  "$base" -m venv "$venv"
fi

check() {
  "$python" - <<'PY' 2>/dev/null
import importlib.metadata as m
want = {"mlserver": "1.7.1", "mlserver-huggingface": "1.7.1", "transformers": "4.41.2", "tokenizers": "0.19.1",
        "optimum": "1.20.0", "tensorflow": "2.21.0", "tf_keras": "2.21.0", "numpy": "1.26.4", "uvloop": "0.21.0"}
for name, version in want.items():
    assert m.version(name) == version, (name, m.version(name))
assert m.version("torch").split("+")[0] == "2.13.0"
PY
}

if ! check; then
  find_links=()
  [ -d /opt/wheels ] && find_links=(--find-links /opt/wheels)
  # torch first, so that a CPU-only wheel, when there is one, is chosen before anything pulls torch.
  "$python" -m pip install --quiet "${find_links[@]}" torch==2.13.0 numpy==1.26.4
  "$python" -m pip install --quiet "${find_links[@]}" -r "$here/requirements.lock"
  check || { echo "the installed versions do not match requirements.lock" >&2; exit 1; }
fi
"$python" - <<'PY'
import os
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import importlib.metadata as m
print(", ".join(f"{n} {m.version(n)}" for n in ("mlserver", "mlserver-huggingface", "transformers", "torch", "tensorflow", "optimum")))
PY
echo "MLServer is ready in $venv"
