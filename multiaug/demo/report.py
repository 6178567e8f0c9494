"""Small helpers that build the self-contained HTML report of ``multiaug demo``.

Everything is inlined: pictures become base64 ``data:`` URIs, charts are inline SVG and the only
style sheet sits in the page's ``<style>`` element, so the file opens offline and can be mailed or
attached to a CI run as it is. Every piece of text goes through :func:`html.escape`.

Examples
--------
>>> page = html_page("demo", [section("Counts", bar_chart({"a": {"x": 3, "y": 1}}))])
>>> page.startswith("<!DOCTYPE html>") and "<svg" in page
True
>>> table(["word"], [["<b>"]])
'<table><thead><tr><th>word</th></tr></thead><tbody><tr><td>&lt;b&gt;</td></tr></tbody></table>'
"""

from __future__ import annotations

import base64
import difflib
import html
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

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

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1100px; color: #222; }
h1 { margin-bottom: 0.2em; }
h2 { border-bottom: 1px solid #ccc; padding-bottom: 0.2em; margin-top: 2em; }
table { border-collapse: collapse; margin: 0.8em 0; }
th, td { border: 1px solid #ddd; padding: 0.3em 0.6em; text-align: left; vertical-align: top; }
th { background: #f4f4f4; }
pre { background: #f6f6f6; padding: 0.8em; overflow-x: auto; }
img { max-width: 100%; }
del { color: #b00; }
ins { color: #060; text-decoration: none; background: #e3f6e3; }
.ok { color: #060; font-weight: bold; }
.bad { color: #b00; font-weight: bold; }
figure { margin: 1em 0; }
figcaption { color: #555; font-size: 0.9em; }
"""


def data_uri(data: bytes, mime: str) -> str:
    """``data:`` URI holding ``data`` (base64)."""
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def encode_image(image: np.ndarray, fmt: str = "png", quality: int = 88) -> bytes:
    """An RGB (or grey) uint8 array encoded as ``"png"`` or ``"jpeg"`` (``quality`` 0-100)."""
    import cv2

    img = cv2.cvtColor(image, cv2.COLOR_RGB2BGR) if image.ndim == 3 else image
    params = [cv2.IMWRITE_JPEG_QUALITY, quality] if fmt == "jpeg" else []
    ok, buf = cv2.imencode(".jpg" if fmt == "jpeg" else ".png", img, params)
    if not ok:  # pragma: no cover - OpenCV encodes any uint8 image
        raise ValueError(f"could not encode the picture as {fmt}")
    return buf.tobytes()


def image_tag(image: np.ndarray, alt: str, caption: str | None = None, fmt: str = "jpeg") -> str:
    """An ``<img>`` with the picture inlined, inside a ``<figure>`` when a caption is given.

    JPEG by default: photos and spectrograms come out about five times smaller than as PNG.
    """
    uri = data_uri(encode_image(image, fmt), f"image/{fmt}")
    tag = f'<img src="{uri}" alt="{html.escape(alt)}">'
    if caption is None:
        return tag
    return f"<figure>{tag}<figcaption>{html.escape(caption)}</figcaption></figure>"


def audio_player(wav: bytes, label: str) -> str:
    """An ``<audio>`` control playing an inlined WAV file."""
    return f'<audio controls title="{html.escape(label)}" src="{data_uri(wav, "audio/wav")}"></audio>'


def pre(text: str) -> str:
    return f"<pre>{html.escape(text)}</pre>"


def table(header: Sequence[str], rows: Iterable[Sequence[Any]], raw: bool = False) -> str:
    """An HTML table; cells are escaped unless ``raw`` (cells already hold HTML)."""

    def cell(value: Any) -> str:
        return str(value) if raw else html.escape(str(value))

    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{cell(v)}</td>" for v in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def flag(ok: bool, yes: str = "yes", no: str = "no") -> str:
    """A green ``yes`` or a red ``no``."""
    return f'<span class="ok">{yes}</span>' if ok else f'<span class="bad">{no}</span>'


def word_diff(before: str, after: str) -> str:
    """``after`` as HTML with the words removed (``<del>``) and added (``<ins>``) since ``before``."""
    a, b = before.split(), after.split()
    parts: list[str] = []
    for op, i0, i1, j0, j1 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            parts.append(html.escape(" ".join(a[i0:i1])))
            continue
        if i1 > i0:
            parts.append(f"<del>{html.escape(' '.join(a[i0:i1]))}</del>")
        if j1 > j0:
            parts.append(f"<ins>{html.escape(' '.join(b[j0:j1]))}</ins>")
    return " ".join(parts)


def bar_chart(groups: Mapping[str, Mapping[str, int]], width: int = 520, bar: int = 22) -> str:
    """Horizontal bars as inline SVG: one block of bars (one per class) per group (e.g. before/after).

    All bars share one scale, so a group's imbalance is visible at a glance.
    """
    colours = ["#4c78a8", "#f58518", "#54a24b", "#e45756", "#72b7b2", "#b279a2"]
    classes = sorted({c for counts in groups.values() for c in counts})
    top = max((n for counts in groups.values() for n in counts.values()), default=1) or 1
    label_w, gap, y = 150, 14, 0
    parts = []
    for title, counts in groups.items():
        parts.append(f'<text x="0" y="{y + 14}" font-weight="bold">{html.escape(title)}</text>')
        y += 22
        for i, cls in enumerate(classes):
            n = counts.get(cls, 0)
            w = round((width - label_w - 60) * n / top)
            parts.append(f'<text x="8" y="{y + bar - 6}">{html.escape(str(cls))}</text>')
            parts.append(
                f'<rect x="{label_w}" y="{y}" width="{w}" height="{bar}" '
                f'fill="{colours[i % len(colours)]}"></rect>'
            )
            parts.append(f'<text x="{label_w + w + 6}" y="{y + bar - 6}">{n}</text>')
            y += bar + 4
        y += gap
    return (
        f'<svg width="{width}" height="{y}" viewBox="0 0 {width} {y}" role="img" '
        f'font-family="sans-serif" font-size="13">{"".join(parts)}</svg>'
    )


def section(title: str, *body: str, anchor: str | None = None) -> str:
    """A ``<section>`` with an ``<h2>`` heading; ``body`` parts are HTML already."""
    ident = f' id="{html.escape(anchor)}"' if anchor else ""
    return f"<section{ident}><h2>{html.escape(title)}</h2>\n" + "\n".join(body) + "\n</section>"


def html_page(title: str, sections: Sequence[str], intro: str = "") -> str:
    """The whole document: one inline style sheet, no scripts, nothing fetched."""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(title)}</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n"
        f"<h1>{html.escape(title)}</h1>\n{intro}\n" + "\n".join(sections) + "\n</body>\n</html>\n"
    )
