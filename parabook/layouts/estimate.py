"""A pair's lines estimated from its shaped widths, as the layouts plan with.

The sizes mirror `styles/layouts/`; widths are measured as WeasyPrint sets the text
(`measure.shaped_width`, Pango with the booklet's fonts).
"""

from __future__ import annotations

import math

from parabook.model import Document
from parabook.typeset.measure import TR_SIZE, ZH_INDENT_EM, ZH_SIZE, shaped_width

WRAP_SLACK = 1.06  # words do not fill a line exactly
SHORT_LINES = 6
"""A pair this many lines high, or less, is kept whole on one page."""


def pairs(document: Document) -> dict[int, tuple[str, str]]:
    """The paragraphs' (Chinese, translation) by index in `document.rows`; a missing
    translation takes the room of the label printed instead."""
    return {index: (row.text.source, row.text.target or document.pending_label)
            for index, row in enumerate(document.rows) if row.kind == "paragraph" and row.text}


def source_width(text: str) -> float:
    """The Chinese's width in points set on one line, with its first line's indent."""
    return shaped_width(text, "Noto Serif CJK SC", ZH_SIZE, "zh-CN") + ZH_INDENT_EM * ZH_SIZE


def target_width(text: str) -> float:
    """The translation's width in points set on one line, with room for lines that words
    do not fill."""
    return shaped_width(text, "Noto Serif", TR_SIZE) * WRAP_SLACK


def lines(source: str, target: str, chars_per_line: int,
          target_line_pt: float) -> tuple[int, int]:
    """Lines of a pair: the Chinese at `chars_per_line` Han characters a line, the
    translation in lines `target_line_pt` points wide."""
    return (math.ceil(source_width(source) / (chars_per_line * ZH_SIZE)),
            math.ceil(target_width(target) / target_line_pt))
