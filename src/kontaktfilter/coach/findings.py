"""The coach's findings: what is wrong with a draft note, each with a stable code, message and suggestion."""

# Every finding reads the same signals the recipient's filter computes, plus the filter's verdict:
# where the learned model already recognises a good request (a real encounter in three words), the
# coach does not nag about a missing reason that only the lexicon failed to see.

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from ..model import GOOD_CATEGORIES, Category, ContactRequest, Platform, Verdict
from ..replies import clean_name, detect_register, first_name
from ..signals import Analysis
from ..text import fold
from ._texts import TEXTS
from .config import Account
from .profile import RecipientProfile

Severity = Literal["problem", "tip"]

# Stable codes in the order findings are reported: problems a filter punishes first, then tips.
SEVERITY: dict[str, Severity] = {
    "no_note": "problem",
    "too_long": "problem",
    "pitch": "problem",
    "private_advance": "problem",
    "money": "problem",
    "contact_details": "problem",
    "link": "problem",
    "scam_like": "problem",
    "no_reason": "problem",
    "generic": "problem",
    "du_sie_mixed": "problem",
    "not_personal": "tip",
    "no_mutual_context": "tip",
    "unsolicited_du": "tip",
    "no_greeting": "tip",
    "no_closing": "tip",
    "shouting": "tip",
    "emoji_heavy": "tip",
}
CODES: tuple[str, ...] = tuple(SEVERITY)

PITCH_SIGNALS = frozenset(
    {
        "pitch_leads",
        "pitch_scaling",
        "pitch_income",
        "pitch_health",
        "pitch_career_services",
        "pitch_short_call",
        "pitch_profile_potential",
        "pitch_offer",
        "pitch_pain_hook",
        "birthday_offer",
    }
)
HARD_MONEY_SIGNALS = frozenset({"guaranteed_returns", "fake_job_bait", "scam_persona"})
# How sure the model must be of an unwanted category before its reading alone raises a finding.
MODEL_CONFIDENCE = 0.5
ROMANCE_SIGNALS = frozenset(
    {"romantic_language", "looks_remark", "partnership_ignored", "mentoring_advance", "romantic_emoji"}
)
MONEY_SIGNALS = frozenset(
    {"crypto_money", "guaranteed_returns", "money_amount", "fake_job_bait", "scam_persona"}
)
CONTACT_SIGNALS = frozenset({"phone_number", "messenger_move"})
COLLECTOR_SIGNALS = frozenset({"generic_phrase", "same_group_reason", "uses_name_only"})
REASON_SIGNALS = frozenset(
    {
        "specific_occasion",
        "shared_history",
        "refers_recipient_content",
        "mutual_named",
        "concrete_request",
        "personalised",
        "same_company",
        "recruiting_language",
    }
)
PERSONAL_SIGNALS = frozenset(
    {"personalised", "refers_recipient_content", "specific_occasion", "shared_history", "mutual_named"}
)
ENCOUNTER_SIGNALS = frozenset({"specific_occasion", "shared_history", "mutual_named"})

_PLATFORM_NAMES = {
    Platform.LINKEDIN: "LinkedIn",
    Platform.XING: "XING",
    Platform.MASTODON: "Mastodon",
    Platform.EMAIL: "E-Mail",
    Platform.OTHER: "die Plattform",
}
_CLOSING_TAIL = re.compile(
    r"\b(?:gru(?:ss|sse|ssen|ssle|ssli)|lg|vg|mfg|bg|regards|cheers|thanks|thank you|thx|ta|danke\w*|"
    r"bis (?:bald|dann|morgen|spater|demnachst|nachste woche|zum)|in kontakt bleiben|keep in touch|"
    r"stay in touch|speak soon|talk soon|see you|freue mich|freu mich|looking forward|all the best|"
    r"best wishes|take care|tschuss|ciao|servus|cheerio)\b"
)
_WORD = re.compile(r"\w+")


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem or tip: a stable code, a message and a concrete suggestion in the note's language."""

    code: str
    severity: Severity
    message: str
    suggestion: str


@dataclass(frozen=True, slots=True)
class FindingInput:
    """Everything the rules read about one draft, computed once by the coach."""

    request: ContactRequest
    analysis: Analysis
    fired: Mapping[str, str]
    verdict: Verdict
    recipient: RecipientProfile | None
    platform: Platform
    account: Account
    limit: int | None
    lang: str
    good_score: int


def quote(note: str, evidence: str) -> str:
    """The words of the original note behind a signal's folded evidence (umlauts and case restored)."""
    target = [fold(t) for t in evidence.split()]
    if not target:
        return evidence
    spans = [(m.start(), m.end(), fold(m.group())) for m in _WORD.finditer(note)]
    n = len(target)
    for i in range(len(spans) - n + 1):
        if all(spans[i + k][2] == target[k] for k in range(n)):
            return note[spans[i][0] : spans[i + n - 1][1]]
    return evidence


def _quotes(inp: FindingInput, ids: frozenset[str]) -> str:
    found: list[str] = []
    for sid, evidence in inp.fired.items():
        if sid not in ids:
            continue
        for part in evidence.split(" + ") if evidence else []:
            q = quote(inp.analysis.note, part.strip())
            if q and q.lower() not in (f.lower() for f in found):
                found.append(q)
    found = found[:3]
    if inp.lang == "de":
        return ", ".join(f"„{q}“" for q in found)
    return ", ".join(f"“{q}”" for q in found)


def _model_words(lang: str) -> str:
    # Stands in for quoted phrases when only the model's reading raised the finding.
    return "so liest sie das Modell" if lang == "de" else "that is how the model reads it"


def _greeting_present(inp: FindingInput) -> bool:
    if "greeting" in inp.fired:
        return True
    # A note that opens with the recipient's name ("Daniel! Endlich …") greets them as well.
    name = clean_name(inp.recipient.name if inp.recipient else None)
    head = inp.analysis.tokens[:2]
    if name and head:
        parts = {fold(p) for p in name.split()}
        return head[0] in parts
    return False


def _closing_present(inp: FindingInput) -> bool:
    if "closing" in inp.fired:
        return True
    tail = inp.analysis.tokens[-8:]
    if not tail:
        return False
    if _CLOSING_TAIL.search(" ".join(tail)):
        return True
    # A note signed with the sender's own name ends properly too.
    sender = clean_name(inp.request.sender.name)
    if sender:
        parts = {fold(p) for p in sender.split() if len(p) >= 2}
        return tail[-1] in parts
    return False


def _register(inp: FindingInput) -> str:
    reg = detect_register(inp.analysis)
    if reg is None:
        return "sie" if inp.lang == "de" else "du"
    return reg


def _greet_example(inp: FindingInput, register: str) -> str:
    name = clean_name(inp.recipient.name if inp.recipient else None)
    first = first_name(name)
    if inp.lang == "de":
        if register == "du":
            return f"Hallo {first}," if first else "Hallo …,"
        return f"Guten Tag {name}," if name else "Guten Tag …,"
    if register == "du":
        return f"Hi {first}," if first else "Hi …,"
    return f"Dear {name}," if name else "Dear …,"


def _close_example(inp: FindingInput, register: str) -> str:
    sender = clean_name(inp.request.sender.name)
    if inp.lang == "de":
        words = "Viele Grüße" if register == "du" else "Freundliche Grüße"
        return f"{words}, {first_name(sender) if register == 'du' else sender}" if sender else f"{words}, …"
    words = "Best" if register == "du" else "Kind regards"
    return f"{words}, {first_name(sender) if register == 'du' else sender}" if sender else f"{words}, …"


def _topics(inp: FindingInput) -> str:
    r = inp.recipient
    picks: list[str] = []
    if r is not None:
        picks.extend(i.strip() for i in r.interests if i.strip())
        if len(picks) < 2 and r.headline:
            for part in re.split(r"\s*(?:[|•·,;/]| at | bei | @ )\s*", r.headline):
                if len(part.strip()) >= 3:
                    picks.append(part.strip())
    picks = picks[:2]
    if not picks:
        return (
            "die aktuelle Position oder einen Beitrag" if inp.lang == "de" else "their current role or a post"
        )
    if inp.lang == "de":
        return " oder ".join(f"„{p}“" for p in picks)
    return " or ".join(f"“{p}”" for p in picks)


def _person(inp: FindingInput) -> str:
    name = clean_name(inp.recipient.name if inp.recipient else None)
    if name:
        return name
    return "die Person" if inp.lang == "de" else "the recipient"


def _mutual_text(inp: FindingInput, count: int) -> str:
    if inp.lang == "de":
        return "einen gemeinsamen Kontakt" if count == 1 else f"{count} gemeinsame Kontakte"
    return "one mutual contact" if count == 1 else f"{count} mutual contacts"


def _names_hint(inp: FindingInput) -> str:
    names = [n for n in (clean_name(x) for x in (inp.recipient.mutual_names if inp.recipient else ())) if n][
        :2
    ]
    if not names:
        return ""
    if inp.lang == "de":
        return ", z. B. " + " oder ".join(names)
    return ", e.g. " + " or ".join(names)


def _limit_hint(inp: FindingInput) -> str:
    if inp.limit is None:
        return ""
    platform = _PLATFORM_NAMES[inp.platform]
    if inp.lang == "de":
        return f" Dafür haben Sie auf {platform} {inp.limit} Zeichen."
    return f" You have {inp.limit} characters for that on {platform}."


def _account_text(inp: FindingInput) -> str:
    if inp.platform is not Platform.LINKEDIN:
        return ""
    if inp.lang == "de":
        return "mit Premium " if inp.account is Account.PREMIUM else "mit einem kostenlosen Konto "
    return " with Premium" if inp.account is Account.PREMIUM else " with a free account"


def _make(code: str, lang: str, **params: str | int) -> Finding:
    message, suggestion = TEXTS[code][lang if lang in ("de", "en") else "en"]
    return Finding(code, SEVERITY[code], message.format(**params), suggestion.format(**params))


def find(inp: FindingInput) -> list[Finding]:
    """Every finding for one draft, problems first, in the stable order of `CODES`."""
    a, fired, v, lang = inp.analysis, inp.fired, inp.verdict, inp.lang
    ids = set(fired)
    register = _register(inp)
    greet = _greet_example(inp, register)
    if not a.note:
        return [_make("no_note", lang, greet=greet, limit_hint=_limit_hint(inp))]

    good = v.category in GOOD_CATEGORIES and v.score >= inp.good_score
    known_person = v.category is Category.PERSONAL_KNOWN and v.score >= inp.good_score
    has_reason = bool(ids & REASON_SIGNALS)
    out: list[Finding] = []

    length = len(a.note)
    if inp.limit is not None and length > inp.limit:
        out.append(
            _make(
                "too_long",
                lang,
                length=length,
                limit=inp.limit,
                over=length - inp.limit,
                platform=_PLATFORM_NAMES[inp.platform],
                account_text=_account_text(inp),
            )
        )
    # The model's reading counts as evidence too: a pitch wrapped in praise fires no pitch phrase,
    # yet the recipient's filter files it as a pitch, and the sender should hear that.
    reads_as = v.category if v.confidence >= MODEL_CONFIDENCE else None
    pitch = ids & PITCH_SIGNALS
    if (pitch and not good) or reads_as is Category.SALES_PITCH:
        quotes = _quotes(inp, frozenset(pitch)) or _model_words(lang)
        out.append(_make("pitch", lang, quotes=quotes))
    romance = ids & ROMANCE_SIGNALS
    if (romance and not good) or reads_as is Category.ROMANTIC_PRIVATE:
        quotes = _quotes(inp, frozenset(romance)) or _model_words(lang)
        out.append(_make("private_advance", lang, quotes=quotes))
    money = ids & MONEY_SIGNALS
    # Sums and words like "returns" or "bonus" also occur in honest project and job notes, so in a
    # note the filter rates good only the unambiguous fraud markers count.
    if money and (not good or money & HARD_MONEY_SIGNALS):
        out.append(_make("money", lang, quotes=_quotes(inp, frozenset(money))))
    contact = ids & CONTACT_SIGNALS
    if contact:
        out.append(_make("contact_details", lang, quotes=_quotes(inp, frozenset(contact))))
    if "link_in_note" in ids:
        out.append(_make("link", lang, quotes=_quotes(inp, frozenset({"link_in_note"}))))
    collector = ids & COLLECTOR_SIGNALS
    if (not has_reason and not good) or reads_as is Category.COLLECTOR_GENERIC:
        if collector:
            evidence = next(
                fired[s] for s in ("generic_phrase", "same_group_reason", "uses_name_only") if s in fired
            )
            out.append(_make("generic", lang, quote=quote(a.note, evidence)))
        else:
            out.append(_make("no_reason", lang))
    if reads_as is Category.SCAM and not money and not contact and "link_in_note" not in ids:
        out.append(_make("scam_like", lang))
    if "du_sie_mixed" in ids:
        out.append(_make("du_sie_mixed", lang))
    recipient = inp.recipient
    if recipient is not None and recipient.known and not ids & PERSONAL_SIGNALS and not known_person:
        out.append(_make("not_personal", lang, person=_person(inp), topics=_topics(inp)))
    mutual = recipient.mutual_count if recipient is not None else 0
    if mutual > 0 and not ids & ENCOUNTER_SIGNALS and not known_person:
        out.append(
            _make(
                "no_mutual_context",
                lang,
                mutual=_mutual_text(inp, mutual),
                person=_person(inp),
                names_hint=_names_hint(inp),
            )
        )
    if "unsolicited_du" in ids and not good:
        name = clean_name(recipient.name if recipient else None)
        formal = f"Guten Tag {name}, …" if name else "Guten Tag …, "
        out.append(_make("unsolicited_du", lang, greet_formal=formal.strip()))
    if not _greeting_present(inp):
        out.append(_make("no_greeting", lang, greet=greet))
    if not _closing_present(inp):
        out.append(_make("no_closing", lang, close=_close_example(inp, register)))
    if "shouting" in ids:
        out.append(_make("shouting", lang, quotes=_quotes(inp, frozenset({"shouting"}))))
    if "emoji_heavy" in ids:
        count = fired["emoji_heavy"].split()[0]
        out.append(_make("emoji_heavy", lang, count=int(count) if count.isdigit() else 3))
    order = {c: i for i, c in enumerate(CODES)}
    return sorted(out, key=lambda f: order[f.code])
