"""Train the shipped models from data/train.jsonl and data/dev.jsonl (seeded, reproducible).

Never reads data/test.jsonl. Steps: choose the fast model's C on dev; leave-one-writer-out
out-of-fold logits on train+dev give the temperature and the fitted score weights; the final models
are fitted on train+dev; the accurate path and its cascade threshold are chosen the same way.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path

import numpy as np

from kontaktfilter.classify.encoder import embed, encoder_text
from kontaktfilter.classify.features import Vocabulary
from kontaktfilter.classify.model import ModelBundle, softmax
from kontaktfilter.classify.train import (
    SEED,
    Example,
    expected_calibration_error,
    fit_linear,
    fit_score_weights,
    fit_temperature,
    labels_of,
    load_labelled,
    macro_f1,
    nll,
    out_of_fold_logits,
    prepare,
    writer_folds,
)
from kontaktfilter.contract import parse_request
from kontaktfilter.model import CATEGORIES, GOOD_CATEGORIES, Category
from kontaktfilter.screener import signal_matrix

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "src" / "kontaktfilter" / "resources" / "model"
CACHE = ROOT / "data" / ".cache"
FAST_C = (1.0, 3.0, 10.0, 30.0, 100.0)
ACC_C = (0.3, 1.0, 3.0, 10.0)
MIN_COUNT = 2


def log(msg: str) -> None:
    print(f"[train {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def embed_cached(examples: list[Example], cache: Path) -> np.ndarray:
    """Accurate-path inputs; the sentence embeddings (the slow step) are cached by content hash."""
    texts = [encoder_text(e.request) for e in examples]
    key = hashlib.sha256(json.dumps(texts, ensure_ascii=False).encode()).hexdigest()[:16]
    path = cache / f"emb-{key}.npy"
    if path.exists():
        emb = np.load(path)
    else:
        log(f"embedding {len(texts)} texts")
        emb = embed(texts)
        cache.mkdir(parents=True, exist_ok=True)
        np.save(path, emb)
    # Signals change with the code, so they are never cached.
    return np.hstack([emb, signal_matrix([e.fired for e in examples])])


def no_evidence_examples() -> list[Example]:
    """Requests with no note and an empty profile, labelled collector_generic (no reason given).

    No writer wrote such a request, so without these rows the model extrapolates from its
    intercepts (it once called an empty request relevant_business). Generated, documented in
    data/README.md.
    """
    out = []
    for i, platform in enumerate(("linkedin", "xing", "mastodon", "email", "other")):
        for j, sender in enumerate(({}, {"has_photo": False}, {"mutual_contacts": 0}, {"name": "A. B."})):
            req = parse_request(
                {"id": f"prior-{i}-{j}", "platform": platform, "note": None, "sender": sender}
            )
            out.append(prepare(req, Category.COLLECTOR_GENERIC, "en", "prior"))
    return out


def choose_fast_c(train: list[Example], dev: list[Example]) -> tuple[float, dict[str, float]]:
    vocab = Vocabulary.build([e.features for e in train], MIN_COUNT)
    xt, xd = vocab.transform([e.features for e in train]), vocab.transform([e.features for e in dev])
    yt, yd = labels_of(train), labels_of(dev)
    scores = {}
    for c in FAST_C:
        m = fit_linear(xt, yt, c)
        scores[str(c)] = round(macro_f1(yd, m.logits(xd).argmax(axis=1)), 4)
        log(f"fast C={c}: dev macro-F1 {scores[str(c)]}")
    best = max(FAST_C, key=lambda c: scores[str(c)])
    return best, scores


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data", type=Path, default=ROOT / "data", help="folder with train.jsonl and dev.jsonl")
    ap.add_argument("--out", type=Path, default=OUT, help="where to write the model artefacts")
    ap.add_argument("--cache", type=Path, default=CACHE, help="cache folder for sentence embeddings")
    args = ap.parse_args()
    np.random.seed(SEED)
    train = load_labelled(args.data / "train.jsonl")
    dev = load_labelled(args.data / "dev.jsonl")
    train = train + no_evidence_examples()
    pool = train + dev
    y = labels_of(pool)
    log(f"train {len(train)}, dev {len(dev)}")

    c_fast, dev_scores = choose_fast_c(train, dev)
    oof = out_of_fold_logits(pool, c_fast, MIN_COUNT)
    temperature = fit_temperature(oof, y)
    p_oof = softmax(oof / temperature)
    log(f"fast C={c_fast}, T={temperature:.3f}, LOWO macro-F1 {macro_f1(y, p_oof.argmax(1)):.4f}")

    good_cols = [i for i, c in enumerate(CATEGORIES) if c in GOOD_CATEGORIES]
    score = fit_score_weights(pool, p_oof[:, good_cols].sum(axis=1))
    score.fitted_on = "train+dev, out-of-fold model probabilities"

    vocab = Vocabulary.build([e.features for e in pool], MIN_COUNT)
    fast = fit_linear(vocab.transform([e.features for e in pool]), y, c_fast)
    fast.temperature = temperature

    # Accurate path: sentence embeddings + signals, C chosen on dev, calibrated out of fold.
    x_pool = embed_cached(pool, args.cache)
    is_dev = np.array([i >= len(train) for i in range(len(pool))])
    acc_dev = {}
    for c in ACC_C:
        m = fit_linear(x_pool[~is_dev], y[~is_dev], c)
        acc_dev[str(c)] = round(macro_f1(y[is_dev], m.logits(x_pool[is_dev]).argmax(1)), 4)
        log(f"accurate C={c}: dev macro-F1 {acc_dev[str(c)]}")
    c_acc = max(ACC_C, key=lambda c: acc_dev[str(c)])
    acc_oof = np.zeros_like(oof)
    for held in writer_folds(pool):
        mask = np.ones(len(pool), dtype=bool)
        mask[held] = False
        acc_oof[held] = fit_linear(x_pool[mask], y[mask], c_acc).logits(x_pool[held])
    t_acc = fit_temperature(acc_oof, y)
    pa_oof = softmax(acc_oof / t_acc)
    accurate = fit_linear(x_pool, y, c_acc)
    accurate.temperature = t_acc

    best = (macro_f1(y, p_oof.argmax(1)), 0.0, 0.5)
    for mix in (0.3, 0.5, 0.7, 1.0):
        for thr in (0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1.01):
            unsure = p_oof.max(1) < thr
            p = p_oof.copy()
            p[unsure] = mix * pa_oof[unsure] + (1 - mix) * p_oof[unsure]
            f1 = macro_f1(y, p.argmax(1))
            if f1 > best[0] + 1e-9:
                best = (f1, thr, mix)
    log(f"cascade: threshold {best[1]}, mix {best[2]}, LOWO macro-F1 {best[0]:.4f}")

    meta = {
        "seed": SEED,
        "fast_c": c_fast,
        "fast_dev_macro_f1_by_c": dev_scores,
        "accurate_c": c_acc,
        "accurate_dev_macro_f1_by_c": acc_dev,
        "vocabulary_size": len(vocab),
        "train_records": len(train),
        "dev_records": len(dev),
        "lowo_fast_macro_f1": round(macro_f1(y, p_oof.argmax(1)), 4),
        "lowo_fast_nll": round(nll(p_oof, y), 4),
        "lowo_fast_ece": round(expected_calibration_error(p_oof, y), 4),
        "lowo_accurate_macro_f1": round(macro_f1(y, pa_oof.argmax(1)), 4),
        "lowo_cascade_macro_f1": round(best[0], 4),
        "splits": json.loads(splits.read_text(encoding="utf-8"))
        if (splits := args.data / "splits.json").exists()
        else {},
    }
    bundle = ModelBundle(
        vocab, fast, score, accurate, cascade_threshold=best[1], accurate_mix=best[2], meta=meta
    )
    bundle.save(args.out)
    log(f"wrote {args.out}")


if __name__ == "__main__":
    main()
