"""The PyTorch side of the end-to-end model tests (test/model.test.ts): writes reference weights,
inputs and outputs, and checks weights saved by gazecoder with strict loading.

Usage (Debian's interpreter, /usr/bin/python3):
  model_cli_reference.py make-gaze ARCH WINDOW OUT_DIR       weights.pth images.npy boxes.npy expected.npy
  model_cli_reference.py make-backbone ARCH CLASSES OUT_DIR  weights.pth images.npy expected_{eval,train}.npy
  model_cli_reference.py check-gaze ARCH WINDOW WEIGHTS IMAGES BOXES OUTPUT
      strict-loads WEIGHTS into the reference model and checks that its output equals OUTPUT.
"""
import pathlib
import sys

import numpy as np
import torch

import reference_models as ref

TOLERANCE = 1e-5


def save_npy(path: pathlib.Path, tensor: torch.Tensor) -> None:
    np.save(path, tensor.detach().numpy().astype(np.float32))


def gaze_inputs(window: int) -> tuple:
    images = torch.randn(2, window, 3, 100, 100)
    boxes = torch.rand(2, window, 5)
    return images, boxes


def make_gaze(arch: str, window: str, out: str) -> None:
    torch.manual_seed(1)
    out_dir = pathlib.Path(out)
    model = ref.GazeCodingModel(arch, int(window))
    ref.randomize_batch_norm(model)
    model.eval()
    images, boxes = gaze_inputs(int(window))
    with torch.no_grad():
        expected = model(images, boxes)
    torch.save(model.state_dict(), out_dir / "weights.pth")
    save_npy(out_dir / "images.npy", images)
    save_npy(out_dir / "boxes.npy", boxes)
    save_npy(out_dir / "expected.npy", expected)


def make_backbone(arch: str, classes: str, out: str) -> None:
    torch.manual_seed(2)
    out_dir = pathlib.Path(out)
    model = ref.make_backbone(arch, int(classes))
    ref.randomize_batch_norm(model)
    images = torch.randn(2, 3, 100, 100)
    with torch.no_grad():
        torch.save(model.state_dict(), out_dir / "weights.pth")
        save_npy(out_dir / "expected_eval.npy", model.eval()(images))
        save_npy(out_dir / "expected_train.npy", model.train()(images))
    save_npy(out_dir / "images.npy", images)


def check_gaze(arch: str, window: str, weights: str, images: str, boxes: str, output: str) -> None:
    model = ref.GazeCodingModel(arch, int(window))
    model.load_state_dict(torch.load(weights), strict=True)
    model.eval()
    with torch.no_grad():
        expected = model(torch.from_numpy(np.load(images)), torch.from_numpy(np.load(boxes)))
    error = ref.max_relative_error(torch.from_numpy(np.load(output)), expected)
    print(f"max relative error {error:.3g}")
    if not error < TOLERANCE:
        sys.exit(f"outputs differ: max relative error {error} >= {TOLERANCE}")


if __name__ == "__main__":
    torch.set_num_threads(2)
    commands = {"make-gaze": make_gaze, "make-backbone": make_backbone, "check-gaze": check_gaze}
    commands[sys.argv[1]](*sys.argv[2:])
