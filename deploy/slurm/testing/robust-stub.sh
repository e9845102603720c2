#!/usr/bin/env bash
# robust-stub.sh: a stand-in for the robust binary, for testing deploy/slurm/ and scripts/slurm-check.sh
# without robust (the Slurm plumbing: environment, arrays, throttling, afterok, resume, merge, compare). It
# implements just enough of the interface those scripts call, with sqlite3 and a toy version of the
# results-store tables compare-runs.sh reads:
#   eval --db DB [--shard K/N] [--resume ID] [--sample N] …   (shard from --shard or SLURM_ARRAY_TASK_*)
#   runs --db DB --json  |  runs --shards DB…
#   merge DB… --into RUN_DB [--partial]
# Example i of the selection belongs to shard (i mod N)+1 (robust hashes instead). Test knobs:
#   STUB_SLEEP=S            an eval sleeps S seconds (default 2)
#   STUB_FAIL_SHARD=K       shard K fails (exit 1, run marked failed)
#   STUB_INTERRUPT_SHARD=K  shard K records half its examples, is marked interrupted and exits 3, unless resumed
#   STUB_SKEW_ONE=1         an unsharded eval stores one similarity one ulp off (compare-runs must notice)
# Every call appends its arguments and the task's Slurm variables to $STUB_LOG when set.
set -euo pipefail

die() { echo "robust-stub: error: $*" >&2; exit 1; }
log() { echo "robust-stub: $*"; [ -z "${STUB_LOG:-}" ] || echo "$*" >>"$STUB_LOG"; }

schema="
CREATE TABLE IF NOT EXISTS runs (id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, status TEXT NOT NULL,
  config_json TEXT NOT NULL DEFAULT '{}', started_at TEXT NOT NULL, finished_at TEXT);
CREATE TABLE IF NOT EXISTS examples (id INTEGER PRIMARY KEY AUTOINCREMENT, run_id INTEGER NOT NULL, recipe TEXT NOT NULL,
  example_index INTEGER NOT NULL, text TEXT NOT NULL, gold TEXT NOT NULL, clean_prediction TEXT NOT NULL,
  adversarial_text TEXT, adversarial_prediction TEXT, status TEXT NOT NULL, queries INTEGER NOT NULL DEFAULT 0,
  words_changed INTEGER NOT NULL DEFAULT 0, words_total INTEGER NOT NULL DEFAULT 0, similarity REAL,
  milliseconds REAL NOT NULL DEFAULT 0, detail_json TEXT, UNIQUE (run_id, recipe, example_index));
CREATE TABLE IF NOT EXISTS metrics (id INTEGER PRIMARY KEY AUTOINCREMENT, run_id INTEGER NOT NULL, recipe TEXT NOT NULL,
  name TEXT NOT NULL, value REAL NOT NULL, low REAL, high REAL, UNIQUE (run_id, recipe, name));
CREATE TABLE IF NOT EXISTS curves (id INTEGER PRIMARY KEY AUTOINCREMENT, run_id INTEGER NOT NULL, recipe TEXT NOT NULL,
  curve TEXT NOT NULL, x_name TEXT NOT NULL, x REAL NOT NULL, y_name TEXT NOT NULL, y REAL NOT NULL);
CREATE TABLE IF NOT EXISTS audit_checks (id INTEGER PRIMARY KEY AUTOINCREMENT, run_id INTEGER NOT NULL,
  recipe TEXT NOT NULL, example_index INTEGER NOT NULL, audit TEXT NOT NULL, check_name TEXT NOT NULL,
  value REAL NOT NULL, passed INTEGER NOT NULL, detail TEXT);
"

# Metrics and a curve of run R computed from its examples in a fixed order, as robust would after a merge.
summarise() {
  local run=$1
  cat <<EOF
DELETE FROM metrics WHERE run_id = $run; DELETE FROM curves WHERE run_id = $run;
INSERT INTO metrics (run_id, recipe, name, value, low, high)
  SELECT $run, recipe, 'examples', count(*), NULL, NULL FROM examples WHERE run_id = $run GROUP BY recipe;
INSERT INTO metrics (run_id, recipe, name, value, low, high)
  SELECT $run, recipe, 'mean_similarity', avg(s), min(s), max(s)
  FROM (SELECT recipe, similarity AS s FROM examples WHERE run_id = $run ORDER BY recipe, example_index) GROUP BY recipe;
INSERT INTO metrics (run_id, recipe, name, value) SELECT $run, 'clean', 'eval_seconds', abs(random() % 1000) / 10.0;
INSERT INTO curves (run_id, recipe, curve, x_name, x, y_name, y)
  SELECT $run, recipe, 'queries', 'budget', 10.0, 'success', avg(queries <= 10) FROM examples WHERE run_id = $run GROUP BY recipe;
EOF
}

cmd_eval() {
  local db="" shard_opt="" resume="" sample=20 args="$*"
  while (($#)); do
    case "$1" in
      --db) db=$2; shift 2 ;;
      --shard) shard_opt=$2; shift 2 ;;
      --resume) resume=$2; shift 2 ;;
      --sample|--limit) sample=$2; shift 2 ;;
      --model|--data|--recipes|--seed) shift 2 ;;
      *) shift ;;
    esac
  done
  [ -n "$db" ] || die "eval needs --db"
  local k=1 n=1 sharded=0
  if [ -n "$shard_opt" ]; then
    k=${shard_opt%/*} n=${shard_opt#*/} sharded=1
  elif [ -n "${SLURM_ARRAY_TASK_ID:-}" ]; then
    k=$(((SLURM_ARRAY_TASK_ID - ${SLURM_ARRAY_TASK_MIN:-0}) / ${SLURM_ARRAY_TASK_STEP:-1} + 1))
    n=$SLURM_ARRAY_TASK_COUNT sharded=1
  fi
  ((k >= 1 && k <= n)) || die "shard $k/$n does not exist"
  log "eval $args | shard $k/$n | SLURM_ARRAY_JOB_ID=${SLURM_ARRAY_JOB_ID:-} SLURM_ARRAY_TASK_ID=${SLURM_ARRAY_TASK_ID:-}" \
    "COUNT=${SLURM_ARRAY_TASK_COUNT:-} MIN=${SLURM_ARRAY_TASK_MIN:-} MAX=${SLURM_ARRAY_TASK_MAX:-}" \
    "STEP=${SLURM_ARRAY_TASK_STEP:-} SLURM_JOB_ID=${SLURM_JOB_ID:-} ROBUST_WORKERS=${ROBUST_WORKERS:-} start=$(date +%s.%N)"
  sqlite3 "$db" "$schema"
  local config run
  if ((sharded)); then config="{\"seed\":7,\"shard\":{\"index\":$k,\"count\":$n}}"; else config='{"seed":7}'; fi
  if [ -n "$resume" ]; then
    [ "$(sqlite3 "$db" "SELECT status FROM runs WHERE id = $resume")" != finished ] || die "run $resume already finished"
    sqlite3 "$db" "UPDATE runs SET status = 'running' WHERE id = $resume"
    run=$resume
  else
    run=$(sqlite3 "$db" "INSERT INTO runs (kind, status, config_json, started_at) VALUES ('eval', 'running', '$config', datetime()) RETURNING id")
  fi
  local i members=() sql=""
  for ((i = 0; i < sample; i++)); do ((i % n + 1 == k)) && members+=("$i"); done
  local stop=${#members[@]}
  if [ "${STUB_INTERRUPT_SHARD:-}" = "$k" ] && [ -z "$resume" ]; then stop=$((stop / 2)); fi
  for ((i = 0; i < stop; i++)); do
    local e=${members[$i]} sim
    sim="(($e * 7919) % 1000) / 1000.0 + 1.0 / 3.0"
    if [ "${STUB_SKEW_ONE:-}" = 1 ] && ((sharded == 0 && e == 1)); then
      sim="($sim) * (1 + 2.3e-16)"
    fi
    sql+="INSERT OR IGNORE INTO examples (run_id, recipe, example_index, text, gold, clean_prediction, adversarial_text,
      adversarial_prediction, status, queries, words_changed, words_total, similarity, milliseconds, detail_json)
      VALUES ($run, 'pwws', $e, 'text $e', 'pos', 'pos', 'txet $e', 'neg', 'success', $((e % 13)), 1, 2, $sim,
      abs(random() % 100), NULL);"
  done
  sqlite3 "$db" "BEGIN; $sql COMMIT;"
  if ((stop < ${#members[@]})); then
    sqlite3 "$db" "UPDATE runs SET status = 'interrupted' WHERE id = $run"
    log "shard $k/$n interrupted after $stop of ${#members[@]} examples (run $run)"
    exit 3
  fi
  sleep "${STUB_SLEEP:-2}"
  if [ "${STUB_FAIL_SHARD:-}" = "$k" ]; then
    sqlite3 "$db" "UPDATE runs SET status = 'failed' WHERE id = $run"
    die "shard $k/$n failed on purpose (STUB_FAIL_SHARD)"
  fi
  sqlite3 "$db" "BEGIN; $(summarise "$run") UPDATE runs SET status = 'finished', finished_at = datetime() WHERE id = $run; COMMIT;"
  log "eval run $run of shard $k/$n finished: ${#members[@]} examples in $db end=$(date +%s.%N)"
}

cmd_runs() {
  local db="" json=0 shards=()
  while (($#)); do
    case "$1" in
      --db) db=$2; shift 2 ;;
      --json) json=1; shift ;;
      --shards) shift; while (($#)) && [[ "$1" != --* ]]; do shards+=("$1"); shift; done ;;
      *) shift ;;
    esac
  done
  if ((${#shards[@]})); then
    local s
    for s in "${shards[@]}"; do
      [ -f "$s" ] || { echo "$s: not started"; continue; }
      sqlite3 "$s" "SELECT '$s: run ' || id || ' ' || status || ', ' || (SELECT count(*) FROM examples WHERE run_id = runs.id) || ' examples' FROM runs ORDER BY id DESC LIMIT 1" 2>/dev/null || echo "$s: not readable"
    done
    return 0
  fi
  [ -n "$db" ] && ((json)) || die "runs: the stub knows only 'runs --db DB --json' and 'runs --shards DB…'"
  sqlite3 "$db" "SELECT json_group_array(json_object('id', id, 'kind', kind, 'status', status, 'abandoned', json('false'),
    'config', json(config_json))) FROM runs"
}

cmd_merge() {
  local into="" partial=0 sources=()
  while (($#)); do
    case "$1" in
      --into) into=$2; shift 2 ;;
      --partial) partial=1; shift ;;
      *) sources+=("$1"); shift ;;
    esac
  done
  [ -n "$into" ] && ((${#sources[@]})) || die "merge needs shard databases and --into"
  log "merge ${sources[*]} --into $into"
  local s count="" seen=() line k n run
  for s in "${sources[@]}"; do
    line=$(sqlite3 "$s" "SELECT id, json_extract(config_json, '\$.shard.index'), json_extract(config_json, '\$.shard.count')
      FROM runs WHERE status = 'finished' ORDER BY id DESC LIMIT 1") || die "cannot read $s"
    [ -n "$line" ] || die "$s holds no finished run"
    IFS='|' read -r run k n <<<"$line"
    [ -z "$count" ] || [ "$count" = "$n" ] || die "$s is shard $k/$n, others are of $count"
    count=$n; seen[$k]=$run
  done
  for ((k = 1; k <= count; k++)); do
    [ -n "${seen[$k]:-}" ] || ((partial)) || die "shard $k/$count is missing (--partial merges without it)"
  done
  sqlite3 "$into" "$schema"
  local merged sql
  merged=$(sqlite3 "$into" "INSERT INTO runs (kind, status, config_json, started_at) VALUES ('eval', 'running', '{\"seed\":7}', datetime()) RETURNING id")
  for s in "${sources[@]}"; do
    run=$(sqlite3 "$s" "SELECT id FROM runs WHERE status = 'finished' ORDER BY id DESC LIMIT 1")
    sql="ATTACH '$s' AS shard; INSERT INTO examples (run_id, recipe, example_index, text, gold, clean_prediction, adversarial_text,
      adversarial_prediction, status, queries, words_changed, words_total, similarity, milliseconds, detail_json)
      SELECT $merged, recipe, example_index, text, gold, clean_prediction, adversarial_text, adversarial_prediction, status,
      queries, words_changed, words_total, similarity, milliseconds, detail_json FROM shard.examples WHERE run_id = $run;"
    sqlite3 "$into" "$sql"
  done
  sqlite3 "$into" "BEGIN; $(summarise "$merged") UPDATE runs SET status = 'finished', finished_at = datetime() WHERE id = $merged; COMMIT;"
  echo "merged shards 1-$count of $count into run $merged of $into ($(sqlite3 "$into" "SELECT count(*) FROM examples WHERE run_id = $merged") examples)"
}

case "${1:-}" in
  eval) shift; cmd_eval "$@" ;;
  runs) shift; cmd_runs "$@" ;;
  merge) shift; cmd_merge "$@" ;;
  *) die "unknown command '${1:-}' (the stub knows eval, runs, merge)" ;;
esac
