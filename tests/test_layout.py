"""Layouts and tensors: ``Compose(..., layout="hwc"|"chw")``, torch tensors in and out.

The contract (docs/api.md, "Complete pipelines"): torch tensors are accepted (CHW or HWC declared by
``layout=``; the output is a tensor of the same layout and device), a CHW numpy array without
``layout="chw"`` raises ``InvalidInputError`` naming ``layout``. Outputs equal the NumPy HWC path's.
CUDA is not available here; the device is kept by construction (``.to(input.device)``).
"""

from __future__ import annotations

import pickle
import subprocess
import sys
from typing import Any

import numpy as np
import pytest
import torch  # the `torch` extra is part of `all`, which the test venv installs

import multiaug as ma
from multiaug import InvalidInputError

RNG = np.random.default_rng(0)
IMG = RNG.integers(0, 256, (40, 48, 3), dtype=np.uint8)
MASK = RNG.integers(0, 5, (40, 48)).astype(np.int64)


def steps() -> list[Any]:
    return [
        ma.image.HorizontalFlip(),
        ma.image.Affine(rotate=20, scale=(0.9, 1.1)),
        ma.image.RandomCrop(32, 36),
        ma.image.ColorJitter(0.3, 0.3),
    ]


def pipe(layout: str | None = None, **kw: Any) -> ma.Compose:
    extra = {} if layout is None else {"layout": layout}
    return ma.Compose(steps(), seed=3, **extra, **kw)


def chw(a: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(np.moveaxis(a, -1, 0))


@pytest.mark.parametrize(
    ("layout", "image"),
    [
        ("chw", (IMG / 255).astype(np.float32).transpose(2, 0, 1)),  # float32 CHW
        ("hwc", (IMG / 255).astype(np.float32)),  # float32 HWC
        ("hwc", IMG),  # uint8 HWC
        ("chw", IMG.transpose(2, 0, 1)),  # uint8 CHW
        (None, IMG),  # the default is HWC, for tensors too
    ],
)
def test_tensor_round_trip_equals_the_numpy_path(layout: str | None, image: np.ndarray) -> None:
    reference = pipe()
    p = pipe(layout)
    channels_first = layout == "chw"
    x = torch.from_numpy(np.ascontiguousarray(image))
    m = torch.from_numpy(MASK)
    hwc = np.moveaxis(image, 0, -1) if channels_first else image
    for key in range(6):
        out = p(image=x, mask=m, key=key, epoch=1)
        ref = reference(image=np.ascontiguousarray(hwc), mask=MASK, key=key, epoch=1)
        assert isinstance(out["image"], torch.Tensor) and isinstance(out["mask"], torch.Tensor)
        assert out["image"].dtype == x.dtype and out["image"].device == x.device
        assert out["mask"].dtype == torch.int64 and out["mask"].device == m.device
        assert out["image"].is_contiguous()
        want = chw(ref["image"]) if channels_first else ref["image"]
        np.testing.assert_array_equal(out["image"].numpy(), want)
        np.testing.assert_array_equal(out["mask"].numpy(), ref["mask"])
    # the inputs are left as they were
    np.testing.assert_array_equal(x.numpy(), image)
    np.testing.assert_array_equal(m.numpy(), MASK)


def test_chw_numpy_round_trip_with_the_layout_declared() -> None:
    reference = pipe()
    p = pipe("chw")
    for key in range(4):
        out = p(image=chw(IMG), mask=MASK, key=key)
        ref = reference(image=IMG, mask=MASK, key=key)
        assert isinstance(out["image"], np.ndarray) and out["image"].flags.c_contiguous
        np.testing.assert_array_equal(out["image"], chw(ref["image"]))
        np.testing.assert_array_equal(out["mask"], ref["mask"])


def test_chw_numpy_without_layout_raises_naming_layout() -> None:
    with pytest.raises(InvalidInputError) as err:
        pipe()(image=chw(IMG), key=0)
    msg = str(err.value)
    assert "`image`" in msg and 'layout="chw"' in msg and "np.moveaxis(image, 0, -1)" in msg
    # the fix it names works
    out = pipe("chw")(image=chw(IMG), key=0)["image"]
    assert out.shape[0] == 3


def test_chw_tensor_without_layout_raises_naming_layout() -> None:
    """A layout is never guessed: torch's CHW convention under the default "hwc" is refused by name."""
    x = torch.from_numpy(chw(IMG))
    with pytest.raises(InvalidInputError) as err:
        pipe()(image=x, key=0)
    msg = str(err.value)
    assert "`image`" in msg and "tensor" in msg and 'layout="chw"' in msg and "movedim(0, -1)" in msg
    # a leaf called alone takes HWC and points at the composer
    with pytest.raises(InvalidInputError, match="layout"):
        ma.image.HorizontalFlip(p=1.0)(image=x)


@pytest.mark.parametrize("as_tensor", [False, True])
def test_hwc_input_under_chw_raises_naming_layout(as_tensor: bool) -> None:
    x = torch.from_numpy(IMG) if as_tensor else IMG
    with pytest.raises(InvalidInputError) as err:
        pipe("chw")(image=x, key=0)
    msg = str(err.value)
    assert "`image`" in msg and "HWC" in msg and 'layout="chw"' in msg


def test_leaf_takes_hwc_tensors() -> None:
    x = torch.from_numpy(IMG)
    out = ma.image.HorizontalFlip(p=1.0)(image=x)["image"]
    assert isinstance(out, torch.Tensor)
    np.testing.assert_array_equal(out.numpy(), IMG[:, ::-1])


def test_grey_images_are_the_same_in_both_layouts() -> None:
    grey = IMG[..., 0]
    ref = pipe()(image=grey, mask=MASK, key=2)
    out = pipe("chw")(image=torch.from_numpy(grey), mask=torch.from_numpy(MASK), key=2)
    np.testing.assert_array_equal(out["image"].numpy(), ref["image"])  # HxW is the same in both layouts
    np.testing.assert_array_equal(out["mask"].numpy(), ref["mask"])


def test_outputs_never_share_memory_with_the_input_tensor() -> None:
    x = torch.from_numpy(IMG.copy())
    crop = ma.Compose([ma.image.RandomCrop(20, 48, p=1.0)], seed=0)  # full rows: a contiguous view
    out = crop(image=x, key=0)["image"]
    out.zero_()
    np.testing.assert_array_equal(x.numpy(), IMG)


def test_untouched_output_is_the_tensor_given() -> None:
    x = torch.from_numpy(chw(IMG))
    out = pipe("chw", p=0.0)(image=x, key=0)
    assert out["image"] is x


def test_autograd_tensors_are_detached() -> None:
    x = torch.rand(3, 24, 24, requires_grad=True)
    out = ma.Compose([ma.image.HorizontalFlip(p=1.0)], layout="chw")(image=x)["image"]
    assert not out.requires_grad
    np.testing.assert_array_equal(out.numpy(), x.detach().numpy()[:, :, ::-1])


def test_dtype_numpy_cannot_hold_raises() -> None:
    x = torch.rand(3, 24, 24).to(torch.bfloat16)
    with pytest.raises(InvalidInputError, match=r"`image`.*bfloat16.*tensor\.float\(\)"):
        ma.Compose([ma.image.HorizontalFlip()], layout="chw")(image=x)


def test_batches_follow_the_layout() -> None:
    images = RNG.integers(0, 256, (4, 3, 16, 16), dtype=np.uint8)
    labels = np.array([0, 1, 2, 1])
    mix = ma.image.MixUp(num_classes=3, p=1.0)
    ref = ma.Compose([mix], seed=1)(images=np.moveaxis(images, 1, -1), labels=labels, key=0)
    out = ma.Compose([mix], seed=1, layout="chw")(images=torch.from_numpy(images), labels=labels, key=0)
    assert tuple(out["images"].shape) == (4, 3, 16, 16)
    np.testing.assert_array_equal(out["images"].numpy(), np.moveaxis(ref["images"], -1, 1))
    with pytest.raises(InvalidInputError, match=r"`images`.*BCHW.*layout=\"chw\""):
        ma.Compose([mix], seed=1)(images=images, labels=labels, key=0)


def test_trace_and_replay_with_tensors() -> None:
    p = pipe("chw")
    x = torch.from_numpy(chw(IMG))
    out = p(image=x, key=5, trace=True)
    again = p.replay(out["trace"], image=x)
    assert isinstance(again["image"], torch.Tensor)
    np.testing.assert_array_equal(again["image"].numpy(), out["image"].numpy())
    # the layout is not part of what a trace records: it replays on HWC arrays too
    hwc = pipe().replay(out["trace"], image=IMG)
    np.testing.assert_array_equal(chw(hwc["image"]), out["image"].numpy())
    crop = p.transforms[2]
    assert crop.keyed_params({"image": torch.from_numpy(IMG)}, key=1) is not None


def test_layout_in_configs_pickles_and_fingerprints() -> None:
    default, declared = pipe(), pipe("chw")
    assert "layout" not in default.to_config()["params"]  # earlier fingerprints stay as they were
    assert pipe("hwc").fingerprint == default.fingerprint
    assert declared.to_config()["params"]["layout"] == "chw"
    assert declared.fingerprint != default.fingerprint
    x = torch.from_numpy(chw(IMG))
    for again in (ma.from_config(declared.to_config()), pickle.loads(pickle.dumps(declared))):
        assert again.layout == "chw" and again.fingerprint == declared.fingerprint
        np.testing.assert_array_equal(
            again(image=x, key=1)["image"].numpy(), declared(image=x, key=1)["image"].numpy()
        )
    served = declared.inference()  # the serving copy a model registry stores keeps the layout
    assert served.layout == "chw" and served.to_config()["params"]["layout"] == "chw"
    assert isinstance(served(image=x)["image"], torch.Tensor)
    assert "layout='chw'" in repr(declared) and "layout" not in repr(default)
    with pytest.raises(InvalidInputError, match="layout"):
        ma.Compose([], layout="CHW")


def test_numpy_calls_never_import_torch() -> None:
    code = (
        "import sys, numpy as np, multiaug as ma\n"
        "p = ma.Compose([ma.image.HorizontalFlip()], layout='chw', seed=0)\n"
        "p(image=np.zeros((3, 8, 8), np.uint8), key=0)\n"
        "ma.Compose([ma.image.HorizontalFlip()], seed=0)(image=np.zeros((8, 8, 3), np.uint8), key=0)\n"
        "print('torch' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_lists_of_tensors_convert_item_by_item() -> None:
    """The boundary itself, on a list-valued field (``masks`` as a list of HxW tensors)."""
    from multiaug.core.layout import enter

    a, b = torch.zeros(4, 5, dtype=torch.int64), torch.ones(4, 5, dtype=torch.int64)
    inner, leave = enter("T", {"masks": [a, b], "label": 1}, "chw", (("masks", 0),))
    assert leave is not None and all(isinstance(m, np.ndarray) for m in inner["masks"])
    back = leave({"masks": [inner["masks"][0], inner["masks"][1] + 1], "label": 1})
    assert back["masks"][0] is a and torch.equal(back["masks"][1], b + 1)
    fewer = leave({"masks": [np.full((4, 5), 7)]})  # an op dropped one: the rest still come back tensors
    assert isinstance(fewer["masks"][0], torch.Tensor) and int(fewer["masks"][0][0, 0]) == 7
    assert enter("T", {"masks": [np.zeros((4, 5))]}, "hwc", (("masks", 0),))[1] is None


@pytest.mark.skipif(
    not torch.cuda.is_available(), reason="needs a CUDA device (CI has none; run it on a GPU machine)"
)
def test_cuda_tensors_come_back_on_their_device() -> None:
    x = torch.from_numpy(chw(IMG)).cuda()
    m = torch.from_numpy(MASK).cuda()
    p, reference = pipe("chw"), pipe()
    for key in range(4):
        out = p(image=x, mask=m, key=key)
        ref = reference(image=IMG, mask=MASK, key=key)
        assert out["image"].device == x.device and out["mask"].device == m.device
        np.testing.assert_array_equal(out["image"].cpu().numpy(), chw(ref["image"]))
        np.testing.assert_array_equal(out["mask"].cpu().numpy(), ref["mask"])
    traced = p(image=x, key=2, trace=True)
    again = p.replay(traced["trace"], image=x)
    assert again["image"].is_cuda and torch.equal(again["image"], traced["image"])
    assert pipe("chw", p=0.0)(image=x)["image"] is x
