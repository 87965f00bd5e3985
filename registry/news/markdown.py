"""Safe Markdown rendering for article bodies."""
from __future__ import annotations

import bleach
from markdown_it import MarkdownIt
from markupsafe import Markup

# Raw HTML is off in the parser and the output is cleaned again: two fences,
# because articles are written by operators but read by everyone.
_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")
_ALLOWED_TAGS = {"p", "br", "strong", "em", "ul", "ol", "li", "a", "h2", "h3", "h4", "blockquote",
                 "code", "pre", "hr", "table", "thead", "tbody", "tr", "th", "td", "h1", "h5", "h6", "img"}
_ALLOWED_ATTRS = {"a": ["href", "title"], "img": ["src", "alt", "title"]}


def render_markdown(text: str) -> Markup:
    """Markdown to HTML that cannot carry script."""
    html = _md.render(text or "")
    clean = bleach.clean(html, tags=_ALLOWED_TAGS, attributes=_ALLOWED_ATTRS,
                         protocols={"http", "https", "mailto"}, strip=True)
    return Markup(clean)
