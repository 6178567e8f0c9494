"""``ma.stream`` with workers: arrays travel through shared memory (only references are pickled),
outputs are the keyed calls' exact arrays, and no block is left in /dev/shm on any way out."""

from __future__ import annotations

import glob
import itertools
import multiprocessing
import os
import pickle
import signal
import sys
from typing import Any

import numpy as np
import pytest
from test_streams import _crossing  # noqa: F401  (autouse: items cross; start phase and spared worker off)

import multiaug as ma
from multiaug.streams import pool, shm

LINUX = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="lists POSIX shared memory in /dev/shm"
)


def _blocks() -> list[str]:
    """This process's blocks (``ma<pid>_<token>``) in /dev/shm."""
    return glob.glob(f"/dev/shm/ma{os.getpid()}_*")


def _pipe() -> ma.Compose:
    return ma.Compose(
        [ma.image.HorizontalFlip(), ma.image.Rotate(limit=20), ma.image.GaussianNoise()], seed=1
    )


def _images(n: int, start: int = 0):
    rng = np.random.default_rng(start)
    for i in range(start, start + n):
        yield {
            "id": i,
            "image": rng.integers(0, 255, (64, 64, 3), np.uint8),
            "mask": np.eye(64, dtype=np.uint8),
        }


def _worker_side(sent, route):
    """What a worker does with a batch (here in this process): views of the input block, the
    outputs (the inputs themselves) placed in the output block, and the blocks detached."""
    opened = shm.open_inputs(pickle.loads(pickle.dumps(sent)), route)
    place = shm.Placer(route)
    results = [place(pool.call(None, unit, 0, lambda _p, _k, s, _e: s)) for unit in opened]
    del opened
    shm.open_inputs([], route._replace(inputs=None, live=()))  # detaches every block
    return pickle.loads(pickle.dumps(results)), place.needed


def test_arrays_cross_as_references_and_come_back_exact():
    """The exchange in one process: what is pickled holds references only, and every array comes
    back equal, with its dtype, shape and memory order; small and object arrays stay pickles."""
    rng = np.random.default_rng(0)
    sample: dict[str, Any] = {
        "image": np.asfortranarray(rng.random((40, 30, 3), np.float32)),
        "parts": [rng.integers(0, 9, (140, 140), np.int16)[::2, ::3], (np.ones(5000, bool), "tag")],
        "record": np.zeros(400, [("x", "<f8"), ("n", "<i4")]),
        "small": np.arange(4.0),
        "objects": np.array([None] * 1000, object),
        "text": "kept",
    }
    units = [("#0", 0, sample), ("#1", 1, None)]
    exchange = shm.Exchange(1)
    try:
        sent, ticket = exchange.send(units)
        travel = sent[0][2]
        large = [travel["image"], travel["parts"][0], travel["parts"][1][0], travel["record"]]
        assert ticket.route is not None and all(type(a) is shm.Shared for a in large)
        assert type(travel["small"]) is np.ndarray and type(travel["objects"]) is np.ndarray  # pickled
        results, needed = _worker_side(sent, ticket.route)
        assert all(type(a) is shm.Shared for a in [results[0][1]["image"], results[0][1]["record"]])
        back = list(exchange.receive(pickle.loads(pickle.dumps(results)), ticket, needed))
    finally:
        exchange.close()
    out = back[0][1]
    assert back[1] == ("#1", None, "1")  # a unit that failed earlier passes through (key: its reason)
    assert out["image"].flags.f_contiguous and out["image"].flags.writeable and out["image"].base is None
    np.testing.assert_array_equal(out["image"], sample["image"])
    np.testing.assert_array_equal(out["parts"][0], sample["parts"][0])
    assert out["parts"][1][1] == "tag" and out["parts"][1][0].dtype == bool and out["parts"][1][0].all()
    assert out["record"].dtype == sample["record"].dtype and (out["record"] == sample["record"]).all()
    assert out["objects"].dtype == object and out["text"] == "kept"
    np.testing.assert_array_equal(out["small"], sample["small"])


def test_an_output_too_large_for_its_block_is_pickled_and_the_next_block_grows():
    big = np.arange(3 << 20, dtype=np.uint8)  # 3 MiB: the first output block is sized after the 1 MiB input
    small = {"x": np.ones(1 << 20, np.uint8)}
    exchange = shm.Exchange(1)
    try:
        for expect_pickled in (True, False):
            sent, ticket = exchange.send([("#0", 0, small)])
            place = shm.Placer(ticket.route)
            result = place(pool.call(None, sent[0], 0, lambda *_: {"x": big}))
            shm.open_inputs([], ticket.route._replace(inputs=None, live=()))  # detaches every block
            assert (type(result[1]["x"]) is np.ndarray) is expect_pickled and place.needed == big.nbytes
            (_, out, _), *_ = exchange.receive([result], ticket, place.needed)
            np.testing.assert_array_equal(out["x"], big)
    finally:
        exchange.close()
    # batches hold at most 64 MiB of arrays each way: 3 MiB outputs allow 21 items a batch
    assert exchange.most_items() == 21


def test_one_large_item_does_not_pin_later_batches_to_one_item(monkeypatch):
    """The size estimates decay: after a large item, batches of small ones grow back, and the
    slot's blocks shrink back to a small size (their pages are reserved)."""
    monkeypatch.setattr(shm, "_BATCH_BYTES", 4 << 20)
    exchange = shm.Exchange(1)
    try:

        def round_trip(array):
            sent, ticket = exchange.send([("#0", 0, {"x": array})])
            results, needed = _worker_side(sent, ticket.route)
            list(exchange.receive(results, ticket, needed))

        round_trip(np.ones(8 << 20, np.uint8))
        assert exchange.most_items() == 1
        for _ in range(12):
            round_trip(np.ones(16 << 10, np.uint8))
        assert exchange.most_items() == (4 << 20) // (16 << 10)  # 256 items of 16 KiB
        assert all(block.size <= shm._MIN_BLOCK for block in exchange._blocks.values())
    finally:
        exchange.close()


def test_a_worker_reads_its_inputs_in_place_until_the_batch_is_back():
    """Inputs are views of the input block (no copy in the worker); the slot's block is refilled
    only after its batch's results are back: a batch in flight never sees its inputs change."""
    exchange = shm.Exchange(2)
    try:
        sent, ticket = exchange.send([("#0", 0, {"x": np.zeros(1 << 16, np.uint8)})])
        view = shm.open_inputs(pickle.loads(pickle.dumps(sent)), ticket.route)[0][2]["x"]
        assert view.base is not None and view.flags.writeable and not view.flags.owndata
        _, other = exchange.send([("#1", 1, {"x": np.full(1 << 16, 7, np.uint8)})])  # the other slot
        assert other.slot != ticket.slot and not view.any()
        list(exchange.receive([("#0", {"x": 0}, None)], ticket, 0))
        exchange.send([("#2", 2, {"x": np.full(1 << 16, 9, np.uint8)})])  # the first slot, refilled
        assert (view == 9).all()
        del view
        shm.open_inputs([], ticket.route._replace(inputs=None, live=()))
    finally:
        exchange.close()


def test_one_array_under_two_keys_travels_once_and_comes_back_as_one():
    image = np.arange(1 << 16, dtype=np.uint8)
    small = np.zeros(1 << 13, np.uint8)
    sample = {"image": image, "again": image, "nested": [image, {"small": small, "too": small}]}
    exchange = shm.Exchange(1)
    try:
        sent, ticket = exchange.send([("#0", 0, sample)])
        travel = sent[0][2]
        assert travel["image"] == travel["again"] == travel["nested"][0]  # one reference, one copy
        assert ticket.sent_bytes == -(-image.nbytes // shm._ALIGN) * shm._ALIGN + small.nbytes
        results, needed = _worker_side(sent, ticket.route)  # outputs: the inputs themselves
        assert needed == ticket.sent_bytes  # placed once on the way back too
        (_, out, _), *_ = exchange.receive(results, ticket, needed)
    finally:
        exchange.close()
    assert out["image"] is out["again"] is out["nested"][0]  # one array, as the item had it
    assert out["nested"][1]["small"] is out["nested"][1]["too"]
    np.testing.assert_array_equal(out["image"], image)


def test_a_container_holding_itself_crosses_and_deep_nesting_fails_alone():
    """A dict that holds itself travels (its cycle as a pickle); an item nested deeper than
    Python's recursion limit fails alone, named, not with a raw RecursionError."""
    image = np.ones((64, 64), np.uint8)
    cyclic: dict[str, Any] = {"image": image}
    cyclic["self"] = cyclic
    sample = {"image": image, "meta": cyclic}
    deep: list[Any] = []
    for _ in range(sys.getrecursionlimit() + 100):
        deep = [deep]
    exchange = shm.Exchange(1)
    try:
        sent, ticket = exchange.send([("#0", 0, sample), ("#1", 1, {"deep": deep})])
        assert type(sent[0][2]["image"]) is shm.Shared and sent[0][2]["meta"] is cyclic  # kept whole
        assert sent[1][2] is None and "nested too deeply" in sent[1][1] and "workers=0" in sent[1][1]
        results, needed = _worker_side(sent[:1], ticket.route)
        (_, out, _), *_ = exchange.receive(results, ticket, needed)
    finally:
        exchange.close()
    np.testing.assert_array_equal(out["image"], image)
    np.testing.assert_array_equal(out["meta"]["image"], image)
    assert out["meta"]["self"] is out["meta"]  # the cycle, rebuilt by the pickle


@LINUX
def test_workers_give_the_keyed_calls_and_leave_no_block_behind():
    pipe = _pipe()
    seen = []
    with ma.stream(pipe, _images(40), workers=1) as outs:
        for out in outs:
            seen.append(out)
            if len(seen) == 20:
                assert _blocks()  # the arrays are travelling through shared memory
    assert [o["id"] for o in seen] == list(range(40))
    for item, out in zip(_images(40), seen, strict=True):
        ref = pipe(image=item["image"], mask=item["mask"], key=item["id"])
        np.testing.assert_array_equal(out["image"], ref["image"])
        np.testing.assert_array_equal(out["mask"], ref["mask"])
    assert _blocks() == []


def _raising(exc: BaseException):
    yield from _images(30)
    raise exc


def _stop_early() -> None:
    with ma.stream(_pipe(), _images(1000), workers=1) as outs:
        assert [o["id"] for o in itertools.islice(outs, 3)] == [0, 1, 2]


def _bad_item() -> None:
    items = itertools.chain(_images(30), [{"id": "bad", "image": np.zeros((64, 64, 3))}], _images(10, 31))
    with pytest.raises(ma.InvalidInputError, match="item id='bad' failed"):
        list(ma.stream(_pipe(), items, workers=1))


def _source_fails(exc: BaseException) -> None:  # any exception takes the same way out
    with pytest.raises(type(exc)):
        list(ma.stream(_pipe(), _raising(exc), workers=1))


def _interrupted() -> None:
    """Ctrl-C in the consumer's loop, without ``with`` or ``close()``: the stream goes with the loop."""
    with pytest.raises(KeyboardInterrupt):
        for out in ma.stream(_pipe(), _images(1000), workers=1):
            if out["id"] == 5:
                raise KeyboardInterrupt


def _worker_killed() -> None:
    outs = ma.stream(_pipe(), _images(100_000), workers=1)
    next(outs)
    for child in multiprocessing.active_children():
        os.kill(child.pid, signal.SIGKILL)  # type: ignore[arg-type]
    with pytest.raises(ma.MultiaugError, match="a worker process died"):
        for _ in outs:
            pass


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
@pytest.mark.parametrize("start", [False, True], ids=["workers at once", "first items here"])
def test_no_block_is_left_on_any_way_out(run, start, monkeypatch):
    monkeypatch.setattr(pool, "_START", start)  # with the start phase (tests/test_streams_start.py) too
    monkeypatch.setattr(pool, "_SPARE", start)
    run()
    assert _blocks() == []
