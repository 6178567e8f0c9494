"""``BatchedPipeline.draw``: the draw phase apart from the pixel work (in DataLoader workers)."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
import torch
from test_torch_batched import KEYS, X
from torch.utils.data import DataLoader, Dataset

import multiaug as ma
from multiaug import InvalidInputError


def _pipe(seed: int = 0) -> ma.Compose:
    return ma.Compose(
        [
            ma.image.HorizontalFlip(),
            ma.image.Affine(rotate=(-20, 20), scale=(0.9, 1.1), p=0.7),
            ma.image.ColorJitter(0.3, 0.3, 0.3, p=0.8),
            ma.image.RandomResizedCrop((48, 64), p=1.0),
        ],
        seed=seed,
    )


def _same(a: dict, b: dict) -> None:
    assert a.keys() == b.keys()
    for k in a:
        if isinstance(a[k], torch.Tensor):
            assert torch.equal(a[k], b[k]), k
        elif k in ("bboxes", "keypoints"):
            for u, v in zip(a[k], b[k], strict=True):
                np.testing.assert_array_equal(u, v)
        else:
            assert a[k] == b[k], k


def test_draws_made_apart_and_pickled_give_the_inline_call() -> None:
    tp = ma.torch.batched(_pipe())
    inline = tp(image=X, key=KEYS, epoch=3, trace=True)
    draws = tp.draw(image=X, key=KEYS, epoch=3, trace=True)
    assert len(draws) == len(KEYS)
    _same(tp(image=X, draws=draws), inline)
    _same(tp(image=X.clone(), draws=pickle.loads(pickle.dumps(draws))), inline)  # as from a worker
    # another module of the same pipeline applies them too (a worker holds a copy of the module)
    _same(pickle.loads(pickle.dumps(tp))(image=X, draws=draws), inline)


def test_boxes_given_to_draw_come_back_moved_from_the_call() -> None:
    tp = ma.torch.batched(_pipe())
    boxes = [np.array([[10.0, 10.0, 40.0, 30.0]]) for _ in KEYS]
    labels = [["a"] for _ in KEYS]
    inline = tp(image=X, key=KEYS, bboxes=boxes, bbox_labels=labels)
    draws = tp.draw(image=X, key=KEYS, bboxes=boxes, bbox_labels=labels)
    _same(tp(image=X, draws=draws), inline)
    with pytest.raises(InvalidInputError, match="pass it to draw"):
        tp(image=X, draws=draws, bboxes=boxes)


def test_draws_are_refused_by_another_pipeline_mode_or_batch() -> None:
    tp = ma.torch.batched(_pipe())
    draws = tp.draw(image=X, key=KEYS, epoch=1)
    with pytest.raises(InvalidInputError, match="fingerprint"):
        ma.torch.batched(_pipe(seed=1))(image=X, draws=draws)
    with pytest.raises(InvalidInputError, match="fingerprint"):
        ma.torch.batched(_pipe()).eval()(image=X, draws=draws)
    with pytest.raises(InvalidInputError, match="shapes"):
        tp(image=X[:, :, :64], draws=draws)
    with pytest.raises(InvalidInputError, match="shapes"):
        tp(image=X.float() / 255, draws=draws)
    with pytest.raises(InvalidInputError, match="epoch"):
        tp(image=X, draws=draws, epoch=2)
    with pytest.raises(InvalidInputError, match="key"):
        tp(image=X, draws=draws, key=[k + 1 for k in KEYS])
    with pytest.raises(InvalidInputError, match="not the result of draw"):
        tp(image=X, draws=[1, 2])
    _same(tp(image=X, draws=draws, epoch=1, key=KEYS), tp(image=X, key=KEYS, epoch=1))


class _Photos(Dataset):
    def __len__(self) -> int:
        return len(KEYS)

    def __getitem__(self, i: int) -> tuple[int, torch.Tensor]:
        return i, X[i]


class _Collate:
    """Stack the batch and draw its parameters in the worker (keys: the dataset indices)."""

    def __init__(self, tp: ma.torch.BatchedPipeline, epoch: int) -> None:
        self.tp, self.epoch = tp, epoch

    def __call__(self, items: list[tuple[int, torch.Tensor]]) -> tuple[torch.Tensor, ma.torch.BatchDraws]:
        keys = [i for i, _ in items]
        x = torch.stack([img for _, img in items])
        return x, self.tp.draw(image=x, key=keys, epoch=self.epoch)


def test_a_dataloader_draws_in_its_workers() -> None:
    tp = ma.torch.batched(_pipe())
    loader = DataLoader(_Photos(), batch_size=3, num_workers=2, collate_fn=_Collate(tp, epoch=5))
    got = [tp(image=x, draws=draws)["image"] for x, draws in loader]
    expected = tp(image=X, key=KEYS, epoch=5)["image"]
    assert torch.equal(torch.cat(got), expected)  # and no sample depends on its batch


def test_groups_are_keyed_at_their_earliest_place_so_a_batch_resamples_them_at_once() -> None:
    """Flip + affine then leaves with their own ``p``: whichever later leaf (or the end) made a
    sample resample, its group runs right after its previous event (here: first), so the
    executor resamples the batch's groups at one key, not once per leaf that flushed them."""
    pipe = ma.Compose(
        [
            ma.image.HorizontalFlip(p=0.5),
            ma.image.Affine(rotate=(-15, 15), p=0.5),
            ma.image.ColorJitter(0.4, 0.4, p=0.5),
            ma.image.GaussianNoise(p=0.5),
        ],
        seed=0,
    )
    tp = ma.torch.batched(pipe)
    keys = list(range(32))
    draws = tp.draw(image=torch.zeros((32, 3, 16, 16), dtype=torch.uint8), key=keys)
    groups = {e.key for d in draws.drawn for e in d.events if e.warp is not None}
    leaves = {e.key for d in draws.drawn for e in d.events if e.leaf is not None}
    assert len(groups) == 1 and min(leaves) > groups.pop()
    # a group after a leaf follows that leaf, and before the sample's next one
    after = ma.Compose([ma.image.ColorJitter(0.4, p=0.5), ma.image.HorizontalFlip(p=1.0)], seed=0)
    for d in ma.torch.batched(after).draw(image=torch.zeros((8, 3, 16, 16)), key=keys[:8]).drawn:
        order = [e.key for e in d.events]
        assert order == sorted(order) and d.events[-1].warp is not None
