#!/usr/bin/env bash
# slurm-check.sh: the end-to-end check of robust's sharded evaluation on Slurm. Starts the local one-node
# cluster (scripts/slurm-local.sh), submits deploy/slurm/submit.sh (an array of $SHARDS shards, then the merge
# after them), waits for the merge, runs the same evaluation in one process into another database, and compares
# the merged run with the one-process run bit for bit (scripts/compare-runs.sh). Prints the wall times (first
# array task start → merge end; the one-process run) and exits 0 only when both runs are identical. Stops the
# cluster at the end, whatever happens (KEEP_CLUSTER=1 leaves it running).
#
#   scripts/slurm-check.sh [ROBUST_BINARY]      (default .build/release/robust; this script builds nothing)
#
# Settings (environment variables): MODEL (default /work/bench-mr/mr-minilm), DATA (mr), RECIPES
# (pwws,deepwordbug), SAMPLE (200), SEED (7), SHARDS (4), THROTTLE (2), CPUS_PER_TASK (1), CHECK_DIR (a new
# directory under /tmp; if given it must be empty or absent), CHECK_TIMEOUT (seconds to wait for the merge,
# default 10800), and those of scripts/slurm-local.sh (ROBUST_SLURM_DIR, ports).
# Everything lands in CHECK_DIR: shards/shard-*.db, merged.db, one-process.db, logs/.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { echo "slurm-check: $*"; }
die() { echo "slurm-check: error: $*" >&2; exit 1; }

robust=${1:-.build/release/robust}
case "$robust" in /*) ;; *) robust="$PWD/$robust" ;; esac
[ -x "$robust" ] && [ -f "$robust" ] || die "no robust binary at $robust (build it, or give its path as \$1)"
model=${MODEL:-/work/bench-mr/mr-minilm}
[ -e "$model" ] || die "no model at $model (set MODEL)"
case "$model" in /*) ;; *) model="$PWD/$model" ;; esac
data=${DATA:-mr} recipes=${RECIPES:-pwws,deepwordbug} sample=${SAMPLE:-200} seed=${SEED:-7}
shards=${SHARDS:-4} throttle=${THROTTLE:-2} cpus=${CPUS_PER_TASK:-1} timeout=${CHECK_TIMEOUT:-10800}
[[ "$timeout" =~ ^[0-9]+$ ]] || die "CHECK_TIMEOUT must be a number of seconds, not '$timeout'"
command -v sqlite3 >/dev/null || die "sqlite3 not found (apt-get install sqlite3)"

if [ -n "${CHECK_DIR:-}" ]; then
  work=$CHECK_DIR
  mkdir -p "$work"
  [ -z "$(ls -A "$work")" ] || die "CHECK_DIR $work is not empty (its shards would be resumed, not run)"
else
  work=$(mktemp -d /tmp/robust-slurm-check.XXXXXX)
fi
case "$work" in /*) ;; *) work="$PWD/$work" ;; esac
mkdir -p "$work/logs"

# Not inside someone else's array task: the one-process run must not take a shard from the environment.
unset SLURM_ARRAY_TASK_ID SLURM_ARRAY_TASK_COUNT SLURM_ARRAY_TASK_MIN SLURM_ARRAY_TASK_MAX SLURM_ARRAY_TASK_STEP \
  SLURM_ARRAY_JOB_ID SHARD_DIR RUN_DB LOG_DIR EVAL_ARGS LIMIT PARTIAL ROBUST_WORKERS WORKERS
eval "$(scripts/slurm-local.sh env)"
# One sentence encoder for both sides, named absolutely (robust would otherwise look in models/ of each
# process's working directory).
if [ -z "${ROBUST_BASE_MODEL:-}" ] && [ -d models/all-MiniLM-L6-v2 ]; then
  export ROBUST_BASE_MODEL="$PWD/models/all-MiniLM-L6-v2"
fi

array_job="" merge_job=""
cleanup() {
  local status=$?
  local jobs=()
  [ -z "$array_job" ] || jobs+=("$array_job")
  [ -z "$merge_job" ] || jobs+=("$merge_job")
  if ((${#jobs[@]})) && command -v scancel >/dev/null; then
    scancel "${jobs[@]}" 2>/dev/null || true
  fi
  if [ "${KEEP_CLUSTER:-0}" = 1 ]; then
    say "cluster left running (KEEP_CLUSTER=1): scripts/slurm-local.sh stop"
  else
    scripts/slurm-local.sh stop || status=1
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

scripts/slurm-local.sh start
say "work dir $work; robust $robust; $data, $recipes, --sample $sample --seed $seed; $shards shards, $throttle at a time"
say "sentence encoder: ${ROBUST_BASE_MODEL:-the default of robust (none in models/ here)}"

submitted=$(date +%s.%N)
submit_out=$(ROBUST="$robust" MODEL="$model" DATA="$data" RECIPES="$recipes" SAMPLE="$sample" SEED="$seed" \
  SHARDS="$shards" THROTTLE="$throttle" CPUS_PER_TASK="$cpus" SHARD_DIR="$work/shards" RUN_DB="$work/merged.db" \
  LOG_DIR="$work/logs" deploy/slurm/submit.sh) || die "deploy/slurm/submit.sh failed"
array_job=$(sed -n 's/^array_job=\([0-9]*\)$/\1/p' <<<"$submit_out")
merge_job=$(sed -n 's/^merge_job=\([0-9]*\)$/\1/p' <<<"$submit_out")
[ -n "$array_job" ] && [ -n "$merge_job" ] || die "cannot read the job ids from submit.sh's output: $submit_out"
say "array job $array_job, merge job $merge_job"

# One JobState per record of `scontrol show job` (an array has one record per task).
job_states() { scontrol show job -o "$1" 2>/dev/null | sed -n 's/.*\<JobState=\([A-Z_]*\).*/\1/p'; }
epoch() { date -d "$1" +%s; }

deadline=$((SECONDS + timeout)) last_report=$SECONDS state=""
while :; do
  state=$(job_states "$merge_job" | head -1)
  case "$state" in
    COMPLETED) break ;;
    FAILED|CANCELLED|TIMEOUT|NODE_FAIL|OUT_OF_MEMORY|PREEMPTED|BOOT_FAIL|DEADLINE) break ;;
    "") die "merge job $merge_job is unknown to slurmctld" ;;
  esac
  ((SECONDS < deadline)) || die "merge job $merge_job still $state after ${timeout}s"
  if ((SECONDS - last_report >= 60)); then
    last_report=$SECONDS
    say "$(date +%T): array tasks $(job_states "$array_job" | sort | uniq -c | tr -s ' \n' ' '); merge $state"
    shopt -s nullglob
    shard_dbs=("$work"/shards/shard-*.db)
    shopt -u nullglob
    if ((${#shard_dbs[@]})); then "$robust" runs --shards "${shard_dbs[@]}" 2>/dev/null | sed 's/^/  /' || true; fi
  fi
  sleep 2
done
merge_seen=$(date +%s.%N)

if [ "$state" != COMPLETED ]; then
  say "merge job $merge_job ended $state; the array's tasks:"
  scontrol show job -o "$array_job" | sed -n 's/.*\<JobId=\([0-9]*\).*ArrayTaskId=\([^ ]*\).*JobState=\([A-Z_]*\).*ExitCode=\([^ ]*\).*/  task \2 (job \1): \3, exit \4/p'
  for log in "$work"/logs/*.log; do
    [ -f "$log" ] || continue
    echo "== $log (last lines)"; tail -n 5 "$log"
  done
  exit 1
fi

array_start=$(scontrol show job -o "$array_job" | sed -n 's/.*\<StartTime=\([^ ]*\).*/\1/p' | while read -r t; do epoch "$t" 2>/dev/null || true; done | sort -n | head -1)
merge_end=$(epoch "$(scontrol show job -o "$merge_job" | sed -n 's/.*\<EndTime=\([^ ]*\).*/\1/p')")
merge_log="$work/logs/robust-merge_$merge_job.log"
# robust merge's last line starting "merged" names the run ("merged … into run N of …", "merged into DB run N: …").
merged_line=$(grep '^merged' "$merge_log" 2>/dev/null | tail -1 || true)
merged_run=$(grep -o 'run [0-9][0-9]*' <<<"$merged_line" | head -1 | grep -o '[0-9]*$' || true)
if [ -z "$merged_run" ]; then
  # robust's merge did not say; the shards table names the run the shards went into.
  merged_run=$(sqlite3 -readonly "$work/merged.db" "SELECT CASE WHEN count(DISTINCT run_id) = 1 THEN max(run_id) END FROM shards" 2>/dev/null || true)
fi
[ -n "$merged_run" ] || die "cannot tell the merged run's id from $merge_log or $work/merged.db"
say "merge: ${merged_line:-run $merged_run of $work/merged.db}"

say "one process: $robust eval … --db $work/one-process.db"
one_start=$(date +%s.%N)
if ! "$robust" eval --model "$model" --data "$data" --recipes "$recipes" --sample "$sample" --seed "$seed" \
  --db "$work/one-process.db" >"$work/logs/one-process.log" 2>&1; then
  tail -n 20 "$work/logs/one-process.log" >&2
  die "the one-process run failed; see $work/logs/one-process.log"
fi
one_end=$(date +%s.%N)
one_run=$(sqlite3 -readonly "$work/one-process.db" "SELECT id FROM runs WHERE kind = 'eval' AND status = 'finished' ORDER BY id DESC LIMIT 1")
[ -n "$one_run" ] || die "no finished eval run in $work/one-process.db"

compare_status=0
compare_out=$(scripts/compare-runs.sh "$work/merged.db" "$merged_run" "$work/one-process.db" "$one_run") || compare_status=$?
echo "$compare_out"

seconds() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
say "wall time, Slurm: $((merge_end - array_start)) s from the first array task's start to the merge's end" \
  "($(seconds "$submitted" "$merge_seen") s from submission until the merge was seen done); $shards shards, $throttle at a time, $cpus core(s) each"
say "wall time, one process: $(seconds "$one_start" "$one_end") s"
if ((compare_status == 0)); then
  say "OK: merged run $merged_run of $work/merged.db is identical to run $one_run of $work/one-process.db"
else
  say "FAILED: merged run $merged_run and one-process run $one_run differ (or could not be compared)"
  exit 1
fi
