"""Serving: one config gives the training pipeline and, with ``inference()``, the serving pipeline.

A tiny linear classifier (which of scikit-learn's two sample photos a view comes from) is
trained on augmented views. Its preprocessing, the inference copy of the training pipeline
(random steps identity, resize / pad / normalise / to-tensor kept), is saved next to its weights
as a YAML config with its fingerprint, as a model registry would store it. A fresh "server"
reloads both, refuses a preprocessing whose fingerprint differs from the one recorded with the
weights, and its model input equals the training pipeline's deterministic part exactly.

Run: .venv/bin/python examples/serving_pipeline.py [--output DIR]
(writes DIR/model/{preprocess.yaml, weights.npz, model.json} only; without --output, DIR is a
new temporary folder, printed)
"""

from __future__ import annotations

import argparse
import copy
import json
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import torch
from sklearn.linear_model import LogisticRegression

import multiaug as ma
from multiaug.demo import load_sample_photo

SIZE = 64  # model input: 3 x SIZE x SIZE
CLASSES = ("china.jpg", "flower.jpg")
MEAN, STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)
# The steps of the training pipeline that are not random: written out here, independently of the
# library's own eval mode, so the example can check that mode against them.
DETERMINISTIC = {"image.LongestMaxSize", "image.PadIfNeeded", "image.Normalize", "image.ToTensor"}


def training_pipeline(jitter: float = 0.3) -> ma.Compose:
    """Photo of any size in, 3 x SIZE x SIZE float32 tensor out; every random step keeps the size."""
    return ma.Compose(
        [
            ma.image.LongestMaxSize(SIZE),
            ma.image.PadIfNeeded(SIZE, SIZE),
            ma.image.RandomResizedCrop(size=(SIZE, SIZE), scale=(0.25, 1.0)),
            ma.image.HorizontalFlip(p=0.5),
            ma.image.ColorJitter(brightness=jitter, contrast=jitter, saturation=jitter, hue=0.05, p=0.8),
            ma.image.GaussianNoise(std=(0.01, 0.04), p=0.3),
            ma.image.Normalize(mean=MEAN, std=STD),
            ma.image.ToTensor(),
        ],
        seed=42,
    )


def deterministic_part(config: dict[str, Any]) -> ma.Compose:
    """The training config with its random steps taken out (the reference for the served input)."""
    config = copy.deepcopy(config)
    steps = config["params"]["transforms"]
    config["params"]["transforms"] = [step for step in steps if step["transform"] in DETERMINISTIC]
    return ma.from_config(config)


def with_std(config: Any, std: list[float]) -> Any:
    """A copy of ``config`` whose Normalize steps use ``std``."""
    if isinstance(config, list):
        return [with_std(item, std) for item in config]
    if not isinstance(config, dict):
        return config
    config = {key: with_std(value, std) for key, value in config.items()}
    if config.get("transform") == "image.Normalize":
        config["params"] = {**config["params"], "std": std}
    return config


def requests(photos: list[np.ndarray]) -> list[tuple[str, np.ndarray]]:
    """What a client sends: whole photos and crops of other sizes and aspect ratios."""
    china, flower = photos
    return [
        ("china.jpg", china),
        ("flower.jpg", flower),
        ("china.jpg", china[40:400, 100:420]),  # portrait crop
        ("flower.jpg", flower[100:300, :]),  # wide strip
        ("china.jpg", china[::2, ::3].copy()),  # smaller, other aspect ratio
    ]


def train(pipe: ma.Compose, photos: list[np.ndarray], views: int) -> LogisticRegression:
    """Fit on ``views`` keyed augmented views of each photo (a keyed call: same views on any machine)."""
    x, y = [], []
    for label, photo in enumerate(photos):
        for view in range(views):
            tensor = pipe(image=photo, key=f"{CLASSES[label]}/{view}", epoch=0)["image"]
            x.append(tensor.numpy().ravel())
            y.append(label)
    return LogisticRegression(max_iter=500).fit(np.stack(x), np.array(y))


def publish(pipe: ma.Compose, model: LogisticRegression, folder: Path) -> Path:
    """Save the serving preprocessing (config + fingerprint) next to the weights."""
    serving = pipe.inference()  # an eval-mode copy; ``pipe`` itself stays in training mode
    assert pipe.training and not serving.training
    folder.mkdir(parents=True, exist_ok=True)
    ma.save(serving, folder / "preprocess.yaml")
    np.savez(folder / "weights.npz", coef=model.coef_, intercept=model.intercept_)
    meta = {
        "classes": list(CLASSES),
        "input_shape": [3, SIZE, SIZE],
        "weights": "weights.npz",
        "preprocess": "preprocess.yaml",
        "preprocess_fingerprint": serving.fingerprint,
    }
    (folder / "model.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    return folder


class Server:
    """What a serving process does: no training code, only the saved files."""

    def __init__(self, folder: Path) -> None:
        meta = json.loads((folder / "model.json").read_text(encoding="utf-8"))
        self.preprocess = ma.load(folder / meta["preprocess"])
        if self.preprocess.fingerprint != meta["preprocess_fingerprint"]:
            raise RuntimeError(
                f"preprocessing {self.preprocess.fingerprint} is not the one the model was trained "
                f"with ({meta['preprocess_fingerprint']}): refusing to serve"
            )
        weights = np.load(folder / meta["weights"])
        self.coef, self.intercept = weights["coef"], weights["intercept"]
        self.classes = meta["classes"]

    def model_input(self, photo: np.ndarray) -> torch.Tensor:
        return self.preprocess(image=photo)["image"]

    def predict(self, photo: np.ndarray) -> str:
        score = self.model_input(photo).numpy().reshape(1, -1) @ self.coef.T + self.intercept
        return self.classes[int(score[0, 0] > 0)]


def check_serving(
    pipe: ma.Compose, server: Server, model: LogisticRegression, photos: list[np.ndarray]
) -> None:
    """The served model input against the training pipeline's deterministic part, request by request."""
    reference = deterministic_part(pipe.to_config())
    for name, photo in requests(photos):
        served = server.model_input(photo)
        assert served.dtype == torch.float32 and tuple(served.shape) == (3, SIZE, SIZE)
        # the served input IS the training pipeline's deterministic part, bit for bit ...
        assert torch.equal(served, reference(image=photo)["image"])
        # ... whatever the key (random steps are identity), and the same as eval() in this process
        assert torch.equal(served, server.preprocess(image=photo, key=123, epoch=9)["image"])
        pipe.eval()
        assert torch.equal(served, pipe(image=photo, key=7)["image"])
        pipe.train()
        # while training views of the same photo are augmented
        assert not torch.equal(served, pipe(image=photo, key=7)["image"])
        label = server.predict(photo)
        assert label == CLASSES[int(model.predict(served.numpy().reshape(1, -1))[0])]  # same model
        print(f"  request {photo.shape[1]}x{photo.shape[0]} from {name}: predicted {label}")
    print("served model input == training pipeline's deterministic part (torch.equal) for every request")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, help="folder for model/ (default: a new temp folder)")
    folder = parser.parse_args().output or Path(tempfile.mkdtemp(prefix="multiaug-example-"))
    photos = [load_sample_photo(name) for name in CLASSES]  # scikit-learn's sample photos, RGB uint8

    pipe = training_pipeline()
    model = train(pipe, photos, views=60)
    model_dir = publish(pipe, model, folder / "model")
    print(f"trained on 2 x 60 augmented views; wrote {model_dir}:")
    for path in sorted(model_dir.iterdir()):
        print(f"  {path}")

    server = Server(model_dir)
    print("served preprocessing:", server.preprocess.fingerprint, "training:", server.preprocess.training)
    check_serving(pipe, server, model, photos)

    # The stored preprocessing does not depend on the augmentations used in training ...
    assert training_pipeline(jitter=0.5).inference().fingerprint == server.preprocess.fingerprint
    # ... but a preprocessing edited after training (here: other normalisation) has another fingerprint.
    changed = ma.from_config(with_std(server.preprocess.to_config(), [0.25, 0.25, 0.25]))
    assert changed.fingerprint != server.preprocess.fingerprint
    print("other training augmentations, same serving fingerprint; an edited preprocessing has")
    print(f"fingerprint {changed.fingerprint}: the server would refuse it")


if __name__ == "__main__":
    main()
