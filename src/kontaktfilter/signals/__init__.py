"""Named signals (rspamd-style symbols): each a small detector with a group, a weight and reasons.

Importing this package registers every signal in `REGISTRY`, in a stable order.
"""

from . import collector, context, note, pitch, profile, romance, scam  # noqa: F401  (registration)
from ._fast import COVERED as _COVERED
from ._fast import evaluate as _evaluate
from ._registry import (
    GROUP_CAPS,
    NOTE_LIMITS,
    REGISTRY,
    Analysis,
    BatchAnalysis,
    Signal,
    analyse,
    analyse_many,
    detect_all,
    install_fused,
)

install_fused(_evaluate, _COVERED)

SIGNAL_IDS: tuple[str, ...] = tuple(REGISTRY)

__all__ = [
    "GROUP_CAPS",
    "NOTE_LIMITS",
    "REGISTRY",
    "SIGNAL_IDS",
    "Analysis",
    "BatchAnalysis",
    "Signal",
    "analyse",
    "analyse_many",
    "detect_all",
]
