"""Figures placed like LaTeX's `[tp]` floats, decided from a first layout (issue 15, D2).

A figure row is kept whole (`break-inside: avoid`): when it does not fit at the foot
of a page it moves to the next, and leaves the page up to 60% empty. After the first
layout, the pages are set again on paper (`_Pager`), from the rows' measured heights
and line positions (`weasy.body_rows`), and where a figure would leave a page more
than `SHORT` empty:

1. it is scaled down to the room when it loses little (at most `MILD` of its height);
2. else the paragraph rows after it (of its section, up to the next figure) move above
   it, filling the page, and it goes to the top of the next page (scaled, a little, if
   it must fit below the rest of a broken row);
3. else it is scaled down to the room, to no less than `MIN_PHOTO_MM`;
4. else it and the figures above it on the page are scaled by one factor to share it.

A move that leaves some figure more than one page after the block before it in the
manuscript is undone, and the pages set again. Setting pages on paper takes
milliseconds; the booklet is then laid out once more (`pipeline._floated`), only when
something changed, and the decision is kept in the text cache, so an unchanged book
is laid out once. A page can still end short where nothing can fill it (photos that
outnumber the text); the preflight reports it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
from dataclasses import dataclass, field
from pathlib import Path

from parabook.model import BookMeta, Document, LayoutPlan, Row
from parabook.typeset.geometry import MM
from parabook.typeset.preflight import SHORT_PAGE
from parabook.typeset.weasy import BodyPage

SHORT = SHORT_PAGE
"""A page (but a section's or the book's last) may end at most this share empty."""
MIN_PHOTO_MM = 45.0
"""No photo is scaled below this height to fill a page."""
MILD = 0.8
"""A photo keeping at least this share of its height is scaled rather than moved."""
SAFETY_PT = 4.0
"""Room left below a scaled figure, against rounding and a caption's line more."""
MIN_LINES = 2
"""Orphans and widows, as styles/layouts/*.css set them."""
_EPS = 0.0
_SPLIT_SLACK = 1.0
"""WeasyPrint breaks a cell a line earlier when its last line ends within a hair of the
page's foot."""


@dataclass
class _Item:
    """One row of the document as the first layout set it."""

    row: int
    kind: str
    """`pair`, `figures` or `heading` (a heading row of its own, glued to the next)."""
    head: float = 0.0
    """A heading's own table row above the paragraph (parallel), pt."""
    columns: list[list[tuple[float, float]]] = field(default_factory=list)
    """Each column's lines as (gap above, height), pt."""
    trailing: float = 0.0
    """Below the last line (the paragraph gap), pt."""
    whole: float = 0.0
    """The row's height, pt (figures and headings: as laid out)."""
    photo: float = 0.0
    caption: float = 0.0
    kept: bool = False
    section_start: bool = False
    margin: float = 0.0
    """The row's own bottom margin, which a page's foot drops (stacked sections)."""

    @property
    def height(self) -> float:
        if self.kind == "pair" and self.columns:
            return self.head + max(sum(g + h for g, h in col) for col in self.columns) \
                + self.trailing
        return self.whole


Decision = dict[str, list]
"""What `decide` found, as JSON for the text cache: `order` (the rows' old indexes in
their new order), `caps` ([row, photo height in pt] pairs), `unkept` (short rows that
may now break)."""


def decide(pages: list[BodyPage], document: Document, plan: LayoutPlan) -> Decision | None:
    """Where the figures of `document` go, from its first layout's `pages`, so that no
    page ends more than `SHORT` empty before a figure; None when the layout needs
    nothing."""
    items = _items(pages, document, plan)
    if items is None or not pages:
        return None
    order, caps = _Pager(pages[0].height).decide(items)
    if [item.row for item in order] == list(range(len(order))) and not caps:
        return None
    return {"order": [item.row for item in order],
            "caps": [[row, round(cap, 2)] for row, cap in sorted(caps.items())],
            "unkept": sorted(item.row for item in order
                             if item.row in plan.kept and item.kind == "pair"
                             and not item.kept)}


def apply(decision: Decision, document: Document, plan: LayoutPlan
          ) -> tuple[Document, LayoutPlan]:
    """`document` and `plan` as `decision` (from `decide`) places the figures."""
    caps = {int(row): float(cap) for row, cap in decision["caps"]}
    order = [int(row) for row in decision["order"]]
    if sorted(order) != list(range(len(document.rows))):
        return document, plan  # made for other rows: a stale entry
    rows = [_capped(document.rows[row], caps.get(row)) for row in order]
    new_index = {row: index for index, row in enumerate(order)}
    unkept = set(decision["unkept"])
    kept = frozenset(new_index[row] for row in plan.kept if row not in unkept)
    return (dataclasses.replace(document, rows=tuple(rows)),
            dataclasses.replace(plan, kept=kept))


def compose(first: Decision, then: Decision) -> Decision:
    """The decision that does `first`, then `then` (decided on `first`'s layout)."""
    order = [first["order"][index] for index in then["order"]]
    caps = {int(row): float(cap) for row, cap in first["caps"]}
    caps.update({first["order"][int(row)]: float(cap) for row, cap in then["caps"]})
    unkept = set(first["unkept"]) | {first["order"][int(row)] for row in then["unkept"]}
    return {"order": order, "caps": [[row, cap] for row, cap in sorted(caps.items())],
            "unkept": sorted(unkept)}


def book_key(folder: Path, meta: BookMeta, lang: str) -> str:
    """Under which a book's last decision is kept, in this process too: a decision
    belongs to its book's folder (watch and the review app serve one project, the tests
    many with one slug) and its layout (a parallel one would misplace another's rows)."""
    return f"{folder.resolve()}\t{meta.slug}\t{lang}\t{meta.layout}"


def signature(document: Document) -> str:
    """The rows' kinds in order: a decision fits a document of the same signature."""
    return "".join(row.kind[0] for row in document.rows)


def strays(pages: list[BodyPage], decision: Decision) -> bool:
    """Whether a figure on `pages` (laid out as `decision` says) stands more than one page
    after the block before it in the manuscript."""
    order = [int(row) for row in decision["order"]]
    first: dict[int, int] = {}
    last: dict[int, int] = {}
    kinds: dict[int, str] = {}
    for page in pages:
        for piece in page.pieces:
            if not 0 <= piece.row < len(order):
                return True
            row = order[piece.row]  # the manuscript's
            first.setdefault(row, page.index)
            last[row] = page.index
            kinds[row] = piece.kind
    return any(kind == "figures" and row - 1 in last and first[row] - last[row - 1] > 1
               for row, kind in kinds.items())


def layout_key(html: str, stylesheets: list[Path]) -> str:
    """What a decision depends on: the HTML (photos by content and size, the page, the
    text), the stylesheets and this module; fonts and WeasyPrint are the text cache's
    fingerprint."""
    digest = hashlib.sha256(html.encode())
    for path in [*stylesheets, Path(__file__)]:
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _capped(row: Row, cap_pt: float | None) -> Row:
    if cap_pt is None:
        return row
    height = math.floor(cap_pt / MM * 10) / 10
    return dataclasses.replace(row, figures=tuple(
        dataclasses.replace(view, photo=dataclasses.replace(
            view.photo, max_height_mm=min(height, view.photo.max_height_mm or height)))
        for view in row.figures))


def _items(pages: list[BodyPage], document: Document, plan: LayoutPlan) -> list[_Item] | None:
    """Each row of `document` as measured on `pages`; None when the layout does not
    show every row exactly once in order (a layout without `data-row`, say)."""
    items: dict[int, _Item] = {}
    for page in pages:
        for piece in page.pieces:
            if not 0 <= piece.row < len(document.rows):
                return None
            row = document.rows[piece.row]
            item = items.setdefault(piece.row, _Item(
                piece.row, "figures" if row.kind == "figures" else
                "heading" if row.kind == "heading" else "pair",
                kept=piece.row in plan.kept or row.kind != "paragraph",
                section_start=row.heading is not None or row.kind == "heading"))
            item.margin = piece.margin_bottom
            if piece.kind == "heading" and item.kind == "pair":
                item.head += piece.height
                continue
            if item.kind != "pair":
                item.whole += piece.height
                item.photo, item.caption = max(item.photo, piece.photo), max(item.caption,
                                                                             piece.caption)
                last = max((lines[-1][1] for lines in piece.columns if lines), default=0.0)
                item.trailing = max(piece.height - last, 0.0) if last else 0.0
                continue
            first = not item.columns
            if first:
                item.columns = [[] for _ in piece.columns]
            if len(piece.columns) != len(item.columns):
                return None
            for column, lines in zip(item.columns, piece.columns, strict=True):
                bottom: float | None = None
                for top, end in lines:
                    # A continued cell starts at its page's top: no padding above.
                    gap = (top if first else 0.0) if bottom is None else top - bottom
                    column.append((max(gap, 0.0), end - top))
                    bottom = end
            last = max((lines[-1][1] for lines in piece.columns if lines), default=0.0)
            item.trailing = max(piece.height - last, 0.0)
    if sorted(items) != list(range(len(document.rows))):
        return None
    return [items[index] for index in range(len(document.rows))]


class _Pager:
    """Pages set on paper from measured rows, deciding where figures go."""

    def __init__(self, page_height: float) -> None:
        self.page = page_height
        self.min_photo = MIN_PHOTO_MM * MM
        self.y, self.number = 0.0, 0
        """Where the next row starts: its top on the page, and the page (from 0)."""
        self.trailing = 0.0
        """The space below the last line of the row set last on this page."""
        self.starts: list[tuple[int, int, float]] = []
        """(row, page, top) of each row as set: for tests and tracing."""
        self.ends: dict[int, int] = {}
        """The page each row set so far ends on."""
        self.floats: list[tuple[int, set[int]]] = []
        """Each move: the figure row it was made for, and the rows it moved."""

    def decide(self, items: list[_Item]) -> tuple[list[_Item], dict[int, float]]:
        """The rows in their new order, and {row: its photos' height cap, pt}.

        A move that leaves some figure more than a page after the row before it in
        the manuscript (the moved rows' own figures, pushed below the moved ones) is
        undone, and the pages set again."""
        forbidden: set[int] = set()
        while True:
            order, caps = self._decide(items, forbidden)
            culprit = self._too_far(items)
            if culprit is None or culprit in forbidden:
                return order, caps
            forbidden.add(culprit)

    def _too_far(self, items: list[_Item]) -> int | None:
        """The figure whose move put a figure more than a page after the row before it
        in `items` (the manuscript's order), or None."""
        starts = {row: page for row, page, _ in reversed(self.starts)}
        for previous, item in zip(items, items[1:], strict=False):
            if item.kind != "figures" or starts[item.row] - self.ends[previous.row] <= 1:
                continue
            for figure, moved in reversed(self.floats):  # the latest move first
                if item.row in moved or previous.row in moved:
                    return figure
        return None

    def _decide(self, items: list[_Item], forbidden: set[int]
                ) -> tuple[list[_Item], dict[int, float]]:
        queue = list(items)
        caps: dict[int, float] = {}
        floated: set[int] = set(forbidden)
        self.floats = []
        self.y, self.number, self.starts, self.ends = 0.0, 0, [], {}
        self.trailing = 0.0
        index = 0
        while index < len(queue):
            item = queue[index]
            height = self._height(item, caps)
            if item.kind == "heading":  # travels with what follows (break-after: avoid)
                after = queue[index + 1] if index + 1 < len(queue) else None
                need = height + (self._first_part(after, caps) if after else 0.0)
                if self.y > 0 and self.y + need > self.page + _EPS:
                    self._turn(0.0)
                self._set(item, height)
                index += 1
                continue
            if self.y + height - item.margin <= self.page + _EPS:
                self._set(item, height)
                index += 1
                continue
            room = self.page - self.y
            # How short the page would end: to its last line, as the preflight measures.
            empty = room + self.trailing
            if item.kind == "figures" and self.y > 0 and empty > SHORT * self.page:
                cap = self._photo_for(item, room)
                if cap is not None and cap >= max(self.min_photo, MILD * item.photo):
                    caps[item.row] = cap
                    self._set(item, 0.0)
                    self._turn(0.0)
                    index += 1
                    continue
                moved, lead_cap = ([], None) if item.row in floated else self._fill(
                    queue, index, self.y)
                if moved:
                    if lead_cap is not None:
                        caps[item.row] = lead_cap
                    floated.add(item.row)
                    run = self._run(queue, index)
                    self.floats.append((item.row, {it.row for it in [*moved, *run]}))
                    rest = [it for it in queue[index + len(run):] if it not in moved]
                    queue[index:] = [*moved, *run, *rest]
                    continue  # the moved rows are set from here, then the figures
                if cap is not None and cap >= self.min_photo:
                    caps[item.row] = cap
                    self._set(item, 0.0)
                    self._turn(0.0)
                    index += 1
                    continue
                shared = self._shared(queue, item, room, caps)
                if shared:
                    caps.update(shared)
                    self._set(item, 0.0)
                    self._turn(0.0)
                    index += 1
                    continue
            if item.kind != "figures" and empty > SHORT * self.page:
                freed = self._make_room(queue, item, room, caps)
                if freed:
                    self.y -= freed
                    continue  # set it again, in the room the figure above gave up
            self._break(item, room, caps)
            index += 1
        return queue, caps

    def _make_room(self, queue: list[_Item], item: _Item, room: float,
                   caps: dict[int, float]) -> float:
        """When the row after a figure on this page cannot start in `room` (a pair kept
        whole), the figure's photo scaled mildly (to `MILD` at least) so that it can:
        the space freed, pt, or 0."""
        if not self.starts or self.starts[-1][1] != self.number:
            return 0.0
        last = next(it for it in queue if it.row == self.starts[-1][0])
        need = self._first_part(item, caps) - room + SAFETY_PT
        if last.kind != "figures" or last.photo <= 0 or need <= 0:
            return 0.0
        before = self._height(last, caps)
        cap = caps.get(last.row, last.photo) - need
        for _ in range(8):  # a narrower photo's caption may take a line more
            if cap < max(self.min_photo, MILD * last.photo):
                return 0.0
            freed = before - self._height(last, {**caps, last.row: cap})
            if freed >= need:
                caps[last.row] = cap
                return freed
            cap -= need - freed + 0.5  # converges from below: step past it
        return 0.0

    def _shared(self, queue: list[_Item], item: _Item, room: float,
                caps: dict[int, float]) -> dict[int, float]:
        """Caps that scale `item` and the figures already on this page by one factor so
        that all of them fit on it ({} when that takes a photo below the minimum)."""
        rows = {row for row, number, _ in self.starts if number == self.number}
        group = [it for it in queue if it.row in rows and it.kind == "figures"
                 and it.photo > 0]
        if not group or item.photo <= 0:
            return {}
        group.append(item)
        space = room + sum(self._height(it, caps) for it in group[:-1]) - SAFETY_PT
        photos = {it.row: caps.get(it.row, it.photo) for it in group}

        def height(scale: float) -> float:
            return sum(it.whole - it.photo - it.caption + photos[it.row] * scale
                       + it.caption * max(1.0, it.photo / (photos[it.row] * scale))
                       for it in group)

        low, high = 0.0, 1.0
        for _ in range(30):  # the largest scale that fits
            mid = (low + high) / 2
            low, high = (mid, high) if height(mid) <= space else (low, mid)
        if low <= 0 or any(photos[row] * low < self.min_photo for row in photos):
            return {}
        return {row: photo * low for row, photo in photos.items()}

    def _set(self, item: _Item, height: float) -> None:
        self.starts.append((item.row, self.number, self.y))
        self.ends[item.row] = self.number
        self.y += height
        self.trailing = item.trailing if height else 0.0

    def _turn(self, y: float) -> None:
        self.number += 1
        self.y = y
        self.trailing = 0.0

    def _height(self, item: _Item, caps: dict[int, float]) -> float:
        cap = caps.get(item.row)
        if cap is None or item.kind != "figures":
            return item.height
        return item.whole - item.photo - item.caption + cap + self._caption(item, cap)

    @staticmethod
    def _caption(item: _Item, cap: float) -> float:
        """A caption as wide as its photo: narrower photo, more lines (at most in
        proportion)."""
        return item.caption * max(1.0, item.photo / cap) if cap > 0 else item.caption

    def _photo_for(self, item: _Item, room: float) -> float | None:
        """The photo height that makes the figure row fit `room`, or None."""
        other = item.whole - item.photo - item.caption
        a = room - SAFETY_PT - other
        disc = a * a - 4 * item.caption * item.photo
        if item.photo <= 0 or disc < 0:
            return None
        cap = min((a + math.sqrt(disc)) / 2, item.photo)
        return cap if cap > 0 else None

    def _run(self, queue: list[_Item], index: int) -> list[_Item]:
        """The figure rows that stand together from `index` on."""
        end = index
        while end < len(queue) and queue[end].kind == "figures":
            end += 1
        return queue[index:end]

    def _fill(self, queue: list[_Item], index: int, y: float
              ) -> tuple[list[_Item], float | None]:
        """The paragraph rows after the figures at `index` that fill the rest of the page
        (of the same section, before the next figure); [] when they cannot, or would
        push the figure more than one page away; and a cap for the figure's photo when
        it fits on the next page, below the rest of a broken row, only scaled down."""
        run = self._run(queue, index)
        # Each figure stays within a page of the row before it in the manuscript: the
        # figures land on the next page.
        if any(self.ends.get(figure.row - 1, self.number) < self.number for figure in run):
            return [], None
        moved: list[_Item] = []
        for item in queue[index + len(run):]:
            if item.kind != "pair" or item.section_start:
                break
            height = item.height
            if y + height - item.margin <= self.page + _EPS:
                moved.append(item)
                y += height
                continue
            # A short pair kept whole may break to fill the page (two lines each side).
            rest = self._split(item, self.page - y)
            if rest is None:
                break
            if rest + run[0].height <= self.page:
                item.kept = False
                return [*moved, item], None
            # The figure fits on the next page, below the rest, only scaled down.
            cap = self._photo_for(run[0], self.page - rest)
            if cap is not None and cap >= max(self.min_photo, MILD * run[0].photo):
                item.kept = False
                return [*moved, item], cap
            break
        return (moved if moved and self.page - y <= SHORT * self.page else []), None

    def _first_part(self, item: _Item, caps: dict[int, float]) -> float:
        """The least of `item` that starts a page: all of it when it is kept whole."""
        if item.kind != "pair" or item.kept:
            return self._height(item, caps)
        return item.head + max((sum(g + h for g, h in col[:MIN_LINES]) for col in item.columns),
                               default=0.0)

    def _break(self, item: _Item, room: float, caps: dict[int, float]) -> None:
        """Set `item`, which does not fit in `room`: broken across pages, or on the next."""
        height = self._height(item, caps)
        rest = self._split(item, room) if item.kind == "pair" and not item.kept else None
        if rest is not None:  # this page is full; the rest starts the next
            self._set(item, 0.0)
            self.number += 1
            self.ends[item.row] = self.number
            height = rest
        else:
            if self.y > 0:
                self._turn(0.0)
            self._set(item, 0.0)
        while height > self.page:  # taller than a page
            height -= self.page
            self.number += 1
        self.y, self.trailing = height, item.trailing

    def _split(self, item: _Item, room: float) -> float | None:
        """The height left for the next page when `item` is broken to fill `room`; None
        when no column can leave two lines on this page and take two to the next."""
        avail = room - item.head - _SPLIT_SLACK
        rests = []
        fits_any = False
        for column in item.columns:
            used, count = 0.0, 0
            for number, (gap, height) in enumerate(column):
                # A column's last line stays only with the paragraph's gap below it.
                below = item.trailing if number == len(column) - 1 else 0.0
                if used + gap + height + below > avail + _EPS:
                    break
                used, count = used + gap + height, count + 1
            if count < len(column):
                if len(column) - count < MIN_LINES:
                    count = len(column) - MIN_LINES
                if count < MIN_LINES:
                    count = 0
            fits_any = fits_any or count > 0
            left = column[count:]
            rests.append(sum(h for _, h in left[:1]) + sum(g + h for g, h in left[1:]))
        if not fits_any:
            return None
        return max(rests, default=0.0) + item.trailing
