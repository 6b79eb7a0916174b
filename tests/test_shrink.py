"""The email PDF's CJK fonts are cut to their glyphs, and nothing on the page changes."""

from __future__ import annotations

import io

import pymupdf
import pytest
from PIL import Image, ImageChops

from parabook.catalog.po import load_translations
from parabook.compose.pairing import pair
from parabook.layouts import plan_layout
from parabook.output.outputs import SPECS
from parabook.output.shrink import shrink_cid_fonts, used_cids
from parabook.render.html import render_html
from parabook.render.pdf import write_pdf
from parabook.source.manuscript import read_book, segments

from . import pdftools
from .conftest import SAMPLE, copy_project


@pytest.mark.parametrize(("widths", "cids"), [
    ("[1 [500 600] 10 12 300]", {1, 2, 10, 11, 12}),
    ("[ 0 [ 1000 ] 5 [ 250.5 -3 ] ]", {0, 5, 6}),
    ("[]", set()),
])
@pytest.mark.unit
def test_used_cids_reads_both_forms_of_w(widths, cids):
    assert used_cids(widths) == cids


@pytest.fixture(scope="module")
def both(tmp_path_factory):
    """The sample's email PDF as WeasyPrint wrote it, and shrunk."""
    root = copy_project(tmp_path_factory.mktemp("shrink"))
    manuscript = read_book(root / "book", SAMPLE)
    translations = load_translations(root / "translations", SAMPLE, "en", segments(manuscript))
    document = pair(manuscript, "en", translations)
    html = render_html(document, plan_layout(document), root / "templates",
                       root / "styles" / "booklet.css", SPECS["email"])
    allowed = [manuscript.folder, root / "templates", root / "styles"]
    plain, small = root / "plain.pdf", root / "small.pdf"
    write_pdf(html, plain, base_dir=manuscript.folder, allowed=allowed, pdf_variant="pdf/ua-1")
    write_pdf(html, small, base_dir=manuscript.folder, allowed=allowed, pdf_variant="pdf/ua-1",
              postprocess=shrink_cid_fonts)
    return plain, small


def test_cjk_fonts_become_bare_cff_and_the_file_shrinks(both):
    plain, small = both
    before = {f.name.split("+")[1]: f.type for f in pdftools.fonts(plain)}
    after = {f.name.split("+")[1]: f.type for f in pdftools.fonts(small)}
    assert before["Noto-Serif-CJK-SC"] == "CID Type 0C (OT)"
    assert after["Noto-Serif-CJK-SC"] == "CID Type 0C"
    assert after["Noto-Serif"] == before["Noto-Serif"]  # Latin fonts left alone
    assert small.stat().st_size < plain.stat().st_size - 250_000, \
        (plain.stat().st_size, small.stat().st_size)


def test_every_page_renders_the_same_in_poppler_and_mupdf(both):
    plain, small = both
    pages = int(pdftools.info(plain)["Pages"])
    assert int(pdftools.info(small)["Pages"]) == pages
    for page in range(1, pages + 1):
        a, b = pdftools.render(plain, page, dpi=50), pdftools.render(small, page, dpi=50)
        assert ImageChops.difference(a, b).getbbox() is None, f"poppler, page {page}"
    docs = pymupdf.open(plain), pymupdf.open(small)
    for index in range(pages):
        a, b = (Image.open(io.BytesIO(d[index].get_pixmap(dpi=50).tobytes("png"))).convert("RGB")
                for d in docs)
        assert ImageChops.difference(a, b).getbbox() is None, f"mupdf, page {index + 1}"


def test_text_tags_and_language_survive(both):
    plain, small = both
    assert pdftools.text(plain) == pdftools.text(small)
    info = pdftools.info(small)
    assert info["Tagged"] == "yes" and info["Title"] == pdftools.info(plain)["Title"]
    doc = pymupdf.open(small)
    catalog = doc.xref_object(doc.pdf_catalog())
    assert "/StructTreeRoot" in catalog and "/Lang (zh-CN)" in catalog
    assert doc.get_toc() == pymupdf.open(plain).get_toc()


def test_shrinking_is_deterministic(both):
    data = both[0].read_bytes()
    assert shrink_cid_fonts(data) == shrink_cid_fonts(data)


@pytest.mark.integration
def test_a_pdf_without_cid_fonts_is_returned_as_it_is(tmp_path):
    import weasyprint

    data = weasyprint.HTML(string="<p style='font-family: Noto Serif'>Hello</p>").write_pdf()
    assert shrink_cid_fonts(data) is data
