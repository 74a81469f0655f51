"""Reply drafts for every action and category, German and English, "Sie" or "Du", from Jinja templates."""

from ._text import clean_name, first_name
from .drafts import (
    LANGS,
    Draft,
    Register,
    ReplyError,
    ReplyRenderer,
    ReplySettings,
    detect_register,
    draft_reply,
    user_template_dir,
)

__all__ = [
    "LANGS",
    "Draft",
    "Register",
    "ReplyError",
    "ReplyRenderer",
    "ReplySettings",
    "clean_name",
    "detect_register",
    "draft_reply",
    "first_name",
    "user_template_dir",
]
