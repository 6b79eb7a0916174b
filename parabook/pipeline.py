"""The build, top to bottom: read -> translations -> pair -> photos -> HTML -> PDF -> impose."""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from . import fonts, qa
from .errors import InputError, display_path
from .html import render_html
from .impose import PRINT_INSTRUCTIONS, impose_saddle
from .manuscript import read_book, segments
from .model import Document, Manuscript, Segment, Translation
from .outputs import OUTPUT_NAMES, SPECS, photo_swaps, place_photos, suffix
from .pairing import pair
from .pdf import PdfWrite, render_pdfs
from .photos import prune_cache
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
    notes: tuple[str, ...] = ()
    """Decisions the build made that a person may want to know, e.g. the column split."""


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
    warnings = list(filter(None, [fonts.subsetter_warning()]))  # first: it explains a slow build
    translations = load_translations(project.translations, slug, lang, segments(manuscript))
    if final:
        refuse_unreviewed(po_path(project.translations, slug, lang), translations)
    document = pair(manuscript, lang, translations)
    if final and any(view.photo.source is None for row in document.rows
                     for view in row.figures):
        missing = [w for w in document.warnings if "photo" in w]
        raise InputError("a final booklet needs every photo:\n  " + "\n  ".join(missing),
                         fix="add the photos, or build without --final for a draft")
    warnings += document.warnings
    notes: list[str] = []
    if "handout" in outputs and manuscript.meta.page_size != "A5":
        outputs = tuple(o for o in outputs if o != "handout")
        notes.append(f"no handout: it folds A5 pages from A4 sheets, and this book is "
                     f"{manuscript.meta.page_size}")
    # Everything is rendered before anything replaces an output, so a failure leaves
    # the previous set of PDFs as it was. The PDFs are written to hidden files in
    # dist/ first (a long book's are hundreds of MB), renamed once all are there.
    written: list[OutputFile] = []
    with _staged(project.dist, slug, outputs) as staged:
        pages = _render(project, manuscript, document, outputs, final, warnings, staged)
        notes_by_output = {}
        if "handout" in outputs:
            imposed = impose_saddle(staged["print"], staged["handout"])
            blanks = f" + {imposed.blanks} blank" if imposed.blanks else ""
            pages["handout"] = imposed.sheets
            notes_by_output["handout"] = (f"{imposed.pages} pages{blanks} on {imposed.sheets} "
                                          f"A4 sheet(s). {PRINT_INSTRUCTIONS}")
        for name in OUTPUT_NAMES:
            if name in outputs:
                written.append(OutputFile(name, project.dist / f"{slug}{suffix(name)}",
                                          pages[name], notes_by_output.get(name, "")))
    how = ("chosen from the measured lengths of the two texts; set source_share in "
           "book.yaml to override" if document.split_measured else "source_share in book.yaml")
    notes.insert(0, f"columns: Chinese {document.source_share:.0%} of the text width, "
                    f"translation {1 - document.source_share:.0%} ({how})")
    _prune(project)
    return BuildResult(tuple(written), time.perf_counter() - started, tuple(warnings),
                       tuple(notes))


PHOTO_CACHE_BYTES = 2 << 30
"""Prepared photos kept in `.cache/photos` (least recently used go first): a 100-photo
book needs about 200 MB, so a few books fit."""
FONT_CACHE_BYTES = 64 << 20
"""Cut email fonts kept in `.cache/fonts`: a few hundred KB per distinct glyph set."""


@contextmanager
def _staged(dist: Path, slug: str, outputs: tuple[str, ...]) -> Iterator[dict[str, Path]]:
    """Hidden files in `dist` to write the outputs to ({name: path}; print too when only
    the handout is built); renamed over `dist/<slug>.<name>.pdf` when the block ends
    without an error, deleted when it fails."""
    dist.mkdir(parents=True, exist_ok=True)
    names = [n for n in OUTPUT_NAMES if n in outputs or (n == "print" and "handout" in outputs)]
    staged: dict[str, Path] = {}
    try:
        for name in names:
            handle, path = tempfile.mkstemp(prefix=f".{slug}{suffix(name)}.", suffix=".tmp",
                                            dir=dist)
            os.close(handle)
            staged[name] = Path(path)
        yield staged
        mode = 0o666 & ~_umask()
        for name in outputs:
            with staged[name].open("rb+") as handle:  # on disk before it is renamed
                os.fsync(handle.fileno())
            staged[name].chmod(mode)  # mkstemp makes it private; outputs are shared
        for name in outputs:
            os.replace(staged.pop(name), dist / f"{slug}{suffix(name)}")
    finally:
        for path in staged.values():
            path.unlink(missing_ok=True)


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def _render(project: Project, manuscript: Manuscript, document: Document,
            outputs: tuple[str, ...], final: bool, warnings: list[str],
            staged: dict[str, Path]) -> dict[str, int]:
    """Write the print and email PDFs the outputs need to their `staged` files, from one
    layout; return their page counts.

    The layout is the print's when it is built (bleed, crop marks, full-resolution
    photos), and the email is written from it without the bleed and with its own
    photos (`pdf.render_pdfs`). Adds the photos' warnings to `warnings`.
    """
    names = [name for name in ("print", "email")
             if name in outputs or (name == "print" and "handout" in outputs)]
    photos = project.cache / "photos"
    placed: dict[str, Document] = {}
    for name in names:
        placed[name], photo_warnings = place_photos(
            document, SPECS[name], photos, final=final, manuscript_path=manuscript.source_path)
        warnings += [w for w in photo_warnings if w not in warnings]
    allowed = [manuscript.folder, project.templates, project.styles]
    fonts_cache = project.cache / "fonts"
    pages: dict[str, int] = {}
    while names:
        layout = SPECS[names[0]]
        writes = []
        for name in list(names):
            spec = SPECS[name]
            swaps = photo_swaps(placed[layout.name], placed[name])
            if swaps is None or spec.bleed_mm not in (0, layout.bleed_mm):
                continue  # laid out on its own, in the next round
            writes.append(PdfWrite(
                name, bleed=spec.bleed_mm > 0, photos=swaps, pdf_variant=spec.pdf_variant,
                postprocess=partial(shrink_cid_fonts, cache=fonts_cache)
                if spec.shrink_fonts else None, target=staged[name]))
            names.remove(name)
        html = render_html(placed[layout.name], project.templates,
                           project.styles / "booklet.css", layout)
        done = render_pdfs(html, writes, base_dir=manuscript.folder, allowed=allowed,
                           photos=photos)
        pages.update({name: count for name, (_, count) in done.items()})
    return pages


def _prune(project: Project) -> None:
    """Keep the caches from growing without end; what this build used stays."""
    prune_cache(project.cache / "photos", PHOTO_CACHE_BYTES)
    prune_cache(project.cache / "fonts", FONT_CACHE_BYTES)


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
