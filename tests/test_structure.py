"""The structure the codebase keeps (issue 14): size limits, one home per idea, declarations
that generate the boilerplate."""

from __future__ import annotations

import ast
import inspect
import pathlib

import numpy as np
import pytest

import multiaug as ma
from multiaug.core.fields import FIELDS, KINDS
from multiaug.core.params import NoiseSeed, Options, Range, param
from multiaug.testing import EXAMPLES

ROOT = pathlib.Path(ma.__file__).parent
SOURCES = sorted(ROOT.rglob("*.py"))
MAX_FILE_LINES = 600
MAX_FUNCTION_LINES = 80

NAMES = sorted(n for n, cls in ma.registered().items() if cls.__module__.startswith("multiaug."))


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_file_over_600_lines(path: pathlib.Path) -> None:
    lines = len(path.read_text().splitlines())
    assert lines <= MAX_FILE_LINES, f"{path.relative_to(ROOT)} has {lines} lines: split it by idea"


def _length(node: ast.AST) -> int:
    return (node.end_lineno or node.lineno) - node.lineno + 1  # type: ignore[attr-defined]


def _data_table(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """A function that builds a table: most of its lines are one returned dict or list literal."""
    last = node.body[-1]
    return (
        isinstance(last, ast.Return)
        and isinstance(last.value, (ast.Dict, ast.List, ast.Tuple))
        and _length(last) > _length(node) // 2
    )


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_function_over_80_lines(path: pathlib.Path) -> None:
    tree = ast.parse(path.read_text())
    long = [
        f"{node.name} ({_length(node)} lines, line {node.lineno})"
        for node in ast.walk(tree)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        and _length(node) > MAX_FUNCTION_LINES
        and not _data_table(node)
    ]
    assert not long, f"{path.relative_to(ROOT)}: split into named stages: {long}"


# ---------------------------------------------------------------------- p defaults
#: Steps that define the output rather than optionally perturbing it default to p=1.0.
OUTPUT_DEFINING = {
    "image.BBoxSafeRandomCrop",
    "image.CropNonEmptyMaskIfExists",
    "image.CenterCrop",
    "image.LongestMaxSize",
    "image.PadIfNeeded",
    "image.RandomCrop",
    "image.RandomResizedCrop",
    "image.Resize",
    "image.SmallestMaxSize",
    "image.MixUp",
    "image.CutMix",
    "audio.MelSpectrogram",
    "image.Normalize",
    "image.ToFloat",
    "image.FromFloat",
    "image.ToTensor",
    "Lambda",
    "image.SanitizeBoxes",
}


@pytest.mark.parametrize("name", NAMES)
def test_p_defaults_follow_the_documented_rule(name: str) -> None:
    cls = ma.registered()[name]
    params = inspect.signature(cls.__init__).parameters
    if cls._dataset_level:
        assert "p" not in params, f"{name} works on whole datasets: it has no p"
        return
    if cls._fuses_children or cls.modality in ("text", "tabular") or name in OUTPUT_DEFINING:
        expected = 1.0
    else:
        expected = 0.5
    assert params["p"].default == expected, (
        f"{name}: p defaults to {params['p'].default}, the rule says {expected}"
    )


# ---------------------------------------------------------------------- fields
def test_every_field_a_transform_names_is_declared_once() -> None:
    for name in NAMES:
        cls = ma.registered()[name]
        fields = cls.fields if isinstance(cls.fields, tuple) else ()
        required = cls.required if isinstance(cls.required, tuple) else ()
        for f in (*fields, *required):
            assert f in FIELDS, f"{name} names the field {f!r}, which no modality declares"
    assert all(f.kind in KINDS for f in FIELDS.values())
    assert {n: f.suffix for n, f in FIELDS.items() if f.suffix} == {
        "image": ".png",
        "audio": ".wav",
        "text": ".txt",
    }


def test_field_checks_is_a_view_of_the_field_table() -> None:
    from multiaug.core import FIELD_CHECKS

    assert set(FIELD_CHECKS) == {n for n, f in FIELDS.items() if f.check is not None}
    assert FIELD_CHECKS["image"] is FIELDS["image"].check


# ---------------------------------------------------------------------- declarations draw
Options("_test_bundle", {"steps": (Range(1, 9, integer=True), "steps : int or (int, int)\n    Steps.")})


class _Declared(ma.image.ImageTransform):
    """A test transform whose constructor and draws come from its declarations only.

    Parameters
    ----------
    level : float or (float, float)
    @options _test_bundle
    p : float, default 0.5
    seed : int or None
    """

    level: float | tuple[float, float] = param(Range(0.0, 2.0, example="(0.5, 1.5)"), default=(0.5, 1.5))
    steps: int | tuple[int, int] = param(Range(1, 9, integer=True), default=(1, 9))
    _drawn = {"noise_seed": NoiseSeed()}

    def apply_image(self, image, level, steps, noise_seed, **_):  # type: ignore[no-untyped-def]
        return image


class _HandWritten(ma.image.ImageTransform):
    """A user transform in the older style: its own __init__ and a _parameters table."""

    _parameters = {"level": Range(0.0, 2.0)}

    def __init__(self, level=(0.5, 1.5), p=0.5, seed=None):  # type: ignore[no-untyped-def]
        super().__init__(p=p, seed=seed)
        self.level = level

    def apply_image(self, image, level, **_):  # type: ignore[no-untyped-def]
        return image


def test_generated_constructor_has_the_real_signature_and_stores_arguments() -> None:
    assert str(inspect.signature(_Declared)) == "(level=(0.5, 1.5), steps=(1, 9), *, p=0.5, seed=None)"
    t = _Declared((0.2, 0.4), 3, p=1.0)
    assert (t.level, t.steps, t.p, t.seed) == ((0.2, 0.4), 3, 1.0, None)
    assert t.get_params() == {"level": (0.2, 0.4), "steps": 3, "p": 1.0, "seed": None}
    assert repr(t) == "_Declared(level=(0.2, 0.4), steps=3, p=1.0)"


@pytest.mark.parametrize(
    "args, kwargs, field",
    [
        ((), {"levle": 1.0}, "levle"),
        ((1.0, 2, 0.5), {}, "arguments"),
        ((1.0,), {"level": 1.0}, "level"),
        ((), {"level": 3.0}, "level"),
    ],
)
def test_generated_constructor_refuses_wrong_arguments_by_name(args, kwargs, field) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ma.InvalidInputError) as err:
        _Declared(*args, **kwargs)
    assert err.value.field == field
    if field == "levle":
        assert "did you mean 'level'" in str(err.value)


def test_hand_written_constructors_still_work() -> None:
    t = _HandWritten(level=0.3, p=1.0)
    assert t.get_params() == {"level": 0.3, "p": 1.0, "seed": None}
    with pytest.raises(ma.InvalidInputError):
        _HandWritten(level=5.0)


@pytest.mark.parametrize("name", NAMES)
def test_no_multiaug_transform_writes_its_own_constructor(name: str) -> None:
    cls = ma.registered()[name]
    owner = next(c for c in cls.__mro__ if "__init__" in c.__dict__)
    assert owner.__init__.__qualname__.endswith(".__init__") and hasattr(owner.__init__, "__signature__"), (
        f"{name} inherits a hand-written __init__ from {owner.__name__}: declare its parameters with param()"
    )


def test_default_make_params_draws_declared_ranges_in_order() -> None:
    t = _Declared(level=(0.5, 1.5), steps=(2, 4), seed=0)
    rng = np.random.default_rng(3)
    params = t.make_params(rng, {"image": np.zeros((2, 2), np.uint8)})
    ref = np.random.default_rng(3)
    assert params == {
        "level": float(ref.uniform(0.5, 1.5)),
        "steps": int(ref.integers(2, 5)),
        "noise_seed": int(ref.integers(0, 2**63)),
    }
    assert list(params) == ["level", "steps", "noise_seed"]
    assert t.keyed_params({"image": np.zeros((2, 2), np.uint8)}, key=1) is not None or t._r.p < 1


def test_options_expand_into_the_docstring() -> None:
    doc = _Declared.__doc__ or ""
    assert "@options" not in doc
    assert "    steps : int or (int, int)\n        Steps." in doc


def test_params_are_typed_slots_apart_from_the_plan() -> None:
    t = _Declared(seed=1)
    r = t._r
    assert type(r).__qualname__.endswith("_Declared.Params")
    assert type(r).__annotations__["level"] == "tuple[float, float]"
    with pytest.raises(AttributeError):
        r.not_declared = 1  # type: ignore[attr-defined]
    assert not hasattr(r, "seed64") and isinstance(t._plan.seed64, int)


def test_undeclared_derived_value_is_an_error() -> None:
    class _Undeclared(_Declared):
        def _finalize(self, r):  # type: ignore[no-untyped-def]
            r.cache = {}

    with pytest.raises(AttributeError):
        _Undeclared()


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_every_invalid_value_a_spec_declares_is_rejected(name: str) -> None:
    t = EXAMPLES[name].make(seed=0)
    specs = type(t)._all_specs
    for name_ in t._param_names():
        for value in specs[name_].invalid():
            with pytest.raises(ma.InvalidInputError):
                specs[name_].resolve(t.name, name_, value)


# ---------------------------------------------------------------------- eval mode
#: The deterministic steps: they stay in eval mode and in ``inference()``; every other registered
#: transform is an augmentation (identity in eval mode). A new transform must be listed here or
#: be an augmentation: the test makes the choice explicit.
DETERMINISTIC = {
    "Compose",
    "Lambda",
    "audio.MelSpectrogram",
    "image.CenterCrop",
    "image.FromFloat",
    "image.LongestMaxSize",
    "image.Normalize",
    "image.PadIfNeeded",
    "image.Resize",
    "image.SanitizeBoxes",
    "image.SmallestMaxSize",
    "image.ToFloat",
    "image.ToTensor",
}


@pytest.mark.parametrize("name", NAMES)
def test_every_transform_says_whether_it_is_an_augmentation(name: str) -> None:
    cls = ma.registered()[name]
    assert cls.augments == (name not in DETERMINISTIC), (
        f"{name}: augments={cls.augments}; list it in DETERMINISTIC if it must stay in eval mode"
    )
