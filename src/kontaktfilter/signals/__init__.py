"""Named signals (rspamd-style symbols): each a small detector with a group, a weight and reasons.

Importing this package registers every signal in `REGISTRY`, in a stable order.
"""

from . import collector, context, note, pitch, profile, romance, scam  # noqa: F401  (registration)
from ._registry import GROUP_CAPS, NOTE_LIMITS, REGISTRY, Analysis, Signal, analyse, detect_all

SIGNAL_IDS: tuple[str, ...] = tuple(REGISTRY)

__all__ = [
    "GROUP_CAPS",
    "NOTE_LIMITS",
    "REGISTRY",
    "SIGNAL_IDS",
    "Analysis",
    "Signal",
    "analyse",
    "detect_all",
]
