"""Stacked: each Chinese paragraph above its translation, both the full text width."""

from __future__ import annotations

import math
from dataclasses import dataclass

from parabook.layouts.estimate import SHORT_LINES, lines, pairs
from parabook.model import Document, LayoutPlan
from parabook.typeset.measure import ZH_SIZE


@dataclass(frozen=True)
class StackedPlan(LayoutPlan):
    """What `templates/layouts/stacked.html.j2` reads."""

    target_width_pt: float
    """Width of a translation paragraph, for choosing its line breaks: the text width."""


def plan(document: Document, text_width_pt: float) -> StackedPlan:
    """The full text width for every paragraph, and the pairs short enough to keep whole."""
    chars_per_line = math.floor(text_width_pt / ZH_SIZE)
    return StackedPlan(
        notes=(),
        # One above the other: a pair is as high as its two texts' lines together.
        kept=frozenset(index for index, (source, target) in pairs(document).items()
                       if sum(lines(source, target, chars_per_line, text_width_pt))
                       <= SHORT_LINES),
        target_width_pt=text_width_pt,
    )
