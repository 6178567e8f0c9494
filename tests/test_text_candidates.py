"""Speed paths of the word ops give what the plain rules give: the candidate memo (bounded), the split."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import multiaug as ma
from multiaug.text import base
from multiaug.text.chars import _has_letters
from multiaug.text.tokens import word_is_editable
from multiaug.text.wordnet import wordnet

WORDS = ["ms", "MS", "Run", "the", "The", "10", "e.g.", "x.y()", "naïve", "don't", "GB", "cats", "API", "run"]
SEPS = [" ", ", ", ". ", " 4 ", "\n", "(", ") "]


def reference(t: base.WordEdit, text: str, vocab: object = None) -> list[int]:
    """The candidate rules of WordEdit._editable, read afresh for every word."""
    tokens, _ = t._split(text)
    stop = t._r.stopwords
    return [
        k
        for k, w in enumerate(tokens[1::2])
        if w.lower() not in stop and (vocab is None or w.lower() in vocab) and word_is_editable(tokens, k)  # type: ignore[operator]
    ]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(WORDS), st.sampled_from(SEPS)), max_size=20))
def test_memo_gives_the_candidates_of_the_rules(parts: list[tuple[str, str]]) -> None:
    text = "".join(w + s for w, s in parts)
    for t in (ma.text.RandomSwap(), ma.text.RandomSwap(stopwords=None)):
        for _ in range(2):  # the second time from the memo
            assert t._candidates(text)[2] == reference(t, text)
    syn = ma.text.SynonymReplace()
    vocab = wordnet().vocabulary
    assert syn._candidates(text, vocab)[2] == reference(syn, text, vocab)
    for noise in (ma.text.OCRError(min_len=3, stopwords=None), ma.text.CharNoise("swap", min_len=1)):
        tokens, _, cands = noise._candidates(text)
        texts = tokens[1::2]
        fewest = noise._fewest()
        expect = [k for k in cands if _has_letters(texts[k], fewest) and bool(noise._slots(texts[k]))]
        assert noise._eligible_words(texts, cands) == expect == noise._eligible_words(texts, cands)
        assert noise._char_candidates(text)[2] == expect == noise._char_candidates(text)[2]  # one memo


def test_memo_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(base, "_MEMO", 50)
    monkeypatch.setattr(ma.text.chars, "_MEMO", 50)
    t = ma.text.CharNoise(stopwords=None, min_len=1, seed=0)
    text = " ".join(
        f"w{'abcdefghij'[i % 10]}ord{chr(97 + i // 10 % 26)}{chr(97 + i // 260)}" for i in range(400)
    )
    edits = t(text=text, key=0)
    assert edits["text"] != text
    fresh = ma.text.CharNoise(stopwords=None, min_len=1, seed=0)
    for key in range(1, 6):  # ~40 edited words per call: the places of more than 50 word forms are asked
        assert t(text=text, key=key) == fresh(text=text, key=key)
    assert len(t._r.kinds[False]) <= 50 and len(t._r.eligible) <= 50 and 0 < len(t._r.slots) <= 50


# every character a kind of word starts, ends or turns on, and every starter (quotes, brackets, tab)
_TECHNICAL_CHARS = "ab Z09 .-_/\\@$~+()[]=:'\u2019\u0301é,;\"\n`{<\u201c\u2018\u00ab\t"


def _reference_split(text: str) -> list[str]:
    import re

    from multiaug.text import tokens

    return re.compile(f"({tokens._WORD})").split(text)


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.text(max_size=60),
        st.text(alphabet=_TECHNICAL_CHARS, max_size=60),
        st.lists(st.sampled_from([*WORDS, "cat", "Cat", "l\u2019eau", "_x", *SEPS, *_TECHNICAL_CHARS])).map(
            "".join
        ),
    )
)
def test_the_split_skips_only_positions_where_no_word_starts(text: str) -> None:
    """The split's shortcuts (positions no word starts at; the usual word read once) change nothing."""
    from multiaug.text import tokens

    assert tokens._WORD_SPLIT(text) == _reference_split(text)
    assert tokens._split(text) == tuple(_reference_split(text))  # the plain fast path too


# ASCII only, and the sites the fast path's scan looks for ("www.", abbreviations, options, calls)
_ASCII_PARTS = [*"ab Z09 .-_/\\@$~+()[]=:'`,;\"\n{<\t!?\x1c\x1f\x0b", "www", "etc", "Dr", "al", "approx"]
_ASCII_PARTS += ["-v", "--"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_ASCII_PARTS), max_size=30).map("".join))
def test_the_plain_fast_path_gives_the_full_split(text: str) -> None:
    """An ASCII text without a technical site (tokens._TECHNICAL_SITE) splits as plain words alone;
    one with a site takes the full split compiled with re.ASCII (\\x1c-\\x1f are whitespace to both)."""
    from multiaug.text import tokens

    assert tokens._split(text) == tuple(_reference_split(text))


# the same with letters, marks, digits, spaces, apostrophes and quotes of other scripts
_UNICODE_PARTS = [*_ASCII_PARTS, *"é\u0301\u2019\u0663\u00a0\u201c\u00abßЖ²"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_UNICODE_PARTS), max_size=30).map("".join))
def test_the_plain_fast_path_gives_the_full_split_in_any_script(text: str) -> None:
    from multiaug.text import tokens

    assert tokens._split(text) == tuple(_reference_split(text))


def test_the_split_matches_the_reference_on_pythons_docs() -> None:
    from pydoc_data.topics import topics

    from multiaug.text import tokens

    paragraphs = [p for name in sorted(topics)[:120] for p in topics[name].split("\n\n")]
    assert sum(len(tokens._WORD_SPLIT(p)) for p in paragraphs) > 20_000
    assert [tokens._WORD_SPLIT(p) for p in paragraphs] == [_reference_split(p) for p in paragraphs]
    assert [tokens._split(p) for p in paragraphs] == [tuple(_reference_split(p)) for p in paragraphs]
    plain = [p for p in paragraphs if p.isascii() and tokens._TECHNICAL_SITE(p) is None]
    assert sum(map(len, plain)) > 20_000  # the fast path is taken, on real text


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("see www.(a", "url"),
        ("run -v now", "code"),
        ("and so etc. on", "abbreviation"),
        ("call f(x) here", "code"),
        ("a 10 ms wait", "number"),
        ("go to e.g. that", "abbreviation"),
        ("set n=3 now", "code"),
        ("in a/b now", "path"),
        ("list[int] here", "code"),
    ],
)
def test_the_scan_sends_every_technical_text_to_the_full_split(text: str, kind: str) -> None:
    from multiaug.text import tokens

    assert tokens._TECHNICAL_SITE(text) is not None
    assert kind in [tokens.token_kind(t) for t in tokens._split(text)[1::2]]
    assert tokens._TECHNICAL_SITE("The cat (a pet) sat, well-fed; it's done.") is None


_DELETE_PARTS = ["cat", "dog", "a", "x.y()", "10", *SEPS, "  ", "\t", ",", "-"]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.sampled_from(_DELETE_PARTS), max_size=14).map("".join),
    st.lists(st.integers(-3, 12), max_size=6),
)
def test_delete_fast_path_gives_what_the_runs_give(text: str, indices: list[int]) -> None:
    """random_delete's usual case (whitespace before every deleted word) is _delete_runs' result."""
    from multiaug.text.functional import _delete_runs, random_delete
    from multiaug.text.tokens import split_words

    pieces, words = split_words(text)
    n = len(words)
    drop = sorted({i for i in indices if 0 <= i < n})[: max(n - 1, 0)]
    if any(i < 0 for i in indices) or len(set(indices) & set(range(n))) >= n:
        return  # negative positions and deleting every word follow other rules (tests/test_text.py)
    assert random_delete(text, indices) == (_delete_runs(pieces, drop) if drop else text)


@settings(max_examples=200, deadline=None)
@given(
    st.integers(1, 30).flatmap(
        lambda m: st.tuples(
            st.just(m), st.lists(st.floats(0, 1, exclude_max=True), min_size=1, max_size=min(m, 4))
        )
    )
)
def test_pick_distinct_shortcuts_give_what_the_shuffle_gives(case: tuple[int, list[float]]) -> None:
    """One and two picks skip the partial Fisher-Yates bookkeeping, with the same picks."""
    m, u = case
    moved: dict[int, int] = {}
    expect = []
    for i, x in enumerate(u):
        j = min(i + int(x * (m - i)), m - 1)
        expect.append(moved.get(j, j))
        moved[j] = moved.get(i, i)
    assert base.pick_distinct(u, m) == expect


@settings(max_examples=100, deadline=None)
@given(
    st.integers(0, 200),
    st.integers(0, 60),
    st.sampled_from([0.0, 0.1, 0.37, (0.05, 0.5)]),
    st.integers(0, 3),
    st.integers(1, 4),
)
def test_one_draw_gives_the_numbers_of_the_two(
    seed: int, n_words: int, alpha: object, lo: int, k: int
) -> None:
    """_count_and_uniforms: the count and the edits' numbers that _count, then rng.random(k * n) give."""
    import numpy as np

    t = ma.text.RandomSwap(alpha=alpha, min_words=lo, max_words=None if k == 4 else lo + k)
    available = max(n_words - 2, 0)
    rng = np.random.default_rng(seed)
    n = t._count(rng, n_words, available)
    expect = rng.random(k * n).tolist()
    got_n, u = t._count_and_uniforms(np.random.default_rng(seed), n_words, available, k)
    assert (got_n, u[1 : 1 + k * n]) == (n, expect)


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.sampled_from([*WORDS, *SEPS, "cat", "sat", "Cat", "ran"]), max_size=16).map("".join),
    st.integers(0, 50),
    st.sampled_from(
        [
            {"alpha": 0.1},
            {"alpha": 0.5},
            {"alpha": (0.1, 0.6)},
            {"alpha": 0.4, "max_words": 1},
            {"alpha": 0.0, "min_words": 2},
            {"alpha": 0.3, "protected": "cat"},
        ]
    ),
)
def test_delete_draw_gives_what_the_rules_give(text: str, seed: int, config: dict[str, object]) -> None:
    """RandomDelete's inlined draw (issue 19): the candidates read afresh, _count, then the picks."""
    import numpy as np

    t = ma.text.RandomDelete(**config)  # type: ignore[arg-type]
    for _ in range(2):  # the words unseen, then remembered
        got = t.make_params(np.random.default_rng(seed), {"text": text})["deletes"]
    elig = reference(t, text)
    n_words = len(t._split(text)[1])
    if config.get("protected"):
        elig = [k for k in elig if t._split(text)[0][2 * k + 1].lower() != "cat"]
    rng = np.random.default_rng(seed)
    n = t._count(rng, n_words, min(len(elig), n_words - 1)) if elig else 0
    expect = sorted(elig[i] for i in base.pick_distinct(rng.random(n).tolist(), len(elig))) if n > 0 else []
    assert got == expect


def test_swap_and_delete_apply_a_subclass_apply_text() -> None:
    class Loud(ma.text.RandomDelete):
        def apply_text(self, text: str, deletes: object = (), **params: object) -> str:
            return super().apply_text(text, deletes, **params).upper()

    class LoudSwap(ma.text.RandomSwap):
        def apply_text(self, text: str, swaps: object = (), **params: object) -> str:
            return super().apply_text(text, swaps, **params).upper()

    for op in (Loud(alpha=0.3, seed=0), LoudSwap(alpha=0.3, seed=0)):
        out = op(text="the quick brown fox jumps", key=1)["text"]
        assert out == out.upper(), op.name
