"""The one API of parabook: what the command line, watch mode and the review app call.

Each function takes a `Project` and plain values, does one job, and returns a typed
report; none prints, none exits. Problems are raised as `BookError`s that carry the
file, the line and the fix. Defaults come from `project.DEFAULTS`.

    project = Project(Path("."))
    update(project, "chuzhou-2021", "en")           # the PO in step with the manuscript
    check(project, "chuzhou-2021", "en").final      # everything reviewed, QA clean?
    build(project, "chuzhou-2021", outputs=("email",)).outputs[0].path
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import polib

from parabook.catalog import qa, waivers
from parabook.catalog.po import (
    MACHINE_RE,
    Key,
    UpdateReport,
    draft_hash,
    entry_finder,
    entry_state,
    keys,
    load_translations,
    machine_provider,
    read_catalog,
    save_catalog,
    update_catalog,
)
from parabook.catalog.xliff import ReviewImport, export_xliff
from parabook.catalog.xliff import import_review as _import_review
from parabook.errors import InputError
from parabook.infra.fsutil import clear_tmp
from parabook.infra.lock import LockedError, held, lock_path, po_lock
from parabook.model import Figure, Manuscript, Place, Segment, Translation
from parabook.output.outputs import OUTPUT_NAMES
from parabook.pipeline import BuildResult, build_book, check_report
from parabook.project import DEFAULTS, Project
from parabook.source.importer import ImportReport
from parabook.source.importer import import_article as _import_article
from parabook.source.manuscript import read_book, segments

if TYPE_CHECKING:  # requests and deep-translator are imported when a run starts
    from parabook.mt.engine import Progress, Report, Settings
    from parabook.mt.terms import TermsReport
    from parabook.output.excerpt import BookPages, SpreadImage  # PyMuPDF: previews only


@dataclass(frozen=True)
class Imported:
    """What `import_article` wrote."""

    folder: Path
    """The new book's folder, `book/<slug>/`."""
    report: ImportReport
    """Every decision the importer made, for a person to check."""


def import_article(project: Project, file: Path, slug: str, *, force: bool = False,
                   encoding: str | None = None) -> Imported:
    """Turn a Chinese article (text, Word document, saved web page) into `book/<slug>/`."""
    folder, report = _import_article(file, project.books, slug, force=force,
                                     encoding=encoding)
    return Imported(folder, report)


def photos(project: Project, slug: str) -> tuple[list[tuple[Figure, list[str]]], list[str]]:
    """The figures missing a photo (with the files of nearly that name), and the files
    in `photos/` no figure uses."""
    from parabook.compose.pairing import photo_status
    return photo_status(read_book(project.books, project.only_book(slug)))


def parse_outputs(option: str | tuple[str, ...]) -> tuple[str, ...]:
    """`print,email` -> ("print", "email"), each known, none twice."""
    names = option.split(",") if isinstance(option, str) else list(option)
    outputs = tuple(dict.fromkeys(o.strip() for o in names if o.strip()))
    unknown = [o for o in outputs if o not in OUTPUT_NAMES]
    if unknown or not outputs:
        shown = option if isinstance(option, str) else ",".join(option)
        raise InputError(f"--output {shown!r}: " + (
                             f"unknown output {', '.join(unknown)}" if unknown else "no output"),
                         fix=f"choose from {', '.join(OUTPUT_NAMES)}, e.g. --output email")
    return outputs


def build(project: Project, slug: str, lang: str | None = None, *,
          final: bool = DEFAULTS["final"],
          outputs: tuple[str, ...] = DEFAULTS["outputs"]) -> BuildResult:
    """Render `dist/<slug>.<output>.pdf` for each output (`pipeline.build_book`)."""
    return build_book(project, slug, lang, final=final, outputs=parse_outputs(outputs))


def update(project: Project, slug: str, lang: str | None = None) -> UpdateReport:
    """Bring `translations/<slug>.<lang>.po` in step with the manuscript, under its lock."""
    manuscript = read_book(project.books, slug)
    lang = lang or manuscript.meta.target_langs[0]
    po = project.po(slug, lang)
    with po_lock(po):
        return update_catalog(po, segments(manuscript), slug, lang)


def check(project: Project, slug: str, lang: str | None = None) -> qa.CheckReport:
    """Review counts and QA findings for one book and language."""
    manuscript = read_book(project.books, slug)
    return check_report(project, manuscript, lang or manuscript.meta.target_langs[0])


@dataclass(frozen=True)
class SegmentText:
    """One segment of a book beside its translation, as a reviewer sees it."""

    segment: Segment
    translation: Translation


def texts(project: Project, slug: str, lang: str | None = None) -> tuple[SegmentText, ...]:
    """Every segment with its translation and review state, in reading order."""
    manuscript = read_book(project.books, slug)
    lang = lang or manuscript.meta.target_langs[0]
    found = load_translations(project.translations, slug, lang, segments(manuscript))
    return tuple(SegmentText(segment, translation) for segment, translation in found.items())


@dataclass(frozen=True)
class SavedEntry:
    """What `save_entry` wrote."""

    po: Path
    segment: Segment
    translation: Translation
    """The entry as it now reads back: its text, state and line."""


def save_entry(project: Project, slug: str, lang: str, place: Place, text: str, *,
               reviewed: bool) -> SavedEntry:
    """Save a person's translation of the segment at `place`: reviewed (no fuzzy flag)
    or as an unreviewed edit. The PO is brought in step with the manuscript first, so
    the entry exists; the file is written atomically under its lock."""
    with _editing(project, slug, lang, place, text, po_lock) as (segs, index, entry):
        _set_text(entry, text, reviewed)
    found = load_translations(project.translations, slug, lang, segs)
    return SavedEntry(project.po(slug, lang), segs[index], found[segs[index]])


@contextmanager
def _editing(project: Project, slug: str, lang: str, place: Place, text: str,
             lock: Callable[[Path], AbstractContextManager[object]],
             ) -> Iterator[tuple[list[Segment], int, polib.POEntry]]:
    """The PO entry of the segment at `place`, to set to the non-empty `text`: the PO
    brought in step with the manuscript (so the entry exists) under its `lock`, and
    saved atomically when the block ends without an error (nothing written otherwise).
    Yields (segments, the segment's index, entry)."""
    _, segs, index, key = _entry_at(project, slug, lang, place)
    if not text.strip():
        raise InputError(f"{place.describe()}: the translation is empty",
                         fix="type the translation, or leave the entry as it was")
    po = project.po(slug, lang)
    with lock(po):
        update_catalog(po, segs, slug, lang)
        catalog = read_catalog(po)
        entry = entry_finder(catalog)(key)
        if entry is None:  # update_catalog made one for every segment
            raise InputError(f"{place.describe()} has no entry", path=po,
                             fix=f"run: python build.py update {slug} --lang {lang}")
        yield segs, index, entry
        save_catalog(catalog, po)


def _set_text(entry: polib.POEntry, text: str, reviewed: bool) -> None:
    entry.msgstr = text
    if reviewed:
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
        entry.previous_msgid = entry.previous_msgctxt = None
    elif entry_state(entry) == "reviewed":
        entry.flags.append("fuzzy")


@dataclass(frozen=True)
class Exported:
    """What `export` wrote."""

    path: Path
    units: int
    """Translation units in the file."""


def export(project: Project, slug: str, lang: str | None = None, output: Path | None = None,
           ) -> Exported:
    """Write the translations as XLIFF 1.2 for review tools (default `dist/SLUG.LANG.xlf`)."""
    manuscript = read_book(project.books, slug)
    lang = lang or manuscript.meta.target_langs[0]
    po = project.po(slug, lang)
    if not po.exists():
        raise InputError("there is no translation file to export", path=po,
                         fix=f"create it with: python build.py update {slug} --lang {lang}")
    output = output or project.dist / f"{slug}.{lang}.xlf"
    return Exported(output, export_xliff(po, output, manuscript.meta.source_lang))


def import_review(project: Project, file: Path) -> ReviewImport:
    """Read a reviewed XLIFF file back into its PO file; reviewed text is never lowered."""
    return _import_review(file, project.translations)


def translate(project: Project, slug: str, lang: str | None, settings: Settings,
              progress: Progress | None = None) -> Report:
    """Machine-draft the segments `settings.only` allows into the PO, each saved at once
    (`mt.engine.translate_book`); returns its `Report`."""
    from parabook.mt.engine import translate_book  # requests and deep-translator: only here

    return translate_book(project, slug, lang, settings, progress)


def terms(project: Project, slug: str, lang: str | None, settings: Settings) -> TermsReport:
    """Ask a language model for glossary entries the book needs and write them to
    `translations/<slug>.<lang>.terms.tsv` for a person; the glossary is not touched
    (`mt.terms.suggest`)."""
    from parabook.mt.terms import suggest  # httpx: only here

    return suggest(project, slug, lang, settings)


@dataclass(frozen=True)
class Preview:
    """Images of a booklet's pages, built from its email PDF."""

    pdf: Path
    images: tuple[Path, ...]


def preview(project: Project, slug: str, lang: str | None = None, *,
            dpi: int = DEFAULTS["preview_dpi"]) -> tuple[BuildResult, Preview]:
    """Build the email PDF and write PNG images of its spreads to `dist/preview/`."""
    _check_dpi(dpi)
    from parabook.output.preview import render_spreads  # PyMuPDF: only previews need it

    result = build_book(project, slug, lang, outputs=("email",))
    pdf = result.outputs[0].path
    images = render_spreads(pdf, project.dist / "preview", pdf.name.removesuffix(".email.pdf"),
                            dpi)
    return result, Preview(pdf, tuple(images))


def preview_page(project: Project, slug: str, lang: str | None, page: int, *,
                 dpi: int = DEFAULTS["preview_dpi"]) -> bytes:
    """One page (1-based) of the email PDF as it is now, as PNG bytes; builds it first."""
    _check_dpi(dpi)
    from parabook.output.preview import render_page

    pdf = build_book(project, slug, lang, outputs=("email",)).outputs[0].path
    return render_page(pdf, page, dpi)


@dataclass(frozen=True)
class CacheReport:
    """What `.cache/` holds, or held before it was cleared."""

    folder: Path
    bytes: int
    cleared: bool
    memory: Path
    """The translation memory, which is kept apart and never cleared."""


def cache(project: Project, *, clear: bool = False) -> CacheReport:
    """The size of `.cache/` (prepared photos, cut fonts, measured text), and with `clear`
    delete it all; the translation memory is elsewhere and stays."""
    memory = project.translation_memory()
    folder = project.cache.root
    if clear:
        return CacheReport(folder, project.cache.clear(), True, memory)
    size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) \
        if folder.is_dir() else 0
    return CacheReport(folder, size, False, memory)


def _check_dpi(dpi: int) -> None:
    if not 20 <= dpi <= 300:
        raise InputError(f"--dpi {dpi} is outside 20-300", fix="try --dpi 80")


def _entry_at(project: Project, slug: str, lang: str, place: Place,
              ) -> tuple[Manuscript, list[Segment], int, Key]:
    """(manuscript, segments, index, key) of the segment at `place`."""
    manuscript = read_book(project.books, slug)
    segs = segments(manuscript)
    index = next((i for i, s in enumerate(segs) if s.place == place), None)
    if index is None:
        raise InputError(f"{place.describe()} is not in book/{slug}/ any more",
                         fix="reload: the manuscript changed since this page was opened")
    return manuscript, segs, index, keys(segs)[index]


def _findings_of(project: Project, manuscript: Manuscript, segs: list[Segment], index: int,
                 lang: str, text: str, tcomment: str | None,
                 line: int | None) -> tuple[qa.Finding, ...]:
    """The findings of `text` as the translation of `segs[index]`, waivers applied."""
    glossary = qa.glossary_for(project.translations, manuscript.folder,
                               manuscript.meta.source_lang, lang)
    found = load_translations(project.translations, manuscript.meta.slug, lang, segs)
    spelling = qa.book_spelling([t.text or "" for t in found.values()])  # the book's
    segment = segs[index]
    return qa.entry_findings(segment, Translation(text, "reviewed", line), text, tcomment,
                             glossary, lang, skip=manuscript.meta.skip_checks,
                             spelling=spelling)


def findings(project: Project, slug: str, lang: str, place: Place,
             text: str) -> tuple[qa.Finding, ...]:
    """Live QA of the segment at `place` for a candidate translation `text` (not saved):
    each finding with its stable `check` code and, where the entry's waivers accept it for
    exactly this source and text, the reason in `waived`."""
    manuscript, segs, index, key = _entry_at(project, slug, lang, place)
    po = project.po(slug, lang)
    entry = entry_finder(read_catalog(po))(key) if po.exists() else None
    return _findings_of(project, manuscript, segs, index, lang, text,
                        entry.tcomment if entry is not None else None,
                        entry.linenum if entry is not None else None)


def waive(project: Project, slug: str, lang: str, place: Place, check: str,
          reason: str) -> None:
    """Accept the `check` finding of the saved translation at `place`, with `reason`: a
    `qa-accept:` comment on its entry (`catalog.waivers`), saved atomically under the
    PO's lock. Refused when the entry has no such finding now."""
    if not reason.strip():
        raise InputError("a waiver needs a reason", fix="say why the finding is acceptable")
    manuscript, segs, index, key = _entry_at(project, slug, lang, place)
    po = project.po(slug, lang)
    with po_lock(po):
        if not po.exists():
            raise InputError(f"{place.describe()} has no translation to accept", path=po,
                             fix=f"run: python build.py update {slug} --lang {lang}")
        catalog = read_catalog(po)
        entry = entry_finder(catalog)(key)
        if entry is None or not entry.msgstr.strip():
            raise InputError(f"{place.describe()} has no translation to accept", path=po,
                             fix="save a translation first")
        found = _findings_of(project, manuscript, segs, index, lang, entry.msgstr,
                             entry.tcomment, entry.linenum)
        if not any(f.check == check for f in found):
            now = ", ".join(sorted({f.check for f in found})) or "none"
            raise InputError(f"{place.describe()}: no {check!r} finding to accept "
                             f"(its findings now: {now})", path=po, line=entry.linenum,
                             fix="reload the page: the text or the checks changed")
        entry.tcomment = waivers.add(entry.tcomment, check, entry.msgid, entry.msgstr, reason)
        save_catalog(catalog, po)


# The review app (`parabook.review`): each entry with what a reviewer needs beside it,
# and a save that is refused when the entry changed on disk since the page was loaded.

REVIEW_LOCK_WAIT = 5.0
"""Seconds a save from the review app waits for another writer's PO lock."""


@dataclass(frozen=True)
class ReviewEntry:
    """One segment as the review app shows it."""

    segment: Segment
    translation: Translation
    provider: str | None
    """The machine-draft provider of an untouched draft (state `machine`)."""
    previous: str | None
    """A stale entry's old Chinese (`#| msgid`), for the character diff."""
    version: str
    """A token of the entry as it is on disk; a save naming another is refused."""


class EntryConflict(InputError):
    """The entry changed on disk since the reviewer loaded it: nothing was written."""

    def __init__(self, place: Place, po: Path, theirs: ReviewEntry) -> None:
        super().__init__(f"{place.describe()} was changed in {po.name} since this page was "
                         "loaded (by Poedit, translate or another tab)", path=po,
                         line=theirs.translation.line,
                         fix="compare both versions, then save yours again or keep theirs")
        self.theirs = theirs


def _version(entry: polib.POEntry | None) -> str:
    if entry is None:
        return draft_hash("")
    parts = (entry.msgstr, ",".join(sorted(entry.flags)), entry.tcomment or "",
             entry.previous_msgid or "")
    return draft_hash("\x00".join(parts))


def review_entries(project: Project, slug: str, lang: str | None = None,
                   ) -> tuple[ReviewEntry, ...]:
    """Every segment in reading order with its translation, state, draft provider, old
    Chinese (stale) and version token."""
    manuscript = read_book(project.books, slug)
    lang = lang or manuscript.meta.target_langs[0]
    segs = segments(manuscript)
    found = load_translations(project.translations, slug, lang, segs)
    po = project.po(slug, lang)
    find = entry_finder(read_catalog(po)) if po.exists() else (lambda key: None)
    out = []
    for segment, key in zip(segs, keys(segs), strict=True):
        entry = find(key)
        translation = found[segment]
        provider = machine_provider(entry) if entry is not None else None
        previous = entry.previous_msgid if entry is not None else None
        out.append(ReviewEntry(segment, translation,
                               provider if translation.state == "machine" else None,
                               previous if translation.state == "stale" else None,
                               _version(entry)))
    return tuple(out)


def save_reviewed(project: Project, slug: str, lang: str, place: Place, text: str, *,
                  reviewed: bool, version: str) -> ReviewEntry:
    """`save_entry` for the review app: refused with `EntryConflict` unless the entry on
    disk is still the `version` the reviewer loaded; waits briefly for the PO lock.
    Approving (`reviewed`) also drops the machine-draft comment."""
    with _editing(project, slug, lang, place, text, _po_lock_waiting) as (_, _, entry):
        if _version(entry) != version:
            raise EntryConflict(place, project.po(slug, lang),
                                _entry_of(project, slug, lang, place))
        _set_text(entry, text, reviewed)
        if reviewed and entry.tcomment:
            kept = [line for line in entry.tcomment.split("\n")
                    if not MACHINE_RE.fullmatch(line)]
            entry.tcomment = "\n".join(kept)
    return _entry_of(project, slug, lang, place)


def _entry_of(project: Project, slug: str, lang: str, place: Place) -> ReviewEntry:
    return next(e for e in review_entries(project, slug, lang) if e.segment.place == place)


@contextmanager
def _po_lock_waiting(po: Path) -> Iterator[None]:
    """The PO's lock as `po_lock` takes it, but waiting up to REVIEW_LOCK_WAIT seconds
    for a command that holds it (a reviewer should not see a save fail for a moment's
    `update`)."""
    po.parent.mkdir(parents=True, exist_ok=True)
    busy = LockedError(f"another parabook command is writing {po.name} right now",
                       path=po, fix="wait for it to finish, then save again")
    with held(lock_path(po.resolve()), REVIEW_LOCK_WAIT, busy):
        clear_tmp(po.resolve(), older_than=0)
        yield


# The review app's page preview: the whole booklet's pages from a build in this process,
# and right after a save the spread around the saved segment laid out alone.

def preview_book(project: Project, slug: str, lang: str) -> BookPages:
    """Build the email PDF and read its pages: where each segment's row starts, for
    `preview_excerpt`, and the pages to draw (`preview_spread`)."""
    from parabook.output.excerpt import book_pages, booklet_document

    pdf = build_book(project, slug, lang, outputs=("email",)).outputs[0].path
    manuscript = read_book(project.books, slug)
    document, _ = booklet_document(project, manuscript, lang)
    return book_pages(pdf, document, segments(manuscript))


def preview_excerpt(project: Project, slug: str, lang: str, place: Place,
                    book: BookPages) -> BookPages | None:
    """The pages of the spread where `place` stood in `book` (`preview_book`), laid out
    alone from the translations as they are now: a fraction of a second where a build
    takes seconds (`output.excerpt`). None for a segment outside the body (the cover's
    and the back cover's), which only a build shows."""
    from parabook.output.excerpt import excerpt

    return excerpt(project, read_book(project.books, slug), lang, place, book)


def preview_spread(pages: BookPages, place: Place, source: str, translation: str, *,
                   dpi: int = DEFAULTS["preview_dpi"]) -> SpreadImage:
    """The spread of `pages` where the segment at `place` stands, as PNG, its Chinese
    and translation outlined."""
    _check_dpi(dpi)
    from parabook.output.excerpt import spread_image

    return spread_image(pages, source, translation, pages.place_pages.get(place), dpi)
