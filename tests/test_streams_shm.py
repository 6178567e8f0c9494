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


def test_a_worker_gets_its_inputs_as_copies_it_may_keep():
    """The input block is refilled by later batches: an input a pipeline keeps must not change."""
    exchange = shm.Exchange(1)
    try:
        sent, ticket = exchange.send([("#0", 0, {"x": np.zeros(1 << 16, np.uint8)})])
        kept = shm.open_inputs(pickle.loads(pickle.dumps(sent)), ticket.route)[0][2]["x"]
        list(exchange.receive([("#0", {"x": 0}, None)], ticket, 0))
        exchange.send([("#1", 1, {"x": np.full(1 << 16, 7, np.uint8)})])  # the same slot, refilled
        assert not kept.any() and kept.flags.writeable
        shm.open_inputs([], ticket.route._replace(inputs=None, live=()))
    finally:
        exchange.close()


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
def test_no_block_is_left_on_any_way_out(run):
    run()
    assert _blocks() == []
