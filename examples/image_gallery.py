"""Image gallery: every registered image op on a real photo, with boxes and keypoints drawn.

Run: .venv/bin/python examples/image_gallery.py [--output DIR] [--markdown FILE] [--ops NAME ...]
Writes one small JPEG per op into DIR (plus original.jpg) and the Markdown table of them: into FILE
between the gallery markers with --markdown, else as DIR/gallery.md. Without --output, DIR is a new
temporary folder (printed). `make gallery` regenerates docs/images/gallery/ and docs/image.md's table.

The ops come from the registry, so a new op appears without touching this file: PARAMS below gives
the strong-enough parameters of the ops that need them (the others run with their defaults, p=1).
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

import multiaug as ma
from multiaug.demo import load_sample_photo

START, END = "<!-- gallery:start -->", "<!-- gallery:end -->"
SEED, KEY = 0, 0  # every op is built with seed=SEED and called with key=KEY (or its KEYS entry)
WIDTH, QUALITY = 240, 80  # the photo's width in pixels; the tiles' JPEG quality

# Per-op parameters, strong enough that the effect shows on a 240 px photo. An op missing here runs
# with its defaults; p=1.0 is added to every op that has a p.
PARAMS: dict[str, dict[str, Any]] = {
    "Affine": {"scale": (0.75, 0.85), "translate": (-0.1, 0.1), "rotate": (-25, 25), "shear": (-12, 12)},
    "CLAHE": {"clip_limit": (6.0, 8.0)},
    "CenterCrop": {"height": 120, "width": 160},
    "CoarseDropout": {"num_holes": (3, 5), "hole_height": (0.15, 0.25), "hole_width": (0.15, 0.25)},
    "ColorJitter": {"brightness": 0.5, "contrast": 0.5, "saturation": 0.6, "hue": 0.2},
    "CropNonEmptyMaskIfExists": {"height": 100, "width": 120},
    "CutMix": {"alpha": 1.0, "num_classes": 2},
    "Defocus": {"radius": (5, 6)},
    "Downscale": {"scale": (0.2, 0.25), "interpolation_up": "nearest"},
    "ElasticTransform": {"alpha": 80, "sigma": 6},
    "Emboss": {"alpha": (0.8, 1.0), "strength": (1.0, 1.5)},
    "GaussianBlur": {"sigma": (2.5, 3.0)},
    "GaussianNoise": {"std": (0.08, 0.1)},
    "GridDistortion": {"num_steps": 5, "distort_limit": 0.5},
    "HueSaturationValue": {"hue_shift_limit": 60, "sat_shift_limit": 60, "val_shift_limit": 30},
    "ISONoise": {"color_shift": (0.05, 0.1), "intensity": (0.6, 0.9)},
    "ImageCompression": {"quality": (5, 8)},
    "LongestMaxSize": {"max_size": 160},
    "MedianBlur": {"blur_limit": (7, 9)},
    "MixUp": {"alpha": 1.0, "num_classes": 2},
    "MotionBlur": {"blur_limit": (13, 15)},
    "OpticalDistortion": {"distort_limit": 0.5},
    "PadIfNeeded": {"min_height": 200, "min_width": 280},
    "PlanckianJitter": {"temperature": (3000, 3500)},
    "Perspective": {"scale": (0.1, 0.15)},
    "Posterize": {"bits": (2, 3)},
    "RGBShift": {"r_shift_limit": 60, "g_shift_limit": 60, "b_shift_limit": 60},
    "RandomBrightnessContrast": {"brightness": 0.4, "contrast": 0.4},
    "RandomCrop": {"height": 120, "width": 160},
    "RandomErasing": {"scale": (0.1, 0.2)},
    "RandomFog": {"fog_coef": (0.8, 1.0), "alpha_coef": 0.15},
    "RandomGamma": {"gamma": (2.0, 2.5)},
    "RandomRain": {"rain_type": "heavy"},
    "RandomResizedCrop": {"size": (160, 240), "scale": (0.25, 0.5)},
    "RandomShadow": {"num_shadows": (2, 2), "shadow_intensity": (0.5, 0.6)},
    "RandomSnow": {"snow_point": (0.4, 0.5)},
    "RandomSunFlare": {"src_radius": 200, "flare_roi": (0.2, 0.3, 0.8, 0.7)},
    "RandomToneCurve": {"scale": 0.3},
    "Resize": {"height": 160, "width": 160},
    "Rotate": {"limit": 40},
    "SafeRotate": {"limit": 45},
    "SaltPepperNoise": {"amount": (0.05, 0.06)},
    "Sharpen": {"alpha": (0.8, 1.0)},
    "ShiftScaleRotate": {"shift_limit": 0.1, "scale_limit": 0.2, "rotate_limit": 30},
    "SmallestMaxSize": {"max_size": 120},
    "ZoomBlur": {"max_factor": (1.2, 1.3)},
}
# Keys other than KEY, where KEY's draw happens to be a dull one: key 0 pairs each image of the
# mixers' batch with itself (perm [0, 1]); key 7 pairs the two photos (MixUp lam 0.45). The policies:
# keys whose sub-operations include a geometric one, so the targets move (RandAugment: Solarize then
# Rotate 9; TrivialAugmentWide: Rotate -130.5; AutoAugment: sub-policy 15, Rotate -26.7 then Color).
KEYS: dict[str, int] = {"CutMix": 7, "MixUp": 7, "RandAugment": 1, "TrivialAugmentWide": 9, "AutoAugment": 26}
# Registered image ops without a picture, and why.
SKIPPED: dict[str, str] = {
    "FromFloat": "conversion step: float32 in [0, 1] back to uint8, the same picture",
    "Normalize": "conversion step: float32 standard scores for the network, no longer a picture",
    "SanitizeBoxes": "cleans the box list (clips, drops degenerate boxes); the pixels do not change",
    "ToFloat": "conversion step: the same picture as float32 in [0, 1]",
    "ToTensor": "conversion step: the same picture as a CHW tensor",
}
MIXERS = ("MixUp", "CutMix")  # batch ops: shown on a batch of two photos, no boxes or keypoints

# Targets on the 240x160 photo (pascal_voc pixels; keypoints x, y), one colour (RGB) each.
BOXES = np.array([[24.0, 10.0, 138.0, 150.0], [204.0, 50.0, 239.0, 150.0], [158.0, 82.0, 188.0, 93.0]])
BOX_LABELS = ["pagoda", "trees", "island"]
BOX_COLOURS = {"pagoda": (255, 40, 40), "trees": (255, 230, 0), "island": (0, 230, 255)}
KEYPOINTS = np.array([[77.0, 12.0], [33.0, 64.0], [137.0, 126.0], [224.0, 52.0], [172.0, 87.0]])
KEYPOINT_COLOURS = [(255, 0, 255), (0, 255, 0), (255, 128, 0), (0, 128, 255), (255, 255, 255)]


@dataclass(frozen=True)
class Tile:
    name: str  # the class name: Rotate
    file: str  # the tile's file name: Rotate.jpg
    call: str  # Rotate(limit=40, p=1.0)
    key: int  # the key it was called with


def image_ops() -> dict[str, type[ma.Transform]]:
    """Every registered built-in image op by class name (registry order: sorted)."""
    return {
        name.partition(".")[2]: cls
        for name, cls in ma.registered().items()
        if name.startswith("image.") and cls.__module__.startswith("multiaug.")
    }


def _show(value: Any) -> str:
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, tuple):
        return "(" + ", ".join(map(_show, value)) + ("," if len(value) == 1 else "") + ")"
    return repr(value)


def build(name: str, cls: type[ma.Transform]) -> tuple[ma.Transform, str]:
    """The op with PARAMS[name] (and p=1.0 when it has a p), and the call that builds it."""
    kwargs = dict(PARAMS.get(name, {}))
    if "p" in inspect.signature(cls).parameters:
        kwargs["p"] = 1.0
    call = f"{name}({', '.join(f'{k}={_show(v)}' for k, v in kwargs.items())})"
    try:
        op = cls(**kwargs, seed=SEED)
    except (TypeError, ma.MultiaugError) as exc:
        raise SystemExit(f"{name}: cannot be built as {call} ({exc}); give it a row in PARAMS") from exc
    return op, call


def photo() -> np.ndarray:
    image = load_sample_photo("china.jpg")
    height = round(image.shape[0] * WIDTH / image.shape[1])
    return cv2.resize(image, (WIDTH, height), interpolation=cv2.INTER_AREA)


def pagoda_mask(shape: tuple[int, ...]) -> np.ndarray:
    mask = np.zeros(shape[:2], np.uint8)
    x0, y0, x1, y1 = BOXES[0].astype(int)
    mask[y0:y1, x0:x1] = 1
    return mask


def draw(image: np.ndarray, boxes: Any = (), labels: Sequence[str] = (), keypoints: Any = ()) -> np.ndarray:
    """An RGB uint8 copy of ``image`` with the boxes (colour by label) and keypoints drawn on it."""
    out = image if image.ndim == 3 else cv2.cvtColor(image, cv2.COLOR_GRAY2RGB)
    out = np.ascontiguousarray(out).copy()
    for (x0, y0, x1, y1), label in zip(
        np.asarray(boxes).reshape(-1, 4).round().astype(int), labels, strict=True
    ):
        cv2.rectangle(out, (x0, y0), (x1, y1), BOX_COLOURS[label], 2)
    for i, (x, y) in enumerate(np.asarray(keypoints).reshape(-1, 2)):  # kept in order, even outside
        if np.isfinite([x, y]).all():
            cv2.circle(out, (round(x), round(y)), 4, (0, 0, 0), -1, cv2.LINE_AA)
            cv2.circle(out, (round(x), round(y)), 3, KEYPOINT_COLOURS[i], -1, cv2.LINE_AA)
    return out


def apply(name: str, op: ma.Transform, image: np.ndarray) -> np.ndarray:
    """The op on the photo (a mixer: on the photo and a second one), targets drawn on the result."""
    key = KEYS.get(name, KEY)
    if name in MIXERS:
        other = cv2.resize(load_sample_photo("flower.jpg"), image.shape[1::-1], interpolation=cv2.INTER_AREA)
        out = op(images=np.stack([image, other]), labels=np.array([0, 1]), key=key)
        return draw(out["images"][0])
    out = op(
        image=image,
        mask=pagoda_mask(image.shape),
        bboxes=BOXES,
        bbox_labels=BOX_LABELS,
        keypoints=KEYPOINTS,
        key=key,
    )
    return draw(out["image"], out["bboxes"], out["bbox_labels"], out["keypoints"])


def save(folder: Path, name: str, image: np.ndarray) -> str:
    file = f"{name}.jpg"
    cv2.imwrite(
        str(folder / file), cv2.cvtColor(image, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, QUALITY]
    )
    return file


def render(names: Sequence[str], folder: Path) -> list[Tile]:
    """Writes original.jpg and one tile per op in ``names`` into ``folder``; returns the table rows."""
    ops = image_ops()
    folder.mkdir(parents=True, exist_ok=True)
    image = photo()
    save(folder, "original", draw(image, BOXES, BOX_LABELS, KEYPOINTS))
    tiles = []
    for name in names:
        op, call = build(name, ops[name])
        tiles.append(Tile(name, save(folder, name, apply(name, op, image)), call, KEYS.get(name, KEY)))
    return tiles


def table(tiles: Sequence[Tile], skipped: Sequence[str], link: str) -> str:
    """The gallery's Markdown: the original, one row per tile, the skipped ops; tiles under ``link``."""
    lines = [
        f"![the photo with its boxes and keypoints]({link}/original.jpg)",
        "",
        f"*Above: scikit-learn's `china.jpg` at {WIDTH} px wide, with three boxes (pagoda, trees,",
        f"island) and five keypoints. Below: each op built with `seed={SEED}` and the parameters shown",
        "(`p=1.0`), called as",
        "`op(image=photo, mask=pagoda, bboxes=boxes, bbox_labels=labels, keypoints=points, key=key)`",
        f"with `key={KEY}` (or the key shown), then the boxes and keypoints it returns drawn on its output.",
        "MixUp and CutMix mix a batch of this photo and `flower.jpg`, showing the first image (they take",
        "no boxes or keypoints).",
        "`make gallery` regenerates this table from the registry (`examples/image_gallery.py`).*",
        "",
        "| op | picture | call |",
        "|---|---|---|",
    ]
    for t in tiles:
        key = "" if t.key == KEY else f", key {t.key}"
        lines.append(f"| `{t.name}` | ![{t.name}]({link}/{t.file}) | `{t.call}`{key} |")
    if skipped:
        lines += ["", "Not shown:", ""] + [f"* `{name}`: {SKIPPED[name]}" for name in skipped]
    return "\n".join(lines)


def splice(text: str, gallery: str) -> str:
    """``text`` with everything between the gallery markers replaced by ``gallery``."""
    pattern = re.compile(re.escape(START) + ".*?" + re.escape(END), re.S)
    if len(pattern.findall(text)) != 1:
        raise SystemExit(f"the Markdown file needs exactly one {START} ... {END} pair")
    return pattern.sub(lambda _: f"{START}\n{gallery}\n{END}", text)


def listed(text: str) -> set[str]:
    """The op names a gallery section lists: table rows and skipped entries."""
    section = text.split(START, 1)[1].split(END, 1)[0]
    return set(re.findall(r"^(?:\| |\* )`(\w+)`", section, re.M))


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, help="folder for the tiles (default: a new temp folder)")
    parser.add_argument("--markdown", type=Path, help="Markdown file whose gallery section to rewrite")
    parser.add_argument("--ops", nargs="+", metavar="NAME", help="only these ops (default: all)")
    args = parser.parse_args(argv)
    ops = image_ops()
    names = args.ops or sorted(set(ops) - set(SKIPPED))
    unknown = [n for n in names if n not in ops or n in SKIPPED]
    if unknown:
        raise SystemExit(
            f"not image ops with a picture: {unknown}; choose from {sorted(set(ops) - set(SKIPPED))}"
        )
    if args.ops and args.markdown:
        raise SystemExit("--markdown rewrites the whole gallery: leave out --ops")
    folder = args.output or Path(tempfile.mkdtemp(prefix="multiaug-example-"))
    tiles = render(names, folder)
    skipped = [] if args.ops else sorted(set(SKIPPED) & set(ops))
    target = args.markdown or folder / "gallery.md"
    link = Path(os.path.relpath(folder.resolve(), target.resolve().parent)).as_posix()
    text = target.read_text(encoding="utf-8") if args.markdown else f"{START}\n{END}\n"
    target.write_text(splice(text, table(tiles, skipped, link)), encoding="utf-8")
    size = sum((folder / t.file).stat().st_size for t in tiles) + (folder / "original.jpg").stat().st_size
    print(f"wrote {len(tiles) + 1} tiles ({size / 1e6:.2f} MB) into {folder} and the table into {target}")


if __name__ == "__main__":
    main()
