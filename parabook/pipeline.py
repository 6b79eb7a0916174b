"""The build, top to bottom: read -> translations -> pair -> photos -> HTML -> PDF -> impose.

Where a step's work splits, the halves run at once on two cores (`_Forked`: preparing
photos; writing the print PDF and imposing it while another process writes the email
PDF); text measured by earlier builds is read from `.cache/text` (`measure.text_cache`).
"""

from __future__ import annotations

import ctypes
import dataclasses
import errno
import gc
import os
import pickle
import shutil
import signal
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from parabook.typeset import fonts
from parabook.catalog import qa
from parabook.errors import BookError, InputError, display_path
from parabook.render.html import render_html
from parabook.output.impose import PRINT_INSTRUCTIONS, Imposition, impose_saddle
from parabook.infra.lock import held
from parabook.source.manuscript import read_book, segments
from parabook.typeset.measure import text_cache
from parabook.model import Document, LayoutPlan, Manuscript, Segment, Translation
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
from parabook.compose.pairing import pair
from parabook.layouts import plan_layout
from parabook.render.pdf import PdfWrite, lay_out, write_layout
from parabook.output.photos import prune_cache
from parabook.output.shrink import shrink_cid_fonts
from parabook.catalog.po import UpdateReport, load_translations, po_path, update_catalog


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
    _freeze_imports()
    manuscript = read_book(project.books, slug)
    lang = lang or manuscript.meta.target_langs[0]
    fonts.check()
    warnings = list(filter(None, [fonts.subsetter_warning()]))  # first: it explains a slow build
    translations = load_translations(project.translations, slug, lang, segments(manuscript))
    if final:
        refuse_unreviewed(po_path(project.translations, slug, lang), translations)
    with text_cache(project.cache / "text" / f"{slug}.{lang}.json"):
        result = _build(project, slug, manuscript, lang, translations, final, outputs,
                        warnings)
    return dataclasses.replace(result, seconds=time.perf_counter() - started)


def _build(project: Project, slug: str, manuscript: Manuscript, lang: str,
           translations: dict[Segment, Translation], final: bool, outputs: tuple[str, ...],
           warnings: list[str]) -> BuildResult:
    """`build_book` from pairing the texts on: the steps that measure text (`pair`, and
    `render_html` for the line breaks), inside `build_book`'s `text_cache`."""
    document = pair(manuscript, lang, translations)
    plan = plan_layout(document)
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
    with _staged(project.dist, slug, outputs, project.cache / "locks") as staged:
        pages, imposed = _render(project, manuscript, document, plan, outputs, final,
                                 warnings, staged)
        notes_by_output = {}
        if imposed is not None:
            blanks = f" + {imposed.blanks} blank" if imposed.blanks else ""
            pages["handout"] = imposed.sheets
            notes_by_output["handout"] = (f"{imposed.pages} pages{blanks} on {imposed.sheets} "
                                          f"A4 sheet(s). {PRINT_INSTRUCTIONS}")
        for name in OUTPUT_NAMES:
            if name in outputs:
                written.append(OutputFile(name, project.dist / f"{slug}{suffix(name)}",
                                          pages[name], notes_by_output.get(name, "")))
    notes[:0] = plan.notes
    _prune(project)
    return BuildResult(tuple(written), 0.0, tuple(warnings), tuple(notes))


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


PHOTO_CACHE_BYTES = 2 << 30
"""Prepared photos kept in `.cache/photos` (least recently used go first): a 100-photo
book needs about 200 MB, so a few books fit."""
FONT_CACHE_BYTES = 64 << 20
"""Cut email fonts kept in `.cache/fonts`: a few hundred KB per distinct glyph set."""
TEXT_CACHE_BYTES = 64 << 20
"""Measured text kept in `.cache/text`: one file per book and language, about 100 KB
for a 20-page book."""


@contextmanager
def _staged(dist: Path, slug: str, outputs: tuple[str, ...],
            locks: Path) -> Iterator[dict[str, Path]]:
    """Hidden files in `dist` to write the outputs to ({name: path}; print too when only
    the handout is built); renamed over `dist/<slug>.<name>.pdf` when the block ends
    without an error, deleted when it fails."""
    dist.mkdir(parents=True, exist_ok=True)
    names = [n for n in OUTPUT_NAMES if n in outputs or (n == "print" and "handout" in outputs)]
    staged: dict[str, Path] = {}
    with ExitStack() as stack:
        stack.enter_context(_book_lock(locks, slug))
        _clear_leftovers(dist, slug)
        stack.callback(lambda: [path.unlink(missing_ok=True) for path in staged.values()])
        for name in names:
            handle, path = tempfile.mkstemp(prefix=f".{slug}{suffix(name)}.", suffix=".tmp",
                                            dir=dist)
            os.close(handle)
            staged[name] = Path(path)
        yield staged
        targets = {name: dist / f"{slug}{suffix(name)}" for name in outputs}
        for target in targets.values():  # all or none: find what would stop a rename first
            if target.is_dir():
                raise OSError(errno.EISDIR, "is a folder, not a PDF; move it away",
                              str(target))
        mode = 0o666 & ~_umask()
        for name in outputs:
            with staged[name].open("rb+") as handle:  # on disk before it is renamed
                os.fsync(handle.fileno())
            staged[name].chmod(mode)  # mkstemp makes it private; outputs are shared
        # A Ctrl-C between two renames would leave a mixed set: it waits until the end.
        held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
        try:
            for name, target in targets.items():
                os.replace(staged[name], target)
                del staged[name]
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, held)


@contextmanager
def _book_lock(locks: Path, slug: str) -> Iterator[None]:
    """One build of a book at a time (watch mode and a build by hand, say): the second
    waits for the first, so their outputs never mix."""
    busy = BookError(f"another build of {slug} has been running for "
                     f"{BUILD_WAIT_SECONDS // 60} minutes", path=locks,
                     fix="wait for it, or stop it, then build again")
    with held(locks / f"{slug}.build.lock", BUILD_WAIT_SECONDS, busy):
        yield


BUILD_WAIT_SECONDS = 600


def _clear_leftovers(dist: Path, slug: str) -> None:
    """Delete what a killed build of this book left in dist/ (staged PDFs, imposition
    folders); safe under the book's lock, as no other build of it is running."""
    for path in dist.glob(f".{slug}.*"):
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def _render(project: Project, manuscript: Manuscript, document: Document, plan: LayoutPlan,
            outputs: tuple[str, ...], final: bool, warnings: list[str],
            staged: dict[str, Path]) -> tuple[dict[str, int], Imposition | None]:
    """Write the print and email PDFs the outputs need to their `staged` files, from one
    layout, and the handout from the print PDF; return their page counts, and the
    handout's imposition when there is one.

    The layout is the print's when it is built (bleed, crop marks, full-resolution
    photos), and the email is written from it without the bleed and with its own
    photos (`pdf.write_layout`). Adds the photos' warnings to `warnings`.
    """
    names = [name for name in ("print", "email")
             if name in outputs or (name == "print" and "handout" in outputs)]
    photos = project.cache / "photos"
    placed: dict[str, Document] = {}
    for name in names:
        placed[name], photo_warnings = place_photos(
            document, SPECS[name], photos, final=final, manuscript_path=manuscript.source_path,
            prepare=partial(_prepare_on_all_cores, cache_dir=photos))
        warnings += [w for w in photo_warnings if w not in warnings]
    allowed = [manuscript.folder, project.templates, project.styles]
    fonts_cache = project.cache / "fonts"
    pages: dict[str, int] = {}
    imposed: Imposition | None = None
    while names:
        layout_spec = SPECS[names[0]]
        writes = []
        for name in list(names):
            spec = SPECS[name]
            swaps = photo_swaps(placed[layout_spec.name], placed[name])
            if swaps is None or spec.bleed_mm not in (0, layout_spec.bleed_mm):
                continue  # laid out on its own, in the next round
            writes.append(PdfWrite(
                name, bleed=spec.bleed_mm > 0, photos=swaps, pdf_variant=spec.pdf_variant,
                postprocess=partial(shrink_cid_fonts, cache=fonts_cache)
                if spec.shrink_fonts else None, target=staged[name]))
            names.remove(name)
        html = render_html(placed[layout_spec.name], plan, project.templates,
                           project.styles / "booklet.css", layout_spec)
        layout = lay_out(html, base_dir=manuscript.folder, allowed=allowed, photos=photos)
        # A write only reads the layout, and writing is a third of the build: the
        # writes after the first are made by forked processes on the other cores
        # while this one makes the first, and imposes the handout on the print PDF.
        first, *others = writes
        with ExitStack() as running:
            forked = [running.enter_context(_Forked(partial(write_layout, layout, write),
                                                    f"writing the {write.name} PDF"))
                      for write in others]
            write_layout(layout, first)
            if first.name == "print" and "handout" in outputs:
                imposed = impose_saddle(staged["print"], staged["handout"])
            for child in forked:
                child.result()
        pages.update(dict.fromkeys((write.name for write in writes), layout.pages))
    return pages, imposed


def _prepare_on_all_cores(jobs: list[PhotoJob], cache_dir: Path) -> list[Prepared]:
    """`outputs.prepare_each`, half of the jobs in a forked process when there is a core
    for it: preparing a 12-megapixel photo takes a fifth of a second, and a cold build
    of the sample prepares twenty."""
    if len(jobs) < 2 or _cores() < 2:
        return prepare_each(jobs, cache_dir)
    # Alternate jobs: the print's full-size photos and the email's small ones cost
    # very differently, and each output's jobs come together.
    with _Forked(partial(prepare_each, jobs[1::2], cache_dir), "preparing photos") as child:
        here = prepare_each(jobs[::2], cache_dir)
        there = child.result()
    out = [None] * len(jobs)
    out[::2], out[1::2] = here, there
    return out


def _cores() -> int:
    """Cores this process may fork onto: 1 when it has threads (watch mode's file
    watcher), since a forked child could find a lock held by a thread it lacks."""
    try:
        if len(os.listdir("/proc/self/task")) > 1:
            return 1
        return len(os.sched_getaffinity(0))
    except (OSError, AttributeError):  # not Linux
        return 1


class _Forked:
    """`work` run by a forked process when a core is free for it, else by this one when
    its result is asked for. The result, or the exception `work` raised, comes back
    pickled through a pipe; the child is a copy of this process, so `work` may use
    anything this process has (the layout: nothing is sent to the child).

    The child leaves with `os._exit`: this process's `finally` blocks (which delete
    the staged outputs), atexit handlers and buffered output are not run twice.
    Leaving the `with` block stops a child still running (an error or Ctrl-C here)
    with SIGINT, so it cleans up as a Ctrl-C would (`fsutil.write_atomic` deletes
    its temporary file), and reaps it: no process and no half-written file is left.
    """

    def __init__(self, work: Callable[[], object], what: str) -> None:
        self.work, self.what = work, what
        self.pid: int | None = None
        self.pipe: int | None = None
        self.stop_signal = signal.SIGINT
        if _cores() < 2:
            return
        sys.stdout.flush()  # or the child could write this process's buffered output too
        sys.stderr.flush()
        # A child that ignores Ctrl-C (a build started with `&` from a script) is told
        # to stop with SIGTERM instead.
        self.stop_signal = (signal.SIGTERM if signal.getsignal(signal.SIGINT) is signal.SIG_IGN
                            else signal.SIGINT)
        read_end, write_end = os.pipe()
        parent = os.getpid()
        blocked: set | None = None
        try:
            # Ctrl-C is held back until each side is ready for it (the child in `_serve`):
            # neither may be interrupted before it knows of the other.
            blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
            pid = os.fork()
        except BaseException as exc:
            if blocked is not None:
                signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
            os.close(read_end)
            os.close(write_end)
            if isinstance(exc, OSError):  # no process to spare (EAGAIN, ENOMEM): do it here
                return
            raise
        if pid == 0:
            os.close(read_end)
            _serve(work, what, write_end, blocked, parent)  # never returns
        self.pid, self.pipe = pid, read_end
        os.close(write_end)
        try:
            signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
        except BaseException:  # a Ctrl-C that came while it was held back
            self.stop()
            raise

    def __enter__(self) -> _Forked:
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def result(self):
        """What `work` returned; raises what it raised."""
        if self.pid is None:
            return self.work()
        with os.fdopen(self.pipe, "rb") as pipe:  # read to its end: the child is done
            self.pipe = None
            payload = pipe.read()
        _, status = os.waitpid(self.pid, 0)
        self.pid = None
        if not payload:
            raise BookError(f"the process {self.what} ended without a result "
                            f"(exit status {os.waitstatus_to_exitcode(status)})")
        try:
            ok, value = pickle.loads(payload)
        except Exception:  # noqa: BLE001 - cut short (the child was killed) or unreadable
            raise BookError(f"the process {self.what} sent back an unreadable result "
                            f"(exit status {os.waitstatus_to_exitcode(status)})") from None
        if not ok:
            raise value
        return value

    def stop(self) -> None:
        """Interrupt the child if it is still running, and reap it."""
        if self.pipe is not None:
            os.close(self.pipe)
            self.pipe = None
        if self.pid is None:
            return
        pid, self.pid = self.pid, None
        try:
            os.kill(pid, self.stop_signal)
            deadline = time.monotonic() + STOP_SECONDS
            while os.waitpid(pid, os.WNOHANG) == (0, 0):
                if time.monotonic() > deadline:
                    os.kill(pid, signal.SIGKILL)
                    os.waitpid(pid, 0)
                    break
                time.sleep(0.005)
        except BaseException:  # a second Ctrl-C: no more waiting
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            raise


def _interrupt_once(signum, frame) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    raise KeyboardInterrupt


STOP_SECONDS = 10.0
"""How long a child that is told to stop may take to clean up before it is killed."""


def _serve(work: Callable[[], object], what: str, pipe: int, mask: set, parent: int) -> None:
    """The forked child: run `work`, send back (True, result) or (False, exception), exit."""
    status = 1
    try:
        try:
            # One Ctrl-C stops the work; a second (the terminal's and the parent's) must
            # not cut short the cleanup the first set off.
            if signal.getsignal(signal.SIGINT) is not signal.SIG_IGN:
                signal.signal(signal.SIGINT, _interrupt_once)
            _die_with(parent)
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)
            result = (True, work())
        except BaseException as exc:  # noqa: BLE001 (this process's parent raises it)
            if not isinstance(exc, BookError | OSError | KeyboardInterrupt):
                exc.add_note(f"(in the process {what})\n{traceback.format_exc()}")
            result = (False, exc)
        try:
            payload = pickle.dumps(result)
            pickle.loads(payload)  # some exceptions pickle but cannot be read back
        except Exception:  # noqa: BLE001 (an exception that cannot cross)
            payload = pickle.dumps((False, BookError(f"{what}: {result[1]!r}")))
        with os.fdopen(pipe, "wb") as out:
            out.write(payload)
        status = 0
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(status)


def _die_with(parent: int) -> None:
    """Have the kernel interrupt this child when its parent dies (kill -9, a crash), so
    it does not go on writing for nobody; the parent's next build clears its files."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, int(signal.SIGINT), 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux
        return
    if os.getppid() != parent:  # it died before that took effect
        raise KeyboardInterrupt


def _prune(project: Project) -> None:
    """Keep the caches from growing without end; what this build used stays. The PDFs
    are in place by now: tidying the cache never turns a build into a failure."""
    for folder, budget in (("photos", PHOTO_CACHE_BYTES), ("fonts", FONT_CACHE_BYTES),
                           ("text", TEXT_CACHE_BYTES)):
        try:
            prune_cache(project.cache / folder, budget)
        except OSError:
            pass


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
