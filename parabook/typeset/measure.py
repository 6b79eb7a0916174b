"""Choose the split between the Chinese and the translation column from the texts.

English runs far longer than the Chinese it translates, so equal columns leave
one side half empty. For each split between 30% and 65% of the text width this
estimates every row's height (lines of Chinese at a whole number of characters
per line, lines of translation from their shaped width) and keeps the
split whose rows add up to the least height: the columns then end nearly level.
The Chinese column is then rounded to a whole number of characters, so a full
line of Han characters fills it exactly.

The sizes are the booklet's (`geometry`, which the stylesheet gets them from); widths
are measured as WeasyPrint sets the text (`shaped_width`, Pango with the booklet's fonts).
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from parabook.infra.fsutil import write_atomic
from parabook.output.photos import touch_used
from parabook.typeset import fonts, geometry, weasy

log = logging.getLogger("parabook.typeset.measure")

_TYPE = geometry.TYPOGRAPHY  # the same on every page size
ZH_SIZE, ZH_LEADING = _TYPE.zh.size_pt, _TYPE.zh.leading
TR_SIZE, TR_LEADING = _TYPE.tr.size_pt, _TYPE.tr.leading
CELL_PADDING = _TYPE.column_padding_mm * geometry.MM
ZH_INDENT_EM = _TYPE.zh_indent_em
PARAGRAPH_GAP = _TYPE.paragraph_gap_mm * geometry.MM
WRAP_SLACK = 1.06  # words do not fill a line exactly
SHARES = [s / 1000 for s in range(300, 651, 5)]
# A line one character short must be fillable between its characters within the
# justification's limit (parabook/justify.py: under 0.1 em a gap, or text
# extraction reads a space): 11 gaps x 0.098 em > 1 em takes 12 characters.
MIN_CHARS = 12


@dataclass(frozen=True)
class ColumnSplit:
    """The chosen width of the Chinese column."""

    share: float
    """Fraction of the text width for the Chinese column (cell padding included)."""
    chars_per_line: int
    """Han characters in one full line of the Chinese column."""
    measured: bool
    """True when chosen from the texts, False when `book.yaml` set it."""


def choose_split(rows: list[tuple[str, str]], text_width_pt: float,
                 fixed: float | None) -> ColumnSplit:
    """The split for rows of (Chinese, translation); `fixed` is book.yaml's own choice."""
    zh = [shaped_width(s, "Noto Serif CJK SC", ZH_SIZE, "zh-CN") + ZH_INDENT_EM * ZH_SIZE
          for s, _ in rows]
    tr = [shaped_width(t, "Noto Serif", TR_SIZE) * WRAP_SLACK for _, t in rows]

    def height(share: float) -> float:
        zh_line = _chars(share, text_width_pt) * ZH_SIZE
        tr_line = (1 - share) * text_width_pt - CELL_PADDING
        return sum(max(math.ceil(a / zh_line) * ZH_SIZE * ZH_LEADING,
                       math.ceil(b / tr_line) * TR_SIZE * TR_LEADING) + PARAGRAPH_GAP
                   for a, b in zip(zh, tr, strict=True))

    if fixed is not None:
        share = fixed
    else:
        # Least total height; among near-equals the wider Chinese column reads better.
        best = min(height(s) for s in SHARES)
        share = max(s for s in SHARES if height(s) <= best * 1.002)
    chars = _chars(share, text_width_pt)
    if fixed is None:  # whole characters: a full line of Han fills the column exactly
        share = (chars * ZH_SIZE + CELL_PADDING) / text_width_pt
    return ColumnSplit(share, chars, fixed is None)


def _chars(share: float, text_width_pt: float) -> int:
    return max(MIN_CHARS, math.floor((share * text_width_pt - CELL_PADDING) / ZH_SIZE + 1e-6))


SHORT_LINES = 6


def text_width_pt(page_size: str) -> float:
    return geometry.PAGES[page_size].text_width_pt


def is_short(source: str, target: str, split: ColumnSplit, text_width_pt: float) -> bool:
    """True when both sides of a pair fit in a few lines: such a pair is kept whole."""
    zh = shaped_width(source, "Noto Serif CJK SC", ZH_SIZE, "zh-CN") + ZH_INDENT_EM * ZH_SIZE
    tr = shaped_width(target, "Noto Serif", TR_SIZE) * WRAP_SLACK
    tr_line = (1 - split.share) * text_width_pt - CELL_PADDING
    return (math.ceil(zh / (split.chars_per_line * ZH_SIZE)) <= SHORT_LINES
            and math.ceil(tr / tr_line) <= SHORT_LINES)


def shaped_width(text: str, family: str, size: float, lang: str = "en") -> float:
    """Width of `text` in points as WeasyPrint sets it: shaped by Pango, with kerning
    and ligatures (`weasy.text_width`)."""
    return remembered("width", f"{family}\t{size}\t{lang}\t{text}",
                      lambda: _shape(text, family, size, lang))


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

_MEASURING_CODE = ("measure.py", "linebreak.py", "weasy.py")
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

    digest = hashlib.sha256("\n".join([
        weasy.PINNED_WEASYPRINT, str(weasy.pango_version()), pyphen.__version__,
        fonts.fingerprint()]).encode())
    for name in _MEASURING_CODE:
        digest.update(Path(__file__).with_name(name).read_bytes())
    return digest.hexdigest()
