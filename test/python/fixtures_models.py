"""Fixtures for native/core/tests/models_test.cpp, written under OUT_DIR/models/:

* structure.json: for every torchvision backbone (1000 classes), some tiny custom RegNets and two
  GazeCodingModels: parameter count, BlockParams (RegNets) and the state-dict entries in order.
* init_<name>.pth: state dicts right after construction with torch.manual_seed(0) (LibTorch draws the
  same numbers when it builds the modules in the same order).
* forward_<arch>_{weights,io}.pth: random weights, inputs, eval- and train-mode outputs and the
  running statistics after the train-mode forward.
* grad_tiny_{weights,io}.pth: gradients of a fixed loss for a tiny custom RegNet.
* gaze_regnet_y_400mf_{weights,io}.pth: GazeCodingModel outputs in eval mode.
"""
import contextlib
import json
import pathlib

import torch
from torch import nn
import torchvision.models.regnet as regnet_module
from torchvision.models.regnet import BlockParams, RegNet

import reference_models as ref

# Tiny RegNets for the tests (the arguments of BlockParams.from_init_params).
CUSTOM_REGNETS = {
    "tiny": dict(depth=5, w_0=16, w_a=12.0, w_m=2.0, group_width=8, se_ratio=0.25),
    "tiny_x_bottleneck": dict(depth=6, w_0=24, w_a=9.5, w_m=1.7, group_width=12, bottleneck_multiplier=0.5),
    "tiny_odd_se": dict(depth=4, w_0=8, w_a=21.0, w_m=2.6, group_width=4, bottleneck_multiplier=2.0, se_ratio=0.3),
}


def custom_regnet(name: str, num_classes: int = 1000) -> RegNet:
    return RegNet(BlockParams.from_init_params(**CUSTOM_REGNETS[name]), num_classes=num_classes)


@contextlib.contextmanager
def no_init():
    """Skips the random initialisation (the structure does not need it; regnet_y_128gf has 644 M
    parameters): untouched torch.empty storage costs no time."""
    init = nn.init
    names = ["normal_", "uniform_", "kaiming_uniform_", "kaiming_normal_", "ones_", "zeros_", "constant_"]
    saved = {name: getattr(init, name) for name in names}
    for name in names:
        setattr(init, name, lambda tensor, *args, **kwargs: tensor)
    try:
        yield
    finally:
        for name, fn in saved.items():
            setattr(init, name, fn)


def entries(model: nn.Module) -> list:
    return [[k, list(v.shape), str(v.dtype).replace("torch.", "")] for k, v in model.state_dict().items()]


def block_params(params: BlockParams) -> dict:
    return {
        "depths": params.depths,
        "widths": params.widths,
        "group_widths": params.group_widths,
        "bottleneck_multipliers": params.bottleneck_multipliers,
        "strides": params.strides,
        "se_ratio": params.se_ratio or 0,
    }


def torchvision_block_params(arch: str) -> BlockParams:
    """The BlockParams a torchvision builder makes (its arguments live in the function body)."""
    build = regnet_module._regnet
    regnet_module._regnet = lambda params, *args, **kwargs: params
    try:
        return getattr(regnet_module, arch)()
    finally:
        regnet_module._regnet = build


def structure() -> dict:
    out = {}
    with no_init():
        for arch in ref.BACKBONES:
            model = ref.make_backbone(arch)
            item = {"num_params": sum(p.numel() for p in model.parameters()), "state_dict": entries(model)}
            if arch in ref.REGNETS:
                item["block_params"] = block_params(torchvision_block_params(arch))
            out[arch] = item
        for name, params in CUSTOM_REGNETS.items():
            model = custom_regnet(name)
            out[name] = {
                "params": params,
                "num_params": sum(p.numel() for p in model.parameters()),
                "block_params": block_params(BlockParams.from_init_params(**params)),
                "state_dict": entries(model),
            }
        for arch in ("regnet_y_16gf", "resnet18"):
            model = ref.GazeCodingModel(arch)
            out["gaze:" + arch] = {
                "num_params": sum(p.numel() for p in model.parameters()),
                "state_dict": entries(model),
            }
    return out


def save(path: pathlib.Path, tensors: dict) -> None:
    # A plain dict: LibTorch's own pickle reader accepts only plain dicts.
    torch.save({k: v.detach().clone().contiguous() for k, v in tensors.items()}, str(path))


def running_stats(model: nn.Module, prefix: str) -> dict:
    return {
        f"{prefix}.{k}": v.clone()
        for k, v in model.state_dict().items()
        if k.endswith(("running_mean", "running_var", "num_batches_tracked"))
    }


def forward_fixture(out: pathlib.Path, arch: str) -> None:
    torch.manual_seed(1)
    model = ref.make_backbone(arch)
    ref.randomize_batch_norm(model)
    with torch.no_grad():
        model.fc.bias.normal_(0.0, 0.1)
    weights = {k: v.clone() for k, v in model.state_dict().items()}
    save(out / f"forward_{arch}_weights.pth", weights)
    io = {"x100": torch.randn(2, 3, 100, 100), "x224": torch.randn(1, 3, 224, 224)}
    with torch.no_grad():
        for name in ("x100", "x224"):
            model.load_state_dict(weights)
            model.eval()
            io[f"eval_{name}"] = model(io[name])
            model.train()
            io[f"train_{name}"] = model(io[name])
            io.update(running_stats(model, f"after_{name}"))
    save(out / f"forward_{arch}_io.pth", io)


def grad_fixture(out: pathlib.Path) -> None:
    torch.manual_seed(2)
    model = custom_regnet("tiny", num_classes=10)
    ref.randomize_batch_norm(model)
    save(out / "grad_tiny_weights.pth", model.state_dict())
    io = {"x": torch.randn(4, 3, 32, 32), "loss_weights": torch.randn(4, 10)}
    model.train()
    io["out"] = model(io["x"])
    (io["out"] * io["loss_weights"]).sum().backward()
    io.update({f"grad.{k}": p.grad for k, p in model.named_parameters()})
    save(out / "grad_tiny_io.pth", io)


def gaze_fixture(out: pathlib.Path, arch: str) -> None:
    torch.manual_seed(3)
    model = ref.GazeCodingModel(arch, window=5)
    ref.randomize_batch_norm(model)
    save(out / f"gaze_{arch}_weights.pth", model.state_dict())
    io = {"images": torch.randn(2, 5, 3, 100, 100), "boxes": torch.rand(2, 5, 5)}
    model.eval()
    with torch.no_grad():
        io["logits"] = model(io["images"], io["boxes"])
    save(out / f"gaze_{arch}_io.pth", io)


def init_fixture(out: pathlib.Path) -> None:
    builders = {
        "regnet_y_400mf": lambda: ref.make_backbone("regnet_y_400mf"),
        "regnet_x_400mf": lambda: ref.make_backbone("regnet_x_400mf"),
        "resnet18": lambda: ref.make_backbone("resnet18"),
        "gaze_regnet_y_400mf": lambda: ref.GazeCodingModel("regnet_y_400mf", window=5),
    }
    for name, build in builders.items():
        torch.manual_seed(0)
        save(out / f"init_{name}.pth", build().state_dict())


def make(out_dir: pathlib.Path) -> None:
    out = out_dir / "models"
    out.mkdir(parents=True, exist_ok=True)
    (out / "structure.json").write_text(json.dumps(structure()))
    init_fixture(out)
    for arch in ("regnet_y_16gf", "regnet_y_400mf"):
        forward_fixture(out, arch)
    grad_fixture(out)
    gaze_fixture(out, "regnet_y_400mf")


if __name__ == "__main__":
    import sys

    torch.set_num_threads(2)
    make(pathlib.Path(sys.argv[1]))
