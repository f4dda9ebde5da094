"""The reference for `scripts/bench-train.mjs`: iCatcher+'s training loop in PyTorch (reproduce/train.py
defaults): per-window PIL ColorJitter + ToTensor + Normalize in a DataLoader with num_workers=0, fp32,
Adam(lr 1e-5, wd 1e-5), CrossEntropyLoss, on the GazeCodingModel of test/python/reference_models.py.

Usage: /usr/bin/python3 bench_train_reference.py DATASET ARCH BATCH STEPS THREADS
Prints {"secondsPerStep": ..., "samplesPerSecond": ...} over the steps after the first (warm-up).
"""
import json
import pathlib
import sys
import time

import numpy as np
import torch
import torchvision.transforms as T
from PIL import Image

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "test" / "python"))
import reference_models as ref  # noqa: E402
from fixtures_training import MEAN, STD, icatcher_windows  # noqa: E402


class Windows(torch.utils.data.Dataset):
    """LookItDataset's __getitem__: five PIL crops, each jittered independently, and their boxes."""

    def __init__(self, root: pathlib.Path):
        manifest = json.loads((root / "manifest.json").read_text())
        self.videos, self.items = [], []
        for video in manifest["videos"]:
            if video["status"] != "done" or video["split"] != "train":
                continue
            folder = root / "videos" / video["id"]
            arrays = {name: np.load(folder / f"{name}.npy") for name in ("crops", "boxes", "frame_crop", "labels")}
            self.videos.append(arrays)
            for start, label in zip(*icatcher_windows(arrays["frame_crop"], arrays["labels"], False, False)):
                self.items.append((len(self.videos) - 1, start, label))
        self.transform = T.Compose([T.ColorJitter(0.2, 0.2, 0.2, 0.05), T.ToTensor(), T.Normalize(MEAN, STD)])

    def __len__(self):
        return len(self.items)

    def __getitem__(self, index):
        v, start, label = self.items[index]
        video = self.videos[v]
        crops = [video["frame_crop"][start + 2 * j] for j in range(5)]
        images = torch.stack([self.transform(Image.fromarray(video["crops"][k])) for k in crops])
        return images, torch.from_numpy(video["boxes"][crops]), label


def main() -> None:
    root, arch, batch, steps, threads = pathlib.Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = ref.GazeCodingModel(arch).train()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-5, betas=(0.9, 0.999), weight_decay=1e-5)
    loss_fn = torch.nn.CrossEntropyLoss()
    loader = torch.utils.data.DataLoader(Windows(root), batch_size=batch, shuffle=True, num_workers=0, drop_last=True)
    times = []
    start = time.perf_counter()
    for step, (images, boxes, labels) in enumerate(loader):
        if step == steps:
            break
        optimizer.zero_grad()
        loss = loss_fn(model(images, boxes), labels)
        loss.backward()
        optimizer.step()
        loss.item()
        now = time.perf_counter()
        times.append(now - start)
        start = now
    measured = times[1:] or times
    seconds = sum(measured) / len(measured)
    print(json.dumps({"secondsPerStep": seconds, "samplesPerSecond": batch / seconds, "steps": len(times)}))


if __name__ == "__main__":
    main()
