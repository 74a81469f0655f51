"""Screening ahead in a worker process gives exactly the database in-process screening gives."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from kontaktfilter.sources import importer as importer_module
from kontaktfilter.sources import screening
from kontaktfilter.store.engine import Store

from .conftest import MakeImporter
from .exports import Inv, export_files, utc_time, write_folder
from .snapshot import snapshot

T0 = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
NOTES = ["", "Hallo Tess, wir kennen uns vom Meetup.", "Quick 15-minute call about leads?"]


def test_screening_in_a_worker_gives_the_same_database(
    make_importer: MakeImporter, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    invs = [
        Inv(f"Person {i}", f"person-{i}", utc_time(T0 + timedelta(minutes=i)), NOTES[i % 3])
        for i in range(60)
    ]
    export = write_folder(tmp_path / "e", export_files(invs))
    ahead_store = Store.open(f"sqlite:///{tmp_path / 'ahead.sqlite3'}")
    serial_store = Store.open(f"sqlite:///{tmp_path / 'serial.sqlite3'}")
    try:
        ahead = make_importer(ahead_store, batch_size=7, parallel=True)
        ahead.parallel_from = 1
        calls: list[int] = []
        real = screening.screen_rows

        def counted(*args: Any, **kwargs: Any) -> Any:
            calls.append(len(args[3]))
            return real(*args, **kwargs)

        monkeypatch.setattr(importer_module, "screen_rows", counted)
        summary = ahead.import_path(export)
        monkeypatch.undo()
        assert calls == [] and summary.screened == 60  # all of it screened by the worker
        make_importer(serial_store, batch_size=7).import_path(export)
        assert snapshot(ahead_store) == snapshot(serial_store)
    finally:
        ahead_store.close()
        serial_store.close()
