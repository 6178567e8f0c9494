"""Shared-suite examples of the composers."""

from __future__ import annotations

from typing import Any

from ..core.transform import Transform
from .checks import Example, image_example


def _flips() -> list[Transform]:
    from ..image import HorizontalFlip, VerticalFlip

    return [HorizontalFlip(p=0.5), VerticalFlip(p=0.5)]


def examples() -> dict[str, Example]:
    from ..core.compose import Compose, OneOf, SomeOf

    def make(cls: type[Transform], **fixed: Any) -> Any:
        return lambda **kw: cls(**{"transforms": _flips(), **fixed, **kw})

    return {
        "Compose": image_example(
            make(Compose),
            bad_params=({"transforms": "flip"}, {"transforms": [lambda x: x]}, {"fuse": "yes"}),
        ),
        "OneOf": image_example(
            make(OneOf),
            bad_params=({"transforms": []}, {"weights": [1.0]}, {"weights": [-1.0, 1.0]}),
        ),
        "SomeOf": image_example(
            make(SomeOf, n=(0, 2)),
            bad_params=({"n": 3}, {"n": (2, 1)}, {"n": 1.5}),
        ),
    }
