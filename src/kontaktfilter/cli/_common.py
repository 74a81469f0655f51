"""Helpers every command module shares: plain error lines, failing with an exit code, the store,
and the options that describe one request on the command line."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

from ..model import ContactRequest
from ..policy import Policy, PolicyError
from ..settings import Settings, SettingsError, load_settings


def warn(message: str) -> None:
    """Write one plain line to stderr (no wrapping, no markup), so errors stay greppable."""
    print(message, file=sys.stderr, flush=True)


def fail(message: str, code: int = 2) -> typer.Exit:
    """Report an error and return the Exit to raise."""
    warn(f"error: {message}")
    return typer.Exit(code)


DatabaseOpt = Annotated[
    str | None,
    typer.Option(
        "--database",
        metavar="URL",
        help="Database URL (sqlite:///FILE or postgresql://...); default KONTAKTFILTER_DATABASE_URL, "
        "else inbox.sqlite3 in the data directory.",
    ),
]


def settings_or_fail(database: str | None, **more: Any) -> Settings:
    """The settings (with `--database` if given); a bad setting fails the command with its message."""
    try:
        return load_settings(database_url=database, **more)
    except SettingsError as exc:
        raise fail(str(exc)) from None


def policy_or_fail(settings: Settings) -> Policy:
    """The policy the settings name, layered over the defaults; a bad file fails the command."""
    try:
        return Policy.load(settings.policy)
    except PolicyError as exc:
        raise fail(str(exc)) from None


@contextmanager
def opened_store(settings: Settings) -> Iterator[Any]:
    """The store named by the settings, closed afterwards; a bad URL fails with its message."""
    from ..store.engine import Store, StoreError

    try:
        store = Store.open(settings.database)
    except StoreError as exc:
        raise fail(str(exc)) from None
    try:
        yield store
    finally:
        store.close()


# --- One request given on the command line (`explain`, `reply`) ---------------------------------
# The options are declared once here, so both commands take the same ones with the same help.

NoteArg = Annotated[str | None, typer.Argument(help="The note text (omit for a request without a note).")]
RequestJsonOpt = Annotated[
    str | None, typer.Option("--json", help="The whole request as a JSON object (screen contract).")
]
PlatformOpt = Annotated[str, typer.Option(help="linkedin, xing, mastodon, email or other.")]
NameOpt = Annotated[str | None, typer.Option(help="Sender's name.")]
HeadlineOpt = Annotated[str | None, typer.Option(help="Sender's headline.")]
JobTitleOpt = Annotated[str | None, typer.Option(help="Sender's job title.")]
CompanyOpt = Annotated[str | None, typer.Option(help="Sender's company.")]
MutualOpt = Annotated[int | None, typer.Option(help="Number of mutual contacts.")]
ConnectionsOpt = Annotated[int | None, typer.Option(help="Sender's number of connections.")]
PhotoOpt = Annotated[bool | None, typer.Option("--photo/--no-photo", help="Whether the sender has a photo.")]
HiddenContactsOpt = Annotated[bool, typer.Option(help="The sender hides their contacts.")]
RecipientNameOpt = Annotated[str | None, typer.Option(help="Your name.")]
RecipientHeadlineOpt = Annotated[str | None, typer.Option(help="Your headline.")]
PartnershipOpt = Annotated[bool, typer.Option(help="You state a partnership in your profile.")]
PolicyOpt = Annotated[Path | None, typer.Option("--policy", help="Policy TOML layered over the defaults.")]


def request_from_options(
    request_json: str | None,
    *,
    note: str | None,
    platform: str,
    name: str | None,
    headline: str | None,
    job_title: str | None,
    company: str | None,
    mutual: int | None,
    connections: int | None,
    photo: bool | None,
    hidden_contacts: bool,
    recipient_name: str | None,
    recipient_headline: str | None,
    partnership: bool,
) -> ContactRequest:
    """The request from `--json`, or else from the single options; contract errors fail the command."""
    from ..contract import ContractError, parse_request

    if request_json is not None:
        try:
            obj = json.loads(request_json)
        except json.JSONDecodeError as exc:
            raise fail(f"--json: not valid JSON ({exc.msg} at column {exc.colno})") from None
    else:
        obj = {
            "id": "cli",
            "platform": platform,
            "note": note,
            "sender": {"name": name, "headline": headline, "job_title": job_title, "company": company,
                       "mutual_contacts": mutual, "connections_count": connections, "has_photo": photo,
                       "connections_visible": False if hidden_contacts else None},
            "recipient": {"name": recipient_name, "headline": recipient_headline, "partnership": partnership},
        }  # fmt: skip
    try:
        return parse_request(obj, default_id="cli")
    except ContractError as exc:
        raise fail(exc.describe()) from None
