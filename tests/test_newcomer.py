"""The first ten minutes: what a new user sees on the sample and on a book of their own."""

from __future__ import annotations

from pathlib import Path

import polib
import pytest
from PIL import Image

from parabook import service
from parabook.catalog.po import machine_comment
from parabook.lang.en import count
from parabook.model import Place
from parabook.project import Project
from parabook.watch import Watched, segment_changes

from . import pdftools
from .conftest import SAMPLE
from .test_service import TINY_SOURCE, tiny

FIGURES = "".join(f"\n![图{n}](photos/{n:02d}.jpg)\n" for n in range(1, 5))


def build_stderr(cli, root: Path, *args: str) -> str:
    code, out, err = cli(root, "build", *args)
    assert code == 0, err
    return err


@pytest.mark.slow  # the full sample
def test_the_sample_without_photos_warns_once(project, cli, monkeypatch):
    monkeypatch.chdir(project)  # paths are shown relative to where the user is
    err = build_stderr(cli, project, SAMPLE, "--output", "email")
    assert err.splitlines() == [
        f"warning: book/{SAMPLE}/source.zh.md: 10 photos are missing (photos/01.jpg … "
        f"photos/10.jpg); placeholder frames are printed. Add the files to book/{SAMPLE}/"
        "photos/ under those names"]


def test_photos_under_another_case_or_extension_are_used_and_strays_listed(tmp_path, cli):
    project = tiny(tmp_path)
    book = project.books / "tiny"
    (book / "source.zh.md").write_text(TINY_SOURCE + FIGURES, encoding="utf-8")
    (book / "photos").mkdir()
    Image.new("RGB", (1200, 800), (200, 30, 30)).save(book / "photos" / "01.JPG")
    Image.new("RGB", (1200, 800), (30, 30, 200)).save(book / "photos" / "02.jpeg")
    Image.new("RGB", (1200, 800), (30, 200, 30)).save(book / "photos" / "IMG_2034.JPG")
    text = build_stderr(cli, tmp_path, "tiny", "--output", "email")
    assert "source.zh.md:9: photo photos/01.jpg is on disk as 01.JPG; it is used" in text
    assert "source.zh.md:11: photo photos/02.jpg is on disk as 02.jpeg; it is used" in text
    assert "2 photos are missing (photos/03.jpg, photos/04.jpg)" in text
    assert "photos: 1 photo(s) in it are in no figure: IMG_2034.JPG" in text
    assert "fix: add a figure for each to source.zh.md, e.g. ![caption](photos/IMG_2034.JPG)" \
        in text
    # Two photos are placed, two are placeholders.
    pdf = project.dist / "tiny.email.pdf"
    listed = pdftools.run("pdfimages", "-list", str(pdf)).splitlines()[2:]
    assert len(listed) == 2
    assert pdftools.text(pdf).count("Photo missing") == 2


def test_two_candidates_are_not_guessed_between(tmp_path, cli):
    project = tiny(tmp_path)
    book = project.books / "tiny"
    (book / "source.zh.md").write_text(TINY_SOURCE + "\n![图1](photos/01.jpg)\n", encoding="utf-8")
    (book / "photos").mkdir()
    for name in ("01.JPG", "01.jpeg"):
        Image.new("RGB", (600, 400), (90, 90, 90)).save(book / "photos" / name)
    warnings = build_stderr(cli, tmp_path, "tiny", "--output", "email")
    assert "photo photos/01.jpg is missing" in warnings
    assert "2 photo(s) in it are in no figure: 01.JPG, 01.jpeg" in warnings


def test_counts_say_one_thing_and_many_things(tmp_path, cli):
    assert (count(1, "paragraph"), count(3, "paragraph"), count(0, "sheet")) == (
        "1 paragraph", "3 paragraphs", "0 sheets")
    project = tiny(tmp_path)
    service.save_entry(project, "tiny", "en", Place("title"), "A Small Book", reviewed=True)
    po = project.po("tiny", "en")
    catalog = polib.pofile(str(po))
    entry = catalog.find("作者")
    entry.msgstr, entry.flags = "The Author", ["fuzzy"]
    entry.tcomment = machine_comment("Google", entry.msgstr)
    catalog.save(str(po))
    code, out, err = cli(tmp_path, "check", "tiny")
    assert code == 0, err
    assert ("6 segments: 1 reviewed, 1 machine draft, 0 stale, 0 other unreviewed, "
            "4 missing") in out
    assert f"{po.name}:" in out and ": byline: machine draft" in out


def test_watch_ignores_sed_and_says_what_to_run_after_a_source_edit(tmp_path):
    project = tiny(tmp_path)
    watched = Watched(project, "tiny", None, ("email",))
    book = project.books / "tiny"
    assert not watched.relevant(book / "sedX1b2Q9")
    assert watched.relevant(book / "source.zh.md")
    service.save_entry(project, "tiny", "en", Place("paragraph", 1, 1), "Second.",
                       reviewed=True)
    before = {t.segment.place: (t.segment.text, t.translation.text, t.translation.state)
              for t in service.texts(project, "tiny", "en")}
    after = dict(before)
    place = Place("paragraph", 1, 1)
    after[place] = ("第二段，讲社区和居民。", None, "missing")
    assert segment_changes(before, after, "tiny") == [
        "section 1, paragraph 1: source edited, its translation shows as missing until you "
        "run: python build.py update tiny"]
    after[place] = (before[place][0], "Second, edited.", "reviewed")
    assert segment_changes(before, after, "tiny") == [
        "section 1, paragraph 1: translation edited"]


def test_review_notes_name_the_place_not_an_id(project, cli):
    code, out, err = cli(project, "export", SAMPLE)
    assert code == 0, err
    xlf = project / "dist" / f"{SAMPLE}.en.xlf"
    title = polib.pofile(str(project / "translations" / f"{SAMPLE}.en.po"))[0].msgstr
    text = xlf.read_text(encoding="utf-8").replace(f">{title}</target>",
                                                   ">Title<x id='1'/></target>", 1)
    xlf.write_text(text, encoding="utf-8")
    code, out, err = cli(project, "import-review", str(xlf))
    assert code == 0, err
    assert "note: title: its target has inline markup" in err
    assert "unit u" not in err


def test_cache_clear_keeps_the_translation_memory(tmp_path, cli):
    tiny(tmp_path)
    old_memory = tmp_path / ".cache" / "translation-memory.sqlite3"
    old_memory.parent.mkdir()
    old_memory.write_bytes(b"paid work")
    code, out, err = cli(tmp_path, "build", "tiny", "--output", "email")
    assert code == 0, err
    assert any((tmp_path / ".cache" / "text").iterdir())
    code, out, err = cli(tmp_path, "cache", "--clear")
    assert code == 0, err
    assert ".cache/: cleared" in out and "translations/.memory/translation-memory.sqlite3" \
        in out
    assert not any((tmp_path / ".cache").rglob("*"))
    assert Project(tmp_path).translation_memory().read_bytes() == b"paid work"
