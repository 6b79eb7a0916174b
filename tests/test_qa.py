"""QA checks fire on crafted bad entries and stay quiet on the reviewed sample."""

from __future__ import annotations

import os
import subprocess
import threading
import xml.etree.ElementTree as ET

import polib
import pytest

from parabook.catalog.diff import char_diff
from parabook.catalog.po import read_catalog, save_catalog
from parabook.catalog.qa import book_spelling, check_translation, load_glossary
from parabook.errors import InputError

from .conftest import REPO, SAMPLE

GLOSSARY = REPO / "translations" / "glossary.zh-en.tsv"
PO = REPO / "translations" / f"{SAMPLE}.en.po"


@pytest.fixture(scope="module")
def glossary():
    return load_glossary(GLOSSARY)


def checks(source: str, target: str, glossary) -> list[str]:
    return [name for name, _ in check_translation(source, target, glossary)]


def test_the_sample_translation_is_complete_reviewed_and_clean(glossary):
    subprocess.run(["msgfmt", "--check", "-o", "/dev/null", str(PO)], check=True)
    catalog = polib.pofile(str(PO))
    active = [e for e in catalog if not e.obsolete]
    assert len(active) == 42
    assert all(e.msgstr.strip() and not e.fuzzy for e in active)
    for entry in active:
        assert check_translation(entry.msgid, entry.msgstr, glossary) == [], entry.linenum


def test_check_final_is_clean_on_the_sample(project, cli):
    code, out, err = cli(project, "check", "--final")
    assert code == 0, out + err
    assert "42 segments: 42 reviewed, 0 machine drafts, 0 stale, 0 other unreviewed, " \
           "0 missing" in out
    assert "ready for a final build" in out


@pytest.mark.parametrize(("source", "target", "expected"), [
    ("组织党员9批次近500人", "nearly 500 people in nine groups", []),
    ("组织党员9批次近500人", "nearly 50 people in nine groups", ["numbers"]),
    ("受益1,600余人", "more than 1600 people", []),
    ("受益1,600余人", "more than 1,060 people", ["numbers"]),
    ("2021年3月评选", "the March 2021 selection", []),
    ("2021年3月评选", "the 2021 selection", ["numbers"]),
    ("3个组织、3名同志", "3 organizations and three people", []),
    ("3个组织、3名同志", "3 organizations and some people", ["numbers"]),
    # 万 and 亿 scale the number before them, as million and billion do.
    ("投资200万元", "2 million yuan", []),
    ("投资200万元", "2,000,000 yuan", []),
    ("投资200万元", "200 yuan", ["numbers"]),
    ("受益1.2万人", "12,000 people", []),
    ("投资3亿元", "0.3 billion yuan", []),
    ("投资3亿元", "3 billion yuan", ["numbers"]),
])
def test_numbers(source, target, expected, glossary):
    assert checks(source, target, glossary) == expected


def test_a_scaled_number_is_reported_by_its_value(glossary):
    found = check_translation("受益1.2万人", "1,200 people", glossary)
    assert [m for _, m in found] == ["number 12000 (1.2万) is in the source but not in the "
                                     "translation"]


def test_glossary_terms_longest_first(glossary):
    assert checks("城北新区党工委", "the Chengbei New District Party Working Committee",
                  glossary) == []
    found = check_translation("城北新区党工委", "the Chengbei New District Party Committee",
                              glossary)
    assert [n for n, _ in found] == ["glossary"]
    assert "党工委 should be rendered as “Party Working Committee”" in found[0][1]
    # 滁州经开区 speaks for its part 经开区: no second finding for the short form.
    assert checks("滁州经开区", "Chuzhou Economic and Technological Development Zone",
                  glossary) == []
    # Alternatives separated by " | " each satisfy the term.
    assert checks("经开区", "the Development Zone", glossary) == []


def test_chinese_left_in_the_translation(glossary):
    found = check_translation("居民", "residents，who", glossary)
    assert [n for n, _ in found] == ["untranslated"] and "，" in found[0][1]
    assert checks("居民", "the 居民 of the area", glossary) == ["untranslated"]


def test_empty_translation(glossary):
    assert checks("居民", "", glossary) == ["empty"]


@pytest.mark.parametrize(("target", "bad"), [
    ("the “red engine", True),
    ("the red engine”", True),
    ("the (red engine", True),
    ('the "red engine', True),
    ("a ‘quote’ inside “another”", False),
    ("the Party’s (red) “engine”", False),
])
def test_brackets_and_quotes(target, bad, glossary):
    assert ("brackets" in checks("引擎", target, glossary)) is bad


def test_findings_name_the_po_line_and_final_fails(project, cli):
    po = project / "translations" / f"{SAMPLE}.en.po"
    catalog = read_catalog(po)
    entry = next(e for e in catalog if "9批次近500人" in e.msgid)
    entry.msgstr = entry.msgstr.replace("Nearly 500", "Nearly 400")
    save_catalog(catalog, po)
    line = read_catalog(po).find(entry.msgid).linenum
    code, out, err = cli(project, "check", SAMPLE)
    assert code == 0
    assert f"translations/{SAMPLE}.en.po:{line}: section 1, paragraph 5: number 500 is in " \
           "the source but not in the translation" in out
    code, out, err = cli(project, "check", SAMPLE, "--final")
    assert code == 1 and "not final" in err


def test_glossary_errors_name_the_line(project, cli):
    path = project / "translations" / "glossary.zh-en.tsv"
    path.write_text("term\ttranslation\tnote\n党工委 Party Working Committee\n",
                    encoding="utf-8")
    code, _, err = cli(project, "check", SAMPLE)
    assert code == 2
    assert "translations/glossary.zh-en.tsv:2: a glossary line needs a term and its " \
           "translation" in err



def load_within(path, seconds: float = 10.0):
    """`load_glossary(path)`'s terms or error; a reader blocked on a pipe is let go (by
    opening and closing its other end) and fails the test instead of hanging it."""
    outcome: list = []

    def load() -> None:
        try:
            outcome.append(load_glossary(path))
        except Exception as error:  # noqa: BLE001 (the test judges it)
            outcome.append(error)

    reader = threading.Thread(target=load, daemon=True)
    reader.start()
    reader.join(seconds)
    if reader.is_alive():
        os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))
        reader.join(seconds)
        pytest.fail(f"load_glossary blocked on {path}")
    return outcome[0]


def test_a_glossary_that_is_a_pipe_is_refused_without_waiting(tmp_path):
    path = tmp_path / "glossary.zh-en.tsv"
    os.mkfifo(path)
    error = load_within(path)
    assert isinstance(error, InputError), error
    assert error.path == path and "not a regular file" in error.problem


def test_a_glossary_linked_to_a_device_is_refused(tmp_path):
    path = tmp_path / "glossary.zh-en.tsv"
    path.symlink_to("/dev/zero")
    error = load_within(path)
    assert isinstance(error, InputError), error
    assert "not a regular file" in error.problem


def test_a_gbk_glossary_is_not_utf8_at_its_line(tmp_path):
    path = tmp_path / "glossary.zh-en.tsv"
    path.write_bytes("term\ttranslation\tnote\n党工委\tParty Working Committee\n"
                     .encode("gb18030"))
    error = load_within(path)
    assert isinstance(error, InputError), error
    assert (error.path, error.line) == (path, 2)
    assert error.problem.startswith("not UTF-8") and "GB18030" in (error.fix or "")


@pytest.mark.parametrize(("source", "target", "expected"), [
    ("他说：“好。”", "He said, “Good.”", []),
    ("他说：“好。”", 'He said, "Good."', ["style.straight-quotes"]),
    ("居民满意。", "Residents' satisfaction.", ["style.straight-quotes"]),
    ("居民满意。", "Residents are  satisfied.", ["style.double-space"]),
    ("居民满意。", "Residents are satisfied", ["style.final-stop"]),
    ("居民满意", "Residents are satisfied", []),  # a caption without a stop
    ("居民满意？", "Are residents satisfied?", []),
])
def test_house_style(source, target, expected, glossary):
    assert checks(source, target, glossary) == expected


def test_spelling_mixed_within_a_book_and_switched_off(glossary):
    texts = ["organized at the center", "honored behavior", "the organisation"]
    assert book_spelling(texts) == "US"
    found = check_translation("组织", "the organisation", glossary, book_spelling="US")
    assert [n for n, _ in found] == ["style.spelling"] and "organisation (organization)" \
        in found[0][1]
    assert check_translation("组织", "the organisation", glossary, book_spelling="US",
                             skip=("style.spelling",)) == []


def test_a_book_glossary_wins_and_check_names_it(project, cli):
    own = project / "book" / SAMPLE / "glossary.zh-en.tsv"
    own.write_text("term\ttranslation\tnote\n党工委\tWorking Committee of the Party\t\n",
                   encoding="utf-8")
    code, out, _ = cli(project, "check", SAMPLE)
    assert f"book/{SAMPLE}/glossary.zh-en.tsv, " in out  # the book's first
    assert "translations/glossary.zh-en.tsv (the book's own first; its terms win)" in out
    assert "党工委 should be rendered as “Working Committee of the Party” (" in out
    assert f"book/{SAMPLE}/glossary.zh-en.tsv:2)" in out
    assert "should be rendered as “Party Working Committee”" not in out  # the book won


def test_skip_checks_names_must_be_known(project, cli):
    with (project / "book" / SAMPLE / "book.yaml").open("a", encoding="utf-8") as f:
        f.write("skip_checks: [style.nonsense]\n")
    code, _, err = cli(project, "check", SAMPLE)
    assert code == 2 and "unknown check style.nonsense" in err


@pytest.mark.parametrize(("old", "new", "shown"), [
    ("村“两会”换届工作动员部署", "村“两委”换届工作动员部署", "村“两[-会→+委]”换届工作动…"),
    ("不要扔在马路！”“同志，麻烦您", "不要扔在马路上！”“同志，麻烦您",
     "不要扔在马路[+上]！”“同志，…"),
    ("第一段讲城北。", "第一段讲城北", "第一段讲城北[-。]"),
    ("城北", "城南", "城[-北→+南]"),
])
def test_char_diff(old, new, shown):
    assert char_diff(old, new) == shown


def test_update_and_check_show_what_changed_in_the_chinese(project, cli):
    source = project / "book" / SAMPLE / "source.zh.md"
    text = source.read_text(encoding="utf-8")
    source.write_text(text.replace("扔在马路上！", "扔在马路边上！").replace(
        "村“两委”换届", "村“两委”选举换届"), encoding="utf-8")
    code, out, _ = cli(project, "update", SAMPLE)
    assert code == 0
    assert "  section 2, paragraph 1: the Chinese changed, its translation is now fuzzy: " \
           "…不要扔在马路[+边]上！”“同志…" in out
    assert "  caption of photos/09.jpg: the Chinese changed, its translation is now fuzzy: " \
           "村“两委”[+选举]换届工作动员…" in out
    code, out, _ = cli(project, "check", SAMPLE)
    assert "section 2, paragraph 1: stale\n      the Chinese changed: …不要扔在马路[+边]上！”" \
           in out


def test_import_review_names_segments_by_place(project, cli):
    xlf = project / "dist" / "review.xlf"
    assert cli(project, "export", SAMPLE, "--output", str(xlf))[0] == 0
    tree = ET.parse(xlf)
    ns = {"x": "urn:oasis:names:tc:xliff:document:1.2"}
    unit = next(u for u in tree.getroot().iterfind(".//x:trans-unit", ns)
                if u.find("x:source", ns).text.startswith("曾经坑洼"))
    unit.find("x:target", ns).text = "Potholed roads are now asphalt."
    for context in unit.iterfind(".//x:context", ns):  # a tool that drops the place note
        if context.get("context-type") == "x-po-autocomment":
            context.text = ""
    tree.write(xlf, encoding="utf-8", xml_declaration=True)
    code, out, err = cli(project, "import-review", str(xlf))
    assert code == 0, err
    assert "  opening, paragraph 1: approved" in out
    assert unit.get("id") not in out + err
