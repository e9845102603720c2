#!/usr/bin/env bash
# submit.sh: submits robust's sharded evaluation to Slurm: the array deploy/slurm/eval-array.sbatch (one shard
# per task) and deploy/slurm/merge.sbatch, which runs only when every task succeeded (afterok) and is
# cancelled when one fails (--kill-on-invalid-dep=yes). Prints the two job ids, on stdout as
#   array_job=1234
#   merge_job=1235
#
#   MODEL=models/mr-minilm DATA=mr SAMPLE=200 SEED=7 deploy/slurm/submit.sh
#
# Settings (environment variables): those of eval-array.sbatch (ROBUST, MODEL, DATA, RECIPES, SAMPLE, LIMIT,
# SEED, WORKERS, EVAL_ARGS) and of merge.sbatch (PARTIAL), and
#   SHARDS         number of shards = array tasks (default 4)
#   THROTTLE       tasks running at once, the array's %K (default 2)
#   CPUS_PER_TASK  cores of each task, robust's worker threads (default 1)
#   SHARD_DIR      shard databases (default ./shards), RUN_DB the merged run (default ./run.db)
#   LOG_DIR        job logs, %x_%A_%a.log and %x_%j.log (default: SHARD_DIR)
# Relative paths are made absolute here. sbatch's own variables (SBATCH_PARTITION, SBATCH_TIMELIMIT,
# SBATCH_ACCOUNT, …) apply to both jobs. Follow the run with `squeue`, `robust runs --shards
# "$SHARD_DIR"/shard-*.db`, and the logs. Submitting the same settings again after a failure resumes the
# unfinished shards and keeps the finished ones.
set -euo pipefail

die() { echo "submit: error: $*" >&2; exit 1; }
here=$(cd "$(dirname "$0")" && pwd)
absolute() { case "$1" in /*) echo "$1" ;; *) echo "$PWD/$1" ;; esac; }

command -v sbatch >/dev/null || die "sbatch not found: no Slurm client here"
[ -n "${MODEL:-}" ] || die "MODEL is not set (the model directory)"
[ -n "${DATA:-}" ] || die "DATA is not set (the data set)"
shards=${SHARDS:-4} throttle=${THROTTLE:-2} cpus=${CPUS_PER_TASK:-1}
for value in "$shards" "$throttle" "$cpus"; do
  [[ "$value" =~ ^[1-9][0-9]*$ ]] || die "SHARDS, THROTTLE and CPUS_PER_TASK must be positive whole numbers, not '$value'"
done

ROBUST=${ROBUST:-robust}
case "$ROBUST" in */*) ROBUST=$(absolute "$ROBUST") ;; esac
[ -d "$MODEL" ] && MODEL=$(absolute "$MODEL")
SHARD_DIR=$(absolute "${SHARD_DIR:-shards}")
RUN_DB=$(absolute "${RUN_DB:-run.db}")
LOG_DIR=$(absolute "${LOG_DIR:-$SHARD_DIR}")
mkdir -p "$SHARD_DIR" "$LOG_DIR"
export ROBUST MODEL DATA SHARD_DIR RUN_DB
# The tasks take their shard from Slurm's array variables (robust reads SLURM_ARRAY_TASK_*), not from SHARDS.
export -n SHARDS 2>/dev/null || true

existing=$(find "$SHARD_DIR" -maxdepth 1 -name 'shard-*.db' -type f | wc -l)
if ((existing > 0)); then
  echo "submit: $SHARD_DIR holds $existing shard database(s): unfinished runs there are resumed, finished shards kept" >&2
fi

array_out=$(sbatch --parsable --array="0-$((shards - 1))%$throttle" --cpus-per-task="$cpus" \
  --output="$LOG_DIR/%x_%A_%a.log" "$here/eval-array.sbatch") || die "sbatch of the array failed"
array_job=${array_out%%;*}
[[ "$array_job" =~ ^[0-9]+$ ]] || die "sbatch gave '$array_out', not a job id"

if ! merge_out=$(sbatch --parsable --dependency="afterok:$array_job" --kill-on-invalid-dep=yes \
  --output="$LOG_DIR/%x_%j.log" "$here/merge.sbatch"); then
  scancel "$array_job" || true
  die "sbatch of the merge failed; cancelled array job $array_job"
fi
merge_job=${merge_out%%;*}

echo "submit: array job $array_job: $shards shards, $throttle at a time, $cpus core(s) each, into $SHARD_DIR" >&2
echo "submit: merge job $merge_job after all of $array_job succeed, into $RUN_DB; logs in $LOG_DIR" >&2
echo "array_job=$array_job"
echo "merge_job=$merge_job"
