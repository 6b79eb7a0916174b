"""Break a Chinese paragraph into lines for the whole paragraph at once, as a book
sets Chinese (clreq, *Line Adjustment*): every line but the last flush at both
edges, punctuation compressed before the characters are spaced.

Left to Pango, a line that cannot end before a closing mark (。，) or a digit run
("2000人") pushes its last character down and ends up to an em short; the
justifier may spread at most `justify.MAX_CJK_SPACING` between characters (more
and text extraction reads spaces between Han), so such a line stays short. Here
the breaks are chosen so that each line fits: a line-end `，。、；：？！` and a
line-start opening mark are set half width (the font's `halt`), a mid-line mark
may be compressed to half width when a line needs room, and the rest is at most
the spacing the justifier may give. A paragraph's last line holds at least two
Han characters (no 孤字). Between Han and Latin letters or digits goes ¼ em,
as CSS `text-autospace` does.

The lines go to WeasyPrint as `white-space: nowrap` spans joined by zero-width
spaces (break chances with no glyph), so copied text reads as written.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import cache
from typing import cast

import pyphen

from parabook.lang import script
from parabook.typeset.measure import remembered, shaped_width

FAMILY = "Noto Serif CJK SC"
MAX_SPACING_EM = 0.08  # well under justify.MAX_CJK_SPACING: Pango rounds, and even texture
TIGHTEN_EM = 0.05  # a line may be set this much tighter per gap, after its punctuation
AUTOSPACE_EM = 0.25
AUTOSPACE_STRETCH_EM = 0.25
"""The ¼ em between Han and Latin may grow by this much where a line's characters
cannot take its slack (clreq lets the space between Chinese and Western text adjust):
a long Latin word that must start the next line leaves less of a gap."""
SAFETY_PT = 0.02  # the columns are a whole number of characters and a hair
CLOSING = "，。、；：？！”’）》」』】〕〉"
OPENING = "“‘（《「『【〔〈"
COMPRESSIBLE_END = "，。、；：？！”’）》」』】〕〉"
"""Marks whose blank half may be dropped at the end of a line (or mid-line, in need)."""
LINE_START_HALF = "“‘（《「『【〔〈"
NOT_AT_START = CLOSING + "…—·・々〻ーぁぃぅぇぉっゃゅょゎ"
NOT_AT_END = OPENING


@dataclass(frozen=True)
class Atom:
    """Text that stays on one line: a character with the marks it holds to, a Latin
    word or a number, or part of a long Latin word between hyphenation points."""

    text: str
    width: float
    joins: bool = False
    """The next atom continues the same word: a line ending here takes a hyphen."""


HYPHEN = "\u2010"
HYPHEN_COST = 200


@dataclass(frozen=True)
class ZhLine:
    text: str
    halts: tuple[int, ...]
    """Offsets in `text` of marks set half width: adjacent marks, a line-end and a
    line-start mark, and mid-line marks compressed to make room."""
    autospace: tuple[int, ...]
    """Offsets in `text` of characters followed by ¼ em (Han before Latin or a digit)."""
    tracking: float = 0.0
    """Letter-spacing in points (negative: a line set tighter to fit)."""
    autospace_extra: float = 0.0
    """Points added to each ¼ em of `autospace` in a line that needs the room."""


def adjacent_halts(text: str) -> set[int]:
    """Marks that lose their blank half beside another (。” ”， ）。 ““): as `render.html.zh`."""
    out = set()
    for index, char in enumerate(text):
        after = text[index + 1] if index + 1 < len(text) else ""
        before = text[index - 1] if index else ""
        if (char in CLOSING and after and after in CLOSING + OPENING) or (
                char in OPENING and before and before in OPENING):
            out.add(index)
    return out


def _kind(char: str) -> str:
    if script.HAN.match(char):
        return "han"
    if char.isalnum():
        return "latin"
    return "other"


def autospace_after(text: str) -> list[int]:
    """Offsets of characters that take ¼ em after them: Han followed by a Latin letter
    or digit, or the reverse."""
    out = []
    for index in range(len(text) - 1):
        pair = {_kind(text[index]), _kind(text[index + 1])}
        if pair == {"han", "latin"}:
            out.append(index)
    return out


def _atoms(text: str, size: float) -> list[Atom]:
    """Split `text` where a line may break (between CJK characters, and between CJK
    and other text), keeping opening marks with what follows and closing marks,
    "——" and "……" with what precedes."""
    chunks: list[str] = []
    for match in re.finditer(r"[A-Za-z0-9\u00c0-\u024f.,%+\-/:'’&]+(?<![.,:’])|——|……|\s+|.",
                             text):
        piece = match.group()
        glue_back = chunks and (piece[0] in NOT_AT_START or piece.isspace()
                                or chunks[-1][-1] in NOT_AT_END
                                or chunks[-1].isspace())
        if glue_back:
            chunks[-1] += piece
        else:
            chunks.append(piece)
    atoms = []
    # Every ideograph of the face has the same advance: measured once, not per character.
    ideograph = shaped_width("中", FAMILY, size, "zh")
    for chunk in chunks:
        if len(chunk) == 1 and script.HAN.match(chunk):
            atoms.append(Atom(chunk, ideograph))
            continue
        word = re.fullmatch(r"([A-Za-z]{6,})(.*)", chunk, re.S)
        cuts = _hyphenator().positions(word[1]) if word else []
        if not word or not cuts:
            atoms.append(Atom(chunk, shaped_width(chunk, FAMILY, size, "zh")))
            continue
        # A long Latin word in Chinese may be hyphenated (en_US patterns): it would
        # otherwise leave the line before it an em or more short.
        bounds = [0, *cuts, len(chunk)]
        for number, (start, end) in enumerate(zip(bounds, bounds[1:], strict=False)):
            part = chunk[start:end]
            atoms.append(Atom(part, shaped_width(part, FAMILY, size, "zh"),
                              joins=number < len(bounds) - 2))
    return atoms


@cache
def _hyphenator() -> pyphen.Pyphen:
    return pyphen.Pyphen(lang="en_US", left=3, right=3)


def break_zh(text: str, width: float, size: float, indent_em: float = 0.0
             ) -> list[ZhLine] | None:
    """The lines of Chinese `text` set in `width` points at `size`, the first indented
    `indent_em`; None to leave it to WeasyPrint (no Han, or a line break or tab)."""
    chosen = cast(list[list] | None, remembered(
        "zh-lines", f"{size}\t{width!r}\t{indent_em}\t{text}",
        lambda: _as_json(_break(text, width, size, indent_em))))
    return None if chosen is None else [
        ZhLine(t, tuple(h), tuple(a), k, x) for t, h, a, k, x in chosen]


def _as_json(lines: list[ZhLine] | None) -> list[list] | None:
    return None if lines is None else [
        [ln.text, list(ln.halts), list(ln.autospace), ln.tracking, ln.autospace_extra]
        for ln in lines]


def _natural(atoms: list[Atom], size: float) -> tuple[float, int, list[int], int]:
    """A line's width without the ends compressed, its justification gaps, the offsets
    of its mid-line compressible marks, and its Han characters."""
    text = "".join(a.text for a in atoms)
    pairs = adjacent_halts(text)
    width = (sum(a.width for a in atoms) + len(autospace_after(text)) * AUTOSPACE_EM * size
             - len(pairs) * size / 2)
    cjk = sum(script.is_cjk(c, "zh") for c in text)
    marks = [i for i, c in enumerate(text[:-1]) if c in "，、；：" and i not in pairs]
    han = len(script.HAN.findall(text))
    return width, max(cjk - 1, 0), marks, han


def _line_measures(atoms: list[Atom], size: float):
    """`_natural` for atoms[start:end] in constant time, from prefix sums over the
    paragraph (the line breaker asks for tens of thousands of candidate lines):
    (width, gaps, compressible marks, Han characters, whether it is blank)."""
    text = "".join(a.text for a in atoms)
    offsets = [0]
    for atom in atoms:
        offsets.append(offsets[-1] + len(atom.text))
    widths = [0.0]
    for atom in atoms:
        widths.append(widths[-1] + atom.width)

    def prefix(flags: list[bool]) -> list[int]:
        out = [0]
        for flag in flags:
            out.append(out[-1] + flag)
        return out

    n = len(text)
    nxt = [text[i + 1] if i + 1 < n else "" for i in range(n)]
    prv = [text[i - 1] if i else "" for i in range(n)]
    auto = prefix([{_kind(text[i]), _kind(nxt[i])} == {"han", "latin"} if nxt[i] else False
                   for i in range(n)])
    closing = [text[i] in CLOSING and bool(nxt[i]) and nxt[i] in CLOSING + OPENING
               for i in range(n)]
    close_pairs = prefix(closing)
    open_pairs = prefix([text[i] in OPENING and bool(prv[i]) and prv[i] in OPENING
                         for i in range(n)])
    marks = prefix([text[i] in "，、；：" and not closing[i] for i in range(n)])
    cjk = prefix([script.is_cjk(c, "zh") for c in text])
    han = prefix([script.HAN.match(c) is not None for c in text])
    solid = prefix([not c.isspace() for c in text])

    def measure(start: int, end: int) -> tuple[float, int, int, int, bool, int]:
        a, b = offsets[start], offsets[end]
        inner = max(b - 1, a)  # pairs and marks need the next character in the line
        pairs = (close_pairs[inner] - close_pairs[a]) + (open_pairs[b] - open_pairs[min(a + 1, b)])
        width = (widths[end] - widths[start] + (auto[inner] - auto[a]) * AUTOSPACE_EM * size
                 - pairs * size / 2)
        return (width, max(cjk[b] - cjk[a] - 1, 0), marks[inner] - marks[a], han[b] - han[a],
                solid[b] == solid[a], auto[inner] - auto[a])
    return measure


def _break(text: str, width: float, size: float, indent_em: float) -> list[ZhLine] | None:
    if not script.has_han(text) or re.search(r"[\n\t]", text):
        return None
    atoms = _atoms(text, size)
    count = len(atoms)
    half = size / 2
    natural_of = _line_measures(atoms, size)
    best = [math.inf] * (count + 1)
    back = [0] * (count + 1)
    chosen: list[tuple[bool, bool, int, float, float]] = [(False, False, 0, 0.0, 0.0)] * (
        count + 1)
    best[0] = 0.0
    for end in range(1, count + 1):
        last = end == count
        for start in range(end - 1, -1, -1):
            room = width - (indent_em * size if start == 0 else 0) - SAFETY_PT
            natural, gaps, marks, han, blank, autos = natural_of(start, end)
            if blank:
                continue
            hyphenated = not last and atoms[end - 1].joins
            if hyphenated:
                natural += shaped_width(HYPHEN, FAMILY, size, "zh")
            if natural - half * (2 + marks) - gaps * TIGHTEN_EM * size > room:
                break  # longer lines fit no better
            if best[start] == math.inf:
                continue
            raw = "".join(a.text for a in atoms[start:end])
            half_start = raw[0] in LINE_START_HALF  # the first line too: no 2.5 em indent
            half_end = (not last and raw[-1] in COMPRESSIBLE_END
                        and len(raw) - 1 not in adjacent_halts(raw))
            fitted = natural - half * (half_start + half_end)
            squeeze = 0
            while fitted > room and squeeze < marks:
                squeeze += 1
                fitted -= half
            tracking = extra = 0.0
            if fitted > room:  # set tighter: less good than spaced, better than short
                if not gaps or fitted - room > gaps * TIGHTEN_EM * size:
                    continue
                tracking = -(fitted - room) / gaps - 0.01
                fitted = room
            slack = room - fitted
            if last:
                cost = 0.0 if han >= 2 or start == 0 else 1e9  # no 孤字
                cost += 1e3 if tracking else 0
            elif tracking:
                cost = 100 + (tracking / (TIGHTEN_EM * size)) ** 2 * 1e3
            else:
                stretch = gaps * MAX_SPACING_EM * size
                if slack > stretch and autos:  # the Han-Latin spaces take the rest
                    extra = min((slack - stretch * 0.9) / autos, AUTOSPACE_STRETCH_EM * size)
                    slack -= extra * autos
                cost = (slack / max(stretch, 1e-6)) ** 2 * 10 + squeeze * 5 + extra * 20
                if slack > stretch:
                    cost += 1e6 + (slack - stretch) * 1e4  # would end short
            cost += HYPHEN_COST if hyphenated else 0
            if best[start] + cost < best[end]:
                best[end], back[end] = best[start] + cost, start
                chosen[end] = (half_start, half_end, squeeze, tracking, extra)
    if best[count] == math.inf:
        return None
    spans = []
    end = count
    while end:
        spans.append((back[end], end))
        end = back[end]
    out = []
    for start, end in reversed(spans):
        line = "".join(a.text for a in atoms[start:end])
        if end < count and atoms[end - 1].joins:
            line += HYPHEN
        half_start, half_end, squeeze, tracking, extra = chosen[end]
        _, _, marks, _ = _natural(atoms[start:end], size)
        halts = adjacent_halts(line) | set(marks[:squeeze])
        halts |= {0} if half_start else set()
        halts |= {len(line) - 1} if half_end else set()
        out.append(ZhLine(line, tuple(sorted(halts)), tuple(autospace_after(line)),
                          round(tracking, 3), round(extra, 3)))
    return out
