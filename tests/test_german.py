"""A second target language end to end: a German booklet of the sample.

The German PO (tests/data) is an unreviewed draft of all 42 segments; the
repository's own booklet stays English-only, so each test puts it in a copy.
"""

from __future__ import annotations

import contextlib
import io
import re
import shutil
import subprocess
from pathlib import Path

import polib
import pymupdf
import pytest
from translate.storage import xliff

from parabook.catalog.po import read_catalog, save_catalog
from parabook.catalog.qa import check_translation
from parabook.cli import main
from parabook.lang import language
from parabook.lang.script import CONTROL, HAN, HAN_OR_CJK_PUNCTUATION, is_cjk
from parabook.typeset.linebreak import HYPHEN, break_lines

from . import pdftools
from .conftest import REPO, SAMPLE, copy_project

GERMAN_PO = REPO / "tests" / "data" / f"{SAMPLE}.de.po"


def german_project(folder: Path) -> Path:
    """A copy of the project whose book is also translated into German, dated to the day."""
    project = copy_project(folder)
    book_yaml = project / "book" / SAMPLE / "book.yaml"
    text = book_yaml.read_text(encoding="utf-8")
    german = (text.replace("target_langs:\n- en\n", "target_langs:\n- en\n- de\n")
              .replace("date: '2021'", "date: '2021-12-30'"))
    assert german.count("- de") == 1 and "2021-12-30" in german
    book_yaml.write_text(german, encoding="utf-8")
    shutil.copy(GERMAN_PO, po_file(project))
    return project


def po_file(project: Path) -> Path:
    return project / "translations" / f"{SAMPLE}.de.po"


@pytest.fixture
def german(tmp_path: Path) -> Path:
    return german_project(tmp_path / "project")


@pytest.fixture(scope="module")
def booklet(tmp_path_factory) -> tuple[Path, str]:
    """The German email PDF, built once through the command line, and its stderr."""
    project = german_project(tmp_path_factory.mktemp("german") / "project")
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["build", SAMPLE, "--lang", "de", "--output", "email"], root=project)
    assert code == 0, err.getvalue()
    built = re.search(r"built (\S+\.pdf)", out.getvalue())
    assert built, out.getvalue()
    return project / built[1], err.getvalue()


def test_the_german_draft_is_a_valid_unreviewed_po():
    subprocess.run(["msgfmt", "--check", "-o", "/dev/null", str(GERMAN_PO)], check=True)
    catalog = polib.pofile(str(GERMAN_PO))
    assert catalog.metadata["Language"] == "de"
    assert catalog.metadata["Plural-Forms"] == language("de").plural_forms
    english = [e for e in polib.pofile(str(REPO / "translations" / f"{SAMPLE}.en.po"))
               if not e.obsolete]
    assert [e.msgid for e in catalog] == [e.msgid for e in english]
    assert all(e.fuzzy and e.msgstr and e.tcomment.startswith("unreviewed draft")
               for e in catalog)


def test_update_keeps_every_german_translation(german, cli):
    before = {e.msgid: e.msgstr for e in polib.pofile(str(po_file(german)))}
    code, out, err = cli(german, "update", SAMPLE, "--lang", "de")
    assert code == 0, err
    assert "unchanged; 0 new, 0 edited" in out
    after = polib.pofile(str(po_file(german)))
    assert {e.msgid: e.msgstr for e in after if not e.obsolete} == before
    assert all(e.fuzzy for e in after)


def test_check_counts_german_and_raises_no_false_alarm(german, cli):
    code, out, err = cli(german, "check", SAMPLE, "--lang", "de")
    assert code == 0, err
    assert f"{SAMPLE} (de): " in out
    assert ("42 segments: 0 reviewed, 0 machine drafts, 0 stale, 42 other unreviewed, "
            "0 missing") in out
    # Every line after the counts names an unreviewed entry, none a QA finding:
    # 1.600, 2.000, 9.000 and 1.969 are German thousands, März is 3月, „…“ are paired.
    listed = out.splitlines()[2:]
    assert len(listed) == 42 and all(line.endswith(": other unreviewed") for line in listed)


def test_check_catches_a_wrong_german_number_and_an_unclosed_quote(german, cli):
    catalog = read_catalog(po_file(german))
    children = next(e for e in catalog if e.comment == "section 2, paragraph 6")
    assert "mehr als 1.600 Minderjährige" in children.msgstr
    children.msgstr = children.msgstr.replace("1.600", "1.060")
    heading = next(e for e in catalog if e.comment == "section 3 heading")
    heading.msgstr = heading.msgstr.replace("„Bauplan“", "„Bauplan")
    save_catalog(catalog, po_file(german))
    code, out, _ = cli(german, "check", SAMPLE, "--lang", "de", "--final")
    assert code == 1
    findings = [line for line in out.splitlines() if not line.endswith("other unreviewed")]
    assert any("section 2, paragraph 6: number 1600 is in the source but not in the "
               "translation" in line for line in findings), out
    assert any("section 3 heading: unbalanced „: it is never closed" in line
               for line in findings), out
    assert len(findings) == 4, out  # the two header lines and the two findings


def test_the_german_booklet(booklet):
    pdf, err = booklet
    assert "42 segment(s) lack a reviewed de translation" in err
    text = pdftools.text(pdf)
    assert "Parteiaufbau weist den Weg und zündet den „Motor“ der Entwicklung" in text
    assert "30. Dezember 2021" in text and "2021年12月30日" in text
    assert "[translation pending]" not in text and "[Übersetzung ausstehend]" not in text
    # German words broken at German hyphenation points: each joined word is in the PO.
    german_text = " ".join(e.msgstr for e in polib.pofile(str(GERMAN_PO)))
    # (The hyphens are drawn, not copied: read the drawn text, ignoring ActualText.)
    drawn = "".join(page.get_text(flags=pymupdf.TEXT_IGNORE_ACTUALTEXT)
                    for page in pymupdf.open(pdf))
    assert HYPHEN not in text
    broken = re.findall(rf"([A-Za-zÄÖÜäöüß]+){HYPHEN}\n([a-zäöüß]+)", drawn)
    assert len(broken) > 20
    for head, tail in broken:
        assert re.search(rf"\b{head}{tail}", german_text), (head, tail)
    assert any(re.search("[äöüß]", head + tail) for head, tail in broken)
    fonts = pdftools.fonts(pdf)
    assert fonts and all(font.embedded and font.subset for font in fonts)
    assert {"Noto-Serif", "Noto-Serif-CJK-SC"} <= {f.name.split("+")[1] for f in fonts}


def test_the_german_booklet_heads_its_contents_and_notes_in_german(booklet):
    pdf, _ = booklet
    pages = [page.get_text() for page in pymupdf.open(pdf)]
    assert any("目录" in text and "Inhalt" in text for text in pages)
    notes = [text for text in pages if "笔记" in text]
    assert all("Notizen" in text and "Notes" not in text for text in notes)
    assert not any("Contents" in text for text in pages)
    # The labels live with each language; one without a module reads English.
    assert (language("de-AT").notes_label, language("zh-CN").notes_label,
            language("fr").notes_label) == ("Notizen", "笔记", "Notes")


def test_xliff_round_trip_keeps_the_german_translations(german, cli):
    before = po_file(german).read_bytes()
    code, out, err = cli(german, "export", SAMPLE, "--lang", "de", "--format", "xliff")
    assert code == 0, err
    assert "42 units" in out
    exported = german / "dist" / f"{SAMPLE}.de.xlf"
    store = xliff.xlifffile.parsefile(str(exported))
    assert store.gettargetlanguage() == "de"
    units = [u for u in store.units if not u.isheader()]
    assert [u.target for u in units] == [e.msgstr for e in polib.pofile(str(GERMAN_PO))]
    assert not any(u.isapproved() for u in units)

    code, out, err = cli(german, "import-review", str(exported))
    assert code == 0, err
    assert "unchanged; 0 approved, 0 edited" in out
    assert po_file(german).read_bytes() == before

    # A reviewer approves the byline: only that entry changes.
    units[2].markapproved(True)
    exported.write_bytes(bytes(store))
    code, out, err = cli(german, "import-review", str(exported))
    assert code == 0, err
    assert "1 approved" in out
    after = polib.pofile(str(po_file(german)))
    assert [e.msgstr for e in after] == [e.msgstr for e in polib.pofile(str(GERMAN_PO))]
    assert [e.fuzzy for e in after] == [i != 2 for i in range(42)]


def test_break_lines_hyphenates_german_inside_german_quotes():
    text = "Der Bericht des „Parteiarbeitsausschusses“ nennt die Übersetzungsarbeit."
    lines = break_lines(text, 110, lang="de")
    assert lines is not None
    joined = "".join(line.text.removesuffix(HYPHEN) if line.text.endswith(HYPHEN)
                     else line.text + " " for line in lines).strip()
    assert joined == text
    assert any(line.text.startswith("„") or " „" in line.text for line in lines)
    broken = [line.text for line in lines if line.text.endswith(HYPHEN)]
    assert any("„" in line for line in broken), [line.text for line in lines]
    # pyphen's German dictionary marks false points (Übersetzungsa-rbeit); none is used.
    assert not any(line.endswith(("a" + HYPHEN, "sa" + HYPHEN)) for line in broken)


@pytest.mark.parametrize(("tag", "hyphenation", "pending", "date"), [
    ("de", "de_DE", "[Übersetzung ausstehend]", "30. Dezember 2021"),
    ("de-AT", "de_AT", "[Übersetzung ausstehend]", "30. Dezember 2021"),
    ("de-LU", "de_DE", "[Übersetzung ausstehend]", "30. Dezember 2021"),
    ("de_CH", "de_CH", "[Übersetzung ausstehend]", "30. Dezember 2021"),
    ("en", "en_US", "[translation pending]", "30 December 2021"),
    ("en-GB", "en_GB", "[translation pending]", "30 December 2021"),
    ("en-US", "en_US", "[translation pending]", "30 December 2021"),
    ("zh-CN", None, "[译文待补]", "2021年12月30日"),
    # No module: English labels and QA, the date as written, pyphen's dictionary if any.
    ("fr-CA", "fr", "[translation pending]", "2021-12-30"),
    ("tlh", None, "[translation pending]", "2021-12-30"),
])
def test_language_lookup_and_fallbacks(tag, hyphenation, pending, date):
    found = language(tag)
    assert (found.tag, found.hyphenation, found.pending_label) == (tag, hyphenation, pending)
    assert found.date("2021-12-30") == date
    assert found.date("2021-13") == "2021-13"  # not a date: as written


def test_plural_forms_and_quotes():
    assert language("de").plural_forms == "nplurals=2; plural=(n != 1);"
    assert language("fr").plural_forms == "nplurals=2; plural=(n > 1);"
    assert language("tlh").plural_forms is None
    assert language("de-CH").quotes.primary == ("„", "“")
    assert language("en-GB").quotes.secondary == ("‘", "’")


@pytest.mark.parametrize(("source", "target", "expected"), [
    ("组织党员9批次近500人", "fast 500 Personen in neun Gruppen", []),
    ("组织党员9批次近500人", "fast 50 Personen in neun Gruppen", ["numbers"]),
    ("组织党员9批次近500人", "fast 500 Personen in einigen Gruppen", ["numbers"]),
    ("受益1,600余人", "mehr als 1.600 Menschen", []),
    ("受益1,600余人", "mehr als 1600 Menschen", []),
    ("受益1,600余人", "mehr als 1.060 Menschen", ["numbers"]),
    ("增长2.5%", "ein Plus von 2,5 %", []),
    ("增长2.5%", "ein Plus von 25 %", ["numbers"]),
    ("2021年3月评选", "die Auswahl im März 2021", []),
    ("2021年3月评选", "die Auswahl 2021", ["numbers"]),
    ("获得第2名", "errang den zweiten Platz", []),
    ("获得第2名", "errang den dritten Platz", ["numbers"]),
    ("5所学校", "fünf Schulen", []),
    ("投资200万元", "2 Millionen Yuan", []),
    ("投资200万元", "20 Millionen Yuan", ["numbers"]),
    ("投资3亿元", "300 Millionen Yuan", []),
    ("投资3亿元", "0,3 Milliarden Yuan", []),
    ("投资3亿元", "3 Billionen Yuan", ["numbers"]),  # a German Billion is 10¹²
    ("他说", "Er sagte: „Das ist die ‚rote‘ Linie.“", []),
    ("他说", "Er sagte: „Das ist die rote Linie.", ["brackets"]),
    ("他说", "Er sagte: “Das ist die rote Linie.”", ["brackets"]),  # English quotes
])
def test_german_numbers_and_quotes(source, target, expected):
    assert [name for name, _ in check_translation(source, target, [], "de")] == expected


def test_the_german_draft_needs_german_rules():
    """Read as English, correct German numbers and quotes would be false alarms."""
    catalog = polib.pofile(str(GERMAN_PO))
    as_english = [name for e in catalog for name, _ in check_translation(e.msgid, e.msgstr, [])]
    assert "numbers" in as_english and "brackets" in as_english
    assert not [name for e in catalog
                for name, _ in check_translation(e.msgid, e.msgstr, [], "de")]


@pytest.mark.parametrize(("char", "han", "chinese", "wide_in_zh", "wide_in_de"), [
    ("中", True, True, True, True), ("㐀", True, True, True, True),  # extension A
    ("𠀀", True, True, True, True), ("，", False, True, True, True),  # extension B
    ("。", False, True, True, True), ("Ａ", False, False, True, True),  # full-width letter
    ("“", False, False, True, False), ("·", False, False, True, False),
    ("„", False, False, False, False), ("a", False, False, False, False),
    ("한", False, False, False, False),  # Hangul is spaced as Latin
])
def test_one_definition_of_chinese_characters(char, han, chinese, wide_in_zh, wide_in_de):
    assert bool(HAN.fullmatch(char)) is han
    assert bool(HAN_OR_CJK_PUNCTUATION.fullmatch(char)) is chinese
    assert (is_cjk(char, "zh-CN"), is_cjk(char, "de")) == (wide_in_zh, wide_in_de)


def test_control_characters():
    assert [m.group() for m in CONTROL.finditer("a\x00b\tc\nd\x85e\x7f")] == [
        "\x00", "\x85", "\x7f"]


def test_the_german_pdfs_are_named_for_the_language(booklet, cli):
    pdf, _ = booklet
    assert pdf.name == f"{SAMPLE}.de.email.pdf"
    project = pdf.parent.parent
    code, out, err = cli(project, "build", SAMPLE, "--output", "email")  # the first language
    assert code == 0, err
    english = project / "dist" / f"{SAMPLE}.email.pdf"
    assert "Staying True to Our Original Aspiration" in pdftools.text(english)
    assert "Staying True" not in pdftools.text(pdf)  # the German one is still German
