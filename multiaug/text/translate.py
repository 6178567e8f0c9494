"""Translators for :class:`~multiaug.text.BackTranslate`: one small protocol, local models only.

The protocol is one method (or a plain callable)::

    translate(texts: list[str], src: str, tgt: str) -> list[str]

multiaug's own translators also accept ``seeds=`` (one int per text) so that
sampling is reproducible per text and independent of how texts are batched:

* :class:`MarianTranslator` -- Hugging Face MarianMT (or any seq2seq translation
  model) loaded from local directories with ``local_files_only=True``;
  sampling draws Gumbel noise from one seeded ``torch.Generator`` per text.
* :class:`CTranslate2Translator` -- a CTranslate2 conversion of such a model,
  for fast CPU inference; its sampler has only a process-wide seed, so
  diversity comes from drawing among its n-best hypotheses with a seeded
  NumPy generator instead.

Neither downloads anything: a missing model directory is an
:class:`~multiaug.InvalidInputError` that says where the files should be.
Both are plain data (``to_config()``), so a :class:`BackTranslate` using them
round-trips through configs, pickles and worker processes; the loaded model is
shared by every copy in a process and never pickled.
"""

from __future__ import annotations

import inspect
import math
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import KW_ONLY, dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from ..core.errors import InvalidInputError
from ..core.params import Number
from .models import POSITIVE, AsStr, Device, Folders, LocalModels, option, shared_model, to_device

__all__ = ["CTranslate2Translator", "MarianTranslator", "Translator", "accepts_seeds", "build_translator"]


@runtime_checkable
class Translator(Protocol):
    """Anything with ``translate(texts, src, tgt) -> list[str]`` (one output per input text)."""

    def translate(self, texts: list[str], src: str, tgt: str) -> list[str]: ...


def accepts_seeds(fn: Callable[..., Any]) -> bool:
    """Whether a translate function takes ``seeds=`` (a keyword or ``**kwargs``)."""
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return False
    return any(p.name == "seeds" or p.kind is p.VAR_KEYWORD for p in params)


@dataclass(eq=False, repr=False)
class MarianTranslator(LocalModels):
    """MarianMT (Hugging Face ``transformers``) translation from local model directories.

    Parameters
    ----------
    models : str, path or mapping
        A folder holding one model directory per direction, named
        ``opus-mt-{src}-{tgt}`` or ``{src}-{tgt}``, or a mapping
        ``{"en-de": dir, "de-en": dir}``. Any seq2seq model that
        ``AutoModelForSeq2SeqLM`` loads works; nothing is downloaded.
    temperature : float
        Sampling temperature; ``0`` means deterministic beam search instead
        (sampling gives more diverse back-translations than beam search).
    top_k : int
        Sample among the ``top_k`` most likely tokens only (``0``: all).
    num_beams : int
        Beam width when ``temperature == 0``.
    max_new_tokens : int
        Longest output, in tokens.
    batch_size : int
        Texts per forward pass.
    device : str
        Torch device, e.g. ``"cpu"`` or ``"cuda"``.

    Notes
    -----
    Sampling adds Gumbel noise drawn from one ``torch.Generator`` seeded per
    text (from ``seeds``) to the temperature-scaled logits and takes the
    argmax: an exact draw from the softmax, without touching torch's global
    RNG. A text's output therefore does not depend on the rest of its batch
    (up to floating-point effects of padding).

    Examples
    --------
    >>> from multiaug.text import MarianTranslator
    >>> MarianTranslator("/models", temperature=0.8)  # doctest: +NORMALIZE_WHITESPACE
    MarianTranslator(models='/models', temperature=0.8, top_k=0, num_beams=4,
                     max_new_tokens=256, batch_size=16, device='cpu')
    """

    models: str | os.PathLike[str] | Mapping[str, str | os.PathLike[str]]
    _: KW_ONLY
    temperature: float = option(1.0, Number(0, math.inf))
    top_k: int = option(0, Number(0, math.inf, integer=True))
    num_beams: int = option(4, POSITIVE)
    max_new_tokens: int = option(256, POSITIVE)
    batch_size: int = option(16, POSITIVE)
    device: str = option("cpu", Device())
    kind = "marian"
    _requires = ("transformers, sentencepiece and torch", "pip install 'multiaug[text,torch]'")

    def _load(self, src: str, tgt: str) -> tuple[Any, Any]:
        path = self.model_dir(src, tgt)

        def load() -> tuple[Any, Any]:
            with self._importing():
                from transformers import AutoModelForSeq2SeqLM, AutoTokenizer
            tokenizer = self._from_pretrained(AutoTokenizer, path, "tokenizer")
            model = self._from_pretrained(AutoModelForSeq2SeqLM, path, "model")
            to_device(type(self).__name__, model, self.device)
            return tokenizer, model

        return shared_model(("marian", str(path.resolve()), self.device), load)

    def _translate(self, loaded: tuple[Any, Any], texts: list[str], seeds: list[int]) -> list[str]:
        tokenizer, model = loaded
        # A text longer than the model's input window would be cut off (or overflow its position
        # table): such texts are translated in pieces of whole sentences (words, for a run-on
        # sentence) and the pieces joined with spaces. Texts that fit are untouched.
        limit = _input_limit(tokenizer, model)
        pieces: list[list[str]] = [_pieces(tokenizer, t, limit) for t in texts]
        if any(len(p) > 1 for p in pieces):
            flat = [piece for p in pieces for piece in p]
            flat_seeds = [s for p, s in zip(pieces, seeds, strict=True) for _ in p]
            done = iter(self._translate_fitting(tokenizer, model, flat, flat_seeds))
            return [" ".join(next(done).strip() for _ in p) if len(p) > 1 else next(done) for p in pieces]
        return self._translate_fitting(tokenizer, model, texts, seeds)

    def _translate_fitting(self, tokenizer: Any, model: Any, texts: list[str], seeds: list[int]) -> list[str]:
        """Translate texts that fit the model's input window, in batches of ``batch_size``."""
        import torch

        out: list[str] = []
        for start in range(0, len(texts), self.batch_size):
            chunk = texts[start : start + self.batch_size]
            enc = tokenizer(chunk, return_tensors="pt", padding=True, truncation=True).to(self.device)
            kwargs: dict[str, Any] = {"max_new_tokens": self.max_new_tokens}
            if self.temperature > 0:
                gens = [torch.Generator().manual_seed(int(s)) for s in seeds[start : start + len(chunk)]]
                kwargs.update(
                    do_sample=False,  # greedy over Gumbel-perturbed logits == sampling, seeded per row
                    num_beams=1,
                    logits_processor=_gumbel_processor(gens, self.temperature, self.top_k),
                )
            else:
                kwargs.update(do_sample=False, num_beams=self.num_beams)
            with torch.inference_mode():
                ids = model.generate(**enc, **kwargs)
            out.extend(tokenizer.batch_decode(ids, skip_special_tokens=True))
        return out


def _input_limit(tokenizer: Any, model: Any) -> int:
    """Most tokens (special ones included) the model reads in one piece (sequence)."""
    limits = [
        getattr(tokenizer, "model_max_length", None),
        getattr(model.config, "max_position_embeddings", None),
    ]
    usable = [int(v) for v in limits if isinstance(v, int) and 1 < v < 10**9]
    return min(usable, default=512)


def _pieces(tokenizer: Any, text: str, limit: int) -> list[str]:
    """``text`` as pieces of at most ``limit - 1`` tokens: whole sentences, else words, else characters."""
    budget = limit - 1

    def size(s: str) -> int:
        return len(tokenizer.tokenize(s))

    if len(text) < budget or size(text) <= budget:  # a token holds at least one character
        return [text]
    budget = max(1, budget * 9 // 10)  # joining units may add a token or two at their seams
    out: list[str] = []
    current: list[str] = []
    used = 0
    units = re.split(r"(?<=[.!?;:])\s+", text.strip())
    queue = list(reversed(units))
    while queue:
        unit = queue.pop()
        n = size(unit)
        if n > budget:
            words = unit.split()
            if len(words) > 1:
                queue.extend(reversed(words))
            else:  # one run-on "word": cut it by characters (a character is at most a few tokens)
                step = max(1, budget // 4)
                queue.extend(reversed([unit[i : i + step] for i in range(0, len(unit), step)]))
            continue
        if current and used + n > budget:
            out.append(" ".join(current))
            current, used = [], 0
        current.append(unit)
        used += n
    if current:
        out.append(" ".join(current))
    return out


def _gumbel_processor(generators: list[Any], temperature: float, top_k: int) -> Any:
    """A logits processor that turns greedy decoding into seeded sampling (Gumbel-max trick)."""
    import torch
    from transformers import LogitsProcessor, LogitsProcessorList

    class GumbelNoise(LogitsProcessor):
        def __call__(self, input_ids: torch.Tensor, scores: torch.Tensor) -> torch.Tensor:
            scores = scores.float() / temperature
            if top_k and top_k < scores.shape[-1]:
                kth = torch.topk(scores, top_k, dim=-1).values[..., -1:]
                scores = scores.masked_fill(scores < kth, -float("inf"))
            vocab = scores.shape[-1]
            u = torch.stack([torch.rand(vocab, generator=g) for g in generators]).to(scores.device)
            return scores - torch.log(-torch.log(u.clamp(1e-20, 1.0 - 1e-7)))

    return LogitsProcessorList([GumbelNoise()])


@dataclass(eq=False, repr=False)
class CTranslate2Translator(LocalModels):
    """CTranslate2 translation (fast CPU inference) from local converted model directories.

    Convert a Marian model once with
    ``ct2-transformers-converter --model DIR --output_dir DIR-ct2 --copy_files source.spm
    target.spm vocab.json tokenizer_config.json``; the tokenizer is read from the
    same directory (or from ``tokenizers={"en-de": hf_dir}``).

    Parameters
    ----------
    models : str, path or mapping
        As for :class:`MarianTranslator`, pointing at CTranslate2 model directories.
    temperature : float
        Draw among the ``num_hypotheses`` best translations with probabilities
        ``softmax(score / temperature)``; ``0`` keeps the best one.
    num_hypotheses : int
        Size of the n-best list (and of the beam).
    max_decoding_length, batch_size : int
        Decoding limits.
    device, compute_type : str
        CTranslate2 device (``"cpu"``, ``"cuda"``) and compute type (``"int8"``...).
    tokenizers : mapping or None
        Per direction, a directory to load the Hugging Face tokenizer from.

    Notes
    -----
    CTranslate2's own sampler has only a process-wide seed
    (``ctranslate2.set_random_seed``), which multiaug never touches; choosing
    among the n-best hypotheses with a NumPy generator seeded per text gives
    reproducible diversity instead.
    """

    models: str | os.PathLike[str] | Mapping[str, str | os.PathLike[str]]
    _: KW_ONLY
    temperature: float = option(1.0, Number(0, math.inf))
    num_hypotheses: int = option(4, POSITIVE)
    max_decoding_length: int = option(256, POSITIVE)
    batch_size: int = option(16, POSITIVE)
    device: str = option("cpu", AsStr())
    compute_type: str = option("default", AsStr())
    tokenizers: Mapping[str, str | os.PathLike[str]] | None = option(None, Folders())
    kind = "ctranslate2"
    _requires = ("ctranslate2 and transformers", "pip install ctranslate2 'multiaug[text]'")

    def _load(self, src: str, tgt: str) -> tuple[Any, Any]:
        path = self.model_dir(src, tgt)
        pair = f"{src}-{tgt}"
        tok_dir = Path(self.tokenizers[pair]) if self.tokenizers and pair in self.tokenizers else path

        def load() -> tuple[Any, Any]:
            with self._importing():
                import ctranslate2
                from transformers import AutoTokenizer
            try:
                translator = ctranslate2.Translator(
                    str(path), device=self.device, compute_type=self.compute_type
                )
            except (RuntimeError, ValueError, OSError) as exc:
                raise self._missing(path, "CTranslate2 model") from exc
            return self._from_pretrained(AutoTokenizer, tok_dir, "tokenizer"), translator

        key = ("ct2", str(path.resolve()), str(tok_dir), self.device, self.compute_type)
        return shared_model(key, load, torch_rng=False)  # CTranslate2 builds no torch model

    def _translate(self, loaded: tuple[Any, Any], texts: list[str], seeds: list[int]) -> list[str]:
        tokenizer, translator = loaded
        source = [tokenizer.convert_ids_to_tokens(tokenizer.encode(t)) for t in texts]
        k = self.num_hypotheses if self.temperature > 0 else 1
        results = translator.translate_batch(
            source,
            max_batch_size=self.batch_size,
            beam_size=self.num_hypotheses,
            num_hypotheses=k,
            return_scores=True,
            max_decoding_length=self.max_decoding_length,
        )
        out = []
        for res, seed in zip(results, seeds, strict=True):
            choice = 0
            if k > 1 and len(res.hypotheses) > 1:
                scores = np.asarray(res.scores, dtype=np.float64) / self.temperature
                probs = np.exp(scores - scores.max())
                choice = int(np.random.default_rng(int(seed)).choice(len(probs), p=probs / probs.sum()))
            ids = tokenizer.convert_tokens_to_ids(res.hypotheses[choice])
            out.append(tokenizer.decode(ids, skip_special_tokens=True))
        return out


_BACKENDS: dict[str, type[LocalModels]] = {"marian": MarianTranslator, "ctranslate2": CTranslate2Translator}


def build_translator(owner: str, value: Any) -> Any:
    """A translator from what ``BackTranslate(translator=...)`` accepts.

    A folder path gives a :class:`MarianTranslator`; a mapping with
    ``"backend"`` (the ``to_config()`` form) builds that backend; a translator
    object or a callable is used as it is.
    """
    if isinstance(value, (str, os.PathLike)):
        return MarianTranslator(value)
    if isinstance(value, Mapping):
        cfg = dict(value)
        backend = cfg.pop("backend", None)
        cls = _BACKENDS.get(str(backend))
        if cls is None:
            raise InvalidInputError(
                owner,
                "translator",
                f"names backend {backend!r}",
                f"use one of {sorted(_BACKENDS)}, e.g. {{'backend': 'marian', 'models': '/models'}}",
            )
        try:
            return cls(**cfg)
        except TypeError as exc:
            raise InvalidInputError(
                owner, "translator", f"has bad {backend} options ({exc})", f"see {cls.__name__}'s parameters"
            ) from None
    if callable(getattr(value, "translate", None)) or callable(value):
        return value
    raise InvalidInputError(
        owner,
        "translator",
        f"must be a translator, a callable or a model folder, got {value!r}",
        "pass translator=MarianTranslator('/models'), a folder path, or any "
        "f(texts: list[str], src: str, tgt: str) -> list[str]",
    )
