"""`.cache/`: what builds keep to be quick next time; safe to delete whole.

Every entry is keyed by content (a photo's hash, a font's glyph set, a text's
measure), so a stale entry is never used, only left behind: `prune()` drops the
least recently used files of each folder beyond its budget after a build.
"""

from __future__ import annotations

import contextlib
import os
import time
from dataclasses import dataclass
from pathlib import Path

BUDGETS = {
    "photos": 2 << 30,
    # Prepared photos, least recently used go first: a 100-photo book needs about
    # 200 MB, so a few books fit.
    "fonts": 64 << 20,
    # Cut email fonts: a few hundred KB per distinct glyph set.
    "text": 64 << 20,
    # Measured text: one file per book and language, about 100 KB for 20 pages.
}
"""Bytes each pruned folder may keep."""


@dataclass(frozen=True)
class Cache:
    """The folders under a project's `.cache/`."""

    root: Path

    @property
    def photos(self) -> Path:
        """Photos prepared per output (`output.photos.prepare`)."""
        return self.root / "photos"

    @property
    def fonts(self) -> Path:
        """CJK fonts cut to the glyphs used (`output.shrink`)."""
        return self.root / "fonts"

    def text(self, slug: str, lang: str) -> Path:
        """Shaped widths and line breaks of one book and language (`typeset.measure`)."""
        return self.root / "text" / f"{slug}.{lang}.json"

    @property
    def locks(self) -> Path:
        """One lock file per book, held while it builds."""
        return self.root / "locks"

    def clear(self) -> int:
        """Delete everything in it; return the bytes freed."""
        freed = 0
        for path in sorted(self.root.rglob("*"), reverse=True) if self.root.is_dir() else []:
            if path.is_file() or path.is_symlink():
                freed += path.lstat().st_size
                path.unlink()
            elif path.is_dir():
                path.rmdir()
        return freed

    def prune(self) -> None:
        """Keep the folders within their budgets; what the last build used stays. Pruning
        is tidying: it never turns a build into a failure."""
        for name, budget in BUDGETS.items():
            with contextlib.suppress(OSError):
                prune_folder(self.root / name, budget)


def touch_used(*paths: Path) -> None:
    """Mark cache files as just used (their access time; the modification time stays the
    time they were written), for pruning by last use. A read-only cache is fine."""
    now = time.time_ns()
    for path in paths:
        with contextlib.suppress(OSError):
            os.utime(path, ns=(now, path.stat().st_mtime_ns))


def prune_folder(folder: Path, keep_bytes: int) -> int:
    """Delete the least recently used files of `folder` until it holds at most `keep_bytes`;
    return how many were deleted. Files used by the build just made were touched last, so
    they stay unless they alone exceed the budget."""
    try:
        files = [(stat.st_atime, stat.st_size, entry) for entry in folder.iterdir()
                 if entry.is_file() and (stat := entry.stat())]
    except OSError:
        return 0  # no cache yet
    total = sum(size for _, size, _ in files)
    deleted = 0
    for _, size, path in sorted(files, key=lambda item: (item[0], item[2].name)):
        if total <= keep_bytes:
            break
        try:
            path.unlink(missing_ok=True)
        except OSError:  # a read-only cache: pruning is tidying, never a reason to fail
            continue
        total -= size
        deleted += 1
    return deleted
