"""ma.torch: DataLoader outputs are the same bytes for every worker count, start method and epoch handling."""

from __future__ import annotations

import pickle
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import pytest
import torch
from sklearn.datasets import load_digits
from torch.utils.data import DataLoader, IterableDataset, RandomSampler, Subset

import multiaug as ma
from multiaug.torch import AugmentedDataset, MixCollate, worker_init_fn

N_IMAGES = 48
BATCH = 8

# 4 workers on a 2-core runner is deliberate: the point is that the count does not matter
pytestmark = pytest.mark.filterwarnings("ignore:This DataLoader will create:UserWarning")


def digits() -> list[tuple[np.ndarray, int]]:
    """Real 8x8 digit scans, upscaled to 32x32 uint8 RGB so that crops and rotations bite."""
    data = load_digits()
    out = []
    for image, label in zip(data.images[:N_IMAGES], data.target[:N_IMAGES], strict=True):
        grey = np.kron(image * (255 / 16), np.ones((4, 4))).astype(np.uint8)
        out.append((np.stack([grey, grey // 2, 255 - grey], axis=-1), int(label)))
    return out


def image_pipeline() -> ma.Compose:
    return ma.Compose(
        [
            ma.image.RandomResizedCrop(size=(24, 24), scale=(0.5, 1.0)),
            ma.image.HorizontalFlip(),
            ma.image.Rotate(limit=20, p=0.5),
            ma.image.ColorJitter(brightness=0.3, contrast=0.3, p=0.8),
            ma.image.GaussianNoise(std=(0.01, 0.05), p=0.5),
        ],
        seed=2026,
    )


def batch_bytes(batch: Any) -> list[bytes]:
    """A collated batch (tensors, lists, dicts) as comparable bytes."""
    if isinstance(batch, torch.Tensor):
        return [str(batch.dtype).encode() + str(tuple(batch.shape)).encode() + batch.numpy().tobytes()]
    if isinstance(batch, dict):
        return [b for k in sorted(batch) for b in [k.encode(), *batch_bytes(batch[k])]]
    if isinstance(batch, (list, tuple)):
        return [b for part in batch for b in batch_bytes(part)]
    return [repr(batch).encode()]


def run(
    ds: AugmentedDataset,
    workers: int,
    epochs: Iterable[int] = (0,),
    *,
    persistent: bool = False,
    context: str | None = None,
    collate: Callable[[list[Any]], Any] | None = None,
    shuffle: bool = False,
    dataset: Any = None,
) -> list[list[bytes]]:
    """Every batch of every epoch, with set_epoch called before each epoch's iteration."""
    data = ds if dataset is None else dataset
    # The sampler has its own generator: a loader's `generator=` also feeds the workers' base seed,
    # drawn once per iterator, so with it the shuffle order would depend on persistent_workers.
    loader = DataLoader(
        data,
        batch_size=BATCH,
        sampler=RandomSampler(data, generator=torch.Generator().manual_seed(5)) if shuffle else None,
        num_workers=workers,
        persistent_workers=persistent,
        multiprocessing_context=context if workers else None,
        worker_init_fn=worker_init_fn if workers else None,
        collate_fn=collate,
    )
    out = []
    for epoch in epochs:
        ds.set_epoch(epoch)
        out.append([b for batch in loader for b in batch_bytes(batch)])
    return out


@pytest.fixture(scope="module")
def image_ds() -> AugmentedDataset:
    return AugmentedDataset(digits(), image_pipeline())


# ---------------------------------------------------------------------- determinism
def test_an_epoch_is_byte_identical_for_0_2_and_4_workers(image_ds: AugmentedDataset) -> None:
    serial = run(image_ds, 0, epochs=(3,))
    assert len(serial[0]) == 2 * N_IMAGES // BATCH  # images and labels of every batch
    assert run(image_ds, 2, epochs=(3,)) == serial
    assert run(image_ds, 4, epochs=(3,)) == serial


def test_items_are_the_keyed_pipeline_calls_in_the_input_form(image_ds: AugmentedDataset) -> None:
    data, pipe = digits(), image_pipeline()
    image_ds.set_epoch(2)
    for i in (0, 17, N_IMAGES - 1):
        image, label = image_ds[i]
        expected = pipe(image=data[i][0], label=data[i][1], key=i, epoch=2)
        assert image.dtype == np.uint8 and image.shape == (24, 24, 3)
        assert np.array_equal(image, expected["image"]) and label == data[i][1]
    assert np.array_equal(image_ds[-1][0], image_ds[N_IMAGES - 1][0])
    assert image_ds.epoch == 2
    with pytest.raises(IndexError):
        image_ds[N_IMAGES]


def test_epochs_give_different_augmentations(image_ds: AugmentedDataset) -> None:
    first, second = run(image_ds, 0, epochs=(0, 1))
    images_0, images_1 = first[::2], second[::2]
    assert all(a != b for a, b in zip(images_0, images_1, strict=True))
    assert first[1::2] == second[1::2]  # labels pass through
    assert run(image_ds, 0, epochs=(0,))[0] == first  # and an epoch can be recomputed


def test_set_epoch_reaches_persistent_forked_workers(image_ds: AugmentedDataset) -> None:
    serial = run(image_ds, 0, epochs=(0, 1))
    assert serial[0] != serial[1]
    assert run(image_ds, 2, epochs=(0, 1), persistent=True) == serial


def test_set_epoch_reaches_persistent_spawned_workers(image_ds: AugmentedDataset) -> None:
    # a spawned worker gets the dataset pickled: the epoch must arrive as shared memory, not a copy
    serial = run(image_ds, 0, epochs=(1, 4))
    assert run(image_ds, 1, epochs=(1, 4), persistent=True, context="spawn") == serial


def test_unseeded_pipeline_agrees_across_forked_workers() -> None:
    pipe = ma.Compose([ma.image.RandomCrop(16, 16), ma.image.GaussianNoise(p=1.0)])  # seed=None
    ds = AugmentedDataset([x for x, _ in digits()[:16]], pipe)
    assert run(ds, 2) == run(ds, 0)


def test_plain_pickle_gives_an_independent_copy_with_the_same_items(image_ds: AugmentedDataset) -> None:
    image_ds.set_epoch(1)
    copy = pickle.loads(pickle.dumps(image_ds))
    assert np.array_equal(copy[5][0], image_ds[5][0])
    copy.set_epoch(2)
    assert image_ds.epoch == 1 and copy.epoch == 2


# ---------------------------------------------------------------------- item forms
def test_text_dataset_bare_and_pairs_across_workers() -> None:
    texts = [f"the quick brown fox number {i} jumps over the lazy dog" for i in range(24)]
    pipe = ma.Compose([ma.text.RandomSwap(alpha=0.3), ma.text.RandomDelete(alpha=0.1, p=0.5)], seed=1)
    bare = AugmentedDataset(texts, pipe)
    assert isinstance(bare[0], str) and bare[0] == pipe(text=texts[0], key=0)["text"]
    assert run(bare, 2, epochs=(0, 1)) == run(bare, 0, epochs=(0, 1))
    pairs = AugmentedDataset([(t, i % 3) for i, t in enumerate(texts)], pipe, epoch=1)
    assert pairs[3] == (bare[3], 0)  # bare was left at epoch 1
    assert run(pairs, 2) == run(pairs, 0)


def test_dict_items_with_masks_and_to_tensor() -> None:
    data = digits()[:8]
    items: list[dict[str, Any]] = [
        {"image": x, "mask": (x[..., 0] > 100).astype(np.uint8), "label": y} for x, y in data
    ]
    pipe = ma.Compose([ma.image.RandomCrop(20, 20), ma.image.HorizontalFlip()], seed=3)
    ds = AugmentedDataset(items, pipe)
    out = ds[2]
    assert set(out) == {"image", "mask", "label"} and out["label"] == data[2][1]
    expected = pipe(**items[2], key=2)
    assert np.array_equal(out["mask"], expected["mask"])
    tensors = AugmentedDataset(items, pipe, to_tensor=True)[2]
    assert tensors["image"].shape == (3, 20, 20) and tensors["image"].dtype == torch.uint8
    # the pipeline's own output may be a flip's view (negative strides), which torch.from_numpy refuses
    want_image, want_mask = np.ascontiguousarray(expected["image"]), np.ascontiguousarray(expected["mask"])
    assert torch.equal(tensors["image"], torch.from_numpy(want_image).permute(2, 0, 1))
    assert torch.equal(tensors["mask"], torch.from_numpy(want_mask))
    assert run(ds, 2) == run(ds, 0)


def test_named_tuple_positions_and_explicit_field() -> None:
    data = digits()[:4]
    triples = [(x, (x[..., 0] > 100).astype(np.uint8), y) for x, y in data]
    pipe = ma.Compose([ma.image.VerticalFlip(p=1.0)], seed=0)
    ds = AugmentedDataset(triples, pipe, field=("image", "mask", "label"))
    image, mask, label = ds[1]
    assert np.array_equal(image, triples[1][0][::-1]) and np.array_equal(mask, triples[1][1][::-1])
    assert label == triples[1][2]
    grey = AugmentedDataset([x[..., 0] for x, _ in data], pipe, field="image")
    assert np.array_equal(grey[0], data[0][0][::-1, :, 0])


def test_audio_items_take_the_sample_rate() -> None:
    rng = np.random.default_rng(0)
    clips = [rng.uniform(-0.5, 0.5, 1600).astype(np.float32) for _ in range(4)]
    pipe = ma.Compose([ma.audio.Gain(db=(-6, 6), p=1.0)], seed=0)
    ds = AugmentedDataset(clips, pipe, sample_rate=16000)
    assert np.array_equal(ds[1], pipe(audio=clips[1], sample_rate=16000, key=1)["audio"])
    with pytest.raises(ma.InvalidInputError, match="AugmentedDataset: `sample_rate`"):
        AugmentedDataset(clips, pipe)[0]


# ---------------------------------------------------------------------- MixUp / CutMix collate
@pytest.mark.parametrize(
    "mixer",
    [
        ma.image.MixUp(alpha=0.4, num_classes=10, seed=0),
        ma.image.CutMix(alpha=1.0, num_classes=10, seed=0),
        ma.OneOf([ma.image.MixUp(num_classes=10), ma.image.CutMix(num_classes=10)], p=0.7, seed=1),
    ],
    ids=["MixUp", "CutMix", "OneOf"],
)
def test_mix_collate_batches_are_identical_across_worker_counts(
    image_ds: AugmentedDataset, mixer: ma.Transform
) -> None:
    collate = MixCollate(mixer)
    serial = run(image_ds, 0, epochs=(0, 1), collate=collate, shuffle=True)
    assert serial[0] != serial[1]
    assert run(image_ds, 2, epochs=(0, 1), collate=collate, shuffle=True) == serial
    assert run(image_ds, 4, epochs=(0, 1), collate=collate, shuffle=True, persistent=True) == serial

    image_ds.set_epoch(1)
    loader = DataLoader(image_ds, batch_size=BATCH, shuffle=True, collate_fn=collate)
    for images, soft in loader:
        assert images.shape == (BATCH, 24, 24, 3) and images.dtype == torch.uint8
        assert soft.shape == (BATCH, 10) and soft.dtype == torch.float32
        assert torch.allclose(soft.sum(dim=1), torch.ones(BATCH))


def test_mix_collate_key_is_the_batch_indices_and_epoch(image_ds: AugmentedDataset) -> None:
    mixer = ma.image.CutMix(num_classes=10, seed=4)
    image_ds.set_epoch(5)
    indices = [7, 3, 30, 11]
    images, soft = MixCollate(mixer)(image_ds.__getitems__(indices))
    items = [image_ds[i] for i in indices]
    expected = mixer(
        images=np.stack([x for x, _ in items]),
        labels=np.array([y for _, y in items]),
        key="batch:7,3,30,11",
        epoch=5,
    )
    assert np.array_equal(images.numpy(), expected["images"])
    assert np.array_equal(soft.numpy(), expected["labels"])
    # through a Subset the key still names the underlying dataset indices
    subset = Subset(image_ds, [11, 7, 3, 30])
    again = MixCollate(mixer)(subset.__getitems__([1, 2, 3, 0]))
    assert torch.equal(again[0], images) and torch.equal(again[1], soft)


def test_mix_collate_on_tensor_dict_items_and_skipped_batches() -> None:
    items = [{"image": x, "label": y} for x, y in digits()[:16]]
    pipe = ma.Compose([ma.image.HorizontalFlip()], seed=0)
    ds = AugmentedDataset(items, pipe, to_tensor=True)
    never = MixCollate(ma.image.MixUp(num_classes=10, p=0.0, seed=0))
    batch = never(ds.__getitems__(range(4)))
    assert batch["image"].shape == (4, 3, 32, 32)  # channels first in, channels first out
    assert torch.equal(batch["label"], torch.eye(10)[[y for _, y in digits()[:4]]])
    always = MixCollate(ma.image.CutMix(num_classes=10, seed=0))
    mixed = always(ds.__getitems__(range(4)))
    expected = always(AugmentedDataset(items, pipe).__getitems__(range(4)))
    assert torch.equal(mixed["image"], expected["image"].permute(0, 3, 1, 2))
    assert torch.equal(mixed["label"], expected["label"])


def test_mix_collate_on_a_plain_dataset_is_keyed_by_content() -> None:
    data = digits()[:32]
    collate = MixCollate(ma.image.MixUp(alpha=1.0, num_classes=10, seed=0))
    ds = AugmentedDataset(data, ma.Compose([ma.image.HorizontalFlip()], seed=0))  # only for set_epoch
    serial = run(ds, 0, collate=collate, dataset=data)
    assert run(ds, 2, collate=collate, dataset=data) == serial


def test_mix_collate_pickles() -> None:
    collate = MixCollate(ma.image.MixUp(num_classes=10, seed=0))
    clone = pickle.loads(pickle.dumps(collate))
    batch = AugmentedDataset(digits()[:4], image_pipeline()).__getitems__(range(4))
    assert all(torch.equal(a, b) for a, b in zip(collate(batch), clone(batch), strict=True))


# ---------------------------------------------------------------------- errors
class _NoLen:
    def __getitem__(self, i: int) -> int:
        return i


class _Stream(IterableDataset[int]):
    def __iter__(self) -> Any:
        return iter(range(3))


@pytest.mark.parametrize("dataset", [_NoLen(), _Stream(), "abc", (i for i in range(3))])
def test_bad_dataset_is_refused(dataset: Any) -> None:
    with pytest.raises(ma.InvalidInputError, match=r"AugmentedDataset: `dataset`.*Fix:"):
        AugmentedDataset(dataset, image_pipeline())


@pytest.mark.parametrize("epoch", [1.5, "1", True, None, -1])
def test_bad_epoch_is_refused(epoch: Any) -> None:
    with pytest.raises(ma.InvalidInputError, match=r"AugmentedDataset: `epoch`.*Fix:"):
        AugmentedDataset(digits(), image_pipeline(), epoch=epoch)
    ds = AugmentedDataset(digits(), image_pipeline(), epoch=np.int64(2))  # type: ignore[arg-type]
    with pytest.raises(ma.InvalidInputError, match="`epoch`"):
        ds.set_epoch(epoch)
    assert ds.epoch == 2


def test_image_tensors_go_to_the_pipeline_in_its_layout() -> None:
    images = torch.from_numpy(np.stack([x for x, _ in digits()[:3]]))  # (3, H, W[, C]) uint8
    chw = images.movedim(-1, 1) if images.ndim == 4 else images[:, None]
    pipe = ma.Compose([ma.image.HorizontalFlip(p=1.0)], seed=0, layout="chw")
    image, label = AugmentedDataset([(chw[1], 4)], pipe)[0]
    assert isinstance(image, torch.Tensor) and image.shape == chw[1].shape and label == 4
    assert torch.equal(image, chw[1].flip(-1))
    mask = torch.zeros(chw.shape[-2:], dtype=torch.int64)
    out = AugmentedDataset([{"image": chw[1], "mask": mask}], pipe, to_tensor=True)[0]
    assert out["image"].shape == chw[1].shape and out["mask"].dtype == torch.int64


def test_bad_pipeline_field_and_items_are_refused() -> None:
    data = digits()[:4]
    with pytest.raises(ma.InvalidInputError, match=r"`pipeline`.*multiaug transform"):
        AugmentedDataset(data, lambda **s: s)  # type: ignore[arg-type]
    with pytest.raises(ma.InvalidInputError, match="`field`"):
        AugmentedDataset(data, image_pipeline(), field=("image", "image"))
    with pytest.raises(ma.InvalidInputError, match="`field` is needed for items that are tuples of 3"):
        AugmentedDataset([(x, x, y) for x, y in data], image_pipeline())[0]
    with pytest.raises(ma.InvalidInputError, match="`field` is inferred as 'text'"):
        AugmentedDataset(["some text"], image_pipeline())[0]
    with pytest.raises(ma.InvalidInputError, match=r"`image` is a tensor of shape.*layout=\"chw\""):
        AugmentedDataset([(torch.zeros(3, 8, 8), 0)], image_pipeline())[0]
    with pytest.raises(ma.InvalidInputError, match="`index` must be an int"):
        AugmentedDataset(data, image_pipeline())[1:2]  # type: ignore[index]


@pytest.mark.parametrize("mixer", [ma.image.HorizontalFlip(), image_pipeline(), "MixUp", None])
def test_mix_collate_refuses_what_is_not_a_batch_mixer(mixer: Any) -> None:
    with pytest.raises(ma.InvalidInputError, match=r"MixCollate: `mixer`.*MixUp"):
        MixCollate(mixer)


def test_mix_collate_reports_bad_batches() -> None:
    with pytest.raises(ma.InvalidInputError, match="MixCollate: `collate_fn`"):
        MixCollate(ma.image.MixUp(num_classes=10), collate_fn=3)  # type: ignore[arg-type]
    ds = AugmentedDataset(digits()[:4], image_pipeline())
    with pytest.raises(ma.InvalidInputError, match=r"image.MixUp: `labels`.*num_classes"):
        MixCollate(ma.image.MixUp())(ds.__getitems__(range(4)))
    with pytest.raises(ma.InvalidInputError, match="mixing needs at least 2"):
        MixCollate(ma.image.MixUp(num_classes=10))(ds.__getitems__([0]))
    with pytest.raises(ma.InvalidInputError, match="MixCollate: `label` is missing"):
        MixCollate(ma.image.MixUp(num_classes=10))([{"image": x} for x, _ in digits()[:2]])


def test_the_array_field_comes_from_the_field_table() -> None:
    """Bare arrays fill the one array signal field the pipeline handles (several: pass field=)."""
    spec = np.random.default_rng(0).standard_normal((16, 20)).astype(np.float32)
    masks = ma.Compose([ma.audio.FrequencyMask(p=1.0)], seed=0)
    assert np.array_equal(AugmentedDataset([spec], masks)[0], masks(spectrogram=spec, key=0)["spectrogram"])
    with pytest.raises(ma.InvalidInputError, match="`sample_rate` is needed: the pipeline augments audio"):
        AugmentedDataset([spec[0]], ma.Compose([ma.audio.Gain()], seed=0))[0]
    mixed = ma.Compose([ma.image.HorizontalFlip(), ma.audio.Gain()], seed=0)
    image = digits()[0][0]
    with pytest.raises(ma.InvalidInputError, match="`field` cannot be inferred: the pipeline handles"):
        AugmentedDataset([image], mixed)[0]


# ---------------------------------------------------------------------- stable ids (issue 22)
def test_items_with_ids_keep_their_augmentations_when_the_dataset_grows() -> None:
    texts = [f"the quick brown fox number {i} jumps over the lazy dog" for i in range(6)]
    pipe = ma.Compose([ma.text.RandomSwap(alpha=0.5)], seed=2)
    names = [f"doc{i}.txt" for i in range(6)]
    ds = AugmentedDataset(texts, pipe, ids=names, epoch=1)
    assert ds[4] == pipe(text=texts[4], key="doc4.txt", epoch=1)["text"]
    # a new item first: every other item keeps its output (keyed by index they would all move)
    grown = AugmentedDataset(
        ["a brand new text of several words", *texts], pipe, ids=["new", *names], epoch=1
    )
    assert [grown[i + 1] for i in range(6)] == [ds[i] for i in range(6)]
    assert run(grown, 2) == run(grown, 0)
    # dict items: their "id" field is the key (and stays in the sample)
    items = [{"text": t, "id": n} for t, n in zip(texts, names, strict=True)]
    by_field = AugmentedDataset(items[::-1], pipe, epoch=1)
    assert by_field[1] == {"text": ds[4], "id": "doc4.txt"}
    assert AugmentedDataset(texts, pipe, ids=np.arange(10, 16))[0] == pipe(text=texts[0], key=10)["text"]


@pytest.mark.parametrize(
    ("ids", "message"),
    [
        (["a", "b"], "one id per item"),
        ("abc", "one id per item"),
        (["a", "b", "a"], "'a' twice"),
        (["a", "", "c"], r"ids\[1\]"),
        ([1.5, 2, 3], r"ids\[0\]"),
    ],
)
def test_bad_ids_are_refused(ids: Any, message: str) -> None:
    pipe = ma.Compose([ma.text.RandomSwap()], seed=0)
    with pytest.raises(ma.InvalidInputError, match=message):
        AugmentedDataset(["a b", "c d", "e f"], pipe, ids=ids)
    with pytest.raises(ma.InvalidInputError, match=r"dataset\[0\]\['id'\]"):
        AugmentedDataset([{"text": "a b", "id": None}], pipe)[0]
