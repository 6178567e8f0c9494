"""``ma.hf.transform`` on the real Hugging Face ``datasets``: keyed rows, epochs, eval pipelines, columns."""

from __future__ import annotations

import pickle

import cv2
import datasets
import numpy as np
import PIL.Image
import pytest

import multiaug as ma


def images(n: int = 6) -> datasets.Dataset:
    """``n`` random 16x20 RGB images (PIL, as the ``Image`` feature decodes them) with labels."""
    rng = np.random.default_rng(0)
    pics = [PIL.Image.fromarray(rng.integers(0, 256, (16, 20, 3), dtype=np.uint8)) for _ in range(n)]
    return datasets.Dataset.from_dict({"img": pics, "label": [i % 3 for i in range(n)]})


def pipeline() -> ma.Compose:
    return ma.Compose(
        [
            ma.image.Resize(12, 12),
            ma.image.HorizontalFlip(p=0.5),
            ma.image.GaussianNoise(std=(0.05, 0.1), p=1.0),
        ],
        seed=5,
    )


def test_rows_are_keyed_by_their_index_and_the_epoch() -> None:
    pipe, base = pipeline(), images()
    t = ma.hf.transform(pipe)
    ds = ma.hf.with_index(base).with_transform(t)
    originals = [np.asarray(im) for im in base["img"]]
    row = ds[2]
    assert set(row) == {"img", "label", ma.hf.INDEX_COLUMN} and row["label"] == 2
    assert np.array_equal(row["img"], pipe(image=originals[2], key=2, epoch=0)["image"])
    batch = ds[0:4]
    assert all(np.array_equal(batch["img"][j], ds[j]["img"]) for j in range(4))  # whatever the batch
    t.epoch = 1  # ds holds t itself: the new epoch reaches it
    assert np.array_equal(ds[2]["img"], pipe(image=originals[2], key=2, epoch=1)["image"])
    assert not np.array_equal(ds[2]["img"], row["img"])
    shuffled = ma.hf.with_index(base).shuffle(seed=0)
    k = shuffled[0][ma.hf.INDEX_COLUMN]
    moved = shuffled.with_transform(t)[0]  # a row keeps its key through shuffle/select/split
    assert np.array_equal(moved["img"], pipe(image=originals[k], key=k, epoch=1)["image"])
    mapped = base.map(t, batched=True, batch_size=4, with_indices=True)  # augmented copies written once
    assert all(np.array_equal(np.asarray(mapped[j]["img"]), ds[j]["img"]) for j in range(6))


def test_an_eval_pipeline_gives_the_deterministic_steps_alone_every_epoch() -> None:
    pipe, base = pipeline(), images()
    t = ma.hf.transform(pipe.inference())
    ds = ma.hf.with_index(base).with_transform(t)
    first = ds[:]["img"]
    want = [cv2.resize(np.asarray(im), (12, 12), interpolation=cv2.INTER_LINEAR) for im in base["img"]]
    assert all(np.array_equal(a, w) for a, w in zip(first, want, strict=True))
    for epoch in (1, 7):
        t.set_epoch(epoch)
        assert all(np.array_equal(a, b) for a, b in zip(first, ds[:]["img"], strict=True))
    resize = ma.Compose([ma.image.Resize(12, 12)])
    assert all(
        np.array_equal(a, resize(image=np.asarray(im))["image"])
        for a, im in zip(first, base["img"], strict=True)
    )


def test_id_column_text_and_audio_dicts() -> None:
    rng = np.random.default_rng(1)
    clips = [
        {"array": rng.uniform(-0.5, 0.5, 400).astype(np.float32), "sampling_rate": 8000} for _ in range(3)
    ]
    texts = ["the quick brown fox", "jumps over the lazy", "dog and runs away"]
    base = datasets.Dataset.from_dict({"id": ["a", "b", "c"], "text": texts, "speech": clips})
    pipe = ma.Compose([ma.text.RandomSwap(alpha=0.5), ma.audio.Gain(p=1.0)], seed=2)
    t = ma.hf.transform(pipe, key="id", epoch=3)
    out = base.with_transform(t)[0:3]
    assert out["id"] == ["a", "b", "c"]
    for j, key in enumerate("abc"):
        audio = np.asarray(base[j]["speech"]["array"], np.float32)
        want = pipe(text=texts[j], audio=audio, sample_rate=8000, key=key, epoch=3)
        assert out["text"][j] == want["text"]
        assert out["speech"][j]["sampling_rate"] == 8000 and out["speech"][j]["array"].dtype == np.float32
        assert np.array_equal(out["speech"][j]["array"], want["audio"])
    again = pickle.loads(pickle.dumps(t))  # DataLoader workers receive a copy
    assert again.epoch == 3 and base.with_transform(again)[1]["text"] == out["text"][1]


def test_text_batches_translate_in_one_batched_call_per_direction() -> None:
    calls: list[int] = []

    def upper_then_title(texts: list[str], src: str, tgt: str) -> list[str]:  # a stand-in translator
        calls.append(len(texts))
        return [t.upper() if tgt == "de" else t.title() for t in texts]

    texts = ["the quick brown fox", "jumps over the lazy", "dog and runs away", "a fourth line here"]
    pipe = ma.Compose(
        [ma.text.BackTranslate(translator=upper_then_title, p=0.8), ma.text.RandomSwap(alpha=0.3)], seed=4
    )
    out = ma.hf.with_index(datasets.Dataset.from_dict({"text": texts})).with_transform(
        ma.hf.transform(pipe, epoch=1)
    )[0:4]
    assert 0 < len(calls) <= 2 and sum(calls) <= 2 * len(texts)  # not one call per row
    assert out["text"] == [pipe(text=t, key=i, epoch=1)["text"] for i, t in enumerate(texts)]


def test_bad_uses_raise_invalid_input() -> None:
    base = images(2)
    with pytest.raises(ma.InvalidInputError, match=r"`key` needs the column 'multiaug_index'.*with_index"):
        base.with_transform(ma.hf.transform(pipeline()))[0]
    with pytest.raises(ma.InvalidInputError, match=r"`key` needs the column 'id'"):
        base.with_transform(ma.hf.transform(pipeline(), key="id"))[0]
    with pytest.raises(ma.InvalidInputError, match=r"`key` column 'label' holds float"):
        base.map(lambda b: {"label": [0.5] * len(b["label"])}, batched=True).with_transform(
            ma.hf.transform(pipeline(), key="label")
        )[0]
    with pytest.raises(ma.InvalidInputError, match=r"`fields` names columns \['image'\]"):
        ma.hf.with_index(base).with_transform(ma.hf.transform(pipeline(), fields={"image": "image"}))[0]
    with pytest.raises(ma.InvalidInputError, match="already has the column"):
        ma.hf.with_index(ma.hf.with_index(base))
    with pytest.raises(ma.InvalidInputError, match=r"`dataset` must be a datasets\.Dataset"):
        ma.hf.with_index([1, 2])
    with pytest.raises(ma.InvalidInputError, match="`pipeline` must be a per-sample multiaug transform"):
        ma.hf.transform(lambda image: image)  # type: ignore[arg-type]
    with pytest.raises(ma.InvalidInputError, match="`pipeline` must be a per-sample"):
        ma.hf.transform(ma.tabular.SMOTE())  # a whole-table sampler: refused when built, not per row
    with pytest.raises(ma.InvalidInputError, match="`epoch`"):
        ma.hf.transform(pipeline()).epoch = -1
    text_only = ma.hf.transform(ma.Compose([ma.text.RandomSwap()]))
    with pytest.raises(ma.InvalidInputError, match="`fields` none of the columns"):
        ma.hf.with_index(base).with_transform(text_only)[0]
