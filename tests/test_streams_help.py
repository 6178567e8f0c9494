"""``ma.stream``'s main process computes items itself while it waits for a busy worker: the same
outputs, in input order, and the same failures as if every item had crossed to a worker."""

from __future__ import annotations

import multiprocessing
import os
import time
from typing import Any

import numpy as np
import pytest

import multiaug as ma
from multiaug.streams import core
from multiaug.streams import pool as P


def _text_pipe() -> ma.Compose:
    return ma.Compose([ma.text.RandomSwap(alpha=0.5), ma.text.CharNoise(alpha=0.1)], seed=3)


def _slow_in_workers(pipe: ma.Compose, key: str, sample: dict[str, Any], epoch: int) -> object:
    """The keyed call, slowed down in a worker (so that the main process has time to help), with
    the process that made it."""
    sample = dict(sample)
    pause = sample.pop("pause", 0.004)
    if multiprocessing.parent_process() is not None:
        time.sleep(pause)
    return {**pipe(**sample, key=key, epoch=epoch), "pid": os.getpid()}


class _Unpicklable:
    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError("no pickling here")


class _MainOnly:
    """Pickles, but cannot be rebuilt in this process (an output that cannot come back)."""

    def __reduce__(self) -> tuple[object, tuple[()]]:
        return (_refuse, ())


def _refuse() -> object:
    raise ValueError("cannot rebuild here")


def test_the_main_process_helps_a_busy_worker_outputs_and_order_kept(monkeypatch) -> None:
    monkeypatch.setattr(P, "_cores", lambda: 2)  # one worker leaves a core idle, whatever the machine
    monkeypatch.setattr(P, "_START", False)  # 40 items: all computed here while the worker starts
    pipe = _text_pipe()
    items: list[dict[str, object]] = [{"id": f"doc{i}", "text": f"w{i} fox jumps"} for i in range(40)]
    items[2]["meta"] = lambda: 0  # the first item computed here: it still cannot travel, and fails
    units = core.units(enumerate(items), "id")
    results = list(P.run_pool(P.pickled_pipeline("t", pipe), units, 1, 1, "t", _slow_in_workers, pipe=pipe))
    assert [label[1] for label, _, _ in results] == [it["id"] for it in items]
    assert results[2][1] is None and "cannot travel to a worker process" in str(results[2][2])
    pids = set()
    for (_, ident), out, why in results[:2] + results[3:]:
        assert why is None
        assert out["text"] == pipe(text=f"w{ident[3:]} fox jumps", key=ident, epoch=1)["text"]
        pids.add(out["pid"])
    assert os.getpid() in pids and len(pids) == 2  # both this process and the worker made outputs


def test_an_item_computed_here_fails_as_in_a_worker() -> None:
    """call_here gives a worker's reasons: an item too deep or not pickling cannot travel, an
    output that does not pickle or cannot be rebuilt here cannot come back; arrays are owned."""
    pipe = _text_pipe()
    deep: list[object] = []
    for _ in range(3000):
        deep = [deep]
    unit: P.Unit = ("d", "d", {"text": "a b c", "meta": deep})
    assert "nested too deeply" in str(P.call_here(pipe, unit, 0)[2])
    unit = ("u", "u", {"text": "a b c", "meta": _Unpicklable()})
    why = P.call_here(pipe, unit, 0)[2]
    assert "cannot travel to a worker process (TypeError: no pickling here)" in str(why)
    for meta, told in (
        (_Unpicklable(), "does not pickle"),
        (_MainOnly(), "could not be rebuilt in the main"),
    ):
        _, out, why = P.call_here(pipe, ("o", "o", {"text": "a b c"}), 0, lambda *_, m=meta: {"m": m})
        assert out is None and f"gave an output that {told}" in str(why)
    image = np.arange(64 * 64 * 3, dtype=np.uint8).reshape(64, 64, 3)
    flip = ma.Compose([ma.image.HorizontalFlip(p=1.0)], seed=0)
    _, out, why = P.call_here(flip, ("i", "i", {"image": image, "mask": image}), 0)
    assert why is None
    for name in ("image", "mask"):
        assert not np.shares_memory(out[name], image) and out[name].flags.writeable
        np.testing.assert_array_equal(out[name], image[:, ::-1])


@pytest.mark.parametrize("workers", [1])
def test_a_stream_with_help_equals_keyed_calls_for_images(monkeypatch, workers: int) -> None:
    monkeypatch.setattr(P, "_cores", lambda: workers + 1)
    rng = np.random.default_rng(0)
    pipe = ma.Compose([ma.image.HorizontalFlip(), ma.image.Rotate(limit=20)], seed=1)
    items: list[dict[str, Any]] = [
        {"id": i, "image": rng.integers(0, 255, (64, 64, 3), np.uint8)} for i in range(60)
    ]
    outs = list(ma.stream(pipe, iter(items), workers=workers))
    assert [o["id"] for o in outs] == list(range(60))
    for it, out in zip(items, outs, strict=True):
        np.testing.assert_array_equal(out["image"], pipe(image=it["image"], key=it["id"])["image"])
        assert not np.shares_memory(out["image"], it["image"])


def test_help_rests_after_a_stint_that_found_no_idle_core() -> None:
    """On a machine busy with other jobs a stint of help runs on a fraction of a core: the stream
    then hands over _REST answers without helping before it tries again. A source that waits (a
    queue) is not helped either: the help would hold finished answers back while it waits."""
    flight = P._Flight()
    flight.answered(10, 0.01)
    assert flight.worth_helping()
    flight.helped(0.01, 0.001)  # a tenth of a core, while the stream warms up: not judged
    assert flight.worth_helping()
    for _ in range(P._WARM):
        flight.answered(10, 0.01)
    flight.helped(0.01, 0.001)  # a tenth of a core
    assert not flight.worth_helping()
    for _ in range(P._REST):
        flight.answered(10, 0.01)
    assert flight.worth_helping()
    flight.helped(0.01, 0.009)
    flight.helped(0.001, 0.0)  # too short to tell
    assert flight.worth_helping()
    flight.source_s = 0.001  # a source as slow as the work
    assert not flight.worth_helping()
    solo = P._Flight(solo=True)  # one worker: no rest, but _STRIKES busy stints in a row mean busy
    for _ in range(P._WARM):
        solo.answered(10, 0.01)
    for _ in range(P._STRIKES - 1):
        solo.helped(0.01, 0.001)
    solo.helped(0.01, 0.009)  # a stint with a core of its own: the count starts again
    for _ in range(P._STRIKES - 1):
        solo.helped(0.01, 0.001)
    assert not solo.busy and solo.worth_helping()
    solo.helped(0.01, 0.001)
    assert solo.busy


def _slow_images(pipe: ma.Compose, key: int, sample: dict[str, Any], epoch: int) -> object:
    """The keyed call on an image, slowed down in a worker, with the process that made it."""
    if multiprocessing.parent_process() is not None:
        time.sleep(0.002)
    return {**pipe(**sample, key=key, epoch=epoch), "pid": os.getpid()}


def test_one_worker_without_an_idle_core_runs_as_the_loop_then_tries_the_pool_again(monkeypatch) -> None:
    """Every stint of help made to look as if it found no idle core: with images (their arrays
    cross through shared memory) the stream hands over the batches in flight, computes the next
    items here one after the other (the plain loop), then sends batches again; outputs, order and
    failures are those of keyed calls throughout. Text keeps the rest rule."""
    monkeypatch.setattr(P, "_cores", lambda: 2)
    monkeypatch.setattr(P, "_START", False)
    monkeypatch.setattr(P, "_WARM", 0)
    monkeypatch.setattr(P, "_STINT_S", 0.0)
    monkeypatch.setattr(P, "_CORE_SHARE", 2.0)  # a stint never gets twice its time in CPU
    monkeypatch.setattr(P, "_ALONE_BATCHES", 2)
    monkeypatch.setattr(P, "_STRIKES", 1)
    alone: list[int] = []
    real = P._alone

    def spy(source: Any, most: int, how: Any) -> Any:
        alone.append(most)
        return (yield from real(source, most, how))

    monkeypatch.setattr(P, "_alone", spy)
    pipe = ma.Compose([ma.image.HorizontalFlip(), ma.image.Rotate(limit=20)], seed=1)
    rng = np.random.default_rng(0)
    items: list[dict[str, Any]] = [
        {"id": i, "image": rng.integers(0, 255, (40, 40, 3), np.uint8)} for i in range(200)
    ]
    items[150]["meta"] = lambda: 0  # cannot travel: fails alike wherever it is computed
    units = core.units(enumerate(items), "id")
    results = list(P.run_pool(P.pickled_pipeline("t", pipe), units, 1, 1, "t", _slow_images, pipe=pipe))
    assert [label[1] for label, _, _ in results] == [it["id"] for it in items]
    assert results[150][1] is None and "cannot travel to a worker process" in str(results[150][2])
    pids = []
    for (_, ident), out, why in results[:150] + results[151:]:
        assert why is None
        want = pipe(image=items[ident]["image"], key=ident, epoch=1)["image"]
        np.testing.assert_array_equal(out["image"], want)
        pids.append(out["pid"])
    assert len(alone) >= 2 and len(set(pids)) == 2  # the loop, the pool again, the loop again
    last_alone = max(i for i, pid in enumerate(pids) if pid == os.getpid())
    assert any(pid != os.getpid() for pid in pids[:last_alone])  # the worker's outputs came first
    alone.clear()
    texts = [{"id": f"doc{i}", "text": f"w{i} fox jumps"} for i in range(150)]
    units = core.units(enumerate(texts), "id")
    text_pipe = _text_pipe()
    data = P.pickled_pipeline("t", text_pipe)
    got = list(P.run_pool(data, units, 1, 1, "t", _slow_in_workers, pipe=text_pipe))
    assert [label[1] for label, _, _ in got] == [t["id"] for t in texts] and not alone


def test_the_plain_loop_stretch_ends_at_its_time_limit_too(monkeypatch) -> None:
    # the stretch is counted in items at the batch size of its start: items that then grow costlier
    # (thumbnails, then full frames) kept the worker idle for tens of seconds (a review's finding)
    pipe = _text_pipe()
    units = core.units(enumerate({"id": i, "text": f"w{i} fox jumps"} for i in range(50)), "id")

    def drain(most: int) -> tuple[list[Any], bool]:
        """A stretch's results and what it returns (whether the source is exhausted)."""
        stretch, got = P._alone(units, most, (pipe, 0, P.keyed_call)), []
        with pytest.raises(StopIteration) as end:
            while True:
                got.append(next(stretch))
        return got, end.value.value

    monkeypatch.setattr(P, "_ALONE_S", 0.0)
    got, exhausted = drain(40)
    assert len(got) == 1 and exhausted is False  # one item, then back to the pool
    monkeypatch.setattr(P, "_ALONE_S", 3600.0)
    got, exhausted = drain(100)
    assert [label[1] for label, _, _ in got] == list(range(1, 50)) and exhausted is True


@pytest.mark.parametrize("workers", [1, 2])
def test_a_failing_source_hands_over_every_item_before_it_then_raises(workers: int) -> None:
    # before: the outputs still in flight were lost (how many depended on the machine's load)
    pipe = _text_pipe()

    def source() -> Any:
        for i in range(150):
            yield {"id": i, "text": f"w{i} fox jumps over"}
        raise ValueError("the feed broke")

    got = []
    with pytest.raises(ValueError, match="the feed broke"):
        for out in ma.stream(pipe, source(), key="id", workers=workers):
            got.append(out)
    assert [o["id"] for o in got] == list(range(150))
    assert [o["text"] for o in got] == [pipe(text=f"w{i} fox jumps over", key=i)["text"] for i in range(150)]
