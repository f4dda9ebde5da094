"""iCatcher+'s GazeCodingModel rebuilt from torchvision modules: the Python reference for the C++
core's gazecoder::GazeCodingModel (same state-dict keys in the same order, same forward).

It follows icatcherplus/icatcher_plus:src/icatcher/models.py (Encoder_box, Predictor_fc,
GazeCodingModel) with the image encoder made selectable and the window size a parameter.
Run with Debian's interpreter: /usr/bin/python3.
"""
import torch
import torch.nn.functional as F
import torchvision
from torch import nn

EMBEDDING_WIDTH = 256  # per frame, for the image and for the box
BOX_FEATURES = 5
NUM_CLASSES = 3  # away, left, right

REGNETS = tuple(
    f"regnet_{kind}_{size}"
    for kind, sizes in (
        ("y", ("400mf", "800mf", "1_6gf", "3_2gf", "8gf", "16gf", "32gf", "128gf")),
        ("x", ("400mf", "800mf", "1_6gf", "3_2gf", "8gf", "16gf", "32gf")),
    )
    for size in sizes
)
BACKBONES = REGNETS + ("resnet18", "resnet34")


def custom_regnet_from_spec(spec: str, num_classes: int = 1000) -> nn.Module:
    """A RegNet named like gazecoder's --arch regnet:depth=5,w0=16,wa=12,wm=2,group=8,se=0.25
    (native/core/include/gazecoder/models/regnet_spec.h): BlockParams.from_init_params arguments."""
    from torchvision.models.regnet import BlockParams, RegNet

    keys = {"depth": "depth", "w0": "w_0", "wa": "w_a", "wm": "w_m", "group": "group_width", "se": "se_ratio", "bottleneck": "bottleneck_multiplier"}
    values = dict(field.split("=") for field in spec[len("regnet:") :].split(","))
    kwargs = {keys[k]: (int(float(v)) if k in ("depth", "w0", "group") else float(v)) for k, v in values.items()}
    kwargs["se_ratio"] = kwargs.get("se_ratio") or None
    return RegNet(BlockParams.from_init_params(**kwargs), num_classes=num_classes)


def make_backbone(arch: str, num_classes: int = 1000) -> nn.Module:
    """A randomly initialised torchvision classifier by function name, or a custom "regnet:..." spec."""
    if arch.startswith("regnet:"):
        return custom_regnet_from_spec(arch, num_classes)
    if arch not in BACKBONES:
        raise ValueError(f"unknown architecture {arch!r}; known: {', '.join(BACKBONES)}")
    return getattr(torchvision.models, arch)(num_classes=num_classes)


class BoxEncoder(nn.Module):
    """iCatcher+'s Encoder_box."""

    def __init__(self) -> None:
        super().__init__()
        self.fc1 = nn.Linear(BOX_FEATURES, EMBEDDING_WIDTH)
        self.fc2 = nn.Linear(EMBEDDING_WIDTH, EMBEDDING_WIDTH)
        self.bn = nn.BatchNorm1d(EMBEDDING_WIDTH)
        self.dropout = nn.Dropout(0.2)

    def forward(self, boxes: torch.Tensor) -> torch.Tensor:
        return self.fc2(self.dropout(F.relu(self.bn(self.fc1(boxes)))))


class Predictor(nn.Module):
    """iCatcher+'s Predictor_fc (with boxes)."""

    def __init__(self, window: int) -> None:
        super().__init__()
        self.fc1 = nn.Linear(2 * EMBEDDING_WIDTH * window, 512)
        self.fc2 = nn.Linear(512, 512)
        self.fc3 = nn.Linear(512, NUM_CLASSES)
        self.bn1 = nn.BatchNorm1d(512)
        self.bn2 = nn.BatchNorm1d(512)
        self.dropout1 = nn.Dropout(0.2)
        self.dropout2 = nn.Dropout(0.2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.dropout1(F.relu(self.bn1(self.fc1(x.view(x.size(0), -1)))))
        x = self.dropout2(F.relu(self.bn2(self.fc2(x))))
        return self.fc3(x)


class GazeCodingModel(nn.Module):
    """imgs B×N×3×H×W and boxes B×N×5 -> B×3 logits, N = window (5 in iCatcher+)."""

    def __init__(self, arch: str = "regnet_y_16gf", window: int = 5) -> None:
        super().__init__()
        self.window = window
        self.encoder_img = make_backbone(arch, EMBEDDING_WIDTH)
        self.encoder_box = BoxEncoder()
        self.predictor = Predictor(window)

    def forward(self, imgs: torch.Tensor, boxes: torch.Tensor) -> torch.Tensor:
        n = self.window
        embedding = self.encoder_img(imgs.reshape(-1, *imgs.shape[2:])).view(-1, n, EMBEDDING_WIDTH)
        box_embedding = self.encoder_box(boxes.reshape(-1, BOX_FEATURES)).view(-1, n, EMBEDDING_WIDTH)
        return self.predictor(torch.cat([embedding, box_embedding], -1))


@torch.no_grad()
def randomize_batch_norm(model: nn.Module) -> None:
    """Non-trivial BatchNorm affine parameters and running statistics, so that eval-mode parity checks
    exercise them (a fresh model has weight 1, bias 0, mean 0, var 1)."""
    for m in model.modules():
        if isinstance(m, nn.modules.batchnorm._BatchNorm):
            m.weight.uniform_(0.5, 1.5)
            m.bias.normal_(0.0, 0.1)
            m.running_mean.normal_(0.0, 0.1)
            m.running_var.uniform_(0.5, 1.5)
            m.num_batches_tracked.fill_(7)


def max_relative_error(a: torch.Tensor, b: torch.Tensor) -> float:
    """max|a - b| / max|b|, the measure the C++ tests use too."""
    return ((a.double() - b.double()).abs().max() / b.double().abs().max()).item()
