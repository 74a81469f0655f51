"""Commands for both ends of a request: `reply`, `policy-page`, `coach` and `sent`."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from ..model import Action, Platform, SenderProfile
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
    fail,
    request_from_options,
)

LangOpt = Annotated[str | None, typer.Option("--lang", help="de or en (default: the note's language).")]


def _fail(message: str, code: int = 2) -> NoReturn:
    raise fail(message, code)


def _read_json_file(path: Path, what: str) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        _fail(f"{path}: no such file")
    except IsADirectoryError:
        _fail(f"{path}: is a directory, expected a JSON file")
    except UnicodeDecodeError as exc:
        _fail(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        _fail(f"{path}:{exc.lineno}: not valid JSON ({exc.msg} at column {exc.colno}) in the {what}")


def _check_lang(lang: str | None) -> None:
    if lang is not None and lang not in ("de", "en"):
        _fail(f"--lang: unknown language {lang!r} (allowed: de, en)")


def reply(
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
    action: Annotated[
        str | None, typer.Option(help="Draft for this action instead of the recommended one.")
    ] = None,
    lang: LangOpt = None,
    register: Annotated[
        str | None,
        typer.Option("--register", help="du or sie (default: how the sender wrote, else settings)."),
    ] = None,
    signature: Annotated[str | None, typer.Option(help="Your signature (\\n for a line break).")] = None,
    policy_url: Annotated[
        str | None, typer.Option(help="Link to your policy page, used by ask-back drafts.")
    ] = None,
    profile_url: Annotated[
        str | None, typer.Option(help="Link to your profile, used by follow drafts.")
    ] = None,
    templates: Annotated[
        list[Path] | None, typer.Option("--templates", help="Template directory layered over the defaults.")
    ] = None,
    policy: PolicyOpt = None,
) -> None:
    """Draft a reply to a request: screened first, then the template for its action and category."""
    from ..policy import Policy, PolicyError
    from ..replies import Register, ReplyError, ReplyRenderer, ReplySettings
    from ..screener import Screener

    _check_lang(lang)
    if register is not None and register not in ("du", "sie"):
        _fail(f"--register: unknown register {register!r} (allowed: du, sie)")
    act: Action | None = None
    if action is not None:
        try:
            act = Action(action)
        except ValueError:
            _fail(f"--action: unknown action {action!r} (allowed: {', '.join(a.value for a in Action)})")
    req = request_from_options(
        request_json, note=note, platform=platform, name=name, headline=headline, job_title=job_title,
        company=company, mutual=mutual, connections=connections, photo=photo,
        hidden_contacts=hidden_contacts, recipient_name=recipient_name,
        recipient_headline=recipient_headline, partnership=partnership,
    )  # fmt: skip
    try:
        settings = ReplySettings.from_env(
            signature=signature.replace("\\n", "\n") if signature else None,
            policy_url=policy_url,
            profile_url=profile_url,
        )
        if templates:
            # Directories on the command line are the topmost layers, above those from the environment.
            settings = settings.model_copy(update={"template_dirs": (*settings.template_dirs, *templates)})
        renderer = ReplyRenderer(settings, include_user_dir=True)
    except ReplyError as exc:
        _fail(str(exc))
    try:
        screener = Screener(policy=Policy.load(policy))
    except PolicyError as exc:
        _fail(str(exc))
    verdict = screener.screen(req)
    try:
        reg: Register | None = "du" if register == "du" else "sie" if register == "sie" else None
        draft = renderer.draft(req, verdict, action=act, lang=lang, register=reg)
    except ReplyError as exc:
        _fail(str(exc))
    print(
        f"# {draft.action.value} · {draft.category.value} · score {verdict.score} · {draft.lang}/{draft.register}"
        f" · {draft.template}",
        file=sys.stderr,
    )
    if draft.action is Action.IGNORE:
        print(
            "# ignoring sends the sender nothing; send this draft only if you want to answer", file=sys.stderr
        )
    elif draft.action is Action.BLOCK_REPORT:
        print("# answering is not recommended: block and report without a reply", file=sys.stderr)
    print(draft.text)


def policy_page(
    lang: Annotated[str, typer.Option("--lang", help="de or en.")] = "de",
    out: Annotated[
        Path | None, typer.Option("--out", help="Directory to write index.html into (default: print it).")
    ] = None,
    policy: Annotated[
        Path | None, typer.Option("--policy", help="Your policy TOML (layered over the defaults).")
    ] = None,
    page: Annotated[
        Path | None, typer.Option("--page", help="Page TOML: name, intro, [[contact]] label/text/href.")
    ] = None,
    name: Annotated[str | None, typer.Option(help="Your name, shown under the heading.")] = None,
    templates: Annotated[
        list[Path] | None, typer.Option("--templates", help="Template directory layered over the defaults.")
    ] = None,
) -> None:
    """Generate the static networking-policy page from your own policy."""
    from dataclasses import replace

    from ..policy import Policy, PolicyError
    from ..policy_page import PageConfig, PolicyPageError, render_policy_page, write_policy_page

    _check_lang(lang)
    try:
        pol = Policy.load(policy)
    except PolicyError as exc:
        _fail(str(exc))
    try:
        config = PageConfig.load(page) if page is not None else PageConfig()
        if name:
            config = replace(config, name=name)
        html = render_policy_page(pol, lang, config, template_dirs=tuple(templates or ()))
        if out is None:
            sys.stdout.write(html)
            return
        target = write_policy_page(out, html)
    except (PolicyPageError, OSError) as exc:
        _fail(str(exc))
    print(f"wrote {target}", file=sys.stderr)


def coach(
    note: Annotated[str, typer.Argument(help="The draft note, or - to read it from stdin.")],
    to: Annotated[
        Path | None,
        typer.Option("--to", help="Recipient profile JSON: name, headline, interests, mutual_contacts."),
    ] = None,
    sender: Annotated[
        Path | None,
        typer.Option("--from", help="Your own profile JSON (the screen contract's sender object)."),
    ] = None,
    platform: Annotated[
        str, typer.Option(help="linkedin or xing (also mastodon, email, other).")
    ] = "linkedin",
    account: Annotated[
        str, typer.Option(help="free or premium (LinkedIn: 200 or 300 characters).")
    ] = "premium",
    limit: Annotated[
        int | None, typer.Option(help="Override the platform's note limit in characters.")
    ] = None,
    lang: LangOpt = None,
    as_json: Annotated[
        bool, typer.Option("--json", help='Print {"score","category","action","findings":[...]}.')
    ] = False,
) -> None:
    """Check a draft note before sending: how a recipient's filter would judge it, and what to fix."""
    from ..coach import Account, Coach, CoachConfig, CoachError, DraftNote, RecipientProfile
    from ..coach.api import parse_sender

    _check_lang(lang)
    text = sys.stdin.read() if note == "-" else note
    try:
        plat = Platform(platform.lower())
    except ValueError:
        _fail(f"--platform: unknown platform {platform!r} (allowed: {', '.join(p.value for p in Platform)})")
    try:
        acct = Account(account.lower())
    except ValueError:
        _fail(f"--account: unknown account {account!r} (allowed: free, premium)")
    if limit is not None and limit <= 0:
        _fail(f"--limit: must be positive, got {limit}")
    recipient = None
    if to is not None:
        try:
            recipient = RecipientProfile.from_mapping(_read_json_file(to, "recipient profile"))
        except CoachError as exc:
            _fail(f"{to}: {exc}")
    me = None
    if sender is not None:
        try:
            me = parse_sender(_read_json_file(sender, "sender profile"), path="")
        except CoachError as exc:
            _fail(f"{sender}: {exc.field.lstrip('.')}: {exc.message}")
    config = CoachConfig()
    if limit is not None:
        config = config.with_limit(plat, acct, limit)
    draft = DraftNote(
        note=text, recipient=recipient, sender=me or SenderProfile(), platform=plat, account=acct, lang=lang
    )
    report = Coach(config=config).check(draft)
    if as_json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=1))
        return
    de = report.lang == "de"
    limit_text = f"/{report.limit}" if report.limit is not None else ""
    print(f"Score: {report.score}/100 · {report.category.value} · {report.action.value}")
    print(report.summary())
    print(f"{'Länge' if de else 'Length'}: {report.length}{limit_text} {'Zeichen' if de else 'characters'}")
    if not report.findings:
        print("Keine Anmerkungen." if de else "No findings.")
    for f in report.findings:
        print()
        label = ("Problem" if de else "problem") if f.severity == "problem" else ("Tipp" if de else "tip")
        print(f"[{f.code}] ({label}) {f.message}")
        print(f"  → {f.suggestion}")


def sent(
    export: Annotated[Path, typer.Argument(help="Your LinkedIn data export (zip or folder).")],
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Reference date for 'pending' (YYYY-MM-DD, default today).")
    ] = None,
    pending_days: Annotated[int, typer.Option(help="Days after which an invitation counts as pending.")] = 7,
    withdraw_days: Annotated[int, typer.Option(help="Days after which withdrawing is suggested.")] = 21,
    lang: Annotated[str, typer.Option("--lang", help="de or en.")] = "en",
    as_json: Annotated[bool, typer.Option("--json", help="Print the numbers as JSON.")] = False,
) -> None:
    """Acceptance of your sent invitations (with and without a note, by coach score) and what is pending."""
    from ..sent import SentError, analyse_export, format_report

    _check_lang(lang)
    if pending_days < 1 or withdraw_days < pending_days:
        _fail("--pending-days must be at least 1 and --withdraw-days at least --pending-days")
    now = datetime.now(UTC)
    if as_of is not None:
        try:
            now = datetime.fromisoformat(as_of).replace(tzinfo=UTC)
        except ValueError:
            _fail(f"--as-of: not a date: {as_of!r} (expected YYYY-MM-DD)")
    try:
        report = analyse_export(
            export, now=now, pending_days=pending_days, withdraw_days=withdraw_days, default_lang=lang
        )
    except SentError as exc:
        _fail(str(exc))
    for problem in report.problems:
        print(problem, file=sys.stderr)
    if as_json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=1))
    else:
        print(format_report(report, lang))


def register(app: typer.Typer) -> None:
    """Add `reply`, `policy-page`, `coach` and `sent` to the command line."""
    app.command("reply")(reply)
    app.command("policy-page")(policy_page)
    app.command("coach")(coach)
    app.command("sent")(sent)
