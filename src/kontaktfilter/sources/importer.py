"""Importing into the store: a LinkedIn export or a JSON Lines file, screened on the way in.

Every batch of rows is written in one transaction together with the run's checkpoint (phase and
position) and counts, so a killed import resumes where the last committed batch ended and ends in the
same database as one clean run. Rows are matched on natural keys (profile URL or name, invitation
time, message content, the JSON Lines id), which makes importing the same input twice a no-op and a
newer export add only what is new and update what changed.
"""

from __future__ import annotations

import gc
import hashlib
import json
import zipfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol, TypeVar

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from ..learn import PersonalLayer
from ..model import ContactRequest, Platform, RecipientContext, SenderProfile
from ..policy import Policy
from ..screener import Screener
from ..store.bulk import BulkInsert
from ..store.engine import Store
from ..store.models import Connection as ConnectionRow
from ..store.models import ImportRun, Owner, Request, Verdict, table_of
from ..store.models import Message as MessageRow
from ..store.people import PersonDirectory, fold_name
from ..store.repository import (
    CONNECTED,
    INCOMING,
    OUTGOING,
    PENDING,
    load_personal_layer,
)
from .archive import file_fingerprint, normalise_name
from .jsonl import JsonlError, read_requests
from .linkedin_export import (
    CONNECTIONS,
    EXPORT_FILES,
    INVITATIONS,
    MESSAGES,
    PROFILE,
    Connection,
    ExportError,
    Invitation,
    LinkedInExport,
    Message,
    OwnerProfile,
    RowProblem,
    canonical_profile_url,
    load_files,
    read_export_files,
)
from .screening import AheadScreening, Prepared, encode_request, screen_rows

T = TypeVar("T")

_INSERT_REQUESTS = BulkInsert(table_of(Request), skip=("id",))
_INSERT_VERDICTS = BulkInsert(table_of(Verdict))
_INSERT_CONNECTIONS = BulkInsert(table_of(ConnectionRow))
_INSERT_MESSAGES = BulkInsert(table_of(MessageRow), skip=("id",))

PROFILE_LABEL, CONNECTIONS_LABEL, INVITATIONS_LABEL, MESSAGES_LABEL = (
    "Profile.csv", "Connections.csv", "Invitations.csv", "messages.csv",
)  # fmt: skip
LINKEDIN_PHASES = ("owner", "connections", "invitations", "messages")
_PHASE_FILES = {
    "owner": PROFILE,
    "connections": CONNECTIONS,
    "invitations": INVITATIONS,
    "messages": MESSAGES,
}
_LABELS = {
    "owner": PROFILE_LABEL, "connections": CONNECTIONS_LABEL, "invitations": INVITATIONS_LABEL,
    "messages": MESSAGES_LABEL,
}  # fmt: skip


@dataclass
class Counts:
    """Rows of one file: new, updated, already there (skipped), and unreadable (rejected)."""

    new: int = 0
    updated: int = 0
    skipped: int = 0
    rejected: int = 0

    def to_json(self) -> dict[str, int]:
        """As stored in the run's checkpoint."""
        return {"new": self.new, "updated": self.updated, "skipped": self.skipped}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Counts:
        """Inverse of `to_json`."""
        return cls(int(data.get("new", 0)), int(data.get("updated", 0)), int(data.get("skipped", 0)))


@dataclass
class ImportSummary:
    """What an import did, per file, and every row it could not read."""

    source: str
    kind: str
    counts: dict[str, Counts] = field(default_factory=dict)
    problems: list[RowProblem] = field(default_factory=list)
    screened: int = 0
    now_connected: int = 0
    resumed_from: str | None = None

    def total(self) -> Counts:
        """All files together."""
        t = Counts()
        for c in self.counts.values():
            t.new, t.updated = t.new + c.new, t.updated + c.updated
            t.skipped, t.rejected = t.skipped + c.skipped, t.rejected + c.rejected
        return t


class Progress(Protocol):
    """Where an import reports how far it is (a progress bar on a terminal, nothing otherwise)."""

    def phase(self, label: str, total: int, done: int) -> None:
        """A new phase with `total` rows starts, `done` of them already imported by an earlier run."""

    def advance(self, rows: int) -> None:
        """`rows` more rows are committed."""


class NoProgress:
    """Reports nothing."""

    def phase(self, label: str, total: int, done: int) -> None:
        """Ignore."""

    def advance(self, rows: int) -> None:
        """Ignore."""


def _digest(*parts: object) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(json.dumps(p, sort_keys=True, ensure_ascii=False, default=str).encode("utf-8"))
        h.update(b"\x1f")
    return h.hexdigest()


def invitation_key(inv: Invitation) -> str:
    """An invitation's natural key: direction, the other side's identity, and when it was sent."""
    if inv.direction == "INCOMING":
        who = inv.inviter_url or "name:" + fold_name(inv.from_name)
    else:
        who = inv.invitee_url or "name:" + fold_name(inv.to_name)
    return f"linkedin:{inv.direction.lower()}:{who}:{inv.sent_at.isoformat()}"


def public_id_for(source_key: str) -> str:
    """The short id the inbox shows for an imported invitation (stable across databases)."""
    return "li-" + hashlib.sha256(source_key.encode("utf-8")).hexdigest()[:12]


def detect_kind(path: Path) -> str:
    """`linkedin` (zip, folder, or one of its CSV files) or `jsonl`; ExportError for anything else."""
    if path.is_dir():
        return "linkedin"
    if not path.exists():
        raise ExportError(path, "no such file or folder")
    if zipfile.is_zipfile(path) or normalise_name(path.name) in EXPORT_FILES:
        return "linkedin"
    with path.open("rb") as fh:
        head = fh.read(4096).lstrip(b"\xef\xbb\xbf \t\r\n")
    if path.suffix.lower() in (".jsonl", ".ndjson", ".json") or head.startswith(b"{"):
        return "jsonl"
    raise ExportError(path, "not a LinkedIn data export (zip or folder) nor a JSON Lines file")


@dataclass(frozen=True, slots=True)
class _Item:
    """A request to write: its natural and shown keys, its person, and the request itself."""

    source_key: str
    public_id: str
    person_id: int
    request: ContactRequest
    source: str
    incoming: bool


@dataclass
class _Run:
    id: int
    phase: str
    position: int
    counts: dict[str, Counts]
    screened: int
    resumed_from: str | None


class Importer:
    """Imports files into a store, screening incoming requests with the core and the personal layer."""

    def __init__(
        self,
        store: Store,
        *,
        screener: Callable[[], Screener],
        policy: Policy,
        batch_size: int = 2000,
        progress: Progress | None = None,
        now: Callable[[], datetime] | None = None,
        parallel: bool = False,
    ) -> None:
        self.store = store
        # Screen in a worker process ahead of the writer when an import has this many to screen.
        self.parallel_from = 4000 if parallel else None
        self._ahead: AheadScreening | None = None
        self._prepared: dict[int, tuple[str, ContactRequest]] = {}
        self._digests: dict[str, str] = {}
        self._screener_factory = screener
        self._screener: Screener | None = None
        self.policy = policy
        self.batch_size = batch_size
        self.progress: Progress = progress or NoProgress()
        self.now = now or (lambda: datetime.now(UTC))
        self.directory = PersonDirectory()
        self.connected: set[int] = set()
        self.layer: PersonalLayer | None = None

    # --- entry points ---------------------------------------------------------------------------

    def import_path(self, path: Path) -> ImportSummary:
        """Import a LinkedIn export (zip, folder or single CSV) or a JSON Lines file."""
        kind = detect_kind(path)
        with self._collector_paused(), self._store_for_import():
            return self.import_linkedin(path) if kind == "linkedin" else self.import_jsonl(path)

    @contextmanager
    def _store_for_import(self) -> Iterator[None]:
        """Run the import's sessions on the store's import connection (`Store.for_import`)."""
        shared = self.store
        with shared.for_import() as store:
            self.store = store
            try:
                yield
            finally:
                self.store = shared

    @staticmethod
    @contextmanager
    def _collector_paused() -> Iterator[None]:
        """Pause the cyclic garbage collector for the import, as the screener does for a batch.

        An import holds 100,000s of long-lived parsed rows and creates no reference cycles worth
        collecting; every full collection would walk all of them again (a quarter of the run time).
        """
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            yield
        finally:
            if was_enabled:
                gc.enable()

    def import_linkedin(self, path: Path) -> ImportSummary:
        """Import a LinkedIn export; everything is parsed and checked before anything is written."""
        files = load_files(path)
        export = read_export_files(files)
        summary = ImportSummary(str(path), "linkedin", problems=list(export.problems))
        run = self._begin(files.fingerprint, "linkedin", str(path), LINKEDIN_PHASES[0])
        self._load_state()
        self._extra_problems, self._touched, self._seen_keys = [], {}, {}
        present = {_LABELS[phase] for phase, key in _PHASE_FILES.items() if key in files.files}
        owner_name = _owner_name(export)
        has_owner = export.profile is not None or export.owner_url is not None
        phases: list[tuple[str, Sequence[Any], Callable[[Session, Sequence[Any], _Run], None]]] = [
            ("owner", [(export.profile, export.owner_url, owner_name)] if has_owner else [], self._owner),
            ("connections", export.connections, self._connections),
            ("invitations", export.invitations, self._invitations),
            (
                "messages",
                export.messages,
                lambda s, b, r: self._messages(s, b, r, export.owner_url, owner_name),
            ),
        ]
        for label in _LABELS.values():
            run.counts.setdefault(label, Counts())
        for phase, records, _ in phases:
            self._replay(LINKEDIN_PHASES, phase, records, run)
        try:
            for phase, records, handler in phases:
                self._run_phase(run, LINKEDIN_PHASES, phase, _LABELS[phase], records, handler)
                if phase == "owner":
                    # Invitation requests depend only on the owner: prepared here, the screening worker
                    # starts up and gets ahead while the connections are written.
                    self._prepare_invitations(export.invitations, run)
        finally:
            if self._ahead is not None:
                self._ahead.close()
                self._ahead = None
            self._prepared, self._digests = {}, {}
        return self._finish(run, summary, present)

    def import_jsonl(self, path: Path) -> ImportSummary:
        """Import JSON Lines in the screen contract; bad lines are reported and skipped."""
        try:
            parsed = read_requests(path)
        except JsonlError as exc:
            raise ExportError(path, str(exc).removeprefix(f"{path}: ")) from None
        label = path.name
        summary = ImportSummary(str(path), "jsonl", problems=list(parsed.problems))
        run = self._begin(file_fingerprint(path), "jsonl", str(path), "requests")
        self._load_state()
        self._extra_problems, self._touched, self._seen_keys = [], {}, {}
        self._jsonl_label = label
        run.counts.setdefault(label, Counts())
        self._replay(("requests",), "requests", parsed.requests, run)
        self._run_phase(run, ("requests",), "requests", label, parsed.requests, self._jsonl)
        return self._finish(run, summary, {label})

    # --- run bookkeeping ------------------------------------------------------------------------

    def _begin(self, fingerprint: str, kind: str, source: str, first_phase: str) -> _Run:
        with self.store.session() as s:
            row = s.scalars(
                select(ImportRun)
                .where(ImportRun.fingerprint == fingerprint, ImportRun.status == "running")
                .order_by(ImportRun.id.desc())
                .limit(1)
            ).first()
            if row is not None:
                counts = {k: Counts.from_json(v) for k, v in row.counts.get("files", {}).items()}
                where = f"{_LABELS.get(row.phase, row.phase)} row {row.position}"
                return _Run(
                    row.id, row.phase, row.position, counts, int(row.counts.get("screened", 0)), where
                )
            row = ImportRun(
                fingerprint=fingerprint, kind=kind, source=source, status="running", phase=first_phase,
                position=0, counts={}, started_at=self.now(), finished_at=None,
            )  # fmt: skip
            s.add(row)
            s.flush()
            return _Run(row.id, first_phase, 0, {}, 0, None)

    def _load_state(self) -> None:
        with self.store.session() as s:
            self.directory = PersonDirectory.load(s)
            self.connected = set(s.scalars(select(ConnectionRow.person_id)))
            self.layer = load_personal_layer(s)
            owner = s.get(Owner, 1)
            self._owner_ctx = _owner_context(owner)

    def _run_phase(
        self,
        run: _Run,
        order: Sequence[str],
        phase: str,
        label: str,
        records: Sequence[T],
        handler: Callable[[Session, Sequence[T], _Run], None],
    ) -> None:
        done_before = order.index(run.phase)
        here = order.index(phase)
        if here < done_before:
            return
        start = run.position if here == done_before else 0
        self.progress.phase(label, len(records), start)
        for i in range(start, len(records), self.batch_size):
            batch = records[i : i + self.batch_size]
            with self.store.session() as s:
                handler(s, batch, run)
                run.phase, run.position = phase, i + len(batch)
                s.execute(
                    update(ImportRun)
                    .where(ImportRun.id == run.id)
                    .values(phase=phase, position=run.position, counts=_counts_json(run))
                )
            self.progress.advance(len(batch))

    def _replay(self, order: Sequence[str], phase: str, records: Sequence[Any], run: _Run) -> None:
        """Rebuild duplicate tracking (and its problems) for rows an interrupted run already committed."""
        if run.phase not in order or order.index(phase) > order.index(run.phase):
            return
        upto = run.position if phase == run.phase else len(records)
        for rec in records[:upto]:
            if phase == "connections":
                pid = self.directory.lookup(rec.url, _full_name(rec))
                if pid is not None and self._touched.setdefault(pid, rec.line) != rec.line:
                    self._duplicate(CONNECTIONS_LABEL, rec.line, self._touched[pid])
            elif phase == "invitations":
                if self._seen_keys.setdefault(invitation_key(rec), rec.line) != rec.line:
                    self._duplicate(INVITATIONS_LABEL, rec.line, self._seen_keys[invitation_key(rec)])
            elif phase == "requests":
                line, req = rec
                if self._seen_keys.setdefault("jsonl:" + req.id, line) != line:
                    self._duplicate(self._jsonl_label, line, self._seen_keys["jsonl:" + req.id], req.id)

    def _prepare_invitations(self, records: Sequence[Invitation], run: _Run) -> None:
        """Build every request still to import once, read the stored digests in bulk (digesting only the
        requests already stored), and start screening the new and changed ones in a worker when there
        are enough of them."""
        order = LINKEDIN_PHASES
        if order.index(run.phase) > order.index("invitations"):
            return
        start = run.position if run.phase == "invitations" else 0
        seen = set(self._seen_keys)
        todo: list[tuple[str, ContactRequest, bool]] = []
        for inv in records[start:]:
            key = invitation_key(inv)
            if key in seen:
                continue
            seen.add(key)
            request = self._invitation_request(inv, public_id_for(key))
            self._prepared[inv.line] = (key, request)
            todo.append((key, request, inv.direction == "INCOMING"))
        stored: dict[str, str] = {}
        with self.store.session() as s:
            for i in range(0, len(todo), 5000):
                keys = [k for k, _, _ in todo[i : i + 5000]]
                rows = s.execute(
                    select(Request.source_key, Request.content_hash).where(Request.source_key.in_(keys))
                )
                stored.update({k: h for k, h in rows})
        to_screen: list[tuple[object, ContactRequest]] = []
        for key, request, incoming in todo:
            old = stored.get(key)
            if old is None:
                # New: screened whatever its digest; `_write_requests` encodes it once, when storing it.
                if incoming:
                    to_screen.append((request.id, request))
                continue
            digest = self._digests[key] = encode_request(request)[1]
            if incoming and old != digest:
                to_screen.append((request.id, request))
        if self.parallel_from is not None and len(to_screen) >= self.parallel_from:
            self._ahead = AheadScreening(self.policy, self.layer, chunk=self.batch_size)
            self._ahead.submit(to_screen, self.now())

    def _finish(self, run: _Run, summary: ImportSummary, present: set[str]) -> ImportSummary:
        with self.store.session() as s:
            s.execute(
                update(ImportRun)
                .where(ImportRun.id == run.id)
                .values(status="done", finished_at=self.now(), counts=_counts_json(run))
            )
        summary.problems.extend(sorted(self._extra_problems, key=lambda p: (p.file, p.line)))
        for label in sorted(present, key=_file_order):
            summary.counts[label] = run.counts.get(label, Counts())
        for p in summary.problems:
            key = next(
                (lb for lb in summary.counts if p.file == lb or normalise_name(p.file) == normalise_name(lb)),
                None,
            )
            if key is not None:
                summary.counts[key].rejected += 1
        summary.screened = run.screened
        summary.now_connected = int(run.counts.get("_connected", Counts()).updated)
        summary.resumed_from = run.resumed_from
        return summary

    # --- screening ------------------------------------------------------------------------------

    def _screen(
        self,
        s: Session,
        items: Sequence[tuple[int, ContactRequest, Prepared | None]],
        replace: bool,
        run: _Run,
    ) -> None:
        """Store verdicts for (request id, request, what the worker made of it); screen the rest here."""
        if not items:
            return
        rows = [ahead.verdict if ahead is not None else None for _, _, ahead in items]
        missing = [i for i, row in enumerate(rows) if row is None]
        if missing:
            if self._screener is None:
                self._screener = self._screener_factory()
            fresh = screen_rows(
                self._screener, self.policy, self.layer, [items[i][1] for i in missing], self.now()
            )
            for i, row in zip(missing, fresh, strict=True):
                rows[i] = row
        if replace:
            s.execute(delete(Verdict).where(Verdict.request_id.in_([rid for rid, _, _ in items])))
        _INSERT_VERDICTS.execute(
            s.connection(),
            [{"request_id": rid, **row} for (rid, _, _), row in zip(items, rows, strict=True) if row],
        )
        run.screened += len(rows)

    def _write_requests(self, s: Session, label: str, run: _Run, items: Sequence[_Item]) -> None:
        """Insert, update or skip requests by their natural key; screen the new and the changed ones."""
        counts = run.counts[label]
        now = self.now()
        existing = {
            row.source_key: row
            for row in s.execute(
                select(Request.id, Request.source_key, Request.content_hash, Request.status).where(
                    Request.source_key.in_([it.source_key for it in items])
                )
            )
        }
        new_rows: list[dict[str, Any]] = []
        new_screen: list[tuple[str, ContactRequest, Prepared | None]] = []
        updates: list[dict[str, Any]] = []
        rescreen: list[tuple[int, ContactRequest, Prepared | None]] = []
        for it in items:
            cached = self._digests.pop(it.source_key, None)
            ahead = self._ahead.take(it.public_id) if self._ahead is not None and it.incoming else None
            if ahead is not None:
                payload, digest = ahead.payload, ahead.digest
            elif cached is not None:
                payload, digest = None, cached
            else:
                payload, digest = encode_request(it.request)
            status = CONNECTED if it.person_id in self.connected else PENDING
            old = existing.get(it.source_key)
            if old is not None and old.content_hash == digest and old.status == status:
                counts.skipped += 1
                continue
            if payload is None:
                payload = encode_request(it.request)[0]
            values = {
                "person_id": it.person_id, "note": it.request.note, "platform": it.request.platform.value,
                "received_at": it.request.received_at, "payload": payload, "content_hash": digest,
                "status": status,
            }  # fmt: skip
            if old is None:
                new_rows.append(
                    {"public_id": it.public_id, "source_key": it.source_key, "source": it.source,
                     "direction": INCOMING if it.incoming else OUTGOING, **values}
                )  # fmt: skip
                if it.incoming:
                    new_screen.append((it.public_id, it.request, ahead))
                counts.new += 1
            else:
                updates.append({"id": old.id, "updated_at": now, **values})
                if it.incoming and old.content_hash != digest:
                    rescreen.append((old.id, it.request, ahead))
                counts.updated += 1
        if new_rows:
            # Plain executemany and a read-back by key: ordered RETURNING degrades to one statement per
            # row on SQLite.
            _INSERT_REQUESTS.execute(s.connection(), new_rows, {"created_at": now, "updated_at": now})
            just_in = [r["public_id"] for r in new_rows]
            stored = select(Request.public_id, Request.id).where(Request.public_id.in_(just_in))
            by_public = dict(s.execute(stored).all())
            self._screen(s, [(by_public[pid], req, ahead) for pid, req, ahead in new_screen], False, run)
        if updates:
            s.execute(update(Request), updates)
            self._screen(s, rescreen, True, run)

    # --- LinkedIn phases ------------------------------------------------------------------------

    def _owner(
        self, s: Session, batch: Sequence[tuple[OwnerProfile | None, str | None, str | None]], run: _Run
    ) -> None:
        profile, url, name = batch[0]
        counts = run.counts[PROFILE_LABEL]
        first, last = (profile.first_name, profile.last_name) if profile else _split_name(name)
        values = {
            "first_name": first or None, "last_name": last or None,
            "headline": profile.headline if profile else None, "summary": profile.summary if profile else None,
            "industry": profile.industry if profile else None, "location": profile.location if profile else None,
            "profile_url": url,
        }  # fmt: skip
        row = s.get(Owner, 1)
        if row is not None:
            # An export without Profile.csv knows less about the owner; keep what an earlier one said.
            values = {k: (v if v is not None else getattr(row, k)) for k, v in values.items()}
        if row is None:
            s.add(Owner(id=1, updated_at=self.now(), **values))
            counts.new += 1
        elif all(getattr(row, k) == v for k, v in values.items()):
            counts.skipped += 1
        else:
            for k, v in values.items():
                setattr(row, k, v)
            row.updated_at = self.now()
            counts.updated += 1
        s.flush()
        self._owner_ctx = _owner_context(row or s.get(Owner, 1))

    def _connections(self, s: Session, batch: Sequence[Connection], run: _Run) -> None:
        counts = run.counts[CONNECTIONS_LABEL]
        now = self.now()
        pids = self.directory.resolve_many(s, [(c.url, _full_name(c)) for c in batch], now)
        ids = [p for p in pids if p is not None]
        stored = select(ConnectionRow.person_id, ConnectionRow.content_hash).where(
            ConnectionRow.person_id.in_(ids)
        )
        existing = {pid: digest for pid, digest in s.execute(stored)}
        new_rows: list[dict[str, Any]] = []
        updates: list[dict[str, Any]] = []
        for conn, pid in zip(batch, pids, strict=True):
            if pid is None:
                continue
            first_line = self._touched.setdefault(pid, conn.line)
            if first_line != conn.line:
                self._duplicate(CONNECTIONS_LABEL, conn.line, first_line)
                continue
            values = {
                "first_name": conn.first_name, "last_name": conn.last_name, "email": conn.email,
                "company": conn.company, "position": conn.position, "connected_on": conn.connected_on,
            }  # fmt: skip
            digest = _digest(values)
            old = existing.get(pid)
            if old is None:
                new_rows.append({"person_id": pid, "content_hash": digest, **values})
                counts.new += 1
            elif old == digest:
                counts.skipped += 1
            else:
                updates.append({"person_id": pid, "content_hash": digest, "updated_at": now, **values})
                counts.updated += 1
            self.connected.add(pid)
        if new_rows:
            _INSERT_CONNECTIONS.execute(s.connection(), new_rows, {"created_at": now, "updated_at": now})
        if updates:
            s.execute(update(ConnectionRow), updates)
        if ids:
            # A pending request from someone who is now a connection was accepted meanwhile.
            result = s.execute(
                update(Request)
                .where(Request.person_id.in_(ids), Request.status == PENDING)
                .values(status=CONNECTED, updated_at=now)
                .execution_options(synchronize_session=False)
            )
            connected = run.counts.setdefault("_connected", Counts())
            connected.updated += int(getattr(result, "rowcount", 0) or 0)

    def _invitations(self, s: Session, batch: Sequence[Invitation], run: _Run) -> None:
        now = self.now()
        sides = [
            (inv.inviter_url, inv.from_name)
            if inv.direction == "INCOMING"
            else (inv.invitee_url, inv.to_name)
            for inv in batch
        ]
        pids = self.directory.resolve_many(s, sides, now)
        items: list[_Item] = []
        for inv, pid in zip(batch, pids, strict=True):
            prepared = self._prepared.pop(inv.line, None)
            key = prepared[0] if prepared is not None else invitation_key(inv)
            first = self._seen_keys.setdefault(key, inv.line)
            if first != inv.line:
                self._duplicate(INVITATIONS_LABEL, inv.line, first)
                continue
            if pid is None:
                continue
            request = (
                prepared[1] if prepared is not None else self._invitation_request(inv, public_id_for(key))
            )
            public_id = request.id
            items.append(_Item(key, public_id, pid, request, "linkedin_export", inv.direction == "INCOMING"))
        self._write_requests(s, INVITATIONS_LABEL, run, items)

    def _invitation_request(self, inv: Invitation, public_id: str) -> ContactRequest:
        """What LinkedIn shows of an invitation (name and URL only), with the owner as the other side."""
        name, headline, url = self._owner_ctx
        if inv.direction == "INCOMING":
            sender = SenderProfile(name=inv.from_name or None, profile_url=inv.inviter_url)
            recipient = RecipientContext(name=name or inv.to_name or None, headline=headline)
        else:
            sender = SenderProfile(
                name=name or inv.from_name or None, headline=headline, profile_url=url or inv.inviter_url
            )
            recipient = RecipientContext(name=inv.to_name or None)
        return ContactRequest(public_id, Platform.LINKEDIN, inv.message, inv.sent_at, sender, recipient)

    def _messages(
        self, s: Session, batch: Sequence[Message], run: _Run, owner_url: str | None, owner_name: str | None
    ) -> None:
        counts = run.counts[MESSAGES_LABEL]
        now = self.now()
        owner_url = owner_url or self._owner_ctx[2]
        owner_folded = fold_name(owner_name or self._owner_ctx[0])
        sides: list[tuple[str | None, str | None]] = []
        outgoing: list[bool] = []
        for m in batch:
            out = (owner_url is not None and m.sender_url == owner_url) or (
                bool(owner_folded) and fold_name(m.from_name) == owner_folded
            )
            outgoing.append(out)
            if out:
                single = len(m.recipient_urls) <= 1
                sides.append(
                    (m.recipient_urls[0] if m.recipient_urls else None, m.to_names if single else None)
                )
            else:
                sides.append((m.sender_url, m.from_name))
        pids = self.directory.resolve_many(s, sides, now)
        keys = [
            _digest(m.conversation_id, m.date.isoformat(), m.from_name, m.sender_url, m.content)
            for m in batch
        ]
        existing = set(s.scalars(select(MessageRow.source_key).where(MessageRow.source_key.in_(keys))))
        rows: list[dict[str, Any]] = []
        for m, pid, key, out in zip(batch, pids, keys, outgoing, strict=True):
            if key in existing:
                counts.skipped += 1
                continue
            existing.add(key)
            rows.append(
                {"source_key": key, "person_id": pid, "conversation_id": m.conversation_id,
                 "direction": "out" if out else "in", "sent_at": m.date, "from_name": m.from_name,
                 "sender_url": m.sender_url, "to_names": m.to_names, "recipient_urls": list(m.recipient_urls),
                 "subject": m.subject, "content": m.content, "folder": m.folder}
            )  # fmt: skip
            counts.new += 1
        if rows:
            _INSERT_MESSAGES.execute(s.connection(), rows, {"created_at": now})

    # --- JSON Lines -----------------------------------------------------------------------------

    def _jsonl(self, s: Session, batch: Sequence[tuple[int, ContactRequest]], run: _Run) -> None:
        label = self._jsonl_label
        now = self.now()
        fresh: list[tuple[int, ContactRequest]] = []
        for line, req in batch:
            first = self._seen_keys.setdefault("jsonl:" + req.id, line)
            if first != line:
                self._duplicate(label, line, first, req.id)
            else:
                fresh.append((line, req))
        ids = [r.id for _, r in fresh]
        owners = select(Request.public_id, Request.source_key).where(Request.public_id.in_(ids))
        taken = {public_id: source_key for public_id, source_key in s.execute(owners)}
        usable: list[tuple[int, ContactRequest]] = []
        for line, req in fresh:
            if taken.get(req.id, "jsonl:" + req.id) != "jsonl:" + req.id:
                self._problem(
                    label, line, "id", f"{req.id!r} is already the id of another imported request; skipped"
                )
            else:
                usable.append((line, req))
        named = [(canonical_profile_url(r.sender.profile_url), r.sender.name) for _, r in usable]
        pids = self.directory.resolve_many(s, named, now)
        items: list[_Item] = []
        for (_, req), pid in zip(usable, pids, strict=True):
            key = "jsonl:" + req.id
            person = pid if pid is not None else self.directory.anonymous(s, _digest(key)[:24], now)
            items.append(_Item(key, req.id, person, req, "jsonl", True))
        self._write_requests(s, label, run, items)

    def _problem(self, file: str, line: int, column: str, message: str) -> None:
        self._extra_problems.append(RowProblem(file, line, column, message))

    def _duplicate(self, file: str, line: int, first: int, request_id: str | None = None) -> None:
        if file == CONNECTIONS_LABEL:
            self._problem(file, line, "URL", f"same person as line {first}; skipped")
        elif file == INVITATIONS_LABEL:
            self._problem(file, line, "Sent At", f"same invitation as line {first}; skipped")
        else:
            self._problem(file, line, "id", f"{request_id!r} repeats line {first}; skipped")

    _extra_problems: list[RowProblem]
    _touched: dict[int, int]
    _seen_keys: dict[str, int]
    _jsonl_label: str
    _owner_ctx: tuple[str | None, str | None, str | None]


def _file_order(label: str) -> int:
    order = list(_LABELS.values())
    return order.index(label) if label in order else len(order)


def _counts_json(run: _Run) -> dict[str, Any]:
    return {"files": {k: c.to_json() for k, c in run.counts.items()}, "screened": run.screened}


def _full_name(c: Connection) -> str:
    return f"{c.first_name} {c.last_name}".strip()


def _split_name(name: str | None) -> tuple[str, str]:
    first, _, last = (name or "").partition(" ")
    return first, last


def _owner_name(export: LinkedInExport) -> str | None:
    if export.profile is not None:
        full = f"{export.profile.first_name} {export.profile.last_name}".strip()
        if full:
            return full
    names = [i.to_name for i in export.invitations if i.direction == "INCOMING" and i.to_name]
    return max(set(names), key=names.count) if names else None


def _owner_context(owner: Owner | None) -> tuple[str | None, str | None, str | None]:
    if owner is None:
        return None, None, None
    full = f"{owner.first_name or ''} {owner.last_name or ''}".strip() or None
    return full, owner.headline, owner.profile_url
