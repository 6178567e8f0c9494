"""Collating batches: the :class:`KeyedBatch` a dataset hands over, and :class:`MixCollate`."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np
import torch
from torch.utils.data import default_collate

from ..core.errors import InvalidInputError
from ..core.transform import Transform

_COLLATE = "MixCollate"


class KeyedBatch(list[Any]):
    """The list of items :meth:`AugmentedDataset.__getitems__` hands to the ``collate_fn``.

    A plain list (any collate function accepts it) that also records the dataset ``indices`` of
    its items and the ``epoch`` they were augmented with, from which :class:`MixCollate` derives
    the key of the batch.
    """

    indices: list[int]
    epoch: int


class MixCollate:
    """A ``collate_fn`` that mixes every batch with a batch mixer, deterministically.

    The batch is first collated by ``collate_fn`` (``default_collate``), then its images and
    labels go through ``mixer(images=..., labels=..., key=K, epoch=E)``. When the batch comes from
    an :class:`AugmentedDataset` (directly or through ``Subset``), ``K = "batch:i0,i1,..."`` lists
    the dataset indices of its items and ``E`` is their epoch, so the mixing depends only on which
    items form the batch (decided by the sampler, in the main process), never on the worker that
    collates it. Other batches are keyed by a BLAKE2b digest of their content, with epoch 0
    (deterministic too, but the same content then mixes the same way every epoch).

    Images are located at position 0 and labels at position 1 of tuple items, or under
    ``image_key``/``label_key`` of dict items. numpy images (``AugmentedDataset``'s default) are
    ``(H, W[, C])``; tensor images (``to_tensor=True``) are ``(C, H, W)`` and are mixed in that
    layout's spatial axes. The batch comes back in the structure ``collate_fn`` gave it, with the
    images as a tensor of the input's dtype and layout and the labels as float32 soft labels
    ``(B, K)``, also for batches the mixer skips (``p < 1``).

    Parameters
    ----------
    mixer : multiaug.Transform
        A batch mixer: ``ma.image.MixUp``, ``ma.image.CutMix`` or a composer of them (e.g.
        ``ma.OneOf([MixUp(...), CutMix(...)])``). Integer class labels need ``num_classes``.
    collate_fn : callable or None
        The collate function run first; ``None`` means ``torch.utils.data.default_collate``.
    image_key, label_key : str
        Keys of the images and labels in dict items.

    Notes
    -----
    Mixing needs at least two images: use ``drop_last=True`` when the dataset length leaves a
    final batch of one. Instances pickle (with their mixer), so they work with spawned workers.
    """

    def __init__(
        self,
        mixer: Transform,
        collate_fn: Callable[[list[Any]], Any] | None = None,
        *,
        image_key: str = "image",
        label_key: str = "label",
    ) -> None:
        if not isinstance(mixer, Transform) or "images" not in mixer.fields:
            raise InvalidInputError(
                _COLLATE,
                "mixer",
                "must be a batch mixer that takes images=(B, H, W[, C]), got "
                + (
                    f"{mixer.name} (fields {list(mixer.fields)})"
                    if isinstance(mixer, Transform)
                    else repr(mixer)
                ),
                "pass ma.image.MixUp(num_classes=K), ma.image.CutMix(num_classes=K) or a OneOf of them; "
                "per-sample pipelines belong in AugmentedDataset",
            )
        mixer.validate_params()  # also fixes a seed=None mixer's seed before workers fork
        if collate_fn is not None and not callable(collate_fn):
            raise InvalidInputError(
                _COLLATE,
                "collate_fn",
                f"must be callable, got {collate_fn!r}",
                "pass a collate function or None",
            )
        for name, value in (("image_key", image_key), ("label_key", label_key)):
            if not isinstance(value, str):
                raise InvalidInputError(_COLLATE, name, f"must be a str, got {value!r}", f"pass {name}='...'")
        self.mixer = mixer
        self.collate_fn = collate_fn
        self.image_key = image_key
        self.label_key = label_key

    def __call__(self, batch: list[Any]) -> Any:
        if not isinstance(batch, list) or not batch:
            raise InvalidInputError(
                _COLLATE,
                "batch",
                f"must be a non-empty list of items, got {type(batch).__name__}",
                "use MixCollate as DataLoader(..., batch_size=B, collate_fn=MixCollate(mixer))",
            )
        collated = (self.collate_fn or default_collate)(batch)
        slot_images, slot_labels = self._slots(collated)
        images, labels = collated[slot_images], collated[slot_labels]
        channels_first = isinstance(_item_part(batch[0], slot_images), torch.Tensor) and images.ndim == 4
        x = _numpy(images)
        if channels_first:
            x = x.transpose(0, 2, 3, 1)
        y = _numpy(labels)
        key, epoch = _batch_key(batch, x, y)
        out = self.mixer(images=x, labels=y, key=key, epoch=epoch)
        mixed, soft = out["images"], out["labels"]
        if channels_first:
            mixed = mixed.transpose(0, 3, 1, 2)
        if np.asarray(soft).ndim == 1:  # the mixer skipped: integer ids, made one-hot
            soft = np.eye(self._num_classes(), dtype=np.float32)[np.asarray(soft)]
        result_images = torch.from_numpy(np.ascontiguousarray(mixed))
        result_labels = torch.from_numpy(np.ascontiguousarray(soft, dtype=np.float32))
        if isinstance(collated, Mapping):
            result = dict(collated)
            result[slot_images], result[slot_labels] = result_images, result_labels
            return result
        parts = list(collated)
        parts[slot_images], parts[slot_labels] = result_images, result_labels
        return type(collated)(parts) if isinstance(collated, (list, tuple)) else parts

    def _slots(self, collated: Any) -> tuple[Any, Any]:
        if isinstance(collated, Mapping):
            missing = [k for k in (self.image_key, self.label_key) if k not in collated]
            if missing:
                raise InvalidInputError(
                    _COLLATE,
                    missing[0],
                    f"is missing from the collated batch, which has the keys {list(collated)}",
                    "pass image_key=/label_key= naming the images and labels of the dict items",
                )
            return self.image_key, self.label_key
        if isinstance(collated, (list, tuple)) and len(collated) >= 2:
            return 0, 1
        raise InvalidInputError(
            _COLLATE,
            "batch",
            f"collates to {type(collated).__name__}, not (images, labels, ...) or a dict",
            "give the dataset (image, label) or {'image': ..., 'label': ...} items",
        )

    def _num_classes(self) -> int:
        for leaf in self.mixer._plan.leaves:
            k = getattr(leaf, "num_classes", None)
            if k is not None:
                return int(k)
        raise InvalidInputError(  # unreachable: the mixer rejects integer labels without num_classes
            _COLLATE, "mixer", "has no num_classes for integer labels", "construct it with num_classes=K"
        )

    def __repr__(self) -> str:
        return f"MixCollate({self.mixer!r})"


def _item_part(item: Any, slot: Any) -> Any:
    try:
        return item[slot]
    except (KeyError, IndexError, TypeError):
        return None


def _numpy(value: Any) -> Any:
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().numpy()
    return np.asarray(value)


def _batch_key(batch: Iterable[Any], images: np.ndarray, labels: np.ndarray) -> tuple[str, int]:
    indices = getattr(batch, "indices", None)
    if indices is not None:
        return "batch:" + ",".join(map(str, indices)), int(getattr(batch, "epoch", 0))
    digest = hashlib.blake2b(digest_size=16)
    for arr in (images, labels):
        arr = np.ascontiguousarray(arr)
        digest.update(f"{arr.dtype.str}{arr.shape}".encode())
        digest.update(arr.tobytes())
    return "content:" + digest.hexdigest(), 0
