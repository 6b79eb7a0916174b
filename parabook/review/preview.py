"""The page where a segment stands, as a PNG with the segment outlined.

The email PDF is built in this process (`service.build`), so a rebuild after a save is
warm: the imports, fonts, measured text and prepared photos are already loaded. A save
marks the PDF out of date and starts the rebuild at once, in a thread; an image asked
for meanwhile waits for it. The segment is found on the page by its text (PyMuPDF's
characters with their boxes), its Chinese and the start of its translation outlined.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

import pymupdf
from PIL import Image, ImageDraw

from parabook import service
from parabook.project import Project

DPI = 80
OUTLINE = (220, 40, 40)
PROBE = 16
"""Characters of a text (spaces left out) searched for on the pages: enough to tell
paragraphs apart, few enough to stay on the page where the paragraph starts."""

_SPACE = re.compile(r"\s+")
HYPHENS = "-\u2010\u00ad"


@dataclass(frozen=True)
class Found:
    page: int
    """0-based page index."""
    boxes: tuple[tuple[float, float, float, float], ...]
    """Rectangles in PDF points to outline."""


class Previewer:
    """Builds the email PDF of one book when it is out of date, and draws its pages."""

    def __init__(self, project: Project, slug: str, lang: str) -> None:
        self.project, self.slug, self.lang = project, slug, lang
        self._lock = threading.Lock()
        self._pdf: Path | None = None
        self._texts: list[tuple[str, list[tuple[float, float, float, float]]]] = []
        self.generation = 0
        """Counts saves; a build made before the latest save is out of date."""
        self._built = -1
        self.error: str | None = None

    def changed(self) -> None:
        """A translation was saved: rebuild now, in the background."""
        self.generation += 1
        threading.Thread(target=self._ensure, daemon=True).start()

    def _ensure(self) -> None:
        with self._lock:
            wanted = self.generation
            if self._built == wanted:
                return
            try:
                result = service.build(self.project, self.slug, self.lang,
                                       outputs=("email",))
            except Exception as exc:  # shown in place of the image; the next save retries
                self.error = str(exc)
                self._built = wanted
                return
            self.error = None
            self._pdf = result.outputs[0].path
            with pymupdf.open(self._pdf) as doc:
                self._texts = [_characters(page) for page in doc]
            self._built = wanted

    def image(self, source: str, translation: str) -> bytes:
        """The page where `source` stands (the first page when it is not found), PNG."""
        self._ensure()
        with self._lock:
            if self._pdf is None:
                raise RuntimeError(self.error or "no preview")
            found = locate(self._texts, source, translation)
            with pymupdf.open(self._pdf) as doc:
                page = doc[found.page if found else 0]
                pixmap = page.get_pixmap(dpi=DPI, alpha=False)
                image = Image.frombytes("RGB", (pixmap.width, pixmap.height), pixmap.samples)
        scale = DPI / 72
        draw = ImageDraw.Draw(image)
        for x0, y0, x1, y1 in found.boxes if found else ():
            draw.rectangle((x0 * scale - 3, y0 * scale - 3, x1 * scale + 3, y1 * scale + 3),
                           outline=OUTLINE, width=3)
        buffer = BytesIO()
        image.save(buffer, "PNG")
        return buffer.getvalue()


def _characters(page: pymupdf.Page) -> tuple[str, list[tuple[float, float, float, float]]]:
    """The page's characters without spaces, and the box of each."""
    text: list[str] = []
    boxes: list[tuple[float, float, float, float]] = []
    for block in page.get_text("rawdict")["blocks"]:
        for line in block.get("lines", ()):
            for span in line["spans"]:
                for char in span["chars"]:
                    if not char["c"].isspace():
                        text.append(char["c"])
                        boxes.append(tuple(char["bbox"]))
    return "".join(text), boxes


def locate(pages: list[tuple[str, list[tuple[float, float, float, float]]]], source: str,
           translation: str) -> Found | None:
    """The first page with the start of `source`, and boxes around it and around its
    translation on that page, each as far as it runs on."""
    probe = _SPACE.sub("", source)[:PROBE]
    if not probe:
        return None
    for number, (text, boxes) in enumerate(pages):
        at = text.find(probe)
        if at < 0:
            continue
        found = [_union(boxes[at:_run(text, at, _SPACE.sub("", source))])]
        target = _SPACE.sub("", translation)
        start = text.find(target[:PROBE * 2]) if target else -1
        if start >= 0:
            found.append(_union(boxes[start:_run(text, start, target)]))
        return Found(number, tuple(found))
    return None


def _run(text: str, at: int, whole: str) -> int:
    """Where the match of `whole` starting at `text[at]` ends; a hyphen the line breaking
    added is passed over."""
    end, index = at, 0
    while end < len(text) and index < len(whole):
        if text[end] == whole[index]:
            index += 1
        elif text[end] not in HYPHENS:
            break
        end += 1
    return end


def _union(boxes: list[tuple[float, float, float, float]]) -> tuple[float, float, float, float]:
    return (min(b[0] for b in boxes), min(b[1] for b in boxes),
            max(b[2] for b in boxes), max(b[3] for b in boxes))

