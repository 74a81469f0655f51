"""The signal registry: named detectors with a group, a default weight and bilingual reasons."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np

from ..model import ContactRequest, Platform
from ..text import (
    PhraseMatcher,
    count_sie,
    detect_language,
    du_sie,
    fold,
    is_du_form,
    is_english_function_word,
    is_german_function_word,
    language_vote,
    token_ids_many,
    words,
)
from ..tokens import TOKENS, TokenAttribute

Example = str | Mapping[str, Any]
Detector = Callable[[ContactRequest, "Analysis"], str | None]

# Total weight a group may contribute to the score, in either direction (rspamd's max_score).
GROUP_CAPS: dict[str, float] = {
    "note": 3.0,
    "tone": 2.5,
    "pitch": 6.0,
    "romance": 6.0,
    "collector": 4.0,
    "scam": 8.0,
    "recruiting": 3.0,
    "profile": 4.0,
    "trust": 5.0,
    "context": 6.0,
}

# Character limits of a connection note per platform; None where the platform sets none we know.
NOTE_LIMITS: dict[Platform, int | None] = {
    Platform.LINKEDIN: 300,
    Platform.XING: 600,
    Platform.MASTODON: 500,
    Platform.EMAIL: None,
    Platform.OTHER: None,
}


@dataclass(frozen=True, slots=True)
class Signal:
    """One named detector. `detect` returns evidence text when it fires, None when it does not."""

    id: str
    group: str
    weight: float
    reason_de: str
    reason_en: str
    detect: Detector
    hits: tuple[Example, ...] = ()
    misses: tuple[Example, ...] = ()
    phrases: tuple[str, ...] = field(default=(), repr=False)


@dataclass(slots=True)
class Analysis:
    """Everything about a request that several signals read, computed once."""

    note: str
    lower: str
    tokens: list[str]
    lang: str
    du: int
    sie: int
    note_hits: dict[str, str]
    profile_text: str
    profile_tokens: list[str]
    profile_hits: dict[str, str]


REGISTRY: dict[str, Signal] = {}
# Phrase signals fire straight from the lexicon matches; only computed signals run a function.
_PHRASE_SIGNALS: dict[str, dict[str, Signal]] = {"note": {}, "profile": {}}
_COMPUTED: list[Signal] = []
_NOTE_LEXICON: list[tuple[str, str]] = []
_PROFILE_LEXICON: list[tuple[str, str]] = []
_matchers: dict[str, PhraseMatcher] = {}


def _register(sig: Signal) -> Signal:
    if sig.id in REGISTRY:
        raise ValueError(f"signal {sig.id} registered twice")
    if sig.group not in GROUP_CAPS:
        raise ValueError(f"signal {sig.id}: unknown group {sig.group}")
    if not re.fullmatch(r"[a-z][a-z0-9_]*", sig.id):
        raise ValueError(f"signal id {sig.id!r} must be lower snake case")
    REGISTRY[sig.id] = sig
    return sig


def signal(
    id: str,
    group: str,
    weight: float,
    de: str,
    en: str,
    *,
    hits: Sequence[Example] = (),
    misses: Sequence[Example] = (),
) -> Callable[[Detector], Detector]:
    """Register a computed signal (decorator over its detect function)."""

    def wrap(fn: Detector) -> Detector:
        _COMPUTED.append(_register(Signal(id, group, weight, de, en, fn, tuple(hits), tuple(misses))))
        return fn

    return wrap


def lexicon(key: str, phrases: Sequence[str], *, field: str = "note") -> None:
    """Add phrases under a key to the note or profile lexicon (keys starting with "_" are helpers)."""
    target = _NOTE_LEXICON if field == "note" else _PROFILE_LEXICON
    target.extend((key, p) for p in phrases)
    _matchers.clear()


def phrase_signal(
    id: str,
    group: str,
    weight: float,
    de: str,
    en: str,
    phrases: Sequence[str],
    *,
    field: str = "note",
    hits: Sequence[Example] = (),
    misses: Sequence[Example] = (),
) -> None:
    """Register a signal that fires when any of its phrases occurs in the note (or profile)."""
    lexicon(id, phrases, field=field)
    if field == "note":

        def detect(_req: ContactRequest, a: Analysis) -> str | None:
            return a.note_hits.get(id)

    else:

        def detect(_req: ContactRequest, a: Analysis) -> str | None:
            return a.profile_hits.get(id)

    sig = _register(Signal(id, group, weight, de, en, detect, tuple(hits), tuple(misses), tuple(phrases)))
    _PHRASE_SIGNALS["note" if field == "note" else "profile"][id] = sig


def _matcher(kind: str) -> PhraseMatcher:
    m = _matchers.get(kind)
    if m is None:
        m = PhraseMatcher(_NOTE_LEXICON if kind == "note" else _PROFILE_LEXICON)
        _matchers[kind] = m
    return m


def analyse(req: ContactRequest) -> Analysis:
    """Tokenise and match the lexicons once per request."""
    note = (req.note or "").strip()
    tokens = words(note) if note else []
    s = req.sender
    profile_text = " | ".join(x for x in (s.headline, s.job_title, s.company) if x)
    profile_tokens = words(profile_text) if profile_text else []
    lang = language_vote(tokens) if tokens else None
    if lang is None:
        lang = detect_language(profile_tokens, "en") if profile_tokens else "en"
    du, sie = du_sie(note, tokens) if lang == "de" and note else (0, 0)
    return Analysis(
        note=note,
        lower=note.lower(),
        tokens=tokens,
        lang=lang,
        du=du,
        sie=sie,
        note_hits=_matcher("note").match(tokens) if tokens else {},
        profile_text=profile_text,
        profile_tokens=profile_tokens,
        profile_hits=_matcher("profile").match(profile_tokens) if profile_tokens else {},
    )


@dataclass(slots=True)
class BatchAnalysis:
    """`analyse` of each request of a batch, plus the token ids the batch feature path reads.

    `note_ids`/`profile_ids` hold the ids (in `tokens.TOKENS`) of every request's note or profile
    tokens, one request after the other; request i's run is `bounds[i]:bounds[i + 1]`. They are
    None when the token table was full: callers then work from the analyses alone.
    """

    analyses: list[Analysis]
    note_ids: np.ndarray | None = None
    note_bounds: np.ndarray | None = None
    profile_ids: np.ndarray | None = None
    profile_bounds: np.ndarray | None = None


_IS_DE = TokenAttribute(TOKENS, is_german_function_word, np.int32)
_IS_EN = TokenAttribute(TOKENS, is_english_function_word, np.int32)
_IS_DU = TokenAttribute(TOKENS, is_du_form, np.int32)


def _run_sums(values: np.ndarray, bounds: np.ndarray) -> np.ndarray:
    """The sum of `values` over each request's run (exact: small integers)."""
    totals = np.zeros(len(values) + 1, dtype=np.int64)
    np.cumsum(values, out=totals[1:])
    out: np.ndarray = totals[bounds[1:]] - totals[bounds[:-1]]
    return out


def analyse_many(requests: Sequence[ContactRequest]) -> BatchAnalysis:
    """`[analyse(r) for r in requests]`, worked out for the whole batch at once.

    The batch's notes and profiles are tokenised together into token ids (`text.token_ids_many`);
    everything per token after that (function-word and "Du" counts, where a phrase may start) is a
    look-up by token id over the whole batch, in NumPy or one C-level `map`, instead of a few Python
    calls per request and token. Only the phrase walks and the "Sie" count stay per request. The
    result equals `analyse`'s, field by field (tests/test_batch.py checks it).
    """
    n = len(requests)
    notes = [(r.note or "").strip() for r in requests]
    senders = [r.sender for r in requests]
    profile_texts = [" | ".join(filter(None, (s.headline, s.job_title, s.company))) for s in senders]
    found = token_ids_many(notes + profile_texts, TOKENS)
    if found is None:
        return BatchAnalysis(list(map(analyse, requests)))
    ids, starts = found
    note_bounds = starts[: n + 1]
    profile_bounds = starts[n:] - starts[n]
    note_ids = ids[: starts[n]]
    profile_ids = ids[starts[n] :]
    de_table, en_table = _IS_DE.array(), _IS_EN.array()
    de = _run_sums(de_table[note_ids], note_bounds)
    en = _run_sums(en_table[note_ids], note_bounds)
    pde = _run_sums(de_table[profile_ids], profile_bounds)
    pen = _run_sums(en_table[profile_ids], profile_bounds)
    # `analyse`: the note's vote, on a tie the profile's, on a tie English.
    german = ((de > en) | ((de == en) & (pde > pen))).tolist()
    du_counts = _run_sums(_IS_DU.array()[note_ids], note_bounds).tolist()
    all_tokens = list(map(TOKENS.tokens.__getitem__, ids.tolist()))
    bounds = starts.tolist()
    note_tokens = [all_tokens[bounds[i] : bounds[i + 1]] for i in range(n)]
    profile_tokens = [all_tokens[bounds[i] : bounds[i + 1]] for i in range(n, 2 * n)]
    note_hits = (_matchers.get("note") or _matcher("note")).match_many(
        note_tokens, note_ids, note_bounds, TOKENS
    )
    profile_hits = (_matchers.get("profile") or _matcher("profile")).match_many(
        profile_tokens, profile_ids, profile_bounds, TOKENS
    )
    analyses: list[Analysis] = []
    append = analyses.append
    for i, note in enumerate(notes):
        if german[i]:
            lang = "de"
            du, sie = count_sie(note, du_counts[i]) if note else (0, 0)
        else:
            lang = "en"
            du = sie = 0
        append(
            Analysis(
                note,
                note.lower(),
                note_tokens[i],
                lang,
                du,
                sie,
                note_hits[i],
                profile_texts[i],
                profile_tokens[i],
                profile_hits[i],
            )
        )
    return BatchAnalysis(analyses, note_ids, note_bounds, profile_ids, profile_bounds)


FusedDetector = Callable[[ContactRequest, Analysis, list[tuple[Signal, str]]], None]
# (evaluator, number of computed signals it covers) once `install_fused` accepted it.
_fused: tuple[FusedDetector, int] | None = None


def install_fused(evaluate: FusedDetector, covered: Sequence[tuple[str, Detector]]) -> bool:
    """Let `detect_all` call one fused evaluator instead of each computed signal's `detect`.

    Accepted only if `covered` lists exactly the registered computed signals, ids and detect
    functions, in registration order; `detect_all` also drops it when more signals register later.
    """
    global _fused
    ok = [(s.id, s.detect) for s in _COMPUTED] == list(covered)
    _fused = (evaluate, len(_COMPUTED)) if ok else None
    return ok


def fused_active() -> bool:
    """Whether `detect_all` currently takes the fused path (a test keeps it from silently lapsing)."""
    return _fused is not None and _fused[1] == len(_COMPUTED)


def detect_all(req: ContactRequest, a: Analysis | None = None) -> list[tuple[Signal, str]]:
    """Every registered signal that fires on the request, with its evidence.

    Order: note phrase signals in match order, profile phrase signals, then computed signals in
    registration order (the score's tie-breaks and the explanation follow it).
    """
    if a is None:
        a = analyse(req)
    table = _PHRASE_SIGNALS["note"]
    fired = [(table[key], ev) for key, ev in a.note_hits.items() if key in table]
    if a.profile_hits:
        table = _PHRASE_SIGNALS["profile"]
        fired.extend([(table[key], ev) for key, ev in a.profile_hits.items() if key in table])
    fused = _fused
    if fused is not None and fused[1] == len(_COMPUTED):
        fused[0](req, a, fired)
        return fired
    for sig in _COMPUTED:
        evidence = sig.detect(req, a)
        if evidence is not None:
            fired.append((sig, evidence))
    return fired


def recipient_terms(req: ContactRequest) -> frozenset[str]:
    """Distinctive words from the recipient's headline and interests (for personalisation checks)."""
    return _terms(req.recipient.headline, req.recipient.interests)


@lru_cache(maxsize=4096)
def _terms(headline: str | None, interests: tuple[str, ...]) -> frozenset[str]:
    parts = [headline or "", *interests]
    return frozenset(t for t in words(" ".join(parts)) if len(t) >= 5 and t not in _STOP_TERMS)


_STOP_TERMS = frozenset(
    [
        "about",
        "with",
        "from",
        "their",
        "there",
        "these",
        "those",
        "where",
        "which",
        "would",
        "could",
        "should",
        "manager",
        "senior",
        "director",
        "member",
        "leiter",
        "leiterin",
        "gmbh",
        "group",
        "grupe",
        "berlin",
        "munchen",
        "hamburg",
        "wien",
        "zurich",
        "always",
        "looking",
        "helping",
        "people",
        "business",
        "unternehmen",
        "bereich",
        "fuhrung",
    ]
)


@lru_cache(maxsize=4096)
def first_name(name: str | None) -> str | None:
    """The first word of a name, folded, when it is a plausible given name."""
    if not name:
        return None
    parts = [p for p in words(name) if p not in {"dr", "prof", "mr", "mrs", "ms", "frau", "herr"}]
    return parts[0] if parts and len(parts[0]) >= 2 else None


@lru_cache(maxsize=4096)
def last_name(name: str | None) -> str | None:
    """The last word of a name, folded."""
    if not name:
        return None
    parts = words(name)
    return parts[-1] if len(parts) >= 2 and len(parts[-1]) >= 2 else None


__all__ = [
    "GROUP_CAPS",
    "NOTE_LIMITS",
    "REGISTRY",
    "Analysis",
    "BatchAnalysis",
    "Signal",
    "analyse",
    "analyse_many",
    "detect_all",
    "fold",
]
