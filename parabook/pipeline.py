"""The build, top to bottom: read -> translations -> pair -> photos -> HTML -> PDF -> impose."""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from . import fonts, qa
from .errors import InputError, display_path
from .fsutil import write_atomic
from .html import render_html
from .impose import PRINT_INSTRUCTIONS, impose_saddle
from .manuscript import read_book, segments
from .model import Segment, Translation
from .outputs import OUTPUT_NAMES, SPECS, place_photos, suffix
from .pairing import pair
from .pdf import render_pdf
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
    notes: list[str] = []
    if "handout" in outputs and manuscript.meta.page_size != "A5":
        outputs = tuple(o for o in outputs if o != "handout")
        notes.append(f"no handout: it folds A5 pages from A4 sheets, and this book is "
                     f"{manuscript.meta.page_size}")
    allowed = [manuscript.folder, project.templates, project.styles]
    photos = project.cache / "photos"
    # Everything is rendered before anything is written, so a failure leaves the
    # previous set of PDFs as it was.
    rendered: dict[str, tuple[bytes, int]] = {}
    for name in ("print", "email"):
        if name not in outputs and not (name == "print" and "handout" in outputs):
            continue
        spec = SPECS[name]
        placed, photo_warnings = place_photos(document, spec, photos, final=final,
                                              manuscript_path=manuscript.source_path)
        warnings += [w for w in photo_warnings if w not in warnings]
        html = render_html(placed, project.templates, project.styles / "booklet.css", spec)
        rendered[name] = render_pdf(
            html, base_dir=manuscript.folder, allowed=allowed, photos=photos,
            pdf_variant=spec.pdf_variant,
            postprocess=shrink_cid_fonts if spec.shrink_fonts else None)
    handout = _handout(project, slug, rendered["print"][0]) if "handout" in outputs else None

    written: list[OutputFile] = []
    for name in OUTPUT_NAMES:
        if name not in outputs:
            continue
        target = project.dist / f"{slug}{suffix(name)}"
        if name == "handout":
            assert handout is not None
            data, pages, note = handout
        else:
            (data, pages), note = rendered[name], ""
        write_atomic(target, data)
        written.append(OutputFile(name, target, pages, note))
    warnings += filter(None, [fonts.subsetter_warning()])
    how = ("chosen from the measured lengths of the two texts; set source_share in "
           "book.yaml to override" if document.split_measured else "source_share in book.yaml")
    notes.insert(0, f"columns: Chinese {document.source_share:.0%} of the text width, "
                    f"translation {1 - document.source_share:.0%} ({how})")
    return BuildResult(tuple(written), time.perf_counter() - started, tuple(warnings),
                       tuple(notes))


def _handout(project: Project, slug: str, print_pdf: bytes) -> tuple[bytes, int, str]:
    """The print PDF imposed for an office printer: (bytes, sheets, how to print it)."""
    work = project.cache / "handout"
    work.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=work) as folder:
        booklet, output = Path(folder) / f"{slug}.print.pdf", Path(folder) / "imposed.pdf"
        booklet.write_bytes(print_pdf)
        imposed = impose_saddle(booklet, output)
        data = output.read_bytes()
    blanks = f" + {imposed.blanks} blank" if imposed.blanks else ""
    return data, imposed.sheets, (f"{imposed.pages} pages{blanks} on {imposed.sheets} A4 "
                                  f"sheet(s). {PRINT_INSTRUCTIONS}")


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
