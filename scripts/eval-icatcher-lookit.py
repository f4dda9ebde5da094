#!/usr/bin/python3
"""`gazecoder eval` on iCatcher+'s 45 published Lookit test videos, against iCatcher+'s own evaluation.

usage: /usr/bin/python3 scripts/eval-icatcher-lookit.py ICATCHER_PLUS_CHECKOUT

Runs `gazecoder eval` on reproduce/resource/lookit_annotations (coding_human1, coding_human2,
coding_icatcherplus) of an icatcher_plus checkout (github.com/icatcherplus/icatcher_plus; its data
are GPL-3.0, so none is copied into this repository) and compares every video's session and
per-trial numbers, human 1 - machine and human 1 - human 2, with
  (a) the transcription in packages/evaluate/test/python/metrics_reference.py (ICCs included), and
  (b) iCatcher+'s own reproduce/parsers.py and visualize.get_stats_in_interval, imported with its
      plotting modules stubbed (its ICC needs pingouin, so ICCs are compared in (a) only).
Prints the largest difference per metric; exits 1 if any exceeds 1e-9.
"""
import json, math, subprocess, sys, tempfile, types
from pathlib import Path
import numpy as np
if len(sys.argv) != 2: sys.exit(__doc__)
REPO = Path(__file__).resolve().parent.parent
ICATCHER = Path(sys.argv[1]) / "reproduce"
D = ICATCHER / "resource" / "lookit_annotations"
out = Path(tempfile.mkdtemp()) / "eval.json"
run = subprocess.run([str(REPO / "node_modules" / ".bin" / "gazecoder"), "eval", "--human1", str(D / "coding_human1"), "--human2", str(D / "coding_human2"), "--machine", str(D / "coding_icatcherplus"), "--json", str(out)], capture_output=True, text=True)
sys.stdout.write(run.stdout); sys.stderr.write(run.stderr)
if run.returncode != 0: sys.exit(run.returncode)
ours = json.load(open(out))
ids = sorted(p.stem for p in (D / "coding_human1").glob("*.txt"))
files = [{"human1": str(D / "coding_human1" / f"{i}.txt"), "human2": str(D / "coding_human2" / f"{i}.txt"), "machine": str(D / "coding_icatcherplus" / f"{i}.npz")} for i in ids]
ref = subprocess.run(["/usr/bin/python3", str(REPO / "packages" / "evaluate" / "test" / "python" / "metrics_reference.py")], input=json.dumps({"files": files}), capture_output=True, text=True, check=True)
ref = json.loads(ref.stdout)["files"]

FIELDS = ["mutuallyValidFrames", "percentAgreement", "cohensKappa", "confusion", "onOffConfusion", "transitions", "lookingTime", "proportionRight"]
def flat(x):
    if isinstance(x, list):
        for y in x: yield from flat(y)
    else: yield x
def diff(a, b):
    """max |a-b| over matching leaves; None==None (NaN) is 0, one-sided NaN is inf."""
    la, lb = list(flat(a)), list(flat(b))
    if len(la) != len(lb): return math.inf
    m = 0.0
    for x, y in zip(la, lb):
        xn = x is None or (isinstance(x, float) and math.isnan(x)); yn = y is None or (isinstance(y, float) and math.isnan(y))
        if xn and yn: continue
        if xn != yn: return math.inf
        m = max(m, abs(float(x) - float(y)))
    return m

byid = {v["id"]: v for v in ours["videos"]}
assert not ours["skipped"], ours["skipped"]
worst = {}
for i, r in zip(ids, ref):
    assert "error" not in r, (i, r)
    v = byid[i]
    for pair in ["humanMachine", "humanHuman"]:
        o, t = v[pair], r[pair]
        assert len(o["trials"]) == len(t["trials"]), (i, pair)
        for f in FIELDS:
            d = max([diff(o["session"][f], t["session"][f])] + [diff(a[f], b[f]) for a, b in zip(o["trials"], t["trials"])])
            worst[(pair, f)] = max(worst.get((pair, f), 0), d)
        for f in ["iccLookingTime", "iccProportionRight"]:
            worst[(pair, f)] = max(worst.get((pair, f), 0), diff(o[f], t[f]))
print("(a) vs the transcription, 45 videos, both pairs, session + every trial:")
for k, d in sorted(worst.items()): print(f"  {k[0]:13s} {k[1]:20s} max |diff| = {d:.3g}")
print("  overall max:", max(worst.values()))
print("  trials:", sum(len(r["human1"]["trials"]) for r in ref), " reversed/empty trials:", sum(1 for r in ref for s, e in r["human1"]["trials"] if e <= s))

# (b) iCatcher+'s own code; only what it draws or prints with is stubbed (any attribute, any call)
sys.path.insert(0, str(ICATCHER))
class Any:
    def __getattr__(self, a): return self
    def __call__(self, *a, **k): return self
ANY = Any()
np.int = int  # removed in numpy 1.24; parsers.py uses it
for name in ["cv2", "seaborn", "pingouin", "matplotlib", "matplotlib.pyplot", "matplotlib.ticker", "matplotlib.patches", "tqdm", "options", "preprocess", "statistics", "statistics.bootstrap"]:
    m = types.ModuleType(name); m.__getattr__ = lambda attr: ANY; sys.modules[name] = m
sys.modules["tqdm"].tqdm = lambda x, *a, **k: x
import parsers, visualize
worst_b = {}
for i in ids:
    v = byid[i]
    lp = parsers.LookitParser(30)
    h1, s1, e1 = lp.parse(i, D / "coding_human1" / f"{i}.txt")
    trials = lp.get_trial_intervals(s1, lp.load_and_sort(D / "coding_human1" / f"{i}.txt"))
    h2, s2, e2 = lp.parse(i, D / "coding_human2" / f"{i}.txt")
    cp = parsers.CompressedParser()
    m, ms, me = cp.parse(i, D / "coding_icatcherplus" / f"{i}.npz")
    H1 = lp.uncollapse_labels(h1, s1, e1); H2 = lp.uncollapse_labels(h2, s2, e2); M = cp.uncollapse_labels(m, ms, me)
    for pair, other, oend in [("humanMachine", M, me), ("humanHuman", H2, e2)]:
        o = v[pair]
        intervals = [("session", [0, max(e1, oend)], o["session"])] + [(f"trial{k}", t, o["trials"][k]) for k, t in enumerate(trials)]
        assert [list(x[1]) for x in intervals[1:]] == [[t["start"], t["end"]] for t in o["trials"]], (i, pair)
        for name, (a, b), ot in intervals:
            st = visualize.get_stats_in_interval(a, b, H1, other, None, 3)
            theirs = {
                "percentAgreement": st["agreement"],
                "mutuallyValidFrames": int(st["mutual_valid_frame_count"]),
                # flip_xy=True: iCatcher+'s matrices are [coder 2][coder 1]; ours are [human 1][other]
                "onOffConfusion": st["confusion_matrix2"].T.tolist(),
                "lookingTime": [st["looking_time_1"], st["looking_time_2"]] if "looking_time_1" in st else None,
                "cohensKappa": st.get("kappa"),
                "transitions": [st["n_transitions_1"], st["n_transitions_2"]] if "n_transitions_1" in st else None,
                "confusion": st["confusion_matrix"].T.tolist(),
                "proportionRight": [st["percent_r_1"], st["percent_r_2"]] if "percent_r_1" in st else None,
            }
            for f, t in theirs.items():
                if t is None: continue
                worst_b[(pair, f)] = max(worst_b.get((pair, f), 0), diff(ot[f], t))
print("(b) vs iCatcher+'s own parsers.py + visualize.get_stats_in_interval (c1a876c):")
for k, d in sorted(worst_b.items()): print(f"  {k[0]:13s} {k[1]:20s} max |diff| = {d:.3g}")
print("  overall max:", max(worst_b.values()) if worst_b else None)
worst_all = max(max(worst.values()), max(worst_b.values()))
sys.exit(0 if worst_all <= 1e-9 else 1)
