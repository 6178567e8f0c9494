"""A pipeline's boundary: the box format it is given and the extra targets it declares.

``Compose(..., bbox_format="coco", targets={"depth": "mask"})``: boxes come in (and go
out) in COCO format while every transform inside sees pixel ``pascal_voc`` boxes, and
``depth`` moves like the mask. The outermost composer of a call converts the boxes once
on the way in and once on the way out; the extra targets declared anywhere in the tree
are handed down to the leaves in the sample under :data:`~multiaug.core.fields.TARGETS`.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any

from .errors import InvalidInputError
from .fields import FIELDS, TARGETS, target_kinds
from .fusion import Sample
from .params import Choice, Spec

__all__ = ["BBOX_FORMATS", "BboxFormat", "Edge", "TargetMap", "merge_targets"]

#: Box formats a pipeline takes (:data:`multiaug.image.BBOX_FORMATS`; ``pascal_voc`` is the inside one).
BBOX_FORMATS = ("pascal_voc", "coco", "yolo", "albumentations")

#: Names an extra target cannot take: call keywords and the keys of a config node.
_RESERVED = frozenset(("key", "epoch", "trace", "transform", "params"))


class BboxFormat(Choice):
    """The box format of a pipeline's input and output."""

    def __init__(self) -> None:
        super().__init__(*BBOX_FORMATS)


class TargetMap(Spec):
    doc = 'None or a dict of extra target names to what they move like, e.g. {"depth": "mask"}'
    value_type = "dict[str, str]"

    def invalid(self) -> list[Any]:
        return ["depth", {"depth": "volume"}, {"mask": "mask"}, {"2nd": "image"}, {"depth": 1}]

    def resolve(self, owner: str, name: str, value: Any) -> dict[str, str]:
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            raise self.fail(owner, name, value)
        if value and "image" not in FIELDS:
            importlib.import_module("multiaug.image")  # declares the image kinds
        kinds = target_kinds()
        out: dict[str, str] = {}
        for target, kind in value.items():
            where = f"{name}[{target!r}]"
            if not isinstance(target, str) or not target.isidentifier() or target.startswith("_"):
                raise InvalidInputError(
                    owner, where, "is not a field name", "name extra targets like keywords: depth, image_prev"
                )
            if target in FIELDS or target in _RESERVED:
                raise InvalidInputError(
                    owner,
                    where,
                    f"is {'a field multiaug already knows' if target in FIELDS else 'a reserved name'}",
                    "declare only new names (a second mask: masks=[...], or a name such as mask_parts)",
                )
            if kind not in kinds:
                raise InvalidInputError(
                    owner,
                    where,
                    f"is {kind!r}, not a kind an extra target can move like",
                    f"use one of {kinds}",
                )
            out[target] = kind
        return out


def merge_targets(owner: str, parts: list[dict[str, str]]) -> dict[str, str]:
    """One map of the extra targets declared in a tree; a name declared twice must agree."""
    out: dict[str, str] = {}
    for part in parts:
        for name, kind in part.items():
            if out.setdefault(name, kind) != kind:
                raise InvalidInputError(
                    owner,
                    f"targets[{name!r}]",
                    f"is declared as {out[name]!r} and as {kind!r} in nested composers",
                    "declare each extra target once, on the outermost Compose",
                )
    return out


class Edge:
    """What the outermost composer of a call does with the sample on the way in and out."""

    __slots__ = ("bbox_format", "targets")

    def __init__(self, bbox_format: str, targets: dict[str, str]) -> None:
        self.bbox_format = bbox_format
        self.targets = targets

    def enter(self, owner: str, sample: Sample) -> Sample:
        if self.bbox_format != "pascal_voc" and "bboxes" in sample:
            from ..image.boxes import boxes_to_pixels

            boxes = boxes_to_pixels(owner, sample["bboxes"], self.bbox_format, sample.get("image"))
            sample = {**sample, "bboxes": boxes}
        return {**sample, TARGETS: self.targets} if self.targets else sample

    def leave(self, out: Sample) -> Sample:
        out.pop(TARGETS, None)
        if self.bbox_format != "pascal_voc" and "bboxes" in out:
            from ..image.boxes import boxes_from_pixels

            out["bboxes"] = boxes_from_pixels(out["bboxes"], self.bbox_format, out.get("image"))
        return out
