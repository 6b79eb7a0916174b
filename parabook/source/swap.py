"""Finish an `import --force` that was stopped between its renames.

`import --force` moves the old book folder into a hidden `book/.SLUG.old.*/SLUG`,
renames the new folder into place, then moves the old `photos/` across and deletes
the hidden folder. A kill between those steps leaves the book (or its photos) only
in the hidden folder; the next command that reads the book puts it back first.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path


def retired_prefix(slug: str) -> str:
    """The name start of the hidden folder the old book waits in (slugs hold no dot)."""
    return f".{slug}.old."


def finish_swap(books_dir: Path, slug: str = "*") -> None:
    """Restore the old book if the new one never arrived, else give the new one the old
    photos; then delete the hidden folder. Photos are moved, never deleted. The default
    slug finishes every book's."""
    for retired in sorted(books_dir.glob(retired_prefix(slug) + "*")):
        name = retired.name.split(".")[1]
        old, target = retired / name, books_dir / name
        if old.is_dir() and not target.exists():
            os.replace(old, target)  # stopped between the two renames: the old book is back
        elif (old / "photos").is_dir():
            if (target / "photos").exists():
                continue  # both have photos: never guess, leave them for a person
            os.replace(old / "photos", target / "photos")
        shutil.rmtree(retired)
