"""Issue 17's lighting and weather ops against independent references.

References: OpenCV (``cv2.fillPoly``, ``cv2.cvtColor`` XYZ -> RGB, ``cv2.GaussianBlur``), published
colorimetry anchors (CIE illuminants A, D50, D65; McCamy's CCT formula) and Albumentations 2.0.8's
own kernels (``albumentations.augmentations.pixel.functional``) fed the traced parameters. The
shared suite (tests/test_transform_suite.py) already covers keyed determinism, p=0, configs,
pickles, trace/replay, damaged traces and bad inputs.
"""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest
from albumentations.augmentations.pixel import functional as AF  # dev extra: a reference implementation

import multiaug as ma
from multiaug.core.errors import InvalidInputError
from multiaug.demo import load_sample_photo
from multiaug.image.functional import lighting as FL
from multiaug.image.functional import weather as FW


@pytest.fixture(scope="module")
def photo() -> np.ndarray:
    return load_sample_photo("china.jpg")[:160, :200].copy()


def traced(t: ma.Transform, key: int = 7, **sample: object) -> tuple[dict, dict]:
    out = t(**sample, key=key, trace=True)
    return out, out["trace"][0]["params"]


def as_float(img: np.ndarray) -> np.ndarray:
    return img.astype(np.float32) / np.float32(255)


def targets(photo: np.ndarray) -> dict:
    h, w = photo.shape[:2]
    mask = np.zeros((h, w), np.uint8)
    mask[10:50, 20:90] = 3
    return {
        "mask": mask,
        "bboxes": np.array([[5.0, 6.0, 50.0, 70.0]]),
        "bbox_labels": ["a"],
        "keypoints": np.array([[12.5, 30.25]]),
    }


# ---------------------------------------------------------------------- RandomShadow
@pytest.mark.parametrize("key", range(6))
def test_shadow_darkens_exactly_the_fillpoly_pixels(photo, key) -> None:
    img = np.maximum(photo, 8)  # every pixel changes when darkened by >= 0.4
    t = ma.image.RandomShadow(num_shadows=1, shadow_dimension=6, shadow_intensity=(0.4, 0.9), p=1.0)
    out, params = traced(t, key, image=img)
    (vertices,), (a,) = params["vertices"], params["shadow_intensity"]
    inside = np.zeros(img.shape[:2], np.uint8)
    cv2.fillPoly(inside, [np.array(vertices, np.int32)], 1)
    changed = (out["image"] != img).any(axis=2)
    np.testing.assert_array_equal(changed, inside.astype(bool))
    expected = np.rint(img[inside.astype(bool)] * (1 - a))
    np.testing.assert_array_equal(out["image"][inside.astype(bool)], expected)
    h, w = img.shape[:2]  # default roi: the lower half
    assert all(0 <= x < w and h // 2 <= y < h for x, y in vertices)


def test_shadow_matches_albumentations_and_float(photo) -> None:
    t = ma.image.RandomShadow(num_shadows=(2, 3), shadow_intensity=(0.3, 0.7), p=1.0)
    for key in range(4):
        out, params = traced(t, key, image=photo)
        polygons = [np.array(v, np.int32) for v in params["vertices"]]
        ref = AF.add_shadow(photo, polygons, np.array(params["shadow_intensity"]))
        # they truncate after each shadow, we round: one level per overlapping shadow at most
        assert np.abs(ref.astype(int) - out["image"].astype(int)).max() <= len(polygons)
        floats = t.replay(out["trace"], image=as_float(photo))["image"]
        assert floats.dtype == np.float32
        assert np.abs(np.rint(floats * 255) - out["image"]).max() <= len(polygons)


def test_shadow_any_channel_count_keeps_alpha_and_targets(photo) -> None:
    t = ma.image.RandomShadow(shadow_roi=(0, 0, 1, 1), num_shadows=3, shadow_intensity=0.8, p=1.0)
    five = np.dstack([photo, photo[..., :2]])
    out = t(image=five, key=0)["image"]
    assert out.shape == five.shape and (out < five).any()
    rgba = np.dstack([photo, np.full(photo.shape[:2], 77, np.uint8)])
    sample = {"image": rgba, **targets(photo)}
    res = t(**sample, key=0)
    assert (res["image"][..., 3] == 77).all() and (res["image"][..., :3] < photo).any()
    for k in ("mask", "bboxes", "keypoints"):
        np.testing.assert_array_equal(res[k], sample[k])
    grey = t(image=photo[..., 0], key=0)["image"]
    assert grey.shape == photo.shape[:2]


def test_shadow_roi_is_a_validated_region() -> None:
    for bad in [(0.5, 0, 0.2, 1), (0, 0, 1), (0, 0, 1, 2)]:
        with pytest.raises(InvalidInputError, match="shadow_roi"):
            ma.image.RandomShadow(shadow_roi=bad)


# ---------------------------------------------------------------------- PlanckianJitter
def _mccamy(x: float, y: float) -> float:
    """McCamy (1992): correlated colour temperature from chromaticity."""
    n = (x - 0.3320) / (0.1858 - y)
    return 449.0 * n**3 + 3525.0 * n**2 + 6823.3 * n + 5520.33


def test_chromaticities_hit_the_published_illuminants() -> None:
    # CIE 15:2004 tabulated chromaticities: D65, D50 on the daylight locus, A on the Planckian one.
    assert np.allclose(FL.daylight_xy(6504), (0.31271, 0.32902), atol=3e-4)
    assert np.allclose(FL.daylight_xy(5003), (0.34567, 0.35850), atol=3e-4)
    assert np.allclose(FL.planckian_xy(2856), (0.44757, 0.40745), atol=1e-3)
    for t in range(3000, 6600, 500):  # McCamy's inverse formula is good to a few K here
        assert abs(_mccamy(*FL.planckian_xy(t)) - t) < 0.01 * t


def _opencv_gains(x: float, y: float) -> np.ndarray:
    """R/G and B/G through OpenCV's own XYZ -> RGB conversion (its sRGB D65 matrix)."""
    xyz = np.array([[[x / y, 1.0, (1 - x - y) / y]]], np.float32)
    rgb = cv2.cvtColor(xyz, cv2.COLOR_XYZ2RGB)[0, 0].astype(np.float64)
    return np.maximum(rgb, 0) / rgb[1]


@pytest.mark.parametrize("mode", ["blackbody", "cied"])
def test_planckian_gains_are_the_documented_coefficients(photo, mode) -> None:
    t = ma.image.PlanckianJitter(mode=mode, temperature=(4000, 15000), p=1.0)
    dark = (as_float(photo) * np.float32(0.3)).astype(np.float32)  # no channel clips
    for key in range(6):
        out, params = traced(t, key, image=dark)
        temp = params["temperature"]
        assert 4000 <= temp <= 15000
        xy = FL.planckian_xy(temp) if mode == "blackbody" else FL.daylight_xy(temp)
        gains = _opencv_gains(*xy)
        np.testing.assert_allclose(FL.planckian_gains(temp, mode), gains, rtol=2e-3)
        img = out["image"]
        np.testing.assert_array_equal(img[..., 1], dark[..., 1])
        np.testing.assert_allclose(img[..., 0], dark[..., 0] * gains[0], rtol=3e-3, atol=1e-6)
        np.testing.assert_allclose(img[..., 2], dark[..., 2] * gains[2], rtol=3e-3, atol=1e-6)
        as_u8 = t.replay(out["trace"], image=np.rint(dark * 255).astype(np.uint8))["image"]
        assert np.abs(as_u8.astype(int) - np.rint(img * 255)).max() <= 1
    # D65 is sRGB's white: daylight at 6504 K leaves the colours as they are
    assert np.allclose(FL.planckian_gains(6504, "cied"), 1.0, atol=2e-3)


def test_planckian_warm_and_cool_and_alpha(photo) -> None:
    grey = np.full((4, 4, 4), 120, np.uint8)
    warm = ma.image.PlanckianJitter(temperature=(3000, 3000), p=1.0)(image=grey)["image"]
    cool = ma.image.PlanckianJitter(temperature=(12000, 12000), p=1.0)(image=grey)["image"]
    assert warm[0, 0, 0] > 120 > warm[0, 0, 2] and cool[0, 0, 0] < 120 < cool[0, 0, 2]
    assert (warm[..., 3] == 120).all() and (warm[..., 1] == 120).all()
    with pytest.raises(InvalidInputError, match="image"):
        ma.image.PlanckianJitter(p=1.0)(image=photo[..., 0])
    with pytest.raises(InvalidInputError, match="temperature"):
        ma.image.PlanckianJitter(mode="cied", temperature=(3000, 8000))


@pytest.mark.parametrize("method", ["uniform", "gaussian"])
def test_planckian_draw_follows_albumentations_split(method) -> None:
    t = ma.image.PlanckianJitter(temperature=(3000, 15000), sampling_method=method, p=1.0)
    img = np.zeros((2, 2, 3), np.uint8)
    temps = np.array([traced(t, k, image=img)[1]["temperature"] for k in range(600)])
    assert 3000 <= temps.min() and temps.max() <= 15000
    below = (temps < 6000).mean()
    assert 0.33 < below < 0.47  # Albumentations draws below 6000 K with probability 0.4
    if method == "gaussian":  # half-normals of sd a third of each side: most mass near 6000 K
        assert np.median(np.abs(temps - 6000)[temps > 6000]) < 0.3 * 9000
    one_sided = ma.image.PlanckianJitter(temperature=(8000, 9000), sampling_method=method, p=1.0)
    assert all(8000 <= traced(one_sided, k, image=img)[1]["temperature"] <= 9000 for k in range(40))


# ---------------------------------------------------------------------- RandomSunFlare
def test_sun_flare_circles_blend_once_and_nothing_else_changes() -> None:
    img = np.full((50, 60, 3), 0.4, np.float32)
    colour = np.array([200, 100, 50]) / 255
    out = FL.sun_flare(
        img, (5, 5), 5, (255, 255, 255), [[30, 20, 6, 0.2, 200, 100, 50]]
    )  # radius < 10: no sun
    yy, xx = np.mgrid[:50, :60]
    disk = (yy - 20) ** 2 + (xx - 30) ** 2 <= 36
    np.testing.assert_allclose(
        out[disk], np.broadcast_to(0.8 * 0.4 + 0.2 * colour, (disk.sum(), 3)), atol=2e-5
    )
    np.testing.assert_array_equal(out[~disk], img[~disk])


def test_sun_is_radial_and_bounded(photo) -> None:
    flat = np.full((120, 160, 3), 40, np.uint8)
    t = ma.image.RandomSunFlare(num_flare_circles=(1, 1), src_radius=50, p=1.0)
    for key in range(3):
        out, params = traced(t, key, image=flat)
        x, y = params["center"]
        yy, xx = np.mgrid[:120, :160]
        dist = np.hypot(yy - y, xx - x)
        level = out["image"].astype(int).mean(axis=2)
        rings = [level[(dist >= d) & (dist < d + 4)].mean() for d in (0, 12, 30)]
        assert rings[0] > 40 and rings[0] >= rings[1] >= rings[2]  # brightest at the centre
        far = (yy - y) ** 2 + (xx - x) ** 2 > 50**2
        changed = (out["image"] != flat).any(axis=2)
        circle = params["circles"][0]
        assert (
            changed[far].sum() <= math.pi * (circle[1] + 1) ** 2
        )  # only the flare circle reaches past the sun
    floats = t.replay(out["trace"], image=as_float(flat))["image"]
    assert np.abs(np.rint(floats * 255) - out["image"]).max() <= 1


def test_sun_flare_keeps_alpha_and_refuses_grey(photo) -> None:
    rgba = np.dstack([photo, np.full(photo.shape[:2], 9, np.uint8)])
    out = ma.image.RandomSunFlare(p=1.0)(image=rgba, key=2)["image"]
    assert (out[..., 3] == 9).all() and out[..., :3].mean() > photo.mean()
    with pytest.raises(InvalidInputError, match="image"):
        ma.image.RandomSunFlare(p=1.0)(image=photo[..., 0])


# ---------------------------------------------------------------------- RandomFog
def test_fog_without_particles_is_opencv_gaussian_blur(photo) -> None:
    out = ma.image.RandomFog(alpha_coef=0.0, p=1.0)(image=photo, key=0)["image"]
    k = max(3, min(photo.shape[:2]) // 30) | 1
    ref = cv2.GaussianBlur(photo.astype(np.float32), (k, k), 0)
    assert np.abs(out.astype(int) - np.rint(ref)).max() <= 1


def test_fog_matches_albumentations_on_the_traced_particles(photo) -> None:
    t = ma.image.RandomFog(fog_coef=(0.3, 1.0), p=1.0)
    for key in range(3):
        out, params = traced(t, key, image=photo)
        c = params["fog_coef"]
        centres, radii = FW.fog_particles(*photo.shape[:2], c, params["noise_seed"])
        ref = AF.add_fog(photo, c, 0.08, [tuple(p) for p in centres.tolist()], radii.tolist())
        diff = np.abs(ref.astype(int) - out["image"].astype(int))
        assert diff.mean() < 1.0 and diff.max() <= 6  # they round after every particle, we once


def test_fog_lightens_the_centre_most(photo) -> None:
    flat = np.full((150, 150, 3), 60, np.uint8)
    out = ma.image.RandomFog(fog_coef=0.8, p=1.0, seed=0)(image=flat, key=1)["image"].astype(int)
    assert (out >= 60).all()
    assert out[60:90, 60:90].mean() > out[:15, :15].mean() > 60
    many = np.dstack([flat, flat[..., :2]])
    assert ma.image.RandomFog(fog_coef=0.8, p=1.0, seed=0)(image=many, key=1)["image"].shape == many.shape


def test_fog_closed_form_is_sequential_blending() -> None:
    img = np.random.default_rng(0).random((30, 40, 3)).astype(np.float32)
    centres, radii = np.array([[10, 10], [14, 12], [30, 20]]), np.array([6, 5, 9])
    seq = img.copy()
    yy, xx = np.mgrid[:30, :40]
    for (x, y), r in zip(centres, radii, strict=True):
        disk = (yy - y) ** 2 + (xx - x) ** 2 <= r * r
        seq[disk] = seq[disk] * (1 - 0.3) + 0.3
    out = FW.fog(img, 1.0, 0.3, centres, radii)
    np.testing.assert_allclose(out, cv2.GaussianBlur(seq, (3, 3), 0), atol=1e-5)


# ---------------------------------------------------------------------- RandomRain
def test_rain_matches_albumentations_on_the_traced_drops(photo) -> None:
    t = ma.image.RandomRain(slant=0, p=1.0)
    out, params = traced(t, 3, image=photo)
    h, w = photo.shape[:2]
    drops = FW.rain_drops(h, w, h // 3, h // 8, params["noise_seed"])
    ref = AF.add_rain(photo, 0.0, h // 8, 1, (200, 200, 200), 7, 0.7, drops.astype(np.int32))
    assert np.abs(ref.astype(int) - out["image"].astype(int)).max() <= 1
    floats = t.replay(out["trace"], image=as_float(photo))["image"]
    assert np.abs(np.rint(floats * 255) - out["image"]).max() <= 1


@pytest.mark.parametrize("slant", [-30.0, 30.0])
def test_rain_streak_leans_with_the_slant(slant) -> None:
    dark = np.full((100, 100, 3), 20, np.uint8)
    out = FW.rain(dark, np.array([[50, 10]]), slant, 40, 1, (200, 200, 200), 1, 1.0)
    ys, xs = np.nonzero((out != 20).any(axis=2))
    assert ys.min() == 10 and ys.max() == 50  # drop_length rows below its top
    dx = 40 * math.tan(math.radians(slant))  # positive slant: leans right going down
    assert xs[ys == 10].mean() == 50 and abs(xs[ys == 50].mean() - (50 + dx)) <= 1
    assert (out[ys, xs] == 220).all()  # 20 + 200, brightness 1


def test_rain_darkens_and_counts_its_drops() -> None:
    bright = np.full((240, 200, 3), 150, np.uint8)
    for rain_type, n in (("drizzle", 60), ("default", 80), ("heavy", 240), ("torrential", 480)):
        t = ma.image.RandomRain(rain_type=rain_type, blur_value=1, brightness_coefficient=1.0, p=1.0)
        out, params = traced(t, 0, image=bright)
        drops = FW.rain_drops(240, 200, n, 30, params["noise_seed"])
        tops = (out["image"][drops[:, 1], drops[:, 0]] == 255).all(axis=1)  # 150 + 200, saturated
        assert tops.all() and len(drops) == n
    assert ma.image.RandomRain(p=1.0)(image=bright, key=0)["image"].mean() < 150


# ---------------------------------------------------------------------- RandomSnow
@pytest.mark.parametrize("snow_point", [0.1, 0.3, 0.6])
def test_snow_matches_albumentations_bleach(photo, snow_point) -> None:
    t = ma.image.RandomSnow(snow_point=snow_point, p=1.0)
    out = t(image=photo, key=0)["image"]
    ref = AF.add_snow_bleach(photo, snow_point, 2.5)
    assert np.abs(ref.astype(int) - out.astype(int)).max() <= 2  # they truncate the lightness, we round
    floats = t(image=as_float(photo), key=0)["image"]
    diff = np.abs(np.rint(floats * 255) - out)
    # float HLS decides "dark" on the exact lightness, OpenCV's 8-bit HLS on the rounded one:
    # only pixels within half a level of the threshold may differ by more than HLS rounding
    assert (diff > 6).mean() < 0.002


def test_pixel_weather_leaves_targets_alone(photo) -> None:
    sample = {"image": photo, **targets(photo)}
    for t in (
        ma.image.RandomFog(p=1.0),
        ma.image.RandomRain(p=1.0),
        ma.image.RandomSnow(p=1.0),
        ma.image.RandomSunFlare(p=1.0),
        ma.image.PlanckianJitter(p=1.0),
    ):
        out = t(**sample, key=0)
        assert not np.array_equal(out["image"], photo), t
        for k in ("mask", "bboxes", "keypoints", "bbox_labels"):
            np.testing.assert_array_equal(out[k], sample[k])


# ---------------------------------------------------------------------- Emboss, RandomToneCurve
def test_emboss_is_the_documented_kernel_by_scipy(photo) -> None:
    from scipy import ndimage

    t = ma.image.Emboss(alpha=(0.2, 0.9), strength=(0.2, 1.5), p=1.0)
    for key in range(3):
        out, params = traced(t, key, image=photo)
        a, s = params["alpha"], params["strength"]
        effect = np.array([[-1 - s, -s, 0], [-s, 1, s], [0, s, 1 + s]])
        kernel = (1 - a) * np.pad([[1.0]], 1) + a * effect
        ref = np.stack(
            [ndimage.correlate(photo[..., c].astype(np.float64), kernel, mode="mirror") for c in range(3)],
            axis=2,
        )
        assert np.abs(out["image"].astype(int) - np.clip(np.rint(ref), 0, 255)).max() <= 1
        floats = t.replay(out["trace"], image=as_float(photo))["image"]
        assert np.abs(np.rint(floats * 255) - out["image"]).max() <= 1
    five = np.dstack([photo, photo[..., :2]])
    assert t(image=five, key=0)["image"].shape == five.shape


@pytest.mark.parametrize("per_channel", [False, True])
def test_tone_curve_matches_albumentations(photo, per_channel) -> None:
    t = ma.image.RandomToneCurve(scale=0.2, per_channel=per_channel, p=1.0)
    for key in range(4):
        out, params = traced(t, key, image=photo)
        low, high = params["low_y"], params["high_y"]
        assert len(low) == len(high) == (3 if per_channel else 1)
        if per_channel:
            ref = AF.move_tone_curve(photo, np.array(low), np.array(high))
        else:
            ref = AF.move_tone_curve(photo, low[0], high[0])
        assert np.abs(ref.astype(int) - out["image"].astype(int)).max() <= 1  # a tie rounded apart at most
        floats = t.replay(out["trace"], image=as_float(photo))["image"]
        assert np.abs(np.rint(floats * 255) - out["image"]).max() <= 1


def test_tone_curve_fuses_and_keeps_alpha(photo) -> None:
    rgba = np.dstack([photo, np.full(photo.shape[:2], 33, np.uint8)])
    for per_channel in (False, True):
        steps = [
            ma.image.RandomToneCurve(scale=0.3, per_channel=per_channel, p=1.0),
            ma.image.RandomGamma(p=1.0),
        ]
        fused = ma.Compose(steps, seed=4)(image=rgba, key=1)["image"]
        plain = ma.Compose(steps, seed=4, fuse=False)(image=rgba, key=1)["image"]
        np.testing.assert_array_equal(fused, plain)
        assert (fused[..., 3] == 33).all()


@pytest.mark.parametrize("name", ["RandomSunFlare", "RandomFog", "RandomRain", "RandomSnow", "RandomShadow"])
@pytest.mark.parametrize("shape", [(1, 1, 4), (1, 5, 4), (6, 1, 4), (1, 1, 3)])
def test_one_pixel_wide_rgba_inputs_are_never_written_to(name: str, shape: tuple[int, ...]) -> None:
    # an RGBA image one pixel wide: its colour channels look C-contiguous to NumPy (a view, not a
    # copy, where a copy was meant), and OpenCV refuses the odd strides of their length-1 axes
    for dtype in (np.uint8, np.float32):
        img = np.full(shape, 200 if dtype == np.uint8 else 0.8, dtype)
        before = img.copy()
        t = getattr(ma.image, name)(p=1.0, seed=0)
        for key in range(8):
            assert t(image=img, key=key)["image"].shape == shape
        assert np.array_equal(img, before)
