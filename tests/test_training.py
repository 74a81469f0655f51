"""Training is seeded and reproducible, and never needs the test split."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

from kontaktfilter.classify.model import ModelBundle

ROOT = Path(__file__).resolve().parent.parent


def _subset(src: Path, dst: Path, per_writer_label: int) -> None:
    taken: dict[tuple[str, str], int] = defaultdict(int)
    out = []
    for line in src.read_text(encoding="utf-8").splitlines():
        r = json.loads(line)
        key = (r["writer"], r["label"])
        if taken[key] < per_writer_label:
            taken[key] += 1
            out.append(line)
    dst.write_text("\n".join(out) + "\n", encoding="utf-8")


def test_training_is_reproducible(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    _subset(ROOT / "data" / "train.jsonl", data / "train.jsonl", 6)
    _subset(ROOT / "data" / "dev.jsonl", data / "dev.jsonl", 6)
    assert not (data / "test.jsonl").exists()
    bundles = []
    for run in ("a", "b"):
        out = tmp_path / run
        subprocess.run(
            [sys.executable, str(ROOT / "scripts" / "train.py"), "--data", str(data), "--out", str(out),
             "--cache", str(tmp_path / "cache")],
            check=True, capture_output=True, text=True, timeout=600,
        )  # fmt: skip
        bundles.append(ModelBundle.load(out))
    a, b = bundles
    assert a.vocab.index == b.vocab.index
    np.testing.assert_array_equal(a.fast.coef, b.fast.coef)
    assert a.fast.temperature == b.fast.temperature
    assert a.score.to_json() == b.score.to_json()
    assert a.accurate is not None and b.accurate is not None
    np.testing.assert_allclose(a.accurate.coef, b.accurate.coef, rtol=1e-5, atol=1e-6)


def test_fast_column_path_matches_feature_names() -> None:
    from kontaktfilter.classify.features import feature_names
    from kontaktfilter.classify.train import load_labelled

    bundle = ModelBundle.load()
    for e in load_labelled(ROOT / "data" / "dev.jsonl")[:200]:
        ids = [s.id for s, _ in e.fired]
        names = feature_names(e.request, e.analysis, ids)
        expected = {bundle.vocab.index[f] for f in names if f in bundle.vocab.index}
        assert bundle.vocab.columns(e.analysis, ids) == expected


def test_shipped_artefacts_match_the_registered_signals() -> None:
    from kontaktfilter.classify.encoder import EMBEDDING_DIM
    from kontaktfilter.signals import REGISTRY, SIGNAL_IDS

    bundle = ModelBundle.load()
    assert bundle.accurate is not None
    assert bundle.accurate.coef.shape[1] == EMBEDDING_DIM + len(SIGNAL_IDS)
    assert set(bundle.score.weights) == set(REGISTRY)
    assert {f[2:] for f in bundle.vocab.index if f.startswith("s:")} <= set(REGISTRY)
