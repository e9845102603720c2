#!/usr/bin/env bash
# compare-runs.sh: whether two stored runs hold the same results, bit for bit (e.g. a run merged from Slurm
# shards against the same evaluation done in one process).
#
#   scripts/compare-runs.sh DB_A RUN_A DB_B RUN_B
#
# Compares, with sqlite3 and read-only, the rows of run RUN_A in DB_A and run RUN_B in DB_B:
#  - examples: recipe, example_index, text, gold, clean_prediction, adversarial_text, adversarial_prediction,
#    status, queries, words_changed, words_total, similarity, detail_json (not milliseconds: timing);
#  - metrics: recipe, name, value, low, high, except timing metrics (whose name contains 'seconds');
#  - curves: recipe, curve, x_name, x, y_name, y;
#  - audit_checks: recipe, example_index, audit, check_name, value, passed, detail (none when a store predates
#    the audit tables).
# Reals are printed with printf('%!.17g'), which tells every two doubles apart; rows are dumped one a line as
# JSON (sqlite3's json mode), which keeps NULL apart from '' and a number apart from a string. The run rows themselves (ids, times, command lines, configuration) are
# not compared.
# Prints "identical: N examples, M metrics, C curve points, A audit checks" and exits 0; or which tables
# differ and the start of `diff -u` of the two dumps ($COMPARE_DIFF_LINES lines, default 60) and exits 1.
# Exits 2 on a usage error, a missing file or run.
set -euo pipefail

die() { echo "compare-runs: error: $*" >&2; exit 2; }

[ $# -eq 4 ] || { echo "usage: scripts/compare-runs.sh DB_A RUN_A DB_B RUN_B" >&2; exit 2; }
db_a=$1 run_a=$2 db_b=$3 run_b=$4
command -v sqlite3 >/dev/null || die "sqlite3 not found (apt-get install sqlite3)"
for run in "$run_a" "$run_b"; do
  [[ "$run" =~ ^[0-9]{1,18}$ ]] || die "a run id is a positive whole number, not '$run'"
done
for db in "$db_a" "$db_b"; do
  [ -f "$db" ] || die "no such database: $db"
  [ -r "$db" ] || die "cannot read $db"
done
diff_lines=${COMPARE_DIFF_LINES:-60}
[[ "$diff_lines" =~ ^[0-9]+$ ]] || die "COMPARE_DIFF_LINES must be a number, not '$diff_lines'"

# sqlite3 DB RUN: runs SQL from stdin read-only, with the run id bound as :run (validated above to be digits,
# so `.parameter set` reads it as an integer literal). The path is one argument, never part of the SQL.
query() {
  local db=$1 run=$2
  { printf '.parameter init\n.parameter set :run %s\n' "$run"; cat; } | sqlite3 -readonly -batch -bail "$db"
}

has_table() {
  [ "$(query "$1" 0 <<<"SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '$2';")" = 1 ]
}

check_run() {
  local db=$1 run=$2 found
  has_table "$db" runs && has_table "$db" examples || die "$db is not a robust results store (no runs/examples tables)"
  found=$(query "$db" "$run" <<<"SELECT count(*) FROM runs WHERE id = :run;") || die "cannot read $db"
  [ "$found" = 1 ] || die "$db has no run $run"
}

# A REAL column as text that tells every two doubles apart (17 significant digits), NULL kept NULL.
real() { printf "iif(%s IS NULL, NULL, printf('%%!.17g', %s)) AS %s" "$1" "$1" "$1"; }

# The dump of one table section of a run: a header line, then one row per line as a JSON object (sqlite3's
# json mode: strings quoted and escaped, newlines included; numbers bare; NULL as null).
dump_section() {
  local db=$1 run=$2 section=$3 sql
  case "$section" in
    examples)
      sql="SELECT recipe, example_index, text, gold, clean_prediction, adversarial_text, adversarial_prediction,
                  status, queries, words_changed, words_total, $(real similarity), detail_json
           FROM examples WHERE run_id = :run ORDER BY recipe, example_index;" ;;
    metrics)
      sql="SELECT recipe, name, $(real value), $(real low), $(real high)
           FROM metrics WHERE run_id = :run AND instr(name, 'seconds') = 0 ORDER BY recipe, name;" ;;
    curves)
      sql="SELECT recipe, curve, x_name, $(real x), y_name, $(real y)
           FROM curves WHERE run_id = :run ORDER BY recipe, curve, curves.x;" ;;
    audit_checks)
      sql="SELECT recipe, example_index, audit, check_name, $(real value), passed, detail
           FROM audit_checks WHERE run_id = :run ORDER BY recipe, example_index, audit, check_name;" ;;
  esac
  echo "## $section"
  if has_table "$db" "$section"; then
    query "$db" "$run" <<<".mode json
$sql" | sed -E 's/^\[?(\{.*\})[],]?$/\1/'
  fi
}

sections=(examples metrics curves audit_checks)
check_run "$db_a" "$run_a"
check_run "$db_b" "$run_b"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for section in "${sections[@]}"; do
  dump_section "$db_a" "$run_a" "$section" >"$work/a.$section" || die "cannot read $section of run $run_a in $db_a"
  dump_section "$db_b" "$run_b" "$section" >"$work/b.$section" || die "cannot read $section of run $run_b in $db_b"
done

rows() { echo $(($(wc -l <"$1") - 1)); }
different=()
for section in "${sections[@]}"; do
  cmp -s "$work/a.$section" "$work/b.$section" || different+=("$section")
done

if ((${#different[@]} == 0)); then
  echo "identical: $(rows "$work/a.examples") examples, $(rows "$work/a.metrics") metrics," \
    "$(rows "$work/a.curves") curve points, $(rows "$work/a.audit_checks") audit checks"
  exit 0
fi

echo "different: run $run_a of $db_a and run $run_b of $db_b"
for section in "${different[@]}"; do
  echo "  $section: $(rows "$work/a.$section") rows against $(rows "$work/b.$section")"
done
for section in "${sections[@]}"; do cat "$work/a.$section"; done >"$work/a.dump"
for section in "${sections[@]}"; do cat "$work/b.$section"; done >"$work/b.dump"
diff -u --label "$db_a run $run_a" --label "$db_b run $run_b" "$work/a.dump" "$work/b.dump" | head -n "$diff_lines" || true
exit 1
