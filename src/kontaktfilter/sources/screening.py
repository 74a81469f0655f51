"""Screening for the importer: in-process, or ahead of the writer in one worker process.

Screening is pure (request in, verdict out), so a large import can hand it to a second core while the
main process parses, resolves people and writes. The worker builds its own screener from the shipped
model and the given policy; for each request it sends back what the writer stores: the request's JSON
and digest (`encode_request`) and its verdict row, in the order they were asked for.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from datetime import datetime
from typing import Any, NamedTuple

from ..learn import Evidence, PersonalLayer, choose
from ..model import ContactRequest
from ..policy import Policy
from ..screener import Screener
from ..store.models import EncodedJSON, compact_signals, serialize_json
from ..store.repository import verdict_values
from .jsonl import compact_contract

_worker: tuple[Screener, Policy, PersonalLayer | None] | None = None


_SORTED_COMPACT = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def encode_request(request: ContactRequest) -> tuple[EncodedJSON, str]:
    """The request as stored (compact contract JSON, keys sorted) and the digest of exactly that text."""
    text = _SORTED_COMPACT.encode(compact_contract(request))
    return EncodedJSON(text), hashlib.sha256(text.encode("utf-8")).hexdigest()


class Prepared(NamedTuple):
    """A request made ready for the store by the worker: `encode_request` and its verdict row."""

    payload: EncodedJSON
    digest: str
    verdict: dict[str, Any]


def screen_rows(
    screener: Screener,
    policy: Policy,
    layer: PersonalLayer | None,
    requests: Sequence[ContactRequest],
    now: datetime,
) -> list[dict[str, Any]]:
    """Verdict rows (without request_id) for requests: the core's verdict, the personal layer's action."""
    verdicts = screener.screen_many(requests)
    core = [v.action for v in verdicts]
    if layer is None:
        actions = core
    else:
        evidence = [
            Evidence.from_verdict(v, bool(r.note and r.note.strip()))
            for r, v in zip(requests, verdicts, strict=True)
        ]
        actions = [c.action for c in choose(evidence, core, policy, layer)]
    return [verdict_values(v, a, now) for v, a in zip(verdicts, actions, strict=True)]


def _exit_with_parent(parent: int) -> None:
    # A parent killed with SIGKILL cannot stop its pool; without this the worker would wait forever.
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(0)


def _init_worker(policy: Policy, layer: PersonalLayer | None, parent: int) -> None:
    global _worker
    threading.Thread(target=_exit_with_parent, args=(parent,), daemon=True).start()
    _worker = (Screener(policy=policy), policy, layer)


def _prepare_in_worker(requests: list[ContactRequest], now: datetime) -> list[Prepared]:
    assert _worker is not None
    rows = screen_rows(*_worker, requests, now)
    out: list[Prepared] = []
    for request, row in zip(requests, rows, strict=True):
        # Everything leaves the worker as the text the store writes: encoding it here takes that work
        # off the writer's core, and one string pickles faster than nested lists and dicts.
        row["signals"] = EncodedJSON(serialize_json(compact_signals(row["signals"])))
        row["probabilities"] = EncodedJSON(serialize_json(row["probabilities"]))
        out.append(Prepared(*encode_request(request), row))
    return out


class AheadScreening:
    """Screens and encodes keyed requests in a worker process, ahead of the batches that store them."""

    def __init__(self, policy: Policy, layer: PersonalLayer | None, chunk: int = 2000) -> None:
        # spawn, not fork: the parent may run threads (a progress bar) and holds database connections.
        self._pool = ProcessPoolExecutor(
            max_workers=1, mp_context=multiprocessing.get_context("spawn"), initializer=_init_worker,
            initargs=(policy, layer, os.getpid()),
        )  # fmt: skip
        self._chunk = chunk
        self._pending: dict[object, Future[list[Prepared]]] = {}
        self._where: dict[object, tuple[object, int]] = {}
        self._done: dict[object, list[Prepared]] = {}
        self._left: dict[object, int] = {}
        self._broken = False

    def submit(self, keyed: Sequence[tuple[object, ContactRequest]], now: datetime) -> None:
        """Queue requests (each with a key to fetch its row by), in chunks, in order."""
        for start in range(0, len(keyed), self._chunk):
            part = keyed[start : start + self._chunk]
            ticket = object()
            self._pending[ticket] = self._pool.submit(_prepare_in_worker, [r for _, r in part], now)
            self._left[ticket] = len(part)
            for i, (key, _) in enumerate(part):
                self._where[key] = (ticket, i)

    def take(self, key: object) -> Prepared | None:
        """What the worker made of a key's request (waiting for its chunk), or None if it was never
        submitted or the worker died."""
        spot = self._where.pop(key, None)
        if spot is None or self._broken:
            return None
        ticket, i = spot
        if ticket not in self._done:
            try:
                self._done[ticket] = self._pending.pop(ticket).result()
            except Exception:
                # The worker died (out of memory, killed): the importer screens these itself.
                self._broken = True
                self._where.clear()
                return None
        row = self._done[ticket][i]
        self._left[ticket] -= 1
        if not self._left[ticket]:
            del self._done[ticket], self._left[ticket]
        if not self._where:
            # Every result is out: the worker exits (a quarter of a second for its interpreter to shut
            # down) while the writer stores the last batch, instead of after it.
            self._pool.shutdown(wait=False)
        return row

    def close(self) -> None:
        """Stop the worker, dropping chunks nobody will ask for (at once if every result was taken)."""
        self._pool.shutdown(wait=True, cancel_futures=True)


ScreenerFactory = Callable[[], Screener]

__all__ = ["AheadScreening", "Prepared", "ScreenerFactory", "encode_request", "screen_rows"]
