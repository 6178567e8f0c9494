"""ContextualReplace: a tiny BERT saved to a folder and loaded through the real code; batch calls."""

from __future__ import annotations

import json
import pickle
import random
import re
import socket
from pathlib import Path

import numpy as np
import pytest
import torch

import multiaug as ma
from multiaug.core.errors import InvalidInputError
from multiaug.testing.text import tiny_bert
from multiaug.text.masked_lm import MaskedLM
from multiaug.text.tokens import split_words

TEXT = "The function returns a new list of values, e.g. os.path.join() in src/a.py, at 3.5 GHz."
TEXTS = [
    TEXT,
    "Python modules hold classes and functions for the user.",
    "",
    "   ",
    "Every object has an identity, a type and a value.",
]


@pytest.fixture(scope="module")
def model() -> Path:
    return tiny_bert()


def aug(model: Path | object, **kw: object) -> ma.text.ContextualReplace:
    return ma.text.ContextualReplace(model, **{"alpha": 0.4, "seed": 0, **kw})  # type: ignore[arg-type]


def test_keyed_calls_are_reproducible_and_keys_differ(model: Path) -> None:
    t = aug(model)
    outs = [t(text=TEXT, key=k)["text"] for k in range(6)]
    assert outs == [aug(model)(text=TEXT, key=k)["text"] for k in range(6)]
    assert len(set(outs)) > 1 and all(o != TEXT for o in outs)
    assert (
        aug(model, seed=1)(text=TEXT, key=0)["text"] != outs[0]
        or aug(model, seed=1)(text=TEXT, key=1)["text"] != outs[1]
    )


def test_only_plain_words_change_and_spacing_round_trips(model: Path) -> None:
    protected = ["function", re.compile(r"val\w+")]
    t = aug(model, alpha=1.0, protected=protected)
    pieces, words = split_words(TEXT)
    for key in range(4):
        out = t(text=TEXT, key=key, trace=True)
        new_pieces, new_words = split_words(out["text"])
        assert len(new_words) == len(words)
        assert new_pieces[0::2] == pieces[0::2]  # everything between words, exactly
        edited = {k for k, _ in out["trace"][0]["params"]["edits"]}
        for k, w in enumerate(words):
            if k not in edited:
                assert new_pieces[w] == pieces[w]
        for kept in ("function", "values", "e.g.", "os.path.join()", "src/a.py", "3.5", "GHz", "The", "a"):
            assert kept in out["text"].split() or kept + "," in out["text"] or kept + "." in out["text"]
        assert edited  # alpha=1: every replaceable word is drawn
        assert all(new.isalpha() for _, new in out["trace"][0]["params"]["edits"])


def test_case_follows_the_replaced_word(model: Path) -> None:
    out = aug(model, alpha=1.0)(text="Functions return values.", key=3, trace=True)
    first = out["trace"][0]["params"]["edits"][0]
    assert first[0] == 0 and first[1][0].isupper() and out["text"].startswith(first[1])


def test_replay_needs_no_model(model: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    t = aug(model)
    out = t(text=TEXT, key=2, trace=True)

    def refuse(*a: object, **k: object) -> None:
        raise AssertionError("the model ran during replay")

    monkeypatch.setattr(MaskedLM, "fill", refuse)
    assert t.replay(json.loads(json.dumps(out["trace"])), text=TEXT)["text"] == out["text"]
    bad = json.loads(json.dumps(out["trace"]))
    bad[0]["params"]["edits"][0][1] = "two words"
    with pytest.raises(ma.InvalidInputError, match=r"params.edits\[0\]"):
        t.replay(bad, text=TEXT)


def test_global_rngs_are_never_touched(model: Path) -> None:
    states = (torch.get_rng_state().clone(), np.random.get_state()[1].copy(), random.getstate())  # noqa: NPY002
    t = aug(model, temperature=2.0, top_k=0)
    for key in range(3):
        t(text=TEXT, key=key)
    ma.text.augment_texts(t, TEXTS)
    assert torch.equal(torch.get_rng_state(), states[0])
    assert np.array_equal(np.random.get_state()[1], states[1])  # noqa: NPY002
    assert random.getstate() == states[2]


def test_sampling_options(model: Path) -> None:
    greedy = [aug(model, temperature=0, seed=s)(text=TEXT, key=0, trace=True) for s in range(2)]
    # the same words are drawn only if the positions are: compare per position
    by_pos = [dict(map(tuple, g["trace"][0]["params"]["edits"])) for g in greedy]
    common = by_pos[0].keys() & by_pos[1].keys()
    assert all(by_pos[0][k] == by_pos[1][k] for k in common)
    top1 = aug(model, top_k=1)(text=TEXT, key=0)["text"]
    assert top1 == aug(model, temperature=0)(text=TEXT, key=0)["text"]
    no_stops = aug(model, alpha=1.0, stopwords=["of", "is", "the"])(text=TEXT, key=1, trace=True)
    assert not {w for _, w in no_stops["trace"][0]["params"]["edits"]} & {"of", "is", "the"}


def test_a_fill_mask_pipeline_gives_what_the_folder_gives(model: Path) -> None:
    from transformers import pipeline

    from multiaug.text.masked_lm import quiet

    with quiet():
        fill = pipeline("fill-mask", model=str(model), tokenizer=str(model))
    assert aug(fill)(text=TEXT, key=5)["text"] == aug(model)(text=TEXT, key=5)["text"]
    with pytest.raises(ma.ConfigError, match="model"):
        aug(fill).to_config()


def test_config_and_pickle_round_trip(model: Path) -> None:
    t = aug(model, top_k=5)
    cfg = json.loads(json.dumps(t.to_config()))
    assert cfg["params"]["model"] == str(model)
    clone = ma.from_config(cfg)
    assert clone.fingerprint == t.fingerprint
    assert clone(text=TEXT, key=4) == t(text=TEXT, key=4)
    assert pickle.loads(pickle.dumps(t))(text=TEXT, key=4) == t(text=TEXT, key=4)


def test_bad_models_name_the_parameter_and_the_fix(tmp_path: Path) -> None:
    with pytest.raises(
        ma.InvalidInputError, match=r"ContextualReplace: `model`.*does not exist.*save_pretrained"
    ):
        ma.text.ContextualReplace(tmp_path / "missing")
    with pytest.raises(ma.InvalidInputError, match=r"`model`.*required"):
        ma.text.ContextualReplace()
    with pytest.raises(ma.InvalidInputError, match=r"`model`.*fill-mask pipeline"):
        ma.text.ContextualReplace(42)
    with pytest.raises(ma.InvalidInputError, match=r"`model`.*no config.json.*nothing is downloaded"):
        ma.text.ContextualReplace(tmp_path)(text="A text with several words.", key=0)
    (tmp_path / "config.json").write_text("{}", encoding="utf-8")
    with pytest.raises(ma.InvalidInputError, match=r"`model` cannot load a masked language model.*Fix: pass"):
        ma.text.ContextualReplace(tmp_path)(text="A text with several words.", key=0)


def test_no_network_is_used(model: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*a: object, **k: object) -> None:
        raise AssertionError("network access")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    copy = tmp_path / "bert"  # a folder not loaded before in this process
    copy.mkdir()
    for f in model.iterdir():
        (copy / f.name).write_bytes(f.read_bytes())
    assert aug(copy)(text=TEXT, key=1)["text"] == aug(model)(text=TEXT, key=1)["text"]


def test_long_text_uses_a_window_around_each_word(model: Path) -> None:
    long = " ".join(["every object has an identity and a value"] * 60)  # far beyond 64 tokens
    out = aug(model, alpha=0.05, window=64)(text=long, key=0, trace=True)
    edits = out["trace"][0]["params"]["edits"]
    assert edits and max(k for k, _ in edits) > 200
    assert split_words(out["text"])[0][0::2] == split_words(long)[0][0::2]


def test_rows_are_tokenised_in_bounded_chunks(model: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # all rows at once took ~1 GiB on a 200k-character text (and a MemoryError panics the tokenizer)
    import multiaug.text.masked_lm as M

    long = " ".join(["every object has an identity and a value"] * 40)
    t = aug(model, alpha=0.5, window=32)
    whole = t(text=long, key=3)["text"]
    monkeypatch.setattr(M, "ENCODE_CHUNK", 7)
    seen: list[int] = []
    encode = M.MaskedLM._encode

    def spy(self: M.MaskedLM, rows: list) -> list:
        call = self.tokenizer.__class__.__call__

        def counted(tok: object, texts: list, *a: object, **k: object) -> object:
            seen.append(len(texts))
            return call(tok, texts, *a, **k)

        monkeypatch.setattr(self.tokenizer.__class__, "__call__", counted)
        try:
            return encode(self, rows)
        finally:
            monkeypatch.setattr(self.tokenizer.__class__, "__call__", call)

    monkeypatch.setattr(M.MaskedLM, "_encode", spy)
    assert t(text=long, key=3)["text"] == whole
    assert len(seen) > 1 and max(seen) <= 7


def test_batch_calls_equal_per_text_calls_and_batch_the_model(
    model: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pipe = ma.Compose(
        [
            ma.text.SynonymReplace(alpha=0.2),
            aug(model, p=0.8),
            ma.OneOf([ma.text.RandomSwap(), ma.text.CharNoise()]),
        ],
        seed=3,
    )
    texts = TEXTS * 3
    keys = [f"id{i}" for i in range(len(texts))]
    single = [pipe(text=t, key=k, epoch=2)["text"] for t, k in zip(texts, keys, strict=True)]
    sizes: list[int] = []
    fill = MaskedLM.fill

    def counted(self: MaskedLM, rows: list, *a: object, **k: object) -> list:
        sizes.append(len(rows))
        return fill(self, rows, *a, **k)  # type: ignore[arg-type]

    monkeypatch.setattr(MaskedLM, "fill", counted)
    assert ma.text.augment_texts(pipe, texts, keys, epoch=2) == single
    assert len(sizes) == 1 and sizes[0] > 5  # one model call for every text
    chooser = ma.Compose([ma.OneOf([aug(model, p=0.6), ma.text.RandomSwap(p=0.4)])], seed=4)
    single = [chooser(text=t, key=k)["text"] for t, k in zip(texts, keys, strict=True)]
    sizes.clear()
    assert ma.text.augment_texts(chooser, texts, keys) == single
    assert len(sizes) == 1  # the texts that chose the model, in one call
    variants = ma.text.augment_texts(pipe, texts[:3], n=2)
    X, _ = pipe.fit_resample(texts[:3], [0, 1, 0], copies=2)
    assert X[3:] == [variants[i][c] for c in range(2) for i in range(3)]
    assert variants[0][1] == pipe(text=texts[0], key=ma.sampling.item_key("row0", 2))["text"]
    keyed = ma.text.augment_texts(pipe, texts[:2], keys=[5, 6], n=1)
    assert keyed == [[pipe(text=texts[i], key=f"{5 + i}/copy1")["text"]] for i in range(2)]


def test_batch_calls_of_word_ops_and_bad_arguments() -> None:
    t = ma.text.RandomSwap(alpha=0.5, seed=0)
    texts = ["The quick brown fox jumps.", "Lazy dogs sleep all day long."]
    assert ma.text.augment_texts(t, texts) == [t(text=s, key=i)["text"] for i, s in enumerate(texts)]
    assert ma.text.augment_texts(t, []) == []
    for kwargs, field in (
        ({"texts": "one text"}, "texts"),
        ({"texts": texts, "keys": [1]}, "keys"),
        ({"texts": texts, "n": 0}, "n"),
        ({"texts": texts, "n": 10**12}, "n"),  # bounded before a list of 10**12 variants is built
        ({"texts": texts, "n": True}, "n"),
        ({"texts": texts, "keys": 5}, "keys"),
        ({"texts": texts, "keys": (k for k in range(2))}, "keys"),
    ):
        with pytest.raises(ma.InvalidInputError, match=f"RandomSwap: `{field}`"):
            ma.text.augment_texts(t, **kwargs)  # type: ignore[arg-type]
    with pytest.raises(ma.InvalidInputError, match="`text` must be a str"):
        ma.text.augment_texts(t, ["ok", None])  # type: ignore[list-item]
    with pytest.raises(ma.InvalidInputError, match="augment_texts"):
        t(text=texts)


def test_device_is_checked_when_built_and_when_loaded() -> None:
    for bad in (None, "x", 0, [], "cuda:99999"):
        with pytest.raises(InvalidInputError, match="device"):
            ma.text.ContextualReplace(model=tiny_bert(), device=bad)
    t = ma.text.ContextualReplace(
        model=tiny_bert(), device="cuda:1" if not torch.cuda.is_available() else "meta"
    )
    with pytest.raises(InvalidInputError, match="device"):
        t(text="the module imports the package", key=0)


def test_lone_surrogates_reach_the_model_as_replacement_characters() -> None:
    t = ma.text.ContextualReplace(model=tiny_bert(), alpha=1.0, seed=0)
    out = t(text="hello \udc80 world of python modules", key=0)["text"]
    assert "\udc80" in out  # the text around the replaced words is returned as it was


def test_a_model_folder_with_a_damaged_config_is_refused_by_name(tmp_path: Path) -> None:
    import shutil

    folder = tmp_path / "bert"
    shutil.copytree(tiny_bert(), folder)
    (folder / "config.json").write_text("[1, 2]")  # valid JSON, not a config
    t = ma.text.ContextualReplace(model=str(folder), alpha=0.5, seed=0)
    with pytest.raises(InvalidInputError, match="model"):
        t(text="the module imports the package", key=0)
