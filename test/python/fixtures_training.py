"""Fixtures for the training pieces of the C++ core (native/core/tests/training_*_test.cpp), written
under OUT_DIR/training/ by make_core_fixtures.py:

* color_jitter.pth: images and torchvision's functional ops on them (adjust_brightness, _contrast,
  _saturation, _hue, each with its own factor per image) and whole ColorJitter draws (order + factors).
* transform.pth: ToTensor + Normalize of every crop of dataset video train-01, as torchvision computes them.
* optimizers.pth: parameters and gradients of a few steps and the parameters torch.optim.Adam
  (single-tensor and foreach) and torch.optim.SGD produce from them.
* plateau.pth: validation losses and the learning rates ReduceLROnPlateau(mode='min', patience=3) sets.
* tiny_backbone.pth: a torchvision RegNet (1000 classes) built from the tests' tiny regnet: spec, as
  ImageNet weights would come.
* dataset/: a small synthetic packed dataset (synthetic_dataset.py), and windows.pth: the windows
  iCatcher+'s rule accepts in it (an independent transcription of reproduce/data.py).
* trainer_dataset/: a smaller one for the Trainer tests, which run whole trainings (3 train and 2 val
  videos of 56 frames: 65 training windows, 40 validation windows, every class in both splits).
"""
import pathlib

import numpy as np
import torch
import torchvision.transforms as T
import torchvision.transforms.functional as F

import reference_models
import synthetic_dataset

MEAN, STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)


def color_jitter(out: pathlib.Path) -> None:
    g = torch.Generator().manual_seed(1)
    images = torch.rand(12, 3, 9, 11, generator=g)
    images[0] = 0.5  # gray: hue and saturation undefined (max == min)
    images[1, :, :3] = torch.tensor([1.0, 0.0, 0.0]).view(3, 1, 1)  # pure colours, ties of max
    images[1, :, 3:6] = torch.tensor([1.0, 1.0, 0.0]).view(3, 1, 1)
    images[1, :, 6:] = torch.tensor([0.0, 1.0, 1.0]).view(3, 1, 1)
    images[2] = (images[2] * 4).round() / 4  # many equal channels
    images[3, :, :, :5] = 0.0
    images[4, :, :, :5] = 1.0
    n = images.shape[0]
    factors = {
        "brightness": torch.empty(n, dtype=torch.float64).uniform_(0.0, 2.0, generator=g),
        "contrast": torch.empty(n, dtype=torch.float64).uniform_(0.0, 2.0, generator=g),
        "saturation": torch.empty(n, dtype=torch.float64).uniform_(0.0, 2.0, generator=g),
        "hue": torch.empty(n, dtype=torch.float64).uniform_(-0.5, 0.5, generator=g),
    }
    ops = {"brightness": F.adjust_brightness, "contrast": F.adjust_contrast, "saturation": F.adjust_saturation, "hue": F.adjust_hue}
    result = {"images": images}
    for name, fn in ops.items():
        result[f"{name}_factor"] = factors[name]
        result[name] = torch.stack([fn(images[i], float(factors[name][i])) for i in range(n)])
    # Whole ColorJitter(0.2, 0.2, 0.2, 0.05) draws: record get_params, then apply as forward() does.
    jitter = T.ColorJitter(brightness=0.2, contrast=0.2, saturation=0.2, hue=0.05)
    torch.manual_seed(7)
    orders, draws, outputs = [], [], []
    for i in range(n):
        order, b, c, s, h = jitter.get_params(jitter.brightness, jitter.contrast, jitter.saturation, jitter.hue)
        img = images[i]
        for op in order.tolist():
            img = [F.adjust_brightness, F.adjust_contrast, F.adjust_saturation, F.adjust_hue][op](img, [b, c, s, h][op])
        orders.append(order)
        draws.append(torch.tensor([b, c, s, h], dtype=torch.float64))
        outputs.append(img)
    result["jitter_order"] = torch.stack(orders)
    result["jitter_factors"] = torch.stack(draws)
    result["jitter"] = torch.stack(outputs)
    torch.save(result, out / "color_jitter.pth")


def transform(out: pathlib.Path, dataset: pathlib.Path) -> None:
    folder = dataset / "videos" / "train-01"
    crops = np.load(folder / "crops.npy")
    normalize = T.Compose([T.ToTensor(), T.Normalize(MEAN, STD)])
    torch.save({"expected": torch.stack([normalize(crop) for crop in crops])}, out / "transform.pth")


def optimizers(out: pathlib.Path) -> None:
    g = torch.Generator().manual_seed(3)
    shapes = [(4, 3, 3, 3), (7,), (5, 6)]
    initial = [torch.randn(s, generator=g) for s in shapes]
    steps = 5
    grads = [[torch.randn(s, generator=g) for s in shapes] for _ in range(steps)]
    result = {f"param_{i}": p for i, p in enumerate(initial)}
    for k in range(steps):
        for i in range(len(shapes)):
            result[f"grad_{k}_{i}"] = grads[k][i]
    settings = {
        "adam": lambda ps, foreach: torch.optim.Adam(ps, lr=1e-3, betas=(0.9, 0.999), weight_decay=1e-2, foreach=foreach),
        "sgd": lambda ps, foreach: torch.optim.SGD(ps, lr=1e-2, momentum=0.9, weight_decay=1e-4, foreach=foreach),
    }
    for name, make in settings.items():
        for foreach in (False, True):
            params = [p.clone().requires_grad_() for p in initial]
            opt = make(params, foreach)
            for k in range(steps):
                for p, grad in zip(params, grads[k]):
                    p.grad = grad.clone()
                opt.step()
                for i, p in enumerate(params):
                    result[f"{name}{'_foreach' if foreach else ''}_{k}_{i}"] = p.detach().clone()
    torch.save(result, out / "optimizers.pth")


def plateau(out: pathlib.Path) -> None:
    losses = [1.0, 0.9, 0.9, 0.89995, 0.9, 0.95, 0.91, 0.8, 0.8, 0.8, 0.8, 0.8, 0.7, 0.7001, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7]
    param = torch.zeros(1, requires_grad=True)
    opt = torch.optim.Adam([param], lr=1e-5)
    scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, mode="min", patience=3)
    lrs = []
    for loss in losses:
        scheduler.step(loss)
        lrs.append(opt.param_groups[0]["lr"])
    torch.save({"losses": torch.tensor(losses, dtype=torch.float64), "lrs": torch.tensor(lrs, dtype=torch.float64)}, out / "plateau.pth")


def icatcher_windows(frame_crop, labels, eliminate_transitions, use_mutually_agreed, window=9, stride=2):
    """reproduce/data.py's collect_paths, transcribed: frame t starts a window when t..t+8 exist, all
    have a face and a coder-1 label, and the options' conditions hold. Returns (starts, labels)."""
    face = np.where((frame_crop >= 0) & (labels[:, 0] >= 0), 0, -1)
    has_second = (labels[:, 1] >= 0).any()
    starts, classes = [], []
    for t in range(len(frame_crop)):
        gaze_seg = labels[t : t + window, 0]
        face_seg = face[t : t + window]
        if len(gaze_seg) != window:
            break
        if (face_seg < 0).sum():
            continue
        if eliminate_transitions and not (gaze_seg == gaze_seg[0]).all():
            continue
        label = gaze_seg[window // 2]
        if use_mutually_agreed and has_second and labels[t + window // 2, 1] != label:
            continue
        starts.append(t)
        classes.append(int(label))
    return starts, classes


def windows(out: pathlib.Path, dataset: pathlib.Path) -> None:
    result = {}
    for folder in sorted((dataset / "videos").iterdir()):
        frame_crop = np.load(folder / "frame_crop.npy")
        labels = np.load(folder / "labels.npy")
        for et in (False, True):
            for ma in (False, True):
                starts, classes = icatcher_windows(frame_crop, labels, et, ma)
                key = f"{folder.name}_{int(et)}{int(ma)}"
                result[f"{key}_start"] = torch.tensor(starts, dtype=torch.int64)
                result[f"{key}_label"] = torch.tensor(classes, dtype=torch.int64)
    torch.save(result, out / "windows.pth")


TINY_ARCH = "regnet:depth=3,w0=16,wa=8,wm=2,group=8,se=0.25"  # as native/core/tests/training_*_test.cpp


def tiny_backbone(out: pathlib.Path) -> None:
    torch.manual_seed(4)
    torch.save(reference_models.custom_regnet_from_spec(TINY_ARCH, 1000).state_dict(), out / "tiny_backbone.pth")


def make(out_dir) -> None:
    out = pathlib.Path(out_dir) / "training"
    out.mkdir(parents=True, exist_ok=True)
    dataset = out / "dataset"
    synthetic_dataset.write_dataset(dataset, size=32, train_videos=3, val_videos=2, frames=160, seed=5)
    # Trainings cost per window: a quarter of the windows keeps the Trainer tests to seconds on 2 cores.
    synthetic_dataset.write_dataset(out / "trainer_dataset", size=32, train_videos=3, val_videos=2, frames=56, seed=6)
    color_jitter(out)
    transform(out, dataset)
    optimizers(out)
    plateau(out)
    windows(out, dataset)
    tiny_backbone(out)


if __name__ == "__main__":
    import sys

    make(sys.argv[1])
