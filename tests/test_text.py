"""Text augmentation: tokenizer, EDA word edits, WordNet table, mixed samples."""

from __future__ import annotations

import json
import re
from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import multiaug as ma
from multiaug.testing.text import text_samples
from multiaug.text import detokenize, match_case, synonyms, tokenize
from multiaug.text.functional import random_delete, random_swap
from multiaug.text.tokens import locked_words, split_words

OPS = (ma.text.SynonymReplace, ma.text.RandomInsert, ma.text.RandomSwap, ma.text.RandomDelete)


def words_of(text: str) -> list[str]:
    tokens, words = split_words(text)
    return [tokens[w] for w in words]


# ---------------------------------------------------------------------- tokenizer
@settings(max_examples=300, deadline=None)
@given(st.text())
def test_tokenizer_round_trips_any_text(text: str) -> None:
    tokens = tokenize(text)
    assert detokenize(tokens) == text
    assert all(tokens)


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8")))
def test_tokenizer_round_trips_utf8_including_marks(text: str) -> None:
    assert detokenize(tokenize(text)) == text


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("Don't panic, it's fine.", ["Don't", "panic", "it's", "fine"]),
        ("built-in state-of-the-art", ["built-in", "state-of-the-art"]),
        ("pi is 3.14, not 1,000!", ["pi", "is", "3.14", "not", "1,000"]),
        ("naïve café déjà-vu", ["naïve", "café", "déjà-vu"]),
        ("cafe\u0301 ok", ["cafe\u0301", "ok"]),
        ("日本語 テキスト", ["日本語", "テキスト"]),
        ("rock\u2019n\u2019roll -- yes", ["rock\u2019n\u2019roll", "yes"]),
        ("\t \n", []),
        ("", []),
    ],
)
def test_tokenizer_words(text: str, words: list[str]) -> None:
    assert words_of(text) == words


def test_match_case() -> None:
    assert match_case("HTML", "markup") == "MARKUP"
    assert match_case("Big", "large") == "Large"
    assert match_case("big", "Associate in Nursing") == "Associate in Nursing"
    assert match_case("iPhone", "phone") == "phone"


# ---------------------------------------------------------------------- the WordNet table
def test_wordnet_table_loads_lazily_and_is_small() -> None:
    import subprocess
    import sys
    from importlib import resources

    data = resources.files("multiaug.text").joinpath("data")
    assert data.joinpath("wordnet_synonyms.tsv.gz").read_bytes()[:2] == b"\x1f\x8b"
    assert len(data.joinpath("wordnet_synonyms.tsv.gz").read_bytes()) < 3_000_000
    assert "Princeton University" in data.joinpath("WORDNET_LICENSE.txt").read_text()
    # What keeps the first load cheap (no wall-clock check, which a busy machine makes flaky): the
    # table is read once, no word's senses are parsed before it is looked up, and looking up one
    # word parses that word only.
    code = (
        "from multiaug.text.wordnet import wordnet; import multiaug.text as t; table = wordnet(); "
        "n, parsed, same = len(table), len(table._parsed), wordnet() is table; t.synonyms('big'); "
        "print(n, parsed, same, len(table._parsed))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    n, parsed_at_load, loaded_once, parsed_after_one_lookup = out.split()
    assert int(n) > 80_000
    assert int(parsed_at_load) == 0 and loaded_once == "True" and int(parsed_after_one_lookup) == 1
    code = "import sys, multiaug.text as t; t.synonyms('big'); print('nltk' in sys.modules)"
    assert (
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.strip() == "False"
    )


def test_synonyms_are_frequent_senses_and_inflected() -> None:
    assert synonyms("big") == ["large"]
    assert "large" in synonyms("Big")
    assert synonyms("cats") == ["true cats"]
    assert set(synonyms("used")) >= {"utilized", "employed"}
    assert "set up" in synonyms("found") or "established" in synonyms("founded")
    assert synonyms("the") == [] and synonyms("xyzzy") == []
    # forms of auxiliaries are not read as plurals of abbreviations ("has" -> "hour angles")
    assert synonyms("has") == [] and synonyms("is") == []


# ---------------------------------------------------------------------- EDA: what each op may change
def _edits(op: ma.Transform, text: str, key: int) -> tuple[str, dict]:
    out = op(text=text, key=key, trace=True)
    params = out["trace"][0]["params"] if out["trace"] else {}
    return out["text"], params


@settings(max_examples=60, deadline=None)
@given(sample=text_samples(), key=st.integers(0, 2**32), alpha=st.floats(0, 1))
def test_word_counts_change_only_as_each_op_allows(sample: dict, key: int, alpha: float) -> None:
    text = sample["text"]
    before = words_of(text)

    out, params = _edits(ma.text.SynonymReplace(alpha=alpha, seed=1), text, key)
    growth = sum(len(words_of(new)) - 1 for _, new in params.get("edits", []))
    assert len(words_of(out)) == len(before) + growth
    assert len(params.get("edits", [])) <= len(before)

    out, params = _edits(ma.text.RandomInsert(alpha=alpha, seed=1), text, key)
    added = sum(len(words_of(phrase)) for _, phrase in params.get("inserts", []))
    assert len(words_of(out)) == len(before) + added

    out, params = _edits(ma.text.RandomSwap(alpha=alpha, seed=1), text, key)
    assert Counter(w.lower() for w in words_of(out)) == Counter(w.lower() for w in before)

    out, params = _edits(ma.text.RandomDelete(alpha=alpha, seed=1), text, key)
    assert len(words_of(out)) == len(before) - len(params.get("deletes", []))
    if before:
        assert len(words_of(out)) >= 1


def test_an_inserted_phrase_never_joins_the_next_word() -> None:
    # '\x1b0/B': hypothesis found "0 bacillus/B" (the phrase glued to "/B": one word fewer)
    from multiaug.text.functional import random_insert

    assert random_insert("\x1b0/B", [(0, "bacillus")]) == "\x1b0 bacillus /B"
    assert random_insert("call f(x)/g now", [(1, "big cat"), (2, "x")]) == "call f(x) big cat /g x now"
    assert random_insert("A big cat.", [(2, "dog")]) == "A big cat dog."  # closing marks stay put
    # '0.B': hypothesis found "0 bacillus.B" (a lone "." between words joins them into one word)
    assert random_insert("0.B", [(0, "bacillus")]) == "0 bacillus .B"
    for text in ("\x1b0/B", "1/2/3 then", "call f(x)/g now"):
        out = ma.text.RandomInsert(alpha=1.0, seed=1)(text=text, key=3, trace=True)
        added = sum(len(words_of(p)) for _, p in out["trace"][0]["params"]["inserts"])
        assert len(words_of(out["text"])) == len(words_of(text)) + added


@settings(max_examples=40, deadline=None)
@given(sample=text_samples(), key=st.integers(0, 1000))
def test_edit_counts_follow_alpha_and_bounds(sample: dict, key: int) -> None:
    text = sample["text"]
    n = len(words_of(text))
    editable = n - len(locked_words(text))  # numbers, abbreviations, code... are never swapped
    for op in (ma.text.RandomSwap(alpha=0.5, min_words=2, max_words=3, stopwords=None, seed=0),):
        _, params = _edits(op, text, key)
        swaps = params.get("swaps", [])
        assert len(swaps) <= 3
        if editable >= 2:
            assert 2 <= len(swaps) <= max(2, min(3, int(np.ceil(0.5 * n))))


def test_alpha_expected_count_is_alpha_times_n() -> None:
    text = " ".join(["cat"] * 25)  # 25 swappable words, alpha * n = 2.5
    op = ma.text.RandomSwap(alpha=0.1, min_words=0, seed=3)
    counts = [len(_edits(op, text, k)[1]["swaps"]) for k in range(400)]
    assert set(counts) == {2, 3}
    assert abs(np.mean(counts) - 2.5) < 0.1


@settings(max_examples=50, deadline=None)
@given(
    prefix=st.lists(st.sampled_from(["big", "dog", "runs", "quickly", "old", "house"]), max_size=6),
    suffix=st.lists(st.sampled_from(["new", "file", "cat", "time", "number", "list"]), max_size=6),
    key=st.integers(0, 2**20),
)
def test_protected_tokens_and_stopwords_survive(prefix: list[str], suffix: list[str], key: int) -> None:
    text = " ".join([*prefix, "New York", "costs", "42.5", "dollars", "and", "the", *suffix, "Alice"]) + "."
    protected = ["New York", re.compile(r"\d+(?:\.\d+)?"), "alice", "costs", "dollars"]
    for cls in OPS:
        out = cls(alpha=1.0, protected=protected, seed=0)(text=text, key=key)["text"]
        for phrase in ("New York", "42.5", "Alice", "costs", "dollars", " and ", " the "):
            assert out.count(phrase) >= text.count(phrase), (cls.__name__, out)
        if cls is not ma.text.RandomInsert:
            # nothing moves around or into a protected phrase
            assert re.search(r"New York costs 42\.5 dollars and the", out), (cls.__name__, out)


def test_stopwords_option() -> None:
    text = "the the the the cat"
    assert ma.text.RandomDelete(alpha=1.0, seed=0)(text=text)["text"] == "the the the the"
    out = ma.text.RandomDelete(alpha=1.0, stopwords=None, seed=0)(text=text)["text"]
    assert len(words_of(out)) == 1
    out = ma.text.RandomDelete(alpha=1.0, stopwords=["cat"], seed=0)(text=text)["text"]
    assert words_of(out) == ["cat"]


@settings(max_examples=60, deadline=None)
@given(sample=text_samples(), key=st.integers(0, 2**64) | st.text(max_size=5), epoch=st.integers(0, 9))
def test_same_seed_and_key_same_text(sample: dict, key: int | str, epoch: int) -> None:
    for cls in OPS:
        a = cls(alpha=0.3, seed=17)(**sample, key=key, epoch=epoch)
        b = cls(alpha=0.3, seed=17)(**sample, key=key, epoch=epoch)
        assert a == b
        assert ma.from_config(cls(alpha=0.3, seed=17).to_config())(**sample, key=key, epoch=epoch) == a


def test_never_deletes_the_last_word() -> None:
    op = ma.text.RandomDelete(alpha=1.0, min_words=10, stopwords=None, seed=0)
    assert op(text="Hello!")["text"] == "Hello!"
    for key in range(20):
        assert len(words_of(op(text="Big old cat.", key=key)["text"])) == 1
    assert random_delete("one two", [0, 1]) in ("one", "two")
    assert random_delete("One two", [0, 1]) in ("One", "Two")


def test_delete_and_swap_keep_spacing_punctuation_and_case() -> None:
    assert random_delete("The old cat sat.", [0, 2]) == "Old sat."
    assert random_delete("Hello,  world", [1]) == "Hello,"
    assert random_swap("The cat sat, quietly.", [(0, 2)], common={"the", "sat"}) == "Sat cat the, quietly."
    assert random_swap("Alice met Bob.", [(0, 2)], common=set()) == "Bob met Alice."
    out = ma.text.RandomSwap(alpha=1.0, seed=0)(text="built-in functions (like len) are handy.")["text"]
    assert "(" in out and ")" in out and " - " not in out


@pytest.mark.parametrize("cls", OPS)
@pytest.mark.parametrize("bad", [None, b"bytes", 3, 2.5, ["a list"]])
def test_bad_text_is_rejected(cls: type[ma.Transform], bad: object) -> None:
    with pytest.raises(ma.InvalidInputError, match=r"`text` must be a str") as err:
        cls(p=0.0)(text=bad)
    assert cls.__name__ in str(err.value) and "Fix:" in str(err.value)


@pytest.mark.parametrize("cls", OPS)
@pytest.mark.parametrize("text", ["", " ", "\n\t  ", "...", "!?"])
def test_empty_and_blank_text_unchanged(cls: type[ma.Transform], text: str) -> None:
    assert cls(alpha=1.0, seed=0)(text=text, key=1)["text"] == text


def test_case_pattern_of_replaced_word_is_kept() -> None:
    op = ma.text.SynonymReplace(alpha=1.0, seed=0)
    for key in range(10):
        out, params = _edits(op, "Big dogs. big dogs.", key)
        assert [w for _, w in params["edits"]][::2] == ["Large", "large"]
        assert out.startswith("Large ") and " large " in out
    assert match_case("BIG", "large") == "LARGE"


def test_synonym_replace_leaves_non_plain_words_and_rare_senses_alone() -> None:
    """Issue 19: abbreviations, variables, acronyms, names, rare senses and definitions stay."""
    op = ma.text.SynonymReplace(alpha=1.0, stopwords=None, seed=0)
    text = "Use a vitamin e.g. E or C, i.e. anything. The module is executed when x runs; see HTML, Python."
    for key in range(20):
        out, params = _edits(op, text, key)
        replaced = {words_of(text)[k] for k, _ in params["edits"]}
        assert not replaced & {"e.g.", "E", "C", "i.e.", "x", "HTML", "Python", "module", "docs"}, out
        assert "e.g. E or C, i.e." in out and "put to death" not in out and "mental faculty" not in out
        assert "ten" not in out.split()
    executed = {new for key in range(40) for k, new in _edits(op, "It is executed.", key)[1]["edits"]}
    assert executed and executed <= set(ma.text.synonyms("executed", pos="v")) - {"put to death"}


@pytest.mark.parametrize(
    "text",
    [
        "Der Hund läuft schnell nach Hause und die Katze schläft auf dem Sofa.",
        "Le chat dort sur le canapé et le chien court vers la maison.",
        "El perro corre rápido a la casa y el gato duerme en el sofá.",
    ],
)
def test_synonym_replace_passes_non_english_text_through(text: str) -> None:
    out, params = _edits(ma.text.SynonymReplace(alpha=1.0, seed=0), text, 1)
    assert out == text and params == {"edits": []}
    out, params = _edits(ma.text.SynonymReplace(alpha=1.0, lang=None, stopwords=None, seed=0), text, 1)
    assert params["edits"] or out == text  # no check: English WordNet is applied to whatever matches
    with pytest.raises(ma.InvalidInputError, match="lang"):
        ma.text.SynonymReplace(lang="de")


def test_trace_is_json_and_replay_reproduces() -> None:
    pipe = ma.Compose([cls(alpha=0.3) for cls in OPS], seed=4)
    text = "The quick brown fox jumps over the lazy dog near the big old house."
    out = pipe(text=text, key=9, trace=True)
    trace = json.loads(json.dumps(out["trace"]))
    assert [e["transform"] for e in trace] == [f"text.{c.__name__}" for c in OPS]
    assert pipe.replay(trace, text=text)["text"] == out["text"]


def test_protected_regex_round_trips_through_config() -> None:
    protected = ["Alice", re.compile(r"\d+", re.IGNORECASE)]
    op = ma.text.SynonymReplace(protected=protected, stopwords=["x"], seed=1)
    cfg = json.loads(json.dumps(op.to_config()))
    assert cfg["params"]["protected"] == ["Alice", {"regex": "\\d+", "flags": int(re.IGNORECASE)}]
    clone = ma.from_config(cfg)
    assert clone.fingerprint == op.fingerprint
    text = "Alice owns 12 big dogs."
    assert all(clone(text=text, key=k) == op(text=text, key=k) for k in range(5))


# ---------------------------------------------------------------------- mixed samples
def test_image_and_caption_through_one_compose() -> None:
    image = np.arange(2 * 3 * 3, dtype=np.uint8).reshape(2, 3, 3)
    pipe = ma.Compose([ma.image.HorizontalFlip(p=1), ma.text.SynonymReplace(alpha=0.5)], seed=0)
    out = pipe(image=image, text="A big dog runs on the beach.", label=3, key=5, trace=True)
    np.testing.assert_array_equal(out["image"], image[:, ::-1])
    assert out["text"] != "A big dog runs on the beach." and out["label"] == 3
    assert [e["transform"] for e in out["trace"]] == ["image.HorizontalFlip", "text.SynonymReplace"]
    again = ma.from_config(pipe.to_config())(image=image, text="A big dog runs on the beach.", label=3, key=5)
    assert again["text"] == out["text"]
    with pytest.raises(ma.InvalidInputError, match="SynonymReplace"):
        pipe(image=image, text=None)
    with pytest.raises(ma.InvalidInputError, match="`text` is missing"):
        pipe(image=image)


def test_case_moves_never_change_letters() -> None:
    """Found by hypothesis: the micro sign upper-cases to Greek capital mu, which lower-cases to mu."""
    from multiaug.text.tokens import match_case, move_case

    assert move_case("µ", False, True, frozenset(), True) == "µ"
    assert match_case("Big", "µm") == "µm"
    assert match_case("BIG", "straße") == "straße"
    assert match_case("Big", "large") == "Large"
    for key in range(30):
        out = ma.text.RandomSwap(alpha=1.0, seed=0)(text="B:µ", key=key)["text"]
        assert sorted(out.replace(":", "").lower()) == ["b", "µ"]
