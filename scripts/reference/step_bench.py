"""The training step of iCatcher+'s GazeCodingModel, ours (native/bench's gazecoder_step_bench) against
reference PyTorch, for one configuration, in one run:

1. builds the reference model (test/python/reference_models.py, torchvision's RegNet) from a seed and
   writes its weights and one batch (random crops, boxes, labels) for the C++ side;
2. parity: one reference step from those weights on that batch, dropout off (its masks cannot match
   across libraries), whose loss and parameters after the step go to a file that the C++ benchmark
   compares with its own step from the same weights and batch;
3. timing: warm-up and repeated steps on each side (forward + backward + Adam as iCatcher+ trains:
   lr 1e-5, betas (0.9, 0.999), weight decay 1e-5; autocast and channels_last as configured).

Prints one JSON object: {"config", "ours", "reference", "ratio" (ours ÷ reference samples/s), "parity"}.
--table FILE.jsonl prints the Markdown table of such lines (scripts/gpu-check.sh).
Run with a Python that has torch and torchvision (here /usr/bin/python3).
"""
import argparse
import json
import math
import pathlib
import resource
import statistics
import subprocess
import sys
import tempfile
import time

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent / "test" / "python"))

# A RegNet-Y small enough for tests and --quick (the C++ tests' tiny spec).
TINY_ARCH = "regnet:depth=3,w0=16,wa=8,wm=2,group=8,se=0.25"
LOSS_TOLERANCE = 1e-4
PARAM_TOLERANCE = 1e-4
GRAD_TOLERANCE = 1e-4  # relative to the largest gradient


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--bench-exe", help="path of gazecoder_step_bench")
    p.add_argument("--arch", default="regnet_y_16gf")
    p.add_argument("--batch", type=int, default=64, help="windows per step (5 crops each)")
    p.add_argument("--window", type=int, default=5)
    p.add_argument("--image-size", type=int, default=100)
    p.add_argument("--amp", choices=("off", "fp16", "bf16"), default="off")
    p.add_argument("--channels-last", type=int, choices=(0, 1), default=0)
    p.add_argument("--cuda-graphs", type=int, choices=(0, 1), default=0)
    p.add_argument("--device", default="cpu")
    p.add_argument("--threads", type=int, default=0, help="intra-op threads on both sides (0: one per core)")
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--quick", action="store_true", help="tiny RegNet, batch 4, 1 warm-up and 2 timed steps")
    p.add_argument("--no-parity", action="store_true")
    p.add_argument("--shared-frames", type=int, default=1,
                   help="our side runs the shared-frame step (clips of K windows, each frame encoded once) "
                        "against the reference's per-window step on the same number of windows; no parity")
    p.add_argument("--check", action="store_true", help="exit 1 unless fp32 parity is within tolerance")
    p.add_argument("--table", metavar="FILE.jsonl", help="print the Markdown table of earlier results and exit")
    a = p.parse_args(argv)
    if a.quick:
        a.arch, a.batch, a.warmup, a.repeats = TINY_ARCH, 4, 1, 2
    return a


def summary(seconds):
    return {"median": statistics.median(seconds), "min": min(seconds), "max": max(seconds)}


class ReferenceStep:
    """iCatcher+'s step in PyTorch: model(imgs, boxes), CrossEntropyLoss, Adam; under autocast and
    with a GradScaler for fp16 when asked."""

    def __init__(self, torch, model, a, device):
        self.torch, self.model, self.a, self.device = torch, model, a, device
        self.optimizer = torch.optim.Adam(model.parameters(), lr=1e-5, betas=(0.9, 0.999), weight_decay=1e-5)
        self.dtype = {"fp16": torch.float16, "bf16": torch.bfloat16}.get(a.amp)
        self.scaler = torch.cuda.amp.GradScaler() if a.amp == "fp16" else None

    def __call__(self, images, boxes, labels):
        torch = self.torch
        self.optimizer.zero_grad(set_to_none=True)
        if self.dtype is None:
            loss = torch.nn.functional.cross_entropy(self.model(images, boxes), labels)
        else:
            with torch.autocast(self.device.type, dtype=self.dtype):
                loss = torch.nn.functional.cross_entropy(self.model(images, boxes).float(), labels)
        if self.scaler:
            self.scaler.scale(loss).backward()
            self.scaler.step(self.optimizer)
            self.scaler.update()
        else:
            loss.backward()
            self.optimizer.step()
        return loss.item()


def set_dropout(torch, model, on):
    for m in model.modules():
        if isinstance(m, torch.nn.Dropout):
            m.train(on)


def run(a):
    import torch

    import reference_models as ref

    if a.threads > 0:
        torch.set_num_threads(a.threads)
    threads = torch.get_num_threads()
    device = torch.device(a.device)
    config = {k: getattr(a, k) for k in ("arch", "batch", "window", "image_size", "amp", "channels_last", "cuda_graphs", "device", "warmup", "repeats", "shared_frames")}
    config["threads"] = threads
    work = pathlib.Path(tempfile.mkdtemp(prefix="gazecoder-step-"))

    torch.manual_seed(a.seed)
    model = ref.GazeCodingModel(a.arch, a.window).train()
    g = torch.Generator().manual_seed(a.seed + 1)
    images = torch.randn(a.batch, a.window, 3, a.image_size, a.image_size, generator=g)
    boxes = torch.rand(a.batch, a.window, 5, generator=g)
    labels = torch.randint(0, ref.NUM_CLASSES, (a.batch,), generator=g)
    torch.save(model.state_dict(), work / "init.pth")
    torch.save({"images": images, "boxes": boxes, "labels": labels}, work / "batch.pth")

    model.to(device)
    images, boxes, labels = images.to(device), boxes.to(device), labels.to(device)
    if a.channels_last:
        model.to(memory_format=torch.channels_last)
        # A 5-d view of channels_last crops: the model's reshape to B·N×3×H×W keeps those strides.
        images = images.flatten(0, 1).contiguous(memory_format=torch.channels_last).view(images.shape)
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = True
    step = ReferenceStep(torch, model, a, device)

    with_parity = not a.no_parity and not a.cuda_graphs and a.shared_frames == 1
    if with_parity:
        set_dropout(torch, model, False)
        loss = step(images, boxes, labels)
        set_dropout(torch, model, True)
        after = {name: p.detach().cpu().float() for name, p in model.named_parameters()}
        after.update({f"grad.{name}": p.grad.detach().cpu().float() for name, p in model.named_parameters() if p.grad is not None})
        after["loss"] = torch.tensor(loss, dtype=torch.float64)
        torch.save(after, work / "reference_after.pth")

    ours = None
    if a.bench_exe:
        cmd = [a.bench_exe, "--json", "--arch", a.arch, "--batch", str(a.batch), "--window", str(a.window),
               "--image-size", str(a.image_size), "--amp", a.amp, "--channels-last", str(a.channels_last),
               "--cuda-graphs", str(a.cuda_graphs), "--device", a.device, "--threads", str(threads),
               "--warmup", str(a.warmup), "--repeats", str(a.repeats), "--init", str(work / "init.pth"),
               "--batch-file", str(work / "batch.pth"), "--shared-frames", str(a.shared_frames)]
        if with_parity:
            cmd += ["--parity-reference", str(work / "reference_after.pth")]
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(f"{a.bench_exe} failed ({done.returncode}): {done.stderr.strip()}")
        ours = json.loads(done.stdout.strip().splitlines()[-1])

    reference = {"status": "ok", "torchVersion": torch.__version__, "threads": threads}
    if a.cuda_graphs:
        reference = {"status": "not measured", "reason": "CUDA graphs are not implemented on our side"}
    elif a.amp == "fp16" and device.type != "cuda":
        reference = {"status": "not supported", "reason": "fp16 autocast with loss scaling is a CUDA setting"}
    else:
        seconds = []
        for i in range(a.warmup + a.repeats):
            start = time.perf_counter()
            step(images, boxes, labels)
            took = time.perf_counter() - start
            if i >= a.warmup:
                seconds.append(took)
        reference["secondsPerStep"] = summary(seconds)
        reference["samplesPerSecond"] = a.batch / reference["secondsPerStep"]["median"]
        reference["peakRssBytes"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024

    result = {"config": config, "ours": ours, "reference": reference, "ratio": None, "parity": None}
    if ours and ours.get("status") == "ok" and reference.get("status") == "ok":
        result["ratio"] = ours["samplesPerSecond"] / reference["samplesPerSecond"]
    if ours and "parity" in ours:
        result["parity"] = dict(ours["parity"], lossTolerance=LOSS_TOLERANCE, paramTolerance=PARAM_TOLERANCE, gradRelTolerance=GRAD_TOLERANCE)
    for f in work.iterdir():
        f.unlink()
    work.rmdir()
    return result


def parity_ok(result):
    p = result["parity"]
    return (p is not None and p["lossAbsDiff"] <= LOSS_TOLERANCE and p["paramMaxAbsDiff"] <= PARAM_TOLERANCE
            and p["gradMaxAbsDiff"] <= GRAD_TOLERANCE * p["gradMaxAbs"])


def fmt(x, digits=2):
    return "–" if x is None or (isinstance(x, float) and not math.isfinite(x)) else f"{x:.{digits}f}"


def table(lines):
    rows = ["| arch | batch | device | amp | channels_last | CUDA graphs | ours samples/s | PyTorch samples/s | ours ÷ PyTorch | parity: loss / params max abs diff / grads rel. |",
            "|---|---|---|---|---|---|---|---|---|---|"]
    for r in lines:
        c, ours, ref = r["config"], r["ours"] or {}, r["reference"]
        note = ours.get("status") if ours.get("status") != "ok" else None
        p = r["parity"]
        parity = f"{p['lossAbsDiff']:.1e} / {p['paramMaxAbsDiff']:.1e} / {p['gradMaxAbsDiff'] / p['gradMaxAbs']:.1e}" if p else "–"
        rows.append(" | ".join([
            f"| {c['arch']}", str(c["batch"]), c["device"], c["amp"], "on" if c["channels_last"] else "off",
            "on" if c["cuda_graphs"] else "off",
            note or fmt(ours.get("samplesPerSecond")),
            fmt(ref.get("samplesPerSecond")) if ref.get("status") == "ok" else ref.get("status", "–"),
            fmt(r["ratio"]), parity + " |",
        ]))
    return "\n".join(rows)


def main():
    a = parse_args()
    if a.table:
        lines = [json.loads(l) for l in pathlib.Path(a.table).read_text().splitlines() if l.strip()]
        print(table(lines))
        return
    result = run(a)
    print(json.dumps(result))
    if a.check and a.amp == "off" and not a.cuda_graphs and not parity_ok(result):
        print(f"parity outside tolerance: {json.dumps(result['parity'])}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
