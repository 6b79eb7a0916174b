"""How full each body page of a booklet's PDF is, read with PyMuPDF (issue 15: no page
but a section's or the book's last may end more than 15% short).

A page's text area is its trim less the margins (`geometry`); its content ends at the
lowest text or photo inside it (the running head and the folio stand outside). Body
pages are those between the contents (or the cover) and the Notes pages or the back
cover. A page is a section's last when the next page opens with a section heading (a
bookmark at its top).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pymupdf

from parabook.typeset import geometry
from parabook.typeset.geometry import MM


@dataclass(frozen=True)
class Fill:
    page: int
    """1-based."""
    empty: float
    """Share of the text area's height below the content."""
    exempt: str
    """Why it may end short: "section's last", "book's last", or ""."""


def fills(pdf: Path, page_size: str = "A5") -> list[Fill]:
    """Every body page of `pdf` (an email PDF: its pages are the trim) and how empty it
    ends."""
    page = geometry.PAGES[page_size]
    top, bottom_margin = page.margin_top_mm * MM, page.margin_bottom_mm * MM
    document = pymupdf.open(pdf)
    section_starts = {entry[2] for entry in document.get_toc(simple=False)
                      if entry[0] == 2 and entry[3].get("to") is not None
                      and entry[3]["to"].y < top + 20}
    body: list[tuple[int, float]] = []
    for number, sheet in enumerate(document, 1):
        text = sheet.get_text()
        if number == 1 or number == len(document) or "目录" in text[:20] or "笔记" in text[:20]:
            continue
        bottom = sheet.rect.height - bottom_margin
        ends = [block[3] for block in sheet.get_text("blocks")
                if block[1] > top - 3 and block[3] < bottom + 3]
        ends += [rect.y1 for image in sheet.get_images()
                 for rect in sheet.get_image_rects(image[0]) if rect.y0 > top - 3]
        used = max(ends, default=top) - top
        body.append((number, 1 - used / (bottom - top)))
    out = []
    for index, (number, empty) in enumerate(body):
        exempt = ("book's last" if index == len(body) - 1 else
                  "section's last" if number + 1 in section_starts else "")
        out.append(Fill(number, empty, exempt))
    document.close()
    return out


def short_pages(pdf: Path, page_size: str = "A5", limit: float = 0.15) -> list[Fill]:
    """The body pages ending more than `limit` empty that are not a section's or the
    book's last."""
    return [fill for fill in fills(pdf, page_size) if fill.empty > limit and not fill.exempt]
