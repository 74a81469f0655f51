"""The sender coach: lint a draft note with the recipient side's own signals and model."""

from .api import Coach, CoachReport, DraftNote, build_request, coach_note, coach_payload, draft_from_payload
from .config import DEFAULT_LIMITS, Account, CoachConfig
from .findings import CODES, SEVERITY, Finding
from .profile import CoachError, RecipientProfile

__all__ = [
    "CODES",
    "DEFAULT_LIMITS",
    "SEVERITY",
    "Account",
    "Coach",
    "CoachConfig",
    "CoachError",
    "CoachReport",
    "DraftNote",
    "Finding",
    "RecipientProfile",
    "build_request",
    "coach_note",
    "coach_payload",
    "draft_from_payload",
]
