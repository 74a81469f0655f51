"""Screening follow requests: the core screens the account as a profile without a note, the account
signals adjust the score, the policy picks an action, and the action maps to authorize, reject or
leave. `FollowRequestRun` stores every request and verdict, and with `apply` calls the server and
records each decision; without it nothing is sent anywhere.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from ...model import Action, Category, ContactRequest
from ...model import Verdict as CoreVerdict
from ...policy import Policy
from ...screener import Screener
from ...signals import Signal, analyse, detect_all
from ...store.engine import Store
from ...store.repository import find_request, record_decision
from ...verdict import score_request
from .._inbox import SOURCE_MASTODON, IncomingRequest, Stored, mark_connected, store_requests
from ..settings import MastodonOp, MastodonSettings
from .account import MastodonAccount
from .client import MastodonClient, MastodonFailure
from .signals import NOT_APPLICABLE, AccountSignal, detect_account

# Decisions this command records start with this; any other decision is the owner's own.
DECISION_PREFIX = "mastodon:"


def _never(*_: object) -> None:
    return None


def _as_core(sig: AccountSignal) -> Signal:
    # score_request reads id, group, weight and reasons; the detector already ran on the account.
    return Signal(sig.id, sig.group, sig.weight, sig.reason_de, sig.reason_en, _never)


# Which fired signals back a harmful category: the note model alone cannot tell a profile without a
# note apart (it was trained on notes), so a category it picks needs a signal that says so.
_EVIDENCE: dict[Category, tuple[frozenset[str], frozenset[str]]] = {
    Category.SCAM: (frozenset({"scam"}), frozenset({"headline_crypto"})),
    Category.SALES_PITCH: (frozenset({"pitch"}), frozenset({"headline_salesy"})),
    Category.ROMANTIC_PRIVATE: (frozenset({"romance"}), frozenset()),
    Category.RECRUITER: (frozenset({"recruiting"}), frozenset()),
}
# Confidence given to a category chosen from signals rather than from the model.
RULE_CONFIDENCE = 0.6


def account_category(
    core: CoreVerdict, fired: Sequence[tuple[Signal, str]], score: int, policy: Policy
) -> tuple[Category, float]:
    """The category of a requesting account: the model's when a signal backs it, else the first
    category a signal backs, else relevant_business for a trusted account and collector_generic
    for the rest (someone following without a known reason)."""
    backed = [
        c for c, (groups, ids) in _EVIDENCE.items()
        if any(s.group in groups or s.id in ids for s, _ in fired)
    ]  # fmt: skip
    if core.category in backed:
        return core.category, core.confidence
    if backed:
        return backed[0], max(core.probabilities.get(backed[0], 0.0), RULE_CONFIDENCE)
    trusted = any(s.group == "trust" and s.weight > 0 for s, _ in fired)
    if trusted and score >= policy.spec.thresholds.accept_min_score:
        return Category.RELEVANT_BUSINESS, max(core.good_probability, RULE_CONFIDENCE)
    return Category.COLLECTOR_GENERIC, max(
        core.probabilities.get(Category.COLLECTOR_GENERIC, 0.0), RULE_CONFIDENCE
    )


def screen_accounts(
    accounts: Sequence[MastodonAccount], screener: Screener, policy: Policy, now: datetime, host: str
) -> list[tuple[ContactRequest, CoreVerdict]]:
    """A verdict per account: the core's probabilities, the score recomputed with the account signals
    (and without note signals), the category from `account_category`, the action from the policy."""
    requests = [a.to_request(public_id(host, a.id), now) for a in accounts]
    # The note model learned from connection notes and reads a missing note as a collector's mark;
    # a follow request never has one, so its share stays out of the score (the signals decide).
    weights = dataclasses.replace(screener.bundle.score, model_weight=0.0)
    core = screener.screen_many(requests)
    out: list[tuple[ContactRequest, CoreVerdict]] = []
    for account, req, v in zip(accounts, requests, core, strict=True):
        fired = [(s, e) for s, e in detect_all(req, analyse(req)) if s.id not in NOT_APPLICABLE]
        fired += [(_as_core(s), e) for s, e in detect_account(account, now)]
        p_good = v.good_probability
        breakdown = score_request(fired, p_good, weights)
        category, confidence = account_category(v, fired, breakdown.score, policy)
        decision = policy.decide(
            category, breakdown.score, confidence, p_good, [s.id for s, _ in fired], False
        )
        out.append(
            (
                req,
                CoreVerdict(
                    request_id=req.id, category=category, confidence=confidence, score=breakdown.score,
                    action=decision.action, lang=v.lang, signals=breakdown.hits, probabilities=v.probabilities,
                    model=v.model, policy_rule=decision.rule,
                ),
            )
        )  # fmt: skip
    return out


def source_key(host: str, account_id: str) -> str:
    """The store key of a follow request: one per requesting account and instance."""
    return f"mastodon:{host}:{account_id}"


def public_id(host: str, account_id: str) -> str:
    """The short id the inbox shows for a follow request."""
    return "ma-" + hashlib.sha256(source_key(host, account_id).encode("utf-8")).hexdigest()[:12]


@dataclass(frozen=True, slots=True)
class Planned:
    """What happens to one follow request and why."""

    account: MastodonAccount
    stored: Stored
    action: Action
    op: MastodonOp
    by_owner: bool


@dataclass
class RunResult:
    """The plan, what was done, and what failed."""

    planned: list[Planned] = field(default_factory=list)
    done: Counter[str] = field(default_factory=Counter)
    lines: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def describe(self, applied: bool) -> str:
        """One summary line."""
        ops = Counter(p.op for p in self.planned)
        counts = ", ".join(f"{ops[o]} {o}" for o in ("authorize", "reject", "leave") if ops[o])
        head = f"{len(self.planned)} follow request(s)" + (f": {counts}" if counts else "")
        if not applied:
            return head + "; dry run, nothing was sent (add --apply to authorize and reject)"
        done = ", ".join(f"{n} {op}d" for op, n in sorted(self.done.items()))
        return head + (f"; done: {done}" if done else "; nothing to do")


class FollowRequestRun:
    """Fetch, screen, store, and (with `apply`) authorize or reject the pending follow requests."""

    def __init__(
        self,
        client: MastodonClient,
        *,
        store: Store,
        screener: Callable[[], Screener],
        policy: Policy,
        settings: MastodonSettings,
        now: Callable[[], datetime],
    ) -> None:
        self.client = client
        self.store = store
        self._screener = screener
        self.policy = policy
        self.settings = settings
        self.now = now

    def run(self, *, apply: bool) -> RunResult:
        """One run; a failed authorize or reject is reported and the others still happen."""
        result = RunResult()
        me = self.client.me
        if me and not me.get("locked", False):
            result.notes.append(
                f"@{me.get('acct', '?')} is not locked: Mastodon accepts followers without asking, "
                "so there are usually no follow requests to screen"
            )
        raw = self.client.follow_requests()
        if not raw:
            result.lines.extend(result.notes)
            return result
        familiar = self.client.familiar_followers([str(a["id"]) for a in raw])
        accounts = [MastodonAccount.from_api(a, familiar.get(str(a["id"]))) for a in raw]
        now = self.now()
        host = self.client.host
        screener = self._screener()
        screened = screen_accounts(accounts, screener, self.policy, now, host)
        items = [
            IncomingRequest(SOURCE_MASTODON, source_key(host, a.id), req.id, req, verdict)
            for a, (req, verdict) in zip(accounts, screened, strict=True)
        ]
        with self.store.session() as s:
            stored = store_requests(s, items, screener=lambda: screener, policy=self.policy, now=now)
        for account, st in zip(accounts, stored, strict=True):
            if st.decision is not None and not (st.decision_note or "").startswith(DECISION_PREFIX):
                # You decided in the inbox (`kontaktfilter decide`): that wins over the recommendation.
                action, by_owner = Action(st.decision), True
            else:
                action, by_owner = st.action or Action.ASK_BACK, False
            op = self.settings.actions[action]
            result.planned.append(Planned(account, st, action, op, by_owner))
        result.lines.extend(result.notes)
        for p in result.planned:
            result.lines.append(self._line(p, apply))
            if apply and p.op != "leave":
                self._apply(p, result)
        return result

    def _line(self, p: Planned, apply: bool) -> str:
        why = "your decision" if p.by_owner else f"{p.stored.category}, score {p.stored.score}"
        verb = p.op if apply else f"would {p.op}"
        if p.op == "leave":
            verb = "left pending for you" if apply else "would leave pending for you"
        return f"@{p.account.acct} ({p.stored.public_id}): {p.action.value} ({why}) -> {verb}"

    def _apply(self, p: Planned, result: RunResult) -> None:
        try:
            if p.op == "authorize":
                self.client.authorize(p.account.id)
            else:
                self.client.reject(p.account.id)
        except MastodonFailure as exc:
            result.problems.append(f"@{p.account.acct}: {exc}")
            return
        result.done[p.op] += 1
        now = self.now()
        with self.store.session() as s:
            req = find_request(s, p.stored.public_id)
            if req is None:
                return
            if not p.by_owner:
                record_decision(s, req, p.action, f"{DECISION_PREFIX} {p.op}d on {self.client.host}", now)
            if p.op == "authorize":
                mark_connected(s, req.id, now)


__all__ = ["FollowRequestRun", "Planned", "RunResult", "public_id", "screen_accounts", "source_key"]
