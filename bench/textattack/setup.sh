#!/usr/bin/env bash
# Sets up TextAttack 0.3.11 beside robust, offline but for PyPI and Debian, so that both attack the
# same checkpoint and examples on the same machine (bench/textattack/compare.sh).
#
# - A virtualenv in .textattack/ (ignored by git) with TextAttack and the parts of its dependencies
#   that PWWS and DeepWordBug use, at pinned versions (torch from PyPI brings its CUDA wheels, about
#   3 GB, unused on CPU).
# - flair is replaced by an import-only stand-in: TextAttack imports it at module level, but only its
#   part-of-speech constraints call it, and neither recipe has one.
# - NLTK data built from Debian's WordNet 3.0 (wordnet-base, wordnet-sense-index), the same database
#   robust reads, plus the `lexnames` table and NLTK's English stopword list (robust's copy), because
#   nltk.download cannot reach its server here.
set -euo pipefail
cd "$(dirname "$0")/../.."
root="$PWD/.textattack"

if ! dpkg -s wordnet-base wordnet-sense-index >/dev/null 2>&1; then
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get install -y wordnet-base wordnet-sense-index
fi

if [ ! -x "$root/venv/bin/python" ]; then
  python3 -m venv "$root/venv"
fi
pip="$root/venv/bin/pip"
"$pip" install --quiet \
  torch==2.15.0 transformers==5.24.0 tokenizers==0.23.3 safetensors==0.8.0 huggingface_hub==2.4.0 \
  nltk==3.10.4 numpy==2.4.6 scipy==1.17.1 pandas==3.1.1 datasets==5.2.0 lru-dict==1.4.1 \
  more-itertools==11.2.1 terminaltables==3.1.10 tqdm==4.70.1 word2number==1.1 num2words==0.5.14 \
  lemminflect==0.2.3 editdistance==0.8.1 Levenshtein==0.27.5 language_tool_python==3.4.0 \
  bert-score==0.3.13 pinyin==0.4.0 jieba==0.42.1 OpenHowNet==2.0 langdetect==1.0.9
"$pip" install --quiet --no-deps textattack==0.3.11

# Import-only flair.
mkdir -p "$root/stubs/flair"
cat > "$root/stubs/flair/__init__.py" <<'PY'
device = None
from . import data, models
PY
cat > "$root/stubs/flair/data.py" <<'PY'
class Tokenizer:
    pass
class Sentence:
    def __init__(self, *args, **kwargs):
        raise RuntimeError("flair is not installed (import-only stand-in)")
PY
cat > "$root/stubs/flair/models.py" <<'PY'
class SequenceTagger:
    @staticmethod
    def load(*args, **kwargs):
        raise RuntimeError("flair is not installed (import-only stand-in)")
PY

# NLTK data. NLTK refuses symbolic links that leave its data folder, so the files are copied.
wordnet="$root/nltk_data/corpora/wordnet"
mkdir -p "$wordnet" "$root/nltk_data/corpora/stopwords"
for f in /usr/share/wordnet/{data,index}.{noun,verb,adj,adv} /usr/share/wordnet/{noun,verb,adj,adv}.exc \
         /usr/share/wordnet/index.sense; do
  cp "$f" "$wordnet/"
done
python3 - "$wordnet/lexnames" "$root/nltk_data/corpora/stopwords/english" <<'PY'
import sys, re
# WordNet 3.0's lexicographer files, in their numbered order (lexnames(5)).
names = ("adj.all adj.pert adv.all noun.Tops noun.act noun.animal noun.artifact noun.attribute noun.body "
         "noun.cognition noun.communication noun.event noun.feeling noun.food noun.group noun.location "
         "noun.motive noun.object noun.person noun.phenomenon noun.plant noun.possession noun.process "
         "noun.quantity noun.relation noun.shape noun.state noun.substance noun.time verb.body verb.change "
         "verb.cognition verb.communication verb.competition verb.consumption verb.contact verb.creation "
         "verb.emotion verb.motion verb.perception verb.possession verb.social verb.stative verb.weather "
         "adj.ppl").split()
category = {"noun": 1, "verb": 2, "adj": 3, "adv": 4}
with open(sys.argv[1], "w") as out:
    for number, name in enumerate(names):
        out.write(f"{number:02d}\t{name}\t{category[name.split('.')[0]]}\n")
source = open("Sources/Attacks/Constraints/Stopwords.swift").read()
block = source.split("public static let nltk")[1].split('"""')[1]
words = block.replace("\\\n", " ").split()
assert len(words) == 179, len(words)
with open(sys.argv[2], "w") as out:
    out.write("\n".join(words) + "\n")
PY
echo "TextAttack 0.3.11 is ready in $root"
