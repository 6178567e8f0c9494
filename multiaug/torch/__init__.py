"""PyTorch integration: deterministic augmentation inside a ``DataLoader``.

* :class:`AugmentedDataset` wraps a map-style dataset and augments item ``i`` with the keyed call
  ``pipeline(**sample, key=i, epoch=epoch)``. A keyed call is a pure function of the pipeline's
  seed, the key, the epoch and the input, so an epoch yields the same bytes whatever
  ``num_workers``, the start method or ``persistent_workers`` is, and every item can be recomputed
  alone.
* :meth:`AugmentedDataset.set_epoch` stores the epoch in shared memory, so workers kept alive by
  ``persistent_workers=True`` see the new epoch too.
* :class:`MixCollate` is a ``collate_fn`` that applies a batch mixer (``ma.image.MixUp``,
  ``ma.image.CutMix``, or a ``OneOf`` of them) with a key derived from the dataset indices of the
  batch and its epoch, and returns tensors: images and float32 soft labels ``(B, K)``.
* :class:`AugmentedIterableDataset` augments a stream (a torch ``IterableDataset``, a Hugging Face
  streaming dataset, any iterable of dicts) keyed by each item's id, sharded across workers and
  ranks without duplicates or gaps (:func:`current_shard`); see ``docs/streams.md``.
* :func:`worker_init_fn` keeps OpenCV single-threaded inside worker processes.

Nothing here uses a global RNG, so no worker seeding is needed for reproducibility.

The package: :mod:`.dataset` (the dataset and its worker setup), :mod:`.iterable` (streams) and
:mod:`.collate` (the batch a dataset hands over, and batch mixing).

Examples
--------
>>> import numpy as np, torch, multiaug as ma
>>> from torch.utils.data import DataLoader
>>> images = [np.full((8, 8, 3), 20 * i, np.uint8) for i in range(6)]
>>> data = list(zip(images, [0, 1, 2, 0, 1, 2]))               # (image, label) pairs
>>> pipe = ma.Compose([ma.image.HorizontalFlip(), ma.image.GaussianNoise()], seed=0)
>>> ds = ma.torch.AugmentedDataset(data, pipe)
>>> image, label = ds[4]                                          # same form as the input item
>>> image.shape, image.dtype, label
((8, 8, 3), dtype('uint8'), 1)
>>> mix = ma.torch.MixCollate(ma.image.MixUp(alpha=0.4, num_classes=3, seed=0))
>>> batch_images, soft = next(iter(DataLoader(ds, batch_size=3, collate_fn=mix)))
>>> tuple(batch_images.shape), soft.dtype, bool(torch.allclose(soft.sum(dim=1), torch.ones(3)))
((3, 8, 8, 3), torch.float32, True)
"""

from __future__ import annotations

from .batch import BatchDraws, BatchedPipeline, batched
from .collate import KeyedBatch, MixCollate
from .dataset import AugmentedDataset, worker_init_fn
from .iterable import AugmentedIterableDataset, current_shard

__all__ = [
    "AugmentedDataset",
    "AugmentedIterableDataset",
    "BatchDraws",
    "BatchedPipeline",
    "KeyedBatch",
    "MixCollate",
    "batched",
    "current_shard",
    "worker_init_fn",
]
