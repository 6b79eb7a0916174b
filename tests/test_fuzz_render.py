"""Fuzzing the whole render path: any text in the manuscript and the translation
renders, or fails with our own error naming the file and line.

Translators type on Chinese keyboards, paste URLs and emoji, and names come with
rare characters: a full-width comma in an English msgstr used to stop every build
with a KeyError in the justifier. Here a tiny book gets such text in a Chinese
paragraph, its heading and its translation, and is built for real (WeasyPrint,
the email PDF). A few derandomized examples keep it to about half a minute;
`FUZZ_EXAMPLES=200` runs more.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import tempfile
from pathlib import Path

import polib
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parabook.cli import main

from .conftest import SAMPLE, make_tiny

pytestmark = pytest.mark.slow

DEEP = int(os.environ.get("FUZZ_EXAMPLES", "0"))

# The kinds of text that broke or could break a line: CJK punctuation and Han in
# English, emoji (with joiners and skin tones), RTL, zero-width characters, a word
# far wider than any column, a lone Latin word in Chinese, rare CJK extensions.
PIECES = ["，", "。", "、", "；", "“", "”", "数字乡村", "滁州", "😀", "👩🏽‍🌾", "🇨🇳",
          "שלום עולם", "مرحبا", "\u200b", "\u200d", "\u2060", "\ufeff", "\u00ad",
          "https://example.org/" + "a" * 180, "x" * 200, "LED", "2021", "1,600",
          "𪚥", "𱍊", "Chengbei", " ", " ", " ", "the", "village", "—", "…", "«", "»",
          "\u202e", "\u0301", "e\u0301"]
texts = st.lists(st.one_of(st.sampled_from(PIECES),
                           st.text(st.characters(codec="utf-8",
                                                 exclude_categories=["Cs", "Cc"]),
                                   max_size=5)),
                 min_size=1, max_size=12).map("".join)


@pytest.fixture(scope="module")
def tiny_template(tmp_path_factory) -> Path:
    return make_tiny(tmp_path_factory.mktemp("fuzz-render") / "tiny", None)


def _inject(root: Path, chinese: str, english: str, heading: str) -> None:
    """Put the fuzz text into the book's second paragraph, its heading and their
    translations (the PO keeps matching the manuscript, so they are used)."""
    source = root / "book" / SAMPLE / "source.zh.md"
    blocks = source.read_text(encoding="utf-8").split("\n\n")
    po_path = root / "translations" / f"{SAMPLE}.en.po"
    catalog = polib.pofile(str(po_path))
    old_paragraph = blocks[1]
    head = next(n for n, block in enumerate(blocks) if block.startswith("## "))
    old_heading = blocks[head][3:]
    new_paragraph = old_paragraph[:30] + chinese + old_paragraph[30:]
    new_heading = old_heading + heading
    blocks[1], blocks[head] = new_paragraph, "## " + new_heading
    source.write_text("\n\n".join(blocks), encoding="utf-8")
    for entry in catalog:
        if entry.msgid == old_paragraph:
            entry.msgid = new_paragraph
            entry.msgstr = entry.msgstr[:60] + english + entry.msgstr[60:]
        elif entry.msgid == old_heading:
            entry.msgid, entry.msgstr = new_heading, entry.msgstr + english[:40]
    catalog.save(str(po_path))


@settings(max_examples=DEEP or 8, deadline=None, database=None, derandomize=not DEEP,
          print_blob=True, suppress_health_check=list(HealthCheck))
@given(chinese=texts, english=texts, heading=texts)
def test_any_text_renders_or_names_its_line(tiny_template: Path, chinese: str,
                                            english: str, heading: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "p"
        shutil.copytree(tiny_template, root)
        _inject(root, chinese, english, heading)
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
            code = main(["build", SAMPLE, "--output", "email"], root=root)
        if code == 0:
            pdf = root / "dist" / f"{SAMPLE}.email.pdf"
            assert pdf.stat().st_size > 1000
        else:
            # Bad input: exit 2 and an error that names the file and its line.
            assert code == 2, err.getvalue()
            assert "Traceback" not in err.getvalue()
            assert any(f"{name}:" in err.getvalue()
                       for name in ("source.zh.md", ".en.po", "book.yaml")), err.getvalue()
