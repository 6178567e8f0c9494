"""docs/image.md's gallery (examples/image_gallery.py): every registered image op has a picture or a
stated reason, the committed tiles are what the script draws, and the script draws targets moved.

A new op without a picture fails ``test_docs_gallery_lists_every_registered_image_op``: run
``make gallery``. The full render runs in tests/test_examples.py (slow); here only a few ops.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

import cv2
import numpy as np
import pytest

import multiaug as ma

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "image.md"
TILES = ROOT / "docs" / "images" / "gallery"


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("image_gallery", ROOT / "examples" / "image_gallery.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["image_gallery"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


gallery = _load()


def _read(path: Path) -> np.ndarray:
    bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
    assert bgr is not None, f"{path} is not a readable image"
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


def test_docs_gallery_lists_every_registered_image_op() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert text.count(gallery.START) == 1 and text.count(gallery.END) == 1
    ops = set(gallery.image_ops())
    listed = gallery.listed(text)
    assert not ops - listed, f"docs/image.md's gallery misses {sorted(ops - listed)}: run `make gallery`"
    assert not listed - ops, f"the gallery lists unregistered {sorted(listed - ops)}: run `make gallery`"
    assert set(gallery.PARAMS) | set(gallery.KEYS) | set(gallery.SKIPPED) <= ops, "stale rows in the tables"


def test_every_pictured_op_has_its_tile_and_no_tile_is_stale() -> None:
    shown = set(gallery.image_ops()) - set(gallery.SKIPPED)
    section = DOC.read_text(encoding="utf-8").split(gallery.START)[1].split(gallery.END)[0]
    for name in shown:
        assert f"](images/gallery/{name}.jpg)" in section, name
    files = {p.stem for p in TILES.glob("*.jpg")}
    assert files == shown | {"original"}
    total = sum(p.stat().st_size for p in TILES.iterdir())
    assert total < 2_000_000, f"the gallery's tiles take {total} bytes"


@pytest.mark.parametrize("name", ["HorizontalFlip", "Rotate", "MixUp"])
def test_committed_tile_is_what_the_script_draws(name: str, tmp_path: Path) -> None:
    """Keyed, so reproducible: a fresh render matches the committed JPEG (up to JPEG rounding)."""
    gallery.main(["--output", str(tmp_path), "--ops", name])
    fresh, committed = _read(tmp_path / f"{name}.jpg"), _read(TILES / f"{name}.jpg")
    assert fresh.shape == committed.shape
    assert np.abs(fresh.astype(int) - committed.astype(int)).mean() < 1.0, "stale tile: run `make gallery`"


def test_script_writes_tiles_and_table_into_the_given_folder_only(tmp_path: Path) -> None:
    out = tmp_path / "out"
    gallery.main(["--output", str(out), "--ops", "HorizontalFlip", "Transpose"])
    assert sorted(p.name for p in out.iterdir()) == [
        "HorizontalFlip.jpg",
        "Transpose.jpg",
        "gallery.md",
        "original.jpg",
    ]
    table = (out / "gallery.md").read_text(encoding="utf-8")
    assert gallery.listed(table) == {"HorizontalFlip", "Transpose"}
    assert "| `Transpose` | ![Transpose](./Transpose.jpg) | `Transpose(p=1.0)` |" in table
    photo = gallery.photo()
    assert _read(out / "Transpose.jpg").shape == (photo.shape[1], photo.shape[0], 3)


def test_boxes_and_keypoints_are_drawn_where_the_op_moved_them(tmp_path: Path) -> None:
    """HorizontalFlip: the pagoda's red box at x -> W - x, the first keypoint's dot at its mirror."""
    gallery.main(["--output", str(tmp_path), "--ops", "HorizontalFlip"])
    tile = _read(tmp_path / "HorizontalFlip.jpg").astype(int)
    width = tile.shape[1]
    x0, y0, x1, y1 = gallery.BOXES[0]
    red = np.array(gallery.BOX_COLOURS["pagoda"])
    middle = int((y0 + y1) / 2)
    for x in (width - x1, width - x0):  # the flipped box's left and right edges
        assert np.abs(tile[middle, int(x)] - red).max() < 60
    assert np.abs(tile[middle, int(x0)] - red).max() > 60  # not where it was before the flip
    kx, ky = gallery.KEYPOINTS[0]
    dot = np.array(gallery.KEYPOINT_COLOURS[0])
    assert np.abs(tile[int(ky), int(width - kx)] - dot).max() < 60


def test_splice_replaces_only_the_marked_section() -> None:
    text = f"intro\n{gallery.START}\nold\n{gallery.END}\noutro\n"
    assert gallery.splice(text, "new") == f"intro\n{gallery.START}\nnew\n{gallery.END}\noutro\n"
    with pytest.raises(SystemExit, match="exactly one"):
        gallery.splice("no markers", "new")


def test_unknown_or_skipped_ops_are_refused_by_name(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="Normalize"):
        gallery.main(["--output", str(tmp_path), "--ops", "Normalize"])
    with pytest.raises(SystemExit, match="leave out --ops"):
        gallery.main(["--output", str(tmp_path), "--markdown", str(DOC), "--ops", "Rotate"])


def test_docs_audio_gallery_lists_every_registered_audio_op_with_its_tile() -> None:
    text = (ROOT / "docs" / "audio.md").read_text(encoding="utf-8")
    section = text.split("<!-- audio-gallery:start -->")[1].split("<!-- audio-gallery:end -->")[0]
    listed = set(re.findall(r"\| `(\w+)` \|", section))
    ops = {n.split(".", 1)[1] for n in ma.registered() if n.startswith("audio.")} - {"MelSpectrogram"}
    assert listed == ops, (sorted(ops - listed), sorted(listed - ops))
    tiles = {p.stem for p in (ROOT / "docs" / "images" / "audio_gallery").glob("*.jpg")}
    assert tiles == ops | {"original"}
