"""book.yaml and source.zh.md: good input reads, bad input names file, line and fix."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from parabook.errors import InputError
from parabook.model import Figure, Heading, Paragraph
from parabook.source.manuscript import read_blocks, read_book

GOOD_YAML = "title: 标题\nbyline: 作者\ndate: '2021'\n"


def make_book(root: Path, yaml_text: str = GOOD_YAML, source: str = "段落。\n") -> Path:
    folder = root / "book" / "t"
    folder.mkdir(parents=True)
    (folder / "book.yaml").write_text(yaml_text, encoding="utf-8")
    (folder / "source.zh.md").write_text(source, encoding="utf-8")
    return folder


def error_for(tmp_path: Path, yaml_text: str = GOOD_YAML, source: str = "段落。\n") -> InputError:
    make_book(tmp_path, yaml_text, source)
    with pytest.raises(InputError) as caught:
        read_book(tmp_path / "book", "t")
    return caught.value


def test_defaults_fill_in(tmp_path):
    make_book(tmp_path)
    meta = read_book(tmp_path / "book", "t").meta
    assert (meta.page_size, meta.layout, meta.target_langs, meta.source_lang) == \
        ("A5", "parallel", ("en",), "zh-CN")


@pytest.mark.parametrize("yaml_text, line, problem, fix", [
    (GOOD_YAML + "colour: red\n", 4, "unknown key 'colour'", "use one of: title"),
    (GOOD_YAML + "page_size: 5\n", 4, "'page_size' has the wrong type (int)", "one of A5"),
    (GOOD_YAML + "page_size: Letter\n", 4, "page_size 'Letter' is not supported", "A5"),
    (GOOD_YAML + "target_langs: en\n", 4, "'target_langs' has the wrong type", "list"),
    ("title: 标题\nbyline: [unclosed\n", 3, "not valid YAML", "indentation"),
    ("title: 标题\ndate: '2021'\n", None, "'byline' is missing", "byline: ..."),
    ("byline: 作者\n", None, "'title' is missing", "title: ..."),
    (GOOD_YAML + "title: again\n", 4, "key 'title' is given twice", "keep only one"),
])
def test_bad_book_yaml(tmp_path, yaml_text, line, problem, fix):
    error = error_for(tmp_path, yaml_text=yaml_text)
    assert error.path.name == "book.yaml"
    assert error.line == line
    assert problem in error.problem
    assert fix in error.fix
    assert str(error).startswith(f"{error.path}:{line}: " if line else f"{error.path}: ")


def test_blocks_are_read_with_their_lines():
    blocks = read_blocks("第一段。\n\n## 一节\n\n![说明](photos/01.jpg)\n\n第二段\n接着写。\n",
                         Path("s.md"))
    assert blocks == (Paragraph("第一段。", 1), Heading("一节", 3),
                      Figure("说明", "photos/01.jpg", 5), Paragraph("第二段接着写。", 7))


def test_raw_html_stays_literal_text():
    (para,) = read_blocks("<script>alert(1)</script> 与 <img src=file:///etc/passwd>\n",
                          Path("s.md"))
    assert para.text == "<script>alert(1)</script> 与 <img src=file:///etc/passwd>"


@pytest.mark.parametrize("source, line, problem", [
    ("段落。\n\n![说明(photos/01.jpg)\n", 3, "unclosed figure"),
    ("![](photos/01.jpg)\n", 1, "empty caption"),
    ("![说明]()\n", 1, "figure without an image"),
    ("# 标题\n", 1, "only `## ` section headings"),
    ("段落。\n\n- 列表\n", 3, "unsupported Markdown (bullet list)"),
    ("文字 ![说明](photos/01.jpg)\n", 1, "must stand alone"),
])
def test_bad_markdown(tmp_path, source, line, problem):
    error = error_for(tmp_path, source=source)
    assert error.path.name == "source.zh.md"
    assert (error.line, problem in error.problem) == (line, True), error
    assert error.fix


def test_unknown_book_lists_the_known_ones(tmp_path):
    make_book(tmp_path)
    with pytest.raises(InputError) as caught:
        read_book(tmp_path / "book", "nope")
    assert "no book 'nope'" in caught.value.problem and "use one of: t" in caught.value.fix


def test_non_utf8_manuscript(tmp_path):
    folder = make_book(tmp_path)
    (folder / "source.zh.md").write_bytes("段落。".encode("gb18030"))
    with pytest.raises(InputError, match="not UTF-8"):
        read_book(tmp_path / "book", "t")


@pytest.mark.parametrize("yaml_text, line, problem", [
    (GOOD_YAML + "? [a, b]\n: 1\n", 4, "a key must be a plain word"),
    (GOOD_YAML + "layout: !!python/object:os.system x\n", 4, "cannot read safely"),
    ("title: 标题\nbyline: 作者\ndate: {a: 1}\n", 3, "'date' has the wrong type (dict)"),
    (GOOD_YAML + "target_langs: [../../etc]\n", 4, "target_langs must be"),
    (GOOD_YAML + "source_lang: ../../etc\n", 4, "source_lang '../../etc' is not a language tag"),
    (GOOD_YAML + "cover_photo: ../x.jpg\n", 4, "cover_photo '../x.jpg' is not a file inside"),
    (GOOD_YAML + "cover_photo: C:\\x.jpg\n", 4, "is not a file inside the book folder"),
    ("title: 标题\nbyline: 作者\ndate: '2021-02-30'\n", 3,
     "date '2021-02-30' is not a date of the calendar"),
])
def test_hostile_book_yaml(tmp_path, yaml_text, line, problem):
    error = error_for(tmp_path, yaml_text=yaml_text)
    assert error.line == line and problem in error.problem, error


def test_caption_markup_and_encoded_photo_names(tmp_path):
    (fig,) = read_blocks("![图 \\[一\\] **重要**说明](photos/照片%201.jpg)\n", Path("s.md"))
    assert fig == Figure("图 [一] 重要说明", "photos/照片 1.jpg", 1)


def test_templates_refuse_undefined_names(tmp_path):
    import jinja2

    from parabook.render.html import environment

    (tmp_path / "t.j2").write_text("{{ doc.nope }}")
    with pytest.raises(jinja2.UndefinedError):
        environment(tmp_path).get_template("t.j2").render(doc=object())


@pytest.mark.parametrize("source, line, problem", [
    ("段落。\n\n第二\x00段。\n", 3, "control character U+0000"),
    ("段落\x1b[31m。\n", 1, "control character U+001B"),
    ("\n\n", None, "the manuscript has no text"),
])
def test_control_characters_and_an_empty_manuscript(tmp_path, source, line, problem):
    error = error_for(tmp_path, source=source)
    assert (error.line, problem in error.problem) == (line, True), error
    assert error.fix


def test_escaped_figure_syntax_is_text():
    """`\\![` is the way to write `![` as text; neither an unclosed figure nor a path."""
    blocks = read_blocks("\\![不是图\n\n\\![说明\\](file:///etc/passwd)\n", Path("s.md"))
    assert blocks == (Paragraph("![不是图", 1), Paragraph("![说明](file:///etc/passwd)", 3))


def test_a_line_of_full_width_spaces_is_a_blank_line():
    """CommonMark takes U+3000 and no-break spaces for text; an empty segment would
    become the PO header's empty msgid."""
    blocks = read_blocks("段落。\n\n\u3000\u3000\n\n\xa0\n\n## 一节\n", Path("s.md"))
    assert blocks == (Paragraph("段落。", 1), Heading("一节", 7))


@pytest.mark.parametrize("source, line, problem", [
    ("段落。\n\n一\u202e段。\n", 3, "invisible character U+202E in the text (RIGHT-TO-LEFT "
                                    "OVERRIDE: it reorders"),
    ("段落。\n\n## 标\u2066题\n", 3, "invisible character U+2066"),
    ("一\u200b段。\n", 1, "invisible character U+200B in the text (ZERO WIDTH SPACE"),
    ("一段\u2060。\n", 1, "invisible character U+2060"),
    ("一段。\n\n![说\u200d明](photos/01.jpg)\n", 3, "invisible character U+200D"),
    ("一段\ufeff。\n", 1, "invisible character U+FEFF"),
    ("段落。\n\n\n一段\ufffe。\n", 4, "noncharacter U+FFFE in the text (never text"),
    ("一段\U0010ffff。\n", 1, "noncharacter U+10FFFF"),
])
def test_invisible_characters_that_change_the_printed_text_are_refused(tmp_path, source, line,
                                                                       problem):
    """What prints must be what was reviewed: no bidi overrides, zero-width characters or
    noncharacters in the manuscript, with the line."""
    error = error_for(tmp_path, source=source)
    assert problem in error.problem and error.line == line, error
    assert error.fix


@pytest.mark.parametrize("value, shown", [
    ("subtitle: 副\u202e题", "'subtitle' holds invisible character U+202E (RIGHT-TO-LEFT "
                           "OVERRIDE: it reorders the printed text)"),
    ('publisher: "出\\u200b版"', "'publisher' holds invisible character U+200B"),
    ('place: "滁州\\uFFFE"', "'place' holds noncharacter U+FFFE"),
])
def test_invisible_characters_in_book_yaml_are_refused_at_their_line(tmp_path, value, shown):
    error = error_for(tmp_path, yaml_text=f"title: 标题\nbyline: 作者\n{value}\n")
    assert f"book.yaml:3: {shown}" in str(error), error


@pytest.mark.parametrize("date", ["2021-02-30", "2021-13-01", "0000-01-01"])
def test_an_unquoted_date_that_is_no_day_is_a_config_error_at_its_line(tmp_path, date):
    """PyYAML makes a date of an unquoted YYYY-MM-DD and raises ValueError when there is
    no such day: a config error at its line, with the others."""
    error = error_for(tmp_path, yaml_text=f"title: 标题\nbyline: 作者\ndate: {date}\n"
                                          "layout: sideways\n")
    assert f"book.yaml:3: 'date' has a value YAML reads as a date ({date}), but there is no " \
           "such day\n    fix: correct the date, or quote the value" in str(error), error
    assert "book.yaml:4: layout 'sideways' is not supported" in str(error)


def test_a_book_yaml_that_is_a_pipe_is_named_as_such(tmp_path):
    """Not "no book 't' ... use one of: t": it names book.yaml and what is wrong with it."""
    folder = make_book(tmp_path)
    (folder / "book.yaml").unlink()
    os.mkfifo(folder / "book.yaml")
    with pytest.raises(InputError) as caught:
        read_book(tmp_path / "book", "t")
    assert caught.value.path == folder / "book.yaml"
    assert "is not a regular file" in caught.value.problem, caught.value


@pytest.mark.parametrize("source, line, kind", [
    ("段落。\n\n" + "长" * 34200 + "\n", 3, "paragraph"),
    ("段落。\n\n## " + "题" * 34200 + "\n", 3, "heading"),
    ("段落。\n\n\n![" + "说" * 34200 + "](photos/01.jpg)\n", 4, "caption"),
])
def test_a_segment_over_100_kb_is_refused_at_its_line(tmp_path, source, line, kind):
    """Layout time grows faster than the text: a 900 KB paragraph took 72 s."""
    error = error_for(tmp_path, source=source)
    assert (error.line, error.problem) == (line, f"this {kind} is 102,600 bytes, over the "
                                                 f"limit of 100 KB (102,400 bytes) for one "
                                                 f"{kind}"), error


def test_a_segment_of_just_100_kb_is_read():
    text = "长" * (100 * 1024 // 3 - 1) + "。"
    assert read_blocks(text + "\n", Path("s.md")) == (Paragraph(text, 1),)


def test_a_book_yaml_text_over_100_kb_is_refused(tmp_path):
    error = error_for(tmp_path, yaml_text=f"title: {'题' * 34200}\nbyline: 作者\n")
    assert "book.yaml:1: 'title' is over 100 KB, too long to lay out" in str(error), error
