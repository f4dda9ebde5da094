"""Small packed datasets (docs/dataset-format.md) whose gaze class is visible in the
crops, for the training tests: a bright blob on the left of the face crop means "left", on the right
"right", none "away". Labels come in runs, with frames lacking a face or a label scattered in, and a
second coder who mostly agrees.

Usage: /usr/bin/python3 synthetic_dataset.py OUT_DIR [--size S] [--train-videos N] [--val-videos N]
                                                     [--frames F] [--seed S]
"""
import argparse
import json
import os
import pathlib

import numpy as np

AWAY, LEFT, RIGHT, INVALID = 0, 1, 2, -2


def crop_image(rng: np.random.Generator, label: int, size: int) -> np.ndarray:
    """size×size×3 uint8 RGB: textured skin-ish background, a blob left or right for LEFT/RIGHT."""
    image = rng.normal(110.0, 18.0, (size, size, 3)) + np.array([30.0, 10.0, 0.0])
    if label in (LEFT, RIGHT):
        y, x = np.mgrid[0:size, 0:size]
        cx = size * (0.25 if label == LEFT else 0.75) + rng.uniform(-size / 16, size / 16)
        cy = size * 0.5 + rng.uniform(-size / 8, size / 8)
        blob = np.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * (size / 9) ** 2))
        image += 130.0 * blob[..., None]
    return np.clip(image, 0, 255).astype(np.uint8)


def video_arrays(rng: np.random.Generator, frames: int, size: int, second_coder: bool) -> dict:
    labels = np.full((frames, 2), INVALID, dtype=np.int8)
    f = 0
    while f < frames:
        run = int(rng.integers(10, 40))
        labels[f : f + run, 0] = int(rng.integers(0, 3))
        f += run
    # Unannotated stretches and frames without a face break windows.
    for _ in range(max(1, frames // 80)):
        start = int(rng.integers(0, frames))
        labels[start : start + int(rng.integers(1, 4)), 0] = INVALID
    has_face = rng.random(frames) > 0.04
    if second_coder:
        labels[:, 1] = labels[:, 0]
        disagree = (rng.random(frames) < 0.1) & (labels[:, 0] >= 0)
        labels[disagree, 1] = (labels[disagree, 0] + 1) % 3
    frame_crop = np.full(frames, -1, dtype=np.int32)
    frame_crop[has_face] = np.arange(int(has_face.sum()), dtype=np.int32)
    crops = np.stack([crop_image(rng, int(max(labels[f, 0], 0)), size) for f in np.flatnonzero(has_face)])
    k = crops.shape[0]
    boxes = np.stack(
        [rng.uniform(0.05, 0.2, k), rng.uniform(0.3, 0.5, k), rng.uniform(0.4, 0.6, k), rng.uniform(0.2, 0.4, k), rng.uniform(0.15, 0.3, k)],
        axis=1,
    ).astype(np.float32)
    face_index = np.where(has_face, 0, -2).astype(np.int16)
    timestamps = np.arange(frames, dtype=np.float64) * (1000.0 / 30.0)
    return {"crops": crops, "boxes": boxes, "frame_crop": frame_crop, "labels": labels, "face_index": face_index, "timestamps": timestamps}


def write_dataset(root, size: int = 32, train_videos: int = 3, val_videos: int = 2, frames: int = 150, seed: int = 0) -> dict:
    """Writes the dataset under root; returns the manifest."""
    root = pathlib.Path(root)
    rng = np.random.default_rng(seed)
    entries = []
    for i in range(train_videos + val_videos):
        split = "train" if i < train_videos else "val"
        video_id = f"{split}-{i:02d}"
        arrays = video_arrays(rng, frames, size, second_coder=i != 0)
        folder = root / "videos" / video_id
        folder.mkdir(parents=True, exist_ok=True)
        for name, array in arrays.items():
            np.save(folder / f"{name}.npy", array)
        annotated = int((arrays["labels"][:, 0] >= 0).sum())
        entries.append({
            "id": video_id, "split": split, "childId": f"child-{i}", "status": "done", "frames": frames,
            "crops": int(arrays["crops"].shape[0]), "fps": 30, "width": 640, "height": 480,
            "source": f"videos/{video_id}.mp4",
            "stats": {"annotated": annotated, "noFace": int((arrays["frame_crop"] < 0).sum()), "used": int(arrays["crops"].shape[0])},
        })
    entries.append({"id": "broken", "split": "train", "status": "failed", "error": "videos/broken.mp4: cannot decode frame 0"})
    manifest = {
        "format": "gazecoder-dataset", "version": 1, "imageSize": size, "createdBy": "test/python/synthetic_dataset.py",
        "detector": {"name": "synthetic", "confidence": 1.0}, "faceSelection": "lowest", "videos": entries,
    }
    (root / "manifest.json").write_text(json.dumps(manifest, indent=2))
    return manifest


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--size", type=int, default=32)
    parser.add_argument("--train-videos", type=int, default=3)
    parser.add_argument("--val-videos", type=int, default=2)
    parser.add_argument("--frames", type=int, default=150)
    parser.add_argument("--seed", type=int, default=0)
    a = parser.parse_args()
    os.makedirs(a.out, exist_ok=True)
    write_dataset(a.out, a.size, a.train_videos, a.val_videos, a.frames, a.seed)


if __name__ == "__main__":
    main()
