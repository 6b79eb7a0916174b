"""Render the document model to HTML with Jinja2 (autoescaped, StrictUndefined)."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from .model import Document, OutputSpec

TEMPLATE = "booklet.html.j2"


def environment(templates_dir: Path) -> Environment:
    return Environment(
        loader=FileSystemLoader(templates_dir),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_html(document: Document, templates_dir: Path, stylesheet: Path,
                output: OutputSpec) -> str:
    """The booklet as one HTML string; the stylesheet is linked by `file:` URL."""
    template = environment(templates_dir).get_template(TEMPLATE)
    return template.render(doc=document, output=output,
                           stylesheet_url=stylesheet.resolve().as_uri())
