"""The print file a print shop accepts, and the handout and email PDFs around it: black
on the black plate, crop marks outside the bleed, photos at press resolution, PDF/X-4,
the handout's print settings and the email's languages (issue 15).

Every test reads a real build of the sample with camera photos and a cover photo.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pikepdf
import pymupdf
import pytest

from parabook.output.impose import PRINT_INSTRUCTIONS
from parabook.output.printfile import MARK_WIDTH_PT, check_pdfx
from parabook.typeset.geometry import MM

from .conftest import SAMPLE, Built, build, copy_project
from .photogen import add_photos, camera_photo

pytestmark = pytest.mark.slow



def with_cover(root: Path, *extra: str) -> Path:
    """The sample with camera photos, a cover photo and `extra` book.yaml lines."""
    copy_project(root)
    add_photos(root)
    camera_photo(root / "book" / SAMPLE / "photos" / "cover.jpg", shade=90)
    meta = root / "book" / SAMPLE / "book.yaml"
    meta.write_text(meta.read_text(encoding="utf-8")
                    + "\n".join(["cover_photo: photos/cover.jpg", *extra]) + "\n",
                    encoding="utf-8")
    return root


@pytest.fixture(scope="session")
def booklet(tmp_path_factory) -> Built:
    """The sample with camera photos and a cover photo, its three outputs built once."""
    return build(with_cover(tmp_path_factory.mktemp("cover")))


def content_ops(pdf: pikepdf.Pdf):
    """(page number, instruction) for every page and every form XObject it draws."""
    seen = set()

    def walk(number, holder, ops):
        for item in ops:
            yield number, item
        resources = holder.get("/Resources", {})
        for _, xobject in resources.get("/XObject", {}).items():
            if xobject.objgen in seen or xobject.get("/Subtype") != pikepdf.Name.Form:
                continue
            seen.add(xobject.objgen)
            yield from walk(number, xobject, pikepdf.parse_content_stream(xobject))

    for number, page in enumerate(pdf.pages, 1):
        yield from walk(number, page.obj, pikepdf.parse_content_stream(page))


def test_print_text_and_rules_are_on_the_black_plate_only(booklet):
    fills_at_text = []
    with pikepdf.open(booklet.pdf("print")) as pdf:
        fill = None
        for number, item in content_ops(pdf):
            op = str(item.operator)
            assert op not in ("rg", "RG"), f"page {number}: DeviceRGB colour {item}"
            if op in ("cs", "CS"):
                assert item.operands[0] != pikepdf.Name.DeviceRGB, f"page {number}: {item}"
            if op in ("g", "k", "rg", "sc", "scn"):
                fill = (op, tuple(float(v) for v in item.operands if not isinstance(
                    v, pikepdf.Name)))
            if op in ("Tj", "TJ"):
                fills_at_text.append(fill)
    # The body text, most of what is shown, is DeviceGray 0: 100% K.
    body = max(set(fills_at_text), key=fills_at_text.count)
    assert body == ("g", (0.0,))
    assert fills_at_text.count(body) > 0.8 * len(fills_at_text)


def test_crop_marks_are_hairlines_outside_the_bleed_in_an_enlarged_mediabox(booklet):
    with pikepdf.open(booklet.pdf("print")) as pdf:
        boxes = [(tuple(map(float, page.mediabox)), tuple(map(float, page.obj.BleedBox)),
                  tuple(map(float, page.obj.TrimBox))) for page in pdf.pages]
    with pymupdf.open(booklet.pdf("print")) as doc:
        for page, (media, bleed, trim) in zip(doc, boxes, strict=True):
            assert media[0] < bleed[0] < trim[0] and media[3] > bleed[3] > trim[3]
            lines = []
            for drawing in page.get_drawings():
                for kind, *points in drawing["items"]:
                    if kind != "l":
                        continue
                    # PyMuPDF: origin at the MediaBox's top left, y down.
                    (x0, y0), (x1, y1) = ((p.x + media[0], media[3] - p.y) for p in points)
                    inside = (bleed[0] - 0.01 < min(x0, x1) and max(x0, x1) < bleed[2] + 0.01
                              and bleed[1] - 0.01 < min(y0, y1)
                              and max(y0, y1) < bleed[3] + 0.01)
                    if not inside:
                        lines.append((drawing["width"], x0, y0, x1, y1))
            assert len(lines) == 8, f"page {page.number + 1}: {lines}"
            for width, x0, y0, x1, y1 in lines:
                assert width == pytest.approx(MARK_WIDTH_PT)
                assert 5 * MM <= abs(x1 - x0) + abs(y1 - y0) <= 10 * MM
                # Wholly outside the BleedBox, and on a trim edge's line.
                assert (max(x0, x1) < bleed[0] or min(x0, x1) > bleed[2]
                        or max(y0, y1) < bleed[1] or min(y0, y1) > bleed[3])
                assert (x0 in (trim[0], trim[2]) or y0 in (trim[1], trim[3])) or (
                    min(abs(x0 - t) for t in (trim[0], trim[2])) < 0.01
                    or min(abs(y0 - t) for t in (trim[1], trim[3])) < 0.01)
            # WeasyPrint's own marks (0.75 pt, inside the bleed) are gone.
            assert not [d for d in page.get_drawings() if d.get("width") == pytest.approx(0.75)]


def test_print_photos_are_at_most_400_ppi_of_their_placed_size(booklet):
    checked = 0
    with pymupdf.open(booklet.pdf("print")) as doc:
        for page in doc:
            for image in page.get_image_info():
                placed_in = pymupdf.Rect(image["bbox"]).width / 72
                ppi = image["width"] / placed_in
                assert ppi <= 400, f"page {page.number + 1}: {ppi:.0f} ppi"
                checked += 1
    assert checked >= 11  # ten figures and the cover
    # Eleven photos from 12-megapixel originals: 18 MB before, a few MB now.
    assert booklet.pdf("print").stat().st_size < 6 * 2**20


def test_the_handout_presets_the_print_dialog_and_shows_how_to_print(booklet):
    with pikepdf.open(booklet.pdf("handout")) as pdf:
        prefs = pdf.Root.ViewerPreferences
        assert prefs.Duplex == pikepdf.Name.DuplexFlipShortEdge
        assert prefs.PrintScaling == pikepdf.Name("/None")
    with pymupdf.open(booklet.pdf("handout")) as doc:
        page = doc[0]
        notes = list(page.annots())
        assert len(notes) == 1
        # Shown on screen with the instructions, never printed.
        assert not notes[0].flags & pymupdf.PDF_ANNOT_IS_PRINT
        shown = " ".join(_appearance(notes[0]).split())
        assert "6 sheets" in shown or "sheets" in shown
        for words in ("Print double-sided", "flip on the short edge", "100%"):
            assert words in shown + " " + PRINT_INSTRUCTIONS and words in shown


def _appearance(annot) -> str:
    """The text an annotation shows, from its appearance stream."""
    doc = annot.parent.parent
    xref = doc.xref_get_key(annot.xref, "AP/N")[1].split()[0]
    stream = doc.xref_stream(int(xref)).decode("latin-1")
    return "".join(part.split(")")[0] for part in stream.split("(")[1:])


def test_the_email_pdf_tags_each_language(booklet):
    langs: dict[str, int] = {}
    with pikepdf.open(booklet.pdf("email")) as pdf:
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == "/StructElem" \
                    and "/Lang" in obj:
                langs[str(obj.Lang)] = langs.get(str(obj.Lang), 0) + 1
    assert langs.get("en", 0) >= 30 and langs.get("zh-CN", 0) >= 30


def test_photos_have_alt_text_and_messages_name_no_internal_url(booklet):
    assert "parabook-photo" not in booklet.err + booklet.out
    assert "alt description" not in booklet.err
    with pikepdf.open(booklet.pdf("email")) as pdf:
        alts = [str(obj.Alt) for obj in pdf.objects if isinstance(obj, pikepdf.Dictionary)
                and obj.get("/S") == "/Figure" and "/Alt" in obj]
    assert len(alts) == 11
    assert any("Staying True" in alt for alt in alts)  # the cover: the title, both languages


def test_pdfx_print_file_passes_the_structural_check_and_ghostscript(booklet, tmp_path):
    assert check_pdfx(booklet.pdf("print"))  # the check finds what a plain file lacks
    built = build(with_cover(tmp_path / "x", "pdfx: true"), "--output", "print")
    assert check_pdfx(built.pdf("print")) == []
    if shutil.which("gs"):  # Ghostscript reads it without an error
        run = subprocess.run(["gs", "-q", "-dNOPAUSE", "-dBATCH", "-dPDFSTOPONERROR",
                              "-sDEVICE=nullpage", str(built.pdf("print"))],
                             capture_output=True, text=True, timeout=300)
        assert run.returncode == 0, run.stderr
        assert "rror" not in run.stdout + run.stderr
