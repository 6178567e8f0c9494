"""Audio gallery: every registered audio op on a sentence of speech, as log-mel spectrograms.

Run: .venv/bin/python examples/audio_gallery.py [--output DIR] [--markdown FILE]
Writes one JPEG per op into DIR (plus original.jpg): the op's output as a log-mel spectrogram
(80 bands, 10 ms hops, the original's loudest band at the top of the colour scale, so level
changes show), and the Markdown table of them: into FILE between the gallery markers with
--markdown, else as DIR/gallery.md. Without --output, DIR is a new temporary folder (printed).
`make gallery` regenerates docs/images/audio_gallery/ and docs/audio.md's table.

The ops come from the registry, so a new op appears without touching this file: PARAMS gives the
strong-enough parameters of those that need them (the others run with their defaults, p=1).
"""

from __future__ import annotations

import argparse
import re
import tempfile
from pathlib import Path
from typing import Any

import cv2
import numpy as np

import multiaug as ma
from multiaug.demo import load_demo_speech

START, END = "<!-- audio-gallery:start -->", "<!-- audio-gallery:end -->"
QUALITY = 85  # the tiles' JPEG quality
SEED, KEY, TOP_DB = 0, 0, 80.0


def _params(rate: int) -> dict[str, dict[str, Any]]:
    """Per-op parameters, strong enough to show on a spectrogram; the sounds are made here."""
    t = np.arange(rate // 4) / rate
    chirp = (0.3 * np.sin(2 * np.pi * (300 + 3000 * t) * t)).astype(np.float32)
    decay = np.exp(-np.arange(rate // 2) / (0.08 * rate))
    ir = (np.random.default_rng(0).standard_normal(rate // 2) * decay).astype(np.float32)
    ir[0] = 1.0
    return {
        "AddBackgroundNoise": {"sounds": [chirp], "snr_db": (3, 3)},
        "AddNoise": {"snr_db": (10, 10), "colour": "pink"},
        "AddShortNoises": {"sounds": [chirp], "snr_db": (0, 3)},
        "ApplyImpulseResponse": {"ir": [ir]},
        "BandPassFilter": {"center_hz": (1000, 1000), "bandwidth_fraction": (0.5, 0.5)},
        "BandStopFilter": {"center_hz": (1000, 1000), "bandwidth_fraction": (1.0, 1.0)},
        "BitCrush": {"bits": (3, 3)},
        "FrequencyMask": {"fraction": (0.2, 0.2), "masks": 2},
        "Gain": {"db": (-12, -12)},
        "HighPassFilter": {"cutoff_hz": (1500, 1500)},
        "LowPassFilter": {"cutoff_hz": (800, 800)},
        "Mp3Compression": {"bitrate_kbps": (8, 8)},
        "PitchShift": {"semitones": (5, 5)},
        "SpeedChange": {"factor": (1.3, 1.3)},
        "TimeMask": {"fraction": (0.1, 0.1), "masks": 2},
        "TimeShift": {"fraction": (0.3, 0.3)},
        "TimeStretch": {"rate": (0.7, 0.7)},
    }


def _picture(spec: np.ndarray, top: float, title: str) -> np.ndarray:
    """A spectrogram in dB as a colour image: low bands at the bottom, ``TOP_DB`` of range, a title."""
    grey = np.clip((spec - (top - TOP_DB)) / TOP_DB * 255, 0, 255).astype(np.uint8)[::-1]
    grey = cv2.resize(grey, (grey.shape[1] * 2, grey.shape[0] * 2), interpolation=cv2.INTER_NEAREST)
    img = cv2.applyColorMap(grey, cv2.COLORMAP_MAGMA)
    cv2.putText(img, title, (6, 18), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (255, 255, 255), 1, cv2.LINE_AA)
    return img


def render(folder: Path) -> list[tuple[str, str]]:
    """Write original.jpg and one JPEG per registered audio op; return (op, file name) rows."""
    _, audio, rate = load_demo_speech()[0]
    mel = ma.audio.MelSpectrogram(n_mels=80, hop_length=rate // 100)
    before = mel(audio=audio, sample_rate=rate)["spectrogram"]
    top = float(before.max())
    jpeg = [cv2.IMWRITE_JPEG_QUALITY, QUALITY]
    cv2.imwrite(str(folder / "original.jpg"), _picture(before, top, "original"), jpeg)
    params = _params(rate)
    rows = []
    for name in sorted(n.split(".", 1)[1] for n in ma.registered() if n.startswith("audio.")):
        if name == "MelSpectrogram":
            continue  # the renderer itself
        cls = getattr(ma.audio, name)
        op = cls(**params.get(name, {}), p=1.0, seed=SEED)
        spectral = name in ("FrequencyMask", "TimeMask")
        pipe = ma.Compose([mel, op] if spectral else [op, mel], seed=SEED)
        spec = pipe(audio=audio, sample_rate=rate, key=KEY)["spectrogram"]
        file = f"{name}.jpg"
        cv2.imwrite(str(folder / file), _picture(spec, top, name), jpeg)
        rows.append((name, file))
    return rows


def table(rows: list[tuple[str, str]], prefix: str) -> str:
    lines = ["| op | log-mel spectrogram (the original: first row) |", "|---|---|"]
    lines.append(f"| original | ![original]({prefix}original.jpg) |")
    lines += [f"| `{name}` | ![{name}]({prefix}{file}) |" for name, file in rows]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, help="folder for the JPEGs (default: a new temp folder)")
    parser.add_argument("--markdown", type=Path, help="Markdown file whose gallery markers get the table")
    args = parser.parse_args()
    folder = args.output or Path(tempfile.mkdtemp(prefix="multiaug-audio-gallery-"))
    folder.mkdir(parents=True, exist_ok=True)
    rows = render(folder)
    if args.markdown:
        prefix = Path(folder.resolve()).relative_to(args.markdown.resolve().parent).as_posix() + "/"
        text = args.markdown.read_text(encoding="utf-8")
        block = f"{START}\n{table(rows, prefix)}{END}"
        args.markdown.write_text(re.sub(f"{re.escape(START)}.*?{re.escape(END)}", block, text, flags=re.S))
    else:
        (folder / "gallery.md").write_text(table(rows, ""), encoding="utf-8")
    print(f"{len(rows)} ops: {folder}")


if __name__ == "__main__":
    main()
