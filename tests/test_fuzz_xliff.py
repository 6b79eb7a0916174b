"""Fuzzing the XLIFF reader (`import-review`), as tests/test_fuzz.py does the other readers.

A review file comes back from outside the team, through tools that rewrite it. Whatever
it holds, `import_review` applies it or raises a `BookError` that names the file; never
another exception, and the PO file it writes is always one gettext accepts. The budget is
that of test_fuzz.py (`FUZZ_EXAMPLES=N` for a deeper, random run).
"""

from __future__ import annotations

import functools
import tempfile
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from parabook.catalog.po import read_catalog, save_catalog, update_catalog
from parabook.catalog.xliff import ReviewImport, export_xliff, import_review
from parabook.errors import BookError
from parabook.model import Place, Segment

from .test_fuzz import CHINESE, budget, texts

SEGMENTS = [Segment("title", "城北新区", Place("title")),
            Segment("paragraph", "党建引领发展。", Place("paragraph", 1, 1)),
            Segment("paragraph", "居民竖起大拇指。", Place("paragraph", 1, 2))]


@functools.cache
def sample() -> tuple[bytes, str]:
    """A small PO file (a reviewed entry, a fuzzy one, an empty one) and its export."""
    with tempfile.TemporaryDirectory() as folder:
        po = Path(folder) / "t.en.po"
        update_catalog(po, SEGMENTS, "t", "en")
        catalog = read_catalog(po)
        catalog[0].msgstr = "Chengbei"
        catalog[1].msgstr, catalog[1].flags = "Party building.", ["fuzzy"]
        save_catalog(catalog, po)
        xlf = Path(folder) / "t.en.xlf"
        export_xliff(po, xlf, "zh-CN")
        return po.read_bytes(), xlf.read_text(encoding="utf-8")


PIECES = ["<file original='t.en.po' target-language='en'>", "</file>", "<target>", "</target>",
          " approved='yes'", " approved=\"no\"", "<context-group>", "</trans-unit>", "&amp;",
          "&#0;", "&#x4e2d;", "<![CDATA[", "]]>", "<x id='1'/>", "<?xml version='1.0' "
          "encoding='latin-1'?>", "encoding='gbk'", "encoding='x-nope'", "\ufeff", "\x00",
          "x-parabook-exported", "<!DOCTYPE x [<!ENTITY e 'e'>]>", *CHINESE]


@st.composite
def review_files(draw) -> bytes:
    """The export with a few edits (cut, insert, replace), or any text, in some encoding."""
    _, text = sample()
    if draw(st.integers(0, 5)) == 0:
        text = draw(texts)
    for _ in range(draw(st.integers(0, 4))):
        start = draw(st.integers(0, len(text)))
        end = draw(st.integers(start, min(len(text), start + 40)))
        text = text[:start] + draw(st.one_of(st.sampled_from(PIECES), texts, st.just(""))) \
            + text[end:]
    # The encoding the declaration names, and the one the bytes are in: either may be wrong.
    declared = draw(st.sampled_from(["utf-8", "UTF-16", "latin-1", "gbk", "x-nope", ""]))
    text = text.replace("encoding='utf-8'", f"encoding='{declared}'", 1)
    encoding = draw(st.sampled_from(["utf-8", "utf-8", "utf-16", "gb18030", "latin-1"]))
    return text.encode(encoding, "replace")


@budget(150)
@given(review_files())
def test_xliff_reader_applies_or_raises_our_error(data):
    po_data, _ = sample()
    with tempfile.TemporaryDirectory() as folder:
        translations = Path(folder)
        po = translations / "t.en.po"
        po.write_bytes(po_data)
        xlf = translations / "review.xlf"
        xlf.write_bytes(data)
        try:
            report = import_review(xlf, translations)
        except BookError as error:
            assert error.path in (xlf, po) and error.fix
            assert po.read_bytes() == po_data  # refused: the PO left as it was
            return
        assert isinstance(report, ReviewImport)
        read_catalog(po)  # what it wrote, gettext accepts
        assert report.written == (po.read_bytes() != po_data)
