"""Every article in tests/import_corpus/ imports exactly as its .expected.md and
.expected.yaml say: headings with their levels, figures with captions and photos,
rejoined paragraphs, metadata, and the doubts the report lists."""

from __future__ import annotations

from pathlib import Path

import pymupdf
import pytest
import yaml

from parabook import service
from parabook.compose.pairing import pair
from parabook.model import Figure
from parabook.project import Project
from parabook.source.importer import import_article
from parabook.source.manuscript import read_blocks, read_book

from .importgen import CORPUS, copy_page, make_docx

pytestmark = pytest.mark.unit

ARTICLES = sorted(p.name for p in CORPUS.iterdir()
                  if p.suffix in (".txt", ".html") or p.name.endswith(".docx.yaml"))


def article_file(name: str, folder: Path) -> tuple[Path, dict]:
    """The file to import (Word documents and web pages made with their photos), and
    the photos' bytes by the name the expected file gives them."""
    if name.endswith(".docx.yaml"):
        target = folder / name.removesuffix(".yaml")
        return target, dict(enumerate(make_docx(CORPUS / name, target), 1))
    if name.endswith(".html"):
        return copy_page(name, folder / "saved")
    return CORPUS / name, {}


def test_the_corpus_has_every_shape():
    kinds = [name.split(".", 1)[1] for name in ARTICLES]
    assert len(ARTICLES) >= 12
    assert kinds.count("docx.yaml") >= 3 and kinds.count("html") >= 3
    for name in ARTICLES:
        stem = name.split(".")[0]
        assert (CORPUS / f"{stem}.expected.md").is_file(), name
        assert (CORPUS / f"{stem}.expected.yaml").is_file(), name


@pytest.mark.parametrize("name", ARTICLES)
def test_article_imports_exactly_as_written_down(tmp_path, name):
    stem = name.split(".")[0]
    expected = yaml.safe_load((CORPUS / f"{stem}.expected.yaml").read_text(encoding="utf-8"))
    source, made = article_file(name, tmp_path / "in")
    folder, report = import_article(source, tmp_path / "book", "article")

    assert (folder / "source.zh.md").read_text(encoding="utf-8") == \
        (CORPUS / f"{stem}.expected.md").read_text(encoding="utf-8")
    meta = yaml.safe_load((folder / "book.yaml").read_text(encoding="utf-8"))
    keys = ("title", "subtitle", "byline", "date", "source", "editor")
    assert {k: meta[k] for k in keys if meta.get(k)} == \
        {k: expected[k] for k in keys if k in expected}
    assert report.joined == expected["joined"]
    assert sorted(report.unsure) == expected["unsure"]
    # Each photo the article brought is in photos/ byte for byte, under its figure's name.
    written = {p.name: p.read_bytes() for p in (folder / "photos").iterdir()}
    assert sorted(written) == sorted(expected["photos"])
    for file, origin in expected["photos"].items():
        if origin in made:
            assert written[file] == made[origin], file
    # Photos not in the file (remote, missing) are figures waiting for theirs, and the
    # report says where each was.
    blocks = read_blocks((folder / "source.zh.md").read_text(encoding="utf-8"), folder)
    lines = report.lines()
    for block in blocks:
        if isinstance(block, Figure) and Path(block.src).name not in written:
            assert any(f"figure {block.src} (photo " in line and (
                "still missing" in line or "not fetched" in line) for line in lines)
    # The uncertain decisions are listed at the end, after every decision.
    assert lines[lines.index(f"Unsure ({len(report.unsure)}):") + 1:] == \
        [f"  {u}" for u in report.unsure] or ["  nothing"]


def test_contents_show_the_hierarchy_of_numbered_headings(tmp_path):
    import_article(CORPUS / "t01-numbered.txt", tmp_path / "book", "numbered")
    manuscript = read_book(tmp_path / "book", "numbered")
    document = pair(manuscript, "en", {})
    assert [(entry.title.source[:4], entry.level) for entry in document.toc] == [
        ("一、坚持", 2), ("（一）强", 3), ("1.抓好", 4), ("2.抓好", 4), ("（二）加", 3),
        ("二、聚焦", 2)]


def test_remote_photos_are_named_in_the_report_and_never_fetched(tmp_path):
    source, _ = article_file("h02-wechat.html", tmp_path / "in")
    _, report = import_article(source, tmp_path / "book", "wechat")
    lines = "\n".join(report.lines())
    assert "https://mmbiz.qpic.cn/mmbiz_png/def/640?wx_fmt=png not fetched" in lines
    # The first image's data-src is remote too, but its saved copy is used.
    assert "photo from ./h02_files/640.jpeg" in lines


@pytest.mark.integration
def test_the_printed_contents_indent_each_sub_level(project):
    """Built for real: in the contents page, （一） stands 6 mm in from 一、, and 1. 6 mm more."""
    import_article(CORPUS / "t01-numbered.txt", project / "book", "numbered")
    service.build(Project(project), "numbered", outputs="email")
    pdf = pymupdf.open(project / "dist" / "numbered.email.pdf")
    contents = next(page for page in pdf if "目录" in page.get_text())
    starts = {}
    for block in contents.get_text("dict")["blocks"]:
        for line in block.get("lines", []):
            text = "".join(span["text"] for span in line["spans"])
            starts.setdefault(text[:3], line["bbox"][0])
    step = 6 / 25.4 * 72
    assert starts["（一）"] - starts["一、坚"] == pytest.approx(step, abs=0.5)
    assert starts["1.抓"] - starts["（一）"] == pytest.approx(step, abs=0.5)
    assert starts["二、聚"] == pytest.approx(starts["一、坚"], abs=0.5)
