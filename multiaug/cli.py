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


def _check_split(args: argparse.Namespace) -> int:
    from .data import read_dataset
    from .guard import SplitGuard

    train, val = read_dataset(args.train), read_dataset(args.val)
    if train.kind != val.kind:
        print(f"multiaug check-split: error: TRAIN holds {train.kind}, VAL holds {val.kind}", file=sys.stderr)
        return 2
    guard = SplitGuard(near_duplicates=not args.exact_only)
    report = guard.check(train.items, val.items, groups_train=train.groups, groups_val=val.groups)
    if args.json:
        print(report.to_json(indent=2))
    else:
        print(f"train: {args.train} ({len(train.items)} {train.kind} items)")
        print(f"val:   {args.val} ({len(val.items)} {val.kind} items)")
        print(report)
        for leak in report.leaks[: args.max_leaks]:
            t, v, reason = leak
            print(f"  {reason:<15} train {train.sources[t]}  <->  val {val.sources[v]}  ({leak.score:.3f})")
        if len(report.leaks) > args.max_leaks:
            print(f"  ... {len(report.leaks) - args.max_leaks} more (use --json for all)")
    return 0 if report.ok else 1


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

    p = sub.add_parser(
        "check-split",
        help="report leaks between a training and a validation set (exit 1 when there are any)",
    )
    p.add_argument(
        "train", help="training set: a folder (class sub-folders allowed) or a CSV/Parquet manifest"
    )
    p.add_argument("val", help="validation set, same forms")
    p.add_argument("--json", action="store_true", help="print the whole report as JSON")
    p.add_argument("--exact-only", action="store_true", help="skip near-duplicate detection")
    p.add_argument("--max-leaks", type=int, default=20, help="leaks listed in the text report")
    p.set_defaults(func=_check_split)

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
