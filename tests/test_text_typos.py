"""KeyboardTypo, OCRError and PunctuationInsert (AEDA), issue 19."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import multiaug as ma
from multiaug.text.functional import ocr_error, punctuation_insert
from multiaug.text.tokens import split_words
from multiaug.text.typos import KEYBOARD_NEIGHBOURS, OCR_CONFUSIONS

TEXT = "The quick brown fox jumps over the lazy dog, doesn't it? Naïve modern scanners misread letters!"

# Written out by hand from a picture of a US keyboard (independent of the geometry in typos.py).
HAND_NEIGHBOURS = {
    "q": "wa",
    "w": "qeas",
    "e": "wrsd",
    "a": "qwsz",
    "s": "awedzx",
    "d": "serfxc",
    "g": "tyfhvb",
    "k": "iojlm",
    "l": "opk",
    "z": "asx",
    "b": "ghvn",
    "m": "njk",
    "p": "ol",
}


def edited_pairs(before: str, after: str) -> list[tuple[str, str]]:
    a, b = split_words(before), split_words(after)
    return [(a[0][i], b[0][j]) for i, j in zip(a[1], b[1], strict=True) if a[0][i] != b[0][j]]


def test_keyboard_neighbours_match_a_hand_drawn_keyboard() -> None:
    for key, near in HAND_NEIGHBOURS.items():
        assert set(KEYBOARD_NEIGHBOURS[key]) == set(near), key
        assert KEYBOARD_NEIGHBOURS[key.upper()] == KEYBOARD_NEIGHBOURS[key].upper()
    assert len(KEYBOARD_NEIGHBOURS) == 52
    assert all(
        key in KEYBOARD_NEIGHBOURS[n] for key, near in KEYBOARD_NEIGHBOURS.items() for n in near
    )  # symmetric


@settings(max_examples=60, deadline=None)
@given(key=st.integers(0, 10**6), alpha=st.floats(0.1, 1.0))
def test_keyboard_typo_replaces_one_letter_by_a_neighbour_in_each_edited_word(key: int, alpha: float) -> None:
    aug = ma.text.KeyboardTypo(alpha=alpha, min_len=3, seed=1)
    out = aug(text=TEXT, key=key, trace=True)
    pairs = edited_pairs(TEXT, out["text"])
    assert len(pairs) == len(out["trace"][0]["params"]["edits"])
    for old, new in pairs:
        diff = [(a, b) for a, b in zip(old, new, strict=True) if a != b]
        assert len(diff) == 1, (old, new)
        a, b = diff[0]
        assert b in KEYBOARD_NEIGHBOURS[a] and a.isupper() == b.isupper()
    assert aug.replay(out["trace"], text=TEXT)["text"] == out["text"]


@settings(max_examples=60, deadline=None)
@given(key=st.integers(0, 10**6))
def test_ocr_error_makes_one_table_confusion_per_edited_word(key: int) -> None:
    aug = ma.text.OCRError(alpha=0.6, min_len=3, seed=2)
    out = aug(text=TEXT, key=key, trace=True)
    edits = out["trace"][0]["params"]["edits"]
    pairs = edited_pairs(TEXT, out["text"])
    assert len(pairs) == len(edits) > 0
    tokens, words = split_words(TEXT)
    for k, offset, source, target in edits:
        word = tokens[words[k]]
        assert word[offset : offset + len(source)] == source and target in OCR_CONFUSIONS[source]
        assert (word, word[:offset] + target + word[offset + len(source) :]) in pairs
    assert aug.replay(out["trace"], text=TEXT)["text"] == out["text"]


def test_ocr_kernel_and_marks_stay_with_their_letters() -> None:
    assert ocr_error("modern hello", [(0, 4, "rn", "m"), (1, 2, "l", "1")]) == "modem he1lo"
    assert ocr_error("modern", [(0, 0, "rn", "m")]) == "modern"  # source not at offset: ignored
    aug = ma.text.OCRError(alpha=1.0, min_len=1, stopwords=None, seed=0)
    text = "cafe\u0301 re\u0301sume\u0301 o\u0308l"
    for key in range(40):
        out = aug(text=text, key=key)["text"]
        assert out.count("\u0301") == 3 and out.count("\u0308") == 1
        for i, c in enumerate(out):
            if c in "\u0301\u0308":
                assert out[i - 1] == text[text.index(c) - 1] or out[i - 1].isalpha()


@pytest.mark.parametrize("cls", [ma.text.KeyboardTypo, ma.text.OCRError])
def test_typos_skip_short_words_stopwords_protected_and_technical_tokens(cls: type) -> None:
    text = "An owl ate two mice near Paris and the cat slept on os.path.join() 3.14 e.g. tokens."
    aug = cls(alpha=1.0, min_len=4, protected=["Paris"], seed=0)
    edited = {old for key in range(30) for old, _ in edited_pairs(text, aug(text=text, key=key)["text"])}
    assert edited <= {"mice", "near", "slept", "tokens"} and edited


@pytest.mark.parametrize(
    ("cls", "edit"),
    [
        (ma.text.KeyboardTypo, [0, 0, "m"]),  # "q" has no neighbour "m"
        (ma.text.KeyboardTypo, [0, 9, "w"]),
        (ma.text.OCRError, [0, 0, "q", "x"]),
        (ma.text.OCRError, [0, 1, "u", "g"]),
        (ma.text.OCRError, [0, 1, 5, "v"]),
    ],
)
def test_replay_refuses_edits_the_op_cannot_draw(cls: type, edit: list) -> None:
    aug = cls(alpha=1.0, min_len=1, seed=0)
    out = aug(text="quick brown", key=0, trace=True)
    out["trace"][0]["params"]["edits"] = [edit]
    with pytest.raises(ma.InvalidInputError, match=r"params\.edits\[0\]"):
        aug.replay(out["trace"], text="quick brown")


# ---------------------------------------------------------------------- PunctuationInsert (AEDA)
@settings(max_examples=80, deadline=None)
@given(n_words=st.integers(1, 40), key=st.integers(0, 10**6))
def test_aeda_count_is_one_to_a_third_of_the_words_and_nothing_else_changes(n_words: int, key: int) -> None:
    text = " ".join(["word"] * n_words)
    out = ma.text.PunctuationInsert(seed=3)(text=text, key=key, trace=True)
    inserts = out["trace"][0]["params"]["inserts"]
    assert 1 <= len(inserts) <= max(1, -(-n_words // 3))  # AEDA: randint(1, n/3)
    assert len({k for k, _ in inserts}) == len(inserts) and all(m in ".;?:!," for _, m in inserts)
    assert out["text"].replace("word", "").replace(" ", "") != ""
    assert re.sub(r"[.;?:!,] ", "", out["text"]) == text


def test_aeda_marks_go_before_their_word_after_its_whitespace() -> None:
    assert punctuation_insert("The cat (sat) down.", [(0, "!"), (2, ";")]) == "! The cat ; (sat) down."
    assert punctuation_insert("a,b  c", [(1, "?"), (2, ".")]) == "a,? b  . c"
    assert punctuation_insert("one two", [(5, "!")]) == "one two"


def test_aeda_respects_protected_phrases_stopwords_and_its_marks() -> None:
    text = "We met in New York and then the cats slept at home today"
    aug = ma.text.PunctuationInsert(alpha=1.0, protected=["New York"], stopwords="english", marks="!", seed=0)
    for key in range(20):
        out = aug(text=text, key=key)["text"]
        assert (
            "New York" in out
            and " ! the" not in out
            and " ! and" not in out
            and set(out) - set(text) <= {"!"}
        )
    with pytest.raises(ma.InvalidInputError, match="marks"):
        ma.text.PunctuationInsert(marks="a!")
    out = aug(text=text, key=1, trace=True)
    out["trace"][0]["params"]["inserts"] = [[0, "?"]]
    with pytest.raises(ma.InvalidInputError, match=r"params\.inserts\[0\]"):
        aug.replay(out["trace"], text=text)
