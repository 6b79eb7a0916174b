"""Write the PDFs with WeasyPrint, fetching only local files from allowed folders.

Layout is most of WeasyPrint's time, and the print and email PDFs differ only in
what is drawn, not where: so the booklet is laid out once (`lay_out`) and the
layout written once per output (`write_layout`, `PdfWrite`). A write only reads
the layout, leaving it as it found it: the build makes its writes at once, in
forked processes (`pipeline`). The layout is made with the print
page (bleed and crop marks) and the print photos. An output without bleed drops it
when written: its pages are the trim (MediaBox = TrimBox) and carry no marks, as a
layout without bleed would, since bleed moves nothing inside the page. An output
with other photos has them swapped in at the same place and size: the email's are
the same photos, fewer pixels, cut to the same aspect ratio (a fraction of a pixel
apart), so the layout is the same with either. Writing a layout several ways reaches
into WeasyPrint's page objects (`weasy`); tests/test_outputs.py checks the result.
"""

from __future__ import annotations

import logging
import mimetypes
import re
from collections.abc import Callable, Mapping
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from parabook.errors import BookError
from parabook.infra.fsutil import write_atomic
from parabook.typeset import justify, weasy

log = logging.getLogger("parabook.render.pdf")


PHOTO_SCHEME = "parabook-photo"
PHOTO_NAME = re.compile(r"^[0-9a-f]{16,64}\.jpg$")
_PHOTO_URL = re.compile(PHOTO_SCHEME + r":[0-9a-f]{16,64}\.jpg")


def _hide_photo_urls(record: logging.LogRecord) -> bool:
    """A message never shows the photo cache's internal URLs: they name no file a person
    knows (the template gives every photo its alt text, so none should come)."""
    message = record.getMessage()
    if PHOTO_SCHEME in message:
        record.msg, record.args = _PHOTO_URL.sub("(a photo of the booklet)", message), ()
    return True


logging.getLogger("weasyprint").addFilter(_hide_photo_urls)


class SandboxFetcher(weasy.URLFetcher):
    """Serve `file:` URLs under the allowed folders, and prepared photos by name
    (`parabook-photo:KEY.jpg`) from the photo cache; refuse everything else."""

    def __init__(self, roots: list[Path], photos: Path | None = None) -> None:
        super().__init__(allowed_protocols=("file",))
        self.roots = [root.resolve() for root in roots]
        self.photos = photos
        self.refused: list[str] = []

    def fetch(self, url, headers=None):
        parts = urlsplit(url)
        if parts.scheme == PHOTO_SCHEME and self.photos and PHOTO_NAME.match(parts.path):
            path = self.photos / parts.path
            if path.is_file():
                return _PhotoResponse(url, path)
        if parts.scheme == "file" and parts.netloc in ("", "localhost"):
            path = Path(unquote(parts.path)).resolve()
            if any(path.is_relative_to(root) for root in self.roots) and path.is_file():
                kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                return weasy.URLFetcherResponse(url, path.read_bytes(), {"Content-Type": kind})
        self.refused.append(url)
        log.warning("refused to fetch %s (outside the book, templates and styles)", url)
        raise ValueError(f"refused: {url}")


class _PhotoResponse(weasy.URLFetcherResponse):
    """A prepared photo, with its file's path: WeasyPrint then reads the file when it
    writes the PDF (`LazyLocalImage`) instead of holding every photo in memory, which
    for a book of a hundred 12-megapixel photos is 160 MB."""

    def __init__(self, url: str, path: Path) -> None:
        super().__init__(url, path.open("rb"), {"Content-Type": "image/jpeg"})
        self._path = path

    @property
    def path(self) -> str:
        return str(self._path)


@dataclass(frozen=True)
class PdfWrite:
    """One PDF written from the shared layout."""

    name: str
    bleed: bool = True
    """Keep the layout's bleed and crop marks; False: the page is the trim, no marks."""
    photos: Mapping[str, str] = field(default_factory=dict)
    """Photo URL in the HTML -> URL of the photo this PDF embeds in its place."""
    pdf_variant: str | None = None
    """WeasyPrint's PDF variant, e.g. `pdf/ua-1` (tagged)."""
    postprocess: Callable[[bytes], bytes] | None = None
    target: Path | None = None
    """The file to write (a print PDF of a long book is hundreds of MB: streamed to disk,
    not held in memory); None: return the bytes."""


@dataclass(frozen=True)
class Layout:
    """A laid-out booklet (WeasyPrint's document), to write once per output."""

    document: weasy.Document
    fetcher: SandboxFetcher

    @property
    def pages(self) -> int:
        return len(self.document.pages)


def lay_out(html: str, *, base_dir: Path, allowed: list[Path],
            photos: Path | None = None, filler_pages: int = 0) -> Layout:
    """Lay `html` out, fetching only from `allowed` folders and prepared `photos`.

    `filler_pages`: the HTML sets this many pages, named `notes` or `blank`, before its
    back cover (`html.FILLER_PAGES`); as many are kept as make the page count a multiple
    of 4, the rest are dropped, so the back cover ends the booklet on a verso."""
    fetcher = SandboxFetcher(allowed, photos)
    base_url = base_dir.resolve().as_uri() + "/"
    try:
        # Chinese lines justified between characters. Only layout needs it: the text
        # boxes keep the spaced layouts they are drawn with.
        with justify.installed():
            html = _cover_fitted(html, base_url, fetcher)
            document = weasy.HTML(string=html, base_url=base_url,
                                  url_fetcher=fetcher).render()
    except OSError as exc:
        raise BookError(f"WeasyPrint could not render the booklet: {exc}") from exc
    if filler_pages:  # the template's filler pages are named `notes` or `blank`
        pad_to_fours(document.pages, [index for index, name in
                                      enumerate(weasy.page_names(document))
                                      if name in ("notes", "blank")])
    return Layout(document, fetcher)


COVER_END = "<!-- parabook: end of cover -->"
"""Written by the template after the cover, which is laid out alone first to fit it."""
COVER_PHOTO_MIN_MM = 25.0
_PX_PER_MM = 96 / 25.4


def _cover_fitted(html: str, base_url: str, fetcher: SandboxFetcher) -> str:
    """`html` with its cover photo made short enough for the cover to be one page.

    The cover is laid out alone (a page or two: quick); while it runs onto a second
    page its photo's height is capped by what ran over, and it is laid out again."""
    if 'class="cover-photo"' not in html or COVER_END not in html:
        return html
    cover = html.partition(COVER_END)[0] + "</body></html>"
    cap: float | None = None
    for _ in range(4):
        probe = _cover_photo_capped(cover, cap)
        over, photo = weasy.named_page_fit(
            weasy.HTML(string=probe, base_url=base_url, url_fetcher=fetcher).render(),
            "cover")
        if not over:
            return _cover_photo_capped(html, cap)
        cap = photo - over - 2 * _PX_PER_MM
        if cap < COVER_PHOTO_MIN_MM * _PX_PER_MM:
            break
    raise BookError("the cover does not fit on one page, even with its photo "
                    f"{COVER_PHOTO_MIN_MM:.0f} mm high",
                    fix="shorten the title, subtitle or byline in book.yaml, or remove "
                        "cover_photo")


def _cover_photo_capped(html: str, cap: float | None) -> str:
    if cap is None:
        return html
    rule = f"<style>.cover .cover-photo {{ max-height: {cap:.1f}px; }}</style>"
    return html.replace("</head>", rule + "</head>", 1)


def pad_to_fours(pages: list, fillers: list[int]) -> None:
    """Keep as many of the filler pages (their indexes in `pages`) as make `len(pages)` a
    multiple of 4 (a saddle-stitched booklet's sheets carry four pages each); drop the
    rest."""
    content = len(pages) - len(fillers)
    if content < 2:
        raise BookError(f"the layout has {len(pages)} pages, {len(fillers)} of them filler "
                        "pages: it needs a cover and a back cover")
    keep = -content % 4
    for index in sorted(fillers[keep:], reverse=True):
        del pages[index]


def write_layout(layout: Layout, write: PdfWrite) -> bytes | None:
    """Write `layout` as `write` says: the PDF's bytes, or None when written to its
    `target`. The layout is left as it was, for the next write."""
    document = layout.document
    try:
        with ExitStack() as changes:
            changes.enter_context(weasy.page_backgrounds_kept(document))
            if not write.bleed:
                changes.enter_context(weasy.without_bleed(document))
            if write.pdf_variant:  # tagged: each language's elements say so
                changes.enter_context(weasy.structure_languages())
            if write.photos:
                changes.enter_context(weasy.photos_replaced(document, write.photos,
                                                             layout.fetcher))
            # Fonts are collected while drawing and subset in place when written:
            # each PDF starts from none, as a document of its own would.
            document.fonts = {}
            data = document.write_pdf(write.target, pdf_variant=write.pdf_variant)
    except OSError as exc:
        if write.target is not None and exc.errno is not None:
            raise  # the disk (full, read-only): the command line says what to check
        raise BookError(f"WeasyPrint could not write the booklet: {exc}") from exc
    if write.postprocess is not None:
        if write.target is None:
            data = write.postprocess(data)
        else:
            write.target.write_bytes(write.postprocess(write.target.read_bytes()))
    return data


def render_pdfs(html: str, writes: list[PdfWrite], *, base_dir: Path, allowed: list[Path],
                photos: Path | None = None) -> dict[str, tuple[bytes | None, int]]:
    """Lay `html` out once and write it once per `writes`: {name: (PDF bytes, pages)};
    the bytes are None for a write with a `target` file."""
    layout = lay_out(html, base_dir=base_dir, allowed=allowed, photos=photos)
    return {write.name: (write_layout(layout, write), layout.pages) for write in writes}


def render_pdf(html: str, *, base_dir: Path, allowed: list[Path], photos: Path | None = None,
               pdf_variant: str | None = None,
               postprocess: Callable[[bytes], bytes] | None = None) -> tuple[bytes, int]:
    """Render `html` to PDF bytes; return them and the page count."""
    write = PdfWrite("pdf", pdf_variant=pdf_variant, postprocess=postprocess)
    data, pages = render_pdfs(html, [write], base_dir=base_dir, allowed=allowed,
                              photos=photos)["pdf"]
    assert data is not None  # a write without a target returns its bytes
    return data, pages


def write_pdf(html: str, output: Path, *, base_dir: Path, allowed: list[Path],
              pdf_variant: str | None = None,
              postprocess: Callable[[bytes], bytes] | None = None) -> int:
    """Render `html` and write `output` atomically; return the page count."""
    data, pages = render_pdf(html, base_dir=base_dir, allowed=allowed,
                             pdf_variant=pdf_variant, postprocess=postprocess)
    write_atomic(output, data)
    return pages
