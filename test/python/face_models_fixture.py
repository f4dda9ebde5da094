"""Random face models in the layout of iCatcher+'s released files, and an archive like its model zip,
for the end-to-end tests (test/icatcher-models.test.ts): the released ones cannot be downloaded here.

Usage: face_models_fixture.py OUT_DIR VIDEO GAZE.pth
Writes OUT_DIR/Resnet50_Final.pth (RetinaFace, heads tamed on VIDEO's frames so that a few boxes a
frame score >= 0.9), OUT_DIR/face_classifier_lookit.pth (VGG16, two classes, each answered for about half of those faces), and
OUT_DIR/icatcher+_models.zip holding them and GAZE.pth as icatcher+_lookit_regnet.pth (stored: the
weights do not deflate).
"""
import pathlib
import sys
import zipfile

import cv2
import numpy as np
import torch

import fixtures_faces
import reference_faces


def main() -> None:
    out, video, gaze = pathlib.Path(sys.argv[1]), sys.argv[2], sys.argv[3]
    torch.set_num_threads(2)
    cap = cv2.VideoCapture(video)
    sample = []
    while len(sample) < 4:
        ok, frame = cap.read()
        if not ok:
            break
        sample.append(frame)
    net = fixtures_faces.random_retinaface(np.stack(sample), face_bias=-4.0)
    fixtures_faces.save_released_layout(net, out / "Resnet50_Final.pth")
    # The classifier, balanced on the faces this RetinaFace finds on the sample frames.
    crops = []
    for frame in sample:
        _, dets = reference_faces.batch_detect(net, frame[np.newaxis])
        rgb = cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)
        crops += [rgb[y : y + h, x : x + w] for x, y, w, h in reference_faces.extract_bboxes(dets[0], *frame.shape[:2]) if w > 0 and h > 0]
    if len(crops) < 2:
        raise SystemExit(f"the random RetinaFace found {len(crops)} faces on the sample frames; the tests need several")
    torch.manual_seed(3)
    classifier = reference_faces.face_classifier()
    fixtures_faces.balance_classifier(classifier, crops)
    fixtures_faces.save(out / "face_classifier_lookit.pth", classifier.state_dict())
    with zipfile.ZipFile(out / "icatcher+_models.zip", "w", compression=zipfile.ZIP_STORED) as z:
        z.write(gaze, "icatcher+_models/icatcher+_lookit_regnet.pth")
        z.write(out / "Resnet50_Final.pth", "icatcher+_models/Resnet50_Final.pth")
        z.write(out / "face_classifier_lookit.pth", "icatcher+_models/face_classifier_lookit.pth")


if __name__ == "__main__":
    main()
