"""Integration commands: `watch` (invitation e-mails over IMAP) and `mastodon screen` (follow requests).

Both take `--database URL` like the inbox commands; connection settings come from the config file's
`[imap]` and `[mastodon]` tables (docs/integrations.md). Secrets are read from files or the
environment and never printed.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from ..policy import Policy
from ._common import DatabaseOpt
from ._common import fail as _fail
from ._common import opened_store as _opened
from ._common import policy_or_fail as _policy
from ._common import settings_or_fail as _settings
from ._common import warn as _warn


def _say(message: str) -> None:
    print(message, flush=True)


def _now() -> datetime:
    return datetime.now(UTC)


def _screener_factory(policy: Policy) -> Any:
    from ..screener import Screener

    def make() -> Screener:
        try:
            return Screener(policy=policy)
        except FileNotFoundError as exc:
            raise _fail(str(exc)) from None

    return make


def register(app: typer.Typer) -> None:
    """Add `watch` and the `mastodon` sub-application to the `kontaktfilter` application."""

    @app.command()
    def watch(
        once: Annotated[bool, typer.Option("--once", help="Run one pass and exit (no IDLE).")] = False,
        database: DatabaseOpt = None,
        config: Annotated[
            Path | None,
            typer.Option("--config", help="Config file (default: KONTAKTFILTER_CONFIG or the user's)."),
        ] = None,
        folder: Annotated[
            str | None, typer.Option("--folder", help="Mailbox folder (default imap.folder).")
        ] = None,
        rescan: Annotated[
            bool,
            typer.Option(
                "--rescan", help="Read every notification again, not only those after the last run."
            ),
        ] = False,
    ) -> None:
        """Read LinkedIn invitation e-mails from your mailbox into the inbox and screen them."""
        from ..integrations.imap.client import ImapAuthError, ImapClient, ImapError, ImapTLSError
        from ..integrations.imap.extractors import get_extractors
        from ..integrations.imap.watch import UidState, Watcher
        from ..integrations.settings import (
            PASSWORD_ENV,
            IntegrationSettingsError,
            load_imap_settings,
            read_secret,
        )

        settings = _settings(database)
        try:
            imap = load_imap_settings(config, folder=folder)
            password = read_secret(imap.password_file, PASSWORD_ENV, "imap.password_file")
            extractors = get_extractors(imap.extractors)
        except (IntegrationSettingsError, ValueError) as exc:
            raise _fail(str(exc)) from None
        policy = _policy(settings)
        state = UidState(imap.state_file or settings.data_dir / "imap-state.json")
        with _opened(settings) as store:
            watcher = Watcher(
                imap, client=lambda: ImapClient(imap, password), store=store,
                screener=_screener_factory(policy), policy=policy, extractors=extractors, state=state,
                now=_now, out=_say, warn=_warn, rescan=rescan,
            )  # fmt: skip
            try:
                if once:
                    summary = watcher.run_once()
                    _say(summary.describe())
                    if summary.reconciled:
                        _say(
                            f"{summary.reconciled} request(s) merged with the same invitation from a LinkedIn export"
                        )
                    if summary.problems:
                        raise typer.Exit(1)
                    return
                stop = threading.Event()
                try:
                    watcher.watch(stop.is_set)
                except KeyboardInterrupt:
                    stop.set()
                    _say("stopped")
            except (ImapAuthError, ImapTLSError) as exc:
                raise _fail(str(exc)) from None
            except ImapError as exc:
                raise _fail(str(exc), 1) from None

    mastodon = typer.Typer(
        name="mastodon", help="Mastodon: screen follow requests of a locked account.", no_args_is_help=True
    )
    app.add_typer(mastodon, name="mastodon")

    @mastodon.command("screen")
    def mastodon_screen(
        instance: Annotated[
            str,
            typer.Option("--instance", metavar="URL", help="Your instance, e.g. https://mastodon.social."),
        ],
        token_file: Annotated[
            Path,
            typer.Option(
                "--token-file", metavar="FILE", help="File holding an access token (scopes read, follow)."
            ),
        ],
        apply: Annotated[
            bool,
            typer.Option(
                "--apply", help="Authorize or reject on the server (default: dry run, nothing sent)."
            ),
        ] = False,
        database: DatabaseOpt = None,
        config: Annotated[
            Path | None, typer.Option("--config", help="Config file with an optional [mastodon] table.")
        ] = None,
    ) -> None:
        """Screen pending follow requests and authorize or reject them per your policy (dry run by default)."""
        from ..integrations.mastodon.client import MastodonAuthError, MastodonClient, MastodonFailure
        from ..integrations.mastodon.screen import FollowRequestRun
        from ..integrations.settings import IntegrationSettingsError, load_mastodon_settings, read_secret

        settings = _settings(database)
        try:
            masto = load_mastodon_settings(config)
            token = read_secret(token_file, None, "--token-file")
        except IntegrationSettingsError as exc:
            raise _fail(str(exc)) from None
        policy = _policy(settings)
        with _opened(settings) as store:
            try:
                client = MastodonClient.connect(instance, token, masto)
                run = FollowRequestRun(
                    client,
                    store=store,
                    screener=_screener_factory(policy),
                    policy=policy,
                    settings=masto,
                    now=_now,
                )
                result = run.run(apply=apply)
            except MastodonAuthError as exc:
                raise _fail(str(exc)) from None
            except MastodonFailure as exc:
                raise _fail(str(exc), 1) from None
        for line in result.lines:
            _say(line)
        for problem in result.problems:
            _warn(problem)
        _say(result.describe(apply))
        if result.problems:
            raise typer.Exit(1)


__all__ = ["register"]
