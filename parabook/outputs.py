"""One document, three PDFs: for a print shop, an office printer, and email.

- `print`: the trim plus 3 mm bleed with crop marks (WeasyPrint sets TrimBox and
  BleedBox), photos at full resolution in sRGB;
- `handout`: the print PDF's trimmed pages imposed two-up on A4 for saddle stitching;
- `email`: photos at 150 dpi of their printed size, tagged PDF (PDF/UA-1), CJK
  fonts cut down to the glyphs used (`shrink`).

Photos are prepared per output by `photos.prepare` (upright, sRGB, no metadata),
cached by content hash, before the layout sees them. The outputs share one layout
(`pdf.render_pdfs`): `photo_swaps` says which print photo each email photo replaces.
"""

from __future__ import annotations

import dataclasses
import warnings as pywarnings
from pathlib import Path

from PIL import Image

from . import photos
from .errors import InputError, display_path
from .measure import PAGE_MM, SIDE_MARGINS_MM
from .model import Document, OutputSpec, PhotoView
from .pdf import PHOTO_SCHEME

OUTPUT_NAMES = ("print", "handout", "email")
SPECS = {
    "print": OutputSpec("print", dpi=None, bleed_mm=3.0, pdf_variant=None, shrink_fonts=False),
    "email": OutputSpec("email", dpi=150, bleed_mm=0.0, pdf_variant="pdf/ua-1",
                        shrink_fonts=True),
}
# These follow styles/booklet.css: the tallest photo, and the gap between two
# half-width figures.
MAX_PHOTO_HEIGHT_MM = 95.0
HALF_GAP_MM = 5.0
PRINT_MIN_DPI = 200


def suffix(name: str) -> str:
    return f".{name}.pdf"


def place_photos(document: Document, spec: OutputSpec, cache_dir: Path, *, final: bool,
                 manuscript_path: Path) -> tuple[Document, list[str]]:
    """The document with every photo prepared for `spec`, and the warnings that raised.

    A photo that cannot be used is a placeholder with a warning in a draft, and an
    error in a final build.
    """
    text_mm = PAGE_MM[document.meta.page_size][0] - SIDE_MARGINS_MM
    warnings: list[str] = []
    cover = None
    if document.cover_photo:  # its problems are reported at book.yaml's cover_photo line
        view = document.cover_photo
        view = dataclasses.replace(view, figure=dataclasses.replace(
            view.figure, line=document.meta.cover_photo_line or 0))
        cover = _place(view, spec, cache_dir, text_mm, final,
                       manuscript_path.with_name("book.yaml"), warnings)
    rows = []
    for row in document.rows:
        if row.kind != "figures":
            rows.append(row)
            continue
        views = tuple(
            dataclasses.replace(view, photo=_place(view.photo, spec, cache_dir, text_mm,
                                                   final, manuscript_path, warnings))
            for view in row.figures)
        rows.append(dataclasses.replace(row, figures=views))
    return dataclasses.replace(document, rows=tuple(rows), cover_photo=cover or None), warnings


def _place(photo: PhotoView, spec: OutputSpec, cache_dir: Path, text_mm: float, final: bool,
           manuscript_path: Path, warnings: list[str]) -> PhotoView:
    if photo.source is None:
        return photo
    figure = photo.figure
    column_mm = text_mm if figure.width == "full" else (text_mm - HALF_GAP_MM) / 2
    aspect = _aspect(photo.source, figure.crop)
    width_mm = round(min(column_mm, MAX_PHOTO_HEIGHT_MM * aspect), 1) if aspect else column_mm
    try:
        prepared = photos.prepare(photo.source, placed_width_mm=width_mm, dpi=spec.dpi,
                                  cache_dir=cache_dir, manuscript=manuscript_path,
                                  line=figure.line, crop=figure.crop, focus=figure.focus)
    except InputError as error:
        if final:
            raise
        warnings.append(f"{error.located()}; a placeholder frame is printed. "
                        f"Fix: {error.fix}")
        return dataclasses.replace(photo, source=None)
    if spec.dpi is None:
        low = photos.low_resolution_warning(
            prepared, f"{display_path(manuscript_path)}:{figure.line}", PRINT_MIN_DPI)
        if low:
            warnings.append(low)
    # A URL without the project's path, so the PDF is the same wherever the project is.
    return dataclasses.replace(photo, url=f"{PHOTO_SCHEME}:{prepared.path.name}",
                               width_mm=width_mm)


def _aspect(path: Path, crop: tuple[int, int] | None) -> float | None:
    """Width over height once upright, read from the header alone; None if unreadable."""
    if crop:
        return crop[0] / crop[1]
    try:
        with pywarnings.catch_warnings():
            # Pillow warns while opening a photo of 89-100 MP: silence it first.
            pywarnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                width, height = image.size
                if image.getexif().get(0x0112) in (5, 6, 7, 8):  # rotated a quarter turn
                    width, height = height, width
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        return None  # prepare() reports it properly
    return width / height if height else None



def photo_urls(document: Document) -> list[str | None]:
    """The URL of every photo place in the document, in order; None for a placeholder."""
    views = [document.cover_photo] if document.cover_photo else []
    views += [view.photo for row in document.rows for view in row.figures]
    return [view.url for view in views]


def photo_swaps(laid_out: Document, other: Document) -> dict[str, str] | None:
    """{photo URL in `laid_out`: the URL in its place in `other`}, for drawing `other`'s
    photos on `laid_out`'s layout; None when a photo is a placeholder in one of them only,
    and `other` needs a layout of its own."""
    pairs = list(zip(photo_urls(laid_out), photo_urls(other), strict=True))
    if any((a is None) != (b is None) for a, b in pairs):
        return None
    swaps = {a: b for a, b in pairs if a is not None}
    # One photo placed twice at different widths: its email versions differ, and the
    # swap goes by URL.
    if any(swaps[a] != b for a, b in pairs if a is not None):
        return None
    return {a: b for a, b in swaps.items() if a != b}
