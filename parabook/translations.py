"""Load `translations/<slug>.<lang>.po` (gettext PO) into per-segment translations."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import polib

from .errors import InputError
from .model import Segment, Translation

PENDING = Translation(None, "pending")


def po_path(translations_dir: Path, slug: str, lang: str) -> Path:
    return translations_dir / f"{slug}.{lang}.po"


def check_po(path: Path) -> None:
    """Refuse a file gettext's own `msgfmt --check` rejects (polib is more lenient)."""
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        return
    result = subprocess.run([msgfmt, "--check", "-o", "/dev/null", str(path)],
                            capture_output=True, text=True, check=False)
    if result.returncode != 0:
        first = next((ln for ln in result.stderr.splitlines() if ln.strip()), "invalid")
        # msgfmt says "FILE:LINE: problem"; keep its line, name the file our way.
        parts = first.split(":", 2)
        line = int(parts[1]) if len(parts) == 3 and parts[1].isdigit() else None
        problem = parts[2].strip() if line else first
        raise InputError(f"not a valid PO file: {problem}", path=path, line=line,
                         fix=f"fix that line (msgfmt --check -o /dev/null {path} shows all)")


def load_translations(translations_dir: Path, slug: str, lang: str,
                      segments: list[Segment]) -> dict[Segment, Translation]:
    """Map each segment to its reviewed translation; everything else is pending.

    Entries match on source text (and `msgctxt` = segment kind when present), as
    gettext does, so reordering paragraphs loses nothing.
    """
    path = po_path(translations_dir, slug, lang)
    if not path.exists():
        return {segment: PENDING for segment in segments}
    check_po(path)
    try:
        catalog = polib.pofile(str(path), wrapwidth=0)
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read the translation file: {exc}", path=path,
                         fix=f"check it with: msgfmt --check -o /dev/null {path}") from None
    reviewed: dict[tuple[str | None, str], str] = {}
    for entry in catalog:
        if entry.obsolete or entry.fuzzy or not entry.msgstr.strip():
            continue
        reviewed[(entry.msgctxt, entry.msgid)] = entry.msgstr
    out = {}
    for segment in segments:
        text = reviewed.get((segment.kind, segment.text), reviewed.get((None, segment.text)))
        out[segment] = Translation(text, "reviewed") if text else PENDING
    return out
