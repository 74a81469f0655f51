"""Text helpers shared by signals and features: folding, tokens, language, "Du"/"Sie", phrase matching."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from itertools import chain, compress
from typing import Any

import numpy as np

from .tokens import TokenAttribute, TokenObjects, TokenTable

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
_FOLDED_LIMIT = 500_000

# `words` splits ASCII text without the regular expression: every ASCII character that `\w` does
# not match becomes a space and `str.split` cuts there. That gives exactly the regex's tokens,
# because `\w` means "alphanumeric or underscore" and no whitespace character is either, and it
# is about a third faster than `findall` on the short texts the screener reads.
_ASCII_NONWORD = "".join(chr(i) for i in range(128) if not (chr(i).isalnum() or chr(i) == "_"))
_ASCII_SPLIT = str.maketrans(_ASCII_NONWORD, " " * len(_ASCII_NONWORD))
# The same table over UTF-8 bytes: bytes of multi-byte characters (>= 0x80) pass unchanged, and no
# ASCII byte occurs inside a multi-byte character, so cutting at these spaces never splits one.
_BYTES_SPLIT = bytes(32 if chr(i) in _ASCII_NONWORD else i for i in range(256))
# Non-ASCII pieces between ASCII separators ("grüße", "🚀🚀", "„hallo") -> their folded tokens.
_PIECES: dict[str, tuple[str, ...]] = {}
_PIECES_LIMIT = 200_000


def fold(text: str) -> str:
    """Lower-case and strip accents and umlauts so "Gespräch" and "gesprach" compare equal."""
    low = text.lower()
    return low if low.isascii() else low.translate(_FOLD)


def _fold_token(tok: str) -> str:
    # Tokens repeat a lot across requests; a memo makes folding nearly free.
    out = _FOLDED.get(tok)
    if out is None:
        out = tok.translate(_FOLD)
        if len(_FOLDED) < _FOLDED_LIMIT:
            _FOLDED[tok] = out
    return out


def _piece_tokens(piece: str) -> tuple[str, ...]:
    out = _PIECES.get(piece)
    if out is None:
        out = tuple(t if t.isascii() else _fold_token(t) for t in _WORD.findall(piece))
        if len(_PIECES) < _PIECES_LIMIT:
            _PIECES[piece] = out
    return out


def words(text: str) -> list[str]:
    """The folded word tokens of a text (the word-character runs of its lower-case form, folded)."""
    low = text.lower()
    if low.isascii():
        return low.translate(_ASCII_SPLIT).split()
    try:
        spaced = low.encode("utf-8").translate(_BYTES_SPLIT).decode("utf-8")
    except UnicodeEncodeError:  # lone surrogates: rare enough for the plain way
        return [t if t.isascii() else _fold_token(t) for t in _WORD.findall(low)]
    # `str.split` also cuts at non-ASCII whitespace, which `\w` never matches either; a non-ASCII
    # piece may still hold other non-word characters (emoji, typographic quotes), so it is split
    # by the regex, once per distinct piece.
    out: list[str] = []
    for piece in spaced.split():
        if piece.isascii():
            out.append(piece)
        else:
            out.extend(_piece_tokens(piece))
    return out


# `token_ids_many` joins a batch's texts with this separator. It is not a word character, so never
# part of a token, nor whitespace, so `split` keeps it as a piece of its own; a text holding it
# takes the per-text path.
_SEPARATOR = "\u2063"  # INVISIBLE SEPARATOR
_JOIN = f" {_SEPARATOR} "
_PIECE_MEMO_LIMIT = 200_000


def token_ids_many(texts: Sequence[str], table: TokenTable) -> tuple[np.ndarray, np.ndarray] | None:
    """The ids in `table` of `words(t)` for every text, all in one list, and where each text's run
    starts: text i's ids are `ids[starts[i]:starts[i + 1]]` (`starts` has one more entry).

    The batch is tokenised as one string: lower-cased, cut at ASCII non-word characters, and each
    piece looked up in a memo of its token ids, in C-level passes instead of several Python calls
    per text. That gives `words` exactly, text by text: `str.lower` maps character by character
    except the capital sigma at a word's end, whose context the separator's surrounding spaces end
    just as a text's end does, and no token spans a separator. None if a text holds the separator
    or a lone surrogate, or the table is full: then use `words` per text.
    """
    joined = _JOIN.join(texts)
    if joined.count(_SEPARATOR) != max(len(texts) - 1, 0):
        return None
    try:
        spaced = joined.lower().encode("utf-8").translate(_BYTES_SPLIT).decode("utf-8")
    except UnicodeEncodeError:
        return None
    pieces = spaced.split()
    memo = table.pieces
    try:
        codes = np.fromiter(map(memo.__getitem__, pieces), np.intp, len(pieces))
    except KeyError:  # a piece seen for the first time
        found = _piece_codes(pieces, table)
        if found is None:
            return None
        codes = found
    special = np.flatnonzero(codes <= _RUN)
    if len(special):
        codes = _expand(codes, special, table.piece_runs)
    # The separator's code marks where each text's run ends.
    ends = np.flatnonzero(codes == _SEPARATOR_CODE)
    starts = np.empty(len(texts) + 1, dtype=np.intp)
    starts[0] = 0
    starts[1:-1] = ends - np.arange(len(ends))
    starts[-1] = len(codes) - len(ends)
    return (codes[codes >= 0] if len(ends) else codes), starts


# A piece's code in `TokenTable.pieces`: its one token's id (>= 0), the separator, or for a piece
# of no or several tokens ("🚀", "it’s") `_RUN - k`, k indexing `TokenTable.piece_runs`.
_SEPARATOR_CODE = -1
_RUN = -2


def _piece_codes(pieces: list[str], table: TokenTable) -> np.ndarray | None:
    with table.lock:  # `piece_runs` and the ids grow together
        return _piece_codes_locked(pieces, table)


def _piece_codes_locked(pieces: list[str], table: TokenTable) -> np.ndarray | None:
    memo = table.pieces
    runs = table.piece_runs
    out = np.empty(len(pieces), dtype=np.intp)
    for k, piece in enumerate(pieces):
        code = memo.get(piece)
        if code is None:
            if piece == _SEPARATOR:
                code = _SEPARATOR_CODE
            else:
                # An ASCII piece is one token already (lower-case word characters only).
                ids = table.ids([piece] if piece.isascii() else list(_piece_tokens(piece)))
                if ids is None:
                    return None
                if len(ids) == 1:
                    code = ids[0]
                else:
                    code = _RUN - len(runs)
                    runs.append(tuple(ids))
            if len(memo) < _PIECE_MEMO_LIMIT:
                memo[piece] = code
        out[k] = code
    return out


def _expand(codes: np.ndarray, special: np.ndarray, runs: list[tuple[int, ...]]) -> np.ndarray:
    """Replace each run code by the ids of its run (none, or several), in place of the code."""
    picked = [runs[_RUN - c] for c in codes[special].tolist()]
    lengths = np.ones(len(codes), dtype=np.intp)
    run_lengths = np.fromiter(map(len, picked), np.intp, len(picked))
    lengths[special] = run_lengths
    out = np.repeat(codes, lengths)  # a run's slots, still holding its code; empty runs vanish
    first_slot = np.cumsum(lengths) - lengths
    within = np.arange(int(run_lengths.sum())) - np.repeat(np.cumsum(run_lengths) - run_lengths, run_lengths)
    out[np.repeat(first_slot[special], run_lengths) + within] = np.fromiter(
        chain.from_iterable(picked), np.intp
    )
    return out


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


def is_german_function_word(token: str) -> bool:
    """Whether a folded token counts as German in `language_vote`."""
    return token in _DE_WORDS


def is_english_function_word(token: str) -> bool:
    """Whether a folded token counts as English in `language_vote`."""
    return token in _EN_WORDS


def is_du_form(token: str) -> bool:
    """Whether a folded token is an informal address ("du", "dich", "euch", ...) for `du_sie`."""
    return token in _DU


def language_vote(tokens: Sequence[str]) -> str | None:
    """German or English by function words, or None on a tie."""
    # Counting through `map` keeps the per-token loop in C.
    de = sum(map(_DE_WORDS.__contains__, tokens))
    en = sum(map(_EN_WORDS.__contains__, tokens))
    if de > en:
        return "de"
    if en > de:
        return "en"
    return None


_DU = frozenset({"du", "dich", "dir", "dein", "deine", "deinen", "deinem", "deiner", "deines", "euch", "dus"})
# The definition of formal address: capitalised "Sie"/"Ihnen"/"Ihr..." that does not open the text
# or a sentence (a sentence-initial "Sie" may just be "they"/"she").
_SIE_CAP = re.compile(r"(?<![.!?:\n]\s)(?<!^)\b(Sie|Ihnen|Ihre?[mnrs]?)\b")
# The same words without the look-behinds and the leading word boundary: a pattern that starts with
# a letter lets the regex engine skip ahead, which makes the scan several times faster; `_count_sie`
# applies the dropped conditions to each match in Python (a match inside a longer word can hide no
# valid match, since no position inside a word is a word boundary).
_SIE_WORD = re.compile(r"(?:Sie|Ihnen|Ihre?[mnrs]?)\b")


def _count_sie(note: str) -> int:
    """`len(_SIE_CAP.findall(note))`, computed faster."""
    n = 0
    for m in _SIE_WORD.finditer(note):
        p = m.start()
        if p == 0:
            continue
        before = note[p - 1]
        if before.isalnum() or before == "_":  # no word boundary (`\w` is alphanumeric or "_")
            continue
        if p >= 2 and before.isspace() and note[p - 2] in ".!?:\n":  # sentence start
            continue
        n += 1
    return n


def du_sie(note: str, tokens: Sequence[str]) -> tuple[int, int]:
    """Counts of informal ("Du") and formal ("Sie") address in a German note."""
    return count_sie(note, sum(map(_DU.__contains__, tokens)))


def count_sie(note: str, du: int) -> tuple[int, int]:
    """`du_sie(note, tokens)` given the number of "Du" forms among the tokens (`is_du_form`)."""
    sie = _count_sie(note) if ("Sie" in note or "Ihn" in note or "Ihr" in note) else 0
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


class _State:
    """A set of trie nodes reached after some tokens (a lazily built DFA state).

    `keys` lists the keys ending at these nodes in frontier order; `trans` memoises the next state
    per following token (None: no phrase continues), so after warm-up a step is one dict look-up.
    """

    __slots__ = ("keys", "leaf", "nodes", "trans")

    def __init__(self, nodes: tuple[_Node, ...]) -> None:
        self.nodes = nodes
        self.keys: tuple[str, ...] = tuple(k for node in nodes for k in node.keys)
        self.leaf = not any(node.exact or node.prefixes for node in nodes)
        self.trans: dict[str, _State | None] = {}


class PhraseMatcher:
    """Matches word sequences with optional prefix wildcards ("abnehm*") over folded tokens.

    A token trie walked as a lazily built DFA: each distinct frontier of trie nodes becomes a
    state with a memo of its successor per token, so matching costs about one dictionary look-up
    per token and step, and fifty lexicon signals stay cheaper than a single regular expression.
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
        self._states: dict[tuple[_Node, ...], _State] = {}
        # First step of a match, per token: the state after it, or None when no phrase starts there.
        self._memo: dict[str, _State | None] = {}
        self._memo_size = 0
        # Per token table (by id): its table and the first steps by token id.
        self._by_id: dict[int, _IdTables] = {}

    def _state(self, nodes: list[_Node]) -> _State | None:
        if not nodes:
            return None
        key = tuple(nodes)
        st = self._states.get(key)
        if st is None:
            st = self._states[key] = _State(key)
        return st

    def _first(self, token: str) -> _State | None:
        # The first step takes prefix children before the exact child (`_Node.step`), later steps
        # the exact child first (`_next`): the order decides which key is recorded first.
        st = self.first_step(token)
        if len(self._memo) < self._MEMO_LIMIT:
            self._memo[token] = st
        return st

    def _next(self, state: _State, token: str) -> _State | None:
        nxt: list[_Node] = []
        for node in state.nodes:
            hit = node.exact.get(token)
            if hit is not None:
                nxt.append(hit)
            for stem, child in node.prefixes:
                if token.startswith(stem):
                    nxt.append(child)
        st = self._state(nxt)
        if self._memo_size < self._MEMO_LIMIT:
            state.trans[token] = st
            self._memo_size += 1
        return st

    def match(self, tokens: Sequence[str]) -> dict[str, str]:
        """Map each key that matched to the words of its first match.

        Matches are found by start position, then by length; keys of one step in trie order.
        """
        memo = self._memo
        # Each token's first step in one C-level pass; `walk` then visits only the positions where
        # some phrase starts.
        try:
            starts = list(map(memo.__getitem__, tokens))
        except KeyError:  # a token seen for the first time
            starts = [memo[t] if t in memo else self._first(t) for t in tokens]
        return self.walk(tokens, starts)

    def first_step(self, token: str) -> _State | None:
        """The state after `token` as a phrase's first token; None when no phrase starts with it.

        Opaque to callers: collect one per token (e.g. per token id) and hand them to `walk`.
        """
        return self._state(self._root.step(token))

    def _tables(self, table: TokenTable) -> _IdTables:
        tables = self._by_id.get(id(table))
        if tables is None or tables.table is not table:
            tables = self._by_id[id(table)] = _IdTables(table, self.first_step)
        return tables

    def first_steps(self, table: TokenTable) -> list[_State | None]:
        """`first_step` of every token in `table`, indexed by token id (grown as the table grows)."""
        return self._tables(table).firsts.values()

    def match_many(
        self, texts: Sequence[Sequence[str]], ids: np.ndarray, bounds: np.ndarray, table: TokenTable
    ) -> list[dict[str, str]]:
        """`[match(tokens) for tokens in texts]`, given all their token ids in `table` one text after
        another (`ids`), text i's run being `bounds[i]:bounds[i + 1]`.

        Most places where a phrase may start are dead ends: a common word ("ich", "the") that only
        begins longer phrases, followed by a word that continues none. Those are ruled out for the
        whole batch at once (each token's kind of first step by id, and whether the pair of it and
        the next token continues, memoised by the pair's ids), so the walk in Python visits only
        starts that record a key or go on, about one in four.
        """
        tables = self._tables(table)
        firsts = tables.firsts.values()
        kinds = tables.kinds.array()[ids]
        alive = kinds == _RECORDS
        maybe = np.flatnonzero(kinds == _GOES_ON)
        if len(maybe):
            # Only a start with a next token in its own text can go on.
            text_end = bounds[np.searchsorted(bounds, maybe, side="right")]
            maybe = maybe[maybe + 1 < text_end]
            pairs = ((ids[maybe] << _PAIR_SHIFT) | ids[maybe + 1]).tolist()
            memo = tables.pairs
            try:
                goes_on = list(map(memo.__getitem__, pairs))
            except KeyError:
                goes_on = [
                    memo[k] if k in memo else tables.pair_goes_on(k, firsts, self._next) for k in pairs
                ]
            alive[maybe[np.array(goes_on, dtype=bool)]] = True
        starts = np.flatnonzero(alive)
        cuts = np.searchsorted(starts, bounds).tolist()
        local = (starts - np.repeat(bounds[:-1], np.diff(cuts))).tolist()
        states = list(map(firsts.__getitem__, ids[starts].tolist()))
        walk = self._walk_from
        out: list[dict[str, str]] = []
        append = out.append
        for i, tokens in enumerate(texts):
            a, b = cuts[i], cuts[i + 1]
            append(walk(tokens, local[a:b], states[a:b]) if a != b else {})
        return out

    def walk(self, tokens: Sequence[str], starts: Sequence[_State | None]) -> dict[str, str]:
        """`match(tokens)`, given each token's `first_step` (None where no phrase starts)."""
        positions = list(compress(range(len(tokens)), starts))
        return self._walk_from(tokens, positions, [starts[i] for i in positions])

    def _walk_from(
        self, tokens: Sequence[str], positions: Sequence[int], states: Sequence[Any]
    ) -> dict[str, str]:
        # `states[k]` is the first step at `positions[k]`; matches are recorded by start position,
        # then by length, keys of one step in trie order.
        found: dict[str, str] = {}
        n = len(tokens)
        for i, state in zip(positions, states, strict=True):
            depth = 1
            while True:
                for key in state.keys:
                    if key not in found:
                        found[key] = tokens[i] if depth == 1 else " ".join(tokens[i : i + depth])
                j = i + depth
                if j >= n or state.leaf:
                    break
                nxt_tok = tokens[j]
                nxt = state.trans.get(nxt_tok, _UNSEEN)
                if nxt is _UNSEEN:
                    nxt = self._next(state, nxt_tok)
                if nxt is None:
                    break
                state = nxt
                depth += 1
        return found


# A token's first step, by kind: no phrase starts with it; it records a key (and may go on); it
# records nothing but may go on with the right next token.
_NO_START, _RECORDS, _GOES_ON = 0, 1, 2
_PAIR_SHIFT = 20  # a pair of token ids packed into one int: first << 20 | next
_PAIR_MEMO_LIMIT = 200_000


def _kind(state: _State | None) -> int:
    if state is None:
        return _NO_START
    if state.keys:
        return _RECORDS
    return _NO_START if state.leaf else _GOES_ON


class _IdTables:
    """One phrase matcher's look-ups by token id in one token table."""

    def __init__(self, table: TokenTable, first_step: Callable[[str], _State | None]) -> None:
        if table.limit > 1 << _PAIR_SHIFT:
            raise ValueError(f"token ids must fit in {_PAIR_SHIFT} bits to be paired")
        self.table = table
        self.firsts: TokenObjects[_State | None] = TokenObjects(table, first_step)
        self.kinds = TokenAttribute(table, lambda tok: _kind(self.firsts.values()[table.index[tok]]), np.int8)
        # (first id << 20 | next id) -> whether a phrase goes on from the first token to the next.
        self.pairs: dict[int, bool] = {}

    def pair_goes_on(
        self,
        pair: int,
        firsts: list[_State | None],
        step: Callable[[_State, str], _State | None],
    ) -> bool:
        state = firsts[pair >> _PAIR_SHIFT]
        assert state is not None
        token = self.table.tokens[pair & ((1 << _PAIR_SHIFT) - 1)]
        nxt = state.trans.get(token, _UNSEEN)
        if nxt is _UNSEEN:
            nxt = step(state, token)
        goes_on = nxt is not None
        if len(self.pairs) < _PAIR_MEMO_LIMIT:
            self.pairs[pair] = goes_on
        return goes_on


# Sentinel for "not memoised yet" (None is a memoised "no match").
_UNSEEN: _State = _State(())
