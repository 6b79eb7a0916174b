"""Page geometry and type sizes come from parabook.typeset.geometry, for the stylesheet as
for the measuring code: checked on the sample rendered by WeasyPrint, read back with
PyMuPDF (page sizes, where the text starts and ends, font sizes)."""

from __future__ import annotations

import dataclasses
import logging
import re
from collections import Counter

import pymupdf
import pytest

from parabook.catalog.po import load_translations
from parabook.compose.pairing import pair
from parabook.layouts import plan_layout
from parabook.output.outputs import SPECS
from parabook.render.html import render_html
from parabook.render.pdf import render_pdf
from parabook.source.manuscript import read_book, segments
from parabook.typeset import geometry, measure

from .conftest import REPO, SAMPLE

HAN = re.compile("[\u4e00-\u9fff]")


def render(caplog) -> pymupdf.Document:
    """The sample's email PDF, rendered with the geometry in `geometry.PAGES` now."""
    manuscript = read_book(REPO / "book", SAMPLE)
    translations = load_translations(REPO / "translations", SAMPLE, "en",
                                     segments(manuscript))
    document = pair(manuscript, "en", translations)
    html = render_html(document, plan_layout(document), REPO / "templates",
                       REPO / "styles" / "booklet.css", SPECS["email"])
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        data, _ = render_pdf(html, base_dir=manuscript.folder,
                             allowed=[manuscript.folder, REPO / "templates", REPO / "styles"])
    assert not caplog.records, "WeasyPrint warned (a var() it does not take?)"
    return pymupdf.open(stream=data, filetype="pdf")


def spans(page: pymupdf.Page):
    for block in page.get_text("dict")["blocks"]:
        for line in block.get("lines", []):
            yield from (span for span in line["spans"] if span["text"].strip())


def test_text_is_set_in_the_sizes_of_the_geometry(caplog):
    with render(caplog) as document:
        han, latin = Counter(), Counter()
        for page in document:
            for span in spans(page):
                (han if HAN.search(span["text"]) else latin)[round(span["size"], 2)] += 1
    type_ = geometry.TYPOGRAPHY
    assert han.most_common(1)[0][0] == type_.zh.size_pt
    assert latin.most_common(1)[0][0] == type_.tr.size_pt
    assert type_.caption.size_pt in han and type_.heading_pt in han


def test_page_size_and_margins_come_from_the_geometry(caplog, monkeypatch):
    """Another trim and other margins, in geometry.py alone: the pages follow, and the
    justified text fills the width that the column split was measured for."""
    page = dataclasses.replace(geometry.PAGES["A5"], width_mm=160, height_mm=220,
                               margin_inner_mm=22, margin_outer_mm=9)
    monkeypatch.setitem(geometry.PAGES, "A5", page)
    mm = geometry.MM
    with render(caplog) as document:
        assert {(round(p.rect.width, 1), round(p.rect.height, 1)) for p in document} == \
            {(round(160 * mm, 1), round(220 * mm, 1))}
        # Body pages only: the cover and the colophon are centred.
        for number, pdf_page in enumerate(document[2:-1], start=3):
            # (A line-start opening mark set half width has half its glyph box outside.)
            lines = [span["bbox"] for span in spans(pdf_page)
                     if span["text"].lstrip("\u200b")[0] not in "“‘（《"]
            left = 22 if number % 2 else 9  # the first page is a right-hand page
            assert min(x0 for x0, *_ in lines) == pytest.approx(left * mm, abs=0.6), number
            assert max(x1 for _, _, x1, _ in lines) <= (160 - (31 - left)) * mm + 0.6
    assert measure.text_width_pt("A5") == pytest.approx((160 - 31) * mm)


def test_every_configured_page_size_has_a_geometry():
    from parabook.source.config import PAGE_SIZES

    assert set(PAGE_SIZES) == set(geometry.PAGES)
