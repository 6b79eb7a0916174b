"""The handout: real WeasyPrint booklets imposed two-up on A4, checked with poppler."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import weasyprint
from PIL import Image

from parabook.errors import InputError
from parabook.output.impose import PRINT_INSTRUCTIONS, impose_saddle

from . import pdftools
from .conftest import SAMPLE
from .test_robustness import limited_run

A4_LANDSCAPE = (841.89, 595.28)
A5 = (419.53, 595.28)

# Saddle order written out by hand (not computed like the code does): sheet 1 front, back,
# sheet 2 front, back, ...; each side (left half, right half).
EXPECTED = {
    8: [(8, 1), (2, 7), (6, 3), (4, 5)],
    12: [(12, 1), (2, 11), (10, 3), (4, 9), (8, 5), (6, 7)],
    16: [(16, 1), (2, 15), (14, 3), (4, 13), (12, 5), (6, 11), (10, 7), (8, 9)],
}


def render_booklet(path: Path, pages: int, *, page_css: str = "", extra_html: str = "") -> Path:
    """An A5 booklet whose page N shows a big label "PN" near its top-left corner."""
    html = f"""<style>
      @page {{ size: A5; margin: 15mm; {page_css} }}
      @page big {{ size: A4 }}
      .big {{ page: big }}
      body {{ margin: 0 }}
      p {{ font: bold 60pt sans-serif; margin: 0; break-after: page }}
      p:last-child {{ break-after: auto }}
    </style>""" + "".join(f"<p>P{n}</p>" for n in range(1, pages + 1)) + extra_html
    path.write_bytes(weasyprint.HTML(string=html).write_pdf())
    return path


@pytest.fixture(scope="module")
def booklets(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("booklets")
    made = {str(n): render_booklet(folder / f"b{n}.pdf", n) for n in (8, 10, 12, 16)}
    made["8-bleed"] = render_booklet(folder / "b8-bleed.pdf", 8,
                                     page_css="bleed: 3mm; marks: crop;")
    return made


def labels_by_side(pdf: Path) -> list[tuple[str | None, str | None]]:
    """For each side of each sheet: the page label on the left half and on the right half."""
    words, sizes = pdftools.words(pdf)
    sides: list[list[str | None]] = [[None, None] for _ in sizes]
    for word in words:
        if re.fullmatch(r"P\d+", word.text):
            half = 0 if (word.x0 + word.x1) / 2 < sizes[word.page - 1][0] / 2 else 1
            assert sides[word.page - 1][half] is None, f"two labels on one half: {word}"
            sides[word.page - 1][half] = word.text
    return [tuple(side) for side in sides]


def assert_a4_landscape(pdf: Path) -> None:
    for width, height in pdftools.page_sizes(pdf):
        assert width == pytest.approx(A4_LANDSCAPE[0], abs=1)
        assert height == pytest.approx(A4_LANDSCAPE[1], abs=1)


@pytest.mark.parametrize("pages", [8, 12, 16])
def test_sheets_carry_the_pages_in_saddle_stitch_order(booklets, tmp_path, pages):
    out = tmp_path / "handout.pdf"
    result = impose_saddle(booklets[str(pages)], out)

    assert (result.output, result.pages, result.blanks, result.sheets) == \
        (out, pages, 0, pages // 4)
    assert int(pdftools.info(out)["Pages"]) == 2 * result.sheets
    assert_a4_landscape(out)
    expected = [(f"P{left}", f"P{right}") for left, right in EXPECTED[pages]]
    assert labels_by_side(out) == expected


def test_padding_goes_before_the_back_cover(booklets, tmp_path):
    out = tmp_path / "handout.pdf"
    result = impose_saddle(booklets["10"], out)

    assert (result.pages, result.blanks, result.sheets) == (10, 2, 3)
    assert_a4_landscape(out)
    # As 12 pages where 10 and 11 are blank and 12 is the back cover, P10.
    assert labels_by_side(out) == [
        ("P10", "P1"), ("P2", None), (None, "P3"), ("P4", "P9"), ("P8", "P5"), ("P6", "P7")]
    # The blank halves are really blank, not just unlabelled (the on-screen printing
    # note on the first side aside: it is never printed).
    assert sorted(w.text for w in printed_words(out)) == sorted(
        f"P{n}" for n in range(1, 11))


def printed_words(handout: Path) -> list:
    """The words on the sheets, without the note shown on screen only (never printed)."""
    words, _ = pdftools.words(handout)
    note = set(f"How to print this handout (N sheets): {PRINT_INSTRUCTIONS} (This note "
               "shows on screen only; it is not printed.)".split())
    return [w for w in words if w.text not in note and not re.fullmatch(r"\(\d+", w.text)]


def test_pages_are_placed_at_actual_size_centred_on_the_sheet(booklets, tmp_path):
    out = impose_saddle(booklets["8"], tmp_path / "handout.pdf").output
    source_words, _ = pdftools.words(booklets["8"])
    source = {w.text: w for w in source_words}
    sheet_words = printed_words(out)
    gap = (A4_LANDSCAPE[0] - 2 * A5[0]) / 2  # 1 mm of A4's 297 mm is left over, split
    for word in sheet_words:
        left_half = word.x0 < A4_LANDSCAPE[0] / 2
        offset = gap if left_half else gap + A5[0]
        assert word.x0 - offset == pytest.approx(source[word.text].x0, abs=0.5)
        assert word.y0 == pytest.approx(source[word.text].y0, abs=0.5)
        assert word.x1 - word.x0 == pytest.approx(source[word.text].x1 - source[word.text].x0,
                                                  abs=0.5)


def ink_near_corners(pdf: Path, page: int, halves: int, folder: Path) -> list[str]:
    """Corners (8 mm squares) of each page-sized half of a side that are not pure white."""
    prefix = folder / f"side{page}"
    subprocess.run(["pdftoppm", "-r", "100", "-gray", "-f", str(page), "-l", str(page),
                    str(pdf), str(prefix)], check=True)
    image = Image.open(next(folder.glob(f"side{page}*.pgm")))
    half_w = image.width / halves
    square = round(8 / 25.4 * 100)
    inked = []
    for half in range(halves):
        x0, x1 = round(half * half_w), round((half + 1) * half_w)
        for x, y in [(x0, 0), (x1 - square, 0), (x0, image.height - square),
                     (x1 - square, image.height - square)]:
            low, _ = image.crop((x, y, x + square, y + square)).getextrema()
            if low < 250:
                inked.append(f"half {half} corner {x},{y}: darkest {low}")
    return inked


def test_bleed_and_crop_marks_are_trimmed_off(booklets, tmp_path):
    bleed = booklets["8-bleed"]
    # The print PDF really has marks: its MediaBox is larger than the trim, marks in the corners.
    assert pdftools.page_sizes(bleed)[0][0] > A5[0] + 10
    assert ink_near_corners(bleed, 1, 1, tmp_path)

    out = impose_saddle(bleed, tmp_path / "handout.pdf").output
    plain = impose_saddle(booklets["8"], tmp_path / "plain.pdf").output

    assert_a4_landscape(out)
    assert labels_by_side(out) == [(f"P{a}", f"P{b}") for a, b in EXPECTED[8]]
    for side in (1, 2, 3, 4):
        assert ink_near_corners(out, side, 2, tmp_path) == []
    # Same places as the booklet without bleed: nothing shifted by the 3 mm bleed.
    boxes = [[(w.page, w.text, round(w.x0), round(w.y0)) for w in pdftools.words(pdf)[0]]
             for pdf in (out, plain)]
    assert boxes[0] == boxes[1]


def test_two_runs_give_identical_bytes(booklets, tmp_path):
    first = impose_saddle(booklets["12"], tmp_path / "a.pdf").output.read_bytes()
    second = impose_saddle(booklets["12"], tmp_path / "b.pdf").output.read_bytes()
    assert first == second


def test_output_replaces_an_older_handout_and_leaves_no_temporary_files(booklets, tmp_path):
    out = tmp_path / "handout.pdf"
    out.write_text("old")
    impose_saddle(booklets["8"], out)
    assert out.read_bytes().startswith(b"%PDF")
    assert [p.name for p in tmp_path.iterdir()] == ["handout.pdf"]


@pytest.mark.slow
def test_a_full_disk_while_imposing_is_a_clear_error_and_keeps_the_old_outputs(tiny_project,
                                                                               cli):
    assert cli(tiny_project, "build", SAMPLE)[0] == 0
    dist = tiny_project / "dist"
    before = {p.name: (p.stat().st_ino, p.read_bytes()) for p in dist.iterdir()}
    # The same print PDF again fits under the limit; PyMuPDF's copy of it for the
    # imposition is a few KB larger, and its write fails half-way as on a full disk.
    limit = (dist / f"{SAMPLE}.print.pdf").stat().st_size + 1000
    result = limited_run(tiny_project, limit, "build", SAMPLE)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert re.match(rf"error: \S*/dist/\.{SAMPLE}\.handout\.pdf\.\S+/trimmed\.pdf: File too "
                    r"large\n  fix: check that the folder exists, is a folder, and is writable, "
                    r"and that the disk is not full\n$", result.stderr), result.stderr
    assert {p.name: (p.stat().st_ino, p.read_bytes()) for p in dist.iterdir()} == before


def test_pages_too_large_for_two_up_a4_are_refused(tmp_path):
    booklet = render_booklet(tmp_path / "a4.pdf", 4, page_css="size: A4;")
    with pytest.raises(InputError) as caught:
        impose_saddle(booklet, tmp_path / "handout.pdf")
    assert caught.value.path == booklet
    assert "210 × 297 mm" in caught.value.problem
    assert "A5" in caught.value.fix
    assert not (tmp_path / "handout.pdf").exists()


def test_mixed_page_sizes_are_refused(tmp_path):
    booklet = render_booklet(tmp_path / "mixed.pdf", 3, extra_html="<p class=big>P4</p>")
    with pytest.raises(InputError) as caught:
        impose_saddle(booklet, tmp_path / "handout.pdf")
    assert "page 4" in caught.value.problem
    assert caught.value.fix


def test_a_file_that_is_not_a_pdf_is_an_input_error(tmp_path):
    fake = tmp_path / "booklet.pdf"
    fake.write_text("not a PDF at all\n")
    with pytest.raises(InputError) as caught:
        impose_saddle(fake, tmp_path / "handout.pdf")
    assert caught.value.path == fake
    assert "PDF" in caught.value.problem


def test_print_instructions_name_the_duplex_setting():
    assert "flip on the short edge" in PRINT_INSTRUCTIONS
    assert "100%" in PRINT_INSTRUCTIONS
