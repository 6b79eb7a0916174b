"""The layout report every build prints: what a book designer would mark on the proofs.

Read from the laid-out document (`weasy.laid_lines`), before any PDF is written:

- a lone word on a line of a translation paragraph that is not its last;
- 孤字: a Chinese paragraph whose last line holds fewer than two Han characters;
- a Chinese body line (not a paragraph's last) ending more than 0.5 pt short;
- a Chinese heading broken inside a part rather than at its separator;
- a running head on more than one line;
- characters no font has (`fonts.missing_glyphs`, given in);
- body pages ending more than 15% short, but a section's or the book's last:
  information only, since page composition decides it (`compose.floats` places the
  figures so that none should), not line setting.

Each finding names its page and the segment (the start of its paragraph).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from parabook.diagnostics import Diagnostic
from parabook.lang import script
from parabook.typeset.weasy import Document, LaidLine, PageFill, laid_lines

SHORT_LINE_PT = 0.5
SHORT_PAGE = 0.15

KINDS = ("lone word", "孤字", "short Chinese line", "heading split", "running head wraps",
         "missing glyph", "page ends short")
INFORMATION = frozenset({"page ends short"})
"""Kinds reported but not counted against the lines: page composition's."""


@dataclass(frozen=True)
class Finding:
    kind: str
    page: int | None
    segment: str
    """The start of the paragraph or heading it is in, or the file:line."""
    detail: str

    @property
    def information(self) -> bool:
        return self.kind in INFORMATION

    def __str__(self) -> str:
        where = f"p.{self.page} " if self.page else ""
        return f"{where}{self.kind}: {self.detail} (in “{self.segment}”)"


@dataclass(frozen=True)
class Report:
    findings: tuple[Finding, ...]

    @property
    def problems(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if not f.information)

    def lines(self) -> list[str]:
        """What the build prints: a summary line, then each finding."""
        counts = {kind: sum(f.kind == kind for f in self.findings) for kind in KINDS}
        summary = ", ".join(f"{counts[kind]} {kind}" for kind in KINDS if kind not in INFORMATION)
        short = [f"p.{f.page}" for f in self.findings if f.kind == "page ends short"]
        out = [f"preflight: {summary}" + (
            f"; information (page composition): {len(short)} page(s) end more than "
            f"{SHORT_PAGE:.0%} short: {', '.join(short)}" if short else "")]
        out += [f"  {finding}" for finding in self.problems]
        return out


def _start(text: str, length: int = 16) -> str:
    text = " ".join(text.split())
    return text if len(text) <= length else text[:length] + "…"


def _is_zh(line: LaidLine) -> bool:
    return line.lang.lower().startswith(("zh", "ja"))


def _body_paragraph(line: LaidLine) -> bool:
    return (line.page_name == "" and line.tag == "p"
            and line.classes in ("", "zh", "tr", "rr", "tr rr"))


def check(document: Document, glyphs: Sequence[Diagnostic] = ()) -> Report:
    """The report of a laid-out booklet; `glyphs`: the missing-glyph warnings."""
    found, fills = laid_lines(document)
    blocks: dict[int, list[LaidLine]] = {}
    for line in found:
        blocks.setdefault(line.block, []).append(line)
    findings: list[Finding] = []
    for lines in blocks.values():
        first = lines[0]
        segment = _start(first.block_text or first.text)
        if first.tag.startswith("@"):
            for line in lines:  # a margin box's lines: one block per page
                if sum(ln.page == line.page for ln in lines) > 1:
                    findings.append(Finding("running head wraps", line.page,
                                            _start(line.text), "on more than one line"))
                    break
            continue
        if _body_paragraph(first) and _is_zh(first):
            for line in lines[:-1]:
                if line.edge - line.right > SHORT_LINE_PT:
                    findings.append(Finding("short Chinese line", line.page, segment,
                                            f"“{line.text}” ends {line.edge - line.right:.1f} pt"
                                            " short"))
            last = lines[-1]
            if len(lines) > 1 and len(script.HAN.findall(last.text)) < 2:
                findings.append(Finding("孤字", last.page, segment,
                                        f"last line “{last.text.strip()}”"))
        elif _body_paragraph(first):
            for line in lines[:-1]:
                if len(line.text.split()) == 1:
                    findings.append(Finding("lone word", line.page, segment,
                                            f"“{line.text.strip()}” alone on a line"))
        elif first.tag in ("h1", "h2") and _is_zh(first) and len(lines) > 1:
            findings += _heading_split(lines, segment)
    openers: dict[int, LaidLine] = {}
    for line in found:  # each page's first line of text (running heads aside)
        if not line.tag.startswith("@"):
            openers.setdefault(line.page, line)
    section_starts = {page for page, line in openers.items() if line.tag == "h2"}
    for fill in _short_pages(fills, section_starts):
        findings.append(Finding("page ends short", fill.page, f"page {fill.page}",
                                f"{1 - fill.used / fill.available:.0%} of the page empty"))
    for glyph in glyphs:
        findings.append(Finding("missing glyph", None, glyph.located(), glyph.message))
    return Report(tuple(findings))


def _heading_split(lines: list[LaidLine], segment: str) -> list[Finding]:
    """A heading's line breaks that fall inside one of its parts (parts: split at spaces)."""
    whole = lines[0].block_text
    boundaries, offset = set(), 0
    for part in whole.split():
        offset += len(re.sub(r"\s", "", part))
        boundaries.add(offset)
    out, offset = [], 0
    for line in lines[:-1]:
        offset += len(re.sub(r"\s|\u200b", "", line.text))
        if offset not in boundaries:
            out.append(Finding("heading split", line.page, segment,
                               f"broken after “{line.text.strip()}”"))
    return out


def _short_pages(fills: list[PageFill], section_starts: set[int]) -> list[PageFill]:
    """Body pages that end more than SHORT_PAGE short, but the book's last and a section's
    last (the next page opens with a heading)."""
    body = [fill for fill in fills if fill.page_name == "" and fill.available > 0]
    return [fill for fill in body[:-1] if fill.used < (1 - SHORT_PAGE) * fill.available
            and fill.page + 1 not in section_starts]
