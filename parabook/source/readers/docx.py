"""Word documents (.docx), read with python-docx: paragraphs, heading styles, images."""

from __future__ import annotations

import re
from io import BytesIO
from pathlib import Path, PurePosixPath

from parabook.errors import InputError
from parabook.source.readers import Photo, Unit, image_suffix

_NS = {"a": "http://schemas.openxmlformats.org/drawingml/2006/main",
       "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
       "w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
       "v": "urn:schemas-microsoft-com:vml",
       "mc": "http://schemas.openxmlformats.org/markup-compatibility/2006"}
_P, _FALLBACK = f"{{{_NS['w']}}}p", f"{{{_NS['mc']}}}Fallback"


def _own(paragraph, found) -> bool:
    """True when `found` belongs to this paragraph itself: not to a text box inside it,
    nor to the copy Word keeps for old readers (mc:Fallback)."""
    for ancestor in found.iterancestors():
        if ancestor.tag == _FALLBACK:
            return False
        if ancestor.tag == _P:
            return ancestor is paragraph
    return False
_HEADING = re.compile(r"(?:heading|标题)\s*(\d)", re.I)


def join_breaks(text: str) -> str:
    """Lines broken inside a paragraph: no space between Chinese, one between Latin."""
    def repl(match: re.Match) -> str:
        left, right = match.group(1), match.group(2)
        return left + (" " if left.isascii() and right.isascii() else "") + right
    return re.sub(r"(\S)[ \t]*\n[ \t]*(\S)", repl, text.replace("\t", " ")).strip()


def read_docx(data: bytes, path: Path) -> list[Unit]:
    """Each paragraph (in tables too) and each image, in reading order."""
    import docx  # python-docx; only importing a Word file needs it
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(BytesIO(data))
    except Exception as exc:  # python-docx raises many kinds for a damaged file
        raise InputError(f"cannot read this Word file ({type(exc).__name__}: {exc})", path=path,
                         fix="open it in Word or LibreOffice and save it again as .docx") from None
    part = document.part
    units: list[Unit] = []
    elements = [p for p in document.element.body.iter(_P)
                if not any(a.tag == _FALLBACK for a in p.iterancestors())]
    for number, element in enumerate(elements, 1):
        paragraph = Paragraph(element, document._body)
        style = paragraph.style.name if paragraph.style is not None else ""
        heading = _HEADING.match(style or "")
        role = {"title": "title", "subtitle": "subtitle", "caption": "caption"}.get(
            (style or "").lower(), "")
        alignment = paragraph.alignment
        if alignment is None and paragraph.style is not None:
            alignment = paragraph.style.paragraph_format.alignment
        for blip in element.iterfind(".//a:blip", _NS):
            if _own(element, blip):
                units.append(Unit(number, photo=_photo(blip, part)))
        for shape in element.iterfind(".//v:imagedata", _NS):  # older Word's images
            if not _own(element, shape):
                continue
            rid = shape.get(f"{{{_NS['r']}}}id")
            if rid:
                units.append(Unit(number, photo=_embedded(rid, part)))
        text = join_breaks(paragraph.text)
        if text:
            units.append(Unit(number, text, level=min(int(heading[1]) + 1, 4) if heading else None,
                              role=role, centred=alignment == WD_ALIGN_PARAGRAPH.CENTER))
    return units


def _photo(blip, part) -> Photo:
    embed = blip.get(f"{{{_NS['r']}}}embed")
    if embed:
        return _embedded(embed, part)
    link = blip.get(f"{{{_NS['r']}}}link")
    target = part.rels[link].target_ref if link and link in part.rels else "?"
    return Photo(target)  # a linked image: never fetched


def _embedded(rid: str, part) -> Photo:
    try:
        image = part.related_parts[rid]
    except KeyError:
        return Photo(f"image {rid} (not in the file)")
    name = PurePosixPath(str(image.partname))
    return Photo(name.name, image.blob, image_suffix(image.blob, name.suffix))
