"""The interface texts in English and German, and how a request's language is chosen."""

from __future__ import annotations

from collections.abc import Callable

LANGS = ("en", "de")
LANG_COOKIE = "kf_lang"

# key -> (English, German). Placeholders use str.format names.
TEXTS: dict[str, tuple[str, str]] = {
    "app.name": ("Kontaktfilter", "Kontaktfilter"),
    "app.tagline": ("Contact requests, screened", "Kontaktanfragen, gefiltert"),
    "nav.main": ("Main", "Hauptmenü"),
    "nav.inbox": ("Inbox", "Posteingang"),
    "nav.import": ("Import", "Import"),
    "nav.stats": ("Statistics", "Statistik"),
    "nav.settings": ("Settings", "Einstellungen"),
    "nav.logout": ("Log out", "Abmelden"),
    "nav.skip": ("Skip to content", "Zum Inhalt springen"),
    "nav.language": ("Language", "Sprache"),
    "nav.help": ("Keyboard shortcuts (?)", "Tastenkürzel (?)"),
    "lang.en": ("English", "English"),
    "lang.de": ("Deutsch", "Deutsch"),
    # login and setup
    "login.title": ("Log in", "Anmelden"),
    "login.password": ("Password", "Passwort"),
    "login.submit": ("Log in", "Anmelden"),
    "login.failed": ("That password is not right.", "Dieses Passwort stimmt nicht."),
    "login.throttled": (
        "Too many attempts. Wait a minute and try again.",
        "Zu viele Versuche. Bitte warten Sie eine Minute.",
    ),
    "login.no_user": (
        "No password is set yet. Start `kontaktfilter serve` and open the setup link it prints, or run "
        "`kontaktfilter user set-password`.",
        "Es ist noch kein Passwort gesetzt. Starten Sie `kontaktfilter serve` und öffnen Sie den "
        "angezeigten Einrichtungslink, oder führen Sie `kontaktfilter user set-password` aus.",
    ),
    "login.username": ("User", "Benutzer"),
    "setup.title": ("Set your password", "Passwort festlegen"),
    "setup.intro": (
        "This is the first start. Choose the password that protects your inbox.",
        "Dies ist der erste Start. Wählen Sie das Passwort, das Ihren Posteingang schützt.",
    ),
    "setup.password": ("New password (at least {n} characters)", "Neues Passwort (mindestens {n} Zeichen)"),
    "setup.confirm": ("Repeat the password", "Passwort wiederholen"),
    "setup.submit": ("Set password", "Passwort festlegen"),
    "setup.mismatch": ("The two passwords differ.", "Die beiden Passwörter unterscheiden sich."),
    "setup.invalid": (
        "This setup link is not valid (any more). Restart `kontaktfilter serve` for a new one.",
        "Dieser Einrichtungslink ist nicht (mehr) gültig. Starten Sie `kontaktfilter serve` neu.",
    ),
    "setup.short": (
        "The password needs at least {n} characters.",
        "Das Passwort braucht mindestens {n} Zeichen.",
    ),
    # inbox
    "inbox.title": ("Inbox", "Posteingang"),
    "inbox.empty": ("Nothing to triage.", "Nichts zu sichten."),
    "inbox.empty_hint": (
        "Import a LinkedIn export or a JSON Lines file to fill the inbox.",
        "Importieren Sie einen LinkedIn-Export oder eine JSON-Lines-Datei.",
    ),
    "inbox.count": ("{n} requests", "{n} Anfragen"),
    "inbox.search": ("Search", "Suche"),
    "inbox.search_placeholder": ("Name, note, headline …", "Name, Nachricht, Profil …"),
    "inbox.category": ("Category", "Kategorie"),
    "inbox.platform": ("Platform", "Plattform"),
    "inbox.state": ("State", "Status"),
    "inbox.from": ("From", "Von"),
    "inbox.until": ("Until", "Bis"),
    "inbox.any": ("Any", "Alle"),
    "inbox.filter": ("Filter", "Filtern"),
    "inbox.reset": ("Reset", "Zurücksetzen"),
    "inbox.state.todo": ("To do", "Offen"),
    "inbox.state.decided": ("Decided", "Entschieden"),
    "inbox.state.all": ("All", "Alle"),
    "inbox.list": ("Requests, most urgent first", "Anfragen, dringendste zuerst"),
    "inbox.score": ("Score", "Wert"),
    "inbox.no_note": ("No note", "Keine Nachricht"),
    "inbox.recommended": ("Recommended", "Empfohlen"),
    "inbox.decided_as": ("Decided: {action}", "Entschieden: {action}"),
    "inbox.connected": ("Already connected", "Bereits verbunden"),
    "inbox.open": ("Open", "Öffnen"),
    "inbox.actions_for": ("Actions for {name}", "Aktionen für {name}"),
    "inbox.unknown": ("Unknown sender", "Unbekannter Absender"),
    "inbox.newer": ("Previous page", "Vorherige Seite"),
    "inbox.older": ("Next page", "Nächste Seite"),
    "inbox.page": ("Page {page} of {pages}", "Seite {page} von {pages}"),
    "inbox.personal": ("changed by your personal layer", "durch Ihre Lernschicht geändert"),
    "age.today": ("today", "heute"),
    "age.days": ("{n} d", "{n} T."),
    "age.weeks": ("{n} wk", "{n} Wo."),
    "age.unknown": ("date unknown", "Datum unbekannt"),
    # detail
    "detail.note": ("Note", "Nachricht"),
    "detail.sender": ("Sender", "Absender"),
    "detail.signals": ("Signals", "Signale"),
    "detail.signal": ("Signal", "Signal"),
    "detail.weight": ("Weight", "Gewicht"),
    "detail.reason": ("Reason", "Grund"),
    "detail.evidence": ("found", "gefunden"),
    "detail.verdict": ("Verdict", "Bewertung"),
    "detail.confidence": ("Confidence", "Sicherheit"),
    "detail.rule": ("Policy rule", "Regel"),
    "detail.recommended": ("Recommended action", "Empfohlene Aktion"),
    "detail.draft": ("Reply draft", "Antwortentwurf"),
    "detail.draft_for": ("Draft for", "Entwurf für"),
    "detail.show": ("Show", "Anzeigen"),
    "detail.copy": ("Copy draft", "Entwurf kopieren"),
    "detail.copied": ("Copied to the clipboard.", "In die Zwischenablage kopiert."),
    "detail.copy_failed": (
        "Copying failed; select the text and copy it.",
        "Kopieren fehlgeschlagen; bitte Text markieren und kopieren.",
    ),
    "detail.no_send": (
        "Ignoring sends the sender nothing; this text is only for when you do want to answer.",
        "Ignorieren benachrichtigt niemanden; diesen Text brauchen Sie nur, wenn Sie doch antworten möchten.",
    ),
    "detail.no_send_block": (
        "Blocking and reporting needs no answer, and answering a scam confirms a live account; send this "
        "only if you want to.",
        "Blockieren und Melden braucht keine Antwort, und eine Antwort auf Betrug bestätigt ein aktives "
        "Konto; senden Sie diesen Text nur, wenn Sie es wirklich möchten.",
    ),
    "detail.decide": ("Decide", "Entscheiden"),
    "detail.decisions": ("Your decisions", "Ihre Entscheidungen"),
    "detail.no_decision": ("Not decided yet.", "Noch nicht entschieden."),
    "detail.current": ("Current decision: {action}", "Aktuelle Entscheidung: {action}"),
    "detail.correction": ("differs from the recommendation", "weicht von der Empfehlung ab"),
    "detail.back": ("Back to the inbox", "Zurück zum Posteingang"),
    "detail.next": ("Next request", "Nächste Anfrage"),
    "detail.not_screened": ("Not screened yet.", "Noch nicht bewertet."),
    "detail.outgoing": ("Your own invitation", "Ihre eigene Einladung"),
    "detail.probabilities": ("Model probabilities", "Wahrscheinlichkeiten des Modells"),
    "profile.headline": ("Headline", "Profilzeile"),
    "profile.job_title": ("Job title", "Position"),
    "profile.company": ("Company", "Unternehmen"),
    "profile.location": ("Location", "Ort"),
    "profile.profile_url": ("Profile", "Profil"),
    "profile.mutual_contacts": ("Mutual contacts", "Gemeinsame Kontakte"),
    "profile.connections_visible": ("Contacts visible", "Kontakte sichtbar"),
    "profile.connections_count": ("Connections", "Kontakte"),
    "profile.has_photo": ("Photo", "Foto"),
    "profile.account_age_days": ("Account age (days)", "Kontoalter (Tage)"),
    "profile.platform": ("Platform", "Plattform"),
    "profile.received": ("Received", "Erhalten"),
    "yes": ("yes", "ja"),
    "no": ("no", "nein"),
    # decisions and undo
    "undo.label": ("Undo", "Rückgängig"),
    "undo.done": ("{action}: {name}", "{action}: {name}"),
    "undo.undone": ("Undone: {action} for {name}", "Rückgängig gemacht: {action} für {name}"),
    "undo.gone": ("Nothing to undo.", "Nichts rückgängig zu machen."),
    "undo.stale": (
        "A newer decision exists for this request; undo that one first.",
        "Für diese Anfrage gibt es eine neuere Entscheidung; machen Sie zuerst diese rückgängig.",
    ),
    # import
    "import.title": ("Import", "Import"),
    "import.intro": (
        "Upload your LinkedIn data export (the zip file as downloaded) or a JSON Lines file in the screen "
        "contract. Importing the same file again adds nothing.",
        "Laden Sie Ihren LinkedIn-Datenexport (die ZIP-Datei wie heruntergeladen) oder eine JSON-Lines-Datei "
        "hoch. Dieselbe Datei ein zweites Mal hinzuzufügen ändert nichts.",
    ),
    "import.file": ("Export file (.zip, .jsonl)", "Exportdatei (.zip, .jsonl)"),
    "import.limit": ("At most {size}.", "Höchstens {size}."),
    "import.submit": ("Import", "Importieren"),
    "import.uploading": ("Uploading …", "Wird hochgeladen …"),
    "import.running": ("Importing: {phase}", "Import läuft: {phase}"),
    "import.queued": ("Waiting to start …", "Wartet auf den Start …"),
    "import.done": ("Import finished", "Import abgeschlossen"),
    "import.failed": ("Import failed", "Import fehlgeschlagen"),
    "import.file_col": ("File", "Datei"),
    "import.new": ("new", "neu"),
    "import.updated": ("updated", "geändert"),
    "import.skipped": ("already there", "schon vorhanden"),
    "import.rejected": ("rejected", "abgelehnt"),
    "import.total": ("Total", "Summe"),
    "import.screened": ("{n} requests screened.", "{n} Anfragen bewertet."),
    "import.connected": (
        "{n} pending requests became connections.",
        "{n} offene Anfragen sind inzwischen Kontakte.",
    ),
    "import.resumed": (
        "Resumed an interrupted import at {where}.",
        "Unterbrochenen Import bei {where} fortgesetzt.",
    ),
    "import.problems": ("Rows that could not be read", "Zeilen, die nicht gelesen werden konnten"),
    "import.no_file": ("Choose a file to import.", "Bitte eine Datei auswählen."),
    "import.busy": (
        "Another import is running; wait until it has finished.",
        "Es läuft bereits ein Import; bitte warten.",
    ),
    "import.to_inbox": ("Open the inbox", "Zum Posteingang"),
    "import.learned": ("Personal layer: {text}", "Lernschicht: {text}"),
    "import.rows": ("{done} of {total} rows", "{done} von {total} Zeilen"),
    # statistics
    "stats.title": ("Statistics", "Statistik"),
    "stats.per_week": ("Requests per week by category", "Anfragen pro Woche nach Kategorie"),
    "stats.no_note": (
        "Share of requests without a note, per week",
        "Anteil der Anfragen ohne Nachricht, pro Woche",
    ),
    "stats.no_note_total": (
        "{pct} of all {n} requests came without a note.",
        "{pct} aller {n} Anfragen kamen ohne Nachricht.",
    ),
    "stats.pitch": ("Top pitch phrases", "Häufigste Verkaufsfloskeln"),
    "stats.sent": (
        "Acceptance of your own invitations, with and without a note",
        "Annahmequote Ihrer eigenen Einladungen, mit und ohne Nachricht",
    ),
    "stats.sent_band": (
        "By the coach's score of the note",
        "Nach der Bewertung der Nachricht durch den Coach",
    ),
    "stats.week": ("Week", "Woche"),
    "stats.requests": ("Requests", "Anfragen"),
    "stats.share": ("Share", "Anteil"),
    "stats.phrase": ("Phrase", "Floskel"),
    "stats.count": ("Count", "Anzahl"),
    "stats.group": ("Group", "Gruppe"),
    "stats.sent_n": ("Sent", "Gesendet"),
    "stats.accepted": ("Accepted", "Angenommen"),
    "stats.rate": ("Rate", "Quote"),
    "stats.with_note": ("With a note", "Mit Nachricht"),
    "stats.without_note": ("Without a note", "Ohne Nachricht"),
    "stats.nothing": ("No data yet.", "Noch keine Daten."),
    "stats.no_sent": (
        "No sent invitations in the inbox yet (they come from a LinkedIn export's Invitations.csv).",
        "Noch keine gesendeten Einladungen (sie kommen aus der Invitations.csv eines LinkedIn-Exports).",
    ),
    "stats.table": ("Data as a table", "Daten als Tabelle"),
    "stats.summary": (
        "{n} incoming requests, {decided} decided.",
        "{n} eingegangene Anfragen, {decided} entschieden.",
    ),
    # settings
    "settings.title": ("Settings", "Einstellungen"),
    "settings.policy": ("Policy", "Regelwerk"),
    "settings.policy_intro": (
        "Your policy in TOML, layered over the built-in one: tables are merged key by key, your rules are "
        "tried first. It is checked before it is saved; an error names the key.",
        "Ihr Regelwerk in TOML, über das eingebaute gelegt: Tabellen werden Schlüssel für Schlüssel "
        "zusammengeführt, Ihre Regeln zuerst geprüft. Es wird vor dem Speichern geprüft; ein Fehler nennt "
        "den Schlüssel.",
    ),
    "settings.file": ("Saved to {path}.", "Gespeichert in {path}."),
    "settings.policy_label": ("Policy (TOML)", "Regelwerk (TOML)"),
    "settings.save": ("Check and save", "Prüfen und speichern"),
    "settings.rescreen": (
        "Re-screen the open requests with the new policy",
        "Offene Anfragen mit dem neuen Regelwerk neu bewerten",
    ),
    "settings.saved": ("Policy saved.", "Regelwerk gespeichert."),
    "settings.rescreened": ("{n} open requests re-screened.", "{n} offene Anfragen neu bewertet."),
    "settings.invalid": ("The policy was not saved:", "Das Regelwerk wurde nicht gespeichert:"),
    "settings.defaults": ("The built-in policy, for reference", "Das eingebaute Regelwerk zum Nachschlagen"),
    "settings.api": ("API", "API"),
    "settings.api_intro": (
        "The REST API lives under /api/v1 and is described by its OpenAPI document. Create a token with "
        "`kontaktfilter token create` and send it as `Authorization: Bearer TOKEN`.",
        "Die REST-API liegt unter /api/v1 und ist im OpenAPI-Dokument beschrieben. Ein Token erzeugt "
        "`kontaktfilter token create`; senden Sie es als `Authorization: Bearer TOKEN`.",
    ),
    "settings.tokens": ("{n} API tokens are stored.", "{n} API-Tokens sind gespeichert."),
    # help
    "help.title": ("Keyboard shortcuts", "Tastenkürzel"),
    "help.close": ("Close", "Schließen"),
    "help.jk": ("next / previous request", "nächste / vorige Anfrage"),
    "help.enter": ("open the selected request", "gewählte Anfrage öffnen"),
    "help.actions": (
        "accept, ask back, offer to follow, ignore, block and report",
        "annehmen, nachfragen, Folgen anbieten, ignorieren, blockieren und melden",
    ),
    "help.u": ("undo the last decision", "letzte Entscheidung rückgängig machen"),
    "help.slash": ("search", "suchen"),
    "help.c": ("copy the reply draft", "Antwortentwurf kopieren"),
    "help.question": ("this help", "diese Hilfe"),
    "help.key": ("Key", "Taste"),
    "help.does": ("Does", "Bewirkt"),
    # errors
    "error.title": ("Something is wrong", "Etwas stimmt nicht"),
    "error.not_found": ("There is no such page or request.", "Diese Seite oder Anfrage gibt es nicht."),
    "error.csrf": (
        "The form expired or came from another site. Reload the page and try again.",
        "Das Formular ist abgelaufen oder kam von einer anderen Seite. Bitte neu laden.",
    ),
    "error.too_large": ("The upload is too large.", "Die Datei ist zu groß."),
    "error.bad_action": ("Unknown action.", "Unbekannte Aktion."),
}

CATEGORY_LABELS: dict[str, tuple[str, str]] = {
    "personal_known": ("Known personally", "Persönlich bekannt"),
    "relevant_business": ("Relevant business", "Relevant beruflich"),
    "recruiter": ("Recruiter", "Recruiting"),
    "sales_pitch": ("Sales pitch", "Verkaufsversuch"),
    "romantic_private": ("Private advance", "Private Annäherung"),
    "collector_generic": ("Collector", "Kontaktsammler"),
    "scam": ("Scam", "Betrug"),
}

ACTION_LABELS: dict[str, tuple[str, str]] = {
    "accept": ("Accept", "Annehmen"),
    "ask_back": ("Ask back", "Nachfragen"),
    "suggest_follow": ("Offer to follow", "Folgen anbieten"),
    "ignore": ("Ignore", "Ignorieren"),
    "block_report": ("Block and report", "Blockieren und melden"),
}

# The keyboard shortcut of each action (the a/q/f/i/b).
ACTION_KEYS: dict[str, str] = {
    "accept": "a",
    "ask_back": "q",
    "suggest_follow": "f",
    "ignore": "i",
    "block_report": "b",
}

PLATFORM_LABELS: dict[str, str] = {
    "linkedin": "LinkedIn",
    "xing": "XING",
    "mastodon": "Mastodon",
    "email": "E-Mail",
    "other": "—",
}


def pick_lang(cookie: str | None, accept_language: str | None) -> str:
    """The interface language: the cookie's choice, else the browser's first of de/en, else English."""
    if cookie in LANGS:
        return str(cookie)
    for part in (accept_language or "").split(","):
        tag = part.split(";", 1)[0].strip().lower()[:2]
        if tag in LANGS:
            return tag
    return "en"


def translator(lang: str) -> Callable[..., str]:
    """A `t(key, **values)` function for one language; unknown keys fail loudly in tests."""
    index = 1 if lang == "de" else 0

    def t(key: str, **values: object) -> str:
        text = TEXTS[key][index]
        return text.format(**values) if values else text

    return t


def label(table: dict[str, tuple[str, str]], key: str | None, lang: str) -> str:
    """A category's or action's label in the interface language (the id itself when unknown)."""
    if key is None:
        return ""
    pair = table.get(key)
    return pair[1 if lang == "de" else 0] if pair else key


__all__ = [
    "ACTION_KEYS",
    "ACTION_LABELS",
    "CATEGORY_LABELS",
    "LANGS",
    "LANG_COOKIE",
    "PLATFORM_LABELS",
    "TEXTS",
    "label",
    "pick_lang",
    "translator",
]
