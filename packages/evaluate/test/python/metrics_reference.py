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
