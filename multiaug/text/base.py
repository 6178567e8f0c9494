"""Base classes of the text transforms: the ``text`` field and the shared word-edit machinery."""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Container, Mapping, Sequence
from itertools import compress
from typing import TYPE_CHECKING, Any, ClassVar

from ..core.errors import InvalidInputError
from ..core.params import Number, Options, Probability, Range, param
from ..core.transform import Transform
from . import _validate  # noqa: F401  (registers the `text` field check)
from .params import Protected, Stopwords, plain
from .tokens import UNITS, _is_plain, _pieces, word_is_editable
from .wordnet import wordnet

if TYPE_CHECKING:
    import re

    import numpy as np

__all__ = ["MAX_EDITS", "WORD_EDIT", "TextTransform", "WordEdit"]

#: Most edits one call of a word op may be asked for (``min_words``/``max_words``).
MAX_EDITS = 1_000_000


class TextTransform(Transform):
    """A transform of the ``text`` field (a ``str``); other fields pass through.

    Subclasses declare their parameters, implement ``apply_text(text, **params)``
    (the base ``apply`` calls it on the ``text`` field) and ``make_params`` when
    their draw depends on the text. Empty and whitespace-only texts are returned
    unchanged. Text transforms apply with ``p=1.0`` by default.
    """

    _abstract = True
    modality = "text"
    fields: ClassVar[tuple[str, ...]] = ("text",)
    required: ClassVar[tuple[str, ...]] = ("text",)
    p: float = param(Probability(), default=1.0, kw_only=True)

    #: Whether :func:`~multiaug.text.augment_texts` runs this step over all texts at once
    #: (a model's work batched: the three methods below); other steps run text by text.
    batches: ClassVar[bool] = False

    def apply_text(self, text: str, **params: Any) -> str:
        raise NotImplementedError

    def apply(self, sample: Mapping[str, Any], params: Mapping[str, Any]) -> dict[str, Any]:
        """``apply_text`` on the ``text`` field (the base ``apply``, without its lookup by field name)."""
        out = dict(sample)
        if "text" in sample:
            out["text"] = self.apply_text(sample["text"], **params)
        return out

    # ------------------------------------------------------------------ batched steps (``batches``)
    def _draw_plan(self, rng: np.random.Generator, sample: Any) -> Any:
        """What a call draws from its generator, before any batched work (default: the parameters)."""
        return self.make_params(rng, sample)

    def _params_from_plans(self, samples: Sequence[Any], plans: Sequence[Any]) -> list[dict[str, Any]]:
        """The parameters of each sample from its drawn plan, for all samples at once."""
        return list(plans)

    def _apply_batch(
        self, samples: Sequence[Any], params: Sequence[Mapping[str, Any]]
    ) -> list[dict[str, Any]]:
        """``self.apply`` of each sample with its parameters, for all samples at once."""
        return [self.apply(s, p) for s, p in zip(samples, params, strict=True)]

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """Constructor parameters; patterns and sets in their plain config form."""
        return {k: plain(v) for k, v in super().get_params(deep=deep).items()}


class _Common:
    """Words whose sentence-initial capital is positional: stopwords and WordNet words."""

    __slots__ = ("stopwords",)

    def __init__(self, stopwords: frozenset[str]) -> None:
        self.stopwords = stopwords

    def __contains__(self, word: object) -> bool:
        return isinstance(word, str) and (word in self.stopwords or word in wordnet())


#: The parameters of the word edits, with their documentation (``@options word_edit``).
WORD_EDIT = Options(
    "word_edit",
    {
        "alpha": (
            Range(0.0, 1.0, scalar="fixed", example="(0.05, 0.2)"),
            """
            alpha : float or (float, float), default 0.1
                The fraction of the words edited per call (EDA's alpha, 0.1 in the
                paper); a ``(lo, hi)`` range is drawn uniformly per call. In the text
                transforms ``alpha`` means this fraction and nothing else (the image
                transforms use the word for other things: see docs/core.md).
            """,
        ),
        # bounded: min_words forces that many edits whatever the text's length (RandomInsert draws
        # four numbers per edit), so an absurd value would allocate gigabytes
        "min_words": (
            Number(0, MAX_EDITS, integer=True),
            """
            min_words : int, default 1
                Fewest edits per call, if the text has that many words that may be
                edited (``1`` is EDA's floor).
            """,
        ),
        "max_words": (
            Number(0, MAX_EDITS, integer=True, optional=True),
            """
            max_words : int or None, default None
                Most edits per call (``None``: no upper bound).
            """,
        ),
        "protected": (
            Protected(),
            """
            protected : None, str, re.Pattern or list of them, default None
                Words or phrases (literal, whole words, any case) and compiled regular
                expressions whose matches are never touched: numbers, names, entities.
            """,
        ),
        "stopwords": (
            Stopwords(),
            """
            stopwords : "english", None or list of str, default "english"
                Keyword only. Words never touched (case-insensitive); ``None`` lets
                every word be edited.
            """,
        ),
    },
)


#: The kinds of :meth:`WordEdit._kind`: only a word of kind ``_SKIP`` is false.
_SKIP, _EDIT, _UNIT = 0, 1, 2
#: Most word forms one transform remembers (per kind of memo).
_MEMO = 1 << 16


class WordEdit(TextTransform):
    """Common parameters and helpers of the word edits (the EDA ops, character noise).

    The number of words edited in one call is ``alpha * n`` for a text of ``n``
    words (``alpha`` drawn from its range; the fraction rounded up with that
    probability, so the expected count is exactly ``alpha * n``), then clipped
    to ``[min_words, max_words]`` and to the words that may be edited. Stopwords
    and protected words are never edited, moved or deleted.

    Parameters
    ----------
    @options word_edit call_p1
    """

    _abstract = True
    _derived: ClassVar[tuple[str, ...]] = ("common", "kinds", "eligible")
    alpha: float | tuple[float, float] = param(WORD_EDIT.specs["alpha"], default=0.1)
    min_words: int = param(WORD_EDIT.specs["min_words"], default=1)
    max_words: int | None = param(WORD_EDIT.specs["max_words"], default=None)
    protected: Any = param(WORD_EDIT.specs["protected"], default=None)
    stopwords: str | list[str] | None = param(WORD_EDIT.specs["stopwords"], default="english", kw_only=True)

    def _finalize(self, r: Any) -> None:
        if r.max_words is not None and r.max_words < r.min_words:
            raise InvalidInputError(
                self.name,
                "max_words",
                f"is {r.max_words}, below min_words={r.min_words}",
                "pass max_words >= min_words, or max_words=None for no upper bound",
            )
        r.common = _Common(r.stopwords)
        # per word form, what the candidate rules make of it (they read the word alone): a
        # sentence's words are mostly ones seen before, so most words cost one dict lookup
        r.kinds = ({}, {})  # without, with a vocabulary: word -> _EDIT, _UNIT or _SKIP
        r.eligible = {}  # CharEdit: word -> whether it has the letters and a place to edit

    def check_params(self, params: Mapping[str, Any], sample: Mapping[str, Any]) -> None:
        """Every word position in a traced edit is a word of the text."""
        n = len(self._split(sample["text"])[1])
        for key, records in params.items():
            for j, record in enumerate(records if isinstance(records, list) else ()):
                for k in record if isinstance(record, list) else [record]:
                    if type(k) is int and not 0 <= k < n:
                        raise InvalidInputError(
                            self.name,
                            f"params.{key}[{j}]",
                            f"names word {k} of a text of {n} words",
                            "replay the trace unchanged, on the text that produced it",
                        )

    # ------------------------------------------------------------------ helpers for make_params
    def _count(self, rng: np.random.Generator, n_words: int, available: int) -> int:
        """How many edits this call makes (at most ``available``): draws ``alpha``, then rounds.

        ``alpha`` is drawn as its spec draws it, but a fixed ``alpha`` draws nothing.
        """
        return self._how_many(self._alpha(rng), float(rng.random()), n_words, available)

    def _alpha(self, rng: np.random.Generator) -> float:
        """The call's ``alpha``, drawn as its spec draws it; a fixed ``alpha`` draws nothing."""
        lo, hi = self._r.alpha
        return lo if lo == hi else WORD_EDIT.specs["alpha"].draw(rng, (lo, hi))

    def _count_and_uniforms(
        self,
        rng: np.random.Generator,
        n_words: int,
        available: int,
        per_edit: int,
        alpha: float | None = None,
        lead: int = 0,
    ) -> tuple[int, list[float]]:
        """:meth:`_count`, then ``rng.random(per_edit * n)``, from one call of the generator.

        Returns ``n`` and a list whose numbers from index ``lead + 1`` on are the ``per_edit * n``
        uniforms (``alpha``: already drawn, else drawn as :meth:`_count` draws it; ``lead``: numbers
        drawn first and not read, as ``CharEdit`` draws a fixed alpha). NumPy's ``rng.random(k)``
        gives the numbers ``k`` calls of ``rng.random()`` give, in order, so one call of
        ``1 + per_edit * bound`` numbers (``bound``: the most edits the rounding can give) hands out
        the very values the two calls drew: the rounding's first, then the edits'. The numbers past
        those are drawn and never read; the generator is the call's own (``Transform._run`` lends
        it for ``make_params`` only), so no later draw moves. Keyed outputs are unchanged (golden).
        """
        r = self._r
        if alpha is None:
            lo, hi = r.alpha
            alpha = lo if lo == hi else WORD_EDIT.specs["alpha"].draw(rng, (lo, hi))  # self._alpha, inlined
        # self._how_many twice, inlined (it is most of a call's draw): clipped to [least, most]
        exact = alpha * n_words
        whole = int(exact)
        frac = exact - whole
        least = r.min_words
        most = available if r.max_words is None else min(r.max_words, available)
        bound = min(max(whole + (0.0 < frac), least), most)  # u = 0 rounds a fraction up
        u = rng.random(lead + 1 + per_edit * bound).tolist()
        return min(max(whole + (u[lead] < frac), least), most), u

    def _how_many(self, alpha: float, u: float, n_words: int, available: int) -> int:
        """``alpha * n_words`` rounded up with probability its fraction (``u`` uniform), then clipped."""
        r = self._r
        exact = alpha * n_words
        n = int(exact)
        if u < exact - n:
            n += 1
        n = max(n, r.min_words)
        if r.max_words is not None:
            n = min(n, r.max_words)
        return min(n, available)

    def _candidates(
        self, text: str, vocab: Container[str] | None = None
    ) -> tuple[tuple[str, ...], range, list[int]]:
        """The pieces and word indices of ``text`` (see :meth:`_split`) and its editable words."""
        tokens, words = self._split(text)
        return tokens, words, self._editable(text, tokens, words, vocab)

    def _editable(
        self, text: str, tokens: Sequence[str], words: Sequence[int], vocab: Container[str] | None = None
    ) -> list[int]:
        """Positions (in ``words``) of the plain words that are neither stopwords nor protected.

        Words of other kinds (numbers, abbreviations, URLs, code: see
        :func:`~multiaug.text.tokens.locked_words`) are never edited. With ``vocab``, only words
        whose lower-case form is in it.
        """
        texts = tokens[1::2]
        r = self._r
        if not r.protected:
            memo = r.kinds[vocab is not None]
            try:
                kinds: Sequence[int] = bytes(map(memo.__getitem__, texts))  # in C; bytes: no GC-tracked list
            except KeyError:  # a word not seen before (no scan for it when every word is known)
                kinds = [memo[w] if w in memo else self._kind(w, vocab, memo) for w in texts]
            if _UNIT in kinds:
                return [
                    k
                    for k, c in enumerate(kinds)
                    if c == _EDIT or (c == _UNIT and word_is_editable(tokens, k))
                ]
            return list(compress(range(len(kinds)), kinds))
        return [  # the usual word (lower-case letters, no unit) is checked inline
            k
            for k in self._unprotected(text, tokens, words, vocab)
            if ((w := texts[k]).isalpha() and w.islower() and w not in UNITS) or word_is_editable(tokens, k)
        ]

    def _kind(self, word: str, vocab: Container[str] | None, memo: dict[str, int]) -> int:
        """What the candidate rules make of ``word`` alone (see :meth:`_editable`), remembered in ``memo``.

        ``_SKIP``: a stopword, not in ``vocab``, or no plain word; ``_UNIT``: a plain word that
        is a unit, editable unless it follows a number; ``_EDIT``: editable.
        """
        low = word.lower()
        if low in self._r.stopwords or (vocab is not None and low not in vocab):
            kind = _SKIP
        elif word.isalpha() and word.islower() and word not in UNITS:
            kind = _EDIT
        elif not _is_plain(word):
            kind = _SKIP
        else:
            kind = _UNIT if low in UNITS else _EDIT
        if len(memo) >= _MEMO:
            memo.clear()  # bounded: a stream of distinct words never grows it past _MEMO
        memo[word] = kind
        return kind

    def _unprotected(
        self, text: str, tokens: Sequence[str], words: Sequence[int], vocab: Container[str] | None
    ) -> list[int]:
        r = self._r
        stop = r.stopwords
        spans = _Spans(_protected_spans(r.protected, text)) if r.protected else None
        if not spans:
            texts = tokens[1::2]  # the words (pieces alternate), sliced at C speed
            if vocab is None:
                return [k for k, w in enumerate(texts) if w.lower() not in stop]
            return [k for k, w in enumerate(texts) if (low := w.lower()) not in stop and low in vocab]
        out = []
        start = 0
        t_prev = 0
        for k, t in enumerate(words):
            start += sum(len(x) for x in tokens[t_prev:t])
            t_prev = t
            word = tokens[t]
            if word.lower() in stop or (vocab is not None and word.lower() not in vocab):
                continue
            if _overlaps(spans, start, start + len(word)):
                continue
            out.append(k)
        return out

    def _insert_gaps(self, text: str, tokens: Sequence[str], words: Sequence[int]) -> list[int]:
        """Words after which a phrase may be inserted (not inside a protected match)."""
        spans = _Spans(_protected_spans(self._r.protected, text))
        if not spans:
            return list(range(len(words)))
        starts = [0]
        for tok in tokens:
            starts.append(starts[-1] + len(tok))
        # Inserting at the end of word k splits a match that strictly contains that point.
        return [k for k, t in enumerate(words) if not spans.strictly_inside(starts[t + 1])]

    @staticmethod
    def _split(text: str) -> tuple[tuple[str, ...], range]:
        """The cached pieces of ``text`` and the indices of its words (read-only)."""
        pieces = _pieces(text)
        return pieces, range(1, len(pieces), 2)


def pick_distinct(u: list[float], m: int) -> list[int]:
    """``len(u)`` distinct indices of ``range(m)`` from uniform floats (a partial Fisher-Yates shuffle)."""
    if len(u) == 1:  # the loop below, once
        return [min(int(u[0] * m), m - 1)]
    if len(u) == 2 and m > 1:  # twice: pick_two
        return list(pick_two(u[0], u[1], m))
    moved: dict[int, int] = {}  # the entries of the shuffled range(m) that differ from their index
    out = []
    for i, x in enumerate(u):
        j = min(i + int(x * (m - i)), m - 1)
        out.append(moved.get(j, j))
        moved[j] = moved.get(i, i)  # O(len(u)), not O(m): a swap makes the cost of many picks quadratic
    return out


def pick_two(x: float, y: float, m: int) -> tuple[int, int]:
    """``pick_distinct([x, y], m)`` without its bookkeeping (RandomSwap draws one pair per swap)."""
    a = min(int(x * m), m - 1)
    b = min(1 + int(y * (m - 1)), m - 1)
    return a, 0 if b == a else b


def _protected_spans(patterns: tuple[re.Pattern[str], ...], text: str) -> list[tuple[int, int]]:
    return [m.span() for pat in patterns for m in pat.finditer(text) if m.end() > m.start()]


class _Spans:
    """Protected ``(start, end)`` spans, sorted by start, asked in O(log n) whether they meet a range."""

    __slots__ = ("ends", "starts")

    def __init__(self, spans: list[tuple[int, int]]) -> None:
        spans = sorted(spans)
        self.starts = [s0 for s0, _ in spans]
        self.ends = list(itertools.accumulate((s1 for _, s1 in spans), max))  # running max of the ends

    def __len__(self) -> int:
        return len(self.starts)

    def _reach(self, below: int) -> int:
        """The furthest end of the spans that start before ``below`` (-1 if none)."""
        i = bisect.bisect_left(self.starts, below)
        return self.ends[i - 1] if i else -1

    def strictly_inside(self, point: int) -> bool:
        """Whether some span has ``start < point < end``."""
        return self._reach(point) > point


def _overlaps(spans: _Spans, start: int, end: int) -> bool:
    """Whether some span has ``s0 < end and s1 > start``."""
    return spans._reach(end) > start
