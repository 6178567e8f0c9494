"""Configuration: ``to_config`` / ``from_config``, ``save`` / ``load`` and fingerprints.

A configuration is a tree of plain nodes ``{"transform": NAME, "params": {...}}``.
Building one only ever instantiates classes found in the registry, with keyword
parameters checked against their signature, so a config cannot import or call
arbitrary code. YAML is read with PyYAML's safe loader.

Limits (hostile files fail fast with :class:`ConfigError`, never hang):
a config file holds at most ``MAX_CONFIG_BYTES`` bytes of UTF-8 text, nests at
most ``MAX_DEPTH`` levels of lists and mappings, and expands (YAML aliases
counted every time they are used) to at most ``MAX_NODES`` values; integers
have at most 8192 bits.
"""

from __future__ import annotations

import codecs
import contextvars
import hashlib
import inspect
import json
import math
import numbers
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .errors import ConfigError, InvalidInputError, MultiaugError
from .params import MAX_INT_BITS, _show, did_you_mean
from .registry import _REGISTRY, lookup
from .transform import Transform

__all__ = ["fingerprint", "from_config", "load", "save", "to_config"]

_NODE_KEYS = frozenset({"transform", "params", "training"})

#: Largest config file ``load`` reads (bytes).
MAX_CONFIG_BYTES = 4 * 2**20
#: Deepest nesting of lists and mappings in a config (a composer adds 3 levels:
#: its node, its ``params`` and its ``transforms`` list, so about 30 nested composers).
MAX_DEPTH = 100
#: Most values a config may expand to (YAML aliases counted at every use).
MAX_NODES = 1_000_000

# Folder of the config file being loaded: relative paths in it are read from there.
_BASE_DIR: contextvars.ContextVar[Path | None] = contextvars.ContextVar("multiaug_config_dir", default=None)


def _check_shape(data: Any, where: str) -> None:
    """Refuse data nested deeper than MAX_DEPTH or larger than MAX_NODES, iteratively and early.

    Aliased YAML nodes are the same Python object at every use, so a "billion laughs" file
    is a small object graph that expands exponentially when walked; this walk counts every
    use and stops at the budget, and a self-referencing alias hits the depth limit.
    """
    stack: list[tuple[Any, int]] = [(data, 0)]
    nodes = 0
    while stack:
        value, depth = stack.pop()
        nodes += 1
        if nodes > MAX_NODES:
            raise ConfigError(
                f"{where} expands to more than {MAX_NODES:,} values (YAML aliases count at every use); "
                "a config this large is refused: write the pipeline without repeated aliases"
            )
        if isinstance(value, (Mapping, list, tuple)):
            if depth >= MAX_DEPTH:
                raise ConfigError(
                    f"{where} nests more than {MAX_DEPTH} levels of lists and mappings (about "
                    f"{MAX_DEPTH // 3} nested composers); flatten the pipeline (Compose of Compose "
                    "equals one Compose) or check for a self-referencing YAML alias"
                )
            children = value.values() if isinstance(value, Mapping) else value
            stack.extend((child, depth + 1) for child in children)
        elif isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > MAX_INT_BITS:
            raise ConfigError(
                f"{where} holds {_show(value)}; integers in a config have at most {MAX_INT_BITS} bits"
            )


def _too_deep(where: str) -> ConfigError:
    return ConfigError(
        f"{where} nests more than {MAX_DEPTH} levels of lists and mappings in its config (about "
        f"{MAX_DEPTH // 3} nested composers); flatten the pipeline (a Compose of Composes equals one Compose)"
    )


def _encode(value: Any, where: str, depth: int = 0) -> Any:
    if depth > MAX_DEPTH:
        raise _too_deep(where.partition(".")[0] or where)
    if isinstance(value, Transform):
        return _to_config(value, depth)
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, numbers.Integral):
        v = int(value)
        if v.bit_length() > MAX_INT_BITS:
            raise ConfigError(f"{where} is {_show(v)}; integers in a config have at most {MAX_INT_BITS} bits")
        return v
    if isinstance(value, numbers.Real):
        f = float(value)
        if not math.isfinite(f):
            raise ConfigError(f"{where} is {f}, which a config cannot hold; use a finite number")
        return f
    if isinstance(value, (list, tuple)):
        return [_encode(v, f"{where}[{i}]", depth + 1) for i, v in enumerate(value)]
    if isinstance(value, Mapping):
        out = {}
        for k, v in value.items():
            if not isinstance(k, str):
                raise ConfigError(f"{where} has a non-string key {_show(k)}; configs need string keys")
            out[k] = _encode(v, f"{where}.{k}", depth + 1)
        return out
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    raise ConfigError(
        f"{where} holds a {type(value).__name__}, which a config cannot hold; pass plain numbers, "
        "strings, lists, dicts or file paths instead"
    )


def to_config(transform: Transform) -> dict[str, Any]:
    """A plain, JSON-able dict describing ``transform`` (see :func:`from_config`)."""
    return _to_config(transform, 0)


def _to_config(transform: Transform, depth: int) -> dict[str, Any]:
    name = transform.registry_name
    if not name or _REGISTRY.get(name) is not type(transform):
        raise ConfigError(
            f"{type(transform).__qualname__} is not registered, so a config cannot name it; "
            "decorate the class with @multiaug.register"
        )
    if depth + 2 > MAX_DEPTH:
        raise _too_deep(name)
    quiet: dict[str, Any] = type(transform)._quiet_defaults  # type: ignore[attr-defined]
    params = {
        n: _encode(v, f"{name}.{n}", depth + 2)
        for n, v in transform.get_params(deep=False).items()
        if n not in quiet or not _same_value(v, quiet[n])
    }
    node: dict[str, Any] = {"transform": name, "params": params}
    if not transform.training:  # written only in eval mode: training configs keep their fingerprints
        node["training"] = False
    return node


def _same_value(value: Any, default: Any) -> bool:
    """A quiet parameter's value is its default (same type too: ``1`` is not ``True``)."""
    return type(value) is type(default) and value == default


def _decode(value: Any, where: str) -> Any:
    if isinstance(value, Mapping):
        if "transform" in value and set(value) <= _NODE_KEYS:
            return _build(value, where)
        if isinstance(value.get("transform"), str):
            # {"transform": "image.Rotate", "parms": {...}}: a misspelt node, not a plain dict
            typos = [k for k in value if k not in _NODE_KEYS and did_you_mean(k, _NODE_KEYS)]
            if typos:
                raise ConfigError(
                    f"{where} has unknown key {typos[0]!r}{did_you_mean(typos[0], _NODE_KEYS)}; a transform "
                    "node has exactly the keys 'transform' and 'params' (and 'training' in eval mode)"
                )
        out = {}
        for k, v in value.items():
            if not isinstance(k, str):
                raise ConfigError(f"{where} has a non-string key {_show(k)}; configs need string keys")
            out[k] = _decode(v, f"{where}.{k}")
        return out
    if isinstance(value, list):
        return [_decode(v, f"{where}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, float) and not math.isfinite(value):
        raise ConfigError(f"{where} is {value}, which a config cannot hold; use a finite number")
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise ConfigError(f"{where} holds a {type(value).__name__}; configs hold only plain data")


def _build(node: Mapping[str, Any], where: str) -> Transform:
    if not isinstance(node, Mapping):
        raise ConfigError(f"{where} must be a mapping with 'transform' and 'params', got {node!r}")
    keys = [str(k) for k in node]
    extra = sorted(set(keys) - _NODE_KEYS)
    if extra or "transform" not in node:
        hints = "".join(f" {_show(k)}{did_you_mean(k, _NODE_KEYS)}" for k in extra[:3])
        raise ConfigError(
            f"{where} must have exactly the keys 'transform' and 'params' (and 'training' in eval mode), "
            f"got {_show(sorted(keys))}" + (f"; unknown:{hints}" if extra else "")
        )
    cls = lookup(node["transform"])
    params = node.get("params", {})
    if params is None:
        params = {}
    if not isinstance(params, Mapping):
        raise ConfigError(f"{where}.params must be a mapping, got {type(params).__name__}")
    allowed = cls._param_names()
    bad_keys = [k for k in params if not isinstance(k, str)]
    if bad_keys:
        raise ConfigError(
            f"{where}.params has a non-string key {_show(bad_keys[0])}; parameter names are strings"
        )
    unknown = sorted(set(params) - set(allowed))
    if unknown:
        hints = "".join(
            f"; {_show(u)}{did_you_mean(u, allowed) or ' is not a parameter'}" for u in unknown[:3]
        )
        raise ConfigError(
            f"{where} ({cls.registry_name}) has unknown parameter(s) {_show(unknown)}{hints}; "
            f"allowed: {list(allowed)}"
        )
    kwargs = {k: _decode(v, f"{where}.{k}") for k, v in params.items()}
    base = _BASE_DIR.get()
    if base is not None:
        specs = cls._all_specs  # type: ignore[attr-defined]
        for k, v in kwargs.items():
            rebase = getattr(specs.get(k), "rebase", None)
            if rebase is not None:
                kwargs[k] = rebase(v, base)
    sig = inspect.signature(cls.__init__).parameters
    missing = [n for n in allowed if n not in kwargs and sig[n].default is inspect.Parameter.empty]
    if missing:
        raise ConfigError(f"{where} ({cls.registry_name}) lacks required parameter(s) {missing}")
    try:
        obj = cls(**kwargs)
        obj.validate_params()
    except InvalidInputError as exc:
        raise ConfigError(f"{where}: {exc}") from exc
    except MultiaugError:
        raise
    except RecursionError as exc:
        raise ConfigError(f"{where} ({cls.registry_name}) nests too deeply to build") from exc
    except Exception as exc:
        raise ConfigError(
            f"{where}: {cls.registry_name} cannot be built from these parameters "
            f"({type(exc).__name__}: {exc}); check the values against its documentation"
        ) from exc
    training = node.get("training", True)
    if not isinstance(training, bool):
        raise ConfigError(f"{where}.training must be true or false, got {_show(training)}")
    if not training:
        from .modes import set_training

        set_training(obj, False, recursive=False)
    return obj


def from_config(config: Mapping[str, Any]) -> Transform:
    """Build a transform or pipeline from :meth:`Transform.to_config` output.

    Raises
    ------
    ConfigError
        If the config is malformed, names an unregistered transform or an
        unknown parameter, or holds an invalid value.

    Examples
    --------
    >>> import multiaug as ma
    >>> pipe = ma.Compose([ma.image.HorizontalFlip(p=0.3)], seed=1)
    >>> ma.from_config(pipe.to_config()).fingerprint == pipe.fingerprint
    True
    """
    if not isinstance(config, Mapping):
        raise ConfigError(f"a config must be a mapping, got {type(config).__name__}")
    _check_shape(config, "config")
    return _build(config, "config")


def _canonical(transform_or_config: Transform | Mapping[str, Any]) -> str:
    cfg = (
        to_config(transform_or_config)
        if isinstance(transform_or_config, Transform)
        else _encode(_checked(transform_or_config), "config")
    )
    return json.dumps(cfg, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False)


def _checked(config: Any) -> Any:
    _check_shape(config, "config")
    return config


def fingerprint(transform_or_config: Transform | Mapping[str, Any]) -> str:
    """Stable 16-hex-digit id of a pipeline: a SHA-256 of its canonical JSON config."""
    return hashlib.sha256(_canonical(transform_or_config).encode("ascii")).hexdigest()[:16]


def _format(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix == ".json":
        return "json"
    if suffix in (".yaml", ".yml"):
        return "yaml"
    raise ConfigError(f"cannot tell the format of {str(path)!r}: use a .json, .yaml or .yml file")


def save(transform: Transform, path: str | os.PathLike[str]) -> Path:
    """Write ``transform``'s config to a ``.json`` or ``.yaml`` file; returns the path."""
    path = Path(path)
    fmt = _format(path)
    cfg = to_config(transform)
    if fmt == "json":
        text = json.dumps(cfg, indent=2, allow_nan=False) + "\n"
    else:
        import yaml

        text = yaml.safe_dump(cfg, sort_keys=False, default_flow_style=None)
    tmp = path.with_name(path.name + ".tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise ConfigError(
            f"cannot write config {str(path)!r}: {exc.strerror or exc}; check that its folder exists "
            "and is writable"
        ) from exc
    return path


def read_config(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read a config file as plain data (safe YAML loader or JSON), without building it."""
    path = Path(path)
    fmt = _format(path)
    text = _read_text(path)
    try:
        if fmt == "json":
            data = json.loads(text, parse_constant=_refuse_constant)
        else:
            import yaml

            data = yaml.safe_load(text)
    except RecursionError as exc:
        raise ConfigError(
            f"{str(path)!r} nests lists or mappings too deeply to read (the limit is {MAX_DEPTH} levels)"
        ) from exc
    except Exception as exc:  # json.JSONDecodeError, yaml.YAMLError (incl. unsafe tags), int over 4300 digits
        raise ConfigError(f"{str(path)!r} is not a valid {fmt.upper()} config: {exc}") from exc
    if data is None:
        raise ConfigError(f"{str(path)!r} is empty; a config holds {{'transform': ..., 'params': ...}}")
    if not isinstance(data, dict):
        raise ConfigError(
            f"{str(path)!r} must hold a mapping at the top level ({{'transform': ..., 'params': ...}}), "
            f"not a {type(data).__name__}"
        )
    _check_shape(data, repr(str(path)))
    return data


def _refuse_constant(name: str) -> float:
    raise ValueError(f"{name} is not a number a config can hold; use a finite number")


def _read_text(path: Path) -> str:
    """The file's text, UTF-8 (a UTF-8 byte-order mark is allowed), at most MAX_CONFIG_BYTES."""
    try:
        with open(path, "rb") as fh:
            raw = fh.read(MAX_CONFIG_BYTES + 1)
    except OSError as exc:
        raise ConfigError(f"cannot read config {str(path)!r}: {exc}") from exc
    if len(raw) > MAX_CONFIG_BYTES:
        raise ConfigError(
            f"config {str(path)!r} is larger than {MAX_CONFIG_BYTES // 2**20} MiB; a pipeline config is "
            "a few KiB: check that this is the right file"
        )
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        encoding = "UTF-32" if raw.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)) else "UTF-16"
        raise ConfigError(f"config {str(path)!r} is {encoding} text; save it as UTF-8")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"config {str(path)!r} is not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start}); "
            "save it as UTF-8"
        ) from None


def load(path: str | os.PathLike[str]) -> Transform:
    """Build the pipeline saved at ``path`` (``.json``, ``.yaml`` or ``.yml``).

    Relative file paths in the config (``AddBackgroundNoise(sounds=...)``) are read
    relative to the config file's folder; the pipeline holds them as absolute paths.
    """
    path = Path(path)
    data = read_config(path)
    token = _BASE_DIR.set(path.absolute().parent)
    try:
        return from_config(data)
    finally:
        _BASE_DIR.reset(token)
