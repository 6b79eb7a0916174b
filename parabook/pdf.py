"""Write the PDF with WeasyPrint, fetching only local files from allowed folders."""

from __future__ import annotations

import logging
import mimetypes
from collections.abc import Callable
from pathlib import Path
from urllib.parse import unquote, urlsplit

import weasyprint
from weasyprint.urls import URLFetcher, URLFetcherResponse

from .errors import BookError
from .fsutil import write_atomic

log = logging.getLogger("parabook.pdf")


class SandboxFetcher(URLFetcher):
    """Serve `file:` URLs under the allowed folders; refuse everything else."""

    def __init__(self, roots: list[Path]) -> None:
        super().__init__(allowed_protocols=("file",))
        self.roots = [root.resolve() for root in roots]
        self.refused: list[str] = []

    def fetch(self, url, headers=None):
        parts = urlsplit(url)
        if parts.scheme == "file" and parts.netloc in ("", "localhost"):
            path = Path(unquote(parts.path)).resolve()
            if any(path.is_relative_to(root) for root in self.roots) and path.is_file():
                kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": kind})
        self.refused.append(url)
        log.warning("refused to fetch %s (outside the book, templates and styles)", url)
        raise ValueError(f"refused: {url}")


def write_pdf(html: str, output: Path, *, base_dir: Path, allowed: list[Path],
              pdf_variant: str | None = None,
              postprocess: Callable[[bytes], bytes] | None = None) -> int:
    """Render `html` and write `output` atomically; return the page count."""
    fetcher = SandboxFetcher(allowed)
    try:
        document = weasyprint.HTML(string=html, base_url=base_dir.resolve().as_uri() + "/",
                                   url_fetcher=fetcher).render()
        data = document.write_pdf(pdf_variant=pdf_variant)
        if postprocess is not None:
            data = postprocess(data)
    except OSError as exc:
        raise BookError(f"WeasyPrint could not render the booklet: {exc}", path=output) from exc
    write_atomic(output, data)
    return len(document.pages)
