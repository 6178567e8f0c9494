"""Shared-suite examples of the text transforms, their sample strategies and a tiny offline MarianMT.

:func:`tiny_marian` builds a random-weight MarianMT model and its
sentencepiece tokenizers in a temporary folder (a few seconds, no download)
so that back-translation runs through the real loading code in the tests.
"""

from __future__ import annotations

import atexit
import io
import json
import os
import shutil
import tempfile
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from .checks import Example, with_defaults

__all__ = [
    "BAD_TEXT_SAMPLES",
    "reference_text_sample",
    "text_example",
    "text_samples",
    "tiny_bert",
    "tiny_marian",
]

Sample = dict[str, Any]

#: Words for realistic generated sentences (content words with WordNet synonyms, and stopwords).
_WORDS = (
    "the a big small cat dog house run runs ran quickly new old function value returns list of and "
    "to in is was good data file use used method object string number time make example"
).split()

REFERENCE_TEXT = (
    "The quick brown fox jumps over the lazy dog near the big old house, "
    "and then it runs home quickly. Python's built-in functions return new values!"
)


@st.composite
def text_samples(draw: st.DrawFn, max_size: int = 80) -> Sample:
    """Valid text samples: arbitrary unicode (``st.text()``) or sentences of real words."""
    if draw(st.booleans()):
        text = draw(st.text(max_size=max_size))
    else:
        words = draw(st.lists(st.sampled_from(_WORDS), max_size=16))
        seps = draw(st.lists(st.sampled_from([" ", " ", ", ", ". ", "\n", "  "]), min_size=len(words)))
        text = "".join(w + s for w, s in zip(words, seps, strict=False))
        if draw(st.booleans()):
            text = text.capitalize()
    sample: Sample = {"text": text}
    if draw(st.booleans()):
        sample["label"] = draw(st.integers(0, 3))
    return sample


def reference_text_sample() -> Sample:
    """A fixed English sample with stopwords, punctuation, a contraction and a label."""
    return {"text": REFERENCE_TEXT, "label": 1}


BAD_TEXT_SAMPLES: tuple[Sample, ...] = (
    {"text": None},
    {"text": b"bytes are not text"},
    {"text": 42},
    {"text": ["a", "list"]},
    {"label": 1},
)

#: What no single spec of the word edits can know (the specs generate the other bad values).
BAD_WORD_PARAMS: tuple[dict[str, Any], ...] = ({"min_words": 3, "max_words": 2},)


def text_example(factory: Any, **kw: Any) -> Example:
    """An :class:`Example` on text samples."""
    kw.setdefault("bad_samples", BAD_TEXT_SAMPLES)
    kw.setdefault("samples", text_samples)
    kw.setdefault("reference", reference_text_sample)
    return Example(make=factory, **kw)


# ---------------------------------------------------------------------- a tiny offline MarianMT
_TINY_LOCK = threading.Lock()
_TINY: dict[str, Path] = {}


def _corpus() -> list[str]:
    from pydoc_data.topics import topics

    lines = (ln.strip() for text in topics.values() for ln in text.split("\n"))
    return [ln for ln in lines if len(ln) > 20][:3000]


def build_tiny_marian(
    directory: str | Path, pairs: Iterable[str] = ("en-de", "de-en"), seed: int = 0
) -> Path:
    """Write random-weight MarianMT models ``opus-mt-{pair}`` under ``directory``.

    The sentencepiece tokenizer is trained on Python's own documentation text
    (``pydoc_data.topics``), the weights are drawn from a seeded local
    generator; everything is saved with ``save_pretrained`` so that loading goes
    through the same code as a real model.
    """
    import sentencepiece as spm
    import torch
    from transformers import MarianConfig, MarianMTModel, MarianTokenizer

    root = Path(directory)
    buf = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(_corpus()),
        model_writer=buf,
        vocab_size=300,
        model_type="unigram",
        character_coverage=1.0,
        num_threads=1,
        minloglevel=2,
    )
    sp = spm.SentencePieceProcessor(model_proto=buf.getvalue())
    vocab = {"</s>": 0, "<unk>": 1}
    for i in range(sp.get_piece_size()):
        if sp.id_to_piece(i) != "<s>":
            vocab.setdefault(sp.id_to_piece(i), len(vocab))
    vocab["<pad>"] = len(vocab)
    config = MarianConfig(
        vocab_size=len(vocab),
        d_model=16,
        encoder_layers=1,
        decoder_layers=1,
        encoder_attention_heads=2,
        decoder_attention_heads=2,
        encoder_ffn_dim=32,
        decoder_ffn_dim=32,
        max_position_embeddings=128,
        pad_token_id=vocab["<pad>"],
        eos_token_id=0,
        decoder_start_token_id=vocab["<pad>"],
        forced_eos_token_id=0,
    )
    gen = torch.Generator().manual_seed(seed)
    for n, pair in enumerate(pairs):
        out = root / f"opus-mt-{pair}"
        out.mkdir(parents=True, exist_ok=True)
        for name in ("source.spm", "target.spm"):
            (out / name).write_bytes(buf.getvalue())
        (out / "vocab.json").write_text(json.dumps(vocab), encoding="utf-8")
        # Module init draws from torch's global RNG: leave it as it was found.
        with torch.random.fork_rng(devices=[]):
            model = MarianMTModel(config)
        with torch.no_grad():
            for p in model.parameters():
                p.copy_(torch.randn(p.shape, generator=gen) * (0.5 + 0.1 * n))
        model.save_pretrained(out)
        tokenizer = MarianTokenizer(
            source_spm=str(out / "source.spm"),
            target_spm=str(out / "target.spm"),
            vocab=str(out / "vocab.json"),
        )
        tokenizer.save_pretrained(out)
    return root


#: A folder shared by processes (the test suite's conftest sets it for its workers and their child
#: processes): each tiny model is built there once, not once per process.
SHARED_TINY_MODELS = "MULTIAUG_TINY_MODELS"


def _builder_stamp() -> str:
    """A digest of this module's source and the ``transformers`` version (what the models depend on)."""
    import hashlib
    import importlib.metadata

    version = importlib.metadata.version("transformers").encode()
    return hashlib.blake2b(Path(__file__).read_bytes() + version, digest_size=6).hexdigest()


def _built_once(name: str, build: Any) -> Path:
    """``build(folder)`` into a temporary folder once per process (removed at exit), quietly.

    Under ``$MULTIAUG_TINY_MODELS`` the folder is ``$MULTIAUG_TINY_MODELS/name``, built once for
    every process that shares the variable (the builds are seeded, so the same bytes either way):
    into a private folder first, then renamed into place, so a reader never sees half a model.
    """
    with _TINY_LOCK:
        if name not in _TINY:
            from ..text.masked_lm import quiet

            shared = os.environ.get(SHARED_TINY_MODELS)
            if shared:  # named by what built it: a folder kept from another version is not read
                Path(shared).mkdir(parents=True, exist_ok=True)
                final = Path(shared) / f"{name}-{_builder_stamp()}"
                if final.is_dir():
                    _TINY[name] = final
                    return final
            root = Path(tempfile.mkdtemp(prefix=f"multiaug-{name}-", dir=shared or None))
            with quiet():
                built = build(root)
            if shared and built == root:
                try:
                    root.rename(final)
                except OSError:  # another process put it there first: use that one
                    shutil.rmtree(root, True)
                    if not final.is_dir():
                        raise
                root = built = final
            else:
                atexit.register(shutil.rmtree, root, True)
            _TINY[name] = built
        return _TINY[name]


def tiny_marian() -> Path:
    """A folder with tiny ``opus-mt-en-de`` and ``opus-mt-de-en`` models (built once per process)."""
    return _built_once("tiny-marian", build_tiny_marian)


def _backtranslate(**kw: Any) -> Any:
    from ..text import BackTranslate, MarianTranslator

    translator = MarianTranslator(tiny_marian(), max_new_tokens=5)
    return BackTranslate(**{"pivot": "de", "translator": translator, **kw})


def _contextual(**kw: Any) -> Any:
    from ..text import ContextualReplace

    return ContextualReplace(**{"model": tiny_bert(), "alpha": 0.3, **kw})


def examples() -> dict[str, Example]:
    from ..text import (
        CharNoise,
        KeyboardTypo,
        OCRError,
        PunctuationInsert,
        RandomDelete,
        RandomInsert,
        RandomSwap,
        SynonymReplace,
    )

    word_ops = {
        "text.SynonymReplace": SynonymReplace,
        "text.RandomInsert": RandomInsert,
        "text.RandomSwap": RandomSwap,
        "text.RandomDelete": RandomDelete,
    }
    table = {
        name: text_example(with_defaults(cls, alpha=0.2), bad_params=BAD_WORD_PARAMS)
        for name, cls in word_ops.items()
    }
    table["text.CharNoise"] = text_example(
        with_defaults(CharNoise, alpha=(0.1, 0.4), min_len=3),
        bad_params=BAD_WORD_PARAMS,
    )
    for name, cls in (("text.KeyboardTypo", KeyboardTypo), ("text.OCRError", OCRError)):
        table[name] = text_example(
            with_defaults(cls, alpha=(0.1, 0.4), min_len=3), bad_params=BAD_WORD_PARAMS
        )
    table["text.PunctuationInsert"] = text_example(
        with_defaults(PunctuationInsert), bad_params=BAD_WORD_PARAMS
    )
    table["text.ContextualReplace"] = text_example(
        _contextual,
        samples=lambda: text_samples(max_size=40),
        max_examples=10,
        bad_params=BAD_WORD_PARAMS,
    )
    table["text.BackTranslate"] = text_example(
        _backtranslate,
        samples=lambda: text_samples(max_size=30),
        max_examples=10,
        bad_params=({"pivot": "en"},),  # equals source
    )
    return table


# ---------------------------------------------------------------------- a tiny offline masked LM
def build_tiny_bert(directory: str | Path, seed: int = 0, words: int = 400) -> Path:
    """Write a random-weight BERT masked LM and its WordPiece tokenizer to ``directory``.

    The vocabulary is the ``words`` most common lower-case words of Python's documentation
    (``pydoc_data.topics``), the letters and digits (whole and as ``##`` continuations) and
    common punctuation; the weights are drawn from a seeded local generator (torch's global
    RNG is left as it was). The position table holds 64 tokens, so long texts exercise the
    window around the mask. Saved with ``save_pretrained``: loading goes through the same code
    as a real model.
    """
    import collections
    import re
    import string

    import torch
    from transformers import BertConfig, BertForMaskedLM, BertTokenizer

    root = Path(directory)
    root.mkdir(parents=True, exist_ok=True)
    counts = collections.Counter(w for ln in _corpus() for w in re.findall(r"[a-z]{2,}", ln))
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    chars = string.ascii_lowercase + string.digits
    vocab += list(chars) + [f"##{c}" for c in chars] + list(string.punctuation)
    vocab += [w for w, _ in counts.most_common(words) if w not in vocab]
    tokenizer = BertTokenizer(vocab={w: i for i, w in enumerate(vocab)}, do_lower_case=True)
    tokenizer.save_pretrained(root)
    config = BertConfig(
        vocab_size=len(vocab),
        hidden_size=16,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=32,
        max_position_embeddings=64,
    )
    with torch.random.fork_rng(devices=[]):
        model = BertForMaskedLM(config)
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.randn(p.shape, generator=gen) * 0.5)
    model.save_pretrained(root)
    return root


def tiny_bert() -> Path:
    """A folder with a tiny BERT masked LM (built once per process, removed at exit)."""
    return _built_once("tiny-bert", build_tiny_bert)
