"""Web commands: `serve` (the local web app and API), `token create|list|revoke`, `user set-password`."""

from __future__ import annotations

import gc
import ipaddress
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import typer

from ._common import DatabaseOpt, opened_store, settings_or_fail
from ._common import fail as _fail


@contextmanager
def _accounts(database: str | None) -> Iterator[Any]:
    from ..web.accounts import Accounts

    with opened_store(settings_or_fail(database)) as store:
        yield Accounts(store.engine)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _link_host(host: str) -> str:
    if host in ("0.0.0.0", ""):
        return "127.0.0.1"
    if host == "::":
        return "[::1]"
    return f"[{host}]" if ":" in host else host


def register(app: typer.Typer) -> None:
    """Add `serve`, `token` and `user` to the `kontaktfilter` application."""
    token_app = typer.Typer(help="API tokens for /api/v1 (stored hashed).", no_args_is_help=True)
    user_app = typer.Typer(help="The local user of the web app.", no_args_is_help=True)
    app.add_typer(token_app, name="token")
    app.add_typer(user_app, name="user")

    @app.command()
    def serve(
        host: Annotated[
            str, typer.Option(help="Address to bind; keep the default to stay on this machine.")
        ] = "127.0.0.1",
        port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 8000,
        database: DatabaseOpt = None,
    ) -> None:
        """Run the web app and the REST API; prints a one-time setup link when no password is set yet."""
        import uvicorn

        from ..settings import SettingsError, load_settings
        from ..store.engine import StoreError
        from ..web import create_app

        try:
            settings = load_settings(database_url=database)
            application = create_app(settings)
        except (SettingsError, StoreError) as exc:
            raise _fail(str(exc)) from None
        accounts = application.state.services.accounts
        base = f"http://{_link_host(host)}:{port}"
        if not _is_loopback(host):
            print(
                f"warning: listening on {host}: anyone who can reach this machine can try to log in; "
                "use HTTPS in front of it",
                file=sys.stderr,
                flush=True,
            )
        if accounts.user() is None:
            token = accounts.new_setup_token()
            print("No password is set yet. Open this link once to set it (valid for 24 hours):", flush=True)
            print(f"    {base}/setup?token={token}", flush=True)
        else:
            print(
                f"Kontaktfilter on {base}/ (API: {base}/api/v1, OpenAPI: {base}/api/v1/openapi.json)",
                flush=True,
            )
        # Everything loaded so far (models, templates, modules) lives as long as the server: moving it
        # out of the collector's generations keeps full collections, and so latency spikes, small.
        gc.collect()
        gc.freeze()
        uvicorn.run(
            application, host=host, port=port, log_level="warning", server_header=False, proxy_headers=False
        )

    @token_app.command("create")
    def token_create(
        name: Annotated[str, typer.Option(help="What the token is for (shown by `token list`).")] = "token",
        database: DatabaseOpt = None,
    ) -> None:
        """Create an API token and print it once (only its hash is stored)."""
        with _accounts(database) as accounts:
            value = accounts.create_token(name)
        print(value)
        print("Send it as `Authorization: Bearer TOKEN`; it is not shown again.", file=sys.stderr)

    @token_app.command("list")
    def token_list(database: DatabaseOpt = None) -> None:
        """List the stored tokens (id, name, created)."""
        with _accounts(database) as accounts:
            tokens = accounts.tokens()
        if not tokens:
            print("no tokens")
        for t in tokens:
            print(f"{t.id}\t{t.created_at.date().isoformat()}\t{t.name}")

    @token_app.command("revoke")
    def token_revoke(
        token_id: Annotated[int, typer.Argument(metavar="ID", help="The id `token list` shows.")],
        database: DatabaseOpt = None,
    ) -> None:
        """Delete a token; a running server stops accepting it within ten seconds."""
        with _accounts(database) as accounts:
            if not accounts.revoke_token(token_id):
                raise _fail(f"ID: no token with id {token_id}")
        print(f"token {token_id} revoked")

    @user_app.command("set-password")
    def set_password(
        database: DatabaseOpt = None,
        password_stdin: Annotated[
            bool, typer.Option("--password-stdin", help="Read the password from the first line of stdin.")
        ] = False,
    ) -> None:
        """Set (or change) the web app's password; ends every open session."""
        from ..web.accounts import AccountError

        if password_stdin or not sys.stdin.isatty():
            password = sys.stdin.readline().rstrip("\r\n")
        else:
            password = typer.prompt("New password", hide_input=True, confirmation_prompt=True)
        with _accounts(database) as accounts:
            try:
                accounts.set_password(password)
            except AccountError as exc:
                raise _fail(str(exc)) from None
        print("password set")


__all__ = ["register"]
