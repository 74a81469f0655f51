"""Text helpers shared by signals and features: folding, tokens, language, "Du"/"Sie", phrase matching."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

_FOLD = str.maketrans(
    {
        "ä": "a", "ö": "o", "ü": "u", "ß": "ss", "à": "a", "á": "a", "â": "a", "é": "e", "è": "e",
        "ê": "e", "ë": "e", "í": "i", "ì": "i", "ï": "i", "ó": "o", "ò": "o", "ô": "o", "ú": "u",
        "ù": "u", "û": "u", "ç": "c", "ñ": "n", "ł": "l", "ś": "s", "ź": "z", "ż": "z", "ć": "c",
        "ń": "n", "ğ": "g", "ş": "s", "ı": "i", "’": "'", "‘": "'", "ø": "o", "å": "a",
    }
)  # fmt: skip
_WORD = re.compile(r"\w+")
_FOLDED: dict[str, str] = {}


def fold(text: str) -> str:
    """Lower-case and strip accents and umlauts so "Gespräch" and "gesprach" compare equal."""
    low = text.lower()
    return low if low.isascii() else low.translate(_FOLD)


def _fold_token(tok: str) -> str:
    # Tokens repeat a lot across requests; a memo makes folding nearly free.
    out = _FOLDED.get(tok)
    if out is None:
        out = tok.translate(_FOLD)
        if len(_FOLDED) < 500_000:
            _FOLDED[tok] = out
    return out


def words(text: str) -> list[str]:
    """The folded word tokens of a text."""
    low = text.lower()
    if low.isascii():
        return _WORD.findall(low)
    return [t if t.isascii() else _fold_token(t) for t in _WORD.findall(low)]


_DE_WORDS = frozenset(
    [
        "und",
        "ich",
        "sie",
        "du",
        "der",
        "die",
        "das",
        "ist",
        "nicht",
        "ein",
        "eine",
        "einen",
        "mit",
        "auf",
        "fur",
        "zu",
        "von",
        "den",
        "dem",
        "des",
        "wir",
        "ihr",
        "ihnen",
        "mich",
        "mir",
        "dich",
        "dir",
        "dein",
        "deine",
        "ihre",
        "ihren",
        "bei",
        "auch",
        "gerne",
        "gern",
        "uns",
        "hallo",
        "liebe",
        "lieber",
        "guten",
        "tag",
        "grusse",
        "grussen",
        "freundlichen",
        "viele",
        "vielen",
        "dank",
        "danke",
        "wurde",
        "mochte",
        "freuen",
        "freue",
        "kennen",
        "kennengelernt",
        "netzwerk",
        "habe",
        "hast",
        "hat",
        "haben",
        "sind",
        "war",
        "waren",
        "wie",
        "was",
        "wenn",
        "aber",
        "oder",
        "schon",
        "noch",
        "sehr",
        "uber",
        "nach",
        "vernetzen",
        "kontakt",
        "beste",
        "herzliche",
        "herzlichen",
        "moin",
        "servus",
        "gruezi",
        "mfg",
        "lg",
        "vg",
    ]
)
_EN_WORDS = frozenset(
    [
        "and",
        "the",
        "you",
        "your",
        "i",
        "we",
        "is",
        "are",
        "to",
        "of",
        "in",
        "for",
        "with",
        "on",
        "at",
        "it",
        "this",
        "that",
        "be",
        "have",
        "has",
        "was",
        "were",
        "would",
        "like",
        "love",
        "hi",
        "hello",
        "dear",
        "thanks",
        "thank",
        "regards",
        "best",
        "looking",
        "forward",
        "connect",
        "network",
        "my",
        "me",
        "our",
        "from",
        "about",
        "will",
        "can",
        "could",
        "just",
        "happy",
        "glad",
        "met",
        "meet",
        "great",
        "really",
        "see",
        "saw",
        "an",
        "as",
        "by",
        "or",
        "if",
        "so",
        "what",
        "when",
        "how",
        "hey",
        "cheers",
        "kind",
        "sincerely",
    ]
)


def detect_language(tokens: Sequence[str], fallback: str = "en") -> str:
    """German or English, from function words; the fallback decides a tie."""
    return language_vote(tokens) or fallback


def language_vote(tokens: Sequence[str]) -> str | None:
    """German or English by function words, or None on a tie."""
    de = en = 0
    for tok in tokens:
        if tok in _DE_WORDS:
            de += 1
        if tok in _EN_WORDS:
            en += 1
    if de > en:
        return "de"
    if en > de:
        return "en"
    return None


_DU = frozenset({"du", "dich", "dir", "dein", "deine", "deinen", "deinem", "deiner", "deines", "euch", "dus"})
_SIE_CAP = re.compile(r"(?<![.!?:\n]\s)(?<!^)\b(Sie|Ihnen|Ihre?[mnrs]?)\b")


def du_sie(note: str, tokens: Sequence[str]) -> tuple[int, int]:
    """Counts of informal ("Du") and formal ("Sie") address in a German note."""
    du = sum(1 for t in tokens if t in _DU)
    sie = len(_SIE_CAP.findall(note)) if ("Sie" in note or "Ihn" in note or "Ihr" in note) else 0
    if sie == 0 and note.lstrip().startswith(("Sie ", "Ihr ", "Ihre ")) and du == 0:
        sie = 1
    return du, sie


class _Node:
    """A trie node over tokens: exact children, prefix-wildcard children, keys that end here."""

    __slots__ = ("exact", "keys", "prefixes")

    def __init__(self) -> None:
        self.exact: dict[str, _Node] = {}
        self.prefixes: list[tuple[str, _Node]] = []
        self.keys: list[str] = []

    def child(self, token: str) -> _Node:
        if token.endswith("*"):
            stem = token[:-1]
            for have, node in self.prefixes:
                if have == stem:
                    return node
            node = _Node()
            self.prefixes.append((stem, node))
            return node
        return self.exact.setdefault(token, _Node())

    def step(self, token: str) -> list[_Node]:
        nxt = [n for stem, n in self.prefixes if token.startswith(stem)]
        hit = self.exact.get(token)
        if hit is not None:
            nxt.append(hit)
        return nxt


class PhraseMatcher:
    """Matches word sequences with optional prefix wildcards ("abnehm*") over folded tokens.

    A token trie with a memo of each token's first step: matching costs a dictionary look-up or
    two per token, so fifty lexicon signals stay cheaper than a single regular expression.
    """

    _MEMO_LIMIT = 200_000

    def __init__(self, entries: Iterable[tuple[str, str]]) -> None:
        self._root = _Node()
        for key, phrase in entries:
            toks: list[str] = []
            for piece in phrase.split():
                sub = words(piece.rstrip("*"))
                if piece.endswith("*") and sub:
                    sub[-1] += "*"
                toks.extend(sub)
            if not toks:
                raise ValueError(f"empty phrase for {key}")
            node = self._root
            for tok in toks:
                node = node.child(tok)
            if key not in node.keys:
                node.keys.append(key)
        self._memo: dict[str, list[_Node]] = {}

    def _first(self, token: str) -> list[_Node]:
        found = self._memo.get(token)
        if found is None:
            found = self._root.step(token)
            if len(self._memo) < self._MEMO_LIMIT:
                self._memo[token] = found
        return found

    def match(self, tokens: Sequence[str]) -> dict[str, str]:
        """Map each key that matched to the words of its first match."""
        found: dict[str, str] = {}
        memo = self._memo
        n = len(tokens)
        for i, tok in enumerate(tokens):
            frontier = memo.get(tok)
            if frontier is None:
                frontier = self._first(tok)
            if not frontier:
                continue
            depth = 1
            while True:
                for node in frontier:
                    for key in node.keys:
                        if key not in found:
                            found[key] = " ".join(tokens[i : i + depth])
                j = i + depth
                if j >= n:
                    break
                nxt_tok = tokens[j]
                nxt: list[_Node] = []
                for node in frontier:
                    hit = node.exact.get(nxt_tok)
                    if hit is not None:
                        nxt.append(hit)
                    for stem, child in node.prefixes:
                        if nxt_tok.startswith(stem):
                            nxt.append(child)
                if not nxt:
                    break
                frontier = nxt
                depth += 1
        return found
