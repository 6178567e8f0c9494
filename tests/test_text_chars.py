"""Character noise (``ma.text.CharNoise``) and its kernel."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import multiaug as ma
from multiaug.text.functional import CHAR_ACTIONS, char_noise
from multiaug.text.tokens import letter_spans, split_words

TEXT = "The quick brown fox jumps over the lazy dog, doesn't it? Naïve cafe\u0301 owners say ÆON-Flux!"


def non_letters(text: str) -> list[str]:
    """The characters that are no letter and no mark, in order."""
    return [c for c in text if not c.isalpha() and not unicodedata.category(c).startswith("M")]


def edited_words(before: str, after: str) -> list[tuple[str, str]]:
    a, b = split_words(before), split_words(after)
    return [(a[0][i], b[0][j]) for i, j in zip(a[1], b[1], strict=True) if a[0][i] != b[0][j]]


@pytest.mark.parametrize("action", CHAR_ACTIONS)
@settings(max_examples=60, deadline=None)
@given(
    text=st.one_of(
        st.text(max_size=60),
        st.text(st.characters(exclude_categories=()), max_size=40),  # surrogates too
        st.just(TEXT),
    ),
    key=st.integers(0, 10**6),
)
def test_only_letters_change_and_replay_reproduces(action: str, text: str, key: int) -> None:
    aug = ma.text.CharNoise(action, alpha=(0.2, 0.9), min_len=2, seed=3)
    out = aug(text=text, key=key, trace=True)
    assert non_letters(out["text"]) == non_letters(text)  # whitespace, punctuation, digits, surrogates
    params = out["trace"][0]["params"] if out["trace"] else {"edits": []}
    n = len(params["edits"])
    growth = {"insert": n, "delete": -n}.get(action, 0)
    letters = sum(len(letter_spans(w)) for w in split_words(text)[0][1::2])
    assert sum(len(letter_spans(w)) for w in split_words(out["text"])[0][1::2]) == letters + growth
    assert aug.replay(out["trace"], text=text)["text"] == out["text"]
    if out["trace"]:
        assert 0.2 <= params["alpha"] <= 0.9  # the declared range, drawn and traced


def test_each_action_makes_one_edit_per_chosen_word() -> None:
    for action in CHAR_ACTIONS:
        aug = ma.text.CharNoise(action, alpha=1.0, seed=0, stopwords=None, min_len=1)
        out = aug(text=TEXT, key=4)["text"]
        changed = edited_words(TEXT, out)
        assert changed, action
        for old, new in changed:
            a, b = letter_spans(old), letter_spans(new)
            assert len(b) - len(a) == {"insert": 1, "delete": -1}.get(action, 0), (old, new)
            if action == "swap":
                assert sorted(old) == sorted(new)
            if action == "substitute":
                assert sum(x != y for x, y in zip(old, new, strict=True)) == 1 or len(old) != len(new)


def test_short_words_stopwords_and_protected_are_never_edited() -> None:
    text = "An owl ate two mice upon Paris and the cat slept."  # "upon" is a stopword
    aug = ma.text.CharNoise("delete", alpha=1.0, min_len=4, protected=["Paris"], seed=0)
    edited = {old for key in range(20) for old, _ in edited_words(text, aug(text=text, key=key)["text"])}
    assert edited == {"mice", "slept"}


def test_combining_marks_stay_with_their_letter() -> None:
    text = "cafe\u0301 re\u0301sume\u0301 nai\u0308ve"
    for action in CHAR_ACTIONS:
        aug = ma.text.CharNoise(action, alpha=1.0, min_len=1, stopwords=None, seed=1)
        for key in range(30):
            out = aug(text=text, key=key)["text"]
            for i, c in enumerate(out):
                if unicodedata.category(c).startswith("M"):
                    assert out[i - 1].isalpha(), (action, out)
            if action in ("insert", "swap"):
                assert out.count("\u0301") == 3 and out.count("\u0308") == 1


def test_other_scripts_and_lone_surrogates() -> None:
    text = "Привет мирный \udcff\udcfe λόγος smile\ud83d\ude00face"
    aug = ma.text.CharNoise("substitute", alpha=1.0, min_len=2, stopwords=None, alphabet="абв", seed=0)
    out = aug(text=text, key=0)["text"]
    assert "\udcff\udcfe" in out and "\ud83d\ude00" in out and out != text
    assert all(c in "абв" for old, new in edited_words(text, out) for c in set(new) - set(old))


def test_substitute_changes_the_letter_and_uses_the_alphabet() -> None:
    aug = ma.text.CharNoise("substitute", alpha=1.0, alphabet="ab", min_len=1, stopwords=None, seed=0)
    for key in range(30):
        out = aug(text="aaaa bbbb", key=key)["text"]
        first, second = out.split(" ")
        assert (first.count("b"), second.count("a")) == (1, 1), out  # both edited, each letter changed


def test_kernel_examples_and_out_of_range_edits_are_ignored() -> None:
    assert char_noise("Quick brown", [(0, 2, "a")]) == "Quack brown"
    assert char_noise("Quick brown", [(1, 5, "x")], action="insert") == "Quick brownx"
    assert char_noise("Quick brown", [(1, 5, "x")], action="substitute") == "Quick brown"
    assert char_noise("Quick brown", [(7, 0, "x")]) == "Quick brown"
    assert char_noise("cafe\u0301!", [(0, 3, "")], action="delete") == "caf!"
    assert char_noise("cafe\u0301!", [(0, 2, "")], action="swap") == "cae\u0301f!"


@pytest.mark.parametrize(
    ("edit", "action"),
    [
        ([0, 0, "x"], "swap"),
        ([0, 9, "x"], "substitute"),
        ([0, 0, "7"], "substitute"),
        ([5, 0, "x"], "insert"),
    ],
)
def test_replay_refuses_edits_it_cannot_draw(edit: list, action: str) -> None:
    aug = ma.text.CharNoise(action, alpha=1.0, min_len=1, seed=0)
    out = aug(text="Quick brown", key=0, trace=True)
    out["trace"][0]["params"]["edits"] = [edit]
    with pytest.raises(ma.InvalidInputError, match=r"params\.edits"):
        aug.replay(out["trace"], text="Quick brown")


def test_bad_parameters_name_the_fix() -> None:
    with pytest.raises(ma.InvalidInputError, match="alphabet"):
        ma.text.CharNoise(alphabet="ab-")
    with pytest.raises(ma.InvalidInputError, match="action"):
        ma.text.CharNoise("shuffle")


def test_letter_spans_of_letters_only_words_of_any_length_are_fresh_lists() -> None:
    for word in ("a", "quick", "é" * 63, "x" * 64, "Z" * 65, "q" * 200):
        spans = letter_spans(word)
        assert spans == [(i, i + 1) for i in range(len(word))]
        spans.append((0, 0))  # the caller's own list: the next call is not affected
        assert letter_spans(word) == [(i, i + 1) for i in range(len(word))]


def test_a_fixed_alpha_of_minus_zero_is_traced_as_zero() -> None:
    out = ma.text.KeyboardTypo(alpha=-0.0, seed=7)(text="The quick brown fox jumps", key=0, trace=True)
    alpha = out["trace"][0]["params"]["alpha"]
    assert alpha == 0.0 and str(alpha) == "0.0"
