#!/usr/bin/env python3
"""Reader of gazecoder's packed dataset (docs/dataset-format.md), numpy only.

    from gazecoder_dataset import GazecoderDataset
    ds = GazecoderDataset("dataset")
    for video_id in ds.video_ids("train"):
        v = ds.video(video_id)                      # crops (mmap), boxes, frame_crop, labels, ...
        for t in ds.window_starts(video_id):        # iCatcher+ training windows
            crops, boxes, label = ds.sample(video_id, t)   # 5×S×S×3 uint8 RGB, 5×5 float32, int

`python3 scripts/gazecoder_dataset.py DATASET` prints a summary (videos, crops and windows per split).
"""
import json
import os
import sys

import numpy as np

FORMAT = "gazecoder-dataset"
VERSION = 1
WINDOW = 9  # frames t … t+8
STRIDE = 2  # sample frames t, t+2, …, t+8


class GazecoderDataset:
    def __init__(self, root):
        self.root = root
        path = os.path.join(root, "manifest.json")
        with open(path) as f:
            self.manifest = json.load(f)
        if self.manifest.get("format") != FORMAT:
            raise ValueError(f"{path}: format {self.manifest.get('format')!r} is not {FORMAT!r}")
        if not isinstance(self.manifest.get("version"), int) or self.manifest["version"] > VERSION:
            raise ValueError(f"{path}: dataset format version {self.manifest.get('version')} is newer than this reader ({VERSION})")
        self.entries = {v["id"]: v for v in self.manifest["videos"] if v["status"] == "done"}
        self._cache = {}

    @property
    def image_size(self):
        return self.manifest["imageSize"]

    def video_ids(self, split=None):
        """IDs of the complete videos, optionally of one split ('train', 'val', 'test')."""
        return [i for i, v in self.entries.items() if split is None or v["split"] == split]

    def video(self, video_id):
        """The arrays of one video; crops are memory-mapped."""
        if video_id not in self._cache:
            folder = os.path.join(self.root, "videos", video_id)
            arrays = {}
            for name in ("crops", "boxes", "frame_crop", "labels", "face_index", "timestamps"):
                arrays[name] = np.load(os.path.join(folder, name + ".npy"), mmap_mode="r" if name == "crops" else None)
            self._cache[video_id] = arrays
        return self._cache[video_id]

    def window_starts(self, video_id, eliminate_transitions=False, use_mutually_agreed=False):
        """Frames t where frames t … t+8 all have a crop and a coder-1 label (docs/dataset-format.md)."""
        v = self.video(video_id)
        ok = (v["frame_crop"] >= 0) & (v["labels"][:, 0] >= 0)
        starts = []
        for t in range(len(ok) - WINDOW + 1):
            if not ok[t:t + WINDOW].all():
                continue
            first = v["labels"][t:t + WINDOW, 0]
            if eliminate_transitions and not (first == first[0]).all():
                continue
            middle = t + WINDOW // 2
            if use_mutually_agreed and v["labels"][middle, 1] != v["labels"][middle, 0]:
                continue
            starts.append(t)
        return starts

    def sample(self, video_id, t):
        """Crops (5×S×S×3 uint8 RGB), boxes (5×5 float32) and the coder-1 label of the middle frame."""
        v = self.video(video_id)
        frames = range(t, t + WINDOW, STRIDE)
        index = [int(v["frame_crop"][f]) for f in frames]
        return np.asarray(v["crops"][index]), v["boxes"][index], int(v["labels"][t + WINDOW // 2, 0])

    def summary(self):
        out = {}
        for split in ("train", "val", "test"):
            ids = self.video_ids(split)
            out[split] = {
                "videos": len(ids),
                "crops": int(sum(self.video(i)["crops"].shape[0] for i in ids)),
                "windows": int(sum(len(self.window_starts(i)) for i in ids)),
            }
        return out


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: gazecoder_dataset.py DATASET")
    print(json.dumps(GazecoderDataset(sys.argv[1]).summary(), indent=2))
