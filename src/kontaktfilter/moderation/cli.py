"""`kontaktfilter moderation ...`: replay an event file, or serve the REST API."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from .policy import PolicyError, load_policy
from .replay import replay
from .store import SqlStore

app = typer.Typer(
    name="moderation",
    help="Operator moderation: the seed-000 ignore-sanction policy, exact, at platform scale.",
    no_args_is_help=True,
    add_completion=False,
)

PolicyOption = Annotated[
    Path | None,
    typer.Option("--policy", help="Policy TOML file (defaults: 50 in 30 days, 30-day suspension, then ban)."),
]


@app.command("replay")
def replay_command(
    events: Annotated[Path, typer.Argument(help="JSON Lines file of events, in any order ('-' for stdin).")],
    policy: PolicyOption = None,
    database: Annotated[
        str | None,
        typer.Option(
            "--database", help="SQLAlchemy URL to persist into (sqlite:///file or postgresql://...)."
        ),
    ] = None,
) -> None:
    """Applies the events in (at, id) order and prints the sanctions as JSON Lines (by start, then sender).

    Bad lines are reported on stderr with their line number and skipped; the exit status is then 1.
    """
    try:
        rules = load_policy(policy)
    except PolicyError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    source = "<stdin>" if str(events) == "-" else str(events)
    store = None
    try:
        if database is not None:
            store = SqlStore.from_url(database)
        if str(events) == "-":
            report = replay(sys.stdin, source, rules, store)
        else:
            try:
                handle = events.open(encoding="utf-8", newline="")
            except OSError as exc:
                typer.echo(f"error: {events}: cannot read: {exc.strerror}", err=True)
                raise typer.Exit(2) from None
            with handle:
                report = replay(handle, source, rules, store)
    finally:
        if store is not None:
            store.dispose()
    out = sys.stdout
    for sanction in report.sanctions:
        out.write(json.dumps(sanction.record(), ensure_ascii=False) + "\n")
    out.flush()
    for bad in report.bad_lines:
        typer.echo(bad.error.describe(), err=True)
    summary = (
        f"replayed {report.applied} events ({report.duplicates} duplicates, {len(report.bad_lines)} bad lines): "
        f"{len(report.sanctions)} sanctions"
    )
    typer.echo(summary, err=True)
    if report.bad_lines:
        raise typer.Exit(1)


@app.command("serve")
def serve_command(
    database: Annotated[
        str | None,
        typer.Option("--database", help="SQLAlchemy URL; default: SQLite in the user data directory."),
    ] = None,
    redis_url: Annotated[
        str | None,
        typer.Option("--redis-url", help="redis://host:port of a Redis Cluster node (scale-out backend)."),
    ] = None,
    policy: PolicyOption = None,
    tokens: Annotated[
        Path | None, typer.Option("--tokens", help="TOML file of [[token]] name/role/sha256 entries.")
    ] = None,
    host: Annotated[str, typer.Option(help="Address to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to bind.")] = 8080,
    workers: Annotated[
        int, typer.Option(min=1, help="API worker processes (stateless; >1 wants Redis+PostgreSQL).")
    ] = 1,
) -> None:
    """Runs the REST API (OpenAPI at /docs) with token authentication (roles ingest and operator)."""
    import uvicorn

    from .auth import TokenFileError, TokenTable
    from .settings import ModerationSettings

    overrides: dict[str, object] = {}
    if database is not None:
        overrides["database"] = database
    if redis_url is not None:
        overrides["redis_url"] = redis_url
    if policy is not None:
        overrides["policy"] = policy
    if tokens is not None:
        overrides["tokens"] = tokens
    settings = ModerationSettings(**overrides)  # type: ignore[arg-type]
    try:
        load_policy(settings.policy)
        if settings.tokens is None:
            raise TokenFileError("no token file: pass --tokens FILE (see docs/moderation.md)")
        TokenTable.load(settings.tokens)
    except (PolicyError, TokenFileError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    os.environ.update(settings.environment())
    from sqlalchemy.engine import make_url

    shown = make_url(settings.database).render_as_string(hide_password=True)
    typer.echo(
        f"moderation API on http://{host}:{port} (docs at /docs), {workers} worker(s), {shown}", err=True
    )
    uvicorn.run(
        "kontaktfilter.moderation.api:app_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
    )


if __name__ == "__main__":
    app()
