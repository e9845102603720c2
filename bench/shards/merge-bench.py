#!/usr/bin/env python3
"""merge-bench.py: times `robust merge` on a run of N examples split over K shards, built from a real stored run.

A real eval run (default: the whole default suite on 500 `mr` examples, audited) is replicated to N examples: example
i of the new run holds the rows (every recipe's example row and audit checks) of the source's example i mod M, and
goes to the shard its index hashes to (robust's pinned SplitMix64 finaliser). Each shard database is a copy of the
source store, upgraded by robust, holding one sharded run. Then `robust merge` joins them, timed, and the merged run
is checked for N examples per recipe.

    bench/shards/merge-bench.py SOURCE.db [--run 1] [--examples 10000] [--shards 8] [--robust .build/release/robust]
"""
import argparse, json, os, shutil, sqlite3, subprocess, sys, tempfile, time

MASK = (1 << 64) - 1

def shard_of(index, count):
    z = (index + 0x9E3779B97F4A7C15) & MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    z ^= z >> 31
    return z % count + 1

def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("source")
    parser.add_argument("--run", type=int, default=1)
    parser.add_argument("--examples", type=int, default=10000)
    parser.add_argument("--shards", type=int, default=8)
    parser.add_argument("--robust", default=".build/release/robust")
    parser.add_argument("--work", default=None)
    args = parser.parse_args()
    work = args.work or tempfile.mkdtemp(prefix="merge-bench.")
    os.makedirs(work, exist_ok=True)

    source = sqlite3.connect(args.source)
    run = source.execute("SELECT kind, config_json FROM runs WHERE id = ?", (args.run,)).fetchone()
    if run is None or run[0] not in ("eval", "attack"):
        sys.exit(f"{args.source} has no eval or attack run {args.run}")
    config = json.loads(run[1])
    rows = source.execute("SELECT * FROM examples WHERE run_id = ? ORDER BY recipe, example_index", (args.run,)).fetchall()
    columns = [c[1] for c in source.execute("PRAGMA table_info(examples)")]
    checks = source.execute("SELECT * FROM audit_checks WHERE run_id = ?", (args.run,)).fetchall()
    check_columns = [c[1] for c in source.execute("PRAGMA table_info(audit_checks)")]
    labels = sorted({r[columns.index("gold")] for r in rows})
    source_count = 1 + max(r[columns.index("example_index")] for r in rows)
    by_index, checks_by_index = {}, {}
    for r in rows:
        by_index.setdefault(r[columns.index("example_index")], []).append(r)
    for c in checks:
        checks_by_index.setdefault(c[check_columns.index("example_index")], []).append(c)
    source.close()

    members = {k: [] for k in range(1, args.shards + 1)}
    for i in range(args.examples):
        members[shard_of(i, args.shards)].append(i)
    config["sample"] = args.examples
    paths = []
    build_started = time.time()
    for k in range(1, args.shards + 1):
        path = os.path.join(work, f"shard-{k}.db")
        shutil.copyfile(args.source, path)
        # robust upgrades the copy to its schema (read-only commands migrate an older store first).
        subprocess.run([args.robust, "runs", "--db", path, "--limit", "1"], check=True, stdout=subprocess.DEVNULL)
        db = sqlite3.connect(path)
        db.execute("DELETE FROM runs WHERE id != ?", (args.run,))
        for table in ("examples", "metrics", "curves", "audit_checks", "human_labels"):
            db.execute(f"DELETE FROM {table} WHERE run_id = ?", (args.run,))
        shard_config = dict(config)
        shard_config["shard"] = {"index": k, "count": args.shards, "examples": len(members[k]), "selected": args.examples,
                                 "labels": labels}
        db.execute("UPDATE runs SET config_json = ? WHERE id = ?", (json.dumps(shard_config, sort_keys=True), args.run))
        placeholders = ",".join("?" * (len(columns) - 1))
        check_placeholders = ",".join("?" * (len(check_columns) - 1))
        for i in members[k]:
            for r in by_index[i % source_count]:
                values = list(r)
                values[columns.index("example_index")] = i
                db.execute(f"INSERT INTO examples ({','.join(columns[1:])}) VALUES ({placeholders})", values[1:])
            for c in checks_by_index.get(i % source_count, []):
                values = list(c)
                values[check_columns.index("example_index")] = i
                db.execute(f"INSERT INTO audit_checks ({','.join(check_columns[1:])}) VALUES ({check_placeholders})", values[1:])
        db.commit()
        db.close()
        paths.append(path)
    print(f"built {args.shards} shard databases of {args.examples} examples ({len(rows) // source_count} rows per example, "
          f"{len(checks) / source_count:.1f} audit checks per example) in {time.time() - build_started:.1f} s in {work}")

    into = os.path.join(work, "run.db")
    started = time.time()
    result = subprocess.run(["/usr/bin/time", "-f", "%M", args.robust, "merge", *paths, "--into", into, "--json"],
                            capture_output=True, text=True)
    seconds = time.time() - started
    if result.returncode != 0:
        sys.exit(f"merge failed: {result.stderr.strip()}")
    outcome = json.loads(result.stdout)
    peak = int(result.stderr.strip().splitlines()[-1])
    counts = outcome["examples"]
    assert all(n == args.examples for n in counts.values()), counts
    again_started = time.time()
    subprocess.run([args.robust, "merge", *paths, "--into", into, "--json"], check=True, capture_output=True)
    again = time.time() - again_started
    print(f"merge of {args.shards} shards, {args.examples} examples x {len(counts)} recipes "
          f"({sum(counts.values())} rows): {seconds:.2f} s wall, peak {peak / 1024:.0f} MB; "
          f"merging the same shards again (nothing to do): {again:.2f} s")

if __name__ == "__main__":
    main()
