"""Inspect PDFs with poppler's command-line tools, as a person would."""

from __future__ import annotations

import re
import subprocess
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

HAN = re.compile(r"[\u3400-\u9fff]")


def run(*args: str) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def text(pdf: Path, page: int | None = None) -> str:
    pages = ["-f", str(page), "-l", str(page)] if page else []
    return run("pdftotext", *pages, "-enc", "UTF-8", str(pdf), "-")


def info(pdf: Path) -> dict[str, str]:
    out = run("pdfinfo", str(pdf))
    return {k.strip(): v.strip() for k, v in (line.split(":", 1) for line in out.splitlines()
                                              if ":" in line)}


def page_sizes(pdf: Path) -> list[tuple[float, float]]:
    count = int(info(pdf)["Pages"])
    out = run("pdfinfo", "-f", "1", "-l", str(count), str(pdf))
    return [(float(w), float(h)) for w, h in
            re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts", out)]


@dataclass(frozen=True)
class Font:
    name: str
    type: str
    embedded: bool
    subset: bool


def fonts(pdf: Path) -> list[Font]:
    lines = run("pdffonts", str(pdf)).splitlines()[2:]
    out = []
    for line in lines:
        # name, type (may contain spaces), encoding, emb, sub, uni, object, id
        match = re.match(r"(\S+)\s+(.+?)\s+(\S+)\s+(yes|no)\s+(yes|no)\s+(yes|no)\s+\d+\s+\d+$",
                         line)
        assert match, f"unexpected pdffonts line: {line!r}"
        out.append(Font(match[1], match[2], match[4] == "yes", match[5] == "yes"))
    return out


@dataclass(frozen=True)
class Word:
    page: int
    x0: float
    y0: float
    x1: float
    y1: float
    text: str


def words(pdf: Path) -> tuple[list[Word], list[tuple[float, float]]]:
    """Every word with its box, and every page's size."""
    xml = run("pdftotext", "-bbox", "-enc", "UTF-8", str(pdf), "-")
    xml = re.sub(r"<!DOCTYPE[^>]*>", "", xml).replace('xmlns="http://www.w3.org/1999/xhtml"', "")
    root = ElementTree.fromstring(xml)
    out, sizes = [], []
    for number, page in enumerate(root.iter("page"), 1):
        sizes.append((float(page.get("width")), float(page.get("height"))))
        for w in page.iter("word"):
            out.append(Word(number, float(w.get("xMin")), float(w.get("yMin")),
                            float(w.get("xMax")), float(w.get("yMax")), w.text or ""))
    return out, sizes


def columns(pdf: Path) -> tuple[str, list[Word], float]:
    """The source column's text (whitespace removed), the target column's words, the split.

    The cover (page 1), the contents and the colophon (the last page) are left out.
    The target column's left edge is where most Latin-script words start a line
    (on left and right pages apart; the split returned is the right pages');
    everything in the page margins (running heads, page numbers, the DRAFT line)
    is left out.
    """
    all_words, sizes = words(pdf)
    mm = 72 / 25.4
    # Not in columns: the cover, the contents (its page starts with 目录), the colophon.
    contents = {w.page for w in all_words if w.text == "目录"}
    last = len(sizes)
    body = [w for w in all_words if 1 < w.page < last and w.page not in contents
            and w.y0 > 15 * mm and w.y1 < sizes[w.page - 1][1] - 17 * mm]
    # Left and right pages have different margins, so each has its own split.
    splits = {}
    for parity in (0, 1):
        line_starts = Counter(round(w.x0) for w in body if w.page % 2 == parity
                              and re.fullmatch(r"[A-Za-z\[][A-Za-z,.;:'’\-\]]*", w.text)
                              and w.x0 > sizes[w.page - 1][0] * 0.3)
        if line_starts:
            splits[parity] = line_starts.most_common(1)[0][0] - 1
    # Pages of a parity without a line of the target column (a short book's page of
    # photos only) have no columns.
    body = [w for w in body if w.page % 2 in splits]
    source = [w for w in body if w.x1 <= splits[w.page % 2]]
    source.sort(key=lambda w: (w.page, w.y0, w.x0))
    target = [w for w in body if w.x0 >= splits[w.page % 2]]
    split = splits.get(1, splits.get(0))
    target.sort(key=lambda w: (w.page, round(w.y1 / 3), w.x0))  # reading order
    return "".join(w.text for w in source), target, split


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def render(pdf: Path, page: int, dpi: int = 72):
    """One page as a PIL image (RGB), rendered by poppler's pdftoppm."""
    import io

    from PIL import Image

    data = subprocess.run(["pdftoppm", "-r", str(dpi), "-f", str(page), "-l", str(page),
                           "-png", str(pdf)], check=True, capture_output=True).stdout
    return Image.open(io.BytesIO(data)).convert("RGB")
