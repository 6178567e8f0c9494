"""A local masked language model for :class:`~multiaug.text.ContextualReplace`: loading and batched fill-in.

:class:`MaskedLM` wraps a Hugging Face tokenizer and ``AutoModelForMaskedLM`` (loaded from a local
folder with ``local_files_only=True``, or taken from a ``transformers`` fill-mask pipeline). It
predicts the word at one masked place per row, many rows per forward pass, and samples a
replacement from the top ``k`` candidates with a uniform number the caller drew: torch's global
RNG is never used, and the result of a row does not depend on the other rows of its batch (up to
floating-point effects of padding).
"""

from __future__ import annotations

import contextlib
import os
import threading
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..core.errors import InvalidInputError
from .models import shared_model, to_device
from .translate import _input_limit

__all__ = ["MaskedLM", "check_model", "load_masked_lm", "quiet"]

_FIX = (
    "pass model='/path/to/model' (a folder written by save_pretrained on a machine with network: "
    "nothing is downloaded) or a transformers fill-mask pipeline object"
)


def check_model(owner: str, value: Any) -> Any:
    """``value`` if it is an existing model folder or a fill-mask pipeline; else an error naming ``model``."""
    if isinstance(value, (str, os.PathLike)):
        path = Path(value)
        if not path.is_dir():
            raise InvalidInputError(owner, "model", f"folder {os.fspath(value)!r} does not exist", _FIX)
        return os.fspath(value)
    tokenizer = getattr(value, "tokenizer", None)
    if getattr(value, "model", None) is None or getattr(tokenizer, "mask_token_id", None) is None:
        raise InvalidInputError(
            owner,
            "model",
            f"must be a model folder or a fill-mask pipeline, got {type(value).__name__}",
            _FIX,
        )
    return value


def load_masked_lm(owner: str, value: Any, device: str) -> MaskedLM:
    """The :class:`MaskedLM` of a folder (loaded once per process and device) or of a pipeline object."""
    if not isinstance(value, str):
        return _from_pipeline(value)

    def load() -> MaskedLM:
        try:
            import torch  # noqa: F401
            from transformers import AutoModelForMaskedLM, AutoTokenizer
        except ImportError as exc:
            raise InvalidInputError(
                owner, "model", f"needs transformers and torch ({exc})", "pip install 'multiaug[text,torch]'"
            ) from exc
        if not (Path(value) / "config.json").is_file():
            raise InvalidInputError(
                owner, "model", f"folder {value!r} holds no config.json: it is no saved model", _FIX
            )
        try:
            with quiet():
                tokenizer = AutoTokenizer.from_pretrained(value, local_files_only=True)
                model = AutoModelForMaskedLM.from_pretrained(value, local_files_only=True)
        except (OSError, ValueError, KeyError, TypeError) as exc:  # TypeError: a config.json not a dict
            raise InvalidInputError(
                owner,
                "model",
                f"cannot load a masked language model from {value!r} ({_first_line(exc)})",
                _FIX,
            ) from None
        if tokenizer.mask_token_id is None:
            raise InvalidInputError(owner, "model", f"{value!r} has a tokenizer without a mask token", _FIX)
        to_device(owner, model, device)
        return MaskedLM(tokenizer, model, device)

    return shared_model(("masked-lm", str(Path(value).resolve()), device), load)


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {lines[0] if lines else ''}"


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """No warnings and no progress bars from ``transformers`` (its bar switch is restored after)."""
    from transformers.utils import logging

    was = logging.is_progress_bar_enabled()
    logging.disable_progress_bar()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        if was:
            logging.enable_progress_bar()


_PIPELINES: dict[int, tuple[Any, MaskedLM]] = {}
_PIPELINES_LOCK = threading.Lock()

#: Rows tokenised in one call of the tokenizer (same ids as all at once; bounded memory).
ENCODE_CHUNK = 256


def _from_pipeline(pipe: Any) -> MaskedLM:
    """One :class:`MaskedLM` per pipeline object (its candidate table is built once)."""
    with _PIPELINES_LOCK:
        got = _PIPELINES.get(id(pipe))
        if got is None or got[0] is not pipe:
            model = pipe.model
            model.eval()
            got = _PIPELINES[id(pipe)] = (pipe, MaskedLM(pipe.tokenizer, model, str(model.device)))
    return got[1]


class MaskedLM:
    """A tokenizer and a masked LM that fill one masked word per row, in batches.

    Parameters
    ----------
    tokenizer, model
        A Hugging Face tokenizer with a mask token and an ``AutoModelForMaskedLM`` in eval mode.
    device : str
        Where the model runs.

    Notes
    -----
    Candidates are the vocabulary entries that decode to a word of two letters or more (no
    digits, punctuation or special tokens). Where the tokenizer marks the start of a word
    (byte-level BPE's ``Ġ``, SentencePiece's ``▁``), only word-start entries count; WordPiece
    marks continuations (``##ing``) instead, which are no word.
    """

    def __init__(self, tokenizer: Any, model: Any, device: str) -> None:
        self.tokenizer = tokenizer
        self.model = model
        self.device = device
        self.mask_token = tokenizer.mask_token
        self.mask_id = int(tokenizer.mask_token_id)
        self.pad_id = int(tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0)
        self.limit = _input_limit(tokenizer, model)
        self.words, ids = _candidates(tokenizer)
        self.cand_ids = np.asarray(ids, dtype=np.int64)
        self.forms: dict[str, list[int]] = {}  # lower-case word -> its positions in the candidates
        for i, w in enumerate(self.words):
            self.forms.setdefault(w.lower(), []).append(i)

    def fill(
        self,
        rows: Sequence[tuple[str, str, str]],
        us: Sequence[float],
        *,
        top_k: int,
        temperature: float,
        banned: frozenset[str],
        batch_size: int,
    ) -> list[str | None]:
        """For each ``(left, word, right)``, a word to put in ``word``'s place.

        Drawn from the ``top_k`` most likely candidates with probabilities
        ``softmax(logit / temperature)`` (the most likely at ``temperature == 0``) by the
        inverse of their cumulative distribution at ``us[i]``. The word itself (in any
        case) and the lower-case forms in ``banned`` are never drawn; ``None`` where no
        candidate is left.
        """
        if not rows:
            return []
        ids = self._encode(rows)
        logits = self._logits(ids, batch_size)
        never = [i for w in banned for i in self.forms.get(w, ())]
        out: list[str | None] = []
        for row, (_, word, _), u in zip(logits, rows, us, strict=True):
            row[never] = -np.inf
            row[self.forms.get(word.lower(), [])] = -np.inf
            out.append(self._draw(row, float(u), top_k, temperature))
        return out

    def _draw(self, row: np.ndarray, u: float, top_k: int, temperature: float) -> str | None:
        finite = np.isfinite(row)
        k = min(top_k or row.size, int(finite.sum()))
        if k == 0:
            return None
        # the k best, ties broken by vocabulary order (a stable sort), so the draw is exact
        best = np.argsort(-row, kind="stable")[:k]
        if temperature == 0 or k == 1:
            return self.words[int(best[0])]
        z = row[best] / temperature
        probs = np.exp(z - z[0])
        cdf = np.cumsum(probs)
        j = int(np.searchsorted(cdf, u * cdf[-1], side="right"))
        return self.words[int(best[min(j, k - 1)])]

    def _encode(self, rows: Sequence[tuple[str, str, str]]) -> list[list[int]]:
        """Token ids of each row with its word masked, cut to the model's window around the mask."""
        # the tokenizer takes only encodable text: a lone surrogate is shown to the model as U+FFFD
        # (the text around it is returned as it was)
        # in chunks: a fast tokenizer's encodings of 12k rows at once took ~1 GiB (and a
        # MemoryError inside it panics the Rust side instead of raising)
        out = []
        for first in range(0, len(rows), ENCODE_CHUNK):
            chunk = rows[first : first + ENCODE_CHUNK]
            texts = [_encodable(left + self.mask_token + right) for left, _, right in chunk]
            enc = self.tokenizer(texts, add_special_tokens=True, return_special_tokens_mask=True)
            for ids, special in zip(enc["input_ids"], enc["special_tokens_mask"], strict=True):
                if len(ids) > self.limit:
                    ids = _around_mask(ids, special, self.mask_id, self.limit)
                out.append(list(ids))
        return out

    def _logits(self, ids: list[list[int]], batch_size: int) -> list[np.ndarray]:
        """The candidates' logits (float64) at the mask of each row, rows batched by length."""
        import torch

        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        out: list[np.ndarray] = [np.empty(0)] * len(ids)
        cand = torch.from_numpy(self.cand_ids).to(self.device)
        for start in range(0, len(order), batch_size):
            chunk = order[start : start + batch_size]
            width = max(len(ids[i]) for i in chunk)
            x = torch.full((len(chunk), width), self.pad_id, dtype=torch.long)
            att = torch.zeros((len(chunk), width), dtype=torch.long)
            where = []
            for r, i in enumerate(chunk):
                x[r, : len(ids[i])] = torch.tensor(ids[i], dtype=torch.long)
                att[r, : len(ids[i])] = 1
                where.append(ids[i].index(self.mask_id))
            with torch.inference_mode():
                logits = self.model(input_ids=x.to(self.device), attention_mask=att.to(self.device)).logits
                picked = logits[torch.arange(len(chunk)), torch.tensor(where)][:, cand]
            rows = picked.float().cpu().numpy().astype(np.float64)
            for r, i in enumerate(chunk):
                out[i] = rows[r]
        return out


def _around_mask(ids: list[int], special: list[int], mask_id: int, limit: int) -> list[int]:
    """``ids`` cut to ``limit`` tokens: the special tokens at both ends and a window centred on the mask."""
    head = 0
    while head < len(ids) and special[head]:
        head += 1
    tail = len(ids)
    while tail > head and special[tail - 1]:
        tail -= 1
    body = ids[head:tail]
    room = max(1, limit - head - (len(ids) - tail))
    m = body.index(mask_id)
    start = min(max(0, m - room // 2), max(0, len(body) - room))
    return ids[:head] + body[start : start + room] + ids[tail:]


def _candidates(tokenizer: Any) -> tuple[list[str], list[int]]:
    """The vocabulary entries that may replace a word: their text and their ids."""
    special = set(tokenizer.all_special_ids)
    vocab = tokenizer.get_vocab()
    decoded = {}
    for tok, i in vocab.items():
        if i in special:
            continue
        decoded[i] = tokenizer.convert_tokens_to_string([tok])
    # BPE and SentencePiece decode a word-start entry with its leading space
    marks_starts = any(s[:1].isspace() for s in decoded.values())
    words: list[str] = []
    ids: list[int] = []
    for i in sorted(decoded):
        s = decoded[i]
        if marks_starts and not s[:1].isspace():
            continue
        s = s.strip()
        if len(s) >= 2 and s.isalpha():
            words.append(s)
            ids.append(i)
    return words, ids


def _encodable(text: str) -> str:
    """``text`` with lone surrogates (not UTF-8 encodable) replaced by U+FFFD."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    return text
