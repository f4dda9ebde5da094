"""The PyTorch reference for `gazecoder test`: a checkpoint's predictions on the windows of one split of
a packed dataset, windows taken by iCatcher+'s rule (fixtures_training.icatcher_windows) and crops
transformed by torchvision's ToTensor + Normalize, the model reference_models.GazeCodingModel in eval mode.

Usage: /usr/bin/python3 check_window_predictions.py DATASET_DIR SPLIT CHECKPOINT ARCH
Prints {"videos": [...], "video": [...], "start": [...], "label": [...], "predicted": [...], "logits": [[3]...]}.
"""
import json
import pathlib
import sys

import numpy as np
import torch
import torchvision.transforms as T

import reference_models as ref
from fixtures_training import MEAN, STD, icatcher_windows


def main() -> None:
    dataset, split, checkpoint, arch = pathlib.Path(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
    torch.set_num_threads(2)
    model = ref.GazeCodingModel(arch)
    model.load_state_dict(torch.load(checkpoint), strict=True)
    model.eval()
    normalize = T.Compose([T.ToTensor(), T.Normalize(MEAN, STD)])
    manifest = json.loads((dataset / "manifest.json").read_text())
    out = {"videos": [], "video": [], "start": [], "label": []}
    images, box_windows = [], []
    for video in manifest["videos"]:
        if video["status"] != "done" or video["split"] != split:
            continue
        index = len(out["videos"])
        out["videos"].append(video["id"])
        folder = dataset / "videos" / video["id"]
        crops, boxes = np.load(folder / "crops.npy"), np.load(folder / "boxes.npy")
        frame_crop, labels = np.load(folder / "frame_crop.npy"), np.load(folder / "labels.npy")
        starts, classes = icatcher_windows(frame_crop, labels, False, False)
        for start, label in zip(starts, classes):
            chosen = [frame_crop[start + 2 * j] for j in range(5)]
            images.append(torch.stack([normalize(crops[k]) for k in chosen]))
            box_windows.append(torch.from_numpy(boxes[chosen]))
            out["video"].append(index)
            out["start"].append(int(start))
            out["label"].append(int(label))
    with torch.no_grad():
        logits = model(torch.stack(images), torch.stack(box_windows))
    out["predicted"] = logits.argmax(1).tolist()
    out["logits"] = logits.tolist()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
