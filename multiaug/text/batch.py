"""Many texts in one call: ``augment_texts(pipe, texts, keys=..., n=...)``.

The result is exactly what keyed per-text calls give (``pipe(text=t, key=k, epoch=e)["text"]``),
but the pipeline runs step by step over all the texts: a step that runs a model
(:class:`~multiaug.text.ContextualReplace`, :class:`~multiaug.text.BackTranslate`) sees the
texts of every call at once and batches its forward passes; the word and character ops loop.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..core import random as _random
from ..core.compose import Compose, OneOf
from ..core.errors import InvalidInputError
from ..core.fusion import _FUSING, _NOT_FUSING, Call
from ..core.transform import Transform
from ..core.validation import require_at_most, require_int, require_transform
from ..sampling.lists import copy_key, item_key

#: Most texts times variants one call makes (each a list entry: bounded before any is made).
MAX_VARIANTS = 10_000_000

if TYPE_CHECKING:
    from .base import TextTransform

__all__ = ["augment_texts"]

Sample = dict[str, Any]


def augment_texts(
    pipe: Transform,
    texts: Sequence[str],
    keys: Sequence[int | str] | None = None,
    *,
    epoch: int = 0,
    n: int | None = None,
) -> list[str] | list[list[str]]:
    """Augment many texts in one call, keyed per text; models run batched across the texts.

    Parameters
    ----------
    pipe : Transform
        A text transform or a pipeline of them (``Compose``, ``OneOf``, ``SomeOf``).
    texts : sequence of str
        The texts.
    keys : sequence of int or str, optional
        One key per text; by default text ``i`` is keyed ``i``.
    epoch : int, default 0
        The epoch of every call.
    n : int, optional
        Variants per text (nlpaug's ``n=``). ``None`` gives one augmented text per input.
        With ``n``, variant ``c`` (1 to ``n``) of text ``i`` is keyed
        ``ma.sampling.item_key(keys[i], c)`` (``f"{key}/copy{c}"``: copy ``c`` of the item
        ``keys[i]`` in a dataset job or a stream), or ``copy_key(i, c)`` (``f"row{i}/copy{c}"``)
        without ``keys``: the copies ``pipe.fit_resample(texts, y, copies=n)`` makes.

    Returns
    -------
    list of str, or list of lists of str with ``n``
        Output ``i`` (variant ``c``) equals ``pipe(text=texts[i], key=..., epoch=epoch)["text"]``
        with the key above, whatever the batch.

    Examples
    --------
    >>> import multiaug as ma
    >>> pipe = ma.Compose([ma.text.RandomSwap(alpha=0.5), ma.text.RandomDelete(alpha=0.2)], seed=0)
    >>> texts = ["The quick brown fox jumps.", "Lazy dogs sleep all day long."]
    >>> out = ma.text.augment_texts(pipe, texts, keys=[7, 8])
    >>> out == [pipe(text=t, key=k)["text"] for t, k in zip(texts, [7, 8])]
    True
    >>> [len(v) for v in ma.text.augment_texts(pipe, texts, n=3)]
    [3, 3]
    """
    _check(pipe, texts, keys, n)
    if n is None:
        keyed = list(zip(texts, keys if keys is not None else range(len(texts)), strict=True))
    else:
        base = list(keys) if keys is not None else None
        keyed = [
            (t, item_key(base[i], c) if base is not None else copy_key(i, c))
            for i, t in enumerate(texts)
            for c in range(1, n + 1)
        ]
    out = [s["text"] for s in run_texts(pipe, [t for t, _ in keyed], [k for _, k in keyed], epoch)]
    if n is None:
        return out
    return [out[i * n : (i + 1) * n] for i in range(len(texts))]


def _check(pipe: Any, texts: Any, keys: Any, n: Any) -> None:
    """The arguments of :func:`augment_texts`, or the error that names the bad one."""
    owner = pipe.name if isinstance(pipe, Transform) else "augment_texts"
    fix = "pass ma.Compose([...text ops...], seed=0)"
    require_transform(owner, pipe, fix, "pipe", per_sample=True, validate=False)
    if isinstance(texts, str) or not isinstance(texts, Sequence):
        raise InvalidInputError(
            owner,
            "texts",
            f"must be a list of str, got {type(texts).__name__}",
            "pass texts=['first', 'second']",
        )
    if keys is not None and (
        isinstance(keys, str) or not isinstance(keys, Sequence) or len(keys) != len(texts)
    ):
        raise InvalidInputError(
            owner,
            "keys",
            f"must hold one key per text ({len(texts)} texts)",
            "pass keys=range(len(texts)), or no keys (text i is keyed i)",
        )
    if n is not None:
        require_int(owner, "n", n, 1, MAX_VARIANTS + 1, "pass n=3 (variants per text)")
        require_at_most(owner, "n", len(texts) * n, MAX_VARIANTS, "texts times variants", "pass a smaller n")


def run_texts(pipe: Transform, texts: Sequence[str], keys: Sequence[int | str], epoch: int) -> list[Sample]:
    """``[pipe(text=t, key=k, epoch=epoch) for t, k in zip(texts, keys)]``, step by step over all texts."""
    plan = pipe._plan
    samples = []
    streams = []
    for text, key in zip(texts, keys, strict=True):
        sample = pipe._enter({"text": text}, plan)[0]
        pipe._validate(sample)
        samples.append(sample)
        streams.append(_random.root_key(plan.seed64, key, epoch, 0, pipe.name))
    call = _FUSING if plan.fuse else _NOT_FUSING
    return _run(pipe, samples, streams, call, ())


def _run(
    t: Transform,
    samples: list[Sample],
    streams: list[int],
    call: Call,
    path: tuple[int, ...],
    force: bool = False,
) -> list[Sample]:
    """Each sample through ``t`` on its stream (``t._run``), batching the steps that batch."""
    if isinstance(t, Compose) and type(t)._run is Compose._run:
        plan = t._state()[1]
        live = [
            i
            for i, s in enumerate(streams)
            if not (plan.off or (not force and not _random.applies(plan.p, s)))
        ]
        sub = [samples[i] for i in live]
        for j, (child, salt) in enumerate(plan.children):
            sub = _run(child, sub, [_random.mix(streams[i], salt) for i in live], call, (*path, j))
        return _put(samples, live, sub)
    if isinstance(t, OneOf) and type(t)._run is OneOf._run:
        chosen = [t._choice(s, force) for s in streams]
        out = list(samples)
        for j, (child, salt) in enumerate(t._plan.children):
            mine = [i for i, c in enumerate(chosen) if c == j]
            if mine:
                sub = [samples[i] for i in mine]
                out = _put(
                    out,
                    mine,
                    _run(child, sub, [_random.mix(streams[i], salt) for i in mine], call, (*path, j), True),
                )
        return out
    if getattr(t, "batches", False) and len(samples) > 1 and call.trace is None and call.draw is None:
        return run_batch(t, samples, streams, force)  # type: ignore[arg-type]
    return [t._run(s, st, call, path, force) for s, st in zip(samples, streams, strict=True)]


def _put(samples: list[Sample], where: list[int], new: list[Sample]) -> list[Sample]:
    """``samples`` with ``samples[where[j]]`` replaced by ``new[j]``."""
    out = list(samples)
    for i, s in zip(where, new, strict=True):
        out[i] = s
    return out


def run_batch(
    t: TextTransform, samples: list[Sample], streams: list[int], force: bool = False
) -> list[Sample]:
    """``t._run`` of each sample, with the draws first and the model's work batched.

    ``t`` draws each sample's plan with ``_draw_plan(rng, sample)`` (its generator lent for
    the draw only), turns all plans into parameters at once with ``_params_from_plans``, then
    applies them with ``_apply_batch``.
    """
    plan = t._plan
    live = [
        i
        for i, s in enumerate(streams)
        if not (plan.off or (not force and plan.p < 1.0 and not _random.applies(plan.p, s)))
    ]
    plans = []
    for i in live:
        lent = _random.borrow(streams[i])
        try:
            plans.append(t._draw_plan(lent[0], samples[i]))
        finally:
            _random.give_back(lent)
    todo = [samples[i] for i in live]
    params = t._params_from_plans(todo, plans)
    return _put(samples, live, t._apply_batch(todo, params))
