"""``ma.stream`` with workers: while they start, the main process computes the first items itself
and hands each over at once; outputs, order and failures are those of per-item keyed calls."""

from __future__ import annotations

import itertools
import multiprocessing
import os
import time
from typing import Any

import numpy as np
import pytest
from test_streams_shm import (
    LINUX,
    _bad_item,
    _blocks,
    _interrupted,
    _source_fails,
    _stop_early,
    _worker_killed,
)

import multiaug as ma
from multiaug.streams import core
from multiaug.streams import pool as P


def _text_pipe() -> ma.Compose:
    return ma.Compose([ma.text.RandomSwap(alpha=0.5), ma.text.CharNoise(alpha=0.1)], seed=3)


def _slow_here(pipe: ma.Compose, key: str, sample: dict[str, Any], epoch: int) -> object:
    """The keyed call, slowed down in the main process (so that the workers start before the stream
    ends), with the process that made it."""
    if multiprocessing.parent_process() is None:
        time.sleep(0.001)
    return {**pipe(**sample, key=key, epoch=epoch), "pid": os.getpid()}


def _endless_texts() -> Any:
    for i in itertools.count():
        yield {"id": f"doc{i}", "text": f"w{i} the quick brown fox"}


@pytest.mark.parametrize("workers", [1, 2])
def test_the_first_items_are_computed_here_then_the_workers_take_over(monkeypatch, workers: int) -> None:
    monkeypatch.setattr(P, "_HELP", False)  # after the start, every item in a worker
    pipe = _text_pipe()
    units = core.units(enumerate(_endless_texts()), "id")
    results = P.run_pool(P.pickled_pipeline("t", pipe), units, 2, workers, "t", _slow_here, pipe=pipe)
    got: list[Any] = []
    for result in itertools.islice(results, 20_000):  # ~20 s at most, where a worker never starts
        got.append(result)
        if result[1]["pid"] != os.getpid() and len(got) % 100 == 0:
            break
    results.close()
    assert [label[1] for label, _, _ in got] == [f"doc{i}" for i in range(len(got))]
    pids = [out["pid"] for _, out, _ in got]
    here = pids.index(next(pid for pid in pids if pid != os.getpid()))
    assert here >= 1 and os.getpid() not in pids[here:]  # this process first, then the workers only
    for (_, ident), out, why in got:
        assert (
            why is None
            and out["text"] == pipe(text=f"w{ident[3:]} the quick brown fox", key=ident, epoch=2)["text"]
        )


class _Unpicklable:
    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError("no pickling here")


def _bad_items() -> list[Any]:
    items: list[Any] = [{"id": f"doc{i}", "text": f"w{i} fox jumps"} for i in range(8)]
    items[1] = "not a dict"
    items[2] = {"text": "no id"}
    items[3] = {"id": "num", "text": 42}  # the pipeline refuses it
    items[4] = {"id": "odd", "text": "a b c", "meta": _Unpicklable()}  # could not cross to a worker
    return items


@pytest.mark.parametrize("workers", [1, 2])
def test_failures_while_the_workers_start_are_a_workers_by_their_ids(workers: int) -> None:
    pipe = _text_pipe()
    stream = ma.stream(pipe, iter(_bad_items()), workers=workers, on_error="skip")
    outs = list(stream)
    assert [o["id"] for o in outs] == ["doc0", "doc5", "doc6", "doc7"]
    assert all(o["text"] == pipe(text=f"w{o['id'][3:]} fox jumps", key=o["id"])["text"] for o in outs)
    assert [s[0] for s in stream.skipped] == [1, None, "num", "odd"]
    assert "cannot travel to a worker process (TypeError: no pickling here)" in stream.skipped[3][1]
    with pytest.raises(ma.InvalidInputError, match=r"item id='num' failed: .*text"):
        list(ma.stream(pipe, iter(_bad_items()[3:]), workers=workers))


@pytest.mark.parametrize("workers", [1, 2])
def test_a_source_that_raises_while_the_workers_start(workers: int) -> None:
    pipe = _text_pipe()

    def source() -> Any:
        yield from ({"id": i, "text": f"w{i} fox jumps"} for i in range(5))
        raise ValueError("the feed broke")

    got = []
    with pytest.raises(ValueError, match="the feed broke"):
        for out in ma.stream(pipe, source(), workers=workers):
            got.append(out)
    assert [o["text"] for o in got] == [pipe(text=f"w{i} fox jumps", key=i)["text"] for i in range(5)]


def _stream_children() -> list[Any]:
    return [c for c in multiprocessing.active_children() if c.name == "multiaug-stream"]


def test_closed_early_or_short_the_starting_workers_are_stopped() -> None:
    pipe = _text_pipe()
    with ma.stream(pipe, _endless_texts(), workers=2) as outs:
        assert next(outs)["id"] == "doc0"  # at once: computed here
    assert _stream_children() == []
    outs = list(ma.stream(pipe, iter([{"id": "a", "text": "one two"}]), workers=2))
    assert outs == [{**pipe(text="one two", key="a"), "id": "a"}] and _stream_children() == []


def test_images_while_the_workers_start_equal_keyed_calls() -> None:
    rng = np.random.default_rng(0)
    pipe = ma.Compose([ma.image.HorizontalFlip(), ma.image.Rotate(limit=20)], seed=1)
    items: list[dict[str, Any]] = [
        {"id": i, "image": rng.integers(0, 255, (32, 32, 3), np.uint8)} for i in range(30)
    ]
    outs = list(ma.stream(pipe, iter(items), workers=2))
    assert [o["id"] for o in outs] == list(range(30))
    for it, out in zip(items, outs, strict=True):
        np.testing.assert_array_equal(out["image"], pipe(image=it["image"], key=it["id"])["image"])
        assert not np.shares_memory(out["image"], it["image"])  # the consumer's own, as from a worker


@LINUX
@pytest.mark.parametrize(
    "run",
    [
        _stop_early,
        _bad_item,
        lambda: _source_fails(ValueError("the source broke")),
        _interrupted,
        _worker_killed,
    ],
    ids=["closed early", "on_error stop", "the source raises", "Ctrl-C in the loop", "worker killed"],
)
def test_no_block_is_left_on_any_way_out_with_the_start(run):
    run()
    assert _blocks() == []


@pytest.mark.parametrize("cores", [2, 4])
def test_workers_taking_every_core_leave_one_to_this_process_for_images_only(monkeypatch, cores: int) -> None:
    """Two workers on two cores: images (their arrays cross through shared memory) get one worker
    and this process's help; text keeps both workers. With cores to spare, the workers asked for."""
    monkeypatch.setattr(P, "_cores", lambda: cores)
    rng = np.random.default_rng(0)
    images = [{"id": i, "image": rng.integers(0, 255, (64, 64, 3), np.uint8)} for i in range(5)]
    flip = ma.Compose([ma.image.HorizontalFlip(p=1.0)], seed=0)
    texts = [{"id": i, "text": f"w{i} fox jumps"} for i in range(5)]
    for items, pipe, started in ((images, flip, 1 if cores == 2 else 2), (texts, _text_pipe(), 2)):
        with ma.stream(pipe, iter(items), workers=2) as outs:
            next(outs)
            assert len(_stream_children()) == started
            rest = list(outs)
        assert len(rest) == 4 and _stream_children() == []


def test_an_output_computed_here_is_the_consumers_own() -> None:
    """An output array of its own is handed over as it is; a view, a read-only array or the
    item's own array is copied (once per array), as an output crossing back from a worker."""
    from multiaug.streams import shm

    image = np.zeros((64, 64, 3), np.uint8)
    fresh = image + 1
    out = {"image": fresh, "label": 3}
    assert shm.owned(out, {"image": image, "label": 3}) is out
    frozen = image.copy()
    frozen.flags.writeable = False
    for given in (image, image[:, ::-1], frozen):
        got = shm.owned({"image": given, "mask": given}, {"image": image})
        assert got["image"] is got["mask"] and not np.shares_memory(got["image"], image)
        assert got["image"].flags.writeable
        np.testing.assert_array_equal(got["image"], given)


def test_a_consumer_that_sleeps_gets_the_spared_worker_started(monkeypatch) -> None:
    """Two workers on two cores for images start as one, this process helping; a consumer that
    sleeps between outputs (a training step waiting on a GPU) leaves that core idle, so the second
    worker starts, and gets batches once warm. Outputs and order stay the keyed calls'."""
    monkeypatch.setattr(P, "_cores", lambda: 2)
    rng = np.random.default_rng(0)
    base = rng.integers(0, 255, (64, 64, 3), np.uint8)
    pipe = ma.Compose([ma.image.HorizontalFlip(), ma.image.Rotate(limit=20)], seed=1)
    items = ({"id": i, "image": np.roll(base, i, axis=0)} for i in itertools.count())
    seen, counts = [], []
    with ma.stream(pipe, items, workers=2) as outs:
        for out in itertools.islice(outs, 3000):  # ~15 s at most
            seen.append(out)
            counts.append(len(_stream_children()))
            if counts[-1] == 2 and len(seen) % 50 == 0:
                break
            time.sleep(0.005)
    assert counts[0] == 1 and counts[-1] == 2
    for out in seen[-60:]:
        ref = pipe(image=np.roll(base, out["id"], axis=0), key=out["id"])["image"]
        np.testing.assert_array_equal(out["image"], ref)
    assert [o["id"] for o in seen] == list(range(len(seen)))
