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


def check() -> None:
    """Raise SetupError naming the Debian package to install for anything missing."""
    missing = []
    if shutil.which("fc-list"):
        listed = subprocess.run(["fc-list", ":", "family"], capture_output=True,
                                text=True, check=False).stdout
        families = {name.strip() for line in listed.splitlines() for name in line.split(",")}
        missing = [pkg for family, pkg in REQUIRED_FAMILIES.items() if family not in families]
    if not ctypes.util.find_library("harfbuzz-subset"):
        missing.append("libharfbuzz-subset0")
    if missing:
        raise SetupError(
            "fonts or libraries the booklet needs are not installed: " + ", ".join(missing),
            fix=f"run: sudo apt-get install -y {' '.join(missing)}  (or: make setup)")
