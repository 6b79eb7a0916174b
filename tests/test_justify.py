"""Chinese justification (parabook.typeset.justify), checked on real WeasyPrint renders.

Every document is rendered in one subprocess: as WeasyPrint draws it, inside
`with justify.installed()`, and after the block, so that the patch never leaks
into the other tests of the session. The PDFs are read back with PyMuPDF (glyph positions)
and poppler's pdftotext (extracted text).
"""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass
from html import escape
from pathlib import Path

import pymupdf
import pytest

from parabook.render.html import zh
from parabook.typeset import justify
from parabook.typeset.geometry import MM

REPO = Path(__file__).resolve().parent.parent
SOURCE = REPO / "book" / "chuzhou-2021" / "source.zh.md"

LEFT_MM = 20
# 61 mm is 17.3 em of 10 pt: a line of Han characters alone never fills it by
# chance, as it would 60 mm (17.0 em), so unjustified lines do end short.
COLUMN_MM = 61
RIGHT_EDGE = (LEFT_MM + COLUMN_MM) * MM
FONT_SIZE = 10  # pt

HAN = "\u3400-\u4dbf\u4e00-\u9fff"
CLOSING = "，。、；：？！”’）》」』】"
OPENING = "“‘（《「『【"

PAGE_CSS = f"""
@page {{ size: 148mm 210mm; margin: 15mm 0 15mm {LEFT_MM}mm; }}
body {{ margin: 0; width: {COLUMN_MM}mm; }}
p {{ margin: 0 0 2.6mm; text-align: justify; }}
"""

ENGLISH = [
    ("Roads once full of potholes are now smooth asphalt; curbs have been repaired and "
     "parking spaces marked out, and residents who used to complain now give a “thumbs up”."),
    ("Tangled overhead wires have been sorted out — and the sheds that spoiled the look of "
     "the streets have been pulled down. Rubbish has been cleared from every lane, and the "
     "neighbourhood committee meets each Friday to hear what is still to be done."),
]

# Renders each DOCUMENT before, inside and after `justify.installed()`, and checks
# that a nested block patches once and that the block's end puts WeasyPrint's own
# functions back.
RENDER = """
import sys
from pathlib import Path

from parabook.typeset import justify, weasy

folder, names = Path(sys.argv[1]), sys.argv[2:]
inline = weasy.inline  # the module whose functions the patch wraps
originals = inline.justify_line, inline.add_word_spacing


def render(variant):
    for name in names:
        html = (folder / f"{name}.html").read_text(encoding="utf-8")
        (folder / f"{name}.{variant}.pdf").write_bytes(weasy.HTML(string=html).write_pdf())


render("plain")
with justify.installed():
    patched = inline.justify_line, inline.add_word_spacing
    assert patched != originals, "installed() patched nothing"
    with justify.installed():
        assert (inline.justify_line, inline.add_word_spacing) == patched, "patched twice"
    assert (inline.justify_line, inline.add_word_spacing) == patched, "inner block undid it"
    render("justified")
assert (inline.justify_line, inline.add_word_spacing) == originals, "originals not back"
render("after")
"""


def chinese_paragraphs() -> list[str]:
    """The sample article's paragraphs, headings and figures left out."""
    blocks = SOURCE.read_text(encoding="utf-8").split("\n\n")
    return [b.strip() for b in blocks if b.strip() and not b.strip().startswith(("#", "!"))]


def documents() -> dict[str, str]:
    chinese = "".join(f"<p>{zh(text)}</p>" for text in chinese_paragraphs())
    english = "".join(f"<p>{escape(text)}</p>" for text in ENGLISH)
    return {
        # As the booklet sets Chinese: its zh() filter, indents, `halt` spans.
        "chinese": f"""<html lang="zh-CN"><style>{PAGE_CSS}
            body {{ font-family: "Noto Serif CJK SC"; font-size: {FONT_SIZE}pt;
                    line-height: 1.75; }}
            p {{ text-indent: 2em; }}
            .halt {{ font-feature-settings: "halt" 1; }}
            </style>{chinese}</html>""",
        "english": f"""<html lang="en"><style>{PAGE_CSS}
            body {{ font-family: "Noto Serif"; font-size: 9.5pt; hyphens: auto; }}
            </style>{english}</html>""",
    }


@pytest.fixture(scope="module")
def renders(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("justify")
    for name, html in documents().items():
        (folder / f"{name}.html").write_text(html, encoding="utf-8")
    result = subprocess.run([sys.executable, "-c", RENDER, str(folder), *documents()],
                            check=False, cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stderr == "", f"WeasyPrint logged while rendering: {result.stderr}"
    return folder


@dataclass(frozen=True)
class Char:
    """One glyph as PyMuPDF reads it from the PDF."""

    text: str
    #: Left edge: the glyph's origin.
    x0: float
    #: Right edge: origin plus the glyph's advance.
    x1: float
    #: Whether the source has a space before it (the PDF's spaces are left out).
    after_space: bool = False


@dataclass(frozen=True)
class Line:
    """One printed line of a paragraph."""

    chars: tuple[Char, ...]
    #: The paragraph's last line, which is not justified.
    final: bool

    @property
    def text(self) -> str:
        return "".join(char.text for char in self.chars)

    @property
    def shortfall(self) -> float:
        """Distance from the last glyph's right edge to the column's right edge, in pt."""
        return RIGHT_EDGE - self.chars[-1].x1


def lines(pdf: Path, paragraphs: list[str]) -> list[Line]:
    """The PDF's lines in reading order, read against the source `paragraphs`."""
    rows: dict[tuple[int, float], list[Char]] = {}
    with pymupdf.open(pdf) as document:
        for number, page in enumerate(document):
            for block in page.get_text("rawdict")["blocks"]:
                for row in block.get("lines", []):
                    for span in row["spans"]:
                        for char in span["chars"]:
                            # Spaces left out: PyMuPDF adds some of its own at wide gaps.
                            if char["c"].strip():
                                key = (number, round(char["origin"][1], 1))
                                rows.setdefault(key, []).append(
                                    Char(char["c"], char["origin"][0], char["bbox"][2]))
    remaining, at = list(paragraphs), 0
    out = []
    for key in sorted(rows):
        chars = []
        for char in sorted(rows[key], key=lambda char: char.x0):
            source = remaining[0]
            skipped = len(source[at:]) - len(source[at:].lstrip())
            at += skipped
            assert source[at:at + 1] == char.text, f"unexpected {char.text!r} in {source!r}"
            chars.append(Char(char.text, char.x0, char.x1, after_space=skipped > 0))
            at += 1
        final = not remaining[0][at:].strip()
        if final:
            remaining.pop(0)
            at = 0
        out.append(Line(tuple(chars), final))
    assert not remaining, "paragraphs missing from the PDF"
    return out


@pytest.fixture(scope="module")
def chinese(renders) -> tuple[list[Line], list[Line]]:
    """The Chinese document's lines: as WeasyPrint draws them, and justified."""
    paragraphs = chinese_paragraphs()
    return (lines(renders / "chinese.plain.pdf", paragraphs),
            lines(renders / "chinese.justified.pdf", paragraphs))


def flush_ratio(printed: list[Line]) -> float:
    justified = [line for line in printed if not line.final]
    return sum(abs(line.shortfall) <= 0.5 for line in justified) / len(justified)


def test_justified_lines_end_at_the_right_edge(renders, chinese):
    plain, justified = chinese
    # Measured: 1 of 175 lines without the patch, 175 of 175 with it.
    assert flush_ratio(plain) < 0.1, "the column fills without justification: no test"
    ratio = flush_ratio(justified)
    assert ratio >= 0.95, f"{ratio:.1%} of the lines end at the edge: see {renders}"
    past = [line.text for line in justified if line.shortfall < -0.5]
    assert not past, f"lines past the edge: {past}"


def test_justification_keeps_the_line_breaks(chinese):
    plain, justified = chinese
    assert [line.text for line in justified] == [line.text for line in plain]


def test_last_lines_are_not_justified(chinese):
    plain, justified = chinese
    finals = [(a, b) for a, b in zip(plain, justified, strict=False) if a.final]
    assert len(finals) == len(chinese_paragraphs())
    for before, after in finals:
        assert [c.x0 for c in after.chars] == pytest.approx([c.x0 for c in before.chars],
                                                             abs=0.01)


def test_han_characters_are_evenly_spaced(chinese):
    """Between two Han characters the gap is the same all along a line, and small."""
    _, justified = chinese
    for line in justified:
        gaps = [b.x0 - a.x1 for a, b in zip(line.chars, line.chars[1:], strict=False)
                if re.fullmatch(f"[{HAN}]{{2}}", a.text + b.text) and not b.after_space]
        if gaps:
            assert max(gaps) - min(gaps) < 0.02, line.text
            assert max(gaps) < 0.1 * FONT_SIZE, line.text


def test_no_line_starts_with_closing_or_ends_with_opening_punctuation(chinese):
    _, justified = chinese
    for line in justified:
        assert line.text[0] not in CLOSING, line.text
        assert line.text[-1] not in OPENING, line.text


def test_latin_runs_keep_their_advances(chinese):
    """"LED", "2021", "1600" inside Chinese: no justification space between their letters."""
    plain, justified = chinese
    checked = 0
    for before, after in zip(plain, justified, strict=False):
        if after.final:
            continue
        for i, (a, b) in enumerate(zip(after.chars, after.chars[1:], strict=False)):
            if a.text.isascii() and a.text.isalnum() and b.text.isascii() and b.text.isalnum():
                natural = before.chars[i + 1].x0 - before.chars[i].x0
                assert b.x0 - a.x0 == pytest.approx(natural, abs=0.05), after.text
                checked += 1
    assert checked > 20


def extract(pdf: Path, tool: str) -> str:
    if tool == "pymupdf":
        with pymupdf.open(pdf) as document:
            return "".join(page.get_text() for page in document)
    return subprocess.run(["pdftotext", tool, "-enc", "UTF-8", str(pdf), "-"],
                          check=True, capture_output=True, text=True).stdout


@pytest.mark.parametrize("tool", ["-raw", "-layout", "pymupdf"])
def test_extracted_text_has_no_space_between_han_characters(renders, tool):
    text = extract(renders / "chinese.justified.pdf", tool)
    source = "\n".join(chinese_paragraphs())
    pair = re.compile(f"[{HAN}] +[{HAN}]")
    # The source's own spaces ("一小时 扮靓") may stay.
    assert set(pair.findall(text)) <= set(pair.findall(source))
    # Nothing lost, nothing added but whitespace.
    assert re.sub(r"\s", "", text) == re.sub(r"\s", "", source)


def test_english_is_justified_as_before(renders):
    plain = (renders / "english.plain.pdf").read_bytes()
    assert (renders / "english.justified.pdf").read_bytes() == plain


@pytest.mark.parametrize("name", ["chinese", "english"])
def test_after_the_block_weasyprint_justifies_as_before(renders, name):
    plain = (renders / f"{name}.plain.pdf").read_bytes()
    assert (renders / f"{name}.after.pdf").read_bytes() == plain
    if name == "chinese":  # the test can fail: inside the block it does differ
        assert (renders / f"{name}.justified.pdf").read_bytes() != plain


@pytest.mark.parametrize(("char", "lang", "expected"), [
    ("中", None, True), ("，", None, True), ("（", None, True), ("か", "ja", True),
    ("“", "zh-CN", True), ("“", "en", False), ("L", "zh-CN", False), ("2", "zh-CN", False),
    ("—", "zh-CN", False), ("…", "zh-CN", False), ("한", "ko", False),
])
def test_which_characters_are_spaced(char, lang, expected):
    assert justify.is_cjk(char, lang) is expected
