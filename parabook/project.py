"""A project: its folders, its books, and the one table of defaults.

`DEFAULTS` is documented once here and read by the service API, the command line
(`cli.py` sets its option defaults from it) and the review app, as WeasyPrint's
`DEFAULT_OPTIONS` is; `book.yaml`'s own keys are in `source.config.OPTIONS`.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from parabook.errors import BookError, InputError, display_path
from parabook.infra.cache import Cache
from parabook.source.importer import SLUG_RE
from parabook.source.manuscript import read_book
from parabook.source.swap import finish_swap

DEFAULTS: dict[str, Any] = {
    "outputs": ("print", "handout", "email"),
    # build: print (print shop: bleed, crop marks), handout (office printer: A4,
    # duplex, fold and staple), email (small, tagged).
    "watch_outputs": ("email",),
    # watch: what a rebuild writes; the email PDF is the quickest to look at.
    "final": False,
    # build: refuse unless every translation is reviewed and every photo is there.
    "preview_dpi": 80,
    # preview: resolution of the spread images, 20-300.
    "export_format": "xliff",
    # export: XLIFF 1.2, for review tools without PO support.
    "mt_provider": "google",
    # translate: the machine-translation service (keys: README).
    "mt_only": "missing",
    # translate: which entries may be drafted: missing, stale, all-unreviewed.
    "mt_timeout": 20.0,
    # translate: seconds to wait for each answer.
    "mt_rate": None,
    # translate: requests per second; None: the provider's own (1-3).
    "mt_retries": 5,
    # translate: retries after HTTP 429, 5xx or a timeout.
    "mt_backoff": 1.0,
    # translate: seconds before the first retry, doubled each time.
}
"""Every option of the commands, with its default."""

LANG_RE = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})*")
"""A BCP 47 language tag as `--lang` takes it, e.g. en, de or pt-BR."""


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
    def cache(self) -> Cache:
        """Prepared photos, cut fonts, measured text, locks, translation memory."""
        return Cache(self.root / ".cache")

    def translation_memory(self) -> Path:
        """Machine drafts already answered, per provider and endpoint (`mt.memory`): paid
        work, so it is kept apart from `.cache/` (which is safe to delete). A memory left
        in `.cache/` by an earlier version is moved here first."""
        path = self.translations / ".memory" / "translation-memory.sqlite3"
        old = self.root / ".cache" / "translation-memory.sqlite3"  # where it was before
        if old.is_file() and not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            os.replace(old, path)
        return path

    def po(self, slug: str, lang: str) -> Path:
        """`translations/<slug>.<lang>.po`."""
        return self.translations / f"{slug}.{lang}.po"

    def all_books(self) -> list[str]:
        finish_swap(self.books)  # a book an interrupted import left hidden is listed again
        return sorted(p.parent.name for p in self.books.glob("*/book.yaml"))

    def slugs(self, slug: str | None = None) -> list[str]:
        """The book asked for, or every book; checked to be folder names."""
        slugs = [slug] if slug else self.all_books()
        if not slugs:
            raise BookError(f"no books in {display_path(self.books)}",
                            fix="import one: python build.py import FILE.txt --book SLUG")
        for name in slugs:
            if not SLUG_RE.fullmatch(name):
                raise InputError(f"book name {name!r} is not a book folder name",
                                 fix="give the folder name under book/, e.g. chuzhou-2021")
        return slugs

    def only_book(self, slug: str | None) -> str:
        """The book asked for, which must exist, or the only book there is."""
        books = self.all_books()
        if slug:
            if slug not in books:
                raise InputError(f"there is no book {slug!r} in {display_path(self.books)}/",
                                 fix="give a folder name under book/"
                                     + (f", e.g. {books[0]}" if books else ""))
            return slug
        if len(books) != 1:
            raise InputError(f"{len(books)} books in {display_path(self.books)}/; name one",
                             fix="give the book's folder name, e.g. python build.py watch SLUG")
        return books[0]

    def langs(self, slug: str, lang: str | None = None) -> list[str]:
        """The one language asked for, or every target language of the book."""
        if lang:
            if not LANG_RE.fullmatch(lang):
                raise InputError(f"--lang {lang!r} is not a language tag",
                                 fix="give a tag such as en, de or pt-BR")
            return [lang]
        return list(read_book(self.books, slug).meta.target_langs)
