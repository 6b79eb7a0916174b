"""Text geometry from a PDF, read with PyMuPDF: every glyph with its font, box and origin."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import pymupdf

from parabook.typeset.geometry import MM


@dataclass(frozen=True)
class Glyph:
    page: int
    """1-based."""
    char: str
    font: str
    size: float
    x0: float
    x1: float
    y: float
    """Baseline."""
    bold: bool


@dataclass
class Line:
    """Glyphs of one font family group on one baseline in one column of one page."""

    page: int
    glyphs: list[Glyph]

    @property
    def text(self) -> str:
        return "".join(g.char for g in self.glyphs)

    @property
    def x0(self) -> float:
        return self.glyphs[0].x0

    @property
    def x1(self) -> float:
        return max(g.x1 for g in self.glyphs if not g.char.isspace())

    @property
    def y(self) -> float:
        return self.glyphs[0].y


def glyphs(pdf: Path) -> tuple[list[Glyph], list[tuple[float, float]]]:
    doc = pymupdf.open(pdf)
    out, sizes = [], []
    for page in doc:
        sizes.append((page.rect.width, page.rect.height))
        for block in page.get_text("rawdict")["blocks"]:
            for line in block.get("lines", []):
                for span in line["spans"]:
                    for char in span["chars"]:
                        out.append(Glyph(page.number + 1, char["c"], span["font"],
                                         round(span["size"], 2), char["bbox"][0],
                                         char["bbox"][2], round(char["origin"][1], 1),
                                         "Bold" in span["font"]))
    return out, sizes


def in_text_area(glyph: Glyph, sizes) -> bool:
    """Inside the page's text block: not a running head, page number or DRAFT line."""
    return 15 * MM < glyph.y < sizes[glyph.page - 1][1] - 18 * MM


def lines(selected: list[Glyph], gap: float = 6.0) -> list[Line]:
    """Glyphs grouped by page and baseline, then split where a horizontal gap is wider
    than `gap` points (a column gutter)."""
    rows: dict[tuple[int, float], list[Glyph]] = defaultdict(list)
    for glyph in selected:
        rows[(glyph.page, glyph.y)].append(glyph)
    out: list[Line] = []
    for (page, _), row in sorted(rows.items()):
        row.sort(key=lambda g: g.x0)
        current = [row[0]]
        for glyph in row[1:]:
            if glyph.x0 - current[-1].x1 > gap:
                out.append(Line(page, current))
                current = []
            current.append(glyph)
        out.append(Line(page, current))
    return out


def is_cjk(glyph: Glyph) -> bool:
    return "CJK" in glyph.font
