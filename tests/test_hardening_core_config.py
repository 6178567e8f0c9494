"""Hostile parameters and config files: clear errors (never a raw traceback or a hang)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import yaml

import multiaug as ma
from multiaug.cli import main

HUGE = 10**400


def _nested_config(depth: int) -> dict:
    cfg: dict = {"transform": "image.HorizontalFlip", "params": {}}
    for _ in range(depth):
        cfg = {"transform": "Compose", "params": {"transforms": [cfg]}}
    return cfg


def _nested_json(depth: int) -> str:
    # written by hand: json.dumps itself recurses too deeply at 3,000 levels
    inner = '{"transform": "image.HorizontalFlip", "params": {}}'
    return '{"transform": "Compose", "params": {"transforms": [' * depth + inner + "]}}" * depth


# ---------------------------------------------------------------- 1. huge integers
@pytest.mark.parametrize(
    "params",
    [{"limit": HUGE}, {"limit": (0, HUGE)}, {"limit": [-HUGE, 0]}, {"p": HUGE}, {"p": 10**5000}],
)
def test_huge_ints_in_parameters_are_invalid_input(params: dict) -> None:
    name = next(iter(params))
    with pytest.raises(ma.InvalidInputError, match=f"image.Rotate: `{name}`.*Fix:"):
        ma.image.Rotate(**params).validate_params()


def test_huge_ints_in_custom_specs_are_invalid_input() -> None:
    # specs outside core (fill, brightness, sampling_strategy) gain the same guard
    with pytest.raises(ma.InvalidInputError, match="`fill`"):
        ma.image.Rotate(fill=HUGE).validate_params()
    with pytest.raises(ma.InvalidInputError, match="`brightness`"):
        ma.image.ColorJitter(brightness=HUGE).validate_params()


def test_huge_seed() -> None:
    # a 400-digit seed is fine (hashed to 64 bits) and keeps its meaning
    t = ma.image.HorizontalFlip(p=0.5, seed=HUGE)
    assert t.validate_params().fingerprint == ma.from_config(t.to_config()).fingerprint
    with pytest.raises(ma.InvalidInputError, match="`seed` is too large"):
        ma.Compose([], seed=10**5000).validate_params()
    with pytest.raises(ma.InvalidInputError, match="`p` must be a probability"):
        ma.image.Rotate(p=10**5000)  # refused at construction
    rotate = ma.image.Rotate()
    rotate.p = 10**5000  # a direct assignment is only checked at the next use
    with pytest.raises(ma.ConfigError, match="at most 8192 bits"):
        _ = rotate.fingerprint


@pytest.mark.parametrize("suffix", [".json", ".yaml"])
def test_huge_int_in_a_config_file(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"c{suffix}"
    path.write_text(json.dumps({"transform": "image.Rotate", "params": {"limit": HUGE}}))
    with pytest.raises(ma.ConfigError, match=r"`limit`.*Fix:"):
        ma.load(path)
    path.write_text(json.dumps({"transform": "image.Rotate", "params": {"limit": [0, HUGE]}}))
    with pytest.raises(ma.ConfigError, match="`limit`"):
        ma.load(path)
    path.write_text('{"transform": "image.Rotate", "params": {"seed": 1' + "0" * 5000 + "}}")
    with pytest.raises(ma.ConfigError):
        ma.load(path)


# ---------------------------------------------------------------- 2. encodings
@pytest.mark.parametrize(
    "data",
    [
        bytes(range(256)) * 4,
        '{"transform": "image.HorizontalFlip"}'.encode("utf-16"),
        "transform: image.HorizontalFlip\n# caf\xe9\n".encode("latin-1"),
    ],
    ids=["binary", "utf16", "latin1"],
)
@pytest.mark.parametrize("suffix", [".json", ".yaml"])
def test_non_utf8_config(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], data: bytes, suffix: str
) -> None:
    path = tmp_path / f"c{suffix}"
    path.write_bytes(data)
    with pytest.raises(ma.ConfigError, match="c" + suffix + ".*save it as UTF-8"):
        ma.load(path)
    assert main(["inspect", str(path)]) == 2
    err = capsys.readouterr().err
    assert "multiaug inspect: error:" in err and "save it as UTF-8" in err and "Traceback" not in err
    out = tmp_path / "out"
    (tmp_path / "in").mkdir()
    assert main(["augment", str(path), "--input", str(tmp_path / "in"), "--output", str(out), "--quiet"]) == 2
    assert "save it as UTF-8" in capsys.readouterr().err


def test_utf8_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    path.write_bytes(b"\xef\xbb\xbf" + b'{"transform": "image.HorizontalFlip"}')
    assert ma.load(path).name == "image.HorizontalFlip"


# ---------------------------------------------------------------- 3. bombs and depth
def _bomb() -> str:
    """< 1 KB of YAML whose `limit` expands to 10**10 values (YAML "billion laughs")."""
    lines = ["    - &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 10):
        lines.append(f"    - &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    return "transform: image.Rotate\nparams:\n  limit:\n" + "\n".join(lines) + "\n"


def test_yaml_alias_bomb_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bomb.yaml"
    path.write_text(_bomb())
    assert path.stat().st_size < 1024
    with pytest.raises(ma.ConfigError, match="expands to more than"):
        ma.load(path)
    assert main(["inspect", str(path)]) == 2
    assert "expands to more than" in capsys.readouterr().err
    (tmp_path / "in").mkdir()
    assert main(["augment", str(path), "--input", str(tmp_path / "in"), "--output", str(tmp_path / "o")]) == 2
    assert "expands to more than" in capsys.readouterr().err
    # the same data handed to from_config directly
    with pytest.raises(ma.ConfigError, match="expands to more than"):
        ma.from_config(yaml.safe_load(_bomb()))


def test_self_referencing_yaml_alias(tmp_path: Path) -> None:
    path = tmp_path / "loop.yaml"
    path.write_text("transform: image.Rotate\nparams: {limit: &a [1, *a]}\n")
    with pytest.raises(ma.ConfigError, match="nests more than"):
        ma.load(path)


@pytest.mark.parametrize("suffix", [".json", ".yaml"])
def test_deeply_nested_lists(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"deep{suffix}"
    path.write_text('{"transform": "image.Rotate", "params": {"limit": ' + "[" * 800 + "]" * 800 + "}}")
    with pytest.raises(ma.ConfigError, match="deep"):
        ma.load(path)


def test_deeply_nested_composers(tmp_path: Path) -> None:
    with pytest.raises(ma.ConfigError, match="nests more than 100 levels"):
        ma.from_config(_nested_config(3000))
    path = tmp_path / "deep.json"
    path.write_text(_nested_json(3000))
    with pytest.raises(ma.ConfigError, match="100 levels"):
        ma.load(path)
    # built in Python: refused at construction (before any recursion), at the depth a config holds
    pipe: ma.Transform = ma.image.HorizontalFlip()
    with pytest.raises(ma.InvalidInputError, match="nests composers more than 32 deep"):
        for _ in range(3000):
            pipe = ma.Compose([pipe])
    assert ma.from_config(pipe.to_config()).fingerprint == pipe.fingerprint  # 32 deep: saved and loaded
    # within the limit, nesting round-trips
    ok = ma.from_config(_nested_config(30))
    assert ma.from_config(ok.to_config()).fingerprint == ok.fingerprint


def test_fingerprint_of_a_hostile_dict() -> None:
    loop: list = [1]
    loop.append(loop)
    with pytest.raises(ma.ConfigError, match="nests more than"):
        ma.fingerprint({"transform": "x", "params": {"a": loop}})


def test_oversized_config_file(tmp_path: Path) -> None:
    path = tmp_path / "big.json"
    pad = "a" * (ma.core.config.MAX_CONFIG_BYTES + 1)
    path.write_text('{"transform": "image.HorizontalFlip", "params": {}, "x": "' + pad + '"}')
    with pytest.raises(ma.ConfigError, match="larger than 4 MiB"):
        ma.load(path)


# ---------------------------------------------------------------- 4. did you mean
def test_did_you_mean() -> None:
    with pytest.raises(ma.ConfigError, match=r"did you mean 'image.HorizontalFlip'"):
        ma.from_config({"transform": "image.HorizontalFlp", "params": {}})
    with pytest.raises(ma.ConfigError, match=r"did you mean 'image.HorizontalFlip'"):
        ma.from_config({"transform": "HorizontalFlp", "params": {}})
    with pytest.raises(ma.ConfigError, match=r"'limt' \(did you mean 'limit'\?\)"):
        ma.from_config({"transform": "image.Rotate", "params": {"limt": 30}})
    with pytest.raises(ma.ConfigError, match=r"'parms' \(did you mean 'params'\?\)"):
        ma.from_config({"transform": "image.Rotate", "parms": {"limit": 30}})
    nested = {"transform": "Compose", "params": {"transforms": [{"transform": "image.Rotate", "parms": {}}]}}
    with pytest.raises(ma.ConfigError, match=r"transforms\[0\] has unknown key 'parms'.*'params'"):
        ma.from_config(nested)


def test_error_messages_stay_short_for_huge_names() -> None:
    for cfg in (
        {"transform": "x" * 10**6},
        {"transform": "image.Rotate", "params": {"y" * 10**6: 1}},
        {"transform": "image.Rotate", "z" * 10**6: 1},
    ):
        with pytest.raises(ma.ConfigError) as info:
            ma.from_config(cfg)
        assert len(str(info.value)) < 1000


# ---------------------------------------------------------------- other hostile shapes
@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("[1, 2]", "mapping at the top level"),
        ('{"transform": 5}', "non-empty string"),
        ('{"transform": ["image.Rotate"]}', "non-empty string"),
        ('{"transform": "image.Rotate", "params": [1]}', "params must be a mapping"),
        ('{"transform": "image.Rotate", "params": {"limit": NaN}}', "NaN"),
        ('{"transform": "image.Rotate", "params": {"limit": -Infinity}}', "Infinity"),
    ],
)
def test_hostile_json_shapes(tmp_path: Path, text: str, match: str) -> None:
    path = tmp_path / "c.json"
    path.write_text(text)
    with pytest.raises(ma.ConfigError, match=match):
        ma.load(path)


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("", "is empty"),
        ("transform: !!python/object/apply:os.system [echo]\n", "not a valid YAML"),
        ("transform: image.Rotate\nparams: {limit: .inf}\n", "inf"),
        ("transform: image.Rotate\nparams: {1: 2}\n", "non-string key"),
        (
            "transform: Compose\nparams: {transforms: [{transform: image.Rotate, params: {1: 2}}]}\n",
            "non-string",
        ),
    ],
)
def test_hostile_yaml_shapes(tmp_path: Path, text: str, match: str) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(text)
    with pytest.raises(ma.ConfigError, match=match):
        ma.load(path)


def test_save_to_a_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(ma.ConfigError, match=r"cannot write config.*folder exists"):
        ma.save(ma.image.HorizontalFlip(), tmp_path / "missing" / "aug.yaml")


def test_a_class_failing_on_config_values_gives_config_error() -> None:
    @ma.register(name="hardening.Fragile")
    class Fragile(ma.Transform):
        is_random = False
        _parameters = {"n": ma.core.params.AnyValue()}

        def __init__(self, n: int = 1, p: float = 1.0, seed: int | None = None) -> None:
            super().__init__(p=p, seed=seed)
            self.n = n

        def _finalize(self, r):  # type: ignore[no-untyped-def]
            r.table = [0] * r.n  # a str n raises TypeError

        def apply(self, sample, params):  # type: ignore[no-untyped-def]
            return dict(sample)

    with pytest.raises(ma.ConfigError, match=r"hardening.Fragile cannot be built.*TypeError"):
        ma.from_config({"transform": "hardening.Fragile", "params": {"n": "x"}})


# ---------------------------------------------------------------- 5. background sounds
def _noise_folder(root: Path) -> Path:
    root.mkdir(parents=True)
    (root / "sub").mkdir()
    for i, rel in enumerate(["b.wav", "a.wav", "sub/c.wav"]):
        wave = np.random.default_rng(i).uniform(-0.3, 0.3, 4000).astype(np.float32)
        ma.audio.save(root / rel, wave, 8000)
    (root / "notes.txt").write_text("not audio")
    return root


def test_load_does_not_scan_and_reads_relative_paths_from_the_config_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _noise_folder(tmp_path / "cfg" / "noises")
    cfg = {"transform": "audio.AddBackgroundNoise", "params": {"sounds": "noises", "p": 1.0, "seed": 3}}
    path = tmp_path / "cfg" / "aug.json"
    path.write_text(json.dumps(cfg))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    t = ma.load(path)
    assert t._r.files is None  # nothing scanned yet
    clip = np.sin(np.arange(8000, dtype=np.float32) / 5)
    out = t(audio=clip, sample_rate=8000, key=1)["audio"]
    assert [Path(f).name for f in t._files()] == ["a.wav", "b.wav", "c.wav"]
    # same outputs as the transform built directly on the absolute folder
    direct = ma.audio.AddBackgroundNoise(tmp_path / "cfg" / "noises", p=1.0, seed=3)
    np.testing.assert_array_equal(out, direct(audio=clip, sample_rate=8000, key=1)["audio"])
    assert main(["inspect", str(path)]) == 0


def test_sounds_folder_outputs_unchanged(tmp_path: Path) -> None:
    root = _noise_folder(tmp_path / "noises")
    clip = np.sin(np.arange(8000, dtype=np.float32) / 5)
    by_folder = ma.audio.AddBackgroundNoise(root, p=1.0, seed=7)
    by_list = ma.audio.AddBackgroundNoise(sorted(str(f) for f in root.rglob("*.wav")), p=1.0, seed=7)
    for key in range(6):
        a = by_folder(audio=clip, sample_rate=8000, key=key, trace=True)
        b = by_list(audio=clip, sample_rate=8000, key=key, trace=True)
        np.testing.assert_array_equal(a["audio"], b["audio"])
        # same draws; only the fingerprints differ (a folder and a list are two configurations)
        assert [e["params"] for e in a["trace"]] == [e["params"] for e in b["trace"]]


def test_sounds_scan_is_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    clip = np.zeros(800, np.float32) + 0.1
    deep = tmp_path / "deep"
    folder = deep
    for i in range(ma.audio.noise.MAX_SCAN_DEPTH + 2):
        folder = folder / f"d{i}"
    folder.mkdir(parents=True)
    t = ma.audio.AddBackgroundNoise(deep, p=1.0).validate_params()  # building does not scan
    with pytest.raises(ma.InvalidInputError, match=r"`sounds` folder .* nests sub-folders more than 16 deep"):
        t(audio=clip, sample_rate=8000)
    wide = tmp_path / "wide"
    wide.mkdir()
    for i in range(30):
        (wide / f"{i}.txt").write_text("")
    monkeypatch.setattr(ma.audio.noise, "MAX_SCAN_ENTRIES", 20)
    with pytest.raises(ma.InvalidInputError, match=r"`sounds` folder .* more than 20 files"):
        ma.audio.AddBackgroundNoise(wide, p=1.0)(audio=clip, sample_rate=8000)
    with pytest.raises(ma.ConfigError, match=r"`sounds` path .* does not exist"):
        ma.from_config(
            {"transform": "audio.AddBackgroundNoise", "params": {"sounds": str(tmp_path / "nope")}}
        )
