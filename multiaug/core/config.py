"""Configuration: ``to_config`` / ``from_config``, ``save`` / ``load`` and fingerprints.

A configuration is a tree of plain nodes ``{"transform": NAME, "params": {...}}``.
Building one only ever instantiates classes found in the registry, with keyword
parameters checked against their signature, so a config cannot import or call
arbitrary code. YAML is read with PyYAML's safe loader.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import math
import numbers
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .errors import ConfigError, InvalidInputError
from .registry import _REGISTRY, lookup
from .transform import Transform

__all__ = ["fingerprint", "from_config", "load", "save", "to_config"]

_NODE_KEYS = frozenset({"transform", "params"})


def _encode(value: Any, where: str) -> Any:
    if isinstance(value, Transform):
        return to_config(value)
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        f = float(value)
        if not math.isfinite(f):
            raise ConfigError(f"{where} is {f}, which a config cannot hold; use a finite number")
        return f
    if isinstance(value, (list, tuple)):
        return [_encode(v, f"{where}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, Mapping):
        out = {}
        for k, v in value.items():
            if not isinstance(k, str):
                raise ConfigError(f"{where} has a non-string key {k!r}; configs need string keys")
            out[k] = _encode(v, f"{where}.{k}")
        return out
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    raise ConfigError(
        f"{where} holds a {type(value).__name__}, which a config cannot hold; pass plain numbers, "
        "strings, lists, dicts or file paths instead"
    )


def to_config(transform: Transform) -> dict[str, Any]:
    """A plain, JSON-able dict describing ``transform`` (see :func:`from_config`)."""
    name = transform.registry_name
    if not name or _REGISTRY.get(name) is not type(transform):
        raise ConfigError(
            f"{type(transform).__qualname__} is not registered, so a config cannot name it; "
            "decorate the class with @multiaug.register"
        )
    params = {n: _encode(v, f"{name}.{n}") for n, v in transform.get_params(deep=False).items()}
    return {"transform": name, "params": params}


def _decode(value: Any, where: str) -> Any:
    if isinstance(value, Mapping):
        if "transform" in value and set(value) <= _NODE_KEYS:
            return _build(value, where)
        return {k: _decode(v, f"{where}.{k}") for k, v in value.items()}
    if isinstance(value, list):
        return [_decode(v, f"{where}[{i}]") for i, v in enumerate(value)]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise ConfigError(f"{where} holds a {type(value).__name__}; configs hold only plain data")


def _build(node: Mapping[str, Any], where: str) -> Transform:
    if not isinstance(node, Mapping):
        raise ConfigError(f"{where} must be a mapping with 'transform' and 'params', got {node!r}")
    extra = set(node) - _NODE_KEYS
    if extra or "transform" not in node:
        raise ConfigError(f"{where} must have exactly the keys 'transform' and 'params' (got {sorted(node)})")
    cls = lookup(node["transform"])
    params = node.get("params", {})
    if params is None:
        params = {}
    if not isinstance(params, Mapping):
        raise ConfigError(f"{where}.params must be a mapping, got {type(params).__name__}")
    allowed = cls._param_names()
    unknown = sorted(set(params) - set(allowed))
    if unknown:
        raise ConfigError(
            f"{where} ({cls.registry_name}) has unknown parameter(s) {unknown}; allowed: {list(allowed)}"
        )
    kwargs = {k: _decode(v, f"{where}.{k}") for k, v in params.items()}
    sig = inspect.signature(cls.__init__).parameters
    missing = [n for n in allowed if n not in kwargs and sig[n].default is inspect.Parameter.empty]
    if missing:
        raise ConfigError(f"{where} ({cls.registry_name}) lacks required parameter(s) {missing}")
    try:
        obj = cls(**kwargs)
        obj.validate_params()
    except InvalidInputError as exc:
        raise ConfigError(f"{where}: {exc}") from exc
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
    return _build(config, "config")


def _canonical(transform_or_config: Transform | Mapping[str, Any]) -> str:
    cfg = (
        to_config(transform_or_config)
        if isinstance(transform_or_config, Transform)
        else _encode(transform_or_config, "config")
    )
    return json.dumps(cfg, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False)


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
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
    return path


def read_config(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read a config file as plain data (safe YAML loader or JSON), without building it."""
    path = Path(path)
    fmt = _format(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read config {str(path)!r}: {exc}") from exc
    try:
        if fmt == "json":
            data = json.loads(text)
        else:
            import yaml

            data = yaml.safe_load(text)
    except Exception as exc:  # json.JSONDecodeError, yaml.YAMLError (incl. unsafe tags)
        raise ConfigError(f"{str(path)!r} is not a valid {fmt.upper()} config: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{str(path)!r} must hold a mapping at the top level")
    return data


def load(path: str | os.PathLike[str]) -> Transform:
    """Build the pipeline saved at ``path`` (``.json``, ``.yaml`` or ``.yml``)."""
    return from_config(read_config(path))
