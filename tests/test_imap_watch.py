"""`kontaktfilter watch` against a real dovecot on loopback: IMAPS and STARTTLS, the fixture mails
(plain, quoted-printable, HTML-only, German and English, a reminder, a malformed mail, a newsletter),
dedupe by invitation id, reconciling with a LinkedIn export, filing per category, wrong credentials,
IDLE and reconnecting after a server restart."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from kontaktfilter.cli import app
from kontaktfilter.integrations._backoff import Backoff
from kontaktfilter.integrations.imap.client import ImapClient
from kontaktfilter.integrations.imap.extractors import get_extractors
from kontaktfilter.integrations.imap.watch import UidState, Watcher
from kontaktfilter.integrations.settings import ImapSettings, MoveSettings, read_secret
from kontaktfilter.model import Action
from kontaktfilter.policy import Policy
from kontaktfilter.screener import Screener
from kontaktfilter.sources.importer import Importer
from kontaktfilter.store.engine import Store
from kontaktfilter.store.models import Decision, Person, Request, Verdict
from kontaktfilter.store.repository import record_decision
from tests.fixtures.dovecot import Dovecot, dovecot_server

FIXTURES = Path(__file__).parent / "fixtures" / "imap"
INVITATIONS = ["linkedin-en-plain.eml", "linkedin-de-qp.eml", "linkedin-en-old-default-note.eml",
               "linkedin-html-only.eml"]  # fmt: skip
OTHERS = ["linkedin-reminder.eml", "linkedin-malformed.eml", "newsletter.eml"]


def eml(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@pytest.fixture
def imap() -> Iterator[Dovecot]:
    with dovecot_server() as server:
        yield server


@pytest.fixture(scope="module")
def screener() -> Screener:
    return Screener()


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Isolated config and data directory; the password lives in a file."""
    monkeypatch.setenv("KONTAKTFILTER_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("KONTAKTFILTER_CONFIG", str(tmp_path / "config.toml"))
    for var in ("KONTAKTFILTER_DATABASE_URL", "KONTAKTFILTER_POLICY", "KONTAKTFILTER_IMAP_PASSWORD",
                "KONTAKTFILTER_IMAP_HOST", "KONTAKTFILTER_IMAP_PORT", "KONTAKTFILTER_IMAP_USERNAME"):  # fmt: skip
        monkeypatch.delenv(var, raising=False)
    return tmp_path


def write_config(env: Path, imap: Dovecot, *, security: str = "ssl", password: str | None = None,
                 ca: bool = True, extra: str = "") -> None:  # fmt: skip
    (env / "password").write_text((password or imap.password) + "\n", encoding="utf-8")
    port = imap.imaps_port if security == "ssl" else imap.imap_port
    lines = [
        "[imap]", 'host = "127.0.0.1"', f"port = {port}", f'security = "{security}"',
        f'username = "{imap.user}"', f'password_file = "{env / "password"}"',
    ]  # fmt: skip
    if ca:
        lines.append(f'ca_file = "{imap.ca_file}"')
    (env / "config.toml").write_text("\n".join(lines) + "\n" + extra, encoding="utf-8")


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def requests(db: str) -> dict[str, tuple[Request, Person, Verdict | None]]:
    store = Store.open(db)
    try:
        with store.session() as s:
            rows = s.execute(
                select(Request, Person, Verdict)
                .join(Person, Person.id == Request.person_id)
                .outerjoin(Verdict, Verdict.request_id == Request.id)
            ).all()
            return {p.name or p.key: (r, p, v) for r, p, v in rows}
    finally:
        store.close()


def deliver_all(imap: Dovecot) -> None:
    for name in INVITATIONS + OTHERS:
        imap.append("INBOX", eml(name))


def test_once_reads_every_kind_of_invitation_mail(imap: Dovecot, env: Path) -> None:
    deliver_all(imap)
    write_config(env, imap)
    db = f"sqlite:///{env / 'inbox.sqlite3'}"
    code, out, err = run("watch", "--once", "--database", db)
    # The malformed mail is reported with folder, UID and field, and the exit status says so.
    assert code == 1, (out, err)
    assert "INBOX:6: body: no link to the sender's LinkedIn profile (View profile); skipped" in err
    assert "4 new" in out and "1 reminder(s) ignored" in out and "1 skipped (unreadable)" in out
    assert "INBOX:5: ignored: reminder" in out

    rows = requests(db)
    assert set(rows) == {"Tobias Brenner", "Miriam Özdemir", "Sven Lindqvist", "Lena Hofmann"}
    tobias, person, verdict = rows["Tobias Brenner"]
    assert person.key == "https://www.linkedin.com/in/tobias-brenner-4a1b2c"  # /comm/ and tracking gone
    assert tobias.source == "imap" and tobias.platform == "linkedin" and tobias.direction == "incoming"
    assert tobias.note is not None and tobias.note.startswith("I enjoyed your talk on district heating")
    assert tobias.payload["sender"]["headline"] == "Head of Energy Projects at Stadtwerke Augsburg"
    assert tobias.received_at == datetime(2026, 11, 16, 8, 41, 7, tzinfo=UTC)
    assert verdict is not None and verdict.category in ("personal_known", "relevant_business")

    miriam, _, v_miriam = rows["Miriam Özdemir"]  # German, quoted-printable, encoded display name
    assert miriam.note is not None and "15 Minuten" in miriam.note and "–" in miriam.note
    assert v_miriam is not None and v_miriam.category == "sales_pitch"
    sven, _, _ = rows["Sven Lindqvist"]  # older mail: name without "via LinkedIn", LinkedIn's default text
    assert sven.note is None
    lena, _, v_lena = rows["Lena Hofmann"]  # HTML only
    assert lena.payload["sender"]["headline"] == "Investment Advisor & Crypto Mentor"
    assert v_lena is not None and v_lena.category == "scam" and v_lena.action == "block_report"

    # Reading never marks mail as read, and nothing was moved or deleted without the option.
    flags = imap.flags("INBOX")
    assert len(flags) == len(INVITATIONS + OTHERS)
    assert not any("\\Seen" in f or "\\Deleted" in f for f in flags)


def test_runs_again_without_duplicates(imap: Dovecot, env: Path) -> None:
    deliver_all(imap)
    write_config(env, imap)
    db = f"sqlite:///{env / 'inbox.sqlite3'}"
    run("watch", "--once", "--database", db)
    # The next pass starts after the last UID it read.
    code, out, _ = run("watch", "--once", "--database", db)
    assert code == 0 and "no new invitation mails" in out
    # A second copy of a notification (same invitationId) and a full rescan add nothing.
    imap.append("INBOX", eml("linkedin-en-plain.eml"))
    code, out, _ = run("watch", "--once", "--database", db)
    assert code == 0 and "1 already known" in out
    code, out, _ = run("watch", "--once", "--rescan", "--database", db)
    assert "5 already known" in out
    assert len(requests(db)) == 4


def test_mail_and_linkedin_export_are_one_request(imap: Dovecot, env: Path, screener: Screener, tmp_path: Path) -> None:  # fmt: skip
    imap.append("INBOX", eml("linkedin-en-plain.eml"))
    write_config(env, imap)
    db = f"sqlite:///{env / 'inbox.sqlite3'}"
    run("watch", "--once", "--database", db)
    store = Store.open(db)
    try:
        with store.session() as s:
            mail_row = s.scalars(select(Request)).one()
            record_decision(s, mail_row, Action.ACCEPT, "met in Ulm", datetime(2026, 11, 17, tzinfo=UTC))
        export = tmp_path / "export"
        export.mkdir()
        (export / "Invitations.csv").write_text(
            "From,To,Sent At,Message,Direction,inviterProfileUrl,inviteeProfileUrl\n"
            'Tobias Brenner,Jana Vogt,"11/16/26, 8:41 AM","I enjoyed your talk on district heating at the '
            'Stadtwerke-Forum in Ulm last week.",INCOMING,https://www.linkedin.com/in/tobias-brenner-4a1b2c,'
            "https://www.linkedin.com/in/jana-vogt\n",
            encoding="utf-8",
        )
        Importer(store, screener=lambda: screener, policy=Policy.default()).import_path(export)
        with store.session() as s:
            assert len(s.scalars(select(Request)).all()) == 2  # the importer knows no invitation ids
    finally:
        store.close()
    # The next pass folds the mail's request into the export's and keeps the decision.
    code, out, _ = run("watch", "--once", "--database", db)
    assert "1 request(s) merged" in out
    rows = requests(db)
    row, _, verdict = rows["Tobias Brenner"]
    assert len(rows) == 1 and row.source == "linkedin_export"
    assert row.payload["sender"]["headline"] == "Head of Energy Projects at Stadtwerke Augsburg"
    assert verdict is not None
    store = Store.open(db)
    try:
        with store.session() as s:
            decisions = s.scalars(select(Decision)).all()
            assert [(d.request_id, d.note) for d in decisions] == [(row.id, "met in Ulm")]
    finally:
        store.close()
    # The same notification read again (export already there) is recognised, not added.
    code, out, _ = run("watch", "--once", "--rescan", "--database", db)
    assert code == 0
    assert "1 already imported from a LinkedIn export" in out
    assert len(requests(db)) == 1


def test_files_notifications_into_folders_per_category(imap: Dovecot, env: Path) -> None:
    deliver_all(imap)
    extra = '[imap.move]\nenabled = true\nfolder = "Kontaktanfragen/{category}"\n' \
            '[imap.move.folders]\nsales_pitch = "Kontaktanfragen/Pitch"\n'  # fmt: skip
    write_config(env, imap, extra=extra)
    db = f"sqlite:///{env / 'inbox.sqlite3'}"
    code, out, err = run("watch", "--once", "--database", db)
    assert code == 1  # the malformed mail
    assert "4 filed" in out, err
    assert imap.subjects("Kontaktanfragen.Pitch") == ["Bitte fügen Sie mich Ihrem LinkedIn-Netzwerk hinzu"]
    assert imap.subjects("Kontaktanfragen.scam") == ["Lena Hofmann wants to connect"]
    # The reminder, the malformed mail and the newsletter stay; nothing is lost.
    inbox = imap.subjects("INBOX")
    assert sorted(inbox) == sorted(
        ["Reminder: Tobias Brenner wants to connect", "I want to connect", "Programm 2027"]
    )
    # Dovecot's maildir separates levels with "."; the configured "/" is translated.
    filed = ["Kontaktanfragen." + c for c in ("personal_known", "relevant_business", "collector_generic",
                                              "recruiter", "romantic_private", "Pitch", "scam")]  # fmt: skip
    assert sum(len(imap.subjects(f)) for f in filed) + len(inbox) == len(INVITATIONS + OTHERS)


def test_starttls(imap: Dovecot, env: Path) -> None:
    imap.append("INBOX", eml("linkedin-de-qp.eml"))
    write_config(env, imap, security="starttls")
    code, out, err = run("watch", "--once", "--database", f"sqlite:///{env / 'db.sqlite3'}")
    assert code == 0, err
    assert "1 new" in out


def test_wrong_password_is_a_clear_error_without_the_password(imap: Dovecot, env: Path) -> None:
    write_config(env, imap, password="not-the-Passw0rd")
    code, out, err = run("watch", "--once", "--database", f"sqlite:///{env / 'db.sqlite3'}")
    assert code == 2
    assert f"imaps://{imap.user}@127.0.0.1:{imap.imaps_port}: login refused" in err
    assert "AUTHENTICATIONFAILED" in err
    assert "not-the-Passw0rd" not in out + err


def test_untrusted_certificate_and_missing_settings(imap: Dovecot, env: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    write_config(env, imap, ca=False)
    code, _, err = run("watch", "--once", "--database", f"sqlite:///{env / 'db.sqlite3'}")
    assert code == 2 and "certificate is not trusted" in err and "imap.ca_file" in err
    (env / "config.toml").write_text('[imap]\nhost = "127.0.0.1"\nusername = "jana"\npassword = "x"\n')
    code, _, err = run("watch", "--once")
    assert code == 2 and "imap.password: keep the password out of the config file" in err
    (env / "config.toml").write_text('[imap]\nhost = "127.0.0.1"\nusername = "jana"\nport = "abc"\n')
    monkeypatch.setenv("KONTAKTFILTER_IMAP_PASSWORD", "x")
    code, _, err = run("watch", "--once")
    assert code == 2 and "imap.port" in err
    (env / "config.toml").write_text("")
    code, _, err = run("watch", "--once")
    assert code == 2 and "no [imap] table" in err


def test_idle_picks_up_new_mail_and_survives_a_server_restart(imap: Dovecot, env: Path, screener: Screener) -> None:  # fmt: skip
    settings = ImapSettings(
        host="127.0.0.1", port=imap.imaps_port, username=imap.user, ca_file=imap.ca_file,
        idle_seconds=5, timeout=5, max_backoff=1,
    )  # fmt: skip
    (env / "pw").write_text(imap.password)
    password = read_secret(env / "pw", None, "password")
    store = Store.open(f"sqlite:///{env / 'idle.sqlite3'}")
    out: list[str] = []
    warnings: list[str] = []
    watcher = Watcher(
        settings, client=lambda: ImapClient(settings, password), store=store, screener=lambda: screener,
        policy=Policy.default(), extractors=get_extractors(["linkedin"]), state=UidState(env / "state.json"),
        now=lambda: datetime(2026, 11, 23, tzinfo=UTC), out=out.append, warn=warnings.append,
        backoff=Backoff(base=0.2, cap=1.0),
    )  # fmt: skip
    stop = threading.Event()
    errors: list[BaseException] = []

    def target() -> None:
        try:
            watcher.watch(stop.is_set)
        except BaseException as exc:  # surfaced in the assertion below
            errors.append(exc)

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    try:
        wait_for(lambda: any(line.startswith("connected to") for line in out))
        imap.append("INBOX", eml("linkedin-en-plain.eml"))
        wait_for(lambda: any("new li-" in line and "Tobias Brenner" in line for line in out))
        imap.stop()
        wait_for(lambda: any("reconnecting" in w for w in warnings), what=lambda: (out, warnings, errors))
        imap.start()
        imap.append("INBOX", eml("linkedin-html-only.eml"))
        wait_for(lambda: any("new li-" in line and "Lena Hofmann" in line for line in out), timeout=30)
    finally:
        stop.set()
        thread.join(timeout=20)
        store.close()
    assert not thread.is_alive() and not errors
    assert sum(line.startswith("connected to") for line in out) >= 2
    assert imap.password not in "\n".join(out + warnings)


def wait_for(condition: Callable[[], bool], timeout: float = 15.0, what: Callable[[], object] = str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting: {what()}")


def test_move_settings_target() -> None:
    move = MoveSettings(enabled=True, folders={"sales_pitch": "Kontaktanfragen/Pitch"})  # type: ignore[dict-item]
    assert move.target("sales_pitch", "ignore") == "Kontaktanfragen/Pitch"
    assert move.target("scam", "block_report") == "Kontaktanfragen/scam"
