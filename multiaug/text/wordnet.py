"""WordNet 3.0 synonyms from the compact table shipped with multiaug (no NLTK, no download).

``scripts/build_wordnet.py`` compiles WordNet 3.0 into ``data/wordnet_synonyms.tsv.gz``
(about 1.2 MB, 94 000 word forms): for each lower-case word form, its frequent
senses (ranked by SemCor tag counts, all parts of speech) with the other lemmas
of each sense, inflected like the key for plurals and verb forms. The table is
read once, on first use (about 0.1 s); each word's line is parsed when first
looked up. The WordNet licence ships beside it (``data/WORDNET_LICENSE.txt``).
"""

from __future__ import annotations

import gzip
import threading
from importlib import resources

__all__ = ["POS_TAGS", "SynonymTable", "synonyms", "wordnet"]

#: WordNet's parts of speech: noun, verb, adjective, adverb.
POS_TAGS = ("n", "v", "a", "r")
TABLE_FILE = "wordnet_synonyms.tsv.gz"

#: One sense of a word: (part of speech, SemCor tag count, candidate lemmas).
Sense = tuple[str, int, tuple[str, ...]]


class SynonymTable:
    """Word form -> frequent WordNet senses and their synonyms.

    Parameters
    ----------
    data : bytes
        The gzip-compressed table written by ``scripts/build_wordnet.py``.
    """

    def __init__(self, data: bytes) -> None:
        text = gzip.decompress(data).decode("utf-8")
        lines = text.split("\n")
        self._raw: dict[str, str] = dict(ln.split("\t", 1) for ln in lines if ln and ln[0] != "#")
        #: The word forms that have synonyms (a read-only view, for fast membership tests).
        self.vocabulary = self._raw.keys()
        self._parsed: dict[str, tuple[Sense, ...]] = {}

    def __len__(self) -> int:
        return len(self._raw)

    def __contains__(self, word: object) -> bool:
        return word in self._raw

    def senses(self, word: str) -> tuple[Sense, ...]:
        """The kept senses of a lower-case word form, most frequent first (empty if none)."""
        got = self._parsed.get(word)
        if got is None:
            raw = self._raw.get(word)
            got = () if raw is None else tuple(_parse(raw))
            self._parsed[word] = got
        return got

    def synonyms(self, word: str, pos: str | None = None) -> list[str]:
        """Candidates for ``word`` (any case), in sense-frequency order, optionally of one POS."""
        seen: dict[str, None] = {}
        for sense_pos, _count, cands in self.senses(word.lower()):
            if pos is None or sense_pos == pos:
                seen.update(dict.fromkeys(cands))
        return list(seen)


def _parse(raw: str) -> list[Sense]:
    out = []
    for group in raw.split("\t"):
        head, _, cands = group.partition("=")
        out.append((head[0], int(head[1:]), tuple(cands.split("|"))))
    return out


_LOCK = threading.Lock()
_TABLE: SynonymTable | None = None


def wordnet() -> SynonymTable:
    """The shipped WordNet 3.0 synonym table (loaded once per process, thread-safe).

    Examples
    --------
    >>> from multiaug.text import wordnet
    >>> "large" in wordnet().synonyms("big")
    True
    """
    global _TABLE
    if _TABLE is None:
        with _LOCK:
            if _TABLE is None:
                data = resources.files("multiaug.text").joinpath("data", TABLE_FILE).read_bytes()
                _TABLE = SynonymTable(data)
    return _TABLE


def synonyms(word: str, pos: str | None = None) -> list[str]:
    """WordNet synonyms of ``word`` from the shipped table, most frequent senses first.

    Parameters
    ----------
    word : str
        A single word form, any case (``"Cats"`` is looked up as ``"cats"``).
    pos : {"n", "v", "a", "r"} or None
        Restrict to one part of speech; ``None`` merges all of them.

    Returns
    -------
    list of str
        Candidates, multi-word lemmas as phrases (``"set up"``), inflected like
        ``word`` for noun plurals and verb forms; empty when WordNet has none.

    Examples
    --------
    >>> from multiaug.text import synonyms
    >>> synonyms("big")
    ['large']
    >>> synonyms("cats")
    ['true cats']
    >>> synonyms("use", pos="v")
    ['utilize', 'utilise', 'apply', 'employ']
    """
    return wordnet().synonyms(word, pos)
