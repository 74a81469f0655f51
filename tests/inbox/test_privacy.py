"""Privacy: everything can be exported (CSV safe against formula injection), and forget leaves nothing."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from kontaktfilter.model import Action
from kontaktfilter.policy import Policy
from kontaktfilter.privacy import EXPORT_TABLES, export_csv, export_jsonl, forget, safe_cell
from kontaktfilter.sources.linkedin_export import canonical_profile_url
from kontaktfilter.store.engine import Store
from kontaktfilter.store.models import Base, Request
from kontaktfilter.store.people import find_people
from kontaktfilter.store.repository import load_personal_layer, record_decision, retrain_personal_layer

from .conftest import BACKENDS, DEMO, FakeClock, MakeImporter

BOTH = pytest.mark.parametrize("db_url", BACKENDS, indirect=True)

HOSTILE = [
    {"id": "h1", "note": '=HYPERLINK("http://evil.example","click")', "sender": {"name": "+SUM(A1:A9)"}},
    {"id": "h2", "note": "@cmd|' /C calc'!A0", "sender": {"name": "-2+3", "headline": "=1+1"}},
    {"id": "h3", "note": "\t=1", "sender": {"name": "Plain Name", "company": "\r=2"}},
    {"id": "=h4", "note": "ok", "sender": {"name": "Ok"}},
]


def _everything(store: Store) -> str:
    """Every value of every row of every table, as one searchable text."""
    parts: list[str] = []
    with store.session() as s:
        for table in Base.metadata.sorted_tables:
            for row in s.execute(select(table)).all():
                parts.extend(
                    json.dumps(v, default=str, ensure_ascii=False) if isinstance(v, dict | list) else str(v)
                    for v in row
                )
    return "\n".join(parts)


def test_safe_cell_rules() -> None:
    assert [safe_cell(v) for v in ["=1", "+1", "-1", "@a", "\t1", "\r1", "a=1", "", 5, -3.5, None]] == [
        "'=1",
        "'+1",
        "'-1",
        "'@a",
        "'\t1",
        "'\r1",
        "a=1",
        "",
        5,
        -3.5,
        None,
    ]


@BOTH
def test_csv_export_neutralises_formulas(store: Store, make_importer: MakeImporter, tmp_path: Path) -> None:
    path = tmp_path / "hostile.jsonl"
    path.write_text("\n".join(json.dumps(h) for h in HOSTILE) + "\n", encoding="utf-8")
    make_importer(store).import_path(path)
    with store.session() as s:
        counts = export_csv(s, tmp_path / "out")
    assert set(counts) == {m.__tablename__ for m in EXPORT_TABLES}
    cells = []
    for f in (tmp_path / "out").glob("*.csv"):
        with f.open(encoding="utf-8", newline="") as fh:
            cells += [c for row in csv.reader(fh) for c in row]
    assert cells and not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert '\'=HYPERLINK("http://evil.example","click")' in cells and "'+SUM(A1:A9)" in cells
    assert "'-2+3" in cells and "'@cmd|' /C calc'!A0" in cells and "'=h4" in cells


@BOTH
def test_jsonl_export_holds_every_row(store: Store, make_importer: MakeImporter) -> None:
    make_importer(store).import_path(DEMO)
    out = io.StringIO()
    with store.session() as s:
        counts = export_jsonl(s, out)
        for model in EXPORT_TABLES:
            assert counts[model.__tablename__] == s.scalar(select(func.count()).select_from(model))
    lines = [json.loads(x) for x in out.getvalue().splitlines()]
    assert len(lines) == sum(counts.values()) and counts["requests"] == 31 and counts["messages"] == 5
    assert {x["table"] for x in lines} >= {
        "owner",
        "people",
        "requests",
        "verdicts",
        "connections",
        "messages",
    }


@BOTH
def test_forget_leaves_nothing(
    store: Store, make_importer: MakeImporter, clock: FakeClock, db_url: str
) -> None:
    make_importer(store).import_path(DEMO)
    with store.session() as s:
        hannah = find_people(s, "hannah-berger-dq", canonical_profile_url)[0]
        gerd = find_people(s, "Gerd Hollmann", canonical_profile_url)[0]
        # A decision on every request, with a note naming them, so the personal layer learns from them too.
        for i, req in enumerate(s.scalars(select(Request).order_by(Request.public_id))):
            note = {
                hannah.id: "Hannah Berger from the DQ workshop",
                gerd.id: "Gerd Hollmann, Stadtwerke",
            }.get(req.person_id)
            record_decision(s, req, [Action.ACCEPT, Action.IGNORE][i % 2], note, clock())
        retrain_personal_layer(s, Policy.default(), min_decisions=5, now=clock())
        layer_before = load_personal_layer(s)
    traces = {
        "https://www.linkedin.com/comm/in/Hannah-Berger-DQ/": [
            "Hannah",
            "Berger",
            "hannah-berger-dq",
            "hannah.berger@example.org",
            "Qualitätsdaten",
            "Datenverträgen",
            "Workshop zu Datenqualität",
            "DQ workshop",
        ],
        "Gerd Hollmann": ["Gerd", "Hollmann", "gerd-hollmann", "Stadtwerke-Projekt", "Kaffee trinken"],
    }
    everything = _everything(store)
    assert all(t in everything for found in traces.values() for t in found)
    clock.advance(minutes=5)
    reports = []
    for who in traces:
        with store.session() as s:
            reports.append(
                forget(
                    s,
                    find_people(s, who, canonical_profile_url),
                    policy=Policy.default(),
                    min_decisions=5,
                    now=clock,
                )
            )
    assert reports[0].deleted == {
        "decisions": 1,
        "verdicts": 0,
        "requests": 1,
        "connections": 1,
        "messages": 2,
        "people": 1,
    }
    assert reports[1].deleted == {
        "decisions": 1,
        "verdicts": 1,
        "requests": 1,
        "connections": 1,
        "messages": 1,
        "people": 1,
    }
    left = _everything(store)
    assert [t for found in traces.values() for t in found if t in left] == []
    with store.session() as s:
        layer_after = load_personal_layer(s)
    assert layer_before is not None and layer_after is not None
    assert layer_after.n_decisions == layer_before.n_decisions - 1  # Gerd's incoming request is gone from it
    assert store.scrub()
    if db_url.startswith("sqlite"):
        db = Path(str(make_url(db_url).database))
        # While the store is still open: the file and its write-ahead log.
        raw = db.read_bytes() + (
            db.with_name(db.name + "-wal").read_bytes() if db.with_name(db.name + "-wal").exists() else b""
        )
        assert [
            t for found in traces.values() for t in found if t.encode() in raw
        ] == []  # not in free pages either
