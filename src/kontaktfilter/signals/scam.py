"""Fraud markers: crypto and money language, messenger moves, phone numbers, fake jobs, personas."""

from __future__ import annotations

import re

from ..model import ContactRequest
from ._registry import Analysis, phrase_signal, signal

phrase_signal(
    "crypto_money", "scam", -2.5,
    "Krypto-, Trading- oder Anlagesprache (Bitcoin, Forex, Rendite).",
    "Crypto, trading or investment language (bitcoin, forex, returns).",
    [
        "crypto*", "krypto*", "bitcoin*", "btc", "ethereum", "eth", "usdt", "tether", "binance", "blockchain",
        "forex", "fx trading", "trading signal*", "trading platform", "trading plattform", "trader", "day trading",
        "binary option*", "binare option*", "investment opportunit*", "investment plan", "investment platform",
        "investitionsmoglichkeit*", "anlagemoglichkeit*", "geldanlage", "kapitalanlage", "rendite", "returns",
        "return on investment", "profit", "profits", "profitable", "gewinn", "gewinne", "mining", "nft", "token sale", "presale", "ico", "defi",
        "staking", "wallet", "gold trading", "goldhandel", "oil trading",
        "invest with", "investieren sie", "investiere", "invest now", "jetzt investieren", "deposit", "einzahl*",
        "withdraw*", "auszahl*", "payout", "bonus", "commission", "provision", "mindesteinlage", "minimum deposit",
    ],
    hits=["I made 40% profit with bitcoin trading last month.", "Sichere Rendite mit Krypto, ab 250 € Einlage."],
    misses=["We met at the fintech meetup, loved your talk on payments regulation.", "Hallo aus Köln!"],
)  # fmt: skip

phrase_signal(
    "guaranteed_returns", "scam", -2.5,
    "Garantierte oder unrealistische Gewinne („risikofrei“, „% pro Woche“).",
    "Guaranteed or unrealistic gains ('risk-free', '% per week').",
    [
        "guaranteed", "garantiert*", "risk free", "risk-free", "risikofrei", "ohne risiko", "no risk", "100 sicher",
        "100 safe", "100 legit", "legit", "per week", "pro woche", "per day", "pro tag", "daily profit",
        "taglich auszahl*", "weekly profit", "double your money", "verdoppeln sie ihr geld", "geld verdoppeln",
        "get rich", "reich werden", "millionar", "millionaire", "earn up to", "verdienen sie bis", "verdiene bis",
        "easy money", "leichtes geld", "schnelles geld", "fast money", "quick money", "secret strategy",
        "geheime strategie", "insider", "limited spots", "begrenzte platze", "only today", "nur heute",
        "act now", "jetzt handeln", "don't miss", "nicht verpassen", "last chance", "letzte chance",
    ],
    hits=["Guaranteed 15% per week, risk-free.", "Garantiert 5 % pro Tag, nur heute!"],
    misses=["Our CI pipeline runs per commit.", "Ich freue mich auf den Austausch."],
)  # fmt: skip

phrase_signal(
    "messenger_move", "scam", -2.0,
    "Will das Gespräch auf WhatsApp, Telegram oder eine private E-Mail verlagern.",
    "Wants to move the conversation to WhatsApp, Telegram or a private e-mail.",
    [
        "whatsapp", "whats app", "telegram", "signal app", "wechat", "viber", "kik", "hangouts", "google chat",
        "text me", "schreib mir auf", "schreiben sie mir auf", "kontaktieren sie mich auf", "contact me on",
        "reach me on", "add me on", "my number", "meine nummer", "meine handynummer", "my cell", "my phone",
        "private email", "private e mail", "personal email", "gmail", "yahoo", "hotmail", "outlook com",
        "email me at", "mail me at", "snapchat", "instagram dm",
    ],
    hits=["Please text me on WhatsApp, it is faster.", "Schreiben Sie mir auf Telegram."],
    misses=["Hi, we met at the Signal Iduna Park tour.", "Danke für den Vortrag."],
)  # fmt: skip

_DIGIT = re.compile(r"\d")
_PHONE = re.compile(r"(?:\+|00)\d[\d ()/.-]{7,}\d|\b0\d{2,4}[ /-]?\d{5,}\b")


@signal(
    "phone_number", "scam", -1.2,
    "Die Nachricht enthält eine Telefonnummer.",
    "The note contains a phone number.",
    hits=["Call me +49 171 2345678", "Meine Nummer: 0171/2345678"],
    misses=["We met at booth 1234 at IFA.", "Ich bin seit 2015 bei Bosch."],
)  # fmt: skip
def _phone(req: ContactRequest, a: Analysis) -> str | None:
    if not a.note or not _DIGIT.search(a.note):
        return None
    m = _PHONE.search(a.note)
    return m.group(0) if m else None


_MONEY = re.compile(
    r"(?i)(?:[$€£]\s?\d[\d.,]*\s?(?:k|m|mio|million|tsd)?|\b\d[\d.,]*\s?(?:k|m|mio|million|tsd)?\s?(?:€|\$|£|(?:eur|euro|usd|dollars?|gbp|chf|usdt|btc)\b))"
)


@signal(
    "money_amount", "scam", -0.8,
    "Nennt Geldbeträge.",
    "Names sums of money.",
    hits=["Earn $5,000 a week", "Ab 250 € geht es los", "made 10k USD"],
    misses=["We met in room 250 at the conference.", "Hallo aus Berlin"],
)  # fmt: skip
def _money(req: ContactRequest, a: Analysis) -> str | None:
    if not a.note or not _DIGIT.search(a.note):
        return None
    m = _MONEY.search(a.note)
    return m.group(0).strip() if m else None


phrase_signal(
    "fake_job_bait", "scam", -2.2,
    "Job-Köder: hoher Verdienst für wenig Arbeit, Gebühr vorab, ohne Erfahrung.",
    "Job bait: high pay for little work, an upfront fee, no experience needed.",
    [
        "no experience needed", "no experience required", "keine erfahrung notig", "keine vorkenntnisse",
        "ohne vorkenntnisse", "work from home and earn", "von zuhause aus verdienen", "von zu hause verdienen",
        "home office job", "heimarbeit", "part time job", "part-time job", "nebenjob", "minijob",
        "paid per task", "pro aufgabe", "per task", "task based", "app testing", "app tester", "produkttester",
        "product tester", "review job", "rating job", "like and earn", "paid daily", "tagliche auszahlung",
        "registration fee", "anmeldegebuhr", "bearbeitungsgebuhr", "processing fee", "training fee",
        "starter kit", "startpaket", "bank details", "bankdaten", "kontodaten", "iban", "passport copy",
        "ausweiskopie", "copy of your id", "personalausweis", "package forwarding", "paketweiterleitung",
        "reshipping", "money transfer agent", "finanzagent", "financial agent", "payment agent", "zahlungsagent",
        "hr department of amazon", "amazon hr", "flexible hours high pay",
    ],
    hits=["Part-time job, paid daily, no experience needed!", "Für den Start zahlen Sie nur eine Bearbeitungsgebühr."],
    misses=["We are hiring a senior engineer; experience with Go needed.", "Schöne Grüße aus Hamburg"],
)  # fmt: skip

phrase_signal(
    "scam_persona", "scam", -2.0,
    "Typische Betrugs-Persona (Soldat im Auslandseinsatz, UN-Ärztin, Offshore-Ingenieur, Erbschaft).",
    "Typical fraud persona (soldier abroad, UN doctor, offshore engineer, inheritance).",
    [
        "us army", "u s army", "army general", "soldier", "soldat", "military base", "militarbasis",
        "peacekeeping", "un doctor", "un arzt", "doctor in syria", "offshore engineer", "oil rig", "bohrinsel",
        "ship captain", "kapitan", "inheritance", "erbschaft", "erbe von", "next of kin", "beneficiary",
        "barrister", "diplomat", "consignment", "trunk box", "gold bars", "goldbarren", "customs fee",
        "zollgebuhr", "lottery", "lotterie", "you have won", "sie haben gewonnen", "compensation fund", "entschadigung", "refund", "ruckerstattung", "recovery of funds",
        "lost funds", "verlorene gelder", "hacked account", "scam recovery", "funds recovery",
    ],
    hits=["I am a US Army general on a peacekeeping mission.", "Sie haben gewonnen! Zahlen Sie nur die Zollgebühr."],
    misses=["I served as a soldier's family counsellor and now run a nonprofit; loved your talk.".replace(
        "soldier's", "veterans'"), "Hallo, wir kennen uns vom Studium."],
)  # fmt: skip

phrase_signal(
    "headline_crypto", "profile", -1.5,
    "Profil-Überschrift mit Krypto, Forex oder „Investor“ als Beruf.",
    "The sender's headline is about crypto, forex or 'investor' as a job.",
    [
        "crypto*", "krypto*", "bitcoin*", "forex", "fx trader", "trader", "trading", "investor", "investment advisor",
        "investment manager", "wealth", "financial freedom", "blockchain", "nft", "defi", "options trader",
        "binary", "mining",
    ],
    field="profile",
    hits=[{"note": None, "sender": {"headline": "Crypto Investor | Forex Trader | Financial Freedom"}}],
    misses=[{"note": None, "sender": {"headline": "Head of Product at a logistics startup"}}],
)  # fmt: skip

phrase_signal(
    "headline_bait", "scam", -1.5,
    "Die Profil-Überschrift lockt mit schnellem Geld oder Heimarbeit ohne Vorkenntnisse.",
    "The sender's headline baits with quick money or home work needing no experience.",
    [
        "homeoffice jobs", "home office jobs", "work from home", "earn from home", "von zuhause verdienen",
        "ohne vorkenntnisse", "no experience", "keine erfahrung", "sofort starten", "start today", "netto pro monat",
        "per day", "pro tag", "daily payout", "tagliche auszahlung", "passive income", "passives einkommen",
        "financial freedom", "finanzielle freiheit", "get paid", "bezahlt werden", "side income", "extra income",
        "giveaway", "airdrop", "signals", "vip group", "vip gruppe", "100 legit", "guaranteed",
    ],
    field="profile",
    hits=[{"note": None, "sender": {"headline": "Homeoffice-Jobs | 3.000 € netto | Sofort starten | Ohne Vorkenntnisse"}}],
    misses=[{"note": None, "sender": {"headline": "Office manager at a law firm in Bremen"}}],
)  # fmt: skip
