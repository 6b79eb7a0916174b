"""Check, before layout, that the fonts and subsetter the booklet needs are installed."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess

from parabook.diagnostics import Diagnostic
from parabook.errors import SetupError
from parabook.typeset import weasy

REQUIRED_FAMILIES = {
    "Noto Serif CJK SC": "fonts-noto-cjk",
    "Noto Serif": "fonts-noto-core",
}

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
