"""``ma.stream`` with workers: while they start, the main process computes the first items itself
and hands each over at once; outputs, order and failures are those of per-item keyed calls."""

from __future__ import annotations

import itertools
import multiprocessing
import os
import sys
import time
from typing import Any

import numpy as np
import pytest

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
    monkeypatch.setattr(P, "_cores", lambda: 4)  # the workers leave a core to this process
    monkeypatch.setattr(P._Flight, "worth_helping", lambda self: False)  # after the start, workers only
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


def test_workers_on_every_core_compute_every_item(monkeypatch) -> None:
    """Where this process would not help (text, ``workers`` taking every core), it computes no
    item at the start either: a pipeline that loads a model on its first call loads it in the
    workers only."""
    monkeypatch.setattr(P, "_cores", lambda: 2)
    pipe = _text_pipe()
    units = core.units(enumerate(_endless_texts()), "id")
    results = P.run_pool(P.pickled_pipeline("t", pipe), units, 0, 2, "t", _slow_here, pipe=pipe)
    got = list(itertools.islice(results, 40))
    results.close()
    assert [label[1] for label, _, _ in got] == [f"doc{i}" for i in range(40)]
    assert all(why is None and out["pid"] != os.getpid() for _, out, why in got)


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


def test_an_output_of_a_memory_mapped_input_is_not_the_callers_file(tmp_path, monkeypatch) -> None:
    """An input that is an ndarray subclass (``np.memmap``, or a view of one) gives outputs of the
    consumer's own, computed here or by a worker: writing into them leaves the file as it was."""
    from multiaug.streams import shm

    path = tmp_path / "image.npy"
    np.save(path, np.zeros((64, 64, 3), np.uint8))
    mapped = np.load(path, mmap_mode="r+")
    for out in (mapped, mapped[:, ::-1], mapped[8:]):  # the input itself, a flip, a crop
        got = shm.owned({"image": out}, {"image": mapped})["image"]
        assert type(got) is np.ndarray and got.flags.writeable and got.base is None
        assert not np.shares_memory(got, mapped)
    monkeypatch.setattr(P, "_cores", lambda: 2)  # one worker, this process computing too
    pipe = ma.Compose([ma.image.HorizontalFlip(p=1.0)], seed=1)
    items = ({"id": i, "image": np.load(path, mmap_mode="r+")} for i in range(6))
    for out in ma.stream(pipe, items, workers=2):
        assert type(out["image"]) is np.ndarray and out["image"].flags.writeable
        out["image"][...] = 255
    assert np.load(path).max() == 0


@pytest.mark.parametrize("buffer", [1 << 20, 0])
def test_a_worker_gets_its_pipeline_after_its_start(monkeypatch, buffer: int) -> None:
    """The pipeline is not one of a worker's Process args (spawn writes those into a pipe that the
    child reads only once up: start() waited for a pipeline over 64 KiB): it follows on the worker's
    own pipe, or, over half that pipe's buffer, in a block of shared memory, removed at the end."""
    from multiaug.streams import workers as W

    monkeypatch.setattr(W, "_room", lambda conn: buffer)
    kind, args = type(multiprocessing.get_context("spawn").Process()), []
    start = kind.start

    def seen(self: Any) -> None:
        args.append(self._args)  # start() deletes them
        start(self)

    monkeypatch.setattr(kind, "start", seen)
    pipe = _text_pipe()
    data = P.pickled_pipeline("t", pipe)
    pool = W._Workers(1, data, "t")
    try:
        assert len(args) == 1 and data not in args[0]
        held = pool.held
        assert (held is not None) == (buffer == 0)
        pool.send([("a", "k", {"text": "w1 fox jumps"})], 0, P.keyed_call, None)
        results, _, _ = pool.receive(0)
        assert results == [("a", pipe(text="w1 fox jumps", key="k"), None)]
    finally:
        pool.close(True)
    if held is not None and sys.platform.startswith("linux"):
        assert not os.path.exists(f"/dev/shm/{held.name}")


def test_workers_started_before_a_spawn_that_fails_are_stopped(monkeypatch) -> None:
    from multiaug.streams import workers as W

    grow, started = W._Workers.grow, []

    def once(self: Any) -> int:
        if self.procs:
            raise OSError("no more processes")
        started.append(grow(self))
        return started[-1]

    monkeypatch.setattr(W._Workers, "grow", once)
    with pytest.raises(OSError, match="no more processes"):
        W._Workers(2, P.pickled_pipeline("t", _text_pipe()), "t")
    assert started == [0] and _stream_children() == []


def _busy_call(pipe: ma.Compose, key: Any, sample: dict[str, Any], epoch: int) -> object:
    """The keyed call after 3 ms of CPU: items one worker cannot keep up with."""
    end = time.process_time() + 0.003
    while time.process_time() < end:
        pass
    return pipe(**sample, key=key, epoch=epoch)


def test_a_consumer_that_sleeps_and_waits_gets_the_spared_worker_started(monkeypatch) -> None:
    """Two workers on two cores for images start as one, this process helping; a consumer that
    sleeps between outputs (a training step waiting on a GPU) leaves that core idle, and where it
    still waits for the pool's answers the second worker starts, and gets batches once warm.
    Outputs and order stay the keyed calls'."""
    monkeypatch.setattr(P, "_cores", lambda: 2)
    rng = np.random.default_rng(0)
    base = rng.integers(0, 255, (64, 64, 3), np.uint8)
    pipe = ma.Compose([ma.image.HorizontalFlip(), ma.image.Rotate(limit=20)], seed=1)
    items = ({"id": i, "image": np.roll(base, i, axis=0)} for i in itertools.count())
    units = core.units(enumerate(items), "id")
    seen, counts = [], []
    results = P.run_pool(P.pickled_pipeline("t", pipe), units, 0, 2, "t", _busy_call, pipe=pipe)
    for (_, ident), out, why in itertools.islice(results, 3000):  # ~15 s at most
        assert why is None
        seen.append((ident, out))
        counts.append(len(_stream_children()))
        if counts[-1] == 2 and len(seen) % 50 == 0:
            break
        time.sleep(0.001)
    results.close()
    assert counts[0] == 1 and counts[-1] == 2
    for ident, out in seen[-60:]:
        ref = pipe(image=np.roll(base, ident, axis=0), key=ident)["image"]
        np.testing.assert_array_equal(out["image"], ref)
    assert [ident for ident, _ in seen] == list(range(len(seen)))


def test_a_consumer_never_kept_waiting_gets_no_spared_worker() -> None:
    """A consumer that sleeps between outputs whose answers are at hand when it asks (one worker
    keeps up with it) gets no second worker: it would only start a process (and a pipeline's lazy
    start-up in it); one that also waited gets it after ``_STRIKES`` such answers."""

    class Pool:
        grown = 0

        def grow(self) -> int:
            self.grown += 1
            return 1

        def send(self, *args: Any, **kwargs: Any) -> int:
            return 1

    clock = P._Clock()
    spare, pool = P._Spare(1, clock), Pool()
    for waited in [False] * 10 + [True] * P._STRIKES:
        clock.asleep += 1.0  # asleep through the whole interval
        assert pool.grown == 0
        spare.step(pool, None, (0, P.keyed_call), 2, waited)  # type: ignore[arg-type]
    assert pool.grown == 1
