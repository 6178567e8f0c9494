"""The tokenizer on technical English (issue 19) and what every registered text op may do with its tokens.

``tests/data/hard_text.txt`` is a corpus written for this test: technical sentences holding every
token kind, with the protected tokens marked ``⟦...⟧`` and the compound plain words (hyphenated
words, contractions) marked ``⟪...⟫``.
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path

import pytest

import multiaug as ma
from multiaug.core.registry import registered
from multiaug.testing import EXAMPLES
from multiaug.text import detokenize, is_word, token_kind, tokenize
from multiaug.text.tokens import locked_words, split_words

sys.path.insert(0, str(Path(__file__).parent))
import fuzz_cases as fc

CORPUS = Path(__file__).parent / "data" / "hard_text.txt"
_MARK = re.compile(r"⟦(.+?)⟧(?!⟧)|⟪(.+?)⟫")


def hard_texts() -> list[tuple[str, list[str], list[str]]]:
    """(text, protected tokens, compound words) of each line of the corpus."""
    out = []
    for line in CORPUS.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        protected = [m.group(1) for m in _MARK.finditer(line) if m.group(1)]
        compound = [m.group(2) for m in _MARK.finditer(line) if m.group(2)]
        out.append((_MARK.sub(lambda m: m.group(1) or m.group(2), line), protected, compound))
    return out


HARD = hard_texts()
#: Ops whose output is a model's rewrite of the whole text: no token survives by construction.
REWRITES = {"text.BackTranslate"}
#: Ops that insert punctuation marks between words by design (the marks are checked apart).
PUNCTUATING = {"text.PunctuationInsert"}


def word_tokens(text: str) -> list[str]:
    return [t for t in tokenize(text) if is_word(t)]


def test_the_corpus_covers_every_kind() -> None:
    kinds = Counter(token_kind(t) for text, _, _ in HARD for t in tokenize(text))
    assert len(HARD) >= 25
    for kind in ("word", "number", "abbreviation", "url", "email", "path", "code", "space", "other"):
        assert kinds[kind] >= 2, kind


@pytest.mark.parametrize(("text", "protected", "compound"), HARD, ids=[t[:30] for t, _, _ in HARD])
def test_marked_tokens_are_single_tokens_of_their_kind(text: str, protected: list, compound: list) -> None:
    tokens = tokenize(text)
    assert detokenize(tokens) == text
    pieces, words = split_words(text)
    locked = sorted(pieces[words[k]] for k in locked_words(text))
    assert locked == sorted(protected)  # exactly the marked tokens: none missed, no plain word locked
    for tok in protected:
        assert tok in tokens, (tok, tokens)
    for tok in compound:
        assert tok in tokens and token_kind(tok) == "word", tok
    assert [pieces[w] for w in words] == word_tokens(text)


@pytest.mark.parametrize(
    ("text", "kinds"),
    [
        ("e.g. i.e. U.S. U.S.A. Dr. etc. vs.", ["abbreviation"] * 7),
        ("https://a.org/x?y=1 www.b.com", ["url", "url"]),
        ("me@x.org first.last+tag@mail.example.co.uk", ["email", "email"]),
        ("/etc/hosts ./a.sh ../b ~/c C:\\d\\e.txt a/b.py setup.py", ["path"] * 7),
        (
            "os.path x.y() len(s) f() list[int] snake_case CamelCase utf8 --help -v n=3 $HOME @wraps",
            ["code"] * 13,
        ),
        ("3.14 1,000 1e-5 2.5GHz 10ms 12:30 1.2.3", ["number"] * 7),
        ("don't built-in naïve café déjà-vu Straße HTML", ["word"] * 7),
    ],
)
def test_token_kinds(text: str, kinds: list[str]) -> None:
    assert [token_kind(t) for t in word_tokens(text)] == kinds


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        # the sentence's own punctuation stays outside: a URL, a path or a name ends before it
        ("(see https://x.org/a).", ["(", "see", " ", "https://x.org/a", ")", "."]),
        ("in a/b.py, done", ["in", " ", "a/b.py", ",", " ", "done"]),
        ("call f(x).", ["call", " ", "f(x)", "."]),
        ("Use os.path.", ["Use", " ", "os.path", "."]),
        ("Use x.y.", ["Use", " ", "x.y."]),  # dotted single letters: an abbreviation
        ("end.", ["end", "."]),
        ('"e.g."', ['"', "e.g.", '"']),
        ("(e.g., this)", ["(", "e.g.", ",", " ", "this", ")"]),
    ],
)
def test_technical_tokens_leave_surrounding_punctuation_alone(text: str, tokens: list[str]) -> None:
    assert [t for t in tokenize(text) if t != " " or " " in tokens] == tokens


def test_units_after_numbers_are_locked_only_there() -> None:
    text = "It takes 10 ms; ms alone is a word. Give 4 GB, 4 big ones."
    pieces, words = split_words(text)
    locked = [pieces[words[k]] for k in sorted(locked_words(text))]
    assert locked == ["10", "ms", "4", "GB", "4"]


# ------------------------------------------------------------------ every registered text op
def text_ops() -> list[str]:
    names = sorted(
        n for n, cls in registered().items() if n.startswith("text.") and not cls.__dict__.get("_abstract")
    )
    assert {"text.SynonymReplace", "text.RandomSwap", "text.CharNoise"} <= set(names)
    return [n for n in names if n not in REWRITES]


def aggressive(name: str, key_seed: int = 0) -> ma.Transform:
    """The op of the shared instance table, editing every word it may (alpha 1, no stopwords)."""
    op = EXAMPLES[name].make(seed=key_seed)
    params = op.get_params()
    changes = {k: v for k, v in {"alpha": 1.0, "stopwords": None, "min_len": 1}.items() if k in params}
    return op.set_params(**changes) or op


def others(text: str) -> Counter[str]:
    """The punctuation and symbol tokens of ``text``."""
    return Counter(t for t in tokenize(text) if not is_word(t) and not t.isspace())


@pytest.mark.parametrize("name", text_ops())
def test_no_op_splits_or_edits_a_protected_token(name: str) -> None:
    op = aggressive(name)
    edited = 0
    for text, protected, _compound in HARD:
        for key in range(4):
            out = op(text=text, key=key)["text"]
            edited += out != text
            got = Counter(tokenize(out))
            missing = Counter(protected) - got
            assert not missing, (name, text, out, missing)
            marks = others(out) - others(text)
            if name in PUNCTUATING:
                assert set(marks) <= set(".,;:!?"), (name, out)
            else:
                # nothing split: a cut abbreviation, compound or URL would leave new punctuation tokens
                assert not marks and not others(text) - others(out), (name, text, out)
    assert edited > len(HARD), name  # the op did edit the corpus


@pytest.mark.parametrize(
    "name", ["text.SynonymReplace", "text.CharNoise", "text.KeyboardTypo", "text.OCRError"]
)
def test_word_replacement_keeps_punctuation_spacing_and_protected_tokens_in_place(name: str) -> None:
    op = aggressive(name)
    for text, _, _ in HARD:
        pieces, _ = split_words(text)
        locked = locked_words(text)
        pattern = "".join(
            re.escape(p) if i % 2 == 0 or (i - 1) // 2 in locked else r"(.+?)" for i, p in enumerate(pieces)
        )
        for key in range(4):
            out = op(text=text, key=key)["text"]
            assert re.fullmatch(pattern, out, re.DOTALL), (name, text, out)


# ------------------------------------------------------------------ linear time on hostile input
HOSTILE = """
a. 1. a@ (a f( f(' a, x= 'a. (a. a/ /a http:// http://, -a -- $a a.b( a.b(c, e.g 1.2.3a. a.b.c.d x='
(( [a ~ :/ C: www. a_b. aB 1e 1e- @a. ,a. a.1. a- ' a' a=b' x.y[ a@b. Dr.a
""".split()


def test_hostile_long_inputs_tokenize_in_linear_time() -> None:
    """200 kB of each repeated pattern: linear work is well under a second each; a pattern that
    re-read the text from each of its starts would need hours (the watchdog stops it at 120 s)."""
    with fc.watchdog(120):
        for unit in HOSTILE:
            text = unit * (200_000 // len(unit))
            assert detokenize(tokenize(text)) == text
            pieces, _ = split_words(text + " ")
            assert "".join(pieces) == text + " "
