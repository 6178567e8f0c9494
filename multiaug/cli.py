"""The ``multiaug`` command line."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ._version import __version__
from .core.errors import MultiaugError

__all__ = ["main", "tree"]


def tree(config: dict[str, Any], indent: str = "") -> list[str]:
    """Lines of an indented pipeline tree from a config dict."""
    params = dict(config.get("params", {}))
    children = params.pop("transforms", None)
    shown = ", ".join(f"{k}={v!r}" for k, v in params.items())
    lines = [f"{indent}{config['transform']}({shown})"]
    for child in children or []:
        lines += tree(child, indent + "    ")
    return lines


def _inspect(args: argparse.Namespace) -> int:
    from .core.config import from_config, read_config

    pipe = from_config(read_config(args.config))
    cfg = pipe.to_config()
    if args.json:
        print(json.dumps({"fingerprint": pipe.fingerprint, "config": cfg}, indent=2))
    else:
        print("\n".join(tree(cfg)))
        print(f"fingerprint: {pipe.fingerprint}")
    return 0


def _demo(args: argparse.Namespace) -> int:
    from .demo import run_demo

    run_demo(Path(args.output))
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="multiaug", description="One seeded augmentation API across images, text, audio and tables."
    )
    parser.add_argument("--version", action="version", version=f"multiaug {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("inspect", help="print a pipeline config as a tree, with its fingerprint")
    p.add_argument("config", help="a .yaml/.yml/.json pipeline config")
    p.add_argument("--json", action="store_true", help="print the canonical config and fingerprint as JSON")
    p.set_defaults(func=_inspect)

    p = sub.add_parser("demo", help="run the embedded end-to-end example")
    p.add_argument("--output", default="multiaug-demo", help="folder for the demo's outputs")
    p.set_defaults(func=_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        return int(args.func(args))
    except MultiaugError as exc:
        print(f"multiaug {args.command}: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
