"""Text ops before and after a change, in one process: alternating rounds, cold split (issue 19).

``cd benchmarks && PYTHONPATH=<new checkout> ../.venv/bin/python text_ab.py <old checkout> [op ...]``

The old checkout's ``multiaug`` is copied into a temporary folder as the package ``multiaug_before``
(its absolute imports renamed), so both versions run in this process on the sentences of
``text.py``; each round clears both split caches first (as ``text.py`` does) and the order of the
two alternates between rounds; as in ``text.py``, the sentences are timed in chunks of 200, the best of
five rounds per chunk. Prints microseconds per call and the speed-up. Ops:
synonym, swap, delete, charsub, keyboard, ocr (default: all), with the parameters of ``text.py``.

``--check`` compares outputs instead of timing them: every op, each sentence and each line of
``tests/data/hard_text.txt``, three epochs, at ``alpha`` 0.1 and 0.5, text and traced parameters
of both versions; prints how many outputs were compared and lists any that differ.
"""

from __future__ import annotations

import importlib
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType

from text import corpus

import multiaug


def load_before(checkout: Path, into: Path) -> ModuleType:
    """The ``multiaug`` package of ``checkout``, importable as ``multiaug_before``."""
    target = into / "multiaug_before"
    shutil.copytree(checkout / "multiaug", target, ignore=shutil.ignore_patterns("__pycache__"))
    for path in target.rglob("*.py"):
        path.write_text(re.sub(r"\bmultiaug\b", "multiaug_before", path.read_text()))
    sys.path.insert(0, str(into))
    return importlib.import_module("multiaug_before")


def ops(ma: ModuleType, alpha: float = 0.1) -> dict[str, object]:
    t = ma.text
    chars = {"alpha": alpha, "min_len": 4, "stopwords": None, "seed": 0}
    return {
        "synonym": t.SynonymReplace(alpha=alpha, seed=0),
        "swap": t.RandomSwap(alpha=alpha, seed=0),
        "delete": t.RandomDelete(alpha=alpha, seed=0),
        "charsub": t.CharNoise("substitute", **chars),
        "keyboard": t.KeyboardTypo(**chars),
        "ocr": t.OCRError(**chars),
    }


def main(old_checkout: str, names: list[str], rounds: int = 5, chunk: int = 200) -> None:
    texts = corpus()
    with tempfile.TemporaryDirectory() as tmp:
        before = load_before(Path(old_checkout), Path(tmp))
        versions = {"before": before, "after": multiaug}
        made = {v: ops(ma) for v, ma in versions.items()}
        tokens = {v: importlib.import_module(f"{ma.__name__}.text.tokens") for v, ma in versions.items()}
        print(f"# text_ab.py: {old_checkout} (before) vs {Path(multiaug.__file__).parent.parent} (after)")
        for name in names or list(made["after"]):
            total = dict.fromkeys(versions, 0.0)
            for v in versions:
                made[v][name](text=texts[0], key=0)  # type: ignore[operator]
            # as text.py times: chunk by chunk, the best of `rounds` per chunk, the two interleaved
            for start in range(0, len(texts), chunk):
                part = list(enumerate(texts[start : start + chunk], start))
                best = dict.fromkeys(versions, float("inf"))
                for r in range(rounds):
                    for v in list(versions)[:: 1 if r % 2 == 0 else -1]:
                        op = made[v][name]
                        tokens[v]._split_short.cache_clear()
                        tokens[v]._split_long.cache_clear()
                        t0 = time.process_time()
                        for i, s in part:
                            op(text=s, key=i)  # type: ignore[operator]
                        best[v] = min(best[v], time.process_time() - t0)
                for v in versions:
                    total[v] += best[v]
            b, a = (total[v] / len(texts) * 1e6 for v in versions)
            print(f"{name:<10} before {b:7.2f} us  after {a:7.2f} us  speed-up {b / a:5.3f}x", flush=True)


def check(old_checkout: str, names: list[str]) -> None:
    """Outputs (text and traced parameters) of both versions on the same calls: all must agree."""
    hard = Path(__file__).parent.parent / "tests" / "data" / "hard_text.txt"
    texts = corpus() + hard.read_text(encoding="utf-8").splitlines()
    with tempfile.TemporaryDirectory() as tmp:
        versions = (load_before(Path(old_checkout), Path(tmp)), multiaug)
        compared, differ = 0, []
        for alpha in (0.1, 0.5):
            made = [ops(ma, alpha) for ma in versions]
            for m, ma in zip(made, versions, strict=True):  # the other character actions
                for action in ("insert", "delete", "swap"):
                    chars = {"alpha": alpha, "min_len": 4, "stopwords": None, "seed": 0}
                    m[f"char{action}"] = ma.text.CharNoise(action, **chars)
            for name in names or list(made[1]):
                for epoch in range(3):
                    for i, s in enumerate(texts):
                        a, b = (m[name](text=s, key=i, epoch=epoch, trace=True) for m in made)  # type: ignore[operator]
                        compared += 1
                        if a["text"] != b["text"] or a["trace"][0]["params"] != b["trace"][0]["params"]:
                            differ.append((name, alpha, epoch, i))
        print(f"# text_ab.py --check: {compared} outputs compared, {len(differ)} differ {differ[:10]}")


if __name__ == "__main__":
    if "--check" in sys.argv:
        check(sys.argv[1], [a for a in sys.argv[2:] if a != "--check"])
    else:
        main(sys.argv[1], sys.argv[2:])
