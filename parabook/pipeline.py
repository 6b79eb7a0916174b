"""The build, top to bottom: read -> translations -> pair -> HTML -> PDF."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from . import fonts
from .html import render_html
from .manuscript import read_book, segments
from .pairing import pair
from .pdf import write_pdf
from .translations import load_translations


@dataclass(frozen=True)
class Project:
    """Where a project's folders are; the defaults are the repository's own."""

    root: Path

    @property
    def books(self) -> Path:
        return self.root / "book"

    @property
    def translations(self) -> Path:
        return self.root / "translations"

    @property
    def templates(self) -> Path:
        return self.root / "templates"

    @property
    def styles(self) -> Path:
        return self.root / "styles"

    @property
    def dist(self) -> Path:
        return self.root / "dist"


@dataclass(frozen=True)
class BuildResult:
    """What one build produced, for the report the command line prints."""

    output: Path
    pages: int
    seconds: float
    warnings: tuple[str, ...]


def build_book(project: Project, slug: str, lang: str | None = None) -> BuildResult:
    """Build `dist/<slug>.pdf`. Everything is read and checked before anything is written."""
    started = time.perf_counter()
    manuscript = read_book(project.books, slug)
    lang = lang or manuscript.meta.target_langs[0]
    fonts.check()
    translations = load_translations(project.translations, slug, lang, segments(manuscript))
    document = pair(manuscript, lang, translations)
    html = render_html(document, project.templates, project.styles / "booklet.css")
    output = project.dist / f"{slug}.pdf"
    pages = write_pdf(html, output, base_dir=manuscript.folder,
                      allowed=[manuscript.folder, project.templates, project.styles])
    warnings = document.warnings + tuple(filter(None, [fonts.subsetter_warning()]))
    return BuildResult(output, pages, time.perf_counter() - started, warnings)
