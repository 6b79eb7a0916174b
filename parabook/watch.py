"""Watch mode: rebuild a booklet whenever its text, translation, template, style or photo changes.

    python build.py watch chuzhou-2021            # the email PDF
    python build.py watch chuzhou-2021 --output print,email

The process stays up between rebuilds, so what it has loaded stays loaded: Python's
imports, the fonts, the measured widths of words (`measure`), and the photo and font
caches on disk. A rebuild is a real build (`service.build`): everything is
rendered before anything is written, so a viewer never sees half a PDF, and a bad
edit leaves the last good PDF in place. The error is printed with its file and line,
and the next save builds again.

Editors save in bursts (a backup, a temporary file, a rename): changes are gathered
until the files have been quiet for `QUIET_MS`, then built once. Hidden files,
editor backups and swap files are ignored. Ctrl-C stops it, with exit code 0.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import watchfiles

from parabook import service
from parabook.diagnostics import Diagnostic
from parabook.errors import BookError, display_path
from parabook.model import Place
from parabook.pipeline import BuildResult
from parabook.project import Project

QUIET_MS = 200
"""Build once the watched files have had no change for this long ..."""
MAX_WAIT_MS = 2000
"""... or at the latest this long after the first change of a burst."""
LISTED = 5
"""Changed segments named after a rebuild; the rest are counted."""

_IGNORED = re.compile(r"^\.|~$|\.sw.$|\.tmp$|\.bak$|^#.*#$|^4913$|^sed[A-Za-z0-9]{6}$")
"""Hidden files (our own atomic writes are `.name.XXXX.tmp`), editor backups, swap files,
Emacs autosaves, the file vim creates to test a folder, and `sed -i`'s temporary file."""


@dataclass(frozen=True)
class Watched:
    """What one watch session rebuilds, and which files it looks at."""

    project: Project
    slug: str
    lang: str | None
    outputs: tuple[str, ...]

    def folders(self) -> list[Path]:
        return [self.project.books / self.slug, self.project.translations,
                self.project.templates, self.project.styles]

    def relevant(self, path: Path) -> bool:
        """A change that can alter the booklet (another book's PO file cannot)."""
        if _IGNORED.search(path.name):
            return False
        if path.is_relative_to(self.project.translations):
            return path.suffix == ".po" and path.name.startswith(f"{self.slug}.")
        return True


Texts = dict[Place, tuple[str, str | None, str]]
"""Each segment's place -> (source, translation, review state)."""


def watch(watched: Watched, out: Callable[[str], None] | None = None) -> int:
    """Build once, then after every change; return 0 when stopped with Ctrl-C."""
    say = out or (lambda line: print(line, flush=True))
    try:
        texts = _texts(watched)
        last_warnings = _build(watched, say, "built", ())
        shown = ", ".join(f"{display_path(folder)}/" for folder in watched.folders())
        say(f"watching {shown} (Ctrl-C to stop)")
        # The watcher runs in its own thread while a build runs; what changes meanwhile
        # is reported on the next round.
        for changes in watchfiles.watch(*[f for f in watched.folders() if f.is_dir()],
                                        watch_filter=None, debounce=MAX_WAIT_MS,
                                        step=QUIET_MS, raise_interrupt=True):
            paths = sorted({Path(p) for _, p in changes if watched.relevant(Path(p))})
            if not paths:
                continue
            say("changed: " + ", ".join(display_path(p) for p in paths))
            new_texts = _texts(watched)
            for line in segment_changes(texts, new_texts, watched.slug):
                say(f"  {line}")
            texts = new_texts or texts
            last_warnings = _build(watched, say, "rebuilt", last_warnings)
    except KeyboardInterrupt:
        say("stopped")
        return 0
    return 0


def _build(watched: Watched, say: Callable[[str], None], verb: str,
           last_warnings: tuple[Diagnostic, ...]) -> tuple[Diagnostic, ...]:
    """One build; prints what it wrote and the time, or the error. Returns its warnings."""
    started = time.perf_counter()
    try:
        result: BuildResult = service.build(watched.project, watched.slug, watched.lang,
                                            outputs=watched.outputs)
    except BookError as error:
        say(f"error: {error}")
        say("  the previous PDF is unchanged; save a fix to build again")
        return last_warnings
    except Exception as error:  # noqa: BLE001 (a crash must not end the session)
        say(f"error: the build failed unexpectedly: {type(error).__name__}: {error}")
        say("  the previous PDF is unchanged; save a change to try again")
        return last_warnings
    # Warnings repeat on every build; print the ones that are new.
    for warning in result.warnings:
        if warning not in last_warnings:
            say(f"warning: {warning}")
    seconds = time.perf_counter() - started
    for output in result.outputs:
        size = output.path.stat().st_size / 1024
        say(f"{verb} {display_path(output.path)}: {output.extent}, {size:.0f} KiB")
    say(f"{verb} in {seconds:.1f} s")
    return result.warnings


def _texts(watched: Watched) -> Texts | None:
    """The book's segments with their translations; None when they cannot be read now
    (the build will say why)."""
    try:
        found = service.texts(watched.project, watched.slug, watched.lang)
    except (BookError, OSError):
        return None
    return {t.segment.place: (t.segment.text, t.translation.text, t.translation.state)
            for t in found}


def segment_changes(before: Texts | None, after: Texts | None, slug: str) -> list[str]:
    """What changed in the text, segment by segment, e.g. `section 1, paragraph 3:
    translation edited`."""
    if before is None or after is None:
        return []
    lines = []
    for place, (source, target, state) in after.items():
        where = place.describe()
        old = before.get(place)
        if old is None:
            lines.append(f"{where}: new")
            continue
        if old[0] != source:
            # The PO has no entry for the new Chinese until `update` merges it.
            what = ["source edited"] + (
                [f"its translation shows as missing until you run: python build.py update "
                 f"{slug}"] if target is None and old[1] is not None else [])
        else:
            what = ["translation edited"] if old[1] != target else []
            if old[2] != state:
                what.append(f"now {state}")
        if what:
            lines.append(f"{where}: {', '.join(what)}")
    lines += [f"{place.describe()}: removed" for place in before if place not in after]
    if len(lines) > LISTED:
        lines = lines[:LISTED] + [f"... and {len(lines) - LISTED} more segment(s)"]
    return lines
