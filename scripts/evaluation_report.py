"""Regenerate docs/evaluation.md: held-out test numbers, calibration, signals, cascade, worst errors.

Reads the shipped model and data/test.jsonl (never used for fitting), plus data/train.jsonl for the
baseline and for hit frequencies on the training side.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from kontaktfilter.classify.features import feature_names
from kontaktfilter.classify.train import Example, expected_calibration_error, load_labelled, nll
from kontaktfilter.evaluation import evaluate, format_report
from kontaktfilter.model import CATEGORIES, GOOD_CATEGORIES, Verdict
from kontaktfilter.screener import Screener
from kontaktfilter.signals import REGISTRY

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "evaluation.md"
CLASS_INDEX = {c: i for i, c in enumerate(CATEGORIES)}


def baseline_text(e: Example) -> str:
    s = e.request.sender
    return " | ".join(x for x in (e.request.note, s.headline, s.job_title, s.company) if x)


def probs_of(verdicts: list[Verdict]) -> np.ndarray:
    return np.array([[v.probabilities[c] for c in CATEGORIES] for v in verdicts])


def why(screener: Screener, e: Example, v: Verdict) -> str:
    """The strongest active features pushing towards the wrong class rather than the true one."""
    b = screener.bundle
    feats = feature_names(e.request, e.analysis, [s.id for s, _ in e.fired])
    cols = {b.vocab.index[f]: f for f in feats if f in b.vocab.index}
    diff = b.fast.coef[CLASS_INDEX[v.category]] - b.fast.coef[CLASS_INDEX[e.label]]
    top = sorted(cols, key=lambda c: -diff[c])[:4]
    return (
        ", ".join(f"`{cols[c]}` ({diff[c]:+.2f})" for c in top if diff[c] > 0) or "no single feature; priors"
    )


def signal_table(train: list[Example], test: list[Example], screener: Screener) -> list[str]:
    weights = screener.bundle.score.weights
    lines = [
        "| signal | group | fitted weight | hits train | hits test | test share in good / unwanted / recruiter | "
        "test precision |",
        "|---|---|---:|---:|---:|---|---:|",
    ]
    for sid, sig in REGISTRY.items():
        tr = sum(1 for e in train if any(s.id == sid for s, _ in e.fired))
        hits = [e for e in test if any(s.id == sid for s, _ in e.fired)]
        good = sum(1 for e in hits if e.label in GOOD_CATEGORIES)
        rec = sum(1 for e in hits if e.label.value == "recruiter")
        bad = len(hits) - good - rec
        w = weights.get(sid, sig.weight)
        # Precision: of the hits, the share whose label agrees with the weight's direction.
        agree = good if w > 0 else bad
        prec = f"{agree / (good + bad):.2f}" if good + bad and w != 0 else "–"
        flag = " ⚠ dead" if tr == 0 and not hits else ""
        lines.append(
            f"| `{sid}`{flag} | {sig.group} | {w:+.2f} | {tr} | {len(hits)} | {good} / {bad} / {rec} | {prec} |"
        )
    return lines


def writer_rows(test: list[Example], v_fast: list[Verdict], v_acc: list[Verdict]) -> list[str]:
    rows = []
    for w in sorted({e.writer for e in test}, key=lambda x: int(x.lstrip("w") or 0)):
        idx = [i for i, e in enumerate(test) if e.writer == w]
        labels = [test[i].label for i in idx]
        rf = evaluate(labels, [v_fast[i] for i in idx])
        ra = evaluate(labels, [v_acc[i] for i in idx])
        rows.append(
            f"| {w} | {len(idx)} | {rf.macro_f1:.3f} | {ra.macro_f1:.3f} | {rf.good_harsh}/{rf.good_total} |"
        )
    return rows


def main() -> None:
    train = load_labelled(ROOT / "data" / "train.jsonl")
    test = load_labelled(ROOT / "data" / "test.jsonl")
    splits = json.loads((ROOT / "data" / "splits.json").read_text(encoding="utf-8"))
    fast = Screener()
    meta = fast.bundle.meta
    y = [e.label for e in test]
    langs = [e.lang for e in test]
    reqs = [e.request for e in test]
    yi = np.array([CLASS_INDEX[c] for c in y])

    t0 = time.perf_counter()
    v_fast = fast.screen_many(reqs)
    t_fast = time.perf_counter() - t0
    acc = Screener(accurate=True)
    t0 = time.perf_counter()
    v_acc = acc.screen_many(reqs)
    t_acc = time.perf_counter() - t0
    escalated = sum(1 for v in v_acc if v.model == "accurate")
    r_fast, r_acc = evaluate(y, v_fast, langs), evaluate(y, v_acc, langs)
    p_fast, p_acc = probs_of(v_fast), probs_of(v_acc)

    base = make_pipeline(TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True),
                         LogisticRegression(max_iter=3000, C=10.0))  # fmt: skip
    base.fit([baseline_text(e) for e in train], [e.label.value for e in train])
    pred = base.predict([baseline_text(e) for e in test])
    f1s = []
    for c in CATEGORIES:
        tp = sum(1 for a, b in zip(y, pred, strict=True) if a == c and b == c.value)
        fp = sum(1 for a, b in zip(y, pred, strict=True) if a != c and b == c.value)
        fn = sum(1 for a, b in zip(y, pred, strict=True) if a == c and b != c.value)
        f1s.append(0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn))
    base_f1 = float(np.mean(f1s))

    actions = Counter((e.label.value, v.action.value) for e, v in zip(test, v_fast, strict=True))
    errors = sorted(
        ((e, v) for e, v in zip(test, v_fast, strict=True) if v.category != e.label),
        key=lambda ev: -ev[1].confidence,
    )

    md: list[str] = [
        "# Screening quality",
        "",
        "Generated by `make evaluate` (`scripts/evaluation_report.py`) from the shipped model. "
        "Every number on this page is measured on the **test split**, which no fitting step reads "
        "(model, calibration, signal weights and cascade threshold are all fitted on train+dev). "
        f"The test split is the whole slice of writer(s) {', '.join(splits['test_writers'])}, whose texts the model "
        "never saw, so it estimates quality on requests by other authors. See `data/README.md`.",
        "",
        "## Summary",
        "",
        "| path | macro-F1 | accuracy | good → ignore/block | NLL | ECE | time for the split |",
        "|---|---:|---:|---:|---:|---:|---:|",
        f"| fast | {r_fast.macro_f1:.3f} | {r_fast.accuracy:.3f} | {r_fast.good_harsh}/{r_fast.good_total} | "
        f"{nll(p_fast, yi):.3f} | {expected_calibration_error(p_fast, yi):.3f} | {t_fast:.2f} s |",
        f"| accurate (cascade, {escalated} of {len(test)} escalated) | {r_acc.macro_f1:.3f} | {r_acc.accuracy:.3f} | "
        f"{r_acc.good_harsh}/{r_acc.good_total} | {nll(p_acc, yi):.3f} | {expected_calibration_error(p_acc, yi):.3f} | "
        f"{t_acc:.2f} s |",
        f"| baseline: TF-IDF char_wb 2-5 + logistic regression (train split) | {base_f1:.3f} | "
        f"{float(np.mean([a.value == b for a, b in zip(y, pred, strict=True)])):.3f} | – | – | – | – |",
        "",
        f"Leave-one-writer-out cross-validation on train+dev (from training): fast macro-F1 "
        f"{meta.get('lowo_fast_macro_f1')}, accurate-only {meta.get('lowo_accurate_macro_f1')}, cascade "
        f"{meta.get('lowo_cascade_macro_f1')} (threshold {meta.get('cascade_threshold')}, mix "
        f"{meta.get('accurate_mix')}); calibration out of fold: NLL {meta.get('lowo_fast_nll')}, "
        f"ECE {meta.get('lowo_fast_ece')}.",
        "",
        "By test writer (each a different author the model never saw):",
        "",
        "| writer | n | fast macro-F1 | accurate macro-F1 | fast good → ignore/block |",
        "|---|---:|---:|---:|---:|",
        *writer_rows(test, v_fast, v_acc),
        "",
        "## Fast path",
        "",
        format_report(r_fast),
        "## Accurate path (cascade)",
        "",
        format_report(r_acc),
        "## Actions by true category (fast path, default policy)",
        "",
        "| true category | "
        + " | ".join(a for a in ("accept", "ask_back", "suggest_follow", "ignore", "block_report"))
        + " |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for c in CATEGORIES:
        md.append(f"| {c.value} | " + " | ".join(str(actions[(c.value, a)]) for a in
                  ("accept", "ask_back", "suggest_follow", "ignore", "block_report")) + " |")  # fmt: skip
    md += [
        "",
        "## Signals: hit frequencies and precision (SpamAssassin's hit-frequencies idea)",
        "",
        "Precision: of the test hits outside `recruiter`, the share whose label agrees with the sign of the fitted "
        "weight (good categories for a positive weight, unwanted ones for a negative). Low precision or a dead "
        "signal is a candidate for rework.",
        "",
        *signal_table(train, test, fast),
        "",
        "## Worst errors (fast path, most confident first)",
        "",
        "Why: the active features whose weights favour the predicted over the true category most.",
        "",
        "| true | predicted | conf | note (shortened) | why |",
        "|---|---|---:|---|---|",
    ]
    for e, v in errors[:25]:
        note = (
            (e.request.note or "(no note) " + (e.request.sender.headline or ""))
            .replace("\n", " ")
            .replace("|", "/")
        )
        md.append(
            f"| {e.label.value} | {v.category.value} | {v.confidence:.2f} | {note[:110]} | {why(fast, e, v)} |"
        )
    # Sections other parts of the product measure with their own scripts (coach, learning).
    for name in ("evaluation-coach.md", "evaluation-learning.md"):
        part = OUT.parent / name
        if part.exists():
            md += ["", part.read_text(encoding="utf-8").strip()]
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text("\n".join(md) + "\n", encoding="utf-8")
    print(f"wrote {OUT}: fast {r_fast.macro_f1:.3f}, accurate {r_acc.macro_f1:.3f}, baseline {base_f1:.3f}")


if __name__ == "__main__":
    main()
