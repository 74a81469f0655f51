"""Cleaning untrusted names and the user's own free text before they go into a draft."""

from __future__ import annotations

import re
import unicodedata

# Titles that belong in a formal salutation but never count as a given name.
_TITLES = frozenset(
    {"dr", "prof", "professor", "mr", "mrs", "ms", "mx", "frau", "herr", "dipl", "ing", "mag", "sir", "madam"}
)
# Everything after one of these is a tagline, not part of the name ("Tom Berg | Growth Hacker").
_TAGLINE = re.compile(r"\s*(?:[|•·/@#]|\s[-–—]\s|,\s).*$")
_SPACE = re.compile(r"\s+")
_NAME_LIMIT = 60
_TEXT_LIMIT = 400


def _keep_name_char(ch: str) -> bool:
    # Letters, combining marks, spaces and the few punctuation marks real names use; emoji and
    # symbols that decorate many profile names are dropped.
    if ch in " .'-’":
        return True
    return unicodedata.category(ch)[0] in ("L", "M")


def clean_name(raw: str | None) -> str | None:
    """A sender's display name reduced to the name itself, on one line, or None when nothing is left."""
    if not raw:
        return None
    text = _SPACE.sub(" ", unicodedata.normalize("NFC", raw)).strip()
    text = _TAGLINE.sub("", text)
    text = "".join(ch for ch in text if _keep_name_char(ch))
    text = _SPACE.sub(" ", text).strip(" .'-’")
    if not any(ch.isalpha() for ch in text):
        return None
    return text[:_NAME_LIMIT].rstrip()


def first_name(name: str | None) -> str | None:
    """The given name from a cleaned name, skipping titles such as "Dr." or "Frau"."""
    if not name:
        return None
    for part in name.split():
        bare = part.strip(".").lower()
        if bare in _TITLES or "." in part.rstrip("."):
            continue
        if len(bare) >= 2 and any(ch.isalpha() for ch in part):
            return part.rstrip(".")
    return None


def clean_block(raw: str | None) -> str | None:
    """The user's own multi-line text (a signature): control characters dropped, at most six lines."""
    if not raw:
        return None
    text = raw.replace("\r\n", "\n").replace("\r", "\n")
    lines = []
    for line in text.split("\n"):
        kept = "".join(ch for ch in line if ch == "\t" or unicodedata.category(ch) != "Cc")
        lines.append(kept.rstrip())
    out = "\n".join(lines).strip("\n")
    if not out.strip():
        return None
    return "\n".join(out.split("\n")[:6])[:_TEXT_LIMIT]


def clean_line(raw: str | None) -> str | None:
    """One line of the user's own text (a URL, a name), or None when empty."""
    if not raw:
        return None
    text = "".join(ch for ch in raw if unicodedata.category(ch) != "Cc")
    text = _SPACE.sub(" ", text).strip()
    return text[:_TEXT_LIMIT] or None
