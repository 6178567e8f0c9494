"""The per-call fixed cost's shortcuts give what the long way gives (issue 20's floors).

A keyed call skips work where it can (one-pass waveform check for |x| < 2, no stream for a leaf that never
applies, one generator call for the declared float ranges, the mixes written out): each is
checked here against the long way it replaces.
"""

from __future__ import annotations

import random
from typing import Any

import numpy as np
import pytest

import multiaug as ma
from multiaug.audio._validate import MAX_AMPLITUDE, check_waveform
from multiaug.core import random as R
from multiaug.core.transform import Transform
from multiaug.monitor import Recorder, profiled_call
from multiaug.testing import EXAMPLES, assert_samples_equal

#: Examples built here: all but those that load a model or fit a dataset (seconds to build).
_HEAVY = ("text.ContextualReplace", "text.BackTranslate", "tabular.")
CHEAP = {n: ex for n, ex in EXAMPLES.items() if not n.startswith(_HEAVY)}


def _exact(audio: np.ndarray) -> str | None:
    """The rule, written independently: why a float32 waveform is refused (None: accepted)."""
    if audio.ndim not in (1, 2):
        return "must have shape"
    if audio.size == 0:
        return "pass at least one sample"
    if audio.ndim == 2 and audio.shape[0] > audio.shape[1]:
        return "more channels than samples"
    wide = audio.astype(np.float64)
    if not np.isfinite(wide).all():
        return "contains NaN or inf"
    if np.abs(wide).max() > MAX_AMPLITUDE:
        return "in magnitude"
    return None


def _clips() -> list[np.ndarray]:
    rng = np.random.default_rng(0)
    base = (rng.standard_normal(301) * 0.3).astype(np.float32)
    clips = [base, base[:1], base[::3], base[::-1], np.zeros(5, np.float32)]
    clips.append(np.full(7, 1e-45, np.float32))  # denormals
    clips.append(np.full(1000, 5e11, np.float32))  # squares sum past 1e23: the exact check accepts
    clips += [np.array([1.9999999, -1.9999999, 1.0, -1.0], np.float32), np.array([2.0, -0.5], np.float32)]
    clips += [np.array([-2.0, 0.5], np.float32), np.full(9, 7.5, np.float32)]  # louder than 2: two reductions
    clips.append(np.array([1e12, -1e12], np.float32))  # at the bound (float32(1e12) < 1e12)
    clips.append(np.array([0.5, 2e19], np.float32))  # its square overflows float32
    for bad in (np.nan, np.inf, -np.inf, 1e13, -1e13, 3e38):
        for at in (0, 150, 300):
            clip = base.copy()
            clip[at] = bad
            clips.append(clip)
    clips.append(np.array([np.nan, -1e13], np.float32))
    clips.append(np.empty(0, np.float32))
    two = (rng.standard_normal((2, 64)) * 0.3).astype(np.float32)
    clips += [two, np.asfortranarray(two), two[:, ::2], two.T.copy(), np.empty((0, 4), np.float32)]
    clips += [two * 100, np.asfortranarray(two * 1e11), (two * 1e12)[:, ::2]]
    for bad in (np.nan, np.inf, 1e13):
        clip = two.copy()
        clip[1, 5] = bad
        clips += [clip, np.asfortranarray(clip)]
    clips.append(np.ones((2, 3, 4), np.float32))
    return clips


def test_check_waveform_accepts_and_refuses_as_the_exact_rule() -> None:
    for clip in _clips():
        want = _exact(clip)
        if want is None:
            check_waveform("op", clip)
            continue
        with pytest.raises(ma.InvalidInputError, match=want):
            check_waveform("op", clip)


def test_check_waveform_big_endian_clips_keep_their_rules() -> None:
    clip = (np.arange(8, dtype=np.float32) / 8).astype(">f4")
    check_waveform("op", clip)  # a finite big-endian mono clip passes, as it always has
    for bad in (clip.reshape(2, 4), np.where(np.arange(8) == 3, np.nan, clip).astype(">f4")):
        with pytest.raises(ma.InvalidInputError, match="expected float32"):
            check_waveform("op", bad)


def test_written_out_mixes_equal_mix() -> None:
    rng = random.Random(0)
    streams = [rng.getrandbits(64) for _ in range(300)] + [0, (1 << 64) - 1, 1 << 63]
    for s in streams:
        u = (R.mix(s, R._P_DRAW) >> 11) * 2.0**-53
        assert R.uniform(s) == u
        for p in (0.0, 1e-9, 0.25, 0.5, 0.999, 1.0, 1.5, -0.5, float("nan")):
            assert R.applies(p, s) is bool(p >= 1.0 or (p > 0.0 and u < p))
        key, epoch = rng.getrandbits(64), rng.getrandbits(62)
        assert R.root_key(s, key, epoch, 0, "t") == R.mix(R.mix(s ^ R._KEYED, R.mix(key, 0x69)), epoch)


def test_declared_float_ranges_draw_as_one_by_one() -> None:
    """The default make_params's one-call draw gives each Range.draw's number, in order."""
    seen = multi = 0
    for name, ex in CHEAP.items():
        t = ex.make()
        plan = t._plan
        if plan.uniforms is None or type(t).make_params is not Transform.make_params:
            continue
        seen += 1
        multi += len(plan.uniforms) > 1
        for stream in (1, 2**63 + 5):
            got = t.make_params(R.generator(stream), ex.reference())
            g = R.generator(stream)
            want = {n: draw(g, value) for n, draw, value in plan.draws}
            assert got == want, name
            assert all(type(v) is float for v in got.values()), name
    assert seen >= 10 and multi >= 3, (seen, multi)


def test_mixed_draws_keep_the_one_by_one_path() -> None:
    t = ma.image.GaussianNoise(p=1.0)  # a range and a noise seed: not all uniform
    assert t._plan.draws and t._plan.uniforms is None
    assert ma.audio.Gain(db=(3, 3))._plan.uniforms == (("db", 3.0, 0.0),)


def test_a_leaf_that_never_applies_reads_no_stream_yet_checks_its_input_and_key() -> None:
    t = ma.audio.Reverse(p=0.0, seed=1)
    assert not t._plan.needs_stream
    assert ma.audio.Reverse(p=0.5)._plan.needs_stream and ma.audio.Gain(p=1.0)._plan.needs_stream
    x = np.arange(4, dtype=np.float32)
    out = t(audio=x, sample_rate=8000, key=3)
    assert out["audio"] is x and set(out) == {"audio", "sample_rate"}
    with pytest.raises(ma.InvalidInputError, match="key"):
        t(audio=x, sample_rate=8000, key=1.5)  # type: ignore[arg-type]
    with pytest.raises(ma.InvalidInputError, match="NaN"):
        t(audio=np.array([np.nan], np.float32), sample_rate=8000, key=3)


def test_the_output_is_a_new_dict_the_caller_owns() -> None:
    x = np.arange(4, dtype=np.float32)
    given: dict[str, Any] = {"audio": x, "sample_rate": 8000, "id": "a"}
    for t in (ma.audio.Reverse(p=0.0), ma.audio.Reverse(p=1.0), ma.Compose([ma.audio.Gain(p=0.0)])):
        out = t(**given, key=0)
        assert out is not given and out == {**given, "audio": out["audio"]}
        out["id"] = "b"
        assert given["id"] == "a"


def test_profiled_call_stays_in_step_with_a_keyed_call() -> None:
    """``monitor.profiled_call`` runs the call's steps itself: same outputs, every registered kind."""
    checked = 0
    for ex in CHEAP.values():
        try:
            t = ex.make(p=0.5)
        except (TypeError, ma.InvalidInputError):  # samplers: no p
            t = ex.make()
        if t._dataset_level:
            continue
        sample = ex.reference()
        for key in (0, 7):
            want = t(**sample, key=key, epoch=1, trace=True)
            got = profiled_call(t, Recorder(t), dict(sample), key, 1, trace=True)
            assert_samples_equal(got, want)
        checked += 1
    assert checked >= 90


def test_check_image_float_values_as_the_exact_rule() -> None:
    """The one-pass float32 value check accepts exactly the images in [0, 1] (else the old message)."""
    from multiaug.image._validate import check_image

    rng = np.random.default_rng(1)
    base = rng.random((9, 11, 3), dtype=np.float32)
    cases: list[tuple[np.ndarray, str | None]] = [
        (base, None),
        (base[2:7, ::2], None),
        (np.asfortranarray(base), None),
        (np.zeros((4, 4), np.float32), None),
        (np.ones((4, 4), np.float32), None),
        (np.full((4, 4), -0.0, np.float32), None),  # the long way accepts -0.0
        (base.astype(">f4"), "expected uint8 or float32"),
    ]
    for bad, why in (
        (np.nextafter(np.float32(1), np.float32(2)), "outside"),
        (np.float32(-1e-8), "outside"),
        (np.float32(3e38), "outside"),
        (np.nan, "NaN or inf"),
        (np.inf, "NaN or inf"),
        (-np.inf, "NaN or inf"),
    ):
        img = base.copy()
        img[4, 5, 1] = bad
        cases += [(img, why), (img[1:, 1:], why)]
    for img, message in cases:
        if message is None:
            check_image("op", img)
        else:
            with pytest.raises(ma.InvalidInputError, match=message):
                check_image("op", img)
