"""Page composition (issue 15): page counts in fours, identical in every output, with the
back cover last; planned blank pages; the cover on one page; the date once.

Builds the tiny book (a few pages) in several lengths, and the sample with a cover
photo; every check reads the PDFs.
"""

from __future__ import annotations

import statistics
from pathlib import Path

import pytest
from pypdf import PdfReader

from parabook.errors import BookError, InputError
from parabook.render.pdf import pad_to_fours
from parabook.typeset.geometry import TYPOGRAPHY

from . import pdftools, test_printfile
from .conftest import SAMPLE, build
from .test_printfile import with_cover

pytestmark = pytest.mark.integration

booklet = test_printfile.booklet
"""The sample with camera photos and a cover photo, built once per run (a fixture)."""


@pytest.mark.parametrize("pages", range(5, 14))
@pytest.mark.parametrize("back", [1, 2])
def test_filler_pages_make_a_multiple_of_four_before_the_back_cover(pages, back):
    # A back cover of `back` pages (a long colophon), the 3 fillers just before it.
    layout = [f"p{n}" for n in range(pages)]
    fillers = list(range(pages - back - 3, pages - back))
    pad_to_fours(layout, fillers)
    content = pages - 3
    assert len(layout) % 4 == 0 and content <= len(layout) < content + 4
    assert layout[-back:] == [f"p{n}" for n in range(pages - back, pages)]
    assert layout[:content - back] == [f"p{n}" for n in range(content - back)]


def test_too_few_pages_for_the_fillers_is_an_error():
    with pytest.raises(BookError, match="it needs a cover and a back cover"):
        pad_to_fours(["a", "b", "c"], [0, 1])


def page_count(path: Path) -> int:
    return len(PdfReader(path).pages)


def lengthen(root: Path, paragraphs: int) -> None:
    """Repeat the tiny book's last paragraph: a longer book, with its translation."""
    source = root / "book" / SAMPLE / "source.zh.md"
    blocks = source.read_text(encoding="utf-8").rstrip("\n").split("\n\n")
    text = next(b for b in reversed(blocks) if not b.startswith(("!", "#")))
    source.write_text("\n\n".join(blocks + [text] * paragraphs) + "\n", encoding="utf-8")


@pytest.mark.parametrize("paragraphs", [0, 6, 14])
def test_every_output_has_the_same_pages_in_fours_with_the_back_cover_last(
        tiny_project, paragraphs):
    lengthen(tiny_project, paragraphs)
    built = build(tiny_project)
    counts = {name: page_count(built.pdf(name)) for name in ("print", "email")}
    assert counts["print"] == counts["email"] and counts["print"] % 4 == 0, counts
    sheets = page_count(built.pdf("handout")) // 2
    assert sheets * 4 == counts["print"]  # the handout adds no blank of its own
    assert "+ 0 blank" not in built.out and " blank on " not in built.out
    last = pdftools.text(built.pdf("email"), page=counts["email"])
    assert "English translation reviewed" in last  # the colophon, on the last verso
    # The pages added say Notes; none is added where the book fills its sheets.
    notes = sum("Notes" in pdftools.text(built.pdf("email"), page=n) and
                "笔记" in pdftools.text(built.pdf("email"), page=n)
                for n in range(1, counts["email"] + 1))
    assert notes <= 3


def test_blank_pages_can_stay_blank(tiny_project):
    meta = tiny_project / "book" / SAMPLE / "book.yaml"
    with_notes = build(tiny_project)
    pages = page_count(with_notes.pdf("email"))
    texts = [pdftools.text(with_notes.pdf("email"), page=n) for n in range(1, pages + 1)]
    fillers = [n for n, text in enumerate(texts) if "Notes" in text and "笔记" in text]
    assert fillers, "the tiny book needs a filler page for this test"
    meta.write_text(meta.read_text(encoding="utf-8") + "blank_pages: blank\n",
                    encoding="utf-8")
    blank = build(tiny_project)
    assert page_count(blank.pdf("email")) == pages
    for n in fillers:
        assert pdftools.text(blank.pdf("email"), page=n + 1).strip() == ""


@pytest.mark.slow
def test_the_cover_is_one_page_with_a_cover_photo_and_the_year_printed_once(tmp_path):
    built = build(with_cover(tmp_path / "cover"), "--output", "email")
    first = pdftools.text(built.pdf("email"), page=1)
    second = pdftools.text(built.pdf("email"), page=2)
    assert "Liu Jinxin" in first and "刘金鑫" in first
    assert "Liu Jinxin" not in second and "Contents" in second
    # The date, a year alone, once (no "2021年" above "2021").
    assert first.rstrip().endswith("Liu Jinxin\n2021"), first


def test_a_cover_that_cannot_fit_on_one_page_is_a_clear_error(tiny_project, camera_jpeg_file,
                                                               cli):
    folder = tiny_project / "book" / SAMPLE
    (folder / "photos" / "cover.jpg").write_bytes(camera_jpeg_file.read_bytes())
    meta = folder / "book.yaml"
    long_subtitle = "——" + "滁州经开区城北新区办事处工作纪实" * 30
    text = "\n".join(line for line in meta.read_text(encoding="utf-8").splitlines()
                     if not line.startswith("subtitle:"))
    meta.write_text(text + f"\nsubtitle: {long_subtitle}\ncover_photo: photos/cover.jpg\n",
                    encoding="utf-8")
    code, _, err = cli(tiny_project, "build", SAMPLE, "--output", "email")
    assert code != 0
    assert "the cover does not fit on one page" in err and "fix:" in err
    assert "parabook-photo" not in err


@pytest.mark.slow
def test_captions_start_at_their_photos_left_edge_and_side_by_side_photos_align(booklet):
    import pymupdf

    checked = pairs = 0
    with pymupdf.open(booklet.pdf("email")) as doc:
        for page in doc.pages(2):  # after the cover
            photos = [pymupdf.Rect(i["bbox"]) for i in page.get_image_info()]
            lines = [line for block in page.get_text("dict")["blocks"]
                     for line in block.get("lines", ())]
            for photo in photos:
                below = [pymupdf.Rect(line["bbox"]) for line in lines
                         if 0 <= line["bbox"][1] - photo.y1 < 40
                         and photo.x0 - 30 < line["bbox"][0] < photo.x1]
                assert below, f"page {page.number + 1}: no caption under {photo}"
                first = min(below, key=lambda r: r.y0)
                assert first.x0 == pytest.approx(photo.x0, abs=1.0), (page.number + 1, photo)
                assert max(r.x1 for r in below) <= photo.x1 + 1.0
                checked += 1
            if len(photos) == 2 and abs(photos[0].y0 - photos[1].y0) < 1:
                assert photos[0].height == pytest.approx(photos[1].height, abs=0.5)
                pairs += 1
    assert checked == 10 and pairs == 1


def first_lines(page) -> list[tuple[float, str, float, float]]:
    """(baseline, font, size, x0) of each text line on a PyMuPDF page."""
    return [(line["spans"][0]["origin"][1], line["spans"][0]["font"],
             round(line["spans"][0]["size"], 1), line["bbox"][0])
            for block in page.get_text("dict")["blocks"] for line in block.get("lines", ())]


@pytest.mark.slow
def test_every_rows_first_baselines_are_level_and_headings_start_on_one_line(booklet):
    import pymupdf

    rows = headings = 0
    with pymupdf.open(booklet.pdf("email")) as doc:
        for page in doc.pages(2):
            lines = first_lines(page)
            zh = [line for line in lines if "CJK" in line[1] and "Bold" not in line[1]
                  and line[2] == round(TYPOGRAPHY.zh.size_pt, 1)]
            tr = [line for line in lines if "CJK" not in line[1] and "Bold" not in line[1]
                  and line[2] == round(TYPOGRAPHY.tr.size_pt, 1)]
            if zh and tr:
                # The column's left edge: where most lines start (a line-start quote
                # is pulled half an em out).
                left = statistics.mode(round(line[3], 1) for line in zh)
                indent = TYPOGRAPHY.zh_indent_em * TYPOGRAPHY.zh.size_pt
                # A paragraph's first line is indented 2 em; the translation's first line
                # is the one nearest it.
                for line in (line for line in zh if abs(line[3] - left - indent) < 1.5):
                    nearest = min(tr, key=lambda other: abs(other[0] - line[0]))
                    assert abs(nearest[0] - line[0]) <= 0.5, (page.number + 1, line, nearest)
                    rows += 1
            bold = [line for line in lines if "Bold" in line[1] and line[2] < 12]
            zh_heads = sorted(line[0] for line in bold if "CJK" in line[1])
            tr_heads = sorted(line[0] for line in bold if "CJK" not in line[1])
            if zh_heads and not page.get_text().startswith("笔记"):  # not a Notes page
                assert tr_heads and abs(zh_heads[0] - tr_heads[0]) <= 0.5, page.number + 1
                # Never alone at the foot of a page: body text follows on the same page.
                assert any(line[0] > zh_heads[-1] and "Bold" not in line[1]
                           for line in lines), page.number + 1
                headings += 1
    assert rows >= 20 and headings == 3


def test_a_pinned_share_that_leaves_a_column_mostly_empty_is_warned(tiny_project):
    meta = tiny_project / "book" / SAMPLE / "book.yaml"
    meta.write_text(meta.read_text(encoding="utf-8") + "source_share: 0.75\n",
                    encoding="utf-8")
    built = build(tiny_project, "--output", "email")
    assert "leaves the Chinese column" in built.out + built.err
    assert "layout: stacked" in built.out + built.err
    assert "leaves the translation column" not in built.out + built.err


def test_cover_focus_keeps_its_part_of_the_photo_and_a_bad_one_is_an_error(tmp_path):
    from parabook.source.config import load_meta

    meta = tmp_path / "book.yaml"
    meta.write_text("title: 标题\nbyline: 作者\ncover_focus: 50%,20%\n", encoding="utf-8")
    assert load_meta(meta, "x").cover_focus == (0.5, 0.2)
    meta.write_text("title: 标题\nbyline: 作者\ncover_focus: top\n", encoding="utf-8")
    with pytest.raises(InputError, match="cover_focus 'top' is not X%,Y%") as caught:
        load_meta(meta, "x")
    assert caught.value.line == 3 and "fix: cover_focus is" in str(caught.value)
