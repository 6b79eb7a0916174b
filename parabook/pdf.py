"""Write the PDF with WeasyPrint, fetching only local files from allowed folders."""

from __future__ import annotations

import logging
import mimetypes
import re
from collections.abc import Callable
from pathlib import Path
from urllib.parse import unquote, urlsplit

import weasyprint
from weasyprint.urls import URLFetcher, URLFetcherResponse

from . import justify
from .errors import BookError
from .fsutil import write_atomic

log = logging.getLogger("parabook.pdf")


PHOTO_SCHEME = "parabook-photo"
PHOTO_NAME = re.compile(r"^[0-9a-f]{16,64}\.jpg$")


class SandboxFetcher(URLFetcher):
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
                return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": "image/jpeg"})
        if parts.scheme == "file" and parts.netloc in ("", "localhost"):
            path = Path(unquote(parts.path)).resolve()
            if any(path.is_relative_to(root) for root in self.roots) and path.is_file():
                kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": kind})
        self.refused.append(url)
        log.warning("refused to fetch %s (outside the book, templates and styles)", url)
        raise ValueError(f"refused: {url}")


def render_pdf(html: str, *, base_dir: Path, allowed: list[Path], photos: Path | None = None,
               pdf_variant: str | None = None,
               postprocess: Callable[[bytes], bytes] | None = None) -> tuple[bytes, int]:
    """Render `html` to PDF bytes; return them and the page count."""
    justify.install()  # Chinese lines justified between characters (idempotent)
    fetcher = SandboxFetcher(allowed, photos)
    try:
        document = weasyprint.HTML(string=html, base_url=base_dir.resolve().as_uri() + "/",
                                   url_fetcher=fetcher).render()
        data = document.write_pdf(pdf_variant=pdf_variant)
        if postprocess is not None:
            data = postprocess(data)
    except OSError as exc:
        raise BookError(f"WeasyPrint could not render the booklet: {exc}") from exc
    return data, len(document.pages)


def write_pdf(html: str, output: Path, *, base_dir: Path, allowed: list[Path],
              pdf_variant: str | None = None,
              postprocess: Callable[[bytes], bytes] | None = None) -> int:
    """Render `html` and write `output` atomically; return the page count."""
    data, pages = render_pdf(html, base_dir=base_dir, allowed=allowed,
                             pdf_variant=pdf_variant, postprocess=postprocess)
    write_atomic(output, data)
    return pages
