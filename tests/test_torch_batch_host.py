"""The host side of a batched call: parameters staged in one transfer, rows kept whole."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from multiaug.torch.batch.staging import Stage


def test_stage_sends_every_array_exactly_in_one_buffer() -> None:
    rng = np.random.default_rng(0)
    arrays = [
        rng.standard_normal(5),  # float64, 40 bytes
        rng.standard_normal((3, 3, 3)).astype(np.float32),  # 108 bytes: the next one starts aligned
        np.array([3, 1, 2], dtype=np.int64),
        np.array([-5, 7], dtype=np.int32),
        np.array([True, False, True]),
        np.zeros(0, dtype=np.float64),
        np.array([1.0 / 3.0, 1e-300, -0.0]),
    ]
    stage = Stage()
    handles = [stage.add(a) for a in arrays]
    cast = stage.add([0.1, 0.2], np.float32)  # lists, converted on the host
    sent = stage.send(torch.device("cpu"))
    assert sent.buffer.ndim == 1 and sent.buffer.dtype == torch.uint8  # one buffer, one copy
    for h, a in zip(handles, arrays, strict=True):
        got = sent[h]
        assert got.shape == a.shape and got.dtype == torch.from_numpy(a).dtype
        assert np.array_equal(got.numpy(), a) and np.array_equal(np.signbit(got.numpy()), np.signbit(a))
    np.testing.assert_array_equal(sent[cast].numpy(), np.array([0.1, 0.2], np.float32))


def test_stage_refuses_what_torch_cannot_view() -> None:
    with pytest.raises(TypeError, match="complex128"):
        Stage().add(np.zeros(2, dtype=np.complex128))


def test_draws_carry_each_groups_resampling_plan_and_no_recorder() -> None:
    """draw() (in a DataLoader worker) makes the groups' plans, so forward(draws=) does not."""
    import pickle

    import multiaug as ma
    from multiaug.image.geometric.engine import PendingWarp

    pipe = ma.Compose(
        [ma.image.HorizontalFlip(p=0.5), ma.image.Affine(rotate=(-15, 15), p=0.5), ma.image.ColorJitter(0.4)],
        seed=0,
    )
    tp = ma.torch.batched(pipe)
    x = torch.randint(0, 256, (16, 3, 16, 16), dtype=torch.uint8, generator=torch.Generator().manual_seed(0))
    draws = pickle.loads(pickle.dumps(tp.draw(image=x, key=list(range(16)))))
    groups = [e.warp for d in draws.drawn for e in d.events if e.warp is not None]
    assert groups and all(type(g) is PendingWarp and "recorder" not in g.__dict__ for g in groups)
    kinds = {g.__dict__["_batched_plan"][0] for g in groups}
    assert kinds == {"axis", "matrix"}  # flips alone, and affines
    assert all("_batched_source" in g.__dict__ for g in groups if g.__dict__["_batched_plan"][0] == "matrix")
    assert torch.equal(tp(image=x, draws=draws)["image"], tp(image=x, key=list(range(16)))["image"])
