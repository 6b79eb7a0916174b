"""The three outputs of the sample, built with camera-like photos, inspected for real."""

from __future__ import annotations

import math
import subprocess
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader

from parabook.output.printfile import MARK_GAP_MM, MARK_LENGTH_MM, SLUG_MM
from parabook.typeset.geometry import MM

from . import pdftools
from .conftest import SAMPLE, make_tiny
from .photogen import SECRETS as CAMERA_SECRETS

A5 = (148 * MM, 210 * MM)
A4_LANDSCAPE = (297 * MM, 210 * MM)
BLEED = 3 * MM
SECRETS = [b"Exif\x00\x00", *CAMERA_SECRETS]


def images(path: Path) -> list[dict]:
    lines = pdftools.run("pdfimages", "-list", str(path)).splitlines()
    header = lines[0].split()
    return [dict(zip(header, line.split(), strict=False)) for line in lines[2:]]


def test_all_three_outputs_are_built(sample_build):
    out = sample_build.out.replace(str(sample_build.root) + "/", "")
    for name in ("print", "handout", "email"):
        assert sample_build.pdf(name).is_file()
        assert f"built dist/{SAMPLE}.{name}.pdf" in out
    assert "flip on the short edge, at 100% (actual size)" in sample_build.out


def test_print_has_bleed_trim_and_crop_marks(sample_build):
    reader = PdfReader(sample_build.pdf("print"))
    reach = (MARK_GAP_MM + MARK_LENGTH_MM + SLUG_MM) * MM
    for page in reader.pages:
        trim = [float(v) for v in page.trimbox]
        media = [float(v) for v in page.mediabox]
        bleed = [float(v) for v in page.bleedbox]
        assert trim[2] - trim[0] == pytest.approx(A5[0], abs=0.1)
        assert trim[3] - trim[1] == pytest.approx(A5[1], abs=0.1)
        assert bleed[0] <= trim[0] - BLEED + 0.1 and bleed[2] >= trim[2] + BLEED - 0.1
        # The MediaBox holds the bleed and a slug for the marks.
        assert media[2] - media[0] == pytest.approx(A5[0] + 2 * (BLEED + reach), abs=0.1)
    # Crop marks: dark strokes outside the bleed, in line with the trim edges, at each
    # corner (tests/test_printfile.py measures them).
    page = pdftools.render(sample_build.pdf("print"), page=2, dpi=150)
    px = 150 / 72
    edge = round((BLEED + reach) * px)  # where the trim starts
    middle = round((reach - (MARK_GAP_MM + MARK_LENGTH_MM / 2) * MM) * px)  # a mark's middle
    for x, y in ((edge, middle), (page.width - edge - 1, middle),
                 (edge, page.height - middle - 1), (page.width - edge - 1,
                                                     page.height - middle - 1)):
        strip = [page.getpixel((x + d, y)) for d in (-1, 0, 1)]
        assert min(min(c) for c in strip) < 160, (x, y, strip)
    assert page.getpixel((page.width // 2, middle)) == (255, 255, 255)


def test_print_photos_are_at_press_resolution_and_coarse_ones_warned(sample_build):
    placed = images(sample_build.pdf("print"))
    ppis = [int(i["x-ppi"]) for i in placed]
    # 12-megapixel photos shrunk to 300 ppi of their placed size; none enlarged.
    assert max(ppis) <= 400 and sorted(ppis)[len(ppis) // 2] >= 250, placed
    assert all(i["color"] == "rgb" for i in placed), placed
    assert "photo" in sample_build.err and "dpi at its printed width" in sample_build.err
    assert sample_build.err.count("dpi at its printed width") == 1  # only the 300 px one


def test_email_is_small_tagged_and_150_dpi(sample_build):
    email = sample_build.pdf("email")
    assert email.stat().st_size < 1.5 * 1024 * 1024, email.stat().st_size
    placed = images(email)
    assert len(placed) == 10
    for image in placed:
        assert int(image["x-ppi"]) <= 151 and int(image["y-ppi"]) <= 151, image
    info = pdftools.info(email)
    assert info["Tagged"] == "yes"
    reader = PdfReader(email)
    assert reader.trailer["/Root"]["/Lang"] == "zh-CN"
    def titles(outline) -> list[str]:
        return [t for item in outline for t in
                (titles(item) if isinstance(item, list) else [item["/Title"]])]

    assert len(titles(reader.outline)) == 4  # the title, then the three sections
    assert b'pdfuaid:part="1"' in reader.trailer["/Root"]["/Metadata"].get_data()  # PDF/UA-1


def test_no_camera_metadata_in_any_output(sample_build):
    for name in ("print", "handout", "email"):
        data = sample_build.pdf(name).read_bytes()
        assert [s for s in SECRETS if s in data] == [], name


def extracted(path: Path, tmp_path: Path) -> list[Image.Image]:
    subprocess.run(["pdfimages", "-png", str(path), str(tmp_path / "img")], check=True)
    return [Image.open(p).convert("RGB") for p in sorted(tmp_path.glob("img-*.png"))]


def test_photos_are_upright_flattened_and_converted(sample_build, tmp_path):
    found = extracted(sample_build.pdf("email"), tmp_path)
    camera = [i for i in found if i.height > i.width]  # stored landscape, shown portrait
    assert len(camera) == 7
    for image in camera:
        top_right = image.getpixel((image.width - 5, 5))
        top_left = image.getpixel((5, 5))
        assert top_right[0] > 180 and top_right[1] < 80, top_right
        assert not (top_left[0] > 180 and top_left[1] < 80), top_left
    png = next(i for i in found if abs(i.width / i.height - 4 / 3) < 0.01
               and i.getpixel((i.width * 3 // 4, i.height // 2))[1] > 100)
    assert png.getpixel((png.width // 4, png.height // 2)) == pytest.approx((255, 255, 255),
                                                                           abs=3)
    cyan = [i for i in found if i.getpixel((i.width // 2, i.height // 2))[0] < 60
            and i.getpixel((i.width // 2, i.height // 2))[2] > 180]
    assert cyan, "the CMYK photo is not cyan in RGB"
    square = [i for i in found if i.width == i.height]
    assert len(square) == 1  # crop=1:1


def test_the_rendered_page_shows_the_photo_upright(sample_build):
    """Render the page with photo 01 and look for the marker at its top-right corner."""
    import pymupdf

    email = sample_build.pdf("email")
    doc = pymupdf.open(email)
    number, box = next((page.number + 1, info["bbox"]) for page in doc
                       for info in page.get_image_info() if info["height"] > info["width"])
    scale = 100 / 72
    page = pdftools.render(email, page=number, dpi=100)
    x0, y0, x1, y1 = (round(v * scale) for v in box)
    inset = round((x1 - x0) * 0.04)
    top_right = page.getpixel((x1 - inset, y0 + inset))
    top_left = page.getpixel((x0 + inset, y0 + inset))
    bottom_right = page.getpixel((x1 - inset, y1 - inset))
    assert top_right[0] > 180 and top_right[1] < 80, top_right
    for other in (top_left, bottom_right):
        assert not (other[0] > 180 and other[1] < 80), other


def test_half_width_figures_sit_side_by_side(sample_build):
    all_words, _ = pdftools.words(sample_build.pdf("email"))
    nine = next(w for w in all_words if "换届工作动员部署" in w.text)  # caption of 09
    ten = next(w for w in all_words if w.text == "学党史办实事")  # caption of 10
    assert nine.page == ten.page
    # Top-aligned photos of different heights: the captions start near each other.
    assert ten.x0 > nine.x0 + 100 and abs(ten.y0 - nine.y0) < 60


def test_handout_is_imposed_on_a4_sheets(sample_build):
    pages = int(pdftools.info(sample_build.pdf("print"))["Pages"])
    reader = PdfReader(sample_build.pdf("handout"))
    assert len(reader.pages) == 2 * math.ceil(pages / 4)
    for page in reader.pages:
        assert float(page.mediabox.width) == pytest.approx(A4_LANDSCAPE[0], abs=1)
        assert float(page.mediabox.height) == pytest.approx(A4_LANDSCAPE[1], abs=1)


def test_output_option_builds_only_what_is_asked(tiny_project, cli):
    project = tiny_project
    code, out, err = cli(project, "build", SAMPLE, "--output", "email")
    assert code == 0, err
    assert sorted(p.name for p in (project / "dist").glob("*.pdf")) == [f"{SAMPLE}.email.pdf"]
    code, out, err = cli(project, "build", SAMPLE, "--output", "handout")
    assert code == 0, err
    assert (project / "dist" / f"{SAMPLE}.handout.pdf").is_file()
    assert not (project / "dist" / f"{SAMPLE}.print.pdf").exists()
    code, out, err = cli(project, "build", SAMPLE, "--output", "poster")
    assert code == 2 and "choose from print, handout, email" in err


@pytest.mark.slow
def test_a_broken_photo_is_a_placeholder_in_a_draft_and_an_error_when_final(project, cli):
    photos = project / "book" / SAMPLE / "photos"
    Image.new("RGB", (900, 600), (10, 10, 10)).save(photos / "01.jpg")
    (photos / "02.jpg").write_bytes(b"this is not a photo")
    for number in range(3, 11):
        Image.new("RGB", (900, 600), (10, 10, 10)).save(photos / f"{number:02d}.jpg")
    code, out, err = cli(project, "build", SAMPLE, "--output", "email")
    assert code == 0, err
    assert "source.zh.md:19: " in err and "02.jpg" in err and "placeholder" in err
    assert "Photo missing: photos/02.jpg" in pdftools.text(
        project / "dist" / f"{SAMPLE}.email.pdf")
    code, out, err = cli(project, "build", SAMPLE, "--final", "--output", "email")
    assert code == 2 and "source.zh.md:19: " in err and "fix:" in err


def test_outputs_do_not_depend_on_where_the_project_is(tmp_path, cli, tiny_cache):
    first, second = (make_tiny(tmp_path / "a", None, tiny_cache),
                     make_tiny(tmp_path / "somewhere" / "b", None, tiny_cache))
    for root in (first, second):
        Image.new("RGB", (900, 600), (10, 90, 10)).save(
            root / "book" / SAMPLE / "photos" / "01.jpg", quality=90)
        code, out, err = cli(root, "build", SAMPLE)
        assert code == 0, err
    for name in ("print", "handout", "email"):
        a = (first / "dist" / f"{SAMPLE}.{name}.pdf").read_bytes()
        b = (second / "dist" / f"{SAMPLE}.{name}.pdf").read_bytes()
        assert a == b, name
        assert str(first).encode() not in a


def test_a_b5_book_builds_without_a_handout_and_says_why(tiny_project, cli):
    project = tiny_project
    meta = project / "book" / SAMPLE / "book.yaml"
    meta.write_text(meta.read_text(encoding="utf-8").replace("page_size: A5",
                                                             "page_size: B5"),
                    encoding="utf-8")
    code, out, err = cli(project, "build", SAMPLE)
    assert code == 0, err
    assert "no handout: it folds A5 pages from A4 sheets, and this book is B5" in out
    assert sorted(p.name for p in (project / "dist").glob("*.pdf")) == [
        f"{SAMPLE}.email.pdf", f"{SAMPLE}.print.pdf"]


@pytest.mark.unit
def test_a_dist_that_is_a_file_is_a_clear_error(project, cli):
    (project / "dist").write_text("not a folder", encoding="utf-8")
    code, out, err = cli(project, "build", SAMPLE, "--output", "email")
    assert code == 1 and "dist" in err and "fix: check that the folder exists" in err
    assert "Traceback" not in err


@pytest.mark.unit
def test_fonts_subset_with_harfbuzz_or_the_build_says_what_to_install(monkeypatch):
    """WeasyPrint falls back to fontTools (seconds per CJK font) when it could not load
    libharfbuzz-subset; it then leaves `harfbuzz_subset` None, which the check reads."""
    from parabook.typeset import fonts, weasy

    assert weasy.harfbuzz_subsetting(), "make setup installs libharfbuzz-subset0"
    assert fonts.subsetter_warning() is None
    monkeypatch.setattr(weasy._pdf_fonts, "harfbuzz_subset", None)  # WeasyPrint's own module
    assert not weasy.harfbuzz_subsetting()
    found = fonts.subsetter_warning()
    assert found is not None and found.code == "setup.no-harfbuzz-subset"
    warning = str(found)
    assert warning.startswith("SLOW BUILD") and "fontTools" in warning
    assert "sudo apt-get install -y libharfbuzz-subset0" in warning
