"""The shared checks every registered transform must pass, and the sample strategies."""

from __future__ import annotations

import copy
import json
import pickle
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from ..core.config import from_config, load, save
from ..core.errors import InvalidInputError
from ..core.fields import FIELDS
from ..core.transform import Transform
from ..image._validate import looks_normalised

__all__ = [
    "BAD_IMAGE_SAMPLES",
    "CHECKS",
    "Example",
    "assert_samples_equal",
    "generated_bad_params",
    "image_example",
    "image_samples",
    "reference_image_sample",
]

Sample = dict[str, Any]


# ---------------------------------------------------------------------- sample strategies
@st.composite
def image_samples(
    draw: st.DrawFn,
    min_side: int = 1,
    max_side: int = 24,
    targets: bool = True,
    channels_from: tuple[int | None, ...] = (None, 1, 3, 4),
) -> Sample:
    """Valid image samples: uint8 or float32, HxW / HxWx{1,3,4} (``channels_from``; None: HxW),
    with optional targets."""
    h = draw(st.integers(min_side, max_side))
    w = draw(st.integers(min_side, max_side))
    channels = draw(st.sampled_from(channels_from))
    shape = (h, w) if channels is None else (h, w, channels)
    if draw(st.booleans()):
        image = draw(hnp.arrays(np.uint8, shape))
    else:
        image = draw(hnp.arrays(np.float32, shape, elements=st.floats(0, 1, width=32)))
    sample: Sample = {"image": image}
    if targets and draw(st.booleans()):
        sample["mask"] = draw(hnp.arrays(np.uint8, (h, w), elements=st.integers(0, 4)))
    if targets and draw(st.booleans()):
        n = draw(st.integers(0, 4))
        xs = draw(hnp.arrays(np.float64, (n, 2), elements=st.floats(0, w)))
        ys = draw(hnp.arrays(np.float64, (n, 2), elements=st.floats(0, h)))
        boxes = np.stack([xs.min(1), ys.min(1), xs.max(1), ys.max(1)], axis=1) if n else np.zeros((0, 4))
        if looks_normalised(boxes, (h, w)):  # sub-pixel boxes in one corner read as normalised ones
            boxes = boxes + 1.0
        sample["bboxes"] = boxes
        sample["bbox_labels"] = [f"obj{i}" for i in range(n)]
    if targets and draw(st.booleans()):
        n = draw(st.integers(0, 4))
        sample["keypoints"] = (
            np.stack(
                [
                    draw(hnp.arrays(np.float64, n, elements=st.floats(0, w))),
                    draw(hnp.arrays(np.float64, n, elements=st.floats(0, h))),
                ],
                axis=1,
            )
            if n
            else np.zeros((0, 2))
        )
        if draw(st.booleans()):
            sample["keypoint_labels"] = list(range(n))
    if targets and draw(st.booleans()):
        n_masks: int = draw(st.integers(0, 2))
        masks = [draw(hnp.arrays(np.uint8, (h, w), elements=st.integers(0, 4))) for _ in range(n_masks)]
        stacked: bool = draw(st.booleans())
        sample["masks"] = np.stack(masks) if masks and stacked else masks
    return sample


def reference_image_sample() -> Sample:
    """A fixed, asymmetric 32x48 RGB image with a mask, boxes and keypoints."""
    rng = np.random.default_rng(1234)
    image = rng.integers(0, 256, (32, 48, 3), dtype=np.uint8)
    mask = np.zeros((32, 48), np.uint8)
    mask[4:12, 6:20] = 1
    mask[20:30, 30:44] = 2
    return {
        "image": image,
        "mask": mask,
        "bboxes": np.array([[6.0, 4.0, 20.0, 12.0], [30.0, 20.0, 44.0, 30.0]]),
        "bbox_labels": ["a", "b"],
        "keypoints": np.array([[10.5, 5.5], [40.25, 25.75]]),
    }


BAD_IMAGE_SAMPLES: tuple[Sample, ...] = (
    {"image": np.full((4, 4), np.nan, np.float32)},
    {"image": np.full((4, 4, 3), 2.0, np.float32)},
    {"image": np.zeros((4, 4), np.float64)},
    {"image": np.zeros((2, 4, 4, 3), np.uint8)},
    {"image": np.zeros((0, 4), np.uint8)},
    {"image": [[0, 1], [2, 3]]},
    {"image": np.zeros((4, 4), np.uint8), "mask": np.zeros((5, 4), np.uint8)},
    {"image": np.zeros((4, 4), np.uint8), "mask": np.zeros((4, 4), np.float32)},
    {"image": np.zeros((4, 4), np.uint8), "bboxes": np.array([[3.0, 0.0, 1.0, 2.0]])},
    {"image": np.zeros((4, 4), np.uint8), "bboxes": np.array([[0.0, np.nan, 1.0, 2.0]])},
    {
        "image": np.zeros((4, 4), np.uint8),
        "bboxes": np.array([[0.0, 0.0, 1.0, 2.0]]),
        "bbox_labels": ["a", "b"],
    },
    {"image": np.zeros((4, 4), np.uint8), "keypoints": np.array([[np.inf, 1.0]])},
    {"image": np.zeros((4, 4), np.uint8), "keypoints": np.zeros((2, 2)), "keypoint_labels": ["a"]},
    {"image": np.zeros((4, 4), np.uint8), "masks": [np.zeros((4, 5), np.uint8)]},
    {"image": np.zeros((4, 4), np.uint8), "masks": np.zeros((4, 4), np.uint8)},
    {"mask": np.zeros((4, 4), np.uint8)},
)

BAD_COMMON_PARAMS: tuple[dict[str, Any], ...] = (
    {"p": 1.5},
    {"p": -0.1},
    {"p": "always"},
    {"seed": -1},
    {"seed": 1.5},
)


def generated_bad_params(t: Transform) -> list[dict[str, Any]]:
    """One bad value per entry of each parameter's :meth:`~multiaug.core.params.Spec.invalid`.

    Built from the declarations (as scikit-learn's ``generate_invalid_param_val``), so a new
    parameter is tested for rejection without a hand-written list.
    """
    specs = type(t)._all_specs  # type: ignore[attr-defined]
    return [{name: value} for name in t._param_names() if name in specs for value in specs[name].invalid()]


# ---------------------------------------------------------------------- the instance table
@dataclass(frozen=True)
class Example:
    """How the shared checks exercise one registered transform.

    ``make(**overrides)`` builds a configured instance (overrides such as
    ``p=0`` or ``seed=3`` are passed to the outermost constructor). ``checks``
    names the checks that apply when they differ from :data:`CHECKS` (e.g. the
    dataset-level samplers, which have no per-sample call); a kind of transform
    gets its own equivalent checks that way, never fewer by omission.

    The shared checks build bad parameters from the specs' declared invalid values
    (:func:`generated_bad_params`); ``bad_params`` lists only what no single spec can
    know: cross-parameter errors (``weights`` of the wrong length, ``fmin >= fmax``)
    and values wrong for the data. They must raise at construction; only a value its
    parameter's spec accepts, and that is wrong for the data (a fill with one value per
    channel, ``fmax`` above the Nyquist frequency), may wait for the first call.
    """

    make: Callable[..., Transform]
    samples: Callable[[], st.SearchStrategy[Sample]]
    reference: Callable[[], Sample]
    random: bool = True
    bad_params: tuple[dict[str, Any], ...] = ()
    bad_samples: tuple[Sample, ...] = ()
    max_examples: int = 25
    extra: dict[str, Any] = field(default_factory=dict)
    checks: tuple[Callable[[Example], None], ...] | None = None


def image_example(factory: Callable[..., Transform], **kw: Any) -> Example:
    """An :class:`Example` on image samples (hypothesis strategy, reference photo, bad images)."""
    kw.setdefault("bad_samples", BAD_IMAGE_SAMPLES)
    kw.setdefault("samples", image_samples)
    kw.setdefault("reference", reference_image_sample)
    return Example(make=factory, **kw)


def with_defaults(cls: type[Transform], **fixed: Any) -> Callable[..., Transform]:
    """A factory ``make(**overrides)`` building ``cls(**fixed, **overrides)``."""

    def make(**kw: Any) -> Transform:
        return cls(**{**fixed, **kw})

    return make


# ---------------------------------------------------------------------- comparisons
def is_tensor(value: Any) -> bool:
    """Whether ``value`` is a torch tensor (without importing torch)."""
    return type(value).__module__.startswith("torch") and hasattr(value, "numpy")


def tensor_array(value: Any) -> np.ndarray:
    """A torch tensor's values as a NumPy array (on the CPU)."""
    return value.detach().cpu().numpy()


def assert_samples_equal(a: Mapping[str, Any], b: Mapping[str, Any]) -> None:
    """Exact equality of two samples: same keys; arrays (and torch tensors) equal in type, dtype,
    shape and bytes."""
    assert set(a) == set(b), f"different fields: {sorted(a)} vs {sorted(b)}"
    for k in a:
        x, y = a[k], b[k]
        if is_tensor(x) or is_tensor(y):
            assert is_tensor(x) and is_tensor(y) and x.device == y.device, (k, type(x), type(y))
            x, y = tensor_array(x), tensor_array(y)
        if isinstance(x, list) and x and (isinstance(x[0], np.ndarray) or is_tensor(x[0])):  # masks=[...]
            assert isinstance(y, list) and len(x) == len(y), k
            assert_samples_equal({str(i): v for i, v in enumerate(x)}, {str(i): v for i, v in enumerate(y)})
        elif isinstance(x, np.ndarray) or isinstance(y, np.ndarray):
            assert isinstance(x, np.ndarray) and isinstance(y, np.ndarray), k
            assert x.dtype == y.dtype and x.shape == y.shape, (k, x.dtype, y.dtype, x.shape, y.shape)
            assert np.array_equal(x, y, equal_nan=x.dtype.kind == "f"), f"field {k!r} differs"
        else:
            assert x == y, f"field {k!r} differs: {x!r} vs {y!r}"


def _samples_equal(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    try:
        assert_samples_equal(a, b)
    except AssertionError:
        return False
    return True


def _without_trace(sample: Mapping[str, Any]) -> Sample:
    return {k: v for k, v in sample.items() if k != "trace"}


# ---------------------------------------------------------------------- checks on fixed data
def check_same_seed_same_output(ex: Example) -> None:
    """Same seed + key + epoch: identical output, from two instances and from repeated calls."""
    sample = ex.reference()
    a, b = ex.make(seed=11), ex.make(seed=11)
    for key in (0, 1, "item-7"):
        first = a(**sample, key=key, epoch=2)
        assert_samples_equal(first, b(**sample, key=key, epoch=2))
        assert_samples_equal(first, a(**sample, key=key, epoch=2))


def check_keys_differ(ex: Example) -> None:
    """Random transforms give different outputs for different keys (and for different epochs)."""
    if not ex.random:
        return
    sample = ex.reference()
    t = ex.make(seed=5)
    outs = [t(**sample, key=k) for k in range(24)]
    assert any(not _samples_equal(outs[0], o) for o in outs[1:]), "24 keys gave one output"
    epochs = [t(**sample, key=0, epoch=e) for e in range(24)]
    assert any(not _samples_equal(epochs[0], o) for o in epochs[1:]), "24 epochs gave one output"


def check_unkeyed_sequence(ex: Example) -> None:
    """Without a key, a seeded object yields a reproducible sequence of draws."""
    sample = ex.reference()
    a, b = ex.make(seed=3), ex.make(seed=3)
    for _ in range(6):
        assert_samples_equal(a(**sample), b(**sample))


def check_p0_identity(ex: Example) -> None:
    """``p=0`` returns the input fields unchanged."""
    sample = ex.reference()
    out = ex.make(p=0.0, seed=1)(**sample, key=3)
    assert_samples_equal(out, sample)


def config_clones(t: Transform) -> list[Transform]:
    """``t`` rebuilt from its config: as a dict, through JSON, and from ``.json`` and ``.yaml`` files."""
    cfg = t.to_config()
    clones = [from_config(cfg), from_config(json.loads(json.dumps(cfg)))]
    with tempfile.TemporaryDirectory() as tmp:
        for suffix in (".json", ".yaml"):
            clones.append(load(save(t, Path(tmp) / f"pipe{suffix}")))
    return clones


def check_config_roundtrip(ex: Example) -> None:
    """to_config/from_config, JSON and YAML files: same fingerprint, same outputs."""
    sample = ex.reference()
    t = ex.make(seed=9)
    for c in config_clones(t):
        assert c.fingerprint == t.fingerprint
        for key in range(4):
            assert_samples_equal(c(**sample, key=key), t(**sample, key=key))


def check_pickle_roundtrip(ex: Example) -> None:
    """Pickled (and deep-copied) objects give identical keyed outputs."""
    sample = ex.reference()
    for seed in (4, None):
        t = ex.make(seed=seed)
        for c in (pickle.loads(pickle.dumps(t)), copy.deepcopy(t)):
            for key in range(4):
                assert_samples_equal(c(**sample, key=key), t(**sample, key=key))


def check_trace_replay(ex: Example) -> None:
    """The trace is JSON-able and replaying it (after a JSON round-trip) reproduces the output."""
    sample = ex.reference()
    t = ex.make(seed=2)
    for key in range(6):
        out = t(**sample, key=key, trace=True)
        trace = json.loads(json.dumps(out["trace"]))
        assert all(set(e) == {"transform", "path", "params", "fingerprint"} for e in trace)
        assert_samples_equal(t.replay(trace, **sample), _without_trace(out))


def check_bad_params(ex: Example) -> None:
    """Bad constructor parameters raise InvalidInputError at construction, naming the transform.

    ``set_params`` with the same bad value raises too, and leaves the object as it was.
    """
    good = ex.make(seed=0)
    names = good._param_names()
    specs = type(good)._all_specs  # type: ignore[attr-defined]
    sample = ex.reference()
    for bad in generated_bad_params(good):  # a value its own spec rejects fails at construction
        try:
            ex.make(**bad)
        except InvalidInputError as exc:
            assert str(exc).startswith(good.name), f"message does not name the transform: {exc}"
        else:
            raise AssertionError(f"{good.name} was constructed with {bad}, which its spec declares invalid")
    for bad in (*generated_bad_params(good), *ex.bad_params):
        try:
            t = ex.make(**bad)
        except InvalidInputError as exc:
            assert str(exc).startswith(good.name), f"message does not name the transform: {exc}"
        else:
            # Only a value its spec accepts may wait for the data (e.g. a fill with one value per
            # channel, fmax against the sample rate): then the call must reject it.
            for k, v in bad.items():
                assert k in specs, f"{good.name} was constructed with bad parameters {bad}"
                specs[k].resolve(good.name, k, v)
            try:
                t(**sample, key=0)
            except InvalidInputError:
                continue
            raise AssertionError(f"{good.name} accepted bad parameters {bad}")
        if not set(bad) <= set(names):
            continue  # a factory argument, not a parameter of the outermost object
        before = {n: getattr(good, n) for n in names}
        try:
            good.set_params(**bad)
        except InvalidInputError:
            assert all(getattr(good, k) is v for k, v in before.items()), (
                f"set_params({bad}) left a bad value"
            )
            continue
        # A cross-parameter error can depend on the factory's other arguments: caught at use.
        good.set_params(**before)


def check_bad_data(ex: Example) -> None:
    """Bad data raises InvalidInputError naming a transform and a field, whatever ``p`` is."""
    for p in (1.0, 0.0):
        t = ex.make(p=p, seed=0)
        for bad in ex.bad_samples:
            try:
                t(**bad, key=0)
            except InvalidInputError as exc:
                assert "`" in str(exc) and "Fix:" in str(exc), str(exc)
                continue
            raise AssertionError(f"{t.name} (p={p}) accepted bad sample {sorted(bad)}")


#: A number no drawn parameter takes: every damaged value must be rejected by replay.
_HUGE = (float("nan"), float("inf"), -float("inf"), 1e9, -1e9, 1e300, -1e300, 10**400)


def damaged_traces(trace: list[dict[str, Any]]) -> list[tuple[str, Any]]:
    """Damaged copies of a JSON trace, each with a label; ``replay`` must reject every one."""
    out: list[tuple[str, Any]] = [
        ("not a list", {"trace": trace}),
        ("a string", json.dumps(trace)),
        ("entry not a dict", [*trace, "x"]),
        ("entry None", [None, *trace]),
        ("entry a list", [[1, 2], *trace]),
        ("unknown transform", [{**(trace or [{}])[0], "transform": "nope.Nothing"}]),
    ]
    for i, entry in enumerate(trace):

        def put(label: str, new: Any, i: int = i) -> None:
            out.append((f"trace[{i}] {label}", [*trace[:i], new, *trace[i + 1 :]]))

        for k in entry:
            put(f"without {k}", {n: v for n, v in entry.items() if n != k})
        put("extra key", {**entry, "extra": 1})
        put("other transform", {**entry, "transform": "nope.Nothing"})
        for path in ("0", None, [99], [-1], [True], [0.0], [*entry["path"], 0], {"0": 0}):
            if path != entry["path"]:
                put(f"path={path!r}", {**entry, "path": path})
        for fp in ("0" * 16, None, 7, entry["fingerprint"].upper() + "x"):
            put(f"fingerprint={fp!r}", {**entry, "fingerprint": fp})
        bad_params: tuple[Any, ...] = (None, [], "x", 1.0)
        for params in bad_params:
            put(f"params={params!r}", {**entry, "params": params})
        params = entry["params"]
        put("params extra key", {**entry, "params": {**params, "zzz": 1}})
        for k, v in params.items():
            put(f"params without {k}", {**entry, "params": {n: w for n, w in params.items() if n != k}})
            for label, bad in _damaged_values(v):
                put(f"params.{k}{label}", {**entry, "params": {**params, k: bad}})
    return out


def _damaged_values(v: Any, depth: int = 0) -> list[tuple[str, Any]]:
    """Values of the wrong JSON type, non-finite or huge, at ``v`` and inside it."""
    out: list[tuple[str, Any]] = []
    if isinstance(v, list):
        out += [("=None", None), ("={}", {}), ("='x'", "x"), ("=1.5", 1.5)]
        if depth < 2:
            for j, item in enumerate(v[:3]):
                out += [
                    (f"[{j}]{lab}", [*v[:j], bad, *v[j + 1 :]])
                    for lab, bad in _damaged_values(item, depth + 1)
                ]
    elif isinstance(v, bool):
        out += [("=None", None), ("='x'", "x"), ("=[True]", [v])]
    elif isinstance(v, (int, float)):
        out += [("=None", None), ("='x'", "x"), (f"=[{v!r}]", [v]), ("={}", {})]
        out += [(f"={h!r:.12}", h) for h in _HUGE]
        if type(v) is int:
            out += [("=-1", -1)]
    elif isinstance(v, str):
        out += [("=None", None), ("=1", 1), ("=[s]", [v])]
    return out


#: Drawn ints that may legitimately be negative (``=-1`` is no damage there).
SIGNED_DRAWS = {"audio.TimeShift": ("shift",)}


def check_damaged_traces(ex: Example) -> None:
    """Every damaged copy of a real trace makes ``replay`` raise InvalidInputError, never another error.

    Ints far out of place (``10**9``: a valid seed, an impossible index) must give
    InvalidInputError or an output, never another exception.
    """
    sample = ex.reference()
    t = ex.make(seed=2)
    signed = SIGNED_DRAWS.get(t.name, ())
    for key in range(2):
        trace = json.loads(json.dumps(t(**sample, key=key, trace=True)["trace"]))
        for label, bad in damaged_traces(trace):
            if label.endswith("=-1") and any(f"params.{k}=" in label for k in signed):
                continue
            try:
                t.replay(bad, **sample)
            except InvalidInputError as exc:
                assert str(exc).startswith(t.name) and "Fix:" in str(exc), str(exc)
                continue
            raise AssertionError(f"{t.name}.replay accepted a damaged trace ({label})")
        for i, entry in enumerate(trace):
            for k, v in entry["params"].items():
                for bad in _big_ints(v):
                    damaged = [*trace[:i], {**entry, "params": {**entry["params"], k: bad}}, *trace[i + 1 :]]
                    try:
                        t.replay(damaged, **sample)
                    except InvalidInputError:
                        pass


def _big_ints(v: Any) -> list[Any]:
    """``v`` with one of its ints (or its first int in a list) set to ``10**9``."""
    if type(v) is int:
        return [10**9]
    if isinstance(v, list):
        return [[*v[:j], b, *v[j + 1 :]] for j, item in enumerate(v[:3]) for b in _big_ints(item)]
    return []


def check_foreign_trace(ex: Example) -> None:
    """A trace replayed on a pipeline with another fingerprint (other options) raises InvalidInputError."""
    sample = ex.reference()
    t, other = ex.make(seed=2), ex.make(seed=3)
    assert t.fingerprint != other.fingerprint
    for key in range(4):
        trace = t(**sample, key=key, trace=True)["trace"]
        if trace:
            try:
                other.replay(trace, **sample)
            except InvalidInputError as exc:
                assert "fingerprint" in str(exc), str(exc)
                return
            raise AssertionError(f"{t.name}: a trace replayed on a pipeline with another seed")


# ---------------------------------------------------------------------- property checks
def _keeps_shape(field: str) -> bool:
    """Whether a transform with ``preserves_shape`` must keep this field's dtype and shape."""
    declared = FIELDS.get(field)
    return declared is not None and declared.keeps_shape


def check_properties(ex: Example) -> None:
    """Hypothesis-driven: determinism, no mutation, dtype/shape kept, replay, p=0 identity."""
    t = ex.make(seed=7)
    t0 = ex.make(p=0.0, seed=7)

    @settings(
        max_examples=ex.max_examples,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(sample=ex.samples(), key=st.integers(0, 2**70) | st.text(max_size=8), epoch=st.integers(0, 1000))
    def run(sample: Sample, key: int | str, epoch: int) -> None:
        before = copy.deepcopy(sample)
        out = t(**sample, key=key, epoch=epoch, trace=True)
        assert_samples_equal(sample, before)  # input not mutated
        assert_samples_equal(_without_trace(out), _without_trace(t(**sample, key=key, epoch=epoch)))
        if t.preserves_shape:
            for f, v in sample.items():
                if _keeps_shape(f) and isinstance(v, np.ndarray):
                    assert out[f].dtype == v.dtype and out[f].shape == v.shape, f
        assert_samples_equal(t.replay(json.loads(json.dumps(out["trace"])), **sample), _without_trace(out))
        assert_samples_equal(t0(**sample, key=key, epoch=epoch), sample)

    run()


CHECKS: tuple[Callable[[Example], None], ...] = (
    check_same_seed_same_output,
    check_keys_differ,
    check_unkeyed_sequence,
    check_p0_identity,
    check_config_roundtrip,
    check_pickle_roundtrip,
    check_trace_replay,
    check_damaged_traces,
    check_foreign_trace,
    check_bad_params,
    check_bad_data,
    check_properties,
)


# ---------------------------------------------------------------------- cross-process helpers
def sample_digest(sample: Mapping[str, Any]) -> str:
    """SHA-256 over a sample's fields (array bytes, dtype and shape; repr of the rest)."""
    import hashlib

    h = hashlib.sha256()
    for k in sorted(sample):
        v = sample[k]
        h.update(k.encode())
        if is_tensor(v):
            h.update(b"torch")
            v = tensor_array(v)
        if isinstance(v, np.ndarray):
            h.update(f"{v.dtype.str}{v.shape}".encode())
            h.update(np.ascontiguousarray(v).tobytes())
        else:
            h.update(repr(v).encode())
    return h.hexdigest()


def keyed_digests(
    config: Mapping[str, Any], sample: Mapping[str, Any], keys: list[Any], epoch: int = 0
) -> list[str]:
    """Build a pipeline from ``config`` and digest its keyed outputs (runs in worker processes)."""
    pipe = from_config(config)
    return [sample_digest(pipe(**sample, key=k, epoch=epoch)) for k in keys]
