"""The watcher: finds invitation notifications in a mailbox, stores and screens them, optionally files
each into a folder per category, and remembers the last UID it read so the next pass starts there.

One pass: SELECT the folder, UID SEARCH for the extractors' sender addresses above the remembered UID,
fetch each mail without marking it read, extract, store (deduplicated by invitation id), file, and
save the new last UID only after the store committed. `watch` repeats passes, waiting in IMAP IDLE,
and reconnects with exponential backoff when the connection drops.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from ...model import ContactRequest, SenderProfile
from ...policy import Policy
from ...screener import Screener
from ...store.engine import Store
from .._backoff import Backoff
from .._inbox import SOURCE_IMAP, IncomingRequest, Stored, reconcile_mail_invitations, store_requests
from ..settings import ImapSettings
from . import mail
from .client import ImapAuthError, ImapClient, ImapError, ImapTLSError
from .extractors import Extractor, Ignored, Invitation
from .mail import MailError

# Mails stored per transaction: small enough that a dropped connection loses little work.
BATCH = 50


@dataclass
class PassSummary:
    """What one pass did: counts by outcome and one line per mail worth reporting."""

    counts: Counter[str] = field(default_factory=Counter)
    lines: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    last_uid: int = 0
    reconciled: int = 0

    def describe(self) -> str:
        """`3 new, 1 unchanged, 1 reminder ignored, 1 skipped (unreadable)` style totals."""
        order = [
            ("new", "new"), ("updated", "updated"), ("unchanged", "already known"),
            ("twin", "already imported from a LinkedIn export"), ("reminder", "reminder(s) ignored"),
            ("error", "skipped (unreadable)"), ("filed", "filed"),
        ]  # fmt: skip
        parts = [f"{self.counts[k]} {label}" for k, label in order if self.counts.get(k)]
        return ", ".join(parts) if parts else "no new invitation mails"


class UidState:
    """The last processed UID per mailbox, kept in a small JSON file (with the folder's UIDVALIDITY)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _load(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError):
            # A damaged state file costs one full rescan, which the dedupe makes harmless.
            return {}
        return data if isinstance(data, dict) else {}

    def get(self, key: str, uidvalidity: int) -> int:
        """The last UID read in this mailbox, or 0 when unknown or the UIDs were renumbered."""
        entry = self._load().get(key)
        if not isinstance(entry, dict) or entry.get("uidvalidity") != uidvalidity:
            return 0
        return int(entry.get("last_uid", 0))

    def set(self, key: str, uidvalidity: int, last_uid: int) -> None:
        """Remember the last UID read (written atomically)."""
        data = self._load()
        data[key] = {"uidvalidity": uidvalidity, "last_uid": last_uid}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".imap-state-", dir=self.path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=1, sort_keys=True)
        os.replace(tmp, self.path)


def incoming(inv: Invitation) -> IncomingRequest:
    """The store's request for an extracted invitation, keyed by platform and invitation id."""
    key = f"{inv.platform.value}:invitation:{inv.invitation_id}"
    prefix = "li" if inv.platform.value == "linkedin" else inv.platform.value[:2]
    public_id = f"{prefix}-" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:12]
    req = ContactRequest(
        id=public_id,
        platform=inv.platform,
        note=inv.note,
        received_at=inv.sent_at,
        sender=SenderProfile(name=inv.name, headline=inv.headline, profile_url=inv.profile_url),
    )
    return IncomingRequest(SOURCE_IMAP, key, public_id, req)


@dataclass(frozen=True, slots=True)
class _Found:
    uid: int
    invitation: Invitation


class Watcher:
    """Reads one mailbox folder into the inbox store; `run_once` for a pass, `watch` to keep going."""

    def __init__(
        self,
        settings: ImapSettings,
        *,
        client: Callable[[], ImapClient],
        store: Store,
        screener: Callable[[], Screener],
        policy: Policy,
        extractors: Sequence[Extractor],
        state: UidState,
        now: Callable[[], datetime],
        out: Callable[[str], None],
        warn: Callable[[str], None],
        backoff: Backoff | None = None,
        rescan: bool = False,
    ) -> None:
        self.settings = settings
        self._client_factory = client
        self.store = store
        self._screener_factory = screener
        self._screener: Screener | None = None
        self.policy = policy
        self.extractors = list(extractors)
        self.state = state
        self.now = now
        self.out = out
        self.warn = warn
        self.backoff = backoff or Backoff(base=1.0, cap=settings.max_backoff)
        self._rescan = rescan

    def _screener_once(self) -> Screener:
        # The model loads once per process, however many passes run.
        if self._screener is None:
            self._screener = self._screener_factory()
        return self._screener

    @property
    def _key(self) -> str:
        s = self.settings
        return f"{s.username}@{s.host}:{s.effective_port}/{s.folder}"

    def _senders(self) -> list[str]:
        if any(not e.senders for e in self.extractors):
            return []
        return sorted({s for e in self.extractors for s in e.senders})

    def run_once(self) -> PassSummary:
        """Connect, run one pass, disconnect; errors propagate (the CLI turns them into messages)."""
        client = self._client_factory()
        client.connect()
        try:
            return self.process(client)
        finally:
            client.close()

    def process(self, client: ImapClient) -> PassSummary:
        """One pass over the folder with an open connection."""
        folder = self.settings.folder
        uidvalidity = client.select(folder)
        after = 0 if self._rescan else self.state.get(self._key, uidvalidity)
        self._rescan = False
        summary = PassSummary(last_uid=after)
        uids = client.search(self._senders(), after)
        for start in range(0, len(uids), BATCH):
            batch = uids[start : start + BATCH]
            found: list[_Found] = []
            for uid in batch:
                item = self._read(client, uid, summary)
                if item is not None:
                    found.append(item)
            stored = self._store(found)
            for item, result in zip(found, stored, strict=True):
                self._report(item, result, summary)
                if self.settings.move.enabled and result.category is not None:
                    self._file(client, item.uid, result, summary)
            summary.last_uid = max(summary.last_uid, *batch)
            self.state.set(self._key, uidvalidity, summary.last_uid)
        with self.store.session() as s:
            summary.reconciled = reconcile_mail_invitations(
                s, screener=self._screener_once, policy=self.policy, now=self.now()
            )
        return summary

    def _read(self, client: ImapClient, uid: int, summary: PassSummary) -> _Found | None:
        where = f"{self.settings.folder}:{uid}"
        raw = client.fetch(uid)
        if raw is None:
            return None
        msg = mail.parse(raw)
        extractor = next((e for e in self.extractors if e.matches(msg)), None)
        if extractor is None:
            summary.counts["other"] += 1
            return None
        try:
            return _Found(uid, extractor.extract(msg))
        except Ignored as why:
            summary.counts["reminder"] += 1
            summary.lines.append(f"{where}: ignored: {why}")
            self.out(f"{where}: ignored: {why}")
        except MailError as exc:
            summary.counts["error"] += 1
            problem = f"{where}: {exc.field}: {exc.message}; skipped"
            summary.problems.append(problem)
            self.warn(problem)
        return None

    def _store(self, found: Sequence[_Found]) -> list[Stored]:
        if not found:
            return []
        with self.store.session() as s:
            return store_requests(
                s,
                [incoming(f.invitation) for f in found],
                screener=self._screener_once,
                policy=self.policy,
                now=self.now(),
            )

    def _report(self, item: _Found, result: Stored, summary: PassSummary) -> None:
        summary.counts[result.outcome] += 1
        inv = item.invitation
        verdict = (
            f"{result.category}, score {result.score}, {result.action}" if result.category else "not screened"
        )
        line = f"{self.settings.folder}:{item.uid}: {result.outcome} {result.public_id} {inv.name}: {verdict}"
        summary.lines.append(line)
        self.out(line)

    def _file(self, client: ImapClient, uid: int, result: Stored, summary: PassSummary) -> None:
        move = self.settings.move
        target = move.target(result.category or "", result.action.value if result.action else "")
        try:
            done = client.file(uid, target, move.mode)
        except ImapError as exc:
            problem = f"{self.settings.folder}:{uid}: move: {exc}"
            summary.problems.append(problem)
            self.warn(problem)
            return
        summary.counts["filed"] += 1
        self.out(f"{self.settings.folder}:{uid}: {done}")

    def watch(self, stop: Callable[[], bool]) -> None:
        """Pass, wait in IDLE, pass again on news; reconnect with backoff until `stop()` is true.

        Wrong credentials and untrusted certificates end the loop at once (retrying cannot help).
        """
        client: ImapClient | None = None
        while not stop():
            try:
                if client is None:
                    client = self._client_factory()
                    client.connect()
                    self.out(f"connected to {client.where}, watching {self.settings.folder}")
                summary = self.process(client)
                self.backoff.reset()
                if summary.counts:
                    self.out(summary.describe())
                while not stop():
                    if client.idle(self.settings.idle_seconds):
                        break
                    # IDLE ran out quietly: a NOOP proves the session is alive before the next IDLE.
                    client.noop()
            except (ImapAuthError, ImapTLSError):
                if client is not None:
                    client.close()
                raise
            except ImapError as exc:
                if client is not None:
                    client.close()
                client = None
                delay = self.backoff.next_delay()
                self.warn(f"{exc}; reconnecting in {delay:.0f}s")
                self._sleep_until(delay, stop)
        if client is not None:
            client.close()

    def _sleep_until(self, delay: float, stop: Callable[[], bool]) -> None:
        waited = 0.0
        step = min(1.0, delay) if delay > 0 else 0.0
        while waited < delay and not stop():
            self.backoff.sleep(step)
            waited += step


__all__ = ["BATCH", "PassSummary", "UidState", "Watcher", "incoming"]
