"""Lines as a good book sets them (issue 14), measured on the PDFs of the sample and of
a corpus of other books (`tests/corpus.py`), read back with PyMuPDF and poppler
(`tests/linecheck.py`): no lone word on a non-final English line, every non-final
Chinese body line flush within 0.5 pt, no 孤字, clean extracted text, and the build's
own preflight report empty. The line breaker's rules themselves are checked on text
made for them.
"""

from __future__ import annotations

import contextlib
import io
import re
import shutil
from pathlib import Path

import pytest

from parabook.cli import main
from parabook.lang import language
from parabook.typeset import linebreak
from parabook.typeset.linebreak import HYPHEN, TRACKING_EM, break_lines
from parabook.typeset.zhbreak import break_zh

from .conftest import Built, copy_project
from .corpus import make_corpus
from .linecheck import measure
from .pdftools import run

pytestmark = pytest.mark.slow

HAN = "\u3400-\u4dbf\u4e00-\u9fff\U00020000-\U0003ffff"
CLEAN_PREFLIGHT = ("preflight: 0 lone word, 0 孤字, 0 short Chinese line, 0 heading split, "
                   "0 running head wraps, 0 missing glyph")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> dict[str, tuple[Path, str]]:
    """Each corpus book built (email PDF): {slug: (pdf, what the build printed)}."""
    root = copy_project(tmp_path_factory.mktemp("corpus"))
    slugs = make_corpus(root)
    shutil.rmtree(root / "book" / "chuzhou-2021")  # not built here: `sample_build` is
    out = {}
    for slug in slugs:
        built = _build(root, slug)
        out[slug] = (root / "dist" / f"{slug}.email.pdf", built.out)
    return out


def _build(root: Path, slug: str) -> Built:
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        code = main(["build", slug, "--output", "email"], root=root)
    assert code == 0, stderr.getvalue()
    return Built(root, stdout.getvalue(), stderr.getvalue())


def _assert_lines(pdf: Path) -> None:
    report = measure(pdf)
    assert report.english_lines > 20 and report.chinese_lines > 10
    assert report.lone_words == []
    assert report.chinese_short == []
    assert report.gu_zi == []


def _assert_clean_text(pdf: Path, sources: list[Path]) -> None:
    """Copied text: no line-end hyphen characters, and no space between two Han
    characters that the manuscript does not have (a heading's separator)."""
    text = run("pdftotext", str(pdf), "-")
    assert HYPHEN not in text
    written = "".join(path.read_text(encoding="utf-8") for path in sources)
    for pair in set(re.findall(f"[{HAN}] [{HAN}]", text)):
        assert pair in written, f"space between Han in the extracted text: {pair!r}"


def test_sample_lines_are_set_well(sample_build: Built) -> None:
    for output in ("print", "email"):
        _assert_lines(sample_build.pdf(output))
    book = sample_build.root / "book" / "chuzhou-2021"
    _assert_clean_text(sample_build.pdf("email"), [book / "source.zh.md", book / "book.yaml"])
    assert CLEAN_PREFLIGHT in sample_build.out


@pytest.mark.parametrize("slug", ["corpus-long", "corpus-photos", "corpus-a4-stacked",
                                  "corpus-mixed", "corpus-names"])
def test_corpus_lines_are_set_well(corpus, slug: str) -> None:
    pdf, out = corpus[slug]
    assert CLEAN_PREFLIGHT in out, out
    report = measure(pdf)
    assert report.lone_words == [] and report.gu_zi == []
    if slug != "corpus-a4-stacked":  # see HANDOFF: 50-character lines, Pango rounding
        assert report.chinese_short == []
    book = pdf.parent.parent / "book" / slug
    _assert_clean_text(pdf, [book / "source.zh.md", book / "book.yaml"])


def test_rare_names_print_with_a_glyph(corpus) -> None:
    pdf, out = corpus["corpus-names"]
    text = run("pdftotext", str(pdf), "-")
    assert "王𪚥" in text and "李𱍊" in text
    fonts = run("pdffonts", str(pdf))
    assert "BabelStone" in fonts


# The line breakers' own rules ---------------------------------------------------------------


@pytest.mark.integration
def test_english_is_hyphenated_with_us_patterns_and_names_are_not() -> None:
    assert language("en").hyphenation == "en_US"
    assert language("en-GB").hyphenation == "en_GB"
    words = {piece.text for piece in linebreak._pieces(
        "responsibility central capabilities Chengbei Tianchang", "Noto Serif", 9.5, "en")}
    assert "respons" not in words and "cent" not in words and "capab" not in words
    assert {"Chengbei", "Tianchang"} <= words


@pytest.mark.integration
def test_no_lone_word_no_scrap_no_third_hyphen_and_little_tracking() -> None:
    text = ("Overhead wires once tangled like cobwebs have been put in order, unauthorized "
            "structures that marred the townscape have been demolished, and the Chengbei "
            "New District Office has comprehensively strengthened its community-level "
            "governance capabilities and responsibilities, implementing implementations "
            "of improvements.")
    for width in range(120, 260, 7):
        lines = break_lines(text, float(width))
        assert lines is not None
        for line in lines[:-1]:
            assert " " in line.text, f"lone word at {width} pt: {line.text!r}"
            assert abs(line.tracking) <= TRACKING_EM * 9.5 + 1e-9
        assert sum(c.isalnum() for c in lines[-1].text) >= 5, lines[-1].text
        run_of_hyphens = 0
        for line in lines:
            run_of_hyphens = run_of_hyphens + 1 if line.text.endswith((HYPHEN, "-")) else 0
            assert run_of_hyphens <= 2


@pytest.mark.integration
def test_chinese_lines_fill_the_measure_and_end_with_two_han() -> None:
    text = ("城北新区办事处开展各类志愿服务活动，参与人数2000人次，受益群众9000余人，"
            "“急难愁盼”问题80余件得到解决。坚持“四个第一”学习对标制度，做到“两个维护”。")
    for chars in range(10, 16):
        lines = break_zh(text, chars * 10.0 + 0.05, 10.0, 2.0)
        assert lines is not None
        last = lines[-1].text
        assert len(re.findall(f"[{HAN}]", last)) >= 2, last
        for line in lines:
            assert line.text[0] not in "，。、；：？！”）》"  # no closing mark starts a line
            assert line.text[-1] not in "“（《"  # no opening mark ends one
        assert "".join(line.text for line in lines) == text
