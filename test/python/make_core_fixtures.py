"""Writes the reference fixtures for the C++ core's tests with Debian's torch/torchvision.

Usage: /usr/bin/python3 make_core_fixtures.py OUT_DIR
Every module named fixtures_*.py beside this file has make(out_dir); each writes its own files.
"""
import importlib
import pathlib
import sys

import torch


def main() -> None:
    out = pathlib.Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(2)
    here = pathlib.Path(__file__).resolve().parent
    sys.path.insert(0, str(here))
    for path in sorted(here.glob("fixtures_*.py")):
        importlib.import_module(path.stem).make(out)


if __name__ == "__main__":
    main()
