"""The `kontaktfilter` command line: screen, evaluate, explain."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ..contract import Line, read_jsonl, verdict_to_dict
from ..model import Action, Category, ContactRequest, Verdict
from ..policy import Policy, PolicyError
from ._common import (
    CompanyOpt,
    ConnectionsOpt,
    HeadlineOpt,
    HiddenContactsOpt,
    JobTitleOpt,
    MutualOpt,
    NameOpt,
    NoteArg,
    PartnershipOpt,
    PhotoOpt,
    PlatformOpt,
    PolicyOpt,
    RecipientHeadlineOpt,
    RecipientNameOpt,
    RequestJsonOpt,
    request_from_options,
)
from ._common import fail as _fail
from ._common import warn as _warn

app = typer.Typer(
    name="kontaktfilter",
    help="Screens networking contact requests: category, score, reasons and a recommended action.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
)
err = Console(stderr=True, highlight=False)

AccurateOpt = Annotated[
    bool, typer.Option("--accurate", help="Send unsure requests through the sentence encoder.")
]


def _load_screener(policy: Path | None, accurate: bool) -> Any:
    from ..screener import Screener

    try:
        pol = Policy.load(policy)
    except PolicyError as exc:
        raise _fail(str(exc)) from None
    try:
        return Screener(policy=pol, accurate=accurate)
    except FileNotFoundError as exc:
        raise _fail(str(exc)) from None


@contextmanager
def _open_input(path: str) -> Iterator[tuple[IO[str], str]]:
    if path == "-":
        yield sys.stdin, "<stdin>"
        return
    p = Path(path)
    if not p.exists():
        raise _fail(f"{path}: no such file")
    if p.is_dir():
        raise _fail(f"{path}: is a directory, expected a JSON Lines file")
    with p.open(encoding="utf-8", errors="strict", newline="") as fh:
        yield fh, path


def _lines(fh: IO[str], source: str) -> Iterator[Line]:
    try:
        yield from read_jsonl(fh, source)
    except UnicodeDecodeError as exc:
        raise _fail(f"{source}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None


def _progress_lines(lines: Iterator[Line], source: str) -> Iterator[Line]:
    """Wrap lines in a progress display on stderr, only when stderr is a terminal."""
    if not sys.stderr.isatty():
        yield from lines
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("screening"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err, transient=True) as bar:  # fmt: skip
        task = bar.add_task(source, total=None)
        for line in lines:
            bar.advance(task)
            yield line


ATTENTION = {Category.SCAM: 0, Category.PERSONAL_KNOWN: 1, Category.RELEVANT_BUSINESS: 2, Category.RECRUITER: 3,
             Category.ROMANTIC_PRIVATE: 4, Category.COLLECTOR_GENERIC: 5, Category.SALES_PITCH: 6}  # fmt: skip


def attention_key(v: Verdict) -> tuple[int, int]:
    """Most urgent first: scams to block, then good requests by score, then the rest."""
    return ATTENTION[v.category], -v.score


def _safe_cell(value: str) -> str:
    # Spreadsheets execute cells that start with = + - @ (formula injection); quote them.
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _top_reasons(v: Verdict, n: int = 2) -> str:
    hits = [h for h in v.signals if h.id != "classifier"][:n]
    return "; ".join(h.reason(v.lang).split(" [")[0] for h in hits)


def _print_table(pairs: list[tuple[ContactRequest, Verdict]]) -> None:
    table = Table(show_lines=False, header_style="bold")
    for col in ("id", "from", "category", "conf", "score", "action", "top reasons"):
        table.add_column(col, overflow="fold")
    colours = {Action.ACCEPT: "green", Action.ASK_BACK: "yellow", Action.SUGGEST_FOLLOW: "cyan",
               Action.IGNORE: "bright_black", Action.BLOCK_REPORT: "red"}  # fmt: skip
    for req, v in pairs:
        table.add_row(
            escape(req.id), escape(req.sender.name or "?"), v.category.value, f"{v.confidence:.2f}", str(v.score),
            f"[{colours[v.action]}]{v.action.value}[/]", escape(_top_reasons(v)),
        )  # fmt: skip
    Console(highlight=False).print(table)


@app.command()
def screen(
    file: Annotated[str, typer.Argument(help="JSON Lines file, one request per line, or - for stdin.")],
    fmt: Annotated[str, typer.Option("--format", help="table, jsonl or csv.")] = "table",
    policy: PolicyOpt = None,
    accurate: AccurateOpt = False,
    sort: Annotated[str, typer.Option(help="input (default) or attention (most urgent first).")] = "input",
) -> None:
    """Screen contact requests and print a verdict per request."""
    if fmt not in ("table", "jsonl", "csv"):
        raise _fail(f"--format: unknown format {fmt!r} (allowed: table, jsonl, csv)")
    if sort not in ("input", "attention"):
        raise _fail(f"--sort: unknown order {sort!r} (allowed: input, attention)")
    screener = _load_screener(policy, accurate)
    errors = 0
    out = sys.stdout
    writer = csv.writer(out) if fmt == "csv" else None
    if writer is not None:
        writer.writerow(["id", "category", "confidence", "score", "action", "lang", "signals"])
    collected: list[tuple[ContactRequest, Verdict]] = []

    def emit(batch: list[ContactRequest]) -> None:
        for req, v in zip(batch, screener.screen_many(batch), strict=True):
            if fmt == "jsonl":
                out.write(json.dumps(verdict_to_dict(v), ensure_ascii=False) + "\n")
            elif writer is not None:
                writer.writerow([_safe_cell(v.request_id), v.category.value, f"{v.confidence:.4f}", v.score,
                                 v.action.value, v.lang, ";".join(h.id for h in v.signals)])  # fmt: skip
            else:
                collected.append((req, v))

    with _open_input(file) as (fh, source):
        batch: list[ContactRequest] = []
        for line in _progress_lines(_lines(fh, source), source):
            if line.error is not None:
                errors += 1
                _warn(line.error.describe())
                continue
            assert line.request is not None
            batch.append(line.request)
            if len(batch) >= 1024:
                emit(batch)
                batch = []
        emit(batch)
    if fmt == "table":
        if sort == "attention":
            collected.sort(key=lambda rv: attention_key(rv[1]))
        _print_table(collected)
    out.flush()
    if errors:
        _warn(f"{errors} line(s) could not be screened")
        raise typer.Exit(1)


@app.command()
def evaluate(
    file: Annotated[Path, typer.Argument(help="Labelled JSON Lines (screen contract plus a `label` field).")],
    policy: PolicyOpt = None,
    accurate: AccurateOpt = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the numbers as JSON.")] = False,
) -> None:
    """Per-category precision/recall/F1, macro-F1, confusion matrix and the good-to-ignore rate."""
    from ..evaluation import evaluate as run_eval
    from ..evaluation import format_report

    screener = _load_screener(policy, accurate)
    labels: list[Category] = []
    langs: list[str] = []
    requests: list[ContactRequest] = []
    errors = 0
    with _open_input(str(file)) as (fh, source):
        for line in _lines(fh, source):
            if line.error is not None or line.request is None or line.raw is None:
                errors += 1
                err.print(
                    escape(line.error.describe() if line.error else f"{source}:{line.number}: bad line")
                )
                continue
            raw_label = line.raw.get("label")
            try:
                labels.append(Category(str(raw_label)))
            except ValueError:
                errors += 1
                _warn(f"{source}:{line.number}: label: unknown or missing label {raw_label!r}")
                continue
            requests.append(line.request)
            langs.append(str(line.raw.get("lang") or ""))
    verdicts = screener.screen_many(requests)
    if not all(langs):
        langs = [v.lang for v in verdicts]
    result = run_eval(labels, verdicts, langs)
    if as_json:
        print(json.dumps(result.to_json(), indent=1))
    else:
        print(format_report(result, f"{file} ({'accurate' if accurate else 'fast'} path)"))
    if errors:
        raise typer.Exit(1)


@app.command()
def explain(
    note: NoteArg = None,
    request_json: RequestJsonOpt = None,
    platform: PlatformOpt = "linkedin",
    name: NameOpt = None,
    headline: HeadlineOpt = None,
    job_title: JobTitleOpt = None,
    company: CompanyOpt = None,
    mutual: MutualOpt = None,
    connections: ConnectionsOpt = None,
    photo: PhotoOpt = None,
    hidden_contacts: HiddenContactsOpt = False,
    recipient_name: RecipientNameOpt = None,
    recipient_headline: RecipientHeadlineOpt = None,
    partnership: PartnershipOpt = False,
    lang: Annotated[str | None, typer.Option(help="Language of the explanation (de or en).")] = None,
    policy: PolicyOpt = None,
    accurate: AccurateOpt = False,
) -> None:
    """Explain the verdict for one request: every signal, its weight, and the model's share."""
    req = request_from_options(
        request_json, note=note, platform=platform, name=name, headline=headline, job_title=job_title,
        company=company, mutual=mutual, connections=connections, photo=photo,
        hidden_contacts=hidden_contacts, recipient_name=recipient_name,
        recipient_headline=recipient_headline, partnership=partnership,
    )  # fmt: skip
    screener = _load_screener(policy, accurate)
    v = screener.screen(req)
    lg = lang or v.lang
    con = Console(highlight=False)
    de = lg == "de"
    con.print(f"[bold]{'Kategorie' if de else 'Category'}:[/bold] {v.category.value} "
              f"({'Konfidenz' if de else 'confidence'} {v.confidence:.2f}, {v.model})")  # fmt: skip
    con.print(f"[bold]Score:[/bold] {v.score}/100    [bold]{'Aktion' if de else 'Action'}:[/bold] "
              f"{v.action.value}  [dim]({v.policy_rule})[/dim]")  # fmt: skip
    table = Table(title="Signale" if de else "Signals", header_style="bold")
    table.add_column("signal")
    table.add_column("group")
    table.add_column("weight", justify="right")
    table.add_column("Grund" if de else "reason", overflow="fold")
    for h in v.signals:
        colour = "green" if h.weight > 0 else "red" if h.weight < 0 else "white"
        table.add_row(h.id, h.group, f"[{colour}]{h.weight:+.2f}[/]", escape(h.reason(lg)))
    con.print(table)
    probs = ", ".join(f"{c.value} {p:.2f}" for c, p in sorted(v.probabilities.items(), key=lambda kv: -kv[1]))
    con.print(f"[dim]{'Wahrscheinlichkeiten' if de else 'probabilities'}: {probs}[/dim]")


def main() -> None:
    """Console-script entry point."""
    app()


# Commands from the other parts of the product register themselves on `app` here.
from ..moderation.cli import app as _moderation_app  # noqa: E402
from .inbox import register as _register_inbox  # noqa: E402
from .integrations import register as _register_integrations  # noqa: E402
from .replies import register as _register_replies  # noqa: E402
from .web import register as _register_web  # noqa: E402

_register_inbox(app)
_register_replies(app)
_register_web(app)
_register_integrations(app)
app.add_typer(_moderation_app, name="moderation")
