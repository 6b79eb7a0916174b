"""Final builds from reviewed text, and the XLIFF round trip for reviewers without PO tools."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import polib
import pytest
from PIL import Image
from translate.storage import xliff

from parabook.catalog.po import read_catalog, save_catalog

from . import pdftools
from .conftest import SAMPLE


def add_photos(project: Path) -> None:
    for number in range(1, 11):
        Image.new("RGB", (600, 400), (30 * number, 90, 160)).save(
            project / "book" / SAMPLE / "photos" / f"{number:02d}.jpg", quality=85)


def po_file(project: Path) -> Path:
    return project / "translations" / f"{SAMPLE}.en.po"


@pytest.mark.slow
def test_final_build_of_the_reviewed_sample_prints_all_of_the_english(project, cli):
    add_photos(project)
    code, out, err = cli(project, "build", SAMPLE, "--final", "--output", "email")
    assert code == 0, err
    assert "warning" not in err
    pdf = project / "dist" / f"{SAMPLE}.email.pdf"
    text = pdftools.text(pdf)
    assert "DRAFT" not in text and "pending" not in text and "MACHINE" not in text
    # Every English translation is in the PDF, whole, in the target column (the
    # title, subtitle and byline on the cover, captions under their photos);
    # hyphens are dropped on both sides.
    def plain(text: str) -> str:
        return re.sub(r"[\s\u2010-]", "", text)

    cover = plain(pdftools.text(pdf, page=1))
    _, target_words, _ = pdftools.columns(pdf)
    column = plain("".join(w.text for w in target_words))
    for entry in polib.pofile(str(po_file(project))):
        where = cover if entry.comment in ("title", "subtitle", "byline") else column
        if entry.comment.startswith(("caption of", "colophon")):
            where = plain(text)
        assert plain(entry.msgstr) in where, entry.msgstr[:40]


@pytest.mark.slow
def test_final_refuses_one_fuzzy_entry_and_names_it(project, cli):
    add_photos(project)
    assert cli(project, "build", SAMPLE, "--final", "--output", "email")[0] == 0
    good = (project / "dist" / f"{SAMPLE}.email.pdf").read_bytes()
    catalog = read_catalog(po_file(project))
    entry = next(e for e in catalog if e.comment == "section 2, paragraph 3")
    entry.flags.append("fuzzy")
    save_catalog(catalog, po_file(project))
    line = read_catalog(po_file(project)).find(entry.msgid).linenum
    code, out, err = cli(project, "build", SAMPLE, "--final", "--output", "email")
    assert code == 2
    assert f"translations/{SAMPLE}.en.po:{line}: section 2, paragraph 3 is not reviewed" in err
    assert "fix:" in err
    assert (project / "dist" / f"{SAMPLE}.email.pdf").read_bytes() == good
    # The default draft build still works, and says DRAFT on every page.
    code, out, err = cli(project, "build", SAMPLE, "--output", "email")
    assert code == 0 and "1 segment(s) lack a reviewed en translation (1 not reviewed)" in err
    pdf = project / "dist" / f"{SAMPLE}.email.pdf"
    pages = int(pdftools.info(pdf)["Pages"])
    for page in range(1, pages + 1):
        assert "DRAFT — translation under review" in pdftools.text(pdf, page=page)


def test_final_refuses_missing_photos(project, cli):
    code, out, err = cli(project, "build", SAMPLE, "--final", "--output", "email")
    assert code == 2 and "a final booklet needs every photo" in err
    assert "source.zh.md:73: photo photos/10.jpg is missing" in err


@pytest.fixture
def exported(project, cli):
    code, out, err = cli(project, "export", SAMPLE, "--format", "xliff")
    assert code == 0, err
    assert "42 units" in out
    return project / "dist" / f"{SAMPLE}.en.xlf"


def test_xliff_is_read_by_translate_toolkit(project, exported):
    store = xliff.xlifffile.parsefile(str(exported))
    units = [u for u in store.units if not u.isheader()]
    catalog = polib.pofile(str(po_file(project)))
    assert [u.source for u in units] == [e.msgid for e in catalog]
    assert [u.target for u in units] == [e.msgstr for e in catalog]
    assert all(u.isapproved() for u in units)
    assert store.getsourcelanguage() == "zh-CN" and store.gettargetlanguage() == "en"
    notes = [u.getnotes() for u in units]
    assert notes[0] == "title" and "section 1, paragraph 5" in notes


def test_round_trip_without_edits_changes_nothing(project, cli, exported):
    before = po_file(project).read_bytes()
    code, out, err = cli(project, "import-review", str(exported))
    assert code == 0, err
    assert "unchanged; 0 approved, 0 edited" in out
    assert po_file(project).read_bytes() == before


def test_review_in_another_tool_comes_back_and_keeps_reviewed_text(project, cli):
    catalog = read_catalog(po_file(project))
    entries = [e for e in catalog]
    entries[3].flags, entries[3].msgstr = ["fuzzy"], "A rough draft."
    entries[4].flags, entries[4].msgstr = ["fuzzy"], "Another rough draft."
    reviewed_text = entries[5].msgstr
    save_catalog(catalog, po_file(project))
    xlf = project / "review.xlf"
    assert cli(project, "export", SAMPLE, "-o", str(xlf))[0] == 0

    # A reviewer works in a translate-toolkit based tool (as Weblate is).
    store = xliff.xlifffile.parsefile(str(xlf))
    units = [u for u in store.units if not u.isheader()]
    assert not units[3].isapproved() and units[5].isapproved()
    units[3].target = "The reviewed text."
    units[3].markapproved(True)
    units[4].target = "A better draft, not yet approved."
    units[4].markapproved(False)
    units[5].target = "An unapproved rewrite of reviewed text."
    units[5].markapproved(False)
    xlf.write_bytes(bytes(store))

    code, out, err = cli(project, "import-review", str(xlf))
    assert code == 0, err
    assert "updated; 1 approved, 1 edited (still unreviewed), 1 reviewed kept" in out
    assert "kept the reviewed text" in err
    subprocess.run(["msgfmt", "--check", "-o", "/dev/null", str(po_file(project))], check=True)
    after = polib.pofile(str(po_file(project)))
    assert after[3].msgstr == "The reviewed text." and not after[3].fuzzy
    assert after[4].msgstr == "A better draft, not yet approved." and after[4].fuzzy
    assert after[5].msgstr == reviewed_text and not after[5].fuzzy


@pytest.mark.parametrize(("content", "problem"), [
    ("<xliff version='1.2'><file", "not well-formed XML"),
    ("<xliff xmlns='urn:oasis:names:tc:xliff:document:1.2' version='1.2'>"
     "<file original='../../etc/passwd' target-language='en'/></xliff>",
     "does not name a translation file"),
    ("<html/>", "not an XLIFF 1.2 file"),
    # An external entity is never read; an entity bomb is stopped by expat.
    ('<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/hostname">]>'
     "<xliff xmlns='urn:oasis:names:tc:xliff:document:1.2' version='1.2'>"
     "<file original='chuzhou-2021.en.po' target-language='en'><body><trans-unit id='x'>"
     "<source>a</source><target>&xxe;</target></trans-unit></body></file></xliff>",
     "not well-formed XML: undefined entity &xxe;"),
    ('<!DOCTYPE x [<!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">'
     + "".join(f'<!ENTITY {chr(98 + n)} "{("&" + chr(97 + n) + ";") * 10}">' for n in range(8))
     + "]><xliff version='1.2'>&i;</xliff>",
     "limit on input amplification factor"),
])
def test_bad_xliff_is_refused_and_the_po_left_alone(project, cli, content, problem):
    before = po_file(project).read_bytes()
    bad = project / "bad.xlf"
    bad.write_text(content, encoding="utf-8")
    code, out, err = cli(project, "import-review", str(bad))
    assert code == 2 and problem in err and re.search(r"bad\.xlf(:\d+)?: ", err)
    assert po_file(project).read_bytes() == before


def test_an_old_review_file_never_overwrites_newer_work(project, cli, exported):
    catalog = read_catalog(po_file(project))
    catalog[2].msgstr = "Liu Jinxin (author)"  # changed in the PO after the export
    save_catalog(catalog, po_file(project))
    store = xliff.xlifffile.parsefile(str(exported))
    units = [u for u in store.units if not u.isheader()]
    units[2].target = "Liu J."  # the reviewer's edit of the old text
    exported.write_bytes(bytes(store))
    code, out, err = cli(project, "import-review", str(exported))
    assert code == 0, err
    assert "the PO changed since this file was exported" in err
    assert polib.pofile(str(po_file(project)))[2].msgstr == "Liu Jinxin (author)"


def test_export_never_writes_over_the_po_file(project, cli):
    before = po_file(project).read_bytes()
    code, out, err = cli(project, "export", SAMPLE, "-o", str(po_file(project)))
    assert code == 2 and "is not an XLIFF file name" in err
    assert po_file(project).read_bytes() == before
    code, out, err = cli(project, "export", SAMPLE, "-o", str(project / "no" / "such" / "x.xlf"))
    assert code == 0  # folders are made
    code, out, err = cli(project, "export", SAMPLE, "-o", str(po_file(project).parent))
    assert code == 2


def test_import_tidies_newlines_and_skips_inline_markup(project, cli, exported):
    text = exported.read_text(encoding="utf-8")
    text = text.replace(">Liu Jinxin</target>", ">Liu Jinxin\n</target>", 1)
    title = polib.pofile(str(po_file(project)))[0].msgstr
    text = text.replace(f">{title}</target>", ">Markup<x id='1'/> here</target>", 1)
    exported.write_text(text, encoding="utf-8")
    code, out, err = cli(project, "import-review", str(exported))
    assert code == 0, err
    assert "inline markup" in err
    subprocess.run(["msgfmt", "--check", "-o", "/dev/null", str(po_file(project))], check=True)
    after = polib.pofile(str(po_file(project)))
    assert after[0].msgstr == title and after[2].msgstr == "Liu Jinxin"


def test_a_review_without_its_export_record_never_overwrites_newer_work(project, cli,
                                                                        exported):
    catalog = read_catalog(po_file(project))
    catalog[2].msgstr = "Liu Jinxin (author)"  # reviewed in the PO after the export
    save_catalog(catalog, po_file(project))
    text = exported.read_text(encoding="utf-8").replace(">Liu Jinxin</target>",
                                                        ">Liu J.</target>", 1)
    # The review tool dropped every context group, the export record with them.
    text = re.sub(r"\s*<context-group.*?</context-group>", "", text, flags=re.S)
    assert "x-parabook-exported" not in text and 'approved="yes"' in text
    exported.write_text(text, encoding="utf-8")
    code, out, err = cli(project, "import-review", str(exported))
    assert code == 0, err
    assert "lost its export record (x-parabook-exported)" in err and "1 reviewed kept" in out
    assert polib.pofile(str(po_file(project)))[2].msgstr == "Liu Jinxin (author)"


def second_file(text: str) -> str:
    file = text[text.index("  <file"):text.index("</file>") + len("</file>")]
    return text.replace("</file>", "</file>\n" + file, 1)


@pytest.mark.parametrize(("change", "problem"), [
    (lambda text: text.replace("encoding='utf-8'", "encoding='x-klingon'", 1),
     "cannot read its XML: its declaration names an unknown encoding 'x-klingon'"),
    (lambda text: text.replace("encoding='utf-8'", "encoding='ISO-8859-1'", 1),
     "cannot read its XML: its declaration says encoding='ISO-8859-1', but the file is "
     "UTF-8"),
    (second_file, "it holds 2 <file> elements"),
])
def test_an_xliff_in_a_wrong_encoding_or_with_two_files_is_refused(project, cli, exported,
                                                                    change, problem):
    before = po_file(project).read_bytes()
    text = exported.read_text(encoding="utf-8")
    assert text.startswith("<?xml version='1.0' encoding='utf-8'?>")
    changed = change(text)
    exported.write_text(changed, encoding="utf-8")
    # The line of the declaration, or of the second <file>.
    line = changed[:changed.find("<file", changed.index("</file>"))].count("\n") + 1 \
        if change is second_file else 1
    code, out, err = cli(project, "import-review", str(exported))
    assert code == 2 and f"{exported.name}:{line}: {problem}" in err
    assert "Traceback" not in err and "fix: " in err
    assert po_file(project).read_bytes() == before
