"""Parallel: the Chinese and its translation side by side, one table row per pair.

English runs far longer than the Chinese it translates, so equal columns leave
one side half empty. For each split between 30% and 65% of the text width this
estimates every row's height (lines of Chinese at a whole number of characters
per line, lines of translation from their shaped width) and keeps the
split whose rows add up to the least height: the columns then end nearly level.
The Chinese column is then rounded to a whole number of characters, so a full
line of Han characters fills it exactly.

The sizes mirror `styles/layouts/parallel.css`; the widths are measured
(`estimate`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from parabook.layouts.estimate import SHORT_LINES, lines, pairs, source_width, target_width
from parabook.model import Document, LayoutPlan
from parabook.typeset.measure import (
    CELL_PADDING,
    PARAGRAPH_GAP,
    TR_LEADING,
    TR_SIZE,
    ZH_LEADING,
    ZH_SIZE,
)

SHARES = [s / 1000 for s in range(300, 651, 5)]
MIN_CHARS = 14
"""The Chinese column's narrowest measure, in characters: 12 is short for body text,
and with long translations the split stayed at that floor (issue 15, D14). The type is
paired to allow it: Chinese 9.5 pt beside English 9 pt (`geometry.Typography`). A line
one character short must also be fillable between its characters (`zhbreak`)."""
MOSTLY_EMPTY = 0.5
"""A column whose text fills less than this share of its rows' height is reported."""


@dataclass(frozen=True)
class ColumnSplit:
    """The chosen width of the Chinese column."""

    share: float
    """Fraction of the text width for the Chinese column (cell padding included)."""
    chars_per_line: int
    """Han characters in one full line of the Chinese column."""
    measured: bool
    """True when chosen from the texts, False when `book.yaml` set it."""


@dataclass(frozen=True)
class ParallelPlan(LayoutPlan):
    """The column split, as `templates/layouts/parallel.html.j2` reads it."""

    source_share: float
    """Fraction of the text width for the Chinese column."""
    source_column: str
    """CSS width of the Chinese column: exact points for a whole number of characters."""
    target_width_pt: float
    """Width of a translation paragraph, for choosing its line breaks."""


def plan(document: Document, text_width_pt: float) -> ParallelPlan:
    """The split measured from the document's pairs (or book.yaml's `source_share`), and
    the pairs short enough to keep whole."""
    texts = pairs(document)
    split = choose_split(list(texts.values()), text_width_pt, document.meta.source_share)
    # A whole number of Chinese characters, exactly (a hair over, against rounding).
    source_pt = (split.chars_per_line * ZH_SIZE + CELL_PADDING + 0.05
                 if split.measured else split.share * text_width_pt)
    how = ("chosen from the measured lengths of the two texts; set source_share in "
           "book.yaml to override" if split.measured else "source_share in book.yaml")
    notes = [f"columns: Chinese {split.share:.0%} of the text width, "
             f"translation {1 - split.share:.0%} ({how})"]
    if not split.measured:
        notes += _empty_column_warnings(list(texts.values()), split,
                                        text_width_pt - source_pt - CELL_PADDING)
    return ParallelPlan(
        notes=tuple(notes),
        # A pair whose row is a few lines high is kept whole.
        kept=frozenset(index for index, (source, target) in texts.items()
                       if max(lines(source, target, split.chars_per_line,
                                    (1 - split.share) * text_width_pt - CELL_PADDING))
                       <= SHORT_LINES),
        source_share=split.share,
        source_column=f"{source_pt:.2f}pt",
        target_width_pt=text_width_pt - source_pt - CELL_PADDING,
    )


def _empty_column_warnings(rows: list[tuple[str, str]], split: ColumnSplit,
                           target_line_pt: float) -> list[str]:
    """A warning for each column that a pinned `source_share` leaves mostly empty."""
    zh_pt = tr_pt = total = 0.0
    for source, target in rows:
        zh_lines, tr_lines = lines(source, target, split.chars_per_line, target_line_pt)
        zh, tr = zh_lines * ZH_SIZE * ZH_LEADING, tr_lines * TR_SIZE * TR_LEADING
        zh_pt, tr_pt, total = zh_pt + zh, tr_pt + tr, total + max(zh, tr)
    warnings = []
    for name, used in (("Chinese", zh_pt), ("translation", tr_pt)):
        if total and used / total < MOSTLY_EMPTY:
            warnings.append(
                f"warning: source_share {split.share:g} in book.yaml leaves the {name} column "
                f"{1 - used / total:.0%} empty; remove source_share to have the split "
                "measured, or use layout: stacked (each paragraph above its translation)")
    return warnings


def choose_split(rows: list[tuple[str, str]], text_width_pt: float,
                 fixed: float | None) -> ColumnSplit:
    """The split for rows of (Chinese, translation); `fixed` is book.yaml's own choice."""
    zh = [source_width(s) for s, _ in rows]
    tr = [target_width(t) for _, t in rows]

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
