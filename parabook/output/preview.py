"""PNG images of a booklet's spreads, to look at without a PDF viewer.

The cover stands alone on the right, as it does in the hand; then facing pages
side by side (2-3, 4-5, ...); a last even page stands alone on the left.
"""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

import pymupdf
from PIL import Image

from parabook.errors import InputError
from parabook.infra.fsutil import write_atomic


def spreads(pages: int) -> list[tuple[int | None, int | None]]:
    """(left, right) page numbers, 1-based; None is an empty side."""
    out: list[tuple[int | None, int | None]] = [(None, 1)]
    for left in range(2, pages + 1, 2):
        out.append((left, left + 1 if left + 1 <= pages else None))
    return out


def render_spreads(pdf: Path, folder: Path, stem: str, dpi: int = 80) -> list[Path]:
    """Write `folder/<stem>-NN.png` for each spread; return the paths."""
    doc = pymupdf.open(pdf)
    images = [_page(doc[i], dpi) for i in range(doc.page_count)]
    for old in folder.glob(f"{stem}-[0-9][0-9]-*.png"):  # an earlier, longer build's
        old.unlink()
    width, height = images[0].size
    written = []
    for number, (left, right) in enumerate(spreads(doc.page_count), start=1):
        sheet = Image.new("RGB", (2 * width, height), (200, 200, 200))
        for side, page in ((0, left), (1, right)):
            if page is not None:
                sheet.paste(images[page - 1], (side * width, 0))
        name = "cover" if number == 1 else f"pages-{left}-{right or ''}".rstrip("-")
        path = folder / f"{stem}-{number:02d}-{name}.png"
        buffer = BytesIO()
        sheet.save(buffer, "PNG", optimize=True)
        write_atomic(path, buffer.getvalue())
        written.append(path)
    return written


def _page(page: pymupdf.Page, dpi: int) -> Image.Image:
    pixmap = page.get_pixmap(dpi=dpi, alpha=False)
    return Image.frombytes("RGB", (pixmap.width, pixmap.height), pixmap.samples)


def render_page(pdf: Path, page: int, dpi: int = 80) -> bytes:
    """Page `page` (1-based) of `pdf` as PNG bytes."""
    doc = pymupdf.open(pdf)
    if not 1 <= page <= doc.page_count:
        raise InputError(f"page {page} is not in the booklet, which has {doc.page_count} "
                         "pages", path=pdf, fix=f"ask for a page from 1 to {doc.page_count}")
    buffer = BytesIO()
    _page(doc[page - 1], dpi).save(buffer, "PNG", optimize=True)
    return buffer.getvalue()
