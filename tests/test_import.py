"""Importing the plain-text seed article into a manuscript folder."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

import pytest

from parabook.errors import InputError
from parabook.model import Figure, Heading, Paragraph
from parabook.project import Project
from parabook.source.importer import import_article
from parabook.source.manuscript import read_book
from parabook.source.punctuation import to_full_width

from .conftest import REPO, SAMPLE, SEED

ORIGINAL = REPO / "book" / SAMPLE / "original.zh.txt"
HALF_WIDTH_IN_CHINESE = re.compile(r"[\u3400-\u9fff“”‘’][,;:!?()]|[,;:!?()][\u3400-\u9fff“”‘’]")


@pytest.fixture
def imported(tmp_path: Path):
    folder, report = import_article(ORIGINAL, tmp_path / "book", SAMPLE)
    return read_book(tmp_path / "book", SAMPLE), report


def test_the_kept_original_is_the_seed_as_it_came():
    if not SEED.exists():
        pytest.skip("shared/seed is not beside this checkout")
    assert ORIGINAL.read_bytes() == SEED.read_bytes()


def test_structure_of_the_seed(imported):
    manuscript, report = imported
    headings = [b.text for b in manuscript.blocks if isinstance(b, Heading)]
    figures = [b for b in manuscript.blocks if isinstance(b, Figure)]
    assert headings == ["党建引领 点燃发展“引擎”", "深化创建 擦亮文明底色",
                        "保障民生 绘就幸福“蓝图”"]
    assert len(figures) == 10
    assert [f.src for f in figures] == [f"photos/{n:02d}.jpg" for n in range(1, 11)]
    assert figures[0].caption == "开展“红歌颂党 献礼百年”庆祝中国共产党成立100周年活动"
    assert figures[-1].caption == "学党史办实事 践初心"
    assert manuscript.meta.title == "躬身力行守初心 真抓实干促发展"
    assert manuscript.meta.subtitle == "——滁州经开区城北新区办事处2021年工作纪实"
    assert manuscript.meta.byline == "刘金鑫"
    assert manuscript.meta.date == "2021"
    assert not (manuscript.folder / "photos" / "01.jpg").exists()


def test_broken_paragraphs_are_rejoined(imported):
    manuscript, report = imported
    paragraphs = [b.text for b in manuscript.blocks if isinstance(b, Paragraph)]
    assert report.joined == 3
    for joint in ("扎实开展“光荣在党50年”纪念章颁发工作", "推报“第七届滁州市道德模范”",
                  "线上、线下齐发力宣传动员，确保"):
        assert sum(joint in p for p in paragraphs) == 1, joint
    # No paragraph starts with the tail of a broken one, none ends mid-sentence.
    assert not any(p.startswith(("50年”", "市道德模范", "动员，")) for p in paragraphs)
    assert all(p[-1] in "。！？”" for p in paragraphs)
    assert len(paragraphs) == 24  # 27 paragraph lines in the seed, 3 of them tails


def test_punctuation_is_full_width_in_chinese_context(imported):
    manuscript, report = imported
    texts = [manuscript.meta.title, manuscript.meta.subtitle]
    for block in manuscript.blocks:
        texts.append(block.caption if isinstance(block, Figure) else block.text)
    for text in texts:
        assert not HALF_WIDTH_IN_CHINESE.search(text), text
    everything = "".join(texts)
    assert "8个村（居）分4个调研组" in everything
    assert "不要扔在马路！”" in everything
    assert "2021年3月" in everything and "1969名" in everything and "LED屏幕" in everything
    assert "，" in everything and "," not in everything


def test_punctuation_rules_leave_numbers_and_latin_alone():
    assert to_full_width("共1,600人,其中")[0] == "共1,600人，其中"
    assert to_full_width("ratio 3:2 and A, B")[0] == "ratio 3:2 and A, B"
    assert to_full_width("使用 (LED) 屏幕")[0] == "使用（LED）屏幕"
    assert to_full_width("真的吗?好!")[0] == "真的吗？好！"
    assert to_full_width("(1)加强党建")[0] == "（1）加强党建"
    assert to_full_width("参加人数(2021)")[0] == "参加人数（2021）"
    assert to_full_width("见 see (fig. 2).")[0] == "见 see (fig. 2)."


def test_report_names_every_decision(imported):
    _, report = imported
    text = "\n".join(report.lines())
    assert "line 3: title" in text and "line 5: subtitle" in text and "line 7: byline" in text
    assert text.count("section heading") == 3
    assert text.count("(photo still missing)") == 10
    assert text.count("joined to the paragraph") == 3
    assert "line 41: ， x5, （ x1, ） x1, ； x2" in text


EDITOR_CORRECTIONS = [("扔在马路！", "扔在马路上！", "“扔在马路”改为“扔在马路上”"),
                      ("村“两会”", "村“两委”", "“村‘两会’”改为“村‘两委’”")]
"""The editor's corrections of the original's slips, each listed in book.yaml's editor_note
(printed in the colophon); original.zh.txt stays as it came."""


def test_committed_sample_is_what_the_importer_makes(imported):
    manuscript, _ = imported
    committed = REPO / "book" / SAMPLE
    made = (manuscript.folder / "source.zh.md").read_text()
    for old, new, _ in EDITOR_CORRECTIONS:
        assert made.count(old) == 1
        made = made.replace(old, new)
    assert made == (committed / "source.zh.md").read_text()
    note = read_book(REPO / "book", SAMPLE).meta.editor_note
    assert all(listed in note for _, _, listed in EDITOR_CORRECTIONS)


def test_bom_and_crlf_give_the_same_book(tmp_path):
    crlf = tmp_path / "crlf.txt"
    crlf.write_bytes(b"\xef\xbb\xbf" + ORIGINAL.read_bytes().replace(b"\n", b"\r\n"))
    import_article(crlf, tmp_path / "a", SAMPLE)
    import_article(ORIGINAL, tmp_path / "b", SAMPLE)
    assert (tmp_path / "a" / SAMPLE / "source.zh.md").read_text() == \
        (tmp_path / "b" / SAMPLE / "source.zh.md").read_text()


def test_gbk_input_is_refused_with_the_fix_then_converted_when_asked(tmp_path, cli, project):
    gbk = tmp_path / "article-gbk.txt"
    gbk.write_bytes(ORIGINAL.read_text(encoding="utf-8").encode("gb18030"))
    code, out, err = cli(project, "import", str(gbk), "--book", "gbk-test")
    assert code == 2
    assert f"{gbk}:3: not UTF-8" in err
    assert "--encoding gb18030" in err and "iconv -f GB18030 -t UTF-8" in err
    assert not (project / "book" / "gbk-test").exists()
    assert not list((project / "book").glob(".gbk-test*"))

    code, out, err = cli(project, "import", str(gbk), "--book", "gbk-test",
                         "--encoding", "gb18030")
    assert code == 0, err
    made = (project / "book" / "gbk-test" / "source.zh.md").read_text()
    for old, new, _ in EDITOR_CORRECTIONS:  # the committed sample has them
        made = made.replace(old, new)
    assert made == (project / "book" / SAMPLE / "source.zh.md").read_text()


def test_existing_book_is_kept_unless_forced_and_photos_survive(tmp_path, cli, project):
    book = project / "book" / SAMPLE
    (book / "photos").mkdir(exist_ok=True)
    (book / "photos" / "01.jpg").write_bytes(b"keep me")
    (book / "source.zh.md").write_text("## 改过的\n\n编辑过的段落。\n", encoding="utf-8")

    code, out, err = cli(project, "import", str(ORIGINAL), "--book", SAMPLE)
    assert code == 2 and "already exists" in err and "--force" in err
    assert (book / "source.zh.md").read_text(encoding="utf-8") == "## 改过的\n\n编辑过的段落。\n"

    code, out, err = cli(project, "import", str(ORIGINAL), "--book", SAMPLE, "--force")
    assert code == 0, err
    assert "党建引领" in (book / "source.zh.md").read_text(encoding="utf-8")
    assert (book / "photos" / "01.jpg").read_bytes() == b"keep me"
    assert sorted(p.name for p in (project / "book").iterdir()) == [SAMPLE]


def test_import_prints_its_report(cli, project, tmp_path):
    code, out, err = cli(project, "import", str(ORIGINAL), "--book", "again")
    assert code == 0, err
    assert "joined to the paragraph of line 33" in out
    assert "book/again/ (3 paragraphs rejoined)" in out


def test_empty_and_missing_files_are_clear_errors(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("\n\n")
    with pytest.raises(InputError, match="no text"):
        import_article(empty, tmp_path / "book", "x")
    with pytest.raises(InputError, match="file not found"):
        import_article(tmp_path / "nope.txt", tmp_path / "book", "x")
    with pytest.raises(InputError, match="not a valid folder name"):
        import_article(ORIGINAL, tmp_path / "book", "../escape")


def test_markdown_special_characters_round_trip(tmp_path):
    article = tmp_path / "odd.txt"
    article.write_text(
        "标题\n\n——副标题\n\n作者\n\n1. 第一条，*重要*的_事_。\n\n# 不是标题 #，而是正文。\n\n"
        "~~~ 波浪线开头的段落 | 竖线 & 符号 <b>。\n\n\n\n图 [一] \\ *说明* !\n\n"
        "长段落没有句号结尾而且足够长不能当作标题来处理的一行文字内容\n\n短标题\n\n"
        "末段。\n", encoding="utf-8")
    folder, report = import_article(article, tmp_path / "book", "odd")
    blocks = read_book(tmp_path / "book", "odd").blocks
    assert [getattr(b, "text", getattr(b, "caption", None)) for b in blocks] == [
        "1. 第一条，*重要*的_事_。", "# 不是标题 #，而是正文。",
        "~~~ 波浪线开头的段落 | 竖线 & 符号 <b>。", "图 [一] \\ *说明* !",
        "长段落没有句号结尾而且足够长不能当作标题来处理的一行文字内容", "短标题", "末段。"]
    assert isinstance(blocks[5], Heading)
    assert any("line 19: taken as a heading, but the paragraph before it (line 17)" in u
               for u in report.unsure)
    assert "line 3: subtitle" in "\n".join(report.lines())


def test_force_reports_the_photos_it_kept(tmp_path):
    book = tmp_path / "book"
    import_article(ORIGINAL, book, SAMPLE)
    (book / SAMPLE / "photos" / "01.jpg").write_bytes(b"photo")
    _, report = import_article(ORIGINAL, book, SAMPLE, force=True)
    assert any("kept the 1 photo(s) already in photos/" in u for u in report.unsure)
    assert (book / SAMPLE / "photos" / "01.jpg").read_bytes() == b"photo"


def test_import_loses_and_adds_no_character(imported):
    """Up to whitespace and the width of punctuation, the book is the text as it came."""
    manuscript, _ = imported
    back = str.maketrans({full: half for half, full in
                          {",": "，", ";": "；", ":": "：", "!": "！", "?": "？",
                           "(": "（", ")": "）"}.items()})
    parts = [manuscript.meta.title, manuscript.meta.subtitle, manuscript.meta.byline]
    for block in manuscript.blocks:
        parts.append(block.caption if isinstance(block, Figure) else block.text)

    def norm(text: str) -> str:
        return re.sub(r"\s+", "", text.translate(back))

    assert norm("".join(parts)) == norm(ORIGINAL.read_text(encoding="utf-8"))


@pytest.mark.parametrize("slug", ["tiny\n", "tiny\n\n", "ok-name\n"])
def test_a_book_name_with_a_trailing_newline_is_refused(tmp_path, slug):
    """`$` matches before a final newline: names are matched whole."""
    with pytest.raises(InputError, match="not a valid folder name"):
        import_article(ORIGINAL, tmp_path / "book", slug)
    assert not (tmp_path / "book").exists()
    with pytest.raises(InputError, match="is not a book folder name"):
        Project(tmp_path).slugs(slug)
    with pytest.raises(InputError, match="is not a language tag"):
        Project(tmp_path).langs(SAMPLE, "en\n")


def test_imported_folders_follow_the_umask_like_any_saved_file(tmp_path):
    previous = os.umask(0o022)
    try:
        import_article(ORIGINAL, tmp_path / "book", "fresh")
        import_article(ORIGINAL, tmp_path / "book", "fresh", force=True)
    finally:
        os.umask(previous)
    book = tmp_path / "book" / "fresh"
    assert stat.S_IMODE(book.stat().st_mode) == 0o755
    assert stat.S_IMODE((book / "photos").stat().st_mode) == 0o755
    assert stat.S_IMODE((book / "source.zh.md").stat().st_mode) == 0o644


def stopped_force_import(books: Path, *, photos_moved: bool) -> Path:
    """The disk as `import --force` leaves it when killed: the old book in a hidden
    `.SLUG.old.*/SLUG`; the new one not yet renamed into place (photos_moved=False,
    between the two renames) or in place without the photos (between the rename and
    the move of photos/)."""
    import_article(ORIGINAL, books, SAMPLE)
    (books / SAMPLE / "photos" / "01.jpg").write_bytes(b"the only copy")
    (books / SAMPLE / "source.zh.md").write_text("旧的段落。\n", encoding="utf-8")
    retired = books / f".{SAMPLE}.old.k1ll3d"
    retired.mkdir()
    os.replace(books / SAMPLE, retired / SAMPLE)
    if photos_moved:  # the new text in place, the photos still in the old copy
        new, _ = import_article(ORIGINAL, books.parent / "staging", SAMPLE)
        new.joinpath("photos").rmdir()
        os.replace(new, books / SAMPLE)
    return retired


@pytest.mark.parametrize("photos_moved", [False, True])
def test_a_stopped_force_import_is_finished_by_the_next_read(tmp_path, photos_moved):
    books = tmp_path / "book"
    retired = stopped_force_import(books, photos_moved=photos_moved)
    assert Project(tmp_path).all_books() == [SAMPLE]
    manuscript = read_book(books, SAMPLE)
    assert (books / SAMPLE / "photos" / "01.jpg").read_bytes() == b"the only copy"
    assert not retired.exists() and sorted(p.name for p in books.iterdir()) == [SAMPLE]
    # Between the renames the old book is put back; after them the new one stays.
    assert (manuscript.blocks[0].text == "旧的段落。") is not photos_moved


@pytest.mark.parametrize("photos_moved", [False, True])
def test_a_stopped_force_import_is_finished_by_the_next_import(tmp_path, photos_moved):
    books = tmp_path / "book"
    stopped_force_import(books, photos_moved=photos_moved)
    import_article(ORIGINAL, books, SAMPLE, force=True)
    assert (books / SAMPLE / "photos" / "01.jpg").read_bytes() == b"the only copy"
    assert "党建引领" in (books / SAMPLE / "source.zh.md").read_text(encoding="utf-8")
    assert sorted(p.name for p in books.iterdir()) == [SAMPLE]


def test_a_stopped_force_import_never_deletes_photos_it_cannot_place(tmp_path):
    books = tmp_path / "book"
    retired = stopped_force_import(books, photos_moved=True)
    (books / SAMPLE / "photos").mkdir()
    (books / SAMPLE / "photos" / "01.jpg").write_bytes(b"a newer photo")
    read_book(books, SAMPLE)
    assert (retired / SAMPLE / "photos" / "01.jpg").read_bytes() == b"the only copy"
