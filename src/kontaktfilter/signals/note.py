"""Signals about the note as a whole: present, length, greeting, closing, address, shouting, links."""

from __future__ import annotations

import re

from ..model import ContactRequest
from ._registry import NOTE_LIMITS, Analysis, lexicon, signal

lexicon(
    "_greeting",
    [
        "hallo", "hello", "hi", "hey", "heya", "hej", "dear", "liebe", "lieber", "liebes", "sehr geehrte",
        "sehr geehrter", "guten tag", "guten morgen", "guten abend", "moin", "servus", "gruezi", "grussgott",
        "gruss gott", "gruss dich", "griass di", "greetings", "good morning", "good afternoon", "good evening",
        "salut", "hallochen", "tach", "morgen", "ciao", "namaste", "howdy", "yo", "hiya",
    ],
)  # fmt: skip
lexicon(
    "_closing",
    [
        "gruss", "grusse", "grussen", "lg", "vg", "mfg", "bg", "regards", "best", "cheers", "thanks", "thank you",
        "danke", "dankeschon", "viele grusse", "beste grusse", "herzlich*", "sincerely", "kind regards",
        "br", "bis bald", "bis dann", "talk soon", "speak soon", "ciao", "schonen tag", "schones wochenende",
        "have a great", "have a nice", "take care", "all the best", "freue mich", "looking forward", "warm wishes",
        "thx", "tschuss", "servus", "pfiat", "bye", "mit besten", "hochachtungsvoll", "respectfully", "yours",
    ],
)  # fmt: skip


@signal(
    "no_note", "note", -1.5,
    "Keine Nachricht: die Anfrage nennt keinen Grund.",
    "No note: the request gives no reason at all.",
    hits=[{"note": None}, {"note": "   "}],
    misses=["Hallo Jana, schön dich gestern gesehen zu haben!"],
)  # fmt: skip
def _no_note(req: ContactRequest, a: Analysis) -> str | None:
    return "" if not a.note else None


@signal(
    "note_very_short", "note", -0.3,
    "Sehr kurze Nachricht (höchstens drei Wörter).",
    "Very short note (three words or fewer).",
    hits=["Hi Jana!", "Servus Tom"],
    misses=[{"note": None}, "Hello Jana, we met at the Hamburg meetup last week."],
)  # fmt: skip
def _very_short(req: ContactRequest, a: Analysis) -> str | None:
    return f"{len(a.tokens)} words" if a.note and len(a.tokens) <= 3 else None


@signal(
    "note_over_limit", "note", -0.8,
    "Die Nachricht ist länger, als die Plattform für Kontaktanfragen erlaubt.",
    "The note is longer than the platform allows for a connection request.",
    hits=[{"platform": "linkedin", "note": "x" * 301}],
    misses=[{"platform": "linkedin", "note": "x" * 300}, {"platform": "email", "note": "y" * 900}],
)  # fmt: skip
def _over_limit(req: ContactRequest, a: Analysis) -> str | None:
    limit = NOTE_LIMITS.get(req.platform)
    if limit is not None and len(a.note) > limit:
        return f"{len(a.note)} > {limit} characters"
    return None


@signal(
    "greeting", "note", 0.3,
    "Die Nachricht beginnt mit einer Anrede.",
    "The note opens with a greeting.",
    hits=["Hallo Frau Weber, ...", "Dear Mr Smith", "Moin Jens!"],
    misses=["Lass uns vernetzen.", {"note": None}],
)  # fmt: skip
def _greeting(req: ContactRequest, a: Analysis) -> str | None:
    hit = a.note_hits.get("_greeting")
    if hit is None:
        return None
    # Only counts near the start: "hello" deep inside a pitch is not a greeting.
    head = a.tokens[:4]
    return hit if hit.split()[0] in head else None


@signal(
    "closing", "note", 0.3,
    "Die Nachricht endet mit einem Gruß oder Dank.",
    "The note closes with a sign-off or thanks.",
    hits=["Hallo Jana, schön dich kennenzulernen. Viele Grüße, Tom", "Hi, great talk! Cheers, Ana"],
    misses=["Lass uns vernetzen", "Hi Jana"],
)  # fmt: skip
def _closing(req: ContactRequest, a: Analysis) -> str | None:
    hit = a.note_hits.get("_closing")
    if hit is None or len(a.tokens) < 4:
        return None
    return hit if hit.split()[0] in a.tokens[-8:] else None


@signal(
    "unsolicited_du", "tone", -1.0,
    "Ein Fremder duzt ungefragt (deutschsprachige Geschäftsanfrage ohne gemeinsame Vorgeschichte).",
    "A stranger uses the informal German 'Du' with no shared history.",
    hits=[{"note": "Hey, ich habe dein Profil gesehen und habe eine Idee für dich.",
           "sender": {"mutual_contacts": 0}}],
    misses=[{"note": "Hey Jana, schön dich gestern auf dem Barcamp getroffen zu haben!",
             "sender": {"mutual_contacts": 0}},
            {"note": "Sehr geehrte Frau Weber, ich habe Ihren Artikel gelesen.",
             "sender": {"mutual_contacts": 0}}],
)  # fmt: skip
def _unsolicited_du(req: ContactRequest, a: Analysis) -> str | None:
    if a.lang != "de" or a.du == 0:
        return None
    if "_occasion" in a.note_hits or "_history" in a.note_hits:
        return None
    if (req.sender.mutual_contacts or 0) >= 15:
        return None
    return "Du"


@signal(
    "du_sie_mixed", "tone", -0.5,
    "Die Nachricht wechselt zwischen „Du“ und „Sie“.",
    "The note switches between informal 'Du' and formal 'Sie'.",
    hits=["Hallo Herr Maier, ich habe Ihren Beitrag gelesen und wollte dich fragen, ob du Zeit hast."],
    misses=["Hallo Herr Maier, ich habe Ihren Beitrag gelesen. Hätten Sie Zeit?", "Hey Tom, hast du Zeit?"],
)  # fmt: skip
def _du_sie_mixed(req: ContactRequest, a: Analysis) -> str | None:
    return "Du + Sie" if a.lang == "de" and a.du > 0 and a.sie > 0 else None


_URL = re.compile(
    r"(?i)\b(?:https?://|www\.)\S+|\b[a-z0-9-]+\.(?:com|de|io|net|org|ly|app|co|me|link|xyz|info)/\S*"
)


@signal(
    "link_in_note", "note", -1.0,
    "Die Nachricht enthält einen Link.",
    "The note contains a link.",
    hits=["Check this: https://example.com/offer", "Mehr unter www.beispiel.de", "book here calendly.com/tim"],
    misses=["We met at the Example.com stand at CeBIT.", "Hallo, schönen Tag noch."],
)  # fmt: skip
def _link(req: ContactRequest, a: Analysis) -> str | None:
    low = a.lower
    if "http" not in low and "www." not in low and "/" not in low:
        return None
    m = _URL.search(a.note)
    return m.group(0)[:60] if m else None


_EMOJI = re.compile("[\U0001f300-\U0001faff\u2600-\u27bf]")


@signal(
    "emoji_heavy", "tone", -0.4,
    "Viele Emojis in einer Geschäftsanfrage.",
    "Many emojis in a business request.",
    hits=["Hey 🚀🚀 let's grow together 💰💰🔥"],
    misses=["Hi Jana, great talk yesterday 🙂", "Hallo Tom, bis bald."],
)  # fmt: skip
def _emoji(req: ContactRequest, a: Analysis) -> str | None:
    n = len(_EMOJI.findall(a.note)) if a.note and not a.note.isascii() else 0
    return f"{n} emojis" if n >= 3 else None


_CAPS = re.compile(r"\b[A-ZÄÖÜ]{4,}\b")
_CAPS_OK = frozenset({"CEO", "CTO", "GMBH", "SAAS", "HR", "IT", "LINKEDIN", "XING", "NATO", "DACH", "MBA", "PHD",
                      "USA", "CFO", "COO", "B2B", "B2C", "AWS", "SAP", "ERP", "CRM", "KPI", "OKR", "BWL", "AI",
                      "NGO", "TUM", "RWTH", "ETH", "DSGVO", "GDPR", "IHK", "VDI", "HTML", "JSON", "SEO", "IBAN"})  # fmt: skip


@signal(
    "shouting", "tone", -0.6,
    "Mehrere Wörter in GROSSBUCHSTABEN.",
    "Several words in CAPITALS.",
    hits=["FREE training TODAY ONLY for ambitious people"],
    misses=["Hi, I work at SAP in the CRM team.", "Hallo aus der IHK München"],
)  # fmt: skip
def _shouting(req: ContactRequest, a: Analysis) -> str | None:
    if not a.note:
        return None
    caps = [w for w in _CAPS.findall(a.note) if w not in _CAPS_OK]
    return " ".join(caps[:3]) if len(caps) >= 2 else None
