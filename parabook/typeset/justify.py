"""Inter-character justification for Chinese text in WeasyPrint 70.0.

WeasyPrint justifies only at spaces (U+0020, U+00A0): `layout/inline.py`
counts them (`count_expandable_spaces`) and widens them (`add_word_spacing`,
drawn as Pango letter-spacing on the space characters). Chinese has no spaces,
so `text-align: justify` leaves it ragged. Chinese print spreads the extra
space between characters instead (CSS Text 3, `text-justify: inter-character`);
`install()` teaches WeasyPrint to do that, on justified lines that hold CJK
characters. Lines without any are left to WeasyPrint, unchanged.

On such a line each CJK character is an opportunity like a space: with E the
extra per opportunity, it gets E/2 before and E/2 after it, so the gap between
two CJK characters grows by E, the gap between a CJK character and Latin text
("用LED屏", "共2021年") by E/2, and the gaps inside Latin words and numbers not
at all. The line's first and last characters get nothing on their outer side,
so the text meets both edges of the column. E is at most MAX_CJK_SPACING (text
extraction, see there); what a line needs beyond that goes to its spaces and
its CJK punctuation.

CJK means wide or full-width characters (UAX #11: Han, kana, bopomofo, CJK and
full-width punctuation) except Hangul, which Korean spaces as Latin; and, in
Chinese or Japanese text, the curly quotes and the middle dot, which its fonts
draw full-width. The dashes and ellipses of "——" and "……" are not spaced
inside: their halves must touch.

The spacing is glyph positioning only (Pango letter-spacing attributes on the
CJK characters of a box's layout): no character is added to the text. Its
semantics in Pango 1.50, measured: letter-spacing L on a character puts L/2
before and L/2 after its glyph, except at the start and end of a layout (one
text box), where the outer half is dropped; and an L of a whole number of
pixels is split on whole pixels (1 px: 1 px before, 0 after). So a box draws
the inner halves itself, and the two halves that meet at a boundary between
text boxes are added here, after the first box, as an advance. Each box's
width is measured on the layout it will be drawn with.

Usage, once, before rendering::

    from parabook.typeset import justify
    justify.install()
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass

import weasyprint
from weasyprint.formatting_structure import boxes
from weasyprint.layout import inline
from weasyprint.text.ffi import TO_UNITS, ffi, pango
from weasyprint.text.line_break import Layout, line_size

#: The WeasyPrint release whose private layout functions this module wraps.
PINNED_WEASYPRINT = "70.0"

# Wide in East Asian text only (UAX #11 "ambiguous"): Chinese fonts draw these
# full-width, Latin fonts narrow, so they follow the text's language.
_AMBIGUOUS_WIDE = frozenset("“”‘’·")
_EAST_ASIAN_LANGS = ("zh", "ja")

#: Most a justified gap between two CJK characters may grow, in em. Text
#: extractors read a wider gap as a word break and print a space: poppler
#: (pdftotext) past 0.1 em, pdfminer (pdfplumber) past 0.1 of the glyph's size,
#: pdf.js past 0.102 em. What a line needs beyond this goes to its spaces and
#: to its CJK punctuation, where an extractor's space splits no two Han
#: characters; a line with neither ends short.
MAX_CJK_SPACING = 0.097
#: Whether a line's need beyond MAX_CJK_SPACING may widen its CJK punctuation.
OVERFLOW_TO_PUNCTUATION = False

# The functions of weasyprint.layout.inline that install() wrapped, by name.
_ORIGINALS: dict[str, Callable] = {}


@dataclass(frozen=True)
class _Spacing:
    """Letter-spacing given to the CJK characters of a justified line, in px."""

    #: Every CJK character: half before it, half after it.
    cjk: float
    #: Added to CJK punctuation when the line needs more than `cjk` can give.
    punctuation: float = 0

    def of(self, char: str, lang: str | None) -> float:
        if not is_cjk(char, lang):
            return 0
        return self.cjk + (self.punctuation if _is_punctuation(char) else 0)


@dataclass(frozen=True)
class _LinePlan:
    """How the line being justified spreads its CJK share."""

    spacing: _Spacing
    #: Advance after each text box (by id), in px: the halves of the spacing
    #: of the two characters that meet at a boundary between text boxes.
    trailing: dict[int, float]


# Set by justify_line() while add_word_spacing() walks the line.
_LINE_PLAN: ContextVar[_LinePlan | None] = ContextVar("parabook_line_plan", default=None)


def is_cjk(char: str, lang: str | None = None) -> bool:
    """Whether `char` takes inter-character justification (`lang`: the text's)."""
    if char in _AMBIGUOUS_WIDE:
        return bool(lang) and lang.lower().startswith(_EAST_ASIAN_LANGS)
    if unicodedata.east_asian_width(char) not in ("W", "F"):
        return False
    return not unicodedata.name(char, "").startswith("HANGUL")


def _is_punctuation(char: str) -> bool:
    return unicodedata.category(char).startswith("P")


@dataclass(frozen=True)
class _Opportunities:
    """Where a line's text can take extra space, in units of the extra per opportunity."""

    #: CJK characters: one each, half on each side, less the outer half of the
    #: line's first and last characters.
    cjk: float
    #: The CJK punctuation marks among them, counted the same way.
    punctuation: float


def _opportunities(texts: list[boxes.TextBox]) -> _Opportunities:
    chars = [(char, box.style["lang"]) for box in texts for char in box.text]
    cjk = [is_cjk(char, lang) for char, lang in chars]
    marks = [flag and _is_punctuation(char) for flag, (char, _) in zip(cjk, chars, strict=False)]
    return _Opportunities(sum(cjk) - (cjk[0] + cjk[-1]) / 2,
                          sum(marks) - (marks[0] + marks[-1]) / 2)


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


def justify_line(context, line, extra_width):
    """Spread `extra_width` at the line's spaces and around its CJK characters.

    Each CJK character is one opportunity, like a space, half on each side;
    the line's first and last characters lose their outer half. The halves
    that meet at a boundary between two text boxes are not drawn by Pango
    (see the module docstring) and become an advance after the first box.
    """
    texts = list(_text_boxes(line))
    cjk_texts = [box for box in texts
                 if any(is_cjk(char, box.style["lang"]) for char in box.text)]
    if line.style["direction"] == "rtl" or not cjk_texts:
        return _ORIGINALS["justify_line"](context, line, extra_width)

    opportunities = _opportunities(texts)
    spaces = inline.count_expandable_spaces(line)
    if not opportunities.cjk + spaces:
        return  # a lone CJK character: nothing to spread, as a lone word
    font_size = min(box.style["font_size"] for box in cjk_texts)
    share = min(extra_width / (opportunities.cjk + spaces), MAX_CJK_SPACING * font_size)
    # What the CJK gaps cannot take goes to real spaces; a line without them ends
    # a little short rather than open gaps around punctuation, which text
    # extraction would read as spaces (and which undo compressed punctuation).
    rest = extra_width - share * (opportunities.cjk + spaces)
    # (An overfull line, rest < 0, still tightens its punctuation to fit.)
    takers = spaces + (opportunities.punctuation
                       if OVERFLOW_TO_PUNCTUATION or rest < 0 else 0)
    overflow = rest / takers if takers else 0
    spacing = _Spacing(share, overflow)

    trailing = {}
    for box, following in zip(texts, texts[1:] + [None], strict=False):
        trailing[id(box)] = 0 if following is None else (
            spacing.of(box.text[-1], box.style["lang"])
            + spacing.of(following.text[0], following.style["lang"])) / 2
    token = _LINE_PLAN.set(_LinePlan(spacing, trailing))
    try:
        inline.add_word_spacing(context, line, share + overflow, 0)
    finally:
        _LINE_PLAN.reset(token)


def _letter_spacing_units(spacing: float) -> int:
    # A whole number of pixels is split on whole pixels by Pango (measured),
    # which would drop the wrong amount at a box edge: stay just off it.
    units = int(spacing * TO_UNITS)
    return units + 1 if units % TO_UNITS == 0 else units


class _CJKLayout(Layout):
    """A text box's layout that, when justified, also spaces its CJK characters."""

    def __init__(self, style, justification_spacing, cjk_spacing: _Spacing):
        self.cjk_spacing = cjk_spacing
        super().__init__(style, justification_spacing)

    def set_text(self, text, justify=False):
        super().set_text(text, justify)
        # Only drawing (and measuring, here) justifies; line breaking never does.
        if not justify:
            return
        letter_spacing = self.style["letter_spacing"]
        # A Pango letter-spacing attribute replaces, not adds to, CSS letter-spacing.
        base = 0 if letter_spacing == "normal" else letter_spacing
        lang = self.style["lang"]
        attributes = pango.pango_layout_get_attributes(self.layout)
        if attributes == ffi.NULL:
            attributes = ffi.gc(pango.pango_attr_list_new(), pango.pango_attr_list_unref)
        text, index = self.text, 0
        for position, char in enumerate(text):
            size = len(char.encode())
            if spacing := self.cjk_spacing.of(char, lang):
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


def _justified_layout(box: boxes.TextBox, spacing: _Spacing) -> tuple[_CJKLayout, float]:
    """The box's layout for drawing, and the width it will draw, measured."""
    layout = _CJKLayout(box.style, box.justification_spacing, spacing)
    layout.set_text(box.text, justify=True)
    line, _ = layout.get_first_line()
    width, _ = line_size(line, box.style)
    layout.deactivate()  # drawing reactivates it, as WeasyPrint's own layouts
    return layout, width


def add_word_spacing(context, box, justification_spacing, x_advance):
    """Move and widen `box` for justification, its CJK characters included."""
    original = _ORIGINALS["add_word_spacing"]
    plan = _LINE_PLAN.get()
    if plan is None or not isinstance(box, boxes.TextBox):
        return original(context, box, justification_spacing, x_advance)

    start_x, start_width = x_advance, box.width
    original(context, box, justification_spacing, x_advance)  # moves it, widens its spaces
    if any(is_cjk(char, box.style["lang"]) for char in box.text):
        # Measured rather than computed, so that the box is as wide as drawn.
        box.pango_layout, drawn = _justified_layout(box, plan.spacing)
    else:
        drawn = box.width
    box.width = drawn + plan.trailing[id(box)]
    return start_x + box.width - start_width


def install() -> None:
    """Make `text-align: justify` space CJK characters too; safe to call twice."""
    if weasyprint.__version__ != PINNED_WEASYPRINT:
        raise RuntimeError(
            f"parabook.typeset.justify patches WeasyPrint {PINNED_WEASYPRINT}'s private layout "
            f"functions, but WeasyPrint {weasyprint.__version__} is installed: pin "
            f"weasyprint=={PINNED_WEASYPRINT}, or check tests/test_justify.py against the "
            f"new release and update PINNED_WEASYPRINT")
    if _ORIGINALS:
        return
    for name, replacement in (("justify_line", justify_line),
                              ("add_word_spacing", add_word_spacing)):
        _ORIGINALS[name] = getattr(inline, name)
        setattr(inline, name, replacement)
