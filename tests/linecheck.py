"""The lines of a built booklet as a reader sees them, read from the PDF with PyMuPDF
(independently of parabook's own preflight, which reads the layout): lone words,
Chinese lines that end short, 孤字, letter-spacing.

Run as a script for the figures of issue 14: `python -m tests.linecheck PDF`.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from .pdfgeom import Line, glyphs, in_text_area, is_cjk, lines

HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003ffff]")


@dataclass
class Report:
    english_lines: int = 0
    lone_words: list[str] = field(default_factory=list)
    chinese_lines: int = 0
    """Non-final Chinese body lines."""
    chinese_short: list[str] = field(default_factory=list)
    """Non-final Chinese body lines ending more than 0.5 pt before the column's edge."""
    gu_zi: list[str] = field(default_factory=list)
    """Paragraph-final Chinese lines with fewer than 2 Han characters."""


def _paragraphs(column: list[Line], leading: float) -> list[list[Line]]:
    """Lines of one column in reading order, split where the baseline gap is wider than
    the leading (a paragraph gap) or the page changes."""
    out: list[list[Line]] = []
    for line in column:
        if out and out[-1][-1].page == line.page and line.y - out[-1][-1].y < leading * 1.25:
            out[-1].append(line)
        else:
            out.append([line])
    return out


def _body(pdf: Path, cjk: bool) -> tuple[list[Line], float]:
    found, sizes = glyphs(pdf)
    selected = [g for g in found if in_text_area(g, sizes) and is_cjk(g) == cjk
                and not g.bold]
    if not selected:
        return [], 0.0
    # The body size is the commonest; captions and headings are left out.
    counts: dict[float, int] = {}
    for glyph in selected:
        counts[glyph.size] = counts.get(glyph.size, 0) + 1
    body = max(counts, key=lambda s: counts[s])
    found_lines = lines([g for g in selected if g.size == body], gap=body * 0.9)
    return [line for line in found_lines if line.text.strip()], body


def _columns(found: list[Line]) -> list[list[Line]]:
    """Lines grouped by the page side and column they start in, in reading order."""
    by_start: dict[tuple[int, int], list[Line]] = {}
    for line in found:
        by_start.setdefault((line.page % 2, round(line.x0 / 20)), []).append(line)
    return [sorted(group, key=lambda ln: (ln.page, ln.y)) for group in by_start.values()]


def measure(pdf: Path) -> Report:
    report = Report()
    english, size = _body(pdf, cjk=False)
    for column in _columns(english):
        for paragraph in _paragraphs(column, size * 1.6):
            for line in paragraph[:-1]:
                report.english_lines += 1
                words = line.text.split()
                if len(words) == 1:
                    report.lone_words.append(f"p.{line.page}: {line.text.strip()}")
    chinese, size = _body(pdf, cjk=True)
    columns = _columns(chinese)
    for column in columns:
        # The column's edge: where most lines ending in a Han character end.
        ends = [round(line.x1, 1) for line in column if HAN.match(line.text.strip()[-1])]
        right = max(set(ends), key=ends.count) if ends else max(ln.x1 for ln in column)
        for paragraph in _paragraphs(column, size * 1.9):
            for line in paragraph[:-1]:
                report.chinese_lines += 1
                if not _flush(line, right, size):
                    report.chinese_short.append(
                        f"p.{line.page}: {line.text.strip()} ({right - line.x1:.1f} pt short)")
            last = paragraph[-1]
            if len(paragraph) > 1 and len(HAN.findall(last.text)) < 2:
                report.gu_zi.append(f"p.{last.page}: {last.text.strip()}")
    return report


def _flush(line: Line, edge: float, size: float) -> bool:
    """Whether the line's em boxes meet `edge` within 0.5 pt: a last mark set full width,
    or half width (its blank half dropped, as clreq compresses a line-end mark)."""
    last = [g for g in line.glyphs if not g.char.isspace() and g.char != "\u200b"][-1]
    ends = [last.x1]
    if last.char in CLOSING:
        ends.append(last.x0 + size / 2)
    return any(abs(edge - end) <= 0.5 for end in ends)


CLOSING = "，。、；：？！”’）》」』】〕〉"


if __name__ == "__main__":
    result = measure(Path(sys.argv[1]))
    print(f"English non-final lines: {result.english_lines}, lone words: "
          f"{len(result.lone_words)}")
    for item in result.lone_words:
        print("  lone:", item)
    flush = result.chinese_lines - len(result.chinese_short)
    print(f"Chinese non-final lines: {result.chinese_lines}, flush within 0.5 pt: {flush} "
          f"({100 * flush / max(1, result.chinese_lines):.1f}%)")
    for item in result.chinese_short:
        print("  short:", item)
    print(f"孤字: {len(result.gu_zi)}")
    for item in result.gu_zi:
        print("  孤字:", item)
