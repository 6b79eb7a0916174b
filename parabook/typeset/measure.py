"""Text measured as WeasyPrint sets it (Pango with the booklet's fonts), and kept.

The sizes are the booklet's (`geometry`, which the stylesheets get them from); the
layouts (`parabook.layouts`) and the line breaker measure with them.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from parabook.infra.cache import touch_used
from parabook.infra.fsutil import write_atomic
from parabook.typeset import fonts, geometry, weasy

log = logging.getLogger("parabook.typeset.measure")

_TYPE = geometry.TYPOGRAPHY  # the same on every page size
ZH_SIZE, ZH_LEADING = _TYPE.zh.size_pt, _TYPE.zh.leading
TR_SIZE, TR_LEADING = _TYPE.tr.size_pt, _TYPE.tr.leading
CELL_PADDING = _TYPE.column_padding_mm * geometry.MM
ZH_INDENT_EM = _TYPE.zh_indent_em
PARAGRAPH_GAP = _TYPE.paragraph_gap_mm * geometry.MM


def text_width_pt(page_size: str) -> float:
    return geometry.PAGES[page_size].text_width_pt


def shaped_width(text: str, family: str, size: float, lang: str = "en") -> float:
    """Width of `text` in points as WeasyPrint sets it: shaped by Pango, with kerning
    and ligatures (`weasy.text_width`)."""
    return cast(float, remembered("width", f"{family}\t{size}\t{lang}\t{text}",
                                  lambda: _shape(text, family, size, lang)))


def _shape(text: str, family: str, size: float, lang: str) -> float:
    return weasy.text_width(text, family, size, lang) * 0.75  # CSS px to pt


# Measured text, kept: in this process (watch mode rebuilds in it), and on disk between
# builds (`text_cache`). A fresh process would otherwise shape every word again, and
# load the hyphenation dictionary and WeasyPrint's styles to do it, for line breaks
# that an edit of one paragraph leaves as they were everywhere else.
_MEMO: dict[str, dict[str, object]] = {}
"""{kind: {key: value}}: everything measured in this process."""
_store: _Store | None = None
"""The book's cache file while `text_cache` runs."""

_MEASURING_CODE = ("measure.py", "linebreak.py", "zhbreak.py", "weasy.py")
"""Part of the cache's fingerprint: a change to how text is measured or broken
(`linebreak`'s costs, say) measures it again."""


@dataclass
class _Store:
    """One book's measured text on disk: what the last build used, and what this one uses."""

    stored: dict[str, dict[str, object]]
    used: dict[str, dict[str, object]]


def remembered(kind: str, key: str, compute: Callable[[], object]) -> object:
    """`compute()`, kept under (kind, key): a value must be JSON (numbers, strings,
    lists, None) and depend only on the key and the fonts and versions in the cache's
    fingerprint (`text_cache`)."""
    memo = _MEMO.setdefault(kind, {})
    if key in memo:
        value = memo[key]
    elif _store is not None and key in _store.stored.get(kind, {}):
        value = memo[key] = _store.stored[kind][key]
    else:
        value = memo[key] = compute()
    if _store is not None:
        _store.used.setdefault(kind, {})[key] = value
    return value


def recall(kind: str, key: str) -> object | None:
    """What `remembered` or `keep` kept under (kind, key) in this process or in the book's
    cache file, or None; it is not kept for the next build unless used (`keep`)."""
    memo = _MEMO.get(kind, {})
    if key in memo:
        return memo[key]
    if _store is not None:
        return _store.stored.get(kind, {}).get(key)
    return None


def keep(kind: str, key: str, value: object) -> None:
    """Keep `value` (JSON) under (kind, key), replacing what was there, for this process
    and, inside `text_cache`, the next build."""
    _MEMO.setdefault(kind, {})[key] = value
    if _store is not None:
        _store.used.setdefault(kind, {})[key] = value


@contextmanager
def text_cache(path: Path) -> Iterator[None]:
    """Keep the widths and line breaks measured inside the block in `path`, one book's
    file: read when the block starts, written back (atomically, and only when it
    changed) with just what the block used when it ends without an error.

    The file is ignored when its fingerprint differs: other fonts (`fonts.fingerprint`),
    WeasyPrint, Pango or pyphen, or other code in `_MEASURING_CODE`.
    """
    global _store
    fingerprint = _fingerprint()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        stored = data["entries"] if data.get("fingerprint") == fingerprint else {}
        stored = {kind: entries for kind, entries in stored.items()
                  if isinstance(entries, dict)}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        stored = {}  # none yet, or damaged: measure again
    _store, outer = _Store(stored, {}), _store
    try:
        yield
        if _store.used != stored:
            try:
                write_atomic(path, json.dumps({"fingerprint": fingerprint,
                                               "entries": _store.used},
                                              ensure_ascii=False, sort_keys=True))
            except OSError as exc:  # a cache that cannot be written only costs time
                log.info("text cache %s not written: %s", path, exc)
        else:
            touch_used(path)
    finally:
        _store = outer


@functools.cache
def _fingerprint() -> str:
    """Once per process: the code and fonts this process measures with are the ones it
    loaded, even when the files change on disk while it runs (a `git pull` during watch)."""
    import pyphen

    digest = hashlib.sha256("\n".join([
        weasy.PINNED_WEASYPRINT, str(weasy.pango_version()), pyphen.__version__,
        fonts.fingerprint()]).encode())
    for name in _MEASURING_CODE:
        digest.update(Path(__file__).with_name(name).read_bytes())
    return digest.hexdigest()
