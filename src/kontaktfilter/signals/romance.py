"""Private and romantic advances on a business network (seed 000)."""

from __future__ import annotations

import re

from ..model import ContactRequest
from ._registry import Analysis, phrase_signal, signal

phrase_signal(
    "romantic_language", "romance", -2.5,
    "Romantische oder private Annäherung („privat kennenlernen“, „Single?“, „Date“).",
    "Romantic or private advance ('get to know you privately', 'single?', 'date').",
    [
        "privat kennenlernen", "privat kennen lernen", "personlich kennenlernen", "naher kennenlernen",
        "besser kennenlernen", "get to know you better", "know you better", "know you more", "know each other better",
        "get to know you personally", "privately", "private chat", "privat schreiben", "single", "a date", "ein date", "on a date",
        "date with", "dating", "candle*", "dinner with you", "abendessen mit dir", "essen gehen", "drink with you",
        "auf ein glas", "glas wein", "glass of wine", "my dear", "dear friend", "meine liebe", "sweetheart",
        "sweetie", "honey", "babe", "darling", "schatz", "schatzi", "liebling", "soulmate", "seelenverwandt*",
        "my heart", "mein herz", "liebe dich", "in love", "verliebt", "romant*", "lonely", "einsam", "widower",
        "widowed", "verwitwet", "life partner", "lebenspartner*", "partnerin suche", "relationship",
        "beziehung", "friendship and more", "more than friends", "mehr als freunde", "kiss", "kuss", "hug",
        "umarmung", "cuddle", "special someone", "special lady", "special woman", "besondere frau", "treffen wir uns",
        "just us", "nur wir", "zu zweit", "unter vier augen", "your husband", "ihr mann", "dein mann",
        "your boyfriend", "dein freund", "married", "verheiratet", "vergeben", "whatsapp you", "not about business",
        "nicht geschaftlich", "nichts geschaftliches", "kein business", "no business", "not business related", "schone frau", "hubsche frau", "schone lady", "ausstrahlung", "your aura", "crush", "crush on you", "abseits vom beruf", "beyond work", "outside of work", "outside work", "ausserhalb der arbeit", "bezaubernd*", "frauen wie dich", "frau wie dich", "frau wie sie", "women like you", "a woman like you",
    ],
    hits=["Ich würde dich gerne privat kennenlernen.", "Are you single? I'd love to take you on a date."],
    misses=["Wir haben uns auf der Messe kennengelernt.", "Looking forward to our project kickoff."],
)  # fmt: skip

phrase_signal(
    "looks_remark", "romance", -2.5,
    "Bemerkung über Aussehen oder Profilfoto.",
    "Remark about looks or the profile photo.",
    [
        "beautiful", "gorgeous", "stunning", "pretty", "cute", "attractive", "sexy", "lovely smile",
        "beautiful smile", "your smile", "ihr lacheln", "dein lacheln", "lacheln", "your eyes", "deine augen",
        "ihre augen", "hubsch", "hubsche", "wunderschon*", "bildhubsch", "attraktiv*", "suss",
        "profilbild", "profilfoto", "profile picture", "profile pic", "profile photo", "your photo", "dein foto",
        "ihr foto", "your picture", "dein bild", "ihr bild", "your looks", "aussehen", "siehst gut aus", "siehst toll aus",
        "charming", "charmant*", "classy", "angel", "engel", "princess", "prinzessin", "queen",
        "goddess", "gottin",
    ],
    hits=["You have a beautiful smile.", "Dein Profilbild hat mich sofort angesprochen."],
    misses=["Your talk on the new cloud architecture was great.", "Danke für das Webinar."],
)  # fmt: skip


@signal(
    "partnership_ignored", "romance", -2.0,
    "Private Annäherung, obwohl die Empfängerin eine Partnerschaft angibt.",
    "A private advance although the recipient states a partnership.",
    hits=[{"note": "Ich würde dich gerne privat kennenlernen.", "recipient": {"partnership": True}}],
    misses=[{"note": "Ich würde dich gerne privat kennenlernen.", "recipient": {"partnership": False}},
            {"note": "Schöner Vortrag gestern!", "recipient": {"partnership": True}}],
)  # fmt: skip
def _partnership_ignored(req: ContactRequest, a: Analysis) -> str | None:
    if not req.recipient.partnership:
        return None
    hit = a.note_hits.get("romantic_language") or a.note_hits.get("looks_remark")
    return hit


phrase_signal(
    "mentoring_advance", "romance", -1.0,
    "„Mentoring“ oder „Kaffee“ unter vier Augen ohne beruflichen Anlass.",
    "'Mentoring' or 'coffee' just the two of you, with no work reason.",
    [
        "mentor you", "mentor", "mentoring you", "dich mentoren", "dich unterstutzen personlich",
        "take you under my wing", "unter meine fittiche", "coffee just", "kaffee nur", "just the two",
        "nur wir beide", "wir beide", "just the two of us", "one on one dinner", "after work drink",
        "feierabendbier", "in person soon", "bald personlich", "somewhere quiet", "ruhigen ort",
    ],
    hits=["I would love to mentor you personally, just the two of us over dinner.",
          "Ich könnte dich mentoren, vielleicht bei einem Glas Wein, nur wir beide?"],
    misses=["Our company mentoring programme for apprentices starts in May.", "Hallo, bis Montag im Büro."],
)  # fmt: skip


_ROMANTIC_EMOJI = re.compile("[😍😘🥰💋🌹💕💖💗💘💞😻❤♥💓🥂😉]")


@signal(
    "romantic_emoji", "romance", -1.0,
    "Flirt-Emojis (Herzen, Rosen, Kussmund, Zwinkern).",
    "Flirting emojis (hearts, roses, kisses, winks).",
    hits=["Hallo schöne Frau 🌹", "Wow 😍", "dinner sometime? 😉"],
    misses=["Great talk yesterday 👍", "Hallo Tom, bis Montag!"],
)  # fmt: skip
def _romantic_emoji(req: ContactRequest, a: Analysis) -> str | None:
    if not a.note or a.note.isascii():
        return None
    found = _ROMANTIC_EMOJI.findall(a.note)
    return "".join(found[:3]) if found else None


phrase_signal(
    "headline_private", "romance", -1.2,
    "Die Profil-Überschrift sucht Privates statt Geschäftliches („Single“, „Witwer“, „looking for love“).",
    "The sender's headline is about private life, not business ('single', 'widower', 'looking for love').",
    [
        "single man", "single woman", "single lady", "single and", "single mom", "single mum", "bin single",
        "widower", "widowed", "witwer", "verwitwet", "looking for love", "looking for my", "soulmate",
        "seelenverwandt*", "ready to mingle", "meet amazing women", "meet new people", "honest women",
        "honest woman", "ehrliche frau", "god fearing", "loving father", "single dad", "single father",
        "alleinerziehend*", "suche die liebe", "suche frau", "suche partnerin", "romantic", "romantik*",
        "loves sunsets", "sunsets", "gentleman", "kind hearted", "caring man", "caring and honest",
    ],
    field="profile",
    hits=[{"note": None, "sender": {"headline": "Widower | Father | Loves sunsets and honest women"}}],
    misses=[{"note": None, "sender": {"headline": "Single-source procurement lead at Bosch"}}],
)  # fmt: skip
