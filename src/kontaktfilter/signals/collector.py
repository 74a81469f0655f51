"""Contact collectors and generic requests (seed 002): no reason, or a reason that fits everyone."""

from __future__ import annotations

from ..model import ContactRequest
from ._registry import Analysis, first_name, phrase_signal, signal

# Lexicon keys that count as a reason for the request (uses_name_only stays quiet when one matched).
NAME_ONLY_REASONS = ("_occasion", "_history", "_content", "_mutual", "_cooperation", "_question_topic")

phrase_signal(
    "generic_phrase", "collector", -1.2,
    "Allgemeine Sammler-Floskel ohne Grund („möchte mein Netzwerk erweitern“, „Kontakte schaden nie“).",
    "Generic collector phrasing with no reason ('expand my network', 'contacts never hurt').",
    [
        "netzwerk erweitern", "netzwerk vergrossern", "mein netzwerk erweitern", "netzwerk auszubauen",
        "netzwerk ausbauen", "in mein netzwerk", "in meinem netzwerk", "ihrem netzwerk", "deinem netzwerk",
        "expand my network", "expanding my network", "grow my network", "growing my network", "build my network",
        "building my network", "add you to my network", "add you to my professional network", "join my network",
        "my professional network", "professional network", "kontakte schaden", "contacts never hurt",
        "man kann nie genug", "never too many", "can never have too many", "kontakte kann man nie",
        "let's connect", "lets connect", "let us connect", "lass uns vernetzen", "lasst uns vernetzen",
        "lass uns connecten", "wurde mich gerne vernetzen", "mochte mich gerne vernetzen",
        "mochte mich mit ihnen vernetzen", "mochte mich mit dir vernetzen", "gerne vernetzen", "uns vernetzen",
        "would like to connect", "i'd like to connect", "id like to connect", "like to add you",
        "happy to connect", "love to connect", "keen to connect", "connect with you", "mit ihnen vernetzen",
        "mit dir vernetzen", "similar interests", "ahnliche interessen", "gleiche interessen", "same industry",
        "gleichen branche", "selben branche", "same field", "like minded", "like-minded", "gleichgesinnt*",
        "stay in touch", "in kontakt bleiben", "mutually beneficial", "gegenseitig profitieren",
        "beneficial for both", "fur beide", "synergien", "synergies", "synergy", "auf gute zusammenarbeit",
        "we live on the same planet", "gleichen planeten", "selben planeten", "pymk", "people you may know",
        "you may know", "sie kennen konnten", "your profile came up", "ihr profil wurde mir", "dein profil wurde mir",
        "vorgeschlagen", "suggested you", "suggested by linkedin", "came across your profile", "stumbled upon",
        "bin auf ihr profil gestossen", "bin auf dein profil gestossen", "uber ihr profil gestolpert",
        "interesting profile", "interessantes profil", "impressive profile", "beeindruckendes profil",
        "spannendes profil", "great profile", "tolles profil",
    ],
    hits=["Ich möchte gerne mein Netzwerk erweitern.", "Hi, let's connect!", "Kontakte schaden nur denen, die keine haben."],
    misses=["Hi Jana, we met at re:publica yesterday.", "Ich habe Ihren Artikel über Wärmepumpen gelesen."],
)  # fmt: skip

phrase_signal(
    "same_group_reason", "collector", -1.0,
    "Der einzige Grund ist eine gemeinsame Gruppe oder Plattform (Seed 002).",
    "The only reason is a shared group or platform.",
    [
        "gleichen gruppe", "selben gruppe", "same group", "in the same group", "both members of", "beide mitglied",
        "xing gruppe", "linkedin gruppe", "linkedin group", "xing group", "gruppe gesehen", "in der gruppe",
        "group member", "gruppenmitglied*", "saw you in the group", "fellow member", "fellow alumni",
        "same alumni network", "gemeinsame gruppe", "gemeinsamen gruppe", "same community", "gleichen community",
    ],
    hits=["Wir sind in der gleichen XING-Gruppe, daher meine Anfrage.", "We are both members of the Cloud group."],
    misses=["We met at the group dinner at the Cloud Summit.", "Hallo Jana, bis morgen."],
)  # fmt: skip


@signal(
    "uses_name_only", "collector", -0.6,
    "Nennt den Namen der Empfängerin, aber keinen Grund.",
    "Uses the recipient's name but gives no reason.",
    hits=[{"note": "Hi Jana, I'd like to connect with you.", "recipient": {"name": "Jana Berg"}}],
    misses=[{"note": "Hi Jana, we met at the Berlin meetup.", "recipient": {"name": "Jana Berg"}},
            {"note": "Hi, I'd like to connect.", "recipient": {"name": "Jana Berg"}}],
)  # fmt: skip
def _uses_name_only(req: ContactRequest, a: Analysis) -> str | None:
    fn = first_name(req.recipient.name)
    if not fn or fn not in a.tokens or len(a.tokens) > 30:
        return None
    if any(k in a.note_hits for k in NAME_ONLY_REASONS):
        return None
    return fn
