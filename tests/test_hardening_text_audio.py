"""Hardening of the text and audio transforms (issue 13): linear text edits, audio layouts and rates."""

from __future__ import annotations

import ast
import pathlib
import tracemalloc

import numpy as np
import pytest

import multiaug as ma
from multiaug.audio import _validate
from multiaug.core.registry import registered
from multiaug.testing.audio import examples
from multiaug.text import detokenize, tokenize
from multiaug.text import tokens as T
from multiaug.text.base import pick_distinct, pick_two
from multiaug.text.functional import random_delete, random_insert

AUDIO = sorted(examples().items())
ROOT = pathlib.Path(ma.__file__).parent


# ---------------------------------------------------------------- text: linear work
def test_pick_distinct_memory_does_not_grow_with_the_range():
    """Two picks from a million positions (each RandomSwap swap) must not build the whole range."""
    tracemalloc.start()
    try:
        picks = pick_distinct([0.25, 0.75], 10**6)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert picks == [250000, 750000]
    assert peak < 100_000


def test_pick_distinct_is_the_partial_fisher_yates_shuffle():
    def reference(u: list[float], m: int) -> list[int]:
        idx = list(range(m))
        for i, x in enumerate(u):
            j = min(i + int(x * (m - i)), m - 1)
            idx[i], idx[j] = idx[j], idx[i]
        return idx[: len(u)]

    rng = np.random.default_rng(0)
    for _ in range(2000):
        m = int(rng.integers(1, 30))
        u = rng.random(int(rng.integers(0, m + 1))).tolist()
        assert pick_distinct(u, m) == reference(u, m)


def test_pick_two_is_pick_distinct_of_two():
    rng = np.random.default_rng(1)
    for _ in range(5000):
        m = int(rng.integers(2, 40))
        x, y = rng.random(2).tolist()
        assert list(pick_two(x, y, m)) == pick_distinct([x, y], m)
    assert list(pick_two(0.999999, 0.999999, 2)) == pick_distinct([0.999999, 0.999999], 2)


def test_digit_chains_are_one_token_read_once():
    """A digit chain is one number token whatever follows it (issue 19: a number never fails once started,
    so no chain is re-read from each of its digit runs, which made the old tokenizer quadratic)."""
    text = "1." * 5000 + "1a"
    toks = tokenize(text)
    assert detokenize(toks) == text
    assert toks == [text]
    assert tokenize("v1.2.3b 4.5") == ["v1.2.3b", " ", "4.5"]
    assert tokenize("a 1.2b\u20033.4, x1:2y") == [
        "a",
        " ",
        "1.2b",
        "\u2003",
        "3.4",
        ",",
        " ",
        "x1",
        ":",
        "2y",
    ]
    pieces, words = T.split_words("a1.5.6b, 7.8")
    assert [pieces[w] for w in words] == ["a1.5.6b", "7.8"]


def test_long_texts_are_not_all_kept_in_the_split_cache():
    """Splitting many distinct long texts keeps only a few of their (large) piece tuples alive."""
    base = "word, other words. " * 20_000  # 380 kB, ~100 000 pieces
    tracemalloc.start()
    try:
        T.split_words(base + "first")
        one = tracemalloc.get_traced_memory()[0]
        for i in range(12):
            T.split_words(base + str(i))
        kept = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert kept < 4 * one


def test_insert_many_phrases_after_one_word():
    assert random_insert("A cat.", [(1, "x")] * 3 + [(0, "y")]) == "A y cat x x x."


@pytest.mark.parametrize(
    ("text", "drop", "want"),
    [
        ("The old cat sat.", [0, 1, 2], "Sat."),
        ("a, b, c, d", [1, 2], "a,,, d"),
        ("  one  two  three  ", [0, 1], "  three  "),
        ("Hi. The cat. Ok", [1, 2, 3], "Hi.."),
    ],
)
def test_delete_runs_of_words(text: str, drop: list[int], want: str):
    assert random_delete(text, drop, {"the", "old", "cat", "sat"}) == want


@pytest.mark.parametrize(
    "text",
    [
        " \t\n ",
        "\x00\x01\x02 word\x7f",
        "\udcff\udcfe text \udcff",
        "שלום עולם, hello",
        "🙂 👍🏽 emoji 🙂",
        "x" * 100_000,
        "Z" * 50 + " a b c",
    ],
)
@pytest.mark.parametrize(
    "cls", [ma.text.RandomSwap, ma.text.RandomInsert, ma.text.RandomDelete, ma.text.SynonymReplace]
)
def test_hostile_texts_keep_everything_else(cls, text: str):
    out = cls(alpha=0.5, seed=0)(text=text, key=1)["text"]
    assert isinstance(out, str)
    if cls is ma.text.RandomSwap:  # swaps move words only: every other character stays
        assert sorted(c for c in out if not c.isalnum()) == sorted(c for c in text if not c.isalnum())


# ---------------------------------------------------------------- audio: layouts
def _layouts(x: np.ndarray) -> dict[str, np.ndarray]:
    wide = np.zeros((x.shape[0], 2 * x.shape[1]), np.float32)
    wide[:, ::2] = x
    return {"fortran": np.asfortranarray(x), "reversed": x[::-1, ::-1], "strided": wide[:, ::2]}


def test_audio_examples_cover_every_registered_audio_transform():
    assert {n for n in registered() if n.startswith("audio.")} == {n for n, _ in AUDIO}


@pytest.mark.parametrize(("name", "example"), AUDIO, ids=[n for n, _ in AUDIO])
def test_every_audio_transform_returns_c_contiguous_float32(name, example):
    x = (np.random.default_rng(0).standard_normal((2, 3000)) * 0.3).astype(np.float32)
    t = example.make(seed=3)
    for layout, arr in _layouts(x).items():
        sample = {"audio": arr, "sample_rate": 16000}
        if name.startswith("audio.FrequencyMask"):
            sample = {"spectrogram": np.asfortranarray(np.abs(x[:, :400].reshape(2, 20, 20)))}
        out = t(**sample, key=1)
        for field in ("audio", "spectrogram"):
            if field in out and out[field] is not sample.get(field):
                got = out[field]
                assert got.dtype == np.float32, (name, layout, field)
                assert got.flags.c_contiguous, (name, layout, field)


def test_gain_and_shift_kernels_return_c_order_for_fortran_input():
    x = np.asfortranarray(np.ones((2, 8), np.float32))
    assert ma.audio.Gain(p=1.0, seed=0)(audio=x, sample_rate=8000, key=0)["audio"].flags.c_contiguous
    assert ma.audio.TimeShift(p=1.0, seed=0)(audio=x, sample_rate=8000, key=0)["audio"].flags.c_contiguous


# ---------------------------------------------------------------- audio: sample rates
WAVE = [(n, e) for n, e in AUDIO if n != "audio.FrequencyMask"]  # FrequencyMask: spectrogram only


@pytest.mark.parametrize(("name", "example"), WAVE, ids=[n for n, _ in WAVE])
@pytest.mark.parametrize("rate", [10**9, 1_536_001, 0, -8000, 16000.0, True, "16000"])
def test_absurd_sample_rates_are_refused(name, example, rate):
    x = np.zeros(1000, np.float32)
    with pytest.raises(ma.InvalidInputError, match="sample_rate"):
        example.make(seed=0)(audio=x, sample_rate=rate, key=0)


def test_numpy_integer_and_largest_rates_are_accepted():
    x = (np.random.default_rng(1).standard_normal(4000) * 0.1).astype(np.float32)
    for t in (ma.audio.PitchShift(p=1.0, seed=0), ma.audio.TimeStretch(p=1.0, seed=0)):
        a = t(audio=x, sample_rate=np.int64(16000), key=2)["audio"]
        b = t(audio=x, sample_rate=16000, key=2)["audio"]
        assert np.array_equal(a, b)
        assert t(audio=x, sample_rate=_validate.MAX_SAMPLE_RATE, key=2)["audio"].shape == x.shape or (
            isinstance(t, ma.audio.TimeStretch)
        )


def test_vocoder_frame_is_bounded_for_direct_kernel_calls():
    from multiaug.audio.functional.stretch import frame_size

    assert frame_size(_validate.MAX_SAMPLE_RATE) == 65536
    assert frame_size(10**9) == 65536
    assert [frame_size(r) for r in (8000, 16000, 44100, 48000, 96000)] == [512, 1024, 2048, 2048, 4096]


# ---------------------------------------------------------------- no BLAS on hot paths
_BLAS = {"dot", "inner", "vdot", "linalg", "tensordot", "matmul"}


def test_no_blas_calls_in_audio_and_text():
    """Multi-threaded BLAS costs milliseconds per clip on a busy machine (np.dot, the mel matmul)."""
    found = []
    for pkg in ("audio", "text"):
        for path in sorted((ROOT / pkg).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.BinOp) and isinstance(node.op, ast.MatMult):
                    found.append((rel, "@"))
                elif isinstance(node, ast.Attribute) and node.attr in _BLAS:
                    found.append((rel, node.attr))
                elif isinstance(node, ast.keyword) and node.arg == "optimize":
                    found.append((rel, "einsum optimize"))
    assert found == []
