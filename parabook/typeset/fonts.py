"""Check, before layout, that the fonts and subsetter the booklet needs are installed."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
from bisect import bisect_right
from collections.abc import Callable, Iterable
from functools import cache
from itertools import accumulate
from pathlib import Path

from parabook.diagnostics import Diagnostic
from parabook.errors import InputError, SetupError, display_path
from parabook.typeset import weasy

REQUIRED_FAMILIES = {
    "Noto Serif CJK SC": "fonts-noto-cjk",
    "Noto Sans CJK SC": "fonts-noto-cjk",
    "Noto Serif": "fonts-noto-core",
}

FALLBACK_FAMILY = "BabelStone Han"
"""CJK extensions B to H, which Noto CJK covers only in part: people's names use
them (𪚥 U+2A6A5, 𱍊 U+3134A). Named after the Chinese faces in the stylesheets."""
FALLBACK_PACKAGE = "fonts-babelstone-han"

FACES = ("Noto Serif CJK SC:style=Regular", "Noto Serif CJK SC:style=Bold",
         "Noto Sans CJK SC:style=Bold", "Noto Serif:style=Regular", "Noto Serif:style=Bold",
         "Noto Serif:style=Italic", f"{FALLBACK_FAMILY}:style=Regular")
"""Every face the stylesheets set text in, regular and bold, and the fallback."""

# Characters that are not drawn: spaces, joiners, selectors, marks WeasyPrint drops.
_UNDRAWN = re.compile("[\\s\u00ad\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff"
                      "\ufe00-\ufe0f\U000e0100-\U000e01ef\x00-\x1f\x7f-\x9f]")

SUBSET_PACKAGE = "libharfbuzz-subset0"


def subsetter_warning(active: bool | None = None) -> Diagnostic | None:
    """Without HarfBuzz's subsetter WeasyPrint falls back to fontTools: it works, but
    subsetting Noto CJK takes seconds per PDF instead of milliseconds. `active`: whether
    HarfBuzz subsets (default: ask WeasyPrint, `weasy.harfbuzz_subsetting`)."""
    if weasy.harfbuzz_subsetting() if active is None else active:
        return None
    return Diagnostic(
        None, None, "warning", "setup.no-harfbuzz-subset",
        "SLOW BUILD: WeasyPrint cannot subset fonts with HarfBuzz (libharfbuzz-subset is "
        "missing, or HarfBuzz is older than 4.1.0), so it falls back to fontTools, about "
        f"ten times slower on the Chinese fonts. Install it: sudo apt-get install -y "
        f"{SUBSET_PACKAGE}  (or: make setup)")


_installed: str | None = None
"""`fc-list`'s fonts (file, tab, families), once every family the booklet needs was
found: fonts are not uninstalled while watch mode runs."""


def check() -> None:
    """Raise SetupError naming the Debian package to install for a missing font."""
    global _installed
    if _installed is not None:
        return
    if not shutil.which("fc-list"):
        raise SetupError("fontconfig's fc-list is not installed, so fonts cannot be found",
                         fix="run: sudo apt-get install -y fontconfig  (or: make setup)")
    listed = subprocess.run(["fc-list", "--format", r"%{file}\t%{family}\n"],
                            capture_output=True, text=True, check=False).stdout
    families = {name.strip() for line in listed.splitlines()
                for name in line.partition("\t")[2].split(",")}
    missing = [pkg for family, pkg in REQUIRED_FAMILIES.items() if family not in families]
    if missing:
        raise SetupError(
            "fonts the booklet needs are not installed: " + ", ".join(missing),
            fix=f"run: sudo apt-get install -y {' '.join(missing)}  (or: make setup)")
    _installed = listed


def fingerprint() -> str:
    """A digest of the installed fonts (every file's path, size and modification time):
    text measured with the same fingerprint is measured with the same fonts, fallbacks
    included. Calls `check` first."""
    check()
    digest = hashlib.sha256()
    for path in sorted({line.partition("\t")[0] for line in (_installed or "").splitlines()}):
        try:
            stat = os.stat(path)
        except OSError:
            continue
        digest.update(f"{path}\t{stat.st_size}\t{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


@cache
def _face_ranges(pattern: str) -> tuple[tuple[int, int], ...]:
    """The code point ranges the face fontconfig matches for `pattern` has glyphs for
    (its charset, which fontconfig keeps cached); none when the family is not installed
    (fontconfig would substitute another)."""
    found = subprocess.run(["fc-match", "--format", r"%{family}\t%{charset}", pattern],
                           capture_output=True, text=True, check=False).stdout
    family, _, charset = found.partition("\t")
    if pattern.split(":")[0] not in family.split(","):
        return ()
    ranges = []
    for part in charset.split():
        low, _, high = part.partition("-")
        ranges.append((int(low, 16), int(high or low, 16)))
    return tuple(ranges)


def covered() -> Callable[[str], bool]:
    """Whether some face of the booklet draws a character."""
    ranges = sorted(r for face in FACES for r in _face_ranges(face))
    lows = [low for low, _ in ranges]
    highs = list(accumulate((high for _, high in ranges), max))

    def draws(char: str) -> bool:
        at = bisect_right(lows, ord(char)) - 1
        return at >= 0 and highs[at] >= ord(char)
    return draws


def missing_glyphs(files: Iterable[Path], *, final: bool = False) -> list[Diagnostic]:
    """A warning per character of `files` (the manuscript, the PO file, book.yaml) that
    no face of the booklet has a glyph for, with its file, line and code point: it
    would print as a box. With `final`, an InputError listing them all instead."""
    draws = covered()
    found: list[Diagnostic] = []
    seen: set[str] = set()
    for path in files:
        try:
            text = path.read_text(encoding="utf-8-sig", errors="replace")
        except OSError:
            continue
        for number, line in enumerate(text.splitlines(), 1):
            for char in line:
                if char in seen or draws(char) or _UNDRAWN.match(char):
                    continue
                seen.add(char)
                found.append(Diagnostic(
                    path, number, "warning", "glyph.missing",
                    f"{char} (U+{ord(char):04X}) is in no font of the booklet: it would "
                    f"print as a box",
                    f"install {FALLBACK_PACKAGE} (make setup), or write the character "
                    f"another way"))
    if final and found:
        raise InputError(
            "characters no font of the booklet can print:\n  " + "\n  ".join(
                f"{display_path(d.path)}:{d.line}: {d.message}" for d in found if d.path),
            fix=f"install {FALLBACK_PACKAGE} (sudo apt-get install -y {FALLBACK_PACKAGE}), "
                "or replace the characters")
    return found
