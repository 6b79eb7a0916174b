"""The spread where a segment stands, as a PNG with the segment outlined.

The email PDF is built in this process (`service.preview_book`), so a rebuild is warm:
the imports, fonts, measured text and prepared photos are already loaded. After a save
the spread around the saved segment is laid out alone first (`service.preview_excerpt`,
a fraction of a second), and shown at once; the whole booklet is built after it, and
its pages replace the excerpt's (a page after the edit may have moved). One worker
thread does all of it, one render at a time (WeasyPrint is patched while it lays out,
`typeset.justify`): an excerpt asked for goes before the next whole build, which waits
for a pause in the saving.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

from parabook import service
from parabook.model import Place
from parabook.output.excerpt import BookPages
from parabook.project import Project

log = logging.getLogger("parabook.review")

WAIT = 300.0
"""Seconds an image waits for its pages at most (a cold build of a long book)."""
PAUSE = 1.0
"""Seconds without a save before the whole booklet is built: a reviewer approving one
segment after another (Ctrl+Enter) gets each excerpt at once, not after a build."""


@dataclass(frozen=True)
class Image:
    png: bytes
    exact: bool
    """False: the spread laid out alone after a save; the whole build will replace it."""
    pages: tuple[int | None, int | None]
    """The booklet's page numbers shown, left and right (None: an empty side)."""


class Previewer:
    """The pages of one book as they are now: the whole booklet's, and excerpts."""

    def __init__(self, project: Project, slug: str, lang: str) -> None:
        self.project, self.slug, self.lang = project, slug, lang
        self._state = threading.Condition()
        self.generation = 0
        """Counts saves; pages made before the latest save are out of date."""
        self._book: BookPages | None = None
        self._book_made = -1
        """The generation the whole booklet's pages were built at."""
        self.error: str | None = None
        self._excerpts: dict[Place, tuple[int, BookPages | None]] = {}
        """Per segment: the generation its excerpt was made at, and the excerpt (None:
        it has none, only the whole build shows it)."""
        self._wanted: list[Place] = []
        self._making: Place | None = None
        self._saved_at = 0.0
        self._worker: threading.Thread | None = None

    def changed(self, place: Place | None = None) -> None:
        """A translation was saved (at `place`): its excerpt first, then the whole book."""
        with self._state:
            self.generation += 1
            self._saved_at = time.monotonic()
            if place is not None and place not in self._wanted:
                self._wanted.insert(0, place)
            self._wake()

    def _wake(self) -> None:
        if self._worker is None:
            self._worker = threading.Thread(target=self._work, daemon=True,
                                            name="parabook-preview")
            self._worker.start()
        self._state.notify_all()

    def _work(self) -> None:
        while True:
            with self._state:
                self._state.wait_for(lambda: bool(self._wanted)
                                     or self._book_made < self.generation)
                pause = self._saved_at + PAUSE - time.monotonic()
                if not self._wanted and self._book is not None and pause > 0:
                    self._state.wait(pause)  # or until an excerpt is asked for
                    continue
                wanted = self.generation
                place = self._wanted.pop(0) if self._wanted and self._book else None
                if place is None:
                    self._wanted.clear()  # the whole build shows them
                book, self._making = self._book, place
            if place is not None and book is not None:
                pages = self._excerpt(place, book)
                with self._state:
                    self._excerpts[place], self._making = (wanted, pages), None
                    self._state.notify_all()
                continue
            try:
                book, error = service.preview_book(self.project, self.slug, self.lang), None
            except Exception as exc:  # shown in place of the image; the next save retries
                book, error = None, str(exc)
            with self._state:
                self._book = book or self._book
                self.error, self._book_made = error, wanted
                self._state.notify_all()

    def _excerpt(self, place: Place, book: BookPages) -> BookPages | None:
        try:
            return service.preview_excerpt(self.project, self.slug, self.lang, place, book)
        except Exception:  # the whole build that follows shows the page, or the error
            log.exception("excerpt of %s", place.describe())
            return None

    def image(self, place: Place, source: str, translation: str, *,
              exact: bool = False) -> Image:
        """The spread where the segment at `place` stands: from the excerpt made since the
        latest save when there is one (unless `exact`), else from the whole booklet's
        pages, waiting for them when they are older than the latest save."""
        with self._state:
            pages = self._state.wait_for(lambda: self._pages(place, exact), WAIT)
            if pages is None:
                raise RuntimeError("the preview took too long: see the terminal")
        if isinstance(pages, str):
            raise RuntimeError(pages)
        spread = service.preview_spread(pages, place, source, translation)
        return Image(spread.png, spread.exact, (spread.left, spread.right))

    def _pages(self, place: Place, exact: bool) -> BookPages | str | None:
        """The pages to draw `place` from now, an error, or None: wait (and what for)."""
        if self._book_made == self.generation:
            return self.error or self._book
        if not exact and self._book is not None:
            made, pages = self._excerpts.get(place, (-1, None))
            if made == self.generation and pages is not None:
                return pages
            if made != self.generation and place not in (*self._wanted, self._making):
                self._wanted.append(place)
        self._wake()
        return None
