"""Train emokognition's own emotion classifier on FER2013, export it to ONNX and check the export.

    make train                                  # = .venv-train/bin/python tools/train_classifier.py
    .venv-train/bin/python tools/train_classifier.py --epochs 60 --width 32
    .venv-train/bin/python tools/train_classifier.py --device cuda --width 64 --epochs 120

Data: ../shared/data/fer2013/train.npz is the only data trained on. PublicTest
(../shared/data/fer2013/publictest.npz) chooses the checkpoint and fits the temperature; it is
never trained on, and training images that duplicate a PublicTest image are dropped first so the
choice is not flattered by leaked copies.

The run is seeded and resumable: every epoch is checkpointed under --cache (outside the repo), and
running the same command again continues where the last one stopped. The output folder gets the
ONNX model, the run's configuration, the per-epoch metrics and the reference outputs that
`make test` checks the committed .onnx against (without PyTorch).
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import itertools
import json
import math
import shutil
import sys
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F  # noqa: N812
from torch import Tensor, nn

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data" / "fer2013"
# FER+ vote columns: neutral, happiness, surprise, sadness, anger, disgust, fear, contempt,
# unknown, not-a-face. Our order is FER2013's: angry, disgust, fear, happy, sad, surprise, neutral.
FERPLUS_TO_FER = np.array([6, 3, 5, 4, 0, 1, 2])  # the first seven columns; contempt etc. dropped
CROP = 40  # training crops and inference input: the centre 40x40 of a 48x48 face
FULL = 48


@dataclass(frozen=True)
class Config:
    """Everything that determines a run; written beside the model as config.json."""

    width: int = 32
    epochs: int = 80
    batch: int = 128
    lr: float = 0.05
    weight_decay: float = 5e-4
    momentum: float = 0.9
    smoothing: float = 0.05
    ferplus_weight: float = 0.25  # share of the target taken from the FER+ vote distribution
    mixup: float = 0.0  # Beta(a, a); 0 disables
    dropout: float = 0.3
    rotate: float = 15.0  # degrees
    scale: float = 0.15
    shift: float = 0.1  # of the image side
    erase: float = 0.5  # probability of one random erased rectangle
    seed: int = 20261202
    dedupe_mad: float = 2.0  # drop training images within this mean abs difference of PublicTest

    def key(self) -> str:
        """A short hash naming the run's checkpoint folder: same recipe, same folder. The
        number of epochs is left out: a run resumed with another `--epochs` keeps its
        weights and re-plans the rest of its schedule (see `resume_schedule`)."""
        recipe = dataclasses.asdict(self)
        del recipe["epochs"]
        blob = json.dumps(recipe, sort_keys=True).encode()
        return hashlib.sha256(blob).hexdigest()[:12]


class EmotionNet(nn.Module):
    """VGG-style: four stages of two 3x3 conv-BN-ReLU, max-pooled between, global average pool."""

    def __init__(self, width: int, dropout: float) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        channels = 1
        for stage, multiple in enumerate((1, 2, 4, 8)):
            for _ in range(2):
                out = width * multiple
                layers += [nn.Conv2d(channels, out, 3, padding=1, bias=False)]
                layers += [nn.BatchNorm2d(out), nn.ReLU(inplace=True)]
                channels = out
            if stage < 3:
                layers.append(nn.MaxPool2d(2))
        self.features = nn.Sequential(*layers)
        self.head = nn.Sequential(nn.Dropout(dropout), nn.Linear(channels, 7))

    def forward(self, x: Tensor) -> Tensor:
        return self.head(self.features(x).mean(dim=(2, 3)))


class Exported(nn.Module):
    """What ships: (N, 1, 40, 40) gray in [-1, 1] -> (N, 7) calibrated probabilities."""

    def __init__(self, net: EmotionNet, temperature: float) -> None:
        super().__init__()
        self.net = net
        self.register_buffer("inverse_t", torch.tensor(1.0 / temperature))

    def forward(self, x: Tensor) -> Tensor:
        return torch.softmax(self.net(x) * self.inverse_t, dim=1)


def load(path: Path) -> dict[str, np.ndarray]:
    with np.load(path, allow_pickle=False) as data:
        return {k: data[k] for k in ("images", "labels", "ferplus_votes")}


def leaked(train: np.ndarray, test: np.ndarray, mad: float) -> np.ndarray:
    """Mask of training images within `mad` mean absolute difference of some PublicTest image.

    Nearest neighbours on 12x12 block means first (a matrix product), then the exact distance
    for each image's five closest candidates.
    """

    def small(images: np.ndarray) -> np.ndarray:
        x = images.reshape(len(images), 12, 4, 12, 4).astype(np.float32).mean(axis=(2, 4))
        return x.reshape(len(images), -1)

    a, b = small(train), small(test)
    near = np.zeros(len(train), dtype=bool)
    b_sq = (b**2).sum(1)
    for start in range(0, len(a), 4096):
        chunk = a[start : start + 4096]
        dist = (chunk**2).sum(1)[:, None] - 2 * chunk @ b.T + b_sq[None, :]
        candidates = np.argpartition(dist, 5, axis=1)[:, :5]
        for row, cols in enumerate(candidates):
            image = train[start + row].astype(np.int16)
            diffs = np.abs(test[cols].astype(np.int16) - image).mean(axis=(1, 2))
            near[start + row] = diffs.min() <= mad
    return near


def targets(labels: np.ndarray, votes: np.ndarray, config: Config) -> np.ndarray:
    """Soft targets: the FER2013 label, smoothed, mixed with the FER+ vote distribution."""
    onehot = np.eye(7, dtype=np.float32)[labels]
    counts = votes[:, :7].astype(np.float32)
    plus = np.zeros_like(onehot)
    plus[:, FERPLUS_TO_FER] = counts
    total = plus.sum(1, keepdims=True)
    has = (votes[:, 0] >= 0) & (total[:, 0] > 0)
    plus = np.where(has[:, None], plus / np.maximum(total, 1), onehot)
    mixed = (1 - config.ferplus_weight) * onehot + config.ferplus_weight * plus
    return (1 - config.smoothing) * mixed + config.smoothing / 7


def to_unit(images: Tensor) -> Tensor:
    """uint8 (N, 48, 48) -> float (N, 1, 48, 48) in [-1, 1]."""
    return images.float().unsqueeze(1) * (2.0 / 255.0) - 1.0


def center(images: Tensor) -> Tensor:
    offset = (FULL - CROP) // 2
    return to_unit(images)[:, :, offset : offset + CROP, offset : offset + CROP]


def augment(images: Tensor, config: Config, generator: torch.Generator) -> Tensor:
    """Random flip, rotation, scale and shift (one affine resample to 40x40), contrast and
    brightness jitter, and random erasing; all batched."""
    n = len(images)
    x = to_unit(images)

    def uniform(low: float, high: float) -> Tensor:
        return torch.rand(n, generator=generator) * (high - low) + low

    angle = uniform(-config.rotate, config.rotate) * math.pi / 180
    zoom = uniform(1 - config.scale, 1 + config.scale) * (CROP / FULL)
    flip = torch.where(torch.rand(n, generator=generator) < 0.5, -1.0, 1.0)
    cos, sin = torch.cos(angle) * zoom, torch.sin(angle) * zoom
    theta = torch.zeros(n, 2, 3)
    theta[:, 0, 0], theta[:, 0, 1] = cos * flip, -sin
    theta[:, 1, 0], theta[:, 1, 1] = sin * flip, cos
    theta[:, 0, 2] = uniform(-config.shift, config.shift) * 2
    theta[:, 1, 2] = uniform(-config.shift, config.shift) * 2
    grid = F.affine_grid(theta, [n, 1, CROP, CROP], align_corners=False)
    x = F.grid_sample(x, grid, mode="bilinear", padding_mode="reflection", align_corners=False)
    contrast = uniform(0.7, 1.3)[:, None, None, None]
    brightness = uniform(-0.2, 0.2)[:, None, None, None]
    x = (x * contrast + brightness).clamp(-1, 1)
    if config.erase > 0:
        side = (uniform(0.1, 0.4) * CROP).long()
        top = (torch.rand(n, generator=generator) * (CROP - side)).long()
        left = (torch.rand(n, generator=generator) * (CROP - side)).long()
        rows = torch.arange(CROP)[None, :]
        in_rows = (rows >= top[:, None]) & (rows < (top + side)[:, None])
        in_cols = (rows >= left[:, None]) & (rows < (left + side)[:, None])
        box = in_rows[:, :, None] & in_cols[:, None, :]
        box &= (torch.rand(n, generator=generator) < config.erase)[:, None, None]
        x = torch.where(box[:, None], torch.zeros(()), x)
    return x


def predict(net: nn.Module, images: Tensor, device: str, batch: int = 512) -> Tensor:
    """Mirror-averaged logits' softmax inputs: (N, 2, 7) logits for the crop and its mirror."""
    net.eval()
    outs = []
    with torch.no_grad():
        for start in range(0, len(images), batch):
            x = center(images[start : start + batch]).to(device)
            both = torch.cat([x, x.flip(3)])
            logits = net(both).float().cpu()
            outs.append(torch.stack([logits[: len(x)], logits[len(x) :]], dim=1))
    return torch.cat(outs)


def mirrored_probabilities(logits: Tensor, temperature: float = 1.0) -> Tensor:
    return torch.softmax(logits / temperature, dim=2).mean(dim=1)


def fit_temperature(logits: Tensor, labels: Tensor) -> float:
    """The temperature minimising PublicTest NLL of the mirror-averaged probabilities."""
    grid = np.exp(np.linspace(np.log(0.5), np.log(3.0), 251))
    nll = [
        float(
            -torch.log(mirrored_probabilities(logits, t)[torch.arange(len(labels)), labels]).mean()
        )
        for t in grid
    ]
    return float(grid[int(np.argmin(nll))])


def ece(probabilities: np.ndarray, labels: np.ndarray, bins: int = 15) -> float:
    confidence = probabilities.max(1)
    correct = probabilities.argmax(1) == labels
    edges = np.linspace(0, 1, bins + 1)
    total = 0.0
    for low, high in itertools.pairwise(edges):
        inside = (confidence > low) & (confidence <= high)
        if inside.any():
            total += inside.mean() * abs(confidence[inside].mean() - correct[inside].mean())
    return float(total)


class Progress:
    """A one-line progress bar with ETA on a terminal; a line every 10 % in a log."""

    def __init__(self, total: int, label: str) -> None:
        self.total, self.label, self.start = total, label, time.monotonic()
        self.tty = sys.stderr.isatty()
        self.last_decile = -1

    def update(self, done: int, loss: float) -> None:
        elapsed = time.monotonic() - self.start
        eta = elapsed / max(done, 1) * (self.total - done)
        bar = "#" * int(30 * done / self.total)
        line = f"{self.label} [{bar:<30}] {done}/{self.total} loss {loss:.3f} ETA {eta:4.0f}s"
        decile = 10 * done // self.total
        if self.tty:
            print("\r" + line, end="", file=sys.stderr, flush=True)
        elif decile != self.last_decile:
            print(line, file=sys.stderr, flush=True)
        self.last_decile = decile

    def close(self) -> None:
        if self.tty:
            print(file=sys.stderr)


def one_cycle(optimizer: torch.optim.Optimizer, config: Config, steps: int) -> Any:
    return torch.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=config.lr, total_steps=config.epochs * steps, pct_start=0.2
    )


def resume_schedule(
    optimizer: torch.optim.Optimizer, config: Config, steps: int, state: dict[str, Any]
) -> Any:
    """The saved schedule, or, when `--epochs` changed, a schedule of the new length advanced
    to the steps already taken (the learning rate goes on from that point of the new plan)."""
    schedule = one_cycle(optimizer, config, steps)
    if state["schedule"]["total_steps"] == config.epochs * steps:
        schedule.load_state_dict(state["schedule"])
        return schedule
    done = state["epoch"] * steps
    if done >= config.epochs * steps:
        raise SystemExit(f"the run already has {state['epoch']} epochs; ask for more")
    print(
        f"schedule re-planned after epoch {state['epoch']}: "
        f"{state['schedule']['total_steps'] // steps} -> {config.epochs} epochs"
    )
    with warnings.catch_warnings():  # stepping the schedule alone, on purpose
        warnings.simplefilter("ignore", UserWarning)
        for _ in range(done):
            schedule.step()
    return schedule


def train(
    config: Config, device: str, cache: Path, out: Path, *, stop_after: int | None = None
) -> None:
    torch.manual_seed(config.seed)
    np.random.seed(config.seed)
    run_dir = cache / config.key()
    run_dir.mkdir(parents=True, exist_ok=True)
    out.mkdir(parents=True, exist_ok=True)

    train_data, test_data = load(SHARED / "train.npz"), load(SHARED / "publictest.npz")
    drop = leaked(train_data["images"], test_data["images"], config.dedupe_mad)
    keep = ~drop
    print(f"training on {keep.sum()} images; {drop.sum()} dropped as copies of PublicTest")
    images = torch.from_numpy(train_data["images"][keep])
    soft = torch.from_numpy(
        targets(train_data["labels"][keep], train_data["ferplus_votes"][keep], config)
    )
    test_images = torch.from_numpy(test_data["images"])
    test_labels = torch.from_numpy(test_data["labels"].astype(np.int64))

    net = EmotionNet(config.width, config.dropout).to(device)
    optimizer = torch.optim.SGD(
        net.parameters(),
        lr=config.lr,
        momentum=config.momentum,
        nesterov=True,
        weight_decay=config.weight_decay,
    )
    steps = math.ceil(len(images) / config.batch)
    schedule = one_cycle(optimizer, config, steps)
    history: list[dict[str, Any]] = []
    start_epoch, best = 0, -1.0
    checkpoint = run_dir / "last.pt"
    if checkpoint.exists():
        state = torch.load(checkpoint, weights_only=False)
        net.load_state_dict(state["net"])
        optimizer.load_state_dict(state["optimizer"])
        schedule = resume_schedule(optimizer, config, steps, state)
        torch.set_rng_state(state["rng"])
        history, start_epoch, best = state["history"], state["epoch"], state["best"]
        print(f"resuming {run_dir} after epoch {start_epoch}")
    generator = torch.Generator().manual_seed(config.seed + start_epoch)
    (out / "config.json").write_text(json.dumps(dataclasses.asdict(config), indent=2) + "\n")
    autocast = device == "cpu"

    for epoch in range(start_epoch, min(config.epochs, stop_after or config.epochs)):
        net.train()
        order = torch.randperm(len(images), generator=generator)
        progress = Progress(steps, f"epoch {epoch + 1}/{config.epochs}")
        began, running = time.monotonic(), 0.0
        for step in range(steps):
            index = order[step * config.batch : (step + 1) * config.batch]
            x = augment(images[index], config, generator).to(device)
            y = soft[index].to(device)
            if config.mixup > 0:
                lam = float(np.random.beta(config.mixup, config.mixup))
                perm = torch.randperm(len(x), generator=generator).to(device)
                x, y = lam * x + (1 - lam) * x[perm], lam * y + (1 - lam) * y[perm]
            with torch.autocast(device_type=device, dtype=torch.bfloat16, enabled=autocast):
                logits = net(x)
            loss = -(y * F.log_softmax(logits.float(), dim=1)).sum(1).mean()
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            schedule.step()
            running = 0.98 * running + 0.02 * loss.item() if step else loss.item()
            progress.update(step + 1, running)
        progress.close()
        logits = predict(net, test_images, device)
        probs = mirrored_probabilities(logits).numpy()
        top1 = float((probs.argmax(1) == test_labels.numpy()).mean())
        history.append(
            {
                "epoch": epoch + 1,
                "loss": round(running, 4),
                "publictest_top1": round(top1, 4),
                "lr": schedule.get_last_lr()[0],
                "schedule_epochs": config.epochs,
                "seconds": round(time.monotonic() - began, 1),
            }
        )
        print(json.dumps(history[-1]), flush=True)
        if top1 > best:
            best = top1
            torch.save(net.state_dict(), run_dir / "best.pt")
        state = {
            "net": net.state_dict(),
            "optimizer": optimizer.state_dict(),
            "schedule": schedule.state_dict(),
            "rng": torch.get_rng_state(),
            "history": history,
            "epoch": epoch + 1,
            "best": best,
        }
        torch.save(state, run_dir / "last.tmp")
        (run_dir / "last.tmp").replace(checkpoint)
        (out / "history.json").write_text(json.dumps(history, indent=1) + "\n")

    if stop_after is not None and stop_after < config.epochs:
        print(f"stopped after epoch {stop_after} of {config.epochs} (resumable)")
        return
    export(config, run_dir, out, test_images, test_labels)


def export(
    config: Config, run_dir: Path, out: Path, test_images: Tensor, test_labels: Tensor
) -> None:
    """The best checkpoint by PublicTest, temperature-scaled, to ONNX; checked against PyTorch."""
    import onnxruntime as ort

    out.mkdir(parents=True, exist_ok=True)
    net = EmotionNet(config.width, config.dropout)
    net.load_state_dict(torch.load(run_dir / "best.pt", weights_only=True))
    net.eval()
    logits = predict(net, test_images, "cpu")
    temperature = fit_temperature(logits, test_labels)
    labels = test_labels.numpy()
    before, after = (
        mirrored_probabilities(logits).numpy(),
        mirrored_probabilities(logits, temperature).numpy(),
    )
    model = Exported(net, temperature).eval()
    path = out / f"emonet{config.width}_fer2013.onnx"
    example = center(test_images[:2])
    torch.onnx.export(
        model,
        (example,),
        str(path),
        input_names=["input"],
        output_names=["probabilities"],
        dynamic_axes={"input": {0: "batch"}, "probabilities": {0: "batch"}},
        opset_version=17,
        dynamo=False,
    )
    # The check: ONNX Runtime against PyTorch (fp32) on real PublicTest crops and their mirrors.
    indices = np.arange(0, len(test_images), 14)[:256].astype(np.int32)
    x = center(test_images[torch.from_numpy(indices).long()])
    x = torch.cat([x, x.flip(3)])
    with torch.no_grad():
        expected = model(x).numpy()
    options = ort.SessionOptions()
    options.log_severity_level = 3
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    actual = session.run(None, {"input": x.numpy()})[0]
    diff = float(np.abs(actual - expected).max())
    if diff > 1e-4:
        raise SystemExit(f"ONNX Runtime differs from PyTorch by {diff:.2e} > 1e-4")
    np.savez_compressed(out / "reference_outputs.npz", indices=indices, probabilities=actual)
    metrics = {
        "model": path.name,
        "parameters": sum(p.numel() for p in net.parameters()),
        "temperature": round(temperature, 4),
        "publictest_top1": round(float((after.argmax(1) == labels).mean()), 4),
        "ece_before": round(ece(before, labels), 4),
        "ece_after": round(ece(after, labels), 4),
        "onnx_max_abs_diff": diff,
        "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
    }
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    print(json.dumps(metrics, indent=2))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    defaults = Config()
    for field in dataclasses.fields(Config):
        parser.add_argument(
            "--" + field.name.replace("_", "-"), type=type(getattr(defaults, field.name))
        )
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: all cores)")
    parser.add_argument(
        "--cache", type=Path, default=Path.home() / ".cache" / "emokognition" / "train"
    )
    parser.add_argument("--out", type=Path, default=ROOT / "artifacts" / "train")
    parser.add_argument("--export-only", action="store_true", help="export the best checkpoint")
    parser.add_argument(
        "--stop-after", type=int, default=None, help="stop (resumably) after this epoch"
    )
    parser.add_argument(
        "--ship",
        action="store_true",
        help="then copy the model into the package and its reference outputs into the tests",
    )
    args = parser.parse_args()
    overrides = {
        f.name: getattr(args, f.name)
        for f in dataclasses.fields(Config)
        if getattr(args, f.name) is not None
    }
    config = dataclasses.replace(defaults, **overrides)
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.export_only:
        test = load(SHARED / "publictest.npz")
        labels = torch.from_numpy(test["labels"].astype(np.int64))
        export(
            config, args.cache / config.key(), args.out, torch.from_numpy(test["images"]), labels
        )
    else:
        train(config, args.device, args.cache, args.out, stop_after=args.stop_after)
    if args.ship:
        ship(config, args.out)


def ship(config: Config, out: Path) -> None:
    """The exported model into the package, its reference outputs beside the tests."""
    name = f"emonet{config.width}_fer2013"
    models = ROOT / "src" / "emokognition" / "vision" / "models"
    shutil.copyfile(out / f"{name}.onnx", models / f"{name}.onnx")
    shutil.copyfile(
        out / "reference_outputs.npz", ROOT / "tests" / "vision" / f"{name}_reference.npz"
    )
    print(f"shipped {name}.onnx and its reference outputs")


if __name__ == "__main__":
    main()
