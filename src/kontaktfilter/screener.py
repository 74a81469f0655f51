"""The screening pipeline: request -> signals -> probabilities -> score -> policy -> verdict."""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import numpy as np

from .classify.encoder import EMBEDDING_DIM, embed, encoder_text
from .classify.model import ModelBundle
from .model import CATEGORIES, GOOD_CATEGORIES, ContactRequest, Verdict, _build_verdict
from .policy import Policy
from .signals import SIGNAL_IDS, Analysis, Signal, analyse, analyse_many, detect_all
from .verdict import Scorer

_SIGNAL_INDEX = {sid: i for i, sid in enumerate(SIGNAL_IDS)}
_GOOD_COLUMNS = [i for i, c in enumerate(CATEGORIES) if c in GOOD_CATEGORIES]


def _ids(fired: Sequence[tuple[Signal, str]]) -> list[str]:
    return [s.id for s, _ in fired]


def signal_matrix(fired_lists: Sequence[Sequence[tuple[Signal, str]]]) -> np.ndarray:
    """Binary request-by-signal matrix in registry order (the accurate model's symbolic input)."""
    out = np.zeros((len(fired_lists), len(SIGNAL_IDS)), dtype=np.float32)
    for row, fired in enumerate(fired_lists):
        for sig, _ in fired:
            out[row, _SIGNAL_INDEX[sig.id]] = 1.0
    return out


def accurate_input(texts: Sequence[str], fired_lists: Sequence[Sequence[tuple[Signal, str]]]) -> np.ndarray:
    """The accurate model's input: sentence embedding next to the signal indicators."""
    return np.hstack([embed(texts), signal_matrix(fired_lists)])


# Batches from this size on take the batch path (measured crossover: about 12 requests).
_BATCH_PATH_MIN = 12


class Screener:
    """Screens requests with the shipped (or given) models under a policy.

    `accurate=True` sends the requests the fast model is unsure about through the sentence encoder.
    """

    def __init__(
        self,
        bundle: ModelBundle | None = None,
        policy: Policy | None = None,
        *,
        accurate: bool = False,
        model_dir: Path | None = None,
    ) -> None:
        self.bundle = bundle if bundle is not None else ModelBundle.load(model_dir)
        acc = self.bundle.accurate
        if acc is not None and acc.coef.shape[1] != EMBEDDING_DIM + len(SIGNAL_IDS):
            raise ValueError(
                f"the accurate model expects {acc.coef.shape[1] - EMBEDDING_DIM} signals but "
                f"{len(SIGNAL_IDS)} are registered: the artefacts are stale (run `make model`)"
            )
        self.policy = policy if policy is not None else Policy.default()
        self.accurate = accurate and self.bundle.accurate is not None
        self._scorer: Scorer | None = None

    def _scorer_for_batch(self) -> Scorer:
        # Rebuilt whenever `bundle.score` is replaced (as `dataclasses.replace` does), so the
        # screener never scores with weights other than the ones it currently holds.
        scorer = self._scorer
        if scorer is None or scorer.weights is not self.bundle.score:
            scorer = self._scorer = Scorer(self.bundle.score)
        return scorer

    def fast_probabilities(
        self,
        requests: Sequence[ContactRequest],
        analyses: Sequence[Analysis],
        fired: Sequence[Sequence[tuple[Signal, str]]],
    ) -> np.ndarray:
        """Calibrated class probabilities from the fast model, one row per request."""
        return self._fast_probabilities(analyses, [_ids(f) for f in fired])

    def _fast_probabilities(self, analyses: Sequence[Analysis], ids: Sequence[list[str]]) -> np.ndarray:
        columns = self.bundle.vocab.columns
        rows = list(map(columns, analyses, ids))
        return self.bundle.fast.predict_proba(self.bundle.vocab.matrix(rows))

    def _cascade(
        self,
        requests: Sequence[ContactRequest],
        fired: Sequence[Sequence[tuple[Signal, str]]],
        probs: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray]:
        acc = self.bundle.accurate
        unsure = np.flatnonzero(probs.max(axis=1) < self.bundle.cascade_threshold)
        if acc is None or unsure.size == 0:
            return probs, unsure
        picked = [int(i) for i in unsure]
        x = accurate_input([encoder_text(requests[i]) for i in picked], [fired[i] for i in picked])
        mix = self.bundle.accurate_mix
        probs = probs.copy()
        probs[unsure] = mix * acc.predict_proba(x) + (1 - mix) * probs[unsure]
        return probs, unsure

    def screen_many(self, requests: Sequence[ContactRequest]) -> list[Verdict]:
        """Verdicts for a batch, in input order (batching makes the model step cheap)."""
        if not requests:
            return []
        # A batch allocates many small objects and creates no reference cycles; pausing the cyclic
        # garbage collector meanwhile saves about a fifth of the time.
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            return self._screen_batch(requests)
        finally:
            if was_enabled:
                gc.enable()

    def _screen_batch(self, requests: Sequence[ContactRequest]) -> list[Verdict]:
        # The batch path's NumPy steps cost a fixed amount per call, which only a batch of some size
        # pays back; a few requests (an API call, a web page) take the per-request path. Both give
        # the same verdicts (tests/test_batch.py, tests/test_screen_golden.py).
        vocab = self.bundle.vocab
        batch = analyse_many(requests) if len(requests) >= _BATCH_PATH_MIN else None
        analyses = batch.analyses if batch is not None else list(map(analyse, requests))
        fired = list(map(detect_all, requests, analyses))
        ids = [[s.id for s, _ in f] for f in fired]
        if batch is not None:
            x = vocab.batch_matrix(batch, ids)
        else:
            x = vocab.matrix(list(map(vocab.columns, analyses, ids)))
        probs = self.bundle.fast.predict_proba(x)
        escalated: set[int] = set()
        if self.accurate:
            probs, unsure = self._cascade(requests, fired, probs)
            escalated = set(unsure.tolist())
        if probs.shape[1] != len(CATEGORIES):
            raise ValueError(f"the model gives {probs.shape[1]} classes, expected {len(CATEGORIES)}")
        best = probs.argmax(axis=1).tolist()
        good = probs[:, _GOOD_COLUMNS].sum(axis=1).tolist()
        rows = probs.tolist()
        out: list[Verdict] = []
        append = out.append
        decide = self.policy.decide
        score = self._scorer_for_batch().score
        categories = CATEGORIES
        for i, req in enumerate(requests):
            row = rows[i]
            b = best[i]
            category = categories[b]
            confidence = row[b]
            p_good = good[i]
            a = analyses[i]
            hits, points = score(fired[i], p_good)
            decision = decide(category, points, confidence, p_good, ids[i], bool(a.note))
            append(
                _build_verdict(
                    req.id,
                    category,
                    confidence,
                    points,
                    decision.action,
                    a.lang,
                    hits,
                    dict(zip(categories, row, strict=True)),
                    "accurate" if i in escalated else "fast",
                    decision.rule,
                )
            )
        return out

    def screen(self, request: ContactRequest) -> Verdict:
        """The verdict for one request."""
        return self.screen_many([request])[0]

    def stream(self, requests: Iterable[ContactRequest], batch_size: int = 1024) -> Iterator[Verdict]:
        """Screen an iterable lazily in batches, yielding verdicts in input order."""
        batch: list[ContactRequest] = []
        for req in requests:
            batch.append(req)
            if len(batch) >= batch_size:
                yield from self.screen_many(batch)
                batch = []
        if batch:
            yield from self.screen_many(batch)


__all__ = ["CATEGORIES", "Screener", "accurate_input", "signal_matrix"]
