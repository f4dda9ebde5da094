"""iCatcher+'s face models as it runs them: the Python reference for the C++ core's gazecoder::RetinaFace
and gazecoder::InfantFaceClassifier (native/core/include/gazecoder/faces/).

* RetinaFace: batch_face's network with its ResNet-50 config (cfg_re50) and the path iCatcher+'s CLI
  takes for a frame, ``RetinaFace(network="resnet50")(frame)`` -> ``batch_detect`` (elliottzheng/batch-face,
  batch_face/face_detection/alignment.py: RetinaFace, FPN, SSH, the heads, PriorBox, decode, decode_landm,
  py_cpu_nms, post_process), then iCatcher+'s ``score >= threshold`` and ``extract_bboxes``
  (icatcherplus/icatcher_plus:src/icatcher/face_detector.py). Written again here, op for op, because
  batch_face cannot be installed where the tests run (no PyPI).
* The infant-face classifier: torchvision's vgg16(num_classes=2) with iCatcher+'s "val" transform and
  select_face's classifier branch (src/icatcher/models.py: init_face_classifier, get_fc_data_transforms;
  src/icatcher/cli.py: select_face).

Run with Debian's interpreter: /usr/bin/python3.
"""
from itertools import product
from math import ceil

import numpy as np
import torch
import torch.nn.functional as F
import torchvision
import torchvision.models._utils as tv_utils
from torch import nn
from torchvision import transforms

MIN_SIZES = [[16, 32], [64, 128], [256, 512]]
STEPS = [8, 16, 32]
VARIANCE = [0.1, 0.2]
MEAN_BGR = [104, 117, 123]


def conv_bn(inp, oup, stride=1, leaky=0.0):
    return nn.Sequential(nn.Conv2d(inp, oup, 3, stride, 1, bias=False), nn.BatchNorm2d(oup), nn.LeakyReLU(negative_slope=leaky, inplace=True))


def conv_bn_no_relu(inp, oup, stride):
    return nn.Sequential(nn.Conv2d(inp, oup, 3, stride, 1, bias=False), nn.BatchNorm2d(oup))


def conv_bn1x1(inp, oup, stride, leaky=0.0):
    return nn.Sequential(nn.Conv2d(inp, oup, 1, stride, padding=0, bias=False), nn.BatchNorm2d(oup), nn.LeakyReLU(negative_slope=leaky, inplace=True))


class SSH(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        leaky = 0.1 if cout <= 64 else 0.0
        self.conv3X3 = conv_bn_no_relu(cin, cout // 2, stride=1)
        self.conv5X5_1 = conv_bn(cin, cout // 4, stride=1, leaky=leaky)
        self.conv5X5_2 = conv_bn_no_relu(cout // 4, cout // 4, stride=1)
        self.conv7X7_2 = conv_bn(cout // 4, cout // 4, stride=1, leaky=leaky)
        self.conv7x7_3 = conv_bn_no_relu(cout // 4, cout // 4, stride=1)

    def forward(self, x):
        a = self.conv3X3(x)
        b1 = self.conv5X5_1(x)
        b = self.conv5X5_2(b1)
        c = self.conv7x7_3(self.conv7X7_2(b1))
        return F.relu(torch.cat([a, b, c], dim=1))


class FPN(nn.Module):
    def __init__(self, in_channels_list, cout):
        super().__init__()
        leaky = 0.1 if cout <= 64 else 0.0
        self.output1 = conv_bn1x1(in_channels_list[0], cout, stride=1, leaky=leaky)
        self.output2 = conv_bn1x1(in_channels_list[1], cout, stride=1, leaky=leaky)
        self.output3 = conv_bn1x1(in_channels_list[2], cout, stride=1, leaky=leaky)
        self.merge1 = conv_bn(cout, cout, leaky=leaky)
        self.merge2 = conv_bn(cout, cout, leaky=leaky)

    def forward(self, x):
        x = list(x.values())
        o1, o2, o3 = self.output1(x[0]), self.output2(x[1]), self.output3(x[2])
        o2 = self.merge2(o2 + F.interpolate(o3, size=[o2.size(2), o2.size(3)], mode="nearest"))
        o1 = self.merge1(o1 + F.interpolate(o2, size=[o1.size(2), o1.size(3)], mode="nearest"))
        return [o1, o2, o3]


class Head(nn.Module):
    def __init__(self, cin, anchors, k):
        super().__init__()
        self.k = k
        self.conv1x1 = nn.Conv2d(cin, anchors * k, kernel_size=(1, 1), stride=1, padding=0)

    def forward(self, x):
        out = self.conv1x1(x).permute(0, 2, 3, 1).contiguous()
        return out.view(out.shape[0], -1, self.k)


class RetinaFace(nn.Module):
    """cfg_re50: torchvision resnet50 body (layer2..4), 256 channels, 2 anchors per position."""

    def __init__(self):
        super().__init__()
        self.body = tv_utils.IntermediateLayerGetter(torchvision.models.resnet50(), {"layer2": 1, "layer3": 2, "layer4": 3})
        self.fpn = FPN([512, 1024, 2048], 256)
        self.ssh1, self.ssh2, self.ssh3 = SSH(256, 256), SSH(256, 256), SSH(256, 256)
        self.ClassHead = nn.ModuleList([Head(256, 2, 2) for _ in range(3)])
        self.BboxHead = nn.ModuleList([Head(256, 2, 4) for _ in range(3)])
        self.LandmarkHead = nn.ModuleList([Head(256, 2, 10) for _ in range(3)])

    def forward(self, x):
        fpn = self.fpn(self.body(x))
        features = [self.ssh1(fpn[0]), self.ssh2(fpn[1]), self.ssh3(fpn[2])]
        loc = torch.cat([self.BboxHead[i](f) for i, f in enumerate(features)], dim=1)
        conf = torch.cat([self.ClassHead[i](f) for i, f in enumerate(features)], dim=1)
        landms = torch.cat([self.LandmarkHead[i](f) for i, f in enumerate(features)], dim=1)
        return loc, F.softmax(conf, dim=-1), landms


def priors(height, width):
    anchors = []
    for k, step in enumerate(STEPS):
        for i, j in product(range(ceil(height / step)), range(ceil(width / step))):
            for min_size in MIN_SIZES[k]:
                anchors += [(j + 0.5) * step / width, (i + 0.5) * step / height, min_size / width, min_size / height]
    return torch.Tensor(anchors).view(-1, 4)


def decode(loc, pri):
    boxes = torch.cat((pri[:, :2] + loc[:, :2] * VARIANCE[0] * pri[:, 2:], pri[:, 2:] * torch.exp(loc[:, 2:] * VARIANCE[1])), 1)
    boxes[:, :2] -= boxes[:, 2:] / 2
    boxes[:, 2:] += boxes[:, :2]
    return boxes


def decode_landm(pre, pri):
    return torch.cat([pri[:, :2] + pre[:, 2 * k : 2 * k + 2] * VARIANCE[0] * pri[:, 2:] for k in range(5)], dim=1)


def py_cpu_nms(dets, thresh):
    x1, y1, x2, y2, scores = dets[:, 0], dets[:, 1], dets[:, 2], dets[:, 3], dets[:, 4]
    areas = (x2 - x1 + 1) * (y2 - y1 + 1)
    order = scores.argsort()[::-1]
    keep = []
    while order.size > 0:
        i = order[0]
        keep.append(i)
        xx1 = np.maximum(x1[i], x1[order[1:]])
        yy1 = np.maximum(y1[i], y1[order[1:]])
        xx2 = np.minimum(x2[i], x2[order[1:]])
        yy2 = np.minimum(y2[i], y2[order[1:]])
        w = np.maximum(0.0, xx2 - xx1 + 1)
        h = np.maximum(0.0, yy2 - yy1 + 1)
        inter = w * h
        ovr = inter / (areas[i] + areas[order[1:]] - inter)
        order = order[np.where(ovr <= thresh)[0] + 1]
    return keep


def post_process(loc, conf, landms, pri, scale, scale1, threshold=0.5, top_k=5000, nms_threshold=0.4, keep_top_k=750):
    """One image's detections as batch_face's post_process gives them: rows of x1, y1, x2, y2, score, 10 landmark coordinates."""
    boxes = (decode(loc, pri) * scale / 1).cpu().numpy()
    scores = conf.cpu().numpy()[:, 1]
    lm = (decode_landm(landms, pri) * scale1 / 1).cpu().numpy()
    inds = np.where(scores > threshold)[0]
    boxes, lm, scores = boxes[inds], lm[inds], scores[inds]
    order = scores.argsort()[::-1][:top_k]
    boxes, lm, scores = boxes[order], lm[order], scores[order]
    dets = np.hstack((boxes, scores[:, np.newaxis])).astype(np.float32, copy=False)
    keep = py_cpu_nms(dets, nms_threshold)
    dets, lm = dets[keep, :][:keep_top_k, :], lm[keep][:keep_top_k, :]
    dets = np.concatenate((dets, lm), axis=1)
    return sorted(dets, key=lambda x: x[4], reverse=True)


@torch.no_grad()
def batch_detect(net, frames_bgr: np.ndarray, threshold=0.5, device="cpu"):
    """batch_face's batch_detect (resize 1, cv False, float32): frames N×H×W×3 uint8 BGR -> (raw outputs, detections per frame)."""
    img = torch.from_numpy(np.float32(frames_bgr)).to(device)
    img = img.permute(0, 3, 1, 2)
    img -= torch.as_tensor(MEAN_BGR, dtype=img.dtype, device=img.device).view(1, 3, 1, 1)
    _, _, h, w = img.shape
    scale = torch.as_tensor([w, h, w, h], dtype=img.dtype, device=img.device)
    loc, conf, landms = net(img)
    pri = priors(h, w).to(device)
    scale1 = torch.as_tensor([w, h] * 5, dtype=img.dtype, device=img.device)
    dets = [post_process(l, c, m, pri, scale, scale1, threshold) for l, c, m in zip(loc, conf, landms)]
    return (loc, conf, landms), dets


def extract_bboxes(dets, frame_height, frame_width, confidence=0.9):
    """iCatcher+: keep score >= confidence, then extract_bboxes' clamping and integer [x, y, w, h]."""
    out = []
    for det in dets:
        if det[4] < confidence:
            continue
        bbox = det[:4].copy()
        bbox[0] = max(bbox[0], 0)
        bbox[1] = max(bbox[1], 0)
        if bbox[0] >= frame_width or bbox[1] >= frame_height:
            continue
        bbox[2] = min(bbox[2], frame_width)
        bbox[3] = min(bbox[3], frame_height)
        bbox[2] -= bbox[0]
        bbox[3] -= bbox[1]
        out.append(bbox.astype(int).tolist())
    return out


def face_classifier():
    model = torchvision.models.vgg16(num_classes=2)
    model.classifier[6] = nn.Linear(model.classifier[6].in_features, 2)
    return model


FC_TRANSFORM = transforms.Compose(
    [
        transforms.ToTensor(),
        transforms.Resize((100, 100), antialias=True),
        transforms.CenterCrop(100),
        transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225]),
    ]
)


@torch.no_grad()
def classify_faces(model, crops_rgb):
    """select_face's classifier branch up to the predictions: (inputs, logits, labels)."""
    faces = torch.stack([FC_TRANSFORM(crop) for crop in crops_rgb])
    output = model(faces)
    _, preds = torch.max(output, 1)
    return faces, output, preds
