"""The build, top to bottom: read -> translations -> pair -> photos -> HTML -> PDF -> impose.

`build_book` gathers and checks everything before it writes anything (as MkDocs'
`build()` does). Where a step's work splits, the halves run at once on two cores
(`infra.fork.Forked`: preparing photos; writing the email PDF while the print PDF
is written and imposed); text measured by earlier builds is read from `.cache/text`.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import cast

from parabook.catalog import qa
from parabook.catalog.po import entry_finder, keys, load_translations, read_catalog
from parabook.compose import floats
from parabook.compose.pairing import pair
from parabook.diagnostics import Diagnostic
from parabook.errors import InputError, display_path
from parabook.infra import fork, interrupts
from parabook.lang.en import count
from parabook.layouts import plan_layout
from parabook.layouts.facing import FacingPlan, check_drift
from parabook.model import (
    Document,
    LayoutPlan,
    Manuscript,
    OutputSpec,
    PhotoView,
    Segment,
    Translation,
)
from parabook.output.impose import PRINT_INSTRUCTIONS, Imposition, impose_saddle
from parabook.output.outputs import (
    OUTPUT_NAMES,
    SPECS,
    PhotoJob,
    Prepared,
    photo_swaps,
    place_photos,
    prepare_each,
    suffix,
)
from parabook.output.printfile import finish_print
from parabook.output.shrink import shrink_cid_fonts
from parabook.output.staging import staged
from parabook.project import Project
from parabook.render.html import FILLER_PAGES, render_html
from parabook.render.pdf import Layout, PdfWrite, lay_out, write_layout
from parabook.source.manuscript import read_book, segments
from parabook.typeset import fonts, preflight
from parabook.typeset.measure import keep, recall, text_cache
from parabook.typeset.weasy import body_rows


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

    @property
    def extent(self) -> str:
        """`23 pages`, or for the handout `6 sheets`."""
        return count(self.pages, "sheet" if self.name == "handout" else "page")


@dataclass(frozen=True)
class BuildResult:
    """What one build produced, for the report the command line prints."""

    outputs: tuple[OutputFile, ...]
    seconds: float
    warnings: tuple[Diagnostic, ...]
    """What a person should see: missing photos, unreviewed text, a slow setup."""
    notes: tuple[str, ...] = ()
    """Decisions the build made that a person may want to know, e.g. the column split."""


def build_book(project: Project, slug: str, lang: str | None = None, *,
               final: bool = False, outputs: tuple[str, ...] = OUTPUT_NAMES) -> BuildResult:
    """Build `dist/<slug>.<output>.pdf` for each output; check everything before writing.

    A draft build (the default) prints unreviewed translations tinted and marked;
    `final` refuses to build until every translation is reviewed and every photo is there.
    """
    started = time.perf_counter()
    _freeze_imports()
    manuscript = read_book(project.books, slug)
    lang = lang or manuscript.meta.target_langs[0]
    # The first language's PDFs are the book's; another language's are named for it.
    stem = slug if lang == manuscript.meta.target_langs[0] else f"{slug}.{lang}"
    fonts.check()
    warnings = list(filter(None, [fonts.subsetter_warning()]))  # first: it explains a slow build
    translations = load_translations(project.translations, slug, lang, segments(manuscript))
    if final:
        refuse_unready(check_report(project, manuscript, lang, translations))
    # Before layout: a character no face has would print as a box (--final refuses).
    warnings += fonts.missing_glyphs(
        [manuscript.source_path, manuscript.folder / "book.yaml", project.po(slug, lang)],
        final=final)
    notes: list[str] = []
    if "handout" in outputs and manuscript.meta.page_size != "A5":
        outputs = tuple(o for o in outputs if o != "handout")
        notes.append(f"no handout: it folds A5 pages from A4 sheets, and this book is "
                     f"{manuscript.meta.page_size}")
    # Planning the layout measures text (the column split) and so does rendering (line
    # breaks): both within the text cache.
    with text_cache(project.cache.text(slug, lang)):
        document = pair(manuscript, lang, translations)
        plan = plan_layout(document)
        if final:
            refuse_missing_photos(manuscript, document)
        warnings += document.warnings
        interrupts.check()  # between the steps: a Ctrl-C that was swallowed stops here
        # Everything is rendered before anything replaces an output, so a failure leaves
        # the previous PDFs as they were (`staged`).
        with staged(project.dist, slug, stem, outputs, project.cache.locks) as files:
            pages, imposed = _render(project, manuscript, document, plan, outputs, final,
                                     warnings, files, notes)
    if imposed is not None:
        pages["handout"] = imposed.sheets
    written = tuple(OutputFile(name, project.dist / f"{stem}{suffix(name)}", pages[name],
                               _handout_note(imposed) if name == "handout" else "")
                    for name in OUTPUT_NAMES if name in outputs)
    notes[:0] = plan.notes
    project.cache.prune()
    interrupts.check()
    return BuildResult(written, time.perf_counter() - started, tuple(warnings), tuple(notes))


def _handout_note(imposed: Imposition | None) -> str:
    if imposed is None:
        return ""
    blanks = f" + {imposed.blanks} blank" if imposed.blanks else ""
    return f"{imposed.pages} pages{blanks} on {imposed.sheets} A4 sheet(s). {PRINT_INSTRUCTIONS}"


def _freeze_imports() -> None:
    """Once per process, before its first build: put what is loaded so far (the modules,
    mostly) out of the garbage collector's sight. It lives as long as the process, yet
    each full collection walks all of it, during the build and again at exit: that
    is 0.2 s of a 3-second build. Only once, so that no build's garbage is frozen
    (watch mode builds again and again in one process)."""
    global _imports_frozen
    if not _imports_frozen:
        gc.freeze()
        _imports_frozen = True


_imports_frozen = False


def _render(project: Project, manuscript: Manuscript, document: Document, plan: LayoutPlan,
            outputs: tuple[str, ...], final: bool, warnings: list[Diagnostic],
            files: dict[str, Path], notes: list[str] | None = None
            ) -> tuple[dict[str, int], Imposition | None]:
    """Write the print and email PDFs the outputs need to their staged `files`, from one
    layout, and the handout from the print PDF; return their page counts, and the
    handout's imposition when there is one.

    The layout is the print's when it is built (bleed, crop marks, full-resolution
    photos), and the email is written from it without the bleed and with its own
    photos (`pdf.write_layout`). Adds the photos' warnings to `warnings`.
    """
    names = [name for name in ("print", "email")
             if name in outputs or (name == "print" and "handout" in outputs)]
    photos = project.cache.photos
    placed: dict[str, Document] = {}
    needed = tuple(names)

    def place_all(document: Document) -> None:
        for name in needed:
            placed[name], photo_warnings = place_photos(
                document, SPECS[name], photos, final=final,
                manuscript_path=manuscript.source_path,
                prepare=partial(_prepare_on_all_cores, cache_dir=photos),
                layout_widths=plan.figure_widths if isinstance(plan, FacingPlan) else None)
            warnings.extend([w for w in photo_warnings if w not in warnings])

    place_all(document)
    allowed = [manuscript.folder, project.templates, project.styles]
    fonts_cache = project.cache.fonts
    pages: dict[str, int] = {}
    imposed: Imposition | None = None
    while names:
        layout_spec = SPECS[names[0]]
        html = render_html(placed[layout_spec.name], plan, project.templates,
                           project.styles / "booklet.css", layout_spec)
        laid = partial(lay_out, base_dir=manuscript.folder, allowed=allowed, photos=photos,
                       filler_pages=FILLER_PAGES)

        def rerender(document: Document, plan: LayoutPlan, spec: OutputSpec = layout_spec
                     ) -> str:
            place_all(document)
            return render_html(placed[spec.name], plan, project.templates,
                               project.styles / "booklet.css", spec)

        if isinstance(plan, FacingPlan):  # its spreads are planned, figures included
            layout = laid(html)
        else:
            layout, document, plan = _floated(
                html, document, plan, project.styles, laid, rerender,
                floats.book_key(manuscript.folder, manuscript.meta,
                                document.target_lang))
        writes = []
        for name in list(names):
            spec = SPECS[name]
            swaps = photo_swaps(placed[layout_spec.name], placed[name])
            if swaps is None or spec.bleed_mm not in (0, layout_spec.bleed_mm):
                continue  # laid out on its own, in the next round
            writes.append(PdfWrite(
                name, bleed=spec.bleed_mm > 0, photos=swaps, pdf_variant=spec.pdf_variant,
                postprocess=partial(shrink_cid_fonts, cache=fonts_cache)
                if spec.shrink_fonts else None, target=files[name]))
            names.remove(name)
        if notes is not None and not any(n.startswith("preflight:") for n in notes):
            notes += preflight.check(layout.document, [
                w for w in warnings if w.code == "glyph.missing"]).lines()
        if isinstance(plan, FacingPlan):  # its pages were planned: were they set so?
            warnings += [w for w in check_drift(plan, layout.document) if w not in warnings]
        interrupts.check()
        # A write only reads the layout, and writing is a third of the build: the
        # writes after the first are made by forked processes on the other cores
        # while this one makes the first, and imposes the handout on the print PDF.
        first, *others = writes
        with ExitStack() as running:
            forked = [running.enter_context(fork.Forked(partial(write_layout, layout, write),
                                                    f"writing the {write.name} PDF"))
                      for write in others]
            write_layout(layout, first)
            if first.name == "print":  # black plate, crop marks, PDF/X (before imposing)
                finish_print(files["print"], pdfx=manuscript.meta.pdfx)
            if first.name == "print" and "handout" in outputs:
                imposed = impose_saddle(files["print"], files["handout"])
            for child in forked:
                child.result()
        pages.update(dict.fromkeys((write.name for write in writes), layout.pages))
    return pages, imposed


def _floated(html: str, document: Document, plan: LayoutPlan, styles: Path,
             laid: Callable[[str], Layout],
             rerender: Callable[[Document, LayoutPlan], str], book: str
             ) -> tuple[Layout, Document, LayoutPlan]:
    """The layout of `html` with its figures placed as floats (issue 15, D2), and the
    document and plan it shows. Where the figures go is decided on a first layout: when
    one moves or shrinks, the photos are placed again (`rerender`) and the booklet laid
    out once more. The decision is kept in the text cache: an unchanged book is laid
    out once; after an edit, the book's last decision is tried first, and kept when
    its layout needs nothing more (once again), else the two are combined."""
    key = floats.layout_key(html, sorted(styles.rglob("*.css")))
    known = cast("floats.Decision | None", recall("floats", key))
    if known is not None:  # {} is "nothing to move"
        keep("floats", key, known)
        if not known:
            return laid(html), document, plan
        settled = floats.apply(known, document, plan)
        return laid(rerender(*settled)), *settled
    last = cast("dict | None", recall("floats-last", book))
    decision: floats.Decision | None = None
    layout: Layout | None = None
    if last and last["rows"] == floats.signature(document) and last["decision"]:
        tried = floats.apply(last["decision"], document, plan)
        layout = laid(rerender(*tried))
        pages = body_rows(layout.document)
        if floats.strays(pages, last["decision"]):
            layout = None  # the edit moved a figure too far from its place: afresh
        else:
            more = floats.decide(pages, *tried)
            decision = (last["decision"] if more is None
                        else floats.compose(last["decision"], more))
            if more is not None:
                layout = None
    if decision is None:
        first = laid(html)
        decision = floats.decide(body_rows(first.document), document, plan)
        layout = first if decision is None else None
        del first  # not alive during the second layout: a big book's peak memory
    keep("floats", key, decision or {})
    keep("floats-last", book, {"rows": floats.signature(document), "decision": decision or {}})
    if decision is not None:
        document, plan = floats.apply(decision, document, plan)
    if layout is None:
        layout = laid(rerender(document, plan))
    return layout, document, plan


def _prepare_on_all_cores(jobs: list[PhotoJob], cache_dir: Path) -> list[Prepared]:
    """`outputs.prepare_each`, half of the jobs in a forked process when there is a core
    for it: preparing a 12-megapixel photo takes a fifth of a second, and a cold build
    of the sample prepares twenty."""
    if len(jobs) < 2 or fork.cores() < 2:
        return prepare_each(jobs, cache_dir)
    # Alternate jobs: the print's full-size photos and the email's small ones cost
    # very differently, and each output's jobs come together.
    with fork.Forked(partial(prepare_each, jobs[1::2], cache_dir), "preparing photos") as child:
        here = prepare_each(jobs[::2], cache_dir)
        there = child.result()
    out = here + there  # then in the jobs' order:
    out[::2], out[1::2] = here, there
    return out


def refuse_missing_photos(manuscript: Manuscript, document: Document) -> None:
    """Stop a final build, naming every photo that is missing, with file:line."""
    views: list[tuple[PhotoView, Path, int | None]] = [
        (view.photo, manuscript.source_path, view.photo.figure.line)
        for row in document.rows for view in row.figures]
    if document.cover_photo is not None:
        views.append((document.cover_photo, manuscript.folder / "book.yaml",
                      manuscript.meta.cover_photo_line))
    lines = [f"{display_path(path)}:{line}: photo {view.expected} is missing" if line
             else f"{display_path(path)}: photo {view.expected} is missing"
             for view, path, line in views if view.source is None]
    if lines:
        raise InputError("a final booklet needs every photo:\n  " + "\n  ".join(lines),
                         fix="add the photos, or build without --final for a draft")


def check_report(project: Project, manuscript: Manuscript, lang: str,
                 translations: dict[Segment, Translation] | None = None) -> qa.CheckReport:
    """Review counts and QA findings (with the waivers the PO keeps) for one language:
    what `check` prints and what a final build requires to be `final`."""
    slug = manuscript.meta.slug
    segs = segments(manuscript)
    if translations is None:
        translations = load_translations(project.translations, slug, lang, segs)
    po = project.po(slug, lang)
    comments: dict[Segment, str] = {}
    previous: dict[Segment, str] = {}
    if po.exists():
        find = entry_finder(read_catalog(po))
        for segment, key in zip(segs, keys(segs), strict=True):
            entry = find(key)
            if entry is not None and entry.tcomment:
                comments[segment] = entry.tcomment
            if entry is not None and entry.previous_msgid is not None:
                previous[segment] = entry.previous_msgid
    files = qa.glossary_files(project.translations, manuscript.folder,
                              manuscript.meta.source_lang, lang)
    own, shared = files
    return qa.check(slug, lang, po, translations, qa.load_glossaries(shared, own), comments,
                    skip=manuscript.meta.skip_checks,
                    glossaries=tuple(p for p in files if p.is_file()),
                    previous=previous)


STATE_PHRASES = {"machine": "is a machine draft", "stale": "has a changed source",
                 "unreviewed": "is not reviewed (fuzzy)", "missing": "has no translation"}


def refuse_unready(report: qa.CheckReport) -> None:
    """Stop a final build unless `report.final` (the one definition of ready, which
    `check --final` uses too), naming every unreviewed segment and every finding that
    no reviewer accepted, with file:line."""
    if report.final:
        return
    po = display_path(report.po)
    lines = []
    for segment, translation in report.unfinished:
        where = f"{po}:{translation.line}" if translation.line else f"{po} (no entry yet)"
        lines.append(f"{where}: {segment.where} {STATE_PHRASES[translation.state]}")
    missing = {s for s, t in report.unfinished if t.state == "missing"}
    for finding in report.open:
        if finding.check == "empty" and finding.segment in missing:
            continue  # said above: it has no translation
        where = f"{po}:{finding.line}" if finding.line else f"{po} (no entry yet)"
        lines.append(f"{where}: {finding.segment.where}: {finding.message}")
    count = len({s for s, _ in report.unfinished} | {f.segment for f in report.open})
    raise InputError(f"{count} segment(s) are not ready for a final booklet:\n  "
                     + "\n  ".join(lines),
                     fix="review the segments (clear the fuzzy flag in Poedit) and fix or "
                         f"accept each finding (python build.py check {report.slug} lists "
                         "them), or build without --final for a marked draft")
