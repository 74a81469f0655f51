"""Screening for the importer: in-process, or ahead of the writer in one worker process.

Screening is pure (request in, verdict out), so a large import can hand it to a second core while the
main process parses, resolves people and writes. The worker builds its own screener from the shipped
model and the given policy; results come back as verdict rows in the order they were asked for.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from datetime import datetime
from typing import Any

from ..learn import Evidence, PersonalLayer, choose
from ..model import ContactRequest
from ..policy import Policy
from ..screener import Screener
from ..store.models import EncodedJSON, compact_signals, serialize_json
from ..store.repository import verdict_values

_worker: tuple[Screener, Policy, PersonalLayer | None] | None = None


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


def _screen_in_worker(requests: list[ContactRequest], now: datetime) -> list[dict[str, Any]]:
    assert _worker is not None
    rows = screen_rows(*_worker, requests, now)
    for row in rows:
        # The JSON columns leave the worker as the text the store writes: encoding them here takes that
        # work off the writer's core, and one string pickles faster than nested lists and dicts.
        row["signals"] = EncodedJSON(serialize_json(compact_signals(row["signals"])))
        row["probabilities"] = EncodedJSON(serialize_json(row["probabilities"]))
    return rows


class AheadScreening:
    """Screens keyed requests in a worker process, ahead of the batches that will store them."""

    def __init__(self, policy: Policy, layer: PersonalLayer | None, chunk: int = 2000) -> None:
        # spawn, not fork: the parent may run threads (a progress bar) and holds database connections.
        self._pool = ProcessPoolExecutor(
            max_workers=1, mp_context=multiprocessing.get_context("spawn"), initializer=_init_worker,
            initargs=(policy, layer, os.getpid()),
        )  # fmt: skip
        self._chunk = chunk
        self._pending: dict[object, Future[list[dict[str, Any]]]] = {}
        self._where: dict[object, tuple[object, int]] = {}
        self._done: dict[object, list[dict[str, Any]]] = {}
        self._left: dict[object, int] = {}
        self._broken = False

    def submit(self, keyed: Sequence[tuple[object, ContactRequest]], now: datetime) -> None:
        """Queue requests (each with a key to fetch its row by), in chunks, in order."""
        for start in range(0, len(keyed), self._chunk):
            part = keyed[start : start + self._chunk]
            ticket = object()
            self._pending[ticket] = self._pool.submit(_screen_in_worker, [r for _, r in part], now)
            self._left[ticket] = len(part)
            for i, (key, _) in enumerate(part):
                self._where[key] = (ticket, i)

    def take(self, key: object) -> dict[str, Any] | None:
        """The verdict row for a key (waiting for its chunk), or None if it was never submitted."""
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
        return row

    def close(self) -> None:
        """Stop the worker, dropping chunks nobody will ask for."""
        self._pool.shutdown(wait=True, cancel_futures=True)


ScreenerFactory = Callable[[], Screener]

__all__ = ["AheadScreening", "ScreenerFactory", "screen_rows"]
