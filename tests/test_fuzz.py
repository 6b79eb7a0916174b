"""Fuzzing the readers: any input parses, or fails with our own error type.

Manuscripts, articles and translations arrive by email from outside the team, so
the importer, the Markdown reader, the `book.yaml` reader, the glossary reader and
the PO reader and writer get arbitrary text here. Each must either return, or raise a
`parabook.errors.BookError` that names the file; never another exception. The
PO round trip (read, write, read) loses nothing, and an imported article reads
back as exactly what the importer decided.

The budget is bounded for CI (derandomized, a fixed number of examples, about
20 s in all). For a deeper run: `FUZZ_EXAMPLES=2000 pytest tests/test_fuzz.py`
(then the examples are random, not the fixed CI sequence).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import polib
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from parabook.catalog.po import (
    find_entry,
    keys,
    read_catalog,
    save_catalog,
    update_catalog,
)
from parabook.catalog.qa import load_glossary
from parabook.errors import BookError
from parabook.model import Figure, Heading, Paragraph, Place, Segment
from parabook.source.config import load_meta
from parabook.source.importer import decode, parse_article
from parabook.source.manuscript import read_blocks, write_markdown

DEEP = int(os.environ.get("FUZZ_EXAMPLES", "0"))


def budget(examples: int):
    """CI: a fixed, derandomized sequence; FUZZ_EXAMPLES=N: N random examples each."""
    return settings(max_examples=DEEP or examples, deadline=None, database=None,
                    derandomize=not DEEP, print_blob=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


# Text as it comes in e-mails: Chinese, Latin, Markdown and PO syntax, odd
# whitespace, control characters, surrogate-free Unicode in general.
MARKUP = list("#![]()<>`*_\\~|&\"'-+=.:;,!?{}\n\r\t \u3000\ufeff\u200b\x00\x0c\x85\u2028")
CHINESE = list("党建引领点燃发展引擎滁州经开区城北新区办事处。，、；：？！“”‘’（）《》——…")
chars = st.one_of(st.sampled_from(MARKUP), st.sampled_from(CHINESE),
                  st.characters(codec="utf-8", exclude_categories=["Cs"]))
texts = st.text(chars, max_size=400)
lines = st.lists(st.one_of(
    st.sampled_from(["", "", "## 标题", "![说明](photos/01.jpg)", "![](x.jpg)", "![说明](",
                     "——副标题", "作者", "<script>x</script>", "    code", "> 引用", "- 列表",
                     "1. 第一", "```", "---", "***", "[链接](http://127.0.0.1/)",
                     "![说明](photos/01.jpg \"half crop=3:2 focus=50%,30%\")"]),
    texts), max_size=30).map("\n".join)
articles = st.one_of(texts, lines)


@budget(300)
@given(articles)
def test_markdown_reader_parses_or_raises_our_error(text):
    try:
        blocks = read_blocks(text, Path("source.zh.md"))
    except BookError as error:
        assert error.path == Path("source.zh.md") and error.fix
        return
    for block in blocks:
        assert isinstance(block, Heading | Paragraph | Figure)
        if isinstance(block, Figure):
            assert block.caption.strip() and block.src.strip()
        else:
            assert block.text.strip()


@budget(300)
@given(articles)
def test_importer_decisions_read_back_unchanged(text):
    """What the importer decided is written as Markdown that reads back as exactly that."""
    try:
        imported = parse_article(text, Path("article.txt"))
    except BookError as error:
        assert error.path == Path("article.txt")
        return
    markdown = write_markdown(imported.blocks)
    reread = read_blocks(markdown, Path("source.zh.md"))

    def plain(block):
        if isinstance(block, Figure):
            return ("figure", block.caption, block.src)
        return (type(block).__name__, block.text)

    assert [plain(b) for b in reread] == [plain(b) for b in imported.blocks]


@budget(200)
@given(st.binary(max_size=300), st.sampled_from([None, "gb18030", "utf-16", "nope"]))
def test_importer_decoding_any_bytes(data, encoding):
    try:
        text = decode(data, Path("article.txt"), encoding)
    except BookError as error:
        assert error.path == Path("article.txt") and error.fix
        return
    assert isinstance(text, str)


yaml_values = st.one_of(texts, st.sampled_from([
    "[en]", "[en, de]", "A5", "stacked", "0.4", "auto", "'2021'", "2021-12-30", "~", "{}",
    "[]", "2021-02-30", "[2021-13-01]", "!!binary aGk=", "&a [*a]", "*x",
    "!!python/object:os.system x", "1e400", ".nan", "yes", "|\n  block", "\"unterminated"]))
yaml_keys = st.one_of(st.sampled_from(
    ["title", "byline", "date", "target_langs", "page_size", "layout", "source_share",
     "cover_photo", "source_lang", "colour", "? [a]", "- x", "<<"]), texts)
yaml_docs = st.one_of(texts, st.lists(st.tuples(yaml_keys, yaml_values), max_size=8).map(
    lambda pairs: "".join(f"{k}: {v}\n" for k, v in pairs)))


@budget(300)
@given(yaml_docs)
def test_book_yaml_reader_parses_or_raises_our_error(text):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "book.yaml"
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        try:
            meta = load_meta(path, "t")
        except BookError as error:
            assert error.path == path and error.fix
            return
    assert meta.title.strip() and meta.byline.strip()


# Glossaries: TSV lines of terms, renderings with ` | ` and notes, any text, any bytes.
glossary_cells = st.one_of(st.sampled_from(["term", "translation", "党工委", "the Party",
                                            " | ", "a | b", "|", "#", "", " "]), texts)
glossary_docs = st.one_of(
    st.lists(st.lists(glossary_cells, max_size=4).map("\t".join), max_size=8).map(
        lambda rows: "\n".join(rows).encode("utf-8", "surrogatepass")),
    texts.map(lambda text: text.encode("utf-8", "surrogatepass")),
    st.binary(max_size=300))


@budget(200)
@given(glossary_docs)
def test_glossary_reader_parses_or_raises_our_error(data):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "glossary.zh-en.tsv"
        path.write_bytes(data)
        try:
            terms = load_glossary(path)
        except BookError as error:
            assert error.path == path and error.fix
            return
    for term in terms:
        assert term.term and term.term == term.term.strip() and term.line >= 1
        assert all(rendering.strip() for rendering in term.renderings)


# PO files: valid headers and entries around arbitrary text, plus raw mutations.
po_strings = st.text(chars, max_size=60)
HEADER = ('msgid ""\nmsgstr ""\n"Project-Id-Version: t\\n"\n"Language: en\\n"\n'
          '"Content-Type: text/plain; charset=UTF-8\\n"\n\n')


def po_quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") \
        .replace("\t", "\\t").replace("\r", "\\r") + '"'


po_entries = st.tuples(
    st.sampled_from(["", "#, fuzzy\n", "#. section 1, paragraph 1\n",
                     "# machine draft: google sha256:0123456789abcdef\n", "#~ ",
                     '#| msgid "旧"\n', "#, fuzzy, c-format\n", 'msgctxt "heading"\n']),
    po_strings, po_strings).map(
    lambda e: e[0] + f"msgid {po_quote(e[1])}\nmsgstr {po_quote(e[2])}\n"
    if e[0] != "#~ " else f"#~ msgid {po_quote(e[1])}\n#~ msgstr {po_quote(e[2])}\n")
po_texts = st.one_of(
    st.lists(po_entries, max_size=6).map(lambda es: HEADER + "\n".join(es)),
    st.tuples(st.lists(po_entries, max_size=4), texts).map(
        lambda t: HEADER + "\n".join(t[0]) + t[1]),
    texts)


@budget(150)
@given(po_texts)
def test_po_reader_parses_or_raises_and_round_trips(text):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "t.en.po"
        path.write_bytes(text.encode("utf-8"))
        try:
            catalog = read_catalog(path)
        except BookError as error:
            assert error.path == path and error.fix
            return
        first = snapshot(catalog)
        save_catalog(catalog, path)
        again = read_catalog(path)
        assert snapshot(again) == first
        # Writing what was read back changes nothing: the file is stable.
        written = path.read_bytes()
        save_catalog(again, path)
        assert path.read_bytes() == written


def snapshot(catalog: polib.POFile) -> list[tuple]:
    """Everything a PO entry carries that a translator or reviewer may have written.

    Obsolete entries go to the end of the file and lose their `#.` comment (where
    the segment was), as with gettext's own tools; their translator comments stay.
    """
    return sorted([(e.msgctxt, e.msgid, e.msgid_plural, e.msgstr,
                    sorted(e.msgstr_plural.items()), bool(e.obsolete), sorted(e.flags),
                    "" if e.obsolete else e.comment, e.tcomment, e.previous_msgctxt,
                    e.previous_msgid) for e in catalog], key=lambda t: t[5])


# Catalogs built in memory, as update, translate and import-review make them.
entry_text = st.text(st.one_of(st.sampled_from(CHINESE + list("\\\"\t\n ")),
                               st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"])),
                     min_size=1, max_size=50)


@st.composite
def catalogs(draw) -> polib.POFile:
    catalog = polib.POFile(wrapwidth=79)
    catalog.metadata = {"Project-Id-Version": "t", "Language": "en",
                        "Content-Type": "text/plain; charset=UTF-8"}
    seen: set = set()
    for _ in range(draw(st.integers(0, 6))):
        msgid = draw(entry_text)
        ctxt = draw(st.one_of(st.none(), st.sampled_from(["heading", "caption", "paragraph"])))
        obsolete = draw(st.booleans())
        assume((ctxt, msgid) not in seen)
        seen.add((ctxt, msgid))
        entry = polib.POEntry(msgctxt=ctxt, msgid=msgid, msgstr=draw(st.one_of(
            st.just(""), entry_text)), obsolete=obsolete)
        # gettext wants msgstr to begin and end with a newline exactly as msgid does.
        if entry.msgstr:
            entry.msgstr = (("\n" if msgid.startswith("\n") else "") + entry.msgstr.strip("\n")
                            + ("\n" if msgid.endswith("\n") else ""))
        entry.comment = draw(st.one_of(st.just(""), st.sampled_from(
            ["title", "section 1, paragraph 2", "caption of photos/01.jpg"])))
        entry.tcomment = draw(st.one_of(st.just(""), entry_text.map(lambda t: t.strip()),
                                        st.just("machine draft: google sha256:0123456789abcdef")))
        if not obsolete and draw(st.booleans()):
            entry.flags = ["fuzzy"]
            if draw(st.booleans()):
                entry.previous_msgid = draw(entry_text)
        catalog.append(entry)
    return catalog


@budget(150)
@given(catalogs())
def test_po_writer_round_trip_is_lossless(catalog):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "t.en.po"
        before = snapshot(catalog)
        try:
            save_catalog(catalog, path)
        except BookError as error:  # msgfmt refused what we made: must never happen
            pytest.fail(f"refused to write a catalog we built: {error}")
        assert snapshot(read_catalog(path)) == before


# `update` against any edit of the manuscript: no reviewed text is ever dropped.
KINDS = ["title", "byline", "heading", "paragraph", "caption"]
segment_texts = st.sampled_from(["城北新区", "城北新区办事处", "党建引领", "党建引领发展",
                                 "居民竖起大拇指。", "垃圾被清理", "一", "二"])
segment_lists = st.lists(st.tuples(st.sampled_from(KINDS), segment_texts), max_size=8).map(
    lambda pairs: [Segment(kind, text, Place(kind, n + 1, n + 1, f"photos/{n}.jpg"))
                   for n, (kind, text) in enumerate(pairs)])


@budget(120)
@given(segment_lists, segment_lists, st.lists(st.sampled_from(["reviewed", "fuzzy", "empty"]),
                                              min_size=8, max_size=8))
def test_update_never_drops_reviewed_text(before, after, states):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "t.en.po"
        update_catalog(path, before, "t", "en")
        catalog = read_catalog(path)
        reviewed: dict[tuple, str] = {}
        for number, (entry, state) in enumerate(zip(catalog, states, strict=False)):
            if state != "empty":
                entry.msgstr = f"Text {number}."
                entry.flags = ["fuzzy"] if state == "fuzzy" else []
            if state == "reviewed":
                reviewed[(entry.msgctxt, entry.msgid)] = entry.msgstr
        save_catalog(catalog, path)
        update_catalog(path, after, "t", "en")
        again = read_catalog(path)
        text = path.read_text(encoding="utf-8")
        # Every reviewed text is still in the file: as an entry, or folded into a comment.
        for msgstr in reviewed.values():
            assert any(e.msgstr == msgstr for e in again) or \
                f"earlier translation: {msgstr}" in text, msgstr
        # A segment still in the manuscript, in the same role, keeps its reviewed text.
        for key in keys(after):
            if key in reviewed:
                entry = find_entry(again, key)
                assert entry is not None and entry.msgstr == reviewed[key], key
                assert not entry.fuzzy and not entry.obsolete, key
        # A second update changes nothing.
        written = path.read_bytes()
        update_catalog(path, after, "t", "en")
        assert path.read_bytes() == written
