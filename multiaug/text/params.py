"""Parameter specs of the text transforms: protected tokens, stopword lists, alphabets, translators."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from typing import Any, NamedTuple

from ..core.errors import InvalidInputError
from ..core.params import Spec
from .stopwords import ENGLISH_STOPWORDS
from .translate import accepts_seeds, build_translator

__all__ = [
    "Alphabet",
    "English",
    "LanguageCode",
    "Marks",
    "Protected",
    "ResolvedTranslator",
    "Stopwords",
    "TranslatorParam",
    "plain",
    "required",
]

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


class Alphabet(Spec):
    """A non-empty string of letters (any script): what :class:`CharNoise` inserts and substitutes."""

    doc = "a non-empty str of letters"
    value_type = "str"
    #: What a valid value looks like (the fix of the error message).
    example = "alphabet='abcdefghijklmnopqrstuvwxyz' (letters only)"
    bad = ["", "a b", "ab-", 5, None]

    def invalid(self) -> list[Any]:
        return list(self.bad)

    @staticmethod
    def allowed(char: str) -> bool:
        # letters only: a space or a mark would split a word or join two
        return char.isalpha()

    def resolve(self, owner: str, name: str, value: Any) -> str:
        if not isinstance(value, str) or not value or not all(map(self.allowed, value)):
            raise self.fail(owner, name, value, f"pass {self.example}")
        return value


class Marks(Alphabet):
    """A non-empty string of punctuation marks, each inserted on its own (:class:`PunctuationInsert`)."""

    doc = "a non-empty str of punctuation marks"
    example = "marks='.;?:!,' (punctuation marks only)"
    bad = ["", "a.", ". ", 5, None, "..\u0301"]

    @staticmethod
    def allowed(char: str) -> bool:
        # punctuation and symbols only: a letter, digit, space or mark would join or split words
        return unicodedata.category(char)[0] in "PS"


class English(Spec):
    """``"en"`` (check that the text looks English) or ``None`` (no check)."""

    doc = "'en' or None"
    value_type = "str | None"

    def invalid(self) -> list[Any]:
        return ["de", "", 3]

    def resolve(self, owner: str, name: str, value: Any) -> str | None:
        if value is not None and value != "en":
            raise self.fail(
                owner, name, value, f"pass {name}='en' (English WordNet) or {name}=None (no check)"
            )
        return value


class LanguageCode(Spec):
    doc = "a language code such as 'en' or 'de'"
    value_type = "str"

    def invalid(self) -> list[Any]:
        return ["", "e n", 3, None]

    def resolve(self, owner: str, name: str, value: Any) -> str:
        if not isinstance(value, str) or not value or not value.replace("_", "").isalnum():
            raise self.fail(owner, name, value, f"pass {name}='de' (the code the model folders are named by)")
        return value


class ResolvedTranslator(NamedTuple):
    """A translator as :class:`BackTranslate` calls it."""

    obj: Any  #: what was passed (or built from a folder or a config mapping)
    fn: Callable[..., Any]  #: the translate function
    seeds: bool  #: whether ``fn`` takes ``seeds=``
    label: str  #: how error messages name it


class TranslatorParam(Spec):
    """A translator object, a callable, a local model folder, or a ``{"backend": ...}`` mapping."""

    doc = "a translator, a callable, a model folder or a {'backend': ...} mapping"
    value_type = "ResolvedTranslator"

    def invalid(self) -> list[Any]:
        return [None, 5, {"backend": "nope"}, {"backend": "marian", "models": "/x", "speed": 2}]

    def resolve(self, owner: str, name: str, value: Any) -> ResolvedTranslator:
        if value is None:
            raise required(
                owner,
                name,
                "pass translator=ma.text.MarianTranslator('/models') (local MarianMT folders), "
                "a model folder path, or any f(texts, src, tgt) -> list[str]",
            )
        obj = build_translator(owner, value)
        fn = obj.translate if callable(getattr(obj, "translate", None)) else obj
        if hasattr(obj, "to_config"):
            label = repr(obj)
        else:
            label = getattr(obj, "__qualname__", None) or f"{type(obj).__name__} translator"
        return ResolvedTranslator(obj, fn, accepts_seeds(fn), label)


def required(owner: str, name: str, fix: str) -> InvalidInputError:
    """The error for a required parameter left at ``None``."""
    return InvalidInputError(owner, name, "is required", fix)


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
