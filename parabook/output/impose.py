"""Office handout: the A5 booklet imposed two-up on A4 for saddle stitching.

    result = impose_saddle(Path("dist/book.pdf"), Path("dist/book-handout.pdf"))
    result.sheets          # A4 sheets to print, both sides
    PRINT_INSTRUCTIONS     # tell the person at the printer exactly this

Each A4 landscape sheet carries two booklet pages side by side; printed double-sided,
stacked in output order, folded in half and stapled on the fold, the sheets make the
booklet. For 8 pages: sheet 1 front [8 | 1], back [2 | 7]; sheet 2 front [6 | 3],
back [4 | 5]. The page count is padded to a multiple of 4 with blank pages placed
before the back cover, so the last page stays on the outside back (a one-page booklet
keeps its page as the front cover).

Duplex orientation. A landscape page is printed across a portrait-fed sheet, and
"flip on the short edge" turns the sheet over about an axis parallel to the short
edges, which in the landscape view is the vertical axis, the same axis the fold will
be. Turning over about a vertical axis swaps left and right but keeps the top at the
top, so the back of each sheet is imposed upright, not rotated 180°; page 2 lands
behind page 1. ("Flip on the long edge" would need the back turned 180°.)

Print PDFs may have bleed and crop marks (a MediaBox larger than the TrimBox). Each
page is first cut to its TrimBox, so the handout shows the trimmed page and no marks.

The imposition is pdfimpose's `saddle` schema (on PyMuPDF, both runtime dependencies),
configured by hand rather than with `size="A4"`:

- `folds="h"` (one fold across the width: two pages side by side, no creep, no marks);
  `size="A4"` would work out margins that make the sheet larger than A4 (851 × 600 pt
  for an A5 booklet), so the output margins are computed here to centre the pair on an
  exact A4 sheet (A5 is 148 mm wide, two of them leave 1 mm of A4's 297 mm);
- `last=1`, so pdfimpose puts its padding pages before the back cover.

pdfimpose reads the page size from the CropBox but places pages by the MediaBox, and
shows the CropBox: cutting the MediaBox itself down to the TrimBox keeps all three equal.
The steps pass files, not bytes (a long booklet's print PDF is hundreds of MB), in a
temporary folder beside the output, which is then replaced atomically. It has no dates,
and its file ID (random when pdfimpose saves) is replaced by a hash of the booklet, so
the same booklet always gives the same bytes.
"""

from __future__ import annotations

import errno
import hashlib
import math
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pdfimpose
import pymupdf
from pdfimpose.schema import Margins, saddle

from parabook.errors import BookError, InputError

PT_PER_MM = 72 / 25.4
A4_LANDSCAPE = (297 * PT_PER_MM, 210 * PT_PER_MM)
"""Width and height of the output sheet, in points."""

PRINT_INSTRUCTIONS = ("Print double-sided, flip on the short edge, at 100% (actual size); "
                      "fold the stack in half and staple on the fold.")

_TOLERANCE = 0.5
"""Points by which page sizes may differ (PDF writers round to 1/1000 or 1/100000)."""


@dataclass(frozen=True)
class Imposition:
    """What `impose_saddle` wrote."""

    output: Path
    """The handout PDF: A4 landscape, two booklet pages on each side of each sheet."""
    pages: int
    """Pages in the booklet before padding."""
    blanks: int
    """Blank pages added before the back cover to reach a multiple of 4."""
    sheets: int
    """A4 sheets, each printed on both sides (the PDF has twice as many pages)."""


def impose_saddle(booklet_pdf: Path, output: Path) -> Imposition:
    """Impose `booklet_pdf` (A5 or smaller pages) for saddle stitching onto A4 sheets."""
    # Files, not bytes, between the steps: a 200-page print PDF with its photos is
    # 170 MB, and PyMuPDF reads a file as it needs it.
    output.parent.mkdir(parents=True, exist_ok=True)
    # Named after the output (`.SLUG.handout.pdf.*`): the next build of the same book
    # clears what a killed one left behind.
    with tempfile.TemporaryDirectory(dir=output.parent, prefix=f".{output.name.lstrip('.')}"
                                     ".impose-") as folder:
        trimmed_path, imposed_path = Path(folder) / "trimmed.pdf", Path(folder) / "imposed.pdf"
        source = _trimmed(booklet_pdf)
        try:
            pages = source.page_count
            margins = _centring_margins(source, booklet_pdf)
            with _writing(trimmed_path):
                source.save(trimmed_path)
        finally:
            source.close()
        try:
            # last=1: padding goes before the back cover (a single page stays the front).
            with _writing(imposed_path):
                saddle.impose([str(trimmed_path)], str(imposed_path), folds="h",
                              omargin=margins, imargin=0, mark=[], last=1 if pages > 1 else 0)
        except pdfimpose.UserError as exc:  # a BaseException: `except Exception` misses it
            raise BookError(f"pdfimpose could not impose the booklet: {exc}",
                            path=booklet_pdf) from exc

        sheets = math.ceil(pages / 4)
        finished = Path(folder) / "handout.pdf"
        with pymupdf.open(imposed_path) as handout:
            # pdfimpose pads on its own; make sure it padded as documented.
            if handout.page_count != 2 * sheets:
                raise BookError(f"pdfimpose made {handout.page_count} sides for {pages} pages, "
                                f"expected {2 * sheets}", path=booklet_pdf)
            _printing_instructions(handout, pages)
            # pdfimpose's file ID is random; derive it from the booklet for identical rebuilds.
            file_id = _sha256(booklet_pdf)[:32].upper()
            handout.xref_set_key(-1, "ID", f"[<{file_id}><{file_id}>]")
            with _writing(finished):
                handout.save(finished, deflate=True, no_new_id=True)
        with finished.open("rb+") as handle:  # on disk before it replaces the output
            os.fsync(handle.fileno())
        os.replace(finished, output)
    return Imposition(output=output, pages=pages, blanks=4 * sheets - pages, sheets=sheets)


VIEWER_PREFERENCES = "<< /Duplex /DuplexFlipShortEdge /PrintScaling /None /NumCopies 1 >>"
"""Preset the print dialog (PDF 1.7): both sides, flipped on the short edge, actual size."""


def _printing_instructions(handout: pymupdf.Document, pages: int) -> None:
    """Tell the printer and the person how to print: `VIEWER_PREFERENCES` for the print
    dialog, and `PRINT_INSTRUCTIONS` as a note on the first side that shows on screen and
    never prints (an annotation without its Print flag), in the empty upper half of the
    back cover, where whoever opens the file reads it before printing. An instruction
    sheet would cost a sheet per copy and shift every sheet of the imposition."""
    handout.xref_set_key(handout.pdf_catalog(), "ViewerPreferences", VIEWER_PREFERENCES)
    first = handout[0]
    width, height = first.rect.width, first.rect.height
    box = pymupdf.Rect(width * 0.05, height * 0.05, width * 0.45, height * 0.25)
    note = first.add_freetext_annot(
        box, f"How to print this handout ({math.ceil(pages / 4)} sheets):\n"
             f"{PRINT_INSTRUCTIONS}\n(This note shows on screen only; it is not printed.)",
        fontsize=12, fontname="helv", text_color=(0.6, 0, 0), fill_color=(1, 1, 0.85),
        border_width=0.5)
    note.set_info(title="parabook")
    note.set_flags(0)  # visible, not printed
    note.update()


@contextmanager
def _writing(path: Path) -> Iterator[None]:
    """PyMuPDF reports a failed write (a full disk) as its own FzErrorSystem, with only
    the system's message ("cannot fwrite: No space left on device"): raise the OSError it
    stands for, naming the file, as every other failed write does."""
    try:
        yield
    except pymupdf.mupdf.FzErrorSystem as exc:
        message = str(exc.args[0] if exc.args else exc)
        reason = message.rpartition(": ")[2]
        if reason in _ERRNOS:
            raise OSError(_ERRNOS[reason], reason, str(path)) from None
        raise OSError(errno.EIO, message, str(path)) from None


_ERRNOS = {os.strerror(code): code for code in errno.errorcode}
"""errno by its message: PyMuPDF's errors carry only the message."""


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _centring_margins(source: pymupdf.Document, path: Path) -> Margins:
    """Margins that centre two pages on the A4 sheet; every page must have one size."""
    first = source[0].rect
    for page in source.pages():
        if max(abs(page.rect.width - first.width),
               abs(page.rect.height - first.height)) > _TOLERANCE:
            raise InputError(f"page {page.number + 1} is {_mm(page.rect)}, page 1 is "
                             f"{_mm(first)}; a saddle-stitched booklet needs one size",
                             path=path, fix="give every page the same @page size")
    spare_w, spare_h = A4_LANDSCAPE[0] - 2 * first.width, A4_LANDSCAPE[1] - first.height
    if min(spare_w, spare_h) < -_TOLERANCE:
        raise InputError(f"pages are {_mm(first)}; two side by side do not fit on A4",
                         path=path, fix="use A5 (148 × 210 mm) or smaller pages")
    side, top = max(spare_w, 0) / 2, max(spare_h, 0) / 2
    return Margins(left=side, right=side, top=top, bottom=top)


def _trimmed(path: Path) -> pymupdf.Document:
    """Open the booklet with every page's MediaBox cut down to its TrimBox."""
    try:
        document = pymupdf.open(path, filetype="pdf")
    except (pymupdf.FileNotFoundError, OSError) as exc:
        raise InputError(f"cannot be read ({exc})", path=path,
                         fix="build the booklet PDF first") from exc
    except (RuntimeError, ValueError) as exc:  # pymupdf's FileDataError is a RuntimeError
        raise InputError(f"is not a readable PDF ({exc})", path=path,
                         fix="build the booklet PDF again") from exc
    if document.page_count == 0:
        document.close()
        raise InputError("has no pages", path=path, fix="build the booklet PDF again")
    for page in document.pages():
        # PyMuPDF reports boxes with y measured down from the MediaBox top, but
        # set_mediabox() takes PDF coordinates (y up): convert back.
        media, trim = page.mediabox, page.trimbox
        box = pymupdf.Rect(trim.x0, media.y1 - trim.y1, trim.x1, media.y1 - trim.y0)
        if box != media:
            page.set_mediabox(box)  # also drops CropBox, BleedBox, TrimBox and ArtBox
    return document


def _mm(rect: pymupdf.Rect) -> str:
    return f"{rect.width / PT_PER_MM:.0f} × {rect.height / PT_PER_MM:.0f} mm"
