"""Synthesize the short speech clips under ``tests/data/`` with Debian's ``espeak-ng``.

Run once (needs ``apt-get install espeak-ng``); the WAVs are committed so the tests
need no system package::

    .venv/bin/python scripts/make_speech_fixtures.py

Each clip is one sentence from a different voice at a different pitch, resampled
from espeak-ng's 22.05 kHz to 16 kHz mono with soxr (HQ), peak-normalised to
-3 dBFS, with leading/trailing silence cut to 50 ms, and written as 16-bit PCM.
espeak-ng output is deterministic for a given version, so re-running reproduces
the files (up to the espeak-ng version; the committed ones come from eSpeak NG 1.51,
Debian 12).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

OUT = Path(__file__).resolve().parent.parent / "tests" / "data"
RATE = 16000

#: (file stem, espeak-ng voice, base pitch 0-99, words per minute, text)
CLIPS = (
    ("speech_en_m_low", "en-us+m3", 25, 165, "The quick brown fox jumps over the lazy dog."),
    ("speech_en_f_high", "en-gb+f3", 70, 160, "She sells sea shells by the sea shore."),
    ("speech_de_m", "de+m1", 45, 150, "Guten Morgen, wie geht es dir heute?"),
    ("speech_fr_f", "fr+f2", 60, 155, "Bonjour, je voudrais un café, s'il vous plaît."),
)


def synthesize(voice: str, pitch: int, wpm: int, text: str) -> np.ndarray:
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "out.wav"
        subprocess.run(
            ["espeak-ng", "-v", voice, "-p", str(pitch), "-s", str(wpm), "-w", str(wav), text], check=True
        )
        audio, rate = sf.read(wav, dtype="float32")
    if audio.ndim == 2:
        audio = audio.mean(axis=1)
    audio = soxr.resample(audio, rate, RATE, quality="HQ").astype(np.float32)
    loud = np.flatnonzero(np.abs(audio) > 0.01 * np.abs(audio).max())
    pad = RATE // 20
    audio = audio[max(0, loud[0] - pad) : loud[-1] + pad]
    return (audio * (10 ** (-3 / 20) / np.abs(audio).max())).astype(np.float32)


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    version = subprocess.run(["espeak-ng", "--version"], capture_output=True, text=True, check=True).stdout
    print(version.strip())
    for stem, voice, pitch, wpm, text in CLIPS:
        audio = synthesize(voice, pitch, wpm, text)
        sf.write(OUT / f"{stem}.wav", audio, RATE, subtype="PCM_16")
        print(f"{stem}.wav: voice {voice}, pitch {pitch}, {wpm} wpm, {len(audio) / RATE:.2f} s: {text}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
