"""Issue 17's pixel ops against independent references (OpenCV, NumPy), plus their own properties.

The shared suite (tests/test_transform_suite.py) already runs keyed determinism, p=0, configs,
pickles, trace/replay and bad inputs over every registered op; here each op's values are checked
against what OpenCV or plain NumPy gives for the drawn parameters.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import multiaug as ma
from multiaug.core.errors import InvalidInputError
from multiaug.demo import load_sample_photo
from multiaug.image.functional import channels as FC
from multiaug.image.functional import erasing as FE
from multiaug.image.functional import filters as FF


@pytest.fixture(scope="module")
def photo() -> np.ndarray:
    return load_sample_photo("china.jpg")[:160, :200].copy()


def traced(t: ma.Transform, **sample: object) -> tuple[dict, dict]:
    out = t(**sample, key=7, trace=True)
    return out, out["trace"][0]["params"]


# ---------------------------------------------------------------------- ImageCompression
@pytest.mark.parametrize(
    ("fmt", "ext", "flag"),
    [("jpeg", ".jpg", cv2.IMWRITE_JPEG_QUALITY), ("webp", ".webp", cv2.IMWRITE_WEBP_QUALITY)],
)
def test_compression_is_opencv_encode_decode_at_the_drawn_quality(photo, fmt, ext, flag) -> None:
    out, params = traced(ma.image.ImageCompression(quality=(30, 80), format=fmt, p=1.0), image=photo)
    q = params["quality"]
    assert 30 <= q <= 80 and type(q) is int
    _, buf = cv2.imencode(ext, cv2.cvtColor(photo, cv2.COLOR_RGB2BGR), [flag, q])
    expected = cv2.cvtColor(cv2.imdecode(buf, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
    np.testing.assert_array_equal(out["image"], expected)
    assert not np.array_equal(out["image"], photo)


def test_compression_grey_float_alpha_and_many_channels(photo) -> None:
    grey = cv2.cvtColor(photo, cv2.COLOR_RGB2GRAY)
    t = ma.image.ImageCompression(quality=40, p=1.0)
    _, buf = cv2.imencode(".jpg", grey, [cv2.IMWRITE_JPEG_QUALITY, 40])
    np.testing.assert_array_equal(t(image=grey)["image"], cv2.imdecode(buf, cv2.IMREAD_GRAYSCALE))
    # float32: rounded to uint8, compressed, divided by 255
    as_float = photo.astype(np.float32) / 255
    out = t(image=as_float)["image"]
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, t(image=photo)["image"].astype(np.float32) / 255)
    rgba = np.dstack([photo, np.arange(photo.size // 3, dtype=np.uint8).reshape(photo.shape[:2])])
    out = t(image=rgba)["image"]
    np.testing.assert_array_equal(out[..., 3], rgba[..., 3])
    np.testing.assert_array_equal(out[..., :3], t(image=photo)["image"])
    five = np.dstack([photo, grey, grey])
    assert t(image=five)["image"].shape == five.shape
    webp = ma.image.ImageCompression(quality=40, format="webp", p=1.0)
    assert webp(image=grey)["image"].shape == grey.shape


# ---------------------------------------------------------------------- Downscale
def test_downscale_is_two_resizes(photo) -> None:
    t = ma.image.Downscale(scale=(0.3, 0.6), interpolation_down="area", interpolation_up="cubic", p=1.0)
    for key in range(4):
        out = t(image=photo, key=key, trace=True)
        s = out["trace"][0]["params"]["scale"]
        small = cv2.resize(photo, None, fx=s, fy=s, interpolation=cv2.INTER_AREA)
        assert small.shape[:2] == (round(photo.shape[0] * s), round(photo.shape[1] * s))
        big = cv2.resize(small, photo.shape[1::-1], interpolation=cv2.INTER_CUBIC)
        np.testing.assert_array_equal(out["image"], big)
    floats = ma.image.Downscale(scale=0.1, interpolation_up="lanczos", p=1.0)(image=photo / np.float32(255))
    assert (
        floats["image"].dtype == np.float32 and 0.0 <= floats["image"].min() <= floats["image"].max() <= 1.0
    )
    # a side below one pixel at that scale: one pixel, not an OpenCV error
    thin = np.arange(3 * 40, dtype=np.uint8).reshape(3, 40)
    assert ma.image.Downscale(scale=0.1, p=1.0)(image=thin)["image"].shape == thin.shape


# ---------------------------------------------------------------------- CLAHE, Equalize
def test_clahe_is_opencv_clahe_on_lab_lightness(photo) -> None:
    out, params = traced(ma.image.CLAHE(clip_limit=(2, 6), tile_grid_size=(4, 6), p=1.0), image=photo)
    lab = cv2.cvtColor(photo, cv2.COLOR_RGB2LAB)
    op = cv2.createCLAHE(clipLimit=params["clip_limit"], tileGridSize=(6, 4))  # OpenCV: (columns, rows)
    lab[..., 0] = op.apply(np.ascontiguousarray(lab[..., 0]))
    np.testing.assert_array_equal(out["image"], cv2.cvtColor(lab, cv2.COLOR_LAB2RGB))
    grey = cv2.cvtColor(photo, cv2.COLOR_RGB2GRAY)
    out, params = traced(ma.image.CLAHE(p=1.0), image=grey)
    ref = cv2.createCLAHE(clipLimit=params["clip_limit"], tileGridSize=(8, 8)).apply(grey)
    np.testing.assert_array_equal(out["image"], ref)


def test_equalize_is_opencv_equalize_hist(photo) -> None:
    out = ma.image.Equalize(p=1.0)(image=photo)["image"]
    for c in range(3):
        np.testing.assert_array_equal(out[..., c], cv2.equalizeHist(np.ascontiguousarray(photo[..., c])))
    luma = ma.image.Equalize(by_channels=False, p=1.0)(image=photo)["image"]
    ycrcb = cv2.cvtColor(photo, cv2.COLOR_RGB2YCrCb)
    ycrcb[..., 0] = cv2.equalizeHist(np.ascontiguousarray(ycrcb[..., 0]))
    np.testing.assert_array_equal(luma, cv2.cvtColor(ycrcb, cv2.COLOR_YCrCb2RGB))


@settings(max_examples=60, deadline=None)
@given(
    img=st.integers(1, 30).flatmap(
        lambda h: st.lists(st.integers(0, 255), min_size=h, max_size=h).map(lambda v: np.array([v], np.uint8))
    ),
    spread=st.sampled_from([1, 2, 7, 255]),
)
def test_equalize_table_matches_opencv_on_any_histogram(img, spread) -> None:
    img = (img // spread * spread).astype(np.uint8)
    assert np.array_equal(FC.equalize(img), cv2.equalizeHist(img))


def test_equalize_takes_any_channel_count_and_refuses_grey_luma() -> None:
    img = np.random.default_rng(0).integers(0, 256, (9, 7, 5), dtype=np.uint8)
    out = ma.image.Equalize(p=1.0)(image=img)["image"]
    for c in range(5):
        np.testing.assert_array_equal(out[..., c], cv2.equalizeHist(np.ascontiguousarray(img[..., c])))
    with pytest.raises(InvalidInputError, match="by_channels"):
        ma.image.Equalize(by_channels=False, p=1.0)(image=img[..., 0])


# ---------------------------------------------------------------------- HueSaturationValue, RGBShift
def test_hsv_shift_is_the_opencv_hsv_round_trip(photo) -> None:
    t = ma.image.HueSaturationValue(hue_shift_limit=40, sat_shift_limit=60, val_shift_limit=50, p=1.0)
    out, params = traced(t, image=photo)
    hsv = cv2.cvtColor(photo, cv2.COLOR_RGB2HSV).astype(np.int32)
    hsv[..., 0] = (hsv[..., 0] + round(params["hue_shift_limit"])) % 180
    hsv[..., 1] = np.clip(hsv[..., 1] + round(params["sat_shift_limit"]), 0, 255)
    hsv[..., 2] = np.clip(hsv[..., 2] + round(params["val_shift_limit"]), 0, 255)
    ref = cv2.cvtColor(hsv.astype(np.uint8), cv2.COLOR_HSV2RGB)
    # OpenCV's last W mod L columns (its scalar code) round; every pixel of the op is its vector code
    # (tests/test_exact_hsv.py): within one level there, identical in the other columns
    body = (ref.shape[1] // 64) * 64
    np.testing.assert_array_equal(out["image"][:, :body], ref[:, :body])
    assert np.abs(out["image"].astype(int) - ref).max() <= 1


def test_hsv_shift_float_follows_uint8(photo) -> None:
    t = ma.image.HueSaturationValue(
        hue_shift_limit=(-30, -30), sat_shift_limit=(20, 20), val_shift_limit=(-10, -10), p=1.0
    )
    u8 = t(image=photo)["image"].astype(np.float32)
    f32 = t(image=photo.astype(np.float32) / 255)["image"] * 255
    assert np.abs(u8 - f32).mean() < 2.0  # the same shift; uint8 HSV quantises the hue to 2 degrees
    same = ma.image.HueSaturationValue(0, 0, 0, p=1.0)(image=photo)["image"]
    np.testing.assert_array_equal(same, photo)


def test_rgb_shift_adds_per_channel_and_keeps_alpha(photo) -> None:
    t = ma.image.RGBShift(r_shift_limit=50, g_shift_limit=50, b_shift_limit=50, p=1.0)
    out, params = traced(t, image=photo)
    shift = [round(params[f"{c}_shift_limit"]) for c in "rgb"]
    np.testing.assert_array_equal(out["image"], np.clip(photo.astype(int) + shift, 0, 255).astype(np.uint8))
    rgba = np.dstack([photo, photo[..., 0]])
    out = t(image=rgba, key=7)["image"]
    np.testing.assert_array_equal(out[..., 3], photo[..., 0])
    f = t(image=photo / np.float32(255), key=7)["image"]
    expected = np.clip(
        photo / np.float32(255) + np.array([params[f"{c}_shift_limit"] for c in "rgb"], np.float32) / 255,
        0,
        1,
    )
    np.testing.assert_allclose(f, expected, atol=1e-6)


@pytest.mark.parametrize("op", [ma.image.HueSaturationValue, ma.image.RGBShift])
def test_colour_ops_refuse_grey_naming_the_image(op) -> None:
    with pytest.raises(InvalidInputError, match=r"image.*RGB"):
        op(p=1.0)(image=np.zeros((4, 4), np.uint8))


# ---------------------------------------------------------------------- ChannelShuffle
@settings(max_examples=30, deadline=None)
@given(channels=st.integers(1, 9), key=st.integers(0, 2**32))
def test_channel_shuffle_is_a_permutation(channels, key) -> None:
    img = (np.arange(12 * 13 * channels) % 251).astype(np.uint8).reshape(12, 13, channels)
    out = ma.image.ChannelShuffle(p=1.0, seed=1)(image=img, key=key, trace=True)
    order = out["trace"][0]["params"]["order"]
    assert sorted(order) == list(range(channels))
    np.testing.assert_array_equal(out["image"], img[..., order])


def test_channel_shuffle_replay_refuses_a_wrong_permutation() -> None:
    img = np.zeros((4, 4, 3), np.uint8)
    t = ma.image.ChannelShuffle(p=1.0)
    trace = t(image=img, key=0, trace=True)["trace"]
    np.testing.assert_array_equal(t.replay(trace, image=img)["image"], t(image=img, key=0)["image"])
    trace[0]["params"]["order"] = [0, 0, 1]
    with pytest.raises(InvalidInputError, match="order"):
        t.replay(trace, image=img)


# ---------------------------------------------------------------------- CoarseDropout, GridDropout
@settings(max_examples=60, deadline=None)
@given(
    h=st.integers(1, 60),
    w=st.integers(1, 60),
    lo=st.floats(0, 1),
    span=st.floats(0, 1),
    key=st.integers(0, 2**32),
)
def test_coarse_dropout_holes_are_within_the_configured_range(h, w, lo, span, key) -> None:
    hi = min(1.0, lo + span)
    t = ma.image.CoarseDropout(num_holes=(0, 5), hole_height=(lo, hi), hole_width=(lo, hi), fill=9, p=1.0)
    img = np.ones((h, w), np.uint8)
    mask = np.zeros((h, w), np.uint8)
    out, params = traced(t, image=img, mask=mask)
    holes = params["holes"]
    assert 0 <= len(holes) <= 5
    painted = np.zeros((h, w), bool)
    for top, left, hh, ww in holes:
        assert max(1, min(h, round(lo * h))) <= hh <= max(1, min(h, round(hi * h)))
        assert max(1, min(w, round(lo * w))) <= ww <= max(1, min(w, round(hi * w)))
        assert 0 <= top <= h - hh and 0 <= left <= w - ww
        painted[top : top + hh, left : left + ww] = True
    np.testing.assert_array_equal(out["image"] == 9, painted)
    assert out["mask"] is mask  # fill_mask=None: masks pass through


def test_coarse_dropout_fills_masks_with_fill_mask_and_keeps_targets() -> None:
    img = np.full((30, 40, 3), 200, np.uint8)
    mask = np.ones((30, 40), np.uint8)
    boxes = np.array([[1.0, 2.0, 10.0, 12.0]])
    t = ma.image.CoarseDropout(
        num_holes=3, hole_height=0.3, hole_width=0.3, fill=(1, 2, 3), fill_mask=7, p=1.0
    )
    out, _ = traced(t, image=img, mask=mask, masks=[mask, mask * 2], bboxes=boxes)
    hit = (out["image"] == (1, 2, 3)).all(axis=2)
    np.testing.assert_array_equal(out["mask"] == 7, hit)
    np.testing.assert_array_equal(out["masks"][1] == 7, hit)
    np.testing.assert_array_equal(out["bboxes"], boxes)
    with pytest.raises(InvalidInputError, match="fill_mask"):
        ma.image.CoarseDropout(fill_mask=300, p=1.0)(image=img, mask=mask)


@settings(max_examples=40, deadline=None)
@given(
    side=st.integers(20, 90),
    ratio=st.floats(0.05, 1.0),
    unit=st.integers(2, 20),
    key=st.integers(0, 2**32),
)
def test_grid_dropout_drops_a_periodic_grid(side, ratio, unit, key) -> None:
    img = np.ones((side, side + 3), np.uint8)
    t = ma.image.GridDropout(ratio=ratio, unit_size=unit, p=1.0)
    out = t(image=img, key=key, trace=True)
    params = out["trace"][0]["params"]
    hole = min(unit, max(1, round(ratio * unit)))
    ys, xs = np.arange(side), np.arange(side + 3)
    expected = ((ys - params["shift_y"]) % unit < hole)[:, None] & ((xs - params["shift_x"]) % unit < hole)[
        None, :
    ]
    np.testing.assert_array_equal(out["image"] == 0, expected)
    # the dropped share of every whole unit is ratio**2 (as rounded)
    assert expected[: unit * (side // unit), : unit * ((side + 3) // unit)].mean() == pytest.approx(
        (hole / unit) ** 2
    )


def test_grid_runs_reference() -> None:
    assert FE.grid_runs(10, 4, 2, 0) == [(0, 2), (4, 6), (8, 10)]
    assert FE.grid_runs(10, 4, 4, 3) == [(0, 3), (3, 7), (7, 10)]


# ---------------------------------------------------------------------- MotionBlur, MedianBlur
@pytest.mark.parametrize("k", [3, 5, 9])
def test_motion_blur_along_an_axis_is_a_box_blur(photo, k) -> None:
    horizontal = ma.image.MotionBlur(blur_limit=(k, k), angle=(0, 0), direction=(0, 0), p=1.0)(image=photo)[
        "image"
    ]
    ref = cv2.blur(photo.astype(np.float32), (k, 1), borderType=cv2.BORDER_REFLECT_101)
    assert np.abs(horizontal.astype(np.float32) - ref).max() <= 0.5 + 1e-3
    vertical = ma.image.MotionBlur(blur_limit=(k, k), angle=(90, 90), direction=(0, 0), p=1.0)(image=photo)[
        "image"
    ]
    ref = cv2.blur(photo.astype(np.float32), (1, k), borderType=cv2.BORDER_REFLECT_101)
    assert np.abs(vertical.astype(np.float32) - ref).max() <= 0.5 + 1e-3


@settings(max_examples=50, deadline=None)
@given(k=st.sampled_from([3, 5, 7, 15]), angle=st.floats(-360, 360), direction=st.floats(-1, 1))
def test_motion_kernel_is_a_normalised_line(k, angle, direction) -> None:
    kernel = FF.motion_kernel(k, angle, direction)
    assert kernel.shape == (k, k) and kernel.min() >= 0 and kernel.sum() == pytest.approx(1.0, abs=1e-5)
    ys, xs = np.nonzero(kernel > 1e-6)
    c = (k - 1) / 2
    # every weight lies on the cell nearest to a point of the line through the centre at that angle
    rad = np.radians(angle)
    distance = np.abs(-(xs - c) * np.sin(rad) - (ys - c) * np.cos(rad))
    assert distance.max() <= np.sqrt(0.5) + 1e-6
    if direction == 1.0:  # only the forward half
        assert ((xs - c) * np.cos(rad) - (ys - c) * np.sin(rad)).min() >= -np.sqrt(0.5) - 1e-6
    assert len(xs) <= k


def test_median_blur_is_opencv(photo) -> None:
    out, params = traced(ma.image.MedianBlur(blur_limit=(3, 9), p=1.0), image=photo)
    np.testing.assert_array_equal(out["image"], cv2.medianBlur(photo, params["blur_limit"]))


# ---------------------------------------------------------------------- keyed, traced, replayed
NEW = [
    ma.image.ImageCompression(p=1.0),
    ma.image.Downscale(p=1.0),
    ma.image.CLAHE(p=1.0),
    ma.image.Equalize(p=1.0),
    ma.image.HueSaturationValue(p=1.0),
    ma.image.RGBShift(p=1.0),
    ma.image.ChannelShuffle(p=1.0),
    ma.image.CoarseDropout(fill="random", fill_mask=3, p=1.0),
    ma.image.GridDropout(fill_mask=3, p=1.0),
    ma.image.MotionBlur(p=1.0),
    ma.image.Defocus(p=1.0),
    ma.image.ZoomBlur(p=1.0),
    ma.image.ISONoise(p=1.0),
]


@pytest.mark.parametrize("t", NEW, ids=lambda t: type(t).__name__)
def test_keyed_and_replayed_inside_a_pipeline(photo, t) -> None:
    pipe = ma.Compose([ma.image.HorizontalFlip(p=0.5), t], seed=3)
    mask = (photo[..., 0] > 100).astype(np.uint8)
    a = pipe(image=photo, mask=mask, key="item-1", trace=True)
    b = pipe(image=photo, mask=mask, key="item-1")
    np.testing.assert_array_equal(a["image"], b["image"])
    np.testing.assert_array_equal(a["mask"], b["mask"])
    again = pipe.replay(a["trace"], image=photo, mask=mask)
    np.testing.assert_array_equal(again["image"], a["image"])
    np.testing.assert_array_equal(again["mask"], a["mask"])
    assert a["image"].dtype == photo.dtype and a["image"].shape == photo.shape
    floats = pipe(image=photo / np.float32(255), mask=mask, key="item-1")["image"]
    assert floats.dtype == np.float32 and 0.0 <= floats.min() and floats.max() <= 1.0


# ---------------------------------------------------------------------- Defocus, ZoomBlur, ISONoise
def test_defocus_is_a_disc_average(photo) -> None:
    from scipy import ndimage

    img = photo.astype(np.float32) / 255
    out = ma.image.Defocus(radius=(4, 4), alias_blur=(0, 0), p=1.0)(image=img)["image"]
    yy, xx = np.mgrid[-4:5, -4:5]
    disc = (yy**2 + xx**2 <= 16).astype(np.float64)
    disc /= disc.sum()
    for c in range(3):  # OpenCV's BORDER_REFLECT_101 is SciPy's "mirror"
        ref = ndimage.correlate(img[..., c].astype(np.float64), disc, mode="mirror")
        np.testing.assert_allclose(out[..., c], ref, atol=1e-5)


def test_zoom_blur_is_the_mean_of_centred_zooms(photo) -> None:
    from scipy import ndimage

    img = photo[:60, :80].astype(np.float32) / 255
    t = ma.image.ZoomBlur(max_factor=(1.25, 1.25), step_factor=(0.1, 0.1), p=1.0)
    out = t(image=img)["image"]
    h, w = img.shape[:2]
    centre = np.array([(h - 1) / 2, (w - 1) / 2])
    layers = [img[..., c].astype(np.float64) for c in range(3)]
    total = np.stack(layers, axis=2)
    for z in (1.1, 1.2):  # output pixel o shows input pixel centre + (o - centre) / z
        zoomed = [
            ndimage.affine_transform(a, np.eye(2) / z, offset=centre * (1 - 1 / z), order=1, mode="nearest")
            for a in layers
        ]
        total += np.stack(zoomed, axis=2)
    np.testing.assert_allclose(out, total / 3, atol=2e-3)  # OpenCV interpolates with 5-bit weights
    untouched = ma.image.ZoomBlur(max_factor=(1.01, 1.01), step_factor=(0.02, 0.02), p=1.0)(image=photo)
    np.testing.assert_array_equal(untouched["image"], photo)


def test_iso_noise_brightens_jitters_hue_and_is_identity_at_zero_intensity(photo) -> None:
    still = ma.image.ISONoise(intensity=(0, 0), p=1.0)(image=photo, key=1)["image"]
    assert np.abs(still.astype(int) - photo).max() <= 1  # HLS round trip and rounding only
    out, params = traced(
        ma.image.ISONoise(color_shift=(0.05, 0.05), intensity=(0.5, 0.5), p=1.0), image=photo
    )
    light = cv2.cvtColor(photo, cv2.COLOR_RGB2HLS)[..., 1].astype(float)
    assert cv2.cvtColor(out["image"], cv2.COLOR_RGB2HLS)[..., 1].mean() > light.mean()
    assert type(params["noise_seed"]) is int
    with pytest.raises(InvalidInputError, match="RGB"):
        ma.image.ISONoise(p=1.0)(image=photo[..., 0])


@pytest.mark.parametrize("lam", [0.0, 0.4, 3.0, 15.0, 120.0])
def test_iso_noise_poisson_table_is_scipys_quantiles(lam) -> None:
    from scipy import stats

    from multiaug.image.functional.noise import poisson_quantiles

    expected = stats.poisson.ppf((np.arange(65536) + 0.5) / 65536, lam) if lam else np.zeros(65536)
    np.testing.assert_array_equal(poisson_quantiles(lam), expected)


@pytest.mark.parametrize("dtype", [np.uint8, np.float32])
@pytest.mark.parametrize("channels", [3, 4])
def test_channel_shuffle_kernel_every_permutation(dtype, channels) -> None:
    import itertools

    img = (np.arange(6 * 7 * channels) % 200).reshape(6, 7, channels).astype(dtype)
    for order in itertools.permutations(range(channels)):
        out = FC.channel_shuffle(img, list(order))
        np.testing.assert_array_equal(out, img[..., list(order)])
        assert not np.shares_memory(out, img)


@pytest.mark.parametrize(
    "t", [*NEW, ma.image.Equalize(by_channels=False, p=1.0)], ids=lambda t: type(t).__name__
)
def test_views_give_the_same_output_as_contiguous_copies(t) -> None:
    img = np.random.default_rng(0).integers(0, 256, (40, 50, 4), dtype=np.uint8)
    for view in (img[5:30, 7:40, :3], img[..., 2::-1], img[::2, ::3, :3], img[5:30, 7:40]):
        for image in (view, view.astype(np.float32) / 255):
            out = t(image=image, key=3)["image"]
            np.testing.assert_array_equal(out, t(image=np.ascontiguousarray(image), key=3)["image"])
            assert out.shape == image.shape and out.dtype == image.dtype


@pytest.mark.parametrize(
    "t",
    [ma.image.CLAHE(p=1.0), ma.image.Equalize(p=1.0), ma.image.Equalize(by_channels=False, p=1.0)],
    ids=lambda t: type(t).__name__,
)
def test_histogram_ops_take_float_through_uint8(photo, t) -> None:
    as_float = photo.astype(np.float32) / 255
    out = t(image=as_float, key=5)["image"]
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, t(image=photo, key=5)["image"].astype(np.float32) / 255)
