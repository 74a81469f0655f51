"""One fused pass over the computed signals, used by `detect_all` on the screening hot path.

Every computed signal keeps its own `detect` function: tests run its examples through it and
`explain` shows it. Calling thirty small functions per request, each re-reading the request and
re-folding the same profile fields, cost about as much as tokenising and matching the note, so
`detect_all` runs this function instead. It evaluates the same conditions in the same order,
sharing what several detectors read (folded profile fields, the recipient's names and terms) and
skipping expensive regular expressions behind cheap exact pre-checks.

The registry installs it only while its `COVERED` list equals the computed signals (ids and detect
functions, in registration order); a signal added later turns it off until it is added here.
tests/test_screen_golden.py checks over the whole corpus (and recombined requests) that it fires
exactly what the named detectors fire, with the same evidence.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from ..model import ContactRequest, RecipientContext
from ..text import fold
from . import collector, context, note, pitch, profile, romance, scam
from ._registry import (
    NOTE_LIMITS,
    REGISTRY,
    Analysis,
    Detector,
    Signal,
    first_name,
    last_name,
    recipient_terms,
)

# The computed signals this function evaluates, in registration order.
COVERED: tuple[tuple[str, Detector], ...] = (
    ("uses_name_only", collector._uses_name_only),
    ("specific_occasion", context._occasion),
    ("shared_history", context._history),
    ("refers_recipient_content", context._content),
    ("mutual_named", context._mutual_named),
    ("concrete_request", context._concrete),
    ("personalised", context._personalised),
    ("no_note", note._no_note),
    ("note_very_short", note._very_short),
    ("note_over_limit", note._over_limit),
    ("greeting", note._greeting),
    ("closing", note._closing),
    ("unsolicited_du", note._unsolicited_du),
    ("du_sie_mixed", note._du_sie_mixed),
    ("link_in_note", note._link),
    ("emoji_heavy", note._emoji),
    ("shouting", note._shouting),
    ("birthday_offer", pitch._birthday_offer),
    ("profile_placeholder", profile._placeholder),
    ("vague_profile", profile._vague),
    ("hidden_contacts", profile._hidden),
    ("no_mutual_contacts", profile._no_mutual),
    ("many_mutual_contacts", profile._many_mutual),
    ("few_connections", profile._few_connections),
    ("mass_connector", profile._mass),
    ("no_photo", profile._no_photo),
    ("new_account", profile._new_account),
    ("empty_profile", profile._empty_profile),
    ("complete_profile", profile._complete),
    ("same_company", profile._same_company),
    ("partnership_ignored", romance._partnership_ignored),
    ("romantic_emoji", romance._romantic_emoji),
    ("phone_number", scam._phone),
    ("money_amount", scam._money),
)

_S = REGISTRY
_USES_NAME_ONLY = _S["uses_name_only"]
_OCCASION = _S["specific_occasion"]
_HISTORY = _S["shared_history"]
_CONTENT = _S["refers_recipient_content"]
_MUTUAL_NAMED = _S["mutual_named"]
_CONCRETE = _S["concrete_request"]
_PERSONALISED = _S["personalised"]
_NO_NOTE = _S["no_note"]
_VERY_SHORT = _S["note_very_short"]
_OVER_LIMIT = _S["note_over_limit"]
_GREETING = _S["greeting"]
_CLOSING = _S["closing"]
_UNSOLICITED_DU = _S["unsolicited_du"]
_DU_SIE_MIXED = _S["du_sie_mixed"]
_LINK = _S["link_in_note"]
_EMOJI_HEAVY = _S["emoji_heavy"]
_SHOUTING = _S["shouting"]
_BIRTHDAY = _S["birthday_offer"]
_PLACEHOLDER = _S["profile_placeholder"]
_VAGUE = _S["vague_profile"]
_HIDDEN = _S["hidden_contacts"]
_NO_MUTUAL = _S["no_mutual_contacts"]
_MANY_MUTUAL = _S["many_mutual_contacts"]
_FEW_CONNECTIONS = _S["few_connections"]
_MASS = _S["mass_connector"]
_NO_PHOTO = _S["no_photo"]
_NEW_ACCOUNT = _S["new_account"]
_EMPTY_PROFILE = _S["empty_profile"]
_COMPLETE = _S["complete_profile"]
_SAME_COMPANY = _S["same_company"]
_PARTNERSHIP = _S["partnership_ignored"]
_ROMANTIC_EMOJI = _S["romantic_emoji"]
_PHONE = _S["phone_number"]
_MONEY = _S["money_amount"]

_NAME_ONLY_REASONS = frozenset(collector.NAME_ONLY_REASONS)
_STRICT_OR_EMPTY = profile._STRICT_PLACEHOLDERS | {""}
_VAGUE_TITLES = profile._PLACEHOLDERS - profile._STRICT_PLACEHOLDERS
_PLACEHOLDERS = profile._PLACEHOLDERS
_CAPS_OK = note._CAPS_OK
_fold = fold

# shouting: `\b[A-ZÄÖÜ]{4,}\b` can only match where four such capitals stand in a row, and a search
# for that plain run is four times cheaper than the full scan; it rules out about 19 notes in 20.
_FOUR_CAPS = re.compile("[A-ZÄÖÜ][A-ZÄÖÜ][A-ZÄÖÜ][A-ZÄÖÜ]")

# phone_number: every match of scam._PHONE starts with "+" or "0" followed by a digit ("+4", "00",
# "01"). The search for those starts scans fast (it begins with a character class) and the full
# pattern is then tried only there, in order, which yields the leftmost match `search` would find.
_PHONE_START = re.compile(r"[+0](?=\d)")

# phone_number and money_amount: every match of either pattern holds a digit, as `\d` means it
# (any Unicode decimal digit), so a note without one skips both.
_DIGIT = re.compile(r"\d")

# money_amount: every match of scam._MONEY holds a currency symbol or a currency word next to the
# digits. If the lower-cased note holds none of these strings there can be no match. The pattern is
# case-insensitive, and Python's regex engine treats the long s "ſ" as an "s" ("uſd"), which
# lower-casing does not turn into "s": such a note simply takes the full search.
_MONEY_MARKERS = ("$", "€", "£", "eur", "usd", "dollar", "gbp", "chf", "btc")

# emoji_heavy and romantic_emoji: one scan finds every emoji; the romantic ones are those of them
# in romance._ROMANTIC_EMOJI's class. That requires every character of that class to be inside
# note._EMOJI's class, which is checked here; if a future edit breaks it, both regexes run.
# The class is read from the pattern's source, so the check also requires a plain "[...]" of
# literal characters (no ranges, escapes or negation) and no flags.
_ROMANTIC_SRC = romance._ROMANTIC_EMOJI.pattern
_ROMANTIC_CHARS = frozenset(_ROMANTIC_SRC[1:-1])
_ROMANTIC_IN_EMOJI = (
    _ROMANTIC_SRC.startswith("[")
    and _ROMANTIC_SRC.endswith("]")
    and not any(c in "-\\^[]" for c in _ROMANTIC_SRC[1:-1])
    and romance._ROMANTIC_EMOJI.flags == re.UNICODE
    and all(note._EMOJI.fullmatch(c) for c in _ROMANTIC_CHARS)
)


class _Recipient(NamedTuple):
    first: str | None
    last: str | None
    terms: frozenset[str]
    headline_folded: str
    known_last: tuple[tuple[str, str | None], ...]


# Per distinct recipient context: one user screens all their requests against the same context.
_RECIPIENTS: dict[tuple[object, ...], _Recipient] = {}
_RECIPIENTS_LIMIT = 4096


def _recipient(r: RecipientContext) -> _Recipient:
    key = (r.name, r.headline, r.interests, r.known_people)
    info = _RECIPIENTS.get(key)
    if info is None:
        info = _Recipient(
            first_name(r.name),
            last_name(r.name),
            recipient_terms(ContactRequest(id="", recipient=r)),
            _fold(r.headline or ""),
            tuple((p, last_name(p)) for p in r.known_people),
        )
        if len(_RECIPIENTS) >= _RECIPIENTS_LIMIT:
            _RECIPIENTS.clear()
        _RECIPIENTS[key] = info
    return info


def _phone(text: str) -> str | None:
    match = scam._PHONE.match
    for start in _PHONE_START.finditer(text):
        m = match(text, start.start())
        if m:
            return m.group(0)
    return None


def evaluate(req: ContactRequest, a: Analysis, out: list[tuple[Signal, str]]) -> None:
    """Append every computed signal that fires, with its evidence, in registration order."""
    text = a.note
    tokens = a.tokens
    hits = a.note_hits
    ntok = len(tokens)
    s = req.sender
    r = req.recipient
    rec = _recipient(r)
    app = out.append

    # collector
    fn = rec.first
    if fn and ntok <= 30 and fn in tokens and _NAME_ONLY_REASONS.isdisjoint(hits):
        app((_USES_NAME_ONLY, fn))

    # context
    if hits:
        ev = hits.get("_occasion")
        if ev is not None:
            app((_OCCASION, ev))
        ev = hits.get("_history")
        if ev is not None:
            app((_HISTORY, ev))
        ev = hits.get("_content")
        if ev is not None:
            app((_CONTENT, ev))
        ev = hits.get("_mutual")
    else:
        ev = None
    if ev:
        app((_MUTUAL_NAMED, ev))
    elif rec.known_last:
        for person, ln in rec.known_last:
            if ln and ln in tokens:
                app((_MUTUAL_NAMED, person))
                break
    if hits:
        ev = hits.get("_cooperation")
        if ev is not None:
            app((_CONCRETE, ev))
    terms = rec.terms
    if tokens and terms and not terms.isdisjoint(tokens):
        topic = next(t for t in tokens if t in terms)
        ln = rec.last
        named = (fn is not None and fn in tokens) or (ln is not None and ln in tokens)
        if named or ntok >= 8:
            app((_PERSONALISED, f"{topic}" + (" + name" if named else "")))

    # note
    if not text:
        app((_NO_NOTE, ""))
    else:
        if ntok <= 3:
            app((_VERY_SHORT, f"{ntok} words"))
        limit = NOTE_LIMITS.get(req.platform)
        if limit is not None and len(text) > limit:
            app((_OVER_LIMIT, f"{len(text)} > {limit} characters"))
        ev = hits.get("_greeting")
        if ev is not None and ev.split()[0] in tokens[:4]:
            app((_GREETING, ev))
        ev = hits.get("_closing")
        if ev is not None and ntok >= 4 and ev.split()[0] in tokens[-8:]:
            app((_CLOSING, ev))
    if a.lang == "de" and a.du:
        if "_occasion" not in hits and "_history" not in hits and (s.mutual_contacts or 0) < 15:
            app((_UNSOLICITED_DU, "Du"))
        if a.du > 0 and a.sie > 0:
            app((_DU_SIE_MIXED, "Du + Sie"))
    emojis: list[str] = []
    if text:
        low = a.lower
        if "http" in low or "www." in low or "/" in low:
            m = note._URL.search(text)
            if m:
                app((_LINK, m.group(0)[:60]))
        if not text.isascii():
            emojis = note._EMOJI.findall(text)
            if len(emojis) >= 3:
                app((_EMOJI_HEAVY, f"{len(emojis)} emojis"))
        if _FOUR_CAPS.search(text):
            caps = [w for w in note._CAPS.findall(text) if w not in _CAPS_OK]
            if len(caps) >= 2:
                app((_SHOUTING, " ".join(caps[:3])))

    # pitch
    if hits:
        b = hits.get("_birthday")
        if b:
            g = hits.get("_gift_offer")
            if g:
                app((_BIRTHDAY, f"{b} + {g}"))

    # profile
    title = s.job_title
    company = s.company
    title_f = _fold(title.strip()) if title else ""
    company_f = _fold(company.strip()) if company else ""
    placeholder: str | None = None
    if (title is not None and title_f in _STRICT_OR_EMPTY) or (
        company is not None and company_f in _STRICT_OR_EMPTY
    ):
        bad = []
        if title is not None and title_f in _STRICT_OR_EMPTY:
            bad.append(f"job_title={title!r}")
        if company is not None and company_f in _STRICT_OR_EMPTY:
            bad.append(f"company={company!r}")
        placeholder = ", ".join(bad)
        app((_PLACEHOLDER, placeholder))
    if title and title_f in _VAGUE_TITLES and (not company_f or company_f in _PLACEHOLDERS):
        app((_VAGUE, title))
    if s.connections_visible is False:
        app((_HIDDEN, ""))
    mutual = s.mutual_contacts
    if mutual == 0:
        app((_NO_MUTUAL, "0"))
    if mutual is not None and mutual >= 10:
        app((_MANY_MUTUAL, str(mutual)))
    count = s.connections_count
    if count is not None:
        if count < 30:
            app((_FEW_CONNECTIONS, str(count)))
        if count > 10000:
            app((_MASS, str(count)))
    if s.has_photo is False:
        app((_NO_PHOTO, ""))
    days = s.account_age_days
    if days is not None and days < 60:
        app((_NEW_ACCOUNT, f"{days} days"))
    headline = s.headline
    if not ((headline and headline.strip()) or (title and title.strip()) or (company and company.strip())):
        app((_EMPTY_PROFILE, ""))
    if (
        s.has_photo
        and s.connections_visible
        and (count or 0) >= 50
        and title
        and company
        and placeholder is None
    ):
        app((_COMPLETE, ""))
    if company and len(company_f) >= 3 and rec.headline_folded and company_f not in _PLACEHOLDERS:
        core = company_f.replace("gmbh", "").replace(" ag", "").replace(" se", "").strip(" .,")
        if len(core) >= 3 and core in rec.headline_folded:
            app((_SAME_COMPANY, company))

    # romance
    if r.partnership:
        ev = hits.get("romantic_language") or hits.get("looks_remark")
        if ev is not None:
            app((_PARTNERSHIP, ev))
    if text and not text.isascii():
        if _ROMANTIC_IN_EMOJI:
            found = [c for c in emojis if c in _ROMANTIC_CHARS]
        else:
            found = romance._ROMANTIC_EMOJI.findall(text)
        if found:
            app((_ROMANTIC_EMOJI, "".join(found[:3])))

    # scam: both patterns need a digit (`\d`), which most notes lack; one scan for it rules them out.
    if text and _DIGIT.search(text):
        if "+" in text or "0" in text:
            ev = _phone(text)
            if ev is not None:
                app((_PHONE, ev))
        if any(m in a.lower for m in _MONEY_MARKERS) or "ſ" in text:
            m = scam._MONEY.search(text)
            if m:
                app((_MONEY, m.group(0).strip()))
