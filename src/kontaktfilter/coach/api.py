"""The sender coach: judge a draft note the way a recipient's Kontaktfilter would, and say what to fix.

A draft becomes the `ContactRequest` the recipient would receive and goes through the same `Screener`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from ..contract import ContractError, parse_request
from ..model import Action, Category, ContactRequest, Platform, RecipientContext, SenderProfile, Verdict
from ..signals import analyse, detect_all
from ._texts import ACTION_SENTENCES
from .config import Account, CoachConfig
from .findings import Finding, FindingInput, find
from .profile import CoachError, RecipientProfile

if TYPE_CHECKING:
    from ..screener import Screener


@dataclass(frozen=True, slots=True)
class DraftNote:
    """A note the user wants to send, with what they know about the recipient and themselves."""

    note: str | None
    recipient: RecipientProfile | None = None
    sender: SenderProfile = field(default_factory=SenderProfile)
    platform: Platform = Platform.LINKEDIN
    account: Account = Account.PREMIUM
    lang: str | None = None


@dataclass(frozen=True, slots=True)
class CoachReport:
    """The coach's judgement of one draft: the filter's verdict and the findings."""

    score: int
    category: Category
    action: Action
    confidence: float
    lang: str
    length: int
    limit: int | None
    findings: tuple[Finding, ...]
    verdict: Verdict

    @property
    def problems(self) -> tuple[Finding, ...]:
        """The findings a recipient's filter would punish (severity "problem")."""
        return tuple(f for f in self.findings if f.severity == "problem")

    @property
    def codes(self) -> tuple[str, ...]:
        """The codes of all findings, in report order."""
        return tuple(f.code for f in self.findings)

    def summary(self) -> str:
        """One sentence: what a recipient's filter would likely do."""
        return ACTION_SENTENCES.get(self.lang, ACTION_SENTENCES["en"])[self.action.value]

    def to_dict(self) -> dict[str, Any]:
        """The documented JSON shape: score, category, action, findings with code, message, suggestion."""
        return {
            "score": self.score,
            "category": self.category.value,
            "action": self.action.value,
            "findings": [
                {"code": f.code, "message": f.message, "suggestion": f.suggestion} for f in self.findings
            ],
        }


def build_request(draft: DraftNote, request_id: str = "coach") -> ContactRequest:
    """The contact request the recipient would receive if the draft were sent."""
    sender = draft.sender
    recipient = draft.recipient
    # The sender sees the mutual contacts on the recipient's profile; the recipient's filter sees the
    # same number on the sender's.
    if recipient is not None and (recipient.mutual_contacts is not None or recipient.mutual_names):
        sender = replace(sender, mutual_contacts=recipient.mutual_count)
    note = draft.note if draft.note and draft.note.strip() else None
    return ContactRequest(
        id=request_id,
        platform=draft.platform,
        note=note,
        sender=sender,
        recipient=recipient.context() if recipient is not None else RecipientContext(),
    )


class Coach:
    """Checks drafts with a screener (the shipped models and default policy unless given)."""

    def __init__(self, screener: Screener | None = None, config: CoachConfig | None = None) -> None:
        if screener is None:
            from ..screener import Screener

            screener = Screener()
        self.screener = screener
        self.config = config or CoachConfig()

    def check(self, draft: DraftNote) -> CoachReport:
        """The report for one draft."""
        return self.check_many([draft])[0]

    def check_many(self, drafts: Sequence[DraftNote]) -> list[CoachReport]:
        """Reports for many drafts, screened as one batch."""
        requests = [build_request(d, f"coach-{i}") for i, d in enumerate(drafts)]
        verdicts = self.screener.screen_many(requests)
        out: list[CoachReport] = []
        for draft, req, verdict in zip(drafts, requests, verdicts, strict=True):
            a = analyse(req)
            fired: dict[str, str] = {}
            for sig, evidence in detect_all(req, a):
                fired.setdefault(sig.id, evidence)
            lang = draft.lang or (a.lang if a.note else "en")
            if lang not in ("de", "en"):
                raise CoachError("lang", f"unknown language {lang!r} (allowed: de, en)")
            limit = self.config.limit_for(draft.platform, draft.account)
            findings = find(
                FindingInput(
                    request=req,
                    analysis=a,
                    fired=fired,
                    verdict=verdict,
                    recipient=draft.recipient,
                    platform=draft.platform,
                    account=draft.account,
                    limit=limit,
                    lang=lang,
                    good_score=self.config.good_score,
                )
            )
            out.append(
                CoachReport(
                    score=verdict.score,
                    category=verdict.category,
                    action=verdict.action,
                    confidence=verdict.confidence,
                    lang=lang,
                    length=len(a.note),
                    limit=limit,
                    findings=tuple(findings),
                    verdict=verdict,
                )
            )
        return out


def _enum(value: Any, kind: type[Platform] | type[Account], field_name: str) -> Any:
    if not isinstance(value, str):
        raise CoachError(field_name, f"expected a string, got {type(value).__name__}")
    try:
        return kind(value.lower())
    except ValueError:
        allowed = "|".join(m.value for m in kind)
        raise CoachError(field_name, f"unknown value {value!r} (allowed: {allowed})") from None


def parse_sender(data: Any, path: str = "from") -> SenderProfile:
    """The sender's own profile from a screen-contract `sender` object."""
    if data is None:
        return SenderProfile()
    try:
        return parse_request({"id": "coach", "sender": data}).sender
    except ContractError as exc:
        raise CoachError(exc.field.replace("sender", path, 1), exc.message) from None


def draft_from_payload(payload: Mapping[str, Any]) -> DraftNote:
    """A draft from the web app's JSON: note, to (recipient profile), from (own profile), platform, account, lang."""
    if not isinstance(payload, Mapping):
        raise CoachError("", f"expected a JSON object, got {type(payload).__name__}")
    unknown = sorted(set(payload) - {"note", "to", "from", "platform", "account", "lang"})
    if unknown:
        raise CoachError(unknown[0], "unknown field (allowed: account, from, lang, note, platform, to)")
    note = payload.get("note")
    if note is not None and not isinstance(note, str):
        raise CoachError("note", f"expected a string or null, got {type(note).__name__}")
    to = payload.get("to")
    lang = payload.get("lang")
    if lang is not None and lang not in ("de", "en"):
        raise CoachError("lang", f"unknown language {lang!r} (allowed: de, en)")
    return DraftNote(
        note=note,
        recipient=RecipientProfile.from_mapping(to, "to.") if to is not None else None,
        sender=parse_sender(payload.get("from")),
        platform=_enum(payload.get("platform", "linkedin"), Platform, "platform"),
        account=_enum(payload.get("account", "premium"), Account, "account"),
        lang=lang,
    )


def coach_payload(payload: Mapping[str, Any], coach: Coach) -> dict[str, Any]:
    """The web app's entry point: JSON in, the documented JSON report out; bad input raises CoachError."""
    return coach.check(draft_from_payload(payload)).to_dict()


def coach_note(
    note: str | None,
    *,
    to: RecipientProfile | None = None,
    sender: SenderProfile | None = None,
    platform: Platform = Platform.LINKEDIN,
    account: Account = Account.PREMIUM,
    lang: str | None = None,
    coach: Coach | None = None,
) -> CoachReport:
    """Check one note; pass a long-lived `coach` to avoid loading the models on every call."""
    c = coach or Coach()
    return c.check(
        DraftNote(
            note=note,
            recipient=to,
            sender=sender or SenderProfile(),
            platform=platform,
            account=account,
            lang=lang,
        )
    )
