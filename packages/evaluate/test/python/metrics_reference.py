"""Independent reference values for @gazecoder/evaluate's tests.

Reads a JSON object on stdin and prints one on stdout:
  kappa:          [{a, b}]            -> sklearn.metrics.cohen_kappa_score(a, b) (None for NaN)
  confusion:      [{a, b, labels}]    -> sklearn.metrics.confusion_matrix(a, b, labels=labels)
  classification: [{truth, predicted}] -> precision_recall_fscore_support(labels=[0, 1, 2], zero_division=0),
                                         accuracy_score
  icc:            [ratings (n x k)]   -> ICC(3,1) from a two-way ANOVA table built with pandas
                                         (pingouin's formula; pingouin is not in Debian)
  quantiles:      [{values, q}]       -> numpy.quantile (linear)
  intervals:      [{reference, other, start, end}] -> a transcription of iCatcher+'s
                                         visualize.get_stats_in_interval with numpy and sklearn
  codings:        [{reference, referenceEnd, trials, other, otherEnd}] -> compare_coding_files: the
                                         session [0, max(ends)), every trial, calc_ICC of looking time
                                         and proportion right (NaN trials dropped, < 5 left -> NaN)
  means:          [values]            -> numpy.nanmean (None for an all-NaN list)
  files:          [{human1, human2, machine}] (paths: Lookit .txt, Lookit .txt or None, compressed .npz)
                                      -> compare_coding_files on the files themselves: a transcription of
                                         iCatcher+'s LookitParser (numpy.genfromtxt, argsort, exclusion
                                         regions, trial ends) and CompressedParser, then the metrics above;
                                         {"error": "<exception>: <message>"} where iCatcher+ raises
"""
import json
import math
import sys
import warnings

import numpy as np
import pandas as pd
from sklearn.metrics import accuracy_score, cohen_kappa_score, confusion_matrix, precision_recall_fscore_support


def clean(x):
    """JSON-safe: numpy scalars to Python, NaN to None."""
    if isinstance(x, dict):
        return {k: clean(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [clean(v) for v in x]
    if isinstance(x, np.ndarray):
        return clean(x.tolist())
    if isinstance(x, (np.integer,)):
        return int(x)
    if isinstance(x, (float, np.floating)):
        return None if math.isnan(float(x)) else float(x)
    return x


def kappa(a, b):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return cohen_kappa_score(a, b)


def icc3_anova(ratings):
    """ICC(3,1) = (MS_targets - MS_error) / (MS_targets + (k - 1) MS_error) from the long-format ANOVA."""
    ratings = np.asarray(ratings, dtype=float)
    n, k = ratings.shape
    df = pd.DataFrame({
        "target": np.repeat(np.arange(n), k),
        "rater": np.tile(np.arange(k), n),
        "rating": ratings.reshape(-1),
    })
    grand = df["rating"].mean()
    ss_total = ((df["rating"] - grand) ** 2).sum()
    ss_targets = k * ((df.groupby("target")["rating"].mean() - grand) ** 2).sum()
    ss_raters = n * ((df.groupby("rater")["rating"].mean() - grand) ** 2).sum()
    ss_error = ss_total - ss_targets - ss_raters
    ms_targets = ss_targets / (n - 1)
    ms_error = ss_error / ((n - 1) * (k - 1))
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.float64(ms_targets - ms_error) / np.float64(ms_targets + (k - 1) * ms_error)


def interval_stats(coding1, coding2, start, end):
    """iCatcher+'s get_stats_in_interval, the parts gazecoder reports."""
    coding1 = np.asarray(coding1, dtype=int)
    coding2 = np.asarray(coding2, dtype=int)
    if end - len(coding1) > 0:
        coding1 = np.concatenate((coding1, -3 * np.ones(end - len(coding1), dtype=int)))
    if end - len(coding2) > 0:
        coding2 = np.concatenate((coding2, -3 * np.ones(end - len(coding2), dtype=int)))
    c1 = coding1[start:end]
    c2 = coding2[start:end]
    valid = np.logical_and(c1 >= 0, c2 >= 0)
    v1, v2 = c1[valid], c2[valid]
    on1 = np.sum(v1 == 1) + np.sum(v1 == 2)
    on2 = np.sum(v2 == 1) + np.sum(v2 == 2)
    equal = (c1 == c2)[valid]
    on_off1 = v1.copy()
    on_off1[on_off1 > 0] = 1
    on_off2 = v2.copy()
    on_off2[on_off2 > 0] = 1
    return {
        "mutuallyValidFrames": int(np.sum(valid)),
        "percentAgreement": np.nan if equal.size == 0 else np.sum(equal) / equal.size,
        "cohensKappa": kappa(v1, v2) if v1.size > 0 else np.nan,
        "confusion": confusion_matrix(v1, v2, labels=[0, 1, 2]),
        "onOffConfusion": confusion_matrix(on_off1, on_off2, labels=[0, 1]),
        "transitions": [np.count_nonzero(np.diff(v1)), np.count_nonzero(np.diff(v2))],
        "lookingTime": [on1, on2],
        "proportionRight": [np.nan if on1 == 0 else np.sum(v1 == 2) / on1, np.nan if on2 == 0 else np.sum(v2 == 2) / on2],
    }


def calc_icc(trials, key):
    """visualize.calc_ICC with the ANOVA formula in place of pingouin."""
    ratings = np.array([trial[key] for trial in trials], dtype=float)
    ratings = ratings[np.all(~np.isnan(ratings), axis=1)]
    return icc3_anova(ratings) if len(ratings) >= 5 else np.nan


def compare_codings(c):
    session = interval_stats(c["reference"], c["other"], 0, max(c["referenceEnd"], c["otherEnd"]))
    trials = [interval_stats(c["reference"], c["other"], start, end) for start, end in c["trials"]]
    return {
        "session": session,
        "trials": trials,
        "iccLookingTime": calc_icc(trials, "lookingTime"),
        "iccProportionRight": calc_icc(trials, "proportionRight"),
    }


class LookitParser:
    """reproduce/parsers.py LookitParser (icatcher_plus c1a876c), statement for statement; only
    `np.int`, gone from numpy 1.24, is `int`. Poses are not transcribed (gazecoder does not read them)."""

    def __init__(self, fps):
        self.fps = fps
        self.classes = ["away", "left", "right"]
        self.exclude = ["outofframe", "preview", "instructions"]
        self.special = ["codingactive"]

    def parse(self, label_path):
        labels = self.load_and_sort(label_path)
        output = []
        prev_class = "none"
        prev_frame = -1
        for i in range(len(labels)):
            frame = int(labels[i, 0])
            if labels[i, 2] in self.classes:
                cur_class = labels[i, 2]
                if prev_class != cur_class:
                    assert frame > prev_frame, "two different classes at one time"
                output.append([frame, True, cur_class])
                prev_class = cur_class
                prev_frame = frame
            elif labels[i, 2] in self.special:
                assert False, "codingactive"
        merged_exclude_regions = self.merge_overlapping_intervals(self.find_exclude_regions(labels))
        for region_start, region_end in merged_exclude_regions:
            q = [index for index, value in enumerate(output) if value[0] < region_start]
            if q:
                last_overlap = max(q)
                output.insert(last_overlap + 1, [region_start, False, output[last_overlap][2]])
            q = [index for index, value in enumerate(output) if region_start <= value[0] < region_end]
            for index in q:
                output[index][1] = False
            q = [index for index, value in enumerate(output) if value[0] <= region_end]
            if q:
                last_overlap = max(q)
                output.insert(last_overlap + 1, [region_end, True, output[last_overlap][2]])
        for entry in output:
            entry[0] = int(int(entry[0]) * self.fps / 1000)
        if not output:
            output.append([0, False, self.classes[0]])
        start = int(output[0][0])
        trial_times = self.get_trial_intervals(start, labels)
        return output, start, trial_times[-1][1]

    def load_and_sort(self, label_path):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # genfromtxt warns on a file without data rows
            labels = np.genfromtxt(open(label_path, "rb"), dtype="str", delimiter=",", skip_header=3)
        times = labels[:, 0].astype(int)
        return labels[np.argsort(times)]

    def find_exclude_regions(self, sorted_labels):
        return [[int(e[0]), int(e[0]) + int(e[1])] for e in sorted_labels if e[2] in self.exclude]

    def get_trial_intervals(self, start, sorted_labels):
        trials = []
        prev_frame = start
        for i in range(len(sorted_labels)):
            if sorted_labels[i, 2] == "end":
                frame = int((int(sorted_labels[i, 0]) + 1) * self.fps / 1000)
                trials.append([prev_frame, frame])
                prev_frame = frame
        return trials

    def merge_overlapping_intervals(self, arr):
        merged = []
        if arr:
            arr.sort(key=lambda interval: interval[0])
            merged.append(arr[0])
            for current in arr:
                previous = merged[-1]
                if current[0] <= previous[1]:
                    previous[1] = max(previous[1], current[1])
                else:
                    merged.append(current)
        return merged


def uncollapse_labels(labels, start, end):
    """BaseParser.uncollapse_labels."""
    class_map = {"away": 0, "left": 1, "right": 2}
    if type(labels) == np.ndarray:
        return labels
    output = [-3] * start
    prev_entry = labels[0]
    for entry in labels[1:]:
        response = class_map[prev_entry[2]] if prev_entry[1] else -3
        for _ in range(prev_entry[0], entry[0]):
            output.append(response)
        prev_entry = entry
    for _ in range(end - len(output)):
        output.append(class_map[labels[-1][2]] if labels[-1][1] else -3)
    return np.array(output)


def compressed_parse(path):
    """CompressedParser.parse."""
    data = np.load(path)["arr_0"]
    data[:4] = -3
    data[-4:] = -3
    return data, 4, len(data) - 4


def interval_stats_checked(coding1, coding2, start, end):
    assert start >= 0  # get_stats_in_interval's first line
    return interval_stats(coding1, coding2, start, end)


def compare_files(c):
    """visualize.compare_coding_files for Lookit humans and a compressed machine coding. iCatcher+'s
    compare_uncollapsed_coding_files returns a bare dict for a single trial, on which calc_ICC then
    fails; that is a bookkeeping bug, not a property of the file, so here one trial is a list of one
    (ICC NaN, fewer than 5 trials)."""
    try:
        machine, mstart, mend = compressed_parse(c["machine"])
        parser = LookitParser(30)
        human, start1, end1 = parser.parse(c["human1"])
        trial_times = parser.get_trial_intervals(start1, parser.load_and_sort(c["human1"]))
        h1 = uncollapse_labels(human, start1, end1)
        m = uncollapse_labels(machine, mstart, mend)
        out = {"human1": {"start": start1, "end": end1, "trials": trial_times, "labels": h1}}
        pairs = [("humanMachine", m, mend)]
        if c.get("human2"):
            human2, start2, end2 = parser.parse(c["human2"])
            pairs.append(("humanHuman", uncollapse_labels(human2, start2, end2), end2))
        for name, other, other_end in pairs:
            trials = [interval_stats_checked(h1, other, s, e) for s, e in trial_times]
            out[name] = {
                "session": interval_stats_checked(h1, other, 0, max(end1, other_end)),
                "trials": trials,
                "iccLookingTime": calc_icc(trials, "lookingTime"),
                "iccProportionRight": calc_icc(trials, "proportionRight"),
            }
        return out
    except Exception as e:  # iCatcher+ stops here: gazecoder must skip the file
        return {"error": f"{type(e).__name__}: {e}"}


def nanmean(values):
    values = np.array([np.nan if v is None else v for v in values], dtype=float)
    return np.nan if np.all(np.isnan(values)) else np.nanmean(values)


def main():
    request = json.load(sys.stdin)
    answer = {
        "kappa": [kappa(c["a"], c["b"]) for c in request.get("kappa", [])],
        "confusion": [confusion_matrix(c["a"], c["b"], labels=c["labels"]) for c in request.get("confusion", [])],
        "classification": [],
        "icc": [icc3_anova(r) for r in request.get("icc", [])],
        "quantiles": [np.quantile(np.asarray(c["values"], dtype=float), c["q"]) for c in request.get("quantiles", [])],
        "intervals": [interval_stats(c["reference"], c["other"], c["start"], c["end"]) for c in request.get("intervals", [])],
        "codings": [compare_codings(c) for c in request.get("codings", [])],
        "means": [nanmean(v) for v in request.get("means", [])],
        "files": [compare_files(c) for c in request.get("files", [])],
    }
    for c in request.get("classification", []):
        p, r, f, s = precision_recall_fscore_support(c["truth"], c["predicted"], labels=[0, 1, 2], zero_division=0)
        answer["classification"].append({
            "accuracy": accuracy_score(c["truth"], c["predicted"]),
            "precision": p, "recall": r, "f1": f, "support": s,
            "kappa": kappa(c["truth"], c["predicted"]),
        })
    json.dump(clean(answer), sys.stdout)


if __name__ == "__main__":
    main()
