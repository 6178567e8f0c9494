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
* :func:`worker_init_fn` keeps OpenCV single-threaded inside worker processes.

Nothing here uses a global RNG, so no worker seeding is needed for reproducibility.

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

import hashlib
import numbers
import operator
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import torch
from torch.utils.data import Dataset, IterableDataset, default_collate

from .core.errors import InvalidInputError
from .core.random import check_epoch
from .core.transform import Transform

__all__ = ["AugmentedDataset", "KeyedBatch", "MixCollate", "worker_init_fn"]

_DATASET = "AugmentedDataset"
_COLLATE = "MixCollate"
_SIGNALS = ("image", "audio", "spectrogram")


def worker_init_fn(worker_id: int) -> None:
    """``DataLoader(worker_init_fn=...)`` that makes OpenCV single-threaded in each worker.

    OpenCV starts its own thread pool in every process; with ``num_workers`` processes on
    ``num_workers`` cores that oversubscribes the machine and can deadlock after ``fork``.
    ``cv2.setNumThreads(0)`` (as albumentations recommends) runs OpenCV sequentially inside the
    worker; the workers themselves provide the parallelism. PyTorch already sets
    ``torch.set_num_threads(1)`` in its workers. Results do not depend on this setting.
    """
    try:
        import cv2
    except ImportError:  # no OpenCV: nothing to tune
        return
    cv2.setNumThreads(0)


class KeyedBatch(list[Any]):
    """The list of items :meth:`AugmentedDataset.__getitems__` hands to the ``collate_fn``.

    A plain list (any collate function accepts it) that also records the dataset ``indices`` of
    its items and the ``epoch`` they were augmented with, from which :class:`MixCollate` derives
    the key of the batch.
    """

    indices: list[int]
    epoch: int


class AugmentedDataset(Dataset[Any]):
    """A map-style dataset whose item ``i`` is the keyed augmentation of ``dataset[i]``.

    Item ``i`` is ``pipeline(**sample, key=i, epoch=self.epoch)`` where ``sample`` is built from
    ``dataset[i]``; the result depends only on the pipeline's seed, ``i``, the epoch and the item,
    so a ``DataLoader`` yields the same bytes with ``num_workers=0, 2, 4``, any start method and
    ``persistent_workers=True``. Give the pipeline a ``seed`` to get the same bytes in every run
    (with ``seed=None`` a seed is drawn once, here, and shared by all workers of this run).

    How items become samples, and back (the output has the form of the input item):

    * a ``dict`` item *is* the sample (``{"image": ..., "mask": ..., "label": ...}``) and a dict
      comes back;
    * a tuple/list ``(x, y)`` becomes ``{field: x, "label": y}`` and comes back as ``(x', y)``;
      longer tuples need ``field=`` naming every position, e.g. ``("image", "mask", "label")``;
    * a bare item (an image array, a text) becomes ``{field: x}`` and comes back as ``x'``.

    ``field`` is inferred when not given: ``"text"`` for a ``str``; for arrays, ``"audio"`` when
    ``sample_rate`` is given, else the signal field the pipeline handles (``"image"``, then
    ``"audio"``, ``"spectrogram"``). PIL images (a torchvision dataset without ``transform``) are
    converted to numpy arrays (palette images to RGB/RGBA colours, masks kept as label indices;
    modes such as ``"CMYK"`` or ``"I;16"`` raise, naming the conversion); image tensors are
    refused because their layout (CHW) is not multiaug's (HWC): drop ``ToTensor`` from the dataset
    and use ``to_tensor=True`` here.

    Parameters
    ----------
    dataset : map-style dataset
        Anything with ``__len__`` and ``__getitem__``: a ``torch.utils.data.Dataset``, a list of
        samples, of ``(x, y)`` pairs, of arrays or of texts.
    pipeline : multiaug.Transform
        The augmentation (usually a seeded ``ma.Compose``).
    field : str, sequence of str or None
        Sample field of the data in bare and pair items, or the field of every position of tuple
        items. ``None`` infers it (see above).
    epoch : int, default 0
        Initial epoch; change it with :meth:`set_epoch` before each epoch.
    sample_rate : int or None
        Added to every sample that has none (needed by audio transforms).
    to_tensor : bool, default False
        Return ``torch.Tensor`` instead of numpy arrays: images ``(H, W[, C])`` become
        ``(C, H, W)`` tensors of the same dtype (torchvision's ``v2.ToImage`` convention), other
        arrays keep their layout; texts and labels are unchanged. By default numpy arrays come
        back and ``default_collate`` stacks them into ``(B, H, W, C)`` tensors.

    Notes
    -----
    Call :meth:`set_epoch` before iterating over the loader (``iter(loader)`` starts prefetching),
    as with ``DistributedSampler.set_epoch``. The epoch lives in a shared-memory tensor created
    here, which forked workers inherit and spawned workers receive as shared memory, so persistent
    workers see every change.

    OpenCV runs its own thread pool in every worker: pass ``worker_init_fn=ma.torch.worker_init_fn``
    (it calls ``cv2.setNumThreads(0)``) to avoid oversubscribing the cores.

    Examples
    --------
    >>> import multiaug as ma
    >>> pipe = ma.Compose([ma.text.RandomSwap(alpha=0.5)], seed=0)
    >>> ds = ma.torch.AugmentedDataset(["a b c d", "e f g h"], pipe)
    >>> ds[0] == pipe(text="a b c d", key=0)["text"]
    True
    >>> ds.set_epoch(1)
    >>> ds[0] == pipe(text="a b c d", key=0, epoch=1)["text"]
    True
    """

    def __init__(
        self,
        dataset: Any,
        pipeline: Transform,
        *,
        field: str | Sequence[str] | None = None,
        epoch: int = 0,
        sample_rate: int | None = None,
        to_tensor: bool = False,
    ) -> None:
        if (
            isinstance(dataset, (str, bytes, IterableDataset))
            or not hasattr(dataset, "__len__")
            or not hasattr(dataset, "__getitem__")
        ):
            raise InvalidInputError(
                _DATASET,
                "dataset",
                f"must be a map-style dataset (with __len__ and __getitem__), got {type(dataset).__name__}",
                "pass a torch map-style Dataset or a list of samples; augment an IterableDataset "
                "by calling the pipeline with a stable key per item inside it",
            )
        if not isinstance(pipeline, Transform):
            raise InvalidInputError(
                _DATASET,
                "pipeline",
                f"must be a multiaug transform, got {type(pipeline).__name__}",
                "pass e.g. ma.Compose([...], seed=0)",
            )
        # Resolves the parameters now (errors before any worker starts) and, for seed=None, draws
        # the seed once so that forked workers inherit the same one.
        pipeline.validate_params()
        self.dataset = dataset
        self.pipeline = pipeline
        self.field = _check_field(field)
        if sample_rate is not None and (
            isinstance(sample_rate, bool) or not isinstance(sample_rate, numbers.Integral) or sample_rate <= 0
        ):
            raise InvalidInputError(
                _DATASET,
                "sample_rate",
                f"must be a positive int, got {sample_rate!r}",
                "pass sample_rate=16000",
            )
        self.sample_rate = sample_rate
        if not isinstance(to_tensor, bool):
            raise InvalidInputError(
                _DATASET, "to_tensor", f"must be a bool, got {to_tensor!r}", "pass to_tensor=True or False"
            )
        self.to_tensor = to_tensor
        self._fields = tuple(pipeline.fields)
        # Shared memory: forked workers inherit the mapping, spawned ones receive it through
        # torch's multiprocessing reductions; persistent workers thus see set_epoch().
        self._epoch = torch.tensor(check_epoch(_DATASET, epoch), dtype=torch.int64).share_memory_()

    # ------------------------------------------------------------------ epoch
    @property
    def epoch(self) -> int:
        """The epoch the next items are augmented with."""
        return int(self._epoch.item())

    @epoch.setter
    def epoch(self, epoch: int) -> None:
        self.set_epoch(epoch)

    def set_epoch(self, epoch: int) -> None:
        """Augment the following items with ``epoch`` (an int >= 0), in this process and all workers.

        Call it before iterating over the ``DataLoader`` for that epoch.
        """
        self._epoch.fill_(check_epoch(_DATASET, epoch))

    # ------------------------------------------------------------------ dataset protocol
    def __len__(self) -> int:
        return len(self.dataset)

    def __getitem__(self, index: int) -> Any:
        return self.augment(index, self.epoch)

    def __getitems__(self, indices: Sequence[int]) -> KeyedBatch:
        """A batch of items, tagged with their indices and epoch (``DataLoader`` calls this)."""
        epoch = self.epoch  # one read: every item of a batch has the same epoch
        batch = KeyedBatch()
        batch.indices = []
        for index in indices:
            i = self._index(index)
            batch.indices.append(i)
            batch.append(self.augment(i, epoch))
        batch.epoch = epoch
        return batch

    def augment(self, index: int, epoch: int) -> Any:
        """Item ``index`` augmented with ``epoch`` (what ``self[index]`` gives at that epoch)."""
        i = self._index(index)
        item = self.dataset[i]
        sample, form = self._to_sample(item)
        if self.sample_rate is not None and "sample_rate" not in sample:
            sample["sample_rate"] = self.sample_rate
        out = self.pipeline(**sample, key=i, epoch=check_epoch(_DATASET, epoch))
        if self.to_tensor:
            out = {k: _tensor(k, v) for k, v in out.items()}
        return _from_sample(item, out, form)

    def _index(self, index: Any) -> int:
        try:
            i = operator.index(index)
        except TypeError:
            raise InvalidInputError(
                _DATASET,
                "index",
                f"must be an int, got {type(index).__name__}",
                "index one item at a time (slices and lists are not supported)",
            ) from None
        n = len(self.dataset)
        if i < 0:
            i += n  # dataset[-1] and dataset[n - 1] are the same item, with the same key
        if not 0 <= i < n:
            raise IndexError(f"{_DATASET}: index {index} out of range for {n} items")
        return i

    # ------------------------------------------------------------------ items <-> samples
    def _to_sample(self, item: Any) -> tuple[dict[str, Any], tuple[str, ...] | None]:
        """The sample of an item and the field of each position (None: dict item, returned whole)."""
        if isinstance(item, Mapping):
            return {k: _to_numpy(_DATASET, k, v) for k, v in item.items()}, None
        if isinstance(item, (tuple, list)):
            names = self.field if isinstance(self.field, tuple) else None
            if names is None:
                if len(item) != 2:
                    raise InvalidInputError(
                        _DATASET,
                        "field",
                        f"is needed for items that are tuples of {len(item)} values",
                        "name every position, e.g. field=('image', 'mask', 'label')",
                    )
                names = (self.field if isinstance(self.field, str) else self._infer(item[0]), "label")
            if len(names) != len(item):
                raise InvalidInputError(
                    _DATASET,
                    "field",
                    f"names {len(names)} positions but the items hold {len(item)} values",
                    "give one field name per value of an item",
                )
            return {n: _to_numpy(_DATASET, n, v) for n, v in zip(names, item, strict=True)}, names
        if isinstance(self.field, tuple):
            raise InvalidInputError(
                _DATASET,
                "field",
                f"names tuple positions but the items are {type(item).__name__}",
                "pass field='image' (a single name) for bare items",
            )
        name = self.field or self._infer(item)
        return {name: _to_numpy(_DATASET, name, item)}, (name,)

    def _infer(self, value: Any) -> str:
        if isinstance(value, str):
            name = "text"
        elif self.sample_rate is not None:
            name = "audio"
        else:
            handled = [f for f in _SIGNALS if f in self._fields]
            if not handled:
                raise InvalidInputError(
                    _DATASET,
                    "field",
                    f"cannot be inferred: the pipeline handles {list(self._fields)}",
                    "pass field='...' naming the sample field the items fill",
                )
            name = handled[0]
            if name == "audio":
                raise InvalidInputError(
                    _DATASET,
                    "sample_rate",
                    "is needed: the pipeline augments audio and the items carry no sample rate",
                    "pass AugmentedDataset(..., sample_rate=16000) or dict items with 'sample_rate'",
                )
        if name not in self._fields:
            raise InvalidInputError(
                _DATASET,
                "field",
                f"is inferred as {name!r} but the pipeline handles {list(self._fields)}",
                "pass field='...' naming the sample field the items fill, or a matching pipeline",
            )
        return name

    def __repr__(self) -> str:
        return f"AugmentedDataset(len={len(self)}, pipeline={self.pipeline!r}, epoch={self.epoch})"


def _check_field(field: object) -> str | tuple[str, ...] | None:
    if field is None or (isinstance(field, str) and field):
        return field
    if (
        isinstance(field, Sequence)
        and not isinstance(field, str)
        and field
        and all(isinstance(f, str) and f for f in field)
        and len(set(field)) == len(field)
    ):
        return tuple(field)
    raise InvalidInputError(
        _DATASET,
        "field",
        f"must be a field name or a sequence of distinct names, got {field!r}",
        "pass field='image', or field=('image', 'mask', 'label') for tuple items",
    )


def _to_numpy(owner: str, name: str, value: Any) -> Any:
    """PIL images and (non-image) tensors to numpy; everything else unchanged."""
    if type(value).__module__.startswith("PIL."):
        if "mask" in name:  # a palette mask's indices are its labels
            return np.array(value)
        from .image._validate import pil_to_array

        return pil_to_array(owner, name, value)  # palette images as colours, never as indices
    if isinstance(value, torch.Tensor) and name != "label":
        if name in ("image", "images", "mask"):
            raise InvalidInputError(
                owner,
                name,
                f"is a torch.Tensor of shape {tuple(value.shape)}; multiaug augments numpy "
                "(H, W[, C]) arrays",
                "remove ToTensor from the wrapped dataset and pass to_tensor=True to AugmentedDataset",
            )
        return value.detach().cpu().numpy()
    return value


def _tensor(name: str, value: Any) -> Any:
    if not isinstance(value, np.ndarray):
        return value
    if name == "image":
        value = value[None] if value.ndim == 2 else value.transpose(2, 0, 1)
    return torch.from_numpy(np.ascontiguousarray(value))


def _from_sample(item: Any, out: dict[str, Any], names: tuple[str, ...] | None) -> Any:
    if names is None:
        return out
    values = [out[n] for n in names]
    if isinstance(item, tuple):
        return type(item)(*values) if hasattr(item, "_fields") else type(item)(values)
    if isinstance(item, list):
        return values
    return values[0]


# ---------------------------------------------------------------------- batch mixing
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
