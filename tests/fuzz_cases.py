"""Case generators of ``tests/test_fuzz.py`` (the runner is ``tests/fuzz_runner.py``).

Every case is deterministic (fixed seeds, fixed hostile values) and has a readable id
``family/transform/field-or-param/mutation``, an expectation (``raise``, ``work`` or ``any``) and the
contract of its output ("no silent wrong output": dtype kept, finite, C-contiguous, right shape).

Run as a script (``python tests/fuzz_cases.py huge``; ``data+params`` runs both in one process), it
executes one family under a 4 GiB address-space limit and prints the failures as JSON (the test module
does this in a subprocess, and in a fresh one after a hang: see ``fuzz_runner``).
"""

from __future__ import annotations

import copy
import json
import math
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

import multiaug as ma
from multiaug.testing import EXAMPLES

sys.path.insert(0, str(Path(__file__).parent))
from fuzz_runner import (  # noqa: F401  (re-exported: the tests use fc.Case, fc.run_cases...)
    CASE_TIMEOUT_S,
    Case,
    Hang,
    LateRejection,
    _short,
    cap_memory,
    message_problem,
    report,
    run_case,
    run_cases,
    script,
    watchdog,
    where,
)

Sample = dict[str, Any]

#: multiaug's own transforms (user classes registered by other tests are theirs to check).
NAMES = sorted(n for n, cls in ma.registered().items() if cls.__module__.startswith("multiaug."))


# ---------------------------------------------------------------------- output contracts
def _finite(a: np.ndarray) -> bool:
    return a.dtype.kind not in "fc" or bool(np.isfinite(a).all())


def _array_contract(f: str, v: Any, before: Any, converts: bool = False) -> str | None:
    if not isinstance(v, np.ndarray):
        if type(v).__module__.startswith("torch"):
            return None
        if f in ("bboxes", "keypoints") and type(v) is type(before):
            return None  # a list of boxes given stays a list
        return f"{f} is a {type(v).__name__}, not an ndarray"
    if v.dtype == object or v.dtype.kind == "c":
        return f"{f} has dtype {v.dtype}"
    if f in ("image", "images", "mask", "masks", "audio", "spectrogram") and not v.flags.c_contiguous:
        # a field a transform leaves alone passes through as is, and a pure re-indexing (crop, flip,
        # transpose, quarter turn) is a view of it (documented: the output may share memory with the
        # input, which is never written to); new arrays are C-contiguous
        untouched = v is before
        view = f in ("image", "mask") and isinstance(before, np.ndarray) and np.shares_memory(v, before)
        if not (untouched or view):
            return f"{f} is not C-contiguous"
    if f != "table" and not _finite(v):
        return f"{f} holds NaN/inf"
    if f == "table" and isinstance(before, np.ndarray) and _finite(before) and not _finite(v):
        return "table holds NaN/inf from a finite input"
    if (
        f in ("image", "images", "table")
        and isinstance(before, np.ndarray)
        and before.dtype != v.dtype
        and not converts
    ):
        return f"{f} dtype {before.dtype} became {v.dtype}"
    if f == "audio" and v.dtype != np.float32:
        return f"audio dtype is {v.dtype}, not float32"
    if f == "spectrogram" and v.dtype.kind != "f":
        return f"spectrogram dtype is {v.dtype}"
    if f == "image" and v.ndim not in (2, 3):
        return f"image has {v.ndim} dims"
    if f == "images" and v.ndim not in (3, 4):
        return f"images has {v.ndim} dims"
    if f == "mask" and v.dtype.kind not in "uib":
        return f"mask dtype is {v.dtype}"
    if f == "bboxes" and (v.ndim != 2 or v.shape[1] != 4):
        return f"bboxes shape {v.shape}"
    if f == "keypoints" and (v.ndim != 2 or v.shape[1] < 2):
        return f"keypoints shape {v.shape}"
    if f in ("image", "images", "mask", "audio", "spectrogram") and v.size == 0:
        return f"{f} is empty"
    return None


def converts(name: str) -> bool:
    """Whether the transform converts the image's dtype by design (Normalize, ToFloat...)."""
    from multiaug.image.convert import ConvertTransform

    cls = ma.registered().get(name)
    return cls is not None and issubclass(cls, ConvertTransform)


def sample_contract(before: Mapping[str, Any], converting: bool = False) -> Callable[[Any], str | None]:
    """The contract of a per-sample call's output, given its input (``converting``: a dtype step)."""

    def check(out: Any) -> str | None:
        if not isinstance(out, Mapping):
            return f"output is a {type(out).__name__}, not a dict"
        for f, v in out.items():
            if f == "trace":
                continue
            if f in ("image", "images", "mask", "audio", "spectrogram", "bboxes", "keypoints", "table"):
                problem = _array_contract(f, v, before.get(f), converting)
                if problem:
                    return problem
            elif f == "text" and not isinstance(v, str):
                return f"text is a {type(v).__name__}"
            elif f == "sample_rate" and (isinstance(v, bool) or not isinstance(v, int) or v <= 0):
                return f"sample_rate is {v!r}"
        image, mask = out.get("image"), out.get("mask")
        if (
            isinstance(image, np.ndarray)
            and isinstance(mask, np.ndarray)
            and image.shape[:2] != mask.shape[:2]
        ):
            return f"mask {mask.shape} does not match image {image.shape}"
        boxes, labels = out.get("bboxes"), out.get("bbox_labels")
        if isinstance(boxes, np.ndarray) and labels is not None and len(labels) != len(boxes):
            return f"{len(boxes)} boxes but {len(labels)} bbox_labels"
        return None

    return check


def resample_contract(out: Any) -> str | None:
    if not isinstance(out, tuple) or len(out) != 2:
        return f"fit_resample returned a {type(out).__name__}, not (X, y)"
    X, y = out
    if len(X) != len(y):
        return f"{len(X)} rows but {len(y)} labels"
    return None


# ---------------------------------------------------------------------- helpers over the example table
def is_sampler(name: str) -> bool:
    checks = EXAMPLES[name].checks
    return checks is not None and any(c.__name__.startswith("check_sampler") for c in checks)


_REFERENCES: dict[str, Sample] = {}


def reference(name: str) -> Sample:
    """A fresh deep copy of the transform's reference sample, which is built once per process.

    Building one costs up to a millisecond (the audio clip is synthesised, the tables are made with
    pandas) and the ``params`` family needs one per case (~9,500): a copy costs ~20 us and gives each
    case its own arrays and frames, as a fresh build does (``tests/test_fuzz.py`` checks they are equal).
    """
    if name not in _REFERENCES:
        _REFERENCES[name] = EXAMPLES[name].reference()
    return copy.deepcopy(_REFERENCES[name])


def build(name: str, **kw: Any) -> ma.Transform:
    """The example instance, applied always (``p=1``) and seeded, with ``kw`` on top."""
    base: dict[str, Any] = {"seed": 0} if is_sampler(name) else {"p": 1.0, "seed": 0}
    return EXAMPLES[name].make(**{**base, **kw})


def call(t: ma.Transform, sample: Mapping[str, Any], sampler: bool) -> Any:
    if sampler:
        return t.fit_resample(sample["X"], sample["y"])
    return t(**sample, key=0)


def _show(v: Any) -> str:
    if isinstance(v, int) and not isinstance(v, bool) and abs(v) > 10**12:
        return f"10**{len(str(abs(v))) - 1}" if v > 0 else f"-10**{len(str(abs(v))) - 1}"
    if type(v) is object:
        return "object()"
    if isinstance(v, bytes | str) and len(v) > 20:
        return f"{type(v).__name__}[{len(v)}]"
    return repr(v)


# ---------------------------------------------------------------------- (a) bad data
SIGNALS = ("image", "images", "audio", "spectrogram")
NONEMPTY = (*SIGNALS, "mask", "table")


def _with_nan(v: np.ndarray, value: float) -> np.ndarray:
    out = v.astype(v.dtype if v.dtype.kind == "f" else np.float32, copy=True)
    out.flat[out.size // 2] = value  # reshape(-1) may be a copy (NumPy 1.x, non-contiguous input)
    return out


def array_mutations(f: str, v: np.ndarray) -> list[tuple[str, Any, str]]:
    """(mutation id, value, expectation) for an ndarray field."""
    muts: list[tuple[str, Any, str]] = [
        ("None", None, "any"),
        ("str", "x", "raise"),
        ("list", v.tolist(), "any"),
        ("dict", {}, "raise"),
        ("bytes", b"\x00\x01", "raise"),
        ("object", object(), "raise"),
        ("dtype-bool", v.astype(bool), "any"),
        ("dtype-int64", v.astype(np.int64), "any"),
        ("dtype-float64", v.astype(np.float64), "any"),
        ("dtype-float16", v.astype(np.float16), "any"),
        ("dtype-complex", v.astype(np.complex64), "raise"),
        ("dtype-object", v.astype(object), "raise"),
        ("0d", np.asarray(v.reshape(-1)[0] if v.size else 0, v.dtype), "raise"),
        ("1d", v.reshape(-1), "any"),
        ("4d", np.zeros((2, 4, 4, 3), v.dtype), "any"),
        ("5d", np.zeros((2, 2, 4, 4, 3), v.dtype), "raise"),
        ("zero-size", v[:0], "raise" if f in NONEMPTY else "any"),
        ("nan", _with_nan(v, math.nan), "any" if f == "table" else "raise"),
        ("inf", _with_nan(v, math.inf), "raise"),
        ("neg-inf", _with_nan(v, -math.inf), "raise"),
        # valid layouts in memory: these must work and give C-contiguous output of the same dtype
        ("neg-stride-rows", v[::-1], "work"),
        ("fortran-order", np.asfortranarray(v), "work"),
    ]
    if v.ndim >= 2 and f not in ("bboxes", "keypoints"):
        muts.append(("neg-stride-cols", v[:, ::-1], "work"))
    if f == "image" and v.ndim == 3 and v.shape[2] == 3:
        muts.append(("chw-layout", np.ascontiguousarray(v.transpose(2, 0, 1)), "raise"))
    return muts


TEXT_MUTATIONS: list[tuple[str, Any, str]] = [
    ("None", None, "raise"),
    ("int", 5, "raise"),
    ("bytes", b"the cat sat", "raise"),
    ("list", ["the", "cat"], "raise"),
    ("empty", "", "any"),
    ("whitespace", " \t\n ", "any"),
    ("lone-surrogate", "the \ud800 cat sat on the mat", "any"),
    ("control-chars", "the\x00cat\x1bsat", "any"),
    ("long-200k", "word " * 40_000, "any"),
    ("one-long-word", "x" * 100_000, "any"),
]

RATE_MUTATIONS: list[tuple[str, Any, str]] = [
    ("None", None, "raise"),
    ("zero", 0, "raise"),
    ("negative", -16000, "raise"),
    ("nan", math.nan, "raise"),
    ("inf", math.inf, "raise"),
    ("str", "16000", "raise"),
    ("bool", True, "raise"),
    ("huge-int", 10**400, "raise"),
    ("1e12", 10**12, "raise"),
    ("float", 16000.0, "any"),
    ("fractional", 16000.5, "any"),
]

LABELS_MUTATIONS: list[tuple[str, Any, str]] = [
    ("wrong-length", ["only-one"], "raise"),
    ("int", 5, "raise"),
    ("None", None, "any"),
]


def _extra_field(sample: Mapping[str, Any]) -> np.ndarray:
    for f in ("image", "audio", "spectrogram", "images", "table"):
        if isinstance(sample.get(f), np.ndarray):
            return np.zeros_like(sample[f])
    return np.zeros(3, np.float32)


#: Steps that move a field's float values without reading them, so they do not scan them: a
#: non-finite value comes out as it went in (``ToTensor``: a layout change; a normalised image
#: called alone must pass, and the scan would cost more than the step). Every shape and type
#: mutation is still refused.
VALUES_PASS_THROUGH: dict[tuple[str, str], str] = {
    ("image.ToTensor", "image"): "a layout change: CHW view of the same float values",
}


def bad_data_cases() -> list[Case]:
    cases: list[Case] = []
    for name in NAMES:
        sampler = is_sampler(name)
        ref = EXAMPLES[name].reference()
        if sampler:
            cases += _sampler_data_cases(name, ref)
            continue
        for f, v in ref.items():
            if isinstance(v, np.ndarray):
                muts = array_mutations(f, v)
            elif f == "text":
                muts = TEXT_MUTATIONS
            elif f == "sample_rate":
                muts = RATE_MUTATIONS
            elif f == "bbox_labels":
                muts = LABELS_MUTATIONS
            else:
                continue
            for mid, value, expect in muts:
                if (name, f) in VALUES_PASS_THROUGH and mid in ("nan", "inf", "neg-inf"):
                    expect = "any"  # it moves values without reading them: NaN in, NaN out
                sample = {**ref, f: value}
                cases.append(_data_case(f"data/{name}/{f}/{mid}", name, sample, expect))
        extra = {**ref, "unknown_extra": _extra_field(ref)}
        cases.append(_data_case(f"data/{name}/unknown_extra/array", name, extra, "raise"))
    return cases


def _data_case(cid: str, name: str, sample: Sample, expect: str) -> Case:
    def run() -> Any:
        return build(name)(**sample, key=0)

    return Case(cid, run, expect, sample_contract(sample, converts(name)))


def _sampler_data_cases(name: str, ref: Sample) -> list[Case]:
    X, y = ref["X"], ref["y"]
    variants: list[tuple[str, Any, Any, str]] = [
        ("X/None", None, y, "raise"),
        ("X/str", "x", y, "raise"),
        ("X/dict", {}, y, "raise"),
        ("X/int", 5, y, "raise"),
        ("X/empty", X[:0], y[:0], "raise"),
        ("y/None", X, None, "raise"),
        ("y/str", X, "x", "raise"),
        ("y/short", X, y[:-1], "raise"),
        ("y/one-class", X, [y[0]] * len(y) if isinstance(y, list) else y * 0, "any"),
        ("X/3d-array", np.zeros((len(y), 2, 2)), y, "raise"),
        ("X/reversed", X[::-1], y[::-1], "work"),
    ]
    if hasattr(X, "select_dtypes"):
        numeric = X.select_dtypes("number").columns
        if len(numeric):
            for mid, value in (("nan", math.nan), ("inf", math.inf)):
                bad = X.copy()
                bad.loc[bad.index[3], numeric[0]] = value
                # RandomOverSampler copies rows and passes missing values through, as imbalanced-learn's does
                expect = "any" if name == "tabular.RandomOverSampler" else "raise"
                variants.append((f"X/{mid}", bad, y, expect))
    if hasattr(y, "to_numpy"):
        variants.append(("y/float-nan", X, y.astype(float).where(y.index != y.index[2]), "raise"))
    cases = []
    for mid, Xv, yv, expect in variants:

        def run(Xv: Any = Xv, yv: Any = yv) -> Any:
            return build(name).fit_resample(Xv, yv)

        cases.append(Case(f"data/{name}/{mid}", run, expect, resample_contract))
    return cases


# ---------------------------------------------------------------------- (a') huge shapes (no allocation)
def _huge(f: str, v: Any) -> np.ndarray | None:
    if not isinstance(v, np.ndarray):
        return None
    big = {
        "image": (200_000, 200_000, 3),
        "mask": (200_000, 200_000),
        "images": (10_000, 10_000, 10_000, 3),
        "audio": (2, 10**11),
        "spectrogram": (200_000, 200_000),
        "table": (10**6, 10**6),
        "bboxes": (10**10, 4),
        "keypoints": (10**10, 2),
        "labels": (10**9,),  # 8 GB as int64; small enough that a C loop over it ends in a second
    }.get(f)
    if big is None:
        return None
    return np.broadcast_to(np.zeros((), v.dtype), big)  # a view: nothing is allocated


def huge_cases() -> list[Case]:
    cases = []
    for name in NAMES:
        if is_sampler(name):
            continue
        ref = EXAMPLES[name].reference()
        for f, v in ref.items():
            big = _huge(f, v)
            if big is None:
                continue
            sample = {**ref, f: big}
            case = _data_case(f"huge/{name}/{f}/{'x'.join(map(str, big.shape))}", name, sample, "raise")
            cases.append(Case(case.id, case.run, case.expect, case.check))
    return cases


# ---------------------------------------------------------------------- (b) bad params
HOSTILE_PARAMS: list[Any] = [
    None,
    "x",
    [],
    {},
    -1,
    0,
    10**400,
    1e308,
    math.nan,
    math.inf,
    -math.inf,
    (1, 0),
    (1, 2, 3),
    True,
    object(),
]


def param_names(name: str) -> list[str]:
    import inspect

    cls = ma.registered()[name]
    sig = inspect.signature(cls.__init__)
    return [
        p.name for p in list(sig.parameters.values())[1:] if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    ]


def bad_param_cases() -> list[Case]:
    cases = []
    for name in NAMES:
        sampler, converting = is_sampler(name), converts(name)
        for param in param_names(name):
            for value in HOSTILE_PARAMS:
                cases.append(_param_case(name, param, value, sampler, converting))
    return cases


#: Parameters whose valid values depend on the data (or on files read at first use): a value their
#: spec accepts may be refused by the first call, with the parameter named. Everything else must be
#: refused at construction.
DATA_DEPENDENT: dict[str, str] = {
    "fill": "per-channel fills and fill units follow the image's channels and dtype",
    "fill_mask": "which labels a mask can hold follows its dtype",
    "mean": "one value per channel follows the image's channels",
    "std": "one value per channel follows the image's channels",
    "num_classes": "None is right for one-hot labels and wrong for class ids",
    "fmin": "the mel bands must fit below the sample rate's Nyquist frequency",
    "fmax": "the mel bands must fit below the sample rate's Nyquist frequency",
    "shrinkage": "smoothed bootstraps need numeric columns",
    "categorical_features": "column indices and names refer to the table",
    "pivot": "the translation model is loaded at first use",
    "source": "the translation model is loaded at first use",
    "translator": "the translation model is loaded at first use",
}


def _param_case(name: str, param: str, value: Any, sampler: bool, converting: bool) -> Case:
    ref = reference(name)
    check = resample_contract if sampler else sample_contract(ref, converting)

    def run() -> Any:
        t = build(name, **{param: value})  # a MultiaugError here: rejected at construction (good)
        try:
            out = call(t, ref, sampler)
            clone = ma.from_config(json.loads(json.dumps(t.to_config(), allow_nan=False)))
            if clone.fingerprint != t.fingerprint:
                raise AssertionError("config round trip changed the fingerprint")
        except ma.MultiaugError as exc:
            lazy = param in ("pivot", "source", "translator")  # the error names the model folder
            if param in DATA_DEPENDENT and (lazy or param in str(exc)):
                raise  # refused by the data, naming the parameter: allowed (see DATA_DEPENDENT)
            raise LateRejection(
                f"accepted at construction, refused later: {type(exc).__name__}: {_short(exc)}"
            ) from exc
        return out

    return Case(f"params/{name}/{param}={_show(value)}", run, "any", check)


# ---------------------------------------------------------------------- (c) hostile configs
def _nested_list(depth: int) -> Any:
    v: Any = 0.5
    for _ in range(depth):
        v = [v]
    return v


def _nested_compose(depth: int) -> dict[str, Any]:
    cfg: dict[str, Any] = {"transform": "image.HorizontalFlip", "params": {}}
    for _ in range(depth):
        cfg = {"transform": "Compose", "params": {"transforms": [cfg]}}
    return cfg


def _nested_compose_json(depth: int) -> str:
    inner = '{"transform": "image.HorizontalFlip", "params": {}}'
    return '{"transform": "Compose", "params": {"transforms": [' * depth + inner + "]}}" * depth


ALIAS_BOMB = "\n".join(
    [
        'a: &a ["x","x","x","x","x","x","x","x","x"]',
        *(f"{c}: &{c} [{','.join(['*' + p] * 9)}]" for p, c in zip("abcdefgh", "bcdefghi", strict=True)),
        "transform: Compose",
        "params:",
        "  transforms: *i",
    ]
)

FLIP = '{"transform": "image.HorizontalFlip", "params": {"p": 0.5}}'


def config_dicts() -> list[tuple[str, Any, str]]:
    """(id, config, expectation) for ``ma.from_config``."""
    flip = {"transform": "image.HorizontalFlip", "params": {"p": 0.5}}
    cases: list[tuple[str, Any, str]] = [
        ("top-list", [flip], "raise"),
        ("top-str", "image.HorizontalFlip", "raise"),
        ("top-int", 5, "raise"),
        ("top-None", None, "raise"),
        ("empty-dict", {}, "raise"),
        ("transform-int", {"transform": 5, "params": {}}, "raise"),
        ("transform-None", {"transform": None}, "raise"),
        ("unknown-name", {"transform": "image.HorizontalFlipp", "params": {}}, "raise"),
        ("unknown-modality", {"transform": "video.Flip", "params": {}}, "raise"),
        ("dotted-import", {"transform": "os.system", "params": {}}, "raise"),
        ("params-list", {"transform": "image.HorizontalFlip", "params": [0.5]}, "raise"),
        ("params-str", {"transform": "image.HorizontalFlip", "params": "p=0.5"}, "raise"),
        ("typo-param", {"transform": "image.HorizontalFlip", "params": {"pp": 0.5}}, "raise"),
        ("extra-top-key", {**flip, "evil": 1}, "any"),
        ("huge-int-p", {"transform": "image.HorizontalFlip", "params": {"p": 10**400}}, "raise"),
        ("huge-int-seed", {"transform": "image.HorizontalFlip", "params": {"seed": 10**400}}, "any"),
        ("nan-p", {"transform": "image.HorizontalFlip", "params": {"p": math.nan}}, "raise"),
        ("inf-limit", {"transform": "image.Rotate", "params": {"limit": math.inf}}, "raise"),
        ("deep-list-800", {"transform": "image.HorizontalFlip", "params": {"p": _nested_list(800)}}, "raise"),
        ("compose-3000", _nested_compose(3000), "any"),
        ("compose-transforms-str", {"transform": "Compose", "params": {"transforms": "flip"}}, "raise"),
        ("compose-child-int", {"transform": "Compose", "params": {"transforms": [5]}}, "raise"),
        ("compose-child-None", {"transform": "Compose", "params": {"transforms": [None]}}, "raise"),
        (
            "oneof-weights-nan",
            {"transform": "OneOf", "params": {"transforms": [flip], "weights": [math.nan]}},
            "raise",
        ),
        (
            "sampler-in-compose",
            {
                "transform": "Compose",
                "params": {"transforms": [{"transform": "tabular.SMOTE", "params": {}}]},
            },
            "raise",
        ),
    ]
    for name in NAMES:
        cases.append((f"typo-param/{name}", {"transform": name, "params": {"not_a_parameter": 1}}, "raise"))
    return cases


def config_files() -> list[tuple[str, str, bytes, str]]:
    """(id, file name, bytes, expectation) for ``ma.load``."""
    huge_digits = "1" + "0" * 100_000
    return [
        ("alias-bomb", "bomb.yaml", ALIAS_BOMB.encode(), "raise"),
        (
            "python-tag",
            "tag.yaml",
            b'transform: !!python/object/apply:os.system ["echo pwned"]\nparams: {}\n',
            "raise",
        ),
        ("python-name-tag", "tag2.yaml", b"transform: !!python/name:os.system\nparams: {}\n", "raise"),
        (
            "non-utf8-yaml",
            "bad.yaml",
            b"transform: image.HorizontalFlip\nparams: {p: 0.5}\n# \xff\xfe\xc3\x28\n",
            "raise",
        ),
        ("non-utf8-json", "bad.json", b'{"transform": "image.Horizontal\xffFlip", "params": {}}', "raise"),
        ("utf16-json", "u16.json", FLIP.encode("utf-16"), "any"),
        (
            "utf16-yaml",
            "u16.yaml",
            "transform: image.HorizontalFlip\nparams: {p: 0.5}\n".encode("utf-16"),
            "any",
        ),
        ("utf8-bom-json", "bom.json", b"\xef\xbb\xbf" + FLIP.encode(), "any"),
        ("nan-json", "nan.json", b'{"transform": "image.HorizontalFlip", "params": {"p": NaN}}', "raise"),
        (
            "infinity-json",
            "inf.json",
            b'{"transform": "image.Rotate", "params": {"limit": Infinity}}',
            "raise",
        ),
        (
            "huge-int-json",
            "huge.json",
            ('{"transform": "image.HorizontalFlip", "params": {"p": ' + huge_digits + "}}").encode(),
            "raise",
        ),
        (
            "huge-int-yaml",
            "huge.yaml",
            ("transform: image.Rotate\nparams: {limit: " + huge_digits + "}\n").encode(),
            "raise",
        ),
        (
            "deep-list-json",
            "deep.json",
            (
                '{"transform": "image.HorizontalFlip", "params": {"p": '
                + "[" * 800
                + "0.5"
                + "]" * 800
                + "}}"
            ).encode(),
            "raise",
        ),
        (
            "deep-list-yaml",
            "deep.yaml",
            (
                "transform: image.HorizontalFlip\nparams: {p: " + "[" * 800 + "0.5" + "]" * 800 + "}\n"
            ).encode(),
            "raise",
        ),
        ("compose-3000-json", "nest.json", _nested_compose_json(3000).encode(), "any"),
        ("empty-file-json", "empty.json", b"", "raise"),
        ("empty-file-yaml", "empty.yaml", b"", "raise"),
        ("top-list-yaml", "list.yaml", b"- transform: image.HorizontalFlip\n", "raise"),
        ("top-scalar-json", "scalar.json", b"42", "raise"),
        ("truncated-json", "trunc.json", FLIP[:-5].encode(), "raise"),
        (
            "duplicate-keys-yaml",
            "dup.yaml",
            b"transform: image.HorizontalFlip\ntransform: image.Rotate\n",
            "any",
        ),
        ("binary-garbage", "garbage.yaml", bytes(range(256)) * 4, "raise"),
        ("wrong-suffix", "pipe.txt", FLIP.encode(), "raise"),
        ("directory", "adir.json", b"", "raise"),  # made a directory by the test
    ]


def config_cases(tmp: Path) -> list[Case]:
    cases = []
    for cid, cfg, expect in config_dicts():

        def run(cfg: Any = cfg) -> Any:
            return _built(ma.from_config(cfg))

        cases.append(Case(f"config/from_config/{cid}", run, expect, _transform_contract))
    for cid, fname, data, expect in config_files():
        path = tmp / fname
        if cid == "directory":
            path.mkdir(exist_ok=True)  # a fresh child after a hang builds the cases again
        else:
            path.write_bytes(data)

        def run(path: Path = path) -> Any:
            return _built(ma.load(path))

        cases.append(Case(f"config/load/{cid}", run, expect, _transform_contract))
    return cases


def _built(t: Any) -> Any:
    t.to_config()
    return t


def _transform_contract(t: Any) -> str | None:
    return None if isinstance(t, ma.Transform) else f"built a {type(t).__name__}, not a Transform"


# ---------------------------------------------------------------------- (d) damaged traces
TRACE_VALUES: list[tuple[str, Any, str]] = [
    ("None", None, "raise"),
    ("str", "x", "raise"),
    ("list", [], "raise"),
    ("dict", {}, "raise"),
    ("nan", math.nan, "raise"),
    ("inf", math.inf, "raise"),
    ("huge-int", 10**400, "raise"),
    ("1e9", 1e9, "any"),
    ("negative", -1, "any"),
    ("bool", True, "any"),
]


def real_trace(name: str) -> tuple[ma.Transform, Sample, list[dict[str, Any]]]:
    t = build(name, seed=2)
    ref = EXAMPLES[name].reference()
    for key in range(8):
        trace = t(**ref, key=key, trace=True)["trace"]
        if trace:
            return t, ref, json.loads(json.dumps(trace))
    raise AssertionError(f"{name} with p=1 gave an empty trace for 8 keys")


def trace_mutations(
    trace: list[dict[str, Any]], fixed: Mapping[str, int] | None = None
) -> list[tuple[str, Any, str]]:
    """Damaged copies of ``trace``; ``fixed``: the lists the transform draws at a fixed length.

    Other lists vary between draws (word edits, masked spans, seeds): a longer, shorter or empty one
    is still a valid draw, so for them those mutations may replay.
    """
    fixed = fixed or {}
    import copy

    def edit(fn: Callable[[list[dict[str, Any]]], Any]) -> Any:
        t = copy.deepcopy(trace)
        return fn(t) or t

    muts: list[tuple[str, Any, str]] = [
        ("not-a-list/None", None, "raise"),
        ("not-a-list/dict", trace[0], "raise"),
        ("not-a-list/str", json.dumps(trace), "raise"),
        ("entry-int", [5], "raise"),
        ("entry-None", [None], "raise"),
        ("entry-list", [[1, 2]], "raise"),
        ("wrong-name", edit(lambda t: t[0].__setitem__("transform", "image.NoSuchTransform")), "raise"),
        ("name-int", edit(lambda t: t[0].__setitem__("transform", 7)), "raise"),
        ("path-99", edit(lambda t: t[0].__setitem__("path", [99])), "raise"),
        ("path-negative", edit(lambda t: t[0].__setitem__("path", [-1])), "raise"),
        ("path-str", edit(lambda t: t[0].__setitem__("path", "0")), "raise"),
        ("path-None", edit(lambda t: t[0].__setitem__("path", None)), "raise"),
        ("path-too-deep", edit(lambda t: t[0].__setitem__("path", [*t[0]["path"], 0, 0, 0])), "raise"),
        ("path-huge", edit(lambda t: t[0].__setitem__("path", [10**400])), "raise"),
        ("params-None", edit(lambda t: t[0].__setitem__("params", None)), "raise"),
        ("params-list", edit(lambda t: t[0].__setitem__("params", [])), "raise"),
        ("params-str", edit(lambda t: t[0].__setitem__("params", "x")), "raise"),
        ("extra-entry-key", edit(lambda t: t[0].__setitem__("extra", 1)), "any"),
        ("extra-param", edit(lambda t: t[0]["params"].__setitem__("not_a_param", 1)), "any"),
        ("duplicated-entry", [*trace, trace[0]], "any"),
    ]
    for k in trace[0]:
        muts.append((f"drop-key-{k}", edit(lambda t, k=k: t[0].pop(k) and None), "raise"))
    for pk, pv in trace[0]["params"].items():
        muts.append((f"drop-param-{pk}", edit(lambda t, pk=pk: t[0]["params"].pop(pk) and None), "raise"))
        for mid, value, expect in TRACE_VALUES:
            if mid == "list" and isinstance(pv, list) and pk not in fixed:
                expect = "any"  # an empty draw of a variable-length list
            muts.append(
                (
                    f"param-{pk}={mid}",
                    edit(lambda t, pk=pk, v=value: t[0]["params"].__setitem__(pk, v)),
                    expect,
                )
            )
        if isinstance(pv, list) and pv:
            expect = "raise" if pk in fixed else "any"
            muts.append(
                (
                    f"param-{pk}-longer",
                    edit(lambda t, pk=pk, pv=pv: t[0]["params"][pk].append(pv[0])),
                    expect,
                )
            )
            muts.append(
                (f"param-{pk}-shorter", edit(lambda t, pk=pk: t[0]["params"][pk].pop() and None), expect)
            )
    return muts


def trace_cases() -> list[Case]:
    cases = []
    for name in NAMES:
        if is_sampler(name):
            continue
        try:
            t, ref, trace = real_trace(name)
        except Exception as exc:
            err = exc

            def broken(err: Exception = err) -> Any:
                raise err

            cases.append(Case(f"trace/{name}/real-trace", broken, "work"))
            continue
        for mid, damaged, expect in trace_mutations(trace, type(t)._lengths):

            def run(t: ma.Transform = t, damaged: Any = damaged, ref: Sample = ref) -> Any:
                return t.replay(damaged, **ref)

            cases.append(Case(f"trace/{name}/{mid}", run, expect, sample_contract(ref, converts(name))))

        # a trace replayed on a pipeline with another fingerprint (same class, other parameters)
        def other(name: str = name, trace: list[dict[str, Any]] = trace, ref: Sample = ref) -> Any:
            t2 = build(name, seed=2, p=0.999)
            return t2.replay(trace, **ref)

        cases.append(
            Case(f"trace/{name}/other-fingerprint", other, "raise", sample_contract(ref, converts(name)))
        )
    return cases


# ---------------------------------------------------------------------- script mode: one family, capped
FAMILIES: dict[str, Callable[..., list[Case]]] = {
    "data": bad_data_cases,
    "huge": lambda *_: huge_cases(),  # run with ``config`` (``huge+config TMP``): the folder is config's
    "params": bad_param_cases,
    "config": lambda tmp: config_cases(Path(tmp)),
    "trace": trace_cases,
}


#: The families with many cases per transform (one more call each costs ~nothing); the others (huge:
#: ~1.5 cases per transform) would run twice as long, and their cases stay far from the models.
WARMED = ("data", "params")


def warm_up(cases: list[Case]) -> None:
    """Call each transform the cases name once on its valid sample, before any watchdog runs.

    The first call imports what the transform imports lazily (torch, transformers, sentencepiece...)
    and builds what it builds once per process (the tiny translation models): slow on a loaded machine,
    and unsafe to stop half way (see ``fuzz_runner.watchdog``). A failure here is the cases' to report.
    """
    names = {c.id.split("/")[1] for c in cases if c.id.split("/")[0] in WARMED} & set(NAMES)
    for name in sorted(names):
        try:
            call(build(name), reference(name), is_sampler(name))
        except Exception:
            pass


def main(argv: list[str]) -> None:
    """``python tests/fuzz_cases.py FAMILY [TMPDIR]``: one family, capped at 4 GiB (``fuzz_runner``)."""
    script(FAMILIES, argv, warm_up)


if __name__ == "__main__":
    main(sys.argv[1:])
