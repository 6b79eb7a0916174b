"""The service API: what the command line, watch mode and the review app call."""

from __future__ import annotations

import subprocess
from io import BytesIO
from pathlib import Path

import polib
import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from parabook import service
from parabook.diagnostics import Diagnostics
from parabook.errors import InputError
from parabook.model import Place
from parabook.project import DEFAULTS, Project
from parabook.source.manuscript import read_book

from . import pdftools

TINY_YAML = "title: 小书\nbyline: 作者\ndate: '2021-12-30'\n"
TINY_SOURCE = "第一段，讲城北。\n\n## 一、党建引领\n\n第二段，讲社区。\n\n第三段，讲居民。\n"


def tiny(root: Path, yaml_text: str = TINY_YAML) -> Project:
    """A project with one three-paragraph book, `tiny`, and the repository's templates."""
    repo = Path(__file__).resolve().parent.parent
    book = root / "book" / "tiny"
    book.mkdir(parents=True)
    (book / "book.yaml").write_text(yaml_text, encoding="utf-8")
    (book / "source.zh.md").write_text(TINY_SOURCE, encoding="utf-8")
    for name in ("templates", "styles"):
        subprocess.run(["cp", "-r", str(repo / name), str(root / name)], check=True)
    (root / "translations").mkdir()
    return Project(root)


def test_book_yaml_reports_every_problem_at_once(tmp_path):
    project = tiny(tmp_path, TINY_YAML + "colour: red\npage_size: Letter\n"
                                          "date2: x\nlayout: 5\n")
    with pytest.raises(InputError) as raised:
        read_book(project.books, "tiny")
    error = raised.value
    assert [(d.line, d.code) for d in error.diagnostics] == [
        (4, "config.unknown-key"), (5, "config.bad-value"), (6, "config.unknown-key"),
        (7, "config.wrong-type")]
    text = str(error)
    assert error.path == project.books / "tiny" / "book.yaml"
    assert text.splitlines()[0].endswith("book.yaml: 4 problems:")
    for line, problem in ((4, "unknown key 'colour'"), (5, "page_size 'Letter'"),
                          (6, "unknown key 'date2'"), (7, "'layout' has the wrong type")):
        assert f"book.yaml:{line}: {problem}" in text
    assert text.count("fix:") == 5  # each problem's own, and the summary's


def test_one_problem_reads_as_before(tmp_path):
    project = tiny(tmp_path, TINY_YAML + "page_size: Letter\n")
    with pytest.raises(InputError) as raised:
        read_book(project.books, "tiny")
    assert raised.value.line == 4 and raised.value.problem == "page_size 'Letter' is not supported"
    assert [d.code for d in raised.value.diagnostics] == ["config.bad-value"]


def test_diagnostics_keep_warnings_apart_from_errors():
    found = Diagnostics()
    found.warning("photo.missing", "photo photos/01.jpg is missing", path=Path("s.md"), line=3)
    found.raise_errors()  # warnings alone raise nothing
    found.error("config.bad-value", "bad", path=Path("book.yaml"), line=2, fix="fix it")
    assert [d.code for d in found.warnings] == ["photo.missing"]
    with pytest.raises(InputError) as raised:
        found.raise_errors()
    assert str(raised.value) == "book.yaml:2: bad\n  fix: fix it"


places = st.one_of(
    st.sampled_from([Place("title"), Place("subtitle"), Place("byline"), Place("publisher"),
                     Place("place")]),
    st.builds(lambda n: Place("heading", n), st.integers(1, 999)),
    st.builds(lambda s, n: Place("paragraph", s, n), st.integers(0, 999), st.integers(1, 999)),
    st.builds(lambda p: Place("caption", photo=p),
              st.text(min_size=1).filter(lambda p: "; " not in p)),
)


@given(places)
def test_a_place_reads_back_from_its_description(place):
    assert Place.parse(place.describe()) == place


def test_other_comments_are_no_place():
    for text in ("", "note from the translator", "section x heading", "section 0 heading",
                 "opening, paragraph 0", "caption of "):
        assert Place.parse(text) is None


def test_update_check_and_texts_in_reading_order(tmp_path, capsys):
    project = tiny(tmp_path)
    report = service.update(project, "tiny", "en")
    assert report.created and report.added == 6  # title, byline, heading, 3 paragraphs
    found = service.texts(project, "tiny", "en")
    assert [t.segment.where for t in found] == [
        "title", "byline", "opening, paragraph 1", "section 1 heading",
        "section 1, paragraph 1", "section 1, paragraph 2"]
    assert {t.translation.state for t in found} == {"missing"}
    assert service.check(project, "tiny", "en").counts["missing"] == 6
    assert capsys.readouterr() == ("", "")  # the service never prints


def test_save_entry_reviewed_and_unreviewed(tmp_path):
    project = tiny(tmp_path)  # no PO yet: saving makes it
    place = Place("paragraph", 1, 2)
    saved = service.save_entry(project, "tiny", "en", place, "Third: the residents.",
                               reviewed=True)
    assert saved.segment.text == "第三段，讲居民。"
    assert (saved.translation.text, saved.translation.state) == ("Third: the residents.",
                                                                 "reviewed")
    subprocess.run(["msgfmt", "--check", "-o", "/dev/null", str(saved.po)], check=True)
    entry = polib.pofile(str(saved.po)).find("第三段，讲居民。")
    assert entry.msgstr == "Third: the residents." and not entry.fuzzy
    assert saved.translation.line == entry.linenum

    # An unreviewed edit of reviewed text is flagged fuzzy again; other entries untouched.
    saved = service.save_entry(project, "tiny", "en", place, "Third: residents.",
                               reviewed=False)
    assert saved.translation.state == "unreviewed"
    states = {t.segment.place: t.translation.state for t in service.texts(project, "tiny", "en")}
    assert states.pop(place) == "unreviewed" and set(states.values()) == {"missing"}


def test_save_entry_refuses_a_place_that_is_gone_or_an_empty_text(tmp_path):
    project = tiny(tmp_path)
    with pytest.raises(InputError, match="section 1, paragraph 9 is not in book/tiny/"):
        service.save_entry(project, "tiny", "en", Place("paragraph", 1, 9), "x", reviewed=True)
    with pytest.raises(InputError, match="the translation is empty"):
        service.save_entry(project, "tiny", "en", Place("title"), "  ", reviewed=True)
    assert not project.po("tiny", "en").exists()  # nothing written


def test_preview_page_is_a_png_of_the_built_page(tmp_path):
    project = tiny(tmp_path)
    service.save_entry(project, "tiny", "en", Place("paragraph", 1, 1), "Second: the "
                       "community.", reviewed=True)
    png = service.preview_page(project, "tiny", "en", 1, dpi=40)
    image = Image.open(BytesIO(png))
    assert image.format == "PNG"
    # A5 at 40 dpi: 148 x 210 mm
    assert (abs(image.width - 233) <= 1, abs(image.height - 331) <= 1) == (True, True)
    pdf = project.dist / "tiny.email.pdf"
    assert "Second: the community." in pdftools.text(pdf)
    with pytest.raises(InputError, match="page 99 is not in the booklet"):
        service.preview_page(project, "tiny", "en", 99, dpi=40)


def test_parse_outputs():
    assert service.parse_outputs("email, print,email") == ("email", "print")
    assert service.parse_outputs(DEFAULTS["outputs"]) == ("print", "handout", "email")
    with pytest.raises(InputError, match="unknown output pdf"):
        service.parse_outputs("pdf")


def test_help_says_what_build_writes_and_the_defaults(capsys):
    from parabook.cli import main

    helps = []
    for command in ("build", "watch", "preview", "export", "translate"):
        with pytest.raises(SystemExit):
            main([command, "--help"])
        helps.append(capsys.readouterr().out)
    text = " ".join(" ".join(helps).split())
    assert "dist/SLUG.print.pdf" in text and "dist/SLUG.pdf" not in text
    assert f"default {DEFAULTS['preview_dpi']}" in text


def test_build_warnings_are_diagnostics_with_codes(tmp_path):
    project = tiny(tmp_path)
    source = project.books / "tiny" / "source.zh.md"
    source.write_text(TINY_SOURCE + "\n![城北一角](photos/01.jpg)\n", encoding="utf-8")
    result = service.build(project, "tiny", "en", outputs=("email",))
    assert sorted(d.code for d in result.warnings) == ["photo.missing", "translation.unreviewed"]
    (missing,) = [d for d in result.warnings if d.code == "photo.missing"]
    assert (missing.path, missing.line) == (source, 9)
    for text in service.texts(project, "tiny", "en"):  # a reviewer goes through them all
        source = text.segment.text  # 第二段，讲社区。: paragraph 2, with its full stop
        number = f" {'一二三'.index(source[1]) + 1}." if source.startswith("第") else ""
        service.save_entry(project, "tiny", "en", text.segment.place,
                           f"English of {text.segment.where}{number}", reviewed=True)
    with pytest.raises(InputError, match=r"a final booklet needs every photo:\n  .*"
                                         r"source.zh.md:9: photo photos/01.jpg is missing"):
        service.build(project, "tiny", "en", outputs=("email",), final=True)
