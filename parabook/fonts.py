"""Check, before layout, that the fonts and subsetter the booklet needs are installed."""

from __future__ import annotations

import ctypes.util
import shutil
import subprocess

from .errors import SetupError

REQUIRED_FAMILIES = {
    "Noto Serif CJK SC": "fonts-noto-cjk",
    "Noto Serif": "fonts-noto-core",
}


def subsetter_warning() -> str | None:
    """Without HarfBuzz's subsetter WeasyPrint falls back to fontTools: slow, but works."""
    if ctypes.util.find_library("harfbuzz-subset"):
        return None
    return ("libharfbuzz-subset is not installed: fonts are subset with fontTools, "
            "several times slower. Install it: sudo apt-get install -y libharfbuzz-subset0")


def check() -> None:
    """Raise SetupError naming the Debian package to install for a missing font."""
    if not shutil.which("fc-list"):
        raise SetupError("fontconfig's fc-list is not installed, so fonts cannot be found",
                         fix="run: sudo apt-get install -y fontconfig  (or: make setup)")
    listed = subprocess.run(["fc-list", ":", "family"], capture_output=True,
                            text=True, check=False).stdout
    families = {name.strip() for line in listed.splitlines() for name in line.split(",")}
    missing = [pkg for family, pkg in REQUIRED_FAMILIES.items() if family not in families]
    if missing:
        raise SetupError(
            "fonts the booklet needs are not installed: " + ", ".join(missing),
            fix=f"run: sudo apt-get install -y {' '.join(missing)}  (or: make setup)")
