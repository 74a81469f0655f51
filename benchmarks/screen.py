"""Throughput of the full verdict against a plain char n-gram baseline, in the same process.

Usage: python benchmarks/screen.py [--n 100000] [--batch 2048]

Both pipelines are trained on data/train.jsonl (+ dev for ours, as shipped) and timed on the same
generated stream of requests (corpus records cycled with fresh ids) on one core (BLAS threads 1).
Reported: requests/s (wall and per CPU second), the ratio ours/baseline, macro-F1 of both on the
held-out test split, peak traced allocation on 20,000 requests, and the process's peak RSS.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import argparse
import json
import resource
import time
import tracemalloc
from dataclasses import replace
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from kontaktfilter.contract import parse_request
from kontaktfilter.evaluation import evaluate
from kontaktfilter.model import Category, ContactRequest
from kontaktfilter.screener import Screener

ROOT = Path(__file__).resolve().parent.parent


def load(name: str) -> tuple[list[ContactRequest], list[Category]]:
    reqs, labels = [], []
    for line in (ROOT / "data" / f"{name}.jsonl").read_text(encoding="utf-8").splitlines():
        obj = json.loads(line)
        reqs.append(parse_request(obj))
        labels.append(Category(obj["label"]))
    return reqs, labels


def baseline_text(r: ContactRequest) -> str:
    """What the baseline reads: the note and the profile's words (same information as ours)."""
    s = r.sender
    return " | ".join(x for x in (r.note, s.headline, s.job_title, s.company) if x)


def macro_f1(labels: list[Category], predicted: list[str]) -> float:
    cats = list(Category)
    f1s = []
    for c in cats:
        tp = sum(1 for y, p in zip(labels, predicted, strict=True) if y == c and p == c)
        fp = sum(1 for y, p in zip(labels, predicted, strict=True) if y != c and p == c)
        fn = sum(1 for y, p in zip(labels, predicted, strict=True) if y == c and p != c)
        f1s.append(0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn))
    return float(np.mean(f1s))


def timed(fn, *args):  # type: ignore[no-untyped-def]
    t0 = time.perf_counter()
    c0 = time.process_time()
    out = fn(*args)
    return out, time.perf_counter() - t0, time.process_time() - c0


def peak_memory(fn, *args) -> int:  # type: ignore[no-untyped-def]
    """Peak traced Python allocation of one call (measured separately: tracing slows everything)."""
    tracemalloc.start()
    fn(*args)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--batch", type=int, default=2048)
    args = ap.parse_args()

    train, ytrain = load("train")
    test, ytest = load("test")
    pool = train + load("dev")[0] + test
    stream = [replace(pool[i % len(pool)], id=f"bench-{i}") for i in range(args.n)]

    baseline = make_pipeline(TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True),
                             LogisticRegression(max_iter=3000, C=10.0))  # fmt: skip
    baseline.fit([baseline_text(r) for r in train], [y.value for y in ytrain])
    screener = Screener()

    def run_baseline(reqs: list[ContactRequest]) -> int:
        n = 0
        for i in range(0, len(reqs), args.batch):
            chunk = reqs[i : i + args.batch]
            n += len(baseline.predict_proba([baseline_text(r) for r in chunk]))
        return n

    def run_ours(reqs: list[ContactRequest]) -> int:
        n = 0
        for i in range(0, len(reqs), args.batch):
            n += len(screener.screen_many(reqs[i : i + args.batch]))
        return n

    run_ours(stream[:2000])  # warm-up: lazy matchers, caches
    run_baseline(stream[:2000])
    _, t_base, c_base = timed(run_baseline, stream)
    _, t_ours, c_ours = timed(run_ours, stream)
    sample = stream[: min(len(stream), 20_000)]
    m_base = peak_memory(run_baseline, sample)
    m_ours = peak_memory(run_ours, sample)

    f1_base = macro_f1(ytest, list(baseline.predict([baseline_text(r) for r in test])))
    ours_eval = evaluate(ytest, screener.screen_many(test))
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result = {
        "requests": args.n,
        "batch": args.batch,
        "baseline_requests_per_s": round(args.n / t_base),
        "ours_requests_per_s": round(args.n / t_ours),
        "speed_ratio_ours_over_baseline": round(t_base / t_ours, 2),
        "ours_requests_per_cpu_s": round(args.n / c_ours),
        "baseline_requests_per_cpu_s": round(args.n / c_base),
        "baseline_test_macro_f1": round(f1_base, 4),
        "ours_test_macro_f1": round(ours_eval.macro_f1, 4),
        "ours_good_to_ignore_or_block": f"{ours_eval.good_harsh}/{ours_eval.good_total}",
        "peak_traced_mb_baseline_20k": round(m_base / 2**20, 1),
        "peak_traced_mb_ours_20k": round(m_ours / 2**20, 1),
        "max_rss_mb_process": round(rss, 1),
    }
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
