"""Text augmentation (``ma.text``): tokenizer, WordNet synonyms, EDA ops, character noise and typos, AEDA,
back-translation, contextual replacement with a local masked language model.

Everything here works offline: the WordNet 3.0 synonyms ship with multiaug as a
compact table (no NLTK, no download), and back-translation runs a local model
(Hugging Face MarianMT or CTranslate2) or any callable you pass.
"""

from __future__ import annotations

from . import _validate as _validate
from .backtranslate import BackTranslate
from .base import TextTransform, WordEdit
from .batch import augment_texts
from .chars import CharNoise
from .contextual import ContextualReplace
from .eda import RandomDelete, RandomInsert, RandomSwap, SynonymReplace
from .punctuation import PunctuationInsert
from .stopwords import ENGLISH_STOPWORDS
from .tokens import detokenize, is_word, match_case, token_kind, tokenize
from .translate import CTranslate2Translator, MarianTranslator, Translator
from .typos import KeyboardTypo, OCRError
from .wordnet import synonyms, wordnet

__all__ = [
    "ENGLISH_STOPWORDS",
    "BackTranslate",
    "CTranslate2Translator",
    "CharNoise",
    "ContextualReplace",
    "KeyboardTypo",
    "MarianTranslator",
    "OCRError",
    "PunctuationInsert",
    "RandomDelete",
    "RandomInsert",
    "RandomSwap",
    "SynonymReplace",
    "TextTransform",
    "Translator",
    "WordEdit",
    "augment_texts",
    "detokenize",
    "is_word",
    "match_case",
    "synonyms",
    "token_kind",
    "tokenize",
    "wordnet",
]
