"""Writes the reference fixtures for the C++ core's tests with Debian's torch/torchvision.

Usage: /usr/bin/python3 make_core_fixtures.py OUT_DIR
Every module named fixtures_*.py beside this file has make(out_dir); each writes its own files.

The fixtures (about 470 MB, mostly regnet_y_16gf weights) are made again only when what makes them
changed: OUT_DIR/.inputs-key holds a hash of the Python files beside this one and the versions of
torch, torchvision and numpy, and is written last, after every module succeeded, so an interrupted or
failed run is never taken for a complete one. GAZECODER_FIXTURES_REBUILD=1 makes them regardless.
"""
import hashlib
import importlib
from importlib import metadata
import os
import pathlib
import sys

HERE = pathlib.Path(__file__).resolve().parent
KEY_FILE = ".inputs-key"


def inputs_key() -> str:
    """What the fixtures depend on: the scripts here (fixture modules and the helpers they import) and
    the libraries whose numbers they record. Versions come from package metadata: importing torch
    would cost more than the whole up-to-date check."""
    digest = hashlib.sha256()
    for path in sorted(HERE.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    for package in ("torch", "torchvision", "numpy"):
        try:
            version = metadata.version(package)
        except metadata.PackageNotFoundError:
            version = importlib.import_module(package).__version__
        digest.update(f"{package} {version}\0".encode())
    return digest.hexdigest()


def main() -> None:
    out = pathlib.Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    key_file = out / KEY_FILE
    key = inputs_key()
    if os.environ.get("GAZECODER_FIXTURES_REBUILD") != "1" and key_file.exists() and key_file.read_text() == key:
        print(f"fixtures in {out} are up to date (inputs key {key[:12]})")
        return
    key_file.unlink(missing_ok=True)

    import torch

    torch.set_num_threads(2)
    sys.path.insert(0, str(HERE))
    for path in sorted(HERE.glob("fixtures_*.py")):
        importlib.import_module(path.stem).make(out)
    key_file.write_text(key)


if __name__ == "__main__":
    main()
