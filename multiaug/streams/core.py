""":func:`stream`: keyed augmentation of an unbounded iterable of samples."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from ..core.errors import InvalidInputError
from ..core.random import check_epoch
from ..core.validation import require_int
from ..sampling.lists import check_item_id
from .pool import Result, Unit, pickled_pipeline, run_local, run_pool

OWNER = "ma.stream"


def check_pipeline(owner: str, pipeline: Any) -> None:
    """A per-sample multiaug transform; dataset-level samplers are refused (they need every item)."""
    from ..core.transform import Transform

    if not isinstance(pipeline, Transform):
        raise InvalidInputError(
            owner,
            "pipeline",
            f"must be a multiaug transform, got {type(pipeline).__name__}",
            "pass e.g. ma.Compose([...], seed=0)",
        )
    if pipeline._dataset_level:
        raise InvalidInputError(
            owner,
            "pipeline",
            f"is {pipeline.name}, a dataset-level sampler: it needs the whole data set (class counts, "
            "neighbours), which a stream never holds",
            "collect the data and call fit_resample(X, y), or stream a per-sample pipeline "
            "(ma.Compose of transforms)",
        )
    # Resolves the parameters now (errors before any item is read) and, for seed=None, draws the
    # seed once, so every worker and every later call shares it.
    pipeline.validate_params()


def check_workers(owner: str, workers: Any) -> int:
    """0 (this process) up to 8 worker processes per CPU core."""
    most = max(8, 8 * (os.cpu_count() or 1))
    return require_int(owner, "workers", workers, 0, most + 1, f"pass workers=0 (this process) up to {most}")


def check_on_error(owner: str, on_error: Any) -> str:
    if on_error not in ("stop", "skip"):
        raise InvalidInputError(owner, "on_error", f"is {on_error!r}", "pass on_error='stop' or 'skip'")
    return str(on_error)


def item_label(key: str | None, ident: Any, position: int) -> str:
    """How an error names an item: its id, or its position when the stream is keyed by position."""
    if key is None:
        return f"#{position}"
    try:
        shown = repr(ident)
    except ValueError:  # an int too long to print (Python's 4,300-digit limit)
        shown = "<an int too long to print>"
    return f"{key}={shown[:80]}"


class Stream(Iterator[dict[str, Any]]):
    """The iterator :func:`stream` returns: augmented samples, one per input item, in input order.

    ``skipped`` lists ``(id, reason)`` of the items left out with ``on_error="skip"`` (it grows
    with the number of bad items only). ``close()`` (or leaving a ``with`` block) stops the
    worker processes; so does exhausting the stream.
    """

    def __init__(self, results: Iterator[Result], key: str | None, on_error: str, owner: str = OWNER) -> None:
        self._results = results
        self._owner = owner
        self._key = key
        self._on_error = on_error
        self.skipped: list[tuple[Any, str]] = []

    def __iter__(self) -> Stream:
        return self

    def __next__(self) -> dict[str, Any]:
        while True:
            (label, ident), out, why = next(self._results)
            if why is None:
                if self._key is not None:
                    out[self._key] = ident
                return out
            if self._on_error == "stop":
                self.close()
                raise InvalidInputError(
                    self._owner,
                    "items",
                    f"item {label} failed: {why}",
                    "fix or drop that item, or pass on_error='skip' (skipped items are listed in "
                    "the stream's .skipped)",
                )
            self.skipped.append((ident, why))

    def close(self) -> None:
        """Stop pulling items and end the worker processes."""
        close = getattr(self._results, "close", None)
        if close is not None:
            close()

    def __enter__(self) -> Stream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


#: The keyword arguments of a pipeline's call (``pipeline(**sample, key=..., epoch=...)``; ``trace``
#: too: a field of that name would switch tracing on and be replaced by the trace).
_CALL_ARGUMENTS = ("key", "epoch", "trace")


def _reserved_field(name: str) -> str:
    return f"has a field named {name!r}, an argument of the pipeline's call: rename that field"


def units(
    numbered: Iterable[tuple[int, Any]], key: str | None, reserved: tuple[str, ...] = ()
) -> Iterator[Unit]:
    """The keyed calls of ``(position, item)`` pairs: ``((label, id), key, sample)``, or a reason
    (in place of the key, with no sample) when an item is bad: not a dict, no valid id, or a
    field named in ``reserved`` (the keyed call's own arguments, where the items are its fields)."""
    for position, item in numbered:
        if type(item) is not dict and not isinstance(item, Mapping):  # dict first: the ABC check is slower
            label = f"#{position}"
            yield (label, position), f"is a {type(item).__name__}, not a dict of sample fields", None
            continue
        ident: Any = position
        if key is None:
            label = f"#{position}"
        elif key not in item:
            yield (f"#{position}", None), f"has no {key!r} field (its identity)", None
            continue
        else:
            given = item[key]
            label = item_label(key, given, position)
            try:
                ident = check_item_id("stream", key, given, "give every item a non-empty str or int id")
            except InvalidInputError as exc:
                yield (label, given), f"has an id that {exc.problem}", None
                continue
        for name in reserved:  # the keyed call passes them itself: such a field cannot reach the pipeline
            if name in item and name != key:
                yield (label, ident), _reserved_field(name), None
                break
        else:
            yield (label, ident), ident, ({k: v for k, v in item.items() if k != key} if key else dict(item))


def stream(
    pipeline: Any,
    items: Iterable[Any],
    key: str | None = "id",
    *,
    epoch: int = 0,
    workers: int = 0,
    on_error: str = "stop",
) -> Stream:
    """Augment an iterable of samples lazily, each keyed by its identity.

    Every output is ``pipeline(**item_without_key, key=item[key], epoch=epoch)`` with the key
    field put back, so it depends on the item's identity, never on its position, the worker
    that computed it or what came before: a resumed, reshuffled or re-read stream gives the
    same output for the same id.

    Parameters
    ----------
    pipeline : multiaug.Transform
        A per-sample pipeline (usually a seeded ``ma.Compose``). Dataset-level samplers
        (``SMOTE``, ``Oversample``...) need the whole data set and are refused.
    items : iterable of dict
        Any iterable of sample dicts, finite or not (a generator, a file read line by line,
        a queue consumer); it is read lazily, never as a whole.
    key : str or None, default "id"
        The field holding each item's identity (a str or an int), kept in the output.
        ``None`` keys every item by its position in the stream (0, 1, 2...): the same
        stream in the same order gives the same outputs, but an item moved, inserted or
        dropped upstream shifts the keys of all that follow; prefer a real id.
    epoch : int, default 0
    workers : int, default 0
        ``0`` computes in this process. ``N >= 1`` runs ``N`` worker processes (``spawn``,
        started on the first item; the pipeline must pickle). Outputs stay in input order;
        at most ``2 * workers`` small batches are read ahead, so memory stays bounded
        whatever the length of the stream. Large arrays travel through shared memory, not
        pickles (:mod:`multiaug.streams.shm`); each output array is copied out as it is
        handed over, an ordinary array the consumer owns. This process computes items too: while
        the workers start, and where a core is idle (docs/streams.md: images on every core).
    on_error : "stop" or "skip"
        An item that fails (not a dict, no id, rejected by the pipeline): ``"stop"`` raises
        ``InvalidInputError`` naming the item's id and why; ``"skip"`` leaves it out and lists
        ``(id, reason)`` in the stream's ``skipped``.

    Returns
    -------
    Stream
        An iterator of output dicts (``close()`` it, or use ``with``, to stop early).

    Examples
    --------
    >>> import itertools, multiaug as ma
    >>> pipe = ma.Compose([ma.text.RandomSwap(alpha=0.5)], seed=0)
    >>> items = ({"id": f"doc{i}", "text": f"w{i} a b c d"} for i in itertools.count())
    >>> first = list(itertools.islice(ma.stream(pipe, items), 3))   # an endless stream: read lazily
    >>> [out["id"] for out in first]
    ['doc0', 'doc1', 'doc2']
    >>> first[1]["text"] == pipe(text="w1 a b c d", key="doc1")["text"]
    True
    """
    check_pipeline(OWNER, pipeline)
    if key is not None and (not isinstance(key, str) or not key):
        raise InvalidInputError(
            OWNER, "key", f"must be a field name or None, got {key!r}", "pass key='id' (or key=None)"
        )
    epoch = check_epoch(OWNER, epoch)
    workers = check_workers(OWNER, workers)
    on_error = check_on_error(OWNER, on_error)
    if isinstance(items, (str, bytes, Mapping)) or not isinstance(items, Iterable):
        raise InvalidInputError(
            OWNER,
            "items",
            f"must be an iterable of sample dicts, got {type(items).__name__}",
            "pass a list or generator of dicts such as {'id': 'a', 'text': '...'}",
        )
    todo = units(enumerate(items), key, _CALL_ARGUMENTS)
    if workers == 0:
        results = run_local(pipeline, todo, epoch)
    else:  # pickled now: a pipeline that cannot travel is refused here, not at the first item
        results = run_pool(pickled_pipeline(OWNER, pipeline), todo, epoch, workers, OWNER, pipe=pipeline)
    return Stream(results, key, on_error)
