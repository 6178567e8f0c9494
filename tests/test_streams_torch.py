"""``ma.torch.AugmentedIterableDataset``: every item once, the same (id, output) whatever workers or ranks."""

from __future__ import annotations

import json
import multiprocessing
from pathlib import Path

import pytest
import torch
from torch.utils.data import DataLoader, IterableDataset

import multiaug as ma

pytestmark = pytest.mark.filterwarnings("ignore:This DataLoader will create:UserWarning")


def _pipe() -> ma.Compose:
    return ma.Compose([ma.text.RandomSwap(alpha=0.5), ma.text.CharNoise(alpha=0.1)], seed=5)


class Rows(IterableDataset):
    """A plain torch IterableDataset of text rows (it does no sharding of its own)."""

    def __init__(self, n: int) -> None:
        self.n = n

    def __iter__(self):
        for i in range(self.n):
            yield {"id": f"r{i}", "text": f"w{i} the quick brown fox jumps over"}


def _pairs(ds, workers: int) -> list[tuple[str, str]]:
    loader = DataLoader(ds, batch_size=None, num_workers=workers)
    return [(out["id"], out["text"]) for out in loader]


def test_zero_one_three_workers_give_the_same_pairs_each_id_once():
    pipe = _pipe()
    ds = ma.torch.AugmentedIterableDataset(Rows(23), pipe)
    ds.set_epoch(2)
    runs = {w: _pairs(ds, w) for w in (0, 1, 3)}
    expected = {
        (f"r{i}", pipe(text=f"w{i} the quick brown fox jumps over", key=f"r{i}", epoch=2)["text"])
        for i in range(23)
    }
    for w, pairs in runs.items():
        assert len(pairs) == 23, w  # each id exactly once: no duplicate, no gap
        assert set(pairs) == expected, w
    ds.set_epoch(3)
    assert set(_pairs(ds, 0)) != expected  # the epoch reaches the items


def _shard_rows(shards):
    for s in shards:
        for k in range(3):
            yield {"id": f"h{s}-{k}", "text": f"w{s} {k} a b c d e"}


def test_hugging_face_streaming_dataset_is_not_sharded_twice():
    import datasets  # the hf extra; imported here, as only this test needs it

    rows = [{"id": f"h{s}-{k}", "text": f"w{s} {k} a b c d e"} for s in range(3) for k in range(3)]
    # 3 shards over 2 workers: Hugging Face gives worker 0 shards 0 and 2, worker 1 shard 1
    hf = datasets.IterableDataset.from_generator(_shard_rows, gen_kwargs={"shards": [0, 1, 2]})
    assert hf.num_shards == 3
    pipe = _pipe()
    ds = ma.torch.AugmentedIterableDataset(hf, pipe)
    pairs = _pairs(ds, 2)
    assert sorted(pairs) == sorted((r["id"], pipe(text=r["text"], key=r["id"])["text"]) for r in rows)


def _rank(rank: int, world: int, store: str, out: str) -> None:
    torch.distributed.init_process_group("gloo", init_method=f"file://{store}", rank=rank, world_size=world)
    try:
        ds = ma.torch.AugmentedIterableDataset(lambda: Rows(17), _pipe())
        Path(out).write_text(json.dumps(_pairs(ds, 2)))
    finally:
        torch.distributed.destroy_process_group()


def test_two_ranks_with_two_workers_each_split_the_items(tmp_path):
    ctx = multiprocessing.get_context("fork")
    procs = [
        ctx.Process(target=_rank, args=(r, 2, str(tmp_path / "store"), str(tmp_path / f"rank{r}.json")))
        for r in range(2)
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    ranks = [json.loads((tmp_path / f"rank{r}.json").read_text()) for r in range(2)]
    assert all(ranks)
    ids = [pair[0] for rank in ranks for pair in rank]
    assert sorted(ids) == sorted(f"r{i}" for i in range(17))  # every item once across 2 ranks x 2 workers
    pipe = _pipe()
    for item_id, text in (pair for rank in ranks for pair in rank):
        i = int(item_id[1:])
        assert text == pipe(text=f"w{i} the quick brown fox jumps over", key=item_id)["text"]


def test_bad_arguments_and_bad_items_name_the_field():
    pipe = _pipe()
    with pytest.raises(ma.InvalidInputError, match="`source`"):
        ma.torch.AugmentedIterableDataset(42, pipe)
    with pytest.raises(ma.InvalidInputError, match="needs the whole data set"):
        ma.torch.AugmentedIterableDataset(Rows(2), ma.tabular.SMOTE())
    with pytest.raises(ma.InvalidInputError, match="`epoch`"):
        ma.torch.AugmentedIterableDataset(Rows(2), pipe).set_epoch(-1)
    bad = ma.torch.AugmentedIterableDataset([{"id": "a", "text": "x y"}, {"text": "no id"}], pipe)
    with pytest.raises(
        ma.InvalidInputError, match=r"AugmentedIterableDataset: `items` item #1 failed: has no 'id'"
    ):
        list(bad)
    skip = ma.torch.AugmentedIterableDataset(
        [{"id": "a", "text": "x y"}, {"text": "no id"}], pipe, on_error="skip"
    )
    assert [o["id"] for o in skip] == ["a"]
