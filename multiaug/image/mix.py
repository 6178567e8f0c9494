"""Batch-level image mixing: :class:`MixUp` and :class:`CutMix`.

Both are called on a whole batch, ``t(images=..., labels=..., key=..., epoch=...)``:
``images`` is ``(B, H, W)`` or ``(B, H, W, C)`` (uint8, or float32 in ``[0, 1]``) and
``labels`` are integer class ids ``(B,)`` (with ``num_classes``) or one-hot/soft float
rows ``(B, K)``. They return images of the input's dtype and shape and soft labels
as float32 ``(B, K)``. Every draw (the mixing weight, the pairing permutation, the
CutMix box) is a JSON-able builtin in the params, so traces serialise and
``replay`` reproduces a batch exactly.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np

from ..core.errors import InvalidInputError
from ..core.fields import Field, register_field
from ..core.params import Number, Probability, param
from ..core.transform import Sample, Transform
from ..core.validation import require_ndarray, require_ndim, require_nonempty
from ._validate import check_image, looks_chw
from .functional import mix as F

__all__ = ["CutMix", "MixUp"]

_LABELS_FIX = (
    "pass integer class ids of shape (B,) together with num_classes=K, "
    "or one-hot/soft float labels of shape (B, K) whose rows sum to 1"
)


#: ``alpha`` of the mixers: the parameter of the Beta distribution ``lam`` is drawn from.
_BETA_PARAMETER = Number(0.0, low_open=True)


class _BatchMix(Transform):
    """Shared machinery of the batch mixers: label handling, pairing, validation."""

    _abstract = True
    modality = "image"
    fields: ClassVar[tuple[str, ...]] = ("images", "labels")
    required: ClassVar[tuple[str, ...]] = ("images", "labels")
    # Images keep dtype and shape (checked by the shared suite); labels are not a signal field:
    # integer labels (B,) come back as (B, K) float32 soft labels, as documented.
    preserves_shape = True
    alpha: float = param(_BETA_PARAMETER)  # each mixer declares its own default
    num_classes: int | None = param(Number(1, 2**31 - 1, integer=True, optional=True), default=None)
    p: float = param(Probability(), default=1.0, kw_only=True)
    _drawn = {"lam": Number(0.0, 1.0)}

    def make_params(self, rng: np.random.Generator, sample: Mapping[str, Any]) -> dict[str, Any]:
        """``lam ~ Beta(alpha, alpha)``, what the mixer draws from it (:meth:`_draw`), then the pairing."""
        alpha = self._r.alpha
        images = sample["images"]
        lam = float(rng.beta(alpha, alpha))
        return {
            "lam": lam,
            **self._draw(rng, lam, images.shape[1:3]),
            "perm": rng.permutation(len(images)).tolist(),
        }

    def _draw(self, rng: np.random.Generator, lam: float, size: tuple[int, int]) -> dict[str, Any]:
        """Draws between ``lam`` and the pairing (CutMix's box); ``size`` is the images' (H, W)."""
        return {}

    def check_params(self, params: Mapping[str, Any], sample: Mapping[str, Any]) -> None:
        n = len(sample["images"])
        if len(params["perm"]) == n and sorted(params["perm"]) != list(range(n)):  # else: apply says
            raise InvalidInputError(
                self.name,
                "params.perm",
                f"is not a permutation of the {n} images",
                "replay the trace unchanged",
            )
        if "box" in params:
            x1, y1, x2, y2 = params["box"]
            h, w = np.asarray(sample["images"]).shape[1:3]
            if not (0 <= x1 <= x2 <= w and 0 <= y1 <= y2 <= h):
                raise InvalidInputError(
                    self.name,
                    "params.box",
                    f"{params['box']} leaves the {h}x{w} images",
                    "replay the trace unchanged",
                )

    def check(self, sample: Mapping[str, Any]) -> None:
        """Check the labels against ``num_classes`` (the field checks cannot see it)."""
        labels = np.asarray(sample["labels"])
        k = self._r.num_classes
        if labels.dtype.kind in "iu":
            if k is None:
                raise InvalidInputError(
                    self.name,
                    "labels",
                    "are integer class ids but num_classes is not set",
                    f"construct {type(self).__name__}(..., num_classes=K) or pass one-hot (B, K) floats",
                )
            if labels.size and int(labels.max()) >= k:
                raise InvalidInputError(
                    self.name,
                    "labels",
                    f"holds class id {int(labels.max())}, but num_classes={k}",
                    f"use ids in [0, {k}) or raise num_classes",
                )
        elif k is not None and labels.shape[1] != k:
            raise InvalidInputError(
                self.name,
                "labels",
                f"has {labels.shape[1]} columns, but num_classes={k}",
                f"pass (B, {k}) labels or set num_classes={labels.shape[1]} (or None)",
            )

    def _soft_labels(self, labels: Any) -> np.ndarray:
        arr = np.asarray(labels)
        if arr.dtype.kind in "iu":
            return F.one_hot(arr, self._r.num_classes)
        return arr

    def _pairing(self, perm: Any, batch: int) -> np.ndarray:
        idx = np.asarray(perm, dtype=np.intp)
        if idx.shape != (batch,) or (batch and (idx.min() < 0 or idx.max() >= batch)):
            raise InvalidInputError(
                self.name,
                "images",
                f"has batch size {batch}, but the params pair {idx.size} images",
                "replay a trace on a batch of the size it was recorded on",
            )
        return idx

    def apply(self, sample: Mapping[str, Any], params: Mapping[str, Any]) -> Sample:
        images = sample["images"]
        perm = self._pairing(params["perm"], images.shape[0])
        out = dict(sample)
        mixed, weight = self._mix(images, perm, params)
        out["images"] = np.ascontiguousarray(mixed)  # a Fortran-ordered batch gives a Fortran result
        out["labels"] = F.mix_labels(self._soft_labels(sample["labels"]), perm, weight)
        return out

    def _mix(
        self, images: np.ndarray, perm: np.ndarray, params: Mapping[str, Any]
    ) -> tuple[np.ndarray, float]:
        """Mixed images and the weight of each image's own label."""
        raise NotImplementedError


class MixUp(_BatchMix):
    """MixUp (Zhang et al., 2018): blend every image and label with a partner from the batch.

    ``lam ~ Beta(alpha, alpha)`` and a permutation ``perm`` are drawn per call;
    ``images = lam * x + (1 - lam) * x[perm]`` (in float32, uint8 rounded once)
    and ``labels = lam * y + (1 - lam) * y[perm]``.

    Parameters
    ----------
    alpha : float, default 0.2
        The parameter of the Beta distribution ``lam`` is drawn from (both shape
        parameters, > 0), not a blend weight: ``lam`` is. Small values draw ``lam``
        near 0 or 1, keeping most images close to one of the pair.
    num_classes : int or None, default None
        Number of classes, required when ``labels`` are integer class ids.
    p : float, default 1.0
        Probability of mixing the batch. When not applied the batch passes through
        unchanged, integer labels included: pass one-hot labels if the training loop
        needs (B, K) floats every time.
    seed : int or None
        Seed used when called directly (inside a composer, the composer's seed governs).

    Examples
    --------
    >>> import numpy as np, multiaug as ma
    >>> images = np.stack([np.zeros((4, 4, 3), np.uint8), np.full((4, 4, 3), 200, np.uint8)])
    >>> out = ma.image.MixUp(alpha=0.4, num_classes=3, seed=0)(images=images, labels=[0, 2], key=7)
    >>> out["images"].shape, out["images"].dtype, out["labels"].dtype
    ((2, 4, 4, 3), dtype('uint8'), dtype('float32'))
    >>> out["labels"].sum(axis=1).tolist()
    [1.0, 1.0]
    """

    alpha: float = param(_BETA_PARAMETER, default=0.2)

    def _mix(
        self, images: np.ndarray, perm: np.ndarray, params: Mapping[str, Any]
    ) -> tuple[np.ndarray, float]:
        lam = float(params["lam"])
        return F.mixup(images, perm, lam), lam


class CutMix(_BatchMix):
    """CutMix (Yun et al., 2019): paste a box from a partner image; labels follow the pasted area.

    ``lam ~ Beta(alpha, alpha)`` sets the box's area fraction ``1 - lam`` (the
    image's aspect ratio); its centre is uniform over the image and the box is
    clipped to it. The same box is used for the whole batch, filled from
    ``x[perm]``. Labels are weighted by the area actually pasted after clipping:
    ``labels = w * y + (1 - w) * y[perm]`` with ``w = 1 - box_area / (H * W)``.

    The params are ``lam`` (as drawn), ``box`` (pixel ``[x1, y1, x2, y2]``,
    ``x2``/``y2`` exclusive) and ``perm``.

    Parameters
    ----------
    alpha : float, default 1.0
        The parameter of the Beta distribution ``lam`` is drawn from (both shape
        parameters, > 0); 1.0 draws the area fraction uniformly.
    num_classes : int or None, default None
        Number of classes, required when ``labels`` are integer class ids.
    p : float, default 1.0
        Probability of mixing the batch (when not applied the batch passes through
        unchanged, integer labels included).
    seed : int or None
        Seed used when called directly (inside a composer, the composer's seed governs).

    Examples
    --------
    >>> import numpy as np, multiaug as ma
    >>> images = np.stack([np.zeros((8, 8), np.uint8), np.full((8, 8), 255, np.uint8)])
    >>> labels = np.eye(2, dtype=np.float32)
    >>> out = ma.image.CutMix(seed=0)(images=images, labels=labels, key=1, trace=True)
    >>> x1, y1, x2, y2 = out["trace"][0]["params"]["box"]
    >>> pasted = (x2 - x1) * (y2 - y1)
    >>> swapped = out["trace"][0]["params"]["perm"][0] == 1
    >>> int((out["images"][0] == 255).sum()) == (pasted if swapped else 0)
    True
    >>> bool(np.isclose(out["labels"][0, 0], 1 - pasted / 64 if swapped else 1.0))
    True
    """

    _lengths = {"box": 4}

    alpha: float = param(_BETA_PARAMETER, default=1.0)

    def _draw(self, rng: np.random.Generator, lam: float, size: tuple[int, int]) -> dict[str, Any]:
        h, w = size
        cy, cx = float(rng.uniform(0, h)), float(rng.uniform(0, w))
        return {"box": list(F.cutmix_box(h, w, lam, cy, cx))}

    def _mix(
        self, images: np.ndarray, perm: np.ndarray, params: Mapping[str, Any]
    ) -> tuple[np.ndarray, float]:
        box = params["box"]
        h, w = images.shape[1:3]
        return F.cutmix(images, perm, box), 1.0 - F.pasted_fraction(box, h, w)


# ---------------------------------------------------------------------- field checks
def _check_images(owner: str, images: Any, sample: Mapping[str, Any]) -> None:
    require_ndarray(owner, "images", images, "stack the batch with np.stack(list_of_images)")
    fix = "stack single images with np.stack(list_of_images); single images go to image=..."
    require_ndim(owner, "images", images, (3, 4), "must be a batch (B, H, W) or (B, H, W, C)", fix)
    require_nonempty(owner, "images", images, "pass non-empty images")
    if images.shape[0] < 2:
        raise InvalidInputError(
            owner,
            "images",
            f"holds {images.shape[0]} image; mixing needs at least 2",
            "mix batches of 2 or more (e.g. DataLoader(..., drop_last=True))",
        )
    if images.ndim == 4 and looks_chw(images.shape[1:]):
        raise InvalidInputError(
            owner,
            "images",
            f"has shape {images.shape}, which looks like a BCHW (channels-first) batch, but the layout is "
            '"hwc" (BHWC, channels last)',
            'declare the layout on the pipeline: ma.Compose([...], layout="chw") (the output comes back '
            "BCHW), or move the channels last with np.moveaxis(images, 1, -1)",
        )
    try:
        # One image of height B*H: the single-image check covers dtype, range and NaN/inf.
        check_image(owner, images.reshape(-1, *images.shape[2:]))
    except InvalidInputError as exc:
        raise InvalidInputError(owner, "images", exc.problem, exc.fix) from None


def _check_labels(owner: str, labels: Any, sample: Mapping[str, Any]) -> None:
    try:
        arr = np.asarray(labels)
    except (TypeError, ValueError):  # ragged nested lists
        raise InvalidInputError(owner, "labels", "is not a rectangular array", _LABELS_FIX) from None
    kind = arr.dtype.kind
    if kind in "iu":
        if arr.ndim != 1:
            raise InvalidInputError(
                owner, "labels", f"are integer class ids of shape {arr.shape}, expected (B,)", _LABELS_FIX
            )
        if arr.size and int(arr.min()) < 0:
            raise InvalidInputError(
                owner, "labels", f"holds a negative class id {int(arr.min())}", "use class ids in [0, K)"
            )
    elif kind == "f":
        if arr.ndim != 2 or arr.shape[1] == 0:
            fix = (
                "integer class ids need an integer dtype: labels.astype(np.int64), with num_classes=K"
                if arr.ndim == 1
                else _LABELS_FIX
            )
            raise InvalidInputError(
                owner, "labels", f"are float labels of shape {arr.shape}, expected (B, K)", fix
            )
        if not np.isfinite(arr).all():
            raise InvalidInputError(owner, "labels", "contains NaN or inf", "repair those rows")
        if (arr < 0).any():
            raise InvalidInputError(
                owner, "labels", "holds negative probabilities", "pass one-hot or soft labels in [0, 1]"
            )
        sums = arr.sum(axis=1, dtype=np.float64)
        bad = np.flatnonzero(np.abs(sums - 1.0) > 1e-3)
        if bad.size:
            raise InvalidInputError(
                owner,
                "labels",
                f"row {int(bad[0])} sums to {sums[bad[0]]:.4g}, not 1",
                "normalise the rows: labels / labels.sum(axis=1, keepdims=True)",
            )
    else:
        raise InvalidInputError(owner, "labels", f"has dtype {arr.dtype}", _LABELS_FIX)
    images = sample.get("images")
    if isinstance(images, np.ndarray) and images.ndim >= 1 and images.shape[0] != arr.shape[0]:
        raise InvalidInputError(
            owner,
            "labels",
            f"has {arr.shape[0]} rows for a batch of {images.shape[0]} images",
            "give one label (row) per image",
        )


register_field(
    Field("images", "signal", _check_images, "batch", keeps_shape=True, modality="image", layout_ndim=4)
)
register_field(Field("labels", "label", _check_labels, "array", modality="image"))
