"""ma.Lambda and ma.register_function: functions by name in configs, pickles and fingerprints."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

import multiaug as ma
from multiaug.core import functions


@ma.register_function("test_lambda.darken")
def darken(image):  # type: ignore[no-untyped-def]
    return image // 2


@ma.register_function("test_lambda.crop_left")
def crop_left(image, mask=None):  # type: ignore[no-untyped-def]
    out = {"image": image[:, 1:]}
    if mask is not None:
        out["mask"] = mask[:, 1:]
    return out


@ma.register_function("test_lambda.bad_return")
def bad_return(image, mask):  # type: ignore[no-untyped-def]
    return image


IMG = np.arange(12, dtype=np.uint8).reshape(3, 4)


def test_a_one_field_function_returns_the_new_value() -> None:
    t = ma.Lambda("test_lambda.darken")
    out = t(image=IMG, bboxes=np.array([[0.0, 0.0, 1.0, 1.0]]))
    np.testing.assert_array_equal(out["image"], IMG // 2)
    assert t.fields == ("image",) and not t.is_random and t.p == 1.0


def test_a_function_of_several_fields_returns_a_dict_and_optional_fields_may_be_absent() -> None:
    t = ma.Lambda("test_lambda.crop_left")
    assert t.fields == ("image", "mask")
    out = t(image=IMG, mask=IMG > 5)
    assert out["image"].shape == (3, 3) and out["mask"].shape == (3, 3)
    assert "mask" not in t(image=IMG)
    with pytest.raises(ma.InvalidInputError, match="return a dict of the fields it changes"):
        ma.Lambda("test_lambda.bad_return")(image=IMG, mask=IMG)
    with pytest.raises(ma.InvalidInputError, match="`mask` is missing from the sample"):
        ma.Lambda("test_lambda.bad_return")(image=IMG)


def test_the_fields_it_takes_are_validated_by_their_modality() -> None:
    with pytest.raises(ma.InvalidInputError, match="Lambda: `image` has dtype float64"):
        ma.Lambda("test_lambda.darken")(image=np.zeros((3, 3)))


def test_configs_pickles_and_fingerprints_hold_the_name() -> None:
    t = ma.Compose([ma.Lambda("test_lambda.darken"), ma.image.HorizontalFlip(p=1.0)], seed=1)
    cfg = t.to_config()
    assert cfg["params"]["transforms"][0] == {
        "transform": "Lambda",
        "params": {"function": "test_lambda.darken", "p": 1.0, "seed": None},
    }
    expected = t(image=IMG, key=0)["image"]
    for clone in (ma.from_config(cfg), pickle.loads(pickle.dumps(t))):
        np.testing.assert_array_equal(clone(image=IMG, key=0)["image"], expected)
    assert ma.from_config(cfg).fingerprint == t.fingerprint
    other = ma.Compose([ma.Lambda("test_lambda.crop_left"), ma.image.HorizontalFlip(p=1.0)], seed=1)
    assert other.fingerprint != t.fingerprint


def test_a_raw_function_or_an_unknown_name_is_refused_with_the_fix() -> None:
    with pytest.raises(ma.InvalidInputError, match=r"`function` is a function.*register_function"):
        ma.Lambda(lambda image: image)
    with pytest.raises(ma.InvalidInputError, match=r"did you mean 'test_lambda.darken'"):
        ma.Lambda("test_lambda.darkn")
    with pytest.raises(ma.ConfigError):  # the config names a function this process never registered
        ma.from_config({"transform": "Lambda", "params": {"function": "nowhere.fn"}})


def test_register_function_forms_and_conflicts() -> None:
    def brighten(image):  # type: ignore[no-untyped-def]
        return image

    assert ma.register_function(brighten) is brighten
    assert functions.registered_functions()["user.brighten"] is brighten
    assert ma.register_function(name="test_lambda.named")(brighten) is brighten
    ma.register_function(brighten, name="test_lambda.named")  # the same function again: fine
    with pytest.raises(ma.ConfigError, match="already belongs"):
        ma.register_function(darken, name="test_lambda.named")
    with pytest.raises(ma.ConfigError, match="a lambda has no name"):
        ma.register_function(lambda image: image)
    with pytest.raises(ma.ConfigError, match="must name the fields"):
        ma.register_function(lambda **fields: fields, name="test_lambda.kwargs")
    ma.register_function(lambda image: image, name="test_lambda.identity")  # a lambda with a name: fine
    np.testing.assert_array_equal(ma.Lambda("test_lambda.identity")(image=IMG)["image"], IMG)


def test_what_a_function_returns_is_checked_like_an_input() -> None:
    @ma.register_function("test_lambda_returns_a_str")
    def to_str(image):  # type: ignore[no-untyped-def]
        return "not an image"

    with pytest.raises(ma.InvalidInputError, match="returned by 'test_lambda_returns_a_str'"):
        ma.Lambda("test_lambda_returns_a_str")(image=np.zeros((4, 4), np.uint8))


def test_a_modality_field_is_known_before_its_module_is_imported() -> None:
    # what a call accepts must not depend on which tests (or user code) imported ma.image first
    script = (
        "import numpy as np, multiaug as ma\n"
        "def shift(image, bboxes):\n"
        "    return {'image': image, 'bboxes': bboxes + 1.0}\n"
        "ma.register_function(shift, name='user.shift_boxes')\n"
        "img, boxes = np.zeros((8, 8, 3), np.uint8), np.array([[1.0, 1, 4, 4]])\n"
        "out = ma.Lambda('user.shift_boxes')(image=img, bboxes=boxes)\n"
        "print(out['bboxes'].tolist())\n"
    )
    import subprocess
    import sys

    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "[[2.0, 2.0, 5.0, 5.0]]"


def test_the_declared_fields_table_covers_every_modality_field() -> None:
    from multiaug.core.fields import DECLARED_IN, FIELDS

    for modality in ("image", "audio", "text", "tabular"):
        getattr(ma, modality)
    declared = {n for n, f in FIELDS.items() if getattr(f, "modality", "core") != "core"}
    assert declared <= set(DECLARED_IN), declared - set(DECLARED_IN)
