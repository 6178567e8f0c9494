"""What one unit of :func:`multiaug.stream` is, and its keyed call: shared by the main process
and the worker processes (:mod:`multiaug.streams.workers`).

A *unit* is ``(label, key, sample)``: ``label`` names the item in error messages (its id),
``key`` is the keyed call's key and ``sample`` the fields handed to the pipeline. A result is
``(label, output, None)`` or ``(label, None, reason)`` for a unit that failed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

Unit = tuple[Any, Any, dict[str, Any] | None]
Result = tuple[Any, Any, str | None]


def reason(exc: BaseException) -> str:
    """One line saying why an item failed (an InvalidInputError's problem, else the exception)."""
    from ..jobs.chunk import _reason

    return _reason(exc)


def keyed_call(pipe: Any, key: Any, sample: Any, epoch: int) -> Any:
    """The work of a unit of :func:`multiaug.stream`: the keyed call itself."""
    return pipe(**sample, key=key, epoch=epoch)


#: What a unit's work is: ``work(pipe, key, sample, epoch) -> output`` (a module-level function,
#: so it travels to the workers by name).
Work = Callable[[Any, Any, Any, int], Any]


def call(pipe: Any, unit: Unit, epoch: int, work: Work = keyed_call) -> Result:
    """One unit; a failure comes back as its reason (a unit with no sample failed earlier)."""
    label, key, sample = unit
    if sample is None:
        return label, None, str(key)  # a bad item: ``key`` holds the reason
    try:
        return label, work(pipe, key, sample, epoch), None
    except Exception as exc:  # every failure of one item follows on_error
        return label, None, reason(exc)


def run_local(pipe: Any, units: Iterable[Unit], epoch: int, work: Work = keyed_call) -> Iterator[Result]:
    """The units one after the other, in this process (``workers=0``): the plain loop of keyed calls."""
    for unit in units:
        yield call(pipe, unit, epoch, work)
