"""Break the translation into lines for the whole paragraph at once (Knuth-Plass style).

WeasyPrint fills each line greedily, and justified text in a narrow column then
gets gaping word spaces: in the sample, three lines in ten had a gap over twice
the normal space. Choosing all the breaks of a paragraph together, with
hyphenation (pyphen, as WeasyPrint uses), keeps the spaces even. The chosen lines
are handed to WeasyPrint as `white-space: nowrap` spans, so it can only break
where we did; the text itself is unchanged apart from the hyphens at line ends,
which WeasyPrint's own hyphenation would add too. Widths are measured with
Pango as WeasyPrint sets the words (`measure.shaped_width`); a small margin
covers rounding. WeasyPrint only widens spaces, so where a line would still be
loose, a little letter-spacing (at most TRACKING_EM) takes part of the slack.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import cache
from itertools import pairwise
from typing import cast

import pyphen

from parabook.lang import language
from parabook.typeset.measure import remembered, shaped_width

HYPHEN = "\u2010"  # what WeasyPrint prints when it hyphenates
SAFETY_PT = 0.5
HYPHEN_COST = 60
TIGHT_LIMIT = 1.85  # aim under this ...
HARD_LIMIT = 1.95  # ... and never past this, unless the text allows nothing else (2x is the rule)
TRACKING_EM = 0.01  # a loose line may take up to this much letter-spacing (more shows)
TRACK_FROM = 1.6  # ... once its spaces would stretch beyond this
WORD_SPACING_EM = -0.07
"""Spaces may shrink by this much (the stylesheets' `word-spacing` on `span.ln`, which
WeasyPrint then widens to justify): a line may hold a few more letters, and the spaces of
a narrow column stay near their normal width. Ratios are to the normal space."""
LONE_WORD_COST = 1e12  # a lone word on a non-final line: worse than any stretched line
SHORT_LAST_CHARS = 5  # a paragraph's last line holds at least this many letters ...
SHORT_LAST_COST = 1e9  # ... unless the text allows nothing else
MAX_HYPHENS_IN_ROW = 2
THIRD_HYPHEN_COST = 1e10  # ... more only where the alternative is a lone word
LETTER = r"[^\W\d_]"  # a letter of any alphabet: Straße and Übersetzung are hyphenated too


@dataclass(frozen=True)
class LineOut:
    """One chosen line."""

    text: str
    tracking: float
    """Letter-spacing in points, to keep a loose line's word spaces even."""


@dataclass(frozen=True)
class Piece:
    """A word, or the part of one between hyphenation points."""

    text: str
    width: float
    space_after: bool
    """A space follows (a word ends); False inside a word, where a hyphen may break."""
    adds_hyphen: bool = True
    """Inside a word, breaking here prints a hyphen; not after a hyphen already there."""


@cache
def _hyphenator(lang: str) -> pyphen.Pyphen | None:
    name = language(lang).hyphenation
    return pyphen.Pyphen(lang=name, left=2, right=3) if name else None


def _cuts(core: str, hyphenator: pyphen.Pyphen, lang: str) -> list[int]:
    """Where `core` (letters only) may break, with its ends: [0, ..., len(core)]."""
    cuts = [0, *hyphenator.positions(core), len(core)]
    part = language(lang).hyphenation_part
    if part is None:
        return cuts
    good = [re.fullmatch(part, core[a:b]) is not None for a, b in pairwise(cuts)]
    return [0, *(c for i, c in enumerate(cuts[1:-1], 1) if good[i - 1] and good[i]),
            len(core)]


@cache
def _word(lang: str) -> re.Pattern[str]:
    """A word that may be hyphenated, between its opening marks („ ( [) and its closing ones."""
    quotes = language(lang).quotes
    return re.compile(rf"([{re.escape(quotes.opening)}(\[]*)({LETTER}{{5,}})"
                      rf"([{re.escape(quotes.closing)})\],.;:!?-]*)")


def _pieces(text: str, family: str, size: float, lang: str) -> list[Piece]:
    hyphenator = _hyphenator(lang)
    word_pattern = _word(lang)
    out: list[Piece] = []
    for word in text.split(" "):
        if not word:
            continue
        # A compound (community-level) may break after its own hyphen.
        compounds = re.split(rf"(?<={LETTER}-)(?={LETTER})", word)
        for number, compound in enumerate(compounds):
            parts = [compound]
            letters = word_pattern.fullmatch(compound)
            if hyphenator and letters and (language(lang).hyphenate_capitalised
                                           or not letters[2][0].isupper()):
                # Capitalised words are names (Chengbei, Tianchang): never split.
                lead, core, tail = letters.groups()
                cuts = _cuts(core, hyphenator, lang)
                parts = [core[a:b] for a, b in pairwise(cuts)]
                parts[0] = lead + parts[0]
                parts[-1] = parts[-1] + tail
            word_ends = number == len(compounds) - 1
            for index, part in enumerate(parts):
                end_of_compound = index == len(parts) - 1
                out.append(Piece(part, shaped_width(part, family, size),
                                 space_after=word_ends and end_of_compound,
                                 adds_hyphen=not end_of_compound))
    return out


def break_lines(text: str, width: float, *, family: str | None = None, size: float = 9.5,
                lang: str = "en", ragged: bool = False) -> list[LineOut] | None:
    """The lines of `text` set justified in `width` points, or None to leave it to
    WeasyPrint (text with line breaks or tabs, or a word wider than the column).
    `family` defaults to the language's typeface. `ragged`: set ragged-right, with
    normal spaces, the lines' ends as even as the hyphenated text allows.

    Kept with the measured widths (`measure.remembered`): a rebuild breaks only the
    paragraphs that changed."""
    family = family or language(lang).font_family
    chosen = cast(list[list] | None, remembered(
        "lines", f"{family}\t{size}\t{lang}\t{width!r}\t{ragged}\t{text}",
        lambda: _as_json(_break_lines(text, width, family, size, lang, ragged))))
    return None if chosen is None else [LineOut(line, tracking) for line, tracking in chosen]


def _as_json(lines: list[LineOut] | None) -> list[list] | None:
    return None if lines is None else [[line.text, line.tracking] for line in lines]


def _break_lines(text: str, width: float, family: str, size: float,
                 lang: str, ragged: bool = False) -> list[LineOut] | None:
    if not text.strip() or re.search(r"[\n\t\u00ad]", text):
        return None
    pieces = _pieces(text, family, size, lang)
    normal = shaped_width(" ", family, size)
    # The narrowest a justified line's space is set (CSS word-spacing); ragged: normal.
    space = normal if ragged else normal + WORD_SPACING_EM * size
    hyphen = shaped_width(HYPHEN, family, size)
    room = width - SAFETY_PT
    if not pieces or max(p.width for p in pieces) + hyphen > room:
        return None
    count = len(pieces)
    # State: (end piece, hyphenated lines in a row ending there), at most MAX_HYPHENS_IN_ROW.
    runs = MAX_HYPHENS_IN_ROW + 1
    best = [[math.inf] * runs for _ in range(count + 1)]
    back = [[(0, 0)] * runs for _ in range(count + 1)]
    track = [[0.0] * runs for _ in range(count + 1)]
    best[0][0] = 0.0
    max_track = TRACKING_EM * size
    for end in range(1, count + 1):
        last = end == count
        broken_word = not pieces[end - 1].space_after and not last
        natural = hyphen if broken_word and pieces[end - 1].adds_hyphen else 0.0
        spaces = chars = 0
        for start in range(end - 1, -1, -1):
            natural += pieces[start].width
            chars += len(pieces[start].text)
            if start < end - 1 and pieces[start].space_after:
                natural += space
                spaces += 1
            if natural > room:  # WeasyPrint never narrows spaces: it would re-break
                break
            if min(best[start]) == math.inf:
                continue
            tracking = 0.0
            if last:
                # A paragraph's last line: never a scrap ("ents.") when it can be helped.
                letters = sum(char.isalnum() for p in pieces[start:end] for char in p.text)
                cost = SHORT_LAST_COST if start and letters < SHORT_LAST_CHARS else 0.0
            elif spaces == 0:
                cost = LONE_WORD_COST  # a lone word cannot be justified
            elif ragged:  # even line ends: the square of each line's shortfall, in ems
                cost = ((room - natural) / size) ** 2 * 10
            else:
                ratio = (space + (room - natural) / spaces) / normal
                if ratio > TRACK_FROM:  # share the slack with the letters, a little
                    # Letter-spacing follows every glyph, the space too: a word gap
                    # gains 2t itself, and the line's slack shrinks by t per glyph.
                    glyphs = chars + spaces
                    per_t = (glyphs / spaces - 2) / normal  # ratio saved per point of t
                    tracking = min(max_track, (ratio - TRACK_FROM) / per_t)
                    ratio -= tracking * per_t
                # Beyond the limit, every bit more is much worse: a line at 2.2x
                # is better than one at 5x when the text allows no line under 2x.
                cost = ((ratio - 1) ** 3 * 100 + max(0.0, ratio - TIGHT_LIMIT) * 1e5
                        + max(0.0, ratio - HARD_LIMIT) * 1e8)
                cost += (tracking / max_track) ** 2 * 30
            cost += HYPHEN_COST if broken_word else 0
            for run, before in enumerate(best[start]):
                after = run + 1 if broken_word else 0
                if before == math.inf:
                    continue
                extra = 0.0
                if after >= runs:  # a third hyphen in a row: only rather than a lone word
                    after, extra = runs - 1, THIRD_HYPHEN_COST
                if before + cost + extra < best[end][after]:
                    best[end][after] = before + cost + extra
                    back[end][after] = (start, run)
                    track[end][after] = tracking
    if best[count][0] == math.inf:
        return None
    breaks = []
    end, run = count, 0
    while end:
        start, before = back[end][run]
        breaks.append((start, end, track[end][run]))
        end, run = start, before
    lines = []
    for start, end, tracking in reversed(breaks):
        line = "".join(p.text + (" " if p.space_after and i < end - 1 else "")
                       for i, p in enumerate(pieces[start:end], start))
        hyphenated = not pieces[end - 1].space_after and pieces[end - 1].adds_hyphen
        lines.append(LineOut(line + (HYPHEN if hyphenated and end < count else ""),
                             round(tracking, 3)))
    return lines
