"""The screening core's output, pinned: every corpus record (and crossed variants) against a golden file.

The golden file (tests/golden/screen_verdicts.jsonl.gz) is written by scripts/make_golden.py from
the shipped model. Performance work must keep these tests passing bit-for-bit; regenerate the file
only when the behaviour is meant to change (after `make model`, `make corpus`, or a deliberate
change to a signal, the score or the policy), and review which verdicts moved.

The contract output (category, rounded confidence, score, action, lang, signal ids, weights,
reasons and their order), the policy rule and the model are compared exactly. The unrounded floats
are compared within 1e-12 relative by default: NumPy's `exp` is dispatched per CPU (AVX-512 or
not), so the last bit of a probability may legitimately differ on another machine. Set
KONTAKTFILTER_GOLDEN_STRICT=1 to compare them bit-for-bit too (the file's own machine does).
"""

from __future__ import annotations

import gzip
import json
import math
import os
from pathlib import Path
from typing import Any

import pytest
from scripts.make_golden import DEFAULT_OUT, golden_record, golden_requests

from kontaktfilter.model import ContactRequest
from kontaktfilter.screener import Screener
from kontaktfilter.signals import REGISTRY, analyse, detect_all

STRICT = os.environ.get("KONTAKTFILTER_GOLDEN_STRICT") == "1"
REGENERATE = "regenerate with `.venv/bin/python scripts/make_golden.py` only if the change is intended"


@pytest.fixture(scope="module")
def requests() -> list[ContactRequest]:
    return golden_requests()


@pytest.fixture(scope="module")
def golden() -> list[dict[str, Any]]:
    path = Path(DEFAULT_OUT)
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


@pytest.fixture(scope="module")
def screener() -> Screener:
    return Screener()


def _same_float(got: str, want: str) -> bool:
    if STRICT:
        return got == want
    return math.isclose(float.fromhex(got), float.fromhex(want), rel_tol=1e-12, abs_tol=1e-300)


def _compare(got: dict[str, Any], want: dict[str, Any]) -> None:
    rid = want["contract"]["id"]
    assert got["contract"] == want["contract"], f"{rid}: contract output changed; {REGENERATE}"
    assert got["policy_rule"] == want["policy_rule"], f"{rid}: policy rule changed"
    assert got["model"] == want["model"], f"{rid}: model changed"
    ge, we = got["exact"], want["exact"]
    assert _same_float(ge["confidence"], we["confidence"]), f"{rid}: confidence {ge} != {we}"
    assert len(ge["probabilities"]) == len(we["probabilities"])
    for g, w in zip(ge["probabilities"], we["probabilities"], strict=True):
        assert _same_float(g, w), f"{rid}: probabilities {ge['probabilities']} != {we['probabilities']}"
    assert len(ge["weights"]) == len(we["weights"])
    for g, w in zip(ge["weights"], we["weights"], strict=True):
        assert _same_float(g, w), f"{rid}: signal weights {ge['weights']} != {we['weights']}"


def test_golden_file_covers_the_corpus(requests: list[ContactRequest], golden: list[dict[str, Any]]) -> None:
    assert [g["contract"]["id"] for g in golden] == [r.id for r in requests], (
        f"golden file is stale (corpus changed?); {REGENERATE}"
    )


def test_verdicts_match_golden(
    screener: Screener, requests: list[ContactRequest], golden: list[dict[str, Any]]
) -> None:
    verdicts = screener.screen_many(requests)
    assert len(verdicts) == len(golden)
    for v, want in zip(verdicts, golden, strict=True):
        _compare(golden_record(v), want)


@pytest.mark.parametrize("size", [1, 7, 256])
def test_batch_size_does_not_change_verdicts(
    screener: Screener, requests: list[ContactRequest], golden: list[dict[str, Any]], size: int
) -> None:
    # Batch-level fast paths (caches, vectorised scoring) must not make a verdict depend on its
    # neighbours; single requests on a subset keep this test quick.
    picked = requests if size > 1 else requests[::11]
    wanted = golden if size > 1 else golden[::11]
    got = []
    for i in range(0, len(picked), size):
        got.extend(screener.screen_many(picked[i : i + size]))
    for v, want in zip(got, wanted, strict=True):
        _compare(golden_record(v), want)


def test_stream_matches_golden(
    screener: Screener, requests: list[ContactRequest], golden: list[dict[str, Any]]
) -> None:
    got = list(screener.stream(iter(requests), batch_size=1000))
    assert len(got) == len(golden)
    for v, want in zip(got, golden, strict=True):
        _compare(golden_record(v), want)


def test_detect_all_equals_the_named_detectors(requests: list[ContactRequest]) -> None:
    """detect_all may evaluate signals in a fused way, but must fire exactly what each signal's own
    `detect` function fires, with the same evidence, each signal at most once."""
    for req in requests:
        a = analyse(req)
        fired = [(s.id, ev) for s, ev in detect_all(req, a)]
        assert len({sid for sid, _ in fired}) == len(fired), f"{req.id}: a signal fired twice: {fired}"
        # A fresh analysis for the reference, so a fast path that mutated `a` would show.
        b = analyse(req)
        reference = {(s.id, ev) for s in REGISTRY.values() if (ev := s.detect(req, b)) is not None}
        assert set(fired) == reference, f"{req.id}: {set(fired) ^ reference}"
        assert detect_all(req) == detect_all(req, a)
