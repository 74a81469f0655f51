"""Good signs (seeds 001, 003): a real occasion, shared history, the recipient's content, mutual
contacts named, personalisation, a concrete question; and recruiting language."""

from __future__ import annotations

from ..model import ContactRequest
from ._registry import Analysis, first_name, last_name, lexicon, phrase_signal, recipient_terms, signal

lexicon(
    "_occasion",
    [
        "met at", "met you at", "meet you at", "meeting you at", "met on", "met yesterday", "met last",
        "we met", "have met", "we spoke", "spoke at", "spoke yesterday", "chatted at", "talked at", "talking at",
        "after your talk", "after your session", "your talk at", "your keynote", "your presentation at",
        "at the conference", "at the summit", "at the meetup", "at the workshop", "at the fair", "at the expo",
        "at the event", "at the booth", "at your booth", "your stand", "at the stand", "at the barcamp",
        "at the hackathon", "at the trade show", "at the tradeshow", "at the dinner", "at the breakfast",
        "at the webinar", "in the webinar", "on the panel", "sat next to", "shared a table", "same table",
        "bumped into", "ran into", "great chatting", "nice chatting", "lovely chatting", "good chatting",
        "great meeting", "nice meeting", "lovely meeting", "good meeting", "great to meet", "nice to meet",
        "pleasure meeting", "pleasure to meet", "kennengelernt", "kennen gelernt", "getroffen", "gesprochen",
        "unterhalten", "geplaudert", "gesehen auf", "gestern auf", "gestern bei", "gestern beim", "gestern im",
        "letzte woche auf", "letzte woche bei", "letzten woche", "vorhin", "heute morgen", "heute fruh",
        "auf der messe", "auf der konferenz", "auf dem kongress", "auf dem barcamp", "beim meetup", "beim stammtisch",
        "beim fruhstuck", "beim netzwerktreffen", "auf dem netzwerktreffen", "beim workshop", "im workshop",
        "auf dem workshop", "beim vortrag", "nach ihrem vortrag", "nach deinem vortrag", "ihr vortrag",
        "dein vortrag", "ihre keynote", "deine keynote", "am stand", "an ihrem stand", "an deinem stand",
        "auf dem panel", "im panel", "am tisch", "tischnachbar*", "sitznachbar*", "in der pause", "beim abendessen",
        "beim mittagessen", "beim kaffee", "in der kaffeepause", "coffee break", "at lunch", "over lunch",
        "im zug", "on the train", "im flieger", "on the flight", "am flughafen", "at the airport",
        "visitenkarte", "business card", "your card", "deine karte", "ihre karte", "as promised", "wie versprochen",
        "wie besprochen", "as discussed", "as agreed", "wie vereinbart", "per our conversation", "our chat",
        "our conversation", "unser gesprach", "unserem gesprach", "unseres gesprachs", "unser telefonat",
        "unserem telefonat", "our call", "this morning", "yesterday", "gestern", "last night", "gestern abend",
        "last week", "letzte woche", "reunion", "klassentreffen", "alumni treffen",
    ],
)  # fmt: skip
lexicon(
    "_history",
    [
        "former colleague", "ex colleague", "ex-colleague", "old colleague", "worked together", "work together",
        "we worked", "used to work", "back at", "back in the day", "studied together", "classmate*", "class of",
        "same class", "schoolmate", "school friend", "uni days", "university days", "at uni", "study group",
        "flatmate", "roommate", "neighbour", "neighbor", "nachbar*", "ehemalige kollegin", "ehemaliger kollege",
        "ehemaligen kollegen", "alter kollege", "alte kollegin", "ex kollege", "ex kollegin", "kollege", "kollegin",
        "kollegen", "colleague", "colleagues", "zusammen gearbeitet", "zusammengearbeitet", "zusammen studiert",
        "studienkolleg*", "kommiliton*", "studienzeit", "schulzeit", "schulfreund*", "klassenkamerad*", "abi",
        "abitur", "abschlussjahrgang", "azubi zeit", "ausbildung zusammen", "lehre zusammen", "im verein",
        "vereinskolleg*", "fussballverein", "sportverein", "teamkollege", "teammate", "gemeinsames projekt",
        "gemeinsamen projekt", "projekt zusammen", "joint project", "our project", "unser projekt", "project together",
        "your team", "dein team", "ihr team", "same team", "selben team", "same department", "selben abteilung",
        "mentee", "mentor", "professor", "dozent*", "lecturer", "your class", "ihre vorlesung", "deine vorlesung",
        "ihrem seminar", "your course", "ihr kunde", "your client", "kunde von", "lieferant", "supplier",
        "customer of", "our order", "ihre bestellung", "unser auftrag", "cousin", "schwager", "schwagerin",
        "remember me", "erinnerst du dich", "erinnern sie sich", "long time", "lange her", "long time no see",
        "seit jahren", "for years", "wiedergefunden", "found you again", "nice to see you here",
        "schon dich hier", "still remember", "noch erinnern", "damals",
    ],
)  # fmt: skip
lexicon(
    "_content",
    [
        "your post", "your article", "your blog", "your newsletter", "your podcast", "your episode", "your talk",
        "your paper", "your study", "your book", "your research", "your comment", "your video", "your thread",
        "your piece", "your column", "your interview", "your webinar", "your keynote", "your presentation",
        "your thesis", "your essay", "your work on", "your recent", "you wrote", "you posted", "you shared",
        "you mentioned", "you said", "ihr beitrag", "ihren beitrag", "ihrem beitrag", "ihr artikel", "ihren artikel",
        "ihrem artikel", "ihr post", "ihren post", "ihrem post", "ihr podcast", "ihren podcast", "ihr buch",
        "ihrem buch", "ihre studie", "ihrer studie", "ihr kommentar", "ihren kommentar", "ihr interview",
        "ihrem interview", "ihr webinar", "ihren vortrag", "ihrem vortrag", "ihre arbeit", "ihrer arbeit",
        "dein beitrag", "deinen beitrag", "deinem beitrag", "dein artikel", "deinen artikel", "deinem artikel",
        "dein post", "deinen post", "deinem post", "dein podcast", "deinen podcast", "dein buch", "deinem buch",
        "deine studie", "dein kommentar", "deinen kommentar", "dein interview", "deinen vortrag", "deinem vortrag",
        "deine arbeit", "sie schreiben", "sie schrieben", "du schreibst", "du schriebst", "sie erwahnt*",
        "du erwahnt*", "gelesen", "read your", "i read", "enjoyed reading", "loved reading", "habe gelesen",
        "gehort", "listened to", "i watched", "angeschaut", "gesehen dass sie", "gesehen dass du",
    ],
)  # fmt: skip
lexicon(
    "_mutual",
    [
        "recommended", "empfohlen", "empfahl", "suggested i", "suggested that i", "suggested we", "hat mir geraten",
        "riet mir", "introduced", "introduction", "intro from", "vorgestellt", "vermittelt", "verwiesen",
        "referred me", "referral from", "pointed me to", "told me about you", "hat mir von ihnen erzahlt",
        "hat mir von dir erzahlt", "mutual friend", "mutual contact", "mutual connection", "gemeinsame bekannte",
        "gemeinsamer bekannter", "gemeinsamen bekannten", "gemeinsame kontakte", "gemeinsamen kontakt",
        "gemeinsame freundin", "gemeinsamer freund", "uber unseren", "uber unsere", "via our", "through our",
        "through a friend", "uber einen freund", "kontakt von", "sends her regards", "sends his regards",
        "lasst gruessen", "lasst grussen", "lasst schon grussen", "gave me your name", "gab mir ihren namen",
    ],
)  # fmt: skip
lexicon(
    "_cooperation",
    [
        "exchange", "austausch", "fachlichen austausch", "erfahrungsaustausch", "exchange ideas", "swap notes",
        "compare notes", "your opinion", "ihre meinung", "deine meinung", "your view", "your perspective",
        "ihre einschatzung", "deine einschatzung", "your feedback", "ihr feedback", "dein feedback",
        "your input", "ihren input", "deinen input", "your advice", "ihren rat", "deinen rat", "a question",
        "eine frage", "eine kurze frage", "question about", "frage zu", "frage zum", "frage zur", "cooperation",
        "kooperation", "collaboration", "collaborate", "zusammenarbeit", "zusammenarbeiten", "partner up",
        "joint", "gemeinsam", "co author", "co-author", "speaker", "referent*", "sprecher*", "podcast guest",
        "gast in meinem podcast", "guest on my podcast", "interview", "panel", "study", "studie", "survey",
        "umfrage", "research", "forschung", "thesis", "masterarbeit", "bachelorarbeit", "abschlussarbeit",
        "dissertation", "doktorarbeit", "journalist", "redaktion", "recherche", "article about", "artikel uber",
        "beitrag uber", "quote you", "zitieren", "learn from", "von ihnen lernen", "von dir lernen",
        "lernen", "student", "studentin", "werkstudent*", "internship", "praktikum", "advice", "rat",
        "similar challenge", "ahnliche herausforderung", "same challenge", "gleiche herausforderung",
        "peer", "peers", "fachkolleg*", "berufsverband", "verband", "arbeitskreis", "working group",
        "ehrenamt*", "volunteer", "mentoring programm", "open source", "contribute", "beitragen",
    ],
)  # fmt: skip


@signal(
    "specific_occasion", "context", 2.0,
    "Nennt einen konkreten Anlass (Veranstaltung, Gespräch, Begegnung).",
    "Names a specific occasion (an event, a conversation, a meeting).",
    hits=["Great meeting you at the Cloud Summit yesterday!", "Schön, dass wir uns gestern auf der Messe getroffen haben."],
    misses=["I'd like to add you to my network.", "Ich möchte mein Netzwerk erweitern."],
)  # fmt: skip
def _occasion(req: ContactRequest, a: Analysis) -> str | None:
    return a.note_hits.get("_occasion")


@signal(
    "shared_history", "context", 2.0,
    "Gemeinsame Vorgeschichte (Kollegen, Studium, Schule, Verein, Projekt).",
    "Shared history (colleagues, university, school, club, a project).",
    hits=["Hey Tom, ehemaliger Kollege aus der Bosch-Zeit hier!", "We studied together at TU Delft, remember me?"],
    misses=["I help B2B companies get more leads.", "Ich habe Ihr Profil gesehen."],
)  # fmt: skip
def _history(req: ContactRequest, a: Analysis) -> str | None:
    return a.note_hits.get("_history")


@signal(
    "refers_recipient_content", "context", 1.3,
    "Bezieht sich auf einen Beitrag, Artikel, Vortrag oder Podcast der Empfängerin.",
    "Refers to the recipient's post, article, talk or podcast.",
    hits=["I read your article on heat pumps and have a question.", "Ihr Beitrag zur Vier-Tage-Woche hat mich beschäftigt."],
    misses=["Let's connect!", "Wir bieten Webdesign an."],
)  # fmt: skip
def _content(req: ContactRequest, a: Analysis) -> str | None:
    return a.note_hits.get("_content")


@signal(
    "mutual_named", "context", 1.5,
    "Nennt einen gemeinsamen Kontakt oder eine Empfehlung (Seed 001).",
    "Names a mutual contact or a referral.",
    hits=["Anna Schmidt recommended I reach out to you.", "Herr Braun hat mir empfohlen, Sie zu kontaktieren."],
    misses=["I'd love to connect.", "Hallo, ich bin neu hier."],
)  # fmt: skip
def _mutual_named(req: ContactRequest, a: Analysis) -> str | None:
    hit = a.note_hits.get("_mutual")
    if hit:
        return hit
    for person in req.recipient.known_people:
        ln = last_name(person)
        if ln and ln in a.tokens:
            return person
    return None


@signal(
    "concrete_request", "context", 1.0,
    "Stellt eine konkrete fachliche Frage oder bittet um Austausch statt um einen Verkauf.",
    "Asks a concrete professional question or for an exchange rather than a sale.",
    hits=["Would love your feedback on our open source scheduler.", "Darf ich Ihnen eine Frage zu Ihrer Studie stellen?"],
    misses=["Let's connect.", "Hey, schönes Profil!"],
)  # fmt: skip
def _concrete(req: ContactRequest, a: Analysis) -> str | None:
    return a.note_hits.get("_cooperation")


@signal(
    "personalised", "context", 1.0,
    "Geht auf das Profil der Empfängerin ein (Name und Themen aus Überschrift oder Interessen).",
    "Refers to the recipient's profile (their name and topics from their headline or interests).",
    hits=[{"note": "Hi Jana, your work on heat pump retrofits is exactly what our co-op needs to learn about.",
           "recipient": {"name": "Jana Berg", "headline": "Energy consultant | heat pump retrofits"}}],
    misses=[{"note": "Hi, let's connect.", "recipient": {"name": "Jana Berg", "headline": "Energy consultant"}}],
)  # fmt: skip
def _personalised(req: ContactRequest, a: Analysis) -> str | None:
    if not a.tokens:
        return None
    terms = recipient_terms(req)
    topic = next((t for t in a.tokens if t in terms), None)
    if topic is None:
        return None
    fn = first_name(req.recipient.name)
    ln = last_name(req.recipient.name)
    named = (fn is not None and fn in a.tokens) or (ln is not None and ln in a.tokens)
    return f"{topic}" + (" + name" if named else "") if named or len(a.tokens) >= 8 else None


phrase_signal(
    "recruiting_language", "recruiting", 0.0,
    "Stellen- oder Recruiting-Sprache (Position, Vakanz, Kandidatin, Headhunter).",
    "Job or recruiting language (role, vacancy, candidate, headhunter).",
    [
        "position", "positions", "role", "roles", "vacancy", "vacancies", "opening", "openings", "job opening",
        "job offer", "job opportunity", "career opportunity", "opportunity at", "hiring", "we're hiring",
        "we are hiring", "recruit*", "headhunt*", "talent acquisition", "candidate", "candidates", "stelle",
        "stellen", "stellenangebot", "jobangebot", "vakanz", "vakanzen", "position als", "suchen wir",
        "wir suchen", "ich suche fur", "fur unseren kunden", "for our client", "for a client", "mandant*",
        "kandidat*", "bewerber*", "bewerbung", "personalberat*", "personalvermittl*", "executive search",
        "direct search", "direktansprache", "wechselbereit*", "wechselmotivation", "open to new", "offen fur neue",
        "neue herausforderung", "new challenge", "next career step", "nachsten karriereschritt", "karriereschritt",
        "gehalt", "salary", "compensation", "festanstellung", "permanent role", "contract role", "freelance project",
        "projektanfrage", "projekt fur freelancer", "interim", "onboarding", "team lead role", "job",
        "jobs", "arbeitgeber", "employer", "relocation", "remote role", "hybrid role", "vollzeit", "teilzeit",
        "full time", "full-time", "sucht", "suchen eine", "suchen einen", "suchen ab", "suchen zum", "zum 1", "ab sofort", "in teilzeit", "in vollzeit", "we need a", "need a", "looking for a", "hire a", "to hire", "hire", "head of", "teamleitung", "contract to hire", "report to", "reporting to", "berichten an", "kost und logis", "saisonstelle", "saison", "shortlisted", "apply", "application", "bewerbungsfrist", "closing date", "ausgeschrieben", "ausschreibung", "professur", "lectureship", "postdoc", "phd position", "fellowship", "traineeship", "ausbildungsplatz", "your next role", "nachste rolle", "dein nachster job", "ihr nachster job", "headcount", "einstellen", "stellt ein",
    ],
    hits=["We have an exciting Senior Java role for you.", "Für unseren Mandanten suche ich eine Teamleitung."],
    misses=["Great to meet you at the meetup.", "Hallo Jana, schönes Wochenende!"],
)  # fmt: skip

phrase_signal(
    "headline_recruiter", "recruiting", 0.0,
    "Die Überschrift weist den Absender als Recruiter oder Personalberater aus.",
    "The sender's headline says they are a recruiter or headhunter.",
    [
        "recruit*", "talent acquisition", "talent partner", "talent scout", "headhunt*", "personalberat*",
        "personalvermittl*", "executive search", "hr business partner", "people partner", "sourcer", "sourcing",
        "we're hiring", "we are hiring", "hiring", "wir stellen ein", "karriere bei", "careers at",
        "personalreferent*", "recruiting", "active sourcing", "it recruiter", "tech recruiter",
    ],
    field="profile",
    hits=[{"note": None, "sender": {"headline": "Senior Tech Recruiter | We're hiring!"}}],
    misses=[{"note": None, "sender": {"headline": "Backend developer, Rust and Go"}}],
)  # fmt: skip
