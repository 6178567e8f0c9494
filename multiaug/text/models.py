"""Local translation models: the folder of each direction, options, and loading once per process.

The translators of :mod:`multiaug.text.translate` build on :class:`LocalModels`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import os
import re
import threading
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

from ..core.errors import InvalidInputError
from ..core.params import Number, Spec

__all__ = ["POSITIVE", "AsStr", "Device", "Folders", "LocalModels", "option", "shared_model", "to_device"]


_LOCK = threading.Lock()
_LOADED: dict[tuple[Any, ...], Any] = {}


def shared_model(key: tuple[Any, ...], load: Callable[[], Any], torch_rng: bool = True) -> Any:
    """One loaded model per (kind, path, device) and process, shared by every translator copy.

    The global RNGs are as they were after the load (``torch_rng``: torch's too, for a model that
    transformers builds: torch is imported first, so that its state can be kept)."""
    got = _LOADED.get(key)
    if got is None:
        with _LOCK:
            got = _LOADED.get(key)
            if got is None:
                with _global_rngs_kept(torch_rng):
                    got = _LOADED[key] = load()
    return got


@contextlib.contextmanager
def _global_rngs_kept(torch_rng: bool) -> Iterator[None]:
    """The global RNGs (``random``, NumPy's, torch's CPU one) as they were, after a model loads:
    transformers initialises a model's weights from torch's global RNG before it reads the saved
    ones, which moved a user's own draws on the first augmented text."""
    import random

    import numpy as np

    torch: Any = None
    if torch_rng:
        import torch
    state = (random.getstate(), np.random.get_state(), torch.get_rng_state() if torch else None)  # noqa: NPY002
    try:
        yield
    finally:
        random.setstate(state[0])
        np.random.set_state(state[1])  # noqa: NPY002
        if torch is not None:
            torch.set_rng_state(state[2])


class AsStr(Spec):
    """Any value, kept as its ``str`` (a ``torch.device("cuda")`` becomes ``"cuda"``)."""

    doc = "a str"

    def resolve(self, owner: str, name: str, value: Any) -> str:
        return str(value)


class Device(Spec):
    """A torch device: ``"cpu"``, ``"cuda"``, ``"cuda:1"``, ... or a ``torch.device`` (kept as its str)."""

    doc = 'a torch device such as "cpu", "cuda" or "cuda:1"'

    def invalid(self) -> list[Any]:
        return ["x", 0, None]

    def resolve(self, owner: str, name: str, value: Any) -> str:
        text = str(value) if type(value).__module__.startswith("torch") else value
        fix = 'pass device="cpu" (or "cuda", "cuda:1", a torch.device)'
        if not isinstance(text, str) or not re.fullmatch(r"[a-z]{2,16}(:[0-9]{1,4})?", text):
            raise self.fail(owner, name, value, fix)
        try:
            import torch
        except ImportError:  # pragma: no cover - the text extra installs torch
            return text
        try:
            torch.device(text)
        except (RuntimeError, ValueError):
            raise self.fail(owner, name, value, fix) from None
        return text


def to_device(owner: str, model: Any, device: str) -> Any:
    """``model.to(device).eval()``; a device torch cannot use here (no CUDA build, no such GPU) is an
    :class:`InvalidInputError` naming ``device``, not torch's own error."""
    try:
        return model.to(device).eval()
    except (RuntimeError, AssertionError) as exc:  # AssertionError: "Torch not compiled with CUDA"
        lines = str(exc).strip().splitlines()
        why = f"{type(exc).__name__}: {lines[0] if lines else ''}"
        problem = f"is {device!r}, which torch cannot use here ({why})"
        raise InvalidInputError(owner, "device", problem, 'pass device="cpu"') from None


class Folders(Spec):
    """``None`` or a mapping of direction (``"en-de"``) to folder, kept as plain strings."""

    doc = "None or a mapping {'en-de': folder, ...}"

    def resolve(self, owner: str, name: str, value: Any) -> dict[str, str] | None:
        if value is None:
            return None
        if not isinstance(value, Mapping) or not all(
            isinstance(k, str) and isinstance(v, (str, os.PathLike)) for k, v in value.items()
        ):
            raise self.fail(owner, name, value, "pass tokenizers={'en-de': '/models/opus-mt-en-de'}")
        return {k: os.fspath(v) for k, v in value.items()}


POSITIVE = Number(1, math.inf, integer=True)


def option(default: Any, spec: Spec) -> Any:
    """A keyword option of a translator dataclass: its default and the spec it is resolved by."""
    return dataclasses.field(default=default, metadata={"spec": spec})


class LocalModels:
    """Shared parts of the local-model translators: options, model folders, config, batching protocol.

    A subclass is a dataclass: ``models``, then its keyword options declared with
    :func:`option` (in config order). It implements ``_load(src, tgt)`` (the
    shared loaded objects) and ``_translate(loaded, texts, seeds)``.
    """

    kind: ClassVar[str] = ""
    models: str | os.PathLike[str] | Mapping[str, str | os.PathLike[str]]
    #: What the backend needs installed, and how to install it.
    _requires: ClassVar[tuple[str, str]] = ("", "")

    def __post_init__(self) -> None:
        self._check_models()
        for name, spec in self._options():
            setattr(self, name, spec.resolve(type(self).__name__, name, getattr(self, name)))

    @classmethod
    def _options(cls) -> list[tuple[str, Spec]]:
        return [(f.name, f.metadata["spec"]) for f in dataclasses.fields(cls) if "spec" in f.metadata]  # type: ignore[arg-type]

    def translate(
        self, texts: list[str], src: str, tgt: str, *, seeds: Sequence[int] | None = None
    ) -> list[str]:
        """Translate ``texts`` from ``src`` to ``tgt``; ``seeds`` (one per text) make it reproducible."""
        if not texts:
            return []
        seeds = list(seeds) if seeds is not None else [0] * len(texts)
        return self._translate(self._load(src, tgt), texts, seeds)

    def _load(self, src: str, tgt: str) -> tuple[Any, Any]:
        raise NotImplementedError

    @contextlib.contextmanager
    def _importing(self) -> Iterator[None]:
        """Turn an ImportError of the backend's libraries into an error that says what to install."""
        try:
            yield
        except ImportError as exc:
            what, install = self._requires
            raise InvalidInputError(type(self).__name__, "models", f"needs {what} ({exc})", install) from exc

    def _missing(self, path: Path, what: str) -> InvalidInputError:
        return InvalidInputError(
            type(self).__name__,
            "models",
            f"cannot load the {what} from {str(path)!r}",
            "point it at a local directory holding the model files (no download is attempted); "
            "e.g. save Helsinki-NLP/opus-mt-en-de once with save_pretrained(...) on a machine with network",
        )

    def _from_pretrained(self, loader: Any, path: Path, what: str) -> Any:
        """``loader.from_pretrained(path)`` from local files only, quietly; a missing file says where."""
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # "Recommended: pip install sacremoses" and the like
                return loader.from_pretrained(path, local_files_only=True)
        except (OSError, ValueError, KeyError, TypeError) as exc:  # TypeError: a config.json not a dict
            raise self._missing(path, what) from exc

    def _translate(self, loaded: tuple[Any, Any], texts: list[str], seeds: list[int]) -> list[str]:
        raise NotImplementedError

    def to_config(self) -> dict[str, Any]:
        """Plain data that :func:`build_translator` turns back into an equal translator."""
        options = {name: getattr(self, name) for name, _ in self._options()}
        return {"backend": self.kind, "models": self._models_config(), **options}

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
        return (
            isinstance(other, LocalModels)
            and type(other) is type(self)
            and other.to_config() == self.to_config()
        )

    def __hash__(self) -> int:
        return hash(repr(self))

    def __repr__(self) -> str:
        cfg = self.to_config()
        args = ", ".join(f"{k}={v!r}" for k, v in cfg.items() if k != "backend")
        return f"{type(self).__name__}({args})"
