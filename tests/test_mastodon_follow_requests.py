"""`kontaktfilter mastodon screen` against mastodon-mock on loopback, driven through Mastodon.py:
paginated follow requests, screening of the requesting accounts, dry run by default, `--apply`
authorizing and rejecting, decisions in the store, the owner's own decision winning, retries, and
a refused token. Plus the account signals' own examples and reading an Account entity."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from mastodon import Mastodon
from mastodon_mock.config import SeedAccount, SeedConfig, SeedFollow
from mastodon_mock.db.models import Account
from sqlalchemy import select
from typer.testing import CliRunner

from kontaktfilter.cli import app
from kontaktfilter.integrations.mastodon.account import MastodonAccount
from kontaktfilter.integrations.mastodon.client import MastodonFailure, instance_url
from kontaktfilter.integrations.mastodon.signals import ACCOUNT_SIGNALS, EXAMPLE_NOW, example_account
from kontaktfilter.store.engine import Store
from kontaktfilter.store.models import Decision, Person, Request, Verdict
from tests.fixtures.mastodon_server import MockInstance, mastodon_mock

# Illustrative people; the tokens are fixtures of the mock server, not credentials.
REQUESTERS = {
    "ruth": dict(display_name="Ruth Albers", token="ruth_token",
                 note="<p>Stadtplanerin in Freiburg. Ich schreibe über Radverkehr, Stadtgrün und Wärmenetze.</p>"),
    "cryptoking": dict(display_name="Crypto King 💰", token="ck_token",
                       note='<p>Crypto trader. 10x returns guaranteed! DM me on <a href="https://t.me/ckingsignals">t.me/ckingsignals</a></p>'),
    "growthguru": dict(display_name="Growth Guru", token="gg_token",
                       note="<p>I help coaches scale to 6 figures with lead generation. Book a free call!</p>"),
    "stadtnews": dict(display_name="Stadtwerke-News", token="sn_token", bot=True,
                      note="<p>Automatische Meldungen aus Pressemitteilungen von Stadtwerken.</p>"),
    "emptyone": dict(display_name="", token="eo_token", note=""),
}  # fmt: skip


@pytest.fixture
def instance() -> Iterator[MockInstance]:
    accounts = [SeedAccount(username="jana", display_name="Jana Vogt", locked=True, access_token="jana_token"),
                SeedAccount(username="kai", display_name="Kai Nowak", access_token="kai_token")]  # fmt: skip
    for name, spec in REQUESTERS.items():
        accounts.append(SeedAccount(username=name, display_name=str(spec["display_name"]), note=str(spec["note"]),
                                    bot=bool(spec.get("bot", False)), access_token=str(spec["token"])))  # fmt: skip
    # Jana and Kai follow each other, and Kai follows Ruth: Ruth has one familiar follower (Mastodon
    # counts accounts you follow, mastodon-mock accounts following you; Kai is both).
    follows = [SeedFollow(follower="jana", following="kai"), SeedFollow(follower="kai", following="jana"),
               SeedFollow(follower="kai", following="ruth")]  # fmt: skip
    with mastodon_mock(SeedConfig(accounts=accounts, follows=follows), page_size=2) as mock:
        _seed(mock)
        yield mock


def _seed(mock: MockInstance) -> None:
    """Profiles and follow requests through the API; what the API cannot set, in the mock's database."""
    jana = Mastodon(access_token="jana_token", api_base_url=mock.url)
    jana_id = jana.account_verify_credentials()["id"]
    for request in jana.follow_requests():  # Kai's seeded follow of the locked account
        jana.follow_request_authorize(request["id"])
    ruth = Mastodon(access_token="ruth_token", api_base_url=mock.url)
    ruth.account_update_credentials(fields=[("Website", "ruth-albers.example"), ("Beruf", "Stadtplanerin")])
    for i in range(32):
        ruth.status_post(f"Radweg-Notiz {i}")
    Mastodon(access_token="sn_token", api_base_url=mock.url).status_post("Neue Meldung")
    for spec in REQUESTERS.values():
        Mastodon(access_token=str(spec["token"]), api_base_url=mock.url).account_follow(jana_id)
    now = datetime.now(UTC).replace(tzinfo=None)
    with mock.db() as db:
        for acc in db.scalars(select(Account)):
            acc.created_at = now - timedelta(
                days={"ruth": 1100, "cryptoking": 3, "emptyone": 2}.get(acc.username, 400)
            )
            if acc.username == "ruth":
                acc.fields = [{**f, "verified_at": "2024-05-01T10:00:00.000Z"} if f["name"] == "Website" else f
                              for f in acc.fields]  # fmt: skip
            if acc.username in ("cryptoking", "emptyone"):
                acc.avatar_url = "http://127.0.0.1/avatars/original/missing.png"
        db.commit()


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("KONTAKTFILTER_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("KONTAKTFILTER_CONFIG", str(tmp_path / "absent.toml"))
    monkeypatch.delenv("KONTAKTFILTER_DATABASE_URL", raising=False)
    monkeypatch.delenv("KONTAKTFILTER_POLICY", raising=False)
    (tmp_path / "token").write_text("jana_token\n", encoding="utf-8")
    return tmp_path


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def screen(instance: MockInstance, env: Path, *extra: str) -> tuple[int, str, str]:
    db = f"sqlite:///{env / 'inbox.sqlite3'}"
    return run("mastodon", "screen", "--instance", instance.url, "--token-file", str(env / "token"),
               "--database", db, *extra)  # fmt: skip


def pending(instance: MockInstance) -> set[str]:
    jana = Mastodon(access_token="jana_token", api_base_url=instance.url)
    page = jana.follow_requests()
    out: set[str] = set()
    while page:
        out.update(a["acct"] for a in page)
        page = jana.fetch_next(page)
    return out


def followers(instance: MockInstance) -> set[str]:
    jana = Mastodon(access_token="jana_token", api_base_url=instance.url)
    me = jana.account_verify_credentials()
    return {a["acct"] for a in jana.account_followers(me["id"])}


def stored(env: Path) -> dict[str, tuple[Request, Person, Verdict, list[Decision]]]:
    store = Store.open(f"sqlite:///{env / 'inbox.sqlite3'}")
    try:
        with store.session() as s:
            out = {}
            for r, p, v in s.execute(
                select(Request, Person, Verdict).join(Person, Person.id == Request.person_id).join(Verdict)
            ).all():
                decisions = list(s.scalars(select(Decision).where(Decision.request_id == r.id)))
                out[(p.profile_url or p.key).rsplit("@", 1)[-1]] = (r, p, v, decisions)
            return out
    finally:
        store.close()


def test_dry_run_screens_every_page_and_sends_nothing(instance: MockInstance, env: Path) -> None:
    code, out, err = screen(instance, env)
    assert code == 0, err
    # Five requests at two per page: the Link header was followed to the end.
    assert len([q for q in instance.pages.listings if "max_id" in q]) == 2
    assert "@ruth" in out and "-> would authorize" in out
    assert "@cryptoking" in out and "dry run, nothing was sent" in out
    lines = {line.split(" ", 1)[0]: line for line in out.splitlines() if line.startswith("@")}
    assert "would authorize" in lines["@ruth"]
    assert "would reject" in lines["@cryptoking"] and "scam" in lines["@cryptoking"]
    assert "would reject" in lines["@growthguru"] and "sales_pitch" in lines["@growthguru"]
    assert pending(instance) == set(REQUESTERS)  # nothing was authorized or rejected
    rows = stored(env)
    assert set(rows) == set(REQUESTERS)
    ruth, person, verdict, decisions = rows["ruth"]
    assert ruth.platform == "mastodon" and ruth.source == "mastodon" and ruth.note is None
    assert person.profile_url == "https://127.0.0.1/@ruth" or person.key.endswith("/@ruth")
    fired = {h["id"] for h in verdict.signals}
    assert {"mastodon_verified_link", "mastodon_established"} <= fired
    assert ruth.payload["sender"]["mutual_contacts"] == 1
    assert "no_note" not in fired  # a follow request never carries a note
    assert decisions == []
    crypto = {h["id"] for h in rows["cryptoking"][2].signals}
    assert {"mastodon_messenger_link", "mastodon_no_posts", "no_photo", "new_account"} <= crypto
    assert "mastodon_bot" in {h["id"] for h in rows["stadtnews"][2].signals}


def test_apply_authorizes_and_rejects_and_records_decisions(instance: MockInstance, env: Path) -> None:
    code, _, err = screen(instance, env, "--apply")
    assert code == 0, err
    rows = stored(env)
    authorized = {n for n, (r, _, _, _) in rows.items() if r.status == "connected"}
    rejected = {n for n, (_, _, v, d) in rows.items() if d and d[0].action in ("ignore", "block_report")}
    assert "ruth" in authorized and {"cryptoking", "growthguru"} <= rejected
    assert followers(instance) >= {"ruth"} and not followers(instance) & rejected
    left = pending(instance)
    assert left == set(REQUESTERS) - authorized - rejected
    for name in authorized | rejected:
        (decision,) = rows[name][3]
        assert decision.note is not None and decision.note.startswith("mastodon: ")
        assert not decision.correction
    # Running again touches only what is still pending and records nothing twice.
    code, _, _ = screen(instance, env, "--apply")
    assert code == 0
    assert sum(len(d) for _, _, _, d in stored(env).values()) == len(authorized | rejected)


def test_your_own_decision_wins_over_the_recommendation(instance: MockInstance, env: Path) -> None:
    screen(instance, env)
    rows = stored(env)
    left_for_me = [n for n, (_, _, v, _) in rows.items() if v.action == "ask_back"]
    assert left_for_me, "the seed should leave at least one request for the owner"
    name = left_for_me[0]
    code, _, err = run(
        "decide", rows[name][0].public_id, "accept", "--database", f"sqlite:///{env / 'inbox.sqlite3'}"
    )
    assert code == 0, err
    code, out, _ = screen(instance, env, "--apply")
    assert f"@{name}" in out and "your decision" in out
    assert name in followers(instance)


def test_server_errors_are_retried(instance: MockInstance, env: Path) -> None:
    instance.pages.listings.clear()  # the seeding listed them too
    instance.pages.fail_next = 1
    code, _, err = screen(instance, env)
    assert code == 0, err
    assert instance.pages.listings[:2] == ["limit=80", "limit=80"]  # the same call, once more


def test_refused_token_is_a_clear_error(instance: MockInstance, env: Path) -> None:
    (env / "token").write_text("not-a-valid-token")
    code, out, err = screen(instance, env)
    assert code == 2
    assert "the access token was refused (401)" in err and "--token-file" in err
    assert "not-a-valid-token" not in out + err
    code, _, err = run("mastodon", "screen", "--instance", instance.url, "--token-file", str(env / "missing"))
    assert code == 2 and "no such file" in err


def test_instance_url_needs_https_off_loopback() -> None:
    assert instance_url("mastodon.social") == "https://mastodon.social"
    assert instance_url("http://127.0.0.1:8080/") == "http://127.0.0.1:8080"
    with pytest.raises(MastodonFailure, match="use https"):
        instance_url("http://mastodon.social")


@pytest.mark.parametrize("sid", sorted(ACCOUNT_SIGNALS))
def test_account_signal_examples(sid: str) -> None:
    sig = ACCOUNT_SIGNALS[sid]
    assert sig.hits and sig.misses and sig.reason_de and sig.reason_en
    for spec in sig.hits:
        assert sig.detect(example_account(spec), EXAMPLE_NOW) is not None, spec
    for spec in sig.misses:
        assert sig.detect(example_account(spec), EXAMPLE_NOW) is None, spec


def test_account_entity_to_request() -> None:
    data = {
        "id": "109", "username": "ruth", "acct": "ruth@freiburg.social", "display_name": "Ruth Albers",
        "url": "https://freiburg.social/@ruth", "bot": False,
        "note": '<p>Stadtplanerin &amp; Radfahrerin.</p><p>Blog: <a href="https://ruth-albers.example">ruth-albers.example</a></p>',
        "fields": [{"name": "Beruf", "value": "Stadtplanerin", "verified_at": None},
                   {"name": "Arbeitgeber", "value": "Stadt Freiburg", "verified_at": None},
                   {"name": "Website", "value": '<a href="https://ruth-albers.example" rel="me">ruth-albers.example</a>',
                    "verified_at": "2024-05-01T10:00:00.000Z"}],
        "followers_count": 310, "following_count": 280, "statuses_count": 1200,
        "created_at": "2023-02-01T00:00:00.000Z", "avatar": "https://freiburg.social/avatars/original/missing.png",
    }  # fmt: skip
    acc = MastodonAccount.from_api(data, familiar_followers=3)
    assert acc.bio == "Stadtplanerin & Radfahrerin.\nBlog: ruth-albers.example"
    assert acc.bio_links == ("https://ruth-albers.example",)
    assert [f.verified for f in acc.fields] == [False, False, True] and acc.fields[
        2
    ].value == "ruth-albers.example"
    assert acc.avatar_missing and acc.age_days(EXAMPLE_NOW) == 1391
    req = acc.to_request("ma-1", EXAMPLE_NOW)
    assert req.note is None and req.platform.value == "mastodon"
    s = req.sender
    assert (s.name, s.job_title, s.company, s.mutual_contacts, s.has_photo) == (
        "Ruth Albers", "Stadtplanerin", "Stadt Freiburg", 3, False)  # fmt: skip
    assert s.headline == "Stadtplanerin & Radfahrerin. Blog: ruth-albers.example"
