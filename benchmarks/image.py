"""Image ops: multiaug vs albumentations, same process, same real photos, one thread each.

Run with ``make bench`` or ``cd benchmarks && ../.venv/bin/python image.py [--quick]``.

Inputs are scikit-learn's sample photos ``china.jpg`` and ``flower.jpg`` (427x640x3
uint8; read with OpenCV, as ``load_sample_images`` would need Pillow), used in
alternation. ``cv2.setNumThreads(1)`` is called below, before any timing, so both
libraries run OpenCV on one thread (multiaug itself never changes thread settings).

Each op runs with ``p=1.0`` so both libraries do the work on every call. multiaug
is called the way users call it in a dataset: keyed, ``key`` = iteration index.
albumentations transforms are called directly (seeded with ``set_random_seed(0)``).
The table prints images per second (median of repeats, :func:`_util.per_call_us`)
and the ratio multiaug / albumentations (> 1: multiaug faster).

Matched parameters (multiaug -> albumentations 2.0.8; OpenCV defaults on both sides:
bilinear interpolation, constant zero border):

====================  ==============================================  ====================================
op                    multiaug                                        albumentations
====================  ==============================================  ====================================
HorizontalFlip        ``HorizontalFlip()``                            ``HorizontalFlip()``
VerticalFlip          ``VerticalFlip()``                              ``VerticalFlip()``
Rotate                ``Rotate(limit=30)``                            ``Rotate(limit=30, border_mode=0)``
Affine                scale (0.9, 1.1), translate +-0.1, rotate       same, ``translate_percent``,
                      +-15, shear +-10                                ``border_mode=0``
RandomCrop            ``RandomCrop(224, 224)``                        ``RandomCrop(224, 224)``
RandomResizedCrop     ``size=(224, 224)``, scale (0.08, 1),           same
                      ratio (3/4, 4/3)
Perspective           ``scale=(0.05, 0.1)``                           same, ``keep_size=True``
ElasticTransform      ``alpha=50, sigma=5``                           same
ColorJitter           0.4, 0.4, 0.4, 0.1                              same
Grayscale             ``Grayscale()`` (keeps channels)                ``ToGray(num_output_channels=3)``
GaussianNoise         ``std=(0.01, 0.05)``                            ``GaussNoise(std_range=(0.01, 0.05))``
SaltPepperNoise       ``amount=(0.01, 0.05)``                         ``SaltAndPepper(amount=(0.01, 0.05))``
GaussianBlur          ``sigma=(0.1, 2.0)``                            ``GaussianBlur(sigma_limit=(0.1, 2),
                                                                      blur_limit=0)`` (kernel from sigma)
Sharpen               ``alpha=(0.2, 0.5)``                            ``Sharpen(alpha=(0.2, 0.5),
                                                                      lightness=(1, 1))``
RandomErasing         scale (0.02, 0.33), ratio (0.3, 3.3), fill 0    ``Erasing`` with the same
====================  ==============================================  ====================================

The training pipeline (typical ImageNet-style recipe; p per step, same on both sides):
RandomResizedCrop 224x224 (p=1) -> HorizontalFlip (p=0.5) -> Affine as above (p=0.5)
-> ColorJitter 0.4/0.4/0.4/0.1 (p=0.8) -> GaussianNoise std (0.01, 0.05) (p=0.5)
-> RandomErasing as above (p=0.25). multiaug: ``Compose(..., seed=0)`` keyed;
albumentations: ``Compose(..., seed=0)``.

Batch mixing (MixUp alpha=0.2, CutMix alpha=1.0) runs on a batch of 32 224x224x3
uint8 crops with 10 classes. albumentations 2.0.8 has no MixUp/CutMix, so the
comparison is a plain NumPy implementation of each (vectorised, as commonly written;
labelled ``numpy``).

Ops that ``multiaug.image`` does not have (yet) are skipped with a printed note, so
the script runs at any stage and covers every op once it lands.
"""

from __future__ import annotations

import os

os.environ["NO_ALBUMENTATIONS_UPDATE"] = "1"  # no network check from albumentations at import

import argparse
import functools
import itertools
from collections.abc import Callable
from typing import Any

import cv2
import numpy as np
from _util import compare_us, machine, per_call_us

import multiaug as ma
from multiaug.demo import load_sample_photo

cv2.setNumThreads(1)

Factory = Callable[[Any, float], Any]  # (module, p) -> transform

AFFINE = {"scale": (0.9, 1.1), "rotate": (-15, 15), "shear": (-10, 10)}
JITTER = {"brightness": 0.4, "contrast": 0.4, "saturation": 0.4, "hue": 0.1}
ERASE = {"scale": (0.02, 0.33), "ratio": (0.3, 3.3), "fill": 0}
RRC = {"size": (224, 224), "scale": (0.08, 1.0), "ratio": (3 / 4, 4 / 3)}

# multiaug op name -> (multiaug factory(ma.image, p), albumentations factory(A, p))
OPS: dict[str, tuple[Factory, Factory]] = {
    "HorizontalFlip": (lambda m, p: m.HorizontalFlip(p=p), lambda A, p: A.HorizontalFlip(p=p)),
    "VerticalFlip": (lambda m, p: m.VerticalFlip(p=p), lambda A, p: A.VerticalFlip(p=p)),
    "Rotate": (
        lambda m, p: m.Rotate(limit=30, fill=0, border="constant", p=p),
        lambda A, p: A.Rotate(limit=30, border_mode=cv2.BORDER_CONSTANT, fill=0, p=p),
    ),
    "Affine": (
        lambda m, p: m.Affine(translate=(-0.1, 0.1), **AFFINE, p=p),
        lambda A, p: A.Affine(translate_percent=(-0.1, 0.1), **AFFINE, border_mode=cv2.BORDER_CONSTANT, p=p),
    ),
    "RandomCrop": (lambda m, p: m.RandomCrop(224, 224, p=p), lambda A, p: A.RandomCrop(224, 224, p=p)),
    "RandomResizedCrop": (
        lambda m, p: m.RandomResizedCrop(**RRC, p=p),
        lambda A, p: A.RandomResizedCrop(**RRC, p=p),
    ),
    "Perspective": (
        lambda m, p: m.Perspective(scale=(0.05, 0.1), p=p),
        lambda A, p: A.Perspective(scale=(0.05, 0.1), keep_size=True, p=p),
    ),
    "ElasticTransform": (
        lambda m, p: m.ElasticTransform(alpha=50, sigma=5, p=p),
        lambda A, p: A.ElasticTransform(alpha=50, sigma=5, p=p),
    ),
    "ColorJitter": (lambda m, p: m.ColorJitter(**JITTER, p=p), lambda A, p: A.ColorJitter(**JITTER, p=p)),
    "Grayscale": (lambda m, p: m.Grayscale(p=p), lambda A, p: A.ToGray(num_output_channels=3, p=p)),
    "GaussianNoise": (
        lambda m, p: m.GaussianNoise(std=(0.01, 0.05), p=p),
        lambda A, p: A.GaussNoise(std_range=(0.01, 0.05), p=p),
    ),
    "SaltPepperNoise": (
        lambda m, p: m.SaltPepperNoise(amount=(0.01, 0.05), p=p),
        lambda A, p: A.SaltAndPepper(amount=(0.01, 0.05), p=p),
    ),
    "GaussianBlur": (
        lambda m, p: m.GaussianBlur(sigma=(0.1, 2.0), p=p),
        lambda A, p: A.GaussianBlur(sigma_limit=(0.1, 2.0), blur_limit=0, p=p),
    ),
    "Sharpen": (
        lambda m, p: m.Sharpen(alpha=(0.2, 0.5), p=p),
        lambda A, p: A.Sharpen(alpha=(0.2, 0.5), lightness=(1.0, 1.0), p=p),
    ),
    "RandomErasing": (lambda m, p: m.RandomErasing(**ERASE, p=p), lambda A, p: A.Erasing(**ERASE, p=p)),
}

# (op name, p) of the training pipeline; the op's factory arguments are those of OPS.
PIPELINE: tuple[tuple[str, float], ...] = (
    ("RandomResizedCrop", 1.0),
    ("HorizontalFlip", 0.5),
    ("Affine", 0.5),
    ("ColorJitter", 0.8),
    ("GaussianNoise", 0.5),
    ("RandomErasing", 0.25),
)


class Timer:
    def __init__(self, quick: bool) -> None:
        self.min_time, self.repeats = (0.05, 3) if quick else (0.3, 7)

    def us(self, fn: Callable[[], object]) -> float:
        return per_call_us(fn, min_time=self.min_time, repeats=self.repeats)

    def pair(self, fa: Callable[[], object], fb: Callable[[], object]) -> tuple[float, float]:
        """Both contenders in alternating rounds (steadier ratios on a shared machine)."""
        return compare_us(fa, fb, min_time=self.min_time, repeats=self.repeats)


def keyed(t: Any, images: list[np.ndarray]) -> Callable[[], object]:
    """multiaug, as in a dataset's ``__getitem__``: key = item index."""
    counter = itertools.count()

    def call() -> object:
        k = next(counter)
        return t(image=images[k & 1], key=k)

    return call


def keyed_batch(t: Any, images: np.ndarray, labels: np.ndarray) -> Callable[[], object]:
    """multiaug batch op, keyed by batch index as in a training loop."""
    counter = itertools.count()

    def call() -> object:
        return t(images=images, labels=labels, key=next(counter))

    return call


def plain(t: Any, images: list[np.ndarray]) -> Callable[[], object]:
    counter = itertools.count()

    def call() -> object:
        return t(image=images[next(counter) & 1])

    return call


def fmt_rate(n_images: int, us: float | None) -> str:
    return "—" if us is None else f"{n_images * 1e6 / us:,.0f}"


def fmt_ratio(ours: float | None, theirs: float | None) -> str:
    return "—" if ours is None or theirs is None else f"{theirs / ours:.2f}x"


# ---------------------------------------------------------------------- NumPy references for the batch ops
def numpy_mixup(x: np.ndarray, y: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    lam = rng.beta(0.2, 0.2)
    perm = rng.permutation(len(x))
    xf = x.astype(np.float32)
    out = np.rint(np.float32(lam) * xf + np.float32(1 - lam) * xf[perm]).astype(np.uint8)
    return out, lam * y + (1 - lam) * y[perm]


def numpy_cutmix(x: np.ndarray, y: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    lam = rng.beta(1.0, 1.0)
    perm = rng.permutation(len(x))
    h, w = x.shape[1:3]
    cy, cx = rng.integers(h), rng.integers(w)
    rh, rw = int(h * np.sqrt(1 - lam)) // 2, int(w * np.sqrt(1 - lam)) // 2
    y1, y2, x1, x2 = max(cy - rh, 0), min(cy + rh, h), max(cx - rw, 0), min(cx + rw, w)
    out = x.copy()
    out[:, y1:y2, x1:x2] = x[perm, y1:y2, x1:x2]
    weight = 1 - (y2 - y1) * (x2 - x1) / (h * w)
    return out, weight * y + (1 - weight) * y[perm]


def batch_of_crops(photos: list[np.ndarray], n: int = 32, size: int = 224) -> np.ndarray:
    crops = []
    for i in range(n):
        img = photos[i & 1]
        top = (i * 37) % (img.shape[0] - size)
        left = (i * 53) % (img.shape[1] - size)
        crops.append(img[top : top + size, left : left + size])
    return np.stack(crops)


# ---------------------------------------------------------------------- main
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short timings (noisier)")
    args = parser.parse_args()
    timer = Timer(args.quick)

    import albumentations as A

    photos = [load_sample_photo("china.jpg"), load_sample_photo("flower.jpg")]
    notes: list[str] = []
    rows: list[tuple[str, str, str, str]] = []

    def row(name: str, n: int, ours: float | None, theirs: float | None) -> None:
        rows.append((name, fmt_rate(n, ours), fmt_rate(n, theirs), fmt_ratio(ours, theirs)))

    available: dict[str, Any] = {}
    for name, (make_ma, make_a) in OPS.items():
        if not hasattr(ma.image, name):
            notes.append(f"skipped {name}: not in multiaug.image yet")
            continue
        try:
            ours_t, theirs_t = make_ma(ma.image, 1.0), make_a(A, 1.0)
        except Exception as exc:  # a new op whose signature differs from the one assumed here
            notes.append(f"skipped {name}: could not build it ({type(exc).__name__}: {exc})")
            continue
        theirs_t.set_random_seed(0)
        available[name] = ours_t
        ours_us, theirs_us = timer.pair(keyed(ours_t, photos), plain(theirs_t, photos))
        row(name, 1, ours_us, theirs_us)
        if name == "HorizontalFlip":
            copy_us = timer.us(lambda: np.copy(photos[0]))
            row("  reference: np.copy of the photo (memory bandwidth)", 1, copy_us, None)

    missing = [name for name, _ in PIPELINE if name not in available]
    if missing:
        notes.append(f"skipped the training pipeline: needs {', '.join(missing)}")
    else:
        ours_pipe = ma.Compose([OPS[n][0](ma.image, p) for n, p in PIPELINE], seed=0)
        theirs_pipe = A.Compose([OPS[n][1](A, p) for n, p in PIPELINE], seed=0)
        name = "pipeline: RRC > HFlip > Affine > ColorJitter > Noise > Erasing"
        row(name, 1, *timer.pair(keyed(ours_pipe, photos), plain(theirs_pipe, photos)))

    batch = batch_of_crops(photos)
    ids = np.arange(len(batch)) % 10
    onehot = np.eye(10, dtype=np.float32)[ids]
    rng = np.random.default_rng(0)
    n = len(batch)
    mixers: tuple[tuple[str, Any, Callable[..., object]], ...] = (
        ("MixUp (batch 32x224x224x3, vs numpy)", ma.image.MixUp(alpha=0.2, num_classes=10), numpy_mixup),
        ("CutMix (batch 32x224x224x3, vs numpy)", ma.image.CutMix(alpha=1.0, num_classes=10), numpy_cutmix),
    )
    for name, t, ref in mixers:
        row(name, n, *timer.pair(keyed_batch(t, batch, ids), functools.partial(ref, batch, onehot, rng)))
    row("  reference: np.copy of the batch", n, timer.us(lambda: np.copy(batch)), None)

    print(
        f"# benchmarks/image.py on {machine()}; multiaug {ma.__version__}, albumentations {A.__version__}, "
        f"OpenCV {cv2.__version__} (1 thread), numpy {np.__version__}{' (--quick)' if args.quick else ''}"
    )
    print()
    print("| op | multiaug img/s | albumentations img/s | multiaug / albumentations |")
    print("|---|---:|---:|---:|")
    for r in rows:
        print(f"| {' | '.join(r)} |")
    print()
    print("Per-op rows: p=1.0, 427x640x3 uint8 photos, multiaug keyed calls. Batch rows: images/s, the")
    print("albumentations column holds a plain NumPy implementation (albumentations has no MixUp/CutMix).")
    for note in notes:
        print(f"- {note}")


if __name__ == "__main__":
    main()
