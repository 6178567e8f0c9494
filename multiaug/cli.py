"""The ``multiaug`` command line."""

from __future__ import annotations

import argparse
import json
import sys
import warnings
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
    from .core.config import load

    pipe = load(args.config)  # relative paths in the file are read from its folder
    cfg = pipe.to_config()
    if args.json:
        print(json.dumps({"fingerprint": pipe.fingerprint, "config": cfg}, indent=2))
    else:
        print("\n".join(tree(cfg)))
        print(f"fingerprint: {pipe.fingerprint}")
    return 0


def _demo(args: argparse.Namespace) -> int:
    from .core.errors import InvalidInputError
    from .demo import run_demo

    out = Path(args.output)
    if out.exists() and not out.is_dir():
        raise InvalidInputError("multiaug demo", "--output", f"{out} is a file", "pass a folder path")
    run_demo(out)
    return 0


def _check_split(args: argparse.Namespace) -> int:
    from .core.errors import InvalidInputError
    from .data import read_dataset
    from .guard import SplitGuard

    if args.max_leaks < 0:
        raise InvalidInputError(
            "multiaug check-split", "--max-leaks", f"is {args.max_leaks}", "pass --max-leaks 0 or more"
        )

    train, val = read_dataset(args.train), read_dataset(args.val)
    if train.kind != val.kind:
        print(f"multiaug check-split: error: TRAIN holds {train.kind}, VAL holds {val.kind}", file=sys.stderr)
        return 2
    if train.kind == "audio" and train.sample_rate != val.sample_rate:
        print(
            f"multiaug check-split: error: TRAIN is at {train.sample_rate} Hz, VAL at {val.sample_rate} Hz; "
            "resample one set first",
            file=sys.stderr,
        )
        return 2
    guard = SplitGuard(near_duplicates=not args.exact_only)
    report = guard.check(
        train.items,
        val.items,
        groups_train=train.groups,
        groups_val=val.groups,
        sample_rate=train.sample_rate if train.kind == "audio" else None,
    )
    if args.json:
        print(report.to_json(indent=2, evidence=True))
    else:
        print(f"train: {args.train} ({len(train.items)} {train.kind} items)")
        print(f"val:   {args.val} ({len(val.items)} {val.kind} items)")
        print(report)
        if not report.ok:
            print("by reason: " + ", ".join(f"{reason} {n}" for reason, n in report.by_reason().items()))
        for leak in report.leaks[: args.max_leaks]:
            t, v, reason = leak
            print(f"  {reason:<15} train {train.sources[t]}  <->  val {val.sources[v]}")
            print(f"  {'':<15} {leak.explain()}")
        if len(report.leaks) > args.max_leaks:
            print(f"  ... {len(report.leaks) - args.max_leaks} more (use --json for all, with the evidence)")
        _print_low_detail(report.low_detail, val.sources, args.max_leaks)
    return 0 if report.ok else 1


def _print_low_detail(low: Sequence[int], sources: Sequence[Any], most: int) -> None:
    """The validation images too flat to verify (not leaks; not cleared either)."""
    if not low:
        return
    print(
        f"too little detail to verify: {len(low)} val images (flat: a warped or recoloured copy of one "
        "looks like any other such image, so its copies can be neither found nor ruled out)"
    )
    for v in low[:most]:
        print(f"  val {sources[v]}")
    if len(low) > most:
        print(f'  ... {len(low) - most} more (use --json: "low_detail")')
    print("  fix: dedupe by provenance (keep the source each item was cut or augmented from)")


def _augment_lines(args: argparse.Namespace) -> int:
    """``--input - --output -``: JSON Lines on stdin, one output line per copy on stdout."""
    from .core.errors import InvalidInputError
    from .jobs.job import _check_options, _load_pipeline
    from .streams.jsonl import run

    if args.input != "-" or args.output != "-":
        given, other = ("--input", "--output") if args.input == "-" else ("--output", "--input")
        raise InvalidInputError(
            "multiaug augment", other, f"must be '-' too when {given} is '-'", "pass --input - --output -"
        )
    if args.balance:
        raise InvalidInputError(
            "multiaug augment",
            "--balance",
            "needs the whole data set (its class counts), which a stream on stdin never holds",
            "augment a manifest file, or pass --copies N",
        )
    if args.engine != "local" or args.scheduler:
        raise InvalidInputError(
            "multiaug augment", "--engine", "must be local for a stream on stdin", "pass --workers N instead"
        )
    for flag, given in (
        ("--update", args.update),
        ("--table-format", args.table_format),
        ("--force", args.force),
    ):
        if given:
            raise InvalidInputError(
                "multiaug augment", flag, "applies to an output folder, not to --output -", f"drop {flag}"
            )
    _check_options(args.workers, args.on_error, "local", None, args.copies, args.seed)
    pipe = _load_pipeline(args.config, args.seed)
    copies = 1 if args.copies is None else args.copies
    try:
        return run(pipe, copies, args.workers, args.on_error, sys.stdin.buffer, sys.stdout, sys.stderr)
    except KeyboardInterrupt:  # every line written so far is whole and flushed
        print("multiaug augment: interrupted", file=sys.stderr)
        return 130


def _show_warnings(caught: list[warnings.WarningMessage]) -> None:
    """A job's own warnings as one line each on stderr; any other warning as Python shows it."""
    from .jobs import JobWarning

    for w in caught:
        if issubclass(w.category, JobWarning):
            print(f"multiaug augment: warning: {w.message}", file=sys.stderr)
        else:
            warnings.showwarning(w.message, w.category, w.filename, w.lineno)


def _augment(args: argparse.Namespace) -> int:
    from .jobs import JobWarning, augment

    if args.input == "-" or args.output == "-":
        return _augment_lines(args)
    show = not args.quiet and sys.stderr.isatty() if args.progress is None else args.progress
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", JobWarning)
            result = augment(
                args.config,
                args.input,
                args.output,
                copies=args.copies,
                balance=args.balance,
                seed=args.seed,
                workers=args.workers,
                engine=args.engine,
                scheduler=args.scheduler,
                force=args.force,
                progress=show,
                on_error=args.on_error,
                update=args.update,
                table_format=args.table_format,
                profile=args.profile,
            )
        _show_warnings(caught)
    except KeyboardInterrupt:
        print(
            "multiaug augment: interrupted; run the same command again to finish the job "
            "(finished items are kept)",
            file=sys.stderr,
        )
        return 130
    if not args.quiet:
        if result.kind == "table":
            e = result.extra
            print(
                f"multiaug augment: {e['rows_in']} rows in, {e['rows_out']} out ({result.units} new) "
                f"-> {result.output / e['table']}"
            )
        elif result.kind == "text" and "table" in result.extra:
            print(
                f"multiaug augment: {result.extra['rows_out']} augmented texts "
                f"-> {result.output / result.extra['table']}"
            )
        elif result.units == 0:
            print(f"multiaug augment: nothing to add (the classes are already balanced) in {result.output}")
        else:
            files = result.extra.get("outputs", result.units)
            print(f"multiaug augment: {files} {result.kind} files in {result.output}")
        if result.extra.get("skipped"):
            print(
                f"  skipped: {result.extra['skipped']} bad items or copies, "
                f"listed in {result.output / 'skipped.json'}"
            )
        if result.resumed:
            print(f"  resumed: {result.resumed} already done, {result.computed} computed now")
        engine = "dask" if args.scheduler else args.engine
        workers = f"{args.workers} worker{'s' if args.workers != 1 else ''}"
        print(
            f"  {result.computed} computed in {result.seconds:.2f} s "
            f"({result.items_per_second:.1f} items/s, engine {engine}, {workers})"
        )
        print(f"  manifest: {result.manifest}")
        if "profile" in result.extra:
            print(f"  profile: {result.extra['profile']}")
        print(f"  fingerprint: {result.fingerprint}")
    return 0


def _augment_parser(sub: Any) -> None:
    """The options of ``multiaug augment`` (a folder or manifest job, or JSON Lines on stdin)."""
    p = sub.add_parser(
        "augment",
        help="augment a dataset folder or CSV/Parquet manifest (resumable; same bytes on any engine)",
    )
    p.add_argument("config", help="the pipeline: a .yaml/.yml/.json config (ma.save writes one)")
    p.add_argument(
        "--input",
        required=True,
        help="a folder (class sub-folders give labels) or a CSV/Parquet manifest; '-': JSON Lines on stdin "
        "(one item a line with an 'id'; needs --output -)",
    )
    p.add_argument(
        "--output",
        required=True,
        help="folder for the outputs, manifest.parquet and run.json; '-': JSON Lines on stdout, one line "
        "per copy, flushed as made",
    )
    p.add_argument("--copies", type=int, default=None, help="augmented copies of every item (default 1)")
    p.add_argument(
        "--balance",
        action="store_true",
        help="add copies to minority classes only (tables: the config is a sampler such as SMOTE)",
    )
    p.add_argument("--seed", type=int, default=None, help="override the pipeline's seed")
    p.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    p.add_argument("--engine", choices=("local", "dask"), default="local", help="local process pool or Dask")
    p.add_argument(
        "--scheduler", default=None, help="address of a running Dask scheduler (implies --engine dask)"
    )
    p.add_argument("--force", action="store_true", help="replace another job's outputs in --output")
    p.add_argument(
        "--update",
        action="store_true",
        help="the input changed since --output was written: compute new and changed items only "
        "(content digest), remove outputs of items that are gone, leave every other file as it is",
    )
    p.add_argument(
        "--table-format",
        choices=("parquet", "csv"),
        default=None,
        help="a manifest with a 'text' column becomes one table, texts.parquet (default) or texts.csv; "
        "a table's output is table.parquet or table.csv (default: the input's format)",
    )
    p.add_argument(
        "--on-error",
        choices=("stop", "skip"),
        default="stop",
        help="a bad item (unreadable, missing, outside the input): stop before writing anything (default) "
        "or skip it and list it in skipped.json",
    )
    p.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="progress bar with items/s and ETA (default: on when stderr is a terminal)",
    )
    p.add_argument(
        "--profile",
        action="store_true",
        help="record per-transform time, applied rate and drawn parameters into <fingerprint>.profile.json",
    )
    p.add_argument("--quiet", action="store_true", help="print nothing but errors")
    p.set_defaults(func=_augment)


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

    _augment_parser(sub)

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
    except BrokenPipeError:  # e.g. `multiaug check-split ... | head`
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except MultiaugError as exc:
        prefix, message = f"multiaug {args.command}", str(exc)
        message = message.removeprefix(f"{prefix}: ")
        print(f"{prefix}: error: {message}", file=sys.stderr)
        return 2
    except OSError as exc:  # a file or folder the command cannot read or write
        where = f": {exc.filename}" if exc.filename else ""
        print(f"multiaug {args.command}: error: {exc.strerror or exc}{where}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
