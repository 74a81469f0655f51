"""Any sequence of exports, imported in order, leaves exactly what a brute-force reference model says."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from kontaktfilter.policy import Policy
from kontaktfilter.screener import Screener
from kontaktfilter.sources.importer import Importer
from kontaktfilter.store.engine import Store
from kontaktfilter.store.models import Connection, Person, Request

from .exports import Con, Inv, export_files, us_time, utc_time, write_folder

PEOPLE = [f"p{i}" for i in range(6)]
T0 = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)
NOTES = ["", "Hallo Tess, wir kennen uns vom Meetup.", "Hi Tess, quick 15-minute call about leads?"]
# An invitation template: (person, minutes after T0); each export picks a note for it.
TEMPLATES = [(p, m) for p in PEOPLE for m in (0, 90)]


@dataclass(frozen=True)
class Export:
    invitations: tuple[tuple[int, int], ...]  # (template index, note index), one per template at most
    connections: tuple[tuple[int, int], ...]  # (person index, day offset)


exports = st.builds(
    Export,
    st.dictionaries(st.integers(0, len(TEMPLATES) - 1), st.integers(0, len(NOTES) - 1), max_size=8).map(
        lambda d: tuple(sorted(d.items()))
    ),
    st.dictionaries(st.integers(0, len(PEOPLE) - 1), st.integers(0, 3), max_size=4).map(
        lambda d: tuple(sorted(d.items()))
    ),
)

_n = itertools.count()
_screener: list[Screener] = []


def _write(folder: Path, e: Export) -> Path:
    invs = []
    for k, note in e.invitations:
        person, minutes = TEMPLATES[k]
        when = T0 + timedelta(minutes=minutes)
        invs.append(
            Inv(person.upper(), person, utc_time(when) if k % 2 else us_time(when, "\u202f"), NOTES[note])
        )
    cons = [
        Con(PEOPLE[p].upper(), "", PEOPLE[p], date(2026, 10, 2) + timedelta(days=d)) for p, d in e.connections
    ]
    return write_folder(folder, export_files(invs, cons))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(exports, min_size=1, max_size=4))
def test_import_sequences_match_the_reference(tmp_path: Path, sequence: list[Export]) -> None:
    if not _screener:
        _screener.append(Screener())
    run = next(_n)
    store = Store.open(f"sqlite:///{tmp_path / f'prop{run}.sqlite3'}")
    ref_requests: dict[tuple[str, int], tuple[str | None, str]] = {}  # (person, minutes) -> (note, status)
    ref_connections: dict[str, date] = {}
    try:
        for step, e in enumerate(sequence):
            importer = Importer(store, screener=lambda: _screener[0], policy=Policy.default(), batch_size=3)
            summary = importer.import_path(_write(tmp_path / f"r{run}s{step}", e))
            # The reference: connections first, then pending requests of new connections, then invitations.
            con_counts = [0, 0, 0]
            for p, d in e.connections:
                on = date(2026, 10, 2) + timedelta(days=d)
                old = ref_connections.get(PEOPLE[p])
                con_counts[0 if old is None else 1 if old != on else 2] += 1
                ref_connections[PEOPLE[p]] = on
            now_connected = 0
            for key, (note, status) in list(ref_requests.items()):
                if status == "pending" and key[0] in ref_connections:
                    ref_requests[key] = (note, "connected")
                    now_connected += 1
            inv_counts = [0, 0, 0]
            for k, n in e.invitations:
                person, minutes = TEMPLATES[k]
                value = (NOTES[n] or None, "connected" if person in ref_connections else "pending")
                old_value = ref_requests.get((person, minutes))
                inv_counts[0 if old_value is None else 1 if old_value != value else 2] += 1
                ref_requests[(person, minutes)] = value
            got = {k: (c.new, c.updated, c.skipped) for k, c in summary.counts.items()}
            assert got["Connections.csv"] == tuple(con_counts)
            assert got["Invitations.csv"] == tuple(inv_counts)
            assert summary.now_connected == now_connected
            with store.session() as s:
                stored = {
                    (key.rsplit("/", 1)[-1], int((at - T0).total_seconds() // 60)): (note, status)
                    for key, at, note, status in s.execute(
                        select(Person.key, Request.received_at, Request.note, Request.status).join(Person)
                    )
                }
                connections = {
                    key.rsplit("/", 1)[-1]: on
                    for key, on in s.execute(select(Person.key, Connection.connected_on).join(Person))
                }
            assert stored == ref_requests
            assert connections == ref_connections
    finally:
        store.close()
