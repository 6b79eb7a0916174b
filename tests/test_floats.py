"""Figures placed like LaTeX's [tp] floats (issue 15, D2): no page but a section's or
the book's last ends more than 15% short, measured on the PDF, on the sample with
photos and on the corpus's book of photos; a figure stands at most one page after the
paragraph before it; the preflight names the pages the PDF shows short."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import polib
import pymupdf
import pytest

from parabook import pipeline
from parabook.compose.floats import MIN_PHOTO_MM, _Item, _Pager
from parabook.typeset.geometry import MM

from .conftest import SAMPLE, Built, build, copy_project
from .corpus import make_corpus
from .pagefill import short_pages
from .photogen import camera_photo

pytestmark = pytest.mark.slow

PAGE = 500.0
ZH, TR = 17.5, 13.775


def _pair(row: int, zh_lines: int, tr_lines: int, *, kept: bool = False,
          section: bool = False) -> _Item:
    return _Item(row, "pair", columns=[[(0.0, ZH)] * zh_lines, [(2.5, TR)] + [(0.0, TR)] *
                                       (tr_lines - 1)],
                 trailing=7.4, kept=kept, section_start=section)


def _figure(row: int, photo: float, caption: float = 30.0, other: float = 16.0) -> _Item:
    return _Item(row, "figures", whole=photo + caption + other, photo=photo, caption=caption,
                 kept=True)


def _pages(pager: _Pager) -> dict[int, int]:
    return {row: page for row, page, _ in reversed(pager.starts)}


@pytest.mark.unit
def test_the_paragraphs_after_a_figure_fill_the_page_and_it_heads_the_next() -> None:
    # 20 lines (357 pt), then a figure of 296 pt: 143 pt (29%) would stay empty.
    pager = _Pager(PAGE)
    order, caps = pager.decide([_pair(0, 20, 14), _figure(1, 250), _pair(2, 10, 8),
                                _pair(3, 4, 3)])
    assert [item.row for item in order] == [0, 2, 1, 3] and caps == {}
    pages = _pages(pager)
    assert pages[2] == 0 and pages[1] == 1  # one page after the paragraph before it


@pytest.mark.unit
def test_a_figure_a_little_too_tall_is_scaled_to_the_room() -> None:
    pager = _Pager(PAGE)
    order, caps = pager.decide([_pair(0, 11, 8), _figure(1, 269), _pair(2, 10, 8)])
    assert [item.row for item in order] == [0, 1, 2]
    assert set(caps) == {1} and 0.8 * 269 <= caps[1] < 269
    assert _pages(pager) == {0: 0, 1: 0, 2: 1}


@pytest.mark.unit
def test_a_figure_gives_up_a_little_height_for_the_short_paragraph_after_it() -> None:
    # 140 pt of text and a 277-pt figure leave 83 pt: the next pair, kept whole (88 pt),
    # does not fit, and the page would end 17% short; a photo 8% lower lets it in.
    pager = _Pager(PAGE)
    order, caps = pager.decide([_pair(0, 8, 6), _figure(1, 204, 41, 32),
                                _pair(2, 5, 4, kept=True), _pair(3, 10, 8)])
    assert [item.row for item in order] == [0, 1, 2, 3]
    assert set(caps) == {1} and 0.8 * 204 <= caps[1] < 204
    assert _pages(pager)[2] == 0
    # A paragraph that needs more than the photo may give stays for the next page.
    pager = _Pager(PAGE)
    order, caps = pager.decide([_pair(0, 8, 6), _figure(1, 204, 41, 32),
                                _pair(2, 6, 5, kept=True), _pair(3, 10, 8)])
    assert _pages(pager)[2] == 1 or caps[1] >= 0.8 * 204


@pytest.mark.unit
def test_no_paragraph_moves_above_a_heading_and_no_photo_goes_below_the_minimum() -> None:
    pager = _Pager(PAGE)
    items = [_pair(0, 20, 14), _figure(1, 250), _pair(2, 10, 8, section=True)]
    order, caps = pager.decide(items)
    assert [item.row for item in order] == [0, 1, 2] and caps == {}  # left short
    # With a little more room the figure is scaled, to no less than the minimum.
    order, caps = pager.decide([_pair(0, 16, 12), _figure(1, 250),
                                _pair(2, 10, 8, section=True)])
    assert set(caps) == {1} and MIN_PHOTO_MM * MM <= caps[1] < 0.8 * 250


@pytest.mark.unit
def test_figures_alone_are_scaled_by_one_factor_to_share_a_page() -> None:
    pager = _Pager(PAGE)
    order, caps = pager.decide([_figure(0, 250), _figure(1, 250), _figure(2, 250)])
    assert set(caps) == {0, 1}
    assert caps[0] == pytest.approx(caps[1]) and caps[0] >= MIN_PHOTO_MM * MM
    assert _pages(pager) == {0: 0, 1: 0, 2: 1}


def _squashed(pdf: Path) -> list[str]:
    with pymupdf.open(pdf) as document:
        return [re.sub(r"[\s\u200b\u00ad]", "", page.get_text()) for page in document]


def _figure_distances(pdf: Path, source: Path) -> list[tuple[str, int]]:
    """For each figure: (its caption, pages from the block before it: the end of a
    paragraph, or the figure before it in a run of figures)."""
    pages = _squashed(pdf)
    blocks = [b.strip() for b in source.read_text(encoding="utf-8").split("\n\n") if b.strip()]
    out: list[tuple[str, int]] = []
    before: int | None = None
    for block in blocks:
        if block.startswith("#"):
            continue
        figure = re.match(r"!\[(.*?)\]", block)
        if figure is None:
            end = re.sub(r"\s", "", block)[-8:]
            ends = [n for n, text in enumerate(pages) if end in text]
            assert ends, f"paragraph ending {end} not found"
            before = ends[-1]
            continue
        caption = re.compile(re.escape(re.sub(r"\s", "", figure[1])) + r"(?!\d)")
        where = [n for n, text in enumerate(pages) if caption.search(text)]
        assert where, f"caption {figure[1]} not found"
        if before is not None:
            out.append((figure[1], where[0] - before))
        before = where[0]
    return out


def _check_composition(built: Built, slug: str) -> None:
    pdf = built.root / "dist" / f"{slug}.email.pdf"
    assert short_pages(pdf) == []
    assert "short:" not in built.out  # the preflight agrees: no page ends short
    distances = _figure_distances(pdf, built.root / "book" / slug / "source.zh.md")
    assert distances and all(0 <= pages <= 1 for _, pages in distances), str(distances)


def test_no_page_of_the_sample_with_photos_ends_short_and_figures_stay_near(
        sample_build: Built) -> None:
    _check_composition(sample_build, SAMPLE)


def test_no_page_of_the_corpus_book_of_photos_ends_short_and_layouts_are_few(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = copy_project(tmp_path / "project")
    make_corpus(root)
    layouts: list[str] = []
    real = pipeline.lay_out

    def counted(html: str, **kwargs):
        layouts.append(html)
        return real(html, **kwargs)

    monkeypatch.setattr(pipeline, "lay_out", counted)
    out = build_slug(root, "corpus-photos")
    _check_composition(out, "corpus-photos")
    assert len(layouts) == 2  # figures moved: laid out again
    layouts.clear()
    build_slug(root, "corpus-photos")  # where the figures go is known: laid out once
    assert len(layouts) == 1
    # After an edit that moves no line, the last decision holds: laid out once too.
    po = polib.pofile(str(root / "translations" / "corpus-photos.en.po"))
    entry = next(e for e in po if len(e.msgstr) > 200 and " the " in e.msgstr)
    entry.msgstr = entry.msgstr.replace(" the ", " our ", 1)
    po.save()
    layouts.clear()
    pdf = root / "dist" / "corpus-photos.email.pdf"
    before = "".join(_squashed(pdf)).count("our")
    edited = build_slug(root, "corpus-photos")
    assert len(layouts) == 1 and "".join(_squashed(pdf)).count("our") == before + 1
    _check_composition(edited, "corpus-photos")
    # The same book stacked: each paragraph above its translation, full width.
    meta = root / "book" / "corpus-photos" / "book.yaml"
    meta.write_text(meta.read_text(encoding="utf-8") + "layout: stacked\n", encoding="utf-8")
    _check_composition(build_slug(root, "corpus-photos"), "corpus-photos")
    # Facing plans its spreads, figures included: no other layout's decision applies.
    meta.write_text(meta.read_text(encoding="utf-8").replace("layout: stacked",
                                                             "layout: facing"),
                    encoding="utf-8")
    layouts.clear()
    assert "facing pages:" in build_slug(root, "corpus-photos").out
    assert len(layouts) == 1


def build_slug(root: Path, slug: str) -> Built:
    """`build.py build SLUG` in `root` (conftest's `build` builds the sample)."""
    import contextlib
    import io

    from parabook.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
        code = main(["build", slug], root=root)
    assert code == 0, err.getvalue()
    return Built(root, out.getvalue(), err.getvalue())


def test_a_page_nothing_can_fill_is_reported_as_the_pdf_shows_it(tmp_path: Path) -> None:
    """A portrait photo with a long caption after a paragraph filling half the page,
    then a new section: no row may move above the figure, and a photo small enough to
    fit would be under the minimum (and its caption 30 mm wide). The page ends short;
    the preflight names the page the PDF shows."""
    root = copy_project(tmp_path / "project")
    folder = root / "book" / SAMPLE
    blocks = (folder / "source.zh.md").read_text(encoding="utf-8").split("\n\n")
    paragraphs = [b for b in blocks if b.strip() and not b.startswith(("#", "!["))]
    heading = next(b for b in blocks if b.startswith("## "))
    photo = folder / "photos" / "01.jpg"
    camera_photo(photo, shade=40)  # 4000 x 3000 stored sideways: portrait once upright
    figure = next(b for b in blocks if "photos/01.jpg" in b)
    (folder / "source.zh.md").write_text(
        "\n\n".join([paragraphs[0], figure, heading, *paragraphs[4:7]]) + "\n",
        encoding="utf-8")
    shutil.rmtree(root / ".cache", ignore_errors=True)
    built = build(root)
    short = short_pages(built.pdf("email"))
    reported = re.search(r"end more than 15% short: (.*)", built.out)
    assert short and reported, built.out
    assert [f"p.{fill.page}" for fill in short] == reported[1].strip().split(", ")
