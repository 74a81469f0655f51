"""Who is who: people keyed by canonical profile URL, falling back to the name when there is none.

`PersonDirectory` keeps every key in memory for the length of an import, so resolving a row costs a
dictionary look-up and new people are inserted once per batch. A person first seen by name and later
with a URL is re-keyed to the URL, keeping their id; a row without URL joins the only URL-keyed person
of that name, if there is exactly one.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from .bulk import BulkInsert
from .models import Person, table_of

NAME_PREFIX = "name:"
ANON_PREFIX = "anonymous:"


def fold_name(name: str | None) -> str:
    """A name as compared: Unicode-normalised, case-folded, single spaces."""
    if not name:
        return ""
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


def person_key(url: str | None, name: str | None) -> str | None:
    """The key a row would get on its own: its canonical URL, else its folded name, else None."""
    if url:
        return url
    folded = fold_name(name)
    return NAME_PREFIX + folded if folded else None


@dataclass(slots=True)
class _Pending:
    key: str
    name_key: str
    name: str | None
    url: str | None
    id: int | None = None


Resolved = int | _Pending

_INSERT_PEOPLE = BulkInsert(table_of(Person), skip=("id",))


class PersonDirectory:
    """Every person's key and id, loaded once; `resolve_many` finds or creates people for a batch."""

    def __init__(self) -> None:
        self.by_key: dict[str, int] = {}
        self._url_people_by_name: dict[str, list[int]] = {}

    @classmethod
    def load(cls, session: Session) -> PersonDirectory:
        """Read every person's key from the store."""
        d = cls()
        for pid, key, name_key in session.execute(select(Person.id, Person.key, Person.name_key)):
            d._remember(pid, key, name_key)
        return d

    def _remember(self, pid: int, key: str, name_key: str) -> None:
        self.by_key[key] = pid
        if not key.startswith((NAME_PREFIX, ANON_PREFIX)) and name_key:
            self._url_people_by_name.setdefault(name_key, []).append(pid)

    def lookup(self, url: str | None, name: str | None) -> int | None:
        """The id a row resolves to among stored people, without creating or re-keying anyone."""
        nk = fold_name(name)
        if url:
            pid = self.by_key.get(url)
            if pid is None and nk:
                pid = self.by_key.get(NAME_PREFIX + nk)
            return pid
        if not nk:
            return None
        pid = self.by_key.get(NAME_PREFIX + nk)
        if pid is not None:
            return pid
        same = self._url_people_by_name.get(nk, [])
        return same[0] if len(same) == 1 else None

    def resolve_many(
        self, session: Session, rows: Sequence[tuple[str | None, str | None]], now: datetime
    ) -> list[int | None]:
        """Person ids for (canonical URL, name) rows, creating and re-keying as needed (None: no identity)."""
        pending: dict[str, _Pending] = {}
        pending_by_name: dict[str, list[_Pending]] = {}
        rekeys: list[dict[str, object]] = []
        out: list[Resolved | None] = []

        for url, name in rows:
            nk = fold_name(name)
            if url:
                pid = self.by_key.get(url)
                if pid is not None:
                    out.append(pid)
                    continue
                if url in pending:
                    out.append(pending[url])
                    continue
                name_key = NAME_PREFIX + nk
                if nk and name_key in self.by_key:
                    pid = self.by_key.pop(name_key)
                    self._remember(pid, url, nk)
                    rekeys.append({"id": pid, "key": url, "profile_url": url, "updated_at": now})
                    out.append(pid)
                    continue
                if nk and name_key in pending:
                    p = pending.pop(name_key)
                    p.key, p.url = url, url
                    pending[url] = p
                    pending_by_name.setdefault(nk, []).append(p)
                    out.append(p)
                    continue
                p = _Pending(url, nk, name or None, url)
                pending[url] = p
                if nk:
                    pending_by_name.setdefault(nk, []).append(p)
                out.append(p)
                continue
            if not nk:
                out.append(None)
                continue
            name_key = NAME_PREFIX + nk
            found: Resolved | None = self.by_key.get(name_key) or pending.get(name_key)
            if found is None:
                same: list[Resolved] = [*self._url_people_by_name.get(nk, []), *pending_by_name.get(nk, [])]
                if len(same) == 1:
                    found = same[0]
            if found is None:
                found = pending[name_key] = _Pending(name_key, nk, name, None)
            out.append(found)

        if pending:
            new = list(pending.values())
            params = [
                {"key": p.key, "name_key": p.name_key, "name": p.name, "profile_url": p.url} for p in new
            ]
            # Plain executemany and a read-back by key: ordered RETURNING degrades to one statement per
            # row on SQLite.
            _INSERT_PEOPLE.execute(session.connection(), params, {"created_at": now, "updated_at": now})
            ids = dict(
                session.execute(
                    select(Person.key, Person.id).where(Person.key.in_([p.key for p in new]))
                ).all()
            )
            for p in new:
                p.id = ids[p.key]
                self._remember(p.id, p.key, p.name_key)
        if rekeys:
            session.execute(update(Person), rekeys)
        return [r.id if isinstance(r, _Pending) else r for r in out]

    def anonymous(self, session: Session, tag: str, now: datetime) -> int:
        """A person for a request that names no one (no URL, no name), one per request."""
        key = ANON_PREFIX + tag
        pid = self.by_key.get(key)
        if pid is None:
            pid = session.scalars(
                insert(Person).returning(Person.id),
                [{"key": key, "name_key": "", "name": None, "profile_url": None,
                  "created_at": now, "updated_at": now}],
            ).one()  # fmt: skip
            self._remember(pid, key, "")
        return pid


def find_people(session: Session, query: str, canonical: Callable[[str], str | None]) -> list[Person]:
    """People matching a profile URL, a LinkedIn slug, a person key or a name (exact, case-insensitive)."""
    q = query.strip()
    if not q:
        return []
    candidates: list[str] = [q]
    url = canonical(q)
    if url:
        candidates.append(url)
    if "/" not in q and " " not in q:
        slug_url = canonical(f"https://www.linkedin.com/in/{q}")
        if slug_url:
            candidates.append(slug_url)
    by_key = list(session.scalars(select(Person).where(Person.key.in_(candidates))))
    if by_key:
        return by_key
    nk = fold_name(q)
    return list(session.scalars(select(Person).where(Person.name_key == nk).order_by(Person.id)))


__all__ = ["ANON_PREFIX", "NAME_PREFIX", "PersonDirectory", "find_people", "fold_name", "person_key"]
