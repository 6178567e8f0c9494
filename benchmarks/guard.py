"""Split guard: detection quality on real data and speed at scale.

Run with ``make bench`` or ``cd benchmarks && ../.venv/bin/python guard.py``
(``guard.py pipelines``: only the whole-pipeline image rows and the 128x128 timing).

Recall: the share of augmented copies of validation items (made with multiaug's own
default-strength augmentations, keyed and seeded) placed in training that ``check`` links
to their validation source. Precision: the share of reported pairs that are such true
copies (on real corpora some "false" pairs are genuine near-duplicates of the source data;
the count of pairs between distinct items is printed beside it). Speed: ``check`` on 100k
short texts and on 50k small images.

Distinct items are distinct after exact-text de-duplication: pydoc_data paragraphs compared
case-folded and punctuation-free (the docs repeat boilerplate paragraphs verbatim), and
espeak-ng sentences sharing no run of three words (espeak-ng speaks a phrase the same way in
every sentence, so "list 11 lines around the current line" in two sentences is one stretch of
near-identical audio).
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import time

import numpy as np
from _util import machine

import multiaug as ma


def score(report: ma.LeakageReport, truth: dict[int, int]) -> tuple[float, float, int]:
    """(recall, precision, wrong pairs) with truth = train index of a copy -> its val source."""
    found = {(t, v) for t, v, reason in report.leaks if reason in ("near_duplicate", "exact")}
    hits = sum((t, v) in found for t, v in truth.items())
    wrong = sum(truth.get(t) != v for t, v in found)
    return hits / max(1, len(truth)), (len(found) - wrong) / max(1, len(found)), wrong


def run(
    name: str,
    distinct: list,
    val_n: int,
    augment,
    guard: ma.SplitGuard,
    copies: int = 1,
    val_from: set[int] | None = None,
    **kwargs,
) -> tuple[ma.LeakageReport, dict[int, int], list]:
    """One table row; each val item gets ``copies`` augmented copies (keys j, j + 1000, ...) in
    training. Returns the report, the truth (train index of a copy -> its val source) and val.
    ``val_from``: the indices val items are drawn from (first in the same random order)."""
    rng = np.random.default_rng(0)
    order = rng.permutation(len(distinct))
    if val_from is not None:
        order = np.array([i for i in order if i in val_from] + [i for i in order if i not in val_from])
    val = [distinct[i] for i in order[:val_n]]
    train = [distinct[i] for i in order[val_n:]]
    truth = {}
    for c in range(copies):
        for j, item in enumerate(val):
            truth[len(train)] = j
            train.append(augment(item, j + 1000 * c))
    t0 = time.perf_counter()
    report = guard.check(train, val, **kwargs)
    dt = time.perf_counter() - t0
    recall, precision, wrong = score(report, truth)
    pairs = len(train) * len(val)
    cells = [name, f"{len(train)} x {len(val)}", f"{recall:.3f}", f"{precision:.3f}"]
    print(f"| {' | '.join(cells)} | {wrong} of {pairs:,} | {dt:.2f} s |")
    return report, truth, val


def featureless(image: np.ndarray) -> bool:
    """No band-pass detail: the value channel at 64x64, blurred (sigma 1) less a sigma-4 blur,
    varies by under 2 grey levels (a flat sky crop: its copies look like every other sky crop)."""
    import cv2

    v = cv2.resize(image.max(axis=2).astype(np.float32), (64, 64), interpolation=cv2.INTER_AREA)
    v = cv2.GaussianBlur(v, (0, 0), 1.0)
    return float((v - cv2.GaussianBlur(v, (0, 0), 4.0)).std()) < 2.0


def image_row(
    name: str, images: list, val_n: int, op: ma.Transform, guard: ma.SplitGuard, copies: int = 1
) -> None:
    """One table row: val images get keyed copies by ``op`` in training."""
    pipe = ma.Compose([op], seed=0)
    run(name, images, val_n, lambda x, j: pipe(image=x, key=j)["image"], guard, copies=copies)


def pipeline_rows(guard: ma.SplitGuard) -> None:
    """Image rows for whole training pipelines (issue 18) on scikit-learn's sample photos."""
    import cv2

    from multiaug.demo import image_pipeline, load_sample_photo
    from multiaug.demo.data import photo_tiles
    from multiaug.testing.leak_pipelines import image_pipeline as typical_pipeline

    photos = [load_sample_photo("china.jpg"), load_sample_photo("flower.jpg")]
    demo_tiles = [t for p in photos for t in photo_tiles(p)]
    # 48 non-overlapping 106x106 crops of the two photos, resized to 128x128
    crops = [
        cv2.resize(p[y : y + 106, x : x + 106], (128, 128), interpolation=cv2.INTER_AREA)
        for p in photos
        for y in range(0, 424 - 105, 106)
        for x in range(0, 640 - 105, 106)
    ]
    demo = image_pipeline(seed=0)
    run(
        "README demo tiles (96x96), demo image_pipeline, 4 copies each",
        demo_tiles,
        6,
        lambda x, j: demo(image=x, key=j)["image"],
        guard,
        copies=4,
    )
    detailed = {i for i, c in enumerate(crops) if not featureless(c)}

    def crop_rows(label: str, val_from: set[int] | None, copies: int = 2, items: list | None = None) -> list:
        """The typical pipeline without and with a crop to 50-100 % of the area."""
        rows = []
        for crop, what in ((False, ""), (True, " with a crop to 50-100 % of the area")):
            pipe = typical_pipeline(128, crop)
            rows.append(
                run(
                    f"sample photo crops (128x128), {label}typical pipeline{what}",
                    crops if items is None else items,
                    16,
                    lambda x, j, p=pipe: p(image=x, key=j)["image"],
                    guard,
                    copies=copies,
                    val_from=val_from,
                )
            )
        return rows

    def verifiable(rows: list, whats: tuple[str, str]) -> None:
        """Recall on the copies of the val crops the guard can verify (its ``low_detail``, the
        flat ones, set aside; the benchmark's own ``featureless`` must name the same crops)."""
        for (report, truth, val), what in zip(rows, whats, strict=True):
            flat = set(report.low_detail)
            assert flat == {j for j, v in enumerate(val) if featureless(v)}
            found = {(t, v) for t, v, _ in report.leaks}
            rest = [(t, v) for t, v in truth.items() if v not in flat]
            recall = sum(pair in found for pair in rest) / max(1, len(rest))
            flat_n = f"{len(flat)} of {len(val)}"
            print(f"{what}: {flat_n} val crops too flat to verify; recall on the others' copies {recall:.3f}")

    verifiable(crop_rows("", None), ("typical pipeline", "with the crop"))
    # a photo data set holds no 16 copies of one sky: val crops drawn among those with detail
    # (the flat ones stay in training, as distinct items a copy could be linked to by mistake)
    print(f"{len(detailed)} of {len(crops)} crops have band-pass detail")
    verifiable(
        crop_rows("val crops with detail, ", detailed),
        ("val crops with detail", "with detail, with the crop"),
    )
    # The rows above are small enough (at most 2,000 train x val pairs) for the warp search to
    # visit every pair; a larger check visits only the pose-hash candidates (sub-quadratic), so
    # the same val crops with 8 copies each (160 x 16 = 2,560 pairs) measure the guard at scale.
    from multiaug.guard.detect.image import _WARP_EXHAUSTIVE

    crop_rows(
        f"val crops with detail, 8 copies each (over the {_WARP_EXHAUSTIVE:,} pairs of the exhaustive "
        "warp search), ",
        detailed,
        copies=8,
    )
    # the same in grey (three equal channels: no hue, so the retrieval stage ranks them by tone)
    grey = [np.repeat(cv2.cvtColor(c, cv2.COLOR_RGB2GRAY)[..., None], 3, axis=2) for c in crops]
    crop_rows("grey, val crops with detail, 8 copies each, ", detailed, copies=8, items=grey)


def timing_128(guard: ma.SplitGuard) -> None:
    """50,000 distinct 128x128 images (bicubic upscales of random 16x16 colour patterns)."""
    import cv2

    patterns = np.random.default_rng(0).integers(0, 256, (50_000, 16, 16, 3), dtype=np.uint8)
    imgs = [cv2.resize(p, (128, 128), interpolation=cv2.INTER_CUBIC) for p in patterns]
    t0 = time.perf_counter()
    report = guard.check(imgs[10_000:], imgs[:10_000])
    dt = time.perf_counter() - t0
    print(
        f"50,000 distinct 128x128 images (40k train vs 10k val): {dt:.1f} s (target < 60 s), "
        f"{len(report.leaks)} pairs"
    )


def paragraphs() -> list[str]:
    from pydoc_data.topics import topics

    out = []
    for text in topics.values():
        for para in re.split(r"\n\s*\n", text):
            words = para.split()
            if 12 <= len(words) <= 120 and not para.startswith(" "):
                out.append(" ".join(words))
    # distinct = sharing no run of 6 words (case and punctuation ignored) with a paragraph kept
    # before it: the docs repeat boilerplate verbatim and fill templates ('"break" may only
    # occur syntactically nested in ...' / '"continue" may only occur ...'); those pairs are
    # near-duplicates in the source data, which a leak check should flag
    seen: set[tuple[str, ...]] = set()
    kept = []
    for para in sorted(set(out)):
        words = re.findall(r"[^\W_]+", para.casefold())
        runs = {tuple(words[k : k + 6]) for k in range(max(1, len(words) - 5))}
        if not runs & seen:
            seen |= runs
            kept.append(para)
    return kept


def speech(n: int = 400, rate: int = 16000) -> list[np.ndarray]:
    """``n`` distinct sentences of pydoc_data spoken by espeak-ng (5 voices), float32 at ``rate``."""
    from pydoc_data.topics import topics

    import soundfile as sf
    import soxr

    found = sorted(
        {
            s
            for t in topics.values()
            for s in re.split(r"(?<=[.!?])\s+", " ".join(t.split()))
            if 6 <= len(s.split()) <= 16 and s[0].isupper()
        }
    )
    seen: set[tuple[str, ...]] = set()
    sentences = []
    for i in np.random.default_rng(0).permutation(len(found)):
        words = re.findall(r"[^\W_]+", found[i].casefold())
        runs = {tuple(words[k : k + 3]) for k in range(len(words) - 2)}
        if not runs & seen:  # no 3-word run in common with a sentence already taken
            seen |= runs
            sentences.append(found[i])
        if len(sentences) == n:
            break
    voices = ["en-us", "en-us+f3", "en-gb", "en-us+m3", "en-gb+f2"]
    clips = []
    for k, text in enumerate(sentences):
        cmd = ["espeak-ng", "-v", voices[k % 5], "-s", str(150 + 10 * (k % 4)), "--stdout", text]
        audio, sr = sf.read(
            io.BytesIO(subprocess.run(cmd, capture_output=True, check=True).stdout), dtype="float32"
        )
        clips.append(soxr.resample(audio, sr, rate).astype(np.float32))
    return clips


def header() -> None:
    cells = ["data, augmentation of the val copies", "train x val", "recall", "precision"]
    print(f"| {' | '.join(cells)} | pairs between distinct items | check time |")
    print("|---|---|---:|---:|---:|---:|")


def smote_row(name: str, X: np.ndarray, guard: ma.SplitGuard) -> None:
    """SMOTE rows between each val row and one of its 5 nearest training rows, then noise.

    A copy is a row that keeps at least 10 % of its val row (gap <= 0.9, the guard's
    ``MIN_VAL_SHARE``); rows nearer the training end are counted apart (found / made).
    """
    from multiaug.testing.leak_pipelines import smote_rows

    order = np.random.default_rng(0).permutation(len(X))
    k = len(X) // 5
    val, rest = X[order[:k]], X[order[k:]]
    rows, gap = smote_rows(rest, val, seed=0)
    train = np.vstack([rest, rows])
    t0 = time.perf_counter()
    report = guard.check(train, val)
    dt = time.perf_counter() - t0
    truth = {len(rest) + j: j for j in range(k)}
    found = {(t, v) for t, v, reason in report.leaks if reason in ("near_duplicate", "exact")}
    wrong = sum(truth.get(t) != v for t, v in found)
    near = [(t, v) in found for t, v in truth.items() if gap[v] <= 0.9]
    far = [(t, v) in found for t, v in truth.items() if gap[v] > 0.9]
    recall, precision = float(np.mean(near)), (len(found) - wrong) / max(1, len(found))
    cells = [name, f"{len(train)} x {k}", f"{recall:.3f}", f"{precision:.3f}"]
    print(f"| {' | '.join(cells)} | {wrong} of {len(train) * k:,} | {dt:.2f} s | {sum(far)} of {len(far)} |")


def modality_pipeline_rows(guard: ma.SplitGuard, texts: list[str]) -> None:
    """Issue 18: copies made by whole training pipelines (text, audio, tables)."""
    from sklearn.datasets import load_breast_cancer, load_wine

    from multiaug.testing.leak_pipelines import audio_pipeline, text_pipeline

    print("Whole training pipelines (text, audio, tables):")
    print()
    header = ["data, pipeline of the val copies", "train x val", "recall", "precision"]
    extra = "SMOTE rows past gap 0.9 flagged"
    print(f"| {' | '.join(header)} | pairs between distinct items | check time | {extra} |")
    print("|---|---|---:|---:|---:|---:|---:|")
    noise = ma.Compose([ma.text.CharNoise()], seed=0)
    run("pydoc_data paragraphs, text.CharNoise", texts, 300, lambda x, j: noise(text=x, key=j)["text"], guard)
    run(
        "pydoc_data paragraphs, EDA (4 ops) + BackTranslate (stand-in) + CharNoise",
        texts,
        300,
        text_pipeline(),
        guard,
    )
    for loader in (load_wine, load_breast_cancer):
        smote_row(
            f"{loader.__name__} rows, SMOTE (val x train) + tabular.GaussianNoise", loader().data, guard
        )
    if shutil.which("espeak-ng"):
        run(
            "espeak-ng speech (16 kHz), PitchShift(+-4) + TimeStretch(0.8-1.25) + AddNoise(10 dB) + filter",
            speech(),
            100,
            audio_pipeline(16000),
            guard,
            sample_rate=16000,
        )
    else:
        print("audio pipeline row skipped: espeak-ng is not installed")


def main() -> None:
    import sys

    from sklearn.datasets import load_breast_cancer, load_digits, load_wine

    guard = ma.SplitGuard()
    print(f"# benchmarks/guard.py on {machine()}, multiaug {ma.__version__}")
    print()
    if sys.argv[1:] == ["modalities"]:  # only the whole-pipeline text, table and audio rows
        modality_pipeline_rows(guard, paragraphs())
        return
    header()
    if sys.argv[1:] == ["pipelines"]:  # only the whole-pipeline image rows and the 128x128 timing
        pipeline_rows(guard)
        print()
        timing_128(guard)
        return
    texts = paragraphs()
    for op in (
        ma.text.SynonymReplace(),
        ma.text.RandomSwap(),
        ma.text.RandomDelete(),
        ma.text.RandomInsert(),
    ):
        pipe = ma.Compose([op], seed=0)
        run(
            f"pydoc_data paragraphs, {op.name}",
            texts,
            300,
            lambda x, j, p=pipe: p(text=x, key=j)["text"],
            guard,
        )
    for loader in (load_breast_cancer, load_wine):
        X = loader().data
        noise = ma.Compose([ma.tabular.GaussianNoise()], seed=0)
        rows = [X[i : i + 1] for i in range(len(X))]

        def jitter(row, j, n=noise):
            return n(table=row, key=j)["table"]

        # tables go in as 2-D arrays: stack the rows back
        rng = np.random.default_rng(0)
        order = rng.permutation(len(rows))
        k = len(rows) // 5
        val = np.vstack([rows[i] for i in order[:k]])
        train = np.vstack([rows[i] for i in order[k:]] + [jitter(val[j : j + 1], j) for j in range(k)])
        truth = {len(X) - k + j: j for j in range(k)}
        t0 = time.perf_counter()
        report = guard.check(train, val)
        dt = time.perf_counter() - t0
        recall, precision, wrong = score(report, truth)
        print(
            f"| {loader.__name__} rows, tabular.GaussianNoise | {len(train)} x {k} | {recall:.3f} | "
            f"{precision:.3f} | {wrong} of {len(train) * k:,} | {dt:.2f} s |"
        )
    digits = [(d * 16).astype(np.uint8) for d in load_digits().images]
    import cv2

    digits = [cv2.resize(d, (32, 32), interpolation=cv2.INTER_LINEAR) for d in digits]
    for op, args in (
        (ma.image.HorizontalFlip(p=1.0), ""),
        (ma.image.ColorJitter(p=1.0), ""),
        (ma.image.GaussianNoise(p=1.0), ""),
        (ma.image.Rotate(p=1.0), ""),
        (ma.image.Rotate(limit=10, p=1.0), "(limit=10)"),
        # crops keeping >= 80 % of the area (90 %: the mildest), resized back to 32x32
        (
            ma.image.RandomResizedCrop(32, scale=(0.8, 1.0), ratio=(0.95, 1.05)),
            "(scale=(0.8, 1), ratio=(0.95, 1.05))",
        ),
        (ma.image.RandomResizedCrop(32, scale=(0.9, 1.0)), "(scale=(0.9, 1))"),
        (ma.image.RandomResizedCrop(32, scale=(0.8, 1.0)), "(scale=(0.8, 1))"),
    ):
        image_row(f"load_digits (32x32), {op.name}{args}", digits, 300, op, guard)
    # 64x64 tiles of scikit-learn's two sample photos with some structure: 15 of the 120 are
    # featureless sky (thumbnail std < 3 grey levels) whose noisy or jittered copy is as close to
    # the other sky tiles as to its source; three copies of each val tile (120 a row)
    import cv2

    from multiaug.demo import load_sample_photo

    tiles = [
        photo[y : y + 64, x : x + 64].copy()
        for photo in (load_sample_photo("china.jpg"), load_sample_photo("flower.jpg"))
        for y in range(0, 384, 64)
        for x in range(0, 640, 64)
    ]
    tiles = [t for t in tiles if cv2.resize(t.max(axis=2), (32, 32), interpolation=cv2.INTER_AREA).std() >= 3]
    for op, args in (
        (ma.image.HorizontalFlip(p=1.0), ""),
        (ma.image.ColorJitter(p=1.0), ""),
        (ma.image.GaussianNoise(p=1.0), ""),
        (ma.image.Rotate(limit=10, p=1.0), "(limit=10)"),
        (ma.image.Rotate(p=1.0), ""),
        (ma.image.RandomResizedCrop(64, scale=(0.8, 1.0)), "(scale=(0.8, 1))"),
    ):
        image_row(f"sample photo tiles (64x64, textured), {op.name}{args}", tiles, 40, op, guard, copies=3)
    pipeline_rows(guard)
    if shutil.which("espeak-ng"):
        clips = speech()
        for op in (
            ma.audio.Gain(p=1.0),
            ma.audio.AddNoise(p=1.0),
            ma.audio.AddNoise(snr_db=10, p=1.0),
            ma.audio.TimeShift(p=1.0),
            ma.audio.PitchShift(semitones=(-2, 2), p=1.0),
            ma.audio.TimeStretch(rate=(0.9, 1.1), p=1.0),
            ma.audio.PitchShift(p=1.0),
            ma.audio.TimeStretch(p=1.0),
        ):
            pipe = ma.Compose([op], seed=0)
            args = {k: v for k, v in op.get_params().items() if k not in ("p", "seed")}
            run(
                f"espeak-ng speech (16 kHz), {op.name}({', '.join(f'{k}={v}' for k, v in args.items())})",
                clips,
                100,
                lambda x, j, p=pipe: p(audio=x, sample_rate=16000, key=j)["audio"],
                guard,
                sample_rate=16000,
            )
    else:
        print("audio rows skipped: espeak-ng is not installed")

    print()
    modality_pipeline_rows(guard, texts)
    print()
    sentences = sorted(
        {s.strip() for t in texts for s in re.split(r"(?<=[.!?])\s+", t) if len(s.split()) >= 6}
    )
    rng = np.random.default_rng(1)
    many = [sentences[i % len(sentences)] + f" item {i}" for i in rng.permutation(100_000)]
    t0 = time.perf_counter()
    guard.check(many[:80_000], many[80_000:])
    print(f"100,000 short texts (80k train vs 20k val): {time.perf_counter() - t0:.1f} s (target < 60 s)")
    base = np.stack(digits)
    imgs = [
        np.clip(base[i % len(base)].astype(np.int16) + (i // len(base)) * 3, 0, 255).astype(np.uint8)
        for i in range(50_000)
    ]
    t0 = time.perf_counter()
    guard.check(imgs[:40_000], imgs[40_000:])
    print(f"50,000 small images (40k train vs 10k val): {time.perf_counter() - t0:.1f} s (target < 60 s)")
    # every hash different: 32x32 bicubic upscales of random 8x8 colour patterns
    import cv2

    patterns = np.random.default_rng(0).integers(0, 256, (50_000, 8, 8, 3), dtype=np.uint8)
    imgs = [cv2.resize(p, (32, 32), interpolation=cv2.INTER_CUBIC) for p in patterns]
    t0 = time.perf_counter()
    report = guard.check(imgs[10_000:], imgs[:10_000])
    dt = time.perf_counter() - t0
    pairs = len(report.leaks)
    print(f"50,000 distinct small images (40k train vs 10k val): {dt:.1f} s (target < 60 s), {pairs} pairs")
    timing_128(guard)


if __name__ == "__main__":
    main()
