"""Checks in Python what checkpoint_test.cpp saved from C++; exits 1 with the reasons if it differs.

Usage: /usr/bin/python3 check_checkpoint.py state_dict|training FILE

state_dict: an OrderedDict that small_model().load_state_dict(strict=True) accepts, with the values
            of filled_state() (checkpoint_test.cpp fills the C++ model the same way).
training:   {'model': <state_dict>, 'epoch': 3, ...} as written by the RoundTrip test.
"""
import collections
import pathlib
import sys

import torch

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from fixtures_checkpoint import small_model  # noqa: E402


def filled_state() -> "collections.OrderedDict[str, torch.Tensor]":
    """Entry i holds arange(numel) * 0.25 - i in the entry's shape and dtype (see fillModel in C++)."""
    state = small_model().state_dict()
    for i, (key, t) in enumerate(state.items()):
        if t.dtype == torch.int64:
            state[key] = torch.tensor(7)
        else:
            state[key] = (torch.arange(t.numel(), dtype=t.dtype) * 0.25 - i).reshape(t.shape)
    return state


def expected_tensors() -> dict:
    base = torch.arange(6, dtype=torch.float32).reshape(2, 3)
    return {
        "f64": torch.arange(6, dtype=torch.float64).reshape(2, 3) / 3,
        "i64": torch.tensor([-(2**40), 0, 2**40 + 1]),
        "i32": torch.tensor([-5, 70000], dtype=torch.int32),
        "u8": torch.tensor([0, 255], dtype=torch.uint8),
        "flags": torch.tensor([True, False, True]),
        "f16": torch.tensor([0.5, -1.25], dtype=torch.float16),
        "bf16": torch.tensor([0.5, -1.25], dtype=torch.bfloat16),
        "scalar": torch.tensor(2.5),
        "transposed": base.t(),
        "sliced": torch.arange(10, dtype=torch.float32)[3:7],
        "empty": torch.zeros(0, 3),
        "tied_a": base,
        "tied_b": base,
    }


def check_state_dict(state, problems: list) -> None:
    if type(state) is not collections.OrderedDict:
        problems.append(f"state dict is a {type(state).__name__}, not an OrderedDict")
        return
    model = small_model()
    try:
        model.load_state_dict(state, strict=True)
    except RuntimeError as e:
        problems.append(f"load_state_dict(strict=True) failed: {e}")
        return
    for key, want in filled_state().items():
        got = model.state_dict()[key]
        if got.dtype != want.dtype or not torch.equal(got, want):
            problems.append(f"{key}: {got} != {want}")


def check_training(obj, problems: list) -> None:
    check_state_dict(obj.get("model"), problems)
    plain = {"epoch": 3, "lr": 1e-5, "name": "x", "hist": [1, 2], "t": (1, "a"), "none": None,
             "big": 2**40, "neg": -(2**40) - 5, "flag": True, "unicode": "Blickrichtung \u2192 links \U0001F476",
             "ints": [0, 255, 256, 65535, 65536, -1, -(2**31), 2**31 - 1, 2**31, -(2**31) - 1, 2**63 - 1, -(2**63)]}
    for key, want in plain.items():
        got = obj.get(key, "<missing>")
        if got != want or type(got) is not type(want):
            problems.append(f"{key}: {got!r} != {want!r}")
    tensors = obj.get("tensors", {})
    for key, want in expected_tensors().items():
        got = tensors.get(key)
        if got is None or got.dtype != want.dtype or got.shape != want.shape or not torch.equal(got, want):
            problems.append(f"tensors[{key!r}]: {got!r} != {want!r}")
    if "tied_a" in tensors and "tied_b" in tensors and tensors["tied_a"].data_ptr() != tensors["tied_b"].data_ptr():
        problems.append("tensors tied_a and tied_b do not share storage")


def main() -> int:
    kind, path = sys.argv[1], sys.argv[2]
    problems: list = []
    # weights_only=True is torch's restricted loader: state dicts must need nothing more. (The one of
    # torch 1.13 lacks BINFLOAT, so it cannot read training checkpoints holding floats, even its own.)
    for weights_only in (False, True) if kind == "state_dict" else (False,):
        obj = torch.load(path, weights_only=weights_only)
        (check_state_dict if kind == "state_dict" else check_training)(obj, problems)
    for p in problems:
        print(f"{path}: {p}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
