"""Pitch markers from seeds 000 and 001: leads, scaling, income promises, short calls, "potential"."""

from __future__ import annotations

from ..model import ContactRequest
from ._registry import Analysis, lexicon, phrase_signal, signal

phrase_signal(
    "pitch_leads", "pitch", -2.0,
    "Verspricht Leads, Kunden oder Termine („Tausende Leads“, „ausgebucht“).",
    "Promises leads, clients or booked meetings.",
    [
        "leads", "lead generation", "leadgen*", "lead gen", "neukunden", "neue kunden", "kunden gewinnen",
        "kundengewinnung", "mehr kunden", "more clients", "new clients", "more customers", "qualified appointments",
        "qualifizierte termine", "termine pro monat", "appointments per month", "meetings per month",
        "booked calls", "ausgebucht", "fully booked", "sales pipeline", "pipeline", "b2b termine",
        "anfragen pro monat", "kundenanfragen", "inbound", "outreach campaign*", "akquise automatis*",
        "automated outreach", "terminierung", "appointment setting", "appointment setter",
    ],
    hits=["I can get you 30 qualified appointments per month.", "Wir bringen Ihnen planbar Neukunden."],
    misses=["Great meeting you at the DevOps meetup!", "Ich habe Ihren Artikel zu Führung gelesen."],
)  # fmt: skip

phrase_signal(
    "pitch_scaling", "pitch", -1.6,
    "Wachstums- und Skalierungsversprechen („skalieren“, „Umsatz verdoppeln“).",
    "Growth and scaling promises ('scale', 'double your revenue').",
    [
        "skalier*", "scale your", "scale up your", "scaling", "scale to", "growth hack*", "grow your business",
        "grow your revenue", "grow your brand", "umsatz verdoppel*", "umsatz steiger*", "double your", "triple your",
        "10x", "roi", "mehr umsatz", "more revenue", "boost your", "explode your", "durchstarten",
        "next level", "nachste level", "auf das nachste level", "growth partner", "wachstum*",
        "revenue growth", "increase your sales", "increase sales", "vertrieb optimier*", "conversion rate",
        "sichtbarkeit steiger*", "reichweite steiger*", "more visibility", "increase your visibility",
    ],
    hits=["We help agencies scale to 50k a month.", "Ich zeige dir, wie du deinen Umsatz verdoppelst."],
    misses=["Loved your talk on team culture.", "Wir haben zusammen bei Bosch gearbeitet."],
)  # fmt: skip

phrase_signal(
    "pitch_income", "pitch", -2.2,
    "Einkommens- oder Freiheitsversprechen (sechsstellig, passives Einkommen, Nebenverdienst).",
    "Income or freedom promises (six figures, passive income, side hustle).",
    [
        "six figure*", "6 figure*", "6 figures", "seven figure*", "7 figure*", "sechsstellig*", "siebenstellig*",
        "passive income", "passives einkommen", "passiven einkommen", "financial freedom", "finanzielle freiheit",
        "finanziell frei", "side hustle", "nebenverdienst", "nebeneinkommen", "zusatzeinkommen", "extra income",
        "zeitliche freiheit", "time freedom", "be your own boss", "eigener chef", "work from anywhere",
        "ortsunabhangig", "laptop lifestyle", "10k month", "10k per month", "10k a month", "10k monat",
        "monatseinkommen", "residual income", "network marketing", "mlm", "business opportunity",
        "geschaftsmoglichkeit", "vertriebspartner gesucht", "teampartner",
    ],
    hits=["Möchtest du ein sechsstelliges Monatseinkommen?", "Build passive income from home!"],
    misses=["Ich suche eine Werkstudentin für unser Team.", "Thanks for the talk at PyCon."],
)  # fmt: skip

phrase_signal(
    "pitch_health", "pitch", -2.0,
    "Abnehm- oder Gesundheitsprodukt („gesund abnehmen“, Shakes, Detox).",
    "Weight-loss or wellness product pitch.",
    [
        "abnehm*", "abgenommen", "abzunehmen", "weight loss", "lose weight", "losing weight", "kilos", "kilo weniger", "pounds off",
        "detox", "shake", "shakes", "stoffwechsel", "metabolism", "nahrungserganzung*", "supplement*",
        "wellness produkt*", "wellness product*", "diat", "diet plan", "traumfigur", "body transformation",
        "fat loss", "keto", "bauchfett", "belly fat",
    ],
    hits=["Ich habe 12 Kilo abgenommen und zeige dir wie.", "Our shakes helped 500 women lose weight."],
    misses=["Ich leite die Ernährungsberatung am Klinikum.", "We met at the marathon expo."],
)  # fmt: skip

phrase_signal(
    "pitch_career_services", "pitch", -1.6,
    "Bietet Bewerbungs-, Lebenslauf- oder Karrierehilfe an, um die niemand gebeten hat.",
    "Offers CV, résumé or career help nobody asked for.",
    [
        "bewerbungsunterlagen", "bewerbungsmappe", "lebenslauf optimier*", "lebenslauf uberarbeit*",
        "cv optimi*", "cv review", "cv writing", "resume writing", "resume review", "rewrite your resume",
        "rewrite your cv", "karriere coaching", "karrierecoaching", "career coaching", "job search coaching",
        "linkedin profil optimier*", "linkedin profile optimi*", "profile makeover", "profil optimier*",
        "optimize your linkedin", "optimise your linkedin", "interview coaching", "bewerbungscoaching",
    ],
    hits=["I can rewrite your CV so recruiters call you.", "Ich optimiere Ihre Bewerbungsunterlagen."],
    misses=["We are hiring a data engineer in Munich.", "Thanks for your article on hiring."],
)  # fmt: skip

phrase_signal(
    "pitch_short_call", "pitch", -1.8,
    "Will gleich ein kurzes Gespräch („15 Minuten“, „kurzer Call“, Kalenderlink).",
    "Asks straight away for a short call ('15 minutes', 'quick chat', a calendar link).",
    [
        "15 minut*", "15 min", "15min", "15 minuten", "10 minut*", "10 min", "20 minut*", "20 min", "30 min",
        "15 minutigen", "15 minutiges", "fifteen minutes", "ten minutes", "quick call", "short call", "quick chat",
        "brief call", "quick zoom", "kurzes gesprach", "kurzen call", "kurzer call", "kurzes telefonat",
        "kurzen austausch", "kurzes kennenlerngesprach", "kennenlerngesprach", "erstgesprach", "discovery call",
        "strategy call", "strategiegesprach", "strategie call", "hop on a call", "jump on a call", "calendly",
        "book a call", "book a slot", "termin buchen", "slot buchen", "virtual coffee", "virtuellen kaffee",
        "kostenlose beratung", "free consultation", "free strategy", "free audit", "free demo", "demo call",
    ],
    hits=["Hast du 15 Minuten für einen kurzen Call?", "Open to a quick call next week?"],
    misses=["Great to meet you at the conference yesterday.", "Danke für den Vortrag!"],
)  # fmt: skip

phrase_signal(
    "pitch_profile_potential", "pitch", -1.8,
    "„Ich habe Ihr Profil angesehen und Potenzial entdeckt“: eine Kaltakquise-Floskel.",
    "'I looked at your profile and saw potential': a cold-acquisition line.",
    [
        "potenzial", "potential", "optimierungspotenzial", "optimierungsbedarf", "verbesserungspotenzial",
        "untapped", "ungenutzt*", "noticed a gap", "noticed some gaps", "luecken", "lucken in",
        "leaving money on the table", "geld liegen lassen", "room for improvement", "could benefit",
        "profitieren konnte", "profitieren konnten", "i analyzed your", "i analysed your", "habe ihr profil analys*",
        "dein profil analys*", "ihr profil analys*", "your profile could", "ihr profil konnte", "dein profil konnte",
        "quick win*", "quick-win*",
    ],
    hits=["Ich habe Ihr Profil angesehen und großes Potenzial entdeckt.", "I noticed a gap in your funnel."],
    misses=["Great talk on energy storage in Aachen", "Wir kennen uns vom Studium."],
)  # fmt: skip

phrase_signal(
    "pitch_offer", "pitch", -1.4,
    "Bietet eine Dienstleistung oder ein Produkt an („ich helfe …“, „unsere Agentur“, „DM me“).",
    "Offers a service or product ('I help …', 'our agency', 'DM me').",
    [
        "i help", "we help", "helping coaches", "helping businesses", "ich helfe", "wir helfen", "unterstutze ich",
        "unsere agentur", "our agency", "meine agentur", "my agency", "unsere dienstleistung*", "our services",
        "our service", "unser angebot", "mein angebot", "my offer", "special offer", "sonderangebot",
        "exklusives angebot", "exclusive offer", "rabatt", "discount", "gutschein", "voucher", "dm me",
        "schreib mir", "send me a dm", "pm me", "done for you", "white label", "whitelabel", "outsourc*",
        "offshore team", "dedicated developers", "we provide", "wir bieten", "we offer", "ich biete",
        "i offer", "our solution", "unsere losung", "unsere software", "our software", "our platform",
        "unsere plattform", "kostenlos testen", "free trial", "gratis", "kostenlos*", "freebie", "webinar",
        "masterclass", "mini kurs", "minikurs", "online kurs", "onlinekurs", "online course", "coaching programm",
        "coaching program", "mentoring programm", "mentoring program", "1:1 coaching", "pricing", "preise",
        "price list", "preisliste", "angebot erstellen", "quote", "pay only", "no cure no pay",
        "ghostwriting", "ghostwriter", "content creation", "social media management", "seo services",
        "web design", "website relaunch", "app development", "virtual assistant", "bookkeeping services", "we supply", "we install", "we produce", "we deliver", "we build custom", "wir produzieren", "wir liefern", "wir installieren", "ich vertreibe", "vertreibe", "ich verkaufe", "offering", "bieten ihnen", "biete ihnen", "biete dir", "rabatt", "fruhbucherrabatt", "% off", "per hour", "pro stunde", "payback", "early access", "onboard you", "our fuel card", "our card", "our tool", "unser tool", "our app", "unsere app", "our product", "unser produkt", "free pension review", "free review", "kostenlose analyse", "kostenlosen check",
    ],
    hits=["Ich helfe Coaches, mehr Kunden zu gewinnen.", "Our agency builds funnels. DM me!"],
    misses=["I work on helping refugees find housing and loved your talk.", "Hi Tom, remember me from Leipzig?"],
)  # fmt: skip

phrase_signal(
    "pitch_pain_hook", "pitch", -1.0,
    "Verkaufs-Hook: eine unterstellte Schwäche oder rhetorische Frage („Kämpfen Sie auch mit …?“).",
    "Sales hook: an assumed pain or rhetorical question ('Are you struggling with …?').",
    [
        "struggling with", "struggle with", "kampfen sie", "kampfst du", "tired of", "mude von", "satt",
        "are you still", "sind sie noch", "bist du noch", "what if i told you", "was ware wenn", "stell dir vor",
        "imagine if", "imagine having", "stellen sie sich vor", "frustriert", "frustrated with",
        "wasting time", "zeit verschwend*", "hate cold calling", "ohne kaltakquise", "without cold calling",
        "without ads", "ohne werbung", "ohne ads", "guaranteed results", "garantierte ergebnisse",
        "results guaranteed", "or your money back", "geld zuruck", "case study", "fallstudie", "proven system",
        "bewahrtes system", "bewahrte methode", "proven method", "proven framework", "blueprint",
    ],
    hits=["Are you struggling with inconsistent revenue?", "Stell dir vor, du hättest jede Woche neue Kunden."],
    misses=["I struggled with the same migration and loved your write-up.", "Wir waren zusammen im Kurs."],
)  # fmt: skip

lexicon(
    "_birthday",
    ["geburtstag*", "birthday", "bday", "b-day", "happy birthday", "alles gute zum", "herzlichen gluckwunsch",
     "congrats on", "congratulations on", "gratulation", "gratuliere", "work anniversary", "jubilaum"],
)  # fmt: skip
lexicon(
    "_gift_offer",
    ["geschenk*", "gift", "present for you", "kurs", "course", "mini kurs", "gutschein", "voucher", "gratis",
     "kostenlos*", "free", "rabatt", "discount", "angebot", "offer", "training", "webinar", "session", "coaching",
     "e book", "ebook", "checklist", "checkliste", "aussuchen", "choose", "pick"],
)  # fmt: skip


@signal(
    "birthday_offer", "pitch", -2.0,
    "Ein Geburtstags- oder Glückwunschgruß, der ein Angebot transportiert (Seed 003).",
    "A birthday or congratulation greeting that carries an offer.",
    hits=["Alles Gute zum Geburtstag! Als Geschenk darfst du dir einen Minikurs aussuchen.",
          "Happy birthday! As a gift, here's a free coaching session for you."],
    misses=["Alles Gute zum Geburtstag, Jana! Bis bald beim Stammtisch.", "Here is our course catalogue."],
)  # fmt: skip
def _birthday_offer(req: ContactRequest, a: Analysis) -> str | None:
    b = a.note_hits.get("_birthday")
    g = a.note_hits.get("_gift_offer")
    return f"{b} + {g}" if b and g else None


phrase_signal(
    "headline_salesy", "profile", -1.0,
    "Die Profil-Überschrift ist Akquise („6-figure“, „Growth“, „I help … DM me“).",
    "The sender's headline is acquisition ('6-figure', 'growth', 'I help … DM me').",
    [
        "6 figure*", "six figure*", "7 figure*", "sechsstellig*", "growth", "scale", "scaling", "skalier*",
        "i help", "ich helfe", "helping", "dm me", "dm for", "schreib mir", "leads", "lead generation",
        "lead gen", "appointment setting", "neukunden", "kundengewinnung", "funnel*", "sales coach", "business coach",
        "mindset coach", "life coach", "erfolgscoach", "high ticket", "closer", "copywriter", "ghostwriter",
        "linkedin expert*", "linkedin coach", "linkedin ghostwrit*", "personal branding", "social selling",
        "umsatz", "revenue", "roi", "agency owner", "agenturinhaber*", "founder of", "millionaire",
        "networker", "network marketing", "financial freedom", "finanzielle freiheit", "passive income",
        "unternehmer aus leidenschaft", "top voice", "keynote speaker", "bestseller autor", "bestselling author",
    ],
    field="profile",
    hits=[{"note": None, "sender": {"headline": "I help B2B coaches scale to 6 figures | DM me"}}],
    misses=[{"note": None, "sender": {"headline": "Senior Backend Engineer at Zalando"}}],
)  # fmt: skip
