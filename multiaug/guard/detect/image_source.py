"""A copy has one source: which warp matches of a large check stand (``_one_source``).

In a check over ``_WARP_EXHAUSTIVE`` cross-side pairs the warp search visits candidates (pose-hash
bands, retrieval) ranked by likeness, and a copy's source's look-alikes (a neighbouring crop of one
roof edge, mirrored) rank high too: a match of such a pair is judged against the other matches of
its images.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .image_warp import _MIN_SIDE, WarpMatch, WarpStore, warp_pairs

_SOURCE_COVER = 0.75  # share of an image a partner shows, under which the image is its source (a crop)


def _one_source(
    warped: dict[tuple[int, int], WarpMatch],
    groups: Any,
    judged: set[tuple[int, int]],
    found: list[tuple[int, int, float]],
    store: WarpStore | None = None,
) -> dict[tuple[int, int], WarpMatch]:
    """The warp matches, less those of ``judged`` pairs (a large check's candidates, band and
    retrieval ones alike) that look like a look-alike's rather than a copy's: a copy has one
    source, and its source's look-alikes (a neighbouring crop of one roof edge, mirrored) rank
    high by colour and share pose-hash bands too.

    Such a pair stands only when it is the best match (by correlation) of one of its images, and,
    where an image ``k`` of it has one other partner ``c`` and a better warp match with it, only
    when ``c`` and the pair's other image are copies of each other too: ``k`` is then a copy of
    ``c`` (and the other image ``c``'s look-alike) or the source of two copies. Not asked where
    ``k`` is the source of both (each partner covers under ``_SOURCE_COVER`` of it: crops of it,
    which need not overlap one another), where ``c`` was paired by an earlier stage (a near-exact
    copy of ``k``) or where an image is too small for the warp search. An image with several other
    partners is taken for the source of many copies."""
    rep = groups.rep.tolist()
    partners: dict[int, list[tuple[float, int, WarpMatch | None]]] = {}
    for (a, b), match in warped.items():
        partners.setdefault(a, []).append((match.score, b, match))
        partners.setdefault(b, []).append((match.score, a, match))
    for g, h, _ in found:  # an earlier stage's match outranks any warp match
        a, b = rep[g], rep[h]
        partners.setdefault(a, []).append((2.0, b, None))
        partners.setdefault(b, []).append((2.0, a, None))
    proposed = {(rep[g], rep[h]) for g, h in judged}
    related: dict[tuple[int, int], bool] = {}

    def copies(i: int, j: int) -> bool:
        key = (min(i, j), max(i, j))
        if min(min(np.shape(groups.images[k])[:2]) for k in key) < _MIN_SIDE:
            return True  # the warp search cannot judge them
        if key not in related:
            related[key] = bool(warp_pairs(groups.images, [key], store=store))
        return related[key]

    def cover(k: int, o: int, match: WarpMatch) -> float:
        """The share of ``k`` that ``o`` shows (under 1: ``o`` is a crop of ``k``)."""
        area = {x: float(np.prod(np.shape(groups.images[x])[:2])) for x in (k, o)}
        det = abs(float(np.linalg.det(match.matrix[:2, :2]))) or 1e-12  # takes the first to the second
        shown = area[o] / det if (k, o) in warped else area[o] * det
        return min(1.0, shown / area[k])

    def asked(k: int, o: int, match: WarpMatch, other: tuple[float, int, WarpMatch | None]) -> bool:
        score, c, theirs = other
        if theirs is None or score <= match.score:
            return False
        return not (cover(k, o, match) < _SOURCE_COVER and cover(k, c, theirs) < _SOURCE_COVER)

    def stands(pair: tuple[int, int], match: WarpMatch) -> bool:
        if pair not in proposed:
            return True
        ends = (pair, pair[::-1])
        others = {k: [p for p in partners[k] if p[1] != o] for k, o in ends}
        if all(others.values()) and all(max(others[k])[0] > match.score for k in pair):
            return False  # the best match of neither image
        # an image with one better partner: a copy of it, or a source of two copies (which are
        # copies of each other); with several partners it looks like a source of many copies
        return all(
            copies(o, others[k][0][1])
            for k, o in ends
            if len(others[k]) == 1 and asked(k, o, match, others[k][0])
        )

    return {pair: match for pair, match in warped.items() if stands(pair, match)}
