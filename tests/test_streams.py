"""``ma.stream``: keyed by identity, lazy, ordered with workers, one bad item reported by its id."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import multiaug as ma
from multiaug.streams import pool


@pytest.fixture(autouse=True)
def _crossing(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests are about items crossing to workers: the main process does not compute the
    first items itself while the workers start (a short stream would never cross), and images get
    the workers asked for whatever the cores; both have their own tests, tests/test_streams_start.py."""
    monkeypatch.setattr(pool, "_START", False)
    monkeypatch.setattr(pool, "_SPARE", False)


def _text_pipe() -> ma.Compose:
    return ma.Compose([ma.text.RandomSwap(alpha=0.5), ma.text.CharNoise(alpha=0.1)], seed=3)


def _texts(n: int, start: int = 0) -> list[dict[str, object]]:
    return [
        {"id": f"doc{i}", "text": f"w{i} the quick brown fox jumps", "label": i % 2} for i in range(start, n)
    ]


def test_outputs_equal_per_item_keyed_calls_in_process():
    pipe = _text_pipe()
    items = _texts(40)
    outs = list(ma.stream(pipe, iter(items), epoch=2))
    assert [o["id"] for o in outs] == [it["id"] for it in items]
    for it, out in zip(items, outs, strict=True):
        ref = pipe(text=it["text"], label=it["label"], key=it["id"], epoch=2)
        assert out == {**ref, "id": it["id"]}
    assert len({o["text"] for o in outs}) > 20  # the keys really differ


def test_images_with_two_workers_equal_keyed_calls_in_input_order_and_skip_a_bad_item():
    """The pool keeps the input order, gives the keyed call's exact pixels, and a bad item in the
    middle (not a dict, a missing id, an image the pipeline rejects) is reported by its id."""
    rng = np.random.default_rng(0)
    pipe = ma.Compose(
        [ma.image.HorizontalFlip(), ma.image.Rotate(limit=20), ma.image.GaussianNoise()], seed=1
    )
    items: list[object] = [{"id": i, "image": rng.integers(0, 255, (24, 32, 3), np.uint8)} for i in range(30)]
    items[7] = {"id": 7, "image": np.zeros((24, 32, 3), np.float64)}  # float64: refused by the pipeline
    items[11] = "not a dict"
    items[12] = {"image": items[0]["image"]}  # type: ignore[index]
    stream = ma.stream(pipe, iter(items), workers=2, on_error="skip")
    outs = list(stream)
    good = [it for k, it in enumerate(items) if k not in (7, 11, 12)]
    assert [o["id"] for o in outs] == [it["id"] for it in good]  # type: ignore[index]
    for it, out in zip(good, outs, strict=True):
        ref = pipe(image=it["image"], key=it["id"])  # type: ignore[index]
        np.testing.assert_array_equal(out["image"], ref["image"])
    assert [s[0] for s in stream.skipped] == [7, 11, None]
    assert "GaussianNoise" in stream.skipped[0][1] or "image" in stream.skipped[0][1]


def test_an_endless_generator_yields_its_first_items_and_is_read_lazily():
    pulled = []

    def endless():
        for i in itertools.count():
            pulled.append(i)
            yield {"id": i, "text": "a b c d e"}

    pipe = _text_pipe()
    with ma.stream(pipe, endless(), workers=1) as stream:
        first = list(itertools.islice(stream, 5))
    assert [o["id"] for o in first] == [0, 1, 2, 3, 4]
    assert first[3]["text"] == pipe(text="a b c d e", key=3)["text"]
    # Read ahead, bounded: with one worker on a machine with a core to spare, `ahead` batches of one
    # item go out first; an answer of one item lets the next batch grow to 4 items at most, and while
    # the stream waits for the next answer its own process computes up to _HELP_BATCHES batches' worth
    # of items. The 5th output comes with the 4th answer at the latest: 3 answers, each followed by a
    # batch of 4 and a stint of help, before it (39 items; seen under load in a full suite run).
    ahead = pool._AHEAD + pool._HELP_AHEAD
    assert len(pulled) <= ahead + ahead * (4 + pool._HELP_BATCHES * 4)
    in_process = ma.stream(pipe, endless())
    assert next(in_process)["id"] == 0


def test_key_none_keys_by_position():
    pipe = _text_pipe()
    items = [{"text": f"w{i} a b c d"} for i in range(5)]
    outs = list(ma.stream(pipe, items, key=None))
    assert outs == [pipe(text=it["text"], key=i) for i, it in enumerate(items)]


def test_stop_names_the_failing_item_by_its_id():
    pipe = _text_pipe()
    items = [*_texts(3), {"id": "broken", "text": 42}, *_texts(6, 4)]
    stream = ma.stream(pipe, items)
    assert [o["id"] for o in itertools.islice(stream, 3)] == ["doc0", "doc1", "doc2"]
    with pytest.raises(ma.InvalidInputError, match=r"ma\.stream: `items` item id='broken' failed: .*text"):
        next(stream)


@pytest.mark.parametrize(
    "sampler",
    [lambda: ma.tabular.SMOTE(seed=0), lambda: ma.Oversample(ma.Compose([ma.text.RandomSwap()], seed=0))],
    ids=["SMOTE", "Oversample"],
)
def test_samplers_are_refused_they_need_the_whole_data_set(sampler):
    with pytest.raises(ma.InvalidInputError, match="needs the whole data set"):
        ma.stream(sampler(), _texts(3))


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"workers": -1}, "workers"),
        ({"workers": 1.5}, "workers"),
        ({"on_error": "ignore"}, "on_error"),
        ({"key": 3}, "key"),
        ({"epoch": -1}, "epoch"),
        ({"items": "a text"}, "items"),
        ({"pipeline": "not a pipeline"}, "pipeline"),
    ],
)
def test_bad_arguments_name_the_argument(kwargs, field):
    args = {"pipeline": _text_pipe(), "items": _texts(2), **kwargs}
    with pytest.raises(ma.InvalidInputError, match=f"`{field}`"):
        ma.stream(**args)


def test_a_pipeline_that_does_not_pickle_is_refused_for_workers():
    pipe = _text_pipe()
    pipe.__dict__["hook"] = lambda: None  # something a user attached that pickle cannot take
    with pytest.raises(ma.InvalidInputError, match="`workers` needs a pipeline that pickles"):
        ma.stream(pipe, _texts(2), workers=1)
    assert next(ma.stream(pipe, _texts(2)))["id"] == "doc0"  # in this process it needs no pickling


def test_ids_follow_the_one_rule_of_jobs_and_datasets() -> None:
    # a non-empty str or an int of at most 100 digits (sampling.check_item_id), as jobs and
    # AugmentedDataset: an empty id or an int too long to print is a bad item, not a raw error
    pipe = ma.Compose([ma.text.RandomSwap()], seed=0)
    items = [{"id": "", "text": "a b"}, {"id": 10**5000, "text": "a b"}, {"id": "x", "text": "a b c"}]
    s = ma.stream(pipe, items, on_error="skip")
    assert [o["id"] for o in s] == ["x"] and len(s.skipped) == 2
    from multiaug.sampling import item_key

    with pytest.raises(ma.InvalidInputError, match="item_id"):
        item_key(10**5000, 1)


def test_with_a_worker_odd_items_cross_or_fail_alone_by_their_id():
    """A dict that holds itself crosses to a worker (its outputs equal workers=0's); an item nested
    too deeply or holding a lambda cannot cross: it fails alone, named by its id, with the fix,
    never a raw RecursionError or a broken pool."""
    cyclic: dict[str, object] = {"tag": "x"}
    cyclic["self"] = cyclic
    deep: list[object] = []
    for _ in range(3000):
        deep = [deep]
    items = _texts(3)
    items += [
        {"id": "cyclic", "text": "a b c d e", "meta": cyclic},
        {"id": "deep", "text": "a b c d e", "meta": deep},
        {"id": "lambda", "text": "a b c d e", "meta": lambda: 0},
    ]
    items += _texts(6, 3)
    pipe = _text_pipe()
    stream = ma.stream(pipe, iter(items), workers=1, on_error="skip")
    outs = list(stream)
    assert [o["id"] for o in outs] == ["doc0", "doc1", "doc2", "cyclic", "doc3", "doc4", "doc5"]
    assert outs[3]["text"] == pipe(text="a b c d e", key="cyclic")["text"]
    assert outs[3]["meta"]["self"] is outs[3]["meta"] and outs[3]["meta"]["tag"] == "x"
    assert [s[0] for s in stream.skipped] == ["deep", "lambda"]
    assert "nested too deeply" in stream.skipped[0][1] and "workers=0" in stream.skipped[0][1]
    assert "cannot travel to a worker process" in stream.skipped[1][1]
    with pytest.raises(ma.InvalidInputError, match=r"item id='deep' failed: is nested too deeply.*workers=0"):
        list(ma.stream(pipe, iter(items[3:5]), workers=1))


def test_large_texts_both_ways_do_not_block_a_worker():
    """Batches and answers far larger than a pipe's buffer cross without the two sides blocking
    each other (the main process reads a worker's answers before sending it such a batch)."""
    import threading

    pipe = ma.Compose([ma.text.RandomSwap(alpha=0.2)], seed=0)
    items = [{"id": f"big{i}", "text": f"w{i} " + "lorem ipsum dolor " * 40_000} for i in range(8)]
    outs: list[dict[str, object]] = []
    run = threading.Thread(target=lambda: outs.extend(ma.stream(pipe, iter(items), workers=1)), daemon=True)
    run.start()
    run.join(120)
    assert not run.is_alive(), "the stream blocked on large messages"
    assert [o["id"] for o in outs] == [it["id"] for it in items]
    assert outs[5]["text"] == pipe(text=items[5]["text"], key="big5")["text"]


class _MainOnly:
    """Rebuilds in a worker, but not in the main process (an output that cannot come back)."""

    def __reduce__(self) -> tuple[object, tuple[()]]:
        return (_rebuild_outside_main, ())


def _rebuild_outside_main() -> object:
    import multiprocessing

    if multiprocessing.parent_process() is None:
        raise ValueError("cannot rebuild in the main process")
    return _MainOnly()


def test_an_output_that_cannot_come_back_fails_by_id_not_raw():
    items = [{"id": "odd", "text": "a b c d e", "meta": _MainOnly()}]
    stream = ma.stream(_text_pipe(), iter(items + _texts(2)), workers=1, on_error="skip")
    outs = list(stream)
    assert "odd" in [s[0] for s in stream.skipped]
    assert "could not be rebuilt in the main process" in dict(stream.skipped)["odd"]
    assert all(o["id"] != "odd" for o in outs)


def test_an_answer_read_early_counts_as_ready():
    """An answer read ahead (before a large send) is at hand: the pool hands it over instead of
    reading on while the worker works on the large batch."""
    from multiaug.streams import pool as P
    from multiaug.streams import workers as W

    pipe = ma.Compose([ma.text.RandomSwap(alpha=0.2)], seed=0)
    workers = W._Workers(1, P.pickled_pipeline("t", pipe), "t")
    workers.room = W._PIPE_ROOM  # the least room a pipe is given (Linux's sockets hold 1 MiB here)
    try:
        small = [("a", "a", {"text": "one two three"})]
        big = [("b", "b", {"text": "lorem ipsum dolor " * 40_000})]
        workers.send(small, 0, P.keyed_call, None)
        workers.send(big, 0, P.keyed_call, None)  # over 32 KiB in flight: the first answer is read first
        assert len(workers.early[0]) == 1 and workers.ready(0)
        assert workers.receive(0)[0][0][:2] == ("a", pipe(text="one two three", key="a"))
        assert workers.receive(0)[0][0][0] == "b"
    finally:
        workers.close(True)
