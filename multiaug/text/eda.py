"""The four EDA word edits (Wei & Zou, 2019): synonym replacement, insertion, swap, deletion.

Each draws its edits in ``make_params`` (word positions and the exact strings
inserted, as JSON-able lists) and applies them with the pure kernels of
:mod:`multiaug.text.functional`. Synonyms come from the WordNet 3.0 table shipped
with multiaug (:mod:`multiaug.text.wordnet`).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from itertools import compress, islice
from typing import TYPE_CHECKING, Any

from ..core.params import param
from .base import _UNIT, WordEdit, pick_distinct
from .functional import random_delete, random_insert, random_swap, synonym_replace
from .params import English, _fold
from .stopwords import ENGLISH_STOPWORDS
from .tokens import _pieces, match_case, opens_sentence
from .wordnet import Sense, wordnet

if TYPE_CHECKING:
    import numpy as np

__all__ = ["RandomDelete", "RandomInsert", "RandomSwap", "SynonymReplace"]

# A cheap part-of-speech hint from the previous word (there is no tagger): after a
# determiner comes a noun or an adjective, after a modal or "to" a verb.
_DETERMINERS = frozenset(
    "a an the this that these those my your his her its our their each every some any no another".split()
)
_VERBAL = frozenset("to can could will would shall should may might must cannot i we they you".split())
_NOMINAL_POS = frozenset({"n", "a"})
_VERBAL_POS = frozenset({"v", "r"})


def _senses(word: str, prev: str | None, common: bool = False) -> tuple[Sense, ...]:
    """The senses of ``word``, narrowed by the POS hint from ``prev`` when that leaves any."""
    senses = _common_senses(word.lower()) if common else wordnet().senses(word.lower())
    if prev is None or len(senses) < 2:
        return senses
    prev = _fold(prev)
    allowed = _NOMINAL_POS if prev in _DETERMINERS else _VERBAL_POS if prev in _VERBAL else None
    if allowed is None:
        return senses
    narrowed = tuple(s for s in senses if s[0] in allowed)
    return narrowed or senses


@functools.lru_cache(maxsize=65536)
def _common_senses(word: str) -> tuple[Sense, ...]:
    """The senses of a lower-case word form that SynonymReplace uses: attested ones, short lemmas.

    A sense that no SemCor annotator ever chose for the word (tag count 0) is a rare reading
    (``module`` -> ``mental faculty``, ``x`` -> ``ten``); a lemma of three words or more reads
    like a definition (``executed`` -> ``put to death``). Both are left out; a word with no
    sense left is not replaced.
    """
    out = []
    for pos, count, cands in wordnet().senses(word):
        short = tuple(c for c in cands if c.count(" ") < 2)
        if count > 0 and short:
            out.append((pos, count, short))
    return tuple(out)


def _synonym(
    tokens: Sequence[str], words: Sequence[int], k: int, u_sense: float, u_lemma: float, common: bool = False
) -> str:
    """A synonym of word ``k``: a sense drawn by its tag count (plus one), then a lemma uniformly.

    With ``common``, only the senses of :func:`_common_senses`.
    """
    word = tokens[words[k]]
    senses = _senses(word, tokens[words[k - 1]] if k > 0 else None, common)
    cands = senses[0][2]
    if len(senses) > 1:
        x = u_sense * sum(count + 1 for _, count, _ in senses)
        for _, count, cands in senses:  # noqa: B007  (the loop leaves `cands` at the drawn sense)
            x -= count + 1
            if x < 0:
                break
    return cands[min(int(u_lemma * len(cands)), len(cands) - 1)]


def looks_english(words: Sequence[str]) -> bool:
    """Whether words (a text's word tokens) look like English: the check of ``SynonymReplace(lang="en")``.

    Over the words of two letters or more: at least 10% English stopwords and 40% known to
    WordNet's synonym table or the stopword list, or 80% known (terse English such as a
    heading). Other languages share a few words with English ("die", "la") but hardly its
    stopwords. Texts of
    fewer than four such words count as English (too short to tell).

    Examples
    --------
    >>> from multiaug.text.eda import looks_english
    >>> looks_english("The function returns a list of values".split())
    True
    >>> looks_english("Der Hund läuft schnell nach Hause und die Katze schläft".split())
    False
    """
    plain = [w.lower() for w in words if len(w) > 1 and w.isalpha()]
    if len(plain) < 4:
        return True
    n = len(plain)
    stops = sum(map(ENGLISH_STOPWORDS.__contains__, plain))
    if stops >= 0.4 * n:
        return True  # the usual English sentence: no need to look the other words up
    vocab = wordnet().vocabulary
    known = stops + sum(1 for w in plain if w not in ENGLISH_STOPWORDS and w in vocab)
    return known >= 0.8 * n or (known >= 0.4 * n and stops >= 0.1 * n)


def replaceable_form(tokens: Sequence[str], words: Sequence[int], k: int) -> bool:
    """Whether word ``k`` (a plain word) has the form of a word that may be replaced.

    Not a single letter (``x`` is a variable), not an acronym (``API``), not a capitalised word
    inside a sentence (a name: ``Python``, ``Unicode``).
    """
    word = tokens[words[k]]
    if len(word) < 2 or (word.isupper() and word.isalpha()):
        return False
    return not (word[0].isupper() and not opens_sentence(tokens, words, k))


def _replaceable(tokens: Sequence[str], words: Sequence[int], k: int) -> bool:
    """Whether word ``k`` is a plain word SynonymReplace may replace (see its docstring)."""
    return replaceable_form(tokens, words, k) and bool(_common_senses(tokens[words[k]].lower()))


class SynonymReplace(WordEdit):
    """Replace words by WordNet synonyms from their common senses (EDA's synonym replacement).

    Picks ``alpha * n`` distinct plain words that have synonyms and are neither
    stopwords nor protected; each gets a synonym from one of its frequent
    senses (drawn by frequency), with the case pattern of the word it replaces
    (``Big`` -> ``Large``). Multi-word synonyms go in as phrases.

    Only plain words are replaced: never a number, abbreviation, URL, path or code token
    (see :mod:`multiaug.text.tokens`), a single letter (``x`` is a variable, not "ten"), an
    all-capitals word (an acronym) or a capitalised word inside a sentence (a name). Only
    senses attested in SemCor (tag count 1 or more) are used, and only lemmas of one or two
    words: ``module`` (whose only WordNet sense with a lemma is "mental faculty", never
    tagged) is left alone, ``executed`` becomes ``carried out`` but never ``put to death``.

    Parameters
    ----------
    @options word_edit call_p1
    lang : "en" or None, default "en"
        Keyword only. The synonyms are English WordNet's. With ``"en"``, a text that does not
        look English (:func:`~multiaug.text.eda.looks_english`) passes through unchanged
        (its trace records no edit); ``None`` skips the check.

    Examples
    --------
    >>> import multiaug as ma
    >>> aug = ma.text.SynonymReplace(alpha=0.5, seed=0)
    >>> out = aug(text="The big dog ran home.", key=5, trace=True)
    >>> out["text"]
    'The large domestic dog ran home.'
    >>> out["trace"][0]["params"]
    {'edits': [[1, 'large'], [2, 'domestic dog']]}
    """

    lang: str | None = param(English(), default="en", kw_only=True)

    def make_params(self, rng: np.random.Generator, sample: Any) -> dict[str, Any]:
        tokens, words, elig = self._candidates(sample["text"], wordnet().vocabulary)
        if self._r.lang and not looks_english(tokens[1::2]):
            return {"edits": []}
        texts = tokens[1::2]
        elig = [  # _replaceable, inlined: the usual word is lower case and its senses are cached
            k
            for k in elig
            if len(w := texts[k]) > 1
            and (w[0].islower() or _replaceable(tokens, words, k))
            and _common_senses(w.lower())
        ]
        if not elig:
            return {"edits": []}
        n, u = self._count_and_uniforms(rng, len(words), len(elig), 3)
        if n == 0:
            return {"edits": []}
        edits: list[list[Any]] = []
        for i, pick in enumerate(sorted(pick_distinct(u[1 : n + 1], len(elig)))):
            k = elig[pick]
            new = _synonym(tokens, words, k, u[1 + n + i], u[1 + 2 * n + i], common=True)
            edits.append([k, match_case(tokens[words[k]], new)])
        return {"edits": edits}

    def apply_text(self, text: str, edits: Sequence[Sequence[Any]] = (), **_: Any) -> str:
        return synonym_replace(text, edits)


class RandomInsert(WordEdit):
    """Insert synonyms of words already in the text at random places (EDA's random insertion).

    Each of the ``alpha * n`` insertions takes a word of the text that has
    synonyms (not a stopword, not protected), draws one of its synonyms and
    inserts it after a random word; never inside a protected phrase.

    Parameters
    ----------
    @options word_edit call_p1

    Examples
    --------
    >>> import multiaug as ma
    >>> ma.text.RandomInsert(seed=0)(text="The old cat sleeps.", key=6)["text"]
    'The old cat slumbers sleeps.'
    """

    def make_params(self, rng: np.random.Generator, sample: Any) -> dict[str, Any]:
        tokens, words, sources = self._candidates(sample["text"], wordnet().vocabulary)
        gaps = self._insert_gaps(sample["text"], tokens, words) if sources else []
        n = self._count(rng, len(words), 1 << 30) if gaps else 0
        u = rng.random(4 * n).tolist()
        inserts: list[list[Any]] = []
        for i in range(n):
            k = sources[int(u[4 * i] * len(sources))]
            phrase = _synonym(tokens, words, k, u[4 * i + 1], u[4 * i + 2])
            inserts.append([gaps[int(u[4 * i + 3] * len(gaps))], phrase])
        return {"inserts": inserts}

    def apply_text(self, text: str, inserts: Sequence[Sequence[Any]] = (), **_: Any) -> str:
        return random_insert(text, inserts)


def _edit_text(
    op: WordEdit,
    cls: type[WordEdit],
    sample: Mapping[str, Any],
    params: Mapping[str, Any],
    key: str,
    edit: Any,
) -> dict[str, Any]:
    """``cls.apply_text`` on the ``text`` field without the keyword round trip (the usual call of
    RandomSwap and RandomDelete), or the general path where a subclass has its own ``apply_text``."""
    if type(op).apply_text is not cls.apply_text:
        return super(cls, op).apply(sample, params)
    out = dict(sample)
    if "text" in sample:
        out["text"] = edit(sample["text"], params.get(key, ()), op._r.common)
    return out


class RandomSwap(WordEdit):
    """Swap pairs of words (EDA's random swap); spacing and punctuation stay in place.

    Makes ``alpha * n`` swaps of two distinct words, both neither stopwords nor
    protected. A capital that a word had for opening a sentence stays with the
    position (``The cat sat`` -> ``Sat cat the``).

    Parameters
    ----------
    @options word_edit call_p1

    Examples
    --------
    >>> import multiaug as ma
    >>> ma.text.RandomSwap(seed=0)(text="Quick brown foxes jump.", key=5)["text"]
    'Brown quick foxes jump.'
    """

    def make_params(self, rng: np.random.Generator, sample: Any) -> dict[str, Any]:
        text = sample["text"]
        pieces = _pieces(text)  # self._candidates, without its two calls
        elig = self._editable(text, pieces, range(1, len(pieces), 2))
        m = len(elig)
        if m < 2:
            return {"swaps": []}
        n, u = self._count_and_uniforms(rng, len(pieces) >> 1, 1 << 30, 2)
        swaps = []
        for i in range(1, 2 * n, 2):  # pick_two, inlined
            a = min(int(u[i] * m), m - 1)
            b = min(1 + int(u[i + 1] * (m - 1)), m - 1)
            swaps.append([elig[a], elig[0 if b == a else b]])
        return {"swaps": swaps}

    def apply(self, sample: Mapping[str, Any], params: Mapping[str, Any]) -> dict[str, Any]:
        return _edit_text(self, RandomSwap, sample, params, "swaps", random_swap)

    def apply_text(self, text: str, swaps: Sequence[Sequence[int]] = (), **_: Any) -> str:
        return random_swap(text, swaps, self._r.common)


class RandomDelete(WordEdit):
    """Delete words (EDA's random deletion), never the last word of the text.

    Deletes ``alpha * n`` distinct words that are neither stopwords nor
    protected, each with the whitespace before it; a word that comes to open a
    sentence gets a capital. At least one word always remains.

    Parameters
    ----------
    @options word_edit call_p1

    Examples
    --------
    >>> import multiaug as ma
    >>> ma.text.RandomDelete(alpha=0.3, seed=0)(text="The old grey cat sat down.", key=5)["text"]
    'The cat sat down.'
    """

    def make_params(self, rng: np.random.Generator, sample: Any) -> dict[str, Any]:
        text = sample["text"]
        pieces = _pieces(text)  # self._candidates, without its two calls
        r = self._r
        lo, hi = r.alpha
        elig = None
        if lo == hi and not r.protected:  # the usual call: _editable's kinds, inlined (issue 19)
            try:
                kinds = bytes(map(r.kinds[False].__getitem__, islice(pieces, 1, None, 2)))
                if _UNIT not in kinds:  # (a unit after a number is not editable: _editable decides)
                    elig = list(compress(range(len(kinds)), kinds))
            except KeyError:  # a word not seen before: _editable remembers it
                pass
        if elig is None:
            elig = self._editable(text, pieces, range(1, len(pieces), 2))
        m = len(elig)
        if not m:
            return {"deletes": []}
        n_words = len(pieces) >> 1
        if lo == hi:  # _count_and_uniforms with a fixed alpha, inlined (same rounding, same draw)
            exact = lo * n_words
            whole = int(exact)
            frac = exact - whole
            least = r.min_words
            most = min(m, n_words - 1) if r.max_words is None else min(r.max_words, m, n_words - 1)
            u = rng.random(1 + min(max(whole + (0.0 < frac), least), most)).tolist()
            n = min(max(whole + (u[0] < frac), least), most)
        else:
            n, u = self._count_and_uniforms(rng, n_words, min(m, n_words - 1), 1)
        if n <= 0:
            return {"deletes": []}
        if n == 1:  # pick_distinct of one number, inlined (the usual sentence)
            return {"deletes": [elig[min(int(u[1] * m), m - 1)]]}
        return {"deletes": sorted([elig[i] for i in pick_distinct(u[1 : n + 1], m)])}

    def apply(self, sample: Mapping[str, Any], params: Mapping[str, Any]) -> dict[str, Any]:
        return _edit_text(self, RandomDelete, sample, params, "deletes", random_delete)

    def apply_text(self, text: str, deletes: Sequence[int] = (), **_: Any) -> str:
        return random_delete(text, deletes, self._r.common)
