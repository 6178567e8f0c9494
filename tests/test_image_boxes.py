"""Box formats: round trips (hypothesis), albumentations' own converters, clipping, errors."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import multiaug as ma
from multiaug.image import BBOX_FORMATS, clip_bboxes, convert_bboxes

FAST = settings(max_examples=60, deadline=None, database=None)


@st.composite
def voc_boxes(draw: st.DrawFn) -> tuple[np.ndarray, tuple[int, int]]:
    """pascal_voc boxes (some partly or wholly outside the image, some empty) and an image shape."""
    h, w = draw(st.integers(1, 2000)), draw(st.integers(1, 2000))
    n = draw(st.integers(0, 6))
    xs = draw(hnp.arrays(np.float64, (n, 2), elements=st.floats(-w, 2 * w)))
    ys = draw(hnp.arrays(np.float64, (n, 2), elements=st.floats(-h, 2 * h)))
    boxes = np.stack([xs.min(1), ys.min(1), xs.max(1), ys.max(1)], axis=1) if n else np.zeros((0, 4))
    return boxes, (h, w)


def _close(a: np.ndarray, b: np.ndarray, shape: tuple[int, int]) -> None:
    # float64 round-off only: a few ulps of the largest coordinate (up to 2 * 2000 px)
    np.testing.assert_allclose(a, b, rtol=0, atol=1e-9 * max(shape) * 4)


@FAST
@given(data=voc_boxes())
def test_every_round_trip_returns_the_boxes(data: tuple[np.ndarray, tuple[int, int]]) -> None:
    voc, shape = data
    for fmt in BBOX_FORMATS:
        there = convert_bboxes(voc, "pascal_voc", fmt, image_shape=shape)
        assert there.shape == voc.shape and there.dtype == np.float64
        _close(convert_bboxes(there, fmt, "pascal_voc", image_shape=shape), voc, shape)
    for source, target in itertools.permutations(BBOX_FORMATS, 2):
        src = convert_bboxes(voc, "pascal_voc", source, image_shape=shape)
        direct = convert_bboxes(src, source, target, image_shape=shape)
        via_voc = convert_bboxes(voc, "pascal_voc", target, image_shape=shape)
        scale = 1.0 if target in ("yolo", "albumentations") else float(max(shape))
        np.testing.assert_allclose(direct, via_voc, rtol=0, atol=1e-9 * scale * 4)
        back = convert_bboxes(direct, target, source, image_shape=shape)
        np.testing.assert_allclose(back, src, rtol=0, atol=1e-9 * max(scale, float(max(shape))) * 4)


@FAST
@given(data=voc_boxes())
def test_same_format_is_a_copy(data: tuple[np.ndarray, tuple[int, int]]) -> None:
    voc, _ = data
    out = convert_bboxes(voc, "pascal_voc", "pascal_voc")
    np.testing.assert_array_equal(out, voc)
    assert out is not voc and not np.shares_memory(out, voc)


def test_agrees_with_albumentations_converters() -> None:
    from albumentations.core.bbox_utils import (
        convert_bboxes_from_albumentations,
        convert_bboxes_to_albumentations,
    )

    rng = np.random.default_rng(0)
    for shape in [(427, 640), (640, 427), (1, 1), (37, 1000)]:
        h, w = shape
        xs = np.sort(rng.uniform(0, w, (50, 2)), axis=1)
        ys = np.sort(rng.uniform(0, h, (50, 2)), axis=1)
        voc = np.stack([xs[:, 0], ys[:, 0], xs[:, 1], ys[:, 1]], axis=1)
        albu = convert_bboxes(voc, "pascal_voc", "albumentations", image_shape=shape)
        for fmt in ("pascal_voc", "coco", "yolo"):
            ours = convert_bboxes(voc, "pascal_voc", fmt, image_shape=shape)
            # albumentations works in float32: compare to float32 precision
            theirs_to = convert_bboxes_to_albumentations(ours, fmt, shape)
            np.testing.assert_allclose(
                convert_bboxes(ours, fmt, "albumentations", image_shape=shape), theirs_to, atol=1e-6
            )
            theirs_from = convert_bboxes_from_albumentations(albu, fmt, shape)
            unit = 1.0 if fmt == "yolo" else float(max(shape))
            np.testing.assert_allclose(ours, theirs_from, rtol=1e-6, atol=1e-6 * unit)


def test_known_values() -> None:
    voc = np.array([[10.0, 20.0, 50.0, 60.0], [0.0, 0.0, 200.0, 100.0]])
    shape = (100, 200, 3)
    np.testing.assert_allclose(
        convert_bboxes(voc, "pascal_voc", "coco"), [[10, 20, 40, 40], [0, 0, 200, 100]]
    )
    np.testing.assert_allclose(
        convert_bboxes(voc, "pascal_voc", "yolo", image_shape=shape),
        [[0.15, 0.4, 0.2, 0.4], [0.5, 0.5, 1.0, 1.0]],
    )
    np.testing.assert_allclose(
        convert_bboxes(voc, "pascal_voc", "albumentations", image_shape=shape),
        [[0.05, 0.2, 0.25, 0.6], [0.0, 0.0, 1.0, 1.0]],
    )
    assert convert_bboxes([], "coco", "yolo", image_shape=shape).shape == (0, 4)
    # normalised <-> normalised needs no image shape
    assert convert_bboxes([[0.5, 0.5, 1.0, 1.0]], "yolo", "albumentations").tolist() == [[0, 0, 1, 1]]


def test_input_is_not_mutated() -> None:
    coco = np.array([[5.0, 5.0, 10.0, 10.0]])
    before = coco.copy()
    convert_bboxes(coco, "coco", "yolo", image_shape=(20, 20))
    clip_bboxes(coco, image_shape=(8, 8), format="coco")
    np.testing.assert_array_equal(coco, before)


@FAST
@given(data=voc_boxes(), fmt=st.sampled_from(BBOX_FORMATS))
def test_clip_in_any_format_equals_clip_in_pascal_voc(
    data: tuple[np.ndarray, tuple[int, int]], fmt: str
) -> None:
    voc, shape = data
    h, w = shape
    clipped = clip_bboxes(voc, image_shape=shape)
    assert (clipped[:, 0::2] >= 0).all() and (clipped[:, 0::2] <= w).all()
    assert (clipped[:, 1::2] >= 0).all() and (clipped[:, 1::2] <= h).all()
    np.testing.assert_array_equal(clip_bboxes(clipped, image_shape=shape), clipped)  # idempotent
    inside = (voc[:, :2] >= 0).all(1) & (voc[:, 2] <= w) & (voc[:, 3] <= h)
    np.testing.assert_array_equal(clipped[inside], voc[inside])
    in_fmt = convert_bboxes(voc, "pascal_voc", fmt, image_shape=shape)
    back = convert_bboxes(clip_bboxes(in_fmt, image_shape=shape, format=fmt), fmt, "pascal_voc", shape)
    _close(back, clipped, shape)


@pytest.mark.parametrize(
    ("call", "field", "problem"),
    [
        (lambda: convert_bboxes([[0, 0, 1, 1]], "voc", "coco"), "source", "not a known box format"),
        (lambda: convert_bboxes([[0, 0, 1, 1]], "coco", "xywh"), "target", "not a known box format"),
        (lambda: convert_bboxes([[0, 0, 1, 1]], "coco", "yolo"), "image_shape", "is needed"),
        (lambda: convert_bboxes([[0, 0, 1, 1]], "coco", "yolo", (0, 5)), "image_shape", "positive ints"),
        (lambda: convert_bboxes([[0, 0, 1, 1]], "coco", "yolo", (10.5, 5)), "image_shape", "positive"),  # type: ignore[arg-type]
        (lambda: convert_bboxes([[0, 0, 1, 1]], "coco", "yolo", (10,)), "image_shape", "positive"),
        (lambda: convert_bboxes([[0, 0, 1, 1]], "coco", "yolo", 10), "image_shape", "positive"),  # type: ignore[arg-type]
        (lambda: convert_bboxes([[0, 0, 1]], "coco", "pascal_voc"), "boxes", "shape (N, 4)"),
        (lambda: convert_bboxes([[0, 0, 1, 1, 7]], "coco", "pascal_voc"), "boxes", "shape (N, 4)"),
        (lambda: convert_bboxes([["a", 0, 1, 1]], "coco", "pascal_voc"), "boxes", "not numeric"),
        (lambda: convert_bboxes([[0, np.nan, 1, 1]], "coco", "pascal_voc"), "boxes", "NaN"),
        (lambda: convert_bboxes([[5, 0, 1, 1]], "pascal_voc", "coco"), "boxes", "x_max < x_min"),
        (lambda: convert_bboxes([[0, 0, -1, 1]], "coco", "pascal_voc"), "boxes", "negative width"),
        (lambda: convert_bboxes([[0.5, 0.5, 0.1, -0.1]], "yolo", "coco", (9, 9)), "boxes", "negative"),
        (lambda: clip_bboxes([[0, 0, 1, 1]]), "image_shape", "is needed"),
        (lambda: clip_bboxes([[0, 0, 1, 1]], (4, 4), format="xyxy"), "format", "not a known box format"),
    ],
)
def test_errors_name_function_field_and_fix(call: Callable[[], object], field: str, problem: str) -> None:
    with pytest.raises(ma.InvalidInputError) as info:
        call()
    err = info.value
    assert err.owner in ("image.convert_bboxes", "image.clip_bboxes")
    assert err.field == field and problem in err.problem and err.fix, str(err)


# ---------------------------------------------------------------------- SanitizeBoxes (issue 15)
def test_sanitize_boxes_clips_and_drops_degenerate_boxes_with_their_labels() -> None:
    img = np.zeros((40, 60, 3), np.uint8)
    boxes = np.array(
        [
            [-10.0, 5.0, 20.0, 30.0],  # clipped to x >= 0, kept
            [10.0, 10.0, 10.5, 30.0],  # 0.5 px wide: dropped
            [70.0, 5.0, 90.0, 9.0],  # outside: empty after clipping, dropped
            [50.0, 30.0, 65.0, 45.0],  # clipped to 10 x 10, kept
        ]
    )
    out = ma.image.SanitizeBoxes()(image=img, bboxes=boxes, bbox_labels=np.array([1, 2, 3, 4]))
    assert out["bboxes"].tolist() == [[0.0, 5.0, 20.0, 30.0], [50.0, 30.0, 60.0, 40.0]]
    assert out["bbox_labels"].tolist() == [1, 4]
    assert out["image"] is img
    big = ma.image.SanitizeBoxes(min_area=200.0)(image=img, bboxes=boxes, bbox_labels=["a", "b", "c", "d"])
    assert big["bbox_labels"] == ["a"]
    raw = ma.image.SanitizeBoxes(clip=False)(image=img, bboxes=boxes)
    assert len(raw["bboxes"]) == 3  # the outside box keeps its size when not clipped


def test_sanitize_boxes_is_a_deterministic_step_that_stays_in_eval_mode() -> None:
    pipe = ma.Compose([ma.image.HorizontalFlip(p=1.0), ma.image.SanitizeBoxes()], seed=0)
    served = pipe.inference()
    assert [t.name for t in served.transforms] == ["image.SanitizeBoxes"]
    out = served(image=np.zeros((10, 10), np.uint8), bboxes=np.array([[-2.0, 0.0, 4.0, 4.0]]))
    assert out["bboxes"].tolist() == [[0.0, 0.0, 4.0, 4.0]]
