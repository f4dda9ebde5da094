"""Checkpoint fixtures for native/core/tests/checkpoint_test.cpp, written under OUT_DIR/checkpoint.

model.pth etc. hold the state of small_model(); dtypes.pth a module whose buffers cover the dtypes,
0-d tensors and views that torch.save produces. *.expected.txt describe tensors for the C++ side,
one per line: key, c10 dtype name, shape (comma-separated, '-' for 0-d), values as doubles.
"""
import collections
import os
import pathlib
import zipfile

import numpy as np
import torch
from torch import nn

C10_NAMES = {
    torch.float32: "Float",
    torch.float64: "Double",
    torch.float16: "Half",
    torch.bfloat16: "BFloat16",
    torch.int64: "Long",
    torch.int32: "Int",
    torch.uint8: "Byte",
    torch.bool: "Bool",
}


def small_model() -> nn.Module:
    """Mirrored in checkpoint_test.cpp (smallModel) and check_checkpoint.py."""
    return nn.Sequential(nn.Linear(4, 3), nn.BatchNorm1d(3), nn.ReLU(), nn.Linear(3, 2))


class Mixed(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.net = nn.Linear(2, 2)
        self.register_buffer("f64", torch.arange(6, dtype=torch.float64).reshape(2, 3) / 3)
        self.register_buffer("i64", torch.tensor([-(2**40), -1, 0, 7, 2**40 + 1]))
        self.register_buffer("i32", torch.tensor([-5, 70000], dtype=torch.int32))
        self.register_buffer("u8", torch.tensor([0, 255], dtype=torch.uint8))
        self.register_buffer("flags", torch.tensor([True, False, True]))
        self.register_buffer("f16", torch.tensor([0.5, -1.25, 1000.0], dtype=torch.float16))
        self.register_buffer("bf16", torch.tensor([0.5, -1.25, 3.0], dtype=torch.bfloat16))
        self.register_buffer("scalar", torch.tensor(2.5))
        self.register_buffer("scalar_long", torch.tensor(-3))
        self.register_buffer("empty", torch.zeros(0, 3))
        # Views of one storage: torch.save writes the storage once.
        base = torch.arange(12, dtype=torch.float32).reshape(3, 4)
        self.register_buffer("base", base)
        self.register_buffer("base_t", base.t())
        self.register_buffer("tail", base.view(-1)[5:9])


def write_expected(path: pathlib.Path, tensors: dict) -> None:
    lines = []
    for key, t in tensors.items():
        shape = ",".join(str(d) for d in t.shape) or "-"
        values = " ".join(repr(float(v)) for v in t.detach().double().flatten().tolist())
        lines.append(f"{key}\t{C10_NAMES[t.dtype]}\t{shape}\t{values}")
    path.write_text("\n".join(lines) + "\n")


def rewrite_zip(src: pathlib.Path, dst: pathlib.Path, drop_suffix: str = "", pkl_bytes: int = -1) -> None:
    """Copies a torch.save archive, leaving out a record or cutting data.pkl short."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_STORED) as zout:
        for info in zin.infolist():
            if drop_suffix and info.filename.endswith(drop_suffix):
                continue
            data = zin.read(info)
            if info.filename.endswith("/data.pkl") and pkl_bytes >= 0:
                data = data[:pkl_bytes]
            zout.writestr(info.filename, data)


class RunsCode:
    def __reduce__(self):
        return (os.system, ("echo gazecoder-must-not-run",))


def make(out_dir: pathlib.Path) -> None:
    out = out_dir / "checkpoint"
    out.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(0)

    model = small_model()
    model.train()
    model(torch.randn(8, 4))  # running statistics and num_batches_tracked move off their defaults
    model.eval()
    state = model.state_dict()
    torch.save(state, out / "model.pth")
    write_expected(out / "model.expected.txt", state)
    x = torch.randn(5, 4)
    with torch.no_grad():
        torch.save({"input": x, "output": model(x)}, out / "model_io.pth")
    torch.save(collections.OrderedDict(("module." + k, v) for k, v in state.items()), out / "model_ddp.pth")
    torch.save(
        {"model": state, "epoch": 3, "lr": 1e-5, "name": "x", "hist": [1, 2], "t": (1, "a"), "none": None,
         "big": 2**40, "neg": -7, "flag": True},
        out / "training.pth",
    )
    torch.save(state, out / "model_protocol4.pth", pickle_protocol=4)
    torch.save(state, out / "legacy.pth", _use_new_zipfile_serialization=False)

    mixed = Mixed().state_dict()
    torch.save(mixed, out / "dtypes.pth")
    write_expected(out / "dtypes.expected.txt", mixed)

    torch.save({"weights": torch.zeros(2), "payload": RunsCode()}, out / "forbidden_os_system.pth")
    torch.save({"weights": np.arange(3)}, out / "forbidden_numpy.pth")
    torch.save({"model": nn.Linear(2, 2)}, out / "forbidden_module.pth")

    data = (out / "model.pth").read_bytes()
    (out / "truncated.pth").write_bytes(data[: len(data) // 2])
    (out / "not_zip.pth").write_text("this is not a checkpoint\n")
    (out / "empty.pth").write_bytes(b"")
    rewrite_zip(out / "model.pth", out / "missing_record.pth", drop_suffix="/data/0")
    rewrite_zip(out / "model.pth", out / "truncated_pickle.pth", pkl_bytes=100)
