"""The networking-policy page (seed 002): a static, accessible HTML page generated from the user's policy.

Every value from a file is escaped by the template engine; links survive only as http(s) or mailto.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from jinja2 import BaseLoader, ChoiceLoader, FileSystemLoader, PackageLoader, StrictUndefined, TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .model import HARSH_ACTIONS, Action, Category, Platform
from .policy import Policy
from .signals import NOTE_LIMITS, REGISTRY

LANGS: tuple[str, ...] = ("de", "en")
ACTION_ORDER: tuple[Action, ...] = (
    Action.ACCEPT,
    Action.ASK_BACK,
    Action.SUGGEST_FOLLOW,
    Action.IGNORE,
    Action.BLOCK_REPORT,
)
_SAFE_HREF = re.compile(r"(?i)^(?:https?://[^\s<>\"']+|mailto:[^\s<>\"'@]+@[^\s<>\"']+)$")
_SEED_NOTE = re.compile(r"\s*\((?:Seed|seed)[^)]*\)")


class PolicyPageError(ValueError):
    """A page that cannot be built: bad page file, unknown language, broken template override."""


class _ContactSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    label: str = Field(min_length=1, max_length=80)
    text: str = Field(min_length=1, max_length=200)
    href: str | None = Field(default=None, max_length=500)


class _PageSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str | None = Field(default=None, max_length=120)
    intro: str | None = Field(default=None, max_length=4000)
    contact: list[_ContactSpec] = Field(default_factory=list, max_length=20)


@dataclass(frozen=True, slots=True)
class Contact:
    """A way to reach the user; `href` is kept only when it is an http(s) or mailto address."""

    label: str
    text: str
    href: str | None = None


@dataclass(frozen=True, slots=True)
class PageConfig:
    """What the page says about the user beyond the policy: their name, an intro, contact options."""

    name: str | None = None
    intro: str | None = None
    contacts: tuple[Contact, ...] = ()

    @classmethod
    def load(cls, path: Path) -> PageConfig:
        """Read a page file (TOML: name, intro, [[contact]] label/text/href); errors name file and key."""
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise PolicyPageError(f"{path}: page file not found") from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise PolicyPageError(f"{path}: not valid TOML: {exc}") from None
        return cls.from_mapping(data, str(path))

    @classmethod
    def from_mapping(cls, data: Any, source: str = "<page>") -> PageConfig:
        """Validate a parsed page mapping."""
        try:
            spec = _PageSpec.model_validate(data)
        except ValidationError as exc:
            problems = [f"{source}: {'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()]
            raise PolicyPageError("\n".join(problems)) from None
        contacts = tuple(Contact(c.label, c.text, safe_href(c.href)) for c in spec.contact)
        return cls(name=spec.name, intro=spec.intro, contacts=contacts)


def safe_href(href: str | None) -> str | None:
    """The link if it is an http(s) or mailto address, else None (no javascript:, data: or relative links)."""
    if not href:
        return None
    href = href.strip()
    return href if _SAFE_HREF.match(href) else None


@dataclass(frozen=True, slots=True)
class RuleView:
    """One rule of the policy in a form a reader understands: conditions and the resulting action."""

    action: str
    categories: tuple[str, ...]
    signals: tuple[str, ...]
    has_note: bool | None
    min_score: int | None
    max_score: int | None


@dataclass(frozen=True, slots=True)
class PageModel:
    """Everything the page template shows, derived from the policy and the page file."""

    lang: str
    name: str | None
    intro: tuple[str, ...]
    by_action: dict[str, tuple[str, ...]]
    rules: tuple[RuleView, ...]
    accept_needs_substance: bool
    guard: bool
    contacts: tuple[Contact, ...]
    limits: dict[str, int]
    updated: str


def _signal_reason(sid: str, lang: str) -> str:
    sig = REGISTRY.get(sid)
    if sig is None:
        return sid
    text = sig.reason_de if lang == "de" else sig.reason_en
    return _SEED_NOTE.sub("", text).rstrip(". ")


def page_model(
    policy: Policy, lang: str, config: PageConfig | None = None, *, today: date | None = None
) -> PageModel:
    """Derive what the page shows from a validated policy (defaults layered with the user's file)."""
    if lang not in LANGS:
        raise PolicyPageError(f"unknown language {lang!r} (allowed: {', '.join(LANGS)})")
    cfg = config or PageConfig()
    spec = policy.spec
    by_action: dict[str, list[str]] = {a.value: [] for a in ACTION_ORDER}
    for cat in Category:
        action = spec.categories.get(cat, Action.ASK_BACK)
        by_action[action.value].append(cat.value)
    disabled = set(spec.disabled_rules)
    rules: list[RuleView] = []
    for rule in [*spec.force, *spec.rules]:
        if rule.name in disabled:
            continue
        cats = tuple(c.value for c in rule.category)
        # A rule that only restates the category default (e.g. "scams are blocked") adds nothing.
        restates = (
            bool(cats)
            and all(spec.categories.get(Category(c)) is rule.action for c in cats)
            and not rule.signal
            and rule.has_note is None
            and rule.min_score is None
            and rule.max_score is None
        )
        if restates:
            continue
        rules.append(
            RuleView(
                action=rule.action.value,
                categories=cats,
                signals=tuple(_signal_reason(s, lang) for s in rule.signal),
                has_note=rule.has_note,
                min_score=rule.min_score,
                max_score=rule.max_score,
            )
        )
    t = spec.thresholds
    intro = tuple(p.strip() for p in re.split(r"\n\s*\n", cfg.intro or "") if p.strip())
    limits = {p.value: n for p, n in NOTE_LIMITS.items() if n is not None and p is not Platform.OTHER}
    return PageModel(
        lang=lang,
        name=cfg.name.strip() if cfg.name and cfg.name.strip() else None,
        intro=intro,
        by_action={k: tuple(v) for k, v in by_action.items()},
        rules=tuple(rules),
        accept_needs_substance=t.accept_min_score > 0,
        guard=t.good_probability_guard < 1.0 and any(a in HARSH_ACTIONS for a in spec.categories.values()),
        contacts=cfg.contacts,
        limits=limits,
        updated=(today or date.today()).isoformat(),
    )


class PolicyPageRenderer:
    """Renders the page from the shipped templates, layered with the user's template directories."""

    def __init__(self, template_dirs: Sequence[Path] = ()) -> None:
        for d in template_dirs:
            if not d.is_dir():
                raise PolicyPageError(f"{d}: template directory not found")
        loaders: list[BaseLoader] = [FileSystemLoader(str(d)) for d in reversed(template_dirs)]
        loaders.append(PackageLoader("kontaktfilter", "resources/policy_page"))
        self.env = ImmutableSandboxedEnvironment(
            loader=ChoiceLoader(loaders),
            autoescape=True,
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )

    def render(self, model: PageModel) -> str:
        """The complete HTML document for one language."""
        name = f"{model.lang}.html.j2"
        try:
            return self.env.get_template(name).render(page=model) + "\n"
        except TemplateError as exc:
            raise PolicyPageError(f"{name}: {exc}") from None


def render_policy_page(
    policy: Policy,
    lang: str = "de",
    config: PageConfig | None = None,
    *,
    today: date | None = None,
    template_dirs: Sequence[Path] = (),
) -> str:
    """The policy page as one HTML document."""
    return PolicyPageRenderer(template_dirs).render(page_model(policy, lang, config, today=today))


def write_policy_page(out_dir: Path, html: str) -> Path:
    """Write the page as `index.html` into `out_dir` (created when missing) and return its path."""
    if out_dir.exists() and not out_dir.is_dir():
        raise PolicyPageError(f"{out_dir}: exists and is not a directory")
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / "index.html"
    target.write_text(html, encoding="utf-8")
    return target
