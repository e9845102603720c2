#!/usr/bin/env bash
# make-fuzz-seeds.sh: rewrites the committed seed corpora Fuzz/Corpus/<target>/ from the repository's fixtures,
# recipes and baselines (scripts/lib/fuzz-seeds.py) and, for the binary seeds, robust's own writers (the
# fuzz-make-seeds program: a tiny checkpoint of every model family, a results database). Run it after
# changing a fixture, recipe or file format; crashing inputs that were fixed are kept (Fuzz/Corpus/*/regression-*).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/fuzz-build.sh
fuzz_build
shopt -s nullglob
for target in Fuzz/Corpus/*/; do
    find "$target" -type f ! -name 'regression-*' -delete
done
python3 scripts/lib/fuzz-seeds.py . Fuzz/Corpus
SWIFT_BACKTRACE=enable=no ASAN_OPTIONS=detect_leaks=0 "$FUZZ_BIN/fuzz-make-seeds" Fuzz/Corpus \
    Tests/Fixtures/families/*/model/config.json Tests/Fixtures/tiny_bert_cls/config.json
# The results database with 512-byte pages, in rollback-journal mode, compacted: ~20 KB instead of ~80 KB.
python3 - Fuzz/Corpus/results-db/robust.db <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("PRAGMA journal_mode = DELETE")
db.execute("PRAGMA page_size = 512")
db.execute("VACUUM")
db.close()
PY
rm -f Fuzz/Corpus/results-db/robust.db-*
# The same database with one byte more: the fuzz target opens it read-write (see ResultsDatabaseFuzz.swift).
cp Fuzz/Corpus/results-db/robust.db Fuzz/Corpus/results-db/robust-writable.db
printf '\001' >> Fuzz/Corpus/results-db/robust-writable.db
du -sh Fuzz/Corpus/* | sed 's/^/seeds: /'
