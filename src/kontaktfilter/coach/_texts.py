"""What the coach says for each finding: a message and a concrete suggestion, in German and English."""

# The German texts address the coach's user with "Sie"; examples inside them follow the register of
# the note being checked. Placeholders are filled with `str.format`, only ever with values, so text
# from the note cannot change a message's shape.

from __future__ import annotations

TEXTS: dict[str, dict[str, tuple[str, str]]] = {
    "no_note": {
        "de": (
            "Die Anfrage hat keine Nachricht. Ohne Nachricht weiß die Person nicht, wer Sie sind und "
            "warum Sie sich vernetzen möchten – viele ignorieren solche Anfragen.",
            "Schreiben Sie zwei, drei Sätze: eine Anrede („{greet}“), woher Sie sich kennen oder warum Sie "
            "schreiben, und einen Gruß.{limit_hint}",
        ),
        "en": (
            "The invitation has no note. Without one, the recipient cannot tell who you are or why you want "
            "to connect, and many people ignore such invitations.",
            "Write two or three sentences: a greeting (“{greet}”), where you know each other from or why you "
            "are writing, and a sign-off.{limit_hint}",
        ),
    },
    "too_long": {
        "de": (
            "Die Nachricht hat {length} Zeichen; {platform} erlaubt {account_text}höchstens {limit}.",
            "Kürzen Sie um mindestens {over} Zeichen. Anrede, ein Satz zum Anlass, ein Satz zu Ihrem "
            "Anliegen und ein Gruß genügen; alles Weitere passt in die erste Nachricht nach der Vernetzung.",
        ),
        "en": (
            "The note is {length} characters long; {platform} allows at most {limit}{account_text}.",
            "Cut at least {over} characters. A greeting, one sentence on the occasion, one on what you want "
            "and a sign-off are enough; everything else can wait for your first message after connecting.",
        ),
    },
    "no_reason": {
        "de": (
            "Die Nachricht nennt keinen Grund für die Vernetzung: weder woher Sie sich kennen noch worum es "
            "Ihnen geht.",
            "Ergänzen Sie einen konkreten Satz: wo Sie sich begegnet sind („wir haben uns bei … "
            "kennengelernt“), auf welchen Beitrag Sie sich beziehen oder welche fachliche Frage Sie haben.",
        ),
        "en": (
            "The note gives no reason to connect: neither where you know each other from nor what you want.",
            "Add one specific sentence: where you met (“we met at …”), which post or article of theirs you "
            "are referring to, or which professional question you have.",
        ),
    },
    "generic": {
        "de": (
            "„{quote}“ ist eine allgemeine Floskel, die auf jede Anfrage passt; sie ersetzt keinen Grund.",
            "Ersetzen Sie „{quote}“ durch den konkreten Anlass: Woher kennen Sie sich, welches Thema oder "
            "welcher Beitrag verbindet Sie, was möchten Sie von der Person wissen?",
        ),
        "en": (
            "“{quote}” is a stock phrase that fits any invitation; it is not a reason.",
            "Replace “{quote}” with the concrete occasion: where you know each other from, which topic or "
            "post connects you, what you would like to ask.",
        ),
    },
    "pitch": {
        "de": (
            "Die Nachricht verkauft schon in der Anfrage ({quotes}). Ein Kontaktfilter sortiert das als "
            "Akquise aus.",
            "Streichen Sie Angebot und Terminwunsch. Schreiben Sie, was Sie mit der Person verbindet oder "
            "welche fachliche Frage Sie haben; über Ihr Angebot sprechen Sie, wenn sie danach fragt.",
        ),
        "en": (
            "The note is already selling ({quotes}). A contact filter sorts this out as cold acquisition.",
            "Remove the offer and the meeting request. Say what connects you or which professional question "
            "you have; talk about your offer once they ask about it.",
        ),
    },
    "private_advance": {
        "de": (
            "Die Nachricht ist privat oder spricht das Aussehen an ({quotes}). Auf einem Business-Netzwerk "
            "empfinden das viele als Grenzüberschreitung.",
            "Lassen Sie Komplimente zum Aussehen und private Einladungen weg. Schreiben Sie nur, was Sie "
            "beruflich verbindet – und wenn es nichts Berufliches gibt, senden Sie die Anfrage nicht.",
        ),
        "en": (
            "The note is private or remarks on looks ({quotes}). On a business network many people "
            "experience that as overstepping.",
            "Leave out compliments on looks and private invitations. Write only what connects you "
            "professionally – and if there is nothing professional, do not send the invitation.",
        ),
    },
    "money": {
        "de": (
            "Die Nachricht spricht über Geld, Rendite oder Verdienst ({quotes}). Filter werten das als "
            "Betrugsmerkmal.",
            "Streichen Sie Beträge, Renditen und Verdienstversprechen. Geht es um eine bezahlte Aufgabe, "
            "nennen Sie Firma, Rolle und Ansprechperson; Konditionen besprechen Sie später.",
        ),
        "en": (
            "The note talks about money, returns or earnings ({quotes}). Filters treat that as a sign of "
            "fraud.",
            "Remove sums, returns and promises of income. If it is about paid work, name the company, the "
            "role and a contact person; discuss terms later.",
        ),
    },
    "contact_details": {
        "de": (
            "Die Nachricht enthält eine Telefonnummer oder will auf einen anderen Kanal wechseln ({quotes}). "
            "Das ist ein typisches Muster von Betrugsversuchen.",
            "Bleiben Sie auf der Plattform. Telefonnummer oder Messenger bieten Sie erst an, wenn die Person "
            "das selbst möchte.",
        ),
        "en": (
            "The note contains a phone number or asks to move to another channel ({quotes}). That is a "
            "typical pattern of fraud.",
            "Stay on the platform. Offer a phone number or a messenger only when the other person asks for it.",
        ),
    },
    "link": {
        "de": (
            "Die Nachricht enthält einen Link ({quotes}). In Kontaktanfragen wirken Links wie Werbung oder "
            "Phishing.",
            "Lassen Sie den Link weg und sagen Sie in einem Halbsatz, worum es geht; den Link schicken Sie, "
            "wenn die Person danach fragt.",
        ),
        "en": (
            "The note contains a link ({quotes}). In an invitation, links look like advertising or phishing.",
            "Drop the link and say in half a sentence what it is about; send the link when they ask for it.",
        ),
    },
    "scam_like": {
        "de": (
            "Die Nachricht ähnelt Betrugsnachrichten (Dringlichkeit, Vertraulichkeit, eine fremde Rolle oder "
            "ein Konto, das angeblich gesperrt wird). Ein Kontaktfilter würde sie blockieren.",
            "Sagen Sie klar, wer Sie sind – Name, Firma, Rolle – und woher Sie die Person kennen. Verzichten "
            "Sie auf Zeitdruck, Geheimhaltung und Zahlungsthemen; so etwas klärt man nie per Kontaktanfrage.",
        ),
        "en": (
            "The note resembles fraud messages (urgency, confidentiality, an assumed role or an account said "
            "to be suspended). A contact filter would block it.",
            "Say plainly who you are – name, company, role – and where you know the person from. Leave out "
            "time pressure, secrecy and payments; nobody settles those through an invitation.",
        ),
    },
    "du_sie_mixed": {
        "de": (
            "Die Nachricht wechselt zwischen „Du“ und „Sie“.",
            "Bleiben Sie bei einer Anrede. Kennen Sie sich nicht persönlich, ist „Sie“ die sichere Wahl; "
            "passen Sie dann alle Formen an (Sie, Ihnen, Ihr, Ihre).",
        ),
        "en": (
            "The German note switches between informal “Du” and formal “Sie”.",
            "Stick to one form of address. If you do not know each other personally, “Sie” is the safe "
            "choice; then adjust every form (Sie, Ihnen, Ihr, Ihre).",
        ),
    },
    "unsolicited_du": {
        "de": (
            "Sie duzen jemanden, den Sie offenbar nicht persönlich kennen. In einer ersten beruflichen "
            "Nachricht empfinden das viele als distanzlos.",
            "Siezen Sie in der ersten Nachricht („{greet_formal}“) und wechseln Sie zum Du, wenn die Person "
            "es anbietet.",
        ),
        "en": (
            "The German note uses the informal “Du” with someone you apparently do not know personally; in a "
            "first professional message many find that too familiar.",
            "Use “Sie” in the first message (“{greet_formal}”) and switch to “Du” when they offer it.",
        ),
    },
    "not_personal": {
        "de": (
            "Die Nachricht geht nicht auf {person} ein, obwohl das Profil bekannt ist.",
            "Beziehen Sie sich auf etwas aus dem Profil, z. B. {topics}, und sagen Sie in einem Satz, "
            "warum gerade das Sie interessiert.",
        ),
        "en": (
            "The note says nothing about {person}, although their profile is known.",
            "Refer to something from their profile, such as {topics}, and say in one sentence why that "
            "interests you.",
        ),
    },
    "no_mutual_context": {
        "de": (
            "Sie haben {mutual} mit {person}, erwähnen das aber nicht.",
            "Nennen Sie, über wen Sie sich kennen{names_hint} – ein gemeinsamer Kontakt schafft "
            "Vertrauensvorschuss.",
        ),
        "en": (
            "You have {mutual} with {person} but do not mention it.",
            "Say whom you both know{names_hint} – a mutual contact earns you some trust up front.",
        ),
    },
    "no_greeting": {
        "de": (
            "Die Nachricht beginnt ohne Anrede.",
            "Beginnen Sie mit einer Anrede, z. B. „{greet}“.",
        ),
        "en": (
            "The note starts without a greeting.",
            "Open with a greeting, e.g. “{greet}”.",
        ),
    },
    "no_closing": {
        "de": (
            "Die Nachricht endet ohne Gruß.",
            "Schließen Sie mit einem kurzen Gruß und Ihrem Namen, z. B. „{close}“.",
        ),
        "en": (
            "The note ends without a sign-off.",
            "Close with a short sign-off and your name, e.g. “{close}”.",
        ),
    },
    "shouting": {
        "de": (
            "Mehrere Wörter stehen in Großbuchstaben ({quotes}); das wirkt wie Schreien.",
            "Schreiben Sie in normaler Groß- und Kleinschreibung und betonen Sie mit der Wortwahl.",
        ),
        "en": (
            "Several words are in capitals ({quotes}); that reads like shouting.",
            "Write in normal case and let your choice of words carry the emphasis.",
        ),
    },
    "emoji_heavy": {
        "de": (
            "Die Nachricht enthält {count} Emojis.",
            "Verwenden Sie in einer beruflichen Anfrage höchstens ein Emoji.",
        ),
        "en": (
            "The note contains {count} emojis.",
            "Use one emoji at most in a professional invitation.",
        ),
    },
}

# What a recipient's filter would likely do, as a sentence for the human-readable output.
ACTION_SENTENCES: dict[str, dict[str, str]] = {
    "de": {
        "accept": "Ein Kontaktfilter beim Empfänger würde die Anfrage wahrscheinlich annehmen.",
        "ask_back": "Ein Kontaktfilter beim Empfänger würde wahrscheinlich erst nachfragen.",
        "suggest_follow": "Ein Kontaktfilter beim Empfänger würde wahrscheinlich vorschlagen, nur zu folgen.",
        "ignore": "Ein Kontaktfilter beim Empfänger würde die Anfrage wahrscheinlich ignorieren.",
        "block_report": "Ein Kontaktfilter beim Empfänger würde die Anfrage wahrscheinlich blockieren und melden.",
    },
    "en": {
        "accept": "A recipient's contact filter would likely accept this invitation.",
        "ask_back": "A recipient's contact filter would likely ask back first.",
        "suggest_follow": "A recipient's contact filter would likely suggest following instead of connecting.",
        "ignore": "A recipient's contact filter would likely ignore this invitation.",
        "block_report": "A recipient's contact filter would likely block and report this invitation.",
    },
}
