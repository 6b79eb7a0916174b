"""Word documents: read by content, photos in reading order with their captions, and a
re-import that keeps what the user did."""

from __future__ import annotations

import os
import stat
import zipfile

import pytest
import yaml

from parabook.errors import InputError
from parabook.source.importer import import_article

from .importgen import CORPUS, make_docx, photo

pytestmark = pytest.mark.unit


def test_a_word_document_is_known_by_its_content_not_its_name(tmp_path):
    disguised = tmp_path / "article.txt"
    photos = make_docx(CORPUS / "d01-styled.docx.yaml", disguised)
    folder, report = import_article(disguised, tmp_path / "book", "word")
    assert report.where == "paragraph"
    assert (folder / "photos" / "01.jpg").read_bytes() == photos[0]
    assert (folder / "photos" / "02.png").read_bytes() == photos[1]
    assert "## 一、精准招商见实效" in (folder / "source.zh.md").read_text(encoding="utf-8")
    # The document as it came is kept beside the text made of it.
    assert (folder / "original.txt").read_bytes() == disguised.read_bytes()


def test_a_zip_that_is_not_a_word_document_is_refused_clearly(tmp_path):
    archive = tmp_path / "article.docx"
    with zipfile.ZipFile(archive, "w") as out:
        out.writestr("readme.txt", "not Word")
    with pytest.raises(InputError, match="zip archive but not a Word document") as error:
        import_article(archive, tmp_path / "book", "zip")
    assert error.value.path == archive and ".docx, .html or .txt" in str(error.value)
    broken = tmp_path / "broken.docx"
    with zipfile.ZipFile(broken, "w") as out:
        out.writestr("word/document.xml", "<not-word/>")
    with pytest.raises(InputError, match="cannot read this Word file"):
        import_article(broken, tmp_path / "book", "broken")
    assert not (tmp_path / "book" / "zip").exists() and not (tmp_path / "book" / "broken").exists()


def test_force_keeps_the_users_settings_and_photos_and_matches_them_by_caption(tmp_path):
    document = tmp_path / "article.docx"
    photos = make_docx(CORPUS / "d01-styled.docx.yaml", document)
    folder, _ = import_article(document, tmp_path / "book", "word")
    meta = yaml.safe_load((folder / "book.yaml").read_text(encoding="utf-8"))
    meta.update(date="2021-12-30", publisher="经开区管委会", place="滁州",
                translation_note="Reviewed by A. Reader", cover_photo="photos/02.png")
    (folder / "book.yaml").write_text(yaml.safe_dump(meta, allow_unicode=True),
                                      encoding="utf-8")
    (folder / "photos" / "01.jpg").write_bytes(b"the user's better photo")

    # The press office sends the article again, its two photos now the other way round.
    spec = yaml.safe_load((CORPUS / "d01-styled.docx.yaml").read_text(encoding="utf-8"))
    first, second = spec.index({"image": "jpg"}), spec.index({"image": "png"})
    spec[first:first + 2], spec[second:second + 2] = spec[second:second + 2], \
        spec[first:first + 2]
    swapped = tmp_path / "swapped.docx.yaml"
    swapped.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    make_docx(swapped, document)
    _, report = import_article(document, tmp_path / "book", "word", force=True)

    kept = yaml.safe_load((folder / "book.yaml").read_text(encoding="utf-8"))
    for key in ("date", "publisher", "place", "translation_note", "cover_photo"):
        assert kept[key] == meta[key], key
    assert any("kept from the old book.yaml: date, cover_photo, publisher, place, "
               "translation_note (the article says otherwise" in u for u in report.unsure)
    text = (folder / "source.zh.md").read_text(encoding="utf-8")
    # Each caption keeps its photo, whatever its number in the new document.
    assert "![新能源产业园一角](photos/01.jpg)" in text
    assert "![智能家电企业生产线](photos/02.png)" in text
    assert text.index("智能家电企业生产线") < text.index("新能源产业园一角")
    assert (folder / "photos" / "01.jpg").read_bytes() == b"the user's better photo"
    assert (folder / "photos" / "02.png").read_bytes() == photos[1]
    assert sorted(p.name for p in (folder / "photos").iterdir()) == ["01.jpg", "02.png"]


def test_force_never_replaces_a_photo_of_another_caption(tmp_path):
    document = tmp_path / "article.docx"
    make_docx(CORPUS / "d03-quotes-editorial.docx.yaml", document)
    folder, _ = import_article(document, tmp_path / "book", "word")
    # The user's text gives 01.jpg another caption; a new import must not overwrite it.
    text = (folder / "source.zh.md").read_text(encoding="utf-8")
    (folder / "source.zh.md").write_text(text.replace("网格员入户走访", "改过的说明"),
                                         encoding="utf-8")
    (folder / "photos" / "01.jpg").write_bytes(b"user's")
    _, report = import_article(document, tmp_path / "book", "word", force=True)
    text = (folder / "source.zh.md").read_text(encoding="utf-8")
    assert (folder / "photos" / "01.jpg").read_bytes() == b"user's"
    assert "![网格员入户走访](photos/03.jpg)" in text
    assert (folder / "photos" / "03.jpg").is_file()
    assert "![网格员调解邻里纠纷](photos/02.jpg)" in text


def test_folders_are_0755_and_files_0644_whatever_the_umask(tmp_path):
    document = tmp_path / "article.docx"
    make_docx(CORPUS / "d01-styled.docx.yaml", document)
    previous = os.umask(0o077)
    try:
        folder, _ = import_article(document, tmp_path / "book", "word")
        import_article(document, tmp_path / "book", "word", force=True)
    finally:
        os.umask(previous)
    for path in [folder, *folder.rglob("*")]:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == (0o755 if path.is_dir() else 0o644), path


def test_the_copy_word_keeps_for_old_readers_is_not_a_second_photo(tmp_path):
    """Word saves a drawing twice: as itself (mc:Choice) and as VML (mc:Fallback)."""
    import docx
    from docx.oxml.ns import qn
    from lxml import etree

    made = tmp_path / "made.jpg"
    data = photo(made, 9)
    document = docx.Document()
    document.add_paragraph("题目")
    document.add_paragraph("正文一段。")
    run = document.add_paragraph().add_run()
    run.add_picture(str(made))
    drawing = run._r.find(qn("w:drawing"))
    rid = drawing.find(".//" + qn("a:blip")).get(qn("r:embed"))
    mc = "http://schemas.openxmlformats.org/markup-compatibility/2006"
    alternate = etree.SubElement(run._r, f"{{{mc}}}AlternateContent")
    choice = etree.SubElement(alternate, f"{{{mc}}}Choice", Requires="wps")
    choice.append(drawing)
    fallback = etree.SubElement(alternate, f"{{{mc}}}Fallback")
    pict = etree.SubElement(fallback, qn("w:pict"))
    shape = etree.SubElement(pict, "{urn:schemas-microsoft-com:vml}shape")
    etree.SubElement(shape, "{urn:schemas-microsoft-com:vml}imagedata").set(qn("r:id"), rid)
    document.add_paragraph("活动现场")
    target = tmp_path / "article.docx"
    document.save(str(target))

    folder, _ = import_article(target, tmp_path / "book", "fallback")
    assert [p.name for p in (folder / "photos").iterdir()] == ["01.jpg"]
    assert (folder / "photos" / "01.jpg").read_bytes() == data
    assert (folder / "source.zh.md").read_text(encoding="utf-8") == \
        "正文一段。\n\n![活动现场](photos/01.jpg)\n"


@pytest.mark.parametrize(("data", "what", "fix"), [
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "Word 97-2003 (.doc)", "save it as .docx"),
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "PDF", "ask for the Word document")])
def test_old_word_files_and_pdfs_are_refused_with_the_fix(tmp_path, data, what, fix):
    source = tmp_path / "article.docx"
    source.write_bytes(data)
    with pytest.raises(InputError) as error:
        import_article(source, tmp_path / "book", "refused")
    assert what in str(error.value) and fix in str(error.value)
    assert not (tmp_path / "book").exists()


def test_a_banner_photo_above_the_title_does_not_hide_subtitle_and_byline(tmp_path):
    spec = tmp_path / "banner.docx.yaml"
    spec.write_text("""
- {image: jpg}
- [Title, 秋收时节]
- [Normal, ——2023年秋收纪实]
- [Normal, 周丽]
- [Normal, 正文一段，讲秋收。]
""", encoding="utf-8")
    target = tmp_path / "banner.docx"
    photos = make_docx(spec, target)
    folder, report = import_article(target, tmp_path / "book", "banner")
    meta = yaml.safe_load((folder / "book.yaml").read_text(encoding="utf-8"))
    assert (meta["title"], meta["subtitle"], meta["byline"], meta["date"]) == (
        "秋收时节", "——2023年秋收纪实", "周丽", "2023")
    assert (folder / "source.zh.md").read_text(encoding="utf-8") == \
        "![图1](photos/01.jpg)\n\n正文一段，讲秋收。\n"
    assert (folder / "photos" / "01.jpg").read_bytes() == photos[0]
    assert "paragraph 1: photo image1.jpg has no caption under it; captioned '图1': write " \
           "its caption" in report.unsure


def test_the_command_imports_a_word_document_with_its_photos(tmp_path, cli, project):
    document = tmp_path / "稿件.docx"
    make_docx(CORPUS / "d01-styled.docx.yaml", document)
    code, out, err = cli(project, "import", str(document), "--book", "word-cli")
    assert code == 0, err
    assert ("  paragraph 10: figure photos/01.jpg (photo from image1.jpg), "
            "caption '新能源产业园一角'") in out
    assert "book/word-cli/ (0 paragraphs rejoined)" in out
    code, out, err = cli(project, "photos", "word-cli")
    assert code == 0 and "Figures without their photo (0):" in out
    assert "Files in photos/ that no figure uses (0):" in out
