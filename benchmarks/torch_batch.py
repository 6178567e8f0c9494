"""Batched tensors: multiaug vs Kornia 0.9 and torchvision v2, same process, same batches, CPU or CUDA.

Images per second for batches of 32 and 128 224x224 RGB crops (of scikit-learn's sample photos
``china.jpg`` and ``flower.jpg``, as ``benchmarks/image.py`` uses), through the pipeline
flip -> affine -> colour jitter -> Gaussian noise -> random erasing with matched parameters.

Run: ``make bench-torch`` (add ``ARGS=--quick`` for a short run; ``ARGS="--device cuda"`` on a GPU).
It runs ``cd benchmarks && ../.venv-bench-torch/bin/python torch_batch.py`` (torch 2.13.0 CPU +
Kornia 0.9.0) and ``cd benchmarks && ../.venv-bench-tv/bin/python torch_batch.py`` (torch 2.14.1 +
torchvision 0.29.1 + Kornia 0.9.0: PyPI's torchvision does not import against the torch 2.13.0 CPU
wheel, so torchvision needs its own venv, and there all three libraries share one process).
A competitor the interpreter cannot import is left out with a printed note (``--smoke``, run by
``tests/test_benchmarks.py`` in ``.venv`` where neither is installed, checks the script itself).

Contenders (every one gets the same uint8 (B, 3, 224, 224) batch; what a decoder or a collate makes):

* **multiaug batched**: ``ma.torch.batched(pipe)(image=x, key=keys, epoch=0)``; uint8 in, uint8
  out; a second row gives it the batch as float32 in [0, 1]. Keys are consecutive item indices.
  Until ``ma.torch.batched`` exists (issue 16) its rows say "pending" with the reason.
* **multiaug per-sample** (the fallback: what exists today): the batch as HWC uint8 NumPy, the keyed
  per-sample pipeline called on each image, the results stacked back into a (B, C, H, W) tensor
  (on CUDA: copied to the host and back, both timed).
* **Kornia** ``AugmentationSequential``: Kornia augments float images in [0, 1], so its timed call
  includes ``x.float() / 255`` (a reference row times that conversion alone). Seeded once with
  ``torch.manual_seed(0)`` (Kornia has no generator argument).
* **torchvision v2** per sample: ``v2.Compose`` on each image of the batch in turn, then stacked
  (torchvision draws one set of parameters per call, so per-sample augmentation needs one call per
  image, as in a ``Dataset``). Float input as for Kornia (``v2.GaussianNoise`` takes float only).
* **torchvision v2 whole batch** (reference only: ONE draw for the whole batch, so every image gets
  the same flip, angle and colour; not the same augmentation as the others, no ratio goal).

Matched parameters (p per step as in ``image.py``'s training pipeline; bilinear, constant 0 border):

* flip, p 0.5: multiaug ``HorizontalFlip(p=0.5)``; Kornia ``RandomHorizontalFlip(p=0.5)``;
  torchvision ``RandomHorizontalFlip(p=0.5)``.
* affine, p 0.5: multiaug ``Affine(scale=(0.9, 1.1), translate=(-0.1, 0.1), rotate=(-15, 15),
  shear=(-10, 10), p=0.5)``; Kornia ``RandomAffine(degrees=15, translate=(0.1, 0.1), scale=(0.9, 1.1),
  shear=(-10, 10), p=0.5)`` (zeros padding); torchvision ``RandomApply([RandomAffine(degrees=15,
  translate=(0.1, 0.1), scale=(0.9, 1.1), shear=(-10, 10), fill=0)], p=0.5)``. Bilinear everywhere.
* colour jitter, p 0.8: multiaug ``ColorJitter(0.4, 0.4, 0.4, 0.1, p=0.8)``; Kornia
  ``ColorJitter(0.4, 0.4, 0.4, 0.1, p=0.8)`` (torchvision's formulas, random order);
  torchvision ``RandomApply([ColorJitter(0.4, 0.4, 0.4, 0.1)], p=0.8)``.
* Gaussian noise, p 0.5: multiaug ``GaussianNoise(std=0.03, p=0.5)`` (a fraction of the full range:
  7.65 levels on uint8); Kornia ``RandomGaussianNoise(mean=0, std=0.03, p=0.5)`` and torchvision
  ``RandomApply([GaussianNoise(mean=0, sigma=0.03)], p=0.5)`` on [0, 1] floats.
* erasing, p 0.25: multiaug ``RandomErasing(scale=(0.02, 0.33), ratio=(0.3, 3.3), fill=0, p=0.25)``;
  Kornia ``RandomErasing(scale=(0.02, 0.33), ratio=(0.3, 3.3), value=0, p=0.25)``; torchvision
  ``RandomErasing(p=0.25, scale=(0.02, 0.33), ratio=(0.3, 3.3), value=0)``.

Same meaning on all sides: translate is a fraction of width/height drawn in [-0.1, 0.1]; shear is an
x-shear in degrees; jitter factors are drawn from [0.6, 1.4] and hue from [-0.1, 0.1] turns, applied
in a random order. Differences: the noise std is fixed at 0.03 of the full range (Kornia's
``std`` is one number, so multiaug's default range (0.01, 0.05) is narrowed to its middle); Kornia's
noise does not clip to [0, 1] (multiaug and torchvision clip); uint8 outputs are rounded.

Timing: all contenders in alternating rounds (:func:`_util.rounds_us`), the median per call, its
spread ((max - min) / median over the rounds: the noise of this shared machine) and the ratio
Kornia time / contender time (> 1: faster than Kornia). CPU runs use one thread
(``torch.set_num_threads(1)``, ``cv2.setNumThreads(1)``; ``--threads`` changes it). On CUDA every call
ends with ``torch.cuda.synchronize()``; two columns: input already on the device, and input in
pinned host memory copied inside the call (transfer included); plus the peak memory one call
allocates beyond the input (``torch.cuda.max_memory_allocated``).
"""

from __future__ import annotations

import argparse
import itertools
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np
import torch
from _util import machine, rounds_us
from image import batch_of_crops

import multiaug as ma
from multiaug.demo import load_sample_photo

Call = Callable[[torch.Tensor], Any]  # uint8 (B, C, H, W) batch -> augmented batch
SIZE = 224
PENDING = "pending"
GOALS = {"cpu": 1.5, "cuda": 2.0}


# ---------------------------------------------------------------------- the pipeline on each side
def multiaug_pipeline() -> Any:
    I = ma.image  # noqa: E741
    steps = [
        I.HorizontalFlip(p=0.5),
        I.Affine(scale=(0.9, 1.1), translate=(-0.1, 0.1), rotate=(-15, 15), shear=(-10, 10), p=0.5),
        I.ColorJitter(brightness=0.4, contrast=0.4, saturation=0.4, hue=0.1, p=0.8),
        I.GaussianNoise(std=0.03, p=0.5),
        I.RandomErasing(scale=(0.02, 0.33), ratio=(0.3, 3.3), fill=0, p=0.25),
    ]
    return ma.Compose(steps, seed=0)


def kornia_pipeline(K: Any) -> Any:
    return K.AugmentationSequential(
        K.RandomHorizontalFlip(p=0.5),
        K.RandomAffine(degrees=15, translate=(0.1, 0.1), scale=(0.9, 1.1), shear=(-10.0, 10.0), p=0.5),
        K.ColorJitter(brightness=0.4, contrast=0.4, saturation=0.4, hue=0.1, p=0.8),
        K.RandomGaussianNoise(mean=0.0, std=0.03, p=0.5),
        K.RandomErasing(scale=(0.02, 0.33), ratio=(0.3, 3.3), value=0.0, p=0.25),
        data_keys=["input"],
    )


def torchvision_pipeline(v2: Any) -> Any:
    affine = v2.RandomAffine(
        degrees=15,
        translate=(0.1, 0.1),
        scale=(0.9, 1.1),
        shear=(-10.0, 10.0),
        interpolation=v2.InterpolationMode.BILINEAR,
        fill=0,
    )
    return v2.Compose(
        [
            v2.RandomHorizontalFlip(p=0.5),
            v2.RandomApply([affine], p=0.5),
            v2.RandomApply([v2.ColorJitter(brightness=0.4, contrast=0.4, saturation=0.4, hue=0.1)], p=0.8),
            v2.RandomApply([v2.GaussianNoise(mean=0.0, sigma=0.03)], p=0.5),
            v2.RandomErasing(p=0.25, scale=(0.02, 0.33), ratio=(0.3, 3.3), value=0),
        ]
    )


# ---------------------------------------------------------------------- contenders: name -> call or reason
@dataclass
class Contender:
    name: str
    call: Call | None  # None: not run, ``why`` says why
    why: str = ""
    goal: bool = False  # a multiaug row the goal ratio applies to
    reference: bool = False  # not the same augmentation: no ratio


def to_float(x: torch.Tensor) -> torch.Tensor:
    return x.float().div_(255.0)


def synced(call: Call, device: torch.device) -> Call:
    if device.type != "cuda":
        return call

    def run(x: torch.Tensor) -> Any:
        out = call(x)
        torch.cuda.synchronize(device)
        return out

    return run


def batched_contenders(pipe: Any) -> list[Contender]:
    """multiaug's batched module (issue 16), on uint8 and on float input; pending while it is missing."""
    names = ("multiaug batched (uint8 in)", "multiaug batched (float in)")
    build = getattr(ma.torch, "batched", None)
    if build is None:
        why = "ma.torch.batched is not in this multiaug yet (issue 16); its rows run once it lands"
        return [Contender(name, None, why, goal=True) for name in names]
    try:
        tp = build(pipe)
    except Exception as exc:  # a step without a batched kernel names itself here
        why = f"ma.torch.batched(pipe) raised {type(exc).__name__}: {exc}"
        return [Contender(name, None, why, goal=True) for name in names]
    counter = itertools.count()

    def ours_u8(x: torch.Tensor) -> Any:
        start = next(counter) * len(x)
        return tp(image=x, key=list(range(start, start + len(x))), epoch=0)["image"]

    def ours_float(x: torch.Tensor) -> Any:
        return ours_u8(to_float(x))

    drawn: dict[Any, Any] = {}

    def ours_drawn_apart(x: torch.Tensor) -> Any:
        # The DataLoader recipe: the draw phase runs in the workers (tp.draw in collate_fn), so the
        # training step only applies the draws. Drawn once per batch shape here, outside the timing.
        draws = drawn.get(x.shape)
        if draws is None:
            draws = drawn[x.shape] = tp.draw(image=x, key=list(range(len(x))), epoch=0)
        return tp(image=x, draws=draws)["image"]

    return [
        Contender(names[0], ours_u8, goal=True),
        Contender(names[1], ours_float, goal=True),
        Contender(
            "multiaug batched, draws made in DataLoader workers (uint8 in)", ours_drawn_apart, goal=True
        ),
    ]


def per_sample_contender(pipe: Any) -> Contender:
    """Today's path: the keyed per-sample pipeline on HWC NumPy, image by image (the fallback row)."""
    counter = itertools.count()

    def ours(x: torch.Tensor) -> torch.Tensor:
        hwc = np.ascontiguousarray(x.permute(0, 2, 3, 1).cpu().numpy())
        start = next(counter) * len(hwc)
        outs = [pipe(image=img, key=start + i, epoch=0)["image"] for i, img in enumerate(hwc)]
        return torch.from_numpy(np.stack(outs)).permute(0, 3, 1, 2).to(x.device)

    return Contender("multiaug per-sample (today's CPU path)", ours)


def kornia_contender() -> Contender:
    name = "Kornia AugmentationSequential"
    try:
        import kornia
        import kornia.augmentation as K
    except Exception as exc:  # not installed here, or does not import against this torch
        return Contender(name, None, f"Kornia not compared: import failed ({type(exc).__name__}: {exc})")
    aug = kornia_pipeline(K)
    return Contender(f"Kornia {kornia.__version__} AugmentationSequential", lambda x: aug(to_float(x)))


def torchvision_contenders() -> list[Contender]:
    try:
        import torchvision
        from torchvision.transforms import v2
    except Exception as exc:
        why = f"torchvision not compared: import failed ({type(exc).__name__}: {exc})"
        return [Contender("torchvision v2", None, why)]
    aug = torchvision_pipeline(v2)
    version = torchvision.__version__.split("+")[0]

    def per_image(x: torch.Tensor) -> torch.Tensor:
        xf = to_float(x)
        return torch.stack([aug(img) for img in xf])

    return [
        Contender(f"torchvision {version} v2, per sample", per_image),
        Contender(
            f"torchvision {version} v2, whole batch (one draw per batch)",
            lambda x: aug(to_float(x)),
            reference=True,
        ),
    ]


def contenders(pipe: Any) -> list[Contender]:
    convert = Contender("reference: x.float() / 255 alone (in the Kornia and torchvision rows)", to_float)
    convert.reference = True
    return [
        *batched_contenders(pipe),
        per_sample_contender(pipe),
        kornia_contender(),
        *torchvision_contenders(),
        convert,
    ]


def probe(c: Contender, x: torch.Tensor) -> Contender:
    """Run one call; a contender that raises is reported with the error, never timed."""
    if c.call is None:
        return c
    try:
        out = c.call(x)
    except Exception as exc:
        return Contender(c.name, None, f"raised {type(exc).__name__}: {exc}", c.goal, c.reference)
    if not isinstance(out, torch.Tensor) or tuple(out.shape) != tuple(x.shape) or out.device != x.device:
        got = f"{tuple(out.shape)} on {out.device}" if isinstance(out, torch.Tensor) else type(out).__name__
        want = f"a {tuple(x.shape)} tensor on {x.device}"
        return Contender(c.name, None, f"returned {got}, not {want}", c.goal, c.reference)
    return c


# ---------------------------------------------------------------------- inputs and timing
def crops_batch(n: int, size: int) -> torch.Tensor:
    """``n`` size x size crops of the sample photos (as ``image.py``), a uint8 (n, 3, size, size) tensor."""
    photos = [load_sample_photo("china.jpg"), load_sample_photo("flower.jpg")]
    return torch.from_numpy(batch_of_crops(photos, n, size)).permute(0, 3, 1, 2).contiguous()


@dataclass
class Timing:
    us: float  # median per call
    spread: float  # (max - min) / median over the rounds


@dataclass
class Result:
    contender: Contender
    batch: int
    times: dict[str, Timing] = field(default_factory=dict)  # mode -> timing
    peak_mib: float | None = None


def timing(samples: list[float]) -> Timing:
    med = statistics.median(samples)
    return Timing(med, (max(samples) - min(samples)) / med)


def peak_mib(call: Call, x: torch.Tensor) -> float:
    """CUDA memory one call allocates beyond what is already held (the input), in MiB."""
    torch.cuda.synchronize()
    torch.cuda.reset_peak_memory_stats()
    base = torch.cuda.memory_allocated()
    call(x)
    torch.cuda.synchronize()
    return (torch.cuda.max_memory_allocated() - base) / 2**20


def measure(
    runnable: list[Contender], host: torch.Tensor, device: torch.device, min_time: float, repeats: int
) -> list[Result]:
    """Time every runnable contender in alternating rounds, per mode (on device; host -> device on CUDA)."""
    results = [Result(c, len(host)) for c in runnable]
    on_device = host.to(device)
    modes: list[tuple[str, Callable[[Call], Callable[[], object]]]] = [
        ("device", lambda call: lambda: call(on_device))
    ]
    if device.type == "cuda":
        pinned = host.pin_memory()
        modes.append(("transfer", lambda call: lambda: call(pinned.to(device, non_blocking=True))))
    for mode, bind in modes:
        fns = [bind(synced(c.call, device)) for c in runnable if c.call is not None]
        for result, samples in zip(results, rounds_us(fns, min_time=min_time, repeats=repeats), strict=True):
            result.times[mode] = timing(samples)
    if device.type == "cuda":
        for result in results:
            assert result.contender.call is not None
            result.peak_mib = peak_mib(result.contender.call, on_device)
    return results


# ---------------------------------------------------------------------- report
def rate(batch: int, t: Timing | None) -> str:
    return "—" if t is None else f"{batch * 1e6 / t.us:,.0f}"


def ratio(ref: Timing | None, t: Timing | None, reference: bool) -> str:
    if ref is None or t is None or reference:
        return "—"
    return f"{ref.us / t.us:.2f}x"


def print_table(
    rows: list[tuple[Contender, Result | None]], device: torch.device, host: torch.Tensor
) -> None:
    batch, size = len(host), host.shape[-1]
    modes = ["device", "transfer"] if device.type == "cuda" else ["device"]
    kornia = next((r for c, r in rows if r is not None and c.name.startswith("Kornia")), None)
    head = ["contender", "img/s", "spread", "Kornia time / this"]
    if device.type == "cuda":
        head = ["contender", "img/s on device", "spread", "Kornia / this"]
        head += ["img/s host→device incl.", "spread", "Kornia / this", "peak MiB"]
    print(f"\nbatch {batch} x 3 x {size} x {size} uint8 on {device.type}\n")
    print("| " + " | ".join(head) + " |")
    print("|---|" + "---:|" * (len(head) - 1))
    for c, r in rows:
        cells = [c.name]
        for mode in modes:
            t = None if r is None else r.times.get(mode)
            ref = None if kornia is None else kornia.times.get(mode)
            spread = "—" if t is None else f"{t.spread:.0%}"
            cells += [rate(batch, t) if c.call is not None else PENDING if c.goal else "—", spread]
            cells.append(ratio(ref, t, c.reference))
        if device.type == "cuda":
            cells.append("—" if r is None or r.peak_mib is None else f"{r.peak_mib:,.0f}")
        print("| " + " | ".join(cells) + " |")


def goal_lines(rows: list[tuple[Contender, Result | None]], device: torch.device, batch: int) -> list[str]:
    kornia = next((r for c, r in rows if r is not None and c.name.startswith("Kornia")), None)
    mode = "transfer" if device.type == "cuda" else "device"
    lines = []
    for c, r in rows:
        if not c.goal:
            continue
        if r is None or kornia is None:
            lines.append(f"{c.name}, batch {batch}: goal >= {GOALS[device.type]}x Kornia not measured")
            continue
        x = kornia.times[mode].us / r.times[mode].us
        lines.append(f"{c.name}, batch {batch}: {x:.2f}x Kornia (goal >= {GOALS[device.type]}x)")
        if device.type == "cuda":
            lines.append(f"  {batch * 1e6 / r.times[mode].us:,.0f} img/s with transfer (goal >= 20,000)")
    return lines


def settings(args: argparse.Namespace) -> tuple[list[int], int, float, int]:
    """Batch sizes, image size, seconds per contender per round, rounds."""
    if args.smoke:  # the test's run: every contender once or twice, no meaningful timing
        return [4], 32, 0.002, 1
    batches = args.batch or [32, 128]
    return batches, SIZE, *((0.1, 3) if args.quick else (0.4, 7))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu", help="cpu (default) or cuda")
    parser.add_argument("--quick", action="store_true", help="short timings (noisier)")
    parser.add_argument("--smoke", action="store_true", help="tiny batch, one round (a run check)")
    parser.add_argument("--batch", type=int, action="append", help="batch size (repeatable; 32, 128)")
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: 1 on cpu)")
    args = parser.parse_args()
    device = torch.device(args.device)
    threads = args.threads if args.threads is not None else (1 if device.type == "cpu" else None)
    if threads is not None:
        torch.set_num_threads(threads)
    cv2.setNumThreads(1)
    torch.manual_seed(0)  # Kornia and torchvision draw from the global torch generator
    batches, size, min_time, repeats = settings(args)

    pipe = multiaug_pipeline()
    notes: list[str] = []
    goals: list[str] = []
    for batch in batches:
        host = crops_batch(batch, size)
        sides = [probe(c, host.to(device)) for c in contenders(pipe)]
        for c in sides:
            if c.call is None and not any(note.endswith(c.why) for note in notes):
                notes.append(f"{c.name}: {c.why}")
                print(f"note: {notes[-1]}", flush=True)
        results = iter(measure([c for c in sides if c.call is not None], host, device, min_time, repeats))
        rows = [(c, next(results) if c.call is not None else None) for c in sides]
        print_table(rows, device, host)
        goals += goal_lines(rows, device, batch)

    gpu = f", {torch.cuda.get_device_name(device)}" if device.type == "cuda" else ""
    print(
        f"\n# benchmarks/torch_batch.py on {machine()}{gpu}; multiaug {ma.__version__}, "
        f"torch {torch.__version__}"
        f" ({torch.get_num_threads()} thread(s)), OpenCV {cv2.__version__} (1 thread), numpy {np.__version__}"
        f"{' (--quick)' if args.quick else ''}{' (--smoke)' if args.smoke else ''}"
    )
    print("Ratio > 1: faster than Kornia. Spread: (max - min) / median over the rounds.")
    for line in goals:
        print(line)
    for note in notes:
        print(f"- {note}")


if __name__ == "__main__":
    main()
