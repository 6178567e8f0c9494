"""``ImageDataset``: a ``keras.utils.PyDataset`` of keyed, augmented image batches."""

from __future__ import annotations

import math
import numbers
import os
from pathlib import Path
from typing import Any

import keras
import numpy as np

from ..core.errors import InvalidInputError
from ..core.random import check_epoch
from ..core.transform import Transform
from ..core.validation import require_int, require_transform
from ..data import Entry, read_item
from .listing import LABEL_MODES, OWNER, Items, from_dataframe, from_directory, in_validation

COLOR_MODES = ("rgb", "grayscale", "rgba")


class ImageDataset(keras.utils.PyDataset):
    """Batches ``(images, labels)`` of a folder of class sub-folders or of a dataframe, augmented by key.

    The multiaug counterpart of ``keras.utils.image_dataset_from_directory`` (and of
    ``ImageDataGenerator.flow_from_directory``/``flow_from_dataframe``), as a ``keras.utils.PyDataset``
    that ``model.fit`` takes directly:

    * image ``i`` of the training subset is ``pipeline(image=img, key=item_id, epoch=epoch)["image"]``,
      where ``item_id`` is the file's path relative to ``directory`` (a dataframe: its ``x_col`` value).
      A batch is thus the same whatever the workers, the batch order or the other files; Keras calls
      :meth:`on_epoch_end` after each epoch, which advances the epoch (new draws, new shuffle order);
    * the validation subset is **never augmented**: it runs ``pipeline.inference()`` (the deterministic
      steps alone, such as ``Resize``) in a fixed order, so its batches are the same every epoch. (Keras'
      ``ImageDataGenerator(validation_split=...)`` augments its validation subset too: keras issue 10458.)
    * the split is a pure function of ``(seed, item_id)``: an image is in the validation subset when its
      seeded BLAKE2b digest, read as a number in [0, 1), is below ``validation_split``. The two subsets
      built with the same seed are disjoint and cover every image; adding or removing files never moves
      another image from one subset to the other (the sizes are ``validation_split * n`` up to binomial
      noise, where Keras takes exactly ``int(validation_split * n)`` after a shuffle of the listing).

    Labels are as ``image_dataset_from_directory`` gives them: class ``k`` is the ``k``-th class name in
    alphanumeric order (``class_names`` chooses and orders them); ``label_mode="int"`` gives int32 ``(B,)``,
    ``"categorical"`` float32 one-hot ``(B, K)``, ``"binary"`` float32 ``(B, 1)`` (two classes),
    ``None`` the images alone. Images are read as 8-bit RGB (``color_mode="grayscale"``: ``(H, W, 1)``,
    ``"rgba"``), and the batch is ``np.stack`` of the pipeline's outputs, in their dtype: the pipeline must
    end at one fixed size (``ma.image.Resize``, ``RandomCrop``, ``RandomResizedCrop``...), else a batch of
    several sizes raises ``InvalidInputError`` naming the images.

    Parameters
    ----------
    source : path or pandas.DataFrame
        A folder with one sub-folder of images per class (searched recursively), or a dataframe
        with a column of image paths (``x_col``) and one of classes (``y_col``).
    pipeline : multiaug.Transform
        The training augmentation, e.g. ``ma.Compose([ma.image.RandomResizedCrop((64, 64)), ...], seed=0)``.
    batch_size : int, default 32
    validation_split : float in [0, 1), default 0.0
        Fraction of the images kept for validation; with a split, ``subset`` is required.
    subset : "training", "validation" or None
    seed : int, default 0
        Seed of the split and of the shuffle order (the pipeline's own ``seed`` governs the draws).
    label_mode, class_names, color_mode, shuffle : as in ``image_dataset_from_directory``
        ``shuffle=None`` shuffles the training subset (a new order each epoch, from ``seed`` and the
        epoch) and keeps the validation subset in id order.
    x_col, y_col, directory : dataframe input only, as in ``flow_from_dataframe``.
    epoch : int, default 0
        The first epoch; :meth:`on_epoch_end` advances it, :meth:`set_epoch` sets it.
    **kwargs
        ``workers``, ``use_multiprocessing``, ``max_queue_size``: passed to ``keras.utils.PyDataset``.

    Examples
    --------
    >>> import os, tempfile, cv2, numpy as np
    >>> _ = os.environ.setdefault("KERAS_BACKEND", "torch")   # Keras 3 reads it at its import
    >>> import multiaug as ma
    >>> root = tempfile.mkdtemp()
    >>> for name in ("cat", "dog"):
    ...     os.makedirs(f"{root}/{name}")
    ...     for i in range(4):
    ...         _ = cv2.imwrite(f"{root}/{name}/{i}.png", np.full((20, 24, 3), 60 * i, np.uint8))
    >>> pipe = ma.Compose([ma.image.Resize(16, 16), ma.image.HorizontalFlip()], seed=0)
    >>> train = ma.keras.ImageDataset(root, pipe, batch_size=4)
    >>> images, labels = train[0]
    >>> images.shape, images.dtype, labels.dtype, train.class_names, len(train)
    ((4, 16, 16, 3), dtype('uint8'), dtype('int32'), ['cat', 'dog'], 2)
    >>> import shutil; shutil.rmtree(root)
    """

    def __init__(
        self,
        source: str | os.PathLike[str] | Any,
        pipeline: Transform,
        batch_size: int = 32,
        validation_split: float = 0.0,
        subset: str | None = None,
        seed: int = 0,
        *,
        label_mode: str | None = "int",
        class_names: list[str] | None = None,
        color_mode: str = "rgb",
        shuffle: bool | None = None,
        x_col: str = "filename",
        y_col: str | None = "class",
        directory: str | os.PathLike[str] | None = None,
        epoch: int = 0,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        fix = "pass e.g. ma.Compose([ma.image.Resize(64, 64), ma.image.HorizontalFlip()], seed=0)"
        pipeline = require_transform(OWNER, pipeline, fix)
        self.batch_size = require_int(OWNER, "batch_size", batch_size, 1, None, "pass batch_size=32")
        self.seed = require_int(OWNER, "seed", seed, 0, 2**63, "pass seed=0 (the same seed for both subsets)")
        self.subset = _check_subset(validation_split, subset)
        self.label_mode = _check_choice("label_mode", label_mode, LABEL_MODES)
        self.color_mode = _check_choice("color_mode", color_mode, COLOR_MODES)
        if shuffle is not None and not isinstance(shuffle, bool):
            raise InvalidInputError(
                OWNER, "shuffle", f"must be a bool or None, got {shuffle!r:.80}", "pass shuffle=True"
            )
        self.shuffle = self.subset != "validation" if shuffle is None else shuffle
        self.validation_split = float(validation_split)
        self.epoch = check_epoch(OWNER, epoch)
        items = _list(source, class_names, x_col, y_col, directory, self.label_mode)
        if self.label_mode == "binary" and len(items.class_names or ()) != 2:
            raise InvalidInputError(
                OWNER, "label_mode", f'"binary" needs 2 classes, found {len(items.class_names or ())}',
                'use label_mode="int" or "categorical", or pass class_names=[two of them]',
            )  # fmt: skip
        self._items = _take_subset(items, self.subset, self.seed, self.validation_split)
        self.class_names = items.class_names
        # the validation subset runs the deterministic steps only, whatever mode `pipeline` is in
        self.pipeline = pipeline.inference() if self.subset == "validation" else pipeline
        self._shape: tuple[int, ...] | None = None

    # ------------------------------------------------------------------ PyDataset protocol
    def __len__(self) -> int:
        return math.ceil(len(self._items.ids) / self.batch_size)

    @property
    def num_batches(self) -> int:
        return len(self)

    def __getitem__(self, index: int) -> Any:
        n = len(self)
        if isinstance(index, bool) or not isinstance(index, numbers.Integral) or not -n <= index < n:
            raise IndexError(f"{OWNER}: batch index {index!r} out of range for {n} batches")
        start = (int(index) % n) * self.batch_size
        rows = self.order(self.epoch)[start : start + self.batch_size]
        images = self._stack([self.augment(int(r), self.epoch) for r in rows], rows)
        if self.label_mode is None or self._items.labels is None:
            return images
        return images, self._labels(rows)

    def on_epoch_end(self) -> None:
        """Keras calls it after each pass over the data: the next pass draws anew (and reshuffles).

        ``model.fit`` calls it after every epoch, and Keras 3 once more when ``fit`` starts (its
        iterator's reset), so a first ``fit(epochs=2)`` runs epochs 1 and 2: use :meth:`set_epoch`
        to choose the epoch yourself (e.g. ``set_epoch(initial_epoch)`` when resuming).
        """
        self.epoch += 1

    def set_epoch(self, epoch: int) -> None:
        """Augment (and order) the following batches as epoch ``epoch``."""
        self.epoch = check_epoch(OWNER, epoch)

    # ------------------------------------------------------------------ items
    @property
    def ids(self) -> list[str]:
        """The item ids (keys) of this subset, in id order."""
        return list(self._items.ids)

    @property
    def labels(self) -> list[int] | None:
        """The class index of each item of :attr:`ids` (``None`` without labels)."""
        return None if self._items.labels is None else list(self._items.labels)

    def order(self, epoch: int) -> np.ndarray:
        """The item rows in batch order for ``epoch``: a seeded permutation per epoch when shuffling."""
        n = len(self._items.ids)
        if not self.shuffle:
            return np.arange(n)
        cached = self.__dict__.get("_order")
        if cached is None or cached[0] != epoch:  # one permutation per epoch, not one per batch
            perm = np.random.default_rng([self.seed, check_epoch(OWNER, epoch)]).permutation(n)
            perm.flags.writeable = False
            cached = (epoch, perm)
            self.__dict__["_order"] = cached
        return cached[1]

    def read(self, row: int) -> np.ndarray:
        """Image ``row`` (of :attr:`ids`) as read from disk, before the pipeline."""
        image, _ = read_item("image", Entry(self._items.ids[row], self._items.paths[row]))
        return _color(image, self.color_mode)

    def augment(self, row: int, epoch: int) -> np.ndarray:
        """Image ``row`` in epoch ``epoch``: ``pipeline(image=..., key=id, epoch=epoch)["image"]``."""
        out = self.pipeline(image=self.read(row), key=self._items.ids[row], epoch=check_epoch(OWNER, epoch))
        image = np.asarray(out["image"])
        return image[..., None] if self.color_mode == "grayscale" and image.ndim == 2 else image

    def _stack(self, images: list[np.ndarray], rows: np.ndarray) -> np.ndarray:
        shapes = [im.shape for im in images]
        first = self._shape or shapes[0]
        odd = [i for i, s in enumerate(shapes) if s != first]
        if odd:
            a = self._items.ids[int(rows[odd[0]])]
            sizes = f"gives images of several sizes: {a!r} is {shapes[odd[0]]}, other images {first}"
            if self.subset == "validation":
                raise InvalidInputError(
                    OWNER, "pipeline", f"as pipeline.inference() (the validation subset's) {sizes}",
                    "give it a deterministic size step: ma.image.Resize(h, w) first or after the random crop",
                )  # fmt: skip
            raise InvalidInputError(
                OWNER, "pipeline", sizes,
                "end the pipeline at one fixed size, e.g. ma.image.Resize(h, w) or RandomResizedCrop((h, w))",
            )  # fmt: skip
        self._shape = first
        return np.stack(images)

    def _labels(self, rows: np.ndarray) -> np.ndarray:
        assert self._items.labels is not None and self.class_names is not None
        labels = np.asarray([self._items.labels[int(r)] for r in rows], dtype=np.int32)
        if self.label_mode == "categorical":
            return np.eye(len(self.class_names), dtype=np.float32)[labels]
        if self.label_mode == "binary":
            return labels.astype(np.float32)[:, None]
        return labels


def _check_subset(validation_split: Any, subset: Any) -> str | None:
    if isinstance(validation_split, bool) or not isinstance(validation_split, numbers.Real):
        raise InvalidInputError(
            OWNER,
            "validation_split",
            f"must be a float, got {validation_split!r:.80}",
            "pass validation_split=0.2",
        )
    if not 0.0 <= float(validation_split) < 1.0:
        raise InvalidInputError(
            OWNER,
            "validation_split",
            f"must be in [0, 1), got {validation_split!r}",
            "pass validation_split=0.2",
        )
    if subset not in (None, "training", "validation"):
        raise InvalidInputError(
            OWNER,
            "subset",
            f'must be "training", "validation" or None, got {subset!r:.80}',
            'pass subset="training"',
        )
    if validation_split and subset is None:
        raise InvalidInputError(
            OWNER,
            "subset",
            "is needed with validation_split",
            'build two datasets: subset="training" and "validation"',
        )
    if subset is not None and not validation_split:
        raise InvalidInputError(
            OWNER,
            "validation_split",
            f"is 0 but subset={subset!r}",
            "pass validation_split=0.2 with a subset",
        )
    return subset


def _check_choice(name: str, value: Any, choices: tuple[Any, ...]) -> Any:
    if not any(value is c or (isinstance(value, str) and value == c) for c in choices):
        raise InvalidInputError(
            OWNER, name, f"must be one of {list(choices)}, got {value!r:.80}", f"pass {name}={choices[0]!r}"
        )
    return value


def _list(
    source: Any, class_names: Any, x_col: str, y_col: str | None, directory: Any, label_mode: Any
) -> Items:
    if isinstance(source, (str, os.PathLike)):
        return from_directory(Path(source), class_names, label_mode is not None)
    if hasattr(source, "columns") and hasattr(source, "__getitem__"):
        root = None if directory is None else Path(directory)
        return from_dataframe(source, root, x_col, y_col, label_mode)
    raise InvalidInputError(
        OWNER, "source", f"must be a folder path or a pandas DataFrame, got {type(source).__name__}",
        "pass the folder that holds one sub-folder per class, or a dataframe with x_col/y_col",
    )  # fmt: skip


def _take_subset(items: Items, subset: str | None, seed: int, split: float) -> Items:
    if subset is None:
        return items
    flags = in_validation(items.ids, seed, split)
    keep = [i for i, v in enumerate(flags) if v == (subset == "validation")]
    if not keep:
        raise InvalidInputError(
            OWNER, "validation_split",
            f"leaves the {subset} subset empty ({len(items.ids)} images, split {split})",
            "use more images or another validation_split",
        )  # fmt: skip
    return Items(
        [items.ids[i] for i in keep],
        [items.paths[i] for i in keep],
        None if items.labels is None else [items.labels[i] for i in keep],
        items.class_names,
    )


def _color(image: np.ndarray, mode: str) -> np.ndarray:
    """An 8-bit image as ``color_mode`` asks (PIL's ``convert``: grey replicated, alpha dropped/opaque)."""
    import cv2

    channels = 1 if image.ndim == 2 else image.shape[2]
    if mode == "rgb":
        return (
            image
            if channels == 3
            else cv2.cvtColor(image, cv2.COLOR_GRAY2RGB if channels == 1 else cv2.COLOR_RGBA2RGB)
        )
    if mode == "rgba":
        return (
            image
            if channels == 4
            else cv2.cvtColor(image, cv2.COLOR_GRAY2RGBA if channels == 1 else cv2.COLOR_RGB2RGBA)
        )
    return (
        image
        if channels == 1
        else cv2.cvtColor(image, cv2.COLOR_RGB2GRAY if channels == 3 else cv2.COLOR_RGBA2GRAY)
    )
