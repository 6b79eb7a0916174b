"""The build, top to bottom: read -> translations -> pair -> HTML -> PDF."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from . import fonts, qa
from .errors import InputError, display_path
from .html import render_html
from .manuscript import read_book, segments
from .model import Segment, Translation
from .pairing import pair
from .pdf import write_pdf
from .translations import UpdateReport, load_translations, po_path, update_catalog


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


def build_book(project: Project, slug: str, lang: str | None = None, *,
               final: bool = False) -> BuildResult:
    """Build `dist/<slug>.pdf`. Everything is read and checked before anything is written.

    A draft build (the default) prints unreviewed translations tinted and marked;
    `final` refuses to build until every translation is reviewed and every photo is there.
    """
    started = time.perf_counter()
    manuscript = read_book(project.books, slug)
    lang = lang or manuscript.meta.target_langs[0]
    fonts.check()
    translations = load_translations(project.translations, slug, lang, segments(manuscript))
    if final:
        refuse_unreviewed(po_path(project.translations, slug, lang), translations)
    document = pair(manuscript, lang, translations)
    if final and any(row.photo and row.photo.url is None for row in document.rows):
        missing = [w for w in document.warnings if "photo" in w]
        raise InputError("a final booklet needs every photo:\n  " + "\n  ".join(missing),
                         fix="add the photos, or build without --final for a draft")
    html = render_html(document, project.templates, project.styles / "booklet.css")
    output = project.dist / f"{slug}.pdf"
    pages = write_pdf(html, output, base_dir=manuscript.folder,
                      allowed=[manuscript.folder, project.templates, project.styles])
    warnings = document.warnings + tuple(filter(None, [fonts.subsetter_warning()]))
    return BuildResult(output, pages, time.perf_counter() - started, warnings)


STATE_PHRASES = {"machine": "is a machine draft", "stale": "has a changed source",
                 "unreviewed": "is not reviewed (fuzzy)", "missing": "has no translation"}


def refuse_unreviewed(po: Path, translations: dict[Segment, Translation]) -> None:
    """Stop a final build, naming every segment that is not reviewed, with file:line."""
    lines = []
    for segment, translation in translations.items():
        if translation.state == "reviewed":
            continue
        where = f"{display_path(po)}:{translation.line}" if translation.line else (
            f"{display_path(po)} (no entry yet)")
        lines.append(f"{where}: {segment.where} {STATE_PHRASES[translation.state]}")
    if lines:
        raise InputError(f"{len(lines)} segment(s) are not ready for a final booklet:\n  "
                         + "\n  ".join(lines),
                         fix="review them (clear the fuzzy flag in Poedit), or build "
                             "without --final for a marked draft")


def update_translations(project: Project, slug: str, lang: str | None = None) -> UpdateReport:
    """Bring `translations/<slug>.<lang>.po` in step with the manuscript."""
    manuscript = read_book(project.books, slug)
    lang = lang or manuscript.meta.target_langs[0]
    path = po_path(project.translations, slug, lang)
    return update_catalog(path, segments(manuscript), slug, lang)


def check_translations(project: Project, slug: str, lang: str | None = None) -> qa.CheckReport:
    """Review counts and QA findings for one book and language."""
    manuscript = read_book(project.books, slug)
    lang = lang or manuscript.meta.target_langs[0]
    translations = load_translations(project.translations, slug, lang, segments(manuscript))
    glossary = qa.load_glossary(qa.glossary_path(project.translations,
                                                 manuscript.meta.source_lang, lang))
    return qa.check(slug, lang, po_path(project.translations, slug, lang), translations,
                    glossary)
