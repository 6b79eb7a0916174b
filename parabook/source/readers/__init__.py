"""Readers turn an article file into units (lines or paragraphs, photos) for the importer.

Each format has its reader; the importer turns the units of any of them into the same
blocks and writes the book folder, so the structure rules hold for every format.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path


@dataclass(frozen=True)
class Photo:
    """An image of the article: its bytes when they are at hand, else where it was."""

    where: str
    """File name or URL as the article gives it, for the report."""
    data: bytes | None = None
    """None for a remote or missing image: its figure waits for the photo."""
    suffix: str = ".jpg"
    caption: str = ""
    """A caption the format ties to the image (`<figcaption>`)."""


@dataclass(frozen=True)
class Unit:
    """One line of a text file, or one paragraph or image of a document."""

    number: int
    """Line (text) or paragraph (Word, HTML) number, 1-based, for the report."""
    text: str = ""
    blanks_before: int = 0
    """Blank lines before it: a photo stood where there are two or more."""
    photo: Photo | None = None
    level: int | None = None
    """Heading level the document's markup gives (Word heading style, `<h3>`), or None."""
    role: str = ""
    """`title`, `subtitle` or `caption` when the document's markup says so."""
    centred: bool = False


WHERE = {"text": "line", "docx": "paragraph", "html": "paragraph"}
"""What a unit's number counts, per format."""


def sniff(data: bytes, path: Path) -> str:
    """The format by content: a zip holding word/document.xml is Word, markup is HTML."""
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        return "doc"
    if data.startswith(b"%PDF"):
        return "pdf"
    if data[:4] == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(BytesIO(data)) as archive:
                if "word/document.xml" in archive.namelist():
                    return "docx"
        except zipfile.BadZipFile:
            pass
        return "zip"
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<!doctype html", b"<html", b"<?xml")) or (
            head.startswith(b"<") and any(tag in head for tag in (b"<body", b"<head", b"<p",
                                                                  b"<div", b"<meta"))):
        return "html"
    if path.suffix.lower() in (".html", ".htm", ".xhtml") and b"<" in head:
        return "html"
    return "text"


def image_suffix(data: bytes, fallback: str) -> str:
    """The extension the bytes call for, whatever the file was named."""
    for magic, suffix in ((b"\xff\xd8\xff", ".jpg"), (b"\x89PNG", ".png"), (b"GIF8", ".gif"),
                          (b"BM", ".bmp")):
        if data.startswith(magic):
            return suffix
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return ".webp"
    fallback = fallback.lower()
    return {".jpeg": ".jpg", ".jpe": ".jpg"}.get(fallback, fallback) or ".jpg"
