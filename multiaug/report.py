"""The HTML helpers of the demo report under their former path (they live in :mod:`multiaug.demo.report`)."""

from __future__ import annotations

from .demo.report import (
    audio_player,
    bar_chart,
    data_uri,
    encode_image,
    flag,
    html_page,
    image_tag,
    pre,
    section,
    table,
    word_diff,
)

__all__ = [
    "audio_player",
    "bar_chart",
    "data_uri",
    "encode_image",
    "flag",
    "html_page",
    "image_tag",
    "pre",
    "section",
    "table",
    "word_diff",
]
