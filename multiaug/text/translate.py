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
import os
import re
import threading
import warnings
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from ..core.errors import InvalidInputError

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


_LOCK = threading.Lock()
_LOADED: dict[tuple[Any, ...], Any] = {}


def _shared(key: tuple[Any, ...], load: Callable[[], Any]) -> Any:
    """One loaded model per (kind, path, device) and process, shared by every translator copy."""
    got = _LOADED.get(key)
    if got is None:
        with _LOCK:
            got = _LOADED.get(key)
            if got is None:
                got = _LOADED[key] = load()
    return got


class _LocalModels:
    """Shared parts of the local-model translators: where the model of each direction lives."""

    kind = ""

    def __init__(self, models: str | os.PathLike[str] | Mapping[str, str | os.PathLike[str]]) -> None:
        self.models = models
        self._check_models()

    def _check_models(self) -> None:
        m = self.models
        if isinstance(m, (str, os.PathLike)):
            return
        if (
            isinstance(m, Mapping)
            and m
            and all(
                isinstance(k, str) and "-" in k and isinstance(v, (str, os.PathLike)) for k, v in m.items()
            )
        ):
            return
        raise InvalidInputError(
            type(self).__name__,
            "models",
            f"must be a folder or a mapping {{'en-de': folder, ...}}, got {m!r}",
            "pass models='/models' (holding opus-mt-en-de/ and opus-mt-de-en/) or "
            "models={'en-de': '/models/opus-mt-en-de', 'de-en': '/models/opus-mt-de-en'}",
        )

    def model_dir(self, src: str, tgt: str) -> Path:
        """The local directory of the ``src`` -> ``tgt`` model."""
        pair = f"{src}-{tgt}"
        if isinstance(self.models, Mapping):
            if pair not in self.models:
                raise InvalidInputError(
                    type(self).__name__,
                    "models",
                    f"has no model for {pair} (it has {sorted(self.models)})",
                    f"add '{pair}': '/path/to/opus-mt-{pair}' to models",
                )
            return Path(self.models[pair])
        root = Path(self.models)
        for name in (f"opus-mt-{pair}", pair):
            if (root / name).is_dir():
                return root / name
        raise InvalidInputError(
            type(self).__name__,
            "models",
            f"folder {str(root)!r} has no opus-mt-{pair}/ or {pair}/ model directory",
            f"save the {pair} model there (model.save_pretrained(...) and tokenizer.save_pretrained(...)) "
            "or pass models={'" + pair + "': '/path/to/model'}",
        )

    def _models_config(self) -> Any:
        m = self.models
        return os.fspath(m) if isinstance(m, (str, os.PathLike)) else {k: os.fspath(v) for k, v in m.items()}

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.to_config() == self.to_config()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash(repr(self))

    def __repr__(self) -> str:
        cfg = self.to_config()  # type: ignore[attr-defined]
        args = ", ".join(f"{k}={v!r}" for k, v in cfg.items() if k != "backend")
        return f"{type(self).__name__}({args})"


def _missing(owner: str, path: Path, what: str) -> InvalidInputError:
    return InvalidInputError(
        owner,
        "models",
        f"cannot load the {what} from {str(path)!r}",
        "point it at a local directory holding the model files (no download is attempted); "
        "e.g. save Helsinki-NLP/opus-mt-en-de once with save_pretrained(...) on a machine with network",
    )


class MarianTranslator(_LocalModels):
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

    kind = "marian"

    def __init__(
        self,
        models: str | os.PathLike[str] | Mapping[str, str | os.PathLike[str]],
        *,
        temperature: float = 1.0,
        top_k: int = 0,
        num_beams: int = 4,
        max_new_tokens: int = 256,
        batch_size: int = 16,
        device: str = "cpu",
    ) -> None:
        super().__init__(models)
        self.temperature = float(temperature)
        self.top_k = int(top_k)
        self.num_beams = int(num_beams)
        self.max_new_tokens = int(max_new_tokens)
        self.batch_size = int(batch_size)
        self.device = str(device)
        if not (self.temperature >= 0 and self.top_k >= 0 and self.num_beams >= 1):
            raise InvalidInputError(
                "MarianTranslator",
                "temperature",
                f"needs temperature >= 0, top_k >= 0, num_beams >= 1 ({temperature}, {top_k}, {num_beams})",
                "pass temperature=1.0 (0 for beam search), top_k=0, num_beams=4",
            )
        if self.max_new_tokens < 1 or self.batch_size < 1:
            raise InvalidInputError(
                "MarianTranslator", "batch_size", "and max_new_tokens must be >= 1", "pass positive integers"
            )

    def to_config(self) -> dict[str, Any]:
        """Plain data that :func:`build_translator` turns back into an equal translator."""
        return {
            "backend": self.kind,
            "models": self._models_config(),
            "temperature": self.temperature,
            "top_k": self.top_k,
            "num_beams": self.num_beams,
            "max_new_tokens": self.max_new_tokens,
            "batch_size": self.batch_size,
            "device": self.device,
        }

    def _load(self, src: str, tgt: str) -> tuple[Any, Any]:
        path = self.model_dir(src, tgt)

        def load() -> tuple[Any, Any]:
            try:
                from transformers import AutoModelForSeq2SeqLM, AutoTokenizer
            except ImportError as exc:
                raise InvalidInputError(
                    "MarianTranslator",
                    "models",
                    f"needs transformers, sentencepiece and torch ({exc})",
                    "pip install 'multiaug[text,torch]'",
                ) from exc
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")  # "Recommended: pip install sacremoses" and the like
                    tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
                    model = AutoModelForSeq2SeqLM.from_pretrained(path, local_files_only=True)
            except (OSError, ValueError) as exc:
                raise _missing("MarianTranslator", path, "model or tokenizer") from exc
            model.to(self.device).eval()
            return tokenizer, model

        return _shared(("marian", str(path.resolve()), self.device), load)

    def translate(
        self, texts: list[str], src: str, tgt: str, *, seeds: Sequence[int] | None = None
    ) -> list[str]:
        """Translate ``texts`` from ``src`` to ``tgt``; ``seeds`` (one per text) seed the sampling."""
        if not texts:
            return []

        tokenizer, model = self._load(src, tgt)
        seeds = list(seeds) if seeds is not None else [0] * len(texts)
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
    """Most source tokens (end-of-sequence mark included) the model reads in one piece."""
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


class CTranslate2Translator(_LocalModels):
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

    kind = "ctranslate2"

    def __init__(
        self,
        models: str | os.PathLike[str] | Mapping[str, str | os.PathLike[str]],
        *,
        temperature: float = 1.0,
        num_hypotheses: int = 4,
        max_decoding_length: int = 256,
        batch_size: int = 16,
        device: str = "cpu",
        compute_type: str = "default",
        tokenizers: Mapping[str, str | os.PathLike[str]] | None = None,
    ) -> None:
        super().__init__(models)
        self.temperature = float(temperature)
        self.num_hypotheses = int(num_hypotheses)
        self.max_decoding_length = int(max_decoding_length)
        self.batch_size = int(batch_size)
        self.device = str(device)
        self.compute_type = str(compute_type)
        self.tokenizers = None if tokenizers is None else {k: os.fspath(v) for k, v in tokenizers.items()}
        if not (self.temperature >= 0 and self.num_hypotheses >= 1 and self.batch_size >= 1):
            raise InvalidInputError(
                "CTranslate2Translator",
                "temperature",
                "needs temperature >= 0, num_hypotheses >= 1 and batch_size >= 1",
                "pass temperature=1.0, num_hypotheses=4",
            )

    def to_config(self) -> dict[str, Any]:
        """Plain data that :func:`build_translator` turns back into an equal translator."""
        return {
            "backend": self.kind,
            "models": self._models_config(),
            "temperature": self.temperature,
            "num_hypotheses": self.num_hypotheses,
            "max_decoding_length": self.max_decoding_length,
            "batch_size": self.batch_size,
            "device": self.device,
            "compute_type": self.compute_type,
            "tokenizers": self.tokenizers,
        }

    def _load(self, src: str, tgt: str) -> tuple[Any, Any]:
        path = self.model_dir(src, tgt)
        pair = f"{src}-{tgt}"
        tok_dir = Path(self.tokenizers[pair]) if self.tokenizers and pair in self.tokenizers else path

        def load() -> tuple[Any, Any]:
            try:
                import ctranslate2
                from transformers import AutoTokenizer
            except ImportError as exc:
                raise InvalidInputError(
                    "CTranslate2Translator",
                    "models",
                    f"needs ctranslate2 and transformers ({exc})",
                    "pip install ctranslate2 'multiaug[text]'",
                ) from exc
            try:
                translator = ctranslate2.Translator(
                    str(path), device=self.device, compute_type=self.compute_type
                )
            except (RuntimeError, ValueError, OSError) as exc:
                raise _missing("CTranslate2Translator", path, "CTranslate2 model") from exc
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    tokenizer = AutoTokenizer.from_pretrained(tok_dir, local_files_only=True)
            except (OSError, ValueError) as exc:
                raise _missing("CTranslate2Translator", tok_dir, "tokenizer") from exc
            return tokenizer, translator

        return _shared(("ct2", str(path.resolve()), str(tok_dir), self.device, self.compute_type), load)

    def translate(
        self, texts: list[str], src: str, tgt: str, *, seeds: Sequence[int] | None = None
    ) -> list[str]:
        """Translate ``texts`` from ``src`` to ``tgt``; ``seeds`` (one per text) pick among the n-best."""
        if not texts:
            return []
        tokenizer, translator = self._load(src, tgt)
        seeds = list(seeds) if seeds is not None else [0] * len(texts)
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


_BACKENDS: dict[str, type[_LocalModels]] = {"marian": MarianTranslator, "ctranslate2": CTranslate2Translator}


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
