"""Reply drafts: the Jinja template for an action and category, filled only with facts we actually have.

User template directories are layered over the shipped ones like rspamd's local.d, file by file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import platformdirs
from jinja2 import (
    BaseLoader,
    ChoiceLoader,
    FileSystemLoader,
    PackageLoader,
    StrictUndefined,
    TemplateError,
    TemplateNotFound,
)
from jinja2.sandbox import ImmutableSandboxedEnvironment
from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from ..model import Action, Category, ContactRequest, Platform, Verdict
from ..signals import Analysis, analyse
from ._text import clean_block, clean_line, clean_name, first_name

Register = Literal["du", "sie"]
LANGS: tuple[str, ...] = ("de", "en")
SUFFIX = ".txt.j2"

# Who may receive a reply at all: ignoring sends the sender nothing (seed 003), and answering a
# fraudster confirms a live account, so those drafts exist only for users who insist.
_SEND_ADVISED = frozenset({Action.ACCEPT, Action.ASK_BACK, Action.SUGGEST_FOLLOW})
_PLATFORM_NAMES = {Platform.LINKEDIN: "LinkedIn", Platform.XING: "XING", Platform.MASTODON: "Mastodon"}
_FORMAL_EN = frozenset({"mr", "mrs", "ms", "dr", "prof", "professor", "sir", "madam"})
_INFORMAL_EN = frozenset({"hi", "hey", "hiya", "heya", "yo", "howdy", "hej"})
_BLANK_LINES = re.compile(r"\n{3,}")


class ReplyError(ValueError):
    """A draft that cannot be produced: unknown template, broken override, or bad settings."""


class ReplySettings(BaseModel):
    """What the user sets once: register and language preference, own name, signature, links, layers."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    address: Literal["auto", "du", "sie"] = "auto"
    lang: Literal["auto", "de", "en"] = "auto"
    name: str | None = None
    signature: str | None = None
    policy_url: str | None = None
    profile_url: str | None = None
    template_dirs: tuple[Path, ...] = ()

    @classmethod
    def from_env(cls, **overrides: Any) -> ReplySettings:
        """Settings from `KONTAKTFILTER_REPLY_*` environment variables, then the given overrides."""
        try:
            env = _EnvSettings()
        except ValidationError as exc:
            raise ReplyError(_describe(exc, "KONTAKTFILTER_REPLY_")) from None
        data = env.model_dump()
        data.update({k: v for k, v in overrides.items() if v is not None})
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            raise ReplyError(_describe(exc, "")) from None


# Reading the environment is kept apart from ReplySettings so that code and tests that build settings
# explicitly never pick up a stray variable.
class _EnvSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KONTAKTFILTER_REPLY_", extra="ignore")

    address: Literal["auto", "du", "sie"] = "auto"
    lang: Literal["auto", "de", "en"] = "auto"
    name: str | None = None
    signature: str | None = None
    policy_url: str | None = None
    profile_url: str | None = None
    template_dirs: tuple[Path, ...] = ()


def _describe(exc: ValidationError, prefix: str) -> str:
    parts = []
    for e in exc.errors():
        key = ".".join(str(p) for p in e["loc"])
        parts.append(f"{prefix}{key.upper() if prefix else key}: {e['msg']}")
    return "; ".join(parts)


def user_template_dir() -> Path:
    """The per-user override directory that is layered over the shipped templates when it exists."""
    return platformdirs.user_config_path("kontaktfilter") / "replies"


@dataclass(frozen=True, slots=True)
class Draft:
    """A rendered reply and how it came about."""

    text: str
    template: str
    lang: str
    register: Register
    action: Action
    category: Category
    send_advised: bool


def detect_register(analysis: Analysis) -> Register | None:
    """How the sender addressed the recipient: German Du/Sie counts, or an English greeting's tone."""
    if analysis.lang == "de":
        if analysis.du > analysis.sie:
            return "du"
        if analysis.sie > analysis.du:
            return "sie"
        return None
    head = analysis.tokens[:3]
    if not head:
        return None
    if head[0] == "dear" or any(t in _FORMAL_EN for t in head):
        return "sie"
    if head[0] in _INFORMAL_EN:
        return "du"
    return None


def fallback_register(lang: str) -> Register:
    """The register when neither the sender nor the settings decide: Sie in German, first names in English."""
    return "sie" if lang == "de" else "du"


class ReplyRenderer:
    """Renders drafts from the shipped templates layered with the user's template directories."""

    def __init__(self, settings: ReplySettings | None = None, *, include_user_dir: bool = False) -> None:
        self.settings = settings or ReplySettings()
        layers = list(self.settings.template_dirs)
        if include_user_dir and user_template_dir().is_dir():
            layers.insert(0, user_template_dir())
        for d in layers:
            if not d.is_dir():
                raise ReplyError(f"{d}: template directory not found")
        self.layers: tuple[Path, ...] = tuple(layers)
        # Highest layer first: ChoiceLoader takes the first loader that has the file.
        loaders: list[BaseLoader] = [FileSystemLoader(str(d)) for d in reversed(layers)]
        loaders.append(PackageLoader("kontaktfilter", "resources/replies"))
        self.env = ImmutableSandboxedEnvironment(
            loader=ChoiceLoader(loaders),
            autoescape=False,  # plain text; values are inserted verbatim, never evaluated
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
        )

    def template_names(self) -> list[str]:
        """Every template a draft can use (shipped and overrides), without the layout partials."""
        return sorted(
            n
            for n in self.env.list_templates(extensions=["j2"])
            if n.endswith(SUFFIX) and not Path(n).name.startswith("_")
        )

    def resolve(self, lang: str, action: Action, category: Category) -> str:
        """The most specific template for the case: `<lang>/<action>.<category>`, else `<lang>/<action>`."""
        for name in (f"{lang}/{action.value}.{category.value}{SUFFIX}", f"{lang}/{action.value}{SUFFIX}"):
            try:
                self.env.get_template(name)
            except TemplateNotFound:
                continue
            except TemplateError as exc:
                raise ReplyError(f"{name}: {exc}") from None
            return name
        raise ReplyError(f"no template for {lang}/{action.value} (looked in {self._where()})")

    def _where(self) -> str:
        return ", ".join([*(str(d) for d in self.layers), "the shipped templates"])

    def render_template(self, name: str, context: dict[str, Any]) -> str:
        """Render one template by name with a prepared context, tidying blank lines."""
        try:
            text = self.env.get_template(name).render(context)
        except TemplateNotFound as exc:
            raise ReplyError(f"{name}: template not found (needed: {exc.name})") from None
        except TemplateError as exc:
            raise ReplyError(f"{name}: {exc}") from None
        lines = [line.rstrip() for line in text.strip().split("\n")]
        return _BLANK_LINES.sub("\n\n", "\n".join(lines))

    def context(
        self, request: ContactRequest, *, action: Action, category: Category, lang: str, register: Register
    ) -> dict[str, Any]:
        """The variables every template sees; each is either a fact from the request or the settings, or None."""
        s = self.settings
        name = clean_name(request.sender.name)
        me = clean_line(s.name) or clean_name(request.recipient.name)
        return {
            "lang": lang,
            "register": register,
            "formal": register == "sie",
            "action": action.value,
            "category": category.value,
            "to_name": name,
            "to_first_name": first_name(name),
            "me": me,
            "signature": clean_block(s.signature) or me,
            "platform": _PLATFORM_NAMES.get(request.platform),
            "policy_url": clean_line(s.policy_url),
            "profile_url": clean_line(s.profile_url),
        }

    def draft(
        self,
        request: ContactRequest,
        verdict: Verdict | None = None,
        *,
        action: Action | None = None,
        category: Category | None = None,
        lang: str | None = None,
        register: Register | None = None,
        analysis: Analysis | None = None,
    ) -> Draft:
        """The reply to one request: the verdict's action and category unless given explicitly."""
        act = action or (verdict.action if verdict else None)
        cat = category or (verdict.category if verdict else None)
        if act is None or cat is None:
            raise ReplyError("a draft needs an action and a category (pass a verdict or both explicitly)")
        a = analysis or analyse(request)
        lg = lang or (self.settings.lang if self.settings.lang != "auto" else None)
        lg = lg or (verdict.lang if verdict else a.lang)
        if lg not in LANGS:
            raise ReplyError(f"unknown language {lg!r} (allowed: {', '.join(LANGS)})")
        reg: Register
        if register is not None:
            reg = register
        elif self.settings.address != "auto":
            reg = self.settings.address
        else:
            reg = detect_register(a) or fallback_register(lg)
        name = self.resolve(lg, act, cat)
        ctx = self.context(request, action=act, category=cat, lang=lg, register=reg)
        return Draft(
            text=self.render_template(name, ctx),
            template=name,
            lang=lg,
            register=reg,
            action=act,
            category=cat,
            send_advised=act in _SEND_ADVISED,
        )

    def follow_up(self, to_name: str | None, days: int, *, lang: str, register: Register) -> str:
        """A friendly follow-up to the user's own invitation that has been open for `days` days."""
        if lang not in LANGS:
            raise ReplyError(f"unknown language {lang!r} (allowed: {', '.join(LANGS)})")
        name = clean_name(to_name)
        me = clean_line(self.settings.name)
        ctx = {
            "lang": lang,
            "register": register,
            "formal": register == "sie",
            "action": "follow_up",
            "category": None,
            "to_name": name,
            "to_first_name": first_name(name),
            "me": me,
            "signature": clean_block(self.settings.signature) or me,
            "platform": None,
            "policy_url": clean_line(self.settings.policy_url),
            "profile_url": clean_line(self.settings.profile_url),
            "days": days,
        }
        return self.render_template(f"{lang}/follow_up{SUFFIX}", ctx)


def draft_reply(
    request: ContactRequest,
    verdict: Verdict,
    settings: ReplySettings | None = None,
    *,
    action: Action | None = None,
    lang: str | None = None,
    register: Register | None = None,
) -> Draft:
    """One-shot helper: the draft for a screened request under the given settings."""
    return ReplyRenderer(settings).draft(request, verdict, action=action, lang=lang, register=register)
