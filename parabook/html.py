"""Render the document model to HTML with Jinja2 (autoescaped, StrictUndefined)."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from .model import Document, OutputSpec

TEMPLATE = "booklet.html.j2"


# Full-width punctuation whose ink sits on one side of its em square (Simplified
# Chinese forms): closing marks leave the right half blank, opening marks the left.
CLOSING = "，。、；：？！”’）》」』】〕〉"
OPENING = "“‘（《「『【〔〈"


def zh(text: str) -> Markup:
    """Escape Chinese text and compress adjacent punctuation (。” ”， ）。 …).

    In a pair of full-width marks the blank half between them is removed, as
    Chinese typesetting does, with the font's `halt` feature on one of the two.
    """
    out: list[str] = []
    for index, char in enumerate(text):
        after = text[index + 1] if index + 1 < len(text) else ""
        before = text[index - 1] if index else ""
        if (char in CLOSING and after in CLOSING + OPENING and after) or (
                char in OPENING and before in OPENING and before):
            out.append(f'<span class="halt">{escape(char)}</span>')
        else:
            out.append(str(escape(char)))
    return Markup("".join(out))


def environment(templates_dir: Path) -> Environment:
    env = Environment(
        loader=FileSystemLoader(templates_dir),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["zh"] = zh
    return env


def render_html(document: Document, templates_dir: Path, stylesheet: Path,
                output: OutputSpec) -> str:
    """The booklet as one HTML string; the stylesheet is linked by `file:` URL."""
    template = environment(templates_dir).get_template(TEMPLATE)
    return template.render(doc=document, output=output,
                           stylesheet_url=stylesheet.resolve().as_uri())
