#!/usr/bin/env bash
# Serves a Hugging Face sequence-classification checkpoint folder (config.json, model.safetensors,
# tokenizer files) with Seldon MLServer's Hugging Face runtime, Open Inference Protocol (V2) over HTTP.
#
#   bench/mlserver/serve.sh CHECKPOINT_DIR [PORT]            foreground (Ctrl-C / SIGTERM stops it)
#   bench/mlserver/serve.sh --detach CHECKPOINT_DIR [PORT]   background: writes RUN_DIR/mlserver.pid,
#                                                            returns once GET /v2/health/ready and
#                                                            GET /v2/models/NAME/ready answer 200
#   bench/mlserver/serve.sh --stop [PORT]                    SIGTERM to the detached server, waits
#
# HTTP listens on 127.0.0.1:PORT (default 8080). MLServer always starts a gRPC server too; it is put on
# 127.0.0.1 on a free port chosen at start (GRPC_PORT= to fix it). The Prometheus metrics server is off.
# Environment: MODEL_NAME (default robust-victim), PARALLEL_WORKERS (default 1: inference runs in one
# worker process beside the HTTP process; 0 runs it in the HTTP process itself), RUN_DIR (default
# bench/mlserver/run/PORT: settings, log, pid), READY_TIMEOUT seconds (default 300),
# TORCH_THREADS (torch intra-op threads in each worker; default 1; "auto" = torch's own choice, one
# per core: on a busy 2-core machine that is ~10x slower, OpenMP threads wait on each other).
# Needs bench/mlserver/setup.sh first. See PROTOCOL.md for the requests.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
python="$here/.venv/bin/python"

detach=0
case "${1:-}" in
  --detach) detach=1; shift ;;
  --stop)
    port="${2:-8080}"
    run="${RUN_DIR:-$here/run/$port}"
    pidfile="$run/mlserver.pid"
    [ -f "$pidfile" ] || { echo "no pid file $pidfile" >&2; exit 1; }
    pid="$(cat "$pidfile")"
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid"
      for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
      if kill -0 "$pid" 2>/dev/null; then
        echo "mlserver $pid still running after 20 s; sending SIGKILL to its process group" >&2
        kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid"
      fi
    fi
    rm -f "$pidfile"
    echo "stopped mlserver on port $port"
    exit 0 ;;
esac

[ $# -ge 1 ] || { sed -n '2,20p' "$0" >&2; exit 2; }
[ -x "$python" ] || { echo "run bench/mlserver/setup.sh first" >&2; exit 1; }
checkpoint="$(cd "$1" && pwd)"
port="${2:-8080}"
name="${MODEL_NAME:-robust-victim}"
workers="${PARALLEL_WORKERS:-1}"
run="${RUN_DIR:-$here/run/$port}"
[ -f "$checkpoint/config.json" ] || { echo "$checkpoint has no config.json" >&2; exit 1; }

port_free() {  # SO_REUSEADDR as uvicorn: connections left in TIME_WAIT do not hold the port
  "$python" -c 'import socket,sys; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen()' "$1" 2>/dev/null
}
port_free "$port" || { echo "port $port on 127.0.0.1 is in use" >&2; exit 1; }
grpc="${GRPC_PORT:-$("$python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}"

# A model repository of one model: RUN_DIR/settings.json (server) and RUN_DIR/NAME/model-settings.json.
rm -rf "$run/$name"
mkdir -p "$run/$name"
"$python" - "$run" "$name" "$checkpoint" "$port" "$grpc" "$workers" "${TORCH_THREADS:-1}" <<'PY'
import json, os, sys
run, name, checkpoint, port, grpc, workers, threads = sys.argv[1:]
server = {
    "host": "127.0.0.1",
    "http_port": int(port),
    "grpc_port": int(grpc),
    "metrics_endpoint": None,          # no metrics server, no Prometheus middleware
    "parallel_workers": int(workers),
    "debug": False,
    "load_models_at_startup": True,
    "environments_dir": os.path.join(run, ".envs"),
    "metrics_dir": os.path.join(run, ".metrics"),
}
extra = {
    "task": "text-classification",
    "pretrained_model": checkpoint,    # the tokenizer is read from the same folder
    "framework": "pt",
}
if threads != "auto":
    extra["intra_op_threads"] = int(threads)
model = {
    "name": name,
    "implementation": "mlserver_huggingface.HuggingFaceRuntime",
    "parameters": {"uri": checkpoint, "extra": extra},
}
with open(os.path.join(run, "settings.json"), "w") as f:
    json.dump(server, f, indent=2)
with open(os.path.join(run, name, "model-settings.json"), "w") as f:
    json.dump(model, f, indent=2)
PY

# Nothing may come from the Hub; no GPU; quiet TensorFlow (imported by the runtime, unused).
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 HF_DATASETS_OFFLINE=1 CUDA_VISIBLE_DEVICES="" \
       TF_CPP_MIN_LOG_LEVEL=2 TF_ENABLE_ONEDNN_OPTS=0 TOKENIZERS_PARALLELISM=false
# The runtime reads extra settings from this Seldon Core v1 variable too, and it wins; keep it out.
unset PREDICTIVE_UNIT_PARAMETERS
cd "$run"
main="from mlserver.cli.main import main; main()"

if [ "$detach" = 0 ]; then
  echo "mlserver: http://127.0.0.1:$port (gRPC 127.0.0.1:$grpc), model '$name' from $checkpoint" >&2
  exec "$python" -c "$main" start "$run"
fi

log="$run/mlserver.log"
pidfile="$run/mlserver.pid"
setsid "$python" -c "$main" start "$run" >"$log" 2>&1 </dev/null &
pid=$!
echo "$pid" >"$pidfile"
deadline=$((SECONDS + ${READY_TIMEOUT:-300}))
until curl -fsS -o /dev/null "http://127.0.0.1:$port/v2/health/ready" 2>/dev/null \
   && curl -fsS -o /dev/null "http://127.0.0.1:$port/v2/models/$name/ready" 2>/dev/null; do
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "mlserver exited before it was ready; last lines of $log:" >&2; tail -20 "$log" >&2
    rm -f "$pidfile"; exit 1
  fi
  if [ "$(grep -c 'stopped unexpectedly' "$log" || true)" -ge 3 ] || grep -q 'failed to load during startup' "$log"; then
    echo "mlserver's model worker keeps failing; stopping it. Last lines of $log:" >&2; tail -30 "$log" >&2
    "$0" --stop "$port" >/dev/null 2>&1 || true; exit 1
  fi
  if [ $SECONDS -ge $deadline ]; then
    echo "mlserver not ready after ${READY_TIMEOUT:-300} s; see $log" >&2
    "$0" --stop "$port" >/dev/null 2>&1 || true; exit 1
  fi
  sleep 0.25
done
echo "mlserver ready: http://127.0.0.1:$port model '$name' pid $pid (gRPC 127.0.0.1:$grpc) log $log"
