"""What issue 22's CPU-independent kernels cost: each op with its exact kernel vs the kernel it replaced.

Alternating rounds in one process (``_util.compare_us``), ratio after / before:

* uint8 ``HueSaturationValue`` on a 427x640 photo and a 192x250 crop: ``exact_hsv.hsv2rgb_u8`` vs
  ``cv2.cvtColor(COLOR_HSV2RGB)``; also the CPU-without-FMA path (OpenCV's result settled by
  ``settle_unfused``; timed here on any CPU) and the NumPy emulation (an OpenCV computing neither);
* ``ApplyImpulseResponse``'s kernel (1 s of 16 kHz audio, a 0.5 s response): ``spectrum_product`` vs
  NumPy's complex ``*``;
* ``Mp3Compression``'s kernel (1 s at 22.05 kHz, 32 and 128 kbps; 1 s at 16 kHz, 8 kbps):
  ``resample_rational`` vs soxr HQ.

Run: ``cd benchmarks && PYTHONPATH=.. ../.venv/bin/python exact_cost.py`` (``--smoke``: one short round).
"""

from __future__ import annotations

import sys

import cv2
import numpy as np
import soxr
from _util import compare_us

import multiaug.audio.functional.codecs as codecs
import multiaug.audio.functional.room as room
import multiaug.image.functional.channels as channels
from multiaug.demo import load_demo_speech, load_sample_photo
from multiaug.image.functional import exact_hsv


def _swap(module: object, name: str, fn: object) -> object:
    old = getattr(module, name)
    setattr(module, name, fn)
    return old


def _ratio(label: str, before, after, min_time: float) -> None:  # type: ignore[no-untyped-def]
    b, a = compare_us(before, after, min_time=min_time)
    print(f"{label}: before {b:9.1f} us, after {a:9.1f} us, ratio {a / b:5.2f}")


def hsv(min_time: float) -> None:
    exact = exact_hsv.hsv2rgb_u8
    real_model = exact_hsv.opencv_hsv_model

    def opencv(x: np.ndarray) -> np.ndarray:
        return cv2.cvtColor(x, cv2.COLOR_HSV2RGB)

    def with_kernel(fn, img, model=None):  # type: ignore[no-untyped-def]
        def call() -> object:
            channels.hsv2rgb_u8 = fn
            exact_hsv.opencv_hsv_model = model or real_model
            return channels.hue_saturation_value(img, 9, 20, -10)

        return call

    photo = load_sample_photo("china.jpg")
    exact_hsv._fused_values()
    for name, img in (("427x640", photo), ("192x250", np.ascontiguousarray(photo[100:292, 200:450]))):
        _ratio(f"HueSaturationValue u8 {name}", with_kernel(opencv, img), with_kernel(exact, img), min_time)
    for path in ("unfused", None):
        _ratio(
            f"HueSaturationValue u8 427x640, {path or 'NumPy'} path",
            with_kernel(opencv, photo),
            with_kernel(exact, photo, lambda p=path: p),
            min_time,
        )
    channels.hsv2rgb_u8, exact_hsv.opencv_hsv_model = exact, real_model


def audio(min_time: float) -> None:
    _, speech, rate = load_demo_speech()[0]
    x = np.ascontiguousarray(speech[..., :rate]).astype(np.float32).reshape(-1)
    ir = (np.random.default_rng(0).standard_normal(rate // 2) * np.exp(-np.arange(rate // 2) / 800)).astype(
        np.float32
    )
    product = room.spectrum_product

    def air(fn):  # type: ignore[no-untyped-def]
        return lambda: (_swap(room, "spectrum_product", fn), room.apply_impulse_response(x, ir))

    _ratio("ApplyImpulseResponse 1 s, 0.5 s IR", air(np.multiply), air(product), min_time)
    room.spectrum_product = product

    ours = codecs.resample_rational

    def soxr_hq(y: np.ndarray, a: int, b: int) -> np.ndarray:
        return np.ascontiguousarray(soxr.resample(y.T, a, b, quality="HQ").T)

    x22 = soxr.resample(x, rate, 22050).astype(np.float32)
    for label, clip, r, kbps in (
        ("22.05 kHz 32", x22, 22050, 32),
        ("22.05 kHz 128", x22, 22050, 128),
        ("16 kHz 8", x, rate, 8),
    ):

        def mp3(fn, clip=clip, r=r, kbps=kbps):  # type: ignore[no-untyped-def]
            return lambda: (_swap(codecs, "resample_rational", fn), codecs.mp3_compression(clip, r, kbps))

        _ratio(f"Mp3Compression 1 s at {label} kbps", mp3(soxr_hq), mp3(ours), min_time)
    codecs.resample_rational = ours


if __name__ == "__main__":
    smoke = "--smoke" in sys.argv
    hsv(0.01 if smoke else 0.3)
    audio(0.01 if smoke else 0.3)
