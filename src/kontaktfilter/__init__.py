"""Kontaktfilter: screens networking contact requests the way a good spam filter screens mail."""

from .contract import ContractError, parse_request, verdict_to_dict
from .model import (
    Action,
    Category,
    ContactRequest,
    Platform,
    RecipientContext,
    SenderProfile,
    SignalHit,
    Verdict,
)
from .policy import Policy, PolicyError

__version__ = "0.1.0"

__all__ = [
    "Action",
    "Category",
    "ContactRequest",
    "ContractError",
    "Platform",
    "Policy",
    "PolicyError",
    "RecipientContext",
    "SenderProfile",
    "SignalHit",
    "Verdict",
    "parse_request",
    "verdict_to_dict",
]


def __getattr__(name: str) -> object:
    # The screener loads numpy and scipy; import it only when asked for.
    if name == "Screener":
        from .screener import Screener

        return Screener
    raise AttributeError(name)
