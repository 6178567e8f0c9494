"""BackTranslate: the translator protocol, a tiny MarianMT loaded through the real code, seeding."""

from __future__ import annotations

import json
import pickle
import random
from pathlib import Path

import numpy as np
import pytest
import torch

import multiaug as ma
from multiaug.testing.text import tiny_marian

TEXTS = ["The quick brown fox jumps over the lazy dog.", "Python is a programming language.", "Hi"]


@pytest.fixture(scope="module")
def models() -> Path:
    return tiny_marian()


@pytest.fixture()
def marian(models: Path) -> ma.text.MarianTranslator:
    return ma.text.MarianTranslator(models, max_new_tokens=6)


class Recorder:
    """A user translator that records its calls and accepts seeds."""

    def __init__(self) -> None:
        self.calls: list[tuple[list[str], str, str, list[int] | None]] = []

    def translate(self, texts: list[str], src: str, tgt: str, seeds: list[int] | None = None) -> list[str]:
        self.calls.append((list(texts), src, tgt, seeds))
        return [f"{t}|{tgt}|{seeds[0] % 7 if seeds else '-'}" for t in texts]


def test_marian_loads_from_local_folders_and_back_translates(marian: ma.text.MarianTranslator) -> None:
    bt = ma.text.BackTranslate(pivot="de", translator=marian, seed=0)
    out = bt(text=TEXTS[0], key=1, trace=True)
    assert isinstance(out["text"], str) and out["text"] != TEXTS[0]
    assert out["trace"][0]["params"]["seeds"] and len(out["trace"][0]["params"]["seeds"]) == 2
    assert bt(text=TEXTS[0], key=1)["text"] == out["text"]
    assert bt.replay(json.loads(json.dumps(out["trace"])), text=TEXTS[0])["text"] == out["text"]
    assert len({bt(text=TEXTS[0], key=k)["text"] for k in range(8)}) > 1  # sampling: keys differ


def test_sampling_is_seeded_per_text_and_independent_of_the_batch(marian: ma.text.MarianTranslator) -> None:
    batch = marian.translate(TEXTS, "en", "de", seeds=[1, 2, 3])
    singles = [marian.translate([t], "en", "de", seeds=[s])[0] for t, s in zip(TEXTS, [1, 2, 3], strict=True)]
    assert batch == singles
    assert marian.translate(TEXTS[:1], "en", "de", seeds=[1]) == batch[:1]
    assert len({marian.translate(TEXTS[:1], "en", "de", seeds=[s])[0] for s in range(8)}) > 1


def test_global_rngs_are_never_touched(marian: ma.text.MarianTranslator) -> None:
    states = (torch.get_rng_state().clone(), np.random.get_state()[1].copy(), random.getstate())  # noqa: NPY002
    bt = ma.text.BackTranslate(pivot="de", translator=marian, seed=3)
    for key in range(3):
        bt(text=TEXTS[1], key=key)
    assert torch.equal(torch.get_rng_state(), states[0])
    assert np.array_equal(np.random.get_state()[1], states[1])  # noqa: NPY002
    assert random.getstate() == states[2]


def test_beam_search_with_temperature_zero(models: Path) -> None:
    beam = ma.text.MarianTranslator(models, temperature=0, num_beams=2, max_new_tokens=6)
    a = beam.translate(TEXTS, "en", "de", seeds=[1, 2, 3])
    assert a == beam.translate(TEXTS, "en", "de", seeds=[4, 5, 6])


def test_config_pickle_and_folder_path(models: Path, marian: ma.text.MarianTranslator) -> None:
    bt = ma.text.BackTranslate(pivot="de", translator=marian, seed=5)
    cfg = json.loads(json.dumps(bt.to_config()))
    assert cfg["params"]["translator"]["backend"] == "marian"
    clone = ma.from_config(cfg)
    assert clone.fingerprint == bt.fingerprint
    assert clone(text=TEXTS[0], key=2) == bt(text=TEXTS[0], key=2)
    assert pickle.loads(pickle.dumps(bt))(text=TEXTS[0], key=2) == bt(text=TEXTS[0], key=2)
    by_path = ma.text.BackTranslate(pivot="de", translator=str(models), seed=5)
    assert ma.from_config(by_path.to_config()).fingerprint == by_path.fingerprint
    assert by_path.to_config()["params"]["translator"] == str(models)


def test_arbitrary_callables_work_but_cannot_be_saved() -> None:
    bt = ma.text.BackTranslate(
        pivot="fr", translator=lambda texts, src, tgt: [t[::-1] for t in texts], seed=0
    )
    assert bt(text="abc def")["text"] == "abc def"
    with pytest.raises(ma.ConfigError, match="translator"):
        bt.to_config()


def test_seeds_reach_translators_that_accept_them_and_results_are_cached() -> None:
    rec = Recorder()
    bt = ma.text.BackTranslate(pivot="de", translator=rec, seed=1)
    out = bt(text="  Hello world \n", key=4)
    assert out["text"] == "  Hello world|de|" + out["text"].split("|")[2] + "|en|" + out["text"][-3:]
    assert out["text"].startswith("  ") and out["text"].endswith(" \n")
    assert [c[1:3] for c in rec.calls] == [("en", "de"), ("de", "en")]
    assert all(c[3] is not None and len(c[3]) == 1 for c in rec.calls)
    bt(text="  Hello world \n", key=4)
    assert len(rec.calls) == 2  # cached
    bt(text="  Hello world \n", key=5)
    assert len(rec.calls) == 4
    no_cache = ma.text.BackTranslate(pivot="de", translator=rec, cache_size=0, seed=1)
    no_cache(text="x", key=0)
    no_cache(text="x", key=0)
    assert len(rec.calls) == 8


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_blank_text_is_returned_without_translating(text: str) -> None:
    rec = Recorder()
    assert ma.text.BackTranslate(pivot="de", translator=rec)(text=text)["text"] == text
    assert rec.calls == []


@pytest.mark.parametrize(
    ("result", "problem"),
    [
        (lambda ts: ts * 2, r"returned 2 texts for 1 input text\(s\)"),
        (lambda ts: [], "returned 0 texts"),
        (lambda ts: [1], "returned a int instead of a str"),
        (lambda ts: "x", "returned a str"),
    ],
)
def test_translator_returning_the_wrong_thing_is_named(result, problem: str) -> None:  # type: ignore[no-untyped-def]
    def my_translator(texts: list[str], src: str, tgt: str) -> list[str]:
        return result(texts)

    bt = ma.text.BackTranslate(pivot="de", translator=my_translator)
    with pytest.raises(ma.InvalidInputError, match=problem) as err:
        bt(text="Hello there")
    assert "my_translator" in str(err.value) and "`translator`" in str(err.value)


@pytest.mark.parametrize("bad", [None, b"x", 5])
def test_bad_text(bad: object) -> None:
    with pytest.raises(ma.InvalidInputError, match="BackTranslate: `text` must be a str"):
        ma.text.BackTranslate(translator=Recorder(), p=0.0)(text=bad)


def test_missing_models_are_reported_without_download(tmp_path: Path) -> None:
    bt = ma.text.BackTranslate(pivot="de", translator=ma.text.MarianTranslator(tmp_path))
    with pytest.raises(ma.InvalidInputError, match="opus-mt-en-de"):
        bt(text="Hello")
    (tmp_path / "opus-mt-en-de").mkdir()
    with pytest.raises(ma.InvalidInputError, match="no download"):
        bt(text="Hello")
    with pytest.raises(ma.InvalidInputError, match="no model for en-de"):
        ma.text.BackTranslate(translator={"backend": "marian", "models": {"de-en": str(tmp_path)}})(text="Hi")
    with pytest.raises(ma.InvalidInputError, match="required"):
        ma.text.BackTranslate()(text="Hi")


def test_augment_texts_batches_and_equals_per_sample_calls(marian: ma.text.MarianTranslator) -> None:
    texts = [*TEXTS, "", "  Padded text.  ", TEXTS[0]]
    keys = list(range(len(texts)))
    batched = ma.text.BackTranslate(pivot="de", translator=marian, p=0.7, seed=8)
    single = ma.text.BackTranslate(pivot="de", translator=marian, p=0.7, seed=8)
    assert batched.augment_texts(texts, keys, epoch=2) == [
        single(text=t, key=k, epoch=2)["text"] for t, k in zip(texts, keys, strict=True)
    ]
    rec = Recorder()
    bt = ma.text.BackTranslate(pivot="de", translator=rec, seed=0)
    bt.augment_texts(["a", "b", " ", "c"], keys=[1, 2, 3, 4])
    assert [len(c[0]) for c in rec.calls] == [3, 3]  # one call per direction, blank text skipped
    bt.augment_texts(["a", "b", "c"], keys=[1, 2, 4])
    assert len(rec.calls) == 2  # all cached
    with pytest.raises(ma.InvalidInputError, match="one key per text"):
        bt.augment_texts(["a"], keys=[1, 2])
    with pytest.raises(ma.InvalidInputError, match="`text` must be a str"):
        bt.augment_texts(["a", None], keys=[1, 2])  # type: ignore[list-item]
    bad = ma.text.BackTranslate(pivot="de", translator=lambda ts, s, t: ts[:1], seed=0)
    with pytest.raises(ma.InvalidInputError, match=r"<lambda> returned 1 texts for 2 input text"):
        bad.augment_texts(["a", "b"], keys=[0, 1])


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_ctranslate2_backend(models: Path, tmp_path: Path) -> None:
    from ctranslate2.converters import TransformersConverter

    files = ["source.spm", "target.spm", "vocab.json", "tokenizer_config.json"]
    for pair in ("en-de", "de-en"):
        TransformersConverter(str(models / f"opus-mt-{pair}"), copy_files=files).convert(
            str(tmp_path / f"opus-mt-{pair}"), force=True
        )
    ct2 = ma.text.CTranslate2Translator(tmp_path, max_decoding_length=6, num_hypotheses=4)
    batch = ct2.translate(TEXTS, "en", "de", seeds=[1, 2, 3])
    assert batch == [
        ct2.translate([t], "en", "de", seeds=[s])[0] for t, s in zip(TEXTS, [1, 2, 3], strict=True)
    ]
    bt = ma.text.BackTranslate(pivot="de", translator=ct2, seed=0)
    assert bt(text=TEXTS[0], key=3) == ma.from_config(bt.to_config())(text=TEXTS[0], key=3)


@pytest.mark.parametrize(
    ("cls", "kw", "field"),
    [
        (ma.text.MarianTranslator, {"temperature": "hot"}, "temperature"),  # a raw ValueError before
        (ma.text.MarianTranslator, {"top_k": -1}, "top_k"),
        (ma.text.MarianTranslator, {"num_beams": 1.5}, "num_beams"),
        (ma.text.MarianTranslator, {"max_new_tokens": 0}, "max_new_tokens"),
        (ma.text.CTranslate2Translator, {"batch_size": 0}, "batch_size"),
        (ma.text.CTranslate2Translator, {"tokenizers": ["en-de"]}, "tokenizers"),
    ],
)
def test_translator_options_are_checked_by_name(cls: type, kw: dict, field: str) -> None:
    with pytest.raises(ma.InvalidInputError, match=f"{cls.__name__}: `{field}`"):
        cls("/models", **kw)


def test_translator_options_keep_their_config_order_and_types() -> None:
    t = ma.text.CTranslate2Translator(Path("/models"), temperature=1, tokenizers={"en-de": Path("/t")})
    assert t.temperature == 1.0 and isinstance(t.temperature, float)
    assert list(t.to_config()) == [
        "backend",
        "models",
        "temperature",
        "num_hypotheses",
        "max_decoding_length",
        "batch_size",
        "device",
        "compute_type",
        "tokenizers",
    ]
    assert t.to_config()["tokenizers"] == {"en-de": "/t"} and t == ma.text.CTranslate2Translator(
        "/models", tokenizers={"en-de": "/t"}
    )


def test_marian_device_is_checked_when_built_and_when_loaded(models: Path) -> None:
    for bad in (None, "x", 0):
        with pytest.raises(ma.InvalidInputError, match="device"):
            ma.text.MarianTranslator(models, device=bad)
    import torch

    absent = "cuda:1" if not torch.cuda.is_available() else "cuda:999"  # a device this machine lacks
    translator = ma.text.MarianTranslator(models, max_new_tokens=4, device=absent)
    with pytest.raises(ma.InvalidInputError, match="device"):
        translator.translate(["the module"], "en", "de")
