"""Load `translations/<slug>.<lang>.po` (gettext PO) into per-segment translations."""

from __future__ import annotations

from pathlib import Path

import polib

from .errors import InputError
from .model import Segment, Translation

PENDING = Translation(None, "pending")


def po_path(translations_dir: Path, slug: str, lang: str) -> Path:
    return translations_dir / f"{slug}.{lang}.po"


def load_translations(translations_dir: Path, slug: str, lang: str,
                      segments: list[Segment]) -> dict[Segment, Translation]:
    """Map each segment to its reviewed translation; everything else is pending.

    Entries match on source text (and `msgctxt` = segment kind when present), as
    gettext does, so reordering paragraphs loses nothing.
    """
    path = po_path(translations_dir, slug, lang)
    if not path.exists():
        return {segment: PENDING for segment in segments}
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
