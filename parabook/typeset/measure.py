"""Text measured as WeasyPrint sets it (Pango with the booklet's fonts), and kept.

The sizes mirror the stylesheets (`styles/booklet.css`, `styles/layouts/`); the
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
from functools import cache
from pathlib import Path

from parabook.typeset import fonts
from parabook.infra.fsutil import write_atomic
from parabook.infra.cache import touch_used

log = logging.getLogger("parabook.typeset.measure")

MM = 72 / 25.4
# styles/booklet.css: td.zh p / td.tr p sizes, line heights, cell padding, indent.
ZH_SIZE, ZH_LEADING = 10.0, 1.75
TR_SIZE, TR_LEADING = 9.5, 1.45
CELL_PADDING = 3.5 * MM
ZH_INDENT_EM = 2
PARAGRAPH_GAP = 2.6 * MM
PAGE_MM = {"A5": (148.0, 210.0), "A4": (210.0, 297.0), "B5": (176.0, 250.0)}
SIDE_MARGINS_MM = 29.0  # styles/booklet.css: 13 + 16 mm


def text_width_pt(page_size: str) -> float:
    return (PAGE_MM[page_size][0] - SIDE_MARGINS_MM) * MM


@cache
def _style(family: str, size: float, lang: str):
    """A computed WeasyPrint style for plain text in `family` at `size`, from a tiny render."""
    import weasyprint
    from weasyprint.formatting_structure import boxes

    html = (f'<p lang="{lang}" style="font-family: \'{family}\'; font-size: {size}pt; '
            f'margin: 0">x</p>')
    stack = [weasyprint.HTML(string=html).render().pages[0]._page_box]
    while stack:
        box = stack.pop()
        if isinstance(box, boxes.TextBox):
            return box.style
        stack.extend(getattr(box, "children", []))
    raise RuntimeError("no text box in the measuring document")


def shaped_width(text: str, family: str, size: float, lang: str = "en") -> float:
    """Width of `text` in points as WeasyPrint sets it: shaped by Pango, with kerning
    and ligatures (WeasyPrint 70 internals; pinned)."""
    return remembered("width", f"{family}\t{size}\t{lang}\t{text}",
                      lambda: _shape(text, family, size, lang))


def _shape(text: str, family: str, size: float, lang: str) -> float:
    from weasyprint.text.line_break import create_layout, line_size

    style = _style(family, size, lang)
    layout = create_layout(text, style, None, None, 0)
    line, _ = layout.get_first_line()
    width, _ = line_size(line, style)
    return width * 0.75  # CSS px to pt


# Measured text, kept: in this process (watch mode rebuilds in it), and on disk between
# builds (`text_cache`). A fresh process would otherwise shape every word again, and
# load the hyphenation dictionary and WeasyPrint's styles to do it, for line breaks
# that an edit of one paragraph leaves as they were everywhere else.
_MEMO: dict[str, dict[str, object]] = {}
"""{kind: {key: value}}: everything measured in this process."""
_store: _Store | None = None
"""The book's cache file while `text_cache` runs."""

_MEASURING_CODE = ("measure.py", "linebreak.py")
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
    import weasyprint
    from weasyprint.text.ffi import pango

    digest = hashlib.sha256("\n".join([
        weasyprint.__version__, str(pango.pango_version()), pyphen.__version__,
        fonts.fingerprint()]).encode())
    for name in _MEASURING_CODE:
        digest.update(Path(__file__).with_name(name).read_bytes())
    return digest.hexdigest()
