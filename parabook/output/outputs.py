"""One document, three PDFs: for a print shop, an office printer, and email.

- `print`: the trim plus 3 mm bleed (WeasyPrint sets TrimBox and BleedBox), then
  `printfile.finish_print`: black on the black plate alone, crop marks outside the
  bleed, optionally PDF/X-4; photos in sRGB at most `PRINT_MAX_DPI`;
- `handout`: the print PDF's trimmed pages imposed two-up on A4 for saddle stitching;
- `email`: photos at 150 dpi of their printed size, tagged PDF (PDF/UA-1), CJK
  fonts cut down to the glyphs used (`shrink`).

Photos are prepared per output by `photos.prepare` (upright, sRGB, no metadata),
cached by content hash, before the layout sees them (`place_photos`; the build
spreads the preparing over the cores). The outputs share one layout
(`pdf.lay_out`): `photo_swaps` says which print photo each email photo replaces.
"""

from __future__ import annotations

import dataclasses
import warnings as pywarnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from PIL import Image

from parabook.diagnostics import Diagnostic
from parabook.errors import InputError
from parabook.model import Document, OutputSpec, PhotoView
from parabook.output import photos
from parabook.render.pdf import PHOTO_SCHEME
from parabook.typeset import geometry

OUTPUT_NAMES = ("print", "handout", "email")
SPECS = {
    "print": OutputSpec("print", dpi=None, bleed_mm=3.0, pdf_variant=None, shrink_fonts=False),
    "email": OutputSpec("email", dpi=150, bleed_mm=0.0, pdf_variant="pdf/ua-1",
                        shrink_fonts=True),
}
PRINT_MIN_DPI = 200
PRINT_MAX_DPI = 300
"""Print photos are shrunk to this at their placed size: a press prints no finer, and a
camera's 1000 ppi made a 17 MB print PDF of the sample's ten photos."""


def suffix(name: str) -> str:
    return f".{name}.pdf"


@dataclass(frozen=True)
class PhotoJob:
    """One photo to prepare for one output: the arguments of `photos.prepare`."""

    source: Path
    width_mm: float
    """Printed width."""
    dpi: int | None
    manuscript: Path
    """The file to report its problems at (the manuscript, or book.yaml for the cover)."""
    line: int
    crop: tuple[int, int] | None
    focus: tuple[float, float]


Prepared = photos.PreparedPhoto | InputError
"""A prepared photo, or why the photo cannot be used."""


def prepare_each(jobs: list[PhotoJob], cache_dir: Path) -> list[Prepared]:
    """`photos.prepare` for each job, in order; a photo that cannot be used gives its
    InputError (anything else, e.g. a full disk, is raised)."""
    out: list[Prepared] = []
    for job in jobs:
        try:
            out.append(photos.prepare(job.source, placed_width_mm=job.width_mm, dpi=job.dpi,
                                      cache_dir=cache_dir, manuscript=job.manuscript,
                                      line=job.line, crop=job.crop, focus=job.focus,
                                      max_dpi=PRINT_MAX_DPI if job.dpi is None else None))
        except InputError as error:
            out.append(error)
    return out


def place_photos(document: Document, spec: OutputSpec, cache_dir: Path, *, final: bool,
                 manuscript_path: Path,
                 prepare: Callable[[list[PhotoJob]], list[Prepared]] | None = None,
                 layout_widths: Mapping[int, Sequence[float]] | None = None,
                 ) -> tuple[Document, list[Diagnostic]]:
    """The document with every photo prepared for `spec`, and the warnings that raised.

    A photo that cannot be used is a placeholder with a warning in a draft, and an
    error in a final build. `prepare` prepares a list of jobs (default `prepare_each`
    into `cache_dir`; the build spreads them over the cores). `layout_widths`: the
    printed widths in mm of the photos of the figure rows (by index in `document.rows`)
    that the layout sizes itself (the facing layout's are smaller), so that they are
    prepared for the size they are printed at.
    """
    page = geometry.PAGES[document.meta.page_size]
    cover = document.cover_photo
    if cover:  # its problems are reported at book.yaml's cover_photo line
        cover = dataclasses.replace(cover, figure=dataclasses.replace(
            cover.figure, line=document.meta.cover_photo_line or 0))
    views = [view.photo for row in document.rows if row.kind == "figures"
             for view in row.figures]
    widths: list[float | None] = [
        width for index, row in enumerate(document.rows) if row.kind == "figures"
        for width in (layout_widths[index] if layout_widths and index in layout_widths
                      else _shared_height_widths(row.figures, page))]
    where = [manuscript_path] * len(views)
    if cover:
        views, where = [cover, *views], [manuscript_path.with_name("book.yaml"), *where]
        widths = [None, *widths]
    jobs = {index: _job(view, spec, page, path, width)
            for index, (view, path, width) in enumerate(zip(views, where, widths, strict=True))
            if view.source is not None}
    done = (prepare or partial(prepare_each, cache_dir=cache_dir))(list(jobs.values()))
    results = dict(zip(jobs, done, strict=True))
    warnings: list[Diagnostic] = []
    placed = iter([_place(view, jobs.get(index), results.get(index), final, warnings)
                   for index, view in enumerate(views)])
    if cover:
        cover = next(placed)
    rows = []
    for row in document.rows:
        if row.kind == "figures":
            row = dataclasses.replace(row, figures=tuple(
                dataclasses.replace(view, photo=next(placed)) for view in row.figures))
        rows.append(row)
    return dataclasses.replace(document, rows=tuple(rows), cover_photo=cover), warnings


def _shared_height_widths(figures, page: geometry.PageGeometry) -> list[float | None]:
    """Widths for photos side by side in one row (two `half` figures) that give them one
    height, filling the text width but the gap between them, so their captions start on
    one line; None for each figure otherwise (sized alone, `_job`)."""
    aspects = [_aspect(view.photo.source, view.photo.figure.crop)
               if view.photo.source is not None else None for view in figures]
    known = [aspect for aspect in aspects if aspect is not None]
    if len(figures) != 2 or len(known) != 2:
        return [None] * len(figures)
    room = page.text_width_mm - page.figure_gap_mm
    height = min(room / sum(known), _tallest(figures[0].photo, page))
    return [round(height * aspect - 0.05, 1) for aspect in known]


def _job(photo: PhotoView, spec: OutputSpec, page: geometry.PageGeometry,
         where: Path, shared_width: float | None = None) -> PhotoJob:
    figure, source = photo.figure, photo.source
    assert source is not None  # jobs are made for the photos that are there
    text_mm = page.text_width_mm
    column_mm = text_mm if figure.width == "full" else (text_mm - page.figure_gap_mm) / 2
    aspect = _aspect(source, figure.crop)
    width_mm = (round(min(column_mm, _tallest(photo, page) * aspect), 1) if aspect
                else column_mm)
    if shared_width is not None:
        width_mm = shared_width
    return PhotoJob(source, width_mm, spec.dpi, where, figure.line, figure.crop,
                    figure.focus)


def _tallest(photo: PhotoView, page: geometry.PageGeometry) -> float:
    """The most a photo may be printed high: the page's tallest, or less when it was
    scaled down to fill a page (`compose.floats`)."""
    return min(page.max_photo_height_mm, photo.max_height_mm or page.max_photo_height_mm)


def _place(photo: PhotoView, job: PhotoJob | None, prepared: Prepared | None, final: bool,
           warnings: list[Diagnostic]) -> PhotoView:
    if job is None or prepared is None:
        return photo
    if isinstance(prepared, InputError):
        if final:
            raise prepared
        warnings.append(Diagnostic(prepared.path, prepared.line, "warning", "photo.unusable",
                                   f"{prepared.problem}; a placeholder frame is printed. "
                                   f"Fix: {prepared.fix}"))
        return dataclasses.replace(photo, source=None)
    if job.dpi is None:
        low = photos.low_resolution(prepared, job.manuscript, job.line, PRINT_MIN_DPI)
        if low:
            warnings.append(low)
    # A URL without the project's path, so the PDF is the same wherever the project is.
    return dataclasses.replace(photo, url=f"{PHOTO_SCHEME}:{prepared.path.name}",
                               width_mm=job.width_mm)


def _orientation(image: Image.Image) -> int:
    """The EXIF orientation from what opening read: a PNG's `getexif()` decodes the
    whole image to look past its pixels (a tenth of a second for a 12 MP photo, four
    times a build); its eXIf chunk stands before them."""
    if image.format != "PNG":
        return int(image.getexif().get(0x0112, 1))
    exif = Image.Exif()
    if "exif" in image.info:
        exif.load(image.info["exif"])
    return int(exif.get(0x0112, 1))


def _aspect(path: Path, crop: tuple[int, int] | None) -> float | None:
    """Width over height once upright, read from the header alone; None if unreadable or
    a strip too thin to print (a 1×65000 photo would be placed 0.0 mm wide)."""
    if crop:
        return crop[0] / crop[1] if photos.is_printable_shape(*crop) else None
    try:
        with pywarnings.catch_warnings():
            # Pillow warns while opening a photo of 89-100 MP: silence it first.
            pywarnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                width, height = image.size
                if _orientation(image) in (5, 6, 7, 8):  # rotated a quarter turn
                    width, height = height, width
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        return None  # prepare() reports it properly
    if not height or not photos.is_printable_shape(width, height):
        return None  # prepare() reports it properly
    return width / height



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
    swaps = {a: b for a, b in pairs if a is not None and b is not None}
    # One photo placed twice at different widths: its email versions differ, and the
    # swap goes by URL.
    if any(swaps[a] != b for a, b in pairs if a is not None):
        return None
    return {a: b for a, b in swaps.items() if a != b}
