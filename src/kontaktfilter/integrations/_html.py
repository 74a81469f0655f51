"""HTML to plain text for mail bodies and Mastodon bios: block elements end a line, links are kept."""

from __future__ import annotations

from html import unescape
from html.parser import HTMLParser

_BLOCK_TAGS = frozenset(
    {"p", "div", "br", "tr", "td", "th", "table", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6",
     "section", "article", "header", "footer", "blockquote", "center", "hr"}
)  # fmt: skip
_SKIP_TAGS = frozenset({"style", "script", "head", "title"})


class HtmlText(HTMLParser):
    """HTML to text lines (block elements end a line) and the links with their anchor text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self._parts: list[str] = []
        self._skip = 0
        self._href: str | None = None
        self._anchor: list[str] = []
        self.links: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            self._skip += 1
        elif tag in _BLOCK_TAGS:
            self._parts.append("\n")
        elif tag == "a":
            self._href = unescape(dict(attrs).get("href") or "").strip() or None
            self._anchor = []

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self._skip = max(0, self._skip - 1)
        elif tag in _BLOCK_TAGS:
            self._parts.append("\n")
        elif tag == "a" and self._href is not None:
            self.links.append((self._href, " ".join("".join(self._anchor).split())))
            self._href = None

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        self._parts.append(data)
        if self._href is not None:
            self._anchor.append(data)

    def text(self) -> str:
        lines = (" ".join(line.split()) for line in "".join(self._parts).split("\n"))
        return "\n".join(lines)


def html_to_text(html: str) -> str:
    """Plain text of an HTML fragment (a Mastodon bio, a mail part), one block per line."""
    converter = HtmlText()
    converter.feed(html)
    converter.close()
    return "\n".join(line for line in converter.text().split("\n") if line.strip())


__all__ = ["HtmlText", "html_to_text"]
