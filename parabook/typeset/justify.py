"""Inter-character justification for Chinese text in WeasyPrint 70.0.

WeasyPrint justifies only at spaces (U+0020, U+00A0): `layout/inline.py`
counts them (`count_expandable_spaces`) and widens them (`add_word_spacing`,
drawn as Pango letter-spacing on the space characters). Chinese has no spaces,
so `text-align: justify` leaves it ragged. Chinese print spreads the extra
space between characters instead (CSS Text 3, `text-justify: inter-character`);
`plan_line` decides it, on justified lines that hold CJK characters, and
`installed()` has WeasyPrint lay out with it (`weasy.patched`). Lines without
any are left to WeasyPrint, unchanged.

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
width is measured on the layout it will be drawn with (`weasy`).

Usage, around the layout::

    from parabook.typeset import justify
    with justify.installed():
        document = weasy.HTML(string=html).render()
"""

from __future__ import annotations

import unicodedata
from contextlib import AbstractContextManager
from dataclasses import dataclass

from parabook.lang import script
from parabook.typeset.weasy import LineSpacing, RunSpacing, TextRun, patched

# Wide in East Asian text only (UAX #11 "ambiguous"): Chinese fonts draw these
# full-width, Latin fonts narrow, so they follow the text's language.
_UNSPACED = frozenset("…—")
"""Wide, but "——" and "……" are one mark each: their halves must touch."""

#: Most a justified gap between two CJK characters may grow, in em. Text
#: extractors read a wider gap as a word break and print a space: poppler
#: (pdftotext) past 0.1 em, pdfminer (pdfplumber) past 0.1 of the glyph's size,
#: pdf.js past 0.102 em. What a line needs beyond this goes to its spaces and
#: to its CJK punctuation, where an extractor's space splits no two Han
#: characters; a line with neither ends short.
MAX_CJK_SPACING = 0.097
#: Whether a line's need beyond MAX_CJK_SPACING may widen its CJK punctuation.
OVERFLOW_TO_PUNCTUATION = False


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

    def run(self, run: TextRun, trailing: float) -> RunSpacing:
        """The spacing of `run`: its CJK characters only."""
        return RunSpacing(tuple(self.of(char, run.lang) if is_cjk(char, run.lang) else None
                                for char in run.text), trailing)


def is_cjk(char: str, lang: str | None = None) -> bool:
    """Whether `char` takes inter-character justification (`lang`: the text's)."""
    return script.is_cjk(char, lang) and char not in _UNSPACED


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


def _opportunities(runs: list[TextRun]) -> _Opportunities:
    chars = [(char, run.lang) for run in runs for char in run.text]
    cjk = [is_cjk(char, lang) for char, lang in chars]
    marks = [flag and _is_punctuation(char) for flag, (char, _) in zip(cjk, chars, strict=False)]
    return _Opportunities(sum(cjk) - (cjk[0] + cjk[-1]) / 2,
                          sum(marks) - (marks[0] + marks[-1]) / 2)


def plan_line(runs: list[TextRun], spaces: int, extra_width: float) -> LineSpacing | None:
    """Spread `extra_width` at the line's `spaces` and around its CJK characters; None
    for a line without CJK characters, which WeasyPrint justifies at its spaces.

    Each CJK character is one opportunity, like a space, half on each side;
    the line's first and last characters lose their outer half. The halves
    that meet at a boundary between two runs are not drawn by Pango (see the
    module docstring) and become an advance after the first run.
    """
    cjk_runs = [run for run in runs if any(is_cjk(char, run.lang) for char in run.text)]
    if not cjk_runs:
        return None
    opportunities = _opportunities(runs)
    if not opportunities.cjk + spaces:
        return None  # a lone CJK character: WeasyPrint, finding no space, leaves it as is
    font_size = min(run.font_size for run in cjk_runs)
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
    return LineSpacing(share + overflow, tuple(
        spacing.run(run, 0 if following is None else (
            spacing.of(run.text[-1], run.lang)
            + spacing.of(following.text[0], following.lang)) / 2)
        for run, following in zip(runs, runs[1:] + [None], strict=False)))


def installed() -> AbstractContextManager[None]:
    """Inside the block, `text-align: justify` spaces CJK characters too (`plan_line`);
    WeasyPrint's own justification is back after it. Blocks may nest."""
    return patched(plan_line)
