"""Room kernels: ``apply_impulse_response`` (FFT convolution) and ``shoebox_rt60`` helpers.

Alignment: the impulse response is cut before its peak (its largest ``|value|``, the direct
sound), so the peak sits at t = 0 and the wet clip lines up with the dry one; ``align="start"``
uses the response as given (its pre-delay then delays the clip, as audiomentations does).
"""

from __future__ import annotations

import numpy as np

from . import as_channels, restore

__all__ = ["aligned_ir", "apply_impulse_response"]


def aligned_ir(ir: np.ndarray, align: str) -> np.ndarray:
    """``ir`` (mono) from its peak on (``align="peak"``) or as given (``"start"``)."""
    if align == "peak":
        return ir[int(np.argmax(np.abs(ir))) :]
    return ir


def apply_impulse_response(
    audio: np.ndarray, ir: np.ndarray, keep_length: bool = True, normalize: bool = True
) -> np.ndarray:
    """Every channel of ``audio`` convolved with the mono ``ir`` (``scipy.signal.fftconvolve``'s result).

    ``keep_length`` cuts the output to the input's length (else ``n + len(ir) - 1`` samples);
    ``normalize`` scales it to the input's RMS (all channels), so the level does not jump with
    the response's gain. A silent result is returned as is.

    Examples
    --------
    >>> import numpy as np
    >>> from multiaug.audio.functional.room import apply_impulse_response
    >>> x = np.array([1, 0, 0, 0, 0], np.float32)
    >>> apply_impulse_response(x, np.array([0.5, 0.25], np.float32), normalize=False)
    array([0.5 , 0.25, 0.  , 0.  , 0.  ], dtype=float32)
    """
    from scipy import fft

    x = as_channels(audio)
    n, m = x.shape[-1], ir.shape[-1]
    full = n + m - 1
    size = fft.next_fast_len(full, real=True)
    spectrum = fft.rfft(x, size, axis=-1) * fft.rfft(ir.astype(np.float32, copy=False), size)
    out = fft.irfft(spectrum, size, axis=-1)[:, : n if keep_length else full]
    if normalize:
        wet = float(np.sqrt(np.mean(np.square(out, dtype=np.float64))))
        dry = float(np.sqrt(np.mean(np.square(x, dtype=np.float64))))
        if wet > 0.0:
            out *= np.float32(dry / wet)
    return restore(out, audio)
