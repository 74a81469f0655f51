"""Inbox commands: import, inbox, decide, learn, reminders, export, forget.

Every command that uses the store takes `--database URL` after its name; without it the URL comes
from KONTAKTFILTER_DATABASE_URL, then from the SQLite file in the user's data directory.
"""

from __future__ import annotations

import json
import sys
import zipfile
from datetime import UTC, datetime, time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ..model import Action
from ..policy import Policy
from ..settings import Settings
from ._common import DatabaseOpt
from ._common import fail as _fail
from ._common import opened_store as _opened
from ._common import policy_or_fail as _policy
from ._common import settings_or_fail as _settings
from ._common import warn as _warn


def _now() -> datetime:
    return datetime.now(UTC)


class _Bar:
    """A progress bar on stderr (only used when stderr is a terminal)."""

    def __init__(self, console: Console) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.bar = Progress(
            TextColumn("{task.description:<16}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
            console=console, transient=False,
        )  # fmt: skip
        self.task: Any = None

    def phase(self, label: str, total: int, done: int) -> None:
        if self.task is not None:
            self.bar.stop_task(self.task)
        self.task = self.bar.add_task(label, total=total, completed=done)

    def advance(self, rows: int) -> None:
        if self.task is not None:
            self.bar.advance(self.task, rows)


def _problem_path(path: Path, file: str) -> str:
    if path.is_dir() or (path.is_file() and zipfile.is_zipfile(path)):
        return f"{path}/{file}"
    return file if Path(file) == path else str(path.parent / file)


def _learn(store: Any, settings: Settings, policy: Policy, *, forced: bool) -> str | None:
    """Retrain the personal layer if due (or `forced`); returns what happened, None if nothing."""
    from ..store.repository import learning_due, retrain_personal_layer

    with store.session() as s:
        if not forced and not learning_due(
            s, min_decisions=settings.learn_min_decisions, every=settings.learn_every
        ):
            return None
        done = retrain_personal_layer(s, policy, min_decisions=settings.learn_min_decisions, now=_now())
    if done.layer is None:
        back = f"; {done.changed} recommendation(s) back to the shipped model's" if done.changed else ""
        return f"personal layer not active: {done.gate.reason}{back}"
    actions = ", ".join(a.value for a in done.layer.actions)
    return (
        f"personal layer trained on {done.layer.n_decisions} decisions (weight {done.layer.weight:.2f}, "
        f"actions: {actions}); {done.changed} pending recommendation(s) changed"
    )


def _reason(signal: dict[str, Any], lang: str) -> str:
    text = str(signal.get("reason_de" if lang == "de" else "reason_en") or "")
    return text.split(" [", 1)[0]


def _top_reasons(signals: list[dict[str, Any]], lang: str, n: int = 2) -> str:
    return "; ".join(_reason(h, lang) for h in [h for h in signals if h.get("group") != "model"][:n])


def register(app: typer.Typer) -> None:
    """Add the inbox commands to the `kontaktfilter` application."""

    @app.command("import")
    def import_(
        path: Annotated[
            Path, typer.Argument(help="LinkedIn data export (zip or folder) or a JSON Lines file.")
        ],
        database: DatabaseOpt = None,
        batch_size: Annotated[
            int | None, typer.Option("--batch-size", help="Rows per transaction (default 2000).")
        ] = None,
    ) -> None:
        """Import requests into the inbox and screen them; re-running adds only what is new."""
        from ..screener import Screener
        from ..sources.importer import Importer
        from ..sources.linkedin_export import ExportError

        settings = _settings(database, import_batch_size=batch_size)
        policy = _policy(settings)
        err = Console(stderr=True, highlight=False)
        with _opened(settings) as store:
            bar = _Bar(err) if sys.stderr.isatty() else None

            def screener() -> Screener:
                try:
                    return Screener(policy=policy)
                except FileNotFoundError as exc:
                    raise _fail(str(exc)) from None

            importer = Importer(
                store,
                screener=screener,
                policy=policy,
                batch_size=settings.import_batch_size,
                progress=bar,
                parallel=True,
            )
            try:
                if bar is not None:
                    with bar.bar:
                        summary = importer.import_path(path)
                else:
                    summary = importer.import_path(path)
            except ExportError as exc:
                raise _fail(str(exc)) from None
            for p in summary.problems:
                _warn(f"{_problem_path(path, p.file)}:{p.line}: {p.field}: {p.message}")
        kind = "LinkedIn export" if summary.kind == "linkedin" else "JSON Lines"
        print(
            f"imported {path} ({kind})"
            + (f", resumed at {summary.resumed_from}" if summary.resumed_from else "")
        )
        print(f"{'file':<20} {'new':>8} {'updated':>8} {'skipped':>8} {'rejected':>8}")
        for label, c in [*summary.counts.items(), ("total", summary.total())]:
            print(f"{label:<20} {c.new:>8} {c.updated:>8} {c.skipped:>8} {c.rejected:>8}")
        print(f"screened {summary.screened} request(s)", end="")
        print(
            f"; {summary.now_connected} pending request(s) became connections"
            if summary.now_connected
            else ""
        )
        if summary.total().rejected:
            raise typer.Exit(1)

    @app.command()
    def inbox(
        database: DatabaseOpt = None,
        fmt: Annotated[str, typer.Option("--format", help="table or jsonl.")] = "table",
        show_all: Annotated[
            bool, typer.Option("--all", help="Also decided requests and those already connected.")
        ] = False,
        limit: Annotated[int | None, typer.Option(help="Show at most this many requests.", min=1)] = None,
    ) -> None:
        """Pending requests, most urgent first: scams and good requests on top, with category, score and reasons."""
        from ..store.repository import inbox_page

        if fmt not in ("table", "jsonl"):
            raise _fail(f"--format: unknown format {fmt!r} (allowed: table, jsonl)")
        settings = _settings(database)
        with _opened(settings) as store, store.session() as s:
            items = inbox_page(s, include_all=show_all, limit=limit)
            if fmt == "jsonl":
                for it in items:
                    print(json.dumps(_item_json(it), ensure_ascii=False))
                return
            _print_inbox(items, show_all)

    @app.command()
    def decide(
        request_id: Annotated[
            str, typer.Argument(metavar="ID", help="The request's id as the inbox shows it.")
        ],
        action: Annotated[
            str, typer.Argument(help="accept, ask_back, suggest_follow, ignore or block_report.")
        ],
        note: Annotated[str | None, typer.Option("--note", help="Why, for your own records.")] = None,
        database: DatabaseOpt = None,
    ) -> None:
        """Record what you did with a request; it teaches your personal layer."""
        from ..store.repository import find_request, record_decision

        try:
            chosen = Action(action.strip().lower())
        except ValueError:
            allowed = ", ".join(a.value for a in Action)
            raise _fail(f"ACTION: unknown action {action!r} (allowed: {allowed})") from None
        settings = _settings(database)
        policy = _policy(settings)
        with _opened(settings) as store:
            with store.session() as s:
                req = find_request(s, request_id)
                if req is None:
                    raise _fail(f"ID: no request with id {request_id!r} (see `kontaktfilter inbox --all`)")
                if req.direction != "incoming":
                    raise _fail(
                        f"ID: {request_id!r} is your own outgoing invitation, there is nothing to decide"
                    )
                d = record_decision(s, req, chosen, note, _now())
            extra = f" (correction: recommended {d.recommended})" if d.correction else ""
            print(f"{request_id}: {chosen.value} recorded{extra}")
            learned = _learn(store, settings, policy, forced=False)
            if learned:
                print(learned)

    @app.command()
    def learn(database: DatabaseOpt = None) -> None:
        """Retrain your personal layer from every decision now and update the pending recommendations."""
        settings = _settings(database)
        policy = _policy(settings)
        with _opened(settings) as store:
            print(_learn(store, settings, policy, forced=True))

    @app.command()
    def reminders(
        database: DatabaseOpt = None,
        as_of: Annotated[
            str | None, typer.Option("--as-of", help="Judge due dates at this date/time (ISO), not now.")
        ] = None,
        fmt: Annotated[str, typer.Option("--format", help="table or jsonl.")] = "table",
        lang: Annotated[str, typer.Option(help="Language of the advice: en or de.")] = "en",
    ) -> None:
        """What is due: unanswered ask-backs (ignore them) and new connections without a conversation."""
        from ..reminders import due_reminders
        from ..store.repository import reminder_inputs

        if fmt not in ("table", "jsonl"):
            raise _fail(f"--format: unknown format {fmt!r} (allowed: table, jsonl)")
        now = _parse_as_of(as_of)
        settings = _settings(database)
        with _opened(settings) as store, store.session() as s:
            asks, cons, contacts = reminder_inputs(s)
        due = due_reminders(
            asks, cons, contacts, now, ask_back_days=settings.ask_back_days,
            follow_up_days=settings.follow_up_days, window_days=settings.follow_up_window_days,
        )  # fmt: skip
        if fmt == "jsonl":
            for r in due:
                print(json.dumps({
                    "kind": r.kind, "person": r.person, "request_id": r.request_id, "since": r.since.isoformat(),
                    "due": r.due.isoformat(), "suggestion": r.suggestion, "reason": r.reason_de if lang == "de" else r.reason_en,
                }, ensure_ascii=False))  # fmt: skip
            return
        if not due:
            print("nothing due")
            return
        table = Table(header_style="bold")
        for col in ("due", "person", "request", "suggestion", "why"):
            table.add_column(col, overflow="fold")
        for r in due:
            table.add_row(
                r.due.date().isoformat(), escape(r.person), escape(r.request_id or ""), r.suggestion,
                escape(r.reason_de if lang == "de" else r.reason_en),
            )  # fmt: skip
        _out_console().print(table)

    @app.command()
    def export(
        database: DatabaseOpt = None,
        fmt: Annotated[str, typer.Option("--format", help="jsonl or csv.")] = "jsonl",
        output: Annotated[
            Path | None,
            typer.Option(
                "--output", "-o", help="jsonl: file (default stdout); csv: folder, one file per table."
            ),
        ] = None,
    ) -> None:
        """Write everything the inbox stores; CSV cells are safe to open in a spreadsheet."""
        from ..privacy import export_csv, export_jsonl

        if fmt not in ("jsonl", "csv"):
            raise _fail(f"--format: unknown format {fmt!r} (allowed: jsonl, csv)")
        if fmt == "csv" and output is None:
            raise _fail("--output: --format csv needs a folder to write one CSV file per table into")
        settings = _settings(database)
        with _opened(settings) as store, store.session() as s:
            if fmt == "csv":
                assert output is not None
                counts = export_csv(s, output)
            elif output is None or str(output) == "-":
                counts = export_jsonl(s, sys.stdout)
            else:
                with output.open("w", encoding="utf-8") as fh:
                    counts = export_jsonl(s, fh)
        total = sum(counts.values())
        _warn(f"exported {total} row(s): " + ", ".join(f"{k} {v}" for k, v in counts.items()))

    @app.command()
    def forget(
        person: Annotated[str, typer.Argument(help="Profile URL, LinkedIn slug, or exact name.")],
        database: DatabaseOpt = None,
        yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
    ) -> None:
        """Delete a person and everything about them: requests, verdicts, decisions, connection, messages."""
        from ..privacy import forget as forget_person
        from ..sources.linkedin_export import canonical_profile_url
        from ..store.people import find_people

        settings = _settings(database)
        policy = _policy(settings)
        with _opened(settings) as store:
            with store.session() as s:
                found = find_people(s, person, canonical_profile_url)
                if not found:
                    raise _fail(f"PERSON: nobody matches {person!r}")
                if len(found) > 1:
                    keys = "; ".join(p.key for p in found)
                    raise _fail(
                        f"PERSON: {person!r} matches {len(found)} people ({keys}); give the profile URL"
                    )
                who = found[0]
                if not yes:
                    if not sys.stdin.isatty():
                        raise _fail("add --yes to confirm (stdin is not a terminal)")
                    typer.confirm(
                        f"Forget {who.name or who.key} ({who.key}) and everything about them?", abort=True
                    )
                report = forget_person(
                    s, found, policy=policy, min_decisions=settings.learn_min_decisions, now=_now
                )
            if not store.scrub():
                _warn("warning: another program has the database open; its write-ahead log is emptied later")
        print(
            f"forgot {', '.join(report.people)}: " + ", ".join(f"{k} {v}" for k, v in report.deleted.items())
        )
        if report.personal_layer:
            print(f"personal layer {report.personal_layer}")


def _parse_as_of(value: str | None) -> datetime:
    if value is None:
        return _now()
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise _fail(f"--as-of: not an ISO date or time: {value!r}") from None
    if len(value) <= 10:
        parsed = datetime.combine(parsed.date(), time.max)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _item_json(it: Any) -> dict[str, Any]:
    r, p, v, d = it.request, it.person, it.verdict, it.decision
    out: dict[str, Any] = {
        "id": r.public_id,
        "person": {"name": p.name, "profile_url": p.profile_url},
        "platform": r.platform,
        "note": r.note,
        "received_at": r.received_at.isoformat() if r.received_at else None,
        "status": r.status,
    }
    if v is not None:
        out.update({
            "category": v.category, "confidence": round(v.confidence, 4), "score": v.score, "action": v.action,
            "lang": v.lang,
            "signals": [{"id": h["id"], "weight": h["weight"], "reason": _reason(h, v.lang)} for h in v.signals],
        })  # fmt: skip
    if d is not None:
        out["decision"] = {
            "action": d.action,
            "decided_at": d.decided_at.isoformat(),
            "correction": d.correction,
        }
    return out


_COLOURS = {"accept": "green", "ask_back": "yellow", "suggest_follow": "cyan", "ignore": "bright_black",
            "block_report": "red"}  # fmt: skip


def _out_console() -> Console:
    # Off a terminal rich assumes 80 columns, which folds every id and reason; pipes get room.
    return Console(highlight=False, width=None if sys.stdout.isatty() else 160)


def _print_inbox(items: list[Any], show_all: bool) -> None:
    con = _out_console()
    if not items:
        con.print("inbox is empty" if show_all else "nothing pending")
        return
    table = Table(header_style="bold")
    cols = ["id", "received", "from", "category", "score", "action", "top reasons"]
    if show_all:
        cols.append("decided")
    for col in cols:
        table.add_column(col, overflow="fold", no_wrap=col not in ("from", "top reasons"))
    for it in items:
        r, p, v, d = it.request, it.person, it.verdict, it.decision
        action = v.action if v is not None else "-"
        marker = "*" if v is not None and v.action != v.core_action else ""
        row = [
            escape(r.public_id), r.received_at.date().isoformat() if r.received_at else "",
            escape(p.name or p.key), v.category if v else "-", str(v.score) if v else "-",
            f"[{_COLOURS.get(action, 'white')}]{action}{marker}[/]",
            escape(_top_reasons(v.signals, v.lang)) if v else "",
        ]  # fmt: skip
        if show_all:
            row.append(d.action if d else ("connected" if r.status == "connected" else ""))
        table.add_row(*row)
    con.print(table)
    if any(it.verdict is not None and it.verdict.action != it.verdict.core_action for it in items):
        con.print("[dim]* changed by your personal layer (learned from your decisions)[/dim]")


__all__ = ["register"]
