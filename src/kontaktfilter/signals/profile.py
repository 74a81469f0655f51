"""Signals from the sender's profile (seed 004): placeholders, hidden contacts, thin or new accounts."""

from __future__ import annotations

from ..model import ContactRequest
from ._registry import Analysis, signal
from ._registry import fold as _fold

_PLACEHOLDERS = frozenset(
    {"tba", "tbd", "n/a", "na", "-", "--", ".", "...", "x", "xx", "xxx", "none", "keine", "kein", "nichts",
     "self", "selbst", "private", "privat", "student", "test", "?", "unknown", "unbekannt", "ceo", "owner",
     "inhaber", "freelancer", "selbststandig", "self-employed", "self employed", "entrepreneur", "unternehmer"}
)  # fmt: skip
_STRICT_PLACEHOLDERS = frozenset({"tba", "tbd", "n/a", "na", "-", "--", ".", "...", "x", "xx", "xxx", "none",
                                  "?", "unknown", "unbekannt", "keine", "kein", "nichts", "test"})  # fmt: skip


@signal(
    "profile_placeholder", "profile", -1.5,
    "Platzhalter im Profil (Jobtitel oder Firma „tba“, „-“ oder leer).",
    "Placeholder profile fields (job title or company 'tba', '-' or empty).",
    hits=[{"note": None, "sender": {"job_title": "tba", "company": "tba"}},
          {"note": None, "sender": {"job_title": "", "company": "-"}}],
    misses=[{"note": None, "sender": {"job_title": "Projektleiterin", "company": "Stadtwerke Ulm"}},
            {"note": None, "sender": {}}],
)  # fmt: skip
def _placeholder(req: ContactRequest, a: Analysis) -> str | None:
    s = req.sender
    fields = {"job_title": s.job_title, "company": s.company}
    bad = [k for k, v in fields.items() if v is not None and _fold(v.strip()) in _STRICT_PLACEHOLDERS | {""}]
    return ", ".join(f"{k}={fields[k]!r}" for k in bad) if bad else None


@signal(
    "vague_profile", "profile", -0.5,
    "Nichtssagende Profilangaben („CEO“, „Entrepreneur“, „Self-employed“ ohne Firma).",
    "Vague profile ('CEO', 'entrepreneur', 'self-employed' with no company).",
    hits=[{"note": None, "sender": {"job_title": "Entrepreneur", "company": ""}}],
    misses=[{"note": None, "sender": {"job_title": "CEO", "company": "Müller Metallbau GmbH"}}],
)  # fmt: skip
def _vague(req: ContactRequest, a: Analysis) -> str | None:
    s = req.sender
    title = _fold((s.job_title or "").strip())
    company = _fold((s.company or "").strip())
    if title in _PLACEHOLDERS - _STRICT_PLACEHOLDERS and (not company or company in _PLACEHOLDERS):
        return s.job_title
    return None


@signal(
    "hidden_contacts", "profile", -0.6,
    "Die Kontaktliste ist verborgen (Seed 004).",
    "The sender hides their contact list.",
    hits=[{"note": None, "sender": {"connections_visible": False}}],
    misses=[{"note": None, "sender": {"connections_visible": True}}, {"note": None, "sender": {}}],
)  # fmt: skip
def _hidden(req: ContactRequest, a: Analysis) -> str | None:
    return "" if req.sender.connections_visible is False else None


@signal(
    "no_mutual_contacts", "trust", -0.5,
    "Keine gemeinsamen Kontakte.",
    "No mutual contacts.",
    hits=[{"note": None, "sender": {"mutual_contacts": 0}}],
    misses=[{"note": None, "sender": {"mutual_contacts": 3}}, {"note": None, "sender": {}}],
)  # fmt: skip
def _no_mutual(req: ContactRequest, a: Analysis) -> str | None:
    return "0" if req.sender.mutual_contacts == 0 else None


@signal(
    "many_mutual_contacts", "trust", 1.0,
    "Viele gemeinsame Kontakte (mindestens 10).",
    "Many mutual contacts (10 or more).",
    hits=[{"note": None, "sender": {"mutual_contacts": 25}}],
    misses=[{"note": None, "sender": {"mutual_contacts": 2}}, {"note": None, "sender": {}}],
)  # fmt: skip
def _many_mutual(req: ContactRequest, a: Analysis) -> str | None:
    m = req.sender.mutual_contacts
    return str(m) if m is not None and m >= 10 else None


@signal(
    "few_connections", "profile", -0.8,
    "Sehr wenige eigene Kontakte (unter 30).",
    "Very few connections of their own (under 30).",
    hits=[{"note": None, "sender": {"connections_count": 4}}],
    misses=[{"note": None, "sender": {"connections_count": 480}}, {"note": None, "sender": {}}],
)  # fmt: skip
def _few_connections(req: ContactRequest, a: Analysis) -> str | None:
    c = req.sender.connections_count
    return str(c) if c is not None and c < 30 else None


@signal(
    "mass_connector", "profile", -0.4,
    "Auffällig viele Kontakte (über 10.000): typisch für Sammler und Akquise-Profile.",
    "A very large number of connections (over 10,000): typical of collectors and acquisition profiles.",
    hits=[{"note": None, "sender": {"connections_count": 29000}}],
    misses=[{"note": None, "sender": {"connections_count": 800}}],
)  # fmt: skip
def _mass(req: ContactRequest, a: Analysis) -> str | None:
    c = req.sender.connections_count
    return str(c) if c is not None and c > 10000 else None


@signal(
    "no_photo", "profile", -0.5,
    "Kein Profilfoto.",
    "No profile photo.",
    hits=[{"note": None, "sender": {"has_photo": False}}],
    misses=[{"note": None, "sender": {"has_photo": True}}, {"note": None, "sender": {}}],
)  # fmt: skip
def _no_photo(req: ContactRequest, a: Analysis) -> str | None:
    return "" if req.sender.has_photo is False else None


@signal(
    "new_account", "profile", -1.0,
    "Sehr neues Konto (jünger als 60 Tage).",
    "Very new account (under 60 days old).",
    hits=[{"note": None, "sender": {"account_age_days": 12}}],
    misses=[{"note": None, "sender": {"account_age_days": 900}}, {"note": None, "sender": {}}],
)  # fmt: skip
def _new_account(req: ContactRequest, a: Analysis) -> str | None:
    d = req.sender.account_age_days
    return f"{d} days" if d is not None and d < 60 else None


@signal(
    "empty_profile", "profile", -1.0,
    "Fast leeres Profil: weder Überschrift noch Jobtitel noch Firma.",
    "Almost empty profile: no headline, job title or company.",
    hits=[{"note": None, "sender": {"name": "Anna", "headline": "", "job_title": None, "company": ""}}],
    misses=[{"note": None, "sender": {"headline": "Sales Engineer"}}],
)  # fmt: skip
def _empty_profile(req: ContactRequest, a: Analysis) -> str | None:
    s = req.sender
    if not any(x and x.strip() for x in (s.headline, s.job_title, s.company)):
        return ""
    return None


@signal(
    "complete_profile", "trust", 0.5,
    "Vollständiges Profil mit Foto, sichtbaren Kontakten, Firma und Jobtitel.",
    "Complete profile with photo, visible contacts, company and job title.",
    hits=[{"note": None, "sender": {"has_photo": True, "connections_visible": True, "job_title": "Engineer",
                                    "company": "Siemens", "connections_count": 300}}],
    misses=[{"note": None, "sender": {"has_photo": False, "job_title": "Engineer", "company": "Siemens"}}],
)  # fmt: skip
def _complete(req: ContactRequest, a: Analysis) -> str | None:
    s = req.sender
    complete = s.has_photo and s.connections_visible and (s.connections_count or 0) >= 50
    return "" if complete and s.job_title and s.company and _placeholder(req, a) is None else None


@signal(
    "same_company", "trust", 1.2,
    "Arbeitet im selben Unternehmen, das die Empfängerin in ihrer Überschrift nennt.",
    "Works at the company the recipient names in their headline.",
    hits=[{"note": None, "sender": {"company": "Stadtwerke Ulm"},
           "recipient": {"headline": "Projektleiterin bei den Stadtwerken Ulm | Stadtwerke Ulm"}}],
    misses=[{"note": None, "sender": {"company": "Stadtwerke Ulm"}, "recipient": {"headline": "Lehrerin"}}],
)  # fmt: skip
def _same_company(req: ContactRequest, a: Analysis) -> str | None:
    company = _fold((req.sender.company or "").strip())
    headline = _fold(req.recipient.headline or "")
    if len(company) < 3 or not headline or company in _PLACEHOLDERS:
        return None
    core = company.replace("gmbh", "").replace(" ag", "").replace(" se", "").strip(" .,")
    return req.sender.company if len(core) >= 3 and core in headline else None
