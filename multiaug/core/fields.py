"""The sample fields: one declaration per field, in one table.

A sample is a dict of fields (``image``, ``mask``, ``text``, ``audio``...). Each
field is declared once, by the modality that defines it, with everything the rest
of the library needs to know about it: how a value is checked, what kind of field it
is, what it holds and the file suffix dataset jobs write it with. Validation,
``fit_resample``'s field inference, the dataset jobs, the PyTorch adapters and the
shared checks all read this table instead of guessing from field names.

Kinds:

* ``"signal"``: the data itself (``image``, ``images``, ``audio``, ``spectrogram``,
  ``text``, ``table``);
* ``"spatial"``: a target that moves with an image (``mask``, ``bboxes``, ``keypoints``);
* ``"label"``: a label, passed through or mixed (``label``, ``labels``, ``bbox_labels``);
* ``"meta"``: call metadata passed through untouched (``sample_rate``, ``trace``).
"""

from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .errors import InvalidInputError
from .params import closest

__all__ = [
    "FIELDS",
    "FIELD_CHECKS",
    "KINDS",
    "TARGETS",
    "Field",
    "FieldChecks",
    "field_for",
    "register_field",
    "register_field_check",
    "signal_fields",
    "target_kinds",
]

KINDS = ("signal", "spatial", "label", "meta")
Check = Callable[[str, Any, Mapping[str, Any]], None]
#: ``as_target(owner, name, value, sample)``: the check of an extra target named ``name``.
TargetCheck = Callable[[str, str, Any, Mapping[str, Any]], None]

#: Reserved sample key under which a pipeline hands the extra targets it declares
#: (``Compose(targets={"depth": "mask"})``: ``{"depth": "mask"}``) down to its leaves.
TARGETS = "__multiaug_targets__"


@dataclass(frozen=True)
class Field:
    """One sample field.

    Parameters
    ----------
    name : str
        The keyword of the field in a call (``image=...``).
    kind : str
        One of :data:`KINDS`.
    check : callable or None
        ``check(owner, value, sample)`` raising
        :class:`~multiaug.core.errors.InvalidInputError`; None for no check.
    holds : str
        What a value is: ``"array"`` (one NumPy array), ``"batch"`` (an array of several
        samples), ``"str"``, ``"table"``,
        ``"boxes"``, ``"points"``, ``"labels"``, ``"int"`` or ``"any"``.
    keeps_shape : bool
        A transform with ``preserves_shape`` keeps this field's dtype and shape.
    suffix : str or None
        The file suffix dataset jobs read and write the field with (``".png"``).
    modality : str
        The modality that declares it (``"image"``...; ``"core"`` for ``trace``).
    as_target : callable or None
        ``as_target(owner, name, value, sample)``: how a value of an extra target that
        moves like this field (``Compose(targets={name: this field})``) is checked; None:
        no extra target can be of this kind.
    layout_ndim : int or None
        How the pipeline's ``layout`` applies (see :mod:`multiaug.core.layout`): a value with
        this many dimensions has a channel axis (last in HWC, third from last in CHW); 0: a
        tensor is accepted but there is no channel axis (masks); None: not converted.
    """

    name: str
    kind: str
    check: Check | None = None
    holds: str = "any"
    keeps_shape: bool = False
    suffix: str | None = None
    modality: str = "core"
    as_target: TargetCheck | None = None
    layout_ndim: int | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"field {self.name!r}: kind must be one of {KINDS}, got {self.kind!r}")

    @property
    def passed_through(self) -> bool:
        """Every transform passes labels and metadata through untouched unless it declares them."""
        return self.kind in ("label", "meta")


#: Every declared field by name (modalities add theirs when they are imported).
FIELDS: dict[str, Field] = {}


def register_field(field: Field) -> Field:
    """Declare a field (once per name; declaring the same name again replaces it)."""
    FIELDS[field.name] = field
    return field


def field_for(value: Any, fields: Sequence[str]) -> str | None:
    """The signal field among ``fields`` that a bare ``value`` fills, or None.

    The one place that infers a field from a value: a ``str`` fills the field holding
    strings (``text``), an array the first field of ``fields`` holding single arrays
    (``image``, ``audio``, ``spectrogram``; not a batch such as ``images``).
    """
    if isinstance(value, str):
        holds = "str"
    elif hasattr(value, "shape") and hasattr(value, "dtype"):
        holds = "array"
    else:
        return None
    for name in fields:
        declared = FIELDS.get(name)
        if declared is not None and declared.kind == "signal" and declared.holds == holds:
            return name
    return None


def signal_fields(holds: str | None = None) -> tuple[str, ...]:
    """Names of the declared signal fields (only those holding ``holds``, if given)."""
    return tuple(
        name for name, f in FIELDS.items() if f.kind == "signal" and (holds is None or f.holds == holds)
    )


def target_kinds() -> tuple[str, ...]:
    """The fields an extra target may move like (``Compose(targets={"depth": "mask"})``)."""
    return tuple(name for name, f in FIELDS.items() if f.as_target is not None)


class FieldChecks(Mapping[str, Check]):
    """A read-only view ``{name: check}`` of the declared fields that have a check."""

    def __getitem__(self, name: str) -> Check:
        field = FIELDS[name]
        if field.check is None:
            raise KeyError(name)
        return field.check

    def __contains__(self, name: object) -> bool:
        field = FIELDS.get(name) if isinstance(name, str) else None
        return field is not None and field.check is not None

    def __iter__(self) -> Iterator[str]:
        return (name for name, f in FIELDS.items() if f.check is not None)

    def __len__(self) -> int:
        return sum(1 for f in FIELDS.values() if f.check is not None)


#: The module that declares each modality's fields: a field named here is known (and checked)
#: even when nothing has imported its modality yet (a ``Lambda`` over ``bboxes`` in a script that
#: never touched ``ma.image``), so what a call accepts never depends on the import order.
DECLARED_IN: dict[str, str] = {
    **dict.fromkeys(("image", "images", "mask", "masks", "labels"), "multiaug.image"),
    **dict.fromkeys(("bboxes", "bbox_labels", "keypoints", "keypoint_labels"), "multiaug.image"),
    **dict.fromkeys(("audio", "sample_rate", "spectrogram"), "multiaug.audio"),
    "text": "multiaug.text",
    "table": "multiaug.tabular",
}


def declare_fields(names: Iterable[str]) -> None:
    """Import the modules that declare those of ``names`` not declared yet (see :data:`DECLARED_IN`).

    A module whose extra is not installed is skipped: its fields stay unknown, as before.
    """
    modules = sorted({DECLARED_IN[n] for n in names if n not in FIELDS and n in DECLARED_IN})
    for module in modules:
        try:
            importlib.import_module(module)
        except ImportError:
            continue


register_field(Field("trace", "meta", holds="any"))
register_field(Field("label", "label", holds="any"))


#: Validators of sample fields, by field name: ``check(owner, value, sample)`` (a read-only
#: view of :data:`multiaug.core.fields.FIELDS`, where modalities declare their fields).
FIELD_CHECKS: Mapping[str, Callable[[str, Any, Mapping[str, Any]], None]] = FieldChecks()


def unknown_array(owner: str, field: str) -> None:
    """An array under a name no transform knows would pass through unchanged while the known
    fields move (a depth map left unflipped beside its flipped image): refuse it by name."""
    close = closest(field, list(FIELDS))
    hint = f"did you mean {close[0]}=...? Otherwise " if close else ""
    raise InvalidInputError(
        owner,
        field,
        "is an array field multiaug does not know, so it would pass through unchanged while the "
        "image, mask or audio it belongs to is transformed",
        f'{hint}declare it on the pipeline: Compose([...], targets={{"{field}": "mask"}}) moves it like '
        f'the mask (nearest, labels never blended), targets={{"{field}": "image"}} like the image (pixel '
        "ops too); several masks go in masks=[...]; a per-sample label goes in label=...",
    )


def register_field_check(field: str, check: Callable[[str, Any, Mapping[str, Any]], None]) -> None:
    """Declare how a sample field is validated: a signal field of your own, or a new check of a
    declared field (modalities declare theirs with :func:`multiaug.core.fields.register_field`)."""
    known = FIELDS.get(field)
    if known is None:
        register_field(Field(field, "signal", check, modality="user"))
    else:
        register_field(dataclasses.replace(known, check=check))
