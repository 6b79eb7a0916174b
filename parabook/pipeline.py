"""The build, top to bottom: read -> translations -> pair -> photos -> HTML -> PDF -> impose."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from . import fonts, qa
from .errors import InputError, display_path
from .html import render_html
from .impose import PRINT_INSTRUCTIONS, impose_saddle
from .manuscript import read_book, segments
from .model import Segment, Translation
from .outputs import OUTPUT_NAMES, SPECS, place_photos, suffix
from .pairing import pair
from .pdf import write_pdf
from .shrink import shrink_cid_fonts
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

    @property
    def cache(self) -> Path:
        """Prepared photos and intermediate files; safe to delete."""
        return self.root / ".cache"


@dataclass(frozen=True)
class OutputFile:
    """One PDF a build wrote."""

    name: str
    """`print`, `handout` or `email`."""
    path: Path
    pages: int
    """Pages, or for the handout the A4 sheets (each printed on both sides)."""
    note: str = ""
    """What the user must know about it, e.g. how to print the handout."""


@dataclass(frozen=True)
class BuildResult:
    """What one build produced, for the report the command line prints."""

    outputs: tuple[OutputFile, ...]
    seconds: float
    warnings: tuple[str, ...]


def build_book(project: Project, slug: str, lang: str | None = None, *,
               final: bool = False, outputs: tuple[str, ...] = OUTPUT_NAMES) -> BuildResult:
    """Build `dist/<slug>.<output>.pdf` for each output; check everything before writing.

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
    if final and any(view.photo.source is None for row in document.rows
                     for view in row.figures):
        missing = [w for w in document.warnings if "photo" in w]
        raise InputError("a final booklet needs every photo:\n  " + "\n  ".join(missing),
                         fix="add the photos, or build without --final for a draft")
    warnings = list(document.warnings)
    allowed = [manuscript.folder, project.templates, project.styles, project.cache]
    written: list[OutputFile] = []
    for name in ("print", "email"):
        if name not in outputs and not (name == "print" and "handout" in outputs):
            continue
        spec = SPECS[name]
        placed, photo_warnings = place_photos(document, spec, project.cache / "photos",
                                              final=final,
                                              manuscript_path=manuscript.source_path)
        warnings += [w for w in photo_warnings if w not in warnings]
        html = render_html(placed, project.templates, project.styles / "booklet.css", spec)
        target = project.dist / f"{slug}{suffix(name)}"
        if name not in outputs:  # only the handout wants it: keep it out of dist/
            target = project.cache / f"{slug}{suffix(name)}"
        pages = write_pdf(html, target, base_dir=manuscript.folder, allowed=allowed,
                          pdf_variant=spec.pdf_variant,
                          postprocess=shrink_cid_fonts if spec.shrink_fonts else None)
        if name in outputs:
            written.append(OutputFile(name, target, pages))
        if name == "print" and "handout" in outputs:
            written.append(_handout(project, slug, target, warnings))
    warnings += filter(None, [fonts.subsetter_warning()])
    order = {name: index for index, name in enumerate(OUTPUT_NAMES)}
    written.sort(key=lambda out: order[out.name])
    return BuildResult(tuple(written), time.perf_counter() - started, tuple(warnings))


def _handout(project: Project, slug: str, print_pdf: Path, warnings: list[str]) -> OutputFile:
    output = project.dist / f"{slug}{suffix('handout')}"
    imposed = impose_saddle(print_pdf, output)
    blanks = f" + {imposed.blanks} blank" if imposed.blanks else ""
    return OutputFile("handout", output, imposed.sheets,
                      f"{imposed.pages} pages{blanks} on {imposed.sheets} A4 sheet(s). "
                      f"{PRINT_INSTRUCTIONS}")


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
