"""Datasets: :class:`AugmentedDataset` (keyed augmentation of a map-style dataset) and the worker setup."""

from __future__ import annotations

import numbers
import operator
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import torch
from torch.utils.data import Dataset, IterableDataset

from ..core.errors import InvalidInputError
from ..core.fields import FIELDS, signal_fields
from ..core.random import check_epoch
from ..core.transform import Transform
from ..monitor.profile import Profile
from ..monitor.record import Recorder, profiled_call
from ..sampling.lists import check_item_id
from .collate import KeyedBatch

_DATASET = "AugmentedDataset"


def _check_id(value: Any, where: str) -> str | int:
    """One item id: a non-empty str or an int (numpy and torch ints as Python ints)."""
    if isinstance(value, torch.Tensor) and value.ndim == 0 and not value.is_floating_point():
        value = value.item()
    return check_item_id(_DATASET, where, value, "give every item a stable id")


def _check_ids(ids: Any, n: int) -> list[str | int] | None:
    """``ids=``: one unique id per item, or None."""
    if ids is None:
        return None
    if isinstance(ids, (str, bytes, Mapping)) or not hasattr(ids, "__len__") or len(ids) != n:
        size = f" of {len(ids)}" if hasattr(ids, "__len__") else ""
        raise InvalidInputError(
            _DATASET,
            "ids",
            f"must be a sequence of one id per item ({n}), got {type(ids).__name__}{size}",
            "pass ids=[...] with len(ids) == len(dataset)",
        )
    out = [_check_id(v, f"ids[{k}]") for k, v in enumerate(ids)]
    seen: set[str | int] = set()
    for v in out:
        if v in seen:
            raise InvalidInputError(_DATASET, "ids", f"has the id {v!r} twice", "give every item its own id")
        seen.add(v)
    return out


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


class AugmentedDataset(Dataset[Any]):
    """A map-style dataset whose item ``i`` is the keyed augmentation of ``dataset[i]``.

    Item ``i`` is ``pipeline(**sample, key=k, epoch=self.epoch)`` where ``sample`` is built from
    ``dataset[i]`` and the key ``k`` is the item's stable id where one is given (``ids[i]``, or
    the ``"id"`` field of a dict item), else its index ``i``. With ids, an item keeps its
    augmentations when the dataset grows, shrinks or is reordered; by index, item ``i``'s
    key is its position. The result depends only on the pipeline's seed, the key, the epoch and the item,
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
    ``sample_rate`` is given, else the one array signal field the pipeline handles
    (``"image"``, ``"audio"``, ``"spectrogram"``...; pass ``field=`` when it handles several).
    PIL images (a torchvision dataset without ``transform``) are converted to numpy arrays
    (palette images to RGB/RGBA colours, masks kept as label indices; modes such as ``"CMYK"``
    or ``"I;16"`` raise, naming the conversion). Image, batch and mask tensors go to the pipeline
    as they are: it reads them in its declared layout (``ma.Compose([...], layout="chw")`` for the
    CHW tensors of a torchvision ``ToTensor``/``ToImage``) and gives them back as tensors; under
    the default ``"hwc"`` a CHW tensor raises, naming ``layout``. Other tensors become numpy arrays.

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
    ids : sequence of str or int, or None
        A stable identity per item (``len(ids) == len(dataset)``, unique), used as its key;
        e.g. file paths or database ids. ``None``: the ``"id"`` field of dict items, else the index.
    to_tensor : bool, default False
        Return ``torch.Tensor`` instead of numpy arrays: images ``(H, W[, C])`` become
        ``(C, H, W)`` tensors of the same dtype (torchvision's ``v2.ToImage`` convention), other
        arrays keep their layout; texts and labels are unchanged. By default numpy arrays come
        back and ``default_collate`` stacks them into ``(B, H, W, C)`` tensors (a flip's view,
        which ``torch.as_tensor`` refuses for its negative strides, comes back as a copy).
    profile : bool, default False
        Record what each transform does while items are made (:func:`multiaug.profile`'s
        statistics; the pixel-change ones on one call in 256); :meth:`recorded_profile` returns
        it. Outputs are unchanged. Each process records its own calls: with ``num_workers > 0``
        the workers' copies record, not the main process (profile with ``num_workers=0``).

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
        ids: Sequence[str | int] | None = None,
        to_tensor: bool = False,
        profile: bool = False,
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
                "pass a torch map-style Dataset or a list of samples; for an IterableDataset or "
                "another stream use ma.torch.AugmentedIterableDataset(source, pipeline, key='id')",
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
        self.ids = _check_ids(ids, len(dataset))
        if not isinstance(profile, bool):
            raise InvalidInputError(
                _DATASET, "profile", f"must be a bool, got {profile!r:.40}", "pass profile=True or False"
            )
        self.profile = profile
        self._recorder = Recorder(pipeline, stats_every=256) if profile else None
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
        key = self._key(i, item)
        if self._recorder is None:
            out = self.pipeline(**sample, key=key, epoch=check_epoch(_DATASET, epoch))
        else:
            out = profiled_call(self.pipeline, self._recorder, sample, key, check_epoch(_DATASET, epoch))
        if self.to_tensor:
            out = {k: _tensor(k, v) for k, v in out.items()}
        else:
            out = {k: _collatable(v) for k, v in out.items()}
        return _from_sample(item, out, form)

    def recorded_profile(self) -> Profile:
        """What the pipeline did for the items made so far in this process (``profile=True``)."""
        if self._recorder is None:
            raise InvalidInputError(
                _DATASET, "profile", "is off: nothing was recorded", "build the dataset with profile=True"
            )
        return Profile.from_recorder(self._recorder)

    def _key(self, i: int, item: Any) -> str | int:
        """Item ``i``'s key: its id (``ids[i]`` or a dict item's ``"id"``), else ``i``."""
        if self.ids is not None:
            return self.ids[i]
        if isinstance(item, Mapping) and "id" in item:
            return _check_id(item["id"], f"dataset[{i}]['id']")
        return i

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
            arrays = signal_fields(holds="array")
            handled = [f for f in self._fields if f in arrays]
            if len(handled) != 1:  # none, or several: the items could fill any of them
                raise InvalidInputError(
                    _DATASET,
                    "field",
                    f"cannot be inferred: the pipeline handles {list(self._fields)}",
                    "pass field='...' naming the sample field the items fill",
                )
            name = handled[0]
            if any(f == "sample_rate" for f, _ in self.pipeline._plan.required_fields):
                raise InvalidInputError(
                    _DATASET,
                    "sample_rate",
                    f"is needed: the pipeline augments {name} and the items carry no sample rate",
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
    """PIL images and tensors of fields without a layout to numpy; everything else unchanged.

    Image, batch and mask tensors are left to the pipeline, which reads them in its declared
    layout (:mod:`multiaug.core.layout`) and gives them back as tensors.
    """
    if type(value).__module__.startswith("PIL."):
        if "mask" in name:  # a palette mask's indices are its labels
            return np.array(value)
        from ..image._validate import pil_to_array

        return pil_to_array(owner, name, value)  # palette images as colours, never as indices
    if isinstance(value, torch.Tensor) and name != "label":
        field = FIELDS.get(name)
        if field is not None and field.layout_ndim is not None:
            return value
        return value.detach().cpu().numpy()
    return value


def _collatable(value: Any) -> Any:
    """``value``, with a flip's view (negative strides) copied: ``default_collate`` (``torch.as_tensor``)
    refuses negative strides. Other arrays, crops and transposes included, pass as they are."""
    if isinstance(value, np.ndarray):
        return value.copy() if value.ndim and min(value.strides) < 0 else value
    if isinstance(value, list) and value and isinstance(value[0], np.ndarray):
        return [_collatable(v) for v in value]
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
