"""Regression tests of the session-11 audit (issues 18, 20, 26): hostile inputs that escaped the fuzz suite.

Each test failed before its fix: a raw error, a hang, or a silently wrong output.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

import multiaug as ma
from multiaug.core.errors import InvalidInputError

TONE = (np.sin(np.arange(4000) / 7) * 0.5).astype(np.float32)


def _wav(path: Path, data: np.ndarray, rate: int, subtype: str = "PCM_16") -> str:
    sf.write(str(path), data, rate, subtype=subtype)
    return str(path)


# ---------------------------------------------------------------- audio files (sounds, impulse responses)
def test_load_refuses_a_resampling_factor_beyond_the_bound(tmp_path: Path) -> None:
    """A header saying 1 Hz made soxr run for minutes (1 -> 700 kHz) or crash the process (1 -> 1.5 MHz
    under a memory limit); the factor is bounded before soxr starts."""
    path = _wav(tmp_path / "one_hz.wav", TONE[:100], 1)
    with pytest.raises(ma.InvalidInputError, match=r"audio.load: `path` file .* at 1 Hz: .* of 100,000"):
        ma.audio.load(path, sample_rate=100_000)
    assert ma.audio.load(path, sample_rate=1000)[0].shape == (100_000,)  # within the bound: resampled


def test_transform_file_errors_name_the_transform_and_its_field(tmp_path: Path) -> None:
    """A sound file that cannot be read or resampled was reported as ``audio.load: `path```."""
    one_hz = _wav(tmp_path / "one_hz.wav", TONE[:100], 1)
    garbage = tmp_path / "garbage.wav"
    garbage.write_bytes(b"RIFF not really a wave file")
    with pytest.raises(ma.InvalidInputError, match=r"audio.AddBackgroundNoise: `sounds` file .* factor"):
        ma.audio.AddBackgroundNoise(one_hz, p=1.0)(audio=TONE, sample_rate=100_000, key=0)
    with pytest.raises(ma.InvalidInputError, match=r"ApplyImpulseResponse: `ir` cannot be read as audio"):
        ma.audio.ApplyImpulseResponse(str(garbage), p=1.0)(audio=TONE, sample_rate=16000, key=0)


def test_sound_files_follow_the_rules_of_sound_arrays(tmp_path: Path) -> None:
    """A float file of 1e30 samples was used (an array of them is refused); an empty or too short
    file was 'empty or not finite' with no word of the clip's rate."""
    loud = _wav(tmp_path / "loud.wav", np.full(800, 1e30, np.float32), 16000, "FLOAT")
    with pytest.raises(ma.InvalidInputError, match=r"`sounds` file .* has samples up to 1e\+30"):
        ma.audio.AddBackgroundNoise(loud, p=1.0)(audio=TONE, sample_rate=16000, key=0)
    short = _wav(tmp_path / "short.wav", TONE[:3], 48000)
    with pytest.raises(ma.InvalidInputError, match=r"`ir` file .* no samples at the clip's rate of 8 Hz"):
        ma.audio.ApplyImpulseResponse(short, p=1.0)(audio=TONE, sample_rate=8, key=0)


_LONG_IR = """
import resource, sys, numpy as np
import multiaug as ma
sys.path.insert(0, {tests!r})
from fuzz_runner import address_space
ir = np.zeros(50_000_000, np.float32); ir[::1000] = 1.0
x = np.sin(np.arange(16000, dtype=np.float32) / 7)
def make(responses):
    t = ma.audio.ApplyImpulseResponse(responses, p=1.0)
    return ma.torch.batched(ma.Compose([t], seed=0)) if batched else t
def call(t):
    if batched:
        t(audio=torch.from_numpy(np.stack([x] * 4))[:, None], sample_rate=16000, key=[0, 1, 2, 3])
    else:
        t(audio=x, sample_rate=16000, key=0)
batched = {batched}
if batched:
    import torch
call(make([np.ones(8, np.float32)]))  # every lazy import done before the limit
t = make([ir])
limit = address_space() + int({gib} * 2**30)
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
try:
    call(t)
except ma.InvalidInputError as exc:
    print(exc)
"""


@pytest.mark.parametrize(("batched", "gib"), [(False, 0.3), (True, 1.0)])
def test_an_impulse_response_too_long_for_memory_is_refused_by_name(batched: bool, gib: float) -> None:
    """A 50M-sample response convolved under a memory limit raised NumPy's, pocketfft's or torch's raw
    MemoryError / RuntimeError from the FFTs."""
    import subprocess
    import sys

    script = _LONG_IR.format(tests=str(Path(__file__).parent), batched=batched, gib=gib)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert "Traceback" not in proc.stderr, proc.stderr[-2000:]
    assert "audio.ApplyImpulseResponse: `ir`" in proc.stdout and "fit in memory" in proc.stdout, proc.stdout


def test_only_memory_errors_of_the_batched_convolution_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """torch.OutOfMemoryError exists from torch 2.5 on: on the supported 2.2-2.4 every other
    RuntimeError of the batched convolution became an AttributeError."""
    import torch

    from multiaug.torch.batch.audio_rooms import _out_of_memory

    monkeypatch.delattr(torch, "OutOfMemoryError")
    assert not _out_of_memory(RuntimeError("shape mismatch"))
    assert _out_of_memory(RuntimeError("DefaultCPUAllocator: can't allocate memory: you tried 1610612736"))
    assert _out_of_memory(torch.cuda.OutOfMemoryError("CUDA out of memory"))


def test_a_silent_impulse_response_is_refused(tmp_path: Path) -> None:
    """An all-zero response turned every clip into silence, without a word."""
    silent = _wav(tmp_path / "silent.wav", np.zeros(800, np.float32), 16000)
    for ir in (silent, [np.zeros(800, np.float32)]):
        with pytest.raises(ma.InvalidInputError, match=r"ApplyImpulseResponse: `ir` holds .* silent"):
            ma.audio.ApplyImpulseResponse(ir, p=1.0)(audio=TONE, sample_rate=16000, key=0)
    # silent background sounds stay allowed (they add nothing, as audiomentations')
    out = ma.audio.AddBackgroundNoise(silent, p=1.0)(audio=TONE, sample_rate=16000, key=0)["audio"]
    assert np.array_equal(out, TONE)


# ---------------------------------------------------------------- audio levels
def test_normalize_leaves_a_subnormal_clip_finite() -> None:
    """A clip of subnormal values (peak 1e-42) came out as inf: float32(1 / peak) overflows."""
    tiny = np.full(64, 1e-42, np.float32)
    out = ma.audio.Normalize(p=1.0)(audio=tiny, sample_rate=16000, key=0)["audio"]
    assert np.array_equal(out, tiny)
    smallest = np.full(64, np.finfo(np.float32).tiny, np.float32)  # the smallest normal peak still scales
    assert ma.audio.Normalize(p=1.0)(audio=smallest, sample_rate=16000, key=0)["audio"].max() == 1.0


def test_loudness_at_one_hertz_has_a_block() -> None:
    """At 1 Hz a 400 ms block rounded to 0 samples: 0 / 0 (a RuntimeWarning) and the clip unchanged."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = ma.audio.LoudnessNormalization(lufs=-20, p=1.0)(audio=TONE, sample_rate=1, key=0)["audio"]
    assert np.isfinite(out).all() and not np.array_equal(out, TONE)


def test_batched_level_kernels_agree_on_subnormal_and_one_hertz_clips() -> None:
    import torch  # the test extras install it (no skip: a missing install must fail)

    tiny = np.full(4000, 1e-42, np.float32)
    for op, clips, rate in (
        (ma.audio.Normalize(p=1.0), [tiny, TONE], 16000),
        (ma.audio.LoudnessNormalization(lufs=-20, p=1.0), [TONE, TONE * 0.1], 1),
    ):
        pipe = ma.Compose([op], seed=0)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            batch = torch.from_numpy(np.stack(clips))
            got = ma.torch.batched(pipe)(audio=batch, sample_rate=rate, key=[0, 1])
        for i, clip in enumerate(clips):
            want = pipe(audio=clip, sample_rate=rate, key=i)["audio"]
            assert np.isfinite(want).all()
            np.testing.assert_allclose(got["audio"][i].numpy().reshape(want.shape), want, rtol=1e-4, atol=0)


# ---------------------------------------------------------------- multiaug augment --input - --output -
def _augment_lines(
    monkeypatch, capsys, tmp_path: Path, pipe: ma.Transform, lines: list[str]
) -> tuple[int, str]:
    import io
    import sys

    from multiaug.cli import main

    config = ma.save(pipe, tmp_path / "pipe.yaml")
    raw = "".join(line + "\n" for line in lines).encode()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(raw), encoding="utf-8"))
    code = main(["augment", str(config), "--input", "-", "--output", "-", "--on-error", "skip"])
    return code, capsys.readouterr().err


def test_a_path_with_a_nul_character_names_the_field(monkeypatch, capsys, tmp_path: Path) -> None:
    """The OS's bare ``ValueError: embedded null byte`` was the whole message."""
    import json

    pipe = ma.Compose([ma.image.HorizontalFlip()], seed=0)
    line = json.dumps({"id": "a", "image": "photo\x00.png"})
    code, err = _augment_lines(monkeypatch, capsys, tmp_path, pipe, [line])
    assert code == 0 and "`image` is a path holding a NUL character" in err and "ValueError" not in err


def test_undecodable_base64_names_the_field_not_a_temporary_file(monkeypatch, capsys, tmp_path: Path) -> None:
    """Bytes that decode to no image or audio were reported as ``multiaug.data.read_dataset:
    `/tmp/multiaug-line-.../item.png```, a file the line never named."""
    import base64
    import json

    garbage = base64.b64encode(b"not a file of any kind" * 4).decode()
    for field, pipe in (
        ("image", ma.Compose([ma.image.HorizontalFlip()], seed=0)),
        ("audio", ma.Compose([ma.audio.Gain()], seed=0)),
    ):
        line = json.dumps({"id": "a", field: f"data:x/y;base64,{garbage}"})
        code, err = _augment_lines(monkeypatch, capsys, tmp_path, pipe, [line])
        assert code == 0 and f"multiaug augment: `{field}` holds base64 bytes that are not a readable" in err
        assert "multiaug-line-" not in err, err


# ---------------------------------------------------------------- ma.stream
def test_stream_items_with_a_field_named_like_a_call_argument() -> None:
    """An item holding ``key`` or ``epoch`` failed with ``TypeError: Compose([`` (a keyword given twice);
    one holding ``trace`` switched tracing on and lost its value to the trace."""
    pipe = ma.Compose([ma.text.RandomSwap(alpha=0.5)], seed=0)
    items = [
        {"id": 1, "text": "a b", "key": 5},
        {"id": 2, "text": "a b", "epoch": 1},
        {"id": 3, "text": "a b"},
        {"id": 4, "text": "a b", "trace": "mine"},
    ]
    with ma.stream(pipe, items, on_error="skip") as s:
        assert [out["id"] for out in s] == [3]
    assert s.skipped == [
        (i, f"has a field named {f!r}, an argument of the pipeline's call: rename that field")
        for i, f in ((1, "key"), (2, "epoch"), (4, "trace"))
    ]
    # the stream's own key field may be called "key"
    assert next(ma.stream(pipe, [{"key": 5, "text": "a b"}], key="key"))["key"] == 5


def test_json_lines_metadata_may_be_named_like_a_call_argument(monkeypatch, capsys, tmp_path: Path) -> None:
    import json

    pipe = ma.Compose([ma.text.RandomSwap(alpha=0.5)], seed=0)
    line = json.dumps({"id": "a", "text": "a b c", "key": 5, "epoch": 2})
    code, err = _augment_lines(monkeypatch, capsys, tmp_path, pipe, [line])
    assert code == 0 and err == ""


# ---------------------------------------------------------------- manifests (check-split, jobs)
def test_manifest_texts_spelled_like_missing_values_are_read_verbatim(tmp_path: Path) -> None:
    """pandas reads "None", "NA", "nan", "null" as missing: the text "None" was refused as an empty
    cell; labels, groups and feature columns keep pandas' reading (an R-style "NA" is missing)."""
    from multiaug.data import _manifest_frame, read_dataset

    manifest = tmp_path / "m.csv"
    manifest.write_text('id,text,label\nNA,None,a\nnull,nan,b\nx,"a real sentence",c\n')
    data = read_dataset(manifest)
    assert data.items == ["None", "nan", "a real sentence"] and data.labels == ["a", "b", "c"]
    assert _manifest_frame(manifest)[1] == ["NA", "null", "x"]
    table = tmp_path / "t.csv"
    table.write_text("x,label,group\nNA,0,g1\n1.5,1,NA\n2.5,NA,g2\n")
    data = read_dataset(table)
    assert data.items["x"].isna().tolist() == [True, False, False]
    assert data.labels[:2] == [0.0, 1.0] and np.isnan(data.labels[2])  # not ['0', '1', 'NA']
    assert data.groups[0] == "g1" and np.isnan(data.groups[1])  # not a group named 'NA'
    empty = tmp_path / "e.csv"
    empty.write_text('text,label\nok,a\n"",b\n')
    with pytest.raises(ma.InvalidInputError, match="empty 'text' cell in line 3"):
        read_dataset(empty)


# ---------------------------------------------------------------- SplitGuard
def test_guard_bounds_an_image_before_hashing_it() -> None:
    """A broadcast view of 3 * 10**10 pixels was copied to be hashed (MemoryError)."""
    huge = np.broadcast_to(np.zeros((), np.uint8), (100_000, 100_000, 3))
    small = [np.zeros((8, 8, 3), np.uint8)]
    for train in ([huge], np.broadcast_to(huge, (2, *huge.shape))):
        for near in (True, False):
            with pytest.raises(ma.InvalidInputError, match=r"`X_train\[0\]` holds 30,000,000,000 values"):
                ma.SplitGuard(near_duplicates=near).check(train, small)


def test_guard_hashes_table_cells_pandas_cannot_hash() -> None:
    """A column of lists or dicts raised ``TypeError: unhashable type: 'list'`` from pandas."""
    import pandas as pd

    table = pd.DataFrame({"tags": [["a"], {"k": 1}, ["b"]], "x": [1.0, 2.0, 3.0]})
    for near in (True, False):
        report = ma.SplitGuard(near_duplicates=near).check(table, table.iloc[[0]])
        assert "exact" in [leak.reason for leak in report.leaks]


def test_guard_table_hashes_do_not_depend_on_the_other_cells() -> None:
    """Unhashable cells were hashed by repr only in a table holding one: a string row shared by train
    and val was missed, numpy's abbreviated repr made distinct arrays equal, dict key order mattered."""
    import pandas as pd

    from multiaug.guard.detect import row_hashes

    train = pd.DataFrame({"name": ["alice", "bob"], "tags": ["x", ["y"]]})
    val = pd.DataFrame({"name": ["alice"], "tags": ["x"]})
    assert row_hashes(train)[0] == row_hashes(val)[0]
    for near in (True, False):
        assert [leak.reason for leak in ma.SplitGuard(near_duplicates=near).check(train, val).leaks] == [
            "exact"
        ]
    a = np.arange(2000)
    b = a.copy()
    b[1000] = -5
    assert row_hashes(pd.DataFrame({"v": [a]})) != row_hashes(pd.DataFrame({"v": [b]}))
    f1, f2 = np.array([0.1, 0.2]), np.array([0.1000000001, 0.2])
    assert row_hashes(pd.DataFrame({"v": [f1]})) != row_hashes(pd.DataFrame({"v": [f2]}))
    d1, d2 = pd.DataFrame({"v": [{"a": 1, "b": 2}]}), pd.DataFrame({"v": [{"b": 2, "a": 1}]})
    assert row_hashes(d1) == row_hashes(d2)


def test_guard_refuses_table_cells_that_nest_too_deep_or_hold_themselves() -> None:
    """The canonical cell encoding recursed: a 5,000-deep list or a list holding itself raised a raw
    RecursionError, and an alias bomb (a list holding one list twice, 60 times over) would not end."""
    import pandas as pd

    deep: list = []
    for _ in range(5000):
        deep = [deep]
    selfish: list = [1]
    selfish.append(selfish)
    bomb: list = [1]
    for _ in range(60):
        bomb = [bomb, bomb]
    for cell in (deep, selfish, bomb):
        table = pd.DataFrame({"x": [1.0, 2.0], "tags": [cell, "b"]})
        with pytest.raises(InvalidInputError, match=r"SplitGuard: `table` has a cell that nests"):
            ma.SplitGuard().check(table, table.iloc[[1]])
    nested = pd.DataFrame({"x": [1.0], "tags": [[1, {"a": (2, [3])}]]})
    assert [leak.reason for leak in ma.SplitGuard().check(nested, nested).leaks] == ["exact"]


def test_an_item_too_large_to_send_to_a_worker_says_so() -> None:
    """A broadcast view of 3e11 bytes in a stream item failed as "cannot travel (MemoryError: ); pass
    workers=0" (a copy is what fails: the view itself is tiny)."""
    from multiaug.streams.workers import _unpicklable

    huge = np.broadcast_to(np.zeros((), np.uint8), (1_000_000, 100_000, 3))
    small = ("b", 1, {"text": "a b"})
    kept = _unpicklable([("a", 0, {"text": "a b", "blob": huge}), small])
    assert kept[1] == small and kept[0][2] is None
    assert kept[0][1] == (
        "is too large to send to a worker process: its field 'blob' holds 300,000,000,000 bytes once "
        "copied; pass a smaller array (downscale or tile it)"
    )
    # the huge view inside a list field is the one named, not the item's small image
    nested = {"image": np.zeros((8, 8), np.uint8), "extras": [1, {"view": huge}]}
    why = _unpicklable([("a", 0, nested)])[0][1]
    assert "its field 'extras'[1]['view'] holds 300,000,000,000 bytes" in why


def test_iterable_dataset_refuses_a_reserved_field_by_name() -> None:
    """AugmentedIterableDataset passed an item's ``key`` field on to the keyed call: a raw TypeError
    (``got multiple values for argument 'key'``) in place of ma.stream's refusal by name."""
    import torch  # noqa: F401  (ma.torch needs it; the test extras install it)

    pipe = ma.Compose([ma.text.RandomSwap(alpha=0.5)], seed=0)
    dataset = ma.torch.AugmentedIterableDataset([{"id": 1, "text": "a b c", "key": 5}], pipe, key="id")
    with pytest.raises(ma.InvalidInputError, match=r"has a field named 'key', .*: rename that field"):
        list(dataset)


def test_a_numerically_silent_impulse_response_is_refused_by_name() -> None:
    """An IR of subnormal values only passed ``.any()``: ApplyImpulseResponse returned inf (the
    dry/wet gain overflowed float32); the threshold is Normalize's (float32's smallest normal)."""
    from multiaug.audio.functional.room import apply_impulse_response

    silent = np.full(64, 1e-40, np.float32)
    with pytest.raises(ma.InvalidInputError, match=r"silent .* no value reaching 1\.2e-38"):
        ma.audio.ApplyImpulseResponse([silent], p=1.0)
    out = apply_impulse_response(TONE, silent)
    assert np.isfinite(out).all()


def test_protect_bounds_an_image_before_hashing_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """A protected call hashed (copied) a broadcast view of any size before any bound."""
    import multiaug.guard.detect as detect
    import multiaug.image._validate as image_rules

    monkeypatch.setattr(image_rules, "MAX_IMAGE_VALUES", 10_000)  # stands for 2**31: the test stays small
    big = np.broadcast_to(np.zeros((), np.uint8), (100, 100, 3))
    hashed: list[int] = []
    pipe = ma.SplitGuard().protect(
        ma.Compose([ma.image.HorizontalFlip()], seed=0), X_val=[np.zeros((8, 8, 3), np.uint8)]
    )
    monkeypatch.setattr(detect, "item_hash", lambda x: hashed.append(np.size(x)) or b"")
    with pytest.raises(ma.InvalidInputError, match=r"SplitGuard.protect: `image` holds 30,000 values"):
        pipe(image=big, key=0)
    assert hashed == []
