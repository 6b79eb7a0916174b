"""Make the email PDF's Chinese fonts small: keep only the glyphs the text uses.

WeasyPrint 70 subsets fonts with HarfBuzz but keeps every glyph ID up to the
highest one used (`RETAIN_GIDS`), because its text refers to glyphs by ID. For a
CJK font with 63,000 glyphs that leaves tens of thousands of empty glyphs whose
offsets do not compress: about 140 KB for the 44 bold glyphs of the sample's
headings. Noto CJK fonts are CID-keyed with CID = glyph ID, so the font can be
cut down to its used glyphs and embedded as bare CFF (`CIDFontType0C`), where a
viewer finds each glyph through the CFF charset by its CID. This is the form
Ghostscript writes. The text, widths and ToUnicode maps are untouched, and a
font that is not CID-keyed with CID = glyph ID is left as it is.

Cutting a CJK font with fontTools takes about a second, and the result depends only
on the font program and the glyphs kept: with a `cache` folder it is kept there under
the SHA-256 of both, so a rebuild after an edit that brings no new character (any
translation edit) reuses it.
"""

from __future__ import annotations

import hashlib
import io
import logging
import re
from pathlib import Path

import pymupdf
from fontTools import subset
from fontTools.ttLib import TTFont

from parabook.infra.cache import touch_used
from parabook.infra.fsutil import write_atomic

log = logging.getLogger("parabook.output.shrink")

VERSION = "1"
"""Part of the cache key: bump it when `_cut` gives other bytes for the same input."""


def used_cids(widths: str) -> set[int]:
    """The CIDs a PDF `/W` array gives widths for: `[1 [500 600] 10 20 300]`."""
    tokens = re.findall(r"\[|\]|-?[\d.]+", widths)[1:-1]
    cids: set[int] = set()
    index = 0
    while index < len(tokens):
        first = int(tokens[index])
        if tokens[index + 1] == "[":
            end = tokens.index("]", index + 2)
            cids.update(range(first, first + end - index - 2))
            index = end + 1
        else:
            cids.update(range(first, int(tokens[index + 1]) + 1))
            index += 3
    return cids


def shrink_cid_fonts(pdf: bytes, cache: Path | None = None) -> bytes:
    """`pdf` with each embedded CID-keyed OpenType CFF font reduced to its used glyphs;
    the cut fonts are kept in the `cache` folder when one is given."""
    doc = pymupdf.open(stream=pdf, filetype="pdf")
    changed = 0
    for xref in range(1, doc.xref_length()):
        if doc.xref_get_key(xref, "Subtype") != ("name", "/CIDFontType0"):
            continue
        descriptor = doc.xref_get_key(xref, "FontDescriptor")
        if descriptor[0] != "xref":
            continue
        program = doc.xref_get_key(int(descriptor[1].split()[0]), "FontFile3")
        if program[0] != "xref":
            continue
        file_xref = int(program[1].split()[0])
        if doc.xref_get_key(file_xref, "Subtype") != ("name", "/OpenType"):
            continue
        kind, widths = doc.xref_get_key(xref, "W")
        if kind == "xref":
            widths = doc.xref_object(int(widths.split()[0]))
        cff = _cached_cut(doc.xref_stream(file_xref), used_cids(widths) | {0}, cache)
        if cff is None:
            continue
        doc.update_stream(file_xref, cff)
        doc.xref_set_key(file_xref, "Subtype", "/CIDFontType0C")
        changed += 1
    if not changed:
        return pdf
    # no_new_id: the same input gives the same bytes, as WeasyPrint's own output does.
    return doc.tobytes(garbage=1, deflate=True, use_objstms=1, no_new_id=True)


def _cached_cut(program: bytes, cids: set[int], cache: Path | None) -> bytes | None:
    if cache is None:
        return _cut(program, cids)
    digest = hashlib.sha256(f"parabook.output.shrink {VERSION}\n".encode())
    digest.update(",".join(map(str, sorted(cids))).encode() + b"\n")
    digest.update(program)
    path = cache / f"{digest.hexdigest()}.cff"
    try:
        data = path.read_bytes()
    except OSError:
        pass
    else:
        touch_used(path)
        # An empty file records a font that is left whole.
        return data or None
    cff = _cut(program, cids)
    try:
        write_atomic(path, cff or b"")
    except OSError as exc:  # a cache that cannot be written only costs time
        log.info("font cache %s not written: %s", path, exc)
    return cff


def _cut(program: bytes, cids: set[int]) -> bytes | None:
    font = TTFont(io.BytesIO(program))
    if "CFF " not in font or not hasattr(font["CFF "].cff.topDictIndex[0], "ROS"):
        return None
    order = font.getGlyphOrder()
    # WeasyPrint lists characters the font lacks with CIDs past its last glyph;
    # they are drawn as .notdef, which is kept.
    cids = {cid for cid in cids if cid < len(order)}
    if any(cid and order[cid] != f"cid{cid:05d}" for cid in cids):
        log.info("font %s: CIDs are not glyph IDs; left whole", font["name"].getDebugName(4))
        return None
    options = subset.Options()
    options.retain_gids = False
    options.notdef_outline = True
    options.glyph_names = True  # the CFF charset keeps each glyph's CID
    subsetter = subset.Subsetter(options)
    subsetter.populate(glyphs=[order[cid] for cid in sorted(cids)])
    subsetter.subset(font)
    out = io.BytesIO()
    font["CFF "].cff.compile(out, font)
    return out.getvalue()
