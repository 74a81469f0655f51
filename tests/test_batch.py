"""The batch screening path must compute exactly what the per-request path computes.

`analyse_many` and `Vocabulary.batch_matrix` work on a whole batch through token ids; these tests
hold them to `analyse` and `Vocabulary.columns`/`matrix` on every corpus record (plus the golden
file's crossed variants), on generated text, and in the fallbacks they take when the token table is
full or a text holds what the batch tokeniser cannot take.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scripts.make_golden import golden_requests

from kontaktfilter.classify.model import ModelBundle
from kontaktfilter.model import ContactRequest, SenderProfile
from kontaktfilter.signals import Analysis, analyse, analyse_many, detect_all
from kontaktfilter.text import token_ids_many, words
from kontaktfilter.tokens import TOKENS, TokenAttribute, TokenTable


@pytest.fixture(scope="module")
def requests() -> list[ContactRequest]:
    return golden_requests()


def _same(got: Analysis, want: Analysis) -> None:
    assert got == want
    # Dict equality ignores order, but the order of matches decides the order signals fire in.
    assert list(got.note_hits.items()) == list(want.note_hits.items())
    assert list(got.profile_hits.items()) == list(want.profile_hits.items())


def _check_batch(reqs: Sequence[ContactRequest]) -> None:
    batch = analyse_many(reqs)
    assert len(batch.analyses) == len(reqs)
    for req, got in zip(reqs, batch.analyses, strict=True):
        _same(got, analyse(req))


def test_analyse_many_equals_analyse_on_the_corpus(requests: list[ContactRequest]) -> None:
    for i in range(0, len(requests), 500):
        _check_batch(requests[i : i + 500])


def test_batch_matrix_equals_the_per_request_matrix(requests: list[ContactRequest]) -> None:
    vocab = ModelBundle.load().vocab
    reqs = requests[:1500]
    batch = analyse_many(reqs)
    assert batch.note_ids is not None
    fired = [[s.id for s, _ in detect_all(r, a)] for r, a in zip(reqs, batch.analyses, strict=True)]
    got = vocab.batch_matrix(batch, fired)
    want = vocab.matrix(list(map(vocab.columns, batch.analyses, fired)))
    assert got.shape == want.shape
    assert got.dtype == want.dtype
    assert (got != want).nnz == 0
    # Each row's columns ascending and without repeats (the CSR invariants scipy relies on).
    for row in range(0, got.shape[0], 37):
        cols = got.indices[got.indptr[row] : got.indptr[row + 1]]
        assert list(cols) == sorted(set(cols.tolist()))


def _req(note: str | None, headline: str | None = None, title: str | None = None) -> ContactRequest:
    return ContactRequest(id="x", note=note, sender=SenderProfile(headline=headline, job_title=title))


_TRICKY = [
    "",
    "   ",
    "Hallo ΣΟΦΙΑΣ, wir kennen uns",  # capital sigma: its lower case depends on the next character
    "ΟΔΥΣΣΕΥΣ",
    "Σ",
    "a\u2063b",  # the batch tokeniser's own separator inside a note
    "\u2063",
    "İstanbul'da tanıştık, Grüße aus Köln",
    "it’s great to meet you at the Meetup! 🚀🚀🚀",
    "Schöne Grüße – Dein Jörg 😊",
    "Guten Tag Frau Weiß, Ihr Vortrag hat mir gefallen. Sie haben recht.",
    "Hey du, lust auf kaffee? Du bist toll 💕",
    "Q Q QQ q",
    "tab\tand\nnewline\u00a0nbsp\u2003em",
    "ſtraße ﬁnance Ⅻ ½ ²",
]


def test_analyse_many_on_tricky_texts() -> None:
    reqs = [_req(t, headline=h) for t in _TRICKY for h in (None, "Σ Sales Coach | 6-figure Growth", "Ärztin")]
    _check_batch(reqs)
    _check_batch(reqs[::-1])
    _check_batch([_req(None)])
    _check_batch([])


def test_lone_surrogates_take_the_plain_path() -> None:
    # JSON can carry "\ud83d" escapes: the batch tokeniser cannot encode them and must step aside.
    reqs = [_req("hello \ud83d there"), _req("Guten Tag, ich würde gern"), _req(None, "CEO \udc00")]
    assert token_ids_many([r.note or "" for r in reqs], TOKENS) is None
    _check_batch(reqs)


@contextmanager
def _full_table() -> Iterator[None]:
    old = TOKENS.limit
    TOKENS.limit = len(TOKENS)
    try:
        yield
    finally:
        TOKENS.limit = old


def test_a_full_token_table_falls_back_to_the_plain_path(requests: list[ContactRequest]) -> None:
    fresh = [replace(r, note=f"{r.note or ''} zqxneuwort{i}") for i, r in enumerate(requests[:50])]
    with _full_table():
        batch = analyse_many(fresh)
        assert batch.note_ids is None  # a token never seen found the table full
        for req, got in zip(fresh, batch.analyses, strict=True):
            _same(got, analyse(req))
        vocab = ModelBundle.load().vocab
        fired = [[s.id for s, _ in detect_all(r, a)] for r, a in zip(fresh, batch.analyses, strict=True)]
        want = vocab.matrix(list(map(vocab.columns, batch.analyses, fired)))
        assert (vocab.batch_matrix(batch, fired) != want).nnz == 0


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(max_size=60), max_size=12))
def test_token_ids_many_equals_words(texts: list[str]) -> None:
    found = token_ids_many(texts, TOKENS)
    if found is None:  # only when a text holds the separator
        assert any("\u2063" in t for t in texts)
        return
    ids, starts = found
    assert len(starts) == len(texts) + 1
    for i, text in enumerate(texts):
        assert [TOKENS.tokens[j] for j in ids[starts[i] : starts[i + 1]]] == words(text)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.one_of(st.none(), st.text(max_size=80), st.sampled_from(_TRICKY)),
            st.one_of(
                st.none(), st.text(max_size=30), st.sampled_from(["Founder | Growth Coach", "tba", "Ärztin"])
            ),
        ),
        max_size=8,
    )
)
def test_analyse_many_equals_analyse_on_generated_text(pairs: list[tuple[str | None, str | None]]) -> None:
    _check_batch([_req(note, title=title) for note, title in pairs])


def test_token_table_is_bounded_and_attributes_grow_with_it() -> None:
    table = TokenTable(limit=3)
    assert table.ids(["a", "b", "a"]) == [0, 1, 0]
    lengths = TokenAttribute(table, len, np.int32)
    assert lengths.array().tolist() == [1, 1]
    assert table.ids(["ccc"]) == [2]
    assert lengths.array().tolist() == [1, 1, 3]
    assert table.ids(["dd"]) is None  # full: no id for a new token
    assert table.ids(["ccc", "a"]) == [2, 0]  # known tokens still have theirs
    big = TokenTable(limit=5000)
    grow = TokenAttribute(big, len, np.int32)
    big.ids([f"t{i}" for i in range(3000)])
    assert grow.array()[[0, 9, 10, 2999]].tolist() == [2, 2, 3, 5]


def test_threads_screening_new_tokens_at_once_get_consistent_ids(requests: list[ContactRequest]) -> None:
    # The web app screens in a thread pool: batches full of never-seen tokens assign ids and grow
    # the per-id tables concurrently, and every result must still equal the per-request path.
    import sys
    import threading

    old_interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible to provoke interleavings
    errors: list[BaseException] = []

    def work(k: int) -> None:
        try:
            reqs = [
                replace(r, note=f"{r.note or ''} thr{k}wort{i} zusatz{k}x{i % 7}", id=f"t{k}-{i}")
                for i, r in enumerate(requests[k * 40 : k * 40 + 40])
            ]
            for _ in range(3):
                batch = analyse_many(reqs)
                for req, got in zip(reqs, batch.analyses, strict=True):
                    _same(got, analyse(req))
        except BaseException as exc:
            errors.append(exc)

    try:
        threads = [threading.Thread(target=work, args=(k,)) for k in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(old_interval)
    assert not errors, errors[0]
    assert len(set(TOKENS.tokens)) == len(TOKENS.tokens)  # no token got two ids
    assert all(TOKENS.tokens[i] == tok for tok, i in TOKENS.index.items())
