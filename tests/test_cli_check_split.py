"""`multiaug check-split TRAIN VAL` on folders and manifests."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

import multiaug as ma
from multiaug.cli import main
from multiaug.demo import load_sample_photo


def crops() -> list[np.ndarray]:
    photo = load_sample_photo("china.jpg")
    return [photo[y : y + 96, x : x + 128].copy() for y in (0, 150, 300) for x in (0, 250, 500)]


def write_images(folder: Path, images: dict[str, np.ndarray]) -> None:
    for name, img in images.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(path), cv2.cvtColor(img, cv2.COLOR_RGB2BGR))


def test_image_folders_flag_a_flipped_copy(tmp_path: Path, capsys) -> None:
    c = crops()
    write_images(tmp_path / "val", {"a/0.png": c[0], "b/1.png": c[1]})
    write_images(tmp_path / "train", {f"a/{i}.png": c[i] for i in range(2, 9)})
    assert main(["check-split", str(tmp_path / "train"), str(tmp_path / "val")]) == 0
    assert "ok" in capsys.readouterr().out

    write_images(tmp_path / "train", {"b/leak.png": ma.image.HorizontalFlip(p=1.0)(image=c[1])["image"]})
    assert main(["check-split", str(tmp_path / "train"), str(tmp_path / "val")]) == 1
    out = capsys.readouterr().out
    assert "near_duplicate" in out and "b/leak.png" in out and "b/1.png" in out

    assert main(["check-split", "--json", str(tmp_path / "train"), str(tmp_path / "val")]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["ok"] is False


def test_text_manifests_with_groups(tmp_path: Path, capsys) -> None:
    import pandas as pd

    pd.DataFrame({"text": ["the cat sat on the mat", "a dog ran far away"], "group": ["u1", "u2"]}).to_csv(
        tmp_path / "train.csv", index=False
    )
    pd.DataFrame({"text": ["stocks fell sharply today"], "group": ["u2"]}).to_csv(
        tmp_path / "val.csv", index=False
    )
    assert main(["check-split", str(tmp_path / "train.csv"), str(tmp_path / "val.csv")]) == 1
    assert "group" in capsys.readouterr().out


def test_text_folder_exact_duplicate(tmp_path: Path, capsys) -> None:
    for split, names in (("train", ["x", "y"]), ("val", ["y"])):
        (tmp_path / split).mkdir()
        for n in names:
            (tmp_path / split / f"{n}.txt").write_text(f"document {n} with some words in it")
    assert main(["check-split", "--exact-only", str(tmp_path / "train"), str(tmp_path / "val")]) == 1
    assert "exact" in capsys.readouterr().out


@pytest.mark.parametrize("bad", ["missing", "file.txt"])
def test_bad_paths_exit_2_with_a_message(tmp_path: Path, capsys, bad: str) -> None:
    (tmp_path / "file.txt").write_text("x")
    assert main(["check-split", str(tmp_path / bad), str(tmp_path / bad)]) == 2
    assert "error" in capsys.readouterr().err


def test_audio_folders_flag_a_louder_noisier_copy(tmp_path: Path, capsys) -> None:
    clips = sorted((Path(__file__).parent / "data").glob("speech_*.wav"))
    (tmp_path / "train").mkdir()
    (tmp_path / "val").mkdir()
    for clip in clips[:2]:
        (tmp_path / "val" / clip.name).write_bytes(clip.read_bytes())
    for clip in clips[2:]:
        (tmp_path / "train" / clip.name).write_bytes(clip.read_bytes())
    assert main(["check-split", str(tmp_path / "train"), str(tmp_path / "val")]) == 0
    capsys.readouterr()

    audio, rate = ma.audio.load(clips[0])
    copy = ma.Compose([ma.audio.Gain(p=1.0), ma.audio.AddNoise(p=1.0)], seed=0)(
        audio=audio, sample_rate=rate, key=1
    )["audio"]
    ma.audio.save(tmp_path / "train" / "copy.wav", copy, rate)
    assert main(["check-split", str(tmp_path / "train"), str(tmp_path / "val")]) == 1
    out = capsys.readouterr().out
    assert "near_duplicate" in out and "copy.wav" in out and clips[0].name in out

    ma.audio.save(tmp_path / "val" / "slow.wav", audio, rate // 2)  # another sample rate
    assert main(["check-split", str(tmp_path / "train"), str(tmp_path / "val")]) == 2
