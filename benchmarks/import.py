"""Import throughput: a generated LinkedIn export of 100,000 invitations and 20,000 connections, imported
and screened into a fresh SQLite database (or the PostgreSQL URL given), against a plain CSV read of the
same files in the same process as the baseline.

Usage: python benchmarks/import.py [--invitations 100000] [--connections 20000] [--batch 2000]
                                   [--database URL] [--keep DIR]

The import runs in a child process so its peak memory (max RSS) is its own; the parent only generates
the files and times the baseline. A second child run re-imports the same export (everything skipped).
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import csv
import json
import multiprocessing
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

FIRST = ["Anna", "Ben", "Clara", "David", "Elif", "Farid", "Greta", "Hannes", "Ines", "Jonas", "Kira", "Lars",
         "Mara", "Nils", "Olga", "Paul", "Quentin", "Rosa", "Sven", "Tara", "Ugo", "Vera", "Wim", "Yara", "Zoe",
         "Priya", "Kenji", "Amara", "Lucas", "Sofia"]  # fmt: skip
LAST = ["Albrecht", "Brandt", "Castell", "Dorn", "Ebert", "Falk", "Graf", "Hoffer", "Iversen", "Janssen",
        "Kowalski", "Lindqvist", "Moreau", "Nakamura", "Okafor", "Petrov", "Quast", "Reyes", "Stein", "Tamm",
        "Ulrich", "Varga", "Weiss", "Yilmaz", "Zander"]  # fmt: skip
# Notes written for this benchmark: every category in German and English; {o} is the owner's first name.
NOTES = [
    "Hallo {o}, schön, dass wir uns gestern auf dem Netzwerkabend der IHK unterhalten haben. Bleiben wir in Kontakt!",
    "Hi {o}, great meeting you at the platform engineering meetup last night. Let's stay in touch!",
    "Liebe {o}, wir haben zusammen im Projekt Ladeinfrastruktur gearbeitet. Schön, dich hier wiederzufinden.",
    "Guten Tag {o}, Ihr Artikel über Datenqualität in Stadtwerken hat mir sehr geholfen. Darf ich Ihnen eine Frage dazu stellen?",
    "Hello {o}, I maintain a library your team uses and would value your feedback on our next release.",
    "Hallo {o}, ich suche für einen Kunden eine Leitung Data Engineering in Hamburg. Hätten Sie Interesse an einem Austausch?",
    "Hi {o}, I'm recruiting for a Staff Engineer role at a fintech scale-up. Open to new opportunities?",
    "Hallo {o}, ich habe dein Profil gesehen und großes Potenzial entdeckt. Hast du 15 Minuten für einen kurzen Call?",
    "Hi {o}, we help consultancies book 30 qualified meetings a month. Can I show you how in a quick call?",
    "Hey {o}, du hast ein wunderschönes Lächeln. Lust, dich mal privat zu treffen?",
    "Hi {o}, you look stunning in your profile photo. I'd love to get to know you better.",
    "Hallo, ich würde Sie gerne zu meinem beruflichen Netzwerk hinzufügen.",
    "We're in the same group, let's connect!",
    "Dear {o}, I offer a guaranteed crypto investment with 4% daily profit. Write me on WhatsApp for details.",
    "Guten Tag, Sie wurden für einen Nebenjob ausgewählt: 300 € pro Tag. Melden Sie sich per Telegram.",
]


def _sent_at(t: datetime, i: int) -> str:
    if i % 2:
        return f"{t:%Y-%m-%d %H:%M:%S} UTC"
    hour = t.hour % 12 or 12
    space = "\u202f" if i % 4 == 0 else " "
    return f"{t.month}/{t.day}/{t:%y}, {hour}:{t:%M}{space}{'AM' if t.hour < 12 else 'PM'}"


def generate(folder: Path, invitations: int, connections: int, seed: int = 20261123) -> None:
    """Write Invitations.csv, Connections.csv (with preamble and BOM) and Profile.csv into `folder`."""
    rng = random.Random(seed)
    owner_url = "https://www.linkedin.com/in/bench-owner"
    owner = "Ronja Bench"
    start = datetime(2024, 1, 1, tzinfo=UTC)
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "Invitations.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\r\n")
        w.writerow(
            ["From", "To", "Sent At", "Message", "Direction", "inviterProfileUrl", "inviteeProfileUrl"]
        )
        for i in range(invitations):
            name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
            url = f"https://www.linkedin.com/in/{name.lower().replace(' ', '-')}-{i:06x}"
            when = start + timedelta(minutes=7 * i + rng.randrange(7))
            note = "" if rng.random() < 0.4 else rng.choice(NOTES).format(o="Ronja")
            if rng.random() < 0.8:
                w.writerow([name, owner, _sent_at(when, i), note, "INCOMING", url, owner_url])
            else:
                w.writerow([owner, name, _sent_at(when, i), note, "OUTGOING", owner_url, url])
    with (folder / "Connections.csv").open("w", encoding="utf-8-sig", newline="") as fh:
        fh.write('Notes:\r\n"Generated for the import benchmark."\r\n\r\n')
        w = csv.writer(fh, lineterminator="\r\n")
        w.writerow(["First Name", "Last Name", "URL", "Email Address", "Company", "Position", "Connected On"])
        for i in range(connections):
            first, last = rng.choice(FIRST), rng.choice(LAST)
            # Every fifth connection accepted one of the invitations above; the rest are older contacts.
            slug = f"{first}-{last}-{i * 5:06x}".lower() if i * 5 < invitations else f"old-{i:06x}"
            on = date(2020, 1, 1) + timedelta(days=rng.randrange(2200))
            email = f"{first}.{last}@example.org".lower() if rng.random() < 0.3 else ""
            w.writerow(
                [
                    first,
                    last,
                    f"https://www.linkedin.com/in/{slug}",
                    email,
                    "Firma GmbH",
                    "Engineer",
                    f"{on:%d %b %Y}",
                ]
            )
    with (folder / "Profile.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\r\n")
        w.writerow(["First Name", "Last Name", "Headline", "Summary", "Industry", "Geo Location"])
        w.writerow(
            [
                "Ronja",
                "Bench",
                "Head of Data at Bench Energie | platforms, data quality",
                "",
                "Utilities",
                "Hamburg",
            ]
        )


def baseline(folder: Path) -> tuple[int, float]:
    """Rows read with the plain csv module (no parsing of fields, no database): the floor to compare to."""
    t = time.perf_counter()
    rows = 0
    for name in ("Invitations.csv", "Connections.csv"):
        with (folder / name).open(encoding="utf-8-sig", newline="") as fh:
            rows += sum(1 for _ in csv.reader(fh))
    return rows, time.perf_counter() - t


def child(export: str, url: str, batch: int, parallel: bool) -> None:
    """Run one import and print its timings and peak memory as JSON (called in a fresh process)."""
    t0 = time.perf_counter()
    c0 = time.process_time()
    from kontaktfilter.policy import Policy
    from kontaktfilter.screener import Screener
    from kontaktfilter.sources.importer import Importer
    from kontaktfilter.store.engine import Store

    store = Store.open(url)
    policy = Policy.default()
    t1 = time.perf_counter()
    c1 = time.process_time()
    importer = Importer(
        store, screener=lambda: Screener(policy=policy), policy=policy, batch_size=batch, parallel=parallel
    )
    summary = importer.import_path(Path(export))
    t2 = time.perf_counter()
    c2 = time.process_time()
    # Closing folds what is left of SQLite's write-ahead log into the database file, and the screening
    # worker may still be exiting: both are part of the import (and the worker's CPU counts only once
    # it has been waited for).
    store.close()
    for worker in multiprocessing.active_children():
        worker.join()
    t3 = time.perf_counter()
    total = summary.total()
    print(json.dumps({
        "startup_s": t1 - t0, "import_s": t2 - t1, "cpu_s": c2 - c1, "startup_cpu_s": c1 - c0, "close_s": t3 - t2,
        "max_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        "worker_rss_kb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
        "worker_cpu_s": resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime + resource.getrusage(resource.RUSAGE_CHILDREN).ru_stime,
        "new": total.new, "updated": total.updated, "skipped": total.skipped, "rejected": total.rejected,
        "screened": summary.screened,
    }))  # fmt: skip


def _run_child(export: Path, url: str, batch: int, parallel: bool) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", str(export), url, str(batch), "parallel" if parallel else "serial"],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def _report(label: str, r: dict[str, float], rows: int, base_rate: float) -> None:
    rate = rows / r["import_s"]
    worker = (
        f", worker CPU {r['worker_cpu_s']:.1f} s, worker peak RSS {r['worker_rss_kb'] / 1024:.0f} MB"
        if r["worker_cpu_s"]
        else ""
    )
    print(
        f"{label:<22} {r['import_s']:6.2f} s  {rate:8,.0f} rows/s  ({base_rate / rate:5.0f}x the baseline's time per row)  "
        f"CPU {r['cpu_s']:.1f} s, peak RSS {r['max_rss_kb'] / 1024:.0f} MB{worker}"
    )
    print(
        f"{'':<22} new {r['new']:,.0f}, updated {r['updated']:,.0f}, skipped {r['skipped']:,.0f}, "
        f"rejected {r['rejected']:,.0f}, screened {r['screened']:,.0f}; start-up before the import {r['startup_s']:.1f} s, "
        f"closing the store and the worker {r['close_s']:.2f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--invitations", type=int, default=100_000)
    parser.add_argument("--connections", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=2000)
    parser.add_argument("--database", help="database URL (default: a fresh SQLite file in a temp dir)")
    parser.add_argument("--keep", type=Path, help="write the export here and keep it")
    parser.add_argument("--serial", action="store_true", help="also time a first import screening in-process")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kf-import-bench-") as tmp:
        export = args.keep or Path(tmp) / "export"
        t = time.perf_counter()
        generate(export, args.invitations, args.connections)
        size = sum(f.stat().st_size for f in export.iterdir()) / 1e6
        print(
            f"generated {args.invitations:,} invitations + {args.connections:,} connections in {time.perf_counter() - t:.1f} s ({size:.1f} MB)"
        )
        rows, base_s = baseline(export)
        url = args.database or f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        first = _run_child(export, url, args.batch, True)
        again = _run_child(export, url, args.batch, True)
        serial = (
            _run_child(export, f"sqlite:///{Path(tmp) / 'serial.sqlite3'}", args.batch, False)
            if args.serial
            else None
        )
    n = args.invitations + args.connections
    where = "SQLite (fresh file)" if args.database is None else args.database.rsplit("@", 1)[-1]
    print(f"database: {where}, batch {args.batch}, {os.cpu_count()} cores")
    print(
        f"baseline (csv.reader only, same process): {rows:,} rows in {base_s:.2f} s = {rows / base_s:,.0f} rows/s"
    )
    _report("import (worker screens)", first, n, rows / base_s)
    _report("re-import (no-op)", again, n, rows / base_s)
    if serial is not None:
        _report("import (in-process)", serial, n, rows / base_s)


if __name__ == "__main__":
    if len(sys.argv) == 6 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5] == "parallel")
    else:
        main()
