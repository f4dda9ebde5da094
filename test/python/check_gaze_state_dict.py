"""Checks a GazeCodingModel state dict written by the C++ core against the Python reference.

Usage: /usr/bin/python3 check_gaze_state_dict.py ARCH WINDOW STATE.pth IO.pth
STATE.pth must load with load_state_dict(strict=True) and list its keys in Python's order; IO.pth holds
"images" (B×N×3×H×W), "boxes" (B×N×5) and the C++ "logits" (eval mode), which must match the
reference within a relative error of 1e-5. Exits 0 when everything holds, 1 otherwise.
"""
import sys

import torch

import reference_models as ref


def main() -> int:
    arch, window, state_path, io_path = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    model = ref.GazeCodingModel(arch, window)
    state = torch.load(state_path)
    if list(state.keys()) != list(model.state_dict().keys()):
        print("state-dict keys differ from Python's order", file=sys.stderr)
        return 1
    model.load_state_dict(state, strict=True)
    model.eval()
    io = torch.load(io_path)
    with torch.no_grad():
        logits = model(io["images"], io["boxes"])
    error = ref.max_relative_error(io["logits"], logits)
    print(f"{arch} window {window}: max relative error of the C++ logits {error:.3g}")
    return 0 if error < 1e-5 else 1


if __name__ == "__main__":
    sys.exit(main())
