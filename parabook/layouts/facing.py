"""Facing: the Chinese on the left-hand page (verso), the translation on the right
(recto), synchronised per spread, as reledpar's `\\Pages` and the Loeb editions set a
text and its translation.

The page breaks are planned here, before WeasyPrint, with the lines the booklet is set
in: each Chinese paragraph broken by `zhbreak` and each translation by `linebreak` at
the full text width, so a page's height is its lines times their leading. Paragraphs
are packed into spreads; a paragraph's two versions start on the same spread, and
where one language runs longer the other page ends early. A paragraph that does not fit
continues on the next spread in both languages: cut after corresponding sentences (as
many of 。！？ as of . ! ?), or, when the sentences do not pair or a cut there would
leave too much of a page empty, after lines holding the same share of each text.
Each page is then one block of the template (`templates/layouts/facing.html.j2`),
versos breaking to a left page and rectos to a right one.

Headings are set on both pages of their spread, level with each other. A figure stays
on the Chinese page with both its captions, under the photo or beside a narrow one: the
translation runs longer than the Chinese (1.7 times its height in the sample), so the
verso has the room to spare, and a recto never waits for a photo. A figure that does
not fit on its verso goes to the top of the next one while the text runs on (and may,
when that fills the spreads better), and a verso left half empty takes the figure that
follows its last paragraph.

The Chinese is set at 11 pt, 30 characters a line on A5; its leading is the smallest of
`LEADINGS` that fills the versos to at least `VERSO_SHARE` of the rectos (measured over
the book), so that a long translation does not leave the Chinese pages mostly empty.
Where the translation runs much longer still (`LARGER_RATIO`), the book is also planned
with the Chinese at `LARGER_SIZE`, and the plan with the fewest spreads and the fullest
emptiest page is set (`choose_type`).
After layout, `check_drift` reads WeasyPrint's pages back and warns if they differ.
"""

from __future__ import annotations

import copy
import math
import re
from dataclasses import dataclass, field

from parabook.diagnostics import Diagnostic
from parabook.layouts.estimate import pairs
from parabook.model import Document, FigureView, LayoutPlan, Row
from parabook.typeset import geometry, weasy
from parabook.typeset.linebreak import break_lines
from parabook.typeset.measure import shaped_width
from parabook.typeset.zhbreak import break_zh

ZH_SIZE = 11.0
"""The Chinese on versos: 30 characters a line on A5, as the Chinese page of a bilingual
edition has."""
LEADINGS = (1.75, 1.85, 1.95)
LARGER_SIZE = 12.0
"""The Chinese of a book whose translation runs much longer (28 characters a line on
A5): bilingual editions give the original the larger face, and a larger Chinese fills
the versos that a long translation leaves mostly empty at 11 pt."""
LARGER_RATIO = 2.2
"""... when the translation's height is more than this many times the Chinese's (at
11 pt, leading 1.75, English 9 pt: 1.37 in the sample, 2.45 with its translation 1.6
times as long). Both plans are made and the better one wins, so this only spares the
time of a second plan where 11 pt is sure to win."""
VERSO_SHARE = 0.5
SAFETY_PT = 1.5
"""Left free at the foot of every page, against rounding in WeasyPrint."""
HEADING_LEADING = 1.4
HEADING_SPACE_MM = 4.0
"""Above a heading that does not start its page, and below every heading (2 mm) ..."""
HEADING_AFTER_MM = 2.0
SENTENCE_MATCH = 0.06
"""Two sentence ends correspond when the text before them is this close a share of each."""
SENTENCE_LOSS = 0.1
"""A cut after sentences may leave at most this share of a page more empty than a cut
after the same share of lines."""
MIN_LINES = 2
"""Lines of a paragraph kept together at either side of a cut ..."""
SHORT_CUT = 4
"""... unless the paragraph has at most this many lines of Chinese: then one of them."""
BOLD_WIDTH = 1.12
"""Bold Noto Serif is at most this much wider than the regular (headings)."""
FIGURE_MARGIN_MM = 1.5 + 4.0
CAPTION_GAP_MM = 1.5
BESIDE_GAP_MM = 4.0
BESIDE_MIN_MM = 45.0
"""Captions go beside a photo that leaves them at least this much of the text width."""
PHOTO_MAX_MM = 60.0
"""The tallest a photo is printed on a verso (a missing one's frame too): with a taller
one, the Chinese beside it has room for so few lines that the facing recto ends mostly
empty (95 mm photos left rectos 60-65% empty in the sample)."""
SHRINK = (1.0, 0.9, 0.8)
"""A figure a little too tall for the room left on its verso is set this much smaller."""
MOST_EMPTY = 0.6
"""The issue's measure: no page of a spread more than this empty, but at a section's end."""
SECTION_SPREADS = 8
"""... tried to the section's end, or this many spreads (a book without headings)."""
DEFER_GAIN = 0.05
"""A figure goes to the next verso when that leaves the emptiest page this much fuller."""
PULL_BELOW = 0.4
"""A verso filled less than this when its spread ends (more than 60% empty, which the
issue rules out) takes the figure that follows ... (at 0.5 the 1.6x book's versos
were 46% and 42% full, the figure on the first; without it they are 54% and 79%)."""
PULL_AHEAD = 1
"""... at most this many rows ahead (1: right after the paragraph being cut)."""


@dataclass(frozen=True)
class Piece:
    """A paragraph, or part of one, in one language: lines `start` to `end` of `text`
    broken at the page's width (first line indented `indent_em`)."""

    text: str
    indent_em: float
    start: int
    end: int
    total: int
    """Lines of `text` in all; `end < total`: the paragraph runs on to the next spread."""
    head: bool
    """The paragraph's beginning (its draft mark goes here)."""

    @property
    def runs_on(self) -> bool:
        return self.end < self.total


@dataclass(frozen=True)
class Block:
    """One element of a page: `heading`, `text` (a `Piece` of `rows[row]`) or `figures`."""

    kind: str
    row: int
    piece: Piece | None = None
    space_pt: float = 0.0
    """White space above it (a heading levelled with the facing one)."""
    height_pt: float = 0.0
    """Its planned height (a heading's is fixed, so both pages' match)."""


@dataclass(frozen=True)
class Spread:
    verso: tuple[Block, ...]
    recto: tuple[Block, ...]
    verso_pt: float
    """Planned height of the verso's content."""
    recto_pt: float


@dataclass(frozen=True)
class FacingPlan(LayoutPlan):
    """The spreads, as `templates/layouts/facing.html.j2` reads them."""

    spreads: tuple[Spread, ...]
    width_pt: float
    """The text width: of the Chinese lines and of the translation's."""
    target_width_pt: float
    """The same, as `render.html.zh_width` and the other layouts name it."""
    zh_size_pt: float
    zh_leading: float
    page_pt: float
    """The height of the text area."""
    figure_widths: dict[int, tuple[float, ...]] = field(default_factory=dict)
    """Each figure row's photo widths in mm (by index in `Document.rows`)."""
    captions_beside: dict[int, float] = field(default_factory=dict)
    """Figure rows whose captions stand beside the photo: their width in mm."""
    splits: dict[str, int] = field(default_factory=dict)
    """How many paragraphs were cut across spreads, by how (`sentences`, `share`)."""


@dataclass
class _Text:
    """A paragraph in one language still to be set."""

    text: str
    indent_em: float
    start: int
    lines: list[str]
    head: bool


class _Planner:
    def __init__(self, document: Document, width: float, page_pt: float, leading: float,
                 size: float = ZH_SIZE):
        self.document = document
        self.size = size
        self.width = width
        self.page = page_pt - SAFETY_PT
        self.leading = leading
        type_ = geometry.TYPOGRAPHY
        self.zh_line = size * leading
        self.tr_line = type_.tr.size_pt * type_.tr.leading
        self.gap = type_.paragraph_gap_mm * geometry.MM
        self.lang = document.target_lang
        self.ragged = document.meta.ragged
        self.spreads: list[Spread] = []
        self.splits = {"sentences": 0, "share": 0}
        self._new()
        self.waiting: list[tuple[int, float]] = []
        """Figures that did not fit on their verso: (row, height)."""
        self.figure_heights: dict[tuple[int, float], float] = {}
        self.current = -1
        """The row being set."""
        self.pulled: set[int] = set()
        """Figure rows set ahead of their place (`_pull_figures`)."""
        self.scales: dict[int, float] = {}
        """Figure rows set smaller to fit (`SHRINK`), by index."""

    # Lines -------------------------------------------------------------------------
    def zh_lines(self, text: str, indent_em: float) -> list[str]:
        chosen = break_zh(text, self.width, self.size, indent_em)
        if chosen is None:  # no Han: WeasyPrint breaks it; estimated
            count = math.ceil((shaped_width(text, "Noto Serif CJK SC", self.size, "zh-CN")
                               + indent_em * self.size) * 1.06 / self.width)
            return [text] + [""] * (max(count, 1) - 1)
        return [line.text for line in chosen]

    def tr_lines(self, text: str) -> list[str]:
        chosen = break_lines(text, self.width, lang=self.lang, ragged=self.ragged,
                              size=geometry.TYPOGRAPHY.tr.size_pt)
        if chosen is None:
            count = math.ceil(shaped_width(text, "Noto Serif", geometry.TYPOGRAPHY.tr.size_pt)
                              * 1.06 / self.width)
            return [text] + [""] * (max(count, 1) - 1)
        return [line.text for line in chosen]

    # Pages -------------------------------------------------------------------------
    def _new(self) -> None:
        self.verso: list[Block] = []
        self.recto: list[Block] = []
        self.y_v = self.y_r = 0.0

    def _gap(self, blocks: list[Block]) -> float:
        """The paragraph gap above the next text, when the page has text before it."""
        return self.gap if blocks and blocks[-1].kind == "text" else 0.0

    def end_spread(self) -> None:
        self._pull_figures()
        if self.verso or self.recto:
            self.spreads.append(Spread(tuple(self.verso), tuple(self.recto), self.y_v, self.y_r))
        self._new()
        # Figures left over from the last verso open this one.
        waiting, self.waiting = self.waiting, []
        for row, height in waiting:
            if self.y_v + height <= self.page:
                self.verso.append(Block("figures", row, height_pt=height))
                self.y_v += height
            else:
                self.waiting.append((row, height))

    def _pull_figures(self) -> None:
        """A verso left mostly empty (its Chinese runs much shorter than the translation
        facing it) takes the figure that follows the paragraph it ends with, if it fits:
        beside the paragraph rather than after it (`PULL_AHEAD` rows ahead)."""
        if (self.waiting or self.y_v >= PULL_BELOW * self.page or not self.verso
                or self.verso[-1].row != self.current):  # that paragraph is not set here
            return
        rows = self.document.rows
        for index in range(self.current + 1, min(self.current + 1 + PULL_AHEAD, len(rows))):
            row = rows[index]
            if row.kind == "heading" or row.heading is not None:
                return  # another section's
            if row.kind != "figures" or index in self.pulled:
                continue
            height = self.figure_height(row)
            if self.y_v + height > self.page:
                return
            self.verso.append(Block("figures", index, height_pt=height))
            self.y_v += height
            self.pulled.add(index)

    # Rows --------------------------------------------------------------------------
    def figure(self, index: int, row: Row, defer: bool = False) -> None:
        scale = None if defer else self.fit_scale(row)
        if scale is not None:
            height = self.figure_height(row, scale)
            self.verso.append(Block("figures", index, height_pt=height))
            self.y_v += height
            self.scales[index] = scale
        else:  # to the top of the next verso; the text runs on
            self.waiting.append((index, self.figure_height(row)))

    def figure_fits(self, height: float) -> bool:
        return not self.waiting and self.y_v + height <= self.page

    def fit_scale(self, row: Row) -> float | None:
        """The largest of `SHRINK` at which the figure fits on this verso, if any."""
        for scale in SHRINK:
            if self.figure_fits(self.figure_height(row, scale)):
                return scale
        return None

    def clone(self) -> _Planner:
        """A copy to try a choice on (the line breaks and figure heights shared)."""
        other = copy.copy(self)
        other.spreads, other.verso, other.recto = list(self.spreads), list(self.verso), \
            list(self.recto)
        other.waiting, other.splits = list(self.waiting), dict(self.splits)
        other.pulled, other.scales = set(self.pulled), dict(self.scales)
        return other

    def worst_fill(self, since: int) -> float:
        """The emptier page's fill, the least over the spreads set since spread `since`
        that do not end a section."""
        fills = []
        for number in range(since, len(self.spreads)):
            spread = self.spreads[number]
            following = (self.spreads[number + 1].verso if number + 1 < len(self.spreads)
                         else tuple(self.verso))
            if following and following[0].kind == "heading":
                continue
            fills.append(min(spread.verso_pt, spread.recto_pt) / self.page)
        return min(fills, default=1.0)

    def heading(self, index: int, row: Row, following: float) -> None:
        """The heading of `row` on both pages, level, kept with `following` lines of
        each language of the paragraph after it (`following` points)."""
        title = row.heading or row.text
        assert title is not None
        height = self.heading_height(title.source, title.target or self.document.pending_label)
        space = HEADING_SPACE_MM * geometry.MM
        top = max(self.y_v, self.y_r)
        need = height + following
        if top and top + space + need > self.page:
            self.end_spread()
            top = max(self.y_v, self.y_r)
        top += space if top else 0.0
        self.verso.append(Block("heading", index, space_pt=top - self.y_v, height_pt=height))
        self.recto.append(Block("heading", index, space_pt=top - self.y_r, height_pt=height))
        self.y_v = self.y_r = top + height

    def paragraph(self, index: int, source: str, target: str) -> None:
        zh = _Text(source, geometry.TYPOGRAPHY.zh_indent_em, 0,
                   self.zh_lines(source, geometry.TYPOGRAPHY.zh_indent_em), True)
        tr = _Text(target, 0.0, 0, self.tr_lines(target), True)
        while True:
            gap_v, gap_r = self._gap(self.verso), self._gap(self.recto)
            room_z = math.floor((self.page - self.y_v - gap_v) / self.zh_line + 1e-6)
            room_t = math.floor((self.page - self.y_r - gap_r) / self.tr_line + 1e-6)
            left_z, left_t = len(zh.lines) - zh.start, len(tr.lines) - tr.start
            if left_z <= room_z and left_t <= room_t:
                self._place(index, zh, tr, len(zh.lines), len(tr.lines), gap_v, gap_r)
                return
            cut = self._cut(zh, tr, room_z, room_t)
            if cut is None:
                if not self.verso and not self.recto:  # taller than a page, and uncuttable
                    self._place(index, zh, tr, len(zh.lines), len(tr.lines), gap_v, gap_r)
                    return
                self.end_spread()
                continue
            zh, tr = self._apply(index, zh, tr, cut, gap_v, gap_r)
            self.end_spread()

    def _place(self, index: int, zh: _Text, tr: _Text, end_z: int, end_t: int,
               gap_v: float, gap_r: float) -> None:
        for page, text, end, gap, line in ((self.verso, zh, end_z, gap_v, self.zh_line),
                                           (self.recto, tr, end_t, gap_r, self.tr_line)):
            piece = Piece(text.text, text.indent_em, text.start, end, len(text.lines), text.head)
            height = (end - text.start) * line
            page.append(Block("text", index, piece, space_pt=gap, height_pt=height))
            if page is self.verso:
                self.y_v += gap + height
            else:
                self.y_r += gap + height

    # Cutting a paragraph across spreads ----------------------------------------------
    def _cut(self, zh: _Text, tr: _Text, room_z: int, room_t: int
             ) -> tuple[str, int, int, tuple[str, str, str, str] | None] | None:
        """Where to cut: ("sentences", lines, lines, (zh1, tr1, zh2, tr2)) or
        ("share", zh lines here, tr lines here, None); None: the paragraph waits for the
        next spread."""
        share = self._share_cut(zh, tr, room_z, room_t)
        sentence = self._sentence_cut(zh, tr, room_z, room_t)
        if sentence is not None:
            lines_z, lines_t = sentence[1], sentence[2]
            if share is None:
                return sentence
            loss = max((share[0] - lines_z) * self.zh_line, (share[1] - lines_t) * self.tr_line)
            if loss <= SENTENCE_LOSS * self.page:
                return sentence
        if share is None:
            return None
        return ("share", share[0], share[1], None)

    def _share_cut(self, zh: _Text, tr: _Text, room_z: int, room_t: int
                   ) -> tuple[int, int] | None:
        """Lines of each language on this spread, holding about the same share of each
        text: the language that runs out of room first fills its page."""
        cz, ct = _shares(zh.lines[zh.start:]), _shares(tr.lines[tr.start:])
        nz, nt = len(cz) - 1, len(ct) - 1
        # A Chinese paragraph of a few lines may leave one of them on either side (an
        # English line alone at a page's head or foot is a widow or an orphan).
        low_z, low_t = 1 if nz <= SHORT_CUT else MIN_LINES, MIN_LINES
        max_z, max_t = min(room_z, nz - low_z), min(room_t, nt - low_t)
        if max_z < low_z or max_t < low_t or "" in zh.lines or "" in tr.lines:
            return None
        share = min(cz[max_z], ct[max_t])
        if cz[max_z] <= ct[max_t]:
            a = max_z
            b = min(range(low_t, max_t + 1), key=lambda n: abs(ct[n] - share))
        else:
            b = max_t
            a = min(range(low_z, max_z + 1), key=lambda n: abs(cz[n] - share))
        return a, b

    def _sentence_cut(self, zh: _Text, tr: _Text, room_z: int, room_t: int
                      ) -> tuple[str, int, int, tuple[str, str, str, str]] | None:
        """The most text that fits on this spread, cut after a sentence in each language
        where the two cuts correspond: after the k-th sentence of each when both texts
        have as many sentences, else where the text before the two cuts is the same share of each
        (within `SENTENCE_MATCH`; a translator joins and splits sentences)."""
        if zh.start or tr.start:  # already cut by share: its lines stay
            return None
        zs, ts = zh_sentences(zh.text), tr_sentences(tr.text)
        if len(zs) < 2 or len(ts) < 2:
            return None
        z_share = [len("".join(zs[:i])) / len(zh.text) for i in range(len(zs))]
        t_share = [len(" ".join(ts[:j])) / len(tr.text) for j in range(len(ts))]
        pairs = [(i, j) for i in range(1, len(zs)) for j in range(1, len(ts))
                 if (i == j if len(zs) == len(ts)
                     else abs(z_share[i] - t_share[j]) <= SENTENCE_MATCH)]
        best = None
        for i, j in sorted(pairs, key=lambda p: -min(z_share[p[0]], t_share[p[1]])):
            z1, t1 = "".join(zs[:i]), " ".join(ts[:j])
            lines_z, lines_t = self.zh_lines(z1, zh.indent_em), self.tr_lines(t1)
            if len(lines_z) > room_z or len(lines_t) > room_t:
                continue
            if max(len(lines_z), len(lines_t)) < MIN_LINES:  # an orphaned line
                continue
            best = ("sentences", len(lines_z), len(lines_t),
                    (z1, t1, "".join(zs[i:]), " ".join(ts[j:])))
            break
        return best

    def _apply(self, index: int, zh: _Text, tr: _Text,
               cut: tuple[str, int, int, tuple[str, str, str, str] | None],
               gap_v: float, gap_r: float) -> tuple[_Text, _Text]:
        """Set the first part on this spread; return the rest."""
        how, lines_z, lines_t, texts = cut
        self.splits[how] += 1
        if texts is None:  # the same lines, cut
            self._place(index, zh, tr, zh.start + lines_z, tr.start + lines_t, gap_v, gap_r)
            return (_Text(zh.text, zh.indent_em, zh.start + lines_z, zh.lines, False),
                    _Text(tr.text, 0.0, tr.start + lines_t, tr.lines, False))
        z1, t1, z2, t2 = texts
        first_z = _Text(z1, zh.indent_em, 0, self.zh_lines(z1, zh.indent_em), zh.head)
        first_t = _Text(t1, 0.0, 0, self.tr_lines(t1), tr.head)
        self._place(index, first_z, first_t, len(first_z.lines), len(first_t.lines),
                    gap_v, gap_r)
        return (_Text(z2, 0.0, 0, self.zh_lines(z2, 0.0), False),
                _Text(t2, 0.0, 0, self.tr_lines(t2), False))

    # Heights -----------------------------------------------------------------------
    def heading_height(self, source: str, target: str) -> float:
        size = geometry.TYPOGRAPHY.heading_pt
        zh_width = shaped_width(source, "Noto Sans CJK SC", size, "zh-CN")
        words = [shaped_width(w, "Noto Serif", size) * BOLD_WIDTH for w in target.split()]
        lines = max(math.ceil(zh_width * 1.02 / self.width),
                    _greedy(words, shaped_width(" ", "Noto Serif", size) * BOLD_WIDTH,
                            self.width))
        return lines * size * HEADING_LEADING + HEADING_AFTER_MM * geometry.MM

    def figure_height(self, row: Row, scale: float = 1.0) -> float:
        """The figure row's height: the tallest photo with its two captions."""
        key = (id(row), scale)
        if key not in self.figure_heights:
            self.figure_heights[key] = self._figure_height(row, scale)
        return self.figure_heights[key]

    def _figure_height(self, row: Row, scale: float) -> float:
        page = geometry.PAGES[self.document.meta.page_size]
        sizes = photo_sizes(row, page, scale)
        beside = caption_beside(sizes, page)
        tallest = 0.0
        for view, width_mm, height_mm in sizes:
            photo = height_mm * geometry.MM
            if beside is not None:
                tallest = max(photo, self._caption_height(view, beside * geometry.MM))
            else:
                tallest = max(tallest, photo + CAPTION_GAP_MM * geometry.MM
                              + self._caption_height(view, width_mm * geometry.MM))
        return tallest + FIGURE_MARGIN_MM * geometry.MM

    def _caption_height(self, view: FigureView, width: float) -> float:
        """Both captions of a photo set `width` points wide."""
        caption = geometry.TYPOGRAPHY.caption
        zh = math.ceil(shaped_width(view.caption.source, "Noto Serif CJK SC",
                                    caption.size_pt, "zh-CN") * 1.02 / width)
        target = view.caption.target or self.document.pending_label
        chosen = break_lines(target, width, size=caption.size_pt, lang=self.lang, ragged=True)
        tr = len(chosen) if chosen else math.ceil(
            shaped_width(target, "Noto Serif", caption.size_pt) * 1.1 / width)
        return (zh + tr) * caption.size_pt * caption.leading

    def finish(self) -> list[Spread]:
        """Set the last spread, and after it the figures still waiting for a verso."""
        self.end_spread()
        while self.verso or self.waiting:
            if not self.verso:  # a figure taller than a page: set it anyway
                row, height = self.waiting.pop(0)
                self.verso.append(Block("figures", row, height_pt=height))
                self.y_v += height
            self.end_spread()
        return self.spreads


def photo_sizes(row: Row, page: geometry.PageGeometry, scale: float = 1.0
                ) -> list[tuple[FigureView, float, float]]:
    """(view, width, height) in mm of each photo of a figure row: as `output.outputs`
    places them (from the text width, the tallest a photo is printed and the photos'
    shapes), then made smaller, keeping their shapes, to be at most `PHOTO_MAX_MM`
    high, and `scale` times that."""
    from parabook.output.outputs import _aspect, _shared_height_widths

    shared = _shared_height_widths(row.figures, page)
    text_mm = page.text_width_mm
    sizes = []
    for view, shared_width in zip(row.figures, shared, strict=True):
        figure = view.photo.figure
        column = text_mm if figure.width == "full" else (text_mm - page.figure_gap_mm) / 2
        aspect = (_aspect(view.photo.source, figure.crop)
                  if view.photo.source is not None else None)
        if aspect is None:
            sizes.append((view, column, PHOTO_MAX_MM))
            continue
        width = round(min(column, page.max_photo_height_mm * aspect), 1)
        if shared_width is not None:
            width = shared_width
        sizes.append((view, width, width / aspect))
    scale *= min(1.0, PHOTO_MAX_MM / max(height for _, _, height in sizes))
    return [(view, width * scale, height * scale) for view, width, height in sizes]


def caption_beside(sizes: list[tuple[FigureView, float, float]],
                   page: geometry.PageGeometry) -> float | None:
    """The width in mm of the captions set beside a narrow photo (a portrait one: under
    it they would run to many short lines, and the photo and its captions would take
    most of the verso), or None to set them under it."""
    if len(sizes) != 1 or sizes[0][0].photo.source is None:
        return None
    room = page.text_width_mm - sizes[0][1] - BESIDE_GAP_MM
    return room if room >= BESIDE_MIN_MM else None


def _greedy(widths: list[float], space: float, room: float) -> int:
    lines, used = 1, 0.0
    for width in widths:
        if used and used + space + width > room:
            lines, used = lines + 1, width
        else:
            used += (space if used else 0.0) + width
    return lines


def _shares(lines: list[str]) -> list[float]:
    """The share of the text in the first n lines, for n = 0 .. len(lines)."""
    total = sum(len(line) for line in lines) or 1
    out, running = [0.0], 0
    for line in lines:
        running += len(line)
        out.append(running / total)
    return out


ZH_SENTENCE = re.compile(r".+?(?:[。！？]+[”’」』）]*|$)", re.S)
TR_SENTENCE_END = re.compile(r"(?<=[.!?])[”’\"')]*\s+(?=[“‘\"(]?[A-Z])")


def zh_sentences(text: str) -> list[str]:
    """`text` cut after each 。！？ (with the closing marks after it)."""
    return [found.group() for found in ZH_SENTENCE.finditer(text) if found.group()]


def tr_sentences(text: str) -> list[str]:
    """`text` cut after each . ! ? that ends a sentence (a space, then a capital)."""
    out, start = [], 0
    for found in TR_SENTENCE_END.finditer(text):
        end = found.start() + len(found.group().rstrip())
        out.append(text[start:end])
        start = found.end()
    out.append(text[start:])
    return [part for part in out if part]


def _plan_at(document: Document, width: float, page_pt: float, leading: float,
             size: float = ZH_SIZE) -> _Planner:
    planner = _Planner(document, width, page_pt, leading, size)
    _run(planner, 0)
    planner.finish()
    return planner


def _run(planner: _Planner, start: int, spreads: int | None = None,
         stop: int | None = None) -> None:
    """Set the rows from `start` on; when trying a choice, only until `spreads` spreads
    are set or up to row `stop` (a figure's place is chosen by trying, `_place_figure`,
    only outside a trial)."""
    document = planner.document
    rows = document.rows
    trial = spreads is not None or stop is not None
    for index in range(start, len(rows) if stop is None else stop):
        if spreads is not None and len(planner.spreads) >= spreads:
            return
        row = rows[index]
        planner.current = index
        if index in planner.pulled:
            continue
        if row.kind == "figures":
            if not trial:
                _place_figure(planner, index, row)
            else:
                planner.figure(index, row)
            continue
        if row.kind == "heading":
            planner.heading(index, row, 0)
            continue
        assert row.text is not None
        target = row.text.target or document.pending_label
        if row.heading is not None:
            planner.heading(index, row, MIN_LINES * max(planner.zh_line, planner.tr_line))
        planner.paragraph(index, row.text.source, target)


def _place_figure(planner: _Planner, index: int, row: Row) -> None:
    """The figure here; or, when that fills the next two spreads' emptiest pages better
    by `DEFER_GAIN`, at the top of the next verso while the text runs on; or, when it
    does not fit here, whichever fills them better of that and ending this spread for
    it (the figures left over at the end would have a spread of their own). When both
    leave a page more than 60% empty, the two are tried to the section's end instead
    (`_section_key`): two spreads do not see a section's figures piling up on one
    verso while its recto stays nearly empty."""
    since = len(planner.spreads)
    fits = planner.fit_scale(row) is not None
    choices = ("here", "defer") if fits else ("defer", "break")
    tried = []
    for choice in choices:
        trial = _trial(planner, index, row, choice)
        _run(trial, index + 1, since + 2)
        if len(trial.spreads) < since + 2:
            trial.finish()
        tried.append(trial.worst_fill(since))
    later = tried[1] > tried[0] + DEFER_GAIN
    if max(tried) < 1 - MOST_EMPTY:
        rows = planner.document.rows
        end = next((i for i in range(index + 1, len(rows))
                    if rows[i].kind == "heading" or rows[i].heading is not None), len(rows))
        keys = []
        for choice in choices:
            trial = _trial(planner, index, row, choice)
            _run(trial, index + 1, since + SECTION_SPREADS, stop=end)
            if len(trial.spreads) < since + SECTION_SPREADS:
                trial.finish()
            keys.append(_section_key(trial, since))
        later = (keys[1] < keys[0] if keys[1][:2] != keys[0][:2]
                 else keys[1][2] < keys[0][2] - DEFER_GAIN)
    if fits:
        planner.figure(index, row, defer=later)
    else:
        if later:
            planner.end_spread()
        planner.figure(index, row)


def _trial(planner: _Planner, index: int, row: Row, choice: str) -> _Planner:
    """A copy of the planner with the figure set `here`, deferred to the next verso
    (`defer`), or after ending this spread (`break`)."""
    trial = planner.clone()
    if choice == "break":
        trial.end_spread()
    trial.figure(index, row, defer=choice == "defer")
    return trial


def text_ratio(document: Document, width: float, size: float = ZH_SIZE,
               leading: float = LEADINGS[0]) -> float:
    """The translation's height over the Chinese's, the text alone, over the whole book
    (a photo fills its own verso, not the text-only ones)."""
    planner = _Planner(document, width, 1e9, leading, size)
    zh_pt = tr_pt = 0.0
    for source, target in pairs(document).values():
        zh_pt += len(planner.zh_lines(source, geometry.TYPOGRAPHY.zh_indent_em)) * planner.zh_line
        tr_pt += len(planner.tr_lines(target)) * planner.tr_line
    return tr_pt / zh_pt if zh_pt else 0.0


def _section_key(trial: _Planner, since: int) -> tuple[bool, int, float]:
    """How a trial set to its section's end did: whether a page of a spread before the
    section's last is more than 60% empty, its spreads, and the emptiest such page."""
    spreads = trial.spreads[since:]
    last = max((n for n, s in enumerate(spreads) if any(b.kind == "text" for b in s.verso)),
               default=0)
    fills = [min(s.verso_pt, s.recto_pt) / trial.page for s in spreads[:last]
             if not all(b.kind == "figures" for b in s.verso + s.recto)]
    worst = 1 - min(fills, default=1.0)
    return (worst > MOST_EMPTY, len(trial.spreads), worst)


def choose_leading(document: Document, width: float) -> float:
    """The smallest of `LEADINGS` at which the Chinese text is at least `VERSO_SHARE`
    of the translation's height, over the whole book."""
    ratio = text_ratio(document, width, ZH_SIZE, 1.0)
    for leading in LEADINGS:
        if leading >= VERSO_SHARE * ratio:
            return leading
    return LEADINGS[-1]


def emptiest(planner: _Planner) -> float:
    """The most empty page's share of the page, over the spreads that do not end a
    section (hold a section's last paragraph's end, or only figures)."""
    last: set[int] = set()
    paragraph: int | None = None
    for index, row in enumerate(planner.document.rows):
        if (row.kind == "heading" or row.heading is not None) and paragraph is not None:
            last.add(paragraph)
        if row.kind == "paragraph":
            paragraph = index
    if paragraph is not None:
        last.add(paragraph)
    empty = 0.0
    for spread in planner.spreads:
        blocks = spread.verso + spread.recto
        if all(b.kind == "figures" for b in blocks) or any(
                b.row in last and b.piece is not None and not b.piece.runs_on for b in blocks):
            continue
        empty = max(empty, 1 - min(spread.verso_pt, spread.recto_pt) / planner.page)
    return empty


def choose_type(document: Document, width: float, page_pt: float) -> _Planner:
    """The book planned at 11 pt, its leading by `choose_leading`; and, when the
    translation runs more than `LARGER_RATIO` times the Chinese's height, also at
    `LARGER_SIZE` with each of `LEADINGS`: the plan with the fewest spreads, then the
    fullest emptiest page, wins (the smaller type on a tie)."""
    planners = [_plan_at(document, width, page_pt, choose_leading(document, width))]
    if text_ratio(document, width) > LARGER_RATIO:
        planners += [_plan_at(document, width, page_pt, leading, LARGER_SIZE)
                     for leading in LEADINGS]
    return min(planners, key=lambda p: (len(p.spreads), round(emptiest(p), 3)))


def plan(document: Document, text_width_pt: float) -> FacingPlan:
    """The spreads of the document, planned with its lines (see the module's text)."""
    page = geometry.PAGES[document.meta.page_size]
    page_pt = (page.height_mm - page.margin_top_mm - page.margin_bottom_mm) * geometry.MM
    planner = choose_type(document, text_width_pt, page_pt)
    size, leading = planner.size, planner.leading
    spreads = tuple(planner.spreads)
    figures = {index: photo_sizes(row, page, planner.scales.get(index, 1.0))
               for index, row in enumerate(document.rows) if row.kind == "figures"}
    chars = math.floor(text_width_pt / size + 1e-6)
    notes = [f"facing pages: {len(spreads)} spread(s); Chinese {size:g} pt, {chars} "
             f"characters a line, leading {leading:g}; {planner.splits['sentences']} "
             f"paragraph(s) cut across spreads after sentences, {planner.splits['share']} "
             "by share of their lines"]
    return FacingPlan(notes=tuple(notes), kept=frozenset(), spreads=spreads,
                      width_pt=text_width_pt, target_width_pt=text_width_pt,
                      zh_size_pt=size, zh_leading=leading, page_pt=page_pt,
                      figure_widths={index: tuple(round(width, 1) for _, width, _ in sizes)
                                     for index, sizes in figures.items()},
                      captions_beside={index: round(beside, 1)
                                       for index, sizes in figures.items()
                                       if (beside := caption_beside(sizes, page)) is not None},
                      splits=dict(planner.splits))


def check_drift(plan: FacingPlan, document: weasy.Document) -> list[Diagnostic]:
    """A warning when WeasyPrint did not set the pages as planned: Chinese body text on a
    right-hand page, translation on a left-hand one, or the text spread over more pages
    than the plan has (a page ran over)."""
    found, _ = weasy.laid_lines(document)
    pages: dict[str, set[int]] = {"zh": set(), "tr": set()}
    for line in found:
        kinds = line.classes.split()
        if line.tag == "p" and not line.page_name and kinds and kinds[0] in pages:
            pages[kinds[0]].add(line.page)
    every = pages["zh"] | pages["tr"]
    wrong = sorted(p for p in pages["zh"] if p % 2) + sorted(p for p in pages["tr"]
                                                              if not p % 2)
    if not every or (not wrong and max(every) - min(every) < 2 * len(plan.spreads)):
        return []
    where = f"p.{wrong[0]}" if wrong else f"pages {min(every)}-{max(every)}"
    return [Diagnostic(None, None, "warning", "layout.facing-drift",
                       f"the facing pages were not set as planned ({where}: "
                       f"{2 * len(plan.spreads)} pages planned); a spread may not face",
                       fix="report it with the book: parabook/layouts/facing.py plans "
                           "the pages, SAFETY_PT there is the room it leaves")]
