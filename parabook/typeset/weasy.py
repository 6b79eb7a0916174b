"""WeasyPrint for the rest of parabook: the one module that imports it, and the only one
that touches its private internals (WeasyPrint 70.0, pinned).

The public API (`HTML`, `Document`, `DEFAULT_OPTIONS`, `URLFetcher`, `URLFetcherResponse`)
is re-exported as it is. What WeasyPrint does not offer is done here, on its private
layout, text and page objects, in small functions that the rest calls:

- `patched(justifier)`: justified lines spaced as a justifier says (`justify`), by
  wrapping two functions of `weasyprint.layout.inline` for the length of a block;
- `text_width`: text measured as WeasyPrint shapes it (`measure`);
- `page_backgrounds_kept`, `without_bleed`, `photos_replaced`: a laid-out document
  written several ways (`render.pdf`);
- `harfbuzz_subsetting`, `pango_version`: what WeasyPrint found on the machine.

Importing this module checks the release, and turns a system library that WeasyPrint
cannot load into a SetupError naming the Debian package that installs it. A new
release means checking tests/test_justify.py, tests/test_outputs.py and
tests/test_golden.py against it, then updating PINNED_WEASYPRINT.
"""

from __future__ import annotations

import contextlib
import io
import threading
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from functools import cache
from hashlib import md5

import cffi

from parabook.errors import BookError, SetupError

#: The WeasyPrint release whose private functions and objects this module uses.
PINNED_WEASYPRINT = "70.0"


@dataclass(frozen=True)
class _Library:
    """A shared library that importing WeasyPrint loads (`weasyprint/text/ffi.py`)."""

    name: str
    """As people know it."""
    soname: str
    """The file the dynamic loader looks for."""
    package: str
    """The Debian package that installs it (scripts/setup-system.sh or its dependencies)."""


# In the order WeasyPrint loads them.
_LIBRARIES = (
    _Library("GObject", "libgobject-2.0.so.0", "libglib2.0-0"),
    _Library("Pango", "libpango-1.0.so.0", "libpango-1.0-0"),
    _Library("HarfBuzz", "libharfbuzz.so.0", "libharfbuzz0b"),
    _Library("Fontconfig", "libfontconfig.so.1", "libfontconfig1"),
    _Library("PangoFT2", "libpangoft2-1.0.so.0", "libpangoft2-1.0-0"),
)


def _library_error(error: OSError) -> SetupError:
    """The SetupError for WeasyPrint's failed import, naming the first library that the
    loader cannot load, as WeasyPrint loads it (cffi)."""
    fix = "(or run `make booklet` as root: it installs what the build needs)"
    for library in _LIBRARIES:
        try:
            cffi.FFI().dlopen(library.soname)
        except OSError as exc:
            return SetupError(
                f"WeasyPrint cannot load {library.name} ({library.package}): {exc}",
                fix=f"run: sudo apt-get install -y {library.package}  {fix}")
    return SetupError(f"WeasyPrint cannot load a system library: {error}",
                      fix=f"run: sudo sh scripts/setup-system.sh  {fix}")


try:
    # WeasyPrint prints a banner about its installation guide before it raises: the
    # SetupError says which package to install instead.
    with contextlib.redirect_stdout(io.StringIO()):
        import weasyprint
except OSError as _error:
    raise _library_error(_error) from _error

if weasyprint.__version__ != PINNED_WEASYPRINT:
    raise SetupError(
        f"parabook uses private layout functions of WeasyPrint {PINNED_WEASYPRINT}, but "
        f"WeasyPrint {weasyprint.__version__} is installed: pin "
        f"weasyprint=={PINNED_WEASYPRINT}",
        fix=f"run: .venv/bin/python -m pip install weasyprint=={PINNED_WEASYPRINT}  (or: "
            "rm -rf .venv && make booklet, which installs the pinned release); to move to "
            "another release, check tests/test_justify.py and tests/test_golden.py against "
            "it, then update PINNED_WEASYPRINT in parabook/typeset/weasy.py")

# After the check: another release may lack them.
import pydyf  # noqa: E402
from weasyprint import DEFAULT_OPTIONS, HTML, Document  # noqa: E402
from weasyprint import draw as _draw  # noqa: E402
from weasyprint.formatting_structure import boxes  # noqa: E402
from weasyprint.images import get_image_from_uri  # noqa: E402
from weasyprint.layout import inline  # noqa: E402
from weasyprint.pdf import fonts as _pdf_fonts  # noqa: E402
from weasyprint.text.ffi import TO_UNITS, ffi, pango  # noqa: E402
from weasyprint.text.line_break import Layout, create_layout, line_size  # noqa: E402
from weasyprint.urls import URLFetcher, URLFetcherResponse  # noqa: E402

__all__ = ["DEFAULT_OPTIONS", "HTML", "PINNED_WEASYPRINT", "Document", "Justifier",
           "LaidLine", "LineSpacing", "PageFill", "RunSpacing", "TextRun", "URLFetcher",
           "URLFetcherResponse", "harfbuzz_subsetting", "laid_lines", "page_backgrounds_kept",
           "pango_version", "patched",
           "photos_replaced", "text_width", "without_bleed"]


# Justification --------------------------------------------------------------------------


@dataclass(frozen=True)
class TextRun:
    """One text box of a left-to-right line being justified, in drawing order."""

    text: str
    """Its text (never empty)."""
    lang: str | None
    """The language it is in (the `lang` attribute in effect)."""
    font_size: float
    """In CSS px."""


@dataclass(frozen=True)
class RunSpacing:
    """How one run of a justified line is spaced."""

    letters: tuple[float | None, ...]
    """Per character: the letter-spacing (px) it takes, half before and half after it
    (Pango drops the outer half at the run's ends); None: the character is not spaced,
    and a run of such characters only is left as WeasyPrint sets it."""
    trailing: float
    """Advance after the run, in px: the halves dropped at the boundary with the next."""


@dataclass(frozen=True)
class LineSpacing:
    """How one justified line is spaced."""

    word_spacing: float
    """Added to each expandable space (U+0020, U+00A0), in px, as WeasyPrint does."""
    runs: tuple[RunSpacing, ...]
    """One per `TextRun` of the line, in the same order."""


Justifier = Callable[[list[TextRun], int, float], LineSpacing | None]
"""(the line's runs, its expandable spaces, the width to fill in px) -> how to space the
line; None: as WeasyPrint justifies it, at its spaces only."""

# The functions of weasyprint.layout.inline that `patched` wraps, while it does.
_ORIGINALS: dict[str, Callable] = {}
_justifier: Justifier | None = None
_depth = 0
_patching = threading.Lock()
# The spacing of each text box (by id) of the line that add_word_spacing() walks.
_LINE: ContextVar[dict[int, RunSpacing] | None] = ContextVar("parabook_line", default=None)


@contextlib.contextmanager
def patched(justifier: Justifier) -> Iterator[None]:
    """Inside the block, `text-align: justify` spaces lines as `justifier` says; after
    it, WeasyPrint's own functions are back. Nested or concurrent blocks share one
    patch (with the outermost block's justifier), undone when the last one ends.
    Layout is what it changes: a laid-out document is drawn the same inside or out."""
    global _justifier, _depth
    with _patching:
        if not _depth:
            _justifier = justifier
            for name, replacement in (("justify_line", _justify_line),
                                      ("add_word_spacing", _add_word_spacing)):
                _ORIGINALS[name] = getattr(inline, name)
                setattr(inline, name, replacement)
        _depth += 1
    try:
        yield
    finally:
        with _patching:
            _depth -= 1
            if not _depth:
                for name, original in _ORIGINALS.items():
                    setattr(inline, name, original)
                _ORIGINALS.clear()
                _justifier = None


def _text_boxes(box):
    """The line's text boxes in the order add_word_spacing() moves them."""
    if isinstance(box, boxes.TextBox):
        if box.text:
            yield box
    elif isinstance(box, (boxes.LineBox, boxes.InlineBox)):
        children = box.children
        if box.style["direction"] == "rtl":
            children = children[::-1]
        for child in children:
            if child.is_in_normal_flow():
                yield from _text_boxes(child)


def _justify_line(context, line, extra_width):
    """Justify `line` as the justifier says; right-to-left lines as WeasyPrint does."""
    spacing = None
    texts = list(_text_boxes(line))
    if line.style["direction"] != "rtl" and texts and _justifier is not None:
        runs = [TextRun(box.text, box.style["lang"], box.style["font_size"]) for box in texts]
        spacing = _justifier(runs, inline.count_expandable_spaces(line), extra_width)
    if spacing is None:
        return _ORIGINALS["justify_line"](context, line, extra_width)
    token = _LINE.set({id(box): run for box, run in zip(texts, spacing.runs, strict=True)})
    try:
        inline.add_word_spacing(context, line, spacing.word_spacing, 0)
    finally:
        _LINE.reset(token)


def _add_word_spacing(context, box, justification_spacing, x_advance):
    """Move and widen `box` for justification, its spaced letters included."""
    original = _ORIGINALS["add_word_spacing"]
    line = _LINE.get()
    if line is None or not isinstance(box, boxes.TextBox):
        return original(context, box, justification_spacing, x_advance)

    run = line.get(id(box))
    if run is None:  # a box without text (WeasyPrint leaves one where a line breaks)
        return original(context, box, justification_spacing, x_advance)
    start_x, start_width = x_advance, box.width
    original(context, box, justification_spacing, x_advance)  # moves it, widens its spaces
    if any(letter is not None for letter in run.letters):
        # Measured rather than computed, so that the box is as wide as drawn.
        box.pango_layout, drawn = _spaced_layout(box, run.letters)
    else:
        drawn = box.width
    box.width = drawn + run.trailing
    return start_x + box.width - start_width


def _letter_spacing_units(spacing: float) -> int:
    # A whole number of pixels is split on whole pixels by Pango (measured),
    # which would drop the wrong amount at a box edge: stay just off it.
    units = int(spacing * TO_UNITS)
    return units + 1 if units % TO_UNITS == 0 else units


class _SpacedLayout(Layout):
    """A text box's layout that, when justified, also spaces its letters."""

    def __init__(self, style, justification_spacing, letters: tuple[float | None, ...]):
        self.letters = letters
        super().__init__(style, justification_spacing)

    def set_text(self, text, justify=False):
        super().set_text(text, justify)
        # Only drawing (and measuring, here) justifies; line breaking never does.
        if not justify:
            return
        letter_spacing = self.style["letter_spacing"]
        # A Pango letter-spacing attribute replaces, not adds to, CSS letter-spacing.
        base = 0 if letter_spacing == "normal" else letter_spacing
        attributes = pango.pango_layout_get_attributes(self.layout)
        if attributes == ffi.NULL:
            attributes = ffi.gc(pango.pango_attr_list_new(), pango.pango_attr_list_unref)
        # WeasyPrint may have added a character (a lone space gets a zero-width space).
        text, index = self.text, 0
        letters = self.letters + (None,) * (len(text) - len(self.letters))
        for position, (char, spacing) in enumerate(zip(text, letters, strict=False)):
            size = len(char.encode())
            if spacing:
                # Cover the whole cluster (a following mark or variation
                # selector) so that Pango keeps it in one item.
                end = index + size
                for mark in text[position + 1:]:
                    if unicodedata.category(mark) not in ("Mn", "Mc", "Me") and mark != "\u200d":
                        break
                    end += len(mark.encode())
                attribute = pango.pango_attr_letter_spacing_new(
                    _letter_spacing_units(base + spacing))
                attribute.start_index, attribute.end_index = index, end
                pango.pango_attr_list_change(attributes, attribute)
            index += size
        pango.pango_layout_set_attributes(self.layout, attributes)


def _spaced_layout(box, letters: tuple[float | None, ...]) -> tuple[_SpacedLayout, float]:
    """The box's layout for drawing, and the width it will draw, measured."""
    layout = _SpacedLayout(box.style, box.justification_spacing, letters)
    layout.set_text(box.text, justify=True)
    line, _ = layout.get_first_line()
    width, _ = line_size(line, box.style)
    layout.deactivate()  # drawing reactivates it, as WeasyPrint's own layouts
    return layout, width


# Copying hyphenated text -----------------------------------------------------------------

LINE_END_HYPHEN = "\u2010"
"""What a hyphenated line ends with: parabook's line breaker's, and WeasyPrint's own
`hyphenate-character`."""


def _draw_text(stream, textbox, *args, **kwargs):
    """Draw a text box; one that ends with a line-end hyphen inside a marked-content
    span whose ActualText is its text without it, so that text copied or extracted from
    the PDF has no hyphen at the line end. parabook's line breaker gives the hyphen a box
    of its own (empty ActualText), so the words before it are extracted as words."""
    text = textbox.text or ""
    if not text.endswith(LINE_END_HYPHEN):
        return _ORIGINAL_DRAW_TEXT(stream, textbox, *args, **kwargs)
    stream.begin_marked_content(
        "Span", pydyf.Dictionary({"ActualText": pydyf.String(text[:-1])}))
    try:
        return _ORIGINAL_DRAW_TEXT(stream, textbox, *args, **kwargs)
    finally:
        stream.end_marked_content()


_ORIGINAL_DRAW_TEXT = _draw.draw_text
_draw.draw_text = _draw_text  # drawing only: layout and measuring are unchanged


# Reading the layout back (the preflight report) -------------------------------------------


@dataclass(frozen=True)
class LaidLine:
    """One line of a laid-out block, as the preflight report reads it."""

    page: int
    """1-based."""
    page_name: str
    """The page's CSS page name: "" for body pages, "cover", "contents", "back"."""
    block: int
    """The same for every line of one element (a paragraph split across pages too)."""
    tag: str
    """The element the line is in: p, h2, or @top-center for a running head."""
    classes: str
    lang: str
    text: str
    block_text: str
    """The whole element's text, to name the segment."""
    right: float
    """Where the line's text ends, in pt from the page's left edge."""
    edge: float
    """Where the block's content box ends, in pt."""


@dataclass(frozen=True)
class PageFill:
    page: int
    page_name: str
    used: float
    """Height of the page's content, in pt."""
    available: float
    """Height of the page's content area, in pt."""


_PT = 0.75  # CSS px to pt


def _line_texts(box) -> Iterator:
    if isinstance(box, boxes.TextBox):
        if box.text:
            yield box
    elif isinstance(box, (boxes.LineBox, boxes.InlineBox)):
        for child in box.children:
            yield from _line_texts(child)


def laid_lines(document: Document) -> tuple[list[LaidLine], list[PageFill]]:
    """Every line of every block, and how full each page is, read from the layout."""
    found: list[LaidLine] = []
    fills: list[PageFill] = []
    for number, page in enumerate(document.pages, 1):
        page_box = page._page_box
        name = page_box.page_type.name or ""
        top = page_box.content_box_y()
        bottom = top
        stack = [(child, None) for child in reversed(page_box.children)]
        while stack:
            box, parent = stack.pop()
            if isinstance(box, boxes.LineBox):
                texts = list(_line_texts(box))
                if texts and parent is not None:
                    element = getattr(parent, "element", None)
                    margin = isinstance(parent, boxes.MarginBox)
                    found.append(LaidLine(
                        number, name, id(element) if element is not None else id(parent),
                        parent.at_keyword if margin else (getattr(parent, "element_tag", "") or ""),
                        (element.get("class") or "") if element is not None else "",
                        str(parent.style["lang"] or ""),
                        "".join(t.text for t in texts),
                        "".join(element.itertext()) if element is not None and not margin else "",
                        max(t.position_x + t.width for t in texts) * _PT,
                        (parent.content_box_x() + parent.width) * _PT))
                if not isinstance(parent, boxes.MarginBox):
                    bottom = max(bottom, box.position_y + box.height)
                continue
            if isinstance(box, boxes.ReplacedBox):
                bottom = max(bottom, box.position_y + box.margin_height())
            for child in reversed(getattr(box, "children", [])):
                stack.append((child, box if isinstance(child, boxes.LineBox) else parent))
        fills.append(PageFill(number, name, (bottom - top) * _PT, page_box.height * _PT))
    return found, fills


# Measuring ------------------------------------------------------------------------------


@cache
def _style(family: str, size: float, lang: str):
    """A computed style for plain text in `family` at `size`, from a tiny render."""
    html = (f'<p lang="{lang}" style="font-family: \'{family}\'; font-size: {size}pt; '
            f'margin: 0">x</p>')
    stack = [HTML(string=html).render().pages[0]._page_box]
    while stack:
        box = stack.pop()
        if isinstance(box, boxes.TextBox):
            return box.style
        stack.extend(getattr(box, "children", []))
    raise RuntimeError("no text box in the measuring document")


def text_width(text: str, family: str, size: float, lang: str) -> float:
    """Width in CSS px of `text` on one line, in `family` at `size` pt, as WeasyPrint
    sets it: shaped by Pango, with kerning and ligatures."""
    style = _style(family, size, lang)
    layout = create_layout(text, style, None, None, 0)
    line, _ = layout.get_first_line()
    width, _ = line_size(line, style)
    return width


def pango_version() -> int:
    """The version of the Pango library WeasyPrint loaded, as one number."""
    return pango.pango_version()


def harfbuzz_subsetting() -> bool:
    """Whether WeasyPrint will subset fonts with HarfBuzz, decided as it decides when it
    writes a font (`weasyprint/pdf/fonts.py`, `Font.subset`): the library was found and
    HarfBuzz is 4.1.0 or newer. Otherwise it uses fontTools."""
    return (bool(_pdf_fonts.harfbuzz_subset)
            and bool(_pdf_fonts.harfbuzz.hb_version_atleast(4, 1, 0)))


# Writing one layout several ways ---------------------------------------------------------


def _all_boxes(box) -> Iterator:
    stack = [box]
    while stack:
        box = stack.pop()
        yield box
        stack.extend(getattr(box, "children", ()))


@contextlib.contextmanager
def page_backgrounds_kept(document: Document) -> Iterator[None]:
    """Undo what drawing leaves behind: WeasyPrint draws crop marks by inserting a
    layer into the page's background (draw/__init__.py), which a second write would
    draw again."""
    saved = [(page._page_box.background, list(page._page_box.background.layers))
             for page in document.pages if page._page_box.background is not None]
    try:
        yield
    finally:
        for background, layers in saved:
            background.layers[:] = layers


@contextlib.contextmanager
def without_bleed(document: Document) -> Iterator[None]:
    """Write the pages at their trim size without crop marks, then restore them.

    WeasyPrint sizes the MediaBox from `Page.bleed` and draws the marks from the page
    box's `marks` style (pdf/__init__.py, draw/__init__.py)."""
    saved = [(page, page.bleed, page._page_box.style["marks"]) for page in document.pages]
    try:
        for page, bleed, _ in saved:
            page.bleed = dict.fromkeys(bleed, 0)
            page._page_box.style["marks"] = ()
        yield
    finally:
        for page, bleed, marks in saved:
            page.bleed = bleed
            page._page_box.style["marks"] = marks


@contextlib.contextmanager
def photos_replaced(document: Document, photos: Mapping[str, str],
                    fetcher: URLFetcher) -> Iterator[None]:
    """Draw other photos in the laid-out image boxes ({URL: URL of its replacement},
    fetched with `fetcher`), then put the originals back.

    WeasyPrint names a raster image by the MD5 of its URL (images.py)."""
    by_id = {md5(old.encode(), usedforsecurity=False).hexdigest(): new
             for old, new in photos.items()}
    loaded: dict[str, object] = {}
    swapped = []
    try:
        for page in document.pages:
            for box in _all_boxes(page._page_box):
                if not isinstance(box, boxes.ReplacedBox):
                    continue
                new = by_id.get(getattr(box.replacement, "id", ""))
                if new is None:
                    continue
                if new not in loaded:
                    loaded[new] = get_image_from_uri({}, fetcher, DEFAULT_OPTIONS, new)
                if loaded[new] is None:
                    raise BookError(f"the prepared photo {new} could not be read",
                                    fix="delete the .cache folder and build again")
                swapped.append((box, box.replacement))
                box.replacement = loaded[new]
        yield
    finally:
        for box, original in swapped:
            box.replacement = original


# Languages in the structure tree --------------------------------------------------------

from weasyprint.pdf import tags as _pdf_tags  # noqa: E402


@contextlib.contextmanager
def structure_languages() -> Iterator[None]:
    """While writing a tagged PDF, give each structure element whose HTML element has a
    `lang` attribute a `/Lang`, so a screen reader reads the translation in its own
    voice; elements inside inherit it. WeasyPrint 70 sets only the catalog's `/Lang`
    (pdf/tags.py: `_build_box_tree`, which calls itself through the module, so the
    wrapper sees every box)."""
    original = _pdf_tags._build_box_tree

    def build(box, parent, *args):
        element = getattr(box, "element", None)
        lang = element.get("lang") if element is not None else None
        for node in original(box, parent, *args):
            if lang and "Lang" not in node:
                node["Lang"] = pydyf.String(lang)
            yield node

    _pdf_tags._build_box_tree = build
    try:
        yield
    finally:
        _pdf_tags._build_box_tree = original


# Page composition -----------------------------------------------------------------------


def page_names(document: Document) -> list[str | None]:
    """Each page's CSS page name (`page: cover`), None for an unnamed page."""
    return [getattr(page._page_box.page_type, "name", None) or None
            for page in document.pages]


def named_page_fit(document: Document, name: str) -> tuple[float, float]:
    """How the pages named `name` (`page: cover`) hold their content, in CSS px: the height
    their content takes on the second and later such pages (0 when it fits on one), and
    the height of the tallest image on them."""
    named = [page for page in document.pages
             if getattr(page._page_box.page_type, "name", None) == name]
    over = tallest = 0.0
    for number, page in enumerate(named):
        top = bottom = page._page_box.content_box_y()
        for box in _all_boxes(page._page_box):
            if isinstance(box, boxes.ReplacedBox):
                tallest = max(tallest, box.height)
            if number and isinstance(box, boxes.LineBox | boxes.ReplacedBox):
                bottom = max(bottom, box.position_y + box.margin_height())
        over += bottom - top
    return over, tallest


# Rows as laid out, for placing figures (`compose.floats`) ---------------------------------


@dataclass(frozen=True)
class RowPiece:
    """The part of one row of the booklet (an element with `data-row`) on one page."""

    page: int
    """0-based index in the document's pages."""
    row: int
    """Its `data-row`: the index in the document's rows."""
    kind: str
    """`heading` (a heading's own table row), `figures`, or `pair` (a paragraph row)."""
    top: float
    """From the top of the page's content area, pt."""
    height: float
    """Its margin box, pt."""
    columns: tuple[tuple[tuple[float, float], ...], ...]
    """Each column's lines (the Chinese and the translation cell; one column when
    stacked) as (top, bottom) from the piece's top, pt."""
    photo: float = 0.0
    """The tallest photo in it, pt."""
    caption: float = 0.0
    """The tallest caption in it, pt."""
    margin_bottom: float = 0.0
    """Its own bottom margin (a block's, not a table row's): dropped at a page's foot."""


@dataclass(frozen=True)
class BodyPage:
    """A body page (no CSS page name) and the rows on it."""

    index: int
    height: float
    """Of its content area, pt."""
    pieces: tuple[RowPiece, ...]


def _lines_below(box, top: float) -> list[tuple[float, float]]:
    out = []
    for child in _all_boxes(box):
        if isinstance(child, boxes.LineBox):
            out.append(((child.position_y - top) * _PT,
                        (child.position_y + child.height - top) * _PT))
    return sorted(set(out))


def body_rows(document: Document) -> list[BodyPage]:
    """The body pages of a layout and the rows on them, in order."""
    pages = []
    for index, page in enumerate(document.pages):
        page_box = page._page_box
        if getattr(page_box.page_type, "name", None):
            continue
        content_top = page_box.content_box_y()
        pieces: list[RowPiece] = []
        stack = list(reversed(page_box.children))
        while stack:
            box = stack.pop()
            element = getattr(box, "element", None)
            if element is None or isinstance(box, boxes.InlineLevelBox) \
                    or element.get("data-row") is None:
                stack.extend(reversed(getattr(box, "children", [])))
                continue
            row = element.get("data-row")
            classes = (element.get("class") or "").split()
            kind = ("heading" if "heading" in classes else
                    "figures" if "figures" in classes else "pair")
            top = box.position_y
            cells = [child for child in _all_boxes(box)
                     if isinstance(child, boxes.TableCellBox)] or [box]
            # A photo, or the frame printed where one is missing (scaled alike).
            photos = [child.height if isinstance(child, boxes.ReplacedBox)
                      else child.border_height() for child in _all_boxes(box)
                      if isinstance(child, boxes.ReplacedBox) or "photo-missing" in (
                          (child.element.get("class") or "") if isinstance(
                              child, boxes.BlockBox) and child.element is not None
                          else "")]
            captions = [child.margin_height() for child in _all_boxes(box)
                        if getattr(child, "element_tag", "") == "figcaption"
                        and isinstance(child, boxes.BlockBox)]
            pieces.append(RowPiece(
                index, int(row), kind, (top - content_top) * _PT, box.margin_height() * _PT,
                tuple(tuple(_lines_below(cell, top)) for cell in cells),
                max(photos, default=0.0) * _PT, max(captions, default=0.0) * _PT,
                (box.margin_bottom or 0.0) * _PT))
        pages.append(BodyPage(index, page_box.height * _PT, tuple(pieces)))
    return pages
