"""Training and eval modes, and the inference copy of a pipeline.

In eval mode nothing random happens: every augmentation (a transform whose class sets
``augments = True``: flips, crops at random places, colour, noise, ``OneOf``/``SomeOf``) is the
identity whatever its ``p``, and every deterministic step (resizing, cropping to a fixed window,
padding, normalising, converting) applies with probability 1. The mode is per node, set on the
whole tree by ``eval()``/``train()``, kept by pickles and deep copies, and written into configs
(``"training": false`` on each node in eval mode), so it changes the fingerprint.

:func:`inference` is what a model registry stores: an eval-mode copy holding only the
deterministic steps, so its config and fingerprint depend on the preprocessing alone, not on
the augmentations used in training.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import TYPE_CHECKING

from .errors import InvalidInputError
from .plan import forget

if TYPE_CHECKING:
    from .transform import Transform

__all__ = ["children", "inference", "set_training"]


def children(t: Transform) -> Iterator[Transform]:
    """The transforms ``t`` holds as parameters (a composer's list, a wrapper's pipeline)."""
    from .transform import Transform

    for value in t.get_params(deep=False).values():
        if isinstance(value, Transform):
            yield value
        elif isinstance(value, (list, tuple)):
            yield from (v for v in value if isinstance(v, Transform))


def set_training(t: Transform, mode: bool, recursive: bool = True) -> None:
    """Set the training flag of ``t`` (and of everything it holds, if ``recursive``)."""
    if not isinstance(mode, bool):
        raise InvalidInputError(
            t.name, "mode", f"must be True or False, got {mode!r:.80}", "call train() or eval()"
        )
    t.__dict__["training"] = mode
    forget(t)
    if recursive:
        for child in children(t):
            set_training(child, mode)


def inference(t: Transform) -> Transform:
    """An eval-mode copy of ``t`` without its augmentations (identity if nothing is left)."""
    from .compose import BaseCompose, Compose

    def strip(node: Transform) -> Transform | None:
        if node.augments:
            return None
        if isinstance(node, BaseCompose):
            node.transforms = [kept for kept in map(strip, node.transforms) if kept is not None]
        return node

    result = strip(copy.deepcopy(t))
    if result is None:  # an augmentation alone: serving does nothing
        result = Compose([], seed=t.seed)
    set_training(result, False)
    return result
