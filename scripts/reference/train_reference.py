"""End-to-end training throughput of reference PyTorch on a packed dataset (the other side of
`gazecoder bench`'s training rows), with one of two data pipelines in front of the same step:

* icatcher: iCatcher+'s reproduce/train.py loading. The crops are first written as PNG files in
  iCatcher+'s faces/<video>/img/ layout (not timed); every window then decodes its five PNGs with PIL,
  applies ColorJitter(0.2, 0.2, 0.2, 0.05), ToTensor and Normalize per frame, in a DataLoader with
  num_workers=0, as iCatcher+ runs it;
* packed: the same per-frame ColorJitter + normalisation on tensors read straight from our packed
  arrays (crops.npy), so the difference between the two is the cost of iCatcher+'s loading alone.

The step is iCatcher+'s: fp32, CrossEntropyLoss, Adam(lr 1e-5, betas (0.9, 0.999), wd 1e-5), on the
GazeCodingModel of test/python/reference_models.py.

Usage: /usr/bin/python3 train_reference.py DATASET --arch A --batch B --steps S --threads T --pipeline icatcher|packed
Prints {"secondsPerStep": {median, min, max}, "samplesPerSecond", "steps", "pipeline"}; the first step is warm-up.

With --loader-only --workers N it times the data pipeline alone (no model): --steps batches from a
DataLoader with num_workers=N after a first one, and prints {"windowsPerSecond", "workers", "pipeline"}.
"""
import argparse
import json
import pathlib
import shutil
import statistics
import sys
import tempfile
import time

import numpy as np
import torch
import torchvision.transforms as T
from PIL import Image

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent / "test" / "python"))
import reference_models as ref  # noqa: E402
from fixtures_training import MEAN, STD, icatcher_windows  # noqa: E402

JITTER = (0.2, 0.2, 0.2, 0.05)


class Windows(torch.utils.data.Dataset):
    """LookItDataset's __getitem__: five crops, each jittered independently, and their boxes."""

    def __init__(self, root: pathlib.Path, pipeline: str, png_dir: pathlib.Path):
        manifest = json.loads((root / "manifest.json").read_text())
        self.pipeline, self.videos, self.items = pipeline, [], []
        for video in manifest["videos"]:
            if video["status"] != "done" or video["split"] != "train":
                continue
            folder = root / "videos" / video["id"]
            arrays = {name: np.load(folder / f"{name}.npy") for name in ("crops", "boxes", "frame_crop", "labels")}
            if pipeline == "icatcher":
                # iCatcher+ keeps one PNG per face crop on disk and decodes it per sample.
                img_dir = png_dir / video["id"] / "img"
                img_dir.mkdir(parents=True)
                for k, crop in enumerate(arrays["crops"]):
                    Image.fromarray(crop).save(img_dir / f"{k:05d}.png")
                arrays["img_dir"] = img_dir
            else:
                arrays["tensors"] = torch.from_numpy(arrays["crops"]).permute(0, 3, 1, 2)  # uint8 K×3×H×W
            self.videos.append(arrays)
            for start, label in zip(*icatcher_windows(arrays["frame_crop"], arrays["labels"], False, False)):
                self.items.append((len(self.videos) - 1, start, label))
        self.pil = T.Compose([T.ColorJitter(*JITTER), T.ToTensor(), T.Normalize(MEAN, STD)])
        self.jitter, self.normalize = T.ColorJitter(*JITTER), T.Normalize(MEAN, STD)

    def __len__(self):
        return len(self.items)

    def __getitem__(self, index):
        v, start, label = self.items[index]
        video = self.videos[v]
        crops = [int(video["frame_crop"][start + 2 * j]) for j in range(5)]
        if self.pipeline == "icatcher":
            images = torch.stack([self.pil(Image.open(video["img_dir"] / f"{k:05d}.png").convert("RGB")) for k in crops])
        else:
            images = torch.stack([self.normalize(self.jitter(video["tensors"][k].float() / 255)) for k in crops])
        return images, torch.from_numpy(video["boxes"][crops]), label


def time_loader(a) -> None:
    """The DataLoader alone: a first batch (worker start-up) untimed, then a.steps batches."""
    if a.threads > 0:
        torch.set_num_threads(a.threads)
    png_dir = pathlib.Path(tempfile.mkdtemp(prefix="gazecoder-faces-"))
    try:
        windows = Windows(pathlib.Path(a.dataset), a.pipeline, png_dir)
        loader = torch.utils.data.DataLoader(windows, batch_size=a.batch, shuffle=True, num_workers=a.workers, drop_last=True)
        count, batches, start = 0, 0, None
        while batches < a.steps:
            for images, _boxes, _labels in loader:
                if start is None:
                    start = time.perf_counter()
                    continue
                count += images.shape[0]
                batches += 1
                if batches == a.steps:
                    break
        seconds = time.perf_counter() - start
    finally:
        shutil.rmtree(png_dir, ignore_errors=True)
    print(json.dumps({"windowsPerSecond": count / seconds, "workers": a.workers, "pipeline": a.pipeline, "batch": a.batch,
                      "batches": batches, "torchVersion": torch.__version__}))


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("dataset")
    p.add_argument("--arch", default="regnet_y_16gf")
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--steps", type=int, default=3)
    p.add_argument("--threads", type=int, default=0)
    p.add_argument("--pipeline", choices=("icatcher", "packed"), default="icatcher")
    p.add_argument("--loader-only", action="store_true", help="time the DataLoader alone")
    p.add_argument("--workers", type=int, default=0, help="DataLoader num_workers (--loader-only)")
    a = p.parse_args()
    if a.loader_only:
        time_loader(a)
        return
    if a.threads > 0:
        torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    png_dir = pathlib.Path(tempfile.mkdtemp(prefix="gazecoder-faces-"))
    try:
        model = ref.GazeCodingModel(a.arch).train()
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-5, betas=(0.9, 0.999), weight_decay=1e-5)
        loss_fn = torch.nn.CrossEntropyLoss()
        windows = Windows(pathlib.Path(a.dataset), a.pipeline, png_dir)
        loader = torch.utils.data.DataLoader(windows, batch_size=a.batch, shuffle=True, num_workers=0, drop_last=True)
        times = []
        start = time.perf_counter()
        for step, (images, boxes, labels) in enumerate(loader):
            if step == a.steps:
                break
            optimizer.zero_grad()
            loss = loss_fn(model(images, boxes), labels)
            loss.backward()
            optimizer.step()
            loss.item()
            now = time.perf_counter()
            times.append(now - start)
            start = now
    finally:
        shutil.rmtree(png_dir, ignore_errors=True)
    if len(times) < a.steps:
        raise SystemExit(f"the dataset has windows for {len(times)} steps of {a.batch}, not {a.steps}")
    measured = times[1:] or times
    seconds = {"median": statistics.median(measured), "min": min(measured), "max": max(measured)}
    print(json.dumps({"secondsPerStep": seconds, "samplesPerSecond": a.batch / seconds["median"], "steps": len(measured), "pipeline": a.pipeline,
                      "torchVersion": torch.__version__, "threads": torch.get_num_threads()}))


if __name__ == "__main__":
    main()
