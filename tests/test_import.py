"""Importing the plain-text seed article into a manuscript folder."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parabook.compose.pairing import pair
from parabook.errors import BookError, InputError
from parabook.model import Figure, Heading, Paragraph
from parabook.project import Project
from parabook.source.importer import editorial, import_article, numbered_rank, parse_article
from parabook.source.manuscript import read_blocks, read_book, write_markdown
from parabook.source.punctuation import to_full_width

from .conftest import REPO, SAMPLE, SEED
from .importgen import han_lost

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


def test_imported_folders_are_0755_and_files_0644_whatever_the_umask(tmp_path):
    previous = os.umask(0o077)
    try:
        import_article(ORIGINAL, tmp_path / "book", "fresh")
        import_article(ORIGINAL, tmp_path / "book", "fresh", force=True)
    finally:
        os.umask(previous)
    book = tmp_path / "book" / "fresh"
    assert stat.S_IMODE(book.stat().st_mode) == 0o755
    assert stat.S_IMODE((book / "photos").stat().st_mode) == 0o755
    assert stat.S_IMODE((book / "source.zh.md").stat().st_mode) == 0o644
    assert stat.S_IMODE((book / "book.yaml").stat().st_mode) == 0o644


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


def parse(text: str):
    return parse_article(text, Path("article.txt"))


def shown(blocks) -> list[str]:
    out = []
    for block in blocks:
        if isinstance(block, Heading):
            out.append("#" * block.level + " " + block.text)
        elif isinstance(block, Figure):
            out.append(f"[{block.caption}]")
        else:
            out.append(block.text)
    return out


def test_a_numbered_heading_is_a_heading_wherever_it_stands():
    imported = parse("题目\n\n——2022年副题\n\n作者\n\n开头一段。\n\n\n"
                     "一、第一部分的标题\n\n正文。\n\n\n\n（一）下一级标题\n\n正文。\n\n"
                     "二、一个很长很长的编号标题，说明了这一部分要讲的全部内容\n\n"
                     "紧接着的正文段落，它不能与标题粘在一起。\n")
    assert shown(imported.blocks) == [
        "开头一段。", "## 一、第一部分的标题", "正文。", "### （一）下一级标题", "正文。",
        "## 二、一个很长很长的编号标题，说明了这一部分要讲的全部内容",
        "紧接着的正文段落，它不能与标题粘在一起。"]
    assert imported.report.unsure == []


@pytest.mark.parametrize(("line", "rank"), [
    ("一、加强领导", 1), ("十二、其他", 1), ("（三）做法", 2), ("(三)做法", 2), ("3.抓落实", 3),
    ("3、抓落实", 3), ("（2）细节", 4), ("第二部分 成效", 0), ("第三章", None),
    ("3.5亿元投入使用", None), ("一、我们做了很多工作。", None), ("1. " + "长" * 60, None),
    ("一些人来了", None), ("2021年工作", None)])
def test_numbered_heading_patterns(line, rank):
    assert numbered_rank(line) == rank


@pytest.mark.parametrize(("line", "fields"), [
    ("来源：滁州日报 发布时间：2021-12-30 10:00", [("来源", "滁州日报"),
                                               ("发布时间", "2021-12-30 10:00")]),
    ("（责任编辑：赵六）", [("责任编辑", "赵六")]), ("（完）", [("完", "（完）")]),
    ("（记者 李四）", [("记者", "李四")]), ("编辑：钱八 | 审核：孙七", [("编辑", "钱八"),
                                                                 ("审核", "孙七")]),
    ("原标题：旧的标题", [("原标题", "旧的标题")]),
    ("来源于群众的意见很多。", None), ("作者在文中写道：很好。" * 10, None),
    ("记者了解到，活动很成功。", None)])
def test_editorial_lines(line, fields):
    assert editorial(line) == fields


def test_editorial_lines_are_metadata_not_text_and_each_is_reported():
    imported = parse("社区新闻\n\n来源：滁州日报 发布时间：2021年12月30日\n\n正文第一段。\n\n"
                     "小标题\n\n正文第二段。\n\n（责任编辑：赵六）\n\n（完）\n")
    assert shown(imported.blocks) == ["正文第一段。", "## 小标题", "正文第二段。"]
    assert imported.meta["date"] == "2021-12-30" and imported.meta["source"] == "滁州日报"
    assert imported.meta["editor"] == "赵六"
    lines = "\n".join(imported.report.lines())
    assert "line 3: editorial line 来源：滁州日报 -> book.yaml source" in lines
    assert "line 3: editorial line 发布时间：2021年12月30日 -> book.yaml date 2021-12-30" in lines
    assert "line 11: editorial line 责任编辑：赵六 -> book.yaml editor" in lines
    assert "line 13: dropped the end mark （完）" in lines


def test_a_long_sentence_after_a_photo_gap_is_a_paragraph_and_is_rejoined():
    long_line = ("这是一段很长的正文，写在照片的位置之后，它并不是照片的说明文字，"
                 "而是文章的一部分内容，")
    imported = parse(f"题目\n\n——2022年副题\n\n作者\n\n\n\n{long_line}\n\n接着写完。\n\n\n\n"
                     "一句完整的长句子，讲的是一件事，并且有句号结尾。\n")
    assert shown(imported.blocks) == [long_line + "接着写完。",
                                      "一句完整的长句子，讲的是一件事，并且有句号结尾。"]
    assert imported.report.joined == 1
    assert [u.split(":")[0] for u in imported.report.unsure] == ["line 9", "line 15"]


@pytest.mark.parametrize(("text", "fixed"), [
    ('建了"样板间"', "建了“样板间”"), ('他说:"不要钱."', "他说：“不要钱。”"),
    ("这是'试点'工作", "这是‘试点’工作"), ("共3.5亿元.", "共3.5亿元。"),
    ('He said "yes". 好', 'He said "yes". 好'), ("don't 可以", "don't 可以"),
    ('他说:"This is great."', '他说："This is great."'),
    ("见 www.gov.cn 网站.", "见 www.gov.cn 网站。"),
    ("等等...", "等等..."), ("好.他说", "好。他说"), ('"OK"吗', "“OK”吗")])
def test_quotes_and_full_stops_in_chinese_context(text, fixed):
    assert to_full_width(text)[0] == fixed


HAN = st.characters(min_codepoint=0x4E00, max_codepoint=0x4E60)
PIECES = st.sampled_from(["\n", "\n\n", "\n\n\n", "一、", "（一）", "1.", "第一部分", "来源：",
                          "发布时间：2021-12-30", "（完）", "（责任编辑：", "）", "——", '"', "'",
                          ".", "。", "，", ",", "(", ")", "！", " ", "2021年", "\u3000", "图"])
ARTICLES = st.lists(st.one_of(HAN, PIECES, st.text(HAN, min_size=5, max_size=40)),
                    max_size=60).map("".join)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ARTICLES)
def test_the_importer_never_crashes_and_never_loses_a_han_character(text):
    """Every Han character of the article is in the book, or in a report line that says
    it was dropped (an editorial line)."""
    try:
        imported = parse(text)
    except BookError as error:
        assert error.path == Path("article.txt") and error.fix
        assert not re.search(r"[\u4e00-\u9fff]", text)
        return
    assert not han_lost(imported, text)
    markdown = write_markdown(imported.blocks)
    assert len(read_blocks(markdown, Path("source.zh.md"))) == len(imported.blocks)


def test_force_keeps_every_key_the_user_set_and_says_which(tmp_path):
    books = tmp_path / "book"
    import_article(ORIGINAL, books, SAMPLE)
    meta_path = books / SAMPLE / "book.yaml"
    meta = yaml.safe_load(meta_path.read_text(encoding="utf-8"))
    meta.update(date="2021-12-30", publisher="城北新区办事处", layout="stacked",
                title="躬身力行守初心 真抓实干促发展")  # the same as the article's
    meta_path.write_text(yaml.safe_dump(meta, allow_unicode=True), encoding="utf-8")
    _, report = import_article(ORIGINAL, books, SAMPLE, force=True)
    again = yaml.safe_load(meta_path.read_text(encoding="utf-8"))
    assert {k: again[k] for k in meta} == meta
    assert "kept from the old book.yaml: date, layout, publisher (the article says " \
           "otherwise" in "\n".join(report.unsure)


def test_photos_command_lists_unassigned_files_beside_figures_missing_one(cli, project):
    photos = project / "book" / SAMPLE / "photos"
    photos.mkdir(exist_ok=True)
    for name in ("01.JPG", "02.jpeg", "IMG_2034.JPG", "notes.txt"):
        (photos / name).write_bytes(b"x")
    code, out, err = cli(project, "photos", SAMPLE)
    assert code == 0, err
    assert "Figures without their photo (10):" in out
    assert "photos/01.jpg  开展“红歌颂党 献礼百年”庆祝中国共产党成立100周年活动  <- found as " \
           "01.JPG" in out
    assert "photos/02.jpg  城北新区党工委党史学习教育  <- found as 02.jpeg" in out
    assert "photos/03.jpg  “光荣在党50年”纪念章颁发\n" in out
    assert out.split("no figure uses")[1].split("\n")[1:3] == ["  photos/IMG_2034.JPG", "Rename "
                                                                "each file to the name its "
                                                                "figure gives, or write the "
                                                                "file's name in source.zh.md."]
    code, out, err = cli(project, "photos", "no-such-book")
    assert code == 2 and "no-such-book" in err


def test_force_keeps_each_photo_with_its_caption_when_figures_are_renumbered(tmp_path):
    books = tmp_path / "book"
    first = tmp_path / "first.txt"
    first.write_text("题目\n\n——2022年纪实\n\n作者\n\n正文一段。\n\n\n\n开工仪式\n\n正文二段。\n\n\n\n"
                     "竣工验收\n\n正文三段。\n", encoding="utf-8")
    folder, _ = import_article(first, books, "renumbered")
    (folder / "photos" / "01.jpg").write_bytes(b"ceremony")
    (folder / "photos" / "02.jpg").write_bytes(b"inspection")
    source = folder / "source.zh.md"
    source.write_text(source.read_text(encoding="utf-8").replace(
        "(photos/02.jpg)", '(photos/02.jpg "half crop=3:2")'), encoding="utf-8")
    # The new version has a photo more, before the others.
    second = tmp_path / "second.txt"
    second.write_text(first.read_text(encoding="utf-8").replace(
        "正文一段。\n", "正文一段。\n\n\n\n项目鸟瞰\n"), encoding="utf-8")
    _, report = import_article(second, books, "renumbered", force=True)
    figures = [b for b in read_blocks(source.read_text(encoding="utf-8"), source)
               if isinstance(b, Figure)]
    assert [(f.caption, f.src) for f in figures] == [
        ("项目鸟瞰", "photos/03.jpg"), ("开工仪式", "photos/01.jpg"), ("竣工验收", "photos/02.jpg")]
    assert figures[2].width == "half" and figures[2].crop == (3, 2)
    assert (folder / "photos" / "01.jpg").read_bytes() == b"ceremony"
    assert (folder / "photos" / "02.jpg").read_bytes() == b"inspection"
    lines = "\n".join(report.lines())
    assert "figure named photos/03.jpg: photos/01.jpg is another figure's photo" in lines
    assert "2 figure(s) matched by caption" in lines


def test_an_editorial_line_before_the_title_is_not_taken_for_it():
    imported = parse("来源：滁州日报\n\n社区新闻\n\n——2021年纪实\n\n正文一段。\n")
    assert imported.meta["title"] == "社区新闻" and imported.meta["source"] == "滁州日报"
    assert shown(imported.blocks) == ["正文一段。"]


def test_two_files_of_nearly_a_figures_name_are_named_not_guessed_between(cli, project):
    photos = project / "book" / SAMPLE / "photos"
    photos.mkdir(exist_ok=True)
    for name in ("01.JPG", "01.jpeg", "02.PNG"):
        (photos / name).write_bytes(b"x")
    code, out, _ = cli(project, "photos", SAMPLE)
    assert "photos/01.jpg  开展“红歌颂党 献礼百年”庆祝中国共产党成立100周年活动  <- 01.JPG and " \
           "01.jpeg are there: keep the one that belongs here" in out
    # 02.PNG is not 02.jpg: another kind of file is not a spelling of its name.
    assert "photos/02.jpg  城北新区党工委党史学习教育\n" in out
    assert out.endswith("  photos/01.JPG\n  photos/01.jpeg\n  photos/02.PNG\nRename each file "
                        "to the name its figure gives, or write the file's name in "
                        "source.zh.md.\n")
    # With one of them gone, the build uses the other and says so.
    (photos / "01.jpeg").unlink()
    warnings = pair(read_book(project / "book", SAMPLE), "en", {}).warnings
    assert any(w.code == "photo.other-name" and "on disk as 01.JPG" in w.message
               for w in warnings)


def test_the_build_names_both_files_when_two_could_be_a_figures_photo(tmp_path):
    article = tmp_path / "one-photo.txt"
    article.write_text("题目\n\n——2022年纪实\n\n作者\n\n正文一段。\n\n\n\n开工仪式\n\n正文二段。\n",
                       encoding="utf-8")
    folder, _ = import_article(article, tmp_path / "book", "one")
    for name in ("01.JPG", "01.jpeg"):
        (folder / "photos" / name).write_bytes(b"x")
    warnings = pair(read_book(tmp_path / "book", "one"), "en", {}).warnings
    assert [w.message for w in warnings if w.code == "photo.missing"] == [
        "photo photos/01.jpg is missing; a placeholder frame is printed. photos/ has 01.JPG "
        "and 01.jpeg: keep the one that belongs here, as 01.jpg"]
