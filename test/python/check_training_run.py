"""Checks a gazecoder training run folder against the Python reference:

* best.pth strict-loads into reference_models.GazeCodingModel(ARCH), and so does last.pth's "model";
* evaluated in PyTorch (eval mode) on the dataset's validation windows, taken by iCatcher+'s rule and
  transformed by torchvision's ToTensor + Normalize, best.pth gives this loss and accuracy.

Usage: /usr/bin/python3 check_training_run.py DATASET_DIR RUN_DIR ARCH
Prints {"valLoss": ..., "valAccuracy": ..., "valWindows": ...} as JSON.
"""
import json
import pathlib
import sys

import numpy as np
import torch
import torch.nn.functional as F
import torchvision.transforms as T

import reference_models as ref
from fixtures_training import MEAN, STD, icatcher_windows


def val_windows(dataset: pathlib.Path):
    manifest = json.loads((dataset / "manifest.json").read_text())
    normalize = T.Compose([T.ToTensor(), T.Normalize(MEAN, STD)])
    for video in manifest["videos"]:
        if video["status"] != "done" or video["split"] != "val":
            continue
        folder = dataset / "videos" / video["id"]
        crops, boxes = np.load(folder / "crops.npy"), np.load(folder / "boxes.npy")
        frame_crop, labels = np.load(folder / "frame_crop.npy"), np.load(folder / "labels.npy")
        for start, label in zip(*icatcher_windows(frame_crop, labels, False, False)):
            chosen = [frame_crop[start + 2 * j] for j in range(5)]
            yield torch.stack([normalize(crops[k]) for k in chosen]), torch.from_numpy(boxes[chosen]), label


def main() -> None:
    dataset, run, arch = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2]), sys.argv[3]
    torch.set_num_threads(2)
    model = ref.GazeCodingModel(arch)
    model.load_state_dict(torch.load(run / "last.pth")["model"], strict=True)
    model.load_state_dict(torch.load(run / "best.pth"), strict=True)
    model.eval()
    windows = list(val_windows(dataset))
    images = torch.stack([w[0] for w in windows])
    boxes = torch.stack([w[1] for w in windows])
    labels = torch.tensor([w[2] for w in windows])
    with torch.no_grad():
        logits = model(images, boxes)
    print(json.dumps({
        "valLoss": F.cross_entropy(logits, labels).item(),
        "valAccuracy": (logits.argmax(1) == labels).double().mean().item(),
        "valWindows": len(windows),
    }))


if __name__ == "__main__":
    main()
