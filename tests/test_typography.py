"""Typography of the reviewed sample, measured on the PDF itself."""

from __future__ import annotations

import re
import shutil
import statistics
from pathlib import Path

import pymupdf
import pytest

from parabook.render.html import CLOSING, OPENING
from parabook.typeset.geometry import TYPOGRAPHY
from parabook.typeset.zhbreak import AUTOSPACE_STRETCH_EM, TIGHTEN_EM

from . import pdftools
from .conftest import SAMPLE, build, copy_project
from .pdfgeom import MM, Line, glyphs, in_text_area, is_cjk, lines

HAN = re.compile(r"[\u4e00-\u9fff]")
LEADING = TYPOGRAPHY.zh.size_pt * TYPOGRAPHY.zh.leading
HALF = TYPOGRAPHY.zh.size_pt / 2  # half a Chinese character


@pytest.fixture(scope="module")
def geometry(sample_build):
    all_glyphs, sizes = glyphs(sample_build.pdf("email"))
    body_pages = set(range(3, len(sizes)))  # not the cover, the contents, the colophon
    return all_glyphs, sizes, body_pages


def chinese_body_lines(geometry) -> list[Line]:
    all_glyphs, sizes, body_pages = geometry
    picked = [g for g in all_glyphs if is_cjk(g) and not g.bold
              and g.size == TYPOGRAPHY.zh.size_pt
              and g.page in body_pages and in_text_area(g, sizes)]
    return lines(picked, gap=12)


def test_chinese_paragraph_lines_end_at_the_column_edge(geometry):
    body = chinese_body_lines(geometry)

    def end(line):  # a line-end mark is set half width (clreq): its em box ends mid-glyph
        return line.x1 - (HALF if line.text.rstrip()[-1] in CLOSING else 0)
    # The column's edge: where most lines end (a line's end is within 0.5 pt of it).
    edge = {page: statistics.median(end(line) for line in body if line.page == page)
            for page in {line.page for line in body}}
    left = {page: min(line.x0 + HALF * (line.text[0] in OPENING) for line in body
                      if line.page == page) for page in edge}
    non_final = []
    for line, following in zip(body, body[1:], strict=False):
        same_column = following.page == line.page and \
            abs(following.y - line.y - LEADING) < 0.6
        # A paragraph's first line is indented two characters: the line before ends it.
        if same_column and following.x0 - left[line.page] < HALF:
            non_final.append(line)
    assert len(non_final) > 150
    near = [line for line in non_final if abs(edge[line.page] - end(line)) <= 0.5]
    ratio = len(near) / len(non_final)
    ragged = [(line.page, line.text[-6:], round(edge[line.page] - end(line), 2))
              for line in non_final if line not in near][:8]
    assert ratio == 1, (f"{ratio:.1%} justified", ragged)  # issue 14: every one


def test_no_line_starts_with_closing_or_ends_with_opening_punctuation(geometry):
    all_glyphs, sizes, _ = geometry
    cjk = [g for g in all_glyphs if is_cjk(g) and in_text_area(g, sizes)]
    bad = [(line.page, line.text[:8]) for line in lines(cjk, gap=12)
           if line.text[0] in CLOSING or line.text.rstrip()[-1] in OPENING]
    assert bad == []


def test_quotes_in_chinese_are_full_width(geometry):
    all_glyphs, sizes, body_pages = geometry
    checked = 0
    for line in chinese_body_lines(geometry):
        for glyph, after in zip(line.glyphs, line.glyphs[1:], strict=False):
            if glyph.char in "“”‘’":
                advance = after.x0 - glyph.x0
                at = line.glyphs.index(glyph)
                # (A line-start opening quote keeps its full box, pulled half out.)
                compressed = (glyph.char in "”’" and after.char in CLOSING + OPENING) or (
                    glyph.char in "“‘" and at > 0 and line.glyphs[at - 1].char in OPENING)
                # A full em (10pt), or half of one where it meets other punctuation,
                # plus at most the justification's share.
                expected = 5 if compressed else 10
                # (A tight line is set up to 0.05 em closer: zhbreak.TIGHTEN_EM.)
                assert expected - 0.55 <= advance <= expected + 1.5, (glyph, after, line.text)
                checked += 1
    assert checked > 30


def test_adjacent_punctuation_is_compressed(geometry):
    pairs = 0
    for line in chinese_body_lines(geometry):
        for glyph, after in zip(line.glyphs, line.glyphs[1:], strict=False):
            if glyph.char in CLOSING and after.char in CLOSING + OPENING:
                assert after.x0 - glyph.x0 <= 6.5, (glyph.char + after.char, line.text)
                pairs += 1
    assert pairs >= 10


def test_digits_and_latin_in_chinese_sit_on_the_baseline_a_quarter_em_apart(geometry):
    runs = 0
    for line in chinese_body_lines(geometry):
        for glyph, after in zip(line.glyphs, line.glyphs[1:], strict=False):
            if glyph.char.isascii() != after.char.isascii() and glyph.char.strip() \
                    and after.char.strip():
                assert glyph.y == after.y, (glyph, after)
                # A quarter em between Han and Latin or digits (CSS text-autospace),
                # plus at most the justification's share, and where a line needs it
                # up to AUTOSPACE_STRETCH_EM more (zhbreak).
                gap = after.x0 - glyph.x1
                size = TYPOGRAPHY.zh.size_pt
                if {glyph.char.isalnum(), after.char.isalnum()} == {True}:
                    # (a line set tighter takes up to TIGHTEN_EM off each gap)
                    low, high = 0.24 - TIGHTEN_EM, 0.35 + AUTOSPACE_STRETCH_EM
                    assert low * size <= gap < high * size, (
                        glyph.char, after.char, line.text)
                runs += 1
    assert runs >= 20  # 2021, 100, 500, LED, 1,600 ...


def test_extracted_text_has_no_spaces_between_han(sample_build):
    sources = "".join(p.read_text(encoding="utf-8") for p in (sample_build.root / "book" / SAMPLE)
                      .glob("*.*") if p.suffix in (".md", ".yaml"))
    pdf = sample_build.pdf("email")
    poppler = pdftools.run("pdftotext", "-enc", "UTF-8", str(pdf), "-")
    mupdf = "".join(page.get_text() for page in pymupdf.open(pdf))
    for text in (poppler, mupdf):
        assert "\u200b" not in text  # the break chances around quotes leave no trace
        # Between Han characters, and between a Chinese quote and its text.
        for match in re.finditer(r"[\u4e00-\u9fff“‘] [\u4e00-\u9fff]|[\u4e00-\u9fff] [”’]",
                                 text):
            assert match.group(0) in sources, match.group(0)  # a space the author wrote


def test_no_heading_is_alone_at_the_foot_of_a_page(geometry):
    all_glyphs, sizes, body_pages = geometry
    headings = lines([g for g in all_glyphs if is_cjk(g) and g.bold and g.page in body_pages
                      and in_text_area(g, sizes)], gap=12)
    assert len(headings) >= 3
    body = chinese_body_lines(geometry)
    for heading in headings:
        if heading.text == "笔记":  # a Notes page (render/pdf.py pads to fours): no body
            continue
        below = [line for line in body if line.page == heading.page and line.y > heading.y]
        assert len(below) >= 2, (heading.page, heading.text)


def test_every_photo_is_on_the_page_of_its_caption(sample_build):
    doc = pymupdf.open(sample_build.pdf("email"))
    placed = 0
    for page in doc:
        for info in page.get_image_info():
            x0, y0, x1, y1 = info["bbox"]
            under = page.get_text("text", clip=pymupdf.Rect(x0 - 2, y1, x1 + 60, y1 + 40))
            assert HAN.search(under), (page.number + 1, under)
            placed += 1
    assert placed == 10


def test_contents_page_numbers_are_where_the_sections_start(sample_build):
    doc = pymupdf.open(sample_build.pdf("email"))
    assert "目录" in doc[1].get_text("text")
    found = [(line["bbox"][1], "".join(s["text"] for s in line["spans"]))
             for block in doc[1].get_text("dict")["blocks"] for line in block.get("lines", [])]
    titles = [text for _, text in sorted(found) if HAN.search(text) and text != "目录"]
    foot = doc[1].rect.height - 18 * MM  # below it, the page's own number
    numbers = [text for y, text in sorted(found) if text.strip().isdigit() and y < foot]
    assert len(titles) == len(numbers) == 3, found
    for title, number in zip(titles, numbers, strict=True):
        # The heading may wrap in its narrow column.
        starts = [p.number + 1 for p in doc if p.number > 1 and pdftools.squash(title)
                  in pdftools.squash(p.get_text("text", clip=pymupdf.Rect(0, 15 * MM, 600, 590)))]
        assert starts and starts[0] == int(number), (title, number, starts)


def test_bookmarks_are_bilingual(sample_build):
    toc = pymupdf.open(sample_build.pdf("email")).get_toc()
    assert [level for level, _, _ in toc] == [1, 2, 2, 2]
    for _, title, _ in toc:
        assert HAN.search(title) and re.search(r" / [A-Z]", title), title


def test_running_heads_name_the_section_in_both_languages(sample_build):
    doc = pymupdf.open(sample_build.pdf("email"))
    page = doc[5]  # well inside section 1
    head = page.get_text("text", clip=pymupdf.Rect(0, 0, page.rect.width, 15 * MM))
    assert "党建引领" in head and "Party Building Leads the Way" in head
    assert not doc[0].get_text("text", clip=pymupdf.Rect(0, 0, 600, 15 * MM)).strip()


def test_cover_and_colophon(sample_build):
    doc = pymupdf.open(sample_build.pdf("email"))
    cover = doc[0].get_text("text")
    for part in ("躬身力行守初心", "Staying True", "刘金鑫", "Liu Jinxin", "2021年"):
        assert part in cover
    back = doc[-1].get_text("text")
    for part in ("滁州经开区城北新区办事处", "Chengbei New District Office",
                 "安徽省滁州市", "Chuzhou, Anhui Province", "2021",
                 "English translation reviewed"):
        assert part in back, part
    for page in (doc[0], doc[-1]):  # no page number on either cover
        foot = page.get_text("text", clip=pymupdf.Rect(0, page.rect.height - 18 * MM,
                                                       page.rect.width, page.rect.height))
        assert not re.search(r"^\d+$", foot, re.M), foot


def test_the_split_comes_from_the_texts_and_saves_pages(sample_build, tmp_path):
    out = sample_build.out
    assert re.search(r"columns: Chinese \d\d% of", out)
    assert "chosen from the measured lengths" in out
    measured = _text_pages(sample_build.pdf("email"))
    root = copy_project(tmp_path / "equal")
    # The same book and photos, and the photos prepared already (keyed by their bytes).
    shutil.rmtree(root / "book")
    for folder in ("book", ".cache/photos"):
        shutil.copytree(sample_build.root / folder, root / folder)
    meta = root / "book" / SAMPLE / "book.yaml"
    meta.write_text(meta.read_text(encoding="utf-8") + "source_share: 0.5\n", encoding="utf-8")
    equal = build(root, "--output", "email")
    assert "columns: Chinese 50% of the text width" in equal.out
    assert "(source_share in book.yaml)" in equal.out
    assert _text_pages(equal.pdf("email")) > measured


def _text_pages(pdf: Path) -> int:
    """Pages but those padding the booklet to a multiple of 4 (headed 笔记)."""
    with pymupdf.open(pdf) as document:
        return sum(not page.get_text().startswith("笔记") for page in document)


def test_stacked_layout_puts_each_translation_under_its_paragraph(tmp_path):
    root = copy_project(tmp_path / "stacked")
    meta = root / "book" / SAMPLE / "book.yaml"
    meta.write_text(meta.read_text(encoding="utf-8").replace("layout: parallel",
                                                             "layout: stacked"),
                    encoding="utf-8")
    pdf = build(root, "--output", "email").pdf("email")
    text = pdftools.squash(pdftools.text(pdf)).replace("\u2010", "")
    first_zh = text.index("曾经坑洼不平的道路")
    first_en = text.index("Potholedroadshavebeenpaved")
    second_zh = text.index("今年以来，城北新区办事处积极强化")
    assert first_zh < first_en < second_zh
    all_glyphs, sizes = glyphs(pdf)
    body = [g for g in all_glyphs if g.page == 4 and in_text_area(g, sizes)]
    widths = {round(max(g.x1 for g in body) - min(g.x0 for g in body))}
    assert widths.pop() > 300  # one full-width column, not two


def test_no_english_word_space_is_stretched_past_twice_normal(geometry):
    from parabook.typeset.measure import shaped_width

    all_glyphs, sizes, body_pages = geometry
    size = TYPOGRAPHY.tr.size_pt
    normal = shaped_width(" ", "Noto Serif", size)
    english = [g for g in all_glyphs if g.font == "Noto-Serif" and g.size == size
               and g.page in body_pages and in_text_area(g, sizes)]
    worst, measured = 0.0, 0
    for line in lines(english, gap=30):
        words, current = [], []
        for glyph in line.glyphs:
            if glyph.char == " ":
                words, current = words + [current] * bool(current), []
            else:
                current.append(glyph)
        words += [current] * bool(current)
        gaps = [b[0].x0 - a[-1].x1 for a, b in zip(words, words[1:], strict=False)]
        if gaps:
            measured += 1
            worst = max(worst, max(gaps) / normal)
    assert measured > 300
    assert worst <= 2.0, f"a word space {worst:.2f} times the normal one"


@pytest.mark.unit
def test_english_text_survives_the_chosen_line_breaks():
    import polib

    from parabook.typeset import linebreak
    from parabook.typeset.linebreak import HYPHEN, break_lines
    from parabook.typeset.measure import shaped_width

    for entry in polib.pofile(str(Path(__file__).parent.parent / "translations"
                                  / f"{SAMPLE}.en.po")):
        chosen = break_lines(entry.msgstr, 200)
        assert chosen, entry.msgstr[:30]
        text = ""
        for line in chosen:
            # Spaces are set narrower by WORD_SPACING_EM (CSS word-spacing on span.ln).
            narrowed = linebreak.WORD_SPACING_EM * 9.5 * line.text.count(" ")
            assert shaped_width(line.text, "Noto Serif", 9.5) + narrowed \
                + line.tracking * len(line.text) <= 200, line
            text += line.text.removesuffix(HYPHEN) if line.text.endswith(HYPHEN) else (
                line.text if line.text.endswith("-") else line.text + " ")
        assert text.strip() == entry.msgstr
