"""Parameter specs of the text transforms: protected tokens, stopword lists."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from ..core.errors import InvalidInputError
from ..core.params import Spec
from .stopwords import ENGLISH_STOPWORDS

__all__ = ["Protected", "Stopwords", "plain"]

_PROTECTED_FIX = (
    "pass protected=['Alice', 'New York', re.compile(r'\\d+')]: strings are literal words or phrases "
    "(whole words, any case), compiled patterns (or {'regex': ..., 'flags': 0}) are regular expressions"
)


def _literal(phrase: str) -> re.Pattern[str]:
    # Whole words: "cat" protects "Cat" and "CAT" but not the "cat" in "concatenate".
    return re.compile(rf"(?<!\w){re.escape(phrase)}(?!\w)", re.IGNORECASE)


class Protected(Spec):
    """``None``, or words/phrases and regular expressions whose matches are never edited.

    Resolves to a tuple of compiled patterns. A plain string is a literal word or
    phrase, matched as whole words and case-insensitively; a compiled
    :class:`re.Pattern` (or ``{"regex": ..., "flags": ...}``, its config form) is
    used as it is. One string or pattern may be given alone.
    """

    doc = "None, or a list of words/phrases and compiled regular expressions"
    value_type = "tuple[re.Pattern[str], ...]"

    def invalid(self) -> list[Any]:
        return [7, [3], [""], [" "], [re.compile(b"x")], [{"regex": "("}], [{"pattern": "x"}]]

    def resolve(self, owner: str, name: str, value: Any) -> tuple[re.Pattern[str], ...]:
        if value is None:
            return ()
        items = [value] if isinstance(value, (str, re.Pattern, Mapping)) else value
        if not isinstance(items, Iterable):
            raise self.fail(owner, name, value, _PROTECTED_FIX)
        out = []
        for i, item in enumerate(items):
            where = f"{name}[{i}]"
            if isinstance(item, str):
                if not item.strip():
                    raise InvalidInputError(owner, where, "is empty or blank", _PROTECTED_FIX)
                out.append(_literal(item))
            elif isinstance(item, re.Pattern):
                if not isinstance(item.pattern, str):
                    raise InvalidInputError(owner, where, "is a bytes pattern", "compile a str pattern")
                out.append(item)
            elif isinstance(item, Mapping) and set(item) <= {"regex", "flags"} and "regex" in item:
                try:
                    out.append(re.compile(item["regex"], int(item.get("flags", 0))))
                except (re.error, TypeError, ValueError) as exc:
                    raise InvalidInputError(
                        owner, where, f"is not a valid regular expression ({exc})", _PROTECTED_FIX
                    ) from None
            else:
                raise InvalidInputError(
                    owner, where, f"must be a str or a pattern, got {item!r}", _PROTECTED_FIX
                )
        return tuple(out)


class Stopwords(Spec):
    """``"english"`` (the built-in list), ``None`` (no stopwords) or an iterable of words."""

    doc = "'english', None, or a list of words"
    value_type = "frozenset[str]"

    def invalid(self) -> list[Any]:
        return [5, "french", ["the", 3]]

    def resolve(self, owner: str, name: str, value: Any) -> frozenset[str]:
        if value is None:
            return frozenset()
        if value == "english":
            return ENGLISH_STOPWORDS
        if isinstance(value, str) or not isinstance(value, Iterable):
            raise self.fail(owner, name, value, "pass stopwords='english', stopwords=None or a list of words")
        words = list(value)
        bad = [w for w in words if not isinstance(w, str)]
        if bad:
            raise self.fail(owner, name, bad[0], "give the stopwords as strings")
        folded = {w.lower() for w in words}
        return frozenset(folded | {w.replace("'", "\u2019") for w in folded} | {_fold(w) for w in folded})


def _fold(word: str) -> str:
    """Lower case with a straight apostrophe."""
    return word.lower().replace("\u2019", "'")


def plain(value: Any) -> Any:
    """The config form of a parameter value: patterns as ``{"regex", "flags"}``, sets as sorted lists."""
    if isinstance(value, re.Pattern):
        flags = value.flags & ~re.UNICODE
        return {"regex": value.pattern, "flags": flags} if flags else {"regex": value.pattern}
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    if isinstance(value, (list, tuple)) and any(isinstance(v, (re.Pattern, set, frozenset)) for v in value):
        return [plain(v) for v in value]
    return value
