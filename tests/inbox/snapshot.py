"""A database's content without surrogate ids and wall-clock bookkeeping, for comparing two stores."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from kontaktfilter.store.engine import Store
from kontaktfilter.store.models import (
    Connection,
    Decision,
    ImportRun,
    Message,
    Owner,
    Person,
    PersonalModel,
    Request,
    Verdict,
)


def _j(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def snapshot(store: Store) -> dict[str, Any]:
    """Every table as sorted tuples keyed by natural keys (person key, public id, message key)."""
    with store.session() as s:
        people = {p.id: p.key for p in s.scalars(select(Person))}
        reqs = {r.id: r.public_id for r in s.scalars(select(Request))}
        return {
            "people": sorted((p.key, p.name_key, p.name, p.profile_url) for p in s.scalars(select(Person))),
            "requests": sorted(
                (
                    r.public_id,
                    r.source_key,
                    r.source,
                    people[r.person_id],
                    r.direction,
                    r.platform,
                    r.note,
                    str(r.received_at),
                    r.status,
                    _j(r.payload),
                    r.content_hash,
                )
                for r in s.scalars(select(Request))
            ),
            "verdicts": sorted(
                (
                    reqs[v.request_id],
                    v.category,
                    round(v.confidence, 9),
                    v.score,
                    v.core_action,
                    v.action,
                    v.lang,
                    _j(v.signals),
                    _j(v.probabilities),
                    v.model,
                    v.policy_rule,
                )
                for v in s.scalars(select(Verdict))
            ),
            "decisions": sorted(
                (reqs[d.request_id], d.action, d.recommended, d.correction, d.note, str(d.decided_at))
                for d in s.scalars(select(Decision))
            ),
            "connections": sorted(
                (
                    people[c.person_id],
                    c.first_name,
                    c.last_name,
                    c.email,
                    c.company,
                    c.position,
                    str(c.connected_on),
                    c.content_hash,
                )
                for c in s.scalars(select(Connection))
            ),
            "messages": sorted(
                (
                    m.source_key,
                    people.get(m.person_id) if m.person_id else None,
                    m.conversation_id,
                    m.direction,
                    str(m.sent_at),
                    m.from_name,
                    m.sender_url,
                    m.to_names,
                    _j(m.recipient_urls),
                    m.subject,
                    m.content,
                    m.folder,
                )
                for m in s.scalars(select(Message))
            ),
            "owner": sorted(
                (o.first_name, o.last_name, o.headline, o.summary, o.industry, o.location, o.profile_url)
                for o in s.scalars(select(Owner))
            ),
            "personal_models": sorted(_j(m.params) for m in s.scalars(select(PersonalModel))),
            "import_runs": sorted(
                (r.fingerprint, r.kind, r.status, r.phase, r.position, _j(r.counts))
                for r in s.scalars(select(ImportRun))
            ),
        }
