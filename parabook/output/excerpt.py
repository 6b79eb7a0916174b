"""A few pages of a booklet, laid out alone: the review app's preview right after a save.

A whole build of the sample takes seconds (layout and PDF writing, page after page); a
reviewer who saves one paragraph wants to see its spread at once. An excerpt is the rows
of the body that stood on that spread in the last whole build (`BookPages`), laid out by
the same template, stylesheets, filters and page geometry as the booklet (`render.html`,
`render.pdf`; the cover, contents, filler pages and back cover `display: none`). It
starts at a page that no row runs onto from the page before (going back up to
`MAX_BACK` pages before the spread), so that, the rows before the edited one being
unchanged, its pages are the booklet's: a page before it, dropped after layout, gives
the first one its side (left or right), its number and the running head of the pages
before. Only when a row runs on for more than `MAX_BACK` pages do its first pages differ
(its lines sit higher) until the next whole build replaces them.

Where rows stand is read from the whole build's PDF (PyMuPDF's characters with their
boxes): a row starts on the first page, after the previous row's, that shows the start
of its Chinese (or of its translation, the page before, when the Chinese was pushed
on); a row with a heading on its bookmark's page; a paragraph ends on the last page
showing the ends of both its texts above the next row.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path

import pymupdf
from PIL import Image, ImageDraw

from parabook.catalog.po import load_translations
from parabook.compose import floats
from parabook.compose.pairing import pair
from parabook.layouts import plan_layout
from parabook.model import Document, LayoutPlan, Manuscript, Place, Row, Segment
from parabook.output.outputs import SPECS, place_photos
from parabook.project import Project
from parabook.render.html import css_string, render_html
from parabook.render.pdf import PdfWrite, lay_out, write_layout
from parabook.source.manuscript import segments
from parabook.typeset.measure import recall

Box = tuple[float, float, float, float]
PageText = tuple[str, list[Box]]
"""A page's characters without spaces, and the box of each (PDF points)."""

PROBE = 16
"""Characters of a text (spaces left out) searched for on the pages: enough to tell
paragraphs apart, few enough to stay on the page where the paragraph starts."""
HYPHENS = "-\u2010\u00ad"
OUTLINE = (220, 40, 40)
_SPACE = re.compile(r"\s+")
_NO_HYPHENS = str.maketrans("", "", HYPHENS)
TAIL = 8
"""Characters of a text's end searched for to find the page where it ends."""


@dataclass(frozen=True)
class BookPages:
    """A PDF of pages of the booklet, as text for finding segments on them."""

    pdf: bytes
    first: int
    """The booklet's number (1-based) of the PDF's first page."""
    texts: tuple[PageText, ...]
    row_pages: tuple[int | None, ...] = ()
    """For a whole booklet: the 0-based page each body row starts on (None: not found)."""
    row_ends: tuple[int | None, ...] = ()
    """For a whole booklet: the 0-based page each body row ends on (None: not found)."""
    place_pages: Mapping[Place, int] = field(default_factory=dict)
    """For a whole booklet: the 0-based page where each body segment's row starts."""
    exact: bool = True
    """False for an excerpt: the pages after an edit, before the next whole build."""

    @property
    def count(self) -> int:
        """Pages in the whole booklet (an excerpt: as far as it goes)."""
        return self.first - 1 + len(self.texts)


def booklet_document(project: Project, manuscript: Manuscript, lang: str
                     ) -> tuple[Document, LayoutPlan]:
    """The booklet's rows and plan from the PO as it is now, with the figures where the
    last build in this process floated them (`compose.floats`), so that rows laid out
    alone stand as they do in the booklet."""
    segs = segments(manuscript)
    document = pair(manuscript, lang, load_translations(
        project.translations, manuscript.meta.slug, lang, segs))
    plan = plan_layout(document)  # the whole book's: the column split
    last = recall("floats-last", floats.book_key(manuscript.folder, manuscript.meta, lang))
    if isinstance(last, dict) and last.get("decision") and (
            last.get("rows") == floats.signature(document)):
        document, plan = floats.apply(last["decision"], document, plan)
    return document, plan


def book_pages(pdf: Path, document: Document, segs: Sequence[Segment]) -> BookPages:
    """The pages of a whole booklet's PDF, and where each of `document`'s rows (made
    from the segments `segs`) starts."""
    data = pdf.read_bytes()
    texts = page_texts(data)
    with pymupdf.open(stream=data, filetype="pdf") as doc:
        # The headings' pages from the bookmarks: the contents page shows them too.
        headings = [page - 1 for level, _, page, *_ in doc.get_toc() if level == 2]
    starts = row_starts(document.rows, texts, headings)
    return BookPages(data, 1, texts, starts, row_ends(document.rows, texts, starts), {
        place: page for place, row in row_of(document.rows, segs).items()
        if (page := starts[row]) is not None})


def page_texts(pdf: bytes) -> tuple[PageText, ...]:
    with pymupdf.open(stream=pdf, filetype="pdf") as doc:
        return tuple(_characters(page) for page in doc)


def _characters(page: pymupdf.Page) -> PageText:
    text: list[str] = []
    boxes: list[Box] = []
    for block in page.get_text("rawdict")["blocks"]:
        for line in block.get("lines", ()):
            for span in line["spans"]:
                for char in span["chars"]:
                    if not char["c"].isspace():
                        text.append(char["c"])
                        boxes.append(tuple(char["bbox"]))
    return "".join(text), boxes


def row_source(row: Row) -> tuple[str, str]:
    """The first Chinese a row prints (its heading's, its paragraph's, its caption's),
    and its translation."""
    text = row.heading or row.text or (row.figures[0].caption if row.figures else None)
    return (text.source, text.target or "") if text is not None else ("", "")


def row_starts(rows: Sequence[Row], texts: Sequence[PageText],
               headings: Sequence[int] = ()) -> tuple[int | None, ...]:
    """The page each row starts on: the first, from the previous row's on, showing the
    start of its Chinese (in order, so a text printed twice is found in its place); a
    row with a heading on its heading's page, `headings` (one for each, in order)."""
    plain = [text.translate(_NO_HYPHENS) for text, _ in texts]
    marked = iter(headings if len(headings) == sum(bool(r.anchor) for r in rows) else ())
    out: list[int | None] = []
    page = 0
    for row in rows:
        source, target = row_source(row)
        found = locate(texts, source, target, start=page)
        start = next(marked, None) if row.anchor else None
        start = start if start is not None else found.page if found is not None else None
        # A row split over two pages may start with its translation alone: its Chinese
        # has too few lines before the break (orphans) and starts on the next page.
        probe = _SPACE.sub("", target).translate(_NO_HYPHENS)[:2 * PROBE]
        if row.kind == "paragraph" and not row.anchor and start is not None and start > page \
                and probe and probe in plain[start - 1]:
            start -= 1
        out.append(start)
        page = start if start is not None else page
    return tuple(out)


def row_ends(rows: Sequence[Row], texts: Sequence[PageText],
             starts: Sequence[int | None]) -> tuple[int | None, ...]:
    """The page each row ends on: the last page, from the one it starts on to the one
    the next row starts on, that shows the end of its last Chinese, and of its last
    translation (hyphens left out: a line may break in the last word)."""
    pages = [_plain(page) for page in texts]
    out: list[int | None] = []
    for index, (row, start) in enumerate(zip(rows, starts, strict=True)):
        if start is None or row.text is None or row.kind != "paragraph":
            out.append(start)  # a figure or a heading is never split
            continue
        following = next(((p, rows[n]) for n, p in enumerate(starts[index + 1:], index + 1)
                          if p is not None), None)
        stop = following[0] if following else len(pages) - 1
        # On the page the next row starts on, this row ends above it.
        top = math.inf
        if following:
            text, tops = pages[stop]
            for probe in row_source(following[1]):
                at = text.find(_SPACE.sub("", probe).translate(_NO_HYPHENS)[:PROBE] or "\0")
                top = min(top, tops[at] if at >= 0 else top)
        ends = []
        for text, size in ((row.text.source, TAIL), (row.text.target or "", 2 * TAIL)):
            tail = _SPACE.sub("", text).translate(_NO_HYPHENS)[-size:]
            if tail:
                ends.append(next((n for n in range(stop, start - 1, -1)
                                  if _above(pages[n], tail, top if n == stop else math.inf)),
                                 None))
        out.append(None if None in ends else max(ends, default=start))  # type: ignore[type-var]
    return tuple(out)


def _plain(page: PageText) -> tuple[str, list[float]]:
    """A page's text without hyphens, and the top of each character."""
    text, boxes = page
    kept = [(char, box[1]) for char, box in zip(text, boxes, strict=True)
            if char not in HYPHENS]
    return "".join(c for c, _ in kept), [top for _, top in kept]


def _above(page: tuple[str, list[float]], needle: str, top: float) -> bool:
    """Whether `needle` is on the page, starting above `top`."""
    text, tops = page
    at = text.find(needle)
    while at >= 0:
        if tops[at] < top:
            return True
        at = text.find(needle, at + 1)
    return False


def row_of(rows: Sequence[Row], segs: Sequence[Segment]) -> dict[Place, int]:
    """The row each body segment (heading, paragraph, caption) stands in: the rows are
    the body's blocks in order (`pairing.pair`), a heading joined to the paragraph after
    it and two half-width figures side by side."""
    body = iter(s for s in segs if s.kind in ("heading", "paragraph", "caption"))
    out: dict[Place, int] = {}
    for index, row in enumerate(rows):
        held = (len(row.figures) if row.kind == "figures" else
                1 + (row.heading is not None and row.kind == "paragraph"))
        for _ in range(held):
            segment = next(body, None)
            if segment is not None:
                out[segment.place] = index
    return out


def spread_of(page: int) -> tuple[int | None, int | None]:
    """(left, right) 1-based numbers of the spread a page is in: the cover stands alone
    on the right, then even pages left, odd right."""
    if page <= 1:
        return None, 1
    left = page - page % 2
    return left, left + 1


# What an excerpt leaves out, and what it sets instead of the pages before it: their
# number and the running head, on a page before them (dropped after layout).
_EXCERPT_CSS = """
section.cover, nav.contents, section.filler, section.colophon { display: none; }
@page :first { counter-reset: page %(number)d; }
div.parabook-excerpt { break-after: %(side)s;
                       string-set: section-zh %(zh)s, section-tr %(tr)s; }
"""
_BODY = re.compile(r"<body\b[^>]*>")
MAX_BACK = 3
"""Pages an excerpt may start before its spread, to start where no row runs on."""


def excerpt(project: Project, manuscript: Manuscript, lang: str, place: Place,
            book: BookPages) -> BookPages | None:
    """The spread where `place` stood in `book` (a whole build's pages) and a page after
    it, laid out alone from the PO as it is now; None when the segment is not in the
    body (the cover's and the back cover's segments) or was not found in `book`."""
    segs = segments(manuscript)
    document, plan = booklet_document(project, manuscript, lang)
    index = row_of(document.rows, segs).get(place)
    starts = book.row_pages
    if index is None or len(starts) != len(document.rows) or starts[index] is None:
        return None
    left, _ = spread_of(starts[index] + 1)  # type: ignore[operator]
    if left is None or manuscript.meta.layout == "facing":
        # Facing spreads are planned over the whole book (layouts.facing): rows laid out
        # alone would be planned anew, into other spreads. Only a build shows them.
        return None
    # Laid out from a page no row runs onto from the page before (the rows are the
    # same up to the edited one, so its pages are the book's); the pages before the
    # spread are dropped.
    begin = left - 1
    for _ in range(MAX_BACK):
        if begin <= 0 or not any(
                s is not None and e is not None and s < begin <= e
                for s, e in zip(starts, book.row_ends, strict=False)):
            break
        begin -= 1
    first = next(i for i, p in enumerate(starts) if p is not None and p >= begin)
    first = min(first, index)
    begin = starts[first] or 0  # 0-based; a page no row starts on (the contents) is left out
    # The rows that started up to the spread's right page, and one more: text that
    # shrank pulls it up (text that grew pushes rows onto the page after the spread).
    end = next((i for i, p in enumerate(starts) if p is not None and p > left), len(starts))
    end = min(end + 1, len(starts))
    plan = dataclasses.replace(plan, kept=frozenset(i - first for i in plan.kept
                                                    if first <= i < end))
    heading = next((r.heading or r.text for r in reversed(document.rows[:first])
                    if r.anchor), None)
    part = dataclasses.replace(document, rows=document.rows[first:end], toc=(),
                               cover_photo=None)
    spec = SPECS["email"]
    placed, _ = place_photos(part, spec, project.cache.photos, final=False,
                             manuscript_path=manuscript.source_path)
    html = render_html(placed, plan, project.templates, project.styles / "booklet.css", spec)
    number = begin + 1
    # The first page carries the running head of the pages before; it is dropped, and
    # so is a blank page after it when the excerpt starts on a right page.
    dropped = 1 if number % 2 == 0 else 2
    css = _EXCERPT_CSS % {"number": number - dropped,
                          "zh": css_string(heading.source if heading else ""),
                          "tr": css_string(heading.target or "" if heading else ""),
                          "side": "left" if dropped == 1 else "right"}
    html = html.replace("</head>", f"<style>{css}</style></head>", 1)
    html = _BODY.sub(lambda m: m[0] + '<div class="parabook-excerpt"></div>', html, count=1)
    layout = lay_out(html, base_dir=manuscript.folder,
                     allowed=[manuscript.folder, project.templates, project.styles],
                     photos=project.cache.photos)
    shown = max(number, left)
    del layout.document.pages[:shown - number + dropped]
    data = write_layout(layout, PdfWrite("email", bleed=False))
    assert data is not None
    return BookPages(data, shown, page_texts(data), exact=False)


@dataclass(frozen=True)
class Found:
    page: int
    """0-based page index in the PDF."""
    boxes: tuple[Box, ...]
    """Rectangles in PDF points to outline."""


def locate(pages: Sequence[PageText], source: str, translation: str,
           start: int = 0) -> Found | None:
    """The first page from `start` with the start of `source`, and boxes around it and
    around its translation on that page, each as far as it runs on. A text read as the
    whole source and then its translation (a caption: it may be quoted in a paragraph
    before it) is preferred to the start of the source alone."""
    whole, target = _SPACE.sub("", source), _SPACE.sub("", translation)
    if not whole:
        return None
    for probe in (whole + target[:PROBE], whole[:PROBE]) if target else (whole[:PROBE],):
        found = _locate(pages, whole, target, probe, start)
        if found is not None:
            return found
    return None


def _locate(pages: Sequence[PageText], whole: str, target: str, probe: str,
            start: int) -> Found | None:
    for number in range(start, len(pages)):
        text, boxes = pages[number]
        at = text.find(probe)
        if at < 0:
            continue
        found = [_union(boxes[at:_run(text, at, whole)])]
        begin = text.find(target[:PROBE * 2], at) if target else -1
        begin = text.find(target[:PROBE * 2]) if target and begin < 0 else begin
        if begin >= 0:
            found.append(_union(boxes[begin:_run(text, begin, target)]))
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


def _union(boxes: list[Box]) -> Box:
    return (min(b[0] for b in boxes), min(b[1] for b in boxes),
            max(b[2] for b in boxes), max(b[3] for b in boxes))


@dataclass(frozen=True)
class SpreadImage:
    """The spread where a segment stands, drawn with the segment outlined."""

    png: bytes
    left: int | None
    right: int | None
    """The booklet's page numbers shown (None: an empty side)."""
    exact: bool
    """False: drawn from an excerpt, before the next whole build."""


def spread_image(pages: BookPages, source: str, translation: str, start: int | None = None,
                 dpi: int = 80) -> SpreadImage:
    """The spread of `pages` where `source` stands (searched from the PDF page `start`,
    default the first), its Chinese and translation outlined; the first spread when it
    is not found."""
    found = locate(pages.texts, source, translation, start or 0)
    number = pages.first + (found.page if found else 0)
    left, right = spread_of(number)
    shown = [n if n is not None and pages.first <= n <= pages.count else None
             for n in (left, right)]
    with pymupdf.open(stream=pages.pdf, filetype="pdf") as doc:
        images = {n: _page_image(doc[n - pages.first], dpi) for n in shown if n is not None}
    width, height = next(iter(images.values())).size
    sheet = Image.new("RGB", (2 * width, height), (200, 200, 200))
    for side, n in enumerate(shown):
        if n is not None:
            sheet.paste(images[n], (side * width, 0))
    if found is not None:
        scale, shift = dpi / 72, width * (1 if number == right else 0)
        draw = ImageDraw.Draw(sheet)
        for x0, y0, x1, y1 in found.boxes:
            draw.rectangle((x0 * scale - 3 + shift, y0 * scale - 3,
                            x1 * scale + 3 + shift, y1 * scale + 3), outline=OUTLINE, width=3)
    buffer = BytesIO()
    sheet.save(buffer, "PNG")
    return SpreadImage(buffer.getvalue(), shown[0], shown[1], pages.exact)


def _page_image(page: pymupdf.Page, dpi: int) -> Image.Image:
    pixmap = page.get_pixmap(dpi=dpi, alpha=False)
    return Image.frombytes("RGB", (pixmap.width, pixmap.height), pixmap.samples)
