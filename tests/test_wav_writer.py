"""One WAV writer (``multiaug.audio.io.wav_bytes``) behind ``ma.audio.save``, dataset jobs and the demo.

The digests were taken from the three writers before they became one: the bytes must not change.
"""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

import numpy as np
import pytest

import multiaug as ma
from multiaug.audio.io import wav_bytes
from multiaug.demo.parts import _player
from multiaug.jobs.chunk import ENCODERS
from multiaug.jobs.items import file_suffix

RNG = np.random.default_rng(0)
MONO = (RNG.standard_normal(1000) * 0.6).astype(np.float32)
STEREO = (RNG.standard_normal((2, 777)) * 0.6).astype(np.float32)


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize(
    "audio, digest",
    [
        (MONO, "6b829c3a62236b4492b7778f9a33cf4f138ceab94dde8714e8cacd76ab4f69ac"),
        (STEREO, "403a510475e053cfa4c307fa73eeabcbfb01b3b4e4d08287f72b2afddc958440"),
    ],
)
def test_dataset_jobs_write_the_same_float_wav(audio: np.ndarray, digest: str) -> None:
    data = ENCODERS[file_suffix("audio")](audio, 16000)
    assert _digest(data) == digest
    assert data == wav_bytes(audio, 16000, "FLOAT")


def test_float_wav_reads_back_exactly(tmp_path: Path) -> None:
    path = tmp_path / "x.wav"
    path.write_bytes(wav_bytes(STEREO, 16000, "FLOAT"))
    back, rate = ma.audio.load(path)
    assert rate == 16000 and np.array_equal(back, STEREO)


def test_demo_report_plays_the_same_pcm16_wav() -> None:
    tag = _player(MONO, 22050, "before")
    data = base64.b64decode(re.search(r"base64,([^\"]+)", tag).group(1))
    assert _digest(data) == "26ec33eeb2de29ef78faa72922ddcc0ae854a48708d4e167782fb48d02c7c9ff"


@pytest.mark.parametrize(
    "name, audio, subtype, digest",
    [
        ("x.wav", MONO, None, "036caf29d6046e00bc80eb6faf5f396da86912d335a820bb0bdabf39decabc58"),
        ("x.wav", STEREO, None, "f7ac2bf488fc5ec09391d1ffe611308ba571e09e8dbd0645f26fbe173de1373a"),
        ("x.wav", MONO, "PCM_24", "908ddf4f02c8e78e9978d4ef4601bf503789848c7474c2012da44366a59453ef"),
        ("x.wav", STEREO, "PCM_24", "6702d52117c41364381edcb23a82209dc9409f75b45caa0e4364e67f01495f4f"),
        ("x.flac", MONO, None, "faf08ee44264409ef1a22d4bd319301bf357e004f022bfcb0a7cd564f78be754"),
    ],
)
def test_save_writes_the_same_bytes(
    tmp_path: Path, name: str, audio: np.ndarray, subtype: str | None, digest: str
) -> None:
    path = ma.audio.save(tmp_path / name, np.clip(audio, -1.0, 1.0), 8000, subtype=subtype)
    assert _digest(path.read_bytes()) == digest


def test_save_refuses_a_folder_that_does_not_exist(tmp_path: Path) -> None:
    with pytest.raises(ma.InvalidInputError, match="cannot be written"):
        ma.audio.save(tmp_path / "missing" / "x.wav", MONO, 8000)
